"""Byte and text decoders shared by user data and the text layers: base64, gzip, bytes to text, data URLs.

Each is linear in its input, bounded in its output and never raises on malformed input: it returns None or
a problem (a short phrase that quotes no input) instead.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import contextlib
import re
import urllib.parse
import zlib
from dataclasses import dataclass

_WHITESPACE = str.maketrans("", "", " \t\r\n\v\f")
_HAS_WHITESPACE = re.compile("[ \t\r\n\v\f]")
GZIP_MAGIC = b"\x1f\x8b"


def b64decode(text: str) -> bytes | None:
    """Standard base64 (whitespace anywhere is ignored, padding required), or None.

    No regular expression: stripping white space and `binascii`'s strict check are both linear, whatever the
    input (a pattern such as `[A-Za-z0-9+/\\s]+={0,2}\\s*` backtracks quadratically on `AAA` + spaces + `!`).
    """
    # (most texts tried hold no white space: a search for it costs a fraction of `translate`)
    compact = text.translate(_WHITESPACE) if _HAS_WHITESPACE.search(text) else text
    if not compact or len(compact) % 4:
        return None
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None


def gunzip(data: bytes, limit: int, bound: int | None = None) -> tuple[bytes, str | None]:
    """Every member of a gzip stream (as `gzip -d` and cloud-init read it), at most `limit` bytes of output;
    returns the bytes decompressed and a problem, if any (`bound` is the limit a problem names)."""
    out = bytearray()
    rest = data
    while rest[:2] == GZIP_MAGIC:
        d = zlib.decompressobj(zlib.MAX_WBITS | 16)
        room = max(limit - len(out), 0) + 1
        try:
            out += d.decompress(rest, room)
        except zlib.error as e:
            return bytes(out[:limit]), f"gzip data is corrupt ({e})"
        if len(out) > limit or d.unconsumed_tail:
            return bytes(out[:limit]), f"gzip expands past the {bound or limit}-byte bound"
        if not d.eof:
            with contextlib.suppress(zlib.error):
                out += d.flush()
            return bytes(out[:limit]), "gzip data is truncated"
        rest = d.unused_data
    if rest.strip(b"\x00"):
        return bytes(out), f"{len(rest)} bytes after the gzip data are not gzip; not decoded"
    return bytes(out), None


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32"),
    (codecs.BOM_UTF8, "utf-8", None),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
)


@dataclass(frozen=True, slots=True)
class Text:
    """Bytes read as text: the text, the decoding step when it was not UTF-8, and a problem if any."""

    text: str
    step: str | None = None
    problem: str | None = None


def _utf16_order(data: bytes) -> str | None:
    """'le' or 'be' when the bytes look like UTF-16 without a byte order mark (ASCII text with a NUL
    after, or before, each character), else None."""
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    half = len(sample) // 2
    if odd.count(0) >= 0.4 * half and even.count(0) <= 0.05 * half:
        return "le"
    if even.count(0) >= 0.4 * half and odd.count(0) <= 0.05 * half:
        return "be"
    return None


# Python codecs that no MIME part or data URL uses as a charset; punycode decodes in quadratic time (80 KB:
# 6 s), and the escape codecs would read `\\x41` as `A`.
_NOT_CHARSETS = frozenset({"punycode", "idna", "unicode-escape", "raw-unicode-escape", "undefined"})


def _is_charset(name: str) -> bool:
    """Whether `name` is a text encoding a document may declare as its charset."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        return False
    return bool(getattr(info, "_is_text_encoding", True)) and info.name not in _NOT_CHARSETS


def to_text(data: bytes, charset: str | None = None) -> Text:
    """Bytes as text: a byte order mark decides first (UTF-8, UTF-16, UTF-32), then a declared charset, then
    UTF-8, then UTF-16 recognised by its NUL bytes; anything else is UTF-8 with undecodable bytes replaced."""
    for bom, encoding, step in _BOMS:
        if data.startswith(bom):
            return Text(data[len(bom) :].decode(encoding, "replace"), step)
    if charset:
        charset = charset.strip().lower()
        if charset not in ("utf-8", "utf8", "us-ascii", "ascii") and _is_charset(charset):
            try:
                return Text(data.decode(charset), charset)
            except (LookupError, UnicodeError, ValueError):  # not this charset after all
                pass
    order = _utf16_order(data)
    if order is not None:
        return Text(data.decode(f"utf-16-{order}", "replace"), "utf-16")
    try:
        return Text(data.decode("utf-8"))
    except UnicodeDecodeError:
        return Text(data.decode("utf-8", "replace"), None, "bytes are not UTF-8 text")


_CONTROL_BYTES = bytes([*range(9), 11, *range(14, 32), 127])
# What people write: letters, digits, white space, common punctuation, and any non-ASCII character (each
# is one `?` once encoded with "replace").
_PLAIN_BYTES = bytes(c for c in range(128) if chr(c).isalnum() or chr(c) in " \t\r\n=:-_./,'\"@#{}[]()?")


def _controls(sample: str) -> int:
    data = sample.encode("ascii", "replace")  # one byte per character; the control characters are ASCII
    return len(data) - len(data.translate(None, _CONTROL_BYTES))


def control_share(text: str) -> float:
    """The share of control characters (other than tab, line breaks and form feed) in the first 4096."""
    sample = text[:4096]
    return _controls(sample) / len(sample) if sample else 0.0


def is_binary(text: str) -> bool:
    """More than 5% control characters: not a text a person wrote."""
    return control_share(text) > 0.05


def looks_like_text(text: str) -> bool:
    """Decoded bytes that a person wrote: no control characters, no replacement characters, and mostly
    letters, digits, white space and common punctuation (random bytes that happen to be UTF-8 are not)."""
    if len(text) < 4 or "\ufffd" in text:
        return False
    data = text.encode("ascii", "replace")
    if len(data.translate(None, _CONTROL_BYTES)) != len(data):
        return False
    return len(data.translate(None, _PLAIN_BYTES)) <= 0.2 * len(data)


@dataclass(frozen=True, slots=True)
class DataUrl:
    """An RFC 2397 data URL's payload, and how it was encoded (`percent` or `base64`)."""

    data: bytes
    steps: tuple[str, ...]
    charset: str | None


def parse_data_url(url: str) -> DataUrl | None:
    """`data:[<media type>][;base64],<data>` -> its bytes, or None when it is not a well-formed data URL."""
    if url[:5].lower() != "data:":
        return None
    comma = url.find(",", 5)
    if comma < 0:
        return None
    params = [p.strip().lower() for p in url[5:comma].split(";")]
    payload = url[comma + 1 :]
    charset = next((p[8:] for p in params if p.startswith("charset=")), None)
    if params and params[-1] == "base64":
        data = b64decode(urllib.parse.unquote(payload)) if "%" in payload else b64decode(payload)
        return None if data is None else DataUrl(data, ("data-url", "base64"), charset)
    if "%" in payload:
        return DataUrl(urllib.parse.unquote_to_bytes(payload), ("data-url", "percent"), charset)
    return DataUrl(payload.encode("utf-8", "surrogatepass"), ("data-url",), charset)
