"""Run a command in a subprocess and measure it: wall time, and peak memory of it and every process it starts.

Peak memory is the larger of two readings, both from /proc, sampled every 20 ms while the command runs: the
kernel's high-water mark of resident memory (VmHWM) of the largest process of the tree, and the largest total
over the tree of each process's proportional set size (PSS: pages that forked workers share count once in
all, not once per process; RSS where PSS is not available).  The high-water mark misses nothing but the last
20 ms of a process; the total can miss a peak shorter than 20 ms.  (`wait4`'s ru_maxrss is no use here: a
child created by fork and exec inherits its parent's resident size as a floor.)
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True, slots=True)
class Measured:
    wall: float  # seconds
    peak_memory: int  # bytes
    returncode: int
    stdout: str
    stderr: str


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            out.extend(int(c) for c in task.read_text().split())
        except OSError:
            continue
    return out


def _proc_kb(path: str, key: str) -> int | None:
    """The size on the `key:` line of a /proc file, in bytes; None where the file or the line is missing."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return None


def _memory(pid: int) -> int:
    """PSS of one process in bytes (RSS where /proc has no smaps_rollup); 0 once it is gone."""
    pss = _proc_kb(f"/proc/{pid}/smaps_rollup", "Pss:")
    if pss is not None:
        return pss
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _high_water(pid: int) -> int:
    return _proc_kb(f"/proc/{pid}/status", "VmHWM:") or 0


def tree(pid: int) -> list[int]:
    """A process and all its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(_children(p))
    return out


class _Sampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.total, self.largest, self.stop = pid, 0, 0, threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.02):
            pids = tree(self.pid)
            self.total = max(self.total, sum(_memory(p) for p in pids))
            self.largest = max([self.largest, *(_high_water(p) for p in pids)])


def run(cmd: Sequence[str], env: Mapping[str, str] | None = None, cwd: str | Path | None = None) -> Measured:
    """Run `cmd` to completion; stdout and stderr go to temporary files (never a pipe that could fill)."""
    with open(os.devnull, "rb") as stdin, tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd, stdin=stdin, stdout=out, stderr=err, env=dict(env) if env else None, cwd=cwd
        )
        sampler = _Sampler(proc.pid)
        sampler.start()
        _, status = os.waitpid(proc.pid, 0)
        wall = time.perf_counter() - start
        sampler.stop.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        peak = max(sampler.total, sampler.largest)
        return Measured(wall, peak, proc.returncode, out.read().decode(), err.read().decode())
