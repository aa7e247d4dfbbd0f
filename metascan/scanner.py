"""The scan pipeline: responses -> resources and fields -> findings, as a stream of events.

`Scanner.scan_response` turns one API response (a page) into events: `Finding`, `Skipped`, `ScanError`.  It is
two stages: `read_response` extracts and scans the response (`Step`s: records, candidate findings, skips),
which needs nothing from the rest of the scan, so worker processes can run it (`metascan.parallel`); `settle`
runs the checks on the records and keeps each value once, in the one process that writes the report.
The results of scanning a text are cached (bounded), and so are the hits in each user data value, by a digest
of the value and without the decoded text: the user data that launch template versions and launch
configurations repeat is decoded and scanned once, in a few hundred bytes per value.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

from .aws.arn import parse_arn
from .aws.documents import Defaults, ResourceRecord, extract
from .aws.launches import Launchable, LaunchIndex, launch_note, launchable
from .aws.userdata import Decoded, Limits, decode_user_data
from .detect.engine import Engine, Hit, ScanResult
from .detect.rules import Rule
from .detect.validators import digits
from .fingerprint import Fingerprinter, redact
from .model import Category, Field, FieldKind, Finding, Location, Resource, ScanError, Skipped

Event = Finding | Skipped | ScanError

K = TypeVar("K")
V = TypeVar("V")


class _LRU(Generic[K, V]):
    __slots__ = ("_data", "_size")

    def __init__(self, size: int) -> None:
        self._data: OrderedDict[K, V] = OrderedDict()
        self._size = size

    def get(self, key: K, make: Callable[[], V]) -> V:
        data = self._data
        try:
            value = data[key]
            data.move_to_end(key)
            return value
        except KeyError:
            value = make()
            data[key] = value
            if len(data) > self._size:
                data.popitem(last=False)
            return value


@dataclass(frozen=True, slots=True)
class ScanOptions:
    region: str | None = None
    account: str | None = None
    limits: Limits = dc_field(default_factory=Limits)
    time_limit: float | None = None  # seconds per rule per text (None: engine.default_time_limits())
    field_time_limit: float | None = None  # seconds for all rules on one text
    # The resource's own account id (from its ARN, `account`, or the CreatedBy ARN of a launch template
    # version) written into its names, tags or user data is not a customer's account number: not reported
    # unless this is set.
    report_own_account_id: bool = False


@dataclass(frozen=True, slots=True)
class _ScannedText:
    """What scanning one decoded text of a user data value found (the text itself is not kept)."""

    decoding: tuple[str, ...]
    result: ScanResult


@dataclass(frozen=True, slots=True)
class _UserDataResult:
    parts: tuple[_ScannedText, ...]
    skipped: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A finding before the scan-wide de-duplication: `dedup` names its value in its field of its resource."""

    finding: Finding
    dedup: str
    launch: Launchable | None = None  # a credential in this version's or configuration's user data


# What reading one response gives, before the scan-wide stage (`Scanner.settle`).
Step = ResourceRecord | Candidate | Skipped | ScanError

# The line of a field's value in its input file, found when a finding needs it (see sources/files.py).
Locate = Callable[[Field], int | None]

# A structural check: (record) -> findings.  Checks live in their own registry (see posture/checks.py).
Check = Callable[[ResourceRecord, Fingerprinter], Iterator[Finding]]


@runtime_checkable
class HoldingCheck(Protocol):
    """A check that holds findings until the input ends (`Scanner.finish` collects them)."""

    def __call__(self, record: ResourceRecord, fingerprinter: Fingerprinter) -> Iterator[Finding]: ...

    def finish(self, fingerprinter: Fingerprinter) -> Iterator[Finding]: ...


def resource_key(resource: Resource) -> int:
    """A 64-bit digest of a resource's identity (type, id, account, region): enough to count distinct
    resources without keeping them (a collision among a million resources has odds below 1 in 30 million)."""
    parts = (resource.type, resource.id, resource.account or "", resource.region or "")
    return int.from_bytes(hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).digest(), "big")


