"""Input paths -> the documents they hold.

Paths may be files, directories or `-` for standard input.  A directory is searched recursively for the
files metascan may read (`*.json`, `*.jsonl`, `*.ndjson`, `*.yaml`, `*.yml`, `*.yaml-stream`, `*.template`,
`*.tf`, `*.tfvars`, `*.tfstate`, `*.xml`, `*.gz`; and `*.txt`, `*.out`, `*.tsv`, `*.log`, `*.py` that begin
as AWS CLI text or table output or hold a response Python printed, and `*.csv` whose header row is an
inventory table's columns (`inventory.py`); version control, `.terraform`, `node_modules` and virtualenv
folders are left out), and each file is then recognised by its content (`content.py`): saved API responses
(JSON, YAML, the API's XML, CLI text and table output, printed by Python), CloudFormation templates,
Terraform plans, state and configuration, AWS Config items, CloudTrail events, inventory tools' rows,
messages and events Auto Scaling sent, and records of other shapes that are about Auto Scaling.  A gzip file
is decompressed first, whatever its name.  Text is UTF-8 with or without a BOM, or UTF-16 as PowerShell
writes it.  Large JSON exports are streamed.

Each problem is one `ScanError` naming the file; a file that is read but not recognised is a `Skipped`
saying what it looks like (`--strict`: an error), and a run in which nothing at all was recognised ends with
the error `nothing_recognised` makes.

Exports may be hostile.  A directory walk never follows a symbolic link and never opens anything but a
regular file (a FIFO or a device named `*.json` would hang or have side effects): each such entry, and each
dangling link, is listed as `Skipped`; an unreadable directory is an error.  Large files and large standard
input are streamed item by item.  Messages about an input never quote its bytes (a password may sit right
before an invalid byte): they say what was wrong and at which offset.  A key repeated in one JSON object and
a number of more than `MAX_INT_DIGITS` digits are errors (`jsonguard.py`), in streamed input too.
"""

from __future__ import annotations

import codecs
import gzip
import os
import re
import stat
import sys
import zlib
from collections.abc import Iterable, Iterator
from typing import IO, Any, BinaryIO

import ijson

from ..model import ScanError, Skipped
from . import cdkapp, cloudtrail, inventory, pyrepr, sniff
from .content import Document, Item, documents, too_deep
from .jsonguard import MAX_INT_DIGITS, Duplicates

__all__ = ["MAX_INT_DIGITS", "Document", "Item", "Tally", "expand", "nothing_recognised", "read", "stream"]

STDIN = "-"
STDIN_LABEL = "<stdin>"
DEFAULT_MAX_FILE_BYTES = 1024 * 1024 * 1024  # refuse larger files (configurable: --max-file-size)
STREAM_THRESHOLD = 32 * 1024 * 1024  # stream files from this size on: memory bounded by one item
STREAM_BATCH = 50  # items per synthetic page when streaming
TRAIL_KEY = "Records"  # a CloudTrail log file's events, streamed like a payload


SUFFIXES = (
    ".json",
    ".jsonl",
    ".ndjson",
    ".yaml",
    ".yml",
    ".yaml-stream",  # (`--output yaml-stream` saved under the format's name)
    ".template",
    ".tf",
    ".tfvars",
    ".tfstate",
    ".xml",
    ".gz",
)
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
# Text files are read when they begin as AWS CLI text or table output does, or hold a response a Python
# program printed, in their first 64 KiB (a folder holds other text).
TEXT_SUFFIXES = (".txt", ".out", ".tsv", ".log", ".py", ".csv", ".ts", ".js", ".mjs", ".cjs")
TEXT_HEAD = 64 * 1024
GZIP_MAGIC = b"\x1f\x8b"
_BOM = b"\xef\xbb\xbf"


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a regular file"


