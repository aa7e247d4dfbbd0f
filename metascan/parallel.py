"""`metascan scan --jobs N`: files read and scanned by N worker processes, the report made by one.

Each worker has a scanner of its own (the parent's rules, fingerprint key and options, inherited by fork; no
checks) and runs `Scanner.read_response` over whole files: reading, parsing, extraction, decoding and
detection.  It sends back each file's steps (resource records, candidate findings, skips, errors) with the
resources it saw and its number of fields.  The parent takes the files' results in input order and runs
them through its own scanner's `settle`: the checks see every record and each value is reported once, so
the events are those of a scan in one process, in the same order.

At most two files per worker are in flight, so the parent holds a few files' results, never the input.
Files large enough to be streamed, and standard input, are read by the parent itself, in their turn.  The
"fork" start method is required (Linux, macOS); where it is missing, the scan runs in one process.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.pool import AsyncResult
from typing import Any

from .detect.rules import Rule
from .fingerprint import Fingerprinter
from .model import ScanError, Skipped
from .scanner import Event, Scanner, ScanOptions, Step
from .sources import files as file_source


@dataclass(frozen=True, slots=True)
class FileSteps:
    """What a worker read and scanned in one file."""

    steps: tuple[Step, ...]
    resources: frozenset[int]
    fields: int
    documents: int  # documents recognised in the file


@dataclass(frozen=True, slots=True)
class _Local:
    """A file the parent reads itself (streamed or standard input)."""

    path: str


_Pending = ScanError | _Local | AsyncResult[FileSteps]

# The scanner, file size limit and strictness of this worker process: set by `_start_worker` in each worker,
# never used in the parent (a pool's tasks can only reach per-process state this way).
_worker: tuple[Scanner, int, bool] | None = None


def _start_worker(
    rules: Sequence[Rule], fingerprinter: Fingerprinter, options: ScanOptions, max_bytes: int, strict: bool
) -> None:
    global _worker
    # Ctrl-C reaches the whole process group: the parent stops the pool and says so in one line, so workers
    # ignore it instead of each printing a KeyboardInterrupt traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker = (Scanner(rules, fingerprinter, options), max_bytes, strict)


def _scan_file(path: str) -> FileSteps:
    assert _worker is not None, "not a worker process"
    scanner, max_bytes, strict = _worker
    scanner.resources, scanner.fields = set(), 0
    steps: list[Step] = []
    documents = 0
    for doc in file_source.read(path, max_bytes, strict=strict):
        if isinstance(doc, file_source.Document):
            documents += 1
            steps.extend(scanner.read_response(doc.source, doc.data, None, doc.locate, doc.per_source))
        else:
            steps.append(doc)
    return FileSteps(tuple(steps), frozenset(scanner.resources), scanner.fields, documents)


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def parallel_file_events(
    scanner: Scanner,
    paths: Iterable[str],
    jobs: int,
    max_file_bytes: int = file_source.DEFAULT_MAX_FILE_BYTES,
    strict: bool = False,
    on_input: Callable[[str], None] | None = None,
) -> Iterator[Event]:
    """The events of scanning `paths` with `jobs` worker processes, as `api.file_events` gives them."""
    init = (scanner.engine.rules, scanner.fingerprinter, scanner.options, max_file_bytes, strict)
    tally = file_source.Tally()
    with (
        _Interrupt() as interrupt,
        multiprocessing.get_context("fork").Pool(jobs, _start_worker, init) as pool,
    ):
        window: deque[_Pending] = deque()
        for path in file_source.expand(paths):
            interrupt.check()
            if on_input is not None and not isinstance(path, ScanError):
                on_input(path)
            window.append(_submit(pool, path))
            if len(window) >= 2 * jobs:
                yield from _settle(scanner, window.popleft(), max_file_bytes, strict, tally, interrupt)
        while window:
            yield from _settle(scanner, window.popleft(), max_file_bytes, strict, tally, interrupt)
    yield from tally.finish()
    yield from scanner.finish()


class _Interrupt:
    """Ctrl-C in the parent while the pool runs, taken at a safe point.

    A KeyboardInterrupt raised wherever the parent happens to be can land inside the pool's own locks, and
    terminating the pool then waits forever.  So, in the main thread, SIGINT only sets a flag, and the parent
    raises KeyboardInterrupt itself between files or while waiting for one (`check`); leaving the pool's
    `with` block then terminates the workers.  Elsewhere (another thread) SIGINT is left as it is.
    """

    POLL = 0.2  # seconds between checks while waiting for a worker

    def __init__(self) -> None:
        self.hit = False
        self._previous: Any = None
        self._installed = False

    def __enter__(self) -> _Interrupt:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
            self._installed = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)

    def _handle(self, signum: int, frame: Any) -> None:
        self.hit = True

    def check(self) -> None:
        if self.hit:
            raise KeyboardInterrupt

    def wait(self, pending: AsyncResult[FileSteps]) -> FileSteps:
        while not pending.ready():
            self.check()
            pending.wait(self.POLL)
        self.check()
        return pending.get()


def _submit(pool: multiprocessing.pool.Pool, path: str | ScanError) -> _Pending:
    if isinstance(path, ScanError):
        return path
    if path == file_source.STDIN or _streamed(path):
        return _Local(path)
    return pool.apply_async(_scan_file, (path,))


def _streamed(path: str) -> bool:
    try:
        return os.path.getsize(path) >= file_source.STREAM_THRESHOLD
    except OSError:
        return False  # the worker reports why it cannot be read


def _settle(
    scanner: Scanner,
    pending: _Pending,
    max_file_bytes: int,
    strict: bool,
    tally: file_source.Tally,
    interrupt: _Interrupt,
) -> Iterator[Event]:
    if isinstance(pending, ScanError):
        tally.note(pending)
        yield pending
    elif isinstance(pending, _Local):
        for doc in file_source.read(pending.path, max_file_bytes, strict=strict):
            tally.note(doc)
            if isinstance(doc, file_source.Document):
                yield from scanner.scan_response(doc.source, doc.data, None, doc.locate, doc.per_source)
            else:
                yield doc
    else:
        result = interrupt.wait(pending)
        scanner.resources |= result.resources
        scanner.fields += result.fields
        tally.documents += result.documents
        for step in result.steps:
            if isinstance(step, ScanError | Skipped):
                tally.note(step)
        yield from scanner.settle(result.steps)
