"""What a detector may ask about the text around a candidate: its line, the key it is assigned to, the words
near it, and whether it sits inside AWS structure (an ARN's account field, a resource id, a UUID, an IP,
a date).  Everything is computed lazily, once per text, and only when a rule asks.
"""

from __future__ import annotations

import bisect
import operator
import time
from collections.abc import Iterator
from functools import cached_property
from typing import NamedTuple

import regex

from ..model import FieldKind


class Pair(NamedTuple):
    """A value assigned to a key: `KEY=value`, `key: value`, `"key": "value"`, `--key value`, a tag.

    A named tuple, not a dataclass: a script has hundreds of assignments and tuples are built 3x faster.
    """

    key: str
    start: int  # span of the value (without quotes)
    end: int
    value: str


# Assignments in scripts, YAML, JSON, INI, .env, PowerShell, URLs and connection strings: one pattern per
# syntax, each with a literal that must occur for it to match (None: no such literal).  `_assignments` runs
# them one by one with overlapped matching and keeps, at each start position, the first form that matches
# there: exactly the matches of their alternation (tests/detect/test_textctx_assignments.py), in half the
# time, as forms whose literal is absent are skipped and `regex` no longer tries every form at every position.
# (A key is a run of [\w.-] that an operator must follow, so a possessive `{0,100}+` matches what a lazy
# `{0,100}?` would, without the retries.)
_ASSIGN_FORMS: tuple[tuple[str | None, regex.Pattern[str]], ...] = tuple(
    (literal, regex.compile(source, regex.VERBOSE))
    for literal, source in (
        (
            '"',
            r"""
            "(?P<jk>[^"\\\n]{1,100})"\s*:\s*(?:"(?P<jv>(?:[^"\\\n]|\\.){0,4000})"|(?P<jn>-?\d[\d.]*))""",
        ),
        ("</", r"<(?P<xk>[A-Za-z_][\w.-]{0,60})>(?P<xv>[^<>\n]{1,1000})</(?P=xk)>"),
        (
            None,
            r"""
            (?<![\w$.@/-])(?:export\s+|set\s+|setx\s+|\$env:|\$|-D)?(?P<k>[A-Za-z_][\w.-]{0,100}+)
            \s*(?P<op>:=|=|:(?=[ \t])|\s(?=[ \t]*"))\s*
            (?:"(?P<dv>[^"\n]{0,4000})"|'(?P<sv>[^'\n]{0,4000})'|(?P<uv>[^\s'"`;&,{}\[\]<>]{1,4000}))""",
        ),
        (
            "--",
            r"""
            (?<![\w-])--(?P<fk>[A-Za-z][\w-]{1,60})(?:=|[ \t]+)
            (?:"(?P<fdv>[^"\n]{0,4000})"|'(?P<fsv>[^'\n]{0,4000})'|(?P<fuv>[^\s'"`;&|-][^\s'"`;&|]{0,4000}))""",
        ),
        (
            "SetEnvironmentVariable(",
            r"""
            SetEnvironmentVariable\(\s*["'](?P<ck>[^"'\n]{1,100})["']\s*,\s*["'](?P<cv>[^"'\n]{0,4000})["']""",
        ),
        (
            "environ[",
            r"""
            \benviron\[\s*["'](?P<ek>[^"'\n]{1,100})["']\s*\]\s*=\s*["'](?P<ev>[^"'\n]{0,4000})["']""",
        ),
        (
            "setx",
            r"""
            \bsetx\s+(?P<sk>[A-Za-z_]\w{0,100})\s+(?:"(?P<sdv>[^"\n]{0,4000})"|(?P<suv>[^\s"/]{1,4000}))""",
        ),
    )
)

# The group holding the key of each value group (a form's value group is the last group it closes).
_KEY_OF = {
    "jv": "jk",
    "jn": "jk",
    "xv": "xk",
    "dv": "k",
    "sv": "k",
    "uv": "k",
    "fdv": "fk",
    "fsv": "fk",
    "fuv": "fk",
    "cv": "ck",
    "ev": "ek",
    "sdv": "sk",
    "suv": "sk",
}

