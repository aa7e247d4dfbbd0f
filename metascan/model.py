"""The values that flow between metascan's stages.

source -> documents -> fields -> findings -> report.  Every stage hands the next one immutable records
(frozen dataclasses; `Field`, made hundreds of thousands of times a scan, a named tuple); only reporters turn
them into dicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from sys import intern
from typing import NamedTuple, overload


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
class Origin:
    """Where a value sits in its input file (a template, a plan, a saved export): the line it starts on,
    and, for a value of several lines, the line of each (`lines[i]` holds text line i + 1) when they are
    not all `line`.  `chain` is the decoding after which the decoded text is the value's text line for
    line: () for a text scanned as it is, ("base64",) for user data a template gives as text that
    CloudFormation or Terraform base64-encodes."""

    line: int
    lines: tuple[int, ...] = ()
    chain: tuple[str, ...] = ()

    def line_of(self, text_line: int | None, decoding: tuple[str, ...]) -> int:
        """The input line of line `text_line` of the text decoded by `decoding` (the value's own line when
        the decoded text does not map line for line onto the value)."""
        if text_line is None or not self.lines or decoding != self.chain:
            return self.line
        return self.lines[min(max(text_line, 1), len(self.lines)) - 1]


class Located(str):
    """A string read from an input file, with its `Origin`.  Sources that know where each value is (YAML
    and template readers) hand the extractors these instead of plain strings; a `Field` keeps the origin."""

    origin: Origin

    def __new__(cls, value: str, origin: Origin) -> Located:
        self = super().__new__(cls, value)
        self.origin = origin
        return self

    def __reduce__(self) -> tuple[type[Located], tuple[str, Origin]]:  # worker processes send them back
        return (Located, (str(self), self.origin))


class LocatedInt(int):
    """An integer read from an input file, with its `Origin` (a tag value such as an account number)."""

    origin: Origin

    def __new__(cls, value: int, origin: Origin) -> LocatedInt:
        self = super().__new__(cls, value)
        self.origin = origin
        return self

    def __reduce__(self) -> tuple[type[LocatedInt], tuple[int, Origin]]:
        return (LocatedInt, (int(self), self.origin))


def origin_of(value: object) -> Origin | None:
    """The origin of a value read with one (`Located`, `LocatedInt`), else None."""
    kind = type(value)  # every field asks: plain strings first, without isinstance's walk of the MRO
    if kind is str:
        return None
    return value.origin if kind is Located or kind is LocatedInt else None  # type: ignore[attr-defined]


@overload
def shared(value: str) -> str: ...
@overload
def shared(value: str | None) -> str | None: ...
def shared(value: str | None) -> str | None:
    """One string object for each value that recurs across resources (a field path, a version spec): what
    the scan keeps per finding or per group is then a reference.  A value read with its origin (`Located`)
    is returned as it is."""
    return intern(value) if type(value) is str else value


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


class Field(NamedTuple):
    """One free-form string of one resource, with what is known about it.

    A named tuple, not a frozen dataclass: a scan of 10,000 groups makes 336,000 fields, and a frozen
    dataclass's `__init__` (a call of `object.__setattr__` per attribute) costs three times as much."""

    resource: Resource
    source: str
    path: str
    value: str
    kind: FieldKind
    key: str | None = None  # the structural key the value sits under (a tag key, an attribute name)
    protocol: str | None = None  # for SNS endpoints: email, sms, https, ...
    origin: Origin | None = None  # where the value is in its input file, when the source knows


@dataclass(frozen=True, slots=True)
class Location:
    """Where a finding is: its input (`source`), the field, the line within the field's decoded text
    (`line`, with the `decoding` that led to it), and the line of the input file a reviewer must change
    (`source_line`: for templates, plans, YAML and JSON exports, where it is known)."""

    source: str
    field: str
    line: int | None = None
    decoding: tuple[str, ...] = ()
    source_line: int | None = None

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "source": self.source,
            "field": self.field,
            "line": self.line,
            "decoding": list(self.decoding),
        }
        if self.source_line is not None:
            out["source_line"] = self.source_line
        return out


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
    raised: str | None = None  # why `severity` is above the rule's documented one ("launched by group x")

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
        if self.raised is not None:
            out["raised"] = self.raised
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
    timed_out: bool = False  # a detection rule hit its time limit here: counts as an error for the exit code

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "source": self.source,
            "resource": self.resource.to_dict() if self.resource else None,
            "field": self.field,
            "reason": self.reason,
        }
        if self.timed_out:
            out["timed_out"] = True
        return out


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
