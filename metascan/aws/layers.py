"""Text layers: encodings that hide a value inside any text, undone wherever they occur.

A layer is a name, a cheap marker test and a pattern whose matches it decodes in place:

- `data-url`: RFC 2397 `data:[type][;base64],data` URLs (Ignition file contents), then gzip;
- `percent`: RFC 3986 `%XX` escapes (`KEY%3Dvalue%0A`);
- `hex-escape`: `\\xHH` escapes, as `printf` and `echo -e` read them (four or more in a row);
- `html-entity`: HTML character references (`&#64;`, `&#x2F;`, `&lt;`);
- `native-digits`: digits of other scripts (Arabic-Indic, Persian, Devanagari, Bengali, Thai, full-width),
  read as ASCII digits;
- `json-escape`: RFC 8259 string escapes in JSON held in a string (`\\n`, `\\"`, `\\u0040`);
- `encodedcommand`: PowerShell's `-EncodedCommand` (and `-enc`, `-e`, ...): base64 of UTF-16LE;
- `base64`: RFC 4648 base64 blobs that decode to text, or to gzip of text (`echo ... | base64 -d`,
  Kubernetes Secret data).

`derive` applies every layer whose marker is present, then the layers again on what they produced, within
`Bounds`.  Each derived text is the whole text with the decoded spans put in place (so `password:` still sits
before the decoded password), with its steps and an `OffsetMap` from its offsets to its parent's: the scanner
uses it to report a value found both raw and decoded once, and to prefer the decoded reading where the raw
one was cut by an escape.  Every pattern is linear (possessive runs, no nested quantifiers) and runs with a
time limit.
"""

from __future__ import annotations

import bisect
import html
import json
import re
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import regex

from .codecs import GZIP_MAGIC, b64decode, gunzip, looks_like_text, parse_data_url, to_text

# A replaced span: (start, end) in the derived text, (start, end) in the parent text.
Edit = tuple[int, int, int, int]


def _derived_start(edit: Edit) -> int:
    return edit[0]


@dataclass(frozen=True, slots=True)
class OffsetMap:
    """Maps offsets in a derived text to offsets in the text it was derived from."""

    edits: tuple[Edit, ...] = ()

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The parent span of a derived span: a position inside a replaced span maps to that span's ends."""
        return int(self._map(start, False)), int(self._map(end, True))

    def touches(self, start: int, end: int) -> bool:
        """Whether the derived span overlaps or borders a replaced (decoded) span: whether decoding made it
        (a value between two escaped quotes is read thanks to the decoding, too)."""
        i = bisect.bisect_right(self.edits, (end, 1 << 62)) - 1
        return i >= 0 and self.edits[i][1] >= start

    def span_inside(self, start: float, end: float) -> tuple[float, float]:
        """As `span`, but a span inside a replaced span maps to its share of the parent's span, in order:
        two values decoded side by side from one blob (a password and a key in one base64 env file) stay
        apart in the parent's offsets, where `span` makes both the whole blob.  Takes and gives offsets that
        may fall between characters (a share of a replaced span), so that it can be applied again."""
        return self._map(start, False, share=True), self._map(end, True, share=True)

    def _map(self, pos: float, end: bool, share: bool = False) -> float:
        # the replaced span that holds pos: ds <= pos < de for a start, ds < pos <= de for an end
        find = bisect.bisect_left if end else bisect.bisect_right
        i = find(self.edits, pos, key=_derived_start) - 1
        if i < 0:
            return pos
        ds, de, ps, pe = self.edits[i]
        if (pos <= de) if end else (pos < de):
            if share and de > ds:
                return ps + (pos - ds) * (pe - ps) / (de - ds)
            return pe if end else ps
        return pos - de + pe


@dataclass(frozen=True, slots=True)
class Derived:
    """A text one or more layers produced from another: `parent` is the index of that text in `derive`'s
    result, or -1 for the text `derive` was given."""

    text: str
    steps: tuple[str, ...]
    parent: int
    origin: OffsetMap


@dataclass(frozen=True, slots=True)
class Bounds:
    """Bounds on undoing text layers in one text."""

    max_texts: int = 8  # derived texts from one text
    max_depth: int = 3  # layers inside layers
    max_spans: int = 256  # decoded spans per layer and text
    max_chars: int = 1024 * 1024  # characters in all derived texts of one text
    time_limit: float = 1.0  # seconds for all layers on one text


Decoded = tuple[str, tuple[str, ...]]
Spans = Callable[[str, float], Iterator[tuple[int, int]]]  # (text, time limit) -> spans that may be encoded


@dataclass(frozen=True, slots=True)
class Layer:
    name: str
    marker: Callable[[str], bool]  # cheap: False means the layer has nothing to do in the text
    spans: Spans
    decode: Callable[[str, int], Decoded | None]  # (encoded span, character budget) -> (text, steps)