# AWS structure whose digits and hex must never look like an account number or a secret.
_STRUCTURE_FORMS = r"""
      arn:aws[\w-]*:[\w-]*:[\w-]*:(?:\d{12}|aws)?:       # ARN prefix up to and with its account field
    | \b\d{12}\.dkr\.ecr\.                               # ECR registry host
    | \b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b   # UUID
    | \b(?:ami|aki|ari|sg|subnet|vpc|i|lt|eni|vol|snap|fs|fsap|eipalloc|eipassoc|igw|rtb|nat|acl|pcx|tgw
        |tgw-attach|vpce|dopt|cvpn-endpoint|pl|prefix|r|key|cr|hsm|elb|tg|app|net|lc|asg|sir|spot|fleet
        |ec2|img|dhcp)-[0-9a-f]{8,17}\b                  # AWS resource ids
    | \b(?:\d{1,3}\.){3}\d{1,3}(?:/\d{1,2})?\b           # IPv4 and CIDR
    | \b(?:19|20)\d\d-[01]\d-[0-3]\d                      # ISO dates and timestamps
      (?:[T\ ][0-2]\d:[0-5]\d(?::[0-5]\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?)?
    | \b(?!\d{3}\.\d{3}\.\d{4}\b)v?\d+\.\d+\.\d+(?:[.-][\w.]+)?\b   # dotted versions (not 415.555.2671)
    | \b(?:sha\d*|md5)[:=][0-9a-fA-F]{32,}\b            # digests
    | \b[0-9a-f]{32,128}\b                               # lowercase hex hashes and git SHAs
    | \b(?=\w{16,132}\b)                                 # hex ids: a whole word of 16 to 132 characters
      [A-Za-z]{0,4}(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{16,128}\b   # (the lookahead: speed)
    | ^--\S+$ | boundary="?[^"\n]+"?                     # MIME boundaries
"""
_STRUCTURE_FLAGS = regex.VERBOSE | regex.MULTILINE
# Each form starts at the start of a word or with one of these literals.  Saying so up front lets `regex`
# pass over every other position at once; the spans are those of the forms alone
# (tests/detect/test_textctx_structure.py), found in 20% less time.
_STRUCTURE_START = r"(?=(?<!\w)\w|arn:aws|^--|boundary=)"
_STRUCTURE = regex.compile(f"{_STRUCTURE_START}(?:{_STRUCTURE_FORMS})", _STRUCTURE_FLAGS)

_SQL_INSERT = regex.compile(
    r"(?i)\binsert\s+into\s+[\w.\"`\[\]]+\s*\((?P<cols>[^()\n]{1,1000})\)\s*values\s*\((?P<vals>[^\n]{1,4000}?)\)"
)
_SQL_VALUE = regex.compile(r"\s*(?:'(?P<q>(?:[^'\n]|'')*)'|(?P<u>[^,'\n]*?))\s*(?:,|$)")


def _sql_pairs(text: str, limit: float) -> Iterator[Pair]:
    """Column/value pairs of `INSERT INTO t (a, b) VALUES (1, 'x')`: the column names are the values' keys."""
    for m in _SQL_INSERT.finditer(text, timeout=limit):
        cols = [c.strip().strip('"`[]') for c in m.group("cols").split(",")]
        pos = m.start("vals")
        end = m.end("vals")
        for col in cols:
            v = _SQL_VALUE.match(text, pos, end)
            if v is None or pos >= end:
                break
            g = "q" if v.group("q") is not None else "u"
            if v.group(g):
                yield Pair(col, v.start(g), v.end(g), v.group(g))
            pos = v.end()


_by_start_and_rank = operator.itemgetter(0, 1)


def _assignments(text: str, limit: float) -> Iterator[Pair]:
    """The assignments of every form, in the order of their matches' starts (see `_ASSIGN_FORMS`).

    Raises TimeoutError when matching takes longer than `limit` seconds.
    """
    deadline = time.monotonic() + limit
    found: list[tuple[int, int, regex.Match[str]]] = []
    for rank, (literal, form) in enumerate(_ASSIGN_FORMS):
        if literal is not None and literal not in text:
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("assignments")
        found.extend((m.start(), rank, m) for m in form.finditer(text, overlapped=True, timeout=remaining))
    found.sort(key=_by_start_and_rank)
    previous = -1
    for start, _, m in found:
        group = m.lastgroup  # the value: the last group a form closes
        if start == previous or group is None:
            continue  # an earlier form already matched at this position
        previous = start
        value_start, value_end = m.span(group)
        yield Pair(m.group(_KEY_OF[group]), value_start, value_end, text[value_start:value_end])


_DIGITS = regex.compile(r"[0-9]+")
_WORD = regex.compile(r"\p{Lu}+(?!\p{Ll})|\p{Lu}?\p{Ll}+|\d+")


def words(text: str) -> list[str]:
    """Lowercase word tokens, splitting camelCase, snake_case, kebab-case, dots and slashes."""
    return [w.lower() for w in _WORD.findall(text)]


class _Spans:
    """The spans of a pattern's matches in a slice of a text, found only as far as they are asked for.

    Matches are found left to right, each search going on where the last match ended, so the spans found up
    to a position are the same whether or not the rest of the slice is ever matched.
    """

    __slots__ = ("_endpos", "_limit", "_matches", "_pattern", "_pos", "_text", "spans")

    def __init__(
        self, pattern: regex.Pattern[str], text: str, limit: float, pos: int = 0, endpos: int | None = None
    ) -> None:
        self._pattern, self._text, self._limit = pattern, text, limit
        self._pos, self._endpos = pos, len(text) if endpos is None else endpos
        self._matches: Iterator[regex.Match[str]] | None = self._finditer()
        self.spans: list[tuple[int, int]] = []

    def _finditer(self) -> Iterator[regex.Match[str]]:
        return self._pattern.finditer(self._text, self._pos, self._endpos, timeout=self._limit)

    def until(self, end: int) -> list[tuple[int, int]]:
        """The spans, found at least until one starts at or after `end` (or the slice ends).

        Raises TimeoutError when one search takes longer than the limit; the next call starts over.
        """
        while self._matches is not None and (not self.spans or self.spans[-1][0] < end):
            try:
                m = next(self._matches, None)
            except TimeoutError:
                self._matches = self._finditer()
                self.spans = []
                raise
            if m is None:
                self._matches = None
            else:
                self.spans.append(m.span())
        return self.spans


