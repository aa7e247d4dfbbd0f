"""The command's output: formats end to end, streaming jsonl, exit codes, secrets, and atomic report files."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
from helpers_reports import (
    PLANTED,
    PLANTED_ACCOUNT,
    SARIF_SCHEMA,
    golden_findings,
    planted_exports,
    run_main,
    validate_report,
    write_planted,
)

import metascan
from metascan.api import make_scanner
from metascan.cli import emit, output_options, scan_and_emit, use_color
from metascan.model import Confidence, Finding, Severity
from metascan.posture.ebs import default_checks
from metascan.report.report import Report
from metascan.workflow import Workflow

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.chdir(Path(__file__).parent)  # no metascan.toml here

    def call(*args: str) -> tuple[int, str, str]:
        return run_main(list(args), capsys, monkeypatch)

    return call


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(PYTHONDONTWRITEBYTECODE="1", **extra)
    return env


# --- formats end to end ----------------------------------------------------------------------------------


def test_every_format_from_the_command(tmp_path: Path, cli: Any) -> None:
    inputs = write_planted(tmp_path / "in")
    code, out, err = cli("scan", str(inputs), "--format", "json")
    assert code == 1 and err == ""
    doc = json.loads(out)
    validate_report(doc)
    n = len(doc["findings"])
    assert n == 6 and doc["summary"]["suppressed"] == 0 and doc["unused_suppressions"] == []

    code, out, _ = cli("scan", str(inputs), "--format", "jsonl")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 1 and [x["type"] for x in lines] == ["finding"] * n + ["summary"]
    assert sorted(x["fingerprint"] for x in lines[:-1]) == sorted(f["fingerprint"] for f in doc["findings"])

    code, out, _ = cli("scan", str(inputs), "--format", "sarif")
    sarif = json.loads(out)
    assert code == 1 and len(sarif["runs"][0]["results"]) == n
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} <= {
        r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]
    }
    if SARIF_SCHEMA.is_file():
        import jsonschema

        jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text())).validate(sarif)

    code, out, _ = cli("scan", str(inputs))
    assert code == 1 and "\x1b[" not in out  # not a terminal: no colour
    assert out.splitlines()[-1].startswith(f"{n} findings")


def test_jsonl_to_a_file_is_the_whole_stream_written_at_the_end(tmp_path: Path, cli: Any) -> None:
    inputs = write_planted(tmp_path / "in")
    target = tmp_path / "out.jsonl"
    code, out, _ = cli("scan", str(inputs), "--format", "jsonl", "-o", str(target))
    assert code == 1 and out == ""
    lines = target.read_text().splitlines()
    assert len(lines) == 7 and json.loads(lines[-1])["type"] == "summary"


def test_jsonl_on_stdout_streams_results_as_they_arrive(capsys: pytest.CaptureFixture[str]) -> None:
    wf = Workflow.create()
    scanner = make_scanner(checks=[*default_checks(), *wf.checks()])
    exports = planted_exports()
    chunks: list[str] = []

    def events() -> Any:
        yield from scanner.scan_response("asg.json", exports["asg.json"])
        chunks.append(capsys.readouterr().out)  # what was written before the next file is read
        yield from scanner.scan_response("hooks.json", exports["hooks.json"])
        chunks.append(capsys.readouterr().out)
        yield from scanner.scan_response("ltv.json", exports["ltv.json"])
        yield from scanner.finish()  # what waited for the end of the input (groups launching versions)

    code = scan_and_emit(scanner, events(), wf, "jsonl", None, False)
    chunks.append(capsys.readouterr().out)
    first, second, last = ([json.loads(x) for x in c.splitlines()] for c in chunks)
    assert code == 1
    assert [(x["type"], x["rule"]) for x in first] == [("finding", "password-assignment")]
    assert [(x["type"], x["rule"]) for x in second] == [("finding", "url-secret-parameter")]
    # A version's findings wait for its launch template's tags (metascan:ignore), here until the input ends.
    assert [x["type"] for x in last] == ["finding"] * 4 + ["summary"]
    assert last[-1]["summary"]["findings"] == 6


# --- exit codes ------------------------------------------------------------------------------------------


def test_fail_on_and_min_confidence_decide_exit_code_1(tmp_path: Path, cli: Any) -> None:
    inputs = write_planted(tmp_path / "in")
    tags = [
        {"Key": "CustomerAccount", "Value": "00123456789"},
        {"Key": "Owner", "Value": "jane.roe@gmail.com"},
    ]
    group = {"AutoScalingGroups": [{"AutoScalingGroupName": "web", "Tags": tags}]}
    (inputs / "more.json").write_text(json.dumps(group))
    _, out, _ = cli("scan", str(inputs / "more.json"), str(inputs / "asg.json"), "--format", "json")
    findings = json.loads(out)["findings"]
    sev = {s.value: s.rank for s in Severity}
    conf = {c.value: c.rank for c in Confidence}
    outcomes = set()
    for fail_on in Severity:
        for min_conf in Confidence:
            expected = int(
                any(
                    sev[f["severity"]] >= fail_on.rank and conf[f["confidence"]] >= min_conf.rank
                    for f in findings
                )
            )
            args = ["--fail-on", fail_on.value, "--min-confidence", min_conf.value]
            code, out, _ = cli(
                "scan", str(inputs / "more.json"), str(inputs / "asg.json"), "--format", "json", *args
            )
            assert code == expected, (fail_on, min_conf)
            assert len(json.loads(out)["findings"]) == len(findings)  # the gate never hides findings
            outcomes.add(code)
    assert outcomes == {0, 1}


def test_fail_on_with_one_high_finding(tmp_path: Path, cli: Any) -> None:
    inputs = write_planted(tmp_path / "in")
    group = str(inputs / "asg.json")  # one finding: a password in a tag, high
    assert cli("scan", group, "--fail-on", "critical")[0] == 0
    assert cli("scan", group, "--fail-on", "high")[0] == 1
    assert cli("scan", group)[0] == 1  # default: any finding


def test_errors_give_2_whatever_the_gate(tmp_path: Path, cli: Any) -> None:
    code, out, _ = cli("scan", str(tmp_path / "missing.json"), "--fail-on", "critical", "--format", "json")
    assert code == 2 and json.loads(out)["summary"]["errors"] == 1


def test_colour_only_on_a_terminal_and_never_with_no_color() -> None:
    assert use_color(None, True, {})
    assert not use_color(None, False, {})
    assert not use_color("report.txt", True, {})
    assert not use_color(None, True, {"NO_COLOR": "1"})
    assert use_color(None, True, {"NO_COLOR": ""})  # no-color.org: set and not empty


# --- output options on another command --------------------------------------------------------------------


@click.command()
@click.argument("path")
@output_options
def other_command(
    path: str, fmt: str, output: str | None, show_secrets: bool, fingerprint_key: str | None
) -> None:
    """A second command with the same output options, handing `emit` a report made without a workflow."""
    report = metascan.scan_files([path])
    sys.exit(emit(report, fmt, output, show_secrets))


def test_output_options_work_for_another_command_and_emit_applies_config_and_baseline(tmp_path: Path) -> None:
    inputs = write_planted(tmp_path / "in")
    base = tmp_path / "base.json"
    from click.testing import CliRunner

    runner = CliRunner()
    first = runner.invoke(other_command, [str(inputs / "asg.json"), "--format", "json", "-o", str(base)])
    assert first.exit_code == 1
    cfg = tmp_path / "c.toml"
    cfg.write_text('[[suppress]]\nreason = "ok"\nrule = "email-address"\n')
    result = runner.invoke(
        other_command,
        [
            str(inputs),
            "--format",
            "json",
            "--baseline",
            str(base),
            "--config",
            str(cfg),
            "--fail-on",
            "critical",
        ],
    )
    doc = json.loads(result.output)
    validate_report(doc)
    assert doc["baseline"]["known"] == 1
    assert [s["rule"] for s in doc["suppressed"]] == ["email-address"]
    assert {f["rule"] for f in doc["findings"]} == {
        "url-secret-parameter",
        "aws-access-key-id",
        "aws-secret-access-key",
        "password-assignment",
    }
    assert result.exit_code == 1  # the user data credentials are critical


# --- secrets stay secret ---------------------------------------------------------------------------------


def test_no_default_output_error_or_log_holds_a_planted_value(
    tmp_path: Path, cli: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    inputs = write_planted(tmp_path / "in")
    (inputs / "broken.json").write_text(
        '{"AutoScalingGroups": [{"Tags": "' + PLANTED["aws_secret"]
    )  # an error
    (inputs / "odd.json").write_text(json.dumps({"Unknown": PLANTED["db_password"]}))  # a skip
    seen: list[str] = []
    where = ["--account", PLANTED_ACCOUNT, "--region", "eu-west-1"]  # asff needs both for every finding
    for fmt in ("text", "json", "jsonl", "sarif", "asff", "ocsf"):
        code, out, err = cli("scan", str(inputs), "--format", fmt, *where)
        assert code == 2  # the broken file
        seen += [out, err]
        target = tmp_path / f"report.{fmt}"
        code, out, err = cli("scan", str(inputs), "--format", fmt, "-o", str(target), *where)
        seen += [out, err, target.read_text()]
        assert stat.S_IMODE(target.stat().st_mode) == 0o644
    # Error paths: a config whose value regex is a secret, a baseline holding one, both broken.
    bad_cfg = tmp_path / "bad.toml"
    bad_cfg.write_text(f'[[suppress]]\nreason = "x"\nvalue = "({PLANTED["aws_key"]}"\n')
    bad_base = tmp_path / "bad.json"
    bad_base.write_text('{"findings": ["' + PLANTED["tag_password"])
    for args in (["--config", str(bad_cfg)], ["--baseline", str(bad_base)]):
        code, out, err = cli("scan", str(inputs), *args)
        assert code == 2 and err.startswith("metascan: error: ")
        seen += [out, err]
    seen.append(caplog.text)
    everything = "\n".join(seen)
    for name, value in PLANTED.items():
        assert value not in everything, name


def test_show_secrets_puts_raw_values_in_text_json_jsonl_never_sarif(tmp_path: Path, cli: Any) -> None:
    inputs = write_planted(tmp_path / "in")
    for fmt in ("text", "json", "jsonl"):
        _, out, _ = cli("scan", str(inputs), "--format", fmt, "--show-secrets")
        for name, value in PLANTED.items():
            assert value in out, (fmt, name)
    for fmt in ("sarif", "asff", "ocsf"):
        _, out, _ = cli(
            "scan",
            str(inputs),
            "--format",
            fmt,
            "--show-secrets",
            "--account",
            PLANTED_ACCOUNT,
            "--region",
            "eu-west-1",
        )
        assert json.loads(out), fmt
        for value in PLANTED.values():
            assert value not in out, fmt
    target = tmp_path / "r.sarif"
    cli("scan", str(inputs), "--format", "sarif", "--show-secrets", "-o", str(target))
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # nothing secret in it
    target = tmp_path / "r.json"
    cli("scan", str(inputs), "--format", "json", "--show-secrets", "-o", str(target))
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


# --- --output is atomic ----------------------------------------------------------------------------------


class BrokenReport(Report):
    def to_dict(self, show_secrets: bool = False, findings: bool = True, cover: Any = None) -> dict[str, Any]:
        raise RuntimeError("rendering failed")


class _BrokenFinding(Finding):
    """A finding whose rendering fails (after the pieces before it were written)."""

    def to_dict(self, show_secrets: bool = False) -> dict[str, object]:
        raise RuntimeError("rendering failed midway")


def test_an_output_that_is_a_pipe_or_device_is_written_to_not_replaced(tmp_path: Path) -> None:
    """`-o /dev/null`, `-o /dev/stdout`, a named pipe: the report goes into it; renaming a file over it
    would replace it (as root, the system's /dev/null).  A named pipe stands for them here."""
    import threading

    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "groups.json").write_text(
        json.dumps(
            {
                "AutoScalingGroups": [
                    {
                        "AutoScalingGroupName": "web",
                        "Tags": [{"Key": "Owner", "Value": "priya.natarajan@corp-example.net"}],
                    }
                ]
            }
        )
    )
    fifo = tmp_path / "report.pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = subprocess.run(
        [sys.executable, "-m", "metascan", "scan", str(inputs), "--format", "json", "-o", str(fifo)],
        capture_output=True,
        timeout=120,
    )
    reader.join(timeout=60)
    assert result.returncode == 1, result.stderr  # a finding
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # still the pipe
    assert json.loads(received[0])["findings"][0]["rule"] == "email-address"


