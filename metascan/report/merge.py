"""Merging the JSON reports of a sharded scan (`metascan aws --shard K/N`) into one report.

    merge_reports(["shard-0.json", "shard-1.json", ...]) -> Merged(report, warnings)

* Every input must have been made with the same fingerprint key (`fingerprint_key_id`): fingerprints made
  with different keys cannot be compared, so a mismatch is refused (`ConfigError`), as baselines are.
* Inputs made with different rule sets (`tool.rules_digest`) are merged with a warning (`strict`: refused).
* Findings are de-duplicated by fingerprint; skipped entries and errors are kept, with their account and
  region; `resources` and `fields` are added up (the other summary counts follow from the merged lists).
* Nothing is silently lost.  A shard *failed* when its report is missing, unreadable or not a metascan
  report, when a shard index of the count its siblings name has no report among the inputs, or when its report
  holds a fatal error (one that stopped it from learning which accounts to scan, `FATAL_OPERATIONS`).  Each
  failed shard becomes an error of the merged report (operation `metascan:merge`, naming the shard and the
  file) and is listed in its `merged.failed` section, so the merged report never reads as a clean pass.
* Workflow sections: `suppressed` lists are joined; `unused_suppressions` keeps the entries no shard used;
  a `baseline` section present in every input is joined (`known` added up, `resolved` = what no shard saw).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..model import Category, Confidence, Finding, Location, Resource, ScanError, Severity, Skipped
from .report import Report

MERGE_OPERATION = "metascan:merge"
# Errors after which a shard does not know its accounts: nothing of its share of the organisation was read.
FATAL_OPERATIONS = frozenset({"organizations:ListAccounts", "sts:GetCallerIdentity"})


@dataclass(frozen=True, slots=True)
class ShardReport:
    """One input: its file, its JSON report (None when it could not be read) and why it failed, if it did."""

    source: str
    doc: Mapping[str, Any] | None
    problem: str | None = None

    @property
    def shard(self) -> tuple[int, int] | None:
        section = self.doc.get("shard") if self.doc is not None else None
        if isinstance(section, Mapping):
            index, count = section.get("index"), section.get("count")
            if isinstance(index, int) and isinstance(count, int):
                return index, count
        return None

    @property
    def name(self) -> str:
        shard = self.shard
        return f"shard {shard[0]}/{shard[1]} ({self.source})" if shard else self.source


@dataclass
class Merged:
    report: Report
    warnings: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def read_shard_report(path: str) -> ShardReport:
    """Read one input; a file that is missing or is not a metascan JSON report is a failed shard."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return ShardReport(path, None, "its report is missing")
    except OSError as e:
        return ShardReport(path, None, f"its report cannot be read: {e.strerror or e}")
    except UnicodeDecodeError:
        return ShardReport(path, None, "its report is not UTF-8 text")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:  # a truncated report, typically: the message never quotes the file
        return ShardReport(path, None, f"its report is not valid JSON (line {e.lineno}: {e.msg})")
    if not isinstance(doc, dict) or "schema_version" not in doc or not isinstance(doc.get("findings"), list):
        return ShardReport(path, None, "it is not a metascan JSON report (--format json)")
    return ShardReport(path, doc)


def merge_reports(paths: Sequence[str], strict: bool = False) -> Merged:
    """Read the reports at `paths` and merge them (see the module docstring)."""
    if not paths:
        raise ConfigError("merge needs at least one report")
    return merge((read_shard_report(p) for p in paths), strict)


