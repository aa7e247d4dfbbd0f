"""Responses a Python program printed (boto3's dictionaries in a log, `pprint` in a REPL session), read
with Python's parser as literals, never evaluated."""

from __future__ import annotations

import datetime
import json
import pprint
from pathlib import Path

import metascan
from metascan.sources import pyrepr

KEY = b"pyrepr-test-key-0123456789abcdef"
GROUPS = {
    "AutoScalingGroups": [
        {
            "AutoScalingGroupName": "ledger-sync",
            "CreatedTime": datetime.datetime(2026, 9, 9, 22, 20, 31, 155000, tzinfo=datetime.UTC),
            "MinSize": 1,
            "MaxSize": 2,
            "NewInstancesProtectedFromScaleIn": False,
            "Tags": [
                {
                    "Key": "payroll-contact",
                    "PropagateAtLaunch": True,
                    "ResourceId": "ledger-sync",
                    "ResourceType": "auto-scaling-group",
                    "Value": "oskar.lindgren@gmail.com",
                },
                {
                    "Key": "Notes",
                    "PropagateAtLaunch": True,
                    "ResourceId": "ledger-sync",
                    "ResourceType": "auto-scaling-group",
                    "Value": "payouts to IBAN GB33BUKB20201555555555 " + "x" * 120,
                },
            ],
        }
    ],
    "ResponseMetadata": {"RequestId": "0f3c8e1a-7b2d-4c6e-9a15-d2b4f6e8a0c3", "HTTPStatusCode": 200},
}


def _jsonable() -> dict:
    return json.loads(json.dumps(GROUPS, default=lambda d: d.isoformat()))


def _found(report: metascan.Report) -> set[tuple[str, str, str, str | None]]:
    return {(f.rule, f.resource.id, f.location.field, f.match) for f in report.findings}


def test_a_log_with_printed_pages_gives_the_findings_of_the_json(tmp_path: Path) -> None:
    log = tmp_path / "audit.log"
    log.write_text(
        "2026-11-20 09:14:02,118 INFO audit: region=eu-west-1\n"
        f"2026-11-20 09:14:02,904 DEBUG audit: page 1 {GROUPS!r}\n"
        "2026-11-20 09:14:03,010 INFO audit: done\n"
    )
    (tmp_path / "groups.json").write_text(json.dumps(_jsonable()))
    printed = metascan.scan_files([str(log)], fingerprint_key=KEY)
    js = metascan.scan_files([str(tmp_path / "groups.json")], fingerprint_key=KEY)
    assert printed.errors == [] and printed.skipped == []
    assert js.findings and _found(printed) == _found(js)


def test_pprint_output_with_split_strings_is_read_from_a_folder(tmp_path: Path) -> None:
    text = ">>> pprint.pprint(client.describe_auto_scaling_groups(), width=60)\n" + pprint.pformat(
        GROUPS, width=60
    )
    assert "'payouts to '\n" in text and "datetime.datetime(" in text  # (a string split in pieces)
    (tmp_path / "session.txt").write_text(text + "\n>>> exit()\n")
    (tmp_path / "notes.log").write_text("nothing printed here: oskar.lindgren@gmail.com\n")
    report = metascan.scan_files([str(tmp_path)], fingerprint_key=KEY)
    assert report.errors == [] and report.skipped == []
    assert {(f.rule, f.location.source) for f in report.findings} == {
        ("email-address", str(tmp_path / "session.txt")),
        ("iban", str(tmp_path / "session.txt")),
    }


def test_a_call_other_than_datetime_is_never_run_and_makes_the_literal_unreadable(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = tmp_path / "evil.txt"
    path.write_text(
        "{'AutoScalingGroups': [{'AutoScalingGroupName': __import__('os').system('touch "
        + str(marker)
        + "')}]}\n"
    )
    report = metascan.scan_files([str(path)], fingerprint_key=KEY)
    assert not marker.exists()
    assert [e.message for e in report.errors] == [
        f"{path}: a printed response that is not a Python literal at offset 0"
    ]


def test_a_literal_cut_short_is_an_error_and_earlier_pages_are_kept() -> None:
    text = f"{GROUPS!r}\n{GROUPS!r}"[:-40]
    found = list(pyrepr.responses(text))
    assert isinstance(found[0], dict) and found[0]["AutoScalingGroups"][0]["CreatedTime"].startswith(
        "2026-09-09"
    )
    assert isinstance(found[1], str) and found[1].startswith("a printed response cut short")
