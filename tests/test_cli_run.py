"""Running it: --fail-on never, -q/--quiet, -v/--verbose, --debug, the summary line and progress display on a
terminal's standard error, and Ctrl-C with --jobs."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from helpers_reports import planted_user_data, run_main, write_planted

import metascan
import metascan.cli
from metascan.cli import tell_summary
from metascan.model import Severity
from metascan.progress import progress_line
from metascan.report.render import Format


class Terminal(io.StringIO):
    """A standard error that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    monkeypatch.chdir(tmp_path)

    def call(*args: str) -> tuple[int, str, str]:
        return run_main(list(args), capsys, monkeypatch)

    return call


def terminal(monkeypatch: pytest.MonkeyPatch) -> Terminal:
    """Make standard error a terminal (call it in the test body: pytest resets its capture then)."""
    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    return term


def test_fail_on_never_is_a_report_only_gate(cli: Any, tmp_path: Path) -> None:
    inputs = write_planted(tmp_path / "in")
    code, out, _ = cli("scan", str(inputs), "--fail-on", "never", "--format", "json")
    assert code == 0 and json.loads(out)["findings"]
    (inputs / "broken.json").write_text("{")
    code, _, _ = cli("scan", str(inputs), "--fail-on", "never")
    assert code == 2  # errors still fail


