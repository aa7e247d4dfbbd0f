"""Helpers for the live-scan tests: a moto server on 127.0.0.1, seeding it over HTTP, recording operations.

All data planted here is fake.  Nothing talks to anything but 127.0.0.1: moto never contacts SNS endpoints
on Subscribe (only on Publish, which no test calls).
"""

from __future__ import annotations

import base64
import datetime
import json
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.stub import Stubber

from metascan.api import collect, make_scanner
from metascan.aws.documents import Defaults
from metascan.model import ScanError, Skipped
from metascan.report.report import Report
from metascan.sources.aws_calls import Where
from metascan.sources.aws_region import Page, ReadOptions, RegionClients, read_region

NO_RETRY = Config(retries={"mode": "standard", "total_max_attempts": 1})
DUMMY = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
MOTO_ACCOUNT = "123456789012"

# Planted values and the rule each must trigger.
LT_PASSWORD = "Hunter2-not-real-9f3k"
LC_PASSWORD = "Yz4Lm9qPt-4711"
PINNED_TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"  # a pinned, non-default version only
OLD_PASSWORD = "OldSecret-never-default-77"  # a version neither default, latest nor pinned
OWNER_EMAIL = "carol.owner@acme-corp.io"  # example.com is a documentation domain: not reported
TOPIC_EMAIL = "frank.oncall@umbrella-labs.io"
WEBHOOK = "https://admin:Zq8vL2mXr4Tw@hooks.acme-corp.io/asg"
HOOK_TOKEN = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@dataclass
class Moto:
    """A running moto server: its endpoint, and boto3 clients on it (cached: loading models is slow)."""

    endpoint: str
    # (service, region, id(session)) -> (session, client); the session is kept so its id is never reused.
    _clients: dict[tuple[str, str, int], tuple[boto3.Session, Any]] = field(default_factory=dict, repr=False)
    _session: boto3.Session | None = field(default=None, repr=False)

    def reset(self) -> None:
        req = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        with urllib.request.urlopen(req) as r:  # 127.0.0.1 only
            r.read()

    def session(self) -> boto3.Session:
        if self._session is None:
            self._session = boto3.Session(region_name="us-east-1", **DUMMY)
        return self._session

    def client(self, service: str, region: str = "us-east-1", session: boto3.Session | None = None) -> Any:
        s = session or self.session()
        key = (service, region, id(s))
        if key not in self._clients:
            client = s.client(service, region_name=region, endpoint_url=self.endpoint, config=NO_RETRY)
            self._clients[key] = (s, client)
        return self._clients[key][1]

    def account_session(self, account: str, region: str = "us-east-1") -> boto3.Session:
        """Credentials of another (moto) account: moto switches account on assumed-role credentials."""
        creds = self.client("sts", region).assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/seeder", RoleSessionName="seed"
        )["Credentials"]
        return boto3.Session(
            region_name=region,
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )


@dataclass
class Seeded:
    region: str
    template_id: str = ""
    topic_arn: str = ""


