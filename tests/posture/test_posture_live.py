"""The data-protection checks against a moto server on 127.0.0.1: launch templates with block device
mappings, launch configurations, and EBS encryption by default (which moto implements).

moto 5.2.5 does not implement GetEbsDefaultKmsKeyId (an HTML 500): a live scan that needs the default key
records that call as an error and reports keyless volumes with the key unknown.  Where a test needs an answer,
a `before-send` hook answers that one call the way EC2 does, before it reaches moto.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_helpers import MOTO_ACCOUNT, Moto, OperationRecorder, page_files, seed, seed_posture
from botocore.awsrequest import AWSResponse
from click.testing import CliRunner

import metascan
from metascan.cli import cli
from metascan.report.report import Report

pytest_plugins = ["conftest_aws"]
pytestmark = pytest.mark.live

NOTIFICATIONS = "autoscaling:DescribeNotificationConfigurations"
DEFAULT_KEY = "ec2:GetEbsDefaultKmsKeyId"
BY_DEFAULT = "ec2:GetEbsEncryptionByDefault"


def rows(report: Report) -> set[tuple[str | None, str, str, str, str, str]]:
    return {
        (f.resource.region, f.rule, f.resource.id, f.location.field, str(f.severity), str(f.confidence))
        for f in report.findings
        if f.evidence is not None
    }


def test_two_regions_one_encrypting_by_default(moto: Moto) -> None:
    """us-east-1 leaves volumes unencrypted, eu-west-1 encrypts them by default: unencrypted volumes only in
    us-east-1 (high for what a group launches), the AWS managed key in both (the default key is unknown:
    moto lacks the call)."""
    east = seed_posture(moto, "us-east-1").template_id
    west = seed_posture(moto, "eu-west-1", encrypt_by_default=True).template_id
    report = metascan.scan_aws(regions=["us-east-1", "eu-west-1"], endpoint_url=moto.endpoint)

    assert sorted((e.region, e.operation) for e in report.errors) == [
        ("eu-west-1", NOTIFICATIONS),
        ("eu-west-1", DEFAULT_KEY),
        ("us-east-1", NOTIFICATIONS),
        ("us-east-1", DEFAULT_KEY),
    ]
    ebs = "LaunchTemplateData.BlockDeviceMappings"
    assert rows(report) == {
        ("us-east-1", "asg-launch-configuration", "data-lc-asg", "LaunchConfigurationName", "low", "high"),
        (
            "us-east-1",
            "ebs-volume-unencrypted",
            f"{east}:1",
            f"{ebs}[/dev/xvdb].Ebs.Encrypted",
            "high",
            "high",
        ),
        (
            "us-east-1",
            "ebs-volume-unencrypted",
            f"{east}:2",
            f"{ebs}[/dev/xvdf].Ebs.Encrypted",
            "medium",
            "high",
        ),
        (
            "us-east-1",
            "ebs-volume-unencrypted",
            "data-lc",
            "BlockDeviceMappings[/dev/sdb].Ebs.Encrypted",
            "high",
            "high",
        ),
        (
            "us-east-1",
            "ebs-volume-aws-managed-key",
            f"{east}:1",
            f"{ebs}[/dev/xvdc].Ebs.KmsKeyId",
            "low",
            "medium",
        ),
        ("eu-west-1", "asg-launch-configuration", "data-lc-asg", "LaunchConfigurationName", "low", "high"),
        (
            "eu-west-1",
            "ebs-volume-aws-managed-key",
            f"{west}:1",
            f"{ebs}[/dev/xvdb].Ebs.KmsKeyId",
            "low",
            "medium",
        ),
        (
            "eu-west-1",
            "ebs-volume-aws-managed-key",
            f"{west}:1",
            f"{ebs}[/dev/xvdc].Ebs.KmsKeyId",
            "low",
            "medium",
        ),
        (
            "eu-west-1",
            "ebs-volume-aws-managed-key",
            f"{west}:2",
            f"{ebs}[/dev/xvdf].Ebs.KmsKeyId",
            "low",
            "medium",
        ),
    }
    evidence = {(f.resource.region, f.location.field, f.resource.id): f.evidence for f in report.findings}
    assert evidence[("us-east-1", f"{ebs}[/dev/xvdb].Ebs.Encrypted", f"{east}:1")] == (
        "Encrypted: unset; EbsEncryptionByDefault: false; launched by group data-asg"
    )
    assert evidence[("eu-west-1", f"{ebs}[/dev/xvdf].Ebs.KmsKeyId", f"{west}:2")] == (
        "Encrypted: false; EbsEncryptionByDefault: true; KmsKeyId: unset; default EBS key: unknown"
    )
    assert all(f.resource.account == MOTO_ACCOUNT for f in report.findings)


def _answer_default_key(key: str) -> Any:
    """An `on_session` hook: EC2's answer to GetEbsDefaultKmsKeyId, given before the call reaches moto."""
    body = (
        '<GetEbsDefaultKmsKeyIdResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
        f"<requestId>1</requestId><kmsKeyId>{key}</kmsKeyId></GetEbsDefaultKmsKeyIdResponse>"
    ).encode()

    class Raw:
        def stream(self, **_: Any) -> Iterator[bytes]:
            yield body

    def hook(session: Any) -> None:
        def send(request: Any, **_: Any) -> Any:
            return AWSResponse(request.url, 200, {"Content-Type": "text/xml"}, Raw())

        session.events.register("before-send.ec2.GetEbsDefaultKmsKeyId", send)

    return hook


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("alias/aws/ebs", {("ebs-volume-aws-managed-key", "high")}),
        ("arn:aws:kms:us-east-1:123456789012:key/1f2e3d4c-5b6a-4789-8a7b-6c5d4e3f2a1b", set()),
    ],
)
def test_the_region_default_key_decides_keyless_volumes(
    moto: Moto, key: str, expected: set[tuple[str, str]]
) -> None:
    """With encryption by default on, every keyless volume gets the default key: reported (high confidence)
    when that is the AWS managed key, not at all when it is a key of the account's own."""
    seed_posture(moto, "us-east-1", encrypt_by_default=True)
    report = metascan.scan_aws(
        regions=["us-east-1"], endpoint_url=moto.endpoint, on_session=_answer_default_key(key)
    )
    assert [e.operation for e in report.errors] == [NOTIFICATIONS]
    found = {(f.rule, str(f.confidence)) for f in report.findings if f.rule.startswith("ebs-")}
    assert found == expected
    keyed = [f for f in report.findings if f.rule == "ebs-volume-aws-managed-key"]
    assert len(keyed) == (3 if expected else 0)  # v1's unmarked and keyless volumes, v2's unmarked one
    assert all(f"default EBS key: {key}" in str(f.evidence) for f in keyed)