def expand(paths: Iterable[str]) -> Iterator[str | ScanError | Skipped]:
    """Each input path, with directories expanded to the files in them metascan may read, in a stable
    order (see the module docstring).

    A path named here is followed if it is a symbolic link (you named it); inside a directory nothing is
    followed.  What a directory holds but is not read (links, FIFOs, devices with a suffix metascan reads)
    is `Skipped`; a directory that cannot be read is a `ScanError`.
    """
    for p in paths:
        if p == STDIN:
            yield STDIN
            continue
        try:
            st = os.stat(p)
        except FileNotFoundError:
            dangling = os.path.islink(p)
            yield ScanError(
                p, f"{p}: {'dangling symbolic link' if dangling else 'no such file or directory'}"
            )
            continue
        except OSError as e:
            yield ScanError(p, f"{p}: cannot read: {e.strerror or e}")
            continue
        if stat.S_ISDIR(st.st_mode):
            yield from _walk(p)
        elif stat.S_ISREG(st.st_mode):
            yield p
        else:
            yield ScanError(p, f"{p}: not a regular file ({_kind(st.st_mode)}), not opened")


def _walk(root: str) -> Iterator[str | ScanError | Skipped]:
    """The regular files under `root` with a suffix metascan reads (`SUFFIXES`), by depth then name,
    leaving out `PRUNED` folders; links are never followed."""
    entries: list[tuple[int, str, str | ScanError | Skipped]] = []
    stack = [root]
    found = 0
    while stack:
        directory = stack.pop()
        depth = directory.count(os.sep)
        try:
            with os.scandir(directory) as it:
                children = list(it)
        except OSError as e:
            entries.append(
                (
                    depth,
                    directory,
                    ScanError(directory, f"{directory}: cannot read directory: {e.strerror or e}"),
                )
            )
            continue
        for entry in children:
            path = entry.path
            item = _entry(entry)
            if item is None:
                continue
            if item == "dir":
                stack.append(path)
                continue
            if isinstance(item, str):
                found += 1
            entries.append((path.count(os.sep), path, item))
    entries.sort(key=lambda e: (e[0], e[1]))
    if not found:
        yield ScanError(
            root, f"{root}: directory holds no JSON, YAML, Terraform, XML or gzip files; {sniff.SUPPORTED}"
        )
    for _, _, item in entries:
        yield item


def _entry(entry: os.DirEntry[str]) -> str | ScanError | Skipped | None:
    """What to do with one directory entry: its path (a file to read), "dir" (walk it), a skip, or None."""
    path = entry.path
    readable = entry.name.lower().endswith((*SUFFIXES, "terragrunt.hcl"))  # a file metascan would read
    if not readable and entry.name.lower().endswith(TEXT_SUFFIXES) and entry.is_file(follow_symlinks=False):
        readable = _cli_head(path)
    try:
        if entry.is_symlink():
            try:
                target = os.stat(path)
            except OSError:
                return Skipped(path, "dangling symbolic link") if readable else None
            if stat.S_ISDIR(target.st_mode):
                if entry.name in PRUNED:
                    return None
                return Skipped(path, "symbolic link to a directory, not followed (name it to scan it)")
            if readable:
                return Skipped(path, "symbolic link, not followed (name it to scan its target)")
            return None
        if entry.is_dir(follow_symlinks=False):
            return None if entry.name in PRUNED else "dir"
        if not readable:
            return None
        if entry.is_file(follow_symlinks=False):
            return path
        mode = entry.stat(follow_symlinks=False).st_mode
    except OSError as e:
        return ScanError(path, f"{path}: cannot read: {e.strerror or e}")
    return Skipped(path, f"{_kind(mode)}, not a regular file: not opened")


