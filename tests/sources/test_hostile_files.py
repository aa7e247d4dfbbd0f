"""Hostile exports (issue 17): errors that never quote input, numbers too long to read, directories that
hold links, FIFOs and unreadable folders, duplicate keys, and standard input streamed like a large file."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from helpers_reports import run_main

import metascan
from metascan.report.formats.options import RenderOptions
from metascan.report.render import Format, renderer
from metascan.sources import files as file_source

PASSWORD = "Vq8-Lm2x-Rt9p-Kz4w"  # a planted value: no output may hold it, or any 6 characters of it
EMAIL = "jane.roe@gmail.com"


def group(name: str, email: str = EMAIL) -> dict[str, Any]:
    return {"AutoScalingGroupName": name, "Tags": [{"Key": "Owner", "Value": email}]}


def big(groups: int, tail: bytes = b"") -> bytes:
    """An export of `groups` groups (streamed with a low threshold) followed by `tail` inside the list."""
    items = b",".join(json.dumps(group(f"g{i}")).encode() for i in range(groups))
    return b'{"AutoScalingGroups": [' + items + tail + b"]}"


def no_piece_of(secret: str, text: str) -> bool:
    return not any(secret[i : i + 6] in text for i in range(len(secret) - 5))


def stream_all(path: Path) -> list[file_source.Document | metascan.ScanError]:
    return list(file_source.read(str(path), stream_threshold=1024))


# --- point 1: a decoding error in a streamed file quotes no input -------------------------------------------


@pytest.mark.parametrize(
    ("tail", "message"),
    [
        # an invalid UTF-8 byte right after a password
        (
            b',{"AutoScalingGroupName": "x", "Tags": [{"Key": "pw", "Value": "'
            + PASSWORD.encode()
            + b'\xff"}]}',
            "not UTF-8 text (invalid byte 0xff at offset {at})",
        ),
        # a syntax error right after it
        (
            b',{"AutoScalingGroupName": "x", "Tags": [{"Key": "pw", "Value": "'
            + PASSWORD.encode()
            + b'" ~}]}',
            "invalid JSON before byte",
        ),
    ],
)
def test_a_streamed_decoding_error_says_where_and_quotes_nothing(
    tmp_path: Path, tail: bytes, message: str
) -> None:
    data = big(2000, tail)
    path = tmp_path / "big.json"
    path.write_bytes(data)
    out = stream_all(path)
    errors = [d for d in out if isinstance(d, metascan.ScanError)]
    (err,) = errors
    expected = message.format(at=data.find(b"\xff"))
    assert err.message.startswith(f"{path}: {expected}"), err.message
    assert no_piece_of(PASSWORD, err.message)
    # the items before the error are scanned (all but those of ijson's last 64 KiB buffer); the error
    # reaches every format without the value
    docs = [d for d in out if isinstance(d, file_source.Document)]
    assert 1000 < sum(len(d.data["AutoScalingGroups"]) for d in docs) <= 2000
    report = metascan.Report(errors=errors)
    for fmt in Format:
        assert no_piece_of(PASSWORD, renderer(fmt)(report, RenderOptions(show_secrets=True)))


def test_a_truncated_streamed_file_says_so(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    data = big(40)
    path.write_bytes(data[:-40])
    (err,) = [d for d in stream_all(path) if isinstance(d, metascan.ScanError)]
    assert (
        err.message == f"{path}: truncated JSON: the input ends inside a value (after byte {len(data) - 40})"
    )


# --- point 2: an unrecognised response's keys are counted, never listed -------------------------------------


def test_unknown_top_level_keys_are_counted_not_quoted() -> None:
    token = "ghp_" + "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe9Dc8"
    report = metascan.scan_responses(
        [("odd.json", {token: 1, "Server=db;Password=" + PASSWORD: 2, "NextToken": "x"})]
    )
    (skip,) = report.skipped
    assert skip.reason.startswith("not a recognised AWS API response (2 top-level keys, none of them one")
    assert "AutoScalingGroups" in skip.reason  # which keys were expected
    assert no_piece_of(token, skip.reason) and no_piece_of(PASSWORD, skip.reason)


def test_a_response_with_two_payload_keys_names_them() -> None:
    report = metascan.scan_responses([("odd.json", {"AutoScalingGroups": [], "LaunchConfigurations": []})])
    assert [s.reason for s in report.skipped] == [
        "not a recognised AWS API response: it holds 2 payload keys (AutoScalingGroups,"
        " LaunchConfigurations), a response holds one"
    ]


# --- point 12: numbers longer than Python reads -------------------------------------------------------------

_SCAN = textwrap.dedent(
    """
    import sys
    from metascan.sources import files
    files.STREAM_THRESHOLD = int(sys.argv[1])
    files.read.__defaults__ = (files.DEFAULT_MAX_FILE_BYTES, files.STREAM_THRESHOLD)
    from metascan.cli import main
    sys.argv = ["metascan", "scan", *sys.argv[2:]]
    main()
    """
)


def run_scan(
    tmp_path: Path, threshold: int, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`metascan scan ARGS` in a process of its own (a crash must not take the test run with it)."""
    return subprocess.run(
        [sys.executable, "-c", _SCAN, str(threshold), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=None if env is None else {**os.environ, **env},
    )


@pytest.mark.parametrize("threshold", [1024, file_source.STREAM_THRESHOLD], ids=["streamed", "in-memory"])
@pytest.mark.parametrize("int_limit", [None, "0"], ids=["python-int-limit", "limit-lifted"])
def test_a_huge_integer_is_an_error_naming_the_file_and_the_rest_is_scanned(
    tmp_path: Path, threshold: int, int_limit: str | None
) -> None:
    """Python's int() refuses the number itself; where its limit is lifted (PYTHONINTMAXSTRDIGITS=0) the
    reader's own check does."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "good.json").write_text(json.dumps({"AutoScalingGroups": [group("g")]}))
    bad = tmp_path / "in" / "bad.json"
    bad.write_bytes(big(40, b',{"AutoScalingGroupName": "x", "MinSize": ' + b"9" * 5000 + b"}"))
    env = None if int_limit is None else {"PYTHONINTMAXSTRDIGITS": int_limit}
    done = run_scan(tmp_path, threshold, "in", "--format", "json", env=env)
    assert done.returncode == 2, done.stderr
    report = json.loads(done.stdout)
    (err,) = report["errors"]
    assert err["source"] == "in/bad.json"
    assert err["message"].startswith("in/bad.json: ")
    assert "9999999" not in err["message"] and "\n" not in err["message"]
    assert report["summary"]["findings"] >= 1  # good.json (and, streamed, the items before the number)
    assert done.stderr == ""


# --- point 15: what a directory holds that is not a regular *.json file -------------------------------------


def test_a_directory_walk_lists_links_fifos_and_unreadable_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "exports"
    (root / "real").mkdir(parents=True)
    (root / "real" / "good.json").write_text(json.dumps({"AutoScalingGroups": [group("g")]}))
    outside = tmp_path / "outside"  # e.g. the user's home: a hostile export must not make us read it
    outside.mkdir()
    (outside / "private.json").write_text(json.dumps({"AutoScalingGroups": [group("h", "x.y@gmail.com")]}))
    (root / "linked-dir").symlink_to(outside, target_is_directory=True)
    (root / "linked.json").symlink_to(outside / "private.json")
    (root / "dangling.json").symlink_to(tmp_path / "gone.json")
    (root / "loop").symlink_to(root, target_is_directory=True)
    os.mkfifo(root / "pipe.json")  # opening it would wait for a writer forever
    locked = root / "locked"
    locked.mkdir()
    (locked / "inside.json").write_text("{}")
    locked.chmod(0)
    if os.geteuid() == 0:  # root reads any folder: make this one fail as it would for anyone else
        real_scandir = os.scandir

        def scandir(path: Any) -> Any:
            if os.fspath(path) == str(locked):
                raise PermissionError(13, "Permission denied")
            return real_scandir(path)

        monkeypatch.setattr(file_source.os, "scandir", scandir)
    try:
        report = metascan.scan_files([root])
    finally:
        locked.chmod(0o755)
    assert [(f.rule, f.match) for f in report.findings] == [("email-address", EMAIL)]
    assert sorted((s.source, s.reason) for s in report.skipped) == sorted(
        [
            (str(root / "linked-dir"), "symbolic link to a directory, not followed (name it to scan it)"),
            (str(root / "linked.json"), "symbolic link, not followed (name it to scan its target)"),
            (str(root / "dangling.json"), "dangling symbolic link"),
            (str(root / "loop"), "symbolic link to a directory, not followed (name it to scan it)"),
            (str(root / "pipe.json"), "a FIFO, not a regular file: not opened"),
        ]
    )
    assert [e.message for e in report.errors] == [f"{locked}: cannot read directory: Permission denied"]


def test_the_walk_protections_hold_for_every_suffix_metascan_reads(tmp_path: Path) -> None:
    root = tmp_path / "exports"
    (root / "node_modules").mkdir(parents=True)
    (root / "groups.yaml").write_text(
        f"AutoScalingGroups:\n- AutoScalingGroupName: g\n  Tags:\n  - Key: Owner\n    Value: {EMAIL}\n"
    )
    (root / "node_modules" / "dep.json").write_text(json.dumps({"AutoScalingGroups": [group("n")]}))
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "private.tf").write_text('resource "aws_sns_topic" "t" { name = "x" }\n')
    (root / "linked.tf").symlink_to(outside / "private.tf")
    (root / "venv").symlink_to(outside, target_is_directory=True)  # a pruned name: left out, link or not
    for name in ("pipe.yaml", "pipe.tf", "pipe.json.gz", "pipe.template", "pipe.tfstate"):
        os.mkfifo(root / name)
    report = metascan.scan_files([root])
    assert [(f.rule, f.match) for f in report.findings] == [("email-address", EMAIL)]
    assert sorted((s.source, s.reason) for s in report.skipped) == sorted(
        [(str(root / "linked.tf"), "symbolic link, not followed (name it to scan its target)")]
        + [
            (str(root / n), "a FIFO, not a regular file: not opened")
            for n in ("pipe.yaml", "pipe.tf", "pipe.json.gz", "pipe.template", "pipe.tfstate")
        ]
    )
    assert report.errors == []


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("a.yaml", f"AutoScalingGroups: *{PASSWORD}\n"),
        ("b.yaml", f'AWSTemplateFormatVersion: "2010-09-09"\nX: "{PASSWORD}\\q"\n'),
        ("c.tf", f'resource "aws_sns_topic" "t" {{ name = = {PASSWORD} }}\n'),
        ("d.tf", f'resource "aws_sns_topic" "t" {{ name = "x" }}\n{PASSWORD} @@\n'),
        ("e.json", '{"AutoScalingGroups": [{"AutoScalingGroupName": "' + PASSWORD + '"} "x"]}'),
    ],
)
def test_a_parse_error_in_any_syntax_quotes_no_input(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    report = metascan.scan_files([path])
    messages = [e.message for e in report.errors] + [s.reason for s in report.skipped]
    assert messages and all(m.startswith(f"{path}: ") or "invalid" in m for m in messages), messages
    assert all(no_piece_of(PASSWORD, m) for m in messages), messages


def test_a_huge_integer_in_yaml_is_kept_as_text_and_scanned(tmp_path: Path) -> None:
    path = tmp_path / "g.yaml"
    path.write_text(
        f"AutoScalingGroups:\n- AutoScalingGroupName: g\n  MinSize: {'9' * 5000}\n  Tags:\n"
        f"  - Key: Owner\n    Value: {EMAIL}\n"
    )
    report = metascan.scan_files([path])
    assert [f.match for f in report.findings] == [EMAIL] and report.errors == []


def test_a_fifo_named_on_the_command_line_is_never_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    report = metascan.scan_files([fifo])
    assert [e.message for e in report.errors] == [f"{fifo}: not a regular file (a FIFO), not opened"]
    dangling = tmp_path / "gone.json"
    dangling.symlink_to(tmp_path / "nowhere.json")
    report = metascan.scan_files([dangling])
    assert [e.message for e in report.errors] == [f"{dangling}: dangling symbolic link"]


def test_a_link_named_on_the_command_line_is_followed(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "good.json").write_text(json.dumps({"AutoScalingGroups": [group("g")]}))
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    report = metascan.scan_files([tmp_path / "link"])
    assert [f.match for f in report.findings] == [EMAIL] and not report.skipped


# --- point 18: duplicate keys, standard input ---------------------------------------------------------------


def test_a_duplicate_payload_key_loses_neither_list(tmp_path: Path) -> None:
    path = tmp_path / "dup.json"
    first, second = json.dumps([group("a", "ann.lee@gmail.com")]), json.dumps([group("b")])
    path.write_text(f'{{"AutoScalingGroups": {first}, "AutoScalingGroups": {second}}}')
    for threshold in (1024 * 1024, 16):
        out = list(file_source.read(str(path), stream_threshold=threshold))
        report = metascan.scan_responses(
            [(d.source, d.data) for d in out if isinstance(d, file_source.Document)]
        )
        assert sorted(f.match or "" for f in report.findings) == ["ann.lee@gmail.com", EMAIL]
        (err,) = [d for d in out if isinstance(d, metascan.ScanError)]
        assert err.message.startswith(f"{path}: 1 duplicate key in JSON objects (AutoScalingGroups)")


def test_a_duplicate_key_inside_an_item_is_an_error_not_a_silent_loss(tmp_path: Path) -> None:
    path = tmp_path / "dup.json"
    path.write_text(
        '{"AutoScalingGroups": [{"AutoScalingGroupName": "g",'
        ' "Tags": [{"Key": "a", "Value": "ann.lee@gmail.com"}],'
        ' "Tags": [{"Key": "b", "Value": "jane.roe@gmail.com"}], "'
        + PASSWORD
        + '": 1, "'
        + PASSWORD
        + '": 2}]}'
    )
    report = metascan.scan_files([path])
    assert sorted(f.match or "" for f in report.findings) == ["ann.lee@gmail.com", EMAIL]
    (err,) = report.errors
    assert err.message == (
        f"{path}: 2 duplicate keys in JSON objects (Tags): lists under one key"
        " were scanned together, 1 earlier other value not scanned"
    )


def test_a_duplicate_key_in_yaml_loses_neither_list_and_is_an_error(tmp_path: Path) -> None:
    """YAML parsers keep the last value of a repeated key, as JSON parsers do: `--output yaml` exports and
    CloudFormation templates get the same treatment as JSON (lists joined, other values counted, an error)."""
    path = tmp_path / "dup.yaml"
    path.write_text(
        "AutoScalingGroups:\n- AutoScalingGroupName: a\n  Tags:\n"
        "  - Key: owner\n    Value: ann.lee@gmail.com\n"
        "AutoScalingGroups:\n- AutoScalingGroupName: b\n  Tags:\n"
        "  - Key: owner\n    Value: jane.roe@gmail.com\n"
        "  Tags: []\n"
    )
    report = metascan.scan_files([path])
    assert sorted(f.match or "" for f in report.findings) == ["ann.lee@gmail.com", "jane.roe@gmail.com"]
    (err,) = report.errors
    assert err.message == (
        f"{path}: 2 duplicate keys in YAML mappings (Tags, AutoScalingGroups): lists under one key"
        " were scanned together, 0 earlier other values not scanned"
    )


class Trickle(io.RawIOBase):
    """Standard input that makes its data as it is read, and counts what was read."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = min(len(b), 4096, len(self.data) - self.pos)
        b[:n] = self.data[self.pos : self.pos + n]
        self.pos += n
        return n


def test_large_standard_input_is_streamed(monkeypatch: pytest.MonkeyPatch) -> None:
    data = big(2000)
    stdin = Trickle(data)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(stdin)))
    docs = file_source.read(file_source.STDIN, stream_threshold=64 * 1024)
    first = next(docs)
    assert isinstance(first, file_source.Document)
    assert stdin.pos < len(data) // 2  # the first page came before most of the input was read
    rest = list(docs)
    assert all(isinstance(d, file_source.Document) for d in rest)
    items = [g for d in [first, *rest] for g in d.data["AutoScalingGroups"]]  # type: ignore[union-attr]
    assert [g["AutoScalingGroupName"] for g in items] == [f"g{i}" for i in range(2000)]


