"""Extraction: each kind of API response -> resources (type, id, ARN, region, account) and field paths."""

from __future__ import annotations

from typing import Any

import pytest

from metascan.aws.documents import EXTRACTORS, Defaults, ResourceRecord, extract, identify
from metascan.fingerprint import Fingerprinter
from metascan.model import Field, FieldKind, Skipped

FP = Fingerprinter(b"test-key-for-documents-0000")
ACCT = "210987654322"
TOPIC = f"arn:aws:sns:eu-west-1:{ACCT}:orders-events"

# An unknown key is never named (it may be a token): how many, and which keys were expected.
UNRECOGNISED_ONE = (
    "not a recognised AWS API response (1 top-level key, none of them one metascan reads: "
    + ", ".join(EXTRACTORS)
    + ")"
)


def fields(data: dict[str, Any], defaults: Defaults | None = None) -> list[Field]:
    return [i for i in extract("src.json", data, defaults or Defaults(), FP) if isinstance(i, Field)]


def items(data: dict[str, Any]) -> list[object]:
    return list(extract("src.json", data, Defaults(), FP))


def by_path(fs: list[Field]) -> dict[str, Field]:
    return {f.path: f for f in fs}


def test_auto_scaling_groups_names_tags_and_arn_location() -> None:
    arn = f"arn:aws:autoscaling:eu-west-1:{ACCT}:autoScalingGroup:6c1f:autoScalingGroupName/web-prod"
    data = {
        "AutoScalingGroups": [
            {
                "AutoScalingGroupName": "web-prod",
                "AutoScalingGroupARN": arn,
                "Tags": [
                    {"Key": "Owner", "Value": "jane@acme.io", "ResourceId": "web-prod"},
                    {"Key": "CustomerAccount", "Value": "00123456789"},
                ],
                "TargetGroupARNs": [f"arn:aws:elasticloadbalancing:eu-west-1:{ACCT}:targetgroup/tg-web/abc"],
            }
        ],
        "NextToken": "eyJr",
        "ResponseMetadata": {"RequestId": "x"},
    }
    fs = by_path(fields(data))
    assert set(fs) == {
        "AutoScalingGroupName",
        "Tags.Key",
        "Tags[Owner].Value",
        "Tags[CustomerAccount].Value",
        "TargetGroupARNs[0]",
    }
    res = fs["AutoScalingGroupName"].resource
    assert (res.type, res.id, res.arn, res.region, res.account) == (
        "AutoScalingGroup",
        "web-prod",
        arn,
        "eu-west-1",
        ACCT,
    )
    assert fs["Tags[CustomerAccount].Value"].key == "CustomerAccount"
    assert fs["Tags[CustomerAccount].Value"].kind is FieldKind.TAG_VALUE
    assert (
        fs["TargetGroupARNs[0]"].value == "tg-web/abc"
    )  # the name part only: account and region are structure


def test_launch_template_versions_without_arn_take_region_and_account_from_defaults() -> None:
    data = {
        "LaunchTemplateVersions": [
            {
                "LaunchTemplateId": "lt-0abc",
                "LaunchTemplateName": "web",
                "VersionNumber": 3,
                "VersionDescription": "hotfix",
                "CreatedBy": f"arn:aws:sts::{ACCT}:assumed-role/Deployer/jane.doe@acme.io",
                "LaunchTemplateData": {
                    "UserData": "IyEvYmluL2Jhc2gK",
                    "TagSpecifications": [
                        {"ResourceType": "instance", "Tags": [{"Key": "Owner", "Value": "Nora Lindqvist"}]}
                    ],
                    "NetworkInterfaces": [{"Description": "primary nic"}],
                },
            }
        ]
    }
    fs = fields(data)
    paths = {(f.resource.type, f.resource.id, f.path) for f in fs}
    assert paths == {
        ("LaunchTemplate", "lt-0abc", "LaunchTemplateName"),
        ("LaunchTemplateVersion", "lt-0abc:3", "VersionDescription"),
        ("LaunchTemplateVersion", "lt-0abc:3", "CreatedBy"),
        ("LaunchTemplateVersion", "lt-0abc:3", "LaunchTemplateData.UserData"),
        ("LaunchTemplateVersion", "lt-0abc:3", "LaunchTemplateData.TagSpecifications[instance].Tags.Key"),
        (
            "LaunchTemplateVersion",
            "lt-0abc:3",
            "LaunchTemplateData.TagSpecifications[instance].Tags[Owner].Value",
        ),
        ("LaunchTemplateVersion", "lt-0abc:3", "LaunchTemplateData.NetworkInterfaces[0].Description"),
    }
    assert all(f.resource.region is None and f.resource.account is None for f in fs)
    fs2 = fields(data, Defaults("ap-southeast-2", "111122223333"))
    assert {(f.resource.region, f.resource.account) for f in fs2} == {("ap-southeast-2", "111122223333")}
    created = next(f for f in fs if f.path == "CreatedBy")
    assert created.value == "Deployer/jane.doe@acme.io"
    ud = next(f for f in fs if f.path.endswith("UserData"))
    assert ud.kind is FieldKind.USER_DATA