def _cli_head(path: str) -> bool:
    """Whether a text file begins as AWS CLI `--output text` or `--output table` does, or holds a response a
    Python program printed, in its first `TEXT_HEAD` bytes."""
    try:
        with _open_regular(path) as f:
            head = f.read(TEXT_HEAD)
    except (OSError, _NotRegular):
        return False
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    text = head.decode("utf-16" if utf16 else "utf-8", "replace")
    if path.lower().endswith(".csv"):
        return inventory.is_table(text)
    if path.lower().endswith(cdkapp.SUFFIXES) and cdkapp.is_app(text):
        return True
    if not path.lower().endswith((".txt", ".out", ".tsv", ".log", ".py")):
        return False
    return sniff.cli_output(text) is not None or pyrepr.looks_like_repr(text)


class _NotRegular(Exception):
    pass


def _open_regular(path: str) -> BinaryIO:
    """`path` opened for reading, refusing anything but a regular file before a byte is read (opening a
    FIFO without O_NONBLOCK waits for a writer)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _NotRegular(_kind(mode))
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


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


def _head_streamable(head: bytes) -> bool:
    """The first bytes of a large input that is a JSON export (not a template or plan, read whole)."""
    body = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not body.startswith((b"{", b"[")):
        return False
    return not any(
        k in head for k in (b"AWSTemplateFormatVersion", b'"format_version"', b'"terraform_version"')
    )


def _looks_streamable(path: str) -> bool:
    """A large file that is a JSON export (not a template or plan, which are read whole)."""
    with _open(path) as f:
        head = f.read(65536)
    return _head_streamable(head)


def _open(path: str) -> IO[bytes]:
    """A regular file opened for reading, decompressed if it is gzip (`_NotRegular` for anything else)."""
    f = _open_regular(path)
    try:
        gz = f.read(2) == GZIP_MAGIC
        f.seek(0)
    except BaseException:
        f.close()
        raise
    if gz:
        return gzip.GzipFile(fileobj=f, mode="rb")  # type: ignore[return-value]  # closes f with it
    return f


def _too_large(source: str, max_bytes: int, size: int | None = None) -> ScanError:
    what = f"file is {size} bytes, above" if size is not None else "input is above"
    return ScanError(source, f"{source}: {what} the {max_bytes}-byte limit (raise it with --max-file-size)")


def read(
    path: str,
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
    stream_threshold: int = STREAM_THRESHOLD,
    *,
    strict: bool = False,
) -> Iterator[Item]:
    """The documents of one input path (or standard input), recognised by content (see `content.py`).

    Large JSON exports, and large JSON on standard input, are streamed.  `strict`: an input that is read
    but not recognised is an error.  Anything but a regular file is refused before a byte is read.
    """
    if path == STDIN:
        yield from _read_stdin(sys.stdin.buffer, max_bytes, stream_threshold, strict)
        return
    source = path
    try:
        with _open_regular(path) as f:
            size = os.fstat(f.fileno()).st_size
            if size > max_bytes:
                yield _too_large(source, max_bytes, size)
                return
            streamed = size >= stream_threshold and _looks_streamable(path)
            if not streamed:
                raw = _read_bounded(f, max_bytes)
        if streamed:
            yield from stream(path, max_bytes=max_bytes)
            return
    except _NotRegular as e:
        yield ScanError(source, f"{source}: not a regular file ({e}), not opened")
        return
    except OSError as e:
        yield ScanError(source, f"{source}: cannot read file: {e.strerror or e}")
        return
    yield from _documents(raw, path, max_bytes, stream_threshold, strict)


def _documents(raw: bytes, path: str, max_bytes: int, stream_threshold: int, strict: bool) -> Iterator[Item]:
    """The documents of an input read whole (gzip decompressed first, within the limit)."""
    source = STDIN_LABEL if path == STDIN else path
    limit = f"above the {max_bytes}-byte limit (raise it with --max-file-size)"
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
        except (_NotRegular, OSError) as e:
            yield ScanError(source, f"{source}: cannot read file: {e}")
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


def _read_stdin(stdin: BinaryIO, max_bytes: int, stream_threshold: int, strict: bool) -> Iterator[Item]:
    """Standard input: read whole when it is small (or gzip, a template or not JSON), else JSON is
    streamed in one pass (it cannot be read twice)."""
    source = STDIN_LABEL
    try:
        head = _read_bounded(stdin, min(max_bytes, stream_threshold - 1))
        if len(head) < stream_threshold or len(head) > max_bytes:
            yield from _documents(head, STDIN, max_bytes, stream_threshold, strict)
            return
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            yield ScanError(source, f"{source}: UTF-16 input this large cannot be streamed; convert to UTF-8")
            return
        if not _head_streamable(head[:65536]):
            rest = _read_bounded(stdin, max_bytes - len(head))
            yield from _documents(head + rest, STDIN, max_bytes, stream_threshold, strict)
            return
    except OSError as e:
        yield ScanError(source, f"{source}: cannot read: {e.strerror or e}")
        return
    yield from _stream_once(_Checked(stdin, source, max_bytes, head), source)


# --- streaming ---------------------------------------------------------------------------------------------


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


class _InputError(Exception):
    """What is wrong with streamed input, as the one line to report (never quoting the input)."""


class _Checked:
    """A binary reader for ijson that counts bytes, skips a UTF-8 BOM, enforces the size limit and checks
    UTF-8 as it goes, so an invalid byte is reported at its exact offset (ijson's own message would quote
    the bytes around it)."""

    def __init__(self, raw: BinaryIO, source: str, max_bytes: int, head: bytes = b"") -> None:
        self.raw = raw
        self.source = source
        self.max_bytes = max_bytes
        self.head = head
        self.offset = 0  # bytes handed out so far
        self.decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self.first = True
        self.failure: _InputError | None = None

    def read(self, n: int = -1) -> bytes:
        if n == 0:  # ijson asks for nothing to learn whether the stream gives bytes or text
            return b""
        if self.head:
            cut = len(self.head) if n is None or n < 0 else n
            block, self.head = self.head[:cut], self.head[cut:]
        else:
            block = self.raw.read(n if n is not None and n > 0 else 1 << 16)
        if self.failure is not None:
            raise self.failure
        start = self.offset
        if self.first and block:
            self.first = False
            if block.startswith(_BOM):
                block = block[len(_BOM) :]
                start = self.offset = len(_BOM)
        self.offset += len(block)
        if self.offset > self.max_bytes:
            raise _InputError(
                f"input is above the {self.max_bytes}-byte limit (raise it with --max-file-size)"
            )
        held = len(self.decoder.getstate()[0])  # bytes of a character begun in the previous block
        try:
            self.decoder.decode(block, final=not block)
        except UnicodeDecodeError as e:
            cut = max(e.start - held, 0)
            bad = block[cut] if cut < len(block) else None
            what = f"invalid byte 0x{bad:02x}" if bad is not None else "a truncated UTF-8 sequence"
            self.failure = _InputError(f"not UTF-8 text ({what} at offset {start + e.start - held})")
            self.offset = start + cut
            if cut == 0:
                raise self.failure from None
            return block[:cut]  # the valid text before it is parsed first; the next read fails
        return block


_YAJL_DETAIL = re.compile(r"(?:lexical|parse) error: [A-Za-z0-9 ,'(){}:;._-]{1,100}")


def _json_error(e: Exception, offset: int) -> str:
    """One line for an ijson error: yajl's own description (a fixed text, never input) and an offset."""
    text = str(e)
    if text.startswith(("b'", 'b"')):
        text = text[2:]
    first = re.split(r"\\n|\n", text, maxsplit=1)[0]
    detail = _YAJL_DETAIL.fullmatch(first.strip())
    if "premature EOF" in first or "Incomplete JSON content" in first:
        return f"truncated JSON: the input ends inside a value (after byte {offset})"
    reason = f" ({detail.group(0)})" if detail else ""
    return f"invalid JSON before byte {offset}{reason}"


