"""AWS CLI `--output table` read back into the response it drew.

`cli_table` below draws a response as the CLI's table formatter does (awscli/formatter.py and table.py: a
section per structure and list, a header line of names over rows, one-row sections turned into `name | value`
rows when the drawing is wider than the terminal, 80 columns when the output goes to a file, nested sections
indented by one `|` more); the tests compare what metascan finds in the drawing with what it finds in the
JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_clitext import GROUPS, HOOKS, SUBSCRIPTIONS, VERSIONS

import metascan
from metascan.sources import clitable

KEY = b"clitable-test-key-0123456789abcd"


class _Section:
    def __init__(self, title: str, indent: int) -> None:
        self.title, self.indent = title, indent
        self.headers: list[str] = []
        self.rows: list[list[str]] = []

    def widths(self) -> list[int]:
        lines = ([self.headers] if self.headers else []) + self.rows
        return [max(len(r[i]) for r in lines) for i in range(len(lines[0]))] if lines else []

    def total(self) -> int:
        return max(
            len(self.title) + 2 + 2 * self.indent, sum(w + 4 for w in self.widths()) + 2 + 2 * self.indent
        )


def _scalar(value: Any) -> bool:
    return not isinstance(value, dict | list)


def _build(sections: list[_Section], title: str | None, current: Any, indent: int = 0) -> None:
    if not current:
        return
    if title is not None:
        sections.append(_Section(title, indent))
    if isinstance(current, list):
        if isinstance(current[0], dict):
            headers = sorted({k for e in current for k, v in e.items() if _scalar(v)})
            more = sorted({k for e in current for k, v in e.items() if not _scalar(v)})
            sections[-1].headers = headers
            for n, element in enumerate(current):
                if n and more:
                    sections.append(_Section(title or "", indent))
                    sections[-1].headers = headers
                sections[-1].rows.append([str(element.get(h, "")) for h in headers])
                for key in more:
                    if key in element:
                        _build(sections, key, element[key], indent + 1)
        else:
            sections[-1].rows.extend([str(e)] for e in current)
    elif isinstance(current, dict):
        headers = sorted(k for k, v in current.items() if _scalar(v))
        if len(headers) == 1:
            sections[-1].rows.append([headers[0], str(current[headers[0]])])
        elif headers:
            sections[-1].headers = headers
            sections[-1].rows.append([str(current[h]) for h in headers])
        for key in sorted(k for k, v in current.items() if not _scalar(v)):
            _build(sections, key, current[key], indent + 1)


def _cells(texts: list[str], widths: list[int], center: bool) -> str:
    out = ""
    for n, (text, width) in enumerate(zip(texts, widths, strict=True)):
        edge = "|" if n == 0 else ""
        if center:
            start = width // 2 - len(text) // 2 - 1
            cell = edge + " " * start + text
        else:
            cell = edge + "  " + text
        out += cell + " " * (width - len(cell) - 1) + "|"
    return out


def cli_table(operation: str, response: dict[str, Any], terminal: int = 80) -> str:
    sections: list[_Section] = []
    _build(sections, operation, response)
    width = max(s.total() for s in sections)
    if width > terminal:  # (one-row sections turned into name | value rows)
        for s in sections:
            if len(s.rows) == 1 and s.headers:
                s.rows, s.headers = [[h, v] for h, v in zip(s.headers, s.rows[0], strict=True)], []
        width = max(s.total() for s in sections)
    lines = ["-" * width]
    for s in sections:
        bars, room = "|" * s.indent, width - 2 * s.indent
        natural = [w + 4 for w in s.widths()]
        scaled = [w + (room - sum(natural)) * (i == len(natural) - 1) for i, w in enumerate(natural)]
        rule = "".join(("+" if i == 0 else "") + "-" * (w - 2 + (i > 0)) + "+" for i, w in enumerate(scaled))
        start = room // 2 - len(s.title) // 2 - 1
        lines.append(
            bars + "|" + " " * start + s.title + " " * (room - start - len(s.title) - 2) + "|" + bars
        )
        if not s.headers and not s.rows:
            lines.append(bars + "+" + "-" * (room - 2) + "+" + bars)
        if s.headers:
            lines += [bars + rule + bars, bars + _cells(s.headers, scaled, True) + bars]
        if s.rows:
            lines.append(bars + rule + bars)
            lines += [bars + _cells(r, scaled, False) + bars for r in s.rows]
            lines.append(bars + rule + bars)
    return "\n".join(lines) + "\n"


def _found(report: metascan.Report) -> set[tuple[str, str, str, str, str | None]]:
    return {(f.rule, f.resource.type, f.resource.id, f.location.field, f.match) for f in report.findings}


CASES = [
    ("DescribeAutoScalingGroups", GROUPS),
    ("DescribeLaunchTemplateVersions", VERSIONS),
    ("ListSubscriptions", SUBSCRIPTIONS),
]


@pytest.mark.parametrize("terminal", [80, 400])
@pytest.mark.parametrize(("operation", "response"), CASES, ids=[c[0] for c in CASES])
def test_a_table_gives_the_findings_of_the_same_response_in_json(
    tmp_path: Path, operation: str, response: dict[str, Any], terminal: int
) -> None:
    (tmp_path / "out.txt").write_text(cli_table(operation, response, terminal))
    (tmp_path / "out.json").write_text(json.dumps(response))
    table = metascan.scan_files([str(tmp_path / "out.txt")], fingerprint_key=KEY)
    js = metascan.scan_files([str(tmp_path / "out.json")], fingerprint_key=KEY)
    assert table.errors == [] and table.skipped == []
    assert js.findings and _found(table) == _found(js)


def test_the_rows_become_the_items_they_drew() -> None:
    parsed = clitable.parse(cli_table("DescribeAutoScalingGroups", GROUPS))
    assert parsed is not None
    response, lost = parsed
    assert lost == 0
    first, second = response["AutoScalingGroups"]
    assert first["AutoScalingGroupName"] == GROUPS["AutoScalingGroups"][0]["AutoScalingGroupName"]
    assert first["MaxSize"] == 4 and first["CapacityRebalance"] is False
    assert first["Tags"] == GROUPS["AutoScalingGroups"][0]["Tags"]
    assert first["AvailabilityZones"] == ["us-east-2a", "us-east-2b"]
    assert second["Tags"] == GROUPS["AutoScalingGroups"][1]["Tags"]


def test_a_value_with_line_breaks_is_counted_as_not_read(tmp_path: Path) -> None:
    path = tmp_path / "hooks.txt"
    path.write_text(cli_table("DescribeLifecycleHooks", HOOKS))
    report = metascan.scan_files([str(path)], fingerprint_key=KEY)
    assert report.errors == []
    assert [s.reason.split(":")[0] for s in report.skipped] == ["AWS CLI table output"]
    assert {f.resource.type for f in report.findings} <= {"LifecycleHook"}
