"""EBS volumes in block device mappings: what a mapping says about encryption, and what it leaves to others.

A launch template version (`LaunchTemplateData.BlockDeviceMappings`) or a launch configuration
(`BlockDeviceMappings`) lists the volumes an instance gets besides those of its AMI.  A mapping with an `Ebs`
object creates an EBS volume; one with `VirtualName` (instance store) or `NoDevice` does not.  Whether the
volume is encrypted, and with which KMS key, can depend on things the mapping does not hold:

* `Encrypted` false or unset: the region's EBS encryption by default (`ec2:GetEbsEncryptionByDefault`)
  encrypts it anyway;
* no `KmsKeyId`: an encrypted volume gets the region's default EBS key (`ec2:GetEbsDefaultKmsKeyId`), which is
  the AWS managed key `alias/aws/ebs` unless the account chose a key of its own;
* a `SnapshotId`: a volume restored from an encrypted snapshot is encrypted whatever `Encrypted` says;
* the root device without a mapping: the AMI's own mapping (and its snapshot) decides.

Used by the structural checks (`metascan.posture`) and by live scans, which ask for the region's settings only
when a volume read needs them (`EbsNeeds`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

TEMPLATE_MAPPINGS = "LaunchTemplateData.BlockDeviceMappings"
CONFIGURATION_MAPPINGS = "BlockDeviceMappings"


@dataclass(frozen=True, slots=True)
class Volume:
    """One EBS volume a mapping creates, as the mapping states it (None: unset)."""

    path: str  # the field path of the mapping's Ebs object, e.g. BlockDeviceMappings[/dev/sdb].Ebs
    encrypted: bool | None
    kms_key_id: str | None
    snapshot_id: str | None


def _s(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def volumes(mappings: Any, prefix: str) -> Iterator[Volume]:
    """The EBS volumes of a list of block device mappings found under `prefix`.

    A mapping is named by its device (`prefix[/dev/sdb]`), or by its position when it has none, so a finding
    keeps its field (and fingerprint) when mappings are reordered.
    """
    if not isinstance(mappings, list):
        return
    for i, mapping in enumerate(mappings):
        if not isinstance(mapping, Mapping):
            continue
        ebs = mapping.get("Ebs")
        no_device = mapping.get("NoDevice")
        # EC2 writes NoDevice as a string (present: no device); Auto Scaling as a boolean.
        if not isinstance(ebs, Mapping) or no_device is True or isinstance(no_device, str):
            continue
        encrypted = ebs.get("Encrypted")
        yield Volume(
            path=f"{prefix}[{_s(mapping.get('DeviceName')) or i}].Ebs",
            encrypted=encrypted if isinstance(encrypted, bool) else None,
            kms_key_id=_s(ebs.get("KmsKeyId")),
            snapshot_id=_s(ebs.get("SnapshotId")),
        )


def template_volumes(version: Mapping[str, Any]) -> Iterator[Volume]:
    """The EBS volumes of a launch template version (an item of describe-launch-template-versions)."""
    data = version.get("LaunchTemplateData")
    if isinstance(data, Mapping):
        yield from volumes(data.get("BlockDeviceMappings"), TEMPLATE_MAPPINGS)


def configuration_volumes(configuration: Mapping[str, Any]) -> Iterator[Volume]:
    """The EBS volumes of a launch configuration (which cannot name a KMS key)."""
    yield from volumes(configuration.get("BlockDeviceMappings"), CONFIGURATION_MAPPINGS)


def is_aws_managed_key(key: str) -> bool:
    """Whether a key id names an AWS managed key: its alias (`alias/aws/ebs`, or that alias's ARN).

    AWS reserves alias names starting with `aws/` for AWS managed keys.  A bare key id or key ARN cannot tell
    (AWS reports the default EBS key as `alias/aws/ebs` until an account sets a key of its own), so it counts
    as a key of the account's own.
    """
    if ":alias/" in key:
        name = key.split(":alias/", 1)[1]
    elif key.startswith("alias/"):
        name = key.removeprefix("alias/")
    else:
        return False
    return name.startswith("aws/")


@dataclass(slots=True)
class EbsNeeds:
    """Which region settings the volumes read so far depend on (live scans ask only for those)."""

    unencrypted: bool = False  # a volume not marked Encrypted: encryption by default decides
    keyless_encrypted: bool = False  # a template volume marked Encrypted without a key: the default key
    keyless_unmarked: bool = (
        False  # a template volume neither marked nor keyed: the default key, if by default
    )

    def note_version(self, version: Mapping[str, Any]) -> None:
        for v in template_volumes(version):
            if v.encrypted is not True:
                self.unencrypted = True
            if v.kms_key_id is None:
                if v.encrypted is True:
                    self.keyless_encrypted = True
                else:
                    self.keyless_unmarked = True

    def note_configuration(self, configuration: Mapping[str, Any]) -> None:
        for v in configuration_volumes(configuration):
            if v.encrypted is not True:
                self.unencrypted = True

    def wants_default_key(self, encrypted_by_default: bool | None) -> bool:
        """Whether the default EBS key matters, given what encryption by default turned out to be."""
        return self.keyless_encrypted or (self.keyless_unmarked and encrypted_by_default is True)
