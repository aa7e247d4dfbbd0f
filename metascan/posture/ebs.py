"""The EBS data-protection checks: ebs-volume-unencrypted, ebs-volume-aws-managed-key and
asg-launch-configuration.

One `EbsPosture` per scan is given to the scanner as a check (see `metascan.posture.checks`).  It sees every
resource record read, in whatever order the input holds them:

* an Auto Scaling group: what it launches (its launch configuration, or the launch template versions named by
  `LaunchTemplate` and `MixedInstancesPolicy`, overrides included).  A group on a launch configuration is
  reported at once;
* a launch template: its `LatestVersionNumber` and `DefaultVersionNumber`;
* a launch template version or a launch configuration: its EBS volumes.  Those that may be reported are held;
* the saved output of `get-ebs-encryption-by-default` and `get-ebs-default-kms-key-id` (live scans feed the
  same responses): the region's settings, for the account and region the document belongs to.

Whether a volume ends up unencrypted, or encrypted with the AWS managed key, depends on its region's settings,
and its severity on whether a group launches it; a file scan knows both only once it has read everything.  So
volumes are decided in `finish`, after the last response.  Memory holds the volumes that may be reported,
what each group launches, two numbers per template and two settings per region, never a resource's data.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..aws.documents import ResourceRecord
from ..aws.ebs import Volume, configuration_volumes, is_aws_managed_key, template_volumes
from ..aws.launches import Launchable, LaunchIndex, Where, fits, launch_note, launchable
from ..aws.launches import where as _where
from ..fingerprint import Fingerprinter
from ..model import Confidence, Finding, Location, Resource, Severity
from ..scanner import Check
from .checks import EBS_AWS_MANAGED_KEY, EBS_UNENCRYPTED, GROUP_LAUNCH_CONFIGURATION, CheckInfo


def _s(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _flag(value: bool | None) -> str:
    return "unset" if value is None else str(value).lower()


def _setting(table: Mapping[Where, Any], where: Where) -> Any:
    """A region's setting: the one read for exactly this account and region, else the one every fitting
    entry agrees on (a file scan without --region/--account has settings for an unknown region), else None."""
    if where in table:
        return table[where]
    values = {value for w, value in table.items() if fits(w, where)}
    return values.pop() if len(values) == 1 else None


@dataclass(frozen=True, slots=True)
class _Held:
    """A volume that may be reported, with what deciding it needs."""

    resource: Resource
    source: str
    volume: Volume
    item: Launchable  # its launch template version or launch configuration, as groups name it


class EbsPosture:
    """The EBS encryption and KMS key checks of one scan (see the module docstring).  Not thread-safe."""

    infos: tuple[CheckInfo, ...] = (EBS_UNENCRYPTED, EBS_AWS_MANAGED_KEY, GROUP_LAUNCH_CONFIGURATION)

    def __init__(self, require_cmk: bool = False) -> None:
        self.require_cmk = require_cmk
        self._held: dict[tuple[str, str, str | None, str | None, str], _Held] = {}
        self._index = LaunchIndex()
        self._encryption: dict[Where, bool] = {}
        self._default_key: dict[Where, str] = {}

    # --- reading -------------------------------------------------------------------------------------------

    def __call__(self, record: ResourceRecord, fingerprinter: Fingerprinter) -> Iterator[Finding]:
        data, res = record.data, record.resource
        self._index.observe(record)
        if record.kind == "AutoScalingGroup":
            yield from self._group(record, fingerprinter)
        elif record.kind == "LaunchTemplateVersion":
            self._version(record)
        elif record.kind == "LaunchConfiguration":
            item = launchable(record)
            for v in configuration_volumes(data):
                if item is not None and v.encrypted is not True:
                    self._hold(_Held(res, record.source, v, item))
        elif record.kind == "EbsEncryptionByDefault":
            value = data.get("EbsEncryptionByDefault")
            if isinstance(value, bool):
                self._encryption[_where(res)] = value
        elif record.kind == "EbsDefaultKmsKeyId":
            key = _s(data.get("KmsKeyId"))
            if key is not None:
                self._default_key[_where(res)] = key

    def _group(self, record: ResourceRecord, fingerprinter: Fingerprinter) -> Iterator[Finding]:
        data, res = record.data, record.resource
        configuration = _s(data.get("LaunchConfigurationName"))
        if configuration is None:
            return
        info = GROUP_LAUNCH_CONFIGURATION
        severity = Severity.HIGH if self.require_cmk else info.severity
        yield _finding(
            info,
            res,
            record.source,
            "LaunchConfigurationName",
            f"LaunchConfigurationName: {configuration}",
            severity,
            info.confidence,
            fingerprinter,
        )

    def _version(self, record: ResourceRecord) -> None:
        item = launchable(record)
        if item is None:
            return
        for v in template_volumes(record.data):
            customer_key = v.kms_key_id is not None and not is_aws_managed_key(v.kms_key_id)
            if v.encrypted is True and customer_key:
                continue  # encrypted with a key of the account's own, whatever the region says
            self._hold(_Held(record.resource, record.source, v, item))

    def _hold(self, held: _Held) -> None:
        r = held.resource
        self._held[(r.type, r.id, r.account, r.region, held.volume.path)] = held

    # --- deciding, once the input has ended --------------------------------------------------------------

    def finish(self, fingerprinter: Fingerprinter) -> Iterator[Finding]:
        """The findings about the volumes held, now that every group and region setting has been read."""
        held, self._held = self._held, {}
        for h in held.values():
            yield from self._decide(h, fingerprinter)

    def _decide(self, h: _Held, fingerprinter: Fingerprinter) -> Iterator[Finding]:
        v, where = h.volume, _where(h.resource)
        by_default: bool | None = _setting(self._encryption, where)
        groups = self._index.launched_by(h.item)
        launched = [launch_note(groups)] if groups else []
        if v.encrypted is not True and by_default is not True:
            info = EBS_UNENCRYPTED
            evidence = [f"Encrypted: {_flag(v.encrypted)}"]
            confidence = Confidence.HIGH if by_default is False else Confidence.MEDIUM
            if v.snapshot_id is not None:
                evidence.append(
                    f"SnapshotId: {v.snapshot_id} (a volume from an encrypted snapshot is encrypted;"
                    " snapshots are not read)"
                )
                confidence = Confidence.LOW
            evidence.append(f"EbsEncryptionByDefault: {'false' if by_default is False else 'unknown'}")
            severity = info.severity if groups else info.severity.shifted(-1)
            yield _finding(
                info,
                h.resource,
                h.source,
                f"{v.path}.Encrypted",
                "; ".join(evidence + launched),
                severity,
                confidence,
                fingerprinter,
            )
            return
        if h.item.template_id is None:
            return  # a launch configuration cannot name a key: asg-launch-configuration says so
        info = EBS_AWS_MANAGED_KEY
        severity = (Severity.HIGH if groups else Severity.MEDIUM) if self.require_cmk else info.severity
        if v.kms_key_id is not None:
            if is_aws_managed_key(v.kms_key_id):
                evidence = [f"KmsKeyId: {v.kms_key_id}"]
                yield _finding(
                    info,
                    h.resource,
                    h.source,
                    f"{v.path}.KmsKeyId",
                    "; ".join(evidence + launched),
                    severity,
                    Confidence.HIGH,
                    fingerprinter,
                )
            return
        default_key: str | None = _setting(self._default_key, where)
        if default_key is not None and not is_aws_managed_key(default_key):
            return  # the region's default key is the account's own
        evidence = [f"Encrypted: {_flag(v.encrypted)}"]
        if v.encrypted is not True:
            evidence.append("EbsEncryptionByDefault: true")
        evidence += ["KmsKeyId: unset", f"default EBS key: {default_key or 'unknown'}"]
        confidence = Confidence.HIGH if default_key is not None else Confidence.MEDIUM
        if v.snapshot_id is not None:
            evidence.append(f"SnapshotId: {v.snapshot_id} (an encrypted snapshot's own key is kept)")
            confidence = Confidence.LOW
        yield _finding(
            info,
            h.resource,
            h.source,
            f"{v.path}.KmsKeyId",
            "; ".join(evidence + launched),
            severity,
            confidence,
            fingerprinter,
        )


def _finding(
    info: CheckInfo,
    res: Resource,
    source: str,
    field: str,
    evidence: str,
    severity: Severity,
    confidence: Confidence,
    fingerprinter: Fingerprinter,
) -> Finding:
    """A structural finding: fingerprinted over check, resource (type, id, account, region) and field."""
    return Finding(
        rule=info.id,
        category=info.category,
        severity=severity,
        confidence=confidence,
        title=info.title,
        remediation=info.remediation,
        resource=res,
        location=Location(source, field),
        redacted="",
        fingerprint=fingerprinter.of(info.id, res.type, res.id, res.account or "", res.region or "", field),
        evidence=evidence,
    )


def default_checks(require_cmk: bool = False) -> list[Check]:
    """The structural checks run by default (fresh state: one list per scan).

    `require_cmk`: volumes must be encrypted with customer managed keys, so the checks about the AWS managed
    key and launch configurations report at a higher severity.
    """
    return [EbsPosture(require_cmk)]
