"""Structural checks (data-protection posture): a registry separate from the pattern rules.

A pattern rule looks for a value in a text; a structural check looks at how a resource is set up (its block
device mappings, what it launches from) and reports the setting as found in `Finding.evidence`, never a
`match`.  Each check is described here as data, like a pattern rule: id, title, description, severity,
confidence, remediation, references, and examples of what passes and what fails, which the test suite runs
(`tests/posture/test_check_examples.py`).  The logic of the EBS checks, and `default_checks`, the checks a
scan runs, are in `metascan.posture.ebs`.

Severities vary with what a finding is about (see each description); `severity` here is the one a check gives
what a group launches, without `--require-cmk`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from ..model import Category, Confidence, Severity
from ..scanner import Check, HoldingCheck


@dataclass(frozen=True, slots=True)
class CheckExample:
    """API responses (as the AWS CLI saves them) and what the check must say about them."""

    responses: tuple[Mapping[str, Any], ...]
    require_cmk: bool = False
    severity: Severity | None = None  # for failing examples: the finding's severity, when given
    confidence: Confidence | None = None
    evidence: str | None = None  # for failing examples: a part of the finding's evidence


@dataclass(frozen=True, slots=True)
class CheckInfo:
    id: str
    title: str
    description: str
    category: Category
    severity: Severity
    confidence: Confidence
    remediation: str
    references: tuple[str, ...]
    passes: tuple[CheckExample, ...]
    fails: tuple[CheckExample, ...]


@runtime_checkable
class StructuralCheck(HoldingCheck, Protocol):
    """A scanner check that runs registered checks (`infos`), holding findings until the input ends."""

    infos: tuple[CheckInfo, ...]


# --- example data ----------------------------------------------------------------------------------------

_LT = "lt-0a1b2c3d4e5f60718"
_CMK = "arn:aws:kms:eu-west-1:210987654322:key/1f2e3d4c-5b6a-4789-8a7b-6c5d4e3f2a1b"
_GROUP_ARN = (
    "arn:aws:autoscaling:eu-west-1:210987654322:autoScalingGroup:0b2a1e7c-1111-2222-3333-444455556666"
    ":autoScalingGroupName/"
)


def _version(*ebs: Mapping[str, Any], number: int = 1, default: bool = True) -> dict[str, Any]:
    mappings = [{"DeviceName": f"/dev/sd{chr(ord('b') + i)}", "Ebs": dict(e)} for i, e in enumerate(ebs)]
    return {
        "LaunchTemplateVersions": [
            {
                "LaunchTemplateId": _LT,
                "LaunchTemplateName": "web",
                "VersionNumber": number,
                "DefaultVersion": default,
                "LaunchTemplateData": {"ImageId": "ami-0abcdef1234567890", "BlockDeviceMappings": mappings},
            }
        ]
    }


def _group(name: str, **launch: Any) -> dict[str, Any]:
    return {
        "AutoScalingGroups": [
            {"AutoScalingGroupName": name, "AutoScalingGroupARN": _GROUP_ARN + name, **launch}
        ]
    }


def _configuration(name: str, *ebs: Mapping[str, Any]) -> dict[str, Any]:
    mappings = [{"DeviceName": "/dev/sdb", "Ebs": dict(e)} for e in ebs]
    return {"LaunchConfigurations": [{"LaunchConfigurationName": name, "BlockDeviceMappings": mappings}]}


_BY_DEFAULT = {"EbsEncryptionByDefault": True}
_NOT_BY_DEFAULT = {"EbsEncryptionByDefault": False}
_AWS_KEY = {"KmsKeyId": "alias/aws/ebs"}
_OWN_KEY = {"KmsKeyId": _CMK}
_LATEST = {"LaunchTemplate": {"LaunchTemplateName": "web", "Version": "$Latest"}}


def _prose(text: str) -> str:
    """A description written as an indented paragraph, as one line."""
    return " ".join(text.split())


def _ex(*responses: Mapping[str, Any], **expect: Any) -> CheckExample:
    return CheckExample(tuple(responses), **expect)


# --- the registry ------------------------------------------------------------------------------------------

EBS_UNENCRYPTED = CheckInfo(
    id="ebs-volume-unencrypted",
    title="EBS volume created unencrypted",
    description=_prose(
        """
        A launch template version or launch configuration maps an EBS volume with Encrypted false or
        unset, in a region that does not encrypt new volumes by default (ec2:GetEbsEncryptionByDefault,
        read by live scans; file scans read the saved output of `aws ec2
        get-ebs-encryption-by-default`). High severity for what a group launches (its launch
        configuration, or the version its LaunchTemplate or MixedInstancesPolicy names: $Default,
        $Latest or a number), medium otherwise. Confidence is high when the region's setting is known to
        be off, medium when it is unknown, and low for a volume restored from a snapshot (SnapshotId):
        an encrypted snapshot gives an encrypted volume, and metascan does not read snapshots. A root
        volume without a mapping comes from the AMI, whose encryption is not checked.
        """
    ),
    category=Category.DATA_PROTECTION,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    remediation=_prose(
        """
        Set Encrypted to true in the mapping (with the KmsKeyId of a customer managed key), or turn on
        EBS encryption by default in every region you use (aws ec2 enable-ebs-encryption-by-default);
        then start an instance refresh so that running instances get encrypted volumes.
        """
    ),
    references=(
        "https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-data-protection.html",
        "https://docs.aws.amazon.com/ebs/latest/userguide/encryption-by-default.html",
    ),
    passes=(
        _ex(_version({"VolumeSize": 20, "Encrypted": True, "KmsKeyId": _CMK})),
        _ex(_version({"VolumeSize": 20}), _BY_DEFAULT),
        _ex(_version({"VolumeSize": 20, "Encrypted": False}), _BY_DEFAULT),
        _ex(
            {
                "LaunchTemplateVersions": [
                    {"LaunchTemplateId": _LT, "VersionNumber": 1, "LaunchTemplateData": {}}
                ]
            }
        ),
        _ex(_configuration("legacy", {"VolumeSize": 50, "Encrypted": True})),
    ),
    fails=(
        _ex(
            _version({"VolumeSize": 20}),
            _NOT_BY_DEFAULT,
            severity=Severity.MEDIUM,
            confidence=Confidence.HIGH,
            evidence="Encrypted: unset; EbsEncryptionByDefault: false",
        ),
        _ex(
            _group("web-prod", **_LATEST),
            _version({"VolumeSize": 20, "Encrypted": False}),
            severity=Severity.HIGH,
            confidence=Confidence.MEDIUM,
            evidence="Encrypted: false; EbsEncryptionByDefault: unknown",
        ),
        _ex(
            _version({"SnapshotId": "snap-0123456789abcdef0"}, default=False),
            _NOT_BY_DEFAULT,
            severity=Severity.MEDIUM,
            confidence=Confidence.LOW,
            evidence="SnapshotId: snap-0123456789abcdef0",
        ),
        _ex(
            _configuration("legacy", {"VolumeSize": 50}),
            _group("batch", LaunchConfigurationName="legacy"),
            severity=Severity.HIGH,
            evidence="launched by group batch",
        ),
    ),
)

EBS_AWS_MANAGED_KEY = CheckInfo(
    id="ebs-volume-aws-managed-key",
    title="EBS volume encrypted with the AWS managed key",
    description=_prose(
        """
        A launch template version maps an encrypted EBS volume (Encrypted true, or encrypted by default
        in its region) without a KmsKeyId, or with KmsKeyId alias/aws/ebs. Without a KmsKeyId a volume
        gets the region's default EBS key: the AWS managed key aws/ebs, unless the account made a key of
        its own the default (ec2:GetEbsDefaultKmsKeyId, read by live scans when a volume needs it; file
        scans read the saved output of `aws ec2 get-ebs-default-kms-key-id`); nothing is reported when
        the default is a customer managed key. The AWS managed key's policy cannot be changed, so who
        may use it cannot be limited and its snapshots cannot be shared with other accounts. Low
        severity; with --require-cmk high for the version a group launches, medium otherwise. Medium
        confidence when the default key is unknown. Launch configurations cannot name a key at all: see
        asg-launch-configuration.
        """
    ),
    category=Category.DATA_PROTECTION,
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    remediation=_prose(
        """
        Name a customer managed KMS key in the mapping's KmsKeyId (its key policy must let the Auto
        Scaling service-linked role use it), or make it the region's default EBS key
        (aws ec2 modify-ebs-default-kms-key-id); then start an instance refresh.
        """
    ),
    references=(
        "https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html",
        "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html",
    ),
    passes=(
        _ex(_version({"VolumeSize": 20, "Encrypted": True, "KmsKeyId": _CMK})),
        _ex(_version({"VolumeSize": 20, "Encrypted": True}), _OWN_KEY),
        _ex(_version({"VolumeSize": 20}), _NOT_BY_DEFAULT),
        _ex(_version({"VolumeSize": 20}), _BY_DEFAULT, _OWN_KEY),
    ),
    fails=(
        _ex(
            _version({"VolumeSize": 20, "Encrypted": True}),
            severity=Severity.LOW,
            confidence=Confidence.MEDIUM,
            evidence="Encrypted: true; KmsKeyId: unset; default EBS key: unknown",
        ),
        _ex(
            _version({"VolumeSize": 20, "Encrypted": True}),
            _AWS_KEY,
            confidence=Confidence.HIGH,
            evidence="default EBS key: alias/aws/ebs",
        ),
        _ex(
            _version({"VolumeSize": 20}),
            _BY_DEFAULT,
            _AWS_KEY,
            evidence="Encrypted: unset; EbsEncryptionByDefault: true; KmsKeyId: unset",
        ),
        _ex(
            _version({"VolumeSize": 20, "Encrypted": True, "KmsKeyId": "alias/aws/ebs"}),
            confidence=Confidence.HIGH,
            evidence="KmsKeyId: alias/aws/ebs",
        ),
        _ex(
            _group("web-prod", **_LATEST),
            _version({"VolumeSize": 20, "Encrypted": True}),
            require_cmk=True,
            severity=Severity.HIGH,
        ),
        _ex(
            _version({"VolumeSize": 20, "Encrypted": True}, default=False),
            require_cmk=True,
            severity=Severity.MEDIUM,
        ),
    ),
)

GROUP_LAUNCH_CONFIGURATION = CheckInfo(
    id="asg-launch-configuration",
    title="Auto Scaling group launches from a launch configuration",
    description=_prose(
        """
        The group launches instances from a launch configuration. A launch configuration's block device
        mappings cannot name a KMS key, so its encrypted volumes get the region's default EBS key (the
        AWS managed key unless the account made a key of its own the default), and AWS adds no new
        features or instance types to launch configurations. Low severity; high with --require-cmk. The
        launch configuration's own unencrypted volumes are reported by ebs-volume-unencrypted.
        """
    ),
    category=Category.DATA_PROTECTION,
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    remediation=_prose(
        """
        Migrate the group to a launch template (the console can copy a launch configuration to a launch
        template) whose block device mappings are encrypted with a customer managed key, update the
        group to use it, and start an instance refresh.
        """
    ),
    references=(
        "https://docs.aws.amazon.com/autoscaling/ec2/userguide/migrate-to-launch-templates.html",
        "https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-data-protection.html",
    ),
    passes=(
        _ex(_group("web-prod", **_LATEST)),
        _ex(
            _group(
                "mixed",
                MixedInstancesPolicy={
                    "LaunchTemplate": {
                        "LaunchTemplateSpecification": {"LaunchTemplateId": _LT, "Version": "3"}
                    }
                },
            )
        ),
        _ex(_configuration("unused", {"VolumeSize": 50, "Encrypted": True})),
    ),
    fails=(
        _ex(
            _group("batch", LaunchConfigurationName="legacy"),
            severity=Severity.LOW,
            confidence=Confidence.HIGH,
            evidence="LaunchConfigurationName: legacy",
        ),
        _ex(_group("batch", LaunchConfigurationName="legacy"), require_cmk=True, severity=Severity.HIGH),
    ),
)

# Every structural check, in the order `metascan rules` lists them within their category.
CHECKS: tuple[CheckInfo, ...] = (EBS_UNENCRYPTED, EBS_AWS_MANAGED_KEY, GROUP_LAUNCH_CONFIGURATION)


def check_infos(checks: Iterable[Check]) -> tuple[CheckInfo, ...]:
    """The registered checks that `checks` run (for catalogues such as SARIF's `tool.driver.rules`)."""
    seen: dict[str, CheckInfo] = {}
    for check in checks:
        if isinstance(check, StructuralCheck):
            for info in check.infos:
                seen.setdefault(info.id, info)
    return tuple(seen.values())
