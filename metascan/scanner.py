"""The scan pipeline: responses -> resources and fields -> findings, as a stream of events.

`Scanner.scan_response` turns one API response (a page) into events: `Finding`, `Skipped`, `ScanError`.  It is
two stages: `read_response` extracts and scans the response (`Step`s: records, candidate findings, skips),
which needs nothing from the rest of the scan, so worker processes can run it (`metascan.parallel`); `settle`
runs the checks on the records and keeps each value once, in the one process that writes the report.
The results of scanning a text are cached (bounded), and so are the hits in each user data value, by a digest
of the value and without the decoded text: the user data that launch template versions and launch
configurations repeat is decoded and scanned once, in a few hundred bytes per value.

Every text is scanned with the texts its text layers derive from it (`aws.layers`: percent-encoding, JSON
escapes, data URLs, base64 blobs, ...), each finding with its decoding chain.  Where a value is found both
in a text and in a text derived from it (mapped back through the layers' offset maps), it is reported once:
by the more specific rule, else decoded where the raw reading is the same value escaped, else as first found
(raw before decoded); and a value found in several texts is
reported under the longest chain of a decoding that produced it (`settle_layers`).
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from typing import Any, Generic, Protocol, TypeVar, cast, runtime_checkable

from .aws.arn import parse_arn
from .aws.codecs import b64decode
from .aws.documents import Defaults, ResourceRecord, extract
from .aws.launches import Launchable, LaunchIndex, launch_note, launchable
from .aws.layers import derive
from .aws.userdata import Limits, Segment, decode_user_data
from .detect.engine import Engine, Hit, ScanResult
from .detect.rules import Rule
from .detect.textctx import BOUNDED_WINDOW
from .detect.validators import digits
from .fingerprint import Fingerprinter, redact
from .model import Category, Field, FieldKind, Finding, Location, Resource, ScanError, Skipped, shared

Event = Finding | Skipped | ScanError

K = TypeVar("K")
V = TypeVar("V")


_MISSING = object()


class _LRU(Generic[K, V]):
    __slots__ = ("_data", "_size")

    def __init__(self, size: int) -> None:
        self._data: OrderedDict[K, V] = OrderedDict()
        self._size = size

    def get(self, key: K, make: Callable[[], V]) -> V:
        data = self._data
        found = data.get(key, _MISSING)  # (most keys are new: no KeyError raised and caught for each)
        if found is not _MISSING:
            data.move_to_end(key)
            return cast("V", found)
        value = data[key] = make()
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


Chain = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _TextsResult:
    """What scanning a field's texts found (the texts themselves are not kept): each value once, with the
    decoding chain it is reported under; the rules a time limit stopped, by chain; and what was skipped."""

    hits: tuple[tuple[Chain, Hit], ...]
    timed_out: tuple[tuple[Chain, ScanResult], ...]  # results a time limit made incomplete (without hits)
    skipped: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A finding before the scan-wide de-duplication: `dedup` names its value in its field of its resource."""

    finding: Finding
    dedup: bytes  # `Fingerprinter.key_of`
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
        self._locations: dict[tuple[object, ...], Location] = {}  # see `_location`
        self._reported: set[str | bytes] = set()  # value keys (`Candidate.dedup`), checks' fingerprints
        self.launches = LaunchIndex()  # what the groups read launch, for the severity of user data findings
        self._launched: list[tuple[Finding, Launchable]] = []
        # AWS account ids that the configuration names in ARNs (its roles', topics', keys' accounts: the
        # organisation's), and the account-id findings held until every record is read (see `finish`)
        self.arn_accounts: set[str] = set()
        self._accounts: list[Finding] = []
        self._texts: _LRU[tuple[str, FieldKind, str | None, str | None], _TextsResult] = _LRU(16384)
        self._user_data: _LRU[bytes, _TextsResult] = _LRU(32768)  # by digest: ~500 bytes an entry

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
        # What the fields of the last record's resource share, worked out once per record (not per field).
        launch: Launchable | None = None
        created_by: str | None = None
        for item in extract(source, data, defaults or self.defaults, self.fingerprinter):
            if isinstance(item, ResourceRecord):
                record = item
                launch = launchable(record)
                created_by = _created_by_account(record)
                if item.resource is not counted:
                    counted = item.resource
                    self.resources.add(resource_key(counted))
                yield item
            elif isinstance(item, Field):
                if item.resource is not counted:
                    counted = item.resource
                    self.resources.add(resource_key(counted))
                # (a record's fields share its Resource object: comparing every attribute is for the others)
                res = record.resource if record is not None else None
                same = res is not None and (res is item.resource or res == item.resource)
                own = item.resource.account or (created_by if same else None)
                yield from self.scan_field(item, launch if same else None, own, locate, per_source)
            else:
                yield item

    def settle(self, steps: Iterable[Step]) -> Iterator[Event]:
        """Events from steps in input order: checks see every record, and each value is reported once."""
        for step in steps:
            if isinstance(step, Candidate):
                if step.dedup not in self._reported:
                    self._reported.add(step.dedup)
                    if step.finding.rule in ACCOUNT_ID_RULES and not self.options.report_own_account_id:
                        self._accounts.append(step.finding)  # decided in `finish`
                    elif step.launch is not None:
                        self._launched.append((step.finding, step.launch))  # decided in `finish`
                    else:
                        yield step.finding
            elif isinstance(step, ResourceRecord):
                self.arn_accounts.update(arn_accounts(step.data))
                self.launches.observe(step)
                for check in self.checks:
                    yield from self._keep(check(step, self.fingerprinter))
            else:
                yield step

    def finish(self) -> Iterator[Finding]:
        """The findings held until the end of the input: iterate once, after the last response.

        Credentials in the user data of a launch template version or launch configuration come first, raised
        one level when a group launches it (see `raise_launched`); then the AWS account ids found in names,
        tags and text, except those of accounts the configuration names in an ARN anywhere (a role, topic,
        key or resource in that account: one of the accounts it works with, the organisation's, which
        `report_own_account_id` reports too); then what the checks held."""
        held, self._launched = self._launched, []
        for finding, launch in held:
            yield raise_launched(finding, self.launches.launched_by(launch))
        accounts, self._accounts = self._accounts, []
        for finding in accounts:
            if digits(finding.match or "") not in self.arn_accounts:
                yield finding
        for check in self.checks:
            if isinstance(check, HoldingCheck):
                yield from self._keep(check.finish(self.fingerprinter))

    def _keep(self, findings: Iterator[Finding]) -> Iterator[Finding]:
        for f in findings:
            if f.fingerprint not in self._reported:
                self._reported.add(f.fingerprint)
                yield f

    # --- fields ------------------------------------------------------------------------------------------

    def values_in(self, text: str, kind: FieldKind, own_account: str | None = None) -> tuple[str, ...]:
        """The values the rules find in one text taken alone, with the resource's own account id left out
        as `scan_field` leaves it out (the names a streamed report line prints: `report.cover.Foresight`)."""
        own = None if self.options.report_own_account_id else own_account
        hits = self.engine.scan(text, kind).hits
        return tuple(h.secret for h in hits if own is None or not _is_account(h, own))

    def scan_field(
        self,
        field: Field,
        launch: Launchable | None = None,
        own_account: str | None = None,
        locate: Locate | None = None,
        per_source: bool = False,
    ) -> Sequence[Candidate | Skipped]:
        """Candidate findings of one field.  `launch`: what groups may launch it (for user data);
        `own_account`: the account the resource belongs to (default: the resource's), whose id is not
        reported unless `report_own_account_id` is set.  (A sequence, not a generator: most of a scan's
        336,000 fields have nothing, and a generator for each cost more than the empty tuple.)"""
        self.fields += 1
        own = None if self.options.report_own_account_id else (own_account or field.resource.account)
        if field.kind is FieldKind.USER_DATA:
            digest = hashlib.blake2b(field.value.encode("utf-8", "surrogatepass"), digest_size=16).digest()
            result = self._user_data.get(digest, lambda: self._scan_user_data(field.value))
        else:
            key = (field.value, field.kind, field.key, field.protocol)
            result = self._texts.get(key, lambda: self._scan_text(field))
            launch = None
        if not (result.skipped or result.timed_out or result.hits):
            return ()
        out: list[Candidate | Skipped] = [
            Skipped(field.source, reason, field.resource, field.path) for reason in result.skipped
        ]
        out.extend(self._timeouts(field, scanned, chain) for chain, scanned in result.timed_out)
        out.extend(
            self._candidate(field, hit, chain, launch, locate, per_source)
            for chain, hit in result.hits
            if own is None or not _is_account(hit, own)
        )
        return out

    def _scan_user_data(self, raw: str) -> _TextsResult:
        decoded = decode_user_data(raw, self.options.limits)
        return self._scan_segments(decoded.segments, decoded.skipped)

    def _scan_text(self, field: Field) -> _TextsResult:
        """A free-form field and the texts its text layers derive from it, scanned as the field."""
        segments = [Segment(field.value, (), field.kind)]
        derived, problems = derive(field.value, self.options.limits.layers)
        for d in derived:
            parent = d.parent + 1
            chain = (*segments[parent].decoding, *d.steps)
            segments.append(Segment(d.text, chain, field.kind, parent, d.origin))
        return self._scan_segments(segments, problems, field.key, field.protocol)

    def _scan_segments(
        self,
        segments: Sequence[Segment],
        skipped: Sequence[str],
        key: str | None = None,
        protocol: str | None = None,
    ) -> _TextsResult:
        results = [self.engine.scan(seg.text, seg.kind, seg.key or key, protocol) for seg in segments]
        if not any(r.hits or not r.complete for r in results):
            return _TextsResult((), (), tuple(skipped))  # most fields: nothing found, nothing cut short
        timed_out = tuple(
            (seg.decoding, replace(r, hits=()))
            for seg, r in zip(segments, results, strict=True)
            if not r.complete
        )
        return _TextsResult(tuple(settle_layers(segments, results)), timed_out, tuple(skipped))

    def _timeouts(self, field: Field, scanned: ScanResult, decoding: Chain) -> Skipped:
        """The skipped entry of a text where a time limit was hit: its findings are reported, but a scan that
        was cut short may miss what a full one finds, so it counts as an error for the exit code."""
        e = self.engine
        where = f" ({'>'.join(decoding)})" if decoding else ""
        parts = []
        if scanned.timed_out:
            parts.append(
                f"time limit ({e.time_limit:g}s per rule, {e.field_time_limit:g}s per field) stopped rules"
                f" {', '.join(scanned.timed_out)} on this text{where}; a bounded scan took their place"
            )
        if scanned.unfinished:
            parts.append(f"the bounded scan did not finish either for {', '.join(scanned.unfinished)}")
        if scanned.bounded_assignments:
            parts.append(
                f"assignments (KEY=value) on this text{where} were found by a bounded search (each reading"
                f" at most {BOUNDED_WINDOW} characters), as finding them all hit the time limit"
            )
        return Skipped(field.source, "; ".join(parts), field.resource, field.path, timed_out=True)

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
        dedup = self.fingerprinter.key_of("value", *where, hit.secret)
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
            location=self._location(field.source, field.path, line, decoding, source_line),
            redacted=redact(hit.secret),
            fingerprint=fingerprint,
            match=hit.secret,
        )
        return Candidate(finding, dedup, launched)

    def _location(
        self, source: str, path: str, line: int | None, decoding: tuple[str, ...], source_line: int | None
    ) -> Location:
        """One `Location` for the findings at the same place of different resources (a tag's value in
        every group of a file: `Tags[Owner].Value`, no line), and one string for each path."""
        key = (source, path, line, decoding, source_line)
        found = self._locations.get(key)
        if found is None:
            if len(self._locations) >= _LOCATIONS:
                self._locations.clear()
            found = self._locations[key] = Location(source, shared(path), line, decoding, source_line)
        return found


