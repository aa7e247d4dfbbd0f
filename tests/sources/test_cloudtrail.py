"""CloudTrail events read as what their write calls put into Auto Scaling metadata: a trail's log files,
`lookup-events` output, events one per line and EventBridge events; the event's envelope is not scanned."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import metascan
from metascan.sources import cloudtrail, files

KEY = b"cloudtrail-test-key-0123456789ab"
ACCOUNT = "111122223333"
GROUP = "billing-acct-7719203344"
WEBHOOK = "https://hooks.slack.com/services/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"
TOKEN = "ghp_9fK2mQ7xLp4Rt8Wz1Vb6Nc3Hy5Js0Ad2Ge7U"


def _event(source: str, name: str, params: dict[str, Any], response: Any = None) -> dict[str, Any]:
    return {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "AssumedRole",
            "principalId": "AROAEXAMPLEID:ana.silva@example-corp.com",
            "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/Admin/ana.silva@example-corp.com",
            "accessKeyId": "ASIAQWERTYUIOPASDFGH",
        },
        "eventTime": "2026-11-01T10:00:00Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.5",
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": params,
        "responseElements": response,
        "requestID": "6f0f7c1e-5d6e-4f5a-9d3c-0b6a4f1e2d3c",
        "eventID": "a1b2c3d4-0000-1111-2222-333344445555",
        "readOnly": False,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": ACCOUNT,
    }


CREATE_GROUP = _event(
    "autoscaling.amazonaws.com",
    "CreateAutoScalingGroup",
    {
        "autoScalingGroupName": GROUP,
        "minSize": 1,
        "maxSize": 3,
        "launchTemplate": {"launchTemplateName": "web", "version": "$Latest"},
        "tags": [
            {
                "resourceId": GROUP,
                "resourceType": "auto-scaling-group",
                "key": "OwnerEmail",
                "value": "maria.lopez@contoso-retail.com",
                "propagateAtLaunch": True,
            }
        ],
        "lifecycleHookSpecificationList": [
            {
                "lifecycleHookName": "drain",
                "lifecycleTransition": "autoscaling:EC2_INSTANCE_TERMINATING",
                "notificationMetadata": json.dumps({"slack": WEBHOOK}),
            }
        ],
    },
)
# EC2 records the Query API's names: `TagSpecification`, one list item as the item, a `tag` index.
CREATE_TEMPLATE = _event(
    "ec2.amazonaws.com",
    "CreateLaunchTemplate",
    {
        "CreateLaunchTemplateRequest": {
            "LaunchTemplateName": "web",
            "VersionDescription": "first, ask bob.smith@contoso-retail.com",
            "LaunchTemplateData": {
                "UserData": "<sensitiveDataRemoved>",
                "SecurityGroupId": [{"tag": 1, "content": "sg-0743bcbd08cadba1d"}],
                "TagSpecification": {
                    "tag": 1,
                    "ResourceType": "instance",
                    "Tag": {"tag": 1, "Key": "owner", "Value": "Robert Smith"},
                },
            },
            "TagSpecification": {
                "tag": 1,
                "ResourceType": "launch-template",
                "Tag": [
                    {"tag": 1, "Key": "Team", "Value": "web"},
                    {"tag": 2, "Key": "CustomerIBAN", "Value": "DE89370400440532013000"},
                ],
            },
        }
    },
    {
        "CreateLaunchTemplateResponse": {
            "launchTemplate": {
                "launchTemplateId": "lt-0abc1234def567890",
                "launchTemplateName": "web",
                "latestVersionNumber": 1,
            }
        }
    },
)
NEW_VERSION = _event(
    "ec2.amazonaws.com",
    "CreateLaunchTemplateVersion",
    {
        "CreateLaunchTemplateVersionRequest": {
            "LaunchTemplateId": "lt-0abc1234def567890",
            "LaunchTemplateData": {
                "TagSpecification": {
                    "tag": 1,
                    "ResourceType": "volume",
                    "Tag": {"tag": 1, "Key": "contact", "Value": "+44 20 7183 8750"},
                }
            },
        }
    },
    {
        "CreateLaunchTemplateVersionResponse": {
            "launchTemplateVersion": {"launchTemplateId": "lt-0abc1234def567890", "versionNumber": 4}
        }
    },
)
SUBSCRIBE = _event(
    "sns.amazonaws.com",
    "Subscribe",
    {
        "topicArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:asg",
        "protocol": "https",
        "endpoint": f"https://alerts.example.net/hook?token={TOKEN}",
    },
    {"subscriptionArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:asg:0b0c7a1e"},
)
PUT_OBJECT = _event(
    "s3.amazonaws.com", "PutObject", {"bucketName": "logs", "key": "jane.roe@example-corp.com"}
)


def _found(report: metascan.Report) -> set[tuple[str, str, str, str, str | None]]:
    return {(f.rule, f.resource.type, f.resource.id, f.location.field, f.match) for f in report.findings}


def test_a_trail_log_file_is_read_as_what_its_calls_wrote(tmp_path: Path) -> None:
    path = tmp_path / f"{ACCOUNT}_CloudTrail_us-east-1_20261101T1000Z_a1b2.json.gz"
    with gzip.open(path, "wt") as f:
        json.dump({"Records": [CREATE_GROUP, CREATE_TEMPLATE, NEW_VERSION, SUBSCRIBE, PUT_OBJECT]}, f)
    report = metascan.scan_files([str(tmp_path)], fingerprint_key=KEY)
    assert report.errors == []
    assert report.skipped == []  # (the redacted user data is left out, not "not base64")
    assert _found(report) == {
        ("bank-account-number", "AutoScalingGroup", GROUP, "AutoScalingGroupName", "7719203344"),
        (
            "email-address",
            "AutoScalingGroup",
            GROUP,
            "Tags[OwnerEmail].Value",
            "maria.lopez@contoso-retail.com",
        ),
        ("slack-webhook-url", "LifecycleHook", f"{GROUP}/drain", "NotificationMetadata", WEBHOOK),
        (
            "iban",
            "LaunchTemplate",
            "lt-0abc1234def567890",
            "Tags[CustomerIBAN].Value",
            "DE89370400440532013000",
        ),
        (
            "email-address",
            "LaunchTemplateVersion",
            "lt-0abc1234def567890:1",
            "VersionDescription",
            "bob.smith@contoso-retail.com",
        ),
        (
            "person-name",
            "LaunchTemplateVersion",
            "lt-0abc1234def567890:1",
            "LaunchTemplateData.TagSpecifications[instance].Tags[owner].Value",
            "Robert Smith",
        ),
        (
            "phone-number",
            "LaunchTemplateVersion",
            "lt-0abc1234def567890:4",
            "LaunchTemplateData.TagSpecifications[volume].Tags[contact].Value",
            "+44 20 7183 8750",
        ),
        (
            "github-token-unchecked",
            "SnsSubscription",
            f"arn:aws:sns:us-east-1:{ACCOUNT}:asg:0b0c7a1e",
            "Endpoint",
            TOKEN,
        ),
    }
    # the caller's identity (an email in the session name), and other services' events, are not scanned
    assert not any("ana.silva" in (f.match or "") or "jane.roe" in (f.match or "") for f in report.findings)


def test_lookup_events_output_lines_and_eventbridge_events_are_read(tmp_path: Path) -> None:
    hook = _event(
        "autoscaling.amazonaws.com",
        "PutLifecycleHook",
        {
            "lifecycleHookName": "h2",
            "autoScalingGroupName": "api",
            "notificationMetadata": "db_password=Tr0ub4dorXq9Lw",
        },
    )
    (tmp_path / "lookup.json").write_text(
        json.dumps(
            {
                "Events": [
                    {"EventId": "e1", "EventName": "PutLifecycleHook", "CloudTrailEvent": json.dumps(hook)}
                ]
            }
        )
    )
    tags = _event(
        "autoscaling.amazonaws.com",
        "CreateOrUpdateTags",
        {
            "tags": [
                {
                    "resourceId": "api",
                    "resourceType": "auto-scaling-group",
                    "key": "manager",
                    "value": "Priya Raman",
                }
            ]
        },
    )
    bridge = {
        "version": "0",
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.autoscaling",
        "detail": _event(
            "autoscaling.amazonaws.com",
            "PutScheduledUpdateGroupAction",
            {"scheduledActionName": "notify priya.raman@contoso-retail.com", "autoScalingGroupName": "api"},
        ),
    }
    (tmp_path / "events.jsonl").write_text(
        "\n".join(json.dumps(e) for e in (tags, PUT_OBJECT, bridge)) + "\n"
    )
    report = metascan.scan_files([str(tmp_path)], fingerprint_key=KEY)
    assert report.errors == [] and report.skipped == []
    assert {(f.rule, f.resource.id, f.location.field, f.match) for f in report.findings} == {
        ("password-assignment", "api/h2", "NotificationMetadata", "Tr0ub4dorXq9Lw"),
        ("person-name", "api", "Tags[manager].Value", "Priya Raman"),
        (
            "email-address",
            "api/notify priya.raman@contoso-retail.com",
            "ScheduledActionName",
            "priya.raman@contoso-retail.com",
        ),
    }


def test_a_log_of_other_calls_only_is_skipped_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "trail.json"
    path.write_text(json.dumps({"Records": [PUT_OBJECT]}))
    report = metascan.scan_files([str(path)], fingerprint_key=KEY)
    assert report.findings == []
    assert [s.reason for s in report.skipped] == [cloudtrail.NO_RESOURCES]
    assert [e.message.split(": ")[0] for e in report.errors] == ["no input was recognised"]


def test_a_large_trail_log_is_streamed_in_batches_with_the_same_resources(tmp_path: Path) -> None:
    path = tmp_path / "big.json.gz"
    records = [CREATE_GROUP, PUT_OBJECT, CREATE_TEMPLATE, SUBSCRIBE] * 3
    with gzip.open(path, "wt") as f:
        json.dump({"Records": records}, f)
    streamed = [d for d in files.stream(str(path), batch=2) if isinstance(d, files.Document)]
    whole = cloudtrail.convert({"Records": records})
    assert all(not d.per_source for d in streamed)
    groups = [g for d in streamed for g in d.data.get("AutoScalingGroups", [])]
    subscriptions = [s for d in streamed for s in d.data.get("Subscriptions", [])]
    assert groups == whole.groups and subscriptions == whole.subscriptions and len(groups) == 3


def test_api_responses_and_config_items_are_not_taken_for_events() -> None:
    assert not cloudtrail.is_trail({"AutoScalingGroups": []})
    assert not cloudtrail.is_trail({"Records": [{"eventName": "x"}]})
    assert cloudtrail.single_event({"eventSource": "ec2.amazonaws.com"}) is None
    assert cloudtrail.is_trail({"Records": [PUT_OBJECT]})


def test_records_nested_too_deeply_are_an_error_each_and_other_files_are_scanned(tmp_path: Path) -> None:
    deep = "[" * 900 + "]" * 900
    (tmp_path / "trail.json").write_text(
        '{"Records": [{"eventSource": "autoscaling.amazonaws.com", "eventName": "CreateAutoScalingGroup",'
        f' "requestParameters": {{"autoScalingGroupName": "a", "x": {deep}}}}}]}}'
    )
    (tmp_path / "config.json").write_text(
        '{"configurationItems": [{"resourceType": "AWS::AutoScaling::AutoScalingGroup",'
        f' "configuration": {{"autoScalingGroupName": "a", "x": {deep}}}}}]}}'
    )
    (tmp_path / "rows.jsonl").write_text(f'{{"auto_scaling_group_name": "a", "min_size": 1, "x": {deep}}}\n')
    (tmp_path / "good.json").write_text(json.dumps({"Records": [CREATE_GROUP]}))
    report = metascan.scan_files([str(tmp_path)], fingerprint_key=KEY)
    assert sorted(e.message for e in report.errors) == [
        f"{tmp_path / name}: a document nests too deeply to read"
        for name in ("config.json", "rows.jsonl", "trail.json")
    ]
    assert ("email-address", "maria.lopez@contoso-retail.com") in {(f.rule, f.match) for f in report.findings}


def test_a_large_log_of_other_calls_only_is_skipped_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "big.json.gz"
    with gzip.open(path, "wt") as f:
        json.dump({"Records": [PUT_OBJECT] * 5}, f)
    out = list(files.stream(str(path), batch=2))
    assert [type(o).__name__ for o in out] == ["Skipped"] and out[0].reason == cloudtrail.NO_RESOURCES
