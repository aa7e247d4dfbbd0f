"""Suppressions: a stage over the scan's events that takes accepted findings out of the stream.

Two sources:

* the config file's `[[suppress]]` entries (see `metascan.config`), matched against each finding's rule,
  resource (id or ARN), field path and raw value;
* a `metascan:ignore` tag on the resource itself, whose value is a comma-separated list of rule ids or `*`:
  - on an Auto Scaling group it covers the group and the resources that belong to it (lifecycle hooks,
    notification configurations and scheduled actions: ids `<group>/...`);
  - on a launch template (its `Tags` in describe-launch-templates) it covers the template and all its
    versions; a version is also covered by `launch-template` tags in its own
    `LaunchTemplateData.TagSpecifications`.

Tags are learnt from the records the scanner reads: pass `Suppressor.observe` to the scanner as a check
(it yields nothing) and run the events through `Suppressor.filter`.  A finding whose owner (its group or
launch template) has not been read yet is held back until the owner is read or the input ends, so the
outcome does not depend on the order of the input files.  Findings on other resource types are decided at
once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import count
from typing import Any

from ..aws.documents import ResourceRecord
from ..config import Suppression
from ..fingerprint import Fingerprinter
from ..model import Finding, Resource, ScanError, Skipped
from .report import Report

IGNORE_TAG = "metascan:ignore"

Event = Finding | Skipped | ScanError
Key = tuple[str, str]  # (resource type, resource id)

GROUP = "AutoScalingGroup"
TEMPLATE = "LaunchTemplate"
VERSION = "LaunchTemplateVersion"
GROUP_PARTS = ("LifecycleHook", "NotificationConfiguration", "ScheduledAction")


def config_matches(s: Suppression, f: Finding) -> bool:
    """Whether a `[[suppress]]` entry covers a finding: every criterion it gives matches."""
    if s.rule_re is not None and not s.rule_re.fullmatch(f.rule):
        return False
    if s.resource_re is not None and not (
        s.resource_re.fullmatch(f.resource.id) or (f.resource.arn and s.resource_re.fullmatch(f.resource.arn))
    ):
        return False
    if s.field_re is not None and not s.field_re.fullmatch(f.location.field):
        return False
    if s.value_re is not None:
        raw = f.match if f.match is not None else f.evidence
        if raw is None or not s.value_re.search(raw):
            return False
    return True


def ignore_rules(tags: Any) -> str | None:
    """The value of the `metascan:ignore` tag in an AWS tag list, or None."""
    if not isinstance(tags, list):
        return None
    for tag in tags:
        if isinstance(tag, Mapping) and tag.get("Key") == IGNORE_TAG and isinstance(tag.get("Value"), str):
            return str(tag["Value"])
    return None


_NO_RULES: frozenset[str] = frozenset()


def _parse_ignore(value: str) -> frozenset[str]:
    # Every group and template is remembered (see `_seen`); most have no ignore tag, and one shared empty set
    # for them saves about 200 bytes a resource (13 MB for 60,000 groups, measured with tracemalloc).
    rules = frozenset(part.strip() for part in value.split(",") if part.strip())
    return rules or _NO_RULES


@dataclass(frozen=True, slots=True)
class _Tagged:
    """A group or template read, with its `metascan:ignore` tag (or without one: then `rules` is empty).

    Only its key (type, id), account and region are kept, not the resource: every group and template is
    remembered for the run (see `Suppressor._seen`), so each byte here is multiplied by their number.
    """

    account: str | None
    region: str | None
    rules: frozenset[str]
    value: str

    def covers(self, rule: str) -> bool:
        return "*" in self.rules or rule in self.rules

    def fits(self, res: Resource) -> bool:
        """Same account and region as `res`, where both are known."""
        return (self.account is None or res.account is None or self.account == res.account) and (
            self.region is None or res.region is None or self.region == res.region
        )


@dataclass(frozen=True, slots=True)
class Suppressed:
    finding: Finding
    reason: str

    def to_dict(self) -> dict[str, Any]:
        f = self.finding
        return {
            "fingerprint": f.fingerprint,
            "rule": f.rule,
            "resource": f.resource.to_dict(),
            "reason": self.reason,
        }


class Suppressor:
    """Config and tag suppressions for one run.  Not thread-safe; one per scan."""

    def __init__(self, suppressions: Sequence[Suppression] = (), tags: bool = True) -> None:
        self.suppressions = tuple(suppressions)
        self.tags = tags
        self.suppressed: list[Suppressed] = []
        self._used: set[int] = set()
        # type -> id -> record(s) (see `_records`): by type, then id, not by (type, id), which would keep a
        # tuple of 56 bytes per group and template read.
        self._tagged: dict[str, dict[str, _Tagged | tuple[_Tagged, ...]]] = {}
        self._untagged: dict[tuple[str | None, str | None], _Tagged] = {}
        self._parent: dict[Key, Key] = {}
        self._held: dict[Key, list[Finding]] = defaultdict(list)
        self._arrived: list[Key] = []
        # Arrival numbers, from the first finding held on (the findings before it arrived and left in
        # order, ahead of everything after): a scan that holds nothing keeps no entry per finding.
        self._order: dict[str, int] = {}
        self._counter = count()
        self._numbering = False

    # --- what the scanner reads --------------------------------------------------------------------------

    def observe(self, record: ResourceRecord, fingerprinter: Fingerprinter) -> Iterator[Finding]:
        """A scanner check that learns tags and ownership from each record read; it finds nothing."""
        if self.tags:
            self._learn(record)
        return iter(())

    def _learn(self, record: ResourceRecord) -> None:
        res, data = record.resource, record.data
        key = (res.type, res.id)
        if record.kind in (GROUP, TEMPLATE):
            self._tag(key, res, ignore_rules(data.get("Tags")))
        elif record.kind == VERSION:
            parent = data.get("LaunchTemplateId")
            if isinstance(parent, str):
                self._parent[key] = (TEMPLATE, parent)
            lt = data.get("LaunchTemplateData")
            specs = lt.get("TagSpecifications") if isinstance(lt, Mapping) else None
            for spec in specs if isinstance(specs, list) else []:
                if isinstance(spec, Mapping) and spec.get("ResourceType") == "launch-template":
                    value = ignore_rules(spec.get("Tags"))
                    if value is not None:
                        self._tag(key, res, value)
        elif record.kind in GROUP_PARTS:
            group = data.get("AutoScalingGroupName")
            if isinstance(group, str):
                self._parent[key] = (GROUP, group)

    def _tag(self, key: Key, res: Resource, value: str | None) -> None:
        if value:
            tagged = _Tagged(res.account, res.region, _parse_ignore(value), value)
        else:  # most groups and templates: one record for each account and region, shared
            where = (res.account, res.region)
            tagged = self._untagged.get(where) or self._untagged.setdefault(
                where, _Tagged(res.account, res.region, _NO_RULES, "")
            )
        # Most keys have one record, kept as it is (a tuple or list of one costs 48 or more bytes a resource).
        of_type = self._tagged.setdefault(key[0], {})
        before = of_type.get(key[1])
        of_type[key[1]] = tagged if before is None else (*self._records(key), tagged)
        self._arrived.append(key)

    # --- deciding ------------------------------------------------------------------------------------------

    def _owner(self, res: Resource) -> Key | None:
        """The resource whose tags govern `res` (its group or launch template), or None."""
        key = (res.type, res.id)
        if res.type in (GROUP, TEMPLATE):
            return key
        return self._parent.get(key)

    def _records(self, key: Key) -> tuple[_Tagged, ...]:
        """The records of a group or template read under `key` (one for each account and region)."""
        found = self._tagged.get(key[0], {}).get(key[1])
        return () if found is None else found if isinstance(found, tuple) else (found,)

    def _seen(self, key: Key, res: Resource) -> bool:
        return any(t.fits(res) for t in self._records(key))

    def _decide(self, f: Finding, final: bool) -> str | bool | None:
        """A reason to suppress, None to keep, or False to hold until the owner's tags are known."""
        reasons = [s for s in self.suppressions if config_matches(s, f)]
        if reasons:
            self._used.update(s.index for s in reasons)
            return f"{reasons[0].reason} ({reasons[0].source} entry {reasons[0].index})"
        if not self.tags:
            return None
        owner = self._owner(f.resource)
        holders = [(f.resource.type, f.resource.id)] + ([owner] if owner else [])
        for holder in dict.fromkeys(holders):
            for t in self._records(holder):
                if t.fits(f.resource) and t.covers(f.rule):
                    return f"{IGNORE_TAG}={t.value} on {holder[0]} {holder[1]}"
        if owner is not None and not final and not self._seen(owner, f.resource):
            return False
        return None

    def _settle(self, f: Finding, final: bool) -> Iterator[Finding]:
        decision = self._decide(f, final)
        if decision is False:
            owner = self._owner(f.resource)
            assert owner is not None
            if not self._numbering:
                self._numbering = True
                self._order.setdefault(f.fingerprint, next(self._counter))
            self._held[owner].append(f)
        elif decision is None:
            yield f
        else:
            assert isinstance(decision, str)
            self.suppressed.append(Suppressed(f, decision))

    def _release(self, final: bool = False) -> Iterator[Finding]:
        keys = list(self._held) if final else [k for k in dict.fromkeys(self._arrived) if k in self._held]
        self._arrived.clear()
        for key in keys:
            for f in self._held.pop(key):
                yield from self._settle(f, final)

    def filter(self, events: Iterable[Event]) -> Iterator[Event]:
        """The events without suppressed findings (which are collected in `suppressed`)."""
        for event in events:
            yield from self._release()
            if isinstance(event, Finding):
                if self._numbering:
                    self._order.setdefault(event.fingerprint, next(self._counter))
                yield from self._settle(event, final=False)
            else:
                yield event
        yield from self._release(final=True)

    # --- results -------------------------------------------------------------------------------------------

    def unused(self) -> list[Suppression]:
        """The config entries that matched no finding."""
        return [s for s in self.suppressions if s.index not in self._used]

    def order(self, f: Finding) -> int:
        """A finding's position in the scan (findings held back are put back in their place); -1 for those
        that arrived before any was held (they left in their order, before all others)."""
        return self._order.get(f.fingerprint, -1)

    def annotate(self, report: Report) -> None:
        """Add `suppressed` and `unused_suppressions` to the report, and restore the findings' scan order."""
        report.findings.sort(key=self.order)
        self.suppressed.sort(key=lambda s: self.order(s.finding))
        report.extra["suppressed"] = [s.to_dict() for s in self.suppressed]
        report.extra["unused_suppressions"] = [s.to_dict() for s in self.unused()]
