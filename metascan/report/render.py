"""Rendering a report: each output format (`formats/`) is one pure function `render(report, options) -> str`.

`renderer` is the one mapping from a format to its renderer; the CLI's `--format` choices are the `Format`
values, and a test proves the two agree.  Renderers never write files, print or log: the CLI does that.
Whatever a renderer needs besides the report (the rule catalogue for SARIF, whether to colour) comes in
`RenderOptions` (`formats/options.py`), as data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import assert_never

from .formats import asff, jsonl, sarif, text
from .formats.json import chunks as json_chunks
from .formats.json import render as render_json
from .formats.options import RenderOptions
from .report import Report


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"
    JSONL = "jsonl"
    SARIF = "sarif"
    ASFF = "asff"
    OCSF = "ocsf"


Renderer = Callable[[Report, RenderOptions], str]


def renderer(fmt: Format) -> Renderer:
    """The renderer of a format."""
    match fmt:
        case Format.TEXT:
            return text.render
        case Format.JSON:
            return render_json
        case Format.JSONL:
            return jsonl.render
        case Format.SARIF:
            return sarif.render
        case Format.ASFF:
            return asff.render
        case Format.OCSF:
            # (imported here: the OCSF models, built on pydantic, take a fifth of a second to import, and
            # every other format goes without them)
            from .formats import ocsf

            return ocsf.render
        case _:
            assert_never(fmt)


def render_pieces(fmt: Format, report: Report, options: RenderOptions) -> Iterable[str]:
    """The rendered report in pieces that join into `renderer(fmt)(report, options)`, for writing a large
    report without holding it whole: JSON's come a few hundred findings at a time, other formats' in one
    piece."""
    if fmt is Format.JSON:
        return json_chunks(report, options)
    return (renderer(fmt)(report, options),)
