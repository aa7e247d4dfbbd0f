"""`metascan aws` runs through the same workflow as `metascan scan`: jsonl streamed as pages arrive, tag
suppressions learned from the resources read, config suppressions and baselines (moto server on 127.0.0.1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_helpers import Moto
from click.testing import CliRunner

from metascan.cli import cli

pytest_plugins = ["conftest_aws"]
pytestmark = pytest.mark.live


def seed_groups(moto: Moto) -> None:
    asg = moto.client("autoscaling", "us-east-1")
    for name, ignore in (("tagged", True), ("plain", False)):
        tags = [{"Key": "Owner", "Value": f"{name}.owner@gmail.com", "PropagateAtLaunch": False}]
        if ignore:
            tags.append({"Key": "metascan:ignore", "Value": "email-address", "PropagateAtLaunch": False})
        asg.create_auto_scaling_group(
            AutoScalingGroupName=name,
            MinSize=0,
            MaxSize=1,
            AvailabilityZones=["us-east-1a"],
            LaunchConfigurationName=_lc(moto),
            Tags=[{**t, "ResourceId": name, "ResourceType": "auto-scaling-group"} for t in tags],
        )


def _lc(moto: Moto) -> str:
    asg = moto.client("autoscaling", "us-east-1")
    if not asg.describe_launch_configurations(LaunchConfigurationNames=["lc"])["LaunchConfigurations"]:
        asg.create_launch_configuration(
            LaunchConfigurationName="lc", ImageId="ami-12345678", InstanceType="t2.micro"
        )
    return "lc"


def test_jsonl_tag_suppression_and_baseline(
    moto: Moto, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    seed_groups(moto)
    args = ["aws", "--endpoint-url", moto.endpoint, "--region", "us-east-1", "--quiet"]
    result = CliRunner().invoke(cli, [*args, "--format", "jsonl", "--show-secrets"])
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[-1]["type"] == "summary"
    findings = [line for line in lines if line["type"] == "finding"]
    assert [f["match"] for f in findings if "match" in f] == ["plain.owner@gmail.com"]  # tagged: suppressed
    # Both groups launch from a launch configuration (a structural check the tag does not name).
    launching = [f["resource"]["id"] for f in findings if f["rule"] == "asg-launch-configuration"]
    assert sorted(launching) == ["plain", "tagged"]
    assert lines[-1]["summary"]["suppressed"] == 1
    assert any(line["type"] == "error" for line in lines)  # moto lacks notification configurations
    assert result.exit_code == 2

    baseline = tmp_path / "baseline.json"
    CliRunner().invoke(cli, [*args, "--format", "json", "--output", str(baseline)])
    again = CliRunner().invoke(cli, [*args, "--format", "json", "--baseline", str(baseline)])
    doc = json.loads(again.stdout)
    assert doc["findings"] == [] and doc["baseline"]["known"] == 3