def test_settings_are_asked_only_when_a_volume_needs_them(moto: Moto) -> None:
    """No block device mappings (the usual seed): no EBS call at all.  Volumes that depend on the region:
    one call each per region, whatever the number of volumes."""
    seed(moto, "us-east-1")
    recorder = OperationRecorder()
    metascan.scan_aws(regions=["us-east-1"], endpoint_url=moto.endpoint, on_session=recorder)
    assert not [op for op in recorder.operations if ":GetEbs" in op]

    moto.reset()
    seed_posture(moto, "us-east-1")
    recorder = OperationRecorder()
    metascan.scan_aws(regions=["us-east-1"], endpoint_url=moto.endpoint, on_session=recorder)
    asked = [op for op in recorder.operations if ":GetEbs" in op]
    assert asked.count(BY_DEFAULT) == 1
    assert set(asked) == {BY_DEFAULT, DEFAULT_KEY}  # moto's HTML 500 for the key is retried, then an error


def _export(moto: Moto, region: str, folder: Path) -> None:
    """The responses `metascan aws --all-versions` reads, saved with the same API calls, plus the saved
    output of get-ebs-encryption-by-default (moto cannot answer get-ebs-default-kms-key-id)."""
    asg, ec2 = moto.client("autoscaling", region), moto.client("ec2", region)
    page_files(iter(asg.get_paginator("describe_auto_scaling_groups").paginate()), folder, "groups")
    page_files(iter(asg.get_paginator("describe_launch_configurations").paginate()), folder, "lcs")
    templates = ec2.describe_launch_templates(MaxResults=200)
    page_files(iter([templates]), folder, "templates")
    for t in templates["LaunchTemplates"]:
        lt = t["LaunchTemplateId"]
        page_files(iter([ec2.describe_launch_template_versions(LaunchTemplateId=lt)]), folder, f"v-{lt}")
    page_files(iter([ec2.get_ebs_encryption_by_default()]), folder, "ebs-encryption-by-default")


def test_live_and_file_scans_give_the_same_posture_findings(moto: Moto, tmp_path: Path) -> None:
    seed_posture(moto, "us-east-1")
    seed_posture(moto, "eu-west-1", encrypt_by_default=True)
    live = metascan.scan_aws(
        regions=["us-east-1", "eu-west-1"], endpoint_url=moto.endpoint, all_versions=True
    )
    from_files: set[tuple[Any, ...]] = set()
    for region in ("us-east-1", "eu-west-1"):
        _export(moto, region, tmp_path / region)
        report = metascan.scan_files([tmp_path / region], region=region, account=MOTO_ACCOUNT)
        assert report.errors == [] and report.skipped == []
        from_files |= {_comparable(f) for f in report.findings if f.evidence is not None}
    assert {_comparable(f) for f in live.findings if f.evidence is not None} == from_files
    assert len(from_files) == 9


def _comparable(f: Any) -> tuple[Any, ...]:
    r = f.resource
    return (
        f.rule,
        r.type,
        r.id,
        r.account,
        r.region,
        f.location.field,
        f.severity,
        f.confidence,
        f.evidence,
        f.fingerprint,
    )


def test_cli_require_cmk_on_moto(moto: Moto, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    seed_posture(moto, "us-east-1")
    args = ["aws", "--endpoint-url", moto.endpoint, "--region", "us-east-1", "--format", "json"]
    plain = json.loads(CliRunner().invoke(cli, args).stdout)
    strict = json.loads(CliRunner().invoke(cli, [*args, "--require-cmk"]).stdout)

    def severities(doc: dict[str, Any]) -> dict[tuple[str, str], str]:
        return {(f["rule"], f["resource"]["id"]): f["severity"] for f in doc["findings"] if "evidence" in f}

    changed = {
        k: (v, severities(strict)[k]) for k, v in severities(plain).items() if severities(strict)[k] != v
    }
    assert sorted((rule, before, after) for (rule, _), (before, after) in changed.items()) == [
        ("asg-launch-configuration", "low", "high"),
        ("ebs-volume-aws-managed-key", "low", "high"),  # on the $Default version data-asg launches
    ]
