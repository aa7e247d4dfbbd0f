"""The stages between the scanner and the report: suppressions, then the baseline.

    scanner events -> Suppressor.filter -> Baseline.filter -> collect -> finish (report sections)

The CLI and library callers use the same object::

    from metascan.api import collect, file_events, make_scanner
    from metascan.posture.ebs import default_checks
    from metascan.config import load_config
    from metascan.workflow import Workflow

    wf = Workflow.create(config=load_config())            # metascan.toml in the working directory
    scanner = make_scanner(checks=[*default_checks(), *wf.checks()])
    wf.use_baseline("baseline.json", scanner.fingerprinter.key_id)
    report = wf.run(scanner, file_events(scanner, ["exports/"]))

`apply` runs the stages over a report scanned without them (tag suppressions then need the tags, which
only the scanner sees: config suppressions and the baseline still apply).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .api import OnEvent, collect
from .config import Config
from .model import Finding, ScanError, Skipped
from .report.baseline import Baseline, load_baseline
from .report.report import Report
from .report.suppress import Suppressor
from .scanner import Check, Scanner

Event = Finding | Skipped | ScanError


class Workflow:
    def __init__(self, suppressor: Suppressor | None = None, baseline: Baseline | None = None) -> None:
        self.suppressor = suppressor
        self.baseline = baseline
        # The raw value of every finding that entered the stages, in order: the report redacts them
        # wherever they appear, also when a stage took their finding out (see `report.cover`).
        self.seen: dict[str, None] = {}

    @classmethod
    def create(cls, config: Config | None = None, tags: bool = True) -> Workflow:
        """A workflow with the config's suppressions and tag suppressions (no baseline yet)."""
        suppressions = config.suppressions if config is not None else ()
        return cls(Suppressor(suppressions, tags=tags))

    def use_baseline(self, path: str | None, key_id: str) -> None:
        """Compare with the baseline report at `path` (checked against the run's key id); None: none."""
        self.baseline = load_baseline(path, key_id) if path is not None else None

    def checks(self) -> list[Check]:
        """The scanner checks the stages need (the suppressor learns tags from the records read)."""
        return [self.suppressor.observe] if self.suppressor is not None else []

    def _tap(self, events: Iterable[Event]) -> Iterator[Event]:
        for e in events:
            if isinstance(e, Finding) and e.match:
                self.seen[e.match] = None
            yield e

    def stage(self, events: Iterable[Event]) -> Iterator[Event]:
        events = self._tap(events)
        if self.suppressor is not None:
            events = self.suppressor.filter(events)
        if self.baseline is not None:
            events = self.baseline.filter(events)
        return iter(events)

    def finish(self, report: Report) -> Report:
        """Add the stages' sections to a report collected from `stage`."""
        # (a view of `seen`, not a copy: a report of 220,000 findings has as many values)
        seen = self.seen.keys()
        report.covered = seen if not report.covered or report.covered == seen else report.covered | seen
        if self.suppressor is not None:
            self.suppressor.annotate(report)
        if self.baseline is not None:
            also = [s.finding.fingerprint for s in self.suppressor.suppressed] if self.suppressor else []
            self.baseline.annotate(report, also)
        return report

    def run(self, scanner: Scanner, events: Iterable[Event], on_event: OnEvent | None = None) -> Report:
        """Collect a report through the stages (`on_event` sees only what the stages let through)."""
        return self.finish(collect(scanner, self.stage(events), on_event))

    def apply(self, report: Report) -> Report:
        """Run the stages over the findings of a report collected without them."""
        report.findings = [e for e in self.stage(report.findings) if isinstance(e, Finding)]
        return self.finish(report)