_LOCATIONS = 4096  # places remembered (see `Scanner._location`)


ACCOUNT_ID_RULES = frozenset({"aws-account-id", "aws-account-id-dashed"})
_ARN_ACCOUNT = re.compile(r"\barn:aws[\w-]*:[\w-]+:[\w-]*:(\d{12}):")


def arn_accounts(data: Any, depth: int = 0) -> Iterator[str]:
    """The account ids of the ARNs in a resource's data (its strings, four levels deep).  Every record
    passes here: plain recursion and exact type tests (half the time of a walk with a stack)."""
    for value in data.values() if type(data) is dict else data if type(data) is list else ():
        kind = type(value)
        if kind is str:
            if "arn:" in value:
                yield from _ARN_ACCOUNT.findall(value)
        elif depth < 3 and (kind is dict or kind is list):
            yield from arn_accounts(value, depth + 1)


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


def settle_layers(segments: Sequence[Segment], results: Sequence[ScanResult]) -> list[tuple[Chain, Hit]]:
    """The values the texts of one field hold, each once, with the decoding chain it is reported under.

    A segment that text layers derived from another (`parent` >= 0) maps each hit back to the text at the
    root of its derivation.  Where two hits overlap there, one is kept: the one with the more specific rule
    (a GitHub token decoded from base64 over the generic secret its base64 form was); between equals, the
    decoded one where the raw one runs on through an escape that decodes to a delimiter (`pw\\nUSER=bob`
    is `pw` up to a line break) or where the raw one is the same value escaped (`\u0040` is `@`), else the
    first found (texts come before what is derived from them: `%2B` in a signed URL stays as the URL has
    it).

    A value found in several places is reported where its decoding says most: under the longest chain of a
    text whose decoding produced it (an Ignition file's data URL rather than the raw config around it).  A
    hit in a derived text away from what its layer decoded is the parent text's: it takes the parent's chain.
    """
    kept = _resolve(segments, results)
    best: dict[str, tuple[Chain, Hit]] = {}
    for i, result in enumerate(results):
        for n, hit in enumerate(result.hits):
            if (i, n) not in kept:
                continue
            chain = _chain_of(segments, i, hit.start, hit.end)
            hit = _as_written(segments, i, hit)
            if hit.secret not in best or len(chain) > len(best[hit.secret][0]):
                best[hit.secret] = (chain, hit)
    found = list(best.values())
    keys = {"".join(h.secret.split()) for _, h in found if h.rule.id == "private-key"}
    if keys:
        # The base64 of a key that a document decoded too (cloud-init's `write_files` with `encoding: b64`
        # holds a blob that is no text layer's): one key, reported decoded.
        found = [
            (c, h) for c, h in found if h.rule.id != "private-key-base64" or not _decodes_to(h.secret, keys)
        ]
    return found


