"""Progress displays on a terminal: `metascan aws` (groups and templates read per account and region) and
`metascan scan` (files and bytes read, findings so far).

The CLI shows them on standard error only when that is a terminal and --quiet is not given; updates come from
the thread that consumes the scan, so no locking is needed.  Both are transient: they leave nothing behind.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:  # (boto3 and botocore are imported only for a live scan: 0.1 s of every start)
    from .sources.aws import RegionProgress


class AwsProgressDisplay:
    """A live table, one row per account and region."""

    def __init__(self, console: Console) -> None:
        self._rows: dict[tuple[str, str], RegionProgress] = {}
        self._live = Live(self.render(), console=console, transient=True, refresh_per_second=4)

    def __enter__(self) -> AwsProgressDisplay:
        self._live.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._live.stop()

    def update(self, progress: RegionProgress) -> None:
        self._rows[(progress.account, progress.region)] = progress
        self._live.update(self.render())

    def render(self) -> Table:
        table = Table(title="metascan aws", title_justify="left", box=None, pad_edge=False)
        table.add_column("account")
        table.add_column("region")
        table.add_column("groups", justify="right")
        table.add_column("templates", justify="right")
        table.add_column("state")
        for (account, region), p in sorted(self._rows.items()):
            state = "done" if p.done else "scanning"
            if p.errors:
                state += f", {p.errors} error{'s' if p.errors != 1 else ''}"
            # Text, not markup: an account or region name such as '[/bold]' is shown as it is.
            table.add_row(Text(account), Text(region), str(p.groups), str(p.templates), state)
        done = sum(p.done for p in self._rows.values())
        table.caption = f"{done}/{len(self._rows)} regions done" if self._rows else "starting"
        return table


class ScanProgressDisplay:
    """One live line: files and bytes read, findings so far, time taken (like the AWS CLI's transfers)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._line = Text("metascan scan: starting")
        self._live = Live(self._line, console=console, transient=True, refresh_per_second=4)

    def __enter__(self) -> ScanProgressDisplay:
        self._live.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._live.stop()

    def update(self, files: int, size: int, findings: int) -> None:
        self._live.update(Text(progress_line(files, size, findings)))

    def stop(self) -> None:
        """Take the display away (again on leaving the `with` block: stopping twice is harmless)."""
        self._live.stop()


def progress_line(files: int, size: int, findings: int) -> str:
    """`metascan scan: 12 files, 3.4 MB read, 5 findings so far`."""
    return (
        f"metascan scan: {files} file{'s' if files != 1 else ''}, {_size(size)} read,"
        f" {findings} finding{'s' if findings != 1 else ''} so far"
    )


def _size(n: int) -> str:
    if n < 1000:
        return f"{n} bytes"
    value = n / 1000
    for unit in ("KB", "MB"):
        if value < 1000:
            return f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"
