"""The resources of the benchmark corpus, shaped as the Auto Scaling, EC2 and SNS APIs return them.

A region's fleet is a list of `Template`s and a number of groups; each group uses one template (many groups
share one, as fleets do) or a launch configuration, carries tags, and may have lifecycle hooks, notification
configurations and scheduled actions.  Each builder takes its own seeded `random.Random`, so any resource can
be rebuilt alone and the corpus never has to be held in memory.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

from . import scripts
from . import values as v


@dataclass(frozen=True, slots=True)
class Region:
    name: str
    account: str
    seed: int
    groups: int
    templates: int


@dataclass(frozen=True, slots=True)
class Template:
    index: int
    id: str
    name: str
    team: str
    service: str
    env: str
    plan: scripts.Plan
    versions: int
    default: int
    changed: tuple[bool, ...]  # per version: did its user data change from the previous version?


def rng_for(region: Region, kind: str, index: int) -> random.Random:
    return random.Random(f"{region.seed}:{region.name}:{kind}:{index}")


def template(region: Region, i: int) -> Template:
    rng = rng_for(region, "lt", i)
    team, service, env = rng.choice(v.TEAMS), rng.choice(v.SERVICES), rng.choice(v.ENVS)
    eks = rng.random() < 0.12
    name = f"eks-{v.uuid(rng)}" if eks else f"{team}-{service}-{env}-{i:05d}"
    plan = scripts.make_plan(rng, team, service, env, region.name, region.account, "eks" if eks else None)
    versions = min(1 + int(rng.expovariate(0.45)), 15)
    changed = tuple(k == 1 or rng.random() < 0.6 for k in range(1, versions + 1))
    return Template(
        i,
        v.resource_id(rng, "lt"),
        name,
        team,
        service,
        env,
        plan,
        versions,
        rng.randint(1, versions),
        changed,
    )


def content_version(t: Template, version: int) -> int:
    """The version whose user data `version` repeats (itself when its user data changed)."""
    while version > 1 and not t.changed[version - 1]:
        version -= 1
    return version


def _tags(rng: random.Random, t: Template, name: str) -> list[tuple[str, str]]:
    tags = [
        ("Name", name),
        ("Environment", t.env),
        ("Team", t.team),
        ("Service", t.service),
        ("CostCenter", f"CC-{rng.randint(1000, 9999)}"),
        ("ManagedBy", rng.choice(("terraform", "cloudformation", "cdk", "pulumi"))),
    ]
    if rng.random() < 0.7:
        tags.append(("Owner", v.team_mailbox(t.team)))
    if rng.random() < 0.5:
        tags.append(("Repository", f"https://github.com/corp/{t.team}-{t.service}"))
    if rng.random() < 0.4:
        tags.append(("GitCommit", v.hexs(rng, 40)))
    if rng.random() < 0.3:
        tags.append(("Version", v.semver(rng)))
    if rng.random() < 0.2:
        tags.append(("DataClassification", rng.choice(("internal", "confidential", "public"))))
    if rng.random() < 0.15:
        tags.append((f"kubernetes.io/cluster/{t.team}-{t.env}", "owned"))
    if rng.random() < 0.01:  # planted personal data and account numbers
        pick = rng.randrange(4)
        if pick == 0:
            tags.append(("Owner", v.person(rng)[1]))
        elif pick == 1:
            tags.append(("OnCallPhone", v.phone(rng)))
        elif pick == 2:
            tags.append(("RefundIBAN", v.iban(rng)))
        else:
            tags.append(("db-password", v.strong_password(rng)))
    return tags


def _tag_list(tags: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": val} for k, val in tags]


def launch_template(region: Region, t: Template) -> dict[str, Any]:
    rng = rng_for(region, "lt-meta", t.index)
    return {
        "LaunchTemplateId": t.id,
        "LaunchTemplateName": t.name,
        "CreateTime": v.timestamp(rng, 2023),
        "CreatedBy": f"arn:aws:sts::{region.account}:assumed-role/"
        f"{rng.choice(('TerraformDeploy', 'GitHubActions'))}/session-{v.hexs(rng, 8)}",
        "DefaultVersionNumber": t.default,
        "LatestVersionNumber": t.versions,
        "Tags": _tag_list(_tags(rng, t, t.name)[:4]),
    }


def template_version(region: Region, t: Template, version: int) -> dict[str, Any]:
    rng = rng_for(region, f"ltv{version}", t.index)
    text = scripts.render(t.plan, content_version(t, version))
    data: dict[str, Any] = {
        "ImageId": f"ami-0{v.hexs(rng, 16)}",
        "InstanceType": rng.choice(v.INSTANCE_TYPES),
        "IamInstanceProfile": {"Arn": f"arn:aws:iam::{region.account}:instance-profile/{t.service}-{t.env}"},
        "SecurityGroupIds": [v.resource_id(rng, "sg") for _ in range(rng.randint(1, 3))],
        "BlockDeviceMappings": [
            {
                "DeviceName": "/dev/xvda",
                "Ebs": {
                    "Encrypted": True,
                    "DeleteOnTermination": True,
                    "VolumeSize": rng.choice((20, 30, 50, 100)),
                    "VolumeType": "gp3",
                    "KmsKeyId": f"arn:aws:kms:{region.name}:{region.account}:key/{v.uuid(rng)}",
                },
            }
        ],
        "MetadataOptions": {
            "HttpTokens": "required",
            "HttpPutResponseHopLimit": 2,
            "HttpEndpoint": "enabled",
        },
        "UserData": scripts.encode(t.plan, text),
        "TagSpecifications": [
            {"ResourceType": "instance", "Tags": _tag_list(_tags(rng, t, f"{t.service}-{t.env}"))},
            {
                "ResourceType": "volume",
                "Tags": _tag_list([("Name", f"{t.service}-{t.env}-root"), ("Team", t.team)]),
            },
        ],
    }
    if rng.random() < 0.6:
        data["KeyName"] = f"{t.team}-{t.env}-{rng.choice(('deploy', 'ops', 'bastion'))}"
    if rng.random() < 0.2:
        data["NetworkInterfaces"] = [
            {
                "DeviceIndex": 0,
                "Description": f"{t.service} primary interface",
                "AssociatePublicIpAddress": False,
            }
        ]
    return {
        "LaunchTemplateId": t.id,
        "LaunchTemplateName": t.name,
        "VersionNumber": version,
        "VersionDescription": rng.choice(
            (
                "",
                f"release {v.semver(rng)}",
                f"bump AMI to ami-0{v.hexs(rng, 16)}",
                f"build {v.hexs(rng, 12)}",
                "instance type change",
                "initial",
            )
        ),
        "CreateTime": v.timestamp(rng),
        "CreatedBy": f"arn:aws:sts::{region.account}:assumed-role/TerraformDeploy/ci-{v.hexs(rng, 8)}",
        "DefaultVersion": version == t.default,
        "LaunchTemplateData": data,
    }


def group_name(region: Region, t: Template, j: int) -> str:
    rng = rng_for(region, "asg-name", j)
    return f"{t.team}-{t.service}-{t.env}-{rng.choice(('a', 'b', 'blue', 'green', 'shard'))}{j:05d}"


def group(region: Region, j: int, t: Template, lc: str | None) -> dict[str, Any]:
    rng = rng_for(region, "asg", j)
    name = group_name(region, t, j)
    azs = [f"{region.name}{z}" for z in rng.sample("abc", rng.randint(2, 3))]
    g: dict[str, Any] = {
        "AutoScalingGroupName": name,
        "AutoScalingGroupARN": f"arn:aws:autoscaling:{region.name}:{region.account}:autoScalingGroup:"
        f"{v.uuid(rng)}:autoScalingGroupName/{name}",
        "MinSize": 1,
        "MaxSize": rng.choice((3, 6, 10, 20)),
        "DesiredCapacity": rng.randint(1, 3),
        "DefaultCooldown": 300,
        "AvailabilityZones": azs,
        "LoadBalancerNames": [],
        "TargetGroupARNs": [
            f"arn:aws:elasticloadbalancing:{region.name}:{region.account}:targetgroup/{t.service}-{t.env}/"
            f"{v.hexs(rng, 16)}"
        ],
        "HealthCheckType": rng.choice(("EC2", "ELB")),
        "HealthCheckGracePeriod": 300,
        "Instances": [
            {
                "InstanceId": v.resource_id(rng, "i"),
                "InstanceType": rng.choice(v.INSTANCE_TYPES),
                "AvailabilityZone": rng.choice(azs),
                "LifecycleState": "InService",
                "HealthStatus": "Healthy",
                "ProtectedFromScaleIn": False,
            }
            for _ in range(rng.randint(0, 3))
        ],
        "CreatedTime": v.timestamp(rng, 2023),
        "SuspendedProcesses": [],
        "VPCZoneIdentifier": ",".join(v.resource_id(rng, "subnet") for _ in azs),
        "EnabledMetrics": [],
        "Tags": [
            {
                "ResourceId": name,
                "ResourceType": "auto-scaling-group",
                "Key": k,
                "Value": val,
                "PropagateAtLaunch": True,
            }
            for k, val in _tags(rng, t, name)
        ],
        "TerminationPolicies": ["Default"],
        "NewInstancesProtectedFromScaleIn": False,
        "ServiceLinkedRoleARN": f"arn:aws:iam::{region.account}:role/aws-service-role/"
        "autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
        "CapacityRebalance": rng.random() < 0.3,
    }
    if lc is not None:
        g["LaunchConfigurationName"] = lc
    else:
        pin = rng.random()
        version = "$Latest" if pin < 0.5 else "$Default" if pin < 0.8 else str(rng.randint(1, t.versions))
        g["LaunchTemplate"] = {"LaunchTemplateId": t.id, "LaunchTemplateName": t.name, "Version": version}
    return g


def launch_configuration(region: Region, j: int, t: Template, name: str) -> dict[str, Any]:
    rng = rng_for(region, "lc", j)
    text = scripts.render(t.plan, content_version(t, t.versions))
    return {
        "LaunchConfigurationName": name,
        "LaunchConfigurationARN": f"arn:aws:autoscaling:{region.name}:{region.account}:launchConfiguration:"
        f"{v.uuid(rng)}:launchConfigurationName/{name}",
        "ImageId": f"ami-0{v.hexs(rng, 16)}",
        "KeyName": f"{t.team}-{t.env}-deploy",
        "SecurityGroups": [v.resource_id(rng, "sg")],
        "ClassicLinkVPCSecurityGroups": [],
        "UserData": scripts.encode(t.plan, text),
        "InstanceType": rng.choice(v.INSTANCE_TYPES),
        "BlockDeviceMappings": [],
        "InstanceMonitoring": {"Enabled": True},
        "IamInstanceProfile": f"{t.service}-{t.env}",
        "CreatedTime": v.timestamp(rng, 2022),
        "EbsOptimized": False,
    }


def hooks(region: Region, j: int, name: str, t: Template) -> list[dict[str, Any]]:
    rng = rng_for(region, "hook", j)
    if rng.random() >= 0.35:
        return []
    out = []
    for hook, transition in rng.sample(
        (("drain", "TERMINATING"), ("register-dns", "LAUNCHING"), ("warm-cache", "LAUNCHING")),
        rng.randint(1, 2),
    ):
        meta: dict[str, Any] = {
            "service": t.service,
            "env": t.env,
            "drain_timeout": rng.choice((60, 120, 300)),
        }
        if rng.random() < 0.5:
            meta["callback"] = f"https://deploy.corp.example.com/hooks/{v.uuid(rng)}"
        if rng.random() < 0.02:  # planted
            meta["api_token"] = v.github_token(rng) if rng.random() < 0.5 else v.slack_webhook(rng)
        out.append({
            "LifecycleHookName": f"{hook}-{t.service}",
            "AutoScalingGroupName": name,
            "LifecycleTransition": f"autoscaling:EC2_INSTANCE_{transition}",
            "NotificationTargetARN": topic_arn(region, t.team),
            "RoleARN": f"arn:aws:iam::{region.account}:role/{t.team}-asg-hooks",
            "NotificationMetadata": _json(meta),
            "HeartbeatTimeout": 300,
            "GlobalTimeout": 30000,
            "DefaultResult": rng.choice(("CONTINUE", "ABANDON")),
        })  # fmt: skip
    return out


def _json(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"))


def topic_arn(region: Region, team: str) -> str:
    return f"arn:aws:sns:{region.name}:{region.account}:{team}-asg-events"


def notifications(region: Region, j: int, name: str, t: Template) -> list[dict[str, Any]]:
    rng = rng_for(region, "notify", j)
    if rng.random() >= 0.25:
        return []
    return [
        {
            "AutoScalingGroupName": name,
            "TopicARN": topic_arn(region, t.team),
            "NotificationType": f"autoscaling:{n}",
        }
        for n in ("EC2_INSTANCE_LAUNCH_ERROR", "EC2_INSTANCE_TERMINATE_ERROR")
    ]


def scheduled_actions(region: Region, j: int, name: str) -> list[dict[str, Any]]:
    rng = rng_for(region, "sched", j)
    if rng.random() >= 0.1:
        return []
    action = f"scale-down-nightly-{j:05d}"
    return [{
        "AutoScalingGroupName": name,
        "ScheduledActionName": action,
        "ScheduledActionARN": f"arn:aws:autoscaling:{region.name}:{region.account}:"
        f"scheduledUpdateGroupAction:{v.uuid(rng)}:autoScalingGroupName/{name}:scheduledActionName/{action}",
        "Recurrence": "0 20 * * 1-5",
        "MinSize": 0,
        "DesiredCapacity": 0,
        "TimeZone": "Europe/Berlin",
    }]  # fmt: skip


def subscriptions(region: Region, team_index: int) -> list[dict[str, Any]]:
    rng = rng_for(region, "subs", team_index)
    team = v.TEAMS[team_index]
    topic = topic_arn(region, team)
    out = []
    for k in range(rng.randint(2, 5)):
        protocol = rng.choice(("email", "https", "sqs", "lambda", "email", "sms"))
        if protocol == "email":
            endpoint = v.person(rng)[1] if rng.random() < 0.15 else v.team_mailbox(team)
        elif protocol == "https":
            endpoint = f"https://alerts.corp.example.com/sns/{team}?source=asg&region={region.name}"
            if rng.random() < 0.2:  # an integration URL whose path is its key
                endpoint = f"https://events.pagerduty.com/integration/{v.hexs(rng, 32)}/enqueue"
            elif rng.random() < 0.05:
                endpoint = v.basic_auth_url(rng, "alerts.corp.example.com") + "sns"
        elif protocol == "sqs":
            endpoint = f"arn:aws:sqs:{region.name}:{region.account}:{team}-asg-events-{k}"
        elif protocol == "lambda":
            endpoint = f"arn:aws:lambda:{region.name}:{region.account}:function:{team}-asg-notify"
        else:
            endpoint = v.phone(rng)
        out.append({
            "SubscriptionArn": f"{topic}:{v.uuid(rng)}",
            "Owner": region.account,
            "Protocol": protocol,
            "Endpoint": endpoint,
            "TopicArn": topic,
        })  # fmt: skip
    return out
