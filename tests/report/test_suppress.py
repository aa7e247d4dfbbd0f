"""Suppressions: config entries and `metascan:ignore` tags take findings out, and say so in the report."""

from __future__ import annotations

import dataclasses
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from helpers_reports import (
    PLANTED,
    PLANTED_GROUP,
    PLANTED_TEMPLATE,
    planted_exports,
    run_main,
    validate_report,
    write_planted,
)

from metascan.api import file_events, make_scanner
from metascan.config import Config, Suppression, glob, load_config, parse_config
from metascan.errors import ConfigError
from metascan.model import Category, Confidence, Finding, Location, Resource, Severity
from metascan.posture.ebs import default_checks
from metascan.report.report import Report
from metascan.report.suppress import IGNORE_TAG, Suppressor, config_matches
from metascan.workflow import Workflow


def ignore(value: str) -> dict[str, Any]:
    return {
        "Key": IGNORE_TAG,
        "Value": value,
        "ResourceId": PLANTED_GROUP,
        "ResourceType": "auto-scaling-group",
    }


def scan(
    paths: list[Path], config: Config | None = None, tags: bool = True, region: str | None = None
) -> Report:
    wf = Workflow.create(config, tags=tags)
    scanner = make_scanner(checks=[*default_checks(), *wf.checks()], region=region)
    report = wf.run(scanner, file_events(scanner, [str(p) for p in paths]))
    validate_report(report.to_dict())
    return report


def rules_on(report: Report) -> set[tuple[str, str]]:
    return {(f.rule, f.resource.type) for f in report.findings}


def suppressed_on(report: Report) -> set[tuple[str, str]]:
    return {(s["rule"], s["resource"]["type"]) for s in report.extra["suppressed"]}


ALL = {
    ("password-assignment", "AutoScalingGroup"),
    ("url-secret-parameter", "LifecycleHook"),
    ("aws-access-key-id", "LaunchTemplateVersion"),
    ("aws-secret-access-key", "LaunchTemplateVersion"),
    ("password-assignment", "LaunchTemplateVersion"),
    ("email-address", "LaunchTemplateVersion"),
}


def test_the_planted_exports_give_the_findings_these_tests_expect(tmp_path: Path) -> None:
    report = scan([write_planted(tmp_path)])
    assert rules_on(report) == ALL
    assert report.extra["suppressed"] == [] and report.summary()["suppressed"] == 0


# --- config file -----------------------------------------------------------------------------------------


