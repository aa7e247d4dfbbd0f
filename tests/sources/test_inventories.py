"""Lists of an account's resources that are not describe calls: the tagging API's `get-resources`, Resource
Explorer's `search`, and inventory tools' rows whose columns spell the API's fields in snake_case."""

from __future__ import annotations

import base64
import csv
import io
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


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


# Steampipe's AWS plugin, its tables' columns (https://hub.steampipe.io/plugins/turbot/aws/tables): the
# group's `tags_src` is the API's list, `tags` the map made from it; `title` and `akas` repeat name and ARN.
_GROUP_HEADER = ["name", "autoscaling_group_arn", "min_size", "max_size", "tags_src", "tags", "title", "akas"]


def _group_row(name: str, arn: str, tags: dict[str, str]) -> list[str]:
    listed = [{"Key": k, "Value": v, "PropagateAtLaunch": True, "ResourceId": name} for k, v in tags.items()]
    return [name, arn, "1", "4", json.dumps(listed), json.dumps(tags), name, json.dumps([arn])]


def test_steampipe_csv_rows_are_read_as_the_items_they_copy(tmp_path: Path) -> None:
    other = GROUP_ARN.replace(GROUP, "kiln-telemetry")
    (tmp_path / "aws_ec2_autoscaling_group.csv").write_text(
        _csv(
            [
                _GROUP_HEADER,
                _group_row(GROUP, GROUP_ARN, {"Owner": "Ilse Vandenberghe", "tier": "batch"}),
                _group_row("kiln-telemetry", other, {"payout-iban": "NL91ABNA0417164300"}),
            ]
        )
    )
    # the launch configuration's user data as Steampipe shows it: decoded
    (tmp_path / "aws_ec2_launch_configuration.csv").write_text(
        _csv(
            [
                ["name", "launch_configuration_arn", "image_id", "user_data", "title"],
                [
                    "lc-kiln",
                    f"arn:aws:autoscaling:eu-north-1:{ACCOUNT}:launchConfiguration:9c:launchConfigurationName/lc-kiln",
                    "ami-0abcdef1234567890",
                    "#!/bin/bash\nexport MYSQL_PWD='Vr4-kelp-Quill-88'\n",
                    "lc-kiln",
                ],
            ]
        )
    )
    (tmp_path / "aws_ec2_launch_template_version.csv").write_text(
        _csv(
            [
                [
                    "launch_template_id",
                    "launch_template_name",
                    "version_number",
                    "default_version",
                    "user_data",
                ],
                ["lt-0e27b94c1d8a53f60", "kiln", "3", "true", "#cloud-config\npassword: Tern-Basalt-71x\n"],
            ]
        )
    )
    (tmp_path / "costs.csv").write_text(_csv([["team", "email"], ["kiln", "ilse.v@gmail.com"]]))
    report = metascan.scan_files([str(tmp_path)], fingerprint_key=KEY)
    assert report.errors == [] and report.skipped == []
    found = {(kind, rid, field, match) for _, kind, rid, field, match in _found(report)}
    assert ("AutoScalingGroup", GROUP, "Tags[Owner].Value", "Ilse Vandenberghe") in found
    assert ("AutoScalingGroup", "kiln-telemetry", "Tags[payout-iban].Value", "NL91ABNA0417164300") in found
    assert {(k, f) for k, _, f, _ in found} >= {
        ("LaunchConfiguration", "UserData"),
        ("LaunchTemplateVersion", "LaunchTemplateData.UserData"),
    }
    # each value once: the tags map and the title repeat what is read already; costs.csv is not read
    assert len(report.findings) == len({(f.resource.id, f.location.field, f.match) for f in report.findings})
    assert all(
        f.location.source.endswith("_version.csv") or "costs" not in f.location.source
        for f in report.findings
    )
    owner = next(f for f in report.findings if f.match == "Ilse Vandenberghe")
    assert (owner.resource.arn, owner.resource.account, owner.location.source_line) == (GROUP_ARN, ACCOUNT, 2)
    iban = next(f for f in report.findings if f.match == "NL91ABNA0417164300")
    assert iban.location.source_line == 3


def test_steampipe_json_output_is_read_in_both_of_its_forms(tmp_path: Path) -> None:
    row = {
        "name": GROUP,
        "autoscaling_group_arn": GROUP_ARN,
        "tags_src": [{"Key": "escalation-phone", "Value": "+44 7700 183492"}],
        "tags": {"escalation-phone": "+44 7700 183492"},
    }
    (tmp_path / "new.json").write_text(
        json.dumps({"columns": [{"name": k, "data_type": "jsonb"} for k in row], "rows": [row]})
    )
    other = {**row, "name": "kiln-relay", "autoscaling_group_arn": GROUP_ARN.replace(GROUP, "kiln-relay")}
    (tmp_path / "old.json").write_text(json.dumps([other]))  # (before Steampipe 0.24: the rows alone)
    report = metascan.scan_files([str(tmp_path)], fingerprint_key=KEY)
    assert report.errors == [] and report.skipped == []
    assert sorted((f.location.source.rsplit("/", 1)[1], f.location.field) for f in report.findings) == [
        ("new.json", "Tags[escalation-phone].Value"),
        ("old.json", "Tags[escalation-phone].Value"),
    ]


def test_a_broken_csv_row_is_an_error_and_the_rows_before_it_are_scanned(tmp_path: Path) -> None:
    path = tmp_path / "groups.csv"
    text = _csv([_GROUP_HEADER, _group_row(GROUP, GROUP_ARN, {"Owner": "Ilse Vandenberghe"})])
    path.write_text(text + 'kiln,arn,1,4,"[]","{}",kiln,"[]",extra\n')
    report = metascan.scan_files([str(path)], fingerprint_key=KEY)
    assert [f.match for f in report.findings] == ["Ilse Vandenberghe"]
    assert len(report.errors) == 1 and str(path) in report.errors[0].message
    assert "line 3" in report.errors[0].message


def test_a_named_csv_of_other_columns_is_skipped_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(_csv([["team", "email"], ["kiln", "ilse.v@gmail.com"]]))
    report = metascan.scan_files([str(path)], fingerprint_key=KEY)
    assert report.findings == []
    assert len(report.skipped) == 1 and "inventory table" in report.skipped[0].reason
    assert [e.message.split(":")[0] for e in report.errors] == ["no input was recognised"]