def merge(inputs: Iterable[ShardReport], strict: bool = False) -> Merged:
    """Merge inputs already read (`read_shard_report`)."""
    inputs = list(inputs)
    readable = [i for i in inputs if i.doc is not None]
    key_id = _same_key(readable)
    warnings = _digest_warnings(readable, strict)
    failed: list[tuple[ShardReport, str]] = [(i, i.problem) for i in inputs if i.problem is not None]
    used, duplicates = _by_shard(readable)
    warnings += [f"{d.name}: the same shard as an earlier input: left out" for d in duplicates]

    failed += _different_lists(used)

    report = Report(fingerprint_key_id=key_id, finished_at=None)
    seen: dict[str, Finding] = {}
    starts, ends = [], []
    for item in used:
        doc = item.doc
        assert doc is not None
        try:
            findings = [finding_from_dict(f) for f in doc["findings"]]
            skipped = [skipped_from_dict(s) for s in doc.get("skipped", [])]
            errors = [error_from_dict(e) for e in doc.get("errors", [])]
        except (KeyError, TypeError, ValueError, AttributeError):
            failed.append((item, "its report holds an entry that is not a valid finding, skip or error"))
            continue
        for finding in findings:
            seen.setdefault(finding.fingerprint, finding)
        report.skipped.extend(skipped)
        report.errors.extend(errors)
        fatal = [e for e in errors if e.operation in FATAL_OPERATIONS]
        if fatal:
            failed.append((item, f"fatal error: {fatal[0].message}"))
        summary = _section(doc, "summary")
        report.resources += _count(summary, "resources")
        report.fields += _count(summary, "fields")
        starts += _time(doc.get("started_at"))
        ends += _time(doc.get("finished_at"))
        _first_tool(report, doc)
    unused = "no usable report among the inputs"
    failed += [(ShardReport(f"shard {k}/{n}", None), unused) for k, n in _gaps(used)]
    report.findings = sorted(seen.values(), key=_finding_order)
    if starts:
        report.started_at = min(starts)
    report.finished_at = max(ends) if ends else None
    for item, why in failed:
        report.errors.append(
            ScanError(item.source, f"{item.name}: shard failed: {why}", None, None, MERGE_OPERATION)
        )
    _join_sections(report, [i.doc for i in used if i.doc is not None])
    report.extra["merged"] = {
        "inputs": [i.source for i in inputs],
        "shards": sorted({n for _, n in (i.shard for i in used if i.shard is not None)}) or None,
        "failed": [f"{item.name}: {why}" for item, why in failed],
    }
    return Merged(report, warnings, [f"{item.name}: {why}" for item, why in failed])


# --- checks -----------------------------------------------------------------------------------------------


def _same_key(inputs: Sequence[ShardReport]) -> str | None:
    keys: dict[Any, list[str]] = {}
    for i in inputs:
        assert i.doc is not None
        keys.setdefault(i.doc.get("fingerprint_key_id"), []).append(i.source)
    if len(keys) > 1:
        made = "; ".join(
            f"{'key id ' + k if isinstance(k, str) else 'no key id'}: {', '.join(srcs)}"
            for k, srcs in keys.items()
        )
        raise ConfigError(
            f"reports made with different fingerprint keys cannot be merged ({made}): scan every shard with"
            " the same key (--fingerprint-key or METASCAN_FINGERPRINT_KEY)"
        )
    key = next(iter(keys), None)
    return key if isinstance(key, str) else None


def _digest_warnings(inputs: Sequence[ShardReport], strict: bool) -> list[str]:
    digests: dict[Any, list[str]] = {}
    for i in inputs:
        assert i.doc is not None
        tool = _section(i.doc, "tool")
        digests.setdefault(tool.get("rules_digest"), []).append(i.source)
    if len(digests) <= 1:
        return []
    made = "; ".join(
        f"{'rules ' + d if isinstance(d, str) else 'no rules digest'}: {', '.join(srcs)}"
        for d, srcs in digests.items()
    )
    message = f"reports made with different rule sets ({made}): their findings are not comparable"
    if strict:
        raise ConfigError(message)
    return [message]


def _different_lists(inputs: Sequence[ShardReport]) -> list[tuple[ShardReport, str]]:
    """Shards that split another account list than most (the organisation changed between their starts):
    each shard's share is cut from its own list, so shares of different lists can overlap or leave gaps."""
    lists: list[tuple[ShardReport, tuple[str, int]]] = []
    for i in inputs:
        section = i.doc.get("shard") if i.doc is not None else None
        if isinstance(section, dict) and isinstance(section.get("accounts_digest"), str):
            lists.append((i, (section["accounts_digest"], _count(section, "accounts"))))
    counts = Counter(listed for _, listed in lists)
    if len(counts) <= 1:
        return []
    (common, n), _ = counts.most_common(1)[0]
    return [
        (
            i,
            f"it split another account list ({m} accounts, digest {digest}) than the other shards ({n}"
            f" accounts, digest {common}): an account may have been scanned twice or not at all; re-run"
            " every shard on one list (--accounts-from)",
        )
        for i, (digest, m) in lists
        if digest != common
    ]


def _by_shard(inputs: Sequence[ShardReport]) -> tuple[list[ShardReport], list[ShardReport]]:
    """The inputs to merge, and those naming a shard an earlier input already covers."""
    used: list[ShardReport] = []
    duplicates: list[ShardReport] = []
    taken: set[tuple[int, int]] = set()
    counts = {i.shard[1] for i in inputs if i.shard is not None}
    if len(counts) > 1:
        raise ConfigError(
            f"reports of different shard counts ({', '.join(map(str, sorted(counts)))}) split the accounts"
            " differently and cannot be merged: merge the reports of one sharded run"
        )
    for i in inputs:
        if i.shard is not None and i.shard in taken:
            duplicates.append(i)
            continue
        if i.shard is not None:
            taken.add(i.shard)
        used.append(i)
    return used, duplicates


