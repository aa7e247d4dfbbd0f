"""Hyperscan databases kept on disk between runs, so that a run loads what an earlier one compiled.

A scan compiles a dozen block-mode databases (the keywords, the rules without keywords, a gate for each rule
that costs time): half a second of every run of 10,000 groups, the same half second each time.  A database
is stored under a name that is the SHA-256 of everything its compilation depends on (the package's version,
the expressions, their ids and flags, literal or not), so a stored copy is only ever the database that
compiling would make; Hyperscan refuses a copy made by another version or for another platform, and one that
does not load is compiled again and replaced.

The folder is `$METASCAN_CACHE_DIR`, else `$XDG_CACHE_HOME/metascan`, else `~/.cache/metascan`; an empty
`METASCAN_CACHE_DIR` turns the cache off.  It holds compiled patterns only (no input, no finding), readable
by its owner alone.  A folder that cannot be made or written leaves every database compiled in memory, as
without a cache: never an error.

`scratch` gives each thread the scratch space of its own that a scan with one of these databases needs.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

try:
    import hyperscan
except ImportError:  # pragma: no cover - the wheel exists for the platforms metascan supports
    hyperscan = None  # type: ignore[assignment]

_FORMAT = b"metascan-hyperscan-cache-1"


def cache_dir() -> Path | None:
    """Where databases are kept, or None when the cache is off (`METASCAN_CACHE_DIR` set and empty)."""
    configured = os.environ.get("METASCAN_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "metascan"


def compile_database(
    expressions: list[bytes], ids: list[int], flags: list[int], literal: bool = False
) -> Any:
    """A block-mode database of the expressions: the stored copy when there is one that loads, else compiled
    (and stored).  Raises `hyperscan.error` as compiling does when Hyperscan rejects an expression."""
    folder = cache_dir()
    path = None if folder is None else folder / f"hs-{_key(expressions, ids, flags, literal)}.db"
    if path is not None:
        with contextlib.suppress(OSError, hyperscan.error):
            return hyperscan.loadb(path.read_bytes(), hyperscan.HS_MODE_BLOCK)
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    database.compile(
        expressions=expressions, ids=ids, elements=len(expressions), flags=flags, literal=literal
    )
    if path is not None:
        _store(path, hyperscan.dumpb(database))
    return database


def scratch(local: threading.local, database: Any, which: int = 0) -> Any:
    """This thread's scratch space for one of an object's databases (`which`: 0 or 1).  Hyperscan's scratch
    serves one scan at a time, and a scan lets other threads run: each thread scans with scratch of its own
    (a caller may share an engine between threads)."""
    spaces = getattr(local, "scratch", None)
    if spaces is None:
        spaces = local.scratch = [None, None]
    if spaces[which] is None:
        spaces[which] = hyperscan.Scratch(database)
    return spaces[which]


def _key(expressions: list[bytes], ids: list[int], flags: list[int], literal: bool) -> str:
    digest = hashlib.sha256(_FORMAT)
    digest.update(f"\0{getattr(hyperscan, '__version__', '?')}\0{literal}\0{len(expressions)}\0".encode())
    for expression, ident, flag in zip(expressions, ids, flags, strict=True):
        digest.update(f"{ident}:{flag}:{len(expression)}:".encode())
        digest.update(expression)
    return digest.hexdigest()


def _store(path: Path, data: bytes) -> None:
    """Write atomically (a reader sees the old file or the whole new one), readable by the owner alone."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".hs-", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
