"""`read_region` against botocore Stubbers, for what the moto server cannot show.

moto 5.2.5 does not implement DescribeNotificationConfigurations (it answers with an HTML 500) and drops a
lifecycle hook's NotificationMetadata, NotificationTargetARN and RoleARN.  The tests here that need those
stub the Auto Scaling client with botocore's `Stubber`: every call it receives must be queued, with the
parameters the scanner must send, so a missing, extra or reordered call fails the test.  SNS and EC2 are
the real moto server where moto is faithful.
"""

from __future__ import annotations

from typing import Any

import pytest
from aws_helpers import (
    MOTO_ACCOUNT,
    Moto,
    b64,
    group,
    operations,
    read_items,
    scan_items,
    stubbed,
)

from metascan.sources.aws_region import Counts, Page, RegionClients

pytest_plugins = ["conftest_aws"]

HOOK_KEY = "sk_live_" + "51Hx9ZkQ2m7VbR3pLw8TyN4c"
DISPLAY_EMAIL = "dana.lee@acme-corp.io"
TOKEN_URL = "https://hooks.acme-corp.io/asg?token=Qm9vVg7xLp2Rz8Kd"
SUB_EMAIL = "sam.ops@umbrella-labs.io"
P100 = {"MaxRecords": 100}


def _empty_rest(stub: Any, notifications: list[dict[str, Any]] | None = None) -> None:
    """Queue the Auto Scaling calls after groups and hooks: LCs, notification configurations, actions."""
    stub.add_response("describe_launch_configurations", {"LaunchConfigurations": []}, P100)
    stub.add_response(
        "describe_notification_configurations", {"NotificationConfigurations": notifications or []}, P100
    )
    stub.add_response("describe_scheduled_actions", {"ScheduledUpdateGroupActions": []}, P100)


def _groups(
    stub: Any, *groups: dict[str, Any], token: str | None = None, next_token: str | None = None
) -> None:
    params: dict[str, Any] = {"IncludeInstances": False, "MaxRecords": 100}
    if token:
        params["NextToken"] = token
    response: dict[str, Any] = {"AutoScalingGroups": list(groups)}
    if next_token:
        response["NextToken"] = next_token
    stub.add_response("describe_auto_scaling_groups", response, params)