def test_a_rendering_that_fails_midway_leaves_the_previous_report(tmp_path: Path) -> None:
    # The JSON report is written in pieces as it is rendered (a large report is never held whole); a
    # failure after some pieces were written still leaves the previous report, and no temporary file.
    good = golden_findings()
    broken = _BrokenFinding(**{f.name: getattr(good[0], f.name) for f in dataclasses.fields(Finding)})
    findings = [*(good[i % len(good)] for i in range(3000)), broken]
    report = Report(findings=findings)
    target = tmp_path / "report.json"
    target.write_text("previous complete report\n")
    written: list[int] = []
    real_open = os.fdopen

    def watched_open(fd: int, *args: Any, **kwargs: Any) -> Any:
        f = real_open(fd, *args, **kwargs)
        real_write = f.write

        def write(piece: str) -> int:
            written.append(len(piece))
            return int(real_write(piece))

        f.write = write
        return f

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(os, "fdopen", watched_open)
        with pytest.raises(RuntimeError, match="midway"):
            emit(report, "json", str(target), True, workflow=Workflow())
    assert len(written) >= 2  # pieces went to the temporary file before the failure
    assert target.read_text() == "previous complete report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_a_failed_rendering_leaves_the_previous_report(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("previous complete report\n")
    with pytest.raises(RuntimeError):
        emit(BrokenReport(), "json", str(target), False, workflow=Workflow())
    assert target.read_text() == "previous complete report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]
    with pytest.raises(RuntimeError):
        emit(BrokenReport(), "json", str(tmp_path / "new.json"), False, workflow=Workflow())
    assert not (tmp_path / "new.json").exists()


