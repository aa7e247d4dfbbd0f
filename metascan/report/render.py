"""Reporters: each output format is one pure function `render(report, options) -> str`.

`renderer` is the one mapping from a format to its renderer; the CLI's `--format` choices are the `Format`
values, and a test proves the two agree.  Renderers never write files, print or log: the CLI does that.
Whatever a renderer needs besides the report (the rule catalogue for SARIF, whether to colour) comes in
`RenderOptions`, as data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, assert_never

from .report import Report

if TYPE_CHECKING:
    from ..detect.rules import Rule
    from ..posture.checks import CheckInfo


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"
    JSONL = "jsonl"
    SARIF = "sarif"


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
    show_secrets: bool = False  # add raw matches (text, json, jsonl; never SARIF)
    color: bool = False  # ANSI colours in text output
    rules: tuple[RuleInfo, ...] = ()  # the detectors of the run, for formats that describe them


Renderer = Callable[[Report, RenderOptions], str]


def renderer(fmt: Format) -> Renderer:
    """The renderer of a format."""
    from .formats import jsonl, sarif, text
    from .formats.json import render as render_json

    match fmt:
        case Format.TEXT:
            return text.render
        case Format.JSON:
            return render_json
        case Format.JSONL:
            return jsonl.render
        case Format.SARIF:
            return sarif.render
        case _:
            assert_never(fmt)