def test_launch_configurations() -> None:
    arn = f"arn:aws:autoscaling:us-east-1:{ACCT}:launchConfiguration:9dbb:launchConfigurationName/lc-1"
    data = {
        "LaunchConfigurations": [
            {
                "LaunchConfigurationName": "lc-1",
                "LaunchConfigurationARN": arn,
                "UserData": "IyEvYmluL3NoCg==",
                "KeyName": "alice-laptop",
            }
        ]
    }
    fs = by_path(fields(data))
    assert set(fs) == {"LaunchConfigurationName", "UserData", "KeyName"}
    assert fs["UserData"].resource.region == "us-east-1"


def test_lifecycle_hooks_metadata_and_target_names() -> None:
    data = {
        "LifecycleHooks": [
            {
                "LifecycleHookName": "drain",
                "AutoScalingGroupName": "web-prod",
                "NotificationMetadata": '{"owner": "jane@acme.io"}',
                "NotificationTargetARN": f"arn:aws:sqs:us-east-1:{ACCT}:cust-884421-queue",
                "RoleARN": f"arn:aws:iam::{ACCT}:role/hook-role",
            }
        ]
    }
    fs = by_path(fields(data))
    assert fs["NotificationMetadata"].resource.id == "web-prod/drain"
    assert fs["NotificationTargetARN"].value == "cust-884421-queue"
    assert fs["RoleARN"].value == "hook-role"
    # a hook has no ARN of its own: its role gives its account, its target its region (so that the account's
    # own id in its metadata is known as its own)
    hook = fs["NotificationMetadata"].resource
    assert (hook.arn, hook.region, hook.account) == (None, "us-east-1", ACCT)
    hooks = data["LifecycleHooks"]
    bare = {k: v for k, v in hooks[0].items() if k not in ("NotificationTargetARN", "RoleARN")}
    alone = by_path(fields({"LifecycleHooks": [bare]}))["NotificationMetadata"].resource
    assert (alone.region, alone.account) == (None, None)


def test_notification_configurations_group_duplicates_into_one_resource() -> None:
    data = {
        "NotificationConfigurations": [
            {"AutoScalingGroupName": "web", "TopicARN": TOPIC, "NotificationType": t}
            for t in ("autoscaling:EC2_INSTANCE_LAUNCH", "autoscaling:EC2_INSTANCE_TERMINATE")
        ]
    }
    fs = fields(data)
    assert {(f.resource.type, f.resource.id, f.path, f.value) for f in fs} == {
        ("NotificationConfiguration", f"web/{TOPIC}", "TopicARN", "orders-events")
    }
    assert fs[0].resource.region == "eu-west-1" and fs[0].resource.account == ACCT


def test_scheduled_actions_and_describe_tags() -> None:
    sched = {
        "ScheduledUpdateGroupActions": [
            {
                "AutoScalingGroupName": "web",
                "ScheduledActionName": "scale-for-jane",
                "ScheduledActionARN": f"arn:aws:autoscaling:us-east-1:{ACCT}:scheduledUpdateGroupAction:x:"
                "autoScalingGroupName/web:scheduledActionName/scale-for-jane",
            }
        ]
    }
    f = fields(sched)[0]
    assert (f.resource.type, f.resource.id, f.path) == (
        "ScheduledAction",
        "web/scale-for-jane",
        "ScheduledActionName",
    )
    tags = {
        "Tags": [
            {
                "ResourceId": "web",
                "ResourceType": "auto-scaling-group",
                "Key": "Owner",
                "Value": "x@acme.io",
                "PropagateAtLaunch": True,
            }
        ]
    }
    fs = fields(tags)
    assert {(f.resource.type, f.resource.id, f.path) for f in fs} == {
        ("AutoScalingGroup", "web", "Tags.Key"),
        ("AutoScalingGroup", "web", "Tags[Owner].Value"),
    }


