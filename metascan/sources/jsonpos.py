"""JSON with the line of every string value, and the line of a value found later in a saved export.

`loads_located` decodes a JSON text into values whose strings are `Located` (with the line each string starts
on).  It runs the standard library's pure-Python scanner with one hook, so it is several times slower than
`json.loads`: it is for templates and Terraform documents (CloudFormation templates are at most 1 MB), which
are decoded with it only once their kind is known.

Saved API exports are decoded with the fast C decoder and carry no lines.  `ExportLocator` finds the line of
a value only when a finding asks for it: it looks for the value as JSON writes it, after its resource's ARN
or name, within the document's span of the text, and gives up (no line) when the value is not there or a
search budget proportional to the document's size is spent.
"""

from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
from typing import Any

import regex

from ..model import Field, Located, Origin

_scanstring: Any = getattr(json.decoder, "scanstring")  # noqa: B009 (not in typeshed)
_py_make_scanner: Any = getattr(json.scanner, "py_make_scanner")  # noqa: B009


def _newlines(text: str, start: int = 0, end: int | None = None) -> list[int]:
    out = []
    find = text.find
    stop = len(text) if end is None else end
    i = find("\n", start, stop)
    while i != -1:
        out.append(i)
        i = find("\n", i + 1, stop)
    return out


class _Decoder(json.JSONDecoder):
    def __init__(self, text: str) -> None:
        super().__init__()
        breaks = _newlines(text)

        def parse_string(s: str, end: int, strict: bool) -> tuple[str, int]:
            value, stop = _scanstring(s, end, strict)
            return Located(value, Origin(bisect.bisect_left(breaks, end) + 1)), stop

        self.parse_string = parse_string
        self.scan_once = _py_make_scanner(self)  # the C scanner takes no hooks


def loads_located(text: str, start: int = 0) -> tuple[Any, int]:
    """The JSON value that starts at `start` (after blanks) with `Located` strings, and where it ends;
    lines count from the start of `text`.  Raises `json.JSONDecodeError` and `RecursionError`."""
    decoder = _Decoder(text)
    while start < len(text) and text[start] in " \t\r\n\ufeff":
        start += 1
    value, end = decoder.raw_decode(text, start)
    return value, end


_VERSION = '"VersionNumber"\\s*:\\s*{}(?!\\d)'


class LineIndex:
    """Offsets -> line numbers of one text (shared by the documents of a file).  Lines are counted from the
    latest offset asked for, as findings come in the order of the text: a file costs about one pass."""

    __slots__ = ("_line", "_offset", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._offset = 0
        self._line = 1

    def line(self, offset: int) -> int:
        if offset < self._offset:
            self._offset, self._line = 0, 1
        self._line += self.text.count("\n", self._offset, offset)
        self._offset = offset
        return self._line


class ExportLocator:
    """The line of a field's value in one document of a saved JSON export (`Scanner`'s `locate`).

    Findings arrive in the order of their resources in the document, so the search for a resource starts
    where the previous one was found (and only then from the document's start): a document costs about one
    pass, however many findings it has.  A budget of characters searched bounds the rest.
    """

    __slots__ = ("_budget", "_cache", "_cursor", "_end", "_index", "_start", "_text")

    def __init__(self, index: LineIndex, start: int = 0, end: int | None = None) -> None:
        self._index = index
        self._text = index.text
        self._start = start
        self._end = len(self._text) if end is None else end
        self._cursor = start  # where the latest resource was found
        self._budget = 16 * (self._end - self._start) + (1 << 20)  # characters searched, in all
        self._cache: dict[tuple[str, str, str], int | None] = {}

    def __call__(self, field: Field) -> int | None:
        key = (field.resource.type, field.resource.id, field.value)
        if key not in self._cache:
            self._cache[key] = self._locate(field)
        return self._cache[key]

    def _find(self, needle: str, start: int) -> int:
        if self._budget <= 0:
            return -1
        at = self._text.find(needle, start, self._end)
        self._budget -= (at if at != -1 else self._end) - start
        return at

    def _version_at(self, lt_id: str, number: str, start: int) -> int:
        """Where the item of version `number` of template `lt_id` starts (its `LaunchTemplateId`, which the
        AWS CLI writes shortly before `VersionNumber`), searched from `start`; -1 when not found."""
        quoted = json.dumps(lt_id)
        pattern = regex.compile(_VERSION.format(number))
        text, pos = self._text, start
        while self._budget > 0:
            version = pattern.search(text, pos, self._end)
            self._budget -= (version.end() if version else self._end) - pos
            if version is None:
                return -1
            at = text.rfind(quoted, max(self._start, version.start() - 2048), version.start())
            if at != -1 and text.find('"VersionNumber"', at, version.start()) == -1:
                return at
            pos = version.end()
        return -1

    def _anchor(self, field: Field) -> int:
        """Where the field's resource starts (its ARN or name as a JSON string), else the span's start."""
        res = field.resource
        starts = dict.fromkeys((self._cursor, self._start))
        if res.type == "LaunchTemplateVersion":  # "lt-0abc:3": the template's id, then its version number
            lt_id, _, number = res.id.rpartition(":")
            for start in starts if number.isdigit() else ():
                at = self._version_at(lt_id, number, start)
                if at != -1:
                    self._cursor = at
                    return at
            return self._start
        names = [res.arn] if res.arn else []
        for name in [*names, res.id, res.id.rsplit("/", 1)[-1]]:
            needle = json.dumps(name)
            for start in starts:
                at = self._find(needle, start)
                if at != -1:
                    self._cursor = at
                    return at
        return self._start

    def _locate(self, field: Field) -> int | None:
        quoted = json.dumps(field.value)
        needles = [quoted, json.dumps(field.value, ensure_ascii=False), quoted[1:-1]]
        start = self._anchor(field)
        for needle in dict.fromkeys(needles):
            at = self._find(needle, start)
            if at == -1 and start != self._start:
                at = self._find(needle, self._start)
            if at != -1:
                return self._index.line(at)
        return None
