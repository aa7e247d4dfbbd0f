"""Input paths -> the documents they hold.

Paths may be files, directories or `-` for standard input.  A directory is searched recursively for the
files metascan may read (`*.json`, `*.yaml`, `*.yml`, `*.template`, `*.tf`, `*.tfstate`, `*.gz`; version
control, `.terraform`, `node_modules` and virtualenv folders are left out), and each file is then
recognised by its content (`content.py`): saved API responses, CLI YAML output, CloudFormation templates,
Terraform plans, state and configuration.  A gzip file is decompressed first, whatever its name.  Text is
UTF-8 with or without a BOM, or UTF-16 as PowerShell writes it.  Large JSON exports are streamed.

Each problem is one `ScanError` naming the file; a file that is read but not recognised is a `Skipped`
saying what it looks like (`--strict`: an error), and a run in which nothing at all was recognised ends with
the error `nothing_recognised` makes.
"""

from __future__ import annotations

import gzip
import os
import sys
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO

import ijson

from ..model import ScanError, Skipped
from . import sniff
from .content import Document, Item, documents

__all__ = ["Document", "Item", "Tally", "expand", "nothing_recognised", "read", "stream"]

STDIN = "-"
STDIN_LABEL = "<stdin>"
DEFAULT_MAX_FILE_BYTES = 1024 * 1024 * 1024  # refuse larger files (configurable: --max-file-size)
STREAM_THRESHOLD = 32 * 1024 * 1024  # stream files from this size on: memory bounded by one item
STREAM_BATCH = 50  # items per synthetic page when streaming


SUFFIXES = (".json", ".yaml", ".yml", ".template", ".tf", ".tfstate", ".gz")
PRUNED = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".terraform",
        "node_modules",
        "__pycache__",
        ".venv",
        "venv",
        ".tox",
        ".mypy_cache",
    }
)
GZIP_MAGIC = b"\x1f\x8b"


def _candidates(root: Path) -> list[str]:
    found: list[str] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in PRUNED]
        found.extend(os.path.join(folder, n) for n in names if n.lower().endswith(SUFFIXES))
    return sorted((f for f in found if os.path.isfile(f)), key=lambda s: (s.count(os.sep), s))


def expand(paths: Iterable[str]) -> Iterator[str | ScanError]:
    """Each input path, with directories expanded to the files in them metascan may read, in a stable
    order (see the module docstring)."""
    for p in paths:
        if p == STDIN:
            yield STDIN
            continue
        path = Path(p)
        if path.is_dir():
            found = _candidates(path)
            if not found:
                yield ScanError(
                    p, f"{p}: directory holds no JSON, YAML, Terraform or gzip files; {sniff.SUPPORTED}"
                )
            yield from found
        elif path.is_file():
            yield p
        elif path.exists():
            yield ScanError(p, f"{p}: not a regular file")
        else:
            yield ScanError(p, f"{p}: no such file or directory")


NOTHING_RECOGNISED = "no input was recognised"


def nothing_recognised(skipped: list[Skipped]) -> ScanError:
    """The error of a run that read inputs but recognised none of them (never a clean pass)."""
    if not skipped:
        return ScanError("<input>", f"{NOTHING_RECOGNISED}: {sniff.SUPPORTED}")
    first = skipped[0]
    more = f" (and {len(skipped) - 1} more skipped)" if len(skipped) > 1 else ""
    return ScanError(first.source, f"{NOTHING_RECOGNISED}: {first.source}: {first.reason}{more}")


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


class _TooLarge(Exception):
    pass


def _gunzip(raw: bytes, limit: int) -> bytes:
    """Every member of gzip data, decompressed; `_TooLarge` past `limit` bytes (a gzip bomb stops there).
    Raises `zlib.error` or `EOFError` for data that is not gzip or is cut short."""
    out: list[bytes] = []
    total = 0
    data = raw
    while data.startswith(GZIP_MAGIC):
        d = zlib.decompressobj(wbits=31)
        while not d.eof:
            chunk = d.decompress(data, 1 << 20)
            data = d.unconsumed_tail
            total += len(chunk)
            if total > limit:
                raise _TooLarge
            out.append(chunk)
            if not chunk and not data:
                break
        if not d.eof:
            raise EOFError("the gzip data is cut short")
        data = d.unused_data.lstrip(b"\x00")
    return b"".join(out)


def _looks_streamable(path: str) -> bool:
    """A large file that is a JSON export (not a template or plan, which are read whole)."""
    with _open(path) as f:
        head = f.read(65536)
    body = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not body.startswith((b"{", b"[")):
        return False
    return not any(
        k in head for k in (b"AWSTemplateFormatVersion", b'"format_version"', b'"terraform_version"')
    )


def _open(path: str) -> IO[bytes]:
    with open(path, "rb") as f:
        gz = f.read(2) == GZIP_MAGIC
    if gz:
        return gzip.open(path, "rb")  # type: ignore[return-value]  # a GzipFile reads bytes
    return open(path, "rb")


