"""Files of saved AWS API output -> (source, response) documents.

Paths may be files, directories (searched recursively for `*.json`) or `-` for standard input.  A file
holds one response, several raw pages (concatenated objects or a JSON list of responses), in UTF-8 with or
without a BOM, or UTF-16 as PowerShell writes it.  Each problem is one `ScanError` naming the file.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import ijson

from ..model import ScanError

STDIN = "-"
STDIN_LABEL = "<stdin>"
DEFAULT_MAX_FILE_BYTES = 1024 * 1024 * 1024  # refuse larger files (configurable: --max-file-size)
STREAM_THRESHOLD = 32 * 1024 * 1024  # stream files from this size on: memory bounded by one item
STREAM_BATCH = 50  # items per synthetic page when streaming


@dataclass(frozen=True, slots=True)
class Document:
    source: str
    data: dict[str, Any]


def expand(paths: Iterable[str]) -> Iterator[str | ScanError]:
    """Each input path, with directories expanded to their `*.json` files in a stable order."""
    for p in paths:
        if p == STDIN:
            yield STDIN
            continue
        path = Path(p)
        if path.is_dir():
            found = sorted(
                (str(f) for f in path.rglob("*.json") if f.is_file()), key=lambda s: (s.count(os.sep), s)
            )
            if not found:
                yield ScanError(p, f"{p}: directory holds no *.json files")
            yield from found
        elif path.is_file():
            yield p
        elif path.exists():
            yield ScanError(p, f"{p}: not a regular file")
        else:
            yield ScanError(p, f"{p}: no such file or directory")


def _decode(raw: bytes, source: str) -> str | ScanError:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as e:
            return ScanError(source, f"{source}: invalid UTF-16 text at byte {e.start}")
    if len(raw) >= 2 and raw[0] != 0 and raw[1] == 0:  # UTF-16-LE without a BOM
        try:
            return raw.decode("utf-16-le")
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        return ScanError(
            source, f"{source}: not UTF-8 text (invalid byte 0x{raw[e.start]:02x} at offset {e.start})"
        )


def parse(text: str, source: str) -> list[dict[str, Any]] | ScanError:
    """The response objects in a file's text: one object, concatenated objects, or a list of objects."""
    stripped = text.strip()
    if not stripped:
        return ScanError(source, f"{source}: file is empty")
    decoder = json.JSONDecoder()
    docs: list[Any] = []
    pos = 0
    try:
        while pos < len(stripped):
            obj, end = decoder.raw_decode(stripped, pos)
            docs.append(obj)
            pos = end
            while pos < len(stripped) and stripped[pos] in " \t\r\n":
                pos += 1
    except json.JSONDecodeError as e:
        what = "truncated JSON" if e.pos >= len(stripped) else "invalid JSON"
        return ScanError(source, f"{source}: {what} at line {e.lineno} column {e.colno}: {e.msg}")
    except RecursionError:  # the C decoder stops absurd nesting itself, without crashing
        return ScanError(source, f"{source}: JSON nests too deeply to parse")
    if len(docs) == 1 and isinstance(docs[0], list):
        docs = docs[0]
        if not docs:
            return ScanError(source, f"{source}: top level is an empty list, not an API response object")
    bad = [d for d in docs if not isinstance(d, dict)]
    if bad:
        kind = (
            "a list" if isinstance(bad[0], list) else type(bad[0]).__name__ if bad[0] is not None else "null"
        )
        return ScanError(source, f"{source}: top level is {kind}, not an API response object")
    return docs


def _read_bounded(stream: BinaryIO, max_bytes: int, chunk: int = 1 << 20) -> bytes:
    """Up to max_bytes + 1 bytes, read in chunks: `read(n)` would reserve n bytes however small the input."""
    parts: list[bytes] = []
    total = 0
    while total <= max_bytes:
        block = stream.read(min(chunk, max_bytes + 1 - total))
        if not block:
            break
        parts.append(block)
        total += len(block)
    return b"".join(parts)


