"""Inputs recognised by their content: AWS CLI YAML output, gzip exports, `--query` output, what is not
read and why, and a run that recognises nothing never passing silently."""

from __future__ import annotations

import base64
import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers_reports import run_main

import metascan
from metascan import parallel
from metascan.aws.documents import EXTRACTORS
from metascan.sources import files as file_source
from metascan.sources.content import QUERY_VALUES

IAC = Path(__file__).resolve().parents[1] / "fixtures" / "iac"
KEY = b"inputs-test-key-0123456789"
EMAIL = "lena.fischer@payments-team.io"
PASSWORD = "Vb3-Hq8z-Rm6t"


def _groups() -> dict[str, Any]:
    return {
        "AutoScalingGroups": [
            {
                "AutoScalingGroupName": "payments-worker",
                "AutoScalingGroupARN": "arn:aws:autoscaling:eu-central-1:210987654322:autoScalingGroup:"
                "1b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b:autoScalingGroupName/payments-worker",
                "MinSize": 1,
                "MaxSize": 3,
                "Tags": [
                    {
                        "Key": "Owner",
                        "Value": EMAIL,
                        "PropagateAtLaunch": True,
                        "ResourceId": "payments-worker",
                        "ResourceType": "auto-scaling-group",
                    }
                ],
            }
        ]
    }


def _versions() -> dict[str, Any]:
    script = f"#!/bin/bash\nexport DB_PASSWORD='{PASSWORD}'\n"
    return {
        "LaunchTemplateVersions": [
            {
                "LaunchTemplateId": "lt-0b1c2d3e4f5a60718",
                "LaunchTemplateName": "payments",
                "VersionNumber": n,
                "DefaultVersion": n == 2,
                "LaunchTemplateData": {"UserData": base64.b64encode(script.encode()).decode()},
            }
            for n in (1, 2)
        ]
    }


def scan(*paths: Path | str, **options: Any) -> metascan.Report:
    return metascan.scan_files(list(paths), fingerprint_key=KEY, **options)


def found(report: metascan.Report) -> set[tuple[str, str, str | None]]:
    return {(f.rule, f.resource.id, f.match) for f in report.findings}


def test_cli_yaml_output_and_yaml_stream(tmp_path: Path) -> None:
    (tmp_path / "groups.yaml").write_text(yaml.safe_dump(_groups(), sort_keys=True))
    (tmp_path / "versions.yml").write_text(yaml.safe_dump([_versions()], sort_keys=True))  # yaml-stream
    report = scan(tmp_path)
    assert report.errors == [] and report.skipped == []
    assert {("email-address", "payments-worker", EMAIL)} <= found(report)
    assert {(f.resource.id, f.match) for f in report.findings if f.rule == "password-assignment"} == {
        ("lt-0b1c2d3e4f5a60718:1", PASSWORD),
        ("lt-0b1c2d3e4f5a60718:2", PASSWORD),
    }
    (owner,) = [f for f in report.findings if f.rule == "email-address"]
    assert EMAIL in (tmp_path / "groups.yaml").read_text().splitlines()[owner.location.source_line - 1]
    # The same responses as JSON give the same findings.
    (tmp_path / "groups.yaml").unlink()
    (tmp_path / "versions.yml").unlink()
    (tmp_path / "g.json").write_text(json.dumps(_groups()))
    (tmp_path / "v.json").write_text(json.dumps(_versions()))
    assert found(scan(tmp_path)) == found(report)


def test_gzip_exports_are_read_by_content(tmp_path: Path) -> None:
    (tmp_path / "groups.json.gz").write_bytes(gzip.compress(json.dumps(_groups()).encode()))
    (tmp_path / "versions.gz").write_bytes(gzip.compress(yaml.safe_dump(_versions()).encode()))
    two_members = gzip.compress(b'{"AutoScalingGroups": ') + gzip.compress(
        json.dumps(_groups()["AutoScalingGroups"]).encode() + b"}"
    )
    (tmp_path / "members.json.gz").write_bytes(two_members)
    report = scan(tmp_path)
    assert report.errors == []
    assert ("email-address", "payments-worker", EMAIL) in found(report)
    assert ("password-assignment", "lt-0b1c2d3e4f5a60718:2", PASSWORD) in found(report)
    assert {Path(f.location.source).name for f in report.findings if f.rule == "email-address"} == {
        "groups.json.gz"  # the value of members.json.gz is the same value of the same group: reported once
    }