def read(
    path: str,
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
    stream_threshold: int = STREAM_THRESHOLD,
    *,
    strict: bool = False,
) -> Iterator[Item]:
    """The documents of one input path (or standard input), recognised by content (see `content.py`).

    Large JSON exports are streamed.  `strict`: an input that is read but not recognised is an error.
    """
    source = STDIN_LABEL if path == STDIN else path
    limit = f"above the {max_bytes}-byte limit (raise it with --max-file-size)"
    try:
        if path == STDIN:
            raw = _read_bounded(sys.stdin.buffer, max_bytes)
        else:
            size = os.path.getsize(path)
            if size > max_bytes:
                yield ScanError(source, f"{source}: file is {size} bytes, {limit}")
                return
            if size >= stream_threshold and _looks_streamable(path):
                yield from stream(path, max_bytes=max_bytes)
                return
            with open(path, "rb") as f:
                raw = _read_bounded(f, max_bytes)
        if raw.startswith(GZIP_MAGIC):
            try:
                raw = _gunzip(raw, min(max_bytes, stream_threshold))
            except _TooLarge:
                if path == STDIN or stream_threshold >= max_bytes or not _looks_streamable(path):
                    yield ScanError(source, f"{source}: decompressed data is {limit}")
                    return
                yield from stream(path, max_bytes=max_bytes)
                return
            except (zlib.error, EOFError) as e:
                yield ScanError(source, f"{source}: not valid gzip data: {e}")
                return
    except OSError as e:
        yield ScanError(source, f"{source}: cannot read file: {e.strerror or e}")
        return
    if len(raw) > max_bytes:
        yield ScanError(source, f"{source}: input is {limit}")
        return
    text = _decode(raw, source)
    if isinstance(text, ScanError):
        yield text
        return
    name = os.path.basename(path).removesuffix(".gz") if path != STDIN else ""
    yield from documents(text, source, name, strict)


class _Bounded:
    """A binary stream that fails once more than `limit` bytes were read (a gzip bomb, streamed)."""

    def __init__(self, raw: IO[bytes], limit: int) -> None:
        self.raw = raw
        self.left = limit

    def read(self, n: int = -1) -> bytes:
        block = self.raw.read(n)
        self.left -= len(block)
        if self.left < 0:
            raise _TooLarge
        return block


def _payload_stream(path: str, max_bytes: int) -> tuple[IO[bytes], _Bounded]:
    """The file (decompressed), past a UTF-8 byte order mark."""
    f = _open(path)
    head = f.read(3)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        f.close()
        raise UnicodeError("UTF-16 files this large cannot be streamed; convert to UTF-8")
    if head != b"\xef\xbb\xbf":
        f.close()
        f = _open(path)
    return f, _Bounded(f, max_bytes)


def _payload_keys(path: str, max_bytes: int) -> tuple[str, list[str]] | ScanError:
    """One streaming pass over a large file: is its top level an object or a list of pages, and which
    payload keys (AutoScalingGroups, ...) does it hold?"""
    from ..aws.documents import EXTRACTORS

    keys: list[str] = []
    top = ""
    try:
        f, bounded = _payload_stream(path, max_bytes)
        with f:
            for prefix, event, value in ijson.parse(bounded, multiple_values=True):
                if not top and prefix == "":
                    top = event
                if (
                    event == "map_key"
                    and prefix in ("", "item")
                    and value in EXTRACTORS
                    and value not in keys
                ):
                    keys.append(value)
    except UnicodeError as e:
        return ScanError(path, f"{path}: {e}")
    except _TooLarge:
        return ScanError(path, f"{path}: decompressed data is above the {max_bytes}-byte limit")
    except (ijson.JSONError, ValueError, EOFError, zlib.error) as e:
        if not keys:  # with a payload key found, the item pass reads what it can and reports the error
            what = "truncated JSON" if isinstance(e, ijson.IncompleteJSONError | EOFError) else "invalid JSON"
            return ScanError(path, f"{path}: {what}: {str(e).splitlines()[0][:200]}")
    except OSError as e:
        return ScanError(path, f"{path}: cannot read file: {e.strerror or e}")
    if top not in ("start_map", "start_array"):
        return ScanError(path, f"{path}: top level is not an API response object")
    return top, keys


def stream(
    path: str, batch: int = STREAM_BATCH, max_bytes: int = DEFAULT_MAX_FILE_BYTES
) -> Iterator[Document | ScanError]:
    """A large file (gzip too), read item by item: memory stays bounded by one batch of items, whatever
    the size.

    Each batch of items becomes a document shaped like a page of the original response.
    """
    found = _payload_keys(path, max_bytes)
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
            f, bounded = _payload_stream(path, max_bytes)
            with f:
                for item in ijson.items(bounded, prefix, multiple_values=True, use_float=True):
                    items.append(item)
                    if len(items) >= batch:
                        yield Document(path, {key: items})
                        items = []
        except (ijson.JSONError, ValueError, EOFError, zlib.error, _TooLarge, OSError) as e:
            if items:
                yield Document(path, {key: items})
            if isinstance(e, _TooLarge):
                message = f"decompressed data is above the {max_bytes}-byte limit"
            elif isinstance(e, OSError) and not isinstance(e, EOFError):
                message = f"cannot read file: {e.strerror or e}"
            else:
                what = (
                    "truncated JSON"
                    if isinstance(e, ijson.IncompleteJSONError | EOFError)
                    else "invalid JSON"
                )
                message = f"{what}: {str(e).splitlines()[0][:200]}"
            yield ScanError(path, f"{path}: {message}")
            return
        if items:
            yield Document(path, {key: items})


class Tally:
    """What the inputs of one run gave: whether any was recognised (see `nothing_recognised`)."""

    def __init__(self) -> None:
        self.documents = 0
        self.errors = 0
        self.skipped: list[Skipped] = []

    def note(self, item: Item | Skipped | ScanError | object) -> None:
        if isinstance(item, Document):
            self.documents += 1
        elif isinstance(item, ScanError):
            self.errors += 1
        elif isinstance(item, Skipped) and len(self.skipped) < 1000:
            self.skipped.append(item)

    def finish(self) -> Iterator[ScanError]:
        """The error of a run that recognised nothing and failed on nothing: it must not pass."""
        if not self.documents and not self.errors:
            yield nothing_recognised(self.skipped)
