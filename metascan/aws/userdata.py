"""Decode EC2 user data the way EC2 and the boot agents do, within bounds.

base64 -> gzip (every member, when the bytes say so) -> text (UTF-8; UTF-16 or UTF-32 by byte order mark or
NUL bytes; a MIME part's charset) -> MIME multipart (every part, the preamble and epilogue, each part's
transfer encoding: base64, quoted-printable, uuencode) -> the boot agent's document (`bootformats`:
cloud-config `write_files`, cloud-config-archive, Ignition, EC2Launch v2, Bottlerocket) -> text layers
(`layers`: data URLs, percent-encoding, JSON escapes, PowerShell -EncodedCommand, base64 blobs).

Each decoded text is a `Segment` that records the steps that led to it.  A text that layers derived from
another names that one (`parent`) and maps its offsets back to it (`origin`), so that the scanner reports a
value found in both once.  Segments come in a fixed order: a text, then what its document holds, then what
its layers produce; the most specific decoding chain is the first to find a value.  Anything that cannot
be decoded, or that hits a bound, is reported as a skip reason, and the text decoded so far is still
returned for scanning: never a silent pass.
"""

from __future__ import annotations

import email.parser
import email.policy
import quopri
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message

import regex

from ..model import FieldKind
from .bootformats import FormatLimits, Part, parts
from .codecs import GZIP_MAGIC, b64decode, gunzip, is_binary, to_text
from .layers import Bounds, OffsetMap, derive


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on decoding.  The defaults are far above what EC2 accepts (16 KB of raw user data)."""

    max_decoded_bytes: int = 4 * 1024 * 1024  # total text produced from one user data value
    max_depth: int = 8  # nested decoding steps (base64 in gzip in MIME in ...)
    max_parts: int = 1024  # MIME parts and entries of documents (write_files, archive, Ignition files)
    formats: FormatLimits = field(default_factory=FormatLimits)
    layers: Bounds = field(default_factory=Bounds)


@dataclass(frozen=True, slots=True)
class Segment:
    """One decoded text.  `parent` >= 0: text layers derived it from that segment, and `origin` maps its
    offsets to the parent's."""

    text: str
    decoding: tuple[str, ...]
    kind: FieldKind = FieldKind.SCRIPT
    parent: int = -1
    origin: OffsetMap | None = None
    key: str | None = None  # the path of the file the text is written to, where its document names one


@dataclass(slots=True)
class Decoded:
    segments: list[Segment] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    key: str | None = None  # (while a written file's content is decoded: its path)


# The start of a MIME document: a header line first, and a MIME header among the headers.
_HEADER_LINE = regex.compile(r"\A\s*+[A-Za-z][\w-]{0,60}+:[^\n]*+\n")
_MIME_VERSION = regex.compile(r"(?im)^mime-version[ \t]*+:")
_GZIP_TYPES = frozenset(
    {
        "application/gzip",
        "application/gzip-compressed",
        "application/gzipped",
        "application/x-compress",
        "application/x-compressed",
        "application/x-gunzip",
        "application/x-gzip",
        "application/x-gzip-compressed",
    }
)
_UUENCODE = frozenset({"x-uuencode", "uuencode", "x-uue", "uue"})
_TIME_LIMIT = 1.0  # seconds for one pattern on one text


class _Budget:
    __slots__ = ("bytes_left", "limits", "parts_left")

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.bytes_left = limits.max_decoded_bytes
        self.parts_left = limits.max_parts


def _where(chain: tuple[str, ...]) -> str:
    return ">".join(chain) or "raw"


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _too_many_parts(budget: _Budget) -> str:
    return f"user data has more than {budget.limits.max_parts} parts; the rest were not decoded"


