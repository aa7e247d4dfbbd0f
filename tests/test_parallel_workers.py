"""`--jobs`: a worker process that dies (the OOM killer, SIGKILL) is an error naming its file, and the rest
of the scan completes (issue 17, point 10)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from metascan import parallel

pytestmark = pytest.mark.skipif(not parallel.can_fork(), reason="worker processes need the fork start method")

# The scan runs in a process of its own: before the fix the parent waited forever for the dead worker.
_SCAN = textwrap.dedent(
    """
    import json, os, signal, sys
    from metascan import parallel
    scan_file = parallel._scan_file

    def dying(path):
        if path.endswith(sys.argv[2]):
            os.kill(os.getpid(), getattr(signal, sys.argv[3]))
        if path.endswith("raises.json"):
            raise MemoryError
        return scan_file(path)

    parallel._scan_file = dying  # the workers are forked: they inherit it
    from metascan.api import scan_files
    report = scan_files([sys.argv[1]], jobs=2, fingerprint_key=b"k" * 32)
    print(json.dumps(report.to_dict(show_secrets=True)))
    """
)


def _group(i: int) -> dict[str, object]:
    return {"AutoScalingGroupName": f"g{i}", "Tags": [{"Key": "Owner", "Value": f"owner.{i}@gmail.com"}]}


@pytest.mark.parametrize("sig", ["SIGKILL", "SIGSEGV"])
def test_a_worker_that_dies_is_an_error_naming_its_file_and_the_rest_completes(
    tmp_path: Path, sig: str
) -> None:
    for i in range(8):
        (tmp_path / f"f{i}.json").write_text(json.dumps({"AutoScalingGroups": [_group(i)]}))
    (tmp_path / "raises.json").write_text(json.dumps({"AutoScalingGroups": [_group(99)]}))
    done = subprocess.run(
        [sys.executable, "-c", _SCAN, str(tmp_path), "f3.json", sig],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert sorted(f["match"] for f in report["findings"]) == sorted(
        f"owner.{i}@gmail.com" for i in (0, 1, 2, 4, 5, 6, 7)
    )
    reason = "killed by SIGKILL, e.g. the out-of-memory killer" if sig == "SIGKILL" else "killed by SIGSEGV"
    assert [e["message"] for e in report["errors"]] == [
        f"{tmp_path / 'f3.json'}: the worker process scanning this file died ({reason}); the file was not"
        " scanned",
        f"{tmp_path / 'raises.json'}: scanning failed in a worker process: MemoryError",
    ]