def _decodes_to(blob: str, keys: set[str]) -> bool:
    """Whether base64 `blob` decodes to text that holds one of `keys` (compared without white space)."""
    data = b64decode(blob)
    squeezed = "".join(data.decode("utf-8", "replace").split()) if data is not None else ""
    return any(key in squeezed for key in keys)


def _as_written(segments: Sequence[Segment], i: int, hit: Hit) -> Hit:
    """A value found once another script's digits were read as ASCII (`٠٥٥ ٤١٢ ٨٨٠٧`) is reported as its
    text writes it: the parent's span, which has the same length."""
    seg = segments[i]
    if seg.parent < 0 or seg.origin is None or not seg.decoding or seg.decoding[-1] != "native-digits":
        return hit
    start, end = seg.origin.span(hit.start, hit.end)
    written = segments[seg.parent].text[start:end]
    return replace(hit, secret=written) if len(written) == len(hit.secret) else hit


def _chain_of(segments: Sequence[Segment], i: int, start: int, end: int) -> Chain:
    """The chain of the text whose decoding produced the span [start, end) of segment `i`."""
    while segments[i].parent >= 0:
        origin = segments[i].origin
        if origin is None or origin.touches(start, end):
            break
        start, end = origin.span(start, end)
        i = segments[i].parent
    return segments[i].decoding