def test_sns_subscriptions_confirmed_and_pending() -> None:
    sub = f"{TOPIC}:3f1e2d4c-5b6a-4789-8a7b-6c5d4e3f2a10"
    data = {
        "Subscriptions": [
            {
                "SubscriptionArn": sub,
                "Owner": ACCT,
                "Protocol": "email",
                "Endpoint": "jane@acme.io",
                "TopicArn": TOPIC,
            },
            {
                "SubscriptionArn": "PendingConfirmation",
                "Owner": ACCT,
                "Protocol": "https",
                "Endpoint": "https://hooks.acme.io/x?token=SECRETSECRET",
                "TopicArn": TOPIC,
            },
        ]
    }
    fs = fields(data)
    endpoints = [f for f in fs if f.path == "Endpoint"]
    assert endpoints[0].resource.id == sub and endpoints[0].protocol == "email"
    pending = endpoints[1].resource.id
    assert pending.startswith(f"{TOPIC}/pending/") and len(pending.rsplit("/", 1)[1]) == 12
    assert "SECRET" not in pending and "hooks.acme.io" not in pending
    # the id is the keyed fingerprint of the endpoint: stable for one key, different for another
    other = [
        i
        for i in extract("s", data, Defaults(), Fingerprinter(b"another-key-0000000000"))
        if isinstance(i, Field)
    ]
    assert [f.resource.id for f in other if f.path == "Endpoint"][1] != pending
    topics = {(f.resource.type, f.resource.id, f.value) for f in fs if f.path == "TopicArn"}
    assert topics == {("SnsTopic", TOPIC, "orders-events")}


def test_sns_attributes_subscription_and_topic() -> None:
    sub = {
        "Attributes": {
            "SubscriptionArn": f"{TOPIC}:abc",
            "TopicArn": TOPIC,
            "Protocol": "sms",
            "Endpoint": "+14155550132",
            "Owner": ACCT,
        }
    }
    assert {f.path for f in fields(sub)} == {"Endpoint", "TopicArn"}
    topic = {"Attributes": {"TopicArn": TOPIC, "DisplayName": "Jane's alerts", "Owner": ACCT, "Policy": "{}"}}
    fs = by_path(fields(topic))
    assert set(fs) == {"TopicArn", "DisplayName"}
    assert fs["DisplayName"].resource.type == "SnsTopic"


def test_resource_records_precede_their_fields() -> None:
    data = {"LaunchConfigurations": [{"LaunchConfigurationName": "lc-1", "UserData": "eA=="}]}
    out = items(data)
    assert isinstance(out[0], ResourceRecord) and out[0].resource.id == "lc-1"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"Foo": []}, UNRECOGNISED_ONE),
        ({"AutoScalingGroups": None}, "AutoScalingGroups is null, not a list"),
        ({"AutoScalingGroups": [42]}, "AutoScalingGroups[0] is a number, not an object"),
        ({"AutoScalingGroups": [{"Tags": []}]}, "AutoScalingGroups[0] has no string AutoScalingGroupName"),
        (
            {"LaunchTemplateVersions": [{"LaunchTemplateId": "lt-1"}]},
            "LaunchTemplateVersions[0] has no LaunchTemplateId or VersionNumber",
        ),
    ],
)
def test_wrong_shapes_are_skipped_with_a_reason(data: dict[str, Any], reason: str) -> None:
    out = items(data)
    skips = [i for i in out if isinstance(i, Skipped)]
    assert [s.reason for s in skips] == [reason]
    assert skips[0].source == "src.json"


def test_wrong_value_types_skip_the_field_not_the_resource() -> None:
    data = {
        "AutoScalingGroups": [
            {"AutoScalingGroupName": "g", "Tags": [{"Key": "Owner", "Value": {"x": 1}}], "PlacementGroup": 7}
        ]
    }
    out = items(data)
    skips = [i.reason for i in out if isinstance(i, Skipped)]
    assert skips == ["Tags[Owner].Value is an object, not a string"]
    assert {f.path for f in out if isinstance(f, Field)} == {
        "AutoScalingGroupName",
        "Tags.Key",
        "PlacementGroup",
    }


def test_identify_needs_exactly_one_payload_key() -> None:
    assert identify({"AutoScalingGroups": [], "NextToken": "x"}) == "AutoScalingGroups"
    assert identify({"AutoScalingGroups": [], "LaunchConfigurations": []}) is None
    assert identify({}) is None