class TextContext:
    """Lazy facts about one text being scanned."""

    __slots__ = ("__dict__", "key", "kind", "limit", "protocol", "text")

    def __init__(
        self,
        text: str,
        kind: FieldKind,
        key: str | None = None,
        protocol: str | None = None,
        limit: float = 1.0,
    ) -> None:
        self.text = text
        self.kind = kind
        self.key = key
        self.protocol = protocol
        self.limit = limit  # seconds for each analysis of the text (assignments, structure)

    @cached_property
    def lower(self) -> str:
        return self.text.lower()

    @cached_property
    def digit_run(self) -> int:
        """The length of the longest run of ASCII digits (a cheap gate for number rules)."""
        runs = _DIGITS.findall(self.text)
        return max(map(len, runs)) if runs else 0

    @cached_property
    def key_words(self) -> tuple[str, ...]:
        return tuple(words(self.key)) if self.key else ()

    @cached_property
    def tokens(self) -> frozenset[str]:
        """Every word token of the field's key and of the text: a superset of the context words any candidate
        can have (its key, the key it is assigned to, the words near it)."""
        return frozenset(words(self.text)).union(self.key_words)

    @cached_property
    def _line_starts(self) -> list[int]:
        starts = [0]
        find = self.text.find
        i = find("\n")
        while i >= 0:
            starts.append(i + 1)
            i = find("\n", i + 1)
        return starts

    def line_of(self, pos: int) -> int:
        return bisect.bisect_right(self._line_starts, pos)

    def line_span(self, pos: int) -> tuple[int, int]:
        n = self.line_of(pos)
        start = self._line_starts[n - 1]
        end = self.text.find("\n", start)
        return start, (len(self.text) if end < 0 else end)

    @cached_property
    def pairs(self) -> list[Pair]:
        """Key/value assignments found in the text, in order of position."""
        out: list[Pair] = []
        if self.key is not None and self.kind in (FieldKind.TAG_VALUE, FieldKind.TEXT, FieldKind.ENDPOINT):
            out.append(Pair(self.key, 0, len(self.text), self.text))
        out.extend(_assignments(self.text, self.limit))
        if "insert" in self.lower:
            out.extend(_sql_pairs(self.text, self.limit))
            out.sort(key=lambda p: p.start)
        return out

    @cached_property
    def _pair_starts(self) -> list[int]:
        return [p.start for p in self.pairs]

    def pair_at(self, start: int, end: int) -> Pair | None:
        """The innermost assignment whose value contains the span."""
        i = bisect.bisect_right(self._pair_starts, start) - 1
        best = None
        while i >= 0:
            p = self.pairs[i]
            if (
                p.start <= start
                and end <= p.end
                and (best is None or p.end - p.start < best.end - best.start)
            ):
                best = p
            if self.pairs[i].start < start - 4000:
                break
            i -= 1
        return best

    @cached_property
    def _structure(self) -> dict[int, _Spans]:
        return {}

    def in_structure(self, start: int, end: int) -> bool:
        """Whether the span overlaps AWS structure.

        No form of AWS structure crosses a line break, so each line is matched on its own (lookbehinds and
        `^` still see the text before it) and only as far as the span: a candidate near the end of a long
        script costs a search of its line, not of the whole text.
        """
        first = self.line_of(start)
        last = self.line_of(max(start, end - 1))
        for n in range(first, last + 1):
            spans = self._structure.get(n)
            if spans is None:
                line_start = self._line_starts[n - 1]
                line_end = self.text.find("\n", line_start)
                line_end = len(self.text) if line_end < 0 else line_end
                spans = self._structure[n] = _Spans(_STRUCTURE, self.text, self.limit, line_start, line_end)
            for s, e in spans.until(end):
                if s < end and start < e:
                    return True
                if s >= end:
                    break
        return False

    def window_words(self, start: int, end: int, before: int, after: int) -> Iterator[str]:
        """Word tokens within `before` characters before and `after` characters after a span, on its line."""
        ls, le = self.line_span(start)
        yield from words(self.text[max(ls, start - before) : start])
        if after:
            yield from words(self.text[end : min(le, end + after)])

    def key_words_at(self, start: int, end: int) -> set[str]:
        """The words of the key the span is assigned to (the innermost assignment, or the field's own key)."""
        pair = self.pair_at(start, end)
        return set(words(pair.key)) if pair is not None else set(self.key_words)

    def context_words(
        self, start: int, end: int, before: int, after: int, assigned: set[str] | None = None
    ) -> set[str]:
        """Words that give a candidate meaning: the field's key, the key it is assigned to, nearby words.

        `assigned` is `key_words_at(start, end)` when the caller already has it.
        """
        found = self.key_words_at(start, end) if assigned is None else set(assigned)
        found.update(self.key_words)
        found.update(self.window_words(start, end, before, after))
        return found
