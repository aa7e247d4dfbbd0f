"""The README's examples as written: every ```python block runs (the live one against the local moto server),
and the Dockerfile builds from the repository.

Each Python block runs in a fresh namespace, in a folder whose `exports/` is a copy of `examples/` and whose
`baseline.json` is a report of those exports (the baseline example needs one).  No Docker engine runs here:
the Dockerfile is checked against the repository's layout instead (what it copies exists, it installs the
checkout, not a package from an index, and .dockerignore keeps local venvs out of the image).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
from aws_helpers import LT_PASSWORD, seed

import metascan

pytest_plugins = ["conftest_aws"]

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
PYTHON_BLOCKS = re.findall(r"^```python\n(.*?)^```", README, re.DOTALL | re.MULTILINE)
DOCKERFILES = re.findall(r"^```dockerfile\n(.*?)^```", README, re.DOTALL | re.MULTILINE)


def test_the_readme_has_its_examples() -> None:
    assert len(PYTHON_BLOCKS) >= 3 and len(DOCKERFILES) == 1


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(REPO / "examples", tmp_path / "exports")
    iac = Path(__file__).parent / "fixtures" / "iac"
    shutil.copy(iac / "web-stack.yaml", tmp_path / "template.yaml")
    shutil.copytree(iac / "terraform", tmp_path / "infra")
    monkeypatch.chdir(tmp_path)
    report = metascan.scan_files(["exports/"])  # with the tests' fingerprint key, as the examples use
    (tmp_path / "baseline.json").write_text(json.dumps(report.to_dict()))
    return tmp_path


def _run(block: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, "README.md", "exec"), {"__name__": "__readme__"})
    return out.getvalue()


@pytest.mark.parametrize(
    "block", [b for b in PYTHON_BLOCKS if "scan_aws" not in b], ids=lambda b: b.split("\n")[0][:40]
)
def test_the_library_examples_run_as_written(workdir: Path, block: str) -> None:
    printed = _run(block)
    assert printed.strip()  # every example prints what it found


@pytest.mark.live
def test_the_live_example_runs_against_the_local_emulator(
    moto: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (block,) = [b for b in PYTHON_BLOCKS if "scan_aws" in b]
    config = tmp_path / "aws-config"
    config.write_text(
        "[profile audit]\nregion = eu-west-1\naws_access_key_id = testing\naws_secret_access_key = testing\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto.endpoint)
    seeded = seed(moto, "eu-west-1")
    namespace: dict[str, Any] = {"__name__": "__readme__"}
    exec(compile(block, "README.md", "exec"), namespace)
    report = namespace["report"]  # the second call's: the audit profile, every region
    assert isinstance(report, metascan.Report)
    found = {(f.resource.region, f.match) for f in report.findings}
    assert ("eu-west-1", LT_PASSWORD) in found, (seeded, report.errors[:3])


def test_the_dockerfile_builds_from_the_repository() -> None:
    (dockerfile,) = DOCKERFILES
    lines = [line.strip() for line in dockerfile.replace("\\\n", " ").splitlines() if line.strip()]
    base = next(line for line in lines if line.startswith("FROM "))
    version = re.search(r"python:(\d+)\.(\d+)", base)
    requires = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"]
    assert version and requires == ">=3.11" and (int(version[1]), int(version[2])) >= (3, 11)
    copies = [line.split()[1:] for line in lines if line.startswith("COPY ")]
    assert ["."] in [c[:-1] for c in copies], "copies the checkout"
    for *sources, _ in copies:
        for source in sources:
            assert (REPO / source).exists(), source
    installs = [line for line in lines if "pip install" in line]
    assert installs
    for line in installs:
        args = line.split("pip install", 1)[1].split("&&")[0].split()
        assert "." in args, "installs the checkout"
        assert "metascan" not in args, "never metascan from a package index"
    # what the image runs exists in the checkout it copies
    for line in lines:
        for path in re.findall(r"\b(contrib/[\w./-]+)", line):
            assert (REPO / path).is_file(), path
    ignored = (REPO / ".dockerignore").read_text().split()
    assert ".venv" in ignored and ".git" in ignored
