"""`metascan rules`: a table with a header, JSON, filters, one rule explained; --version names the set."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import sys
from typing import Any

import pytest
from helpers_reports import run_main

from metascan import rulebook
from metascan.detect.rules import load_rules
from metascan.model import Severity
from metascan.posture.checks import CHECKS
from metascan.version import __version__

RULES = load_rules()
ALL = [*RULES, *CHECKS]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    def call(*args: str) -> tuple[int, str, str]:
        return run_main(list(args), capsys, monkeypatch)

    return call


def test_the_list_has_a_header_and_one_line_per_rule(cli: Any) -> None:
    code, out, _ = cli("rules")
    lines = out.splitlines()
    assert code == 0
    assert lines[0].split() == ["ID", "CATEGORY", "SEVERITY", "CONFIDENCE", "TITLE"]
    assert len(lines) == 1 + len(ALL)
    by_id = {line.split()[0]: line.split()[1:4] for line in lines[1:]}
    for e in ALL:
        assert by_id[e.id] == [str(e.category), str(e.severity), str(e.confidence)]


def test_filters_by_category_severity_and_vendor(cli: Any) -> None:
    code, out, _ = cli(
        "rules",
        "--category",
        "credential",
        "--severity",
        "critical",
        "--severity",
        "high",
        "--format",
        "json",
    )
    got = json.loads(out)
    expected = [e for e in ALL if e.category == "credential" and e.severity in ("critical", "high")]
    assert code == 0 and {r["id"] for r in got} == {e.id for e in expected} and got
    assert {r["kind"] for r in got} == {"rule"}
    _, out, _ = cli("rules", "--vendor", "aws", "--format", "json")
    assert {r["id"] for r in json.loads(out)} == {
        r.id for r in RULES if r.vendor and "aws" in r.vendor.lower()
    }
    _, out, _ = cli("rules", "--category", "data_protection")
    assert sorted(line.split()[0] for line in out.splitlines()[1:]) == sorted(c.id for c in CHECKS)
    code, out, err = cli("rules", "--severity", "banana")
    assert code == 2 and "banana" in err


def test_the_json_list_carries_what_a_tool_needs(cli: Any) -> None:
    _, out, _ = cli("rules", "--format", "json")
    got = {r["id"]: r for r in json.loads(out)}
    assert set(got) == {e.id for e in ALL}
    rule = RULES[0]
    assert got[rule.id]["remediation"] == rule.remediation and got[rule.id]["references"] == list(
        rule.references
    )


def test_one_rule_explained(cli: Any) -> None:
    rule = next(r for r in RULES if r.id == "password-assignment")
    code, out, _ = cli("rules", "password-assignment")
    assert code == 0
    assert out.startswith(f"password-assignment  (rule: credential, severity {rule.severity}")
    assert "What raises or lowers it:" in out
    assert f"severity raised to {rule.severity.shifted(+1)} in user data that a group launches" in out
    assert "Remediation:" in out and rule.remediation.split()[0] in out
    for ex in rule.examples_match[:2]:
        assert ex.text.replace("\n", "\\n") in out
    assert "Examples it does not find:" in out
    _, out, _ = cli("rules", "password-assignment", "--format", "json")
    doc = json.loads(out)
    assert len(doc["examples"]["match"]) == len(rule.examples_match)
    assert doc["adjustments"] == rulebook.adjustments(rule)


def test_a_check_explained(cli: Any) -> None:
    code, out, _ = cli("rules", CHECKS[0].id)
    assert code == 0 and CHECKS[0].title in out and "failing" in out


def test_an_unknown_id_is_an_error_with_a_suggestion(cli: Any) -> None:
    code, out, err = cli("rules", "aws-acces-key-id")
    assert code == 2 and out == ""
    assert err == (
        "metascan: error: no rule or check named 'aws-acces-key-id'; did you mean aws-access-key-id"
        + err.split("did you mean aws-access-key-id", 1)[1]
    )


def test_on_a_terminal_the_table_fits_the_screen(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setattr(sys, "stdout", screen)
    cli("rules", "--severity", "critical")
    shown = re.sub(r"\x1b\[[0-9;]*m", "", screen.getvalue()).splitlines()
    assert "id" in shown[0] and "severity" in shown[0] and "title" in shown[0]
    assert max(len(line) for line in shown) <= 100


def test_version_names_the_rule_set(cli: Any) -> None:
    code, out, _ = cli("--version")
    digest = rulebook.digest(ALL)
    assert code == 0
    rule_set = f"{len(RULES)} rules and {len(CHECKS)} checks, digest {digest}"
    assert out == f"metascan {__version__} (rule set: {rule_set})\n"


def test_the_digest_changes_with_any_rule_and_only_then() -> None:
    assert rulebook.digest(ALL) == rulebook.digest(list(reversed(ALL)))
    changed = [dataclasses.replace(RULES[0], severity=Severity.INFO), *RULES[1:], *CHECKS]
    assert rulebook.digest(changed) != rulebook.digest(ALL)
    assert rulebook.digest(ALL[1:]) != rulebook.digest(ALL)
