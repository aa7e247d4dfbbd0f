"""One fatal exit path: every failure is one line and exit code 2, `--debug` adds the traceback; signals
leave no temporary file; reports keep the umask and a private report stays private; names given on the
command line are checked (issue 17, points 13 and 18)."""

from __future__ import annotations

import io
import os
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers_reports import run_main, write_planted
from rich.console import Console

import metascan.cli


@pytest.fixture(autouse=True)
def _restore_signals() -> Iterator[None]:
    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)}
    yield
    for s, handler in saved.items():
        signal.signal(s, handler)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_on_standard_output_is_one_line_and_exit_2(tmp_path: Path) -> None:
    inputs = write_planted(tmp_path / "in")
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "metascan", "scan", str(inputs), "--format", "json"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
        )
    assert proc.returncode == 2
    assert proc.stderr == "metascan: error: standard output: No space left on device\n"


def test_a_bug_is_one_line_and_exit_2_and_debug_shows_the_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = write_planted(tmp_path / "in")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug with a secret-looking text in it")

    monkeypatch.setattr(metascan.cli, "file_events", broken)
    code, out, err = run_main(["scan", str(inputs)], capsys, monkeypatch)
    assert (code, out) == (2, "")
    assert err == "metascan: error: unexpected RuntimeError (a bug; --debug shows the traceback)\n"
    code, out, err = run_main(["--debug", "scan", str(inputs)], capsys, monkeypatch)
    assert code == 2
    assert "Traceback (most recent call last)" in err and "RuntimeError: a bug" in err
    assert err.endswith("metascan: error: unexpected RuntimeError\n")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_termination_signal_while_writing_leaves_no_temporary_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, signum: int
) -> None:
    inputs = write_planted(tmp_path / "in")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "report.json"
    target.write_text("previous\n")
    real_fsync = os.fsync

    def fsync_then_signal(fd: int) -> None:
        real_fsync(fd)
        os.kill(os.getpid(), signum)  # arrives while the temporary file exists

    monkeypatch.setattr(metascan.cli.os, "fsync", fsync_then_signal)
    code, _out, err = run_main(["scan", str(inputs), "--output", str(target)], capsys, monkeypatch)
    assert code == 2
    assert err == f"metascan: stopped by {signal.Signals(signum).name}\n"
    assert sorted(p.name for p in out_dir.iterdir()) == ["report.json"]
    assert target.read_text() == "previous\n"


def test_a_report_keeps_the_umask_and_a_private_report_stays_private(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = write_planted(tmp_path / "in")
    target = tmp_path / "r.json"
    old = os.umask(0o077)
    try:
        run_main(["scan", str(inputs), "--format", "json", "-o", str(target)], capsys, monkeypatch)
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    # A private report (made with --show-secrets) replaced by a report without secrets stays 0600.
    private = tmp_path / "p.json"
    run_main(
        ["scan", str(inputs), "--format", "json", "--show-secrets", "-o", str(private)], capsys, monkeypatch
    )
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    old = os.umask(0o022)
    try:
        run_main(["scan", str(inputs), "--format", "json", "-o", str(private)], capsys, monkeypatch)
    finally:
        os.umask(old)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["aws", "--region", "[/bold]"], "not an AWS region name: '[/bold]'"),
        (["scan", "IN", "--region", "eu-west-1\x1b[2J"], "not an AWS region name"),
        (["scan", "IN", "--account", "12345"], "'12345' is not an AWS account id (12 digits)"),
    ],
)
def test_region_and_account_are_checked(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    message: str,
) -> None:
    inputs = write_planted(tmp_path / "in")
    code, out, err = run_main([str(inputs) if a == "IN" else a for a in args], capsys, monkeypatch)
    assert (code, out) == (2, "")
    assert message in err and "Traceback" not in err


def test_region_names_are_not_markup_in_the_progress_display() -> None:
    from metascan.progress import AwsProgressDisplay
    from metascan.sources.aws import RegionProgress

    buf = io.StringIO()
    display = AwsProgressDisplay(Console(file=buf, force_terminal=True, width=120))
    display.update(RegionProgress("210987654322", "[/bold]"))
    Console(file=buf, force_terminal=False, width=120).print(display.render())
    assert "[/bold]" in buf.getvalue()


def test_a_fatal_message_never_carries_control_characters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = write_planted(tmp_path / "in")
    key = tmp_path / "key\x1b]0;owned\x07\x1b[2J"
    key.write_text("k" * 32)
    key.chmod(0o644)  # refused: others can read it
    code, out, err = run_main(["scan", str(inputs), "--fingerprint-key", str(key)], capsys, monkeypatch)
    assert (code, out) == (2, "")
    assert "\x1b" not in err and "\x07" not in err and err.count("\n") == 1
    assert "key\\x1b]0;owned\\x07\\x1b[2J" in err