def decode_user_data(raw: str, limits: Limits | None = None) -> Decoded:
    """All texts in one user data value, with what could not be decoded."""
    out = Decoded()
    budget = _Budget(limits or Limits())
    data = b64decode(raw)
    if data is None:
        out.skipped.append("user data is not valid base64; scanned as plain text")
        _text(raw.encode("utf-8", "surrogatepass"), (), budget, out, 0)
        return out
    _bytes(data, ("base64",), budget, out, 1)
    return out


def _bytes(
    data: bytes,
    chain: tuple[str, ...],
    budget: _Budget,
    out: Decoded,
    depth: int,
    ctype: str | None = None,
    charset: str | None = None,
) -> None:
    if depth > budget.limits.max_depth:
        limit = budget.limits.max_depth
        out.skipped.append(f"user data nests deeper than {limit} decoding steps ({_where(chain)})")
        return
    if data[:2] == GZIP_MAGIC:
        inflated, problem = gunzip(data, max(budget.bytes_left, 0), budget.limits.max_decoded_bytes)
        if problem:
            out.skipped.append(f"{problem} ({_where((*chain, 'gzip'))})")
        if inflated:
            inner = None if ctype in _GZIP_TYPES else ctype
            _bytes(inflated, (*chain, "gzip"), budget, out, depth + 1, inner, charset)
        return
    if ctype in _GZIP_TYPES:
        out.skipped.append(f"MIME part declared {ctype} is not gzip ({_where(chain)}); scanned as it is")
        ctype = None
    _text(data, chain, budget, out, depth, ctype, charset)


def _text(
    data: bytes,
    chain: tuple[str, ...],
    budget: _Budget,
    out: Decoded,
    depth: int,
    ctype: str | None = None,
    charset: str | None = None,
) -> None:
    if len(data) > budget.bytes_left:
        out.skipped.append(
            f"user data exceeds the {budget.limits.max_decoded_bytes}-byte decoding bound;"
            " scanned the first part"
        )
        data = data[: max(budget.bytes_left, 0)]
    if not data:
        return
    budget.bytes_left -= len(data)
    decoded = to_text(data, charset)
    text = decoded.text
    if decoded.step:
        chain = (*chain, decoded.step)
    binary = is_binary(text)
    if binary:
        out.skipped.append(f"user data is binary, not text ({_where(chain)}); scanned printable text")
    elif decoded.problem:  # binary data is already reported, once
        out.skipped.append(f"user data {decoded.problem} ({_where(chain)}); undecodable bytes replaced")
    # Double encoding: base64 of base64 (or of gzip) is decoded again, within the depth bound.
    if chain[-1:] == ("base64",) and len(text) >= 16:
        again = b64decode(text)
        if again is not None and (again[:2] == GZIP_MAGIC or not is_binary(to_text(again).text)):
            _bytes(again, (*chain, "base64"), budget, out, depth + 1, ctype, charset)
            return
    if _is_mime(text) and _mime(text, chain, budget, out, depth):
        return
    _document(text, chain, budget, out, depth, ctype)


def _is_mime(text: str) -> bool:
    """A MIME document: it starts with `Content-Type:` or `MIME-Version:`, or with another header line and
    has `MIME-Version:` among its headers (cloud-init looks for `mime-version:` in the first 4 KiB)."""
    start = text[:32].lstrip().lower()
    if start.startswith(("content-type:", "mime-version:")):
        return True
    try:
        if not _HEADER_LINE.match(text, timeout=_TIME_LIMIT):
            return False
    except TimeoutError:
        return False  # scanned as text
    end = text.find("\n\n", 0, 4096)
    head = text[: end if end >= 0 else 4096]
    try:
        return _MIME_VERSION.search(head, timeout=_TIME_LIMIT) is not None
    except TimeoutError:
        return False


def _document(
    text: str, chain: tuple[str, ...], budget: _Budget, out: Decoded, depth: int, ctype: str | None
) -> None:
    """A text: the segment itself, what its document holds (decoded further), then its text layers."""
    index = len(out.segments)
    out.segments.append(Segment(text, chain, key=out.key))
    decoded = _holdings(text, chain, budget, out, depth, ctype)
    _layers(index, budget, out, decoded, depth)