def _gaps(inputs: Sequence[ShardReport]) -> list[tuple[int, int]]:
    shards = {i.shard for i in inputs if i.shard is not None}
    if not shards:
        return []
    count = next(iter(shards))[1]
    return [(k, count) for k in range(count) if (k, count) not in shards]


# --- sections ---------------------------------------------------------------------------------------------


def _join_sections(report: Report, docs: Sequence[Mapping[str, Any]]) -> None:
    suppressed = [s for d in docs for s in d.get("suppressed", []) or []]
    if any("suppressed" in d for d in docs):
        unique = {json.dumps(s, sort_keys=True): s for s in suppressed}
        report.extra["suppressed"] = list(unique.values())
    if docs and all("unused_suppressions" in d for d in docs):
        keys = [{json.dumps(u, sort_keys=True) for u in d["unused_suppressions"]} for d in docs]
        common = set.intersection(*keys)
        report.extra["unused_suppressions"] = [
            u for u in docs[0]["unused_suppressions"] if json.dumps(u, sort_keys=True) in common
        ]
    baselines = [d.get("baseline") for d in docs]
    if docs and all(isinstance(b, Mapping) for b in baselines):
        sections = [b for b in baselines if isinstance(b, Mapping)]
        still = set.intersection(*({r.get("fingerprint") for r in b.get("resolved", [])} for b in sections))
        report.extra["baseline"] = {
            "source": sections[0].get("source"),
            "known": sum(_count(b, "known") for b in sections),
            "resolved": [r for r in sections[0].get("resolved", []) if r.get("fingerprint") in still],
        }


def _first_tool(report: Report, doc: Mapping[str, Any]) -> None:
    tool = doc.get("tool")
    if isinstance(tool, Mapping) and report.rules_digest is None:
        if isinstance(tool.get("version"), str):
            report.tool_version = tool["version"]
        if isinstance(tool.get("rules_digest"), str):
            report.rules_digest = tool["rules_digest"]


def _section(doc: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = doc.get(key)
    return value if isinstance(value, Mapping) else {}


def _count(section: Mapping[str, Any], key: str) -> int:
    value = section.get(key)
    return value if isinstance(value, int) and value >= 0 else 0


def _time(value: Any) -> list[dt.datetime]:
    if not isinstance(value, str):
        return []
    try:
        return [dt.datetime.fromisoformat(value.replace("Z", "+00:00"))]
    except ValueError:
        return []


def _finding_order(f: Finding) -> tuple[str, ...]:
    r, loc = f.resource, f.location
    return (
        r.account or "",
        r.region or "",
        r.type,
        r.id,
        loc.source,
        loc.field,
        f"{loc.line or 0:09d}",
        f.rule,
        f.fingerprint,
    )


# --- reports back into values -----------------------------------------------------------------------------


def _resource(d: Mapping[str, Any]) -> Resource:
    return Resource(str(d["type"]), str(d["id"]), d.get("arn"), d.get("region"), d.get("account"))


def finding_from_dict(d: Mapping[str, Any]) -> Finding:
    """A finding of a JSON report back as a `Finding` (its `match` only when the report holds it)."""
    loc = d["location"]
    return Finding(
        rule=str(d["rule"]),
        category=Category(d["category"]),
        severity=Severity(d["severity"]),
        confidence=Confidence(d["confidence"]),
        title=str(d["title"]),
        remediation=str(d["remediation"]),
        resource=_resource(d["resource"]),
        location=Location(
            str(loc["source"]),
            str(loc["field"]),
            loc.get("line"),
            tuple(loc.get("decoding") or ()),
            loc.get("source_line"),
        ),
        redacted=str(d["redacted"]),
        fingerprint=str(d["fingerprint"]),
        match=d.get("match"),
        evidence=d.get("evidence"),
        raised=d.get("raised"),
    )


def skipped_from_dict(d: Mapping[str, Any]) -> Skipped:
    res = d.get("resource")
    return Skipped(
        str(d["source"]),
        str(d["reason"]),
        _resource(res) if res else None,
        d.get("field"),
        timed_out=d.get("timed_out") is True,
    )


def error_from_dict(d: Mapping[str, Any]) -> ScanError:
    return ScanError(
        str(d["source"]), str(d["message"]), d.get("account"), d.get("region"), d.get("operation")
    )