def test_bad_and_oversized_gzip_are_one_line_errors(tmp_path: Path) -> None:
    (tmp_path / "cut.json.gz").write_bytes(gzip.compress(json.dumps(_groups()).encode())[:30])
    bomb = gzip.compress(b"{" + b" " * 5_000_000 + b"}")
    (tmp_path / "bomb.json.gz").write_bytes(bomb)
    (tmp_path / "good.json").write_text(json.dumps(_groups()))
    report = scan(tmp_path, max_file_bytes=1_000_000)
    messages = sorted(e.message for e in report.errors)
    assert messages == [
        f"{tmp_path / 'bomb.json.gz'}: decompressed data is above the 1000000-byte limit"
        " (raise it with --max-file-size)",
        f"{tmp_path / 'cut.json.gz'}: not valid gzip data: the gzip data is cut short",
    ]
    assert ("email-address", "payments-worker", EMAIL) in found(report)


def test_large_gzip_exports_are_streamed(tmp_path: Path) -> None:
    groups = _groups()["AutoScalingGroups"] * 1
    many = [
        {**groups[0], "AutoScalingGroupName": f"g{i}", "AutoScalingGroupARN": f"arn-{i}"} for i in range(200)
    ]
    path = tmp_path / "big.json.gz"
    path.write_bytes(gzip.compress(json.dumps({"AutoScalingGroups": many}).encode()))
    docs = list(file_source.read(str(path), stream_threshold=2048))
    assert all(isinstance(d, file_source.Document) for d in docs)
    assert len(docs) == 4  # pages of 50: streamed, not read whole
    assert sum(len(d.data["AutoScalingGroups"]) for d in docs) == 200  # type: ignore[union-attr]


def test_query_output_items_are_recognised(tmp_path: Path) -> None:
    (tmp_path / "groups.json").write_text(
        json.dumps(_groups()["AutoScalingGroups"])
    )  # --query 'AutoScalingGroups[]'
    (tmp_path / "one.json").write_text(
        json.dumps(_versions()["LaunchTemplateVersions"][0])
    )  # --query '...[0]'
    (tmp_path / "values.json").write_text(json.dumps([EMAIL]))  # --query '...[].Tags[].Value'
    (tmp_path / "numbers.json").write_text(json.dumps([[1, 2]]))  # --query '...[].[MinSize, MaxSize]'
    report = scan(tmp_path)
    assert ("email-address", "payments-worker", EMAIL) in found(report)
    assert ("password-assignment", "lt-0b1c2d3e4f5a60718:1", PASSWORD) in found(report)
    # values without their keys are read as free text, and the report says what that misses
    assert ("email-address", "record 1", EMAIL) in found(report)
    assert [s.reason for s in report.skipped if s.source.endswith("values.json")] == [QUERY_VALUES]
    (err,) = report.errors  # (numbers alone: nothing to read)
    assert err.message == (
        f"{tmp_path / 'numbers.json'}: top level is a list, not an API response object (a list of values, as"
        " `aws ... --query` prints them? save whole responses)"
    )


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        (
            # (--query output: no line names a response; tests/sources/test_clitext.py reads one that does)
            "groups.txt",
            "GROUPS\tarn:aws:autoscaling:eu-central-1:210987654322:autoScalingGroup:x\tweb\n"
            "OWNERS\tOwner\tweb\tauto-scaling-group\tlena@x.io\n",
            "AWS CLI text output: re-run with --output json (or --output yaml)",
        ),
        (
            "groups.table",
            "-----------------------------\n|DescribeAutoScalingGroups|\n+---------------------------+\n",
            "AWS CLI table output: re-run with --output json (or --output yaml)",
        ),
        (
            "package.json",
            '{"name": "app", "version": "1.0.0", "dependencies": {}}',
            "an npm package manifest",
        ),
        ("deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\n", "a Kubernetes manifest"),
        ("stacks.json", '{"Stacks": []}', "CloudFormation describe-stacks output"),
        (
            "group.json",
            '{"AutoScalingGroup": []}',
            "not a recognised AWS API response (1 top-level key, none of them one metascan reads: "
            + ", ".join(EXTRACTORS)
            + "); closest: AutoScalingGroups (aws autoscaling describe-auto-scaling-groups)",
        ),
        ("notes.yaml", "just: [unbalanced\n", "not JSON, YAML or HCL that metascan reads (invalid YAML"),
    ],
)
def test_what_is_not_read_says_what_it_looks_like_and_fails_alone(
    tmp_path: Path,
    name: str,
    content: str,
    reason: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / name
    path.write_text(content)
    report = scan(path)
    (skip,) = report.skipped
    assert skip.reason.startswith(reason), skip.reason
    (err,) = report.errors  # nothing recognised: never a clean pass
    assert err.message.startswith(f"no input was recognised: {path}: {reason}") and "\n" not in err.message
    # The command: exit 2, the one-line message on standard error whatever the format.
    code, out, stderr = run_main(["scan", str(path), "--format", "json"], capsys, monkeypatch)
    assert code == 2
    assert stderr.startswith(f"metascan: error: no input was recognised: {path}: {reason}")
    assert stderr.count("\n") == 1
    assert json.loads(out)["errors"][0]["message"] == err.message


def test_strict_makes_a_skipped_input_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "good.json").write_text(json.dumps(_groups()))
    (tmp_path / "package.json").write_text('{"name": "app", "version": "1.0.0", "scripts": {}}')
    lenient = scan(tmp_path)
    assert lenient.errors == [] and len(lenient.skipped) == 1
    strict = scan(tmp_path, strict=True)
    assert strict.skipped == []
    (err,) = strict.errors
    assert err.message.startswith(
        f"{tmp_path / 'package.json'}: not scanned (--strict): an npm package manifest"
    )
    code, _, _ = run_main(["scan", str(tmp_path), "--strict"], capsys, monkeypatch)
    assert code == 2
    code, _, _ = run_main(["scan", str(tmp_path)], capsys, monkeypatch)
    assert code == 1  # the finding; the skipped package.json changes nothing