def _holdings(
    text: str, chain: tuple[str, ...], budget: _Budget, out: Decoded, depth: int, ctype: str | None
) -> frozenset[str]:
    """What the document in `text` holds, decoded further; returns the encoded texts it decoded (the text
    layers need not decode them again)."""
    decoded: set[str] = set()
    for item in parts(text, ctype, budget.limits.formats):
        if isinstance(item, str):
            out.skipped.append(f"{item} ({_where(chain)})")
            continue
        if budget.parts_left <= 0:
            out.skipped.append(_too_many_parts(budget))
            break
        budget.parts_left -= 1
        if item.source:
            decoded.add("".join(item.source.split()))
        _holding(item, chain, budget, out, depth)
    return frozenset(decoded)


def _holding(item: Part, chain: tuple[str, ...], budget: _Budget, out: Decoded, depth: int) -> None:
    """What a document holds, decoded like a MIME part with the type and transfer encoding it declares."""
    where = (*chain, *item.steps)
    outer = out.key
    if item.path:  # (its path names what the file holds: `.pgpass`, `credentials`; rules read it as a key)
        out.key = item.path
    try:
        if isinstance(item.data, bytes):
            _bytes(item.data, where, budget, out, depth + 1, item.content_type)
            return
        data, steps = _transfer_decoded(item.data, item.transfer_encoding, where, out)
        _bytes(data, (*where, *steps), budget, out, depth + 1, item.content_type)
    finally:
        out.key = outer


def _layers(index: int, budget: _Budget, out: Decoded, skip: frozenset[str], depth: int) -> None:
    """The texts the text layers derive from segment `index`, after it and what it holds.  A document that a
    layer decoded (a base64 blob of a MIME document or a cloud-config) is read as that document too: MIME
    transfer encodings (quoted-printable, uuencode) and documents' structure are no text layer."""
    seg = out.segments[index]
    derived, problems = derive(seg.text, budget.limits.layers, skip)
    for problem in problems:
        out.skipped.append(f"{problem} ({_where(seg.decoding)})")
    base = len(out.segments)
    documents: list[tuple[str, tuple[str, ...]]] = []
    for d in derived:
        if len(d.text) > budget.bytes_left:
            out.skipped.append(
                f"user data exceeds the {budget.limits.max_decoded_bytes}-byte decoding bound;"
                f" text layers not all decoded ({_where(seg.decoding)})"
            )
            break
        budget.bytes_left -= len(d.text)
        parent = index if d.parent < 0 else base + d.parent
        chain = (*out.segments[parent].decoding, *d.steps)
        out.segments.append(Segment(d.text, chain, seg.kind, parent, d.origin, seg.key))
        for start, end, _, _ in d.origin.edits:
            documents.append((d.text[start:end], chain))
    for text, chain in documents:
        if not (_is_mime(text) and _mime(text, chain, budget, out, depth + 1)):
            _holdings(text, chain, budget, out, depth + 1, None)


# A Content-Type header with its continuation lines.  The standard library reads a header's parameters in
# quadratic time (`email.message._parseparam` re-counts quotes and copies the rest at each `;`): 1 KB of
# gzipped user data holding one 640 KB header took 22 s, a 4 MB one would take a quarter of an hour.  Real
# headers are short; a long one is cut to its media type before parsing.
_CONTENT_TYPE = regex.compile(r"(?im)^content-type[ \t]*+:[^\n]*+(?:\n[ \t][^\n]*+)*+")
_MAX_HEADER = 4096


