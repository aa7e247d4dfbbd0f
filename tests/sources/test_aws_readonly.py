"""The live scanner is read-only, and the shipped IAM policy allows exactly what it sends.

Every operation is recorded with a botocore `before-call` hook on each session the scanner uses (the
`on_session` hook of `scan_aws`), across runs that take every path: --org (ListAccounts, AssumeRole),
--all-regions (DescribeRegions), --all-versions, --all-subscriptions, the default version selection, the
region's EBS encryption settings (asked because the seeded volumes depend on them), and
(with a stubbed Auto Scaling client, because moto drops hook targets and lacks notification configurations)
topics followed from hooks and notifications.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_helpers import (
    DUMMY,
    MOTO_ACCOUNT,
    NO_RETRY,
    Moto,
    OperationRecorder,
    group,
    read_items,
    seed,
    seed_posture,
)

import metascan
from metascan.sources.aws_calls import READ_OPERATIONS
from metascan.sources.aws_region import RegionClients

pytest_plugins = ["conftest_aws"]
pytestmark = pytest.mark.live

POLICY = Path(__file__).resolve().parents[2] / "iam" / "metascan-read-only-policy.json"
ALLOWED_WRITES_THAT_ARE_NOT = {"sts:AssumeRole", "sts:GetCallerIdentity"}


def is_read_only(operation: str) -> bool:
    """Describe*, List*, Get*, and sts AssumeRole / GetCallerIdentity."""
    _, action = operation.split(":", 1)
    return action.startswith(("Describe", "List", "Get")) or operation in ALLOWED_WRITES_THAT_ARE_NOT


def _stubbed_topics_run(moto: Moto, recorder: OperationRecorder) -> None:
    """Topics followed from a hook and a notification configuration (stubbed Auto Scaling: moto drops hook
    targets and does not implement notification configurations), SNS and EC2 on moto."""
    sns = moto.client("sns")
    topic = sns.create_topic(Name="events")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="https", Endpoint="https://hooks.acme-corp.io/x")
    session = boto3.Session(region_name="us-east-1", **DUMMY)
    recorder(session)
    asg = session.client("autoscaling", config=NO_RETRY)
    from botocore.stub import Stubber

    with Stubber(asg) as stub:
        stub.add_response("describe_auto_scaling_groups", {"AutoScalingGroups": [group("g")]})
        hook = {"LifecycleHookName": "h", "AutoScalingGroupName": "g", "NotificationTargetARN": topic}
        stub.add_response("describe_lifecycle_hooks", {"LifecycleHooks": [hook]})
        stub.add_response("describe_launch_configurations", {"LaunchConfigurations": []})
        note = {"AutoScalingGroupName": "g", "TopicARN": topic, "NotificationType": "autoscaling:TEST"}
        stub.add_response("describe_notification_configurations", {"NotificationConfigurations": [note]})
        stub.add_response("describe_scheduled_actions", {"ScheduledUpdateGroupActions": []})

        def client(service: str, region: str = "us-east-1") -> Any:
            return session.client(service, region_name=region, endpoint_url=moto.endpoint, config=NO_RETRY)

        read_items(RegionClients(asg, client("ec2"), lambda r: client("sns", r)))


@pytest.fixture(scope="module")
def recorded(moto_server: Moto, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """Every operation sent by scans that together take every path of the scanner."""
    with pytest.MonkeyPatch.context() as mp:
        home = tmp_path_factory.mktemp("aws")
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        mp.setenv("AWS_CONFIG_FILE", str(home / "config"))
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "credentials"))
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        for var in (
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_ENDPOINT_URL",
        ):
            mp.delenv(var, raising=False)
        moto = moto_server
        moto.reset()
        org = moto.client("organizations")
        org.create_organization(FeatureSet="ALL")
        member = org.create_account(Email="m@acme-corp.io", AccountName="m")["CreateAccountStatus"][
            "AccountId"
        ]
        seed(moto, "us-east-1")
        seed(moto, "us-east-1", moto.account_session(member), prefix="m-")
        seed_posture(
            moto, "us-east-1"
        )  # volumes that need GetEbsEncryptionByDefault and GetEbsDefaultKmsKeyId
        recorder = OperationRecorder()
        common: dict[str, Any] = {"endpoint_url": moto.endpoint, "on_session": recorder}
        metascan.scan_aws(regions=["us-east-1"], org=True, role_name="audit", **common)
        metascan.scan_aws(
            all_regions=True, all_versions=True, all_subscriptions=True, max_workers=16, **common
        )
        _stubbed_topics_run(moto, recorder)
        assert recorder.sessions >= 3  # the caller's session, the member's assumed session, the stubbed run
        yield recorder.operations
        moto.reset()


def test_the_scanner_sends_only_read_operations(recorded: list[str]) -> None:
    assert recorded
    assert sorted({op for op in recorded if not is_read_only(op)}) == []


def test_every_operation_the_scanner_can_send_was_sent(recorded: list[str]) -> None:
    """READ_OPERATIONS (what the policy must cover) is exactly what these runs sent: no dead entry, no gap."""
    assert set(recorded) == READ_OPERATIONS


def test_the_read_only_check_fails_on_writes() -> None:
    for write in (
        "autoscaling:CreateAutoScalingGroup",
        "sns:Subscribe",
        "ec2:RunInstances",
        "sts:AssumeRoleWithSAML",
    ):
        assert not is_read_only(write)
    assert is_read_only("ec2:DescribeRegions") and is_read_only("sts:AssumeRole")


def _policy_actions() -> list[str]:
    policy = json.loads(POLICY.read_text())
    assert policy["Version"] == "2012-10-17"
    actions: list[str] = []
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        assert "NotAction" not in statement and "NotResource" not in statement
        action = statement["Action"]
        actions += [action] if isinstance(action, str) else action
    return actions


def test_the_policy_covers_every_operation_sent(recorded: list[str]) -> None:
    actions = _policy_actions()
    assert set(recorded) <= set(actions)
    assert set(actions) >= READ_OPERATIONS


def test_the_policy_allows_nothing_more() -> None:
    """Least privilege: no wildcard action, no duplicate, nothing the scanner does not send."""
    actions = _policy_actions()
    assert not [a for a in actions if "*" in a]
    assert len(actions) == len(set(actions))
    assert set(actions) == READ_OPERATIONS
    assert all(is_read_only(a) for a in actions)


def test_moto_account_is_the_callers(moto: Moto) -> None:
    """Sanity check of the harness the recordings rely on: moto's caller account."""
    assert moto.client("sts").get_caller_identity()["Account"] == MOTO_ACCOUNT
