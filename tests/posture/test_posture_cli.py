"""Data-protection findings through the command: every report format, `metascan rules`, exit codes,
`--require-cmk`, suppressions and baselines, exactly like pattern findings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from helpers_reports import SARIF_SCHEMA, run_main, validate_report

import metascan
from metascan.cli import cli as cli_group
from metascan.posture.checks import CHECKS

ACCT = "210987654322"
LT = "lt-0123456789abcdef0"
GROUP_ARN = f"arn:aws:autoscaling:eu-west-1:{ACCT}:autoScalingGroup:1:autoScalingGroupName/"
IDS = {c.id for c in CHECKS}


def exports(template_tags: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """A group on a launch template whose $Default version maps an unmarked volume and an encrypted one
    without a key; a group on a launch configuration; encryption by default off in the region."""
    out: dict[str, Any] = {
        "asg.json": {
            "AutoScalingGroups": [
                {
                    "AutoScalingGroupName": "web-prod",
                    "AutoScalingGroupARN": GROUP_ARN + "web-prod",
                    "LaunchTemplate": {"LaunchTemplateId": LT, "Version": "$Default"},
                },
                {
                    "AutoScalingGroupName": "batch",
                    "AutoScalingGroupARN": GROUP_ARN + "batch",
                    "LaunchConfigurationName": "batch-lc",
                },
            ]
        },
        "ltv.json": {
            "LaunchTemplateVersions": [
                {
                    "LaunchTemplateId": LT,
                    "LaunchTemplateName": "web",
                    "VersionNumber": 1,
                    "DefaultVersion": True,
                    "LaunchTemplateData": {
                        "BlockDeviceMappings": [
                            {"DeviceName": "/dev/xvdb", "Ebs": {"VolumeSize": 20}},
                            {"DeviceName": "/dev/xvdc", "Ebs": {"VolumeSize": 20, "Encrypted": True}},
                        ]
                    },
                }
            ]
        },
        "ebs-encryption-by-default.json": {"EbsEncryptionByDefault": False},
    }
    if template_tags is not None:
        out["lt.json"] = {
            "LaunchTemplates": [{"LaunchTemplateId": LT, "LaunchTemplateName": "web", "Tags": template_tags}]
        }
    return out


def write_exports(directory: Path, **kwargs: Any) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in exports(**kwargs).items():
        (directory / name).write_text(json.dumps(data), encoding="utf-8")
    return directory


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    monkeypatch.chdir(tmp_path)  # no metascan.toml here

    def call(*args: str) -> tuple[int, str, str]:
        return run_main(list(args), capsys, monkeypatch)

    return call


def scan_args(directory: Path, *more: str) -> list[str]:
    return ["scan", str(directory), "--region", "eu-west-1", "--account", ACCT, *more]


EXPECTED = {
    ("asg-launch-configuration", "batch", "LaunchConfigurationName", "low"),
    (
        "ebs-volume-unencrypted",
        f"{LT}:1",
        "LaunchTemplateData.BlockDeviceMappings[/dev/xvdb].Ebs.Encrypted",
        "high",
    ),
    (
        "ebs-volume-aws-managed-key",
        f"{LT}:1",
        "LaunchTemplateData.BlockDeviceMappings[/dev/xvdc].Ebs.KmsKeyId",
        "low",
    ),
}


def test_every_format_carries_the_findings_with_their_evidence(tmp_path: Path, cli: Any) -> None:
    inputs = write_exports(tmp_path / "in")
    code, out, err = cli(*scan_args(inputs, "--format", "json"))
    assert code == 1 and err == ""
    doc = json.loads(out)
    validate_report(doc)  # the schema admits the category and `evidence`
    found = {(f["rule"], f["resource"]["id"], f["location"]["field"], f["severity"]) for f in doc["findings"]}
    assert found == EXPECTED
    assert doc["summary"]["by_category"]["data_protection"] == 3
    evidence = {f["rule"]: f["evidence"] for f in doc["findings"]}
    assert evidence["ebs-volume-unencrypted"] == (
        "Encrypted: unset; EbsEncryptionByDefault: false; launched by group web-prod"
    )
    assert all("match" not in f for f in doc["findings"])

    code, out, _ = cli(*scan_args(inputs, "--format", "jsonl", "--show-secrets"))
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 1 and [x["type"] for x in lines] == ["finding"] * 3 + ["summary"]
    assert {x["rule"]: x["evidence"] for x in lines[:-1]} == evidence

    code, out, _ = cli(*scan_args(inputs, "--format", "sarif"))
    sarif = json.loads(out)
    run = sarif["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert set(rules) >= IDS
    for check in CHECKS:
        assert rules[check.id]["fullDescription"]["text"] == check.description
        assert rules[check.id]["help"]["text"] == check.remediation
        assert rules[check.id]["properties"]["category"] == "data_protection"
    for result in run["results"]:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["properties"]["evidence"] == evidence[result["ruleId"]]
        assert evidence[result["ruleId"]] in result["message"]["text"]
    if SARIF_SCHEMA.is_file():
        import jsonschema

        jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text())).validate(sarif)

    code, out, _ = cli(*scan_args(inputs))
    assert code == 1
    assert "ebs-volume-unencrypted: EBS volume created unencrypted in" in out
    assert "Encrypted: unset; EbsEncryptionByDefault: false; launched by group web-prod" in out
    assert out.splitlines()[-1].startswith("3 findings")


def test_rules_lists_the_checks() -> None:
    result = CliRunner().invoke(cli_group, ["rules"])
    listed = {line.split()[0]: line.split()[1:3] for line in result.output.splitlines()}
    assert result.exit_code == 0
    for check in CHECKS:
        assert listed[check.id] == ["data_protection", str(check.severity)]


def test_exit_codes_and_require_cmk(tmp_path: Path, cli: Any) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "asg.json").write_text(
        json.dumps({"AutoScalingGroups": [exports()["asg.json"]["AutoScalingGroups"][1]]})
    )
    assert cli(*scan_args(inputs, "--format", "json"))[0] == 1  # a low finding counts like any finding
    assert cli(*scan_args(inputs, "--fail-on", "medium"))[0] == 0
    code, out, _ = cli(*scan_args(inputs, "--fail-on", "high", "--require-cmk", "--format", "json"))
    assert code == 1 and [f["severity"] for f in json.loads(out)["findings"]] == ["high"]


def test_tags_config_and_baseline_apply_to_structural_findings(tmp_path: Path, cli: Any) -> None:
    ignore = [{"Key": "metascan:ignore", "Value": "ebs-volume-unencrypted"}]
    inputs = write_exports(tmp_path / "in", template_tags=ignore)
    (tmp_path / "metascan.toml").write_text(
        '[[suppress]]\nreason = "batch is being migrated"\nrule = "asg-*"\nvalue = "batch-lc$"\n'
    )
    code, out, _ = cli(*scan_args(inputs, "--format", "json"))
    doc = json.loads(out)
    assert code == 1
    assert [f["rule"] for f in doc["findings"]] == ["ebs-volume-aws-managed-key"]
    assert sorted((s["rule"], s["reason"].split(" (")[0]) for s in doc["suppressed"]) == [
        ("asg-launch-configuration", "batch is being migrated"),
        ("ebs-volume-unencrypted", f"metascan:ignore=ebs-volume-unencrypted on LaunchTemplate {LT}"),
    ]
    baseline = tmp_path / "baseline.json"
    baseline.write_text(out)
    code, out, _ = cli(*scan_args(inputs, "--format", "json", "--baseline", str(baseline)))
    again = json.loads(out)
    assert code == 0 and again["findings"] == [] and again["baseline"]["known"] == 1


def test_library_require_cmk(tmp_path: Path) -> None:
    inputs = write_exports(tmp_path / "in")
    plain = metascan.scan_files([inputs], region="eu-west-1", account=ACCT)
    strict = metascan.scan_files([inputs], region="eu-west-1", account=ACCT, require_cmk=True)
    assert {f.rule: str(f.severity) for f in plain.findings} == {r: s for r, _, _, s in EXPECTED}
    assert {f.rule: str(f.severity) for f in strict.findings} == {
        "asg-launch-configuration": "high",
        "ebs-volume-unencrypted": "high",
        "ebs-volume-aws-managed-key": "high",
    }
