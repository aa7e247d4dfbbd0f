"""`metascan merge` and `metascan.report.merge`: shard reports into one (the live, multi-process test is in
tests/sources/test_shard_live.py)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from helpers_reports import GOLDEN_SECRETS, KEY_ID, golden_findings, golden_report, run_main, validate_report

from metascan.errors import ConfigError
from metascan.model import ScanError
from metascan.report.formats.json import render as render_json
from metascan.report.formats.options import RenderOptions
from metascan.report.merge import finding_from_dict, merge_reports
from metascan.report.report import Report


@pytest.fixture(autouse=True)
def _work_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no metascan.toml of the checkout applies


def shard_report(
    index: int,
    count: int,
    findings: list[int],
    *,
    key_id: str = KEY_ID,
    digest: str | None = "d" * 16,
    errors: list[ScanError] | None = None,
    resources: int = 3,
) -> Report:
    every = golden_findings()
    report = golden_report(extras=False)
    report.findings = [every[i] for i in findings]
    report.fingerprint_key_id = key_id
    report.rules_digest = digest
    report.resources = resources
    if errors is None:
        errors = [dataclasses.replace(report.errors[0], account=f"{index}")]
    report.errors = errors
    report.extra["shard"] = {"index": index, "count": count}
    return report


def write(path: Path, report: Report, show_secrets: bool = False) -> str:
    path.write_text(render_json(report, RenderOptions(show_secrets=show_secrets)))
    return str(path)


def test_findings_are_deduplicated_and_summaries_added(tmp_path: Path) -> None:
    a = write(tmp_path / "a.json", shard_report(0, 2, [0, 1], resources=4))
    b = write(tmp_path / "b.json", shard_report(1, 2, [1, 2], resources=5))
    merged = merge_reports([a, b])
    report = merged.report
    assert merged.failed == [] and merged.warnings == []
    expected = sorted(f.fingerprint for f in golden_findings()[:3])
    assert sorted(f.fingerprint for f in report.findings) == expected
    assert report.resources == 9 and report.fields == 84
    assert [e.account for e in report.errors] == ["0", "1"]  # errors kept, with their account and region
    assert {e.region for e in report.errors} == {"eu-west-1"}
    assert len(report.skipped) == 2 and report.skipped[0].resource is not None
    doc = report.to_dict()
    assert doc["summary"]["findings"] == 3 and doc["summary"]["errors"] == 2
    assert doc["merged"] == {"inputs": [a, b], "shards": [2], "failed": []}
    assert doc["fingerprint_key_id"] == KEY_ID and doc["tool"]["rules_digest"] == "d" * 16
    validate_report(json.loads(render_json(report, RenderOptions())))


def test_findings_survive_the_round_trip_through_json(tmp_path: Path) -> None:
    for finding in golden_findings():
        doc = json.loads(json.dumps(finding.to_dict(show_secrets=True)))
        assert finding_from_dict(doc) == finding


def test_different_fingerprint_keys_are_refused(tmp_path: Path) -> None:
    a = write(tmp_path / "a.json", shard_report(0, 2, [0]))
    b = write(tmp_path / "b.json", shard_report(1, 2, [1], key_id="fedcba9876543210"))
    with pytest.raises(ConfigError, match="different fingerprint keys") as e:
        merge_reports([a, b])
    assert a in str(e.value) and b in str(e.value)


def test_different_rule_sets_warn_or_with_strict_are_refused(tmp_path: Path) -> None:
    a = write(tmp_path / "a.json", shard_report(0, 2, [0]))
    b = write(tmp_path / "b.json", shard_report(1, 2, [1], digest="e" * 16))
    merged = merge_reports([a, b])
    assert len(merged.warnings) == 1 and "different rule sets" in merged.warnings[0]
    assert len(merged.report.findings) == 2
    with pytest.raises(ConfigError, match="different rule sets"):
        merge_reports([a, b], strict=True)


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (None, "its report is missing"),
        ('{"schema_version": "1", "findings": [', "not valid JSON"),
        ('{"hello": 1}', "not a metascan JSON report"),
        (f'{{"schema_version": "1", "fingerprint_key_id": "{KEY_ID}", "findings": [1]}}', "not a valid"),
    ],
)
def test_an_unusable_report_is_a_failed_shard(tmp_path: Path, content: str | None, why: str) -> None:
    good = write(tmp_path / "a.json", shard_report(0, 2, [0]))
    bad = tmp_path / "b.json"
    if content is not None:
        bad.write_text(content)
    merged = merge_reports([good, str(bad)])
    assert why in merged.failed[0] and str(bad) in merged.failed[0]
    failed = [e.source for e in merged.report.errors if e.operation == "metascan:merge"]
    # which shard it was is unknown, so the shard index without a usable report is named as well
    assert merged.failed[1:] == ["shard 1/2: no usable report among the inputs"]
    assert failed == [str(bad), "shard 1/2"]
    assert len(merged.report.findings) == 1  # what the good shard found is kept


def test_a_fatal_error_fails_its_shard_and_a_missing_index_is_named(tmp_path: Path) -> None:
    fatal = ScanError("aws", "aws: account not scanned: sts:GetCallerIdentity failed: no", None, None)
    fatal = dataclasses.replace(fatal, operation="sts:GetCallerIdentity")
    a = write(tmp_path / "a.json", shard_report(0, 3, [0]))
    b = write(tmp_path / "b.json", shard_report(1, 3, [], errors=[fatal]))
    merged = merge_reports([a, b])
    assert merged.failed == [
        f"shard 1/3 ({b}): fatal error: {fatal.message}",
        "shard 2/3: no usable report among the inputs",
    ]
    assert fatal in merged.report.errors


def test_the_same_shard_twice_is_merged_once(tmp_path: Path) -> None:
    a = write(tmp_path / "a.json", shard_report(0, 1, [0], resources=4))
    b = write(tmp_path / "b.json", shard_report(0, 1, [0, 1], resources=4))
    merged = merge_reports([a, b])
    assert merged.report.resources == 4 and len(merged.report.findings) == 1
    assert "the same shard as an earlier input" in merged.warnings[0]


def test_different_shard_counts_are_refused(tmp_path: Path) -> None:
    a = write(tmp_path / "a.json", shard_report(0, 2, [0]))
    b = write(tmp_path / "b.json", shard_report(1, 3, [1]))
    with pytest.raises(ConfigError, match="different shard counts"):
        merge_reports([a, b])


def test_workflow_sections_are_joined(tmp_path: Path) -> None:
    reports = []
    for index, resolved in ((0, ["6", "7"]), (1, ["7", "8"])):
        report = shard_report(index, 2, [index])
        report.extra["suppressed"] = [{"fingerprint": f"{index}" * 64, "rule": "iban", "resource": {}}]
        report.extra["unused_suppressions"] = [{"index": 0}, {"index": index + 1}]
        report.extra["baseline"] = {
            "source": "base.json",
            "known": 2,
            "resolved": [{"fingerprint": r * 64, "rule": "iban", "resource": {}} for r in resolved],
        }
        reports.append(write(tmp_path / f"{index}.json", report))
    extra = merge_reports(reports).report.extra
    assert [s["fingerprint"][0] for s in extra["suppressed"]] == ["0", "1"]
    assert extra["unused_suppressions"] == [{"index": 0}]  # unused by every shard
    assert extra["baseline"]["known"] == 4
    assert [r["fingerprint"][0] for r in extra["baseline"]["resolved"]] == ["7"]  # seen by no shard


def test_cli_merge_writes_the_report_and_exits_2_naming_a_failed_shard(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    clean = shard_report(0, 2, [0, 1], errors=[])
    a = write(tmp_path / "a.json", clean, show_secrets=True)
    b = write(tmp_path / "b.json", shard_report(1, 2, [2], errors=[]), show_secrets=True)
    out = tmp_path / "merged.json"
    code, _, err = run_main(["merge", a, b, "--format", "json", "--output", str(out)], capsys, monkeypatch)
    assert (code, err) == (1, "")  # findings, no errors
    doc: dict[str, Any] = json.loads(out.read_text())
    assert doc["summary"]["findings"] == 3
    assert not any(s in out.read_text() for s in GOLDEN_SECRETS)  # no raw value without --show-secrets

    code, text, err = run_main(["merge", a, str(tmp_path / "gone.json")], capsys, monkeypatch)
    assert code == 2
    assert f"{tmp_path / 'gone.json'}: shard failed: its report is missing" in text
    assert f"metascan: error: {tmp_path / 'gone.json'}: its report is missing" in err
    assert "metascan: error: shard 1/2: no usable report among the inputs" in err


def test_cli_merge_refuses_different_keys_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    a = write(tmp_path / "a.json", shard_report(0, 2, [0]))
    b = write(tmp_path / "b.json", shard_report(1, 2, [1], key_id="fedcba9876543210"))
    out = tmp_path / "merged.json"
    code, _, err = run_main(["merge", a, b, "--output", str(out)], capsys, monkeypatch)
    assert code == 2 and "different fingerprint keys" in err and not out.exists()


def test_a_shard_where_a_rule_timed_out_makes_the_merged_run_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A text where a detection rule hit its time limit is a scan cut short (issue 17 point 9): the shard's
    exit code is 2, and so is the merged report's; the flag survives the JSON round trip."""
    timed = shard_report(1, 2, [2], errors=[])
    timed.skipped = [dataclasses.replace(timed.skipped[0], timed_out=True)]
    a = write(tmp_path / "a.json", shard_report(0, 2, [0, 1], errors=[]))
    b = write(tmp_path / "b.json", timed)
    merged = merge_reports([a, b]).report
    assert [s.timed_out for s in merged.skipped] == [False, True]
    code, _, _ = run_main(
        ["merge", a, b, "--format", "json", "--output", str(tmp_path / "m.json")], capsys, monkeypatch
    )
    assert code == 2
    doc = json.loads((tmp_path / "m.json").read_text())
    assert [s.get("timed_out", False) for s in doc["skipped"]] == [False, True]


def test_shards_that_split_different_account_lists_fail_the_merge(tmp_path: Path) -> None:
    """A shard whose organisation listing differed from its siblings' (an account added between their
    starts) cut its share from another list: shares may overlap or leave an account out, so the merge names
    that shard as failed instead of passing silently."""
    reports = []
    for k in range(3):
        report = shard_report(k, 3, [k], errors=[])
        digest = "b" * 16 if k == 2 else "a" * 16
        report.extra["shard"] = {
            "index": k,
            "count": 3,
            "accounts": 41 if k == 2 else 40,
            "accounts_digest": digest,
        }
        reports.append(write(tmp_path / f"{k}.json", report))
    merged = merge_reports(reports)
    (failure,) = merged.failed
    assert failure.startswith("shard 2/3 (") and "another account list (41 accounts" in failure
    assert "(40 accounts, digest " + "a" * 16 + ")" in failure
    assert [e.operation for e in merged.report.errors] == ["metascan:merge"]
    same = merge_reports([*reports[:2], write(tmp_path / "2b.json", shard_report(2, 3, [2], errors=[]))])
    assert same.failed == []  # a report without a list (older metascan, or no list) is not compared