@pytest.mark.live
def test_hook_metadata_and_notification_topics_are_followed_to_sns(moto: Moto) -> None:
    """Stubbed Auto Scaling (moto drops hook metadata and targets and lacks notification configurations):
    a hook's metadata is scanned, and both the hook's target topic (in another region) and a notification
    configuration's topic are read from SNS (moto): display names and subscription endpoints."""
    sns_eu = moto.client("sns", "eu-west-1")
    hook_topic = sns_eu.create_topic(Name="drain-events")["TopicArn"]
    sns_eu.subscribe(TopicArn=hook_topic, Protocol="email", Endpoint=SUB_EMAIL)
    sns_us = moto.client("sns", "us-east-1")
    note_topic = sns_us.create_topic(Name="asg-events", Attributes={"DisplayName": f"Pager {DISPLAY_EMAIL}"})[
        "TopicArn"
    ]
    sns_us.subscribe(TopicArn=note_topic, Protocol="https", Endpoint=TOKEN_URL)

    asg, stub = stubbed("autoscaling")
    _groups(stub, group("web-asg"))
    hook = {
        "LifecycleHookName": "drain",
        "AutoScalingGroupName": "web-asg",
        "LifecycleTransition": "autoscaling:EC2_INSTANCE_TERMINATING",
        "NotificationTargetARN": hook_topic,
        "RoleARN": "arn:aws:iam::210987654321:role/hook-role",
        "NotificationMetadata": f'{{"stripe_key": "{HOOK_KEY}"}}',
    }
    stub.add_response(
        "describe_lifecycle_hooks", {"LifecycleHooks": [hook]}, {"AutoScalingGroupName": "web-asg"}
    )
    _empty_rest(
        stub,
        [{"AutoScalingGroupName": "web-asg", "TopicARN": note_topic, "NotificationType": "autoscaling:TEST"}],
    )
    regions_asked: list[str] = []

    def sns(region: str) -> Any:
        regions_asked.append(region)
        return moto.client("sns", region)

    with stub:
        items = read_items(RegionClients(asg, moto.client("ec2"), sns))
        stub.assert_no_pending_responses()
    report = scan_items(items)

    assert report.errors == []
    found = {(f.rule, f.resource.type, f.location.field, f.match) for f in report.findings}
    assert ("stripe-api-key", "LifecycleHook", "NotificationMetadata", HOOK_KEY) in found
    assert ("email-address", "SnsTopic", "DisplayName", DISPLAY_EMAIL) in found
    assert ("sns-email-endpoint", "SnsSubscription", "Endpoint", SUB_EMAIL) in found
    assert ("url-secret-parameter", "SnsSubscription", "Endpoint", "Qm9vVg7xLp2Rz8Kd") in found
    assert "eu-west-1" in regions_asked  # the hook's topic lives in another region
    hook_finding = next(f for f in report.findings if f.resource.type == "LifecycleHook")
    assert (hook_finding.resource.id, hook_finding.resource.region, hook_finding.resource.account) == (
        "web-asg/drain",
        "us-east-1",
        MOTO_ACCOUNT,
    )
    # The https subscription is also read with GetSubscriptionAttributes (AWS masks passwords in List*).
    assert operations(items).count("sns:GetSubscriptionAttributes") == 1
    assert operations(items).count("sns:ListSubscriptionsByTopic") == 2


def test_pages_are_handed_on_as_they_arrive() -> None:
    """Stubbed Auto Scaling and EC2: each page of groups is yielded before the next page is asked for, with
    its groups' lifecycle hooks in between; page sizes are the service maxima."""
    asg, a = stubbed("autoscaling")
    ec2, e = stubbed("ec2")
    _groups(a, group("g1"), group("g2"), next_token="t1")
    a.add_response("describe_lifecycle_hooks", {"LifecycleHooks": []}, {"AutoScalingGroupName": "g1"})
    a.add_response("describe_lifecycle_hooks", {"LifecycleHooks": []}, {"AutoScalingGroupName": "g2"})
    _groups(a, group("g3"), token="t1")
    a.add_response("describe_lifecycle_hooks", {"LifecycleHooks": []}, {"AutoScalingGroupName": "g3"})
    _empty_rest(a)
    e.add_response("describe_launch_templates", {"LaunchTemplates": []}, {"MaxResults": 200})
    with a, e:
        items = read_items(RegionClients(asg, ec2, lambda r: pytest.fail("no topic, no SNS call")))
        a.assert_no_pending_responses()
        e.assert_no_pending_responses()
    assert operations(items)[:6] == [
        "autoscaling:DescribeAutoScalingGroups",
        "autoscaling:DescribeLifecycleHooks",
        "autoscaling:DescribeLifecycleHooks",
        "autoscaling:DescribeAutoScalingGroups",
        "autoscaling:DescribeLifecycleHooks",
        "autoscaling:DescribeLaunchConfigurations",
    ]
    counts = [i for i in items if isinstance(i, Counts)]
    assert [c.groups for c in counts][:2] == [2, 3]
    assert counts[-1] == Counts(groups=3, templates=0)


def _version(lt_id: str, number: int, text: str, default: bool = False) -> dict[str, Any]:
    return {
        "LaunchTemplateId": lt_id,
        "LaunchTemplateName": "web",
        "VersionNumber": number,
        "DefaultVersion": default,
        "LaunchTemplateData": {"UserData": b64(text)},
    }


