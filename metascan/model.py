"""The values that flow between metascan's stages.

source -> documents -> fields -> findings -> report.  Every stage hands the next one frozen dataclasses;
only reporters turn them into dicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    CREDENTIAL = "credential"
    ACCOUNT_NUMBER = "account_number"
    PERSONAL_DATA = "personal_data"
    DATA_PROTECTION = "data_protection"


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    def shifted(self, steps: int) -> Severity:
        """The severity `steps` levels higher (positive) or lower (negative), clamped."""
        order = list(_SEVERITY_RANK)
        i = min(max(order.index(self) - steps, 0), len(order) - 1)
        return order[i]


_SEVERITY_RANK = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return {"high": 2, "medium": 1, "low": 0}[self.value]

    def lowered(self) -> Confidence:
        return Confidence.LOW if self is not Confidence.HIGH else Confidence.MEDIUM


class FieldKind(StrEnum):
    """What sort of free-form value a field holds; detectors use it to weigh context."""

    NAME = "name"  # a resource name a person chose
    TAG_KEY = "tag_key"
    TAG_VALUE = "tag_value"
    TEXT = "text"  # descriptions, notification metadata, display names
    USER_DATA = "user_data"  # still encoded; the decoder turns it into SCRIPT segments
    SCRIPT = "script"  # decoded user data
    ENDPOINT = "endpoint"  # SNS subscription endpoint
    ARN = "arn"  # the resource-name part of an ARN
    PRINCIPAL = "principal"  # an IAM principal ARN's name part (CreatedBy)


@dataclass(frozen=True, slots=True)
class Resource:
    type: str
    id: str
    arn: str | None = None
    region: str | None = None
    account: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {
            "type": self.type,
            "id": self.id,
            "arn": self.arn,
            "region": self.region,
            "account": self.account,
        }


@dataclass(frozen=True, slots=True)
class Field:
    """One free-form string of one resource, with what is known about it."""

    resource: Resource
    source: str
    path: str
    value: str
    kind: FieldKind
    key: str | None = None  # the structural key the value sits under (a tag key, an attribute name)
    protocol: str | None = None  # for SNS endpoints: email, sms, https, ...


@dataclass(frozen=True, slots=True)
class Location:
    source: str
    field: str
    line: int | None = None
    decoding: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "field": self.field,
            "line": self.line,
            "decoding": list(self.decoding),
        }


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    category: Category
    severity: Severity
    confidence: Confidence
    title: str
    remediation: str
    resource: Resource
    location: Location
    redacted: str
    fingerprint: str
    match: str | None = None  # the raw value; only ever written out with --show-secrets
    evidence: str | None = None  # for structural checks: the setting as found

    def to_dict(self, show_secrets: bool = False) -> dict[str, object]:
        out: dict[str, object] = {
            "rule": self.rule,
            "category": str(self.category),
            "severity": str(self.severity),
            "confidence": str(self.confidence),
            "title": self.title,
            "remediation": self.remediation,
            "resource": self.resource.to_dict(),
            "location": self.location.to_dict(),
            "redacted": self.redacted,
            "fingerprint": self.fingerprint,
        }
        if self.evidence is not None:
            out["evidence"] = self.evidence
        if show_secrets and self.match is not None:
            out["match"] = self.match
        return out


@dataclass(frozen=True, slots=True)
class Skipped:
    """Something read but deliberately not scanned in full."""

    source: str
    reason: str
    resource: Resource | None = None
    field: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "resource": self.resource.to_dict() if self.resource else None,
            "field": self.field,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class ScanError:
    """An input that could not be read, or an API call that failed."""

    source: str
    message: str
    account: str | None = None
    region: str | None = None
    operation: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "message": self.message,
            "account": self.account,
            "region": self.region,
            "operation": self.operation,
        }
