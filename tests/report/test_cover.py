"""A value a finding covers is redacted wherever else it appears in the report (issue 17, point 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers_reports import run_main
from hypothesis import given, settings
from hypothesis import strategies as st

import metascan
from metascan.fingerprint import redact

EMAIL = "ann.lee@gmail.com"
ACCOUNT = "203727584223"
PASSWORD = "Zq7!vRt#93kLm"
GROUP = f"billing-{ACCOUNT}-asg"
DOC = {
    "AutoScalingGroups": [
        {
            "AutoScalingGroupName": GROUP,
            "AutoScalingGroupARN": (
                "arn:aws:autoscaling:us-east-1:111122223333:autoScalingGroup:6c1f2a8e-2b4d-4f7a-9c3e-1d2e3f4a5b6c"
                f":autoScalingGroupName/{GROUP}"
            ),
            "Tags": [
                {"Key": EMAIL, "Value": f"db_password={PASSWORD}"},
                {"Key": "Name", "Value": "web"},
            ],
        }
    ]
}


@pytest.fixture
def exported(tmp_path: Path) -> Path:
    path = tmp_path / "asg.json"
    path.write_text(json.dumps(DOC))
    return path


def test_the_values_are_findings() -> None:
    """The premise: the e-mail (a tag key), the account id (in the group's name) and the password are each
    reported, and the tag key and group name also appear as a field path and a resource id."""
    report = metascan.scan_responses([("asg.json", DOC)], fingerprint_key=b"k" * 32)
    matches = {f.match for f in report.findings}
    assert {EMAIL, ACCOUNT, PASSWORD} <= matches
    assert any(f.location.field == f"Tags[{EMAIL}].Value" for f in report.findings)
    assert any(f.resource.id == GROUP for f in report.findings)


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl", "sarif"])
@pytest.mark.parametrize("to_file", [False, True], ids=["stdout", "file"])
def test_no_covered_value_appears_anywhere_in_any_format(
    exported: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
    to_file: bool,
) -> None:
    out_file = tmp_path / "report.out"
    args = ["scan", str(exported), "--format", fmt] + (["--output", str(out_file)] if to_file else [])
    code, out, err = run_main(args, capsys, monkeypatch)
    assert code == 1, err
    text = out_file.read_text() if to_file else out
    for value in (EMAIL, ACCOUNT, PASSWORD):
        assert value not in text, (fmt, value)
        assert value not in err
    assert f"Tags[{redact(EMAIL)}].Value" in text
    assert f"billing-{redact(ACCOUNT)}-asg" in text


def test_with_show_secrets_the_values_are_shown(
    exported: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run_main(
        ["scan", str(exported), "--format", "json", "--show-secrets"], capsys, monkeypatch
    )
    assert code == 1
    assert f"Tags[{EMAIL}].Value" in out and f'"id": "{GROUP}"' in out


def test_a_value_whose_finding_the_baseline_holds_is_still_covered(
    exported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A baseline that knows the e-mail finding takes it out of the report; the e-mail is still hidden in
    the field path of the password finding, which is new."""
    base = tmp_path / "base.json"
    report = metascan.scan_responses([(str(exported), DOC)])
    doc = report.to_dict()
    doc["findings"] = [f for f in doc["findings"] if f["location"]["field"] == "Tags.Key"]
    assert len(doc["findings"]) == 1
    base.write_text(json.dumps(doc))
    code, out, err = run_main(
        ["scan", str(exported), "--format", "json", "--baseline", str(base)], capsys, monkeypatch
    )
    assert code == 1, err
    got = json.loads(out)
    assert all(f["location"]["field"] != "Tags.Key" for f in got["findings"])
    assert EMAIL not in out and f"Tags[{redact(EMAIL)}].Value" in out


def test_cover_hides_every_occurrence_and_leaves_other_words_alone() -> None:
    from metascan.report.cover import Cover

    c = Cover(values=["ann.lee@gmail.com", "orders", "key-abcdef123"])
    assert c.text("Tags[ann.lee@gmail.com].Value / ann.lee@gmail.com") == (
        f"Tags[{redact(EMAIL)}].Value / {redact(EMAIL)}"
    )
    # A short value is hidden where it stands alone, not inside a longer word.
    assert c.text("topic orders, preorders") == f"topic {redact('orders')}, preorders"
    # Overlapping values are hidden together.
    c2 = Cover(values=["abcdefghij", "ghijklmnop"])
    assert c2.text("xabcdefghijklmnopx") == "x" + redact("abcdefghijklmnop") + "x"
    assert c.text(None) is None and Cover().text("ann.lee@gmail.com") == "ann.lee@gmail.com"


def test_covering_keeps_the_line_of_the_input_file(exported: Path) -> None:
    """Covering redacts strings, never drops what a location knows: `source_line` (the line a reviewer
    changes) survives in every finding."""
    exported.write_text(json.dumps(DOC, indent=2))
    report = metascan.scan_files([exported], fingerprint_key=b"k" * 32)
    lines = {(f.rule, f.location.source_line) for f in report.findings}
    assert all(line is not None for _, line in lines), lines
    assert {(f.rule, f.location.source_line) for f in report.cover().findings} == lines


def test_a_streamed_line_hides_a_value_only_a_later_finding_covers(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """JSON Lines on standard output are written as results arrive: a skipped entry naming a group whose
    name holds an IBAN can come before the finding that covers the IBAN.  The stream hides what the rules
    find in the names a line prints, so the earlier line does not carry it either; the resource's own
    account id is not hidden (it is not reported by default)."""
    import click

    from metascan.api import make_scanner
    from metascan.cli import scan_and_emit
    from metascan.model import Resource, Skipped
    from metascan.report.cover import Foresight
    from metascan.workflow import Workflow

    iban = "DE12370502991234567891"
    own = "111122223333"
    group = Resource("AutoScalingGroup", f"payouts-{iban}", None, "us-east-1", own)
    scanner = make_scanner(fingerprint_key=b"k" * 32)
    skip = Skipped("a.json", "Tags is str, not a list", group, "Tags")
    assert Foresight(scanner).values(skip) == [iban]
    owned = Skipped("a.json", "x", Resource("AutoScalingGroup", f"billing-{own}", None, "us-east-1", own))
    assert Foresight(scanner).values(owned) == []
    later = metascan.scan_responses(
        [("b.json", {"AutoScalingGroups": [{"AutoScalingGroupName": f"payouts-{iban}", "Tags": []}]})],
        scanner=make_scanner(fingerprint_key=b"k" * 32),
    ).findings
    assert [f.match for f in later] == [iban]
    with click.Context(click.Command("scan")):
        monkeypatch.setattr("metascan.cli.report_options", lambda: _Opts())
        monkeypatch.setattr("metascan.cli.run_state", lambda: _Opts())
        scan_and_emit(scanner, [skip, *later], Workflow.create(None), "jsonl", None, False)
    out = capsys.readouterr().out
    assert iban not in out and out.count(f"payouts-{redact(iban)}") >= 2


class _Opts:
    fail_on = None
    min_confidence = metascan.Confidence.LOW
    quiet = True
    config = None
    baseline = None


def test_a_finding_without_covered_strings_is_not_copied() -> None:
    """Covering a large report copies only the findings that hold a covered value elsewhere: the others
    are the same objects (a report of 220,000 findings is not duplicated to be written)."""
    from metascan.report.cover import Cover

    other = {"AutoScalingGroupName": "web-asg", "Tags": [{"Key": "Owner", "Value": "bob.smith@gmail.com"}]}
    doc = {"AutoScalingGroups": [*DOC["AutoScalingGroups"], other]}
    report = metascan.scan_responses([("asg.json", doc)], fingerprint_key=b"k" * 32)
    cover = Cover(report.findings)
    values = [f.match for f in report.findings if f.match]
    assert "bob.smith@gmail.com" in values
    held = 0
    for f in report.findings:
        covered = cover.event(f)
        holds = any(
            v in s
            for v in values
            for s in (f.resource.id, f.resource.arn or "", f.location.field, f.location.source)
        )
        held += holds
        assert (covered is f) is not holds, f.location.field
        if holds:
            assert covered.location.field != f.location.field or covered.resource.id != f.resource.id
        assert covered.match == f.match  # the finding's own value stays (it is redacted when written)
    assert 0 < held < len(report.findings)


def _automaton_cover(values: list[str], s: str) -> str:
    """The reference: every occurrence of every value found by an Aho-Corasick automaton (how `Cover`
    found them until it held 220,000 values in 214 MB), short values only where they stand alone; the
    spans hidden by the same `hide`."""
    import ahocorasick

    from metascan.report.cover import hide

    auto = ahocorasick.Automaton()
    for v in values:
        auto.add_word(v, v)
    auto.make_automaton()
    spans = []
    for last, v in auto.iter(s):
        start, end = last - len(v) + 1, last + 1
        if len(v) < 8 and ((start > 0 and s[start - 1].isalnum()) or (end < len(s) and s[end].isalnum())):
            continue
        spans.append([start, end])
    return hide(s, spans)


_ALPHABET = "ab1-.@ é"


@settings(max_examples=400, deadline=None)
@given(
    values=st.lists(st.text(_ALPHABET, min_size=1, max_size=14), min_size=1, max_size=8, unique=True),
    pieces=st.lists(st.one_of(st.text(_ALPHABET, max_size=6), st.integers(0, 7)), max_size=10),
)
def test_cover_finds_what_an_automaton_finds(values: list[str], pieces: list[str | int]) -> None:
    """The sets-based search hides exactly the spans an automaton of the same values finds, for values
    shorter and longer than 8 characters, repeated, nested, overlapping and next to word characters."""
    from metascan.report.cover import Cover

    s = "".join(values[p % len(values)] if isinstance(p, int) else p for p in pieces)
    cover = Cover(values=values[: len(values) // 2])
    cover.add(values=values[len(values) // 2 :])  # added later, as JSON Lines streaming does
    assert cover.text(s) == _automaton_cover(values, s)
