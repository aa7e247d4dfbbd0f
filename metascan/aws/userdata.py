"""Decode EC2 user data the way EC2 and cloud-init do, within bounds.

base64 -> gzip (when the bytes say so) -> MIME multipart (every part, with its transfer encoding, gzip inside
parts) -> cloud-config (`write_files` with `encoding: b64 | gzip+base64`) -> text.  Each decoded text is a
`Segment` that records the steps that led to it.  Anything that cannot be decoded, or that hits a bound, is
reported as a skip reason, and the text decoded so far is still returned for scanning: never a silent pass.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import email.parser
import email.policy
import quopri
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message

import regex
import yaml

from ..model import FieldKind


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on decoding.  The defaults are far above what EC2 accepts (16 KB of raw user data)."""

    max_decoded_bytes: int = 4 * 1024 * 1024  # total text produced from one user data value
    max_depth: int = 8  # nested decoding steps (base64 in gzip in MIME in ...)
    max_parts: int = 64  # MIME parts and write_files entries in one user data value


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    decoding: tuple[str, ...]
    kind: FieldKind = FieldKind.SCRIPT


@dataclass(slots=True)
class Decoded:
    segments: list[Segment] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


_B64_TEXT = regex.compile(r"[A-Za-z0-9+/\s]+={0,2}\s*")
_MIME_HEAD = regex.compile(r"(?i)\A\s*(?:content-type|mime-version)\s*:")
_CLOUD_CONFIG = regex.compile(r"\A\s*#cloud-config\b")


class _Budget:
    __slots__ = ("bytes_left", "limits", "parts_left")

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.bytes_left = limits.max_decoded_bytes
        self.parts_left = limits.max_parts


class _Bound(Exception):
    pass


def decode_user_data(raw: str, limits: Limits | None = None) -> Decoded:
    """All texts in one user data value, with what could not be decoded."""
    out = Decoded()
    budget = _Budget(limits or Limits())
    data = _b64(raw)
    if data is None:
        out.skipped.append("user data is not valid base64; scanned as plain text")
        _text(raw.encode("utf-8", "surrogatepass"), (), budget, out, 0)
        return out
    _bytes(data, ("base64",), budget, out, 1)
    return out


def _b64(text: str) -> bytes | None:
    stripped = "".join(text.split())
    if not stripped or len(stripped) % 4 or not _B64_TEXT.fullmatch(text):
        return None
    try:
        return base64.b64decode(stripped, validate=True)
    except (binascii.Error, ValueError):
        return None


def _gunzip(data: bytes, budget: _Budget) -> tuple[bytes, str | None]:
    """Decompress gzip with a bound on output; returns what was decompressed and a problem, if any."""
    d = zlib.decompressobj(zlib.MAX_WBITS | 16)
    limit = max(budget.bytes_left, 0) + 1
    try:
        out = d.decompress(data, limit)
    except zlib.error as e:
        return b"", f"gzip data is corrupt ({e})"
    if len(out) >= limit or d.unconsumed_tail:
        return out[: budget.bytes_left], f"gzip expands past the {budget.limits.max_decoded_bytes}-byte bound"
    if not d.eof:
        with contextlib.suppress(zlib.error):
            out += d.flush()
        return out, "gzip data is truncated"
    return out, None


def _bytes(data: bytes, chain: tuple[str, ...], budget: _Budget, out: Decoded, depth: int) -> None:
    if depth > budget.limits.max_depth:
        out.skipped.append(
            f"user data nests deeper than {budget.limits.max_depth} decoding steps ({'>'.join(chain)})"
        )
        return
    if data[:2] == b"\x1f\x8b":
        inflated, problem = _gunzip(data, budget)
        if problem:
            out.skipped.append(f"{problem} ({'>'.join((*chain, 'gzip'))})")
        if inflated:
            _bytes(inflated, (*chain, "gzip"), budget, out, depth + 1)
        return
    _text(data, chain, budget, out, depth)


def _decode_text(data: bytes) -> tuple[str, str | None]:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", "replace"), None
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        text = data.decode("utf-8", "replace")
        return text, "bytes are not UTF-8 text"


_CONTROL_BYTES = bytes([*range(9), *range(14, 32), 127])


def _is_binary(data: bytes) -> bool:
    """More than 5% control characters (other than tab and line breaks) in the first 4 KiB."""
    sample = data[:4096]
    if not sample:
        return False
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls > len(sample) // 20


