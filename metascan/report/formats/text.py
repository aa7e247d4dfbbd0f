"""Text for terminals: findings grouped by resource (each naming the input it came from), severity coloured
(with `color`), then once per rule found why it matters and what to do, and a summary line.

Values that come from the scanned data (resource ids, field paths, previews) are printed with control
characters escaped, so a hostile tag cannot move the cursor or retitle the terminal.
"""

from __future__ import annotations

import io
from itertools import groupby

from rich.console import Console
from rich.text import Text

from ...model import Finding, Severity
from ..report import Report
from .names import NameRedactor
from .options import RenderOptions

SEVERITY_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def _safe(value: str) -> str:
    """`value` with C0/C1 control characters (and DEL) shown as escapes."""
    if value.isprintable():
        return value
    return "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode() for ch in value
    )


def _finding_line(f: Finding, options: RenderOptions) -> Text:
    where = _safe(f.location.field)
    if f.location.line is not None:
        where += f" line {f.location.line}"
    if f.location.decoding:
        where += f" [{_safe(' > '.join(f.location.decoding))}]"
    if f.location.source_line is not None:  # the line of the input file to change
        where += f" at {_safe(f.location.source)}:{f.location.source_line}"
    line = Text("  ")
    line.append(f"{f.severity.upper():8}", style=SEVERITY_STYLE[f.severity])
    if f.evidence is not None:  # a structural check: the setting as found, without repeating its name
        setting = f.location.field.rsplit(".", 1)[-1] + ": "
        value = f.evidence[len(setting) :] if f.evidence.startswith(setting) else f.evidence
    else:
        value = f.match if options.show_secrets and f.match is not None else f.redacted
    line.append(f" {f.rule}: {_safe(f.title)} in {where}: {_safe(value)}")
    if f.raised is not None:
        line.append(f" (raised: {_safe(f.raised)})", style="dim")
    if f.confidence.rank < 2:
        line.append(f" ({f.confidence} confidence)", style="dim")
    return line


def _order(f: Finding) -> tuple[str, str, str, str, int, str, int]:
    """By resource (type, id, account, region), then most severe first, then field and line."""
    r = f.resource
    return (
        r.type,
        r.id,
        r.account or "",
        r.region or "",
        -f.severity.rank,
        f.location.field,
        f.location.line or 0,
    )


def _n(count: int, noun: str) -> str:
    """`1 finding`, `2 findings`."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _summary(report: Report) -> Text:
    s = report.summary()
    sev = ", ".join(f"{n} {k}" for k, n in s["by_severity"].items() if n)
    with_findings = len({f.resource for f in report.findings})
    line = Text(_n(s["findings"], "finding"), style="bold")
    line.append(
        f"{f' ({sev})' if sev else ''} in {_n(with_findings, 'resource')}; {_n(s['resources'], 'resource')}"
        f" scanned, {_n(s['fields'], 'field')}; {s['skipped']} skipped, {_n(s['errors'], 'error')}"
    )
    if "suppressed" in s:
        line.append(f", {s['suppressed']} suppressed")
    baseline = report.extra.get("baseline")
    if baseline is not None:
        line.append(f"; baseline: {baseline['known']} known, {len(baseline['resolved'])} resolved")
    return line


def _advice(report: Report, options: RenderOptions) -> list[Text]:
    """Once per rule found, most severe first: why it matters (the rule's description, from the catalogue
    when the options carry it) and what to do (its remediation)."""
    if not report.findings:
        return []
    infos = {r.id: r for r in options.rules}
    first: dict[str, Finding] = {}
    for f in sorted(report.findings, key=lambda f: (-f.severity.rank, f.rule)):
        first.setdefault(f.rule, f)
    out = [Text("What to do:", style="bold")]
    for rule, f in first.items():
        info = infos.get(rule)
        out.append(Text(f"  {rule}: {_safe(f.title)}", style="bold"))
        if info is not None and info.description:
            out.append(Text(f"    why: {_safe(info.description)}"))
        out.append(Text(f"    fix: {_safe(f.remediation)}"))
    out.append(Text(""))
    return out


def summary_line(report: Report) -> str:
    """The summary line, plain (what the CLI repeats on standard error)."""
    return _summary(report).plain


def lines(report: Report, options: RenderOptions) -> list[Text]:
    out: list[Text] = []
    names = NameRedactor(() if options.show_secrets else report.findings)
    for res, grouped in groupby(sorted(report.findings, key=_order), key=lambda f: f.resource):
        group = list(grouped)
        header = Text(f"{res.type} {_safe(names.id(res))}", style="bold")
        where = " ".join(_safe(x) for x in (res.account, res.region) if x)
        if where:
            header.append(f" ({where})", style="dim")
        sources = list(dict.fromkeys(f.location.source for f in group))
        header.append(f" from {', '.join(_safe(x) for x in sources)}", style="dim")
        out.append(header)
        out.extend(_finding_line(f, options) for f in group)
        out.append(Text(""))
    out.extend(_advice(report, options))
    for s in report.skipped:
        where = f" {s.resource.type} {_safe(s.resource.id)}" if s.resource else ""
        field = f" {_safe(s.field)}" if s.field else ""
        out.append(Text(f"skipped: {_safe(s.source)}{where}{field}: {_safe(s.reason)}", style="dim"))
    for e in report.errors:
        out.append(Text(f"error: {_safe(e.message)}", style="red"))
    for b in report.extra.get("baseline", {}).get("resolved", []):
        res = b["resource"]
        out.append(Text(f"resolved: {b['rule']} on {res['type']} {_safe(res['id'])}", style="green"))
    for u in report.extra.get("unused_suppressions", []):
        out.append(
            Text(
                f"unused suppression: {_safe(u['source'])} entry {u['index']} ({_safe(u['reason'])})",
                style="yellow",
            )
        )
    out.append(_summary(report))
    return out


def render(report: Report, options: RenderOptions) -> str:
    report = report if options.show_secrets else report.cover()
    texts = lines(report, options)
    if not options.color:
        return "".join(t.plain + "\n" for t in texts)
    buf = io.StringIO()
    console = Console(
        file=buf,
        force_terminal=True,
        color_system="standard",
        width=100_000,
        soft_wrap=True,
        highlight=False,
        markup=False,
        emoji=False,
        no_color=False,
        _environ={},  # the output depends on the report and options only, not on NO_COLOR, TERM, COLUMNS
    )
    for t in texts:
        console.print(t)
    return buf.getvalue()