def _matches(pattern: str, group: int = 0) -> Spans:
    """Spans of a pattern's matches (or of one of its groups), found with a time limit."""
    compiled = regex.compile(pattern)

    def spans(text: str, timeout: float) -> Iterator[tuple[int, int]]:
        for m in compiled.finditer(text, timeout=timeout):
            yield m.span(group)

    return spans


def _text_of(data: bytes, steps: tuple[str, ...], budget: int, charset: str | None = None) -> Decoded | None:
    """Decoded bytes as text, through gzip when they are gzip; None unless the result is text."""
    if data[:2] == GZIP_MAGIC:
        data, problem = gunzip(data, budget)
        if problem is not None and not data:
            return None
        steps = (*steps, "gzip")
    text = to_text(data, charset)
    if text.problem is not None or not looks_like_text(text.text):
        return None
    return text.text, (*steps, text.step) if text.step else steps


# What percent-encoding encodes: RFC 3986 producers never encode unreserved characters, so `%79` in
# `Meadow%7912` is part of a password, not an escaped `y`; nor is a control character text.
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _percent(span: str, budget: int) -> Decoded | None:
    try:
        text = urllib.parse.unquote_to_bytes(span).decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any(c in _UNRESERVED or (c < " " and c not in "\t\n\r") or c == "\x7f" for c in text):
        return None
    return text, ("percent",)


def _json_escape(span: str, budget: int) -> Decoded | None:
    try:
        text: str = json.loads(f'"{span}"')
    except ValueError:
        return None
    # A lone surrogate (`\ud83d` without its pair) is not text: replace it.
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace"), ("json-escape",)


# (a script's `&&` and `2>&1;` hold no reference: the layer's pattern runs only where one may be)
_NAMED_ENTITY = re.compile(r"&[A-Za-z][A-Za-z0-9]{1,31};")


def _hex_escape(span: str, budget: int) -> Decoded | None:
    data = bytes(int(span[i + 2 : i + 4], 16) for i in range(0, len(span), 4))
    return _text_of(data, ("hex-escape",), budget)


def _html_entity(span: str, budget: int) -> Decoded | None:
    text = html.unescape(span).replace("\xa0", " ")  # (`&nbsp;` reads as a space)
    return (text, ("html-entity",)) if text != span and text.isprintable() else None


# Digits of other scripts, as Arabic, Persian, Hindi, Bengali and Thai text and full-width CJK text write
# numbers (`٠٥٥ ٤١٢ ٨٨٠٧` is 055 412 8807): read as ASCII digits, one for one.
_DIGIT_BLOCKS = (0x660, 0x6F0, 0x966, 0x9E6, 0xE50, 0xFF10)  # each block's zero; its nine follows
_NATIVE_DIGITS = "".join(
    f"{chr(zero)}-{chr(zero + 9)}" for zero in _DIGIT_BLOCKS
)  # (a character class's body)
_NATIVE_DIGIT = re.compile(f"[{_NATIVE_DIGITS}]")
_TO_ASCII = {zero + n: str(n) for zero in _DIGIT_BLOCKS for n in range(10)}


def _native_digits(span: str, budget: int) -> Decoded | None:
    return span.translate(_TO_ASCII), ("native-digits",)


def _data_url(span: str, budget: int) -> Decoded | None:
    url = parse_data_url(span)
    if url is None or not url.data:
        return None
    return _text_of(url.data, url.steps, budget, url.charset)


def _encoded_command(span: str, budget: int) -> Decoded | None:
    data = b64decode(span)
    if data is None or len(data) % 2:
        return None
    try:
        text = data.decode("utf-16-le")
    except UnicodeDecodeError:
        return None
    # A PowerShell command is mostly ASCII; random bytes read as UTF-16 are mostly not.
    if not looks_like_text(text) or sum(1 for c in text if c < "\x80") < 0.9 * len(text):
        return None
    return text, ("encodedcommand",)


_HEX = frozenset("0123456789abcdefABCDEF")


def _base64(span: str, budget: int) -> Decoded | None:
    if _HEX.issuperset(span):  # a digest or an id in hex, not base64
        return None
    data = b64decode(span)
    return None if data is None else _text_of(data, ("base64",), budget)


# JSON held in a string, or a double-quoted YAML string: a \uXXXX escape, an escaped quote, JSON object
# syntax, or an escape inside double quotes on one line.
_JSONISH = regex.compile(r'\\u[0-9A-Fa-f]{4}|\\"|\{\s*+"|"\s*+:|"[^"\n\\]{0,200}+\\[nrt]')


