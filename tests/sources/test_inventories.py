"""Lists of an account's resources that are not describe calls: the tagging API's `get-resources`, Resource
Explorer's `search`, and inventory tools' rows whose columns spell the API's fields in snake_case."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import metascan
from metascan.sources import tagging

KEY = b"inventory-test-key-0123456789abc"
ACCOUNT = "604918273350"
GROUP = "dock-scanner-relay"
GROUP_ARN = (
    f"arn:aws:autoscaling:eu-north-1:{ACCOUNT}:autoScalingGroup:3e9b0c71-5a2d-4f66-b1e8-d04a7c9f2b13"
    f":autoScalingGroupName/{GROUP}"
)
TEMPLATE_ARN = f"arn:aws:ec2:eu-north-1:{ACCOUNT}:launch-template/lt-0e27b94c1d8a53f60"
BUCKET_ARN = "arn:aws:s3:::scan-archive"


def _found(report: metascan.Report) -> set[tuple[str, str, str, str, str | None]]:
    return {(f.rule, f.resource.type, f.resource.id, f.location.field, f.match) for f in report.findings}


def test_get_resources_output_gives_the_groups_and_templates_tags(tmp_path: Path) -> None:
    path = tmp_path / "tags.json"
    path.write_text(
        json.dumps(
            {
                "PaginationToken": "",
                "ResourceTagMappingList": [
                    {
                        "ResourceARN": GROUP_ARN,
                        "Tags": [{"Key": "dispatch-email", "Value": "kofi.appiah@gmail.com"}],
                    },
                    {
                        "ResourceARN": TEMPLATE_ARN,
                        "Tags": [{"Key": "supplier-iban", "Value": "DE89370400440532013000"}],
                    },
                    {"ResourceARN": BUCKET_ARN, "Tags": [{"Key": "owner", "Value": "lea.brandt@gmail.com"}]},
                ],
            }
        )
    )
    report = metascan.scan_files([str(path)], fingerprint_key=KEY)
    assert report.errors == [] and report.skipped == []
    assert _found(report) == {
        ("email-address", "AutoScalingGroup", GROUP, "Tags[dispatch-email].Value", "kofi.appiah@gmail.com"),
        (
            "iban",
            "LaunchTemplate",
            "lt-0e27b94c1d8a53f60",
            "Tags[supplier-iban].Value",
            "DE89370400440532013000",
        ),
    }
    group = next(f for f in report.findings if f.resource.type == "AutoScalingGroup")
    assert (group.resource.region, group.resource.account) == ("eu-north-1", ACCOUNT)


def test_resource_explorer_search_output_gives_the_groups_tags(tmp_path: Path) -> None:
    path = tmp_path / "search.json"
    path.write_text(
        json.dumps(
            {
                "Count": {"Complete": True, "TotalResources": 2},
                "Resources": [
                    {
                        "Arn": GROUP_ARN,
                        "LastReportedAt": "2026-11-19T03:00:12Z",
                        "OwningAccountId": ACCOUNT,
                        "Properties": [
                            {"Data": [{"Key": "depot-manager", "Value": "Paulina Ferreira"}], "Name": "tags"}
                        ],
                        "Region": "eu-north-1",
                        "ResourceType": "autoscaling:autoScalingGroup",
                        "Service": "autoscaling",
                    },
                    {"Arn": BUCKET_ARN, "ResourceType": "s3:bucket", "Properties": []},
                ],
                "ViewArn": f"arn:aws:resource-explorer-2:eu-north-1:{ACCOUNT}:view/all/0b1c",
            }
        )
    )
    report = metascan.scan_files([str(path)], fingerprint_key=KEY)
    assert report.errors == [] and report.skipped == []
    assert _found(report) == {
        ("person-name", "AutoScalingGroup", GROUP, "Tags[depot-manager].Value", "Paulina Ferreira"),
    }


def test_tags_of_other_resources_only_are_skipped_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "tags.json"
    path.write_text(json.dumps({"ResourceTagMappingList": [{"ResourceARN": BUCKET_ARN, "Tags": []}]}))
    report = metascan.scan_files([str(path)], fingerprint_key=KEY)
    assert [s.reason for s in report.skipped] == [tagging.NO_RESOURCES]


def test_inventory_rows_in_snake_case_are_read_as_the_items_they_copy(tmp_path: Path) -> None:
    user_data = base64.b64encode(
        b"#!/bin/bash\nexport AWS_SECRET_ACCESS_KEY=Jq3/Vz8Rm+Tk2XwLp9Yc4NbHs7Ge1Fd6Ua0Cr5Qe\n"
    )
    rows = [
        {
            "_cq_id": "d2a8e4f1-6b37-4c90-8e15-b7c3f0a9d264",
            "account_id": ACCOUNT,
            "region": "eu-north-1",
            "arn": GROUP_ARN,
            "tags": {"Contact": "Henrik Szabo", "contact-mobile": "+31 6 41927305"},
            "auto_scaling_group_name": GROUP,
            "max_size": 10,
            "min_size": 2,
        },
        {
            "arn": f"arn:aws:autoscaling:eu-north-1:{ACCOUNT}:launchConfiguration:1f:"
            "launchConfigurationName/lc1",
            "launch_configuration_name": "lc1",
            "image_id": "ami-0abcdef1234567890",
            "user_data": user_data.decode(),
        },
    ]
    path = tmp_path / "aws_autoscaling.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    report = metascan.scan_files([str(path)], fingerprint_key=KEY)
    assert report.errors == [] and report.skipped == []
    found = {(rule, kind, field, match) for rule, kind, _, field, match in _found(report)}
    assert ("person-name", "AutoScalingGroup", "Tags[Contact].Value", "Henrik Szabo") in found
    assert ("phone-number", "AutoScalingGroup", "Tags[contact-mobile].Value", "+31 6 41927305") in found
    assert ("LaunchConfiguration", "UserData") in {(k, f) for _, k, f, _ in found}
    group = next(f for f in report.findings if f.resource.type == "AutoScalingGroup")
    assert (group.resource.arn, group.resource.account) == (GROUP_ARN, ACCOUNT)


def test_other_snake_case_json_is_not_taken_for_items(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"auto_scaling": {"min_size": 1}, "owner_email": "x@gmail.com"}))
    report = metascan.scan_files([str(path)], fingerprint_key=KEY)
    assert report.findings == [] and len(report.skipped) == 1
