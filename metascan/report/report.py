"""The report: what a scan found, skipped and failed on, and its JSON form (the contract tools parse)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from typing import Any

from ..fingerprint import FINGERPRINT_VERSION
from ..model import Category, Confidence, Finding, ScanError, Severity, Skipped
from ..version import __version__
from .cover import Cover

SCHEMA_VERSION = "1"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Report:
    """Everything one run produced.  `to_dict()` gives the JSON report; findings stay dataclasses."""

    findings: list[Finding] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    resources: int = 0
    fields: int = 0
    started_at: dt.datetime = field(default_factory=utcnow)
    finished_at: dt.datetime | None = None
    fingerprint_key_id: str | None = None
    fingerprint_version: int = FINGERPRINT_VERSION
    tool_version: str = __version__
    rules_digest: str | None = None  # `detect.rules.rules_digest` of the rules the scan ran
    # Sections added by workflow features (baseline, suppressed, unused_suppressions); JSON-ready values.
    extra: dict[str, Any] = field(default_factory=dict)
    # Raw values of findings the workflow took out (suppressed, in the baseline): never written, but still
    # redacted wherever else they appear in the report (`report.cover`).
    covered: AbstractSet[str] = field(default_factory=set, repr=False)

    def summary(self) -> dict[str, Any]:
        sev = Counter(str(f.severity) for f in self.findings)
        cat = Counter(str(f.category) for f in self.findings)
        out: dict[str, Any] = {
            "resources": self.resources,
            "fields": self.fields,
            "findings": len(self.findings),
            "by_severity": {str(s): sev.get(str(s), 0) for s in Severity},
            "by_category": {str(c): cat.get(str(c), 0) for c in Category},
            "skipped": len(self.skipped),
            "errors": len(self.errors),
        }
        if "suppressed" in self.extra:
            out["suppressed"] = len(self.extra["suppressed"])
        return out

    def failing(
        self, fail_on: Severity = Severity.INFO, min_confidence: Confidence = Confidence.LOW
    ) -> list[Finding]:
        """The findings that fail a run: at least `fail_on` severe and at least `min_confidence` confident."""
        return [
            f
            for f in self.findings
            if f.severity.rank >= fail_on.rank and f.confidence.rank >= min_confidence.rank
        ]

    def cover(self, by: Cover | None = None, findings: bool = True) -> Report:
        """A copy in which every value a finding covers is redacted wherever it appears: field paths,
        resource ids and ARNs, sources, skip reasons, error messages, workflow sections (also the values of
        findings the workflow took out, `covered`).  The findings keep their raw `match`.

        `by`: the report's `Cover`, when the caller has made it already (it holds every value: make it
        once).  `findings=False`: the findings are left as they are, for a caller that covers them one at
        a time (`by.event`) as it writes them."""
        c = by if by is not None else self.covering()
        if not c:
            return self
        return replace(
            self,
            findings=[c.event(f) for f in self.findings] if findings else self.findings,
            skipped=[c.event(s) for s in self.skipped],
            errors=[c.event(e) for e in self.errors],
            extra=c.json(self.extra),
        )

    def covering(self) -> Cover:
        """What `cover` redacts: the values of the findings and of those the workflow took out."""
        return Cover(self.findings, self.covered)

    def tool(self) -> dict[str, str]:
        tool = {"name": "metascan", "version": self.tool_version}
        if self.rules_digest is not None:
            tool["rules_digest"] = self.rules_digest
        return tool

    def to_dict(
        self, show_secrets: bool = False, findings: bool = True, cover: Cover | None = None
    ) -> dict[str, Any]:
        """The JSON report as a dict (`findings=False`: with an empty findings list, for streaming them).

        Without `show_secrets` the report is covered first (`cover`, made with the `Cover` given if any):
        no raw value anywhere.
        """
        if not show_secrets:
            return self.cover(cover, findings)._dict(False, findings)
        return self._dict(True, findings)

    def _dict(self, show_secrets: bool, findings: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "tool": self.tool(),
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at or utcnow()),
            "fingerprint_key_id": self.fingerprint_key_id,
            "fingerprint_version": self.fingerprint_version,
            "summary": self.summary(),
            "findings": [f.to_dict(show_secrets) for f in self.findings] if findings else [],
            "skipped": [s.to_dict() for s in self.skipped],
            "errors": [e.to_dict() for e in self.errors],
        }
        out.update(self.extra)
        return out