def _jsonish(text: str) -> bool:
    if "\\" not in text:
        return False
    try:
        return _JSONISH.search(text, timeout=_MARKER_TIME_LIMIT) is not None
    except TimeoutError:
        return True  # let the layer decide, under its own time limit


_MARKER_TIME_LIMIT = 0.5

# Base64 runs are found without a pattern: the text's ASCII bytes mapped to `a` (base64 alphabet) or a space,
# then `bytes.find`: linear, at C speed (a pattern with look-arounds was 5x slower).
_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64_MASK = bytes(ord("a") if c in _B64_ALPHABET else ord(" ") for c in range(256))
_MIN_B64 = 16
_RUN = b"a" * _MIN_B64
# Characters that may not touch a base64 blob: base64url (`-`, `_`), JWT segments (`.`).
_NOT_B64_EDGE = frozenset("_.-")


def _base64_spans(text: str, timeout: float) -> Iterator[tuple[int, int]]:
    """Runs of 16 or more base64 characters, with their padding, that no `_`, `.` or `-` touches.  A run that
    fills its line continues on the next lines of the same length (base64 wrapped at 64 or 76 characters,
    indented or not), so a value that a line break cuts is decoded whole."""
    mask = text.encode("ascii", "replace").translate(_B64_MASK)  # one byte per character
    i = mask.find(_RUN)
    while i >= 0:
        end = _run_end(mask, i + _MIN_B64)
        stop = _padded(text, end)
        resume = end
        if stop == end and (end - i) % 4 == 0:
            width = total = end - i
            while True:  # the next line: indentation, then a run of the same width, or the last one
                nxt = _next_line(text, stop)
                if nxt < 0 or mask[nxt : nxt + 1] != b"a":
                    break
                nend = _run_end(mask, nxt)
                nstop = _padded(text, nend)
                if nend - nxt > width or nstop < 0 or text[nstop : nstop + 1] not in ("", "\n", "\r"):
                    break
                if nend - nxt < width and (total + nstop - nxt) % 4:
                    break  # not the last line of the value (base64 comes in fours): a word after it (EOF)
                total += nstop - nxt
                stop = resume = nstop
                if nend - nxt < width or nstop != nend:
                    break
        before = text[i - 1] if i else " "
        after = text[stop : stop + 1] if stop >= 0 else ""
        if stop >= 0 and before not in _NOT_B64_EDGE and after not in _NOT_B64_EDGE:
            yield i, stop
        i = mask.find(_RUN, max(resume, stop))


def _run_end(mask: bytes, pos: int) -> int:
    end = mask.find(b" ", pos)
    return len(mask) if end < 0 else end


def _padded(text: str, end: int) -> int:
    """The end of a run's `=` padding (at most two), or -1 when more follow (then it is not base64)."""
    stop = end
    while stop - end < 2 and text[stop : stop + 1] == "=":
        stop += 1
    return -1 if text[stop : stop + 1] == "=" else stop


def _next_line(text: str, pos: int) -> int:
    """Where the text goes on after the line break at `pos` and the next line's indentation, or -1."""
    if text.startswith("\r\n", pos):
        pos += 2
    elif text.startswith("\n", pos):
        pos += 1
    else:
        return -1
    while text[pos : pos + 1] in (" ", "\t"):
        pos += 1
    return pos


def _powershell(text: str) -> bool:
    return ("-e" in text or "-E" in text) and any(w in text for w in ("owershell", "OWERSHELL", "wsh", "WSH"))