def test_allow_nothing_recognised_for_hooks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "package.json").write_text('{"name": "app", "version": "1.0.0", "scripts": {}}')
    code, out, err = run_main(
        ["scan", str(tmp_path / "package.json"), "--allow-nothing-recognised"], capsys, monkeypatch
    )
    assert (code, err) == (0, "")
    assert "skipped: " in out and "an npm package manifest" in out


def test_directory_walk_finds_every_kind_and_leaves_tool_folders_out(tmp_path: Path) -> None:
    shutil.copy(IAC / "web-stack.yaml", tmp_path / "stack.template")
    shutil.copy(IAC / "terraform" / "main.tf", tmp_path / "main.tf")
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "groups.json.gz").write_bytes(gzip.compress(json.dumps(_groups()).encode()))
    for pruned in (".terraform/modules/x", "node_modules/y", ".git"):
        (tmp_path / pruned).mkdir(parents=True)
        (tmp_path / pruned / "main.tf").write_text((IAC / "terraform" / "main.tf").read_text())
    (tmp_path / "README.md").write_text("# not an input\n")
    walked = [Path(p).relative_to(tmp_path).as_posix() for p in file_source.expand([str(tmp_path)])]  # type: ignore[arg-type]
    assert walked == ["main.tf", "stack.template", "exports/groups.json.gz"]


def test_an_empty_directory_names_what_it_looks_for(tmp_path: Path) -> None:
    report = scan(tmp_path)
    (err,) = report.errors
    assert err.message.startswith(f"{tmp_path}: directory holds no JSON, YAML, Terraform, XML or gzip files")


@pytest.mark.skipif(not parallel.can_fork(), reason="worker processes need the fork start method")
def test_workers_give_the_same_report_for_templates(tmp_path: Path) -> None:
    shutil.copytree(IAC, tmp_path / "iac")
    (tmp_path / "iac" / "package.json").write_text('{"name": "a", "version": "1", "scripts": {}}')
    one = scan(tmp_path)
    two = scan(tmp_path, jobs=2)
    assert one.findings and one.skipped
    assert [f.to_dict(True) for f in two.findings] == [f.to_dict(True) for f in one.findings]
    assert [s.to_dict() for s in two.skipped] == [s.to_dict() for s in one.skipped]
    assert two.errors == one.errors


@pytest.mark.skipif(not parallel.can_fork(), reason="worker processes need the fork start method")
def test_workers_also_fail_a_run_that_recognised_nothing(tmp_path: Path) -> None:
    for i in range(3):
        (tmp_path / f"p{i}.json").write_text('{"name": "a", "version": "1", "scripts": {}}')
    report = scan(tmp_path, jobs=2)
    (err,) = report.errors
    assert err.message.startswith(f"no input was recognised: {tmp_path / 'p0.json'}: an npm package manifest")
    assert err.message.endswith("(and 2 more skipped)")
