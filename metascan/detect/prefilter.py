"""One Hyperscan pass that tells which of the rules without keywords may match a text.

A rule without keywords (an IBAN, a card number, a national id, a Discord bot token) runs on every text the
scan reads: names, tags, ARNs and user data.  Each is a `regex` search over the whole text that almost always
finds nothing, and `regex` reads about 25 MB/s per pattern.  Here their patterns are compiled together into
one Hyperscan database (a superset of each pattern, see `translate.py`: lookarounds dropped, backreferences
widened, atomic groups and possessive quantifiers made plain, every character class kept), scanned once per
text; only the rules it reports run.  A pattern's superset matching nowhere means the pattern matches nowhere,
so skipping its rule changes no finding, only the time.

The rules with keywords are not in one such database as well: their keywords choose far fewer candidates than
their supersets would.  Measured (2026-12-05, 2 cores): the 1,095 translatable patterns of the bundled rules
compile into one database in 31 s (15 s one at a time), and over the 73,671 texts of the 10,000-group bench
scan it reports 94 rules a text (6.9 million reports: supersets such as twelve digits or 32 hex digits match
widely), 4.3 s for that pass alone against 2.9 s for the whole engine.  A rule with keywords gets a database
of its own (a gate) once it has cost time (`Engine._charge`).

What cannot be carried over (a construct `translate` rejects, an expression Hyperscan will not compile, a
search-start anchor) leaves its rule out of the database: such a rule always runs.  Without the `hyperscan`
package (a platform without a wheel) there is no prefilter and every rule runs, as before.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache, partial
from typing import Any

import regex

from .hscache import compile_database, scratch
from .rules import Rule
from .syntax import Unsupported
from .textctx import reversed_framed
from .translate import translated

try:
    import hyperscan
except ImportError:  # pragma: no cover - the wheel exists for the platforms metascan supports
    hyperscan = None  # type: ignore[assignment]

_NOT_ASCII = regex.compile(r"[^\x00-\x7f]")


class ShapePrefilter:
    """Which of some rules may match a text: `covered` are the rules in the database (the indices given),
    `reported(text)` those of them that may match; a rule given but not covered always runs."""

    def __init__(self, rules: Sequence[tuple[int, Rule]], gate: bool = False, every: bool = False) -> None:
        key = tuple((i, r.pattern.pattern, r.pattern.flags) for i, r in rules if r.pattern is not None)
        built = _built_places if every else _built_gate if gate else _built
        self.covered: frozenset[int]
        self.covered, self._ascii, self._unicode_sources = (
            built(key) if hyperscan is not None else (frozenset(), None, ())
        )
        self._gate = gate
        self._every = every
        self._local = threading.local()

    @classmethod
    def gate(cls, rule: Rule, places: bool = False) -> ShapePrefilter | None:
        """A database of one rule's pattern (`Engine` gives one to a rule that has cost it time), for ASCII
        texts only (its rule runs on others): None when the pattern cannot be carried over.  `places`: it
        reports every match, for `places` (else each text once).  Made once per process for a pattern (at
        most 512 of each kind are kept)."""
        made = cls([(0, rule)], gate=True, every=places)
        return made if made.covered else None

    def places(self, text: str, framed: bytes | None = None) -> list[int] | None:
        """A gate's report (one made with `places`) of where in an ASCII text a match of its pattern may
        start: the sorted places (each up to `windows.LEAD` characters before a match; -1 is the edge before
        the text), [] when it matches nowhere; None for other texts (the gate does not read them).
        `framed`: `reversed_framed(text)`, when the caller has it (every gate of a text reads the same)."""
        if self._ascii is None or not self._every or not text.isascii():
            return None
        ends: set[int] = set()
        space = scratch(self._local, self._ascii, 0)
        data = reversed_framed(text) if framed is None else framed
        self._ascii.scan(data, match_event_handler=_ends, context=ends, scratch=space)
        # An end in the reversed text (after the newline in front) is a start in the text.
        start = len(text) + 1
        return sorted(start - e for e in ends)

    def reported(self, text: str, framed: bytes | None = None) -> set[int]:
        """The covered rules that may match `text` (and perhaps rules that are not covered).  `framed`: as
        for `places`."""
        found: set[int] = set()
        if self._ascii is None:
            return found
        if text.isascii():
            data = reversed_framed(text) if framed is None else framed
            database = self._ascii
            space = scratch(self._local, database, 0)
        else:
            # The database for other texts is made the first time one comes (an export may have none); a
            # rule it could not take runs on them.
            unicode_covered, database = (frozenset(), None) if self._gate else _unicode(self._unicode_sources)
            if database is None:
                return set(self.covered)
            found.update(self.covered - unicode_covered)
            data = b"\n" + _NOT_ASCII.sub("\x80", text).encode("latin-1")[::-1] + b"\n"
            space = scratch(self._local, database, 1)
        database.scan(data, match_event_handler=_collect, context=found, scratch=space)
        return found


def _collect(ident: int, start: int, end: int, flags: int, found: set[int]) -> None:
    found.add(ident)


def _ends(ident: int, start: int, end: int, flags: int, found: set[int]) -> None:
    found.add(end)


class KeywordPass:
    """Which of some words occur in a text (as substrings, as an Aho-Corasick automaton finds them): one
    Hyperscan pass over the text's UTF-8 (a substring of code points is one of bytes, and no word's bytes
    begin inside another character's), each word reported once.  `usable` is False without the package."""

    def __init__(self, words: Sequence[str]) -> None:
        self._database: Any = _keyword_database(tuple(words)) if hyperscan is not None and words else None
        self.usable = self._database is not None
        self._local = threading.local()

    def found(self, text: str) -> list[int]:
        """The indices of the words that occur in `text`, in no particular order."""
        out: list[int] = []
        data = text.encode("utf-8", "surrogatepass")
        space = scratch(self._local, self._database)
        self._database.scan(data, match_event_handler=_append, context=out, scratch=space)
        return out


