"""Baselines: an earlier JSON report whose findings are known and accepted.

`--baseline FILE` keeps only the findings whose fingerprint is not in FILE and adds a `baseline` section:
`{"source": FILE, "known": N, "resolved": [{"fingerprint", "rule", "resource"}]}`, where `known` counts the
findings of this run that the baseline already holds and `resolved` lists the baseline's findings this run
did not see.  Fingerprints are keyed, so a baseline is only comparable with a run that uses the same key:
a baseline whose `fingerprint_key_id` differs is refused, never read as "everything is new".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..fingerprint import FINGERPRINT_VERSION
from ..model import Finding, ScanError, Skipped
from .report import Report

Event = Finding | Skipped | ScanError

_FINGERPRINT = re.compile(r"[0-9a-f]{64}")
_RESOURCE_KEYS = ("type", "id", "arn", "region", "account")


@dataclass(frozen=True, slots=True)
class Known:
    fingerprint: str
    rule: str
    resource: dict[str, str | None]

    def to_dict(self) -> dict[str, Any]:
        return {"fingerprint": self.fingerprint, "rule": self.rule, "resource": dict(self.resource)}


@dataclass
class Baseline:
    """The findings of an earlier report, and what this run made of them."""

    source: str
    key_id: str
    known: dict[str, Known]
    matched: int = 0
    seen: set[str] = field(default_factory=set)

    def filter(self, events: Iterable[Event]) -> Iterator[Event]:
        """The events without the findings the baseline already holds."""
        for event in events:
            if isinstance(event, Finding):
                self.seen.add(event.fingerprint)
                if event.fingerprint in self.known:
                    self.matched += 1
                    continue
            yield event

    def section(self, also_seen: Iterable[str] = ()) -> dict[str, Any]:
        """The report's `baseline` section.  `also_seen`: fingerprints found but removed by another stage."""
        seen = self.seen | set(also_seen)
        resolved = [k.to_dict() for fp, k in self.known.items() if fp not in seen]
        return {"source": self.source, "known": self.matched, "resolved": resolved}

    def annotate(self, report: Report, also_seen: Iterable[str] = ()) -> None:
        report.extra["baseline"] = self.section(also_seen)


def load_baseline(path: str, key_id: str) -> Baseline:
    """Read a baseline report and check it was made with the fingerprint key `key_id` identifies."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as e:
        raise ConfigError(f"{path}: cannot read baseline: {e.strerror or e}") from e
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: baseline is not UTF-8 text") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:  # the message never quotes the file's content
        raise ConfigError(
            f"{path}: baseline is not valid JSON (line {e.lineno} column {e.colno}: {e.msg});"
            " a baseline is a report written with --format json"
        ) from None
    except RecursionError:
        raise ConfigError(f"{path}: baseline nests too deeply to be a metascan report") from None
    except ValueError:  # a number longer than int() reads
        raise ConfigError(
            f"{path}: baseline holds a number too long to read; not a metascan report"
        ) from None
    return parse_baseline(doc, path, key_id)


def parse_baseline(doc: Any, source: str, key_id: str) -> Baseline:
    if not isinstance(doc, dict) or not isinstance(doc.get("findings"), list) or "schema_version" not in doc:
        raise ConfigError(
            f"{source}: not a metascan JSON report (a baseline is a report written with --format json)"
        )
    version = doc.get("fingerprint_version", 1)
    if version != FINGERPRINT_VERSION:
        numeric = isinstance(version, int) and not isinstance(version, bool)
        made = f"version {version}" if numeric else "unknown"
        raise ConfigError(
            f"{source}: baseline holds fingerprints of another version ({made}; this metascan makes"
            f" version {FINGERPRINT_VERSION}, which encodes their parts unambiguously): its findings cannot"
            " be matched, make a new baseline from a report written without --baseline"
        )
    their_key = doc.get("fingerprint_key_id")
    if their_key != key_id:
        made = f"key id {their_key}" if isinstance(their_key, str) else "no key id"
        raise ConfigError(
            f"{source}: baseline was made with another fingerprint key ({made}; this run uses key id"
            f" {key_id}): run with the baseline's key (--fingerprint-key or METASCAN_FINGERPRINT_KEY)"
            " or make a new baseline"
        )
    known: dict[str, Known] = {}
    for i, f in enumerate(doc["findings"]):
        entry = _known(f)
        if entry is None:
            raise ConfigError(f"{source}: baseline finding {i} has no valid fingerprint, rule and resource")
        known.setdefault(entry.fingerprint, entry)
    return Baseline(source=source, key_id=key_id, known=known)


def _known(f: Any) -> Known | None:
    if not isinstance(f, Mapping):
        return None
    fp, rule, res = f.get("fingerprint"), f.get("rule"), f.get("resource")
    if not isinstance(fp, str) or not _FINGERPRINT.fullmatch(fp) or not isinstance(rule, str):
        return None
    if (
        not isinstance(res, Mapping)
        or not isinstance(res.get("type"), str)
        or not isinstance(res.get("id"), str)
    ):
        return None
    resource = {k: res.get(k) if isinstance(res.get(k), str) else None for k in _RESOURCE_KEYS}
    return Known(fp, rule, resource)
