"""`--jobs`: files scanned by worker processes give the report one process gives, event for event."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from metascan import parallel
from metascan.api import scan_files
from metascan.cli import cli
from metascan.report.report import Report
from metascan.sources import files as file_source

EXAMPLES = Path(__file__).parent.parent / "examples"
pytestmark = pytest.mark.skipif(not parallel.can_fork(), reason="worker processes need the fork start method")


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _version(lt: str, number: int, user_data: str, name: str = "web") -> dict[str, Any]:
    return {
        "LaunchTemplateId": lt,
        "LaunchTemplateName": name,
        "VersionNumber": number,
        "DefaultVersion": number == 1,
        "LaunchTemplateData": {"UserData": _b64(user_data)},
    }


def _corpus(root: Path) -> Path:
    """Examples, plus one template's versions over six files: its name (one field of one resource, with a
    secret, in every file: one finding, whichever worker reads it first) and user data repeated across
    files; an unreadable file and a file of the wrong shape."""
    shutil.copytree(EXAMPLES, root / "examples")
    secret = "export DB_PASSWORD='Tz7j6eB!SOebfTM#'\n"
    for i in range(6):
        numbers = (2 * i + 1, 2 * i + 2)
        versions = [
            _version("lt-0a1b2c3d4e5f60718", n, secret + f"echo {n % 3}\n", "pw=Qm3!vR8pLz") for n in numbers
        ]
        (root / f"versions-{i}.json").write_text(json.dumps({"LaunchTemplateVersions": versions}))
    (root / "broken.json").write_text('{"AutoScalingGroups": [')
    (root / "other.json").write_text('{"Buckets": []}')
    return root


def _same(a: Report, b: Report) -> None:
    assert [f.to_dict(True) for f in a.findings] == [f.to_dict(True) for f in b.findings]
    assert [s.to_dict() for s in a.skipped] == [s.to_dict() for s in b.skipped]
    assert [e.to_dict() for e in a.errors] == [e.to_dict() for e in b.errors]
    assert (a.resources, a.fields) == (b.resources, b.fields)


def test_workers_report_what_one_process_reports(tmp_path: Path) -> None:
    root = _corpus(tmp_path)
    one = scan_files([root], fingerprint_key=b"k")
    assert one.findings and one.errors and one.skipped
    assert sum(f.location.field == "LaunchTemplateName" for f in one.findings) == 1
    _same(scan_files([root], fingerprint_key=b"k", jobs=2), one)
    _same(scan_files([root], fingerprint_key=b"k", jobs=3), one)


def test_streamed_files_are_read_by_the_parent_in_their_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _corpus(tmp_path)
    one = scan_files([root], fingerprint_key=b"k")
    monkeypatch.setattr(file_source, "STREAM_THRESHOLD", 1000)  # the larger files become the parent's own
    streamed = parallel._streamed
    local = []
    monkeypatch.setattr(parallel, "_streamed", lambda path: streamed(path) and not local.append(path))
    _same(scan_files([root], fingerprint_key=b"k", jobs=2), one)
    assert local


def test_the_command_writes_the_same_report_with_jobs(tmp_path: Path) -> None:
    root = _corpus(tmp_path / "in")
    (tmp_path / "metascan.toml").write_text("")  # no suppressions from the working directory
    reports = []
    for jobs in ("1", "2"):
        out = tmp_path / f"report-{jobs}.json"
        result = CliRunner().invoke(
            cli, ["scan", str(root), "--format", "json", "--show-secrets", "-o", str(out), "--jobs", jobs]
        )
        assert result.exit_code == 2, result.output  # findings and an unreadable file
        report = json.loads(out.read_text())
        del report["started_at"], report["finished_at"]
        reports.append(report)
    assert reports[0] == reports[1]
    assert reports[0]["summary"]["findings"] > 0