def test_the_summary_goes_to_a_terminals_standard_error_when_the_report_does_not(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = write_planted(tmp_path / "in")
    tty = terminal(monkeypatch)
    target = tmp_path / "r.json"
    code, out, _ = cli("scan", str(inputs), "--format", "json", "-o", str(target), "--fail-on", "high")
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\r", "", tty.getvalue())  # the progress display's escapes
    lines = [x for x in plain.splitlines() if x.startswith("metascan: ")]
    assert code == 1 and out == ""
    assert lines == [
        "metascan: 6 findings (1 critical, 4 high, 1 medium) in 3 resources; 4 resources scanned, 7 fields;"
        f" 0 skipped, 0 errors, 0 suppressed; 5 at or above --fail-on high; report written to {target}"
    ]
    tty.seek(0)
    tty.truncate()
    cli("scan", str(inputs), "--format", "json", "-o", str(target), "--quiet")
    assert tty.getvalue() == ""  # --quiet: nothing, not even the progress display


@pytest.mark.parametrize(
    ("output", "fmt", "quiet", "tty", "told"),
    [
        (None, Format.TEXT, False, True, False),  # the text report itself ends with the summary
        (None, Format.JSON, False, True, True),
        ("r.txt", Format.TEXT, False, True, True),
        ("r.json", Format.JSON, True, True, False),
        ("r.json", Format.JSON, False, False, False),  # not a terminal (CI logs, cron mail)
    ],
)
def test_when_the_summary_line_is_told(
    output: str | None, fmt: Format, quiet: bool, tty: bool, told: bool
) -> None:
    assert tell_summary(output, fmt, quiet, tty) is told


def test_progress_on_a_terminal_counts_files_bytes_and_findings(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = write_planted(tmp_path / "in")
    tty = terminal(monkeypatch)
    size = sum(p.stat().st_size for p in inputs.iterdir())
    cli("scan", str(inputs), "-o", str(tmp_path / "r.txt"))
    shown = tty.getvalue()
    assert progress_line(3, size, 6) in shown
    assert progress_line(3, size, 6).startswith("metascan scan: 3 files, ")


def test_verbose_names_each_input_skips_and_timings(cli: Any, tmp_path: Path) -> None:
    inputs = write_planted(tmp_path / "in")
    (inputs / "odd.json").write_text(json.dumps({"Unknown": []}))
    code, out, err = cli("scan", str(inputs), "-v", "--format", "json")
    assert code == 1
    json.loads(out)  # standard output still holds only the report
    for name in ("asg.json", "hooks.json", "ltv.json", "odd.json"):
        assert f"metascan: reading {inputs / name} (" in err
    assert "metascan: skipped in " in err
    # decoding steps: each finding in decoded user data with its chain
    assert (
        "metascan: decoded LaunchTemplateData.UserData of LaunchTemplateVersion lt-0123456789abcdef0:3" in err
    )
    assert "(base64 > gzip): aws-access-key-id line 2" in err
    assert err.splitlines()[-1].startswith("metascan: 4 inputs, ") and " findings in " in err
    assert cli("scan", str(inputs), "--format", "json")[2] == ""  # without -v: nothing


def test_a_bug_is_one_line_and_its_traceback_only_with_debug(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("value-from-the-data")

    monkeypatch.setattr(metascan.cli, "file_events", broken)
    inputs = write_planted(tmp_path / "in")
    code, _, err = cli("scan", str(inputs))
    assert code == 2
    assert err == "metascan: error: unexpected RuntimeError (a bug; --debug shows the traceback)\n"
    code, _, err = cli("scan", str(inputs), "--debug")
    assert code == 2 and "Traceback (most recent call last)" in err and "value-from-the-data" in err
    assert err.splitlines()[-1] == "metascan: error: unexpected RuntimeError"


def test_quiet_and_verbose_exist_on_both_commands() -> None:
    for command in ("scan", "aws"):
        flags = {o for p in metascan.cli.cli.commands[command].params for o in p.opts}
        assert {"-q", "--quiet", "-v", "--verbose", "--debug"} <= flags, command


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="process groups")
def test_ctrl_c_with_jobs_prints_one_line_and_no_worker_traceback(tmp_path: Path) -> None:
    inputs = tmp_path / "many"
    inputs.mkdir()
    versions = {
        "LaunchTemplateVersions": [
            {
                "LaunchTemplateId": f"lt-{i:04x}",
                "VersionNumber": 1,
                "LaunchTemplateData": {"UserData": planted_user_data()},
            }
            for i in range(40)
        ]
    }
    for i in range(4000):
        (inputs / f"{i:05}.json").write_text(json.dumps(versions))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "metascan",
            "scan",
            str(inputs),
            "--jobs",
            "2",
            "-v",
            "-o",
            str(tmp_path / "r"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    assert proc.stderr is not None
    for _ in range(50):  # wait until the workers are busy
        if "reading" in proc.stderr.readline():
            break
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does: the whole group
    _, err = proc.communicate(timeout=120)
    verbose = ("metascan: reading ", "metascan: decoded ")  # -v's lines, written before the interrupt
    lines = [x for x in err.splitlines() if x.strip() and not x.startswith(verbose)]
    assert proc.returncode == 130, err[-2000:]
    assert lines == ["metascan: interrupted"], err[-2000:]
    assert not (tmp_path / "r").exists()


def test_readme_gives_the_fail_on_counts_of_the_examples() -> None:
    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    match = re.search(
        r"`info` (\d+), `low` (\d+), `medium` (\d+), `high` (\d+), `critical` (\d+), `never` 0", readme
    )
    assert match, "README's --fail-on counts"
    report = metascan.scan_files([root / "examples"])
    counted = [len(report.failing(Severity(s))) for s in ("info", "low", "medium", "high", "critical")]
    assert [int(n) for n in match.groups()] == counted


def test_a_new_fingerprint_key_is_announced_once(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("METASCAN_FINGERPRINT_KEY")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    inputs = write_planted(tmp_path / "in")
    key = tmp_path / "config" / "metascan" / "fingerprint.key"
    code, _, err = cli("scan", str(inputs), "--format", "json")
    assert code == 1 and key.is_file()
    assert err.startswith(f"metascan: created your fingerprint key {key} (mode 0600).")
    assert (
        "METASCAN_FINGERPRINT_KEY" in err and "--fingerprint-key FILE" in err and len(err.splitlines()) == 1
    )
    assert cli("scan", str(inputs), "--format", "json")[2] == ""  # once: the key exists now
    key.unlink()
    assert cli("scan", str(inputs), "--format", "json", "-q")[2] == ""  # --quiet
    key.unlink()
    monkeypatch.setenv("METASCAN_FINGERPRINT_KEY", "a-key-from-the-environment")
    assert cli("scan", str(inputs), "--format", "json")[2] == "" and not key.exists()  # no key made


def test_the_console_script_tunes_its_own_garbage_collector_and_no_one_elses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`run` (the console script and `python -m metascan`) moves what a scan keeps out of the collector's
    sight and runs it less often; `main` and `cli` run in another program's process (a test runner's here)
    leave the collector as it was."""
    import gc

    from click.testing import CliRunner

    import metascan.cli as cli_module
    from metascan.cli import _GC_THRESHOLD, cli

    examples = Path(__file__).resolve().parent.parent / "examples"
    out = tmp_path / "r.json"
    argv = ["metascan", "scan", str(examples), "--format", "json", "--output", str(out), "-q"]
    code = (
        "import gc, json, sys, runpy\n"
        f"sys.argv = {argv!r}\n"
        "try:\n    runpy.run_module('metascan', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "print(json.dumps([gc.get_threshold(), gc.get_freeze_count()]))\n"
    )
    env = {**os.environ, "METASCAN_FINGERPRINT_KEY": "k" * 20}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    threshold, frozen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert tuple(threshold) == _GC_THRESHOLD and frozen > 10_000
    assert json.loads(out.read_text())["findings"]

    before = (gc.get_threshold(), gc.get_freeze_count())
    monkeypatch.setenv("METASCAN_FINGERPRINT_KEY", "k" * 20)
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit):
        cli_module.main()
    result = CliRunner().invoke(cli, argv[1:])
    assert result.exit_code in (0, 1), result.output
    assert (gc.get_threshold(), gc.get_freeze_count()) == before