def test_pinned_versions_are_read_once_and_missing_ones_are_skipped() -> None:
    """Stubbed Auto Scaling and EC2, versions in use only: versions that groups and mixed-instances overrides
    pin are read on top of $Latest/$Default; a version already read is not asked again, and one missing
    version (which fails the whole call) is asked alone and reported as skipped, not as an error."""
    lt = "lt-0123456789abcdef0"
    asg, a = stubbed("autoscaling")
    ec2, e = stubbed("ec2")
    pinned_by_name = group(
        "mixed",
        MixedInstancesPolicy={
            "LaunchTemplate": {
                "LaunchTemplateSpecification": {"LaunchTemplateName": "web", "Version": "2"},
                "Overrides": [
                    {
                        "InstanceType": "t3.small",
                        "LaunchTemplateSpecification": {"LaunchTemplateId": lt, "Version": "9"},
                    }
                ],
            }
        },
    )
    pinned_default = group("plain", LaunchTemplate={"LaunchTemplateId": lt, "Version": "1"})
    _groups(a, pinned_by_name, pinned_default)
    for name in ("mixed", "plain"):
        a.add_response("describe_lifecycle_hooks", {"LifecycleHooks": []}, {"AutoScalingGroupName": name})
    _empty_rest(a)
    e.add_response(
        "describe_launch_templates",
        {"LaunchTemplates": [{"LaunchTemplateId": lt, "LaunchTemplateName": "web"}]},
        {"MaxResults": 200},
    )
    e.add_response(
        "describe_launch_template_versions",
        {"LaunchTemplateVersions": [_version(lt, 1, "echo default", True), _version(lt, 3, "echo latest")]},
        {"Versions": ["$Latest", "$Default"], "MaxResults": 200},
    )
    e.add_client_error(
        "describe_launch_template_versions",
        "InvalidLaunchTemplateId.VersionNotFound",
        "Could not find the specified version 9",
        expected_params={"LaunchTemplateId": lt, "Versions": ["2", "9"], "MaxResults": 200},
    )
    e.add_response(
        "describe_launch_template_versions",
        {"LaunchTemplateVersions": [_version(lt, 2, "export API_TOKEN=Zx81mQpL0vRt7sKd")]},
        {"LaunchTemplateId": lt, "Versions": ["2"], "MaxResults": 200},
    )
    e.add_client_error(
        "describe_launch_template_versions",
        "InvalidLaunchTemplateId.VersionNotFound",
        "Could not find the specified version 9",
        expected_params={"LaunchTemplateId": lt, "Versions": ["9"], "MaxResults": 200},
    )
    with a, e:
        items = read_items(
            RegionClients(asg, ec2, lambda r: pytest.fail("no topic, no SNS call")), all_versions=False
        )
        e.assert_no_pending_responses()
    report = scan_items(items)
    assert report.errors == []
    assert [s.reason for s in report.skipped] == [
        f"a group references version 9 of launch template {lt}, which does not exist"
    ]
    versions = sorted(
        v["VersionNumber"]
        for i in items
        if isinstance(i, Page)
        for v in i.data.get("LaunchTemplateVersions", [])
    )
    assert versions == [1, 2, 3]
    assert {(f.resource.id, f.match) for f in report.findings} == {(f"{lt}:2", "Zx81mQpL0vRt7sKd")}


