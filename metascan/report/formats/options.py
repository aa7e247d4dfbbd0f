"""What a renderer gets besides the report, as data: the rule catalogue (for SARIF) and whether to colour or
show raw matches."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...detect.rules import Rule
    from ...posture.checks import CheckInfo


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What a report says about a detector (its metadata, never its pattern)."""

    id: str
    title: str
    description: str
    category: str
    severity: str
    confidence: str
    remediation: str
    references: tuple[str, ...] = ()


def catalogue(rules: Iterable[Rule], checks: Iterable[CheckInfo] = ()) -> tuple[RuleInfo, ...]:
    """The catalogue a report shows (SARIF's `tool.driver.rules`): pattern rules and structural checks,
    sorted by id."""
    entries: list[Rule | CheckInfo] = [*rules, *checks]
    infos = (
        RuleInfo(
            id=r.id,
            title=r.title,
            description=r.description,
            category=str(r.category),
            severity=str(r.severity),
            confidence=str(r.confidence),
            remediation=r.remediation,
            references=tuple(r.references),
        )
        for r in entries
    )
    return tuple(sorted(infos, key=lambda i: i.id))


@dataclass(frozen=True, slots=True)
class RenderOptions:
    show_secrets: bool = False  # add raw matches (text, json, jsonl; never SARIF, ASFF or OCSF)
    color: bool = False  # ANSI colours in text output
    rules: tuple[RuleInfo, ...] = ()  # the detectors of the run, for formats that describe them
