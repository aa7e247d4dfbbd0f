"""Plain text for terminals: findings grouped by resource, and a summary line."""

from __future__ import annotations

from itertools import groupby

from ..report import Report
from . import RenderOptions


def render(report: Report, options: RenderOptions) -> str:
    lines: list[str] = []
    order = sorted(report.findings, key=lambda f: (f.resource.type, f.resource.id, f.location.field))
    for (rtype, rid), group in groupby(order, key=lambda f: (f.resource.type, f.resource.id)):
        lines.append(f"{rtype} {rid}")
        for f in group:
            where = f.location.field
            if f.location.line is not None:
                where += f" line {f.location.line}"
            if f.location.decoding:
                where += f" [{' > '.join(f.location.decoding)}]"
            value = f.match if options.show_secrets and f.match is not None else f.evidence or f.redacted
            lines.append(f"  {f.severity.upper():8} {f.rule}: {f.title} in {where}: {value}")
        lines.append("")
    for s in report.skipped:
        where = f" {s.resource.type} {s.resource.id}" if s.resource else ""
        lines.append(f"skipped: {s.source}{where}{' ' + s.field if s.field else ''}: {s.reason}")
    for e in report.errors:
        lines.append(f"error: {e.message}")
    summary = report.summary()
    sev = ", ".join(f"{n} {k}" for k, n in summary["by_severity"].items() if n)
    lines.append(
        f"{summary['findings']} findings{f' ({sev})' if sev else ''} in {summary['resources']} resources,"
        f" {summary['fields']} fields; {summary['skipped']} skipped, {summary['errors']} errors"
    )
    return "\n".join(lines) + "\n"
