"""AWS Config configuration items read as the resources they record: a snapshot or history file that Config
delivers to S3, `get-resource-config-history`, `batch-get-resource-config` and `select-resource-config`."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import metascan
from metascan.sources import awsconfig

KEY = b"awsconfig-test-key-0123456789"
ACCOUNT = "418265930174"
GROUP = "billing-cust-83152371344"
GROUP_ARN = f"arn:aws:autoscaling:eu-west-1:{ACCOUNT}:autoScalingGroup:6d2c7e:autoScalingGroupName/{GROUP}"
USER_DATA = base64.b64encode(b"#!/bin/bash\nexport DB_PASSWORD='Vq8#LmZ2pTx9'\n").decode()
WEBHOOK = "https://hooks.slack.com/services/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"


def _group_item() -> dict:
    return {
        "configurationItemVersion": "1.3",
        "configurationItemCaptureTime": "2026-11-30T10:00:00.000Z",
        "configurationItemStatus": "OK",
        "awsAccountId": ACCOUNT,
        "resourceType": "AWS::AutoScaling::AutoScalingGroup",
        "resourceId": GROUP_ARN,
        "resourceName": GROUP,
        "ARN": GROUP_ARN,
        "awsRegion": "eu-west-1",
        "tags": {"Owner": "jane.doe@gmail.com", "Team": "payments"},
        "relationships": [],
        "configuration": {
            "autoScalingGroupName": GROUP,
            "autoScalingGroupARN": GROUP_ARN,
            "launchTemplate": {"launchTemplateId": "lt-0abc1234def567890", "version": "$Latest"},
            "minSize": 1,
            "maxSize": 2,
        },
        "supplementaryConfiguration": {
            "LifeCycleHooks": [
                {
                    "lifecycleHookName": "drain",
                    "autoScalingGroupName": GROUP,
                    "lifecycleTransition": "autoscaling:EC2_INSTANCE_TERMINATING",
                    "notificationMetadata": json.dumps({"slack": WEBHOOK}),
                }
            ]
        },
    }


def _template_item() -> dict:
    return {
        "resourceType": "AWS::EC2::LaunchTemplate",
        "resourceId": "lt-0abc1234def567890",
        "resourceName": "billing",
        "awsRegion": "eu-west-1",
        "awsAccountId": ACCOUNT,
        "tags": {"Contact": "Resi Holt"},
        "configuration": {
            "Id": "lt-0abc1234def567890",
            "LaunchTemplateName": "billing",
            "LatestVersionNumber": "3",
            "DefaultVersionNumber": "1",
            "LaunchTemplateData": {"ImageId": "ami-0abc1234def567890", "UserData": USER_DATA},
        },
    }


def _found(report: metascan.Report) -> set[tuple[str, str, str, str | None]]:
    return {(f.rule, f.resource.type, f.resource.id, f.match) for f in report.findings}


def test_a_snapshot_file_is_read_as_the_resources_it_records(tmp_path: Path) -> None:
    snapshot = {
        "fileVersion": "1.0",
        "configSnapshotId": "5f8a0c1e",
        "configurationItems": [
            _group_item(),
            _template_item(),
            {  # a deleted launch configuration: no configuration left to read
                "resourceType": "AWS::AutoScaling::LaunchConfiguration",
                "resourceName": "lc-old",
                "configurationItemStatus": "ResourceDeleted",
                "configuration": None,
            },
            {
                "resourceType": "AWS::EC2::Instance",
                "resourceId": "i-0abc",
                "configuration": {"instanceId": "i-0abc"},
            },
        ],
    }
    path = tmp_path / f"{ACCOUNT}_Config_eu-west-1_ConfigSnapshot_20261130T100000Z_5f8a.json.gz"
    path.write_bytes(gzip.compress(json.dumps(snapshot).encode()))  # as Config delivers it to S3
    report = metascan.scan_files([path], fingerprint_key=KEY)
    assert report.errors == []
    assert {
        ("bank-account-number", "AutoScalingGroup", GROUP, "83152371344"),
        ("email-address", "AutoScalingGroup", GROUP, "jane.doe@gmail.com"),
        ("slack-webhook-url", "LifecycleHook", f"{GROUP}/drain", WEBHOOK),
        ("person-name", "LaunchTemplate", "lt-0abc1234def567890", "Resi Holt"),
        ("password-assignment", "LaunchTemplateVersion", "lt-0abc1234def567890:3", "Vq8#LmZ2pTx9"),
    } <= _found(report)
    group = next(f for f in report.findings if f.resource.type == "AutoScalingGroup")
    assert (group.resource.account, group.resource.region) == (ACCOUNT, "eu-west-1")  # from the group's ARN
    # the version the group launches ($Latest = the version Config recorded) raises the password's severity
    password = next(f for f in report.findings if f.rule == "password-assignment")
    assert password.severity.name == "CRITICAL"
    # the deleted item is said, not silently dropped; the instance is another resource type: left out
    deleted = "a AWS::AutoScaling::LaunchConfiguration configuration item without a configuration"
    assert [s.reason for s in report.skipped] == [
        f"{deleted} (a deleted resource, or a query that did not select it)"
    ]


def test_the_configservice_calls_outputs_are_read(tmp_path: Path) -> None:
    history = {  # get-resource-config-history: the configuration as a JSON string
        "configurationItems": [
            {
                "version": "1.3",
                "accountId": ACCOUNT,
                "resourceType": "AWS::AutoScaling::LaunchConfiguration",
                "resourceName": "lc-orders",
                "awsRegion": "us-east-1",
                "configuration": json.dumps({"launchConfigurationName": "lc-orders", "userData": USER_DATA}),
                "supplementaryConfiguration": {},
            }
        ]
    }
    batch = {
        "baseConfigurationItems": [
            {**_template_item(), "configuration": json.dumps(_template_item()["configuration"])}
        ]
    }
    select = {  # select-resource-config: each result a JSON string; tags as a list
        "Results": [
            json.dumps(
                {
                    "resourceType": "AWS::AutoScaling::AutoScalingGroup",
                    "resourceName": "g3",
                    "tags": [
                        {
                            "key": "Owner",
                            "value": "max.mustermann@web.de",
                            "tag": "Owner=max.mustermann@web.de",
                        }
                    ],
                    "configuration": {"autoScalingGroupName": "g3"},
                }
            )
        ],
        "QueryInfo": {
            "SelectFields": [{"Name": "resourceType"}, {"Name": "configuration"}, {"Name": "tags"}]
        },
    }
    paths = []
    for name, doc in (("history.json", history), ("batch.json", batch), ("select.json", select)):
        paths.append(tmp_path / name)
        paths[-1].write_text(json.dumps(doc))
    report = metascan.scan_files(paths, fingerprint_key=KEY)
    assert report.errors == [] and report.skipped == []
    assert {
        ("password-assignment", "LaunchConfiguration", "lc-orders", "Vq8#LmZ2pTx9"),
        ("password-assignment", "LaunchTemplateVersion", "lt-0abc1234def567890:3", "Vq8#LmZ2pTx9"),
        ("email-address", "AutoScalingGroup", "g3", "max.mustermann@web.de"),
    } <= _found(report)


def test_items_of_other_types_only_are_skipped_with_the_reason(tmp_path: Path) -> None:
    doc = {"configurationItems": [{"resourceType": "AWS::S3::Bucket", "configuration": {"name": "b"}}]}
    assert awsconfig.is_config(doc) and not len(awsconfig.convert(doc))
    path = tmp_path / "s3.json"
    path.write_text(json.dumps(doc))
    report = metascan.scan_files([path], fingerprint_key=KEY)
    assert report.findings == [] and [s.reason for s in report.skipped] == [awsconfig.NO_RESOURCES]


def test_an_api_response_is_not_taken_for_config_items() -> None:
    assert not awsconfig.is_config({"AutoScalingGroups": []})
    assert not awsconfig.is_config({"configurationItems": [{"name": "x"}]})  # no resourceType
    assert not awsconfig.is_config({"Results": ["{}"]})  # a select result has QueryInfo
