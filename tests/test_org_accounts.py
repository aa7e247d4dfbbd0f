"""AWS account ids in names, tags and text: those of accounts the configuration itself names in an ARN (a
hook's role, a topic, a key in that account: the organisation's) are not findings; others still are."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import metascan

KEY = b"org-accounts-test-key-0123456789"
OWN = "462756188167"
SHARED = "702300084329"  # the organisation's shared-services account: its topic receives the hooks
PARTNER = "964010123351"  # a partner's account, named only in a tag


def _write(folder: Path) -> None:
    group_arn = f"arn:aws:autoscaling:eu-west-1:{OWN}:autoScalingGroup:1f:autoScalingGroupName/ledger"
    groups = {
        "AutoScalingGroups": [
            {
                "AutoScalingGroupName": "ledger",
                "AutoScalingGroupARN": group_arn,
                "MinSize": 1,
                "MaxSize": 2,
                "Tags": [
                    {"ResourceId": "ledger", "ResourceType": "auto-scaling-group", "Key": k, "Value": v}
                    for k, v in (
                        ("SharedServicesAccount", SHARED),
                        ("partner-aws-account", PARTNER),
                        ("Owner", "kofi.appiah@gmail.com"),
                    )
                ],
            }
        ]
    }
    hooks = {
        "LifecycleHooks": [
            {
                "LifecycleHookName": "drain",
                "AutoScalingGroupName": "ledger",
                "LifecycleTransition": "autoscaling:EC2_INSTANCE_TERMINATING",
                "NotificationTargetARN": f"arn:aws:sns:eu-west-1:{SHARED}:asg-events",
                "RoleARN": f"arn:aws:iam::{OWN}:role/asg-hooks",
            }
        ]
    }
    (folder / "groups.json").write_text(json.dumps(groups))
    (folder / "hooks.json").write_text(json.dumps(hooks))


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_account_the_configuration_names_in_an_arn_is_not_reported(tmp_path: Path, jobs: int) -> None:
    _write(tmp_path)
    report = metascan.scan_files([str(tmp_path)], fingerprint_key=KEY, jobs=jobs)
    accounts = {f.match for f in report.findings if f.rule == "aws-account-id"}
    assert accounts == {PARTNER}
    assert "kofi.appiah@gmail.com" in {f.match for f in report.findings}


def test_report_own_account_id_reports_them_too(tmp_path: Path) -> None:
    _write(tmp_path)
    report = metascan.scan_files([str(tmp_path)], fingerprint_key=KEY, report_own_account_id=True)
    accounts = {f.match for f in report.findings if f.rule == "aws-account-id"}
    assert accounts == {PARTNER, SHARED}
