"""The nightly job in contrib/nightly.sh, run as cron would run it, against the repository's examples."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers_reports import validate_report

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "contrib" / "nightly.sh"

pytestmark = pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")


def nightly(reports: Path, inputs: Path, day: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("METASCAN_")}
    full.update(
        METASCAN=f"{sys.executable} -m metascan",
        METASCAN_NIGHTLY_DATE=day,
        METASCAN_FINGERPRINT_KEY="nightly-key-0123456789abcdef",
        PYTHONDONTWRITEBYTECODE="1",
    )
    full.update(env)
    return subprocess.run(
        ["sh", str(SCRIPT), str(reports), str(inputs)],
        capture_output=True,
        text=True,
        env=full,
        cwd=reports.parent,
        check=False,
        timeout=300,
    )


def load(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text())
    validate_report(doc)
    return doc


def test_two_nights_against_the_examples_the_second_using_the_first_as_baseline(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    examples = REPO / "examples"

    first = nightly(reports, examples, "2024-05-01")
    assert first.returncode == 0, first.stderr  # the examples hold findings: the baseline accepts them
    night1 = load(reports / "metascan-2024-05-01.json")
    assert night1["findings"] and "baseline" not in night1
    assert (reports / "baseline.json").read_bytes() == (reports / "metascan-2024-05-01.json").read_bytes()
    assert first.stderr == f"metascan nightly: baseline created from {reports / 'metascan-2024-05-01.json'}\n"

    second = nightly(reports, examples, "2024-05-02")
    assert second.returncode == 0, second.stderr
    night2 = load(reports / "metascan-2024-05-02.json")
    assert night2["findings"] == []
    assert night2["baseline"] == {
        "source": str(reports / "baseline.json"),
        "known": len(night1["findings"]),
        "resolved": [],
    }
    assert os.readlink(reports / "latest.json") == "metascan-2024-05-02.json"
    assert load(reports / "metascan-2024-05-01.json") == night1  # earlier reports stay

    # Night three: one new file with a finding, and one export gone.
    changed = tmp_path / "exports"
    shutil.copytree(examples, changed)
    (changed / "autoscaling-describe-lifecycle-hooks.json").unlink()
    tags = [{"Key": "Owner", "Value": "new.person@gmail.com"}]
    (changed / "new.json").write_text(
        json.dumps({"AutoScalingGroups": [{"AutoScalingGroupName": "new", "Tags": tags}]})
    )
    third = nightly(reports, changed, "2024-05-03")
    assert third.returncode == 1
    assert f"new findings, see {reports / 'metascan-2024-05-03.json'}" in third.stderr
    night3 = load(reports / "metascan-2024-05-03.json")
    assert [(f["rule"], f["resource"]["id"]) for f in night3["findings"]] == [("email-address", "new")]
    assert {r["resource"]["type"] for r in night3["baseline"]["resolved"]} == {"LifecycleHook"}
    assert (reports / "baseline.json").read_bytes() == (reports / "metascan-2024-05-01.json").read_bytes()


def test_a_night_with_another_key_fails_loudly_and_writes_nothing(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    examples = REPO / "examples"
    assert nightly(reports, examples, "2024-05-01").returncode == 0
    proc = nightly(reports, examples, "2024-05-02", METASCAN_FINGERPRINT_KEY="a-different-key-0123456789")
    assert proc.returncode == 2
    assert "baseline was made with another fingerprint key" in proc.stderr
    assert not (reports / "metascan-2024-05-02.json").exists()
    assert os.readlink(reports / "latest.json") == "metascan-2024-05-01.json"


def test_a_first_night_with_errors_makes_no_baseline(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "broken.json").write_text("{")
    proc = nightly(reports, inputs, "2024-05-01")
    assert proc.returncode == 2
    assert load(reports / "metascan-2024-05-01.json")["summary"]["errors"] == 1  # what could be read
    assert not (reports / "baseline.json").exists()


def test_usage(tmp_path: Path) -> None:
    proc = subprocess.run(["sh", str(SCRIPT), str(tmp_path)], capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and proc.stderr.startswith("usage: ")


@pytest.mark.parametrize("previous", [False, True], ids=["first-run", "rerun-same-day"])
def test_a_crash_is_not_reported_as_new_findings(tmp_path: Path, previous: bool) -> None:
    """A metascan that dies with exit 1 (a traceback) and writes nothing was reported as "new findings"
    pointing at a report that did not exist (or at the previous run's); issue 17, point 17."""
    reports = tmp_path / "reports"
    reports.mkdir()
    report = reports / "metascan-2024-05-01.json"
    if previous:
        report.write_text("{}\n")
    crash = tmp_path / "crash.sh"
    crash.write_text("#!/bin/sh\necho 'Traceback (most recent call last):' >&2\nexit 1\n")
    inputs = tmp_path / "in"
    inputs.mkdir()
    proc = nightly(reports, inputs, "2024-05-01", METASCAN=f"sh {crash}")
    assert proc.returncode == 2
    assert "new findings" not in proc.stderr
    assert f"metascan exited 1 without writing {report}" in proc.stderr
    assert not (reports / "baseline.json").exists() and not (reports / "latest.json").exists()


def _venv_like(root: Path) -> Path:
    """A checkout with the script in contrib/ and a venv whose metascan is this interpreter's."""
    (root / "contrib").mkdir(parents=True)
    shutil.copy(SCRIPT, root / "contrib" / "nightly.sh")
    bin_dir = root / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    exe = bin_dir / "metascan"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m metascan "$@"\n')
    exe.chmod(0o755)
    return root / "contrib" / "nightly.sh"


def test_metascan_is_found_in_the_venv_of_the_checkout_without_path(tmp_path: Path) -> None:
    script = _venv_like(tmp_path / "checkout")
    env = {
        "PATH": "/usr/bin:/bin",  # cron's: no venv on it
        "METASCAN_NIGHTLY_DATE": "2024-05-01",
        "METASCAN_FINGERPRINT_KEY": "nightly-key-0123456789abcdef",
        "HOME": str(tmp_path),
    }
    assert shutil.which("metascan", path=env["PATH"]) is None
    reports = tmp_path / "reports"
    proc = subprocess.run(
        ["sh", str(script), str(reports), str(REPO / "examples")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "baseline created" in proc.stderr and load(reports / "metascan-2024-05-01.json")["findings"]


def test_without_any_metascan_it_says_so(tmp_path: Path) -> None:
    (tmp_path / "contrib").mkdir()
    shutil.copy(SCRIPT, tmp_path / "contrib" / "nightly.sh")
    proc = subprocess.run(
        ["sh", str(tmp_path / "contrib" / "nightly.sh"), str(tmp_path / "r"), "x"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert proc.returncode == 2 and "metascan not found" in proc.stderr and "set METASCAN" in proc.stderr