def _payload_stream(path: str, max_bytes: int) -> tuple[IO[bytes], _Checked]:
    """The file (decompressed), and a checked, bounded reader over it that skips a UTF-8 byte order
    mark."""
    f = _open(path)
    try:
        head = f.read(2)
    except BaseException:
        f.close()
        raise
    f.close()
    if head in (b"\xff\xfe", b"\xfe\xff"):
        raise _InputError("UTF-16 files this large cannot be streamed; convert to UTF-8")
    f = _open(path)
    gz = isinstance(f, gzip.GzipFile)
    raw: Any = _Bounded(f, max_bytes) if gz else f
    return f, _Checked(raw, path, max_bytes)


def _limit_message(e: Exception, max_bytes: int) -> str | None:
    if isinstance(e, _TooLarge):
        return f"decompressed data is above the {max_bytes}-byte limit (raise it with --max-file-size)"
    if isinstance(e, zlib.error | EOFError):
        return f"not valid gzip data: {e}"
    return None


def _payload_keys(path: str, max_bytes: int) -> tuple[str, list[str], Duplicates] | ScanError:
    """One streaming pass over a large file: is its top level an object or a list of pages, which payload
    keys (AutoScalingGroups, ...) does it hold, and does any object repeat a key?"""
    from ..aws.documents import EXTRACTORS

    keys: list[str] = []
    top = ""
    dups = Duplicates()
    stack: list[set[str]] = []
    try:
        f, reader = _payload_stream(path, max_bytes)
        with f:
            try:
                for prefix, event, value in ijson.parse(reader, multiple_values=True, use_float=True):
                    if not top and prefix == "":
                        top = event
                    if event == "map_key":
                        if value in stack[-1]:
                            dups.note(value)
                        else:
                            stack[-1].add(value)
                        payload = value in EXTRACTORS or value == TRAIL_KEY
                        if prefix in ("", "item") and payload and value not in keys:
                            keys.append(value)
                    elif event == "start_map":
                        stack.append(set())
                    elif event == "end_map":
                        stack.pop()
            except _InputError as e:
                if not keys:
                    return ScanError(path, f"{path}: {e}")
            except (_TooLarge, zlib.error, EOFError) as e:
                return ScanError(path, f"{path}: {_limit_message(e, max_bytes)}")
            except (ijson.JSONError, ValueError) as e:
                if not keys:  # with a payload key found, the item pass reads what it can and reports it
                    return ScanError(path, f"{path}: {_json_error(e, reader.offset)}")
    except _InputError as e:
        return ScanError(path, f"{path}: {e}")
    except _NotRegular as e:
        return ScanError(path, f"{path}: not a regular file ({e}), not opened")
    except OSError as e:
        return ScanError(path, f"{path}: cannot read file: {e.strerror or e}")
    if top not in ("start_map", "start_array"):
        return ScanError(path, f"{path}: top level is not an API response object")
    return top, keys, dups


