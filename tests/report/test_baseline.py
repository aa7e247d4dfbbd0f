"""Baselines: only new findings are reported, gone ones are listed, another key's baseline is refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers_reports import PLANTED, planted_user_data, run_main, validate_report, write_planted

from metascan.errors import ConfigError
from metascan.report.baseline import load_baseline, parse_baseline


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.chdir(Path(__file__).parent)  # no metascan.toml here

    def call(*args: str) -> tuple[int, str, str]:
        return run_main(list(args), capsys, monkeypatch)

    return call


def make_baseline(cli: Any, inputs: Path, out: Path) -> dict[str, Any]:
    code, _, _ = cli("scan", str(inputs), "--format", "json", "-o", str(out))
    assert code == 1
    doc: dict[str, Any] = json.loads(out.read_text())
    return doc


def test_a_rescan_against_its_own_report_finds_nothing_new(tmp_path: Path, cli: Any) -> None:
    inputs = write_planted(tmp_path / "in")
    base = make_baseline(cli, inputs, tmp_path / "base.json")
    code, out, _ = cli("scan", str(inputs), "--format", "json", "--baseline", str(tmp_path / "base.json"))
    doc = json.loads(out)
    validate_report(doc)
    assert code == 0
    assert doc["findings"] == [] and doc["summary"]["findings"] == 0
    assert doc["baseline"] == {
        "source": str(tmp_path / "base.json"),
        "known": len(base["findings"]),
        "resolved": [],
    }


def test_new_findings_are_reported_and_gone_ones_listed_as_resolved(tmp_path: Path, cli: Any) -> None:
    inputs = write_planted(tmp_path / "in")
    base = make_baseline(cli, inputs, tmp_path / "base.json")
    hook = next(f for f in base["findings"] if f["resource"]["type"] == "LifecycleHook")
    (inputs / "hooks.json").unlink()  # the hook's token is gone...
    lc = {"LaunchConfigurations": [{"LaunchConfigurationName": "new-lc", "UserData": planted_user_data()}]}
    (inputs / "lc.json").write_text(json.dumps(lc))  # ...and a launch configuration leaks the same user data
    code, out, _ = cli("scan", str(inputs), "--format", "json", "--baseline", str(tmp_path / "base.json"))
    doc = json.loads(out)
    validate_report(doc)
    assert code == 1
    assert {f["resource"]["id"] for f in doc["findings"]} == {"new-lc"}
    assert doc["baseline"]["known"] == len(base["findings"]) - 1
    assert doc["baseline"]["resolved"] == [
        {"fingerprint": hook["fingerprint"], "rule": hook["rule"], "resource": hook["resource"]}
    ]


def test_a_suppressed_finding_is_not_resolved(tmp_path: Path, cli: Any) -> None:
    inputs = write_planted(tmp_path / "in")
    make_baseline(cli, inputs, tmp_path / "base.json")
    cfg = tmp_path / "c.toml"
    cfg.write_text('[[suppress]]\nreason = "accepted"\nrule = "email-address"\n')
    code, out, _ = cli(
        "scan",
        str(inputs),
        "--format",
        "json",
        "--baseline",
        str(tmp_path / "base.json"),
        "--config",
        str(cfg),
    )
    doc = json.loads(out)
    assert code == 0 and doc["baseline"]["resolved"] == []
    assert [s["rule"] for s in doc["suppressed"]] == ["email-address"]


def test_a_baseline_made_with_another_key_is_an_error(
    tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = write_planted(tmp_path / "in")
    make_baseline(cli, inputs, tmp_path / "base.json")
    monkeypatch.setenv("METASCAN_FINGERPRINT_KEY", "another-key-entirely-0123456789")
    out_file = tmp_path / "new.json"
    code, out, err = cli("scan", str(inputs), "--baseline", str(tmp_path / "base.json"), "-o", str(out_file))
    assert code == 2 and out == "" and not out_file.exists()
    assert err.startswith(
        f"metascan: error: {tmp_path / 'base.json'}: baseline was made with another fingerprint key"
    )
    assert err.count("\n") == 1


def report_doc(**kw: Any) -> dict[str, Any]:
    return {"schema_version": "1", "fingerprint_key_id": "k1", "fingerprint_version": 2, "findings": [], **kw}


GOOD = {"fingerprint": "a" * 64, "rule": "iban", "resource": {"type": "AutoScalingGroup", "id": "web"}}


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], "not a metascan JSON report"),
        ({"version": "2.1.0", "runs": []}, "not a metascan JSON report"),  # a SARIF file
        (report_doc(fingerprint_key_id=None), "another fingerprint key (no key id; this run uses key id k1)"),
        (report_doc(fingerprint_key_id="k2"), "another fingerprint key (key id k2; this run uses key id k1)"),
        (
            report_doc(findings=[{**GOOD, "fingerprint": "xyz"}]),
            "baseline finding 0 has no valid fingerprint",
        ),
        (report_doc(findings=[GOOD, {**GOOD, "resource": "web"}]), "baseline finding 1 has no valid"),
        (report_doc(findings=["a" * 64]), "baseline finding 0 has no valid"),
    ],
)
def test_invalid_baselines_are_errors(doc: Any, message: str) -> None:
    with pytest.raises(ConfigError) as exc:
        parse_baseline(doc, "b.json", "k1")
    assert str(exc.value).startswith("b.json: ") and message in str(exc.value)


def test_a_valid_baseline_is_read() -> None:
    b = parse_baseline(report_doc(findings=[GOOD, GOOD]), "b.json", "k1")
    assert list(b.known) == ["a" * 64]
    assert b.known["a" * 64].to_dict()["resource"] == {
        "type": "AutoScalingGroup",
        "id": "web",
        "arn": None,
        "region": None,
        "account": None,
    }


def test_unreadable_or_non_json_baselines_are_one_line_errors_without_content(
    tmp_path: Path, cli: Any
) -> None:
    inputs = write_planted(tmp_path / "in")
    jsonl = tmp_path / "b.jsonl"
    cli("scan", str(inputs), "--format", "jsonl", "-o", str(jsonl))
    broken = tmp_path / "broken.json"
    broken.write_text('{"findings": [' + json.dumps(PLANTED["aws_key"]))
    cases = [
        (tmp_path / "missing.json", "cannot read baseline: No such file or directory"),
        (jsonl, "baseline is not valid JSON"),
        (broken, "baseline is not valid JSON"),
    ]
    for path, message in cases:
        code, out, err = cli("scan", str(inputs), "--baseline", str(path))
        assert code == 2 and out == "", path
        assert message in err and err.count("\n") == 1, err
        assert PLANTED["aws_key"] not in err
    code, out, err = cli("scan", str(inputs), "--baseline", str(tmp_path))  # click's own usage error
    assert code == 2 and out == "" and "is a directory" in err


def test_load_baseline_checks_the_key(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text(json.dumps(report_doc(findings=[GOOD])))
    assert load_baseline(str(path), "k1").source == str(path)
    with pytest.raises(ConfigError, match="another fingerprint key"):
        load_baseline(str(path), "k9")
