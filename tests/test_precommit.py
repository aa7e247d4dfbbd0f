""".pre-commit-hooks.yaml, run by pre-commit itself: `pre-commit try-repo` on a temporary git repository.

pre-commit installs the hook (`language: python`) from this checkout into a virtualenv of its own, with pip
as this machine configures it: metascan's dependencies come from the package registry pip uses (nothing
else is downloaded).  That install takes a minute or two, once per run of this test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IAC = Path(__file__).resolve().parent / "fixtures" / "iac"

pytestmark = pytest.mark.skipif(
    not (ROOT / ".git").exists() or shutil.which("git") is None,
    reason="pre-commit installs hooks from a git repository: this is not a git checkout",
)


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_the_hook_fails_a_commit_that_adds_a_secret_and_reads_only_what_it_recognises(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    shutil.copy(IAC / "web-stack.yaml", repo / "web-stack.yaml")
    shutil.copy(IAC / "terraform" / "variables.tf", repo / "variables.tf")
    (repo / "package.json").write_text('{"name": "app", "version": "1.0.0", "scripts": {}}\n')
    (repo / "README.md").write_text("# infra\n")
    _git(repo, "add", ".")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PRE_COMMIT_COLOR": "never"}
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "metascan", "--all-files"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "- hook id: metascan" in out and "- exit code: 1" in out, out
    # The findings, at the lines to change; a raw secret never in the hook's output.
    assert "template-noecho-default" in out and "at web-stack.yaml:11" in out, out
    assert "at variables.tf:5" in out, out
    assert "Tm4-Rw9x-Kp2q" not in out and "Jc5-Tv8k-Hy3m" not in out
    # package.json was handed to the hook (it matches the hook's files) and skipped with its reason;
    # README.md was not handed to it.
    assert "skipped: package.json: an npm package manifest" in out, out
    assert "README.md" not in out
