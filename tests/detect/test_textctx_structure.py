"""AWS structure: the start lookahead of `_STRUCTURE` (a speed-up) changes no span, and spans found lazily
(only as far as a candidate needs) answer `in_structure` as the full list would."""

from __future__ import annotations

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from metascan.detect.textctx import _STRUCTURE, _STRUCTURE_FLAGS, _STRUCTURE_FORMS, TextContext
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
