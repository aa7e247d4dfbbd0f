"""The JSON report: the contract described in README (schema in metascan/schema/report.schema.json)."""

from __future__ import annotations

import io
import json
from typing import Any

from ..report import Report
from .options import RenderOptions

_FINDINGS = "\x00findings\x00"  # stands in for the findings while the rest of the report is encoded


def render(report: Report, options: RenderOptions) -> str:
    """The same text as `json.dumps(report.to_dict(), indent=2)`, but the findings are encoded one at a time,
    so a large report never holds every finding as a dict at once."""
    doc = report.to_dict(options.show_secrets, findings=False)
    report = report if options.show_secrets else report.cover()
    doc["findings"] = _FINDINGS
    head, _, tail = _dumps(doc).partition(json.dumps(_FINDINGS))
    out = io.StringIO()
    out.write(head)
    if not report.findings:
        out.write("[]")
    else:
        out.write("[")
        for i, finding in enumerate(report.findings):
            out.write(",\n    " if i else "\n    ")
            out.write(_dumps(finding.to_dict(options.show_secrets)).replace("\n", "\n    "))
        out.write("\n  ]")
    out.write(tail)
    out.write("\n")
    return out.getvalue()


def _dumps(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)
