"""The EBS data-protection checks on saved responses: what a mapping says and leaves to others, which
version a group launches, region settings per account and region, input order, fingerprints and what is
held."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from metascan.api import make_scanner, scan_responses
from metascan.aws.documents import Defaults
from metascan.aws.ebs import EbsNeeds, Volume, is_aws_managed_key, template_volumes, volumes
from metascan.fingerprint import Fingerprinter
from metascan.model import Category, Confidence, Finding, Severity
from metascan.posture.ebs import EbsPosture, default_checks
from metascan.report.report import Report

KEY = b"posture-test-key-0123456789"
ACCT = "210987654322"
LT = "lt-0123456789abcdef0"
CMK = f"arn:aws:kms:us-east-1:{ACCT}:key/1f2e3d4c-5b6a-4789-8a7b-6c5d4e3f2a1b"
UNMARKED = {"VolumeSize": 20}


def version(
    number: int,
    *ebs: Mapping[str, Any],
    default: bool = False,
    lt: str = LT,
    name: str = "web",
) -> dict[str, Any]:
    return {
        "LaunchTemplateId": lt,
        "LaunchTemplateName": name,
        "VersionNumber": number,
        "DefaultVersion": default,
        "LaunchTemplateData": {
            "BlockDeviceMappings": [
                {"DeviceName": f"/dev/sd{chr(98 + i)}", "Ebs": dict(e)} for i, e in enumerate(ebs)
            ]
        },
    }


def versions(*items: dict[str, Any]) -> dict[str, Any]:
    return {"LaunchTemplateVersions": list(items)}


def groups(*items: dict[str, Any]) -> dict[str, Any]:
    out = []
    for g in items:
        name = g["AutoScalingGroupName"]
        arn = f"arn:aws:autoscaling:us-east-1:{ACCT}:autoScalingGroup:1:autoScalingGroupName/{name}"
        out.append({"AutoScalingGroupARN": arn, **g})
    return {"AutoScalingGroups": out}


def group(name: str, **launch: Any) -> dict[str, Any]:
    return {"AutoScalingGroupName": name, **launch}


def scan(*responses: Mapping[str, Any], require_cmk: bool = False, **defaults: Any) -> Report:
    scanner = make_scanner(rules=[], fingerprint_key=KEY, require_cmk=require_cmk, **defaults)
    return scan_responses([(f"r{i}.json", r) for i, r in enumerate(responses)], scanner=scanner)


def rows(report: Report) -> set[tuple[str, str, str, str, str]]:
    return {
        (f.rule, f.resource.id, f.location.field, str(f.severity), str(f.confidence)) for f in report.findings
    }


# --- what a mapping says ---------------------------------------------------------------------------------


def test_volumes_are_the_ebs_mappings_named_by_device() -> None:
    mappings = [
        {"DeviceName": "/dev/xvda", "Ebs": {"Encrypted": True, "KmsKeyId": CMK, "VolumeSize": 8}},
        {"Ebs": {"SnapshotId": "snap-0123456789abcdef0", "Encrypted": "yes"}},
        {"DeviceName": "/dev/xvdc", "VirtualName": "ephemeral0"},
        {"DeviceName": "/dev/xvdd", "NoDevice": ""},  # EC2: suppresses the AMI's device
        {"DeviceName": "/dev/sde", "NoDevice": True, "Ebs": {"VolumeSize": 8}},  # Auto Scaling
        {
            "DeviceName": "/dev/sdf",
            "NoDevice": False,
            "Ebs": {"Encrypted": False},
        },  # moto writes NoDevice false
        "not a mapping",
    ]
    assert list(volumes(mappings, "BlockDeviceMappings")) == [
        Volume("BlockDeviceMappings[/dev/xvda].Ebs", True, CMK, None),
        Volume("BlockDeviceMappings[1].Ebs", None, None, "snap-0123456789abcdef0"),
        Volume("BlockDeviceMappings[/dev/sdf].Ebs", False, None, None),
    ]
    assert list(volumes({"not": "a list"}, "x")) == []
    assert list(template_volumes({"LaunchTemplateData": "broken"})) == []


@pytest.mark.parametrize(
    ("key", "aws_managed"),
    [
        ("alias/aws/ebs", True),
        ("arn:aws:kms:us-east-1:210987654322:alias/aws/ebs", True),
        ("alias/team-ebs", False),
        ("arn:aws:kms:us-east-1:210987654322:alias/awsome", False),
        (CMK, False),
        ("1f2e3d4c-5b6a-4789-8a7b-6c5d4e3f2a1b", False),
    ],
)
def test_aws_managed_keys_are_named_by_their_aws_alias(key: str, aws_managed: bool) -> None:
    assert is_aws_managed_key(key) is aws_managed


def test_ebs_needs_say_which_region_settings_matter() -> None:
    needs = EbsNeeds()
    needs.note_version(version(1, {"Encrypted": True, "KmsKeyId": CMK}))
    assert (needs.unencrypted, needs.wants_default_key(None)) == (False, False)
    needs.note_version(version(2, UNMARKED))
    assert needs.unencrypted and not needs.wants_default_key(False) and needs.wants_default_key(True)
    needs.note_version(version(3, {"Encrypted": True}))
    assert needs.wants_default_key(False)
    lc = EbsNeeds()
    lc.note_configuration({"BlockDeviceMappings": [{"DeviceName": "/dev/sdb", "Ebs": {"Encrypted": True}}]})
    assert not lc.unencrypted and not lc.wants_default_key(True)  # a launch configuration names no key


# --- which version a group launches ----------------------------------------------------------------------


def test_the_versions_groups_launch_are_high_the_others_medium() -> None:
    """$Latest, $Default, unset (= $Default), a number, a name-only spec and a mixed-instances override."""
    other = "lt-0fedcba9876543210"
    report = scan(
        groups(
            group("latest", LaunchTemplate={"LaunchTemplateId": LT, "Version": "$Latest"}),
            group("pinned", LaunchTemplate={"LaunchTemplateName": "web", "Version": "2"}),
            group(
                "mixed",
                MixedInstancesPolicy={
                    "LaunchTemplate": {
                        "LaunchTemplateSpecification": {"LaunchTemplateId": LT},  # unset: $Default
                        "Overrides": [
                            {
                                "InstanceType": "m5.large",
                                "LaunchTemplateSpecification": {
                                    "LaunchTemplateName": "batch",
                                    "Version": "$Default",
                                },
                            }
                        ],
                    }
                },
            ),
        ),
        versions(
            version(1, UNMARKED, default=True),
            version(2, UNMARKED),
            version(3, UNMARKED),
            version(4, UNMARKED),
            version(7, UNMARKED, default=True, lt=other, name="batch"),
            version(8, UNMARKED, lt=other, name="batch"),
        ),
        {"LaunchTemplates": [{"LaunchTemplateId": LT, "LatestVersionNumber": 4, "DefaultVersionNumber": 1}]},
    )
    severity = {f.resource.id: (f.severity, f.evidence) for f in report.findings}
    assert severity[f"{LT}:1"] == (Severity.HIGH, severity[f"{LT}:1"][1])
    assert "launched by group mixed" in str(severity[f"{LT}:1"][1])
    assert "launched by group pinned" in str(severity[f"{LT}:2"][1])
    assert severity[f"{LT}:3"][0] is Severity.MEDIUM and "launched" not in str(severity[f"{LT}:3"][1])
    assert "launched by group latest" in str(severity[f"{LT}:4"][1])
    assert severity[f"{other}:7"][0] is Severity.HIGH and severity[f"{other}:8"][0] is Severity.MEDIUM


def test_latest_is_the_templates_latest_version_when_known_else_the_highest_read() -> None:
    launching = groups(group("web-asg", LaunchTemplate={"LaunchTemplateId": LT, "Version": "$Latest"}))
    alone = scan(launching, versions(version(1, UNMARKED, default=True), version(2, UNMARKED)))
    assert {f.resource.id: f.severity for f in alone.findings} == {
        f"{LT}:1": Severity.MEDIUM,
        f"{LT}:2": Severity.HIGH,
    }
    newer = {
        "LaunchTemplates": [{"LaunchTemplateId": LT, "LatestVersionNumber": 5, "DefaultVersionNumber": 1}]
    }
    told = scan(versions(version(1, UNMARKED, default=True), version(2, UNMARKED)), newer, launching)
    assert {f.severity for f in told.findings} == {Severity.MEDIUM}  # version 5 was not read


def test_a_launch_configuration_a_group_uses_is_high() -> None:
    lcs = {
        "LaunchConfigurations": [
            {
                "LaunchConfigurationName": n,
                "BlockDeviceMappings": [{"DeviceName": "/dev/sdb", "Ebs": UNMARKED}],
            }
            for n in ("used", "unused")
        ]
    }
    report = scan(lcs, groups(group("batch", LaunchConfigurationName="used")))
    assert rows(report) == {
        ("asg-launch-configuration", "batch", "LaunchConfigurationName", "low", "high"),
        ("ebs-volume-unencrypted", "used", "BlockDeviceMappings[/dev/sdb].Ebs.Encrypted", "high", "medium"),
        (
            "ebs-volume-unencrypted",
            "unused",
            "BlockDeviceMappings[/dev/sdb].Ebs.Encrypted",
            "medium",
            "medium",
        ),
    }


def test_input_order_does_not_change_the_findings() -> None:
    """Groups, versions and region settings in every order: the same findings (held until the input ends)."""
    docs = [
        groups(group("web-asg", LaunchTemplate={"LaunchTemplateName": "web", "Version": "$Default"})),
        versions(version(1, UNMARKED, {"Encrypted": True}, default=True), version(2, UNMARKED)),
        {"EbsEncryptionByDefault": False},
        {"KmsKeyId": "alias/aws/ebs"},
    ]
    results = set()
    for order in itertools.permutations(docs):
        report = scan(*order)
        results.add(frozenset((f.fingerprint, f.severity, f.confidence, f.evidence) for f in report.findings))
    assert len(results) == 1
    (only,) = results
    assert len(only) == 3


# --- region settings ----------------------------------------------------------------------------------------


def _scan_per_region(pages: Iterable[tuple[str | None, Mapping[str, Any]]]) -> Report:
    """Pages with the region they were read in (as live scans and --region give them)."""
    scanner = make_scanner(rules=[], fingerprint_key=KEY)
    events: list[Any] = []
    for region, page in pages:
        events += scanner.scan_response(f"aws:{ACCT}:{region}", page, Defaults(region, ACCT))
    events += scanner.finish()
    return Report(findings=[e for e in events if isinstance(e, Finding)])


def test_settings_apply_to_their_own_account_and_region() -> None:
    report = _scan_per_region(
        [
            ("eu-west-1", {"EbsEncryptionByDefault": True}),
            ("us-east-1", {"EbsEncryptionByDefault": False}),
            ("eu-west-1", {"KmsKeyId": CMK}),
            ("eu-west-1", versions(version(1, UNMARKED, default=True))),
            ("us-east-1", versions(version(1, UNMARKED, default=True))),
            ("ap-south-1", versions(version(1, UNMARKED, default=True))),
        ]
    )
    assert {(f.resource.region, f.rule, f.confidence) for f in report.findings} == {
        ("us-east-1", "ebs-volume-unencrypted", Confidence.HIGH),  # off there
        ("ap-south-1", "ebs-volume-unencrypted", Confidence.MEDIUM),  # unknown there
    }  # eu-west-1 encrypts by default with a key of the account's own: nothing to report
    fingerprints = {f.fingerprint for f in report.findings}
    assert len(fingerprints) == 2  # same template id and field, another region: another finding


def test_settings_of_an_unknown_region_apply_when_they_agree() -> None:
    agree = scan(versions(version(1, UNMARKED)), {"EbsEncryptionByDefault": True})
    assert [f.rule for f in agree.findings] == ["ebs-volume-aws-managed-key"]  # encrypted by default
    pages = [
        (None, {"EbsEncryptionByDefault": True}),
        ("us-east-1", versions(version(1, UNMARKED))),
    ]
    assert [f.rule for f in _scan_per_region(pages).findings] == ["ebs-volume-aws-managed-key"]
    conflicting = [
        ("us-east-1", {"EbsEncryptionByDefault": True}),
        ("eu-west-1", {"EbsEncryptionByDefault": False}),
        (None, versions(version(1, UNMARKED))),
    ]
    (f,) = _scan_per_region(conflicting).findings
    assert f.rule == "ebs-volume-unencrypted" and "EbsEncryptionByDefault: unknown" in str(f.evidence)


def test_settings_documents_are_recognised_and_bad_ones_skipped() -> None:
    report = scan(
        {"EbsEncryptionByDefault": True, "SseType": "sse-ebs", "ResponseMetadata": {}},
        {"KmsKeyId": "alias/aws/ebs"},
        {"EbsEncryptionByDefault": "yes"},
        {"KmsKeyId": CMK, "Name": "db-password", "ARN": "arn:aws:secretsmanager:us-east-1:1:secret:x"},
        {"KmsKeyId": None},
    )
    assert [s.reason for s in report.skipped] == [
        "EbsEncryptionByDefault is str, not a boolean",
        "not a recognised AWS API response (KmsKeyId and 2 other top-level keys;"
        " get-ebs-default-kms-key-id output holds KmsKeyId only)",
        "KmsKeyId is null, not a key id",
    ]
    assert report.resources == 1  # the region's EBS settings: one resource
    assert report.fields == 0  # nothing in them is free text


# --- what is said, and not guessed ---------------------------------------------------------------------


def test_snapshots_and_amis_are_not_guessed() -> None:
    report = scan(
        versions(
            version(
                1,
                {"SnapshotId": "snap-0123456789abcdef0"},
                {"SnapshotId": "snap-0fedcba987654321f", "Encrypted": True},
            ),
            {
                "LaunchTemplateId": LT,
                "VersionNumber": 2,
                "LaunchTemplateData": {"ImageId": "ami-0abcdef1234567890"},
            },
        ),
        {"EbsEncryptionByDefault": False},
        {"KmsKeyId": "alias/aws/ebs"},
    )
    by_field = {f.location.field: f for f in report.findings}
    unmarked = by_field["LaunchTemplateData.BlockDeviceMappings[/dev/sdb].Ebs.Encrypted"]
    assert (
        unmarked.confidence is Confidence.LOW
        and "a volume from an encrypted snapshot is encrypted" in str(unmarked.evidence)
    )
    keyless = by_field["LaunchTemplateData.BlockDeviceMappings[/dev/sdc].Ebs.KmsKeyId"]
    assert keyless.confidence is Confidence.LOW and "snapshot's own key" in str(keyless.evidence)
    assert len(report.findings) == 2  # version 2 maps nothing: its root volume is the AMI's, not judged


def test_require_cmk_raises_the_key_checks_only() -> None:
    docs = (
        groups(
            group("web-asg", LaunchTemplate={"LaunchTemplateId": LT, "Version": "1"}),
            group("batch", LaunchConfigurationName="lc"),
        ),
        versions(version(1, {"Encrypted": True}, UNMARKED), version(2, {"Encrypted": True})),
        {"EbsEncryptionByDefault": False},
    )
    plain = {(f.rule, f.resource.id): f.severity for f in scan(*docs).findings}
    strict = {(f.rule, f.resource.id): f.severity for f in scan(*docs, require_cmk=True).findings}
    assert plain == {
        ("asg-launch-configuration", "batch"): Severity.LOW,
        ("ebs-volume-aws-managed-key", f"{LT}:1"): Severity.LOW,
        ("ebs-volume-aws-managed-key", f"{LT}:2"): Severity.LOW,
        ("ebs-volume-unencrypted", f"{LT}:1"): Severity.HIGH,
    }
    assert strict == {
        ("asg-launch-configuration", "batch"): Severity.HIGH,
        ("ebs-volume-aws-managed-key", f"{LT}:1"): Severity.HIGH,
        ("ebs-volume-aws-managed-key", f"{LT}:2"): Severity.MEDIUM,
        ("ebs-volume-unencrypted", f"{LT}:1"): Severity.HIGH,
    }


# --- fingerprints, de-duplication and what is held ---------------------------------------------------------


def test_fingerprint_is_over_check_resource_and_field_not_the_setting() -> None:
    unknown = scan(versions(version(1, UNMARKED)), region="us-east-1", account=ACCT)
    known = scan(
        versions(version(1, UNMARKED)), {"EbsEncryptionByDefault": False}, region="us-east-1", account=ACCT
    )
    (a,), (b,) = unknown.findings, known.findings
    assert a.evidence != b.evidence and a.fingerprint == b.fingerprint
    field = "LaunchTemplateData.BlockDeviceMappings[/dev/sdb].Ebs.Encrypted"
    expected = Fingerprinter(KEY).of(
        "ebs-volume-unencrypted", "LaunchTemplateVersion", f"{LT}:1", ACCT, "us-east-1", field
    )
    assert a.fingerprint == expected and a.location.field == field
    assert a.category is Category.DATA_PROTECTION and a.match is None and a.redacted == ""


def test_a_version_read_twice_is_reported_once() -> None:
    page = versions(version(1, UNMARKED, default=True))
    report = scan(
        page,
        page,
        groups(group("g", LaunchConfigurationName="lc")),
        groups(group("g", LaunchConfigurationName="lc")),
    )
    assert sorted(f.rule for f in report.findings) == ["asg-launch-configuration", "ebs-volume-unencrypted"]


def test_only_volumes_that_may_be_reported_are_held() -> None:
    check = EbsPosture()
    (posture,) = [c for c in default_checks() if isinstance(c, EbsPosture)]
    assert posture is not check  # a fresh check per scan
    scanner = make_scanner(rules=[], fingerprint_key=KEY, checks=[check])
    good = versions(*(version(n, {"Encrypted": True, "KmsKeyId": CMK}) for n in range(1, 1001)))
    list(scanner.scan_response("good.json", good))
    assert len(check._held) == 0
    bad = versions(*(version(n, UNMARKED, {"Encrypted": True, "KmsKeyId": CMK}) for n in range(1, 101)))
    for _ in range(3):  # read again: still one entry per volume
        list(scanner.scan_response("bad.json", bad))
    assert len(check._held) == 100
    assert len(list(scanner.finish())) == 100
    assert len(check._held) == 0 and list(scanner.finish()) == []