def test_every_version_of_every_template_is_read_by_default() -> None:
    """Stubbed Auto Scaling and EC2 (moto cannot page versions: it cuts them off silently): by default each
    template's versions are read with its id, 200 per call and every page, so an old version's secret is
    found; a version a group pins that is not among them is listed as skipped."""
    lt, other = "lt-0123456789abcdef0", "lt-0fedcba9876543210"
    asg, a = stubbed("autoscaling")
    ec2, e = stubbed("ec2")
    _groups(a, group("web", LaunchTemplate={"LaunchTemplateName": "web", "Version": "7"}))
    a.add_response("describe_lifecycle_hooks", {"LifecycleHooks": []}, {"AutoScalingGroupName": "web"})
    _empty_rest(a)
    e.add_response(
        "describe_launch_templates",
        {
            "LaunchTemplates": [
                {"LaunchTemplateId": lt, "LaunchTemplateName": "web"},
                {"LaunchTemplateId": other, "LaunchTemplateName": "batch"},
            ]
        },
        {"MaxResults": 200},
    )
    e.add_response(
        "describe_launch_template_versions",
        {"LaunchTemplateVersions": [_version(lt, 3, "echo now", True)], "NextToken": "p2"},
        {"LaunchTemplateId": lt, "MaxResults": 200},
    )
    e.add_response(
        "describe_launch_template_versions",
        {"LaunchTemplateVersions": [_version(lt, 1, "export DB_PASSWORD='Tz6-Kw2m-Pq9v'")]},
        {"LaunchTemplateId": lt, "MaxResults": 200, "NextToken": "p2"},
    )
    e.add_response(
        "describe_launch_template_versions",
        {"LaunchTemplateVersions": [_version(other, 1, "echo batch", True)]},
        {"LaunchTemplateId": other, "MaxResults": 200},
    )
    with a, e:
        items = read_items(RegionClients(asg, ec2, lambda r: pytest.fail("no topic, no SNS call")))
        a.assert_no_pending_responses()
        e.assert_no_pending_responses()
    report = scan_items(items)
    assert report.errors == []
    assert {(f.resource.id, f.match) for f in report.findings if f.match} == {(f"{lt}:1", "Tz6-Kw2m-Pq9v")}
    assert [s.reason for s in report.skipped] == [
        f"a group references version 7 of launch template {lt}, which does not exist"
    ]


@pytest.mark.live
def test_access_denied_on_auto_scaling_leaves_the_rest_scanned(moto: Moto) -> None:
    """Stubbed Auto Scaling answering AccessDenied to every call; EC2 is moto with a launch template holding a
    password: the template is still scanned and each denied call is one error naming account, region and
    operation."""
    moto.client("ec2").create_launch_template(
        LaunchTemplateName="web", LaunchTemplateData={"UserData": b64("DB_PASSWORD='Qv7-Lm2x-Rt9p'\n")}
    )
    asg, a = stubbed("autoscaling")
    denied = "User: arn:aws:sts::123456789012:assumed-role/audit/metascan is not authorized"
    for op in (
        "describe_auto_scaling_groups",
        "describe_launch_configurations",
        "describe_notification_configurations",
        "describe_scheduled_actions",
    ):
        a.add_client_error(op, "AccessDenied", denied, 403)
    with a:
        items = read_items(RegionClients(asg, moto.client("ec2"), lambda r: moto.client("sns", r)))
        a.assert_no_pending_responses()
    report = scan_items(items)
    assert [(e.account, e.region, e.operation) for e in report.errors] == [
        (MOTO_ACCOUNT, "us-east-1", "autoscaling:DescribeAutoScalingGroups"),
        (MOTO_ACCOUNT, "us-east-1", "autoscaling:DescribeLaunchConfigurations"),
        (MOTO_ACCOUNT, "us-east-1", "autoscaling:DescribeNotificationConfigurations"),
        (MOTO_ACCOUNT, "us-east-1", "autoscaling:DescribeScheduledActions"),
    ]
    assert "AccessDenied" in report.errors[0].message
    assert [f.match for f in report.findings] == ["Qv7-Lm2x-Rt9p"]


