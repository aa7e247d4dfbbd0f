"""The JSON report: the contract described in README (schema in metascan/schema/report.schema.json)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ..report import Report
from .options import RenderOptions

_FINDINGS = "\x00findings\x00"  # stands in for the findings while the rest of the report is encoded


def render(report: Report, options: RenderOptions) -> str:
    """The same text as `json.dumps(report.to_dict(), indent=2)`; see `chunks`."""
    return "".join(chunks(report, options))


def chunks(report: Report, options: RenderOptions) -> Iterator[str]:
    """The JSON report in pieces, the findings one at a time, so that a large report is never held whole:
    neither as one string nor with every finding as a dict or a covered copy at once.  The report's `Cover`
    (every covered value) is made once, for the rest of the report and for each finding."""
    cover = None if options.show_secrets else report.covering()
    doc = report.to_dict(options.show_secrets, findings=False, cover=cover)
    doc["findings"] = _FINDINGS
    head, _, tail = _dumps(doc).partition(json.dumps(_FINDINGS))
    yield head
    if not report.findings:
        yield "[]"
    else:
        parts: list[str] = ["["]
        for i, finding in enumerate(report.findings):
            if cover is not None:
                finding = cover.event(finding)
            parts.append(",\n    " if i else "\n    ")
            parts.append(_dumps(finding.to_dict(options.show_secrets)).replace("\n", "\n    "))
            if len(parts) >= _CHUNK:
                yield "".join(parts)
                parts = []
        parts.append("\n  ]")
        yield "".join(parts)
    yield tail + "\n"


_CHUNK = 512  # pieces (two a finding) joined into one write


def _dumps(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)