def test_large_standard_input_errors_and_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    data = big(
        2000,
        b',{"AutoScalingGroupName": "x", "Tags": [{"Key": "pw", "Value": "' + PASSWORD.encode() + b'\xff"}]}',
    )
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(Trickle(data))))
    out = list(file_source.read(file_source.STDIN, stream_threshold=64 * 1024))
    (err,) = [d for d in out if isinstance(d, metascan.ScanError)]
    at = data.index(b"\xff")
    assert err.message == f"<stdin>: not UTF-8 text (invalid byte 0xff at offset {at})"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(Trickle(big(2000)))))
    out = list(file_source.read(file_source.STDIN, max_bytes=100_000, stream_threshold=64 * 1024))
    assert isinstance(out[-1], metascan.ScanError)
    assert out[-1].message == "<stdin>: input is above the 100000-byte limit (raise it with --max-file-size)"


def test_standard_input_from_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(file_source, "STREAM_THRESHOLD", 1024)
    monkeypatch.setattr(file_source.read, "__defaults__", (file_source.DEFAULT_MAX_FILE_BYTES, 1024))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(Trickle(big(300)))))
    code, out, _ = run_main(["scan", "-", "--format", "json"], capsys, monkeypatch)
    assert code == 1
    assert json.loads(out)["summary"]["resources"] == 300