LAYERS: tuple[Layer, ...] = (
    Layer(
        "data-url",
        lambda t: "ata:" in t or "ATA:" in t,
        # The URL ends where a URL cannot go on: white space, quotes, angle brackets, a backslash.
        _matches(r"(?i)(?<![\w.+-])data:[\w.+/=;-]{0,200}+,[^\s\"'<>\\`]*+"),
        _data_url,
    ),
    Layer("percent", lambda t: "%" in t, _matches(r"(?:%[0-9A-Fa-f]{2})++"), _percent),
    # printf's and echo -e's `\xHH` escapes (`printf '\x68\x76...' > token`), four or more in a row
    Layer("hex-escape", lambda t: "\\x" in t, _matches(r"(?:\\x[0-9A-Fa-f]{2}){4,}+"), _hex_escape),
    # HTML's character references (`&#64;`, `&#x2F;`, `&lt;`), as a web form or a wiki writes a description
    Layer(
        "html-entity",
        lambda t: "&#" in t or (";" in t and _NAMED_ENTITY.search(t) is not None),
        _matches(r"(?:&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});)++"),
        _html_entity,
    ),
    # digits of other scripts (`٠٥٥ ٤١٢ ٨٨٠٧`), in runs of three or more
    Layer(
        "native-digits",
        lambda t: not t.isascii() and _NATIVE_DIGIT.search(t) is not None,
        _matches(f"[{_NATIVE_DIGITS}]{{3,}}+(?:[ .-][{_NATIVE_DIGITS}]++)*+"),
        _native_digits,
    ),
    Layer(
        "json-escape",
        _jsonish,
        _matches(r"(?:\\(?:u[0-9A-Fa-f]{4}|[\"\\/bfnrt]))++"),
        _json_escape,
    ),
    Layer(
        "encodedcommand",
        _powershell,
        # -EncodedCommand and its prefixes PowerShell accepts (-e, -ec, -en, -enc, ...).
        _matches(
            r"(?i)(?<![\w-])-(?:ec|e(?:n(?:c(?:o(?:d(?:e(?:d(?:c(?:o(?:m(?:m(?:a(?:nd?)?)?)?)?)?)?)?)?)?)?)?)?)"
            r"[ \t]++[\"']?+([A-Za-z0-9+/]{8,}+={0,2}+)",
            group=1,
        ),
        _encoded_command,
    ),
    Layer(
        "base64",
        lambda t: len(t) >= _MIN_B64 and _RUN in t.encode("ascii", "replace").translate(_B64_MASK),
        _base64_spans,
        _base64,
    ),
)


@dataclass(slots=True)
class _Run:
    bounds: Bounds
    deadline: float
    chars_left: int
    problems: list[str]


def _rewrite(
    layer: Layer, text: str, run: _Run, skip: frozenset[str]
) -> tuple[str, tuple[str, ...], OffsetMap] | None:
    """`text` with every span the layer decodes replaced by its decoding, or None when nothing changed.
    Spans in `skip` (what a document reader already decoded) are left as they are."""
    pieces: list[str] = []
    edits: list[Edit] = []
    steps: tuple[str, ...] | None = None
    last = 0
    length = 0  # of the derived text so far
    spans = 0
    timeout = max(run.deadline - time.monotonic(), 0.001)
    for start, end in layer.spans(text, timeout):
        spans += 1
        if spans > run.bounds.max_spans:
            run.problems.append(
                f"text layer {layer.name}: more than {run.bounds.max_spans} encoded spans; rest not decoded"
            )
            break
        encoded = text[start:end]
        if skip and "".join(encoded.split()) in skip:
            continue
        got = layer.decode(encoded, run.chars_left)
        if got is None or got[0] == encoded:
            continue
        decoded, found = got
        steps = found if steps is None or steps == found else (layer.name,)
        pieces.append(text[last:start])
        length += start - last
        edits.append((length, length + len(decoded), start, end))
        pieces.append(decoded)
        length += len(decoded)
        last = end
    if not edits or steps is None:
        return None
    pieces.append(text[last:])
    return "".join(pieces), steps, OffsetMap(tuple(edits))


def derive(
    text: str, bounds: Bounds | None = None, skip: frozenset[str] = frozenset()
) -> tuple[list[Derived], list[str]]:
    """Every text the layers produce from `text` (breadth first), and what stopped them, if anything.
    Encoded spans in `skip` are not decoded again (a document reader already did)."""
    active = [layer for layer in LAYERS if layer.marker(text)]
    if not active:
        return [], []  # the common case, kept cheap: most fields hold no layer at all
    b = bounds or Bounds()
    run = _Run(b, time.monotonic() + b.time_limit, b.max_chars, [])
    out: list[Derived] = []
    seen = {text}
    queue: list[tuple[int, str, int]] = [(-1, text, 0)]
    while queue:
        parent, current, depth = queue.pop(0)
        for layer in active if parent < 0 else [la for la in LAYERS if la.marker(current)]:
            try:
                got = _rewrite(layer, current, run, skip)
            except TimeoutError:
                run.problems.append(f"time limit ({b.time_limit:g}s) stopped text layer {layer.name}")
                return out, list(dict.fromkeys(run.problems))
            if got is None or got[0] in seen:
                continue
            derived, steps, origin = got
            if depth + 1 > b.max_depth:
                run.problems.append(f"text layers nest deeper than {b.max_depth}; the innermost not decoded")
                return out, list(dict.fromkeys(run.problems))
            if len(out) >= b.max_texts or len(derived) > run.chars_left:
                run.problems.append(
                    f"more than {b.max_texts} decoded texts or {b.max_chars} characters from one text;"
                    " the rest not decoded"
                )
                return out, list(dict.fromkeys(run.problems))
            run.chars_left -= len(derived)
            seen.add(derived)
            out.append(Derived(derived, steps, parent, origin))
            queue.append((len(out) - 1, derived, depth + 1))
    return out, list(dict.fromkeys(run.problems))
