"""A resource's own account id in its names, tags and user data is not a customer's account number.

The own account comes from the resource's ARN, `--account` (for resources without one), or the CreatedBy ARN
of a launch template version.  Other accounts' ids stay findings; `--report-own-account-id` (library:
`report_own_account_id=True`; config: `report_own_account_id = true`) reports the own id too.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import metascan
from metascan.cli import cli
from metascan.config import parse_config
from metascan.errors import ConfigError

OWN = "240915638027"
OTHER = "583112904471"


def group(name: str, tags: dict[str, str]) -> dict[str, Any]:
    return {
        "AutoScalingGroupName": name,
        "AutoScalingGroupARN": f"arn:aws:autoscaling:eu-west-1:{OWN}:autoScalingGroup:1"
        f":autoScalingGroupName/{name}",
        "Tags": [{"Key": k, "Value": v, "ResourceId": name} for k, v in tags.items()],
    }


def version(script: str, created_by: str | None) -> dict[str, Any]:
    v: dict[str, Any] = {
        "LaunchTemplateId": "lt-0a1b2c3d4e5f60718",
        "VersionNumber": 3,
        "LaunchTemplateData": {"UserData": base64.b64encode(script.encode()).decode()},
    }
    if created_by is not None:
        v["CreatedBy"] = created_by
    return v


def export(tmp_path: Path) -> Path:
    (tmp_path / "g.json").write_text(
        json.dumps(
            {
                "AutoScalingGroups": [
                    group(
                        f"billing-{OWN}-asg",
                        {
                            "ConfigBucket": f"s3://billing-config-{OWN}/app.env",
                            "CrossAccountReader": f"reader in account {OTHER}",
                        },
                    )
                ]
            }
        ),
        encoding="utf-8",
    )
    return tmp_path


def account_findings(report: metascan.Report) -> set[tuple[str, str | None]]:
    return {(f.location.field, f.match) for f in report.findings if f.rule.startswith("aws-account-id")}


def test_own_account_id_is_not_reported_other_accounts_are(tmp_path: Path) -> None:
    report = metascan.scan_files([export(tmp_path)])
    assert account_findings(report) == {("Tags[CrossAccountReader].Value", OTHER)}


def test_report_own_account_id_reports_it_again(tmp_path: Path) -> None:
    report = metascan.scan_files([export(tmp_path)], report_own_account_id=True)
    assert account_findings(report) == {
        ("AutoScalingGroupName", OWN),
        ("Tags[ConfigBucket].Value", OWN),
        ("Tags[CrossAccountReader].Value", OTHER),
    }


SCRIPT = f"#!/bin/bash\naws s3 cp s3://cdk-hnb659fds-assets-{OWN}-eu-west-1/app.zip .\naws s3 ls s3://logs-{OTHER}/\n"


@pytest.mark.parametrize(
    ("created_by", "account", "expected"),
    [
        (f"arn:aws:sts::{OWN}:assumed-role/deployer/ci", None, {OTHER}),  # the creator's account
        (None, OWN, {OTHER}),  # --account
        (None, None, {OWN, OTHER}),  # nothing says which account is its own
    ],
)
def test_resources_without_an_arn_take_their_account_from_created_by_or_the_option(
    tmp_path: Path, created_by: str | None, account: str | None, expected: set[str]
) -> None:
    p = tmp_path / "v.json"
    p.write_text(json.dumps({"LaunchTemplateVersions": [version(SCRIPT, created_by)]}), encoding="utf-8")
    report = metascan.scan_files([p], account=account)
    assert {m for _, m in account_findings(report)} == expected


def _cli_matches(args: list[str], cwd: Path) -> set[str]:
    result = CliRunner().invoke(
        cli, ["scan", str(cwd / "g.json"), "--format", "json", "--show-secrets", *args]
    )
    assert result.exit_code == 1, result.output
    doc = json.loads(result.output)
    return {f["match"] for f in doc["findings"] if f["rule"].startswith("aws-account-id")}


def test_cli_flag_and_config_key(tmp_path: Path) -> None:
    export(tmp_path)
    assert _cli_matches([], tmp_path) == {OTHER}
    assert _cli_matches(["--report-own-account-id"], tmp_path) == {OWN, OTHER}
    config = tmp_path / "metascan.toml"
    config.write_text("report_own_account_id = true\n", encoding="utf-8")
    assert _cli_matches(["--config", str(config)], tmp_path) == {OWN, OTHER}


def test_config_value_must_be_a_boolean() -> None:
    with pytest.raises(ConfigError, match=r"metascan\.toml: report_own_account_id must be true or false"):
        parse_config({"report_own_account_id": "yes"}, "metascan.toml")
    assert parse_config({}, "metascan.toml").report_own_account_id is False