def _append(ident: int, start: int, end: int, flags: int, found: list[int]) -> None:
    found.append(ident)


@lru_cache(maxsize=8)
def _keyword_database(words: tuple[str, ...]) -> Any:
    return compile_database(
        [w.encode("utf-8", "surrogatepass") for w in words],
        list(range(len(words))),
        [hyperscan.HS_FLAG_SINGLEMATCH] * len(words),
        literal=True,
    )


def _build(
    rules: tuple[tuple[int, str, int], ...], every: bool = False
) -> tuple[frozenset[int], Any, tuple[tuple[int, tuple[bytes, ...]], ...]]:
    """(covered rules, database for ASCII texts, the covered rules' expressions for other texts, which
    `_unicode` makes a database of) of (index, pattern source, flags).  `every`: the ASCII database reports
    every match (a gate's places), not each rule once."""
    kept: list[tuple[int, list[tuple[bytes, bytes]]]] = []
    left_out: set[int] = set()
    for index, source, flags in rules:
        expressions = _expressions(regex.compile(source, flags))
        if expressions is None:
            left_out.add(index)
        else:
            kept.append((index, expressions))
    # (a rule's expressions that no ASCII text can match have no ASCII variant: see translate._NoAscii)
    ascii_db = _database([(i, [a for a, _ in e if a]) for i, e in kept], left_out, _EVERY if every else _FLAG)
    if ascii_db is None:
        return frozenset(), None, ()
    covered = frozenset(i for i, _ in kept if i not in left_out)
    return covered, ascii_db, tuple((i, tuple(u for _, u in e)) for i, e in kept if i in covered)


@lru_cache(maxsize=8)
def _unicode(sources: tuple[tuple[int, tuple[bytes, ...]], ...]) -> tuple[frozenset[int], Any]:
    """(the rules it covers, the database for texts that are not ASCII) of the covered rules' expressions."""
    left_out: set[int] = set()
    database = _database([(i, list(e)) for i, e in sources], left_out, _FLAG)
    if database is None:
        return frozenset(), None
    return frozenset(i for i, _ in sources if i not in left_out), database


# Made once per process for one rule set (every engine of a test run or a long-lived caller shares them).
_built = lru_cache(maxsize=8)(_build)
_built_gate = lru_cache(maxsize=512)(_build)
_built_places = lru_cache(maxsize=512)(partial(_build, every=True))


def _expressions(pattern: regex.Pattern[str]) -> list[tuple[bytes, bytes]] | None:
    """(ASCII variant, other-text variant) of each of a pattern's expressions; None when not translatable."""
    try:
        t = translated(pattern)
    except Unsupported:
        return None
    if t.search_start or not t.expressions:
        return None
    return [(e.ascii, e.unicode) for e in t.expressions]


def _database(rules: list[tuple[int, list[bytes]]], left_out: set[int], flag: int) -> Any:
    """One block-mode database of the rules with Hyperscan flags `flag` (`_FLAG`: each rule's id reported
    once per scan).  When Hyperscan rejects the set, each rule is tried alone and one it rejects is added to
    `left_out` (it always runs)."""
    if hyperscan is None:
        return None
    usable = [(i, e) for i, e in rules if i not in left_out]
    try:
        return _compiled(usable, flag)
    except hyperscan.error:
        pass
    kept = []
    for index, expressions in usable:
        try:
            _compiled([(index, expressions)], flag)
        except hyperscan.error:
            left_out.add(index)
        else:
            kept.append((index, expressions))
    return _compiled(kept, flag)


_FLAG = 0 if hyperscan is None else hyperscan.HS_FLAG_SINGLEMATCH | hyperscan.HS_FLAG_ALLOWEMPTY
_EVERY = 0 if hyperscan is None else hyperscan.HS_FLAG_ALLOWEMPTY  # every match reported (a gate's places)


def _compiled(rules: list[tuple[int, list[bytes]]], flag: int) -> Any:
    if not rules:
        return None
    sources = [e for _, exprs in rules for e in exprs]
    ids = [i for i, exprs in rules for _ in exprs]
    return compile_database(sources, ids, [flag] * len(sources))