def _short_headers(text: str, chain: tuple[str, ...], out: Decoded) -> str:
    """`text` with each Content-Type header longer than `_MAX_HEADER` cut to its media type (a skip)."""
    if len(text) <= _MAX_HEADER:
        return text
    pieces: list[str] = []
    last = 0
    try:
        for m in _CONTENT_TYPE.finditer(text, timeout=_TIME_LIMIT):
            header = m.group()
            if len(header) > _MAX_HEADER:
                semi = header.find(";")
                pieces += [text[last : m.start()], header[: semi if 0 <= semi < _MAX_HEADER else _MAX_HEADER]]
                last = m.end()
    except TimeoutError:
        pass  # what was found so far is cut; the parser has the rest
    if not pieces:
        return text
    out.skipped.append(
        f"MIME Content-Type header longer than {_MAX_HEADER} characters; its parameters were not read"
        f" ({_where(chain)})"
    )
    return "".join(pieces) + text[last:]


def _mime(text: str, chain: tuple[str, ...], budget: _Budget, out: Decoded, depth: int) -> bool:
    text = _short_headers(text, chain, out)
    try:
        msg = email.parser.Parser(policy=email.policy.compat32).parsestr(text)
    except Exception as e:  # the stdlib parser is lenient; anything else is a malformed document
        out.skipped.append(f"MIME document could not be parsed ({type(e).__name__}); scanned as text")
        return False
    if not msg.is_multipart():
        if not isinstance(msg.get_payload(), str):
            return False
        _part(msg, (*chain, "mime:1"), budget, out, depth)
        return True
    # cloud-init ignores the text around the parts, but it is in the user data all the same.
    if isinstance(msg.preamble, str) and msg.preamble.strip():
        _text(_utf8(msg.preamble), (*chain, "mime:preamble"), budget, out, depth + 1)
    for n, part in enumerate(_leaves(msg, 0, budget, out), 1):
        if budget.parts_left <= 0:
            out.skipped.append(_too_many_parts(budget))
            break
        budget.parts_left -= 1
        _part(part, (*chain, f"mime:{n}"), budget, out, depth)
    if isinstance(msg.epilogue, str) and msg.epilogue.strip():
        _text(_utf8(msg.epilogue), (*chain, "mime:epilogue"), budget, out, depth + 1)
    return True


def _leaves(msg: Message, level: int, budget: _Budget, out: Decoded) -> Iterator[Message]:
    payload = msg.get_payload()
    if not isinstance(payload, list):
        yield msg
        return
    if level >= budget.limits.max_depth:
        out.skipped.append(f"MIME parts nest deeper than {budget.limits.max_depth} levels")
        return
    for sub in payload:
        if isinstance(sub, Message):
            yield from _leaves(sub, level + 1, budget, out)


def _transfer_decoded(
    payload: str, cte: str | None, chain: tuple[str, ...], out: Decoded
) -> tuple[bytes, tuple[str, ...]]:
    """A payload's bytes with its Content-Transfer-Encoding undone, and the step that names it."""
    raw = payload.encode("utf-8", "surrogatepass")
    if cte == "base64":
        data = b64decode(payload)
        if data is not None:
            return data, ("base64",)
        out.skipped.append(f"MIME part is not valid base64 ({_where(chain)}); scanned as text")
    elif cte == "quoted-printable":
        return quopri.decodestring(raw), ("quoted-printable",)
    elif cte in _UUENCODE:
        wrapper = Message()
        wrapper["Content-Transfer-Encoding"] = "x-uuencode"
        wrapper.set_payload(payload)
        decoded = wrapper.get_payload(decode=True)
        if isinstance(decoded, bytes) and decoded != raw:
            return decoded, ("uuencode",)
        out.skipped.append(f"MIME part is not valid uuencode ({_where(chain)}); scanned as text")
    return raw, ()


def _part(part: Message, chain: tuple[str, ...], budget: _Budget, out: Decoded, depth: int) -> None:
    payload = part.get_payload()
    if not isinstance(payload, str):
        return
    cte = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    data, steps = _transfer_decoded(payload, cte, chain, out)
    ctype = part.get_content_type() if part.get("Content-Type") else None
    charset = part.get_content_charset()
    _bytes(data, (*chain, *steps), budget, out, depth + 1, ctype, charset)
