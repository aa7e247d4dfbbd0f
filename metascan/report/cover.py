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

import ahocorasick

from ..fingerprint import redact
from ..model import FieldKind, Finding, Resource, ScanError, Skipped

_LONG = 8
_KEEP = frozenset({"fingerprint", "rule", "title", "remediation", "type", "category", "severity"})

T = TypeVar("T", bound=Finding | Skipped | ScanError)


class Cover:
    """The values covered so far and how to hide them in a string (one Aho-Corasick pass per string)."""

    def __init__(self, findings: Iterable[Finding] = (), values: Iterable[str] = ()) -> None:
        self._values: dict[str, str] = {}
        self._auto: Any = None
        self.add(findings, values)

    def add(self, findings: Iterable[Finding] = (), values: Iterable[str] = ()) -> None:
        new = [v for v in (*(f.match for f in findings if f.match), *values) if v and v not in self._values]
        if not new:
            return
        if self._auto is None:
            self._auto = ahocorasick.Automaton()
        for v in new:
            self._values[v] = redact(v)
            self._auto.add_word(v, v)
        self._auto.make_automaton()

    def __bool__(self) -> bool:
        return bool(self._values)

    def text(self, s: str | None) -> str | None:
        if not s or self._auto is None:
            return s
        spans: list[list[int]] = []
        for last, v in self._auto.iter(s):
            start, end = last - len(v) + 1, last + 1
            if len(v) < _LONG and (
                (start > 0 and s[start - 1].isalnum()) or (end < len(s) and s[end].isalnum())
            ):
                continue  # a short value inside a longer word: not the value
            spans.append([start, end])
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
            part = s[start:end]
            out += [s[pos:start], self._values.get(part) or redact(part)]
            pos = end
        out.append(s[pos:])
        return "".join(out)

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
        if self._auto is None:
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
