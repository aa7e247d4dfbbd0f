"""Every structural check's own examples: each `fails` example gets a finding of that check (with the
severity, confidence and evidence the example names), each `passes` example gets none."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from metascan.api import make_scanner, scan_responses
from metascan.detect.rules import load_rules
from metascan.model import Category, Finding
from metascan.posture.checks import CHECKS, CheckExample, CheckInfo
from metascan.posture.ebs import default_checks

KEY = b"check-examples-key-0123456789"


def _findings(info: CheckInfo, example: CheckExample) -> list[Finding]:
    scanner = make_scanner(rules=[], checks=default_checks(example.require_cmk), fingerprint_key=KEY)
    responses = [(f"example-{i}.json", r) for i, r in enumerate(example.responses)]
    report = scan_responses(responses, scanner=scanner)
    assert report.errors == [] and report.skipped == [], (report.errors, report.skipped)
    return [f for f in report.findings if f.rule == info.id]


CASES_FAIL = [pytest.param(c, ex, id=f"{c.id}:{i}") for c in CHECKS for i, ex in enumerate(c.fails)]
CASES_PASS = [pytest.param(c, ex, id=f"{c.id}:{i}") for c in CHECKS for i, ex in enumerate(c.passes)]


@pytest.mark.parametrize(("info", "example"), CASES_FAIL)
def test_fails_examples_are_reported(info: CheckInfo, example: CheckExample) -> None:
    found = _findings(info, example)
    assert len(found) == 1, f"{info.id}: expected one finding for {example.responses}, got {found}"
    (f,) = found
    if example.severity is not None:
        assert f.severity is example.severity
    if example.confidence is not None:
        assert f.confidence is example.confidence
    if example.evidence is not None:
        assert f.evidence is not None and example.evidence in f.evidence, f.evidence
    assert f.category is info.category and f.title == info.title and f.remediation == info.remediation
    assert f.match is None and f.redacted == "" and f.evidence


@pytest.mark.parametrize(("info", "example"), CASES_PASS)
def test_passes_examples_are_not_reported(info: CheckInfo, example: CheckExample) -> None:
    assert _findings(info, example) == []


def test_every_check_is_described_and_has_both_kinds_of_example() -> None:
    rule_ids = {r.id for r in load_rules()}
    assert len({c.id for c in CHECKS}) == len(CHECKS)
    for c in CHECKS:
        assert c.passes and c.fails, c.id
        assert c.id not in rule_ids, f"{c.id} is also a pattern rule id"
        assert c.category is Category.DATA_PROTECTION
        assert c.title and c.description and c.remediation and c.references
        assert all(r.startswith("https://docs.aws.amazon.com/") for r in c.references)


def test_the_default_checks_run_every_registered_check() -> None:
    from metascan.posture.checks import check_infos

    assert check_infos(default_checks()) == CHECKS
    assert check_infos([lambda record, fp: iter(())]) == ()


# --- the README's table of checks --------------------------------------------------------------------------

README = Path(__file__).resolve().parents[2] / "README.md"
START, END = "<!-- checks:start -->", "<!-- checks:end -->"


def checks_table() -> str:
    rows = ["| id | severity | what it reports |", "|---|---|---|"]
    rows += [f"| `{c.id}` | {c.severity} | {c.description.replace('|', '/')} |" for c in CHECKS]
    return "\n".join(rows)


def test_readme_lists_every_check() -> None:
    """Regenerate with `METASCAN_REGEN_GOLDEN=1 pytest tests/posture/test_check_examples.py -k readme`."""
    text = README.read_text(encoding="utf-8")
    head, _, rest = text.partition(START)
    current, _, tail = rest.partition(END)
    expected = f"\n{checks_table()}\n"
    if os.environ.get("METASCAN_REGEN_GOLDEN"):
        README.write_text(f"{head}{START}{expected}{END}{tail}", encoding="utf-8")
        current = expected
    assert current == expected, "README table of checks is stale: regenerate it (see this test's docstring)"
