"""Where a `KEY = value` assignment may start in an ASCII text, found by one Hyperscan pass.

The general assignment form of `textctx` (`k=v` and its relatives) starts at a key, `\\w[\\w.-]{0,100}+` after
no `[\\w.@/-]`, followed by blanks and an operator (`=`, `!=` `?=` `+=` `.=`, a colon before a blank, colon,
`=` or quote) or by blanks and a quote.  The standard library's engine found those places by trying every
word of the text (0.43 s for the bench corpus's scripts); Hyperscan finds them in a third of that, on the
text reversed: the operator, the blanks, the key backwards, then what precedes the key (anything but
`[\\w.@/-]`, or the text's edge).  Hyperscan reports where a match ends, which in the reversed text is where
the key starts.  The places are a superset of the form's starts (the caller matches the form at each): an
operator's key longer than 101 characters gives a place inside it, which the form's own look-behind refuses.

`literals_present` tells, in one pass, which of the assignment forms' sets of literals occur in a text (each
form is searched only where one of its literals occurs).

Without the `hyperscan` package both are None and the caller looks for the places and literals itself.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

from .hscache import compile_database, scratch

try:
    import hyperscan
except ImportError:  # pragma: no cover - the wheel exists for the platforms metascan supports
    hyperscan = None  # type: ignore[assignment]

# The general form's key and operator, reversed (see the module's docstring).
_REVERSED = rb"""(?:(?:=|=[!?+.]|[ \t:="']:)\s*|"\s+)[\w.\-]{0,100}\w(?:[^\w.@/\-]|$)"""
_local = threading.local()


@lru_cache(maxsize=1)
def _database() -> Any:
    return compile_database([_REVERSED], [0], [0])


def starts(text: str) -> list[int] | None:
    """The places in an ASCII text where a key of the general form may start, in order; None without
    Hyperscan."""
    if hyperscan is None:
        return None
    database = _database()
    space = scratch(_local, database)
    ends: list[int] = []
    database.scan(text.encode("ascii")[::-1], match_event_handler=_append, context=ends, scratch=space)
    n = len(text)
    found = {n + 1 - e for e in ends}  # past the character before the key (reversed, the match's last)
    if n in ends:
        found.add(0)  # or the key starts the text (the match ended at the text's edge)
    found.discard(n + 1)
    return sorted(found)


def _append(ident: int, start: int, end: int, flags: int, ends: list[int]) -> None:
    ends.append(end)


_literal_local = threading.local()


@lru_cache(maxsize=4)
def _literal_database(sets: tuple[tuple[str, ...], ...]) -> Any:
    # each literal under the index of its set (Hyperscan ids need not be distinct), each reported once
    expressions = [(literal.encode("utf-8"), i) for i, literals in enumerate(sets) for literal in literals]
    return compile_database(
        [e for e, _ in expressions],
        [i for _, i in expressions],
        [hyperscan.HS_FLAG_SINGLEMATCH] * len(expressions),
        literal=True,
    )


def literals_present(text: str, sets: tuple[tuple[str, ...], ...]) -> set[int] | None:
    """The indices of the sets of literals of which at least one occurs in `text` (as a substring: a
    substring of code points is one of UTF-8 bytes), found in one pass; None without Hyperscan."""
    if hyperscan is None:
        return None
    database = _literal_database(sets)
    found: set[int] = set()
    data = text.encode("utf-8", "surrogatepass")
    database.scan(data, match_event_handler=_add, context=found, scratch=scratch(_literal_local, database))
    return found


def _add(ident: int, start: int, end: int, flags: int, found: set[int]) -> None:
    found.add(ident)
