"""Hostile input for the detectors and decoders: pathological strings, time limits, arbitrary data."""

from __future__ import annotations

import base64
import gzip
import time

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import metascan
from metascan.aws.userdata import Limits, decode_user_data
from metascan.cli import exit_code
from metascan.detect.engine import Engine
from metascan.detect.rules import Rule, load_rules, parse_rules
from metascan.detect.textctx import TextContext
from metascan.fingerprint import redact
from metascan.model import FieldKind

RULES = load_rules()
ENGINE = Engine(RULES, time_limit=0.5, field_time_limit=5.0)

# Long runs of the characters rules match, and repetitions of what they look for.
RUNS = {
    "letters": "a",
    "upper": "A",
    "digits": "7",
    "digit-groups": "1234 ",
    "base64": "Ab9+/",
    "hex": "0f",
    "assign": "a=",
    "yaml": "k: ",
    "json": '"k":"',
    "at": "a@b.",
    "url": "https://u:p@",
    "dash": "-",
    "spaces": " \t",
    "newlines": "\n",
    "quote": "'\"",
    "plus": "+1 ",
}


def _example(rule: Rule) -> str:
    return rule.examples_match[0].text


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_every_rule_survives_pathological_input(rule: Rule) -> None:
    """Each rule on 128 KiB runs of the characters rules match and on its own example repeated: it
    finishes, or the per-rule time limit stops it with a TimeoutError (reported as skipped by the scanner)."""
    inputs = [(c * (128 * 1024 // len(c)))[: 128 * 1024] for c in RUNS.values()]
    inputs.append((_example(rule) + " ") * max(1, 64 * 1024 // (len(_example(rule)) + 1)))
    for text in inputs:
        ctx = TextContext(text, FieldKind.SCRIPT, "password", None, 0.5)
        try:
            hits = list(ENGINE.rule_hits(rule, ctx, 0.5))
        except TimeoutError:
            continue
        assert all(text[h.start : h.end] == h.secret for h in hits)


def test_one_megabyte_fields_are_scanned_by_the_whole_rule_set() -> None:
    for chunk in ("Xy7#", "a=", "1 ", "https://u:p@h "):
        text = (chunk * (1024 * 1024 // len(chunk)))[: 1024 * 1024]
        result = ENGINE.scan(text, FieldKind.SCRIPT)
        assert isinstance(result.timed_out, tuple)


CATASTROPHIC = """
[[rules]]
id = "catastrophic"
title = "A rule that backtracks exponentially"
description = "Only for testing the time limit."
category = "credential"
severity = "low"
remediation = "None."
regex = '''(?P<secret>(?:\\w+\\s?)+$)'''
filters = []
kinds = ["script"]
examples.match = ["ab"]
examples.no_match = ["ab!"]
"""


def test_the_time_limit_guard_fires_and_is_reported_as_skipped() -> None:
    rules = [*RULES, *parse_rules(CATASTROPHIC, "test.toml")]
    scanner = metascan.api.make_scanner(rules=rules, fingerprint_key=b"k" * 20, time_limit=0.05)
    doc = {
        "LaunchConfigurations": [
            {
                "LaunchConfigurationName": "lc",
                "UserData": base64.b64encode(
                    b"#!/bin/sh\nexport DB_PASSWORD='Qw7-Lp3.Zx9'\n" + b"a " * 3000 + b"!\n"
                ).decode(),
            }
        ]
    }
    report = metascan.scan_responses([("s", doc)], scanner=scanner)
    assert [f.rule for f in report.findings] == ["password-assignment"]  # the other rules still ran
    (skip,) = report.skipped
    assert "stopped rules catastrophic" in skip.reason and skip.field == "UserData"
    assert skip.resource is not None and skip.resource.id == "lc"


# --- arbitrary input ---------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=2000))
def test_detectors_never_raise_on_arbitrary_text(text: str) -> None:
    for kind in (FieldKind.SCRIPT, FieldKind.TAG_VALUE, FieldKind.NAME):
        result = ENGINE.scan(text, kind, "Owner")
        for h in result.hits:
            assert text[h.start : h.end] == h.secret


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(st.text(max_size=3000), st.binary(max_size=3000).map(lambda b: base64.b64encode(b).decode()))
)
def test_user_data_decoding_never_raises(raw: str) -> None:
    decoded = decode_user_data(raw, Limits(max_decoded_bytes=64 * 1024))
    assert all(isinstance(s.text, str) for s in decoded.segments)
    assert all(isinstance(r, str) and "\n" not in r for r in decoded.skipped)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2000))
def test_gzip_and_mime_wrappers_of_arbitrary_bytes_never_raise(data: bytes) -> None:
    import gzip

    wrapped = [
        gzip.compress(data, mtime=0),
        gzip.compress(data, mtime=0)[: len(data) // 2 + 10],
        b'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Transfer-Encoding: base64\n\n'
        + base64.b64encode(data)
        + b"\n--b--\n",
    ]
    for w in wrapped:
        decode_user_data(base64.b64encode(w).decode(), Limits(max_decoded_bytes=64 * 1024))


PLANTED = [
    ("aws-access-key-id", "AKIAZ7QX3LVN4TJR2KWM"),
    ("github-token", "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"),
    ("slack-webhook-url", "https://hooks.slack.com/services/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"),
    ("iban", "DE75512108001245126199"),
    ("email-address", "priya.raman@outlook.com"),
    ("stripe-api-key", "sk_live_4dV9qLm2XzT8wPk3NcYb7RfJ"),
]
SEPARATORS = st.sampled_from([" ", "\n", '"', "'"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(PLANTED),
    st.text(max_size=300),
    st.text(max_size=300),
    SEPARATORS,
    SEPARATORS,
)
def test_a_planted_secret_is_found_whatever_surrounds_it(
    planted: tuple[str, str], before: str, after: str, left: str, right: str
) -> None:
    rule_id, secret = planted
    text = f"{before}{left}{secret}{right}{after}"
    hits = ENGINE.scan(text, FieldKind.SCRIPT).hits
    assert any(h.secret == secret and h.rule.id == rule_id for h in hits), [
        (h.rule.id, h.secret) for h in hits
    ]


@given(st.text(min_size=1, max_size=200))
def test_redacted_output_never_contains_the_secret(secret: str) -> None:
    out = redact(secret)
    if set(secret) != {"*"}:
        assert secret not in out
    assert len(out) == max(len(secret), 1)


# --- issue 17 point 9: a rule that times out does not hide what the text holds ------------------------------


def _padded_user_data(padding: str) -> str:
    """A password, then padding that compresses to almost nothing (a few hundred bytes of user data)."""
    script = "#!/bin/sh\nexport DB_PASSWORD='Qw7-Lp3.Zx9'\n" + padding + "\n"
    packed = gzip.compress(script.encode(), mtime=0)
    assert len(packed) < 1024
    return base64.b64encode(packed).decode()


def test_padding_that_makes_keyed_rules_time_out_still_reports_the_password() -> None:
    """30 KB of `a=a=...` is 15,000 overlapping assignments, each read up to a value's 4,000 characters:
    finding them all takes seconds.  The assignments are then found again with each attempt reading a
    bounded window, the keyed rule runs again on them, the password is reported, and the field is listed as
    timed out, which makes the exit code 2 (a skipped scan is not a clean scan)."""
    scanner = metascan.api.make_scanner(fingerprint_key=b"k" * 20, time_limit=0.2, field_time_limit=1.0)
    user_data = _padded_user_data("a=" * 15_000)
    doc = {"LaunchConfigurations": [{"LaunchConfigurationName": "lc", "UserData": user_data}]}
    report = metascan.scan_responses([("s", doc)], scanner=scanner)
    assert [(f.rule, f.match) for f in report.findings] == [("password-assignment", "Qw7-Lp3.Zx9")]
    (skip,) = report.skipped
    assert skip.timed_out and skip.field == "UserData"
    assert "bounded" in skip.reason
    assert "Qw7-Lp3.Zx9" not in skip.reason
    assert exit_code(report) == 2
    assert skip.to_dict()["timed_out"] is True


def test_rules_the_field_budget_left_out_run_as_a_bounded_scan() -> None:
    """A rule that backtracks exponentially spends the field's whole budget; the AWS key rule after it
    (lower priority) never ran, and used to be reported as skipped with its key unreported.  It now runs as
    a bounded scan with a budget of its own."""
    (slow,) = parse_rules(CATASTROPHIC.replace('kinds = ["script"]', "priority = 100"), "test.toml")
    (key_rule,) = [r for r in RULES if r.id == "aws-access-key-id"]
    engine = Engine([slow, key_rule], time_limit=0.05, field_time_limit=0.05)
    text = "aws_access_key_id=AKIAQWERTYUIOPASDFGH\n" + "a " * 3000 + "\n!"
    result = engine.scan(text, FieldKind.SCRIPT)
    assert set(result.timed_out) == {"catastrophic", "aws-access-key-id"}
    assert [h.secret for h in result.hits] == ["AKIAQWERTYUIOPASDFGH"]
    assert result.unfinished == ("catastrophic",) and not result.complete


def test_without_the_padding_the_exit_code_is_that_of_the_finding() -> None:
    scanner = metascan.api.make_scanner(fingerprint_key=b"k" * 20)
    doc = {"LaunchConfigurations": [{"LaunchConfigurationName": "lc", "UserData": _padded_user_data("")}]}
    report = metascan.scan_responses([("s", doc)], scanner=scanner)
    assert report.skipped == [] and [f.match for f in report.findings] == ["Qw7-Lp3.Zx9"]
    assert exit_code(report) == 1


def test_the_bounded_scan_finds_matches_in_every_window_once() -> None:
    """The fallback scan searches overlapping windows: a key at each window's edge is found, once."""
    from metascan.detect.engine import BOUNDED_PATTERN_WINDOW, _windowed

    pattern = regex.compile(r"AKIA[0-9A-Z]{16}")
    key = "AKIAQWERTYUIOPASDFGH"
    half = BOUNDED_PATTERN_WINDOW // 2
    places = [0, half - 10, BOUNDED_PATTERN_WINDOW - 5, 3 * half + 1]  # across each window's edges
    text = [" "] * (4 * half)
    for p in places:
        text[p : p + len(key)] = key
    joined = "".join(text)
    found = [m.start() for m in _windowed(pattern, joined, time.monotonic() + 10)]
    assert found == places == [m.start() for m in pattern.finditer(joined)]
