"""What the Auto Scaling groups of a scan launch: which launch template versions and launch configurations.

A group launches a launch configuration (`LaunchConfigurationName`) or launch template versions named by its
`LaunchTemplate` and its `MixedInstancesPolicy` (overrides included), each by a version spec: `$Default` (or
none), `$Latest`, or a number.  `$Default` and `$Latest` resolve with the template's `DefaultVersionNumber`
and `LatestVersionNumber` when its description was read, else with the versions read (a version's
`DefaultVersion` flag; the highest version number).

`LaunchIndex` learns from resource records in any order; ask it only once the input has ended (a group read
after a version still launches it).  It keeps what each group launches and two numbers per template, never a
resource's data.  The scanner uses it to raise credentials in user data that groups launch (the severity rule
in README's "Severity"); the EBS checks (`metascan.posture.ebs`) to weigh volumes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..model import Resource, shared
from .documents import ResourceRecord

Where = tuple[str | None, str | None]  # (account, region); None: not known
RefKey = tuple[str, str]  # ("id", template id) | ("name", template name) | ("lc", configuration name)


def _s(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def fits(a: Where, b: Where) -> bool:
    """Same account and same region, where both sides know them."""
    return all(x is None or y is None or x == y for x, y in zip(a, b, strict=True))


def where(res: Resource) -> Where:
    """(account, region): one tuple for each pair (the index keeps one per group)."""
    key = (res.account, res.region)
    return _WHERES.setdefault(key, key) if len(_WHERES) < _MAX_WHERES else key


_WHERES: dict[Where, Where] = {}
_MAX_WHERES = 4096  # pairs shared (an organisation scan has one per account and region)


@dataclass(frozen=True, slots=True)
class Launchable:
    """A launch template version or a launch configuration, as groups may name it."""

    where: Where
    ref_keys: tuple[RefKey, ...]  # how groups may name its template (or its launch configuration)
    template_id: str | None = None
    number: int | None = None
    default: bool = False  # the version's DefaultVersion flag


def launchable(record: ResourceRecord) -> Launchable | None:
    """What a launch template version or launch configuration record is to groups; None for other records."""
    data, res = record.data, record.resource
    if record.kind == "LaunchConfiguration":
        name = _s(data.get("LaunchConfigurationName"))
        return Launchable(where(res), (("lc", name),)) if name else None
    if record.kind != "LaunchTemplateVersion":
        return None
    lt_id, number = _s(data.get("LaunchTemplateId")), _int(data.get("VersionNumber"))
    if lt_id is None or number is None:
        return None
    name = _s(data.get("LaunchTemplateName"))
    keys: tuple[RefKey, ...] = (("id", lt_id),) + ((("name", name),) if name else ())
    return Launchable(where(res), keys, lt_id, number, data.get("DefaultVersion") is True)


def template_specs(group: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The launch template specifications of a group: its own and its mixed-instances policy's."""
    own = group.get("LaunchTemplate")
    if isinstance(own, Mapping):
        yield own
    mip = group.get("MixedInstancesPolicy")
    lt = mip.get("LaunchTemplate") if isinstance(mip, Mapping) else None
    if not isinstance(lt, Mapping):
        return
    spec = lt.get("LaunchTemplateSpecification")
    if isinstance(spec, Mapping):
        yield spec
    overrides = lt.get("Overrides")
    for override in overrides if isinstance(overrides, list) else []:
        spec = override.get("LaunchTemplateSpecification") if isinstance(override, Mapping) else None
        if isinstance(spec, Mapping):
            yield spec


class LaunchIndex:
    """What the groups read so far launch (see the module docstring).  Not thread-safe."""

    def __init__(self) -> None:
        # What groups launch: for each way of naming a template (or configuration), the groups by where they
        # are and the version spec they name ("$Default", "$Latest", a number; None means $Default).  Group
        # names in lists under shared keys, not a record each: the index holds every group of the scan.
        self._launches: dict[RefKey, dict[tuple[Where, str | None], list[str]]] = {}
        self._latest: dict[str, int] = {}  # template id -> LatestVersionNumber (or the highest version read)
        self._latest_known: set[str] = set()  # templates whose LatestVersionNumber was read
        self._default: dict[str, int] = {}  # template id -> DefaultVersionNumber

    def observe(self, record: ResourceRecord) -> None:
        """Learn from one record (groups, launch templates and their versions; others are ignored)."""
        data, res = record.data, record.resource
        if record.kind == "AutoScalingGroup":
            for spec in template_specs(data):
                lt_id, name = _s(spec.get("LaunchTemplateId")), _s(spec.get("LaunchTemplateName"))
                key: RefKey | None = ("id", lt_id) if lt_id else ("name", name) if name else None
                if key is not None:
                    self._launch(key, where(res), shared(_s(spec.get("Version"))), res.id)
            configuration = _s(data.get("LaunchConfigurationName"))
            if configuration is not None:
                self._launch(("lc", configuration), where(res), None, res.id)
        elif record.kind == "LaunchTemplate":
            lt_id = _s(data.get("LaunchTemplateId"))
            latest, default = _int(data.get("LatestVersionNumber")), _int(data.get("DefaultVersionNumber"))
            if lt_id is not None and latest is not None:
                self._latest[lt_id] = latest
                self._latest_known.add(lt_id)
            if lt_id is not None and default is not None:
                self._default[lt_id] = default
        elif record.kind == "LaunchTemplateVersion":
            lt_id, number = _s(data.get("LaunchTemplateId")), _int(data.get("VersionNumber"))
            if lt_id is not None and number is not None and lt_id not in self._latest_known:
                self._latest[lt_id] = max(number, self._latest.get(lt_id, number))

    def _launch(self, key: RefKey, at: Where, version: str | None, group: str) -> None:
        names = self._launches.setdefault(key, {}).setdefault((at, version), [])
        if not names or names[-1] != group:  # (a group's own and its mixed-instances spec often agree)
            names.append(group)

    def launched_by(self, item: Launchable) -> list[str]:
        """The groups, sorted, that launch `item` (in its account and region, where known)."""
        groups: set[str] = set()
        for key in item.ref_keys:
            for (at, version), names in self._launches.get(key, {}).items():
                if fits(at, item.where) and (key[0] == "lc" or self._is_version(version, item)):
                    groups.update(names)
        return sorted(groups)

    def _is_version(self, spec: str | None, item: Launchable) -> bool:
        """Whether a group's version spec ($Default, $Latest or a number; unset: $Default) names `item`."""
        if item.template_id is None:
            return False
        if spec is None or spec == "$Default":
            known = self._default.get(item.template_id)
            return item.number == known if known is not None else item.default
        if spec == "$Latest":
            return item.number == self._latest.get(item.template_id)
        return spec.isdigit() and int(spec) == item.number


def launch_note(groups: list[str]) -> str:
    """`launched by group a` / `launched by groups a, b, c and 2 more`."""
    shown = ", ".join(groups[:3])
    more = f" and {len(groups) - 3} more" if len(groups) > 3 else ""
    return f"launched by group{'s' if len(groups) > 1 else ''} {shown}{more}"