def config(tmp_path: Path, text: str, name: str = "metascan.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_config_entries_suppress_and_are_listed_with_their_reason(tmp_path: Path) -> None:
    cfg = config(
        tmp_path,
        """
[[suppress]]
reason = "shared test key"
rule = "aws-*-key*"
resource = "lt-*"

[[suppress]]
reason = "hook tokens rotate hourly"
resource = "arn:aws:autoscaling:*"   # an ARN glob: hooks have no ARN, so this matches nothing
field = "NotificationMetadata"

[[suppress]]
reason = "the owner agreed"
value = '@gmail\\.com$'
""",
    )
    report = scan([write_planted(tmp_path / "in")], load_config(cfg))
    assert suppressed_on(report) == {
        ("aws-access-key-id", "LaunchTemplateVersion"),
        ("aws-secret-access-key", "LaunchTemplateVersion"),
        ("email-address", "LaunchTemplateVersion"),
    }
    assert rules_on(report) == ALL - suppressed_on(report)
    reasons = {s["rule"]: s["reason"] for s in report.extra["suppressed"]}
    assert reasons["aws-access-key-id"] == f"shared test key ({cfg} entry 1)"
    assert report.summary()["suppressed"] == 3
    assert report.extra["unused_suppressions"] == [
        {
            "source": str(cfg),
            "index": 2,
            "reason": "hook tokens rotate hourly",
            "resource": "arn:aws:autoscaling:*",
            "field": "NotificationMetadata",
        }
    ]


def test_resource_globs_match_the_arn_too(tmp_path: Path) -> None:
    cfg = config(tmp_path, '[[suppress]]\nreason = "r"\nresource = "arn:aws:autoscaling:eu-west-1:*"\n')
    report = scan([write_planted(tmp_path / "in")], load_config(cfg))
    assert suppressed_on(report) == {("password-assignment", "AutoScalingGroup")}


def test_unused_suppressions_never_show_the_value_regex(tmp_path: Path) -> None:
    cfg = config(tmp_path, f'[[suppress]]\nreason = "r"\nvalue = "^{PLANTED["aws_key"]}-nope$"\n')
    report = scan([write_planted(tmp_path / "in")], load_config(cfg))
    assert report.extra["unused_suppressions"] == [
        {"source": str(cfg), "index": 1, "reason": "r", "value": True}
    ]
    assert PLANTED["aws_key"] not in json.dumps(report.to_dict())


def finding(**kw: Any) -> Finding:
    base: dict[str, Any] = dict(
        rule="email-address",
        category=Category.PERSONAL_DATA,
        severity=Severity.MEDIUM,
        confidence=Confidence.HIGH,
        title="Email address",
        remediation="r",
        resource=Resource(
            "AutoScalingGroup", "web", "arn:aws:autoscaling:us-east-1:1:asg/web", "us-east-1", "1"
        ),
        location=Location("a.json", "Tags[Owner].Value"),
        redacted="x",
        fingerprint="0" * 64,
        match="jane@example.net",
    )
    return Finding(**{**base, **kw})


def entry(**kw: str) -> Suppression:
    return parse_config({"suppress": [{"reason": "r", **kw}]}, "c.toml").suppressions[0]


@pytest.mark.parametrize(
    ("criteria", "matches"),
    [
        ({"rule": "email-address"}, True),
        ({"rule": "email-*"}, True),
        ({"rule": "email"}, False),  # a glob matches the whole id
        ({"resource": "web"}, True),
        ({"resource": "we?"}, True),
        ({"resource": "arn:aws:autoscaling:*"}, True),
        ({"resource": "other"}, False),
        ({"field": "Tags[Owner].Value"}, True),  # brackets are literal
        ({"field": "Tags[O].Value"}, False),
        ({"field": "Tags[*].Value"}, True),
        ({"value": "example"}, True),  # searched, not anchored
        ({"value": "^example"}, False),
        ({"rule": "email-address", "field": "UserData"}, False),  # every criterion must match
        ({"rule": "email-address", "value": "@example\\.net$"}, True),
    ],
)
def test_config_matching(criteria: dict[str, str], matches: bool) -> None:
    assert config_matches(entry(**criteria), finding()) is matches


def test_value_regex_falls_back_to_the_evidence_of_structural_findings() -> None:
    f = finding(match=None, evidence="Encrypted=false")
    assert config_matches(entry(value="Encrypted=false"), f)
    assert not config_matches(entry(value="x"), finding(match=None))


def test_glob_only_star_and_question_mark_are_special() -> None:
    assert glob("a.b*").fullmatch("a.bcd") and not glob("a.b*").fullmatch("axbcd")
    assert glob("x[1]?").fullmatch("x[1]z") and not glob("x[1]").fullmatch("x1")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[suppress]\nreason='x'", "invalid TOML"),
        ("ignore = []", "unknown keys: ignore"),
        ("suppress = 'x'", "suppress must be an array of tables"),
        ("suppress = ['x']", "suppress entry 1: must be a table"),
        ("[[suppress]]\nrule = 'x'", "suppress entry 1: reason is required"),
        ("[[suppress]]\nreason = ' '\nrule = 'x'", "suppress entry 1: reason must be a non-empty string"),
        (
            "[[suppress]]\nreason = 'x'",
            "suppress entry 1: needs at least one of rule, resource, field, value",
        ),
        ("[[suppress]]\nreason = 'x'\nrules = 'y'", "suppress entry 1: unknown keys: rules"),
        ("[[suppress]]\nreason = 'x'\nrule = 3", "suppress entry 1: rule must be a non-empty string"),
        (
            "[[suppress]]\nreason='a'\nrule='b'\n[[suppress]]\nreason = 'x'\nvalue = '(AKIAZ5TQ'",
            "suppress entry 2: value is not a valid regular expression: missing ), unterminated subpattern",
        ),
    ],
)
def test_malformed_config_is_an_error_naming_file_and_entry(tmp_path: Path, text: str, message: str) -> None:
    path = config(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert str(exc.value).startswith(f"{path}: ")
    assert message in str(exc.value)
    assert "AKIAZ5TQ" not in str(exc.value)
    assert "\n" not in str(exc.value)


def test_config_discovery(tmp_path: Path) -> None:
    assert load_config(directory=tmp_path) == Config()
    config(tmp_path, "[project]\nname = 'x'\n", "pyproject.toml")
    assert load_config(directory=tmp_path) == Config()  # a pyproject.toml without [tool.metascan]
    config(
        tmp_path,
        "[tool.metascan]\n[[tool.metascan.suppress]]\nreason = 'p'\nrule = 'iban'\n",
        "pyproject.toml",
    )
    found = load_config(directory=tmp_path)
    assert found.source == str(tmp_path / "pyproject.toml") and found.suppressions[0].reason == "p"
    config(tmp_path, "[[suppress]]\nreason = 'm'\nrule = 'iban'\n")
    assert load_config(directory=tmp_path).suppressions[0].reason == "m"  # metascan.toml first


def test_explicit_pyproject_without_the_table_is_an_error(tmp_path: Path) -> None:
    path = config(tmp_path, "[project]\nname = 'x'\n", "pyproject.toml")
    with pytest.raises(ConfigError, match=r"has no \[tool.metascan\] table"):
        load_config(path)


def test_a_broken_pyproject_in_the_working_directory_is_an_error_not_a_no_op(tmp_path: Path) -> None:
    config(tmp_path, "[tool.metascan\n", "pyproject.toml")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(directory=tmp_path)


# --- tags on the resources ----------------------------------------------------------------------------------


def test_group_tag_covers_the_group_and_its_hooks_only(tmp_path: Path) -> None:
    report = scan([write_planted(tmp_path, group_tags=[ignore("*")])])
    assert suppressed_on(report) == {
        ("password-assignment", "AutoScalingGroup"),
        ("url-secret-parameter", "LifecycleHook"),
    }
    assert rules_on(report) == ALL - suppressed_on(report)
    assert all(
        s["reason"].startswith(f"{IGNORE_TAG}=* on AutoScalingGroup") for s in report.extra["suppressed"]
    )
    assert report.extra["unused_suppressions"] == []


def test_group_tag_lists_rule_ids(tmp_path: Path) -> None:
    report = scan([write_planted(tmp_path, group_tags=[ignore(" url-secret-parameter ,iban")])])
    assert suppressed_on(report) == {("url-secret-parameter", "LifecycleHook")}


@pytest.mark.parametrize("order", ["group first", "hooks first"])
def test_tag_suppression_does_not_depend_on_the_order_of_the_inputs(tmp_path: Path, order: str) -> None:
    d = write_planted(tmp_path, group_tags=[ignore("url-secret-parameter")])
    files = [d / "asg.json", d / "hooks.json"]
    report = scan(files if order == "group first" else files[::-1])
    assert suppressed_on(report) == {("url-secret-parameter", "LifecycleHook")}


def test_a_group_in_another_region_does_not_cover_a_hook(tmp_path: Path) -> None:
    d = write_planted(tmp_path, group_tags=[ignore("*")])
    # The hook carries no ARN: --region puts it in us-east-1; the group's ARN says eu-west-1.
    report = scan([d / "asg.json", d / "hooks.json"], region="us-east-1")
    assert suppressed_on(report) == {("password-assignment", "AutoScalingGroup")}
    report = scan([d / "asg.json", d / "hooks.json"], region="eu-west-1")
    assert ("url-secret-parameter", "LifecycleHook") in suppressed_on(report)


@pytest.mark.parametrize("order", ["versions first", "templates first"])
def test_launch_template_tag_covers_its_versions(tmp_path: Path, order: str) -> None:
    d = write_planted(
        tmp_path, template_tags=[{"Key": IGNORE_TAG, "Value": "aws-access-key-id,aws-secret-access-key"}]
    )
    files = [d / "ltv.json", d / "lt.json"]
    report = scan(files if order == "versions first" else files[::-1])
    assert suppressed_on(report) == {
        ("aws-access-key-id", "LaunchTemplateVersion"),
        ("aws-secret-access-key", "LaunchTemplateVersion"),
    }
    assert report.extra["suppressed"][0]["reason"] == (
        f"{IGNORE_TAG}=aws-access-key-id,aws-secret-access-key on LaunchTemplate {PLANTED_TEMPLATE}"
    )


def test_a_version_s_own_launch_template_tag_specification_covers_it(tmp_path: Path) -> None:
    exports = planted_exports()
    data = exports["ltv.json"]["LaunchTemplateVersions"][0]["LaunchTemplateData"]
    data["TagSpecifications"] = [
        {"ResourceType": "instance", "Tags": [{"Key": IGNORE_TAG, "Value": "*"}]},  # not about the template
        {"ResourceType": "launch-template", "Tags": [{"Key": IGNORE_TAG, "Value": "email-address"}]},
    ]
    path = tmp_path / "ltv.json"
    path.write_text(json.dumps(exports["ltv.json"]))
    report = scan([path])
    assert suppressed_on(report) == {("email-address", "LaunchTemplateVersion")}


def test_untagged_or_unrelated_tags_suppress_nothing(tmp_path: Path) -> None:
    d = write_planted(tmp_path, group_tags=[{"Key": "metascan:ignored", "Value": "*"}], template_tags=[])
    assert scan([d]).extra["suppressed"] == []


def test_tags_can_be_turned_off(tmp_path: Path) -> None:
    report = scan([write_planted(tmp_path, group_tags=[ignore("*")])], tags=False)
    assert report.extra["suppressed"] == [] and rules_on(report) == ALL


@pytest.mark.parametrize("names", list(itertools.permutations(["hooks.json", "ltv.json", "asg.json"])))
def test_findings_held_for_their_owner_come_back_in_scan_order(
    tmp_path: Path, names: tuple[str, ...]
) -> None:
    # Without tag suppressions nothing is held: the scan's own order.  With them, findings whose owner was
    # not read yet wait for it, before and after findings that did not wait, and are put back in place.
    d = write_planted(tmp_path)
    plain = scan([d / n for n in names], tags=False)
    tagged = scan([d / n for n in names])
    assert [f.fingerprint for f in tagged.findings] == [f.fingerprint for f in plain.findings]


def test_held_findings_are_released_when_their_owner_is_read() -> None:
    """The stage lets a hook's finding through once its group has been read, not only at the end."""
    sup = Suppressor()
    scanner = make_scanner(checks=[sup.observe])
    exports = planted_exports()
    released: list[str] = []

    def events() -> Any:
        yield from scanner.scan_response("hooks.json", exports["hooks.json"])
        assert released == []  # held: the group's tags are not known yet
        yield from scanner.scan_response("asg.json", exports["asg.json"])
        assert "url-secret-parameter" in released  # released as soon as the group was read
        yield from scanner.scan_response("ltv.json", exports["ltv.json"])
        yield from scanner.finish()  # what waited for the end of the input (groups launching versions)

    for event in sup.filter(events()):
        if isinstance(event, Finding):
            released.append(event.rule)
    assert len(released) == len(ALL)


# --- the command line ---------------------------------------------------------------------------------------


def test_cli_reads_metascan_toml_from_the_working_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    d = write_planted(tmp_path / "in", group_tags=[ignore("*")])
    config(tmp_path, '[[suppress]]\nreason = "ok"\nfield = "LaunchTemplateData.UserData"\n')
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_main(["scan", str(d), "--format", "json"], capsys, monkeypatch)
    doc = json.loads(out)
    validate_report(doc)
    assert code == 0 and doc["findings"] == []
    assert doc["summary"]["suppressed"] == len(ALL) == len(doc["suppressed"])


def test_cli_config_option_and_malformed_config_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    d = write_planted(tmp_path / "in")
    good = config(tmp_path, '[[suppress]]\nreason = "ok"\nrule = "*"\n', "custom.toml")
    code, out, _ = run_main(["scan", str(d), "--config", str(good), "--format", "json"], capsys, monkeypatch)
    assert code == 0 and json.loads(out)["summary"]["suppressed"] == len(ALL)
    bad = config(tmp_path, '[[suppress]]\nrule = "*"\n', "bad.toml")
    out_file = tmp_path / "report.json"
    args = ["scan", str(d), "--config", str(bad), "-o", str(out_file)]
    code, out, err = run_main(args, capsys, monkeypatch)
    assert code == 2 and out == ""
    assert err == f"metascan: error: {bad}: suppress entry 1: reason is required\n"
    assert not out_file.exists()
    code, _, err = run_main(["scan", str(d), "--config", str(tmp_path / "missing.toml")], capsys, monkeypatch)
    assert code == 2 and "cannot read config file" in err and err.count("\n") == 1


def test_groups_of_one_name_in_two_regions_each_keep_their_tags() -> None:
    """Two groups of one name in two regions are two records under one key: a finding decided after both
    were read (a check's finding at the end of the input) is covered by its own region's group's tag,
    whichever group was read last."""
    from helpers_reports import golden_findings

    from metascan.aws.documents import ResourceRecord
    from metascan.fingerprint import Fingerprinter
    from metascan.model import Resource

    def group(region: str, tags: list[dict[str, Any]]) -> ResourceRecord:
        res = Resource("AutoScalingGroup", "web", None, region, "111122223333")
        return ResourceRecord(res, "s", "AutoScalingGroup", {"AutoScalingGroupName": "web", "Tags": tags})

    sup = Suppressor()
    for record in (group("eu-west-1", [{"Key": IGNORE_TAG, "Value": "*"}]), group("us-east-1", [])):
        list(sup.observe(record, Fingerprinter(b"k" * 32)))
    base = golden_findings()[0]
    findings = [
        dataclasses.replace(base, resource=Resource("AutoScalingGroup", "web", None, region, "111122223333"),
                            fingerprint=region)
        for region in ("eu-west-1", "us-east-1")
    ]  # fmt: skip
    kept = [f for f in sup.filter(findings) if isinstance(f, Finding)]
    assert [f.resource.region for f in kept] == ["us-east-1"]
    assert [s.finding.resource.region for s in sup.suppressed] == ["eu-west-1"]
