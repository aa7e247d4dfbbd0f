"""Inputs of shapes no describe call returns: messages and events Auto Scaling sent (SQS, SNS, EventBridge,
Lambda), records a home-grown inventory job wrote, `--query` projections, AWS Config query results without a
configuration, the IaC generator's template, `--output yaml-stream` saves and subscriptions listed without
their topic."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import yaml

import metascan
from metascan.sources.content import QUERY_VALUES

KEY = b"messages-test-key-0123456789"
OWN = "210987654322"
OTHER = "804417239918"
GROUP_ARN = (
    f"arn:aws:autoscaling:eu-west-1:{OWN}:autoScalingGroup:0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
    ":autoScalingGroupName/settlement-worker"
)
TOPIC = f"arn:aws:sns:eu-west-1:{OWN}:asg-events"
TOKEN = "xoxb-4183920571-5519203847162-Qm7TzR2wVb9XcL4nHp8KdFsE"  # (a Slack bot token's documented shape)
PASSWORD = "Vb3-Hq8z-Rm6t"
EMAIL = "ines.carvalho@sendmail.pt"


def scan(*paths: Path) -> metascan.Report:
    return metascan.scan_files(list(paths), fingerprint_key=KEY)


def found(report: metascan.Report) -> set[tuple[str, str, str, str | None]]:
    return {(f.rule, f.resource.type, f.resource.id, f.match) for f in report.findings}


def _lifecycle(metadata: str) -> dict[str, Any]:
    return {
        "Origin": "EC2",
        "Destination": "AutoScalingGroup",
        "LifecycleActionToken": "7c1d9a52-3e44-4b0f-a1d2-5e6f7a8b9c0d",
        "AutoScalingGroupName": "settlement-worker",
        "LifecycleHookName": "drain-on-terminate",
        "EC2InstanceId": "i-0a1b2c3d4e5f60718",
        "LifecycleTransition": "autoscaling:EC2_INSTANCE_TERMINATING",
        "NotificationMetadata": metadata,
    }


def test_lifecycle_messages_in_an_sqs_queue_are_the_hook_they_carry(tmp_path: Path) -> None:
    metadata = json.dumps({"slack_token": TOKEN, "owner_account": OWN, "peer_account": OTHER})
    test_message = {
        "AccountId": OWN,
        "AutoScalingGroupName": "settlement-worker",
        "AutoScalingGroupARN": GROUP_ARN,
        "Service": "AWS Auto Scaling",
        "Event": "autoscaling:TEST_NOTIFICATION",
    }
    received = {
        "Messages": [
            {"MessageId": "m1", "ReceiptHandle": "AQEBx1", "Body": json.dumps(test_message)},
            {"MessageId": "m2", "ReceiptHandle": "AQEBx2", "Body": json.dumps(_lifecycle(metadata))},
            {"MessageId": "m3", "ReceiptHandle": "AQEBx3", "Body": json.dumps(_lifecycle(metadata))},
        ]
    }
    (tmp_path / "queue.json").write_text(json.dumps(received))
    report = scan(tmp_path)
    hits = [f for f in report.findings if f.resource.type == "LifecycleHook"]
    # one hook, read once although two messages carry it; its account is its group's, so only the other
    # account's id is reported
    assert sorted((f.rule, f.match) for f in hits) == [("aws-account-id", OTHER), ("slack-token", TOKEN)]
    assert {(f.resource.id, f.resource.account, f.location.field) for f in hits} == {
        ("settlement-worker/drain-on-terminate", OWN, "NotificationMetadata")
    }
    assert report.errors == [] and report.skipped == []


def test_sns_envelopes_and_eventbridge_events_are_read_wherever_they_sit(tmp_path: Path) -> None:
    launch = {
        "Event": "autoscaling:EC2_INSTANCE_LAUNCH",
        "AutoScalingGroupName": f"tenant-{OTHER}-web",
        "Description": "Launching a new EC2 instance: i-0a1b2c3d4e5f60718",
    }
    envelope = {"Type": "Notification", "TopicArn": TOPIC, "Message": json.dumps(launch), "Signature": "c2ln"}
    # an HTTPS subscriber's capture of what SNS posted, and a Lambda function's SNS event
    (tmp_path / "capture.json").write_text(json.dumps([{"headers": {}, "body": json.dumps(envelope)}]))
    (tmp_path / "lambda.json").write_text(
        json.dumps({"Records": [{"EventSource": "aws:sns", "Sns": envelope}]})
    )
    event = {
        "version": "0",
        "detail-type": "EC2 Instance-terminate Lifecycle Action",
        "source": "aws.autoscaling",
        "account": OWN,
        "region": "eu-west-1",
        "resources": [GROUP_ARN],
        "detail": _lifecycle(json.dumps({"notify": EMAIL})),
    }
    (tmp_path / "events.json").write_text(json.dumps([event, event]))
    report = scan(tmp_path)
    assert ("aws-account-id", "AutoScalingGroup", f"tenant-{OTHER}-web", OTHER) in found(report)
    hook = [f for f in report.findings if f.resource.type == "LifecycleHook"]
    assert [(f.rule, f.match, f.resource.region) for f in hook] == [("email-address", EMAIL, "eu-west-1")]
    assert report.errors == [] and report.skipped == []


def test_messages_of_other_services_are_not_read(tmp_path: Path) -> None:
    other = {"Type": "Notification", "TopicArn": TOPIC, "Message": json.dumps({"alarm": "CPU", "to": EMAIL})}
    (tmp_path / "alarm.json").write_text(json.dumps(other))
    report = scan(tmp_path)
    assert report.findings == []
    (skip,) = report.skipped
    assert skip.reason.startswith("not a recognised AWS API response")


def test_a_home_grown_jobs_records_are_read_by_their_keys(tmp_path: Path) -> None:
    script = f"#!/bin/bash\nexport DB_PASSWORD='{PASSWORD}'\n"
    lines = [
        {
            "kind": "auto_scaling_group",
            "name": "settlement-worker",
            "arn": GROUP_ARN,
            "account_id": OWN,
            "tags": {"Owner": "Filipa Moreira", "PeerAccount": OTHER, "Tier": "1"},
        },
        {
            "kind": "launch_template_version",
            "id": "lt-0a1b2c3d4e5f60718",
            "account_id": OWN,
            "user_data": base64.b64encode(script.encode()).decode(),
            "tags": [{"Key": "Contact", "Value": EMAIL}],
        },
        {"kind": "summary", "groups": 1, "run_id": "5f0c"},  # (nothing about Auto Scaling: not read)
    ]
    (tmp_path / "inventory.ndjson").write_text("\n".join(json.dumps(line) for line in lines))
    report = scan(tmp_path)
    assert found(report) == {
        ("person-name", "Record", "settlement-worker", "Filipa Moreira"),
        ("aws-account-id", "Record", "settlement-worker", OTHER),
        ("password-assignment", "Record", "lt-0a1b2c3d4e5f60718", PASSWORD),
        ("email-address", "Record", "lt-0a1b2c3d4e5f60718", EMAIL),
    }
    fields = {f.match: f.location.field for f in report.findings}
    assert fields["Filipa Moreira"] == "tags.Owner.Value"
    assert fields[EMAIL] == "tags[0][Contact].Value"
    assert {f.resource.account for f in report.findings} == {OWN}
    (skip,) = report.skipped  # the summary line
    assert "not a recognised AWS API response" in skip.reason


def test_query_projections_are_read_as_items_or_as_free_text(tmp_path: Path) -> None:
    tags = [
        [
            {
                "ResourceId": "settlement-worker",
                "ResourceType": "auto-scaling-group",
                "Key": "Owner",
                "Value": "Filipa Moreira",
                "PropagateAtLaunch": True,
            }
        ]
    ]
    (tmp_path / "tags.json").write_text(json.dumps(tags))  # --query 'AutoScalingGroups[].Tags'
    values = [[f"treasury-{OTHER}-sync", EMAIL, "2025-08-21T06:44:19Z"]]
    (tmp_path / "values.json").write_text(json.dumps(values))  # --query '...[].[Name, Tags[0].Value, ...]'
    report = scan(tmp_path)
    assert ("person-name", "AutoScalingGroup", "settlement-worker", "Filipa Moreira") in found(report)
    assert ("email-address", "Record", "record 1", EMAIL) in found(report)
    assert [s.reason for s in report.skipped] == [QUERY_VALUES]
    assert report.errors == []


def test_config_query_results_without_a_configuration_still_give_the_groups_tags(tmp_path: Path) -> None:
    row = {
        "resourceId": GROUP_ARN,
        "resourceName": "settlement-worker",
        "resourceType": "AWS::AutoScaling::AutoScalingGroup",
        "tags": [{"key": "Contact", "value": EMAIL, "tag": f"Contact={EMAIL}"}],
    }
    selected = {"Results": [json.dumps(row)], "QueryInfo": {"SelectFields": [{"Name": "tags"}]}}
    (tmp_path / "select.json").write_text(json.dumps(selected))
    report = scan(tmp_path)
    (finding,) = report.findings
    assert (finding.rule, finding.resource.id, finding.resource.account, finding.match) == (
        "email-address",
        "settlement-worker",
        OWN,
        EMAIL,
    )


def test_generated_templates_yaml_stream_saves_and_subscriptions_without_their_topic(tmp_path: Path) -> None:
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Group": {
                "Type": "AWS::AutoScaling::AutoScalingGroup",
                "Properties": {
                    "MinSize": "1",
                    "MaxSize": "2",
                    "Tags": [{"Key": "Owner", "Value": EMAIL, "PropagateAtLaunch": True}],
                },
            }
        },
    }
    generated = {"Status": "COMPLETE", "TemplateBody": json.dumps(template)}
    (tmp_path / "generated.json").write_text(json.dumps(generated))  # get-generated-template
    pages = [
        {"AutoScalingGroups": [{"AutoScalingGroupName": "g1", "Tags": [{"Key": "Contact", "Value": EMAIL}]}]}
    ]
    (tmp_path / "groups.yaml-stream").write_text(yaml.safe_dump(pages))
    subscription = {
        "subscription_arn": f"{TOPIC}:5d2a9c1e-7b3f-4e8a-9c0d-1f2e3a4b5c6d",
        "protocol": "email",
        "endpoint": EMAIL,
    }
    (tmp_path / "subscriptions.ndjson").write_text(json.dumps(subscription))
    report = scan(tmp_path)
    sources = {Path(f.location.source).name for f in report.findings if f.match == EMAIL}
    assert sources == {"generated.json", "groups.yaml-stream", "subscriptions.ndjson"}
    assert report.errors == [] and report.skipped == []
