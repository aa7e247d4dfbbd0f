"""Redact, everywhere in a report, each value a finding covers (issue 17, point 4).

A finding hides its raw value behind a redacted preview, but the same string can appear elsewhere in the
report: a tag key inside the field path of its value (`Tags[ann.lee@example.com].Value`), a topic name
inside another resource's id or ARN, an account id in a source name, a skip reason or an error message.
`Report.cover()` returns a copy of the report in which every occurrence of every covered value, in every
string a reader sees, is replaced by that value's redacted preview.  Renderers run on the covered report
unless the user asked for secrets (`--show-secrets`; SARIF never shows them), and streamed JSON Lines cover
each line with the values known when it is written (`Cover`) and with what the rules find in the names the
line prints (`Foresight`): a value that only a later line's finding will cover is hidden already.

Values of 8 characters or more are replaced wherever they occur; shorter ones only where they stand alone
(not inside a longer word), so that a 5-character name does not mangle every field path that contains it.
Fingerprints, rule ids, titles and remediation texts are metascan's own words and are left as they are.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any, TypeVar

from ..fingerprint import redact
from ..model import FieldKind, Finding, Resource, ScanError, Skipped

_LONG = 8
_KEEP = frozenset({"fingerprint", "rule", "title", "remediation", "type", "category", "severity"})

T = TypeVar("T", bound=Finding | Skipped | ScanError)


class Cover:
    """The values covered so far and how to hide them in a string.

    Held as sets, not an automaton: an Aho-Corasick automaton of every value cost 214 MB for the 220,000
    addresses of a report with a finding in every group (issue 12), and had to be rebuilt for each value
    added while JSON Lines stream.  A string is searched at each place where a value can start: for values
    of `_LONG` characters or more, where the next `_LONG` characters are one such value's first ones (one
    set lookup a place); for shorter values, at the start of a token.  The same spans as every occurrence of
    every value, found by an automaton (tests/report/test_cover.py checks this against one)."""

    def __init__(self, findings: Iterable[Finding] = (), values: Iterable[str] = ()) -> None:
        self._long: set[str] = set()  # values of _LONG characters or more
        self._heads: set[str] = set()  # their first _LONG characters
        self._long_lengths: list[int] = []  # the lengths of long values, longest first
        self._short: set[str] = set()
        self._short_lengths: list[int] = []
        self.add(findings, values)

    def add(self, findings: Iterable[Finding] = (), values: Iterable[str] = ()) -> None:
        for v in (*(f.match for f in findings if f.match), *values):
            if not v:
                continue
            if len(v) >= _LONG:
                if v not in self._long:
                    self._long.add(v)
                    self._heads.add(v[:_LONG])
                    if len(v) not in self._long_lengths:
                        self._long_lengths = sorted({*self._long_lengths, len(v)}, reverse=True)
            elif v not in self._short:
                self._short.add(v)
                if len(v) not in self._short_lengths:
                    self._short_lengths = sorted({*self._short_lengths, len(v)}, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._long or self._short)

    def _spans(self, s: str) -> list[list[int]]:
        """Where covered values occur in `s`: every occurrence of a long value; a short one only where it
        stands alone (not inside a longer word)."""
        spans: list[list[int]] = []
        n = len(s)
        if self._long and n >= _LONG:
            heads, long, lengths = self._heads, self._long, self._long_lengths
            for i in range(n - _LONG + 1):
                if s[i : i + _LONG] in heads:
                    spans.extend([i, i + k] for k in lengths if i + k <= n and s[i : i + k] in long)
        if self._short:
            short, lengths = self._short, self._short_lengths
            for i in range(n):
                if i and s[i - 1].isalnum():
                    continue
                for k in lengths:
                    end = i + k
                    if end <= n and (end == n or not s[end].isalnum()) and s[i:end] in short:
                        spans.append([i, end])
        return spans

    def text(self, s: str | None) -> str | None:
        if not s or not (self._long or self._short):
            return s
        return hide(s, self._spans(s))

    def _str(self, s: str) -> str:
        out = self.text(s)
        assert out is not None
        return out

    def resource(self, r: Resource | None) -> Resource | None:
        """The resource with its covered strings redacted (the same object when it has none)."""
        if r is None:
            return None
        new = (self._str(r.id), self.text(r.arn), self.text(r.region), self.text(r.account))
        if all(a is b for a, b in zip(new, (r.id, r.arn, r.region, r.account), strict=True)):
            return r  # (`text` returns the string itself when it holds nothing covered)
        return dataclasses.replace(r, id=new[0], arn=new[1], region=new[2], account=new[3])

    def event(self, e: T) -> T:
        """A finding, skipped entry or error with its covered strings redacted (a finding that holds none
        is returned as it is: a report of many findings is not copied whole)."""
        if not self:
            return e
        if isinstance(e, Finding):
            loc = e.location
            res = self.resource(e.resource)
            assert res is not None
            source, field = self._str(loc.source), self._str(loc.field)
            decoding = tuple(self._str(d) for d in loc.decoding)
            evidence = self.text(e.evidence)
            if (
                res is e.resource
                and source is loc.source
                and field is loc.field
                and decoding == loc.decoding
                and evidence is e.evidence
            ):
                return e
            return dataclasses.replace(
                e,
                resource=res,
                location=dataclasses.replace(  # the rest (line, source_line) as it was
                    loc, source=source, field=field, decoding=decoding
                ),
                evidence=evidence,
            )
        if isinstance(e, Skipped):
            return dataclasses.replace(
                e,
                source=self._str(e.source),
                reason=self._str(e.reason),
                resource=self.resource(e.resource),
                field=self.text(e.field),
            )
        return dataclasses.replace(
            e,
            source=self._str(e.source),
            message=self._str(e.message),
            account=self.text(e.account),
            region=self.text(e.region),
            operation=self.text(e.operation),
        )

    def json(self, value: Any, key: str | None = None) -> Any:
        """A JSON-ready value (the report's workflow sections) with covered strings redacted."""
        if isinstance(value, str):
            return value if key in _KEEP else self.text(value)
        if isinstance(value, list):
            return [self.json(v, key) for v in value]
        if isinstance(value, dict):
            return {k: self.json(v, k) for k, v in value.items()}
        return value


def hide(s: str, spans: list[list[int]]) -> str:
    """`s` with each span ([start, end)) replaced by its redacted preview; overlapping spans are hidden
    together.  `s` itself when there are none."""
    if not spans:
        return s
    spans.sort()
    merged = [spans[0]]
    for start, end in spans[1:]:
        if start < merged[-1][1]:  # overlapping values: hide their union
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, pos = [], 0
    for start, end in merged:
        out += [s[pos:start], redact(s[start:end])]
        pos = end
    out.append(s[pos:])
    return "".join(out)


class Foresight:
    """What the rules find in the names an event prints (resource id, field path, skip reason, error
    message): streamed JSON Lines hide these before a later finding would cover them.  Each distinct string
    is scanned once (`Scanner.values_in`)."""

    _MAX = 100_000  # strings remembered

    def __init__(self, scanner: Any) -> None:
        self.scanner = scanner
        self._seen: dict[tuple[str, str], tuple[str, ...]] = {}

    def values(self, event: Finding | Skipped | ScanError) -> list[str]:
        out: list[str] = []
        own = None
        if isinstance(event, Finding | Skipped) and event.resource is not None:
            own = event.resource.account
            out += self._scan(event.resource.id, FieldKind.NAME, own)
        if isinstance(event, Finding):
            out += self._scan(event.location.field, FieldKind.TEXT, own)
        elif isinstance(event, Skipped):
            out += self._scan(event.field, FieldKind.TEXT, own)
            out += self._scan(event.reason, FieldKind.TEXT, own)
        else:
            out += self._scan(event.message, FieldKind.TEXT, event.account)
        return out

    def _scan(self, text: str | None, kind: FieldKind, own: str | None) -> tuple[str, ...]:
        if not text:
            return ()
        key = (text, own or "")
        found = self._seen.get(key)
        if found is None:
            if len(self._seen) >= self._MAX:
                self._seen.clear()
            found = self._seen[key] = self.scanner.values_in(text, kind, own)
        return found