@pytest.mark.parametrize("code", ["OptInRequired", "AuthFailure", "UnrecognizedClientException"])
def test_a_region_that_cannot_be_read_is_one_error(code: str) -> None:
    """Stubbed Auto Scaling: when the first call of a region says the region is not enabled or the credentials
    are refused there, the region gets one 'region not scanned' error and no further call is sent (the EC2
    stub has nothing queued, so any call would show up as a second error)."""
    asg, a = stubbed("autoscaling", "ap-east-1")
    ec2, e = stubbed("ec2", "ap-east-1")
    a.add_client_error("describe_auto_scaling_groups", code, "not subscribed to this region", 401)
    with a, e:
        items = read_items(RegionClients(asg, ec2, lambda r: pytest.fail("no SNS call")), "ap-east-1")
    report = scan_items(items, "ap-east-1")
    assert len(report.errors) == 1
    error = report.errors[0]
    assert (error.account, error.region, error.operation) == (
        MOTO_ACCOUNT,
        "ap-east-1",
        "autoscaling:DescribeAutoScalingGroups",
    )
    assert "region not scanned" in error.message and code in error.message


@pytest.mark.live
def test_a_malformed_response_is_an_error_and_the_rest_is_read(moto: Moto) -> None:
    """moto, with an `after-call` hook that breaks the parsed DescribeScheduledActions response: the call is
    an error (account, region, operation), everything else is scanned."""
    moto.client("autoscaling").create_launch_configuration(
        LaunchConfigurationName="lc",
        ImageId="ami-12345678",
        InstanceType="t2.micro",
        UserData="DB_PASSWORD=Qv7Lm2xRt9p\n",
    )
    asg = moto.client("autoscaling")

    def corrupt(parsed: dict[str, Any], **_: Any) -> None:
        parsed["ScheduledUpdateGroupActions"] = {"not": "a list"}

    asg.meta.events.register("after-call.auto-scaling.DescribeScheduledActions", corrupt)
    items = read_items(RegionClients(asg, moto.client("ec2"), lambda r: moto.client("sns", r)))
    report = scan_items(items)
    malformed = [e for e in report.errors if e.operation == "autoscaling:DescribeScheduledActions"]
    assert len(malformed) == 1 and "malformed response" in malformed[0].message
    assert [f.match for f in report.findings] == ["Qv7Lm2xRt9p"]


def test_sns_topics_that_are_gone_are_skipped_and_denied_ones_are_errors() -> None:
    """Stubbed Auto Scaling and SNS: a notification topic that no longer exists is skipped; one the caller may
    not read (SNS says AuthorizationError) is an error for each call that was refused."""
    gone = "arn:aws:sns:us-east-1:123456789012:deleted"
    denied = "arn:aws:sns:us-east-1:999999999999:someone-elses"
    asg, a = stubbed("autoscaling")
    ec2, e = stubbed("ec2")
    sns, s = stubbed("sns")
    _groups(a)
    _empty_rest(
        a,
        [
            {"AutoScalingGroupName": "g", "TopicARN": gone, "NotificationType": "autoscaling:TEST"},
            {"AutoScalingGroupName": "g", "TopicARN": denied, "NotificationType": "autoscaling:TEST"},
        ],
    )
    e.add_response("describe_launch_templates", {"LaunchTemplates": []})
    e.add_response("describe_launch_template_versions", {"LaunchTemplateVersions": []})
    s.add_client_error("get_topic_attributes", "NotFound", "Topic does not exist", 404, {"TopicArn": gone})
    s.add_client_error(
        "get_topic_attributes", "AuthorizationError", "not authorized", 403, {"TopicArn": denied}
    )
    # Listing subscriptions is a separate permission, so it is still tried.
    s.add_client_error(
        "list_subscriptions_by_topic", "AuthorizationError", "not authorized", 403, {"TopicArn": denied}
    )
    with a, e, s:
        items = read_items(RegionClients(asg, ec2, lambda r: sns))
        s.assert_no_pending_responses()
    report = scan_items(items)
    assert [sk.reason for sk in report.skipped] == [f"SNS topic {gone} is referenced but does not exist"]
    assert [(er.operation, "AuthorizationError" in er.message, er.account) for er in report.errors] == [
        ("sns:GetTopicAttributes", True, MOTO_ACCOUNT),
        ("sns:ListSubscriptionsByTopic", True, MOTO_ACCOUNT),
    ]
