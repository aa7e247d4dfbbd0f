"""The progress display of `metascan aws`: groups and templates read per account and region, on a terminal.

The CLI shows it on standard error only when that is a terminal and --quiet is not given; updates come from
the thread that consumes the scan, so no locking is needed.
"""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

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
