"""AWS structure: the start lookahead of `_STRUCTURE` (a speed-up) changes no span, the standard library's
engine finds the same spans in ASCII lines, and spans found lazily (only as far as a candidate needs) answer
`in_structure` as the full list would."""

from __future__ import annotations

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from metascan.detect.textctx import (
    _STD_LINE,
    _STRUCTURE,
    _STRUCTURE_FLAGS,
    _STRUCTURE_FORMS,
    _STRUCTURE_STD,
    TextContext,
)
from metascan.model import FieldKind

_FORMS_ALONE = regex.compile(_STRUCTURE_FORMS, _STRUCTURE_FLAGS)

_ATOMS = [
    "arn:aws:iam::123456789012:", "arn:aws-cn:s3:::", "warn:aws:x:y:", "123456789012.dkr.ecr.",
    "ami-0123abcd", "i-0123456789abcdef0", "tgw-attach-0123abcd45", "cvpn-endpoint-0abc12345",
    "0123456789abcdef" * 3,
    "ABCDEF0123456789" * 2, "deadbeef", "1.2.3.4", "10.0.0.0/16", "2024-01-02", "2024-01-02T03:04:05.123Z",
    "v1.2.3", "1.2.3-rc.1", "415.555.2671", "sha256:", "md5=", "f" * 64, "k" * 130, "x", "ab", "abcd", "é",
    "ǅ", "\u0301", "_", "-", "--", "--==B==", "boundary=", '"', "\n", " ", ".", ":", "/", "=", "0", "12",
    "01234567-89ab-cdef-0123-456789abcdef", "9" * 20,
]  # fmt: skip
_TEXTS = st.lists(st.sampled_from(_ATOMS), max_size=30).map("".join)


@settings(max_examples=3000, deadline=None)
@given(_TEXTS)
def test_the_start_lookahead_changes_no_span(text: str) -> None:
    assert [m.span() for m in _STRUCTURE.finditer(text)] == [m.span() for m in _FORMS_ALONE.finditer(text)]


@settings(max_examples=500, deadline=None)
@given(_TEXTS, st.lists(st.tuples(st.integers(0, 400), st.integers(1, 40)), max_size=8))
def test_lazy_spans_answer_like_the_full_list(text: str, queries: list[tuple[int, int]]) -> None:
    spans = [m.span() for m in _STRUCTURE.finditer(text)]
    ctx = TextContext(text, FieldKind.SCRIPT)
    for start, length in queries:
        end = start + length
        assert ctx.in_structure(start, end) == any(s < end and start < e for s, e in spans)


_ASCII_TEXTS = st.lists(st.sampled_from([a for a in _ATOMS if a.isascii()]), max_size=30).map("".join)


@settings(max_examples=3000, deadline=None)
@given(_ASCII_TEXTS)
def test_the_standard_librarys_engine_finds_the_same_spans_in_each_ascii_line(text: str) -> None:
    """Each line is searched on its own, as `in_structure` does: the text before it is seen by lookbehinds
    and `^`, and the line's end is the end of the search (endpos)."""
    start = 0
    for line in text.split("\n"):
        end = start + len(line)
        spans = [m.span() for m in _STRUCTURE.finditer(text, start, end)]
        assert [m.span() for m in _STRUCTURE_STD.finditer(text, start, end)] == spans
        start = end + 1


def test_lines_past_the_standard_librarys_bound_and_non_ascii_text_are_searched_with_a_time_limit() -> None:
    """The standard library's engine takes no time limit: it searches only ASCII lines of at most _STD_LINE
    characters.  A longer line, or any line of a non-ASCII text, is searched by `regex` within the limit."""
    short = "ami-0123abcd " * 10
    long_line = "x " * _STD_LINE + "ami-0123abcd"
    text = f"{short}\n{long_line}\n{short}é"
    ctx = TextContext(text, FieldKind.SCRIPT)
    assert ctx.in_structure(0, 3) and ctx.in_structure(len(text) - 4, len(text) - 2)
    assert ctx.in_structure(len(short) + 1 + len(long_line) - 5, len(short) + 1 + len(long_line) - 3)
    assert {n: spans._pattern for n, spans in ctx._structure.items()} == {
        1: _STRUCTURE,
        2: _STRUCTURE,
        3: _STRUCTURE,
    }
    ascii_text = text[:-1]
    ctx = TextContext(ascii_text, FieldKind.SCRIPT)
    assert ctx.in_structure(0, 3) and ctx.in_structure(len(ascii_text) - 4, len(ascii_text) - 2)
    assert ctx.in_structure(len(short) + 1 + len(long_line) - 5, len(short) + 1 + len(long_line) - 3)
    patterns = {n: spans._pattern for n, spans in ctx._structure.items()}
    assert patterns == {1: _STRUCTURE_STD, 2: _STRUCTURE, 3: _STRUCTURE_STD}