def seed(
    moto: Moto, region: str = "us-east-1", session: boto3.Session | None = None, prefix: str = ""
) -> Seeded:
    """One region's worth of Auto Scaling metadata with secrets and personal data in the usual places."""
    ec2 = moto.client("ec2", region, session)
    asg = moto.client("autoscaling", region, session)
    sns = moto.client("sns", region, session)
    out = Seeded(region)
    lt = ec2.create_launch_template(
        LaunchTemplateName=f"{prefix}web-lt",
        VersionDescription="initial",
        LaunchTemplateData={
            "ImageId": "ami-12345678",
            "UserData": b64(f"#!/bin/bash\nexport DB_PASSWORD='{LT_PASSWORD}'\n"),
        },
        TagSpecifications=[{"ResourceType": "launch-template", "Tags": [{"Key": "team", "Value": "web"}]}],
    )
    out.template_id = lt["LaunchTemplate"]["LaunchTemplateId"]
    # v2: old, unreferenced; v3: pinned by the mixed-instances group; v4: $Latest.  $Default stays 1.
    for text in (
        f"password={OLD_PASSWORD}\n",
        f"export GITHUB_TOKEN={PINNED_TOKEN}\n",
        "#!/bin/sh\necho ok\n",
    ):
        ec2.create_launch_template_version(
            LaunchTemplateId=out.template_id, SourceVersion="1", LaunchTemplateData={"UserData": b64(text)}
        )
    asg.create_launch_configuration(
        LaunchConfigurationName=f"{prefix}legacy-lc",
        ImageId="ami-12345678",
        InstanceType="t2.micro",
        UserData=f"#!/bin/sh\nmysql -u admin -p'{LC_PASSWORD}' -h db -e 'select 1'\n",
    )
    asg.create_auto_scaling_group(
        AutoScalingGroupName=f"{prefix}web-asg",
        MinSize=0,
        MaxSize=2,
        DesiredCapacity=0,
        AvailabilityZones=[f"{region}a"],
        LaunchTemplate={"LaunchTemplateId": out.template_id, "Version": "$Latest"},
        Tags=[{"Key": "Owner", "Value": OWNER_EMAIL, "PropagateAtLaunch": True}],
    )
    asg.create_auto_scaling_group(
        AutoScalingGroupName=f"{prefix}mixed-asg",
        MinSize=0,
        MaxSize=2,
        AvailabilityZones=[f"{region}a"],
        MixedInstancesPolicy={
            "LaunchTemplate": {
                "LaunchTemplateSpecification": {"LaunchTemplateName": f"{prefix}web-lt", "Version": "3"},
                "Overrides": [{"InstanceType": "t3.micro"}],
            }
        },
    )
    asg.create_auto_scaling_group(
        AutoScalingGroupName=f"{prefix}legacy-asg",
        LaunchConfigurationName=f"{prefix}legacy-lc",
        MinSize=0,
        MaxSize=1,
        AvailabilityZones=[f"{region}a"],
    )
    asg.put_lifecycle_hook(
        LifecycleHookName="drain",
        AutoScalingGroupName=f"{prefix}web-asg",
        LifecycleTransition="autoscaling:EC2_INSTANCE_TERMINATING",
    )
    asg.put_scheduled_update_group_action(
        AutoScalingGroupName=f"{prefix}legacy-asg",
        ScheduledActionName="nightly",
        Recurrence="0 1 * * *",
        DesiredCapacity=0,
    )
    out.topic_arn = sns.create_topic(Name=f"{prefix}asg-events", Attributes={"DisplayName": "Ops"})[
        "TopicArn"
    ]
    sns.subscribe(TopicArn=out.topic_arn, Protocol="email", Endpoint=TOPIC_EMAIL)
    sns.subscribe(TopicArn=out.topic_arn, Protocol="https", Endpoint=WEBHOOK)
    return out


CMK_ARN = "arn:aws:kms:us-east-1:123456789012:key/1f2e3d4c-5b6a-4789-8a7b-6c5d4e3f2a1b"


@dataclass
class PostureSeeded:
    region: str
    template_id: str = ""


def seed_posture(
    moto: Moto,
    region: str = "us-east-1",
    session: boto3.Session | None = None,
    encrypt_by_default: bool = False,
) -> PostureSeeded:
    """What the data-protection checks look at: a launch template whose $Default version (launched by the
    group `data-asg`) maps an unmarked volume, an encrypted volume without a key and one with a customer
    managed key; a newer version no group launches; a launch configuration with an unmarked volume, launched
    by `data-lc-asg`; with `encrypt_by_default`, EBS encryption by default on in the region."""
    ec2 = moto.client("ec2", region, session)
    asg = moto.client("autoscaling", region, session)
    if encrypt_by_default:
        ec2.enable_ebs_encryption_by_default()
    mappings = [
        {"DeviceName": "/dev/xvdb", "Ebs": {"VolumeSize": 8}},
        {"DeviceName": "/dev/xvdc", "Ebs": {"VolumeSize": 8, "Encrypted": True}},
        {"DeviceName": "/dev/xvdd", "Ebs": {"VolumeSize": 8, "Encrypted": True, "KmsKeyId": CMK_ARN}},
        {"DeviceName": "/dev/xvde", "VirtualName": "ephemeral0"},
    ]
    lt = ec2.create_launch_template(
        LaunchTemplateName="data-lt",
        LaunchTemplateData={"ImageId": "ami-12345678", "BlockDeviceMappings": mappings},
    )
    out = PostureSeeded(region, lt["LaunchTemplate"]["LaunchTemplateId"])
    ec2.create_launch_template_version(
        LaunchTemplateId=out.template_id,
        SourceVersion="1",
        LaunchTemplateData={
            "BlockDeviceMappings": [{"DeviceName": "/dev/xvdf", "Ebs": {"Encrypted": False}}]
        },
    )
    asg.create_auto_scaling_group(
        AutoScalingGroupName="data-asg",
        MinSize=0,
        MaxSize=1,
        AvailabilityZones=[f"{region}a"],
        LaunchTemplate={"LaunchTemplateName": "data-lt", "Version": "$Default"},
    )
    asg.create_launch_configuration(
        LaunchConfigurationName="data-lc",
        ImageId="ami-12345678",
        InstanceType="t2.micro",
        BlockDeviceMappings=[{"DeviceName": "/dev/sdb", "Ebs": {"VolumeSize": 8}}],
    )
    asg.create_auto_scaling_group(
        AutoScalingGroupName="data-lc-asg",
        LaunchConfigurationName="data-lc",
        MinSize=0,
        MaxSize=1,
        AvailabilityZones=[f"{region}a"],
    )
    return out