def read(
    path: str, max_bytes: int = DEFAULT_MAX_FILE_BYTES, stream_threshold: int = STREAM_THRESHOLD
) -> Iterator[Document | ScanError]:
    """The documents of one input path (or standard input).  Large files are streamed."""
    source = STDIN_LABEL if path == STDIN else path
    try:
        if path == STDIN:
            raw = _read_bounded(sys.stdin.buffer, max_bytes)
        else:
            size = os.path.getsize(path)
            if size > max_bytes:
                yield ScanError(
                    source,
                    f"{source}: file is {size} bytes, above the {max_bytes}-byte limit"
                    " (raise it with --max-file-size)",
                )
                return
            if size >= stream_threshold:
                yield from stream(path)
                return
            with open(path, "rb") as f:
                raw = _read_bounded(f, max_bytes)
    except OSError as e:
        yield ScanError(source, f"{source}: cannot read file: {e.strerror or e}")
        return
    if len(raw) > max_bytes:
        yield ScanError(
            source, f"{source}: input is above the {max_bytes}-byte limit (raise it with --max-file-size)"
        )
        return
    text = _decode(raw, source)
    if isinstance(text, ScanError):
        yield text
        return
    docs = parse(text, source)
    if isinstance(docs, ScanError):
        yield docs
        return
    for doc in docs:
        yield Document(source, doc)


def _payload_keys(path: str) -> tuple[str, list[str]] | ScanError:
    """One streaming pass over a large file: is its top level an object or a list of pages, and which
    payload keys (AutoScalingGroups, ...) does it hold?"""
    from ..aws.documents import EXTRACTORS

    keys: list[str] = []
    top = ""
    try:
        with open(path, "rb") as f:
            if f.read(2) in (b"\xff\xfe", b"\xfe\xff"):
                return ScanError(
                    path, f"{path}: UTF-16 files this large cannot be streamed; convert to UTF-8"
                )
            f.seek(0)
            if f.read(3) != b"\xef\xbb\xbf":
                f.seek(0)
            for prefix, event, value in ijson.parse(f, multiple_values=True):
                if not top and prefix == "":
                    top = event
                if (
                    event == "map_key"
                    and prefix in ("", "item")
                    and value in EXTRACTORS
                    and value not in keys
                ):
                    keys.append(value)
    except (ijson.JSONError, ValueError) as e:
        if not keys:  # with a payload key found, the item pass reads what it can and reports the error
            what = "truncated JSON" if isinstance(e, ijson.IncompleteJSONError) else "invalid JSON"
            return ScanError(path, f"{path}: {what}: {str(e).splitlines()[0][:200]}")
    except OSError as e:
        return ScanError(path, f"{path}: cannot read file: {e.strerror or e}")
    if top not in ("start_map", "start_array"):
        return ScanError(path, f"{path}: top level is not an API response object")
    return top, keys


def stream(path: str, batch: int = STREAM_BATCH) -> Iterator[Document | ScanError]:
    """A large file, read item by item: memory stays bounded by one batch of items, whatever the size.

    Each batch of items becomes a document shaped like a page of the original response.
    """
    found = _payload_keys(path)
    if isinstance(found, ScanError):
        yield found
        return
    top, keys = found
    if not keys:
        yield ScanError(path, f"{path}: no AWS API response payload found in this large file")
        return
    for key in keys:
        prefix = f"{key}.item" if top == "start_map" else f"item.{key}.item"
        items: list[Any] = []
        try:
            with open(path, "rb") as f:
                if f.read(3) != b"\xef\xbb\xbf":
                    f.seek(0)
                for item in ijson.items(f, prefix, multiple_values=True, use_float=True):
                    items.append(item)
                    if len(items) >= batch:
                        yield Document(path, {key: items})
                        items = []
        except (ijson.JSONError, ValueError) as e:
            if items:
                yield Document(path, {key: items})
            what = "truncated JSON" if isinstance(e, ijson.IncompleteJSONError) else "invalid JSON"
            yield ScanError(path, f"{path}: {what}: {str(e).splitlines()[0][:200]}")
            return
        if items:
            yield Document(path, {key: items})
