"""End to end through `scan_files`, `scan_responses` and the `metascan scan` command."""

from __future__ import annotations

import base64
import gzip
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import metascan
from metascan.aws.documents import EXTRACTORS
from metascan.cli import cli

ACCT = "210987654322"
PASSWORD = "Tz7j6eB!SOebfTM#"

# An unknown key is never named (it may be a token): how many, and which keys were expected.
UNRECOGNISED_ONE = (
    "not a recognised AWS API response (1 top-level key, none of them one metascan reads: "
    + ", ".join(EXTRACTORS)
    + ")"
)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def group(name: str, tags: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "AutoScalingGroupName": name,
        "AutoScalingGroupARN": f"arn:aws:autoscaling:us-east-1:{ACCT}:autoScalingGroup:1"
        f":autoScalingGroupName/{name}",
        "Tags": [{"Key": k, "Value": v, "ResourceId": name} for k, v in (tags or {}).items()],
    }


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def findings_of(report: metascan.Report) -> set[tuple[str, str, str, str | None]]:
    return {(f.rule, f.resource.id, f.location.field, f.match) for f in report.findings}


def test_key_context_separates_an_account_number_from_a_build_id(tmp_path: Path) -> None:
    p = write(
        tmp_path / "g.json",
        {"AutoScalingGroups": [group("web", {"CustomerAccount": "00123456789", "BuildId": "00123456789"})]},
    )
    report = metascan.scan_files([p])
    assert findings_of(report) == {
        ("bank-account-number", "web", "Tags[CustomerAccount].Value", "00123456789")
    }


def test_user_data_findings_carry_line_and_decoding_chain(tmp_path: Path) -> None:
    script = f"#!/bin/bash\nset -e\nexport DB_PASSWORD='{PASSWORD}'\n"
    ud = base64.b64encode(gzip.compress(script.encode(), mtime=0)).decode()
    p = write(
        tmp_path / "v.json",
        {
            "LaunchTemplateVersions": [
                {
                    "LaunchTemplateId": "lt-1",
                    "VersionNumber": 2,
                    "DefaultVersion": True,
                    "LaunchTemplateData": {"UserData": ud},
                }
            ]
        },
    )
    report = metascan.scan_files([p], region="eu-west-1", account=ACCT)
    (f,) = report.findings
    assert (f.rule, f.match, f.location.line, f.location.decoding) == (
        "password-assignment",
        PASSWORD,
        3,
        ("base64", "gzip"),
    )
    assert (f.resource.region, f.resource.account) == ("eu-west-1", ACCT)
    assert f.severity == "high"  # as documented: no group in the scan launches it (tests/test_severity.py)


def test_directories_are_searched_recursively_and_pages_read_as_pages(tmp_path: Path) -> None:
    (tmp_path / "us-east-1").mkdir()
    write(
        tmp_path / "us-east-1" / "p1.json",
        {"AutoScalingGroups": [group("a", {"Owner": "jane.doe@gmail.com"})], "NextToken": "t1"},
    )
    write(
        tmp_path / "us-east-1" / "p2.json",
        {"AutoScalingGroups": [group("b", {"Owner": "john.roe@gmail.com"})]},
    )
    # several raw pages in one file: concatenated objects, and a JSON list of pages
    (tmp_path / "concat.json").write_text(
        json.dumps({"AutoScalingGroups": [group("c", {"Owner": "c.one@gmail.com"})], "NextToken": "x"})
        + "\n"
        + json.dumps({"AutoScalingGroups": [group("d", {"Owner": "d.two@gmail.com"})]})
    )
    write(tmp_path / "list.json", [{"AutoScalingGroups": [group("e", {"Owner": "e.three@gmail.com"})]}])
    (tmp_path / "notes.txt").write_text("not scanned: not *.json")
    report = metascan.scan_files([tmp_path])
    assert {f.resource.id for f in report.findings} == {"a", "b", "c", "d", "e"}
    assert report.errors == [] and report.resources == 5


def test_a_bad_file_never_loses_the_findings_of_the_others(tmp_path: Path) -> None:
    good = write(
        tmp_path / "good.json", {"AutoScalingGroups": [group("web", {"Owner": "jane.doe@gmail.com"})]}
    )
    (tmp_path / "truncated.json").write_text('{"AutoScalingGroups": [{"AutoScalingGroupName": ')
    (tmp_path / "empty.json").write_text("")
    write(tmp_path / "scalar.json", 42)
    (tmp_path / "latin1.json").write_bytes(b'{"x": "caf\xe9"}')
    write(tmp_path / "unknown.json", {"Reservations": []})
    report = metascan.scan_files([tmp_path, tmp_path / "missing.json"])
    assert findings_of(report) == {("email-address", "web", "Tags[Owner].Value", "jane.doe@gmail.com")}
    messages = sorted(e.message for e in report.errors)
    assert messages == sorted(
        [
            f"{tmp_path / 'empty.json'}: file is empty",
            f"{tmp_path / 'latin1.json'}: not UTF-8 text (invalid byte 0xe9 at offset 10)",
            f"{tmp_path / 'missing.json'}: no such file or directory",
            f"{tmp_path / 'scalar.json'}: top level is int, not an API response object",
            f"{tmp_path / 'truncated.json'}: truncated JSON at line 1 column 48: Expecting value",
        ]
    )
    assert all("\n" not in m for m in messages)
    assert [s.reason for s in report.skipped] == [UNRECOGNISED_ONE]
    assert good.exists()