class OperationRecorder:
    """An `on_session` hook: records each operation the sessions' clients send, as an IAM action."""

    def __init__(self) -> None:
        self.operations: list[str] = []
        self.sessions = 0
        self._lock = threading.Lock()

    def __call__(self, session: boto3.Session) -> None:
        self.sessions += 1
        session.events.register("before-call", self._record)

    def _record(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.operations.append(f"{model.service_model.signing_name}:{model.name}")


@dataclass
class Findings:
    """Comparable findings of a JSON report."""

    rows: set[tuple[str, ...]] = field(default_factory=set)

    @classmethod
    def of(cls, report: dict[str, Any]) -> Findings:
        return cls(
            {
                (
                    f["rule"],
                    f["resource"]["type"],
                    f["resource"]["id"],
                    f["location"]["field"],
                    f.get("match", ""),
                    f["fingerprint"],
                )
                for f in report["findings"]
            }
        )


def page_files(pages: Iterator[dict[str, Any]], folder: Path, name: str) -> None:
    """Write raw API pages as the AWS CLI would save them (one JSON document per page)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, page in enumerate(pages):
        page = {k: v for k, v in page.items() if k != "ResponseMetadata"}
        (folder / f"{name}-{i}.json").write_text(json.dumps(page, default=str, indent=1))


def group(name: str, **extra: Any) -> dict[str, Any]:
    """An Auto Scaling group with every member the response model requires (Stubber validates responses)."""
    return {
        "AutoScalingGroupName": name,
        "MinSize": 0,
        "MaxSize": 1,
        "DesiredCapacity": 0,
        "DefaultCooldown": 300,
        "AvailabilityZones": ["us-east-1a"],
        "HealthCheckType": "EC2",
        "CreatedTime": datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
        **extra,
    }


def stubbed(service: str, region: str = "us-east-1") -> tuple[Any, Stubber]:
    """A client whose every call must be stubbed: nothing is sent anywhere."""
    client = boto3.Session(region_name=region, **DUMMY).client(service, region_name=region, config=NO_RETRY)
    return client, Stubber(client)


def read_items(clients: RegionClients, region: str = "us-east-1", **options: bool) -> list[Any]:
    return list(read_region(clients, Where(MOTO_ACCOUNT, region), ReadOptions(**options)))


def scan_items(items: list[Any], region: str = "us-east-1") -> Report:
    """Scan what `read_region` yielded, the way `metascan aws` does (pages with the region's defaults)."""
    scanner = make_scanner()
    where = Where(MOTO_ACCOUNT, region)

    def events() -> Iterator[Any]:
        for item in items:
            if isinstance(item, Page):
                yield from scanner.scan_response(where.source, item.data, Defaults(region, MOTO_ACCOUNT))
            elif isinstance(item, ScanError | Skipped):
                yield item
        yield from scanner.finish()

    return collect(scanner, events())


def operations(items: list[Any]) -> list[str]:
    """The operation of each page or error, in order."""
    return [i.operation for i in items if isinstance(i, Page | ScanError)]
