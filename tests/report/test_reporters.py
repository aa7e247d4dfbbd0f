"""Reporters render a fixed report exactly as the golden files say, and each format keeps its promises."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import click
import jsonschema
import pytest
from helpers_reports import (
    GOLDEN_RULES,
    GOLDEN_SECRETS,
    SARIF_SCHEMA,
    check_golden,
    empty_report,
    golden_findings,
    golden_report,
    validate_report,
)

from metascan.cli import scan
from metascan.detect.rules import load_rules
from metascan.model import Severity
from metascan.report.formats import jsonl, sarif, text
from metascan.report.formats.options import RenderOptions, catalogue
from metascan.report.render import Format, renderer
from metascan.report.report import Report

PLAIN = RenderOptions(rules=GOLDEN_RULES)
SECRETS = RenderOptions(show_secrets=True, rules=GOLDEN_RULES)


def render(fmt: Format, report: Report, options: RenderOptions = PLAIN) -> str:
    return renderer(fmt)(report, options)


# --- one mapping, agreeing with the CLI ------------------------------------------------------------


def test_cli_format_choices_are_the_renderer_mapping() -> None:
    option = next(p for p in scan.params if p.name == "fmt")
    assert isinstance(option.type, click.Choice)
    assert set(option.type.choices) == {f.value for f in Format}
    for fmt in Format:
        assert callable(renderer(fmt))
    assert len({renderer(f) for f in Format}) == len(Format)


# --- golden files ----------------------------------------------------------------------------------

GOLDEN_CASES = [
    ("report.txt", Format.TEXT, PLAIN),
    ("report.color.txt", Format.TEXT, RenderOptions(color=True, rules=GOLDEN_RULES)),
    ("report.secrets.txt", Format.TEXT, SECRETS),
    ("report.json", Format.JSON, PLAIN),
    ("report.secrets.json", Format.JSON, SECRETS),
    ("report.jsonl", Format.JSONL, PLAIN),
    ("report.secrets.jsonl", Format.JSONL, SECRETS),
    ("report.sarif", Format.SARIF, PLAIN),
    ("report.asff", Format.ASFF, RenderOptions(rules=GOLDEN_RULES)),
    ("report.ocsf", Format.OCSF, RenderOptions(rules=GOLDEN_RULES)),
]


@pytest.mark.parametrize(("name", "fmt", "options"), GOLDEN_CASES, ids=[c[0] for c in GOLDEN_CASES])
def test_golden(name: str, fmt: Format, options: RenderOptions) -> None:
    check_golden(name, render(fmt, golden_report(), options))


@pytest.mark.parametrize("fmt", list(Format))
def test_golden_empty(fmt: Format) -> None:
    suffix = "txt" if fmt is Format.TEXT else fmt.value
    check_golden(f"empty.{suffix}", render(fmt, empty_report()))


# --- secrets ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(Format))
def test_no_default_rendering_holds_a_raw_value(fmt: Format) -> None:
    out = render(fmt, golden_report())
    for secret in GOLDEN_SECRETS:
        assert secret not in out


@pytest.mark.parametrize("fmt", [Format.TEXT, Format.JSON, Format.JSONL])
def test_show_secrets_adds_the_raw_match(fmt: Format) -> None:
    out = render(fmt, golden_report(), SECRETS)
    for secret in GOLDEN_SECRETS:
        assert secret in out


@pytest.mark.parametrize("fmt", [Format.SARIF, Format.ASFF, Format.OCSF])
def test_shared_formats_never_hold_a_raw_value_even_when_asked(fmt: Format) -> None:
    out = render(fmt, golden_report(), SECRETS)
    assert out == render(fmt, golden_report(), PLAIN)
    for secret in GOLDEN_SECRETS:
        assert secret not in out


# --- json and jsonl --------------------------------------------------------------------------------


@pytest.mark.parametrize("extras", [True, False])
def test_json_report_matches_schema(extras: bool) -> None:
    for options in (PLAIN, SECRETS):
        validate_report(json.loads(render(Format.JSON, golden_report(extras), options)))
    validate_report(json.loads(render(Format.JSON, empty_report())))


def test_jsonl_lines_reassemble_into_the_json_report() -> None:
    report = golden_report()
    lines = [json.loads(line) for line in render(Format.JSONL, report).splitlines()]
    assert [line["type"] for line in lines][-1] == "summary"
    assert sum(1 for line in lines if line["type"] == "summary") == 1
    doc: dict[str, Any] = {k: v for k, v in lines[-1].items() if k != "type"}
    for kind, key in jsonl.LISTS.items():
        doc[key] = [{k: v for k, v in line.items() if k != "type"} for line in lines if line["type"] == kind]
    assert doc == json.loads(render(Format.JSON, report))


def test_jsonl_finding_lines_are_the_json_findings() -> None:
    report = golden_report()
    findings = [json.loads(line) for line in render(Format.JSONL, report, SECRETS).splitlines()[:4]]
    assert [{k: v for k, v in f.items() if k != "type"} for f in findings] == [
        f.to_dict(show_secrets=True) for f in report.findings
    ]


# --- text ------------------------------------------------------------------------------------------


def test_text_groups_by_resource_and_ends_with_a_summary() -> None:
    out = render(Format.TEXT, golden_report()).splitlines()
    headers = [
        line for line in out if line and not line.startswith((" ", "skipped", "error", "resolved", "unused"))
    ]
    assert headers[:3] == [  # each resource names the input it came from: a file, or aws:ACCOUNT:REGION
        "AutoScalingGroup orders-web-prod (210987654322 us-east-1) from exports/asg.json",
        "LaunchTemplateVersion lt-0a1b2c3d4e5f60718:2 (210987654322 us-east-1)"
        " from exports/ec2 describe-launch-template-versions.json",
        "LifecycleHook orders-web-prod/drain (210987654322 eu-west-1) from aws:210987654322:eu-west-1",
    ]
    # Within a resource, the most severe first.
    version = out.index(headers[1])
    assert "CRITICAL" in out[version + 1] and "LOW" in out[version + 2]
    # resources with findings, and those scanned, apart; plurals by count
    assert out[-1].startswith(
        "4 findings (1 critical, 1 high, 1 medium, 1 low) in 3 resources; 5 resources scanned, 42 fields;"
        " 1 skipped, 1 error, 1 suppressed"
    )
    assert "1 suppressed" in out[-1] and "baseline: 7 known, 1 resolved" in out[-1]


def test_text_colour_only_when_asked() -> None:
    plain = render(Format.TEXT, golden_report())
    coloured = render(Format.TEXT, golden_report(), dataclasses.replace(PLAIN, color=True))
    assert "\x1b[" not in plain
    assert "\x1b[" in coloured
    # The same words, with escapes around them.
    import re

    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain


def test_text_colour_ignores_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    before = render(Format.TEXT, golden_report(), RenderOptions(color=True))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.setenv("COLUMNS", "20")
    assert render(Format.TEXT, golden_report(), RenderOptions(color=True)) == before


def test_text_escapes_control_characters_from_the_data() -> None:
    f = golden_findings()[1]
    hostile = type(f.resource)(f.resource.type, "evil\x1b]0;pwned\x07name", None, None, None)
    report = Report(findings=[type(f)(**{**{s: getattr(f, s) for s in f.__slots__}, "resource": hostile})])
    for options in (RenderOptions(), RenderOptions(color=True)):
        out = text.render(report, options)
        assert "\x07" not in out and "\x1b]" not in out
        assert "evil\\x1b]0;pwned\\x07name" in out


# --- sarif -----------------------------------------------------------------------------------------


def _sarif(report: Report, options: RenderOptions = PLAIN) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(render(Format.SARIF, report, options))
    return doc


def sarif_validator() -> jsonschema.protocols.Validator:
    path = Path(os.environ.get("METASCAN_SARIF_SCHEMA", SARIF_SCHEMA))
    if not path.is_file():
        pytest.skip(
            f"the official SARIF 2.1.0 schema is not at {path} (set METASCAN_SARIF_SCHEMA to its copy)"
        )
    schema = json.loads(path.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize("report", [golden_report(), golden_report(extras=False), empty_report()])
def test_sarif_is_valid_against_the_official_schema(report: Report) -> None:
    errors = list(sarif_validator().iter_errors(_sarif(report)))
    assert errors == [], [f"{list(e.path)}: {e.message}" for e in errors]


def test_sarif_with_the_bundled_catalogue_is_valid() -> None:
    doc = _sarif(golden_report(), RenderOptions(rules=catalogue(load_rules())))
    errors = list(sarif_validator().iter_errors(doc))
    assert errors == [], [f"{list(e.path)}: {e.message}" for e in errors]
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} >= {r.id for r in load_rules()}
    for r in rules:
        assert r["help"]["text"] and r["shortDescription"]["text"] and r["fullDescription"]["text"]
        assert {"category", "severity"} <= set(r["properties"])


def test_sarif_rules_one_per_detector_and_results_point_at_them() -> None:
    doc = _sarif(golden_report())
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    # Every catalogue rule, plus the structural check the catalogue lacks, each once.
    assert ids == sorted({r.id for r in GOLDEN_RULES} | {"unencrypted-volume"})
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


@pytest.mark.parametrize(
    ("severity", "level"),
    [
        (Severity.CRITICAL, "error"),
        (Severity.HIGH, "error"),
        (Severity.MEDIUM, "warning"),
        (Severity.LOW, "note"),
        (Severity.INFO, "note"),
    ],
)
def test_sarif_level_from_severity(severity: Severity, level: str) -> None:
    f = golden_findings()[0]
    finding = type(f)(**{**{s: getattr(f, s) for s in f.__slots__}, "severity": severity})
    (result,) = _sarif(Report(findings=[finding]))["runs"][0]["results"]
    assert result["level"] == level


def test_sarif_locations_properties_and_fingerprints() -> None:
    results = _sarif(golden_report())["runs"][0]["results"]
    by_rule = {r["ruleId"]: r for r in results}
    key = by_rule["aws-access-key-id"]
    (loc,) = key["locations"]
    assert (
        loc["physicalLocation"]["artifactLocation"]["uri"]
        == "exports/ec2%20describe-launch-template-versions.json"
    )
    assert [(x["kind"], x["name"]) for x in loc["logicalLocations"]] == [
        ("resource", "lt-0a1b2c3d4e5f60718:2"),
        ("property", "LaunchTemplateData.UserData"),
    ]
    assert key["properties"]["line"] == 3
    assert key["properties"]["decoding"] == ["base64", "gzip", "mime:2"]
    assert key["partialFingerprints"] == {sarif.FINGERPRINT_KEY: "1" * 64}
    assert key["baselineState"] == "new"
    live = by_rule["slack-webhook-url"]["locations"][0]
    assert "physicalLocation" not in live  # a live resource has no file
    assert live["logicalLocations"][0]["fullyQualifiedName"] == "LifecycleHook/orders-web-prod/drain"


def test_sarif_fingerprints_are_stable_across_renderings() -> None:
    a = [r["partialFingerprints"] for r in _sarif(golden_report())["runs"][0]["results"]]
    report = golden_report()
    report.findings.reverse()
    b = [r["partialFingerprints"] for r in _sarif(report)["runs"][0]["results"]]
    assert sorted(map(str, a)) == sorted(map(str, b))


def test_sarif_absolute_paths_are_file_uris() -> None:
    assert sarif._artifact_uri("/srv/exports/a b.json") == "file:///srv/exports/a%20b.json"
    assert sarif._artifact_uri("aws:123456789012:us-east-1") is None
    assert sarif._artifact_uri("<stdin>") is None


def test_catalogue_is_sorted_metadata_of_the_rules() -> None:
    rules = load_rules()
    cat = catalogue(rules)
    assert [c.id for c in cat] == sorted(r.id for r in rules)
    one = next(c for c in cat if c.id == "aws-access-key-id")
    assert one.remediation and one.description and one.severity in {s.value for s in Severity}


def test_json_renderer_streams_findings_into_the_same_text_as_one_dump() -> None:
    """The JSON renderer encodes findings one at a time; the text is exactly json.dumps of the report."""
    import metascan
    from metascan.report.formats import json as json_reporter

    report = metascan.scan_files([Path(__file__).resolve().parents[2] / "examples"])
    assert report.findings
    for show in (False, True):
        text = json_reporter.render(report, RenderOptions(show_secrets=show))
        assert text == json.dumps(report.to_dict(show), indent=2, ensure_ascii=False) + "\n"
    report.findings = []
    text = json_reporter.render(report, RenderOptions())
    assert text == json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def test_text_says_once_per_rule_why_it_matters_and_what_to_do() -> None:
    out = render(Format.TEXT, golden_report())
    advice = out[out.index("What to do:\n") :].split("\n\n", 1)[0].splitlines()[1:]
    rules = [line.split(":")[0].strip() for line in advice if not line.startswith("    ")]
    assert rules == [
        "aws-access-key-id",
        "slack-webhook-url",
        "email-address",
        "unencrypted-volume",
    ]  # severity
    infos = {r.id: r for r in GOLDEN_RULES}
    for f in golden_report().findings:
        assert out.count(f"    fix: {f.remediation}\n") == 1
        if f.rule in infos:
            assert f"    why: {infos[f.rule].description}\n" in out


def test_text_summary_plurals() -> None:
    report = golden_report(extras=False)
    report.findings = report.findings[:1]
    report.resources, report.fields, report.errors = 1, 1, report.errors[:1]
    line = render(Format.TEXT, report).splitlines()[-1]
    assert line.startswith("1 finding (1 critical) in 1 resource; 1 resource scanned, 1 field; ")
    assert ", 1 error" in line