def test_the_same_name_and_value_in_two_regions_are_two_findings(tmp_path: Path) -> None:
    for region in ("us-east-1", "eu-west-1"):
        g = group("web", {"Owner": "jane.doe@gmail.com"})
        g["AutoScalingGroupARN"] = g["AutoScalingGroupARN"].replace("us-east-1", region)
        write(tmp_path / f"{region}.json", {"AutoScalingGroups": [g]})
    report = metascan.scan_files([tmp_path])
    assert sorted(f.resource.region or "" for f in report.findings) == ["eu-west-1", "us-east-1"]
    assert len({f.fingerprint for f in report.findings}) == 2
    assert report.resources == 2


def test_bom_and_utf16_files_are_read(tmp_path: Path) -> None:
    doc = json.dumps({"AutoScalingGroups": [group("web", {"Owner": "jane.doe@gmail.com"})]})
    (tmp_path / "bom.json").write_bytes(b"\xef\xbb\xbf" + doc.encode())
    (tmp_path / "utf16.json").write_bytes(doc.encode("utf-16"))
    report = metascan.scan_files([tmp_path / "bom.json", tmp_path / "utf16.json"])
    assert report.errors == []
    assert len(report.findings) == 1  # the same value in the same field of the same resource is one finding


def test_scan_responses_for_library_callers() -> None:
    report = metascan.scan_responses(
        [("audit:us-east-1", {"AutoScalingGroups": [group("g", {"Phone": "+33 6 12 34 56 78"})]})]
    )
    (f,) = report.findings
    assert (f.rule, f.location.source, f.category) == ("phone-number", "audit:us-east-1", "personal_data")
    assert report.to_dict()["findings"][0]["location"]["source"] == "audit:us-east-1"


def test_one_value_in_one_field_is_one_finding() -> None:
    line = f"export DB_PASSWORD='{PASSWORD}'\n"
    script = f"#!/bin/bash\n{line}echo '{PASSWORD}' > /tmp/x\n{line}"
    lc = {"LaunchConfigurations": [{"LaunchConfigurationName": "lc", "UserData": b64(script)}]}
    report = metascan.scan_responses([("s", lc), ("s2", lc)])
    assert len(report.findings) == 1


# --- the command line ---------------------------------------------------------------------------------


def run(args: list[str], stdin: str | None = None) -> Any:
    return CliRunner().invoke(cli, args, input=stdin, catch_exceptions=False)


def test_exit_codes(tmp_path: Path) -> None:
    clean = write(tmp_path / "clean.json", {"AutoScalingGroups": [group("web", {"Team": "platform"})]})
    dirty = write(
        tmp_path / "dirty.json", {"AutoScalingGroups": [group("web", {"Owner": "jane.doe@gmail.com"})]}
    )
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    unknown = write(tmp_path / "unknown.json", {"Reservations": []})
    assert run(["scan", str(clean)]).exit_code == 0
    assert (
        run(["scan", str(clean), str(unknown)]).exit_code == 0
    )  # skipped entries do not change the exit code
    assert run(["scan", str(dirty)]).exit_code == 1
    result = run(["scan", str(dirty), str(broken), "--format", "json"])
    assert result.exit_code == 2
    doc = json.loads(result.output)
    assert (
        doc["summary"]["findings"] == 1 and doc["summary"]["errors"] == 1
    )  # still reports what it could scan


def test_stdin(tmp_path: Path) -> None:
    doc = json.dumps({"AutoScalingGroups": [group("web", {"Owner": "jane.doe@gmail.com"})]})
    result = run(["scan", "-", "--format", "json"], stdin=doc)
    assert result.exit_code == 1
    assert json.loads(result.output)["findings"][0]["location"]["source"] == "<stdin>"


def test_secrets_only_with_show_secrets_and_then_in_a_private_file(tmp_path: Path) -> None:
    lc = {
        "LaunchConfigurations": [
            {"LaunchConfigurationName": "lc", "UserData": b64(f"DB_PASSWORD='{PASSWORD}'\n")}
        ]
    }
    src = write(tmp_path / "lc.json", lc)
    plain = run(["scan", str(src), "--format", "json"])
    assert PASSWORD not in plain.output and "match" not in json.loads(plain.output)["findings"][0]
    out = tmp_path / "report.json"
    result = run(["scan", str(src), "--format", "json", "--show-secrets", "--output", str(out)])
    assert result.exit_code == 1 and result.output == ""
    assert json.loads(out.read_text())["findings"][0]["match"] == PASSWORD
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_version_and_rules_commands() -> None:
    assert run(["--version"]).output.startswith(f"metascan {metascan.__version__} (rule set: ")
    listing = run(["rules"]).output.splitlines()[1:]  # after the header
    ids = {line.split()[0] for line in listing}
    assert {"aws-access-key-id", "iban", "email-address", "person-name"} <= ids
    assert all(len(line.split()) >= 4 for line in listing)


def test_python_dash_m(tmp_path: Path) -> None:
    env = {**os.environ, "METASCAN_FINGERPRINT_KEY": "k" * 20}
    proc = subprocess.run(
        [sys.executable, "-m", "metascan", "--version"], capture_output=True, text=True, env=env, check=False
    )
    assert proc.returncode == 0 and proc.stdout.startswith(f"metascan {metascan.__version__} (rule set: ")


def test_bad_rule_file_is_a_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from metascan.detect import rules as rules_mod

    bad = tmp_path / "bad.toml"
    bad.write_text('[[rules]]\nid = "Bad Id"\n')
    monkeypatch.setattr(rules_mod, "_pattern_files", lambda: [(str(bad), bad.read_text())])
    proc = CliRunner().invoke(cli, ["scan", str(tmp_path)], standalone_mode=False)
    assert isinstance(proc.exception, rules_mod.RuleError)
    assert (
        str(proc.exception)
        == f"{bad}: rule 'Bad Id': id must be a lowercase slug such as 'aws-access-key-id'"
    )