def stream(path: str, batch: int = STREAM_BATCH, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> Iterator[Item]:
    """A large file (gzip too), read item by item: memory stays bounded by one batch of items, whatever
    the size.

    Each batch of items becomes a document shaped like a page of the original response (a batch of a
    CloudTrail log's events, the responses of what they wrote).
    """
    found = _payload_keys(path, max_bytes)
    if isinstance(found, ScanError):
        yield found
        return
    top, keys, dups = found
    if not keys:
        yield ScanError(path, f"{path}: no AWS API response payload found in this large file")
        return
    documents = 0
    for key in keys:
        prefix = f"{key}.item" if top == "start_map" else f"item.{key}.item"
        items: list[Any] = []
        try:
            f, reader = _payload_stream(path, max_bytes)
            with f:
                try:
                    for item in ijson.items(reader, prefix, multiple_values=True, use_float=True):
                        items.append(item)
                        if len(items) >= batch:
                            for out in _batch(path, key, items):
                                documents += isinstance(out, Document)
                                yield out
                            items = []
                except _InputError as e:
                    failure = str(e)
                except (_TooLarge, zlib.error, EOFError) as e:
                    failure = _limit_message(e, max_bytes) or ""
                except (ijson.JSONError, ValueError) as e:
                    failure = _json_error(e, reader.offset)
                else:
                    failure = ""
        except _InputError as e:
            failure = str(e)
        except (_NotRegular, OSError) as e:
            failure = f"cannot read file: {e.strerror if isinstance(e, OSError) else e}"
        for out in _batch(path, key, items) if items else ():
            documents += isinstance(out, Document)
            yield out
        if failure:
            yield ScanError(path, f"{path}: {failure}")
            return
    if not documents and keys == [TRAIL_KEY]:
        yield Skipped(path, cloudtrail.NO_RESOURCES)
    duplicates = dups.error(path, streamed=True)
    if duplicates is not None:
        yield duplicates


def _batch(path: str, key: str, items: list[Any]) -> list[Item]:
    """The documents of one batch of a streamed file's items; a batch of a CloudTrail log's events gives
    what they wrote, with the notes and the nesting error a log read whole gives (`content._recorded`)."""
    if key != TRAIL_KEY:
        return [Document(path, {key: items})]
    try:
        responses = cloudtrail.convert({key: items})
    except RecursionError:
        return [too_deep(path)]
    notes: list[Item] = [Skipped(path, note) for note in responses.notes]
    return notes + [Document(path, doc, per_source=False) for doc in responses.documents()]


def _stream_once(reader: _Checked, source: str, batch: int = STREAM_BATCH) -> Iterator[Document | ScanError]:
    """Input that can be read only once (standard input), streamed in one pass: the items of every payload
    key, in batches, memory bounded by a batch."""
    from ijson.common import ObjectBuilder

    from ..aws.documents import EXTRACTORS

    starts = {f"{k}.item": k for k in EXTRACTORS} | {f"item.{k}.item": k for k in EXTRACTORS}
    pending: dict[str, list[Any]] = {}
    dups = Duplicates()
    stack: list[set[str]] = []
    builder: ObjectBuilder | None = None
    key = ""
    depth = 0
    top = ""
    seen = False
    try:
        for prefix, event, value in ijson.parse(reader, multiple_values=True, use_float=True):
            if not top and prefix == "":
                top = event
                if top not in ("start_map", "start_array"):
                    yield ScanError(source, f"{source}: top level is not an API response object")
                    return
            if event == "map_key":
                if value in stack[-1]:
                    dups.note(value)
                else:
                    stack[-1].add(value)
            elif event == "start_map":
                stack.append(set())
            elif event == "end_map":
                stack.pop()
            if builder is None:
                item_key = starts.get(prefix)
                if item_key is None or event in ("end_map", "end_array", "map_key"):
                    continue
                seen = True
                if event not in ("start_map", "start_array"):  # a scalar where an item goes
                    pending.setdefault(item_key, []).append(value)
                else:
                    builder, key, depth = ObjectBuilder(), item_key, 0
            assert builder is not None
            builder.event(event, value)
            if event in ("start_map", "start_array"):
                depth += 1
            elif event in ("end_map", "end_array"):
                depth -= 1
            if depth == 0:
                pending.setdefault(key, []).append(builder.value)
                builder = None
                if len(pending[key]) >= batch:
                    yield Document(source, {key: pending.pop(key)})
    except _InputError as e:
        failure = str(e)
    except (ijson.JSONError, ValueError) as e:
        failure = _json_error(e, reader.offset)
    except OSError as e:
        failure = f"cannot read: {e.strerror or e}"
    else:
        failure = ""
    for k, items in pending.items():
        yield Document(source, {k: items})
    if failure:
        yield ScanError(source, f"{source}: {failure}")
    elif not seen:
        yield ScanError(source, f"{source}: no AWS API response payload found in this large input")
    duplicates = dups.error(source, streamed=True)
    if duplicates is not None:
        yield duplicates


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
