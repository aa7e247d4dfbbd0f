"""AWS CLI `--output text` read back into the response it printed.

`_cli_text` below prints a response the way the CLI's text formatter does (awscli/text.py: a structure's
scalars on one tab-separated line after its member's upper-cased name, sorted by key; a list of structures
with the union of its items' scalar keys, empty where an item has none; then lists and structures by
name); the tests compare what metascan finds in that text with what it finds in the JSON."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

import metascan
from metascan.sources import clitext

KEY = b"clitext-test-key-0123456789abcde"
ACCOUNT = "604918273350"
USER_DATA = base64.b64encode(b"#!/bin/bash\nexport DB_PASSWORD='Rv7mXq2LpT9wKs4'\n").decode()


def _scalar(value: Any) -> bool:
    return not isinstance(value, dict | list)


def _cli_text(item: Any, out: list[str], name: str | None = None, keys: list[str] | None = None) -> None:
    if isinstance(item, dict):
        if keys is None:
            scalars = [str(v) for _, v in sorted(item.items()) if _scalar(v)]
            rest = [(k, v) for k, v in sorted(item.items()) if not _scalar(v)]
        else:
            scalars = [str(item.get(k, "")) for k in keys]
            rest = [(k, item[k]) for k in sorted(set(item) - set(keys))]
        if scalars:
            out.append("\t".join(([name.upper()] if name else []) + scalars))
        for key, value in rest:
            _cli_text(value, out, key)
    elif isinstance(item, list) and item:
        if any(isinstance(e, dict) for e in item):
            union = sorted({k for e in item for k, v in e.items() if _scalar(v)})
            for element in item:
                _cli_text(element, out, name, union)
        else:
            out.extend(f"{(name or '').upper()}\t{e}" for e in item)


def cli_text(response: dict[str, Any]) -> str:
    out: list[str] = []
    _cli_text(response, out)
    return "\n".join(out) + "\n"


GROUP_ARN = (
    f"arn:aws:autoscaling:us-east-2:{ACCOUNT}:autoScalingGroup:7c1e4b2a-93f0-4d8e-a5b6-0f2d91c3e847"
    ":autoScalingGroupName/till-sync"
)
GROUPS = {
    "AutoScalingGroups": [
        {
            "AutoScalingGroupARN": GROUP_ARN,
            "AutoScalingGroupName": "till-sync",
            "AvailabilityZones": ["us-east-2a", "us-east-2b"],
            "CapacityRebalance": False,
            "CreatedTime": "2026-02-21T22:35:28.950Z",
            "DefaultCooldown": 300,
            "DesiredCapacity": 2,
            "HealthCheckGracePeriod": 300,
            "HealthCheckType": "EC2",
            "LaunchTemplate": {
                "LaunchTemplateId": "lt-0d91c47e2ab3f6058",
                "LaunchTemplateName": "pos",
                "Version": "$Latest",
            },
            "MaxSize": 4,
            "MinSize": 1,
            "ServiceLinkedRoleARN": f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com",
            "Tags": [
                {
                    "Key": "Owner",
                    "PropagateAtLaunch": True,
                    "ResourceId": "till-sync",
                    "ResourceType": "auto-scaling-group",
                    "Value": "Ingrid Halvorsen",
                },
                {
                    "Key": "OwnerEmail",
                    "PropagateAtLaunch": True,
                    "ResourceId": "till-sync",
                    "ResourceType": "auto-scaling-group",
                    "Value": "tbakker@lindqvist-freight.com",
                },
            ],
            "VPCZoneIdentifier": "subnet-06b3e9d2c17a4f850",
        },
        {
            "AutoScalingGroupARN": GROUP_ARN.replace("till-sync", "hr-portal-test"),
            "AutoScalingGroupName": "hr-portal-test",
            "AvailabilityZones": ["us-east-2a"],
            "CreatedTime": "2026-03-01T10:00:00.000Z",
            "DefaultCooldown": 300,
            "DesiredCapacity": 1,
            "HealthCheckType": "ELB",
            "LaunchConfigurationName": "hr-portal-lc",
            "MaxSize": 1,
            "MinSize": 1,
            "Tags": [
                {
                    "Key": "sample-employee-ssn",
                    "PropagateAtLaunch": False,
                    "ResourceId": "hr-portal-test",
                    "ResourceType": "auto-scaling-group",
                    "Value": "417-29-6830",
                }
            ],
        },
    ]
}
VERSIONS = {
    "LaunchTemplateVersions": [
        {
            "CreateTime": "2026-10-31T11:38:52.000Z",
            "CreatedBy": f"arn:aws:iam::{ACCOUNT}:user/ops",
            "DefaultVersion": True,
            "LaunchTemplateData": {
                "ImageId": "ami-8c1be5f6",
                "InstanceType": "t3.micro",
                "TagSpecifications": [
                    {"ResourceType": "instance", "Tags": [{"Key": "owner", "Value": "Robert Smith"}]},
                    {"ResourceType": "volume", "Tags": [{"Key": "iban", "Value": "DE89370400440532013000"}]},
                ],
                "UserData": USER_DATA,
            },
            "LaunchTemplateId": "lt-0a20c965061f64abc",
            "LaunchTemplateName": "web",
            "VersionDescription": "ask jane.doe@example-corp.com",
            "VersionNumber": 3,
        }
    ]
}
HOOKS = {
    "LifecycleHooks": [
        {
            "AutoScalingGroupName": "till-sync",
            "DefaultResult": "ABANDON",
            "GlobalTimeout": 172800,
            "HeartbeatTimeout": 3600,
            "LifecycleHookName": "drain",
            "LifecycleTransition": "autoscaling:EC2_INSTANCE_TERMINATING",
            "NotificationMetadata": (
                '{\n  "oncall": "+1 312 706 4419",\n'
                '  "slack": "xoxb-518302947716-6029381745520-Qm4VtLx8RpZc2NyKb7WfHs3D"\n}'
            ),
        }
    ]
}
SUBSCRIPTIONS = {
    "Subscriptions": [
        {
            "Endpoint": "ana.costa@lindqvist-freight.com",
            "Owner": ACCOUNT,
            "Protocol": "email",
            "SubscriptionArn": f"arn:aws:sns:us-east-2:{ACCOUNT}:pos:0b0c7a1e",
            "TopicArn": f"arn:aws:sns:us-east-2:{ACCOUNT}:pos",
        }
    ],
    "NextToken": "AAEXAMPLEpaginationtoken",
}


def _found(report: metascan.Report) -> set[tuple[str, str, str, str, str | None]]:
    return {(f.rule, f.resource.type, f.resource.id, f.location.field, f.match) for f in report.findings}


@pytest.mark.parametrize(
    "response", [GROUPS, VERSIONS, HOOKS, SUBSCRIPTIONS], ids=["groups", "versions", "hooks", "subscriptions"]
)
def test_text_output_gives_the_findings_of_the_same_response_in_json(
    tmp_path: Path, response: dict[str, Any]
) -> None:
    (tmp_path / "out.txt").write_text(cli_text(response))
    (tmp_path / "out.json").write_text(json.dumps(response))
    text = metascan.scan_files([str(tmp_path / "out.txt")], fingerprint_key=KEY)
    js = metascan.scan_files([str(tmp_path / "out.json")], fingerprint_key=KEY)
    assert text.errors == [] and text.skipped == []
    assert js.findings and _found(text) == _found(js)


def test_the_columns_of_a_line_are_the_members_its_values_fit() -> None:
    response, lost = clitext.parse(cli_text(GROUPS))  # type: ignore[misc]
    assert lost == 0
    first, second = response["AutoScalingGroups"]
    assert first["AutoScalingGroupName"] == "till-sync" and first["MaxSize"] == 4
    assert first["CapacityRebalance"] is False and first["VPCZoneIdentifier"] == "subnet-06b3e9d2c17a4f850"
    assert first["Tags"][1] == GROUPS["AutoScalingGroups"][0]["Tags"][1]
    assert first["LaunchTemplate"] == GROUPS["AutoScalingGroups"][0]["LaunchTemplate"]
    assert first["AvailabilityZones"] == ["us-east-2a", "us-east-2b"]
    # (the second group has no CapacityRebalance: an empty column, not a value)
    assert "CapacityRebalance" not in second and second["LaunchConfigurationName"] == "hr-portal-lc"
    assert second["Tags"][0]["Value"] == "417-29-6830"


def test_text_files_are_read_from_a_folder_only_when_they_are_cli_output(tmp_path: Path) -> None:
    (tmp_path / "groups.txt").write_text(cli_text(GROUPS))
    (tmp_path / "notes.txt").write_text("call jane.doe@example-corp.com about the migration\n")
    report = metascan.scan_files([str(tmp_path)], fingerprint_key=KEY)
    assert report.errors == [] and report.skipped == []
    assert {f.location.source for f in report.findings} == {str(tmp_path / "groups.txt")}
    assert ("email-address", "tbakker@lindqvist-freight.com") in {(f.rule, f.match) for f in report.findings}


def test_query_output_without_names_is_skipped_with_the_advice(tmp_path: Path) -> None:
    path = tmp_path / "names.txt"
    path.write_text("WEB\ttill-sync\t4\nWEB\thr-portal-test\t1\n")
    report = metascan.scan_files([str(path)], fingerprint_key=KEY)
    assert [s.reason for s in report.skipped] == [
        "AWS CLI text output: re-run with --output json (or --output yaml)"
    ]