def _resolve(segments: Sequence[Segment], results: Sequence[ScanResult]) -> set[tuple[int, int]]:
    """(segment, hit) of each hit kept where hits overlap across a text and the texts derived from it."""
    if all(seg.parent < 0 for seg in segments):
        return {(i, n) for i, r in enumerate(results) for n in range(len(r.hits))}
    root: list[int] = []
    for i, seg in enumerate(segments):
        root.append(i if seg.parent < 0 else root[seg.parent])
    # root -> the spans kept there, which never overlap: sorted by start, so by end too, and the ones a new
    # span overlaps are found by bisection (a text with thousands of hits must not cost their square).
    kept: dict[int, _Spans] = defaultdict(_Spans)
    for i, result in enumerate(results):
        seg = segments[i]
        for n, hit in enumerate(result.hits):
            start: float = hit.start
            end: float = hit.end
            j = i
            while segments[j].parent >= 0:
                origin = segments[j].origin
                if origin is not None:
                    # (values decoded from one blob keep their order and stay apart: see `span_inside`)
                    start, end = origin.span_inside(start, end)
                j = segments[j].parent
            spans = kept[root[i]]
            first, last = spans.overlapping(start, end)
            overlapping = spans.items[first:last]
            priority = hit.rule.priority
            # The parent's offsets are the root's when the parent is a root: only then is a cut checked.
            direct = seg.parent >= 0 and segments[seg.parent].parent < 0
            if any(
                k[2] > priority
                or (
                    k[2] == priority
                    and not (
                        direct
                        and (
                            _cut_by_escape(k, (start, end), seg)
                            or _escaped_whole(k, (start, end), seg, results, hit.secret)
                        )
                    )
                )
                for k in overlapping
            ):
                continue
            spans.replace(first, last, (start, end, priority, i, n))
    return {(k[3], k[4]) for spans in kept.values() for k in spans.items}


