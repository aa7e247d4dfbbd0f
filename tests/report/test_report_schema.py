"""The report's workflow sections in the JSON Schema, and the exit gate on a report."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest
from helpers_reports import golden_findings, golden_report, validate_report

from metascan.model import Confidence, Severity
from metascan.report.report import Report


def doc() -> dict[str, Any]:
    d: dict[str, Any] = golden_report().to_dict()
    return d


def test_the_golden_report_with_every_section_is_valid() -> None:
    d = doc()
    assert {"baseline", "suppressed", "unused_suppressions"} <= set(d)
    validate_report(d)
    assert json.loads(json.dumps(d)) == d


@pytest.mark.parametrize(
    "breakage",
    [
        lambda d: d["baseline"].pop("known"),
        lambda d: d["baseline"].update(known=-1),
        lambda d: d["baseline"]["resolved"][0].update(fingerprint="abc"),
        lambda d: d["baseline"]["resolved"][0].pop("resource"),
        lambda d: d["suppressed"][0].pop("reason"),
        lambda d: d["suppressed"][0]["resource"].pop("id"),
        lambda d: d["unused_suppressions"][0].update(index=0),
        lambda d: d["unused_suppressions"][0].update(value="AKIA-the-regex"),
        lambda d: d["summary"].update(suppressed=-1),
    ],
)
def test_the_schema_rejects_broken_sections(breakage: Any) -> None:
    d = copy.deepcopy(doc())
    breakage(d)
    with pytest.raises(jsonschema.ValidationError):
        validate_report(d)


def test_summary_counts_suppressed_only_when_suppressions_ran() -> None:
    assert "suppressed" not in Report().summary()
    assert golden_report().summary()["suppressed"] == 1


@pytest.mark.parametrize(
    ("fail_on", "min_confidence", "rules"),
    [
        (
            Severity.INFO,
            Confidence.LOW,
            {"aws-access-key-id", "email-address", "slack-webhook-url", "unencrypted-volume"},
        ),
        (Severity.HIGH, Confidence.LOW, {"aws-access-key-id", "slack-webhook-url"}),
        (Severity.HIGH, Confidence.HIGH, {"aws-access-key-id"}),
        (Severity.LOW, Confidence.MEDIUM, {"aws-access-key-id", "email-address", "slack-webhook-url"}),
        (Severity.CRITICAL, Confidence.HIGH, {"aws-access-key-id"}),
    ],
)
def test_failing_findings(fail_on: Severity, min_confidence: Confidence, rules: set[str]) -> None:
    report = Report(findings=golden_findings())
    assert {f.rule for f in report.failing(fail_on, min_confidence)} == rules