LIMITED = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.{disposition})
resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
sys.argv = ["metascan"] + sys.argv[1:]
from metascan.cli import main
main()
"""


def limited_run(args: list[str], disposition: str, limit: int = 1024) -> subprocess.CompletedProcess[str]:
    code = LIMITED.format(disposition=disposition, limit=limit)
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=child_env(),
        check=False,
        timeout=120,
    )


@pytest.mark.parametrize("previous", [True, False])
def test_a_run_killed_while_writing_never_leaves_a_partial_report(tmp_path: Path, previous: bool) -> None:
    """The kernel kills the run (SIGXFSZ) once the report file grows past 1 KiB: mid-write."""
    inputs = write_planted(tmp_path / "in")
    target = tmp_path / "report.json"
    if previous:
        first = subprocess.run(
            [sys.executable, "-m", "metascan", "scan", str(inputs), "--format", "json", "-o", str(target)],
            env=child_env(),
            check=False,
            timeout=120,
        )
        assert first.returncode == 1
        before = target.read_bytes()
        assert len(before) > 1024
    proc = limited_run(["scan", str(inputs), "--format", "json", "-o", str(target)], "SIG_DFL")
    assert proc.returncode == -signal.SIGXFSZ, proc.stderr
    if previous:
        assert target.read_bytes() == before
        json.loads(before)
    else:
        assert not target.exists()
    leftovers = [p for p in tmp_path.iterdir() if p.is_file() and p != target]
    assert all(p.name.startswith(".report.json.") and p.name.endswith(".tmp") for p in leftovers)
    assert leftovers and all(p.stat().st_size <= 1024 for p in leftovers)  # the partial text went there


def test_a_failed_write_is_an_error_and_leaves_the_previous_report(tmp_path: Path) -> None:
    inputs = write_planted(tmp_path / "in")
    target = tmp_path / "report.json"
    target.write_text("previous\n")
    proc = limited_run(["scan", str(inputs), "--format", "json", "-o", str(target)], "SIG_IGN")
    assert proc.returncode == 2
    assert proc.stderr == f"metascan: error: {target}: cannot write report: File too large\n"
    assert target.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "report.json"]


def test_a_run_killed_while_reading_leaves_the_previous_report(tmp_path: Path) -> None:
    """Killed before its input ends (standard input is never closed), the run cannot have written anything."""
    target = tmp_path / "report.json"
    target.write_text("previous\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "metascan", "scan", "-", "--format", "json", "-o", str(target)],
        env=child_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert proc.stdin is not None
        proc.stdin.write(b'{"AutoScalingGroups": [')
        proc.stdin.flush()
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=60) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
        assert proc.stdin is not None
        proc.stdin.close()
    assert target.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_an_unwritable_output_is_a_one_line_error(tmp_path: Path, cli: Any) -> None:
    inputs = write_planted(tmp_path / "in")
    code, out, err = cli("scan", str(inputs), "-o", str(tmp_path / "no-such-dir" / "r.json"))
    assert code == 2 and out == ""
    target = tmp_path / "no-such-dir" / "r.json"
    assert err == f"metascan: error: {target}: cannot write report: No such file or directory\n"


def test_streamed_jsonl_covers_each_value_once_not_every_value_on_every_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each streamed line hides the values seen so far; the values are handed to the cover as they come,
    so a line costs what it brings (handing over every value so far on each line made streaming quadratic
    in the number of findings: 20,000 findings took 2.8x as long as the JSON report)."""
    from metascan.report.cover import Cover

    n = 60
    groups = [
        {"AutoScalingGroupName": f"web-{i}", "Tags": [{"Key": "Owner", "Value": f"ann.lee{i}@gmail.com"}]}
        for i in range(n)
    ]
    path = tmp_path / "asg.json"
    path.write_text(json.dumps({"AutoScalingGroups": groups}))
    handed: list[int] = []
    real_add = Cover.add

    def counting_add(self: Cover, findings: Any = (), values: Any = ()) -> None:
        values = list(values)
        handed.append(len(values))
        real_add(self, findings, values)

    monkeypatch.setattr(Cover, "add", counting_add)
    code, out, err = run_main(["scan", str(path), "--format", "jsonl"], capsys, monkeypatch)
    assert code == 1, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert sum(1 for line in lines if line.get("type", "finding") == "finding" and "rule" in line) == n
    assert all(f"ann.lee{i}@gmail.com" not in out for i in range(n))
    assert sum(handed) <= 3 * n  # each value once (and what the names bring), not n * (n + 1) / 2
