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

Each worker is a process of its own with a pipe to the parent, scanning one file at a time.  A worker that
dies (the OOM killer, SIGKILL, a crash in a C extension) is noticed through its process sentinel: its file
becomes an error naming it, a new worker takes its place and the rest of the scan goes on.  An exception
inside a worker is an error naming the file too.  Workers ignore SIGINT: Ctrl-C reaches the parent, which
stops them.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
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


# The scanner, file size limit and strictness of this worker process: set by `_start_worker` in each worker,
# never used in the parent (a worker's tasks can only reach per-process state this way).
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


def _worker_main(conn: Connection, init: tuple[Any, ...]) -> None:
    """A worker process: scan the files the parent sends, one at a time, until it sends None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    _start_worker(*init)
    while True:
        try:
            path = conn.recv()
        except (EOFError, OSError):
            return
        if path is None:
            return
        result: FileSteps | ScanError
        try:
            result = _scan_file(path)
        except Exception as e:  # a bug or a resource limit: the file's error, not the scan's end
            result = ScanError(path, f"{path}: scanning failed in a worker process: {type(e).__name__}")
        conn.send(result)


@dataclass(eq=False)
class _Slot:
    """One input in input order: an event ready now, a file the parent reads, or a file for a worker."""

    item: ScanError | Skipped | _Local | str
    result: FileSteps | ScanError | None = None
    worker: _Worker | None = None


class _Worker:
    def __init__(self, ctx: Any, init: tuple[Any, ...]) -> None:
        self.conn, child = ctx.Pipe(duplex=True)
        self.process: BaseProcess = ctx.Process(target=_worker_main, args=(child, init), daemon=True)
        self.process.start()
        child.close()
        self.slot: _Slot | None = None

    def give(self, slot: _Slot) -> None:
        assert isinstance(slot.item, str)
        self.slot, slot.worker = slot, self
        self.conn.send(slot.item)

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.conn.close()


def _death(process: BaseProcess) -> str:
    code = process.exitcode
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = ", e.g. the out-of-memory killer" if -code == signal.SIGKILL else ""
        return f"killed by {name}{hint}"
    return f"exit status {code}"


class _Interrupt:
    """Ctrl-C in the parent, remembered: Python raises KeyboardInterrupt wherever the main thread happens
    to be, and where that is a finaliser (`__del__`, a weakref callback) the exception is printed and
    dropped, and the scan would go on.  The flag makes the loop raise it again at its next step."""

    def __init__(self) -> None:
        self.seen = False
        self.previous: Any = None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum: int, frame: Any) -> None:
        self.seen = True
        raise KeyboardInterrupt

    def check(self) -> None:
        if self.seen:
            raise KeyboardInterrupt

    def restore(self) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
            self.previous = None


class _Workers:
    """`jobs` worker processes; a worker that dies is replaced and its file is an error."""

    def __init__(self, jobs: int, init: tuple[Any, ...]) -> None:
        self.ctx = multiprocessing.get_context("fork")
        self.init = init
        self.all = [_Worker(self.ctx, init) for _ in range(jobs)]

    def idle(self) -> list[_Worker]:
        return [w for w in self.all if w.slot is None]

    def collect(self) -> None:
        """Wait until a busy worker answers or dies, and record what happened to its file."""
        busy = [w for w in self.all if w.slot is not None]
        ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy]))
        for w in busy:
            if w.conn not in ready and w.process.sentinel not in ready:
                continue
            slot = w.slot
            assert slot is not None and isinstance(slot.item, str)
            try:
                slot.result = w.conn.recv() if w.conn.poll() else None
            except (EOFError, OSError):
                slot.result = None
            if slot.result is None:  # the process ended without answering
                w.process.join(5)
                slot.result = ScanError(
                    slot.item,
                    f"{slot.item}: the worker process scanning this file died ({_death(w.process)});"
                    " the file was not scanned",
                )
                w.conn.close()
                self.all[self.all.index(w)] = _Worker(self.ctx, self.init)
            w.slot = None

    def close(self) -> None:
        for w in self.all:
            w.stop()
        for w in self.all:
            w.process.join(5)
            if w.process.is_alive():
                w.process.kill()
                w.process.join()


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
    interrupted = _Interrupt()
    workers = _Workers(jobs, init)
    try:
        inputs = iter(file_source.expand(paths))
        window: deque[_Slot] = deque()
        exhausted = False
        while True:
            interrupted.check()
            while not exhausted and len(window) < 2 * jobs:
                item = next(inputs, None)
                if item is None:
                    exhausted = True
                else:
                    if on_input is not None and isinstance(item, str):
                        on_input(item)
                    window.append(_Slot(_classify(item)))
            idle = workers.idle()
            for slot in window:
                if not idle:
                    break
                if isinstance(slot.item, str) and slot.worker is None and slot.result is None:
                    idle.pop().give(slot)
            if not window:
                break
            head = window[0]
            if isinstance(head.item, str) and head.result is None:
                workers.collect()
                continue
            window.popleft()
            yield from _settle(scanner, head, max_file_bytes, strict, tally)
    finally:
        interrupted.restore()
        workers.close()
    yield from tally.finish()
    yield from scanner.finish()


def _classify(item: str | ScanError | Skipped) -> ScanError | Skipped | _Local | str:
    if isinstance(item, ScanError | Skipped):
        return item
    if item == file_source.STDIN or _streamed(item):
        return _Local(item)
    return item


def _streamed(path: str) -> bool:
    try:
        return os.path.getsize(path) >= file_source.STREAM_THRESHOLD
    except OSError:
        return False  # the worker reports why it cannot be read


def _settle(
    scanner: Scanner, slot: _Slot, max_file_bytes: int, strict: bool, tally: file_source.Tally
) -> Iterator[Event]:
    item = slot.item
    if isinstance(item, ScanError | Skipped):
        tally.note(item)
        yield item
    elif isinstance(item, _Local):
        for doc in file_source.read(item.path, max_file_bytes, strict=strict):
            tally.note(doc)
            if isinstance(doc, file_source.Document):
                yield from scanner.scan_response(doc.source, doc.data, None, doc.locate, doc.per_source)
            else:
                yield doc
    elif isinstance(slot.result, ScanError):
        tally.note(slot.result)
        yield slot.result
    else:
        result = slot.result
        assert result is not None
        scanner.resources |= result.resources
        scanner.fields += result.fields
        tally.documents += result.documents
        for step in result.steps:
            if isinstance(step, ScanError | Skipped):
                tally.note(step)
        yield from scanner.settle(result.steps)