class Scanner:
    """Scans responses with one rule set and one fingerprint key; keeps the scan-wide de-duplication."""

    def __init__(
        self,
        rules: Sequence[Rule],
        fingerprinter: Fingerprinter,
        options: ScanOptions | None = None,
        checks: Sequence[Check] = (),
    ) -> None:
        self.options = options or ScanOptions()
        self.engine = Engine(rules, self.options.time_limit, self.options.field_time_limit)
        self.fingerprinter = fingerprinter
        self.checks = tuple(checks)
        self.defaults = Defaults(self.options.region, self.options.account)
        self.resources: set[int] = set()  # resource_key of each resource seen: counted, not kept
        self.fields = 0
        self._reported: set[str] = set()
        self.launches = LaunchIndex()  # what the groups read launch, for the severity of user data findings
        self._launched: list[tuple[Finding, Launchable]] = []
        self._texts: _LRU[tuple[str, FieldKind, str | None, str | None], ScanResult] = _LRU(16384)
        self._user_data: _LRU[bytes, _UserDataResult] = _LRU(32768)  # by digest: ~500 bytes an entry

    # --- responses ---------------------------------------------------------------------------------------

    def scan_response(
        self,
        source: str,
        data: Any,
        defaults: Defaults | None = None,
        locate: Locate | None = None,
        per_source: bool = False,
    ) -> Iterator[Event]:
        """Events for one API response (one page) read from `source`."""
        return self.settle(self.read_response(source, data, defaults, locate, per_source))

    def read_response(
        self,
        source: str,
        data: Any,
        defaults: Defaults | None = None,
        locate: Locate | None = None,
        per_source: bool = False,
    ) -> Iterator[Step]:
        """The records, candidate findings, skips and errors of one response, counting its resources and
        fields; nothing here depends on the other responses of the scan.

        `locate` finds the input line of a field's value that carries no `Origin` (asked only for fields
        with findings).  `per_source`: the resources are those of this input alone (a template or plan
        defines its own), so a value found in two inputs is two findings, with the input in their
        fingerprints; API responses (the default) describe one account, whichever file holds them."""
        if not isinstance(data, dict):
            yield ScanError(source, f"{source}: top level is not an API response object")
            return
        record: ResourceRecord | None = None
        counted: Resource | None = None  # the fields of one resource share one Resource: count it once
        for item in extract(source, data, defaults or self.defaults, self.fingerprinter):
            if isinstance(item, ResourceRecord):
                record = item
                if item.resource is not counted:
                    counted = item.resource
                    self.resources.add(resource_key(counted))
                yield item
            elif isinstance(item, Field):
                if item.resource is not counted:
                    counted = item.resource
                    self.resources.add(resource_key(counted))
                same = record is not None and record.resource == item.resource
                launch = launchable(record) if same and record is not None else None
                own = item.resource.account or (_created_by_account(record) if same and record else None)
                yield from self.scan_field(item, launch, own, locate, per_source)
            else:
                yield item

    def settle(self, steps: Iterable[Step]) -> Iterator[Event]:
        """Events from steps in input order: checks see every record, and each value is reported once."""
        for step in steps:
            if isinstance(step, Candidate):
                if step.dedup not in self._reported:
                    self._reported.add(step.dedup)
                    if step.launch is not None:
                        self._launched.append((step.finding, step.launch))  # decided in `finish`
                    else:
                        yield step.finding
            elif isinstance(step, ResourceRecord):
                self.launches.observe(step)
                for check in self.checks:
                    yield from self._keep(check(step, self.fingerprinter))
            else:
                yield step

    def finish(self) -> Iterator[Finding]:
        """The findings held until the end of the input: iterate once, after the last response.

        Credentials in the user data of a launch template version or launch configuration come first, raised
        one level when a group launches it (see `raise_launched`); then what the checks held."""
        held, self._launched = self._launched, []
        for finding, launch in held:
            yield raise_launched(finding, self.launches.launched_by(launch))
        for check in self.checks:
            if isinstance(check, HoldingCheck):
                yield from self._keep(check.finish(self.fingerprinter))

    def _keep(self, findings: Iterator[Finding]) -> Iterator[Finding]:
        for f in findings:
            if f.fingerprint not in self._reported:
                self._reported.add(f.fingerprint)
                yield f

    # --- fields ------------------------------------------------------------------------------------------

    def scan_field(
        self,
        field: Field,
        launch: Launchable | None = None,
        own_account: str | None = None,
        locate: Locate | None = None,
        per_source: bool = False,
    ) -> Iterator[Candidate | Skipped]:
        """Candidate findings of one field.  `launch`: what groups may launch it (for user data);
        `own_account`: the account the resource belongs to (default: the resource's), whose id is not
        reported unless `report_own_account_id` is set."""
        self.fields += 1
        own = None if self.options.report_own_account_id else (own_account or field.resource.account)
        if field.kind is FieldKind.USER_DATA:
            digest = hashlib.blake2b(field.value.encode("utf-8", "surrogatepass"), digest_size=16).digest()
            result = self._user_data.get(digest, lambda: self._scan_user_data(field.value))
            for reason in result.skipped:
                yield Skipped(field.source, reason, field.resource, field.path)
            for part in result.parts:
                yield from self._timeouts(field, part.result, part.decoding)
                for hit in part.result.hits:
                    if own is None or not _is_account(hit, own):
                        yield self._candidate(field, hit, part.decoding, launch, locate, per_source)
            return
        key = (field.value, field.kind, field.key, field.protocol)
        scanned = self._texts.get(
            key, lambda: self.engine.scan(field.value, field.kind, field.key, field.protocol)
        )
        yield from self._timeouts(field, scanned)
        for hit in scanned.hits:
            if own is None or not _is_account(hit, own):
                yield self._candidate(field, hit, (), None, locate, per_source)

    def _scan_user_data(self, raw: str) -> _UserDataResult:
        decoded: Decoded = decode_user_data(raw, self.options.limits)
        parts = tuple(
            _ScannedText(seg.decoding, self.engine.scan(seg.text, seg.kind)) for seg in decoded.segments
        )
        return _UserDataResult(parts, tuple(decoded.skipped))

    def _timeouts(
        self, field: Field, scanned: ScanResult, decoding: tuple[str, ...] = ()
    ) -> Iterator[Skipped]:
        if scanned.timed_out:
            e = self.engine
            where = f" ({'>'.join(decoding)})" if decoding else ""
            yield Skipped(
                field.source,
                f"time limit ({e.time_limit:g}s per rule, {e.field_time_limit:g}s per field) stopped rules"
                f" {', '.join(scanned.timed_out)} on this text{where}; the other rules scanned it",
                field.resource,
                field.path,
            )

    def _candidate(
        self,
        field: Field,
        hit: Hit,
        decoding: tuple[str, ...],
        launch: Launchable | None,
        locate: Locate | None = None,
        per_source: bool = False,
    ) -> Candidate:
        rule = hit.rule
        resource: Resource = field.resource
        # The resource is its type and id in its account and region: groups share names across regions.
        where: tuple[str, ...] = (
            resource.type,
            resource.id,
            resource.account or "",
            resource.region or "",
            field.path,
        )
        if per_source:  # a template's resources are its own: the same name in two templates is two places
            where = (*where, field.source)
        source_line: int | None = None
        if field.origin is not None:
            source_line = field.origin.line_of(hit.line, decoding)
        else:
            source_line = locate(field) if locate is not None else None
        fingerprint = self.fingerprinter.of(rule.id, *where, hit.secret)
        # One value in one field of one resource is one finding, whichever rule or line matched it.
        dedup = self.fingerprinter.of("value", *where, hit.secret)
        launched = (
            launch if rule.category is Category.CREDENTIAL and field.kind is FieldKind.USER_DATA else None
        )
        line = hit.line if field.kind in (FieldKind.USER_DATA, FieldKind.TEXT) else None
        finding = Finding(
            rule=rule.id,
            category=rule.category,
            severity=rule.severity,
            confidence=hit.confidence,
            title=rule.title,
            remediation=rule.remediation,
            resource=resource,
            location=Location(field.source, field.path, line, decoding, source_line),
            redacted=redact(hit.secret),
            fingerprint=fingerprint,
            match=hit.secret,
        )
        return Candidate(finding, dedup, launched)


def _is_account(hit: Hit, account: str) -> bool:
    """Whether the hit is an AWS account id and that id is `account`."""
    return hit.rule.reports_account_id and digits(hit.secret) == account


def _created_by_account(record: ResourceRecord) -> str | None:
    """The account of the principal that created a resource (a launch template or version): the account
    the resource lives in, for resources whose data carries no ARN of their own."""
    created_by = record.data.get("CreatedBy")
    parsed = parse_arn(created_by) if isinstance(created_by, str) else None
    return parsed.account if parsed is not None else None


def raise_launched(finding: Finding, groups: list[str]) -> Finding:
    """The severity rule for credentials in user data: one level up when any group launches the launch
    template version (through $Default, $Latest or its number) or launch configuration that holds it, with
    the reason in `Finding.raised`; as documented otherwise."""
    if not groups:
        return finding
    return replace(finding, severity=finding.severity.shifted(+1), raised=launch_note(groups))