def _text(data: bytes, chain: tuple[str, ...], budget: _Budget, out: Decoded, depth: int) -> None:
    if len(data) > budget.bytes_left:
        out.skipped.append(
            f"user data exceeds the {budget.limits.max_decoded_bytes}-byte decoding bound;"
            " scanned the first part"
        )
        data = data[: max(budget.bytes_left, 0)]
    if not data:
        return
    budget.bytes_left -= len(data)
    binary = _is_binary(data)
    if binary:
        out.skipped.append(
            f"user data is binary, not text ({'>'.join(chain) or 'raw'}); scanned printable text"
        )
    text, problem = _decode_text(data)
    if problem and not binary:  # binary data is already reported, once
        out.skipped.append(f"user data {problem} ({'>'.join(chain) or 'raw'}); undecodable bytes replaced")
    # Double encoding: base64 of base64 (or of gzip) is decoded again, within the depth bound.
    if "base64" in chain[-1:] and len(text) >= 16:
        again = _b64(text)
        if again is not None and (again[:2] == b"\x1f\x8b" or not _is_binary(again)):
            _bytes(again, (*chain, "base64"), budget, out, depth + 1)
            return
    if _MIME_HEAD.match(text) and _mime(text, chain, budget, out, depth):
        return
    out.segments.append(Segment(text, chain))
    if _CLOUD_CONFIG.match(text):
        _write_files(text, chain, budget, out, depth)


def _mime(text: str, chain: tuple[str, ...], budget: _Budget, out: Decoded, depth: int) -> bool:
    try:
        msg = email.parser.Parser(policy=email.policy.compat32).parsestr(text)
    except Exception as e:  # the stdlib parser is lenient; anything else is a malformed document
        out.skipped.append(f"MIME document could not be parsed ({type(e).__name__}); scanned as text")
        return False
    if not msg.is_multipart():
        payload = msg.get_payload()
        if not isinstance(payload, str):
            return False
        _part(msg, payload, (*chain, "mime:1"), budget, out, depth)
        return True
    for n, part in enumerate(_leaves(msg, 0, budget, out), 1):
        if budget.parts_left <= 0:
            out.skipped.append(
                f"user data has more than {budget.limits.max_parts} parts; the rest were not decoded"
            )
            break
        budget.parts_left -= 1
        payload = part.get_payload()
        if isinstance(payload, str):
            _part(part, payload, (*chain, f"mime:{n}"), budget, out, depth)
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


def _part(
    part: Message, payload: str, chain: tuple[str, ...], budget: _Budget, out: Decoded, depth: int
) -> None:
    cte = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if cte == "base64":
        data = _b64(payload)
        if data is None:
            out.skipped.append(f"MIME part is not valid base64 ({'>'.join(chain)}); scanned as text")
            _text(payload.encode("utf-8", "surrogatepass"), chain, budget, out, depth + 1)
            return
        _bytes(data, (*chain, "base64"), budget, out, depth + 1)
    elif cte == "quoted-printable":
        _bytes(quopri.decodestring(payload.encode("ascii", "replace")), chain, budget, out, depth + 1)
    else:
        _bytes(payload.encode("utf-8", "surrogatepass"), chain, budget, out, depth + 1)


# PyYAML's C-accelerated safe loader (libyaml, shipped in its wheels) is ten times faster than the Python one.
_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_WRITE_FILES_B64 = {"b64", "base64"}
_WRITE_FILES_GZ = {"gz+b64", "gzip+base64", "gz+base64", "gzip+b64"}


def _write_files(text: str, chain: tuple[str, ...], budget: _Budget, out: Decoded, depth: int) -> None:
    if "write_files" not in text or ("encoding" not in text and "!!binary" not in text):
        return  # nothing encoded: the plain content is already in the scanned text
    try:
        doc = yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader (libyaml's when present)
    except yaml.YAMLError:
        out.skipped.append(
            f"cloud-config is not valid YAML ({'>'.join(chain) or 'raw'}); write_files not decoded"
        )
        return
    files = doc.get("write_files") if isinstance(doc, dict) else None
    if not isinstance(files, list):
        return
    for entry in files:
        if not isinstance(entry, dict):
            continue
        encoding = str(entry.get("encoding", "")).strip().lower()
        content = entry.get("content")
        # Plain string content is already part of the cloud-config text; decode only what is encoded.
        if isinstance(content, str) and encoding not in _WRITE_FILES_B64 | _WRITE_FILES_GZ:
            continue
        if not isinstance(content, str | bytes):
            continue
        if budget.parts_left <= 0:
            out.skipped.append(
                f"user data has more than {budget.limits.max_parts} parts; the rest were not decoded"
            )
            return
        budget.parts_left -= 1
        step = f"write_files:{entry.get('path', '?')}"
        data = content if isinstance(content, bytes) else _b64(content)  # YAML decodes !!binary itself
        if data is None:
            out.skipped.append(f"write_files content is not valid base64 ({step})")
            continue
        _bytes(data, (*chain, step), budget, out, depth + 1)
