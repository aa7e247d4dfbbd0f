"""Reporters: each output format is one pure function `render(report, options) -> str`.

`RENDERERS` is the one mapping from a format name to its renderer; the CLI's `--format` choices are its keys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from ..report import Report


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"


@dataclass(frozen=True, slots=True)
class RenderOptions:
    show_secrets: bool = False
    color: bool = False


Renderer = Callable[[Report, RenderOptions], str]


def renderer(fmt: Format) -> Renderer:
    from . import json as json_, text

    mapping: dict[Format, Renderer] = {Format.TEXT: text.render, Format.JSON: json_.render}
    return mapping[fmt]
