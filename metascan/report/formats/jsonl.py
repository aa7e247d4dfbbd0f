"""JSON Lines: one object per line, so a consumer can act on results as they arrive.

`{"type": "finding", ...}` (the same object as in the JSON report), `{"type": "skipped", ...}`,
`{"type": "error", ...}`, and last `{"type": "summary", ...}`: the JSON report without its three lists.
Joining the lines back (findings, skipped and errors into their lists) gives the JSON report.

`event_line` and `summary_line` are what the CLI writes while a scan runs; `render` gives the same lines
for a finished report (findings, then skipped entries, then errors).
"""

from __future__ import annotations

import json
from typing import Any

from ...model import Finding, ScanError, Skipped
from ..report import Report
from .options import RenderOptions

LISTS = {"finding": "findings", "skipped": "skipped", "error": "errors"}


def _dump(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


def event_line(event: Finding | Skipped | ScanError, show_secrets: bool = False) -> str:
    """The line of one finding, skipped entry or error."""
    if isinstance(event, Finding):
        return _dump({"type": "finding", **event.to_dict(show_secrets)})
    if isinstance(event, Skipped):
        return _dump({"type": "skipped", **event.to_dict()})
    return _dump({"type": "error", **event.to_dict()})


def summary_line(report: Report) -> str:
    """The last line: the report's header, summary and workflow sections, without the three lists."""
    doc = report.to_dict()  # covered (`Report.to_dict`)
    return _dump({"type": "summary", **{k: v for k, v in doc.items() if k not in LISTS.values()}})


def render(report: Report, options: RenderOptions) -> str:
    report = report if options.show_secrets else report.cover()
    out = [event_line(f, options.show_secrets) for f in report.findings]
    out += [event_line(s) for s in report.skipped]
    out += [event_line(e) for e in report.errors]
    out.append(summary_line(report))
    return "".join(out)