_Kept = tuple[float, float, int, int, int]  # start, end (in the root text), priority, segment, hit


class _Spans:
    """Spans that do not overlap, sorted by start."""

    __slots__ = ("items", "starts")

    def __init__(self) -> None:
        self.items: list[_Kept] = []
        self.starts: list[float] = []

    def overlapping(self, start: float, end: float) -> tuple[int, int]:
        """The slice of the spans that overlap [start, end)."""
        last = bisect.bisect_left(self.starts, end)
        first = last
        while first > 0 and self.items[first - 1][1] > start:
            first -= 1
        return first, last

    def replace(self, first: int, last: int, span: _Kept) -> None:
        self.items[first:last] = [span]
        self.starts[first:last] = [span[0]]


# What ends a value: a line break or a closing quote after it; a key's `=` or a separator before it too.
_ENDS = frozenset(" \t\r\n\"'`")
_STARTS = _ENDS | frozenset("=&;,")


def _escaped_whole(
    kept: _Kept, decoded: tuple[float, float], seg: Segment, results: Sequence[ScanResult], secret: str
) -> bool:
    """Whether a hit kept from `seg`'s parent is the same value as the hit decoded from it, escaped: both
    cover the same span of the parent and read differently (`\u0040` in JSON held in a string is `@`,
    `\x40` in a printf format and `&#64;` in HTML too).  The decoded reading is the value."""
    ks, ke, _, k_seg, k_n = kept
    if seg.origin is None or k_seg != seg.parent or (ks, ke) != decoded or not seg.decoding:
        return False
    # (an escape, not an encoding: base64 of `user:password` in docker's `auth` is the credential as written)
    return seg.decoding[-1] in _ESCAPES and results[k_seg].hits[k_n].secret != secret


# (not percent-encoding: a `%28` outside a URL is the password's own three characters, and a URL's `%3D`
# padding is how the value is written where it is used)
_ESCAPES = frozenset({"json-escape", "hex-escape", "html-entity"})


def _cut_by_escape(kept: _Kept, decoded: tuple[float, float], seg: Segment) -> bool:
    """Whether a hit kept from `seg`'s parent runs on past where the hit decoded from it stops, through an
    escape that decodes to a line break or a quote (`pw\\nUSER=bob`), or starts before it, through one
    that decodes to a separator (`KEY%3Dvalue`).  A `%3D` that ends a value is base64 padding, not a cut."""
    ks, ke, _, k_seg, _ = kept
    ds, de = decoded
    if seg.origin is None or k_seg != seg.parent or not (ks <= ds and de <= ke) or (ks, ke) == (ds, de):
        return False
    return any(
        (p_start == de and p_start < ke and any(c in _ENDS for c in seg.text[d_start:d_end]))
        or (p_end == ds and p_end > ks and any(c in _STARTS for c in seg.text[d_start:d_end]))
        for d_start, d_end, p_start, p_end in seg.origin.edits
    )
