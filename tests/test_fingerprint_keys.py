"""The fingerprint key a run uses can be neither empty, nor guessed, nor replaced by another user, and no two
findings share a fingerprint (issue 17, points 5 and 6; and baselines that crashed the run, points 12, 13)."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from helpers_reports import run_main, write_planted

import metascan
from metascan.errors import ConfigError
from metascan.fingerprint import FINGERPRINT_VERSION, Fingerprinter, default_key_path, load_key
from metascan.report.baseline import load_baseline

DOC = {
    "AutoScalingGroups": [{"AutoScalingGroupName": "g", "Tags": [{"Key": "o", "Value": "ann.lee@gmail.com"}]}]
}


@pytest.fixture
def no_env_key(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("METASCAN_FINGERPRINT_KEY")
    return default_key_path()


# --- point 5: keys that must be refused --------------------------------------------------------------------


def test_an_empty_or_short_default_key_file_is_refused_not_used(no_env_key: Path) -> None:
    no_env_key.parent.mkdir(parents=True, mode=0o700)
    for content in (b"", b"\n", b"0123456789"):
        no_env_key.write_bytes(content)
        no_env_key.chmod(0o600)
        with pytest.raises(ConfigError) as exc:
            load_key()
        assert str(exc.value) == (
            f"{no_env_key}: the fingerprint key holds {len(content.strip())} bytes; a fingerprint key needs"
            " at least 16 (remove it and metascan creates a new key)"
        )


@pytest.mark.parametrize("target", ["/dev/null", "dangling"])
def test_a_default_key_that_is_a_link_is_refused(no_env_key: Path, tmp_path: Path, target: str) -> None:
    no_env_key.parent.mkdir(parents=True, mode=0o700)
    no_env_key.symlink_to(target if target.startswith("/") else tmp_path / target)
    with pytest.raises(ConfigError, match="the fingerprint key is a symbolic link"):
        load_key()


def test_a_one_byte_environment_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    for value in ("x", ""):
        monkeypatch.setenv("METASCAN_FINGERPRINT_KEY", value)
        with pytest.raises(ConfigError, match=f"METASCAN_FINGERPRINT_KEY holds {len(value)} bytes"):
            load_key()


def key_file(folder: Path, mode: int = 0o600, content: bytes = b"k" * 32) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "key"
    path.write_bytes(content)
    path.chmod(mode)
    return path


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620])
def test_a_key_file_others_can_read_or_change_is_refused(tmp_path: Path, mode: int) -> None:
    path = key_file(tmp_path / "keys", mode)
    with pytest.raises(ConfigError) as exc:
        load_key(path)
    assert str(exc.value) == (
        f"{path}: other users can read or change the fingerprint key file (mode {mode:04o}); run: chmod 600"
        f" {path}"
    )


def test_a_key_file_in_a_folder_others_can_write_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    path = key_file(folder)
    folder.chmod(0o777)
    with pytest.raises(ConfigError, match=r"other users can write to this folder \(mode 0777\)"):
        load_key(path)
    folder.chmod(0o777 | stat.S_ISVTX)  # sticky, like /tmp: only the file's owner can replace it
    assert load_key(path) == b"k" * 32


def test_a_key_file_that_is_not_a_regular_file_or_not_ours_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "null-key"
    link.symlink_to("/dev/null")
    with pytest.raises(ConfigError, match="is not a regular file"):
        load_key(link)
    if os.geteuid() == 0:
        path = key_file(tmp_path / "theirs")
        os.chown(path, 4242, 4242)
        with pytest.raises(ConfigError, match=r"belongs to another user \(uid 4242\)"):
            load_key(path)


def test_a_named_key_file_may_be_a_link_to_a_good_key(tmp_path: Path) -> None:
    """Kubernetes mounts secrets as links: a named key file is followed, and its target checked."""
    path = key_file(tmp_path / "secret")
    link = tmp_path / "link"
    link.symlink_to(path)
    assert load_key(link) == b"k" * 32


def test_a_refused_key_is_a_one_line_error_from_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = write_planted(tmp_path / "in")
    path = key_file(tmp_path / "k", 0o644)
    code, out, err = run_main(["scan", str(inputs), "--fingerprint-key", str(path)], capsys, monkeypatch)
    assert (code, out) == (2, "")
    assert err.startswith(f"metascan: error: {path}: other users can read or change") and err.count("\n") == 1
    monkeypatch.delenv("METASCAN_FINGERPRINT_KEY")
    default_key_path().parent.mkdir(parents=True)
    default_key_path().symlink_to(tmp_path / "nowhere")  # a dangling link: was a traceback
    code, out, err = run_main(["scan", str(inputs)], capsys, monkeypatch)
    assert (code, out) == (2, "")
    assert "symbolic link" in err and err.count("\n") == 1 and "Traceback" not in err


# --- point 5: concurrent first runs ------------------------------------------------------------------------


def _first_run(barrier: Any, results: Any) -> None:
    barrier.wait()
    try:
        key = load_key()
        results.put(Fingerprinter(key).key_id if len(key) >= 16 else f"short:{len(key)}")
    except Exception as e:  # reported to the parent, which fails the test
        results.put(f"error:{e}")


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
def test_concurrent_first_runs_all_use_one_full_key(no_env_key: Path, tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    for round_ in range(15):
        os.environ["XDG_CONFIG_HOME"] = str(tmp_path / f"round{round_}")
        barrier, results = ctx.Barrier(8), ctx.Queue()
        procs = [ctx.Process(target=_first_run, args=(barrier, results)) for _ in range(8)]
        for p in procs:
            p.start()
        ids = [results.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(10)
        key = default_key_path().read_bytes().strip()
        assert ids == [Fingerprinter(key).key_id] * 8, (round_, ids)
        assert len(key) == 64 and stat.S_IMODE(default_key_path().stat().st_mode) == 0o600
        assert sorted(p.name for p in default_key_path().parent.iterdir()) == ["fingerprint.key"]


# --- point 6: unambiguous fingerprints ---------------------------------------------------------------------


def test_parts_are_encoded_unambiguously() -> None:
    fp = Fingerprinter(b"k" * 32)
    # A separator-joined encoding gave these the same fingerprint.
    assert fp.of("AutoScalingGroup", "web\x1fprod", "Tags[a].Value") != fp.of(
        "AutoScalingGroup", "web", "prod\x1fTags[a].Value"
    )
    assert fp.of("a\x1f", "b") != fp.of("a", "\x1fb")
    assert fp.of("ab", "") != fp.of("a", "b") != fp.of("ab")
    assert fp.of() != fp.of("")


def test_two_findings_that_shared_a_fingerprint_are_both_reported() -> None:
    """Two groups whose name and tag key hold the separator: joined with it, both findings' parts gave the
    same text, so they shared a fingerprint and a de-duplication key, and the second was dropped."""
    sep = "\x1f"
    email = "ann.lee@gmail.com"
    groups = [
        {"AutoScalingGroupName": "g", "Tags": [{"Key": f"a{sep * 3}Tags[b", "Value": email}]},
        {"AutoScalingGroupName": f"g{sep * 3}Tags[a", "Tags": [{"Key": "b", "Value": email}]},
    ]
    report = metascan.scan_responses([("g.json", {"AutoScalingGroups": groups})], fingerprint_key=b"k" * 32)
    found = sorted((f.resource.id, f.location.field) for f in report.findings if f.match == email)
    assert found == [("g", f"Tags[a{sep * 3}Tags[b].Value"), (f"g{sep * 3}Tags[a", "Tags[b].Value")]
    assert len({f.fingerprint for f in report.findings}) == len(report.findings)


def test_reports_carry_the_fingerprint_version_and_old_baselines_are_refused(tmp_path: Path) -> None:
    report = metascan.scan_responses([("s", DOC)], fingerprint_key=b"k" * 32)
    doc = report.to_dict()
    assert doc["fingerprint_version"] == FINGERPRINT_VERSION == 2
    path = tmp_path / "old.json"
    del doc["fingerprint_version"]  # a report of metascan before this change
    path.write_text(json.dumps(doc))
    with pytest.raises(ConfigError) as exc:
        load_baseline(str(path), report.fingerprint_key_id or "")
    assert str(exc.value).startswith(f"{path}: baseline holds fingerprints of another version (version 1;")
    assert "make a new baseline" in str(exc.value)


# --- points 12 and 13: baselines that crashed the run ------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"schema_version": "1", "findings": [], "n": ' + "7" * 5000 + "}", "number too long to read"),
        ("[" * 100_000 + "]" * 100_000, "nests too deeply"),
    ],
    ids=["long-number", "deep"],
)
def test_hostile_baselines_are_one_line_errors(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    content: str,
    message: str,
) -> None:
    inputs = write_planted(tmp_path / "in")
    path = tmp_path / "base.json"
    path.write_text(content)
    code, out, err = run_main(["scan", str(inputs), "--baseline", str(path)], capsys, monkeypatch)
    assert (code, out) == (2, "")
    assert err.startswith(f"metascan: error: {path}: baseline") and message in err
    assert err.count("\n") == 1
