"""Text layers in free-form fields and in user data, through the scanner: a value under a layer is found with
its decoding chain, a value found both raw and decoded is reported once, and what stops a layer is a skip."""

from __future__ import annotations

import base64
import json
import urllib.parse
from functools import cache
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import metascan
from metascan.api import make_scanner
from metascan.aws.layers import Bounds
from metascan.aws.userdata import Limits
from metascan.detect.rules import Rule, load_rules
from metascan.scanner import _Spans

SLACK = "https://hooks.slack.com/services/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"
PASSWORD = "X4ORxsMbcJnP!wcl"
GH_TOKEN = "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"  # a valid checksum, a made-up token


def hook(metadata: str) -> dict[str, Any]:
    return {
        "LifecycleHooks": [
            {"AutoScalingGroupName": "web", "LifecycleHookName": "drain", "NotificationMetadata": metadata}
        ]
    }


def tagged(value: str) -> dict[str, Any]:
    return {
        "AutoScalingGroups": [{"AutoScalingGroupName": "web", "Tags": [{"Key": "Config", "Value": value}]}]
    }


@cache
def bundled_rules() -> tuple[Rule, ...]:
    """The bundled rules, loaded once for this module: loading them takes seconds, and every scan here makes
    its own scanner."""
    return tuple(load_rules())


def scan(doc: dict[str, Any], limits: Limits | None = None) -> metascan.Report:
    scanner = make_scanner(
        fingerprint_key=b"layers-test-key-0123456789", limits=limits, rules=bundled_rules()
    )
    return metascan.scan_responses([("doc.json", doc)], scanner=scanner)


def found(report: metascan.Report) -> list[tuple[str | None, tuple[str, ...]]]:
    return [(f.match, f.location.decoding) for f in report.findings]


def test_json_held_in_notification_metadata() -> None:
    inner = json.dumps({"db": {"user": "app", "password": PASSWORD}, "notify": SLACK})
    metadata = json.dumps({"service": "orders", "config": inner})  # JSON in a JSON string: \" escapes
    assert '\\"password\\"' in metadata
    assert found(scan(hook(metadata))) == [(SLACK, ()), (PASSWORD, ("json-escape",))]


def test_a_value_cut_by_an_escaped_line_break_is_reported_once_as_it_is() -> None:
    # Raw, the password may run on through `\n` into the next line; decoded, it ends there.  Either reading
    # that ends it there may report it, once.
    metadata = json.dumps({"env": f"DB_PASSWORD={PASSWORD}\nDB_USER=app"})
    assert [match for match, _ in found(scan(hook(metadata)))] == [PASSWORD]


def test_percent_encoded_tag_value() -> None:
    value = "callback=" + urllib.parse.quote(SLACK, safe="")
    assert found(scan(tagged(value))) == [(SLACK, ("percent",))]


def test_a_value_found_raw_and_decoded_is_reported_once_with_the_raw_chain() -> None:
    # The token is readable raw, and again after the percent layer decodes the line around it.
    value = f"token={GH_TOKEN}&next=%2Fhome%3Fa%3Db"
    assert found(scan(tagged(value))) == [(GH_TOKEN, ())]


def test_base64_tag_value_of_a_config() -> None:
    value = base64.b64encode(f"[auth]\npassword = {PASSWORD}\n".encode()).decode()
    assert found(scan(tagged(value))) == [(PASSWORD, ("base64",))]


def test_every_value_decoded_from_one_blob_is_reported() -> None:
    # One base64 env file with three values: each is its own finding (they map back to the same blob, but
    # not to the same place in it), and a JSON config in a percent-encoded tag likewise.
    env = f"DB_PASSWORD={PASSWORD}\nGITHUB_TOKEN={GH_TOKEN}\nOWNER_EMAIL=jane.doe@acme-corp.io\n"
    found_values = {match for match, _ in found(scan(hook(base64.b64encode(env.encode()).decode())))}
    assert found_values == {PASSWORD, GH_TOKEN, "jane.doe@acme-corp.io"}
    value = "cfg=" + urllib.parse.quote(json.dumps({"password": PASSWORD, "hook": SLACK}), safe="")
    assert {match for match, _ in found(scan(tagged(value)))} == {PASSWORD, SLACK}


def test_a_more_specific_rule_wins_over_the_raw_reading() -> None:
    # Raw, a generic secret (the base64 under a secret-like name); decoded, a GitHub token.
    value = "GITHUB_SECRET=" + base64.b64encode(GH_TOKEN.encode()).decode()
    report = scan(tagged(value))
    assert [(f.rule, f.match, f.location.decoding) for f in report.findings] == [
        ("github-token", GH_TOKEN, ("base64",))
    ]


def test_text_layer_bounds_are_reported_as_skipped() -> None:
    nested = "x=" + urllib.parse.quote(
        urllib.parse.quote(urllib.parse.quote(f"password={PASSWORD}", safe=""))
    )
    report = scan(tagged(nested), Limits(layers=Bounds(max_depth=1)))
    assert [s.reason for s in report.skipped] == ["text layers nest deeper than 1; the innermost not decoded"]
    assert report.skipped[0].field == "Tags[Config].Value"


@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 12)), max_size=40))
def test_kept_spans_are_found_by_bisection_as_by_a_search_of_them_all(spans: list[tuple[int, int]]) -> None:
    """`settle_layers` keeps the spans of one text that do not overlap, sorted, and finds those a new span
    overlaps by bisection: the same ones a search of every kept span finds."""
    kept = _Spans()
    naive: list[tuple[int, int]] = []
    for n, (start, length) in enumerate(spans):
        end = start + length
        first, last = kept.overlapping(start, end)
        expect = [k for k in naive if k[0] < end and start < k[1]]
        assert [k[:2] for k in kept.items[first:last]] == expect
        if n % 3:  # as a hit of a lower priority, sometimes the new span is dropped instead
            kept.replace(first, last, (start, end, 0, n, 0))
            naive = sorted([k for k in naive if k not in expect] + [(start, end)])
        assert [k[:2] for k in kept.items] == naive


def test_printf_hex_escapes_are_decoded() -> None:
    escaped = "".join(f"\\x{b:02x}" for b in GH_TOKEN.encode())
    report = scan(hook(f"printf '{escaped}' > /etc/app/token"))
    assert [(f.rule, f.match, f.location.decoding) for f in report.findings] == [
        ("github-token", GH_TOKEN, ("hex-escape",))
    ]


def test_html_character_references_are_decoded() -> None:
    value = (
        "Approved by &lt;dana.okafor&#64;gmail.com&gt; &mdash; card&#58;&nbsp;4111&#32;5283&#32;9016&#32;2745"
    )
    found_values = {(f.rule, f.match) for f in scan(tagged(value)).findings}
    assert ("email-address", "dana.okafor@gmail.com") in found_values


def test_a_json_escaped_value_is_reported_as_the_value() -> None:
    # The same value raw and decoded: the decoded reading is the value (`\u0040` is `@`); a percent escape
    # stays as written (`%28` outside a URL is a password's own three characters).
    metadata = '{"callback": "https://alerts:Kq7\\u0040mZ9vR2xLp4@hooks.example-corp.io/sns"}'
    report = scan(hook(metadata))
    assert [(f.match, f.location.decoding) for f in report.findings] == [("Kq7@mZ9vR2xLp4", ("json-escape",))]


def test_a_base64_credential_is_reported_as_written() -> None:
    # base64 is an encoding, not an escape: docker's `auth` is the credential as written
    auth = base64.b64encode(b"deploy:Hv8-quartz-Lemur").decode()
    report = scan(hook(f'{{"auths": {{"registry.example-corp.io": {{"auth": "{auth}"}}}}}}'))
    assert auth in {f.match for f in report.findings}


def test_a_written_files_path_names_what_its_decoded_content_holds() -> None:
    # A .pgpass line says nothing of itself: the write_files entry's path says what it is.
    line = base64.b64encode(b"orders-db.internal:5432:orders:orders_app:Vq8-Hollow-Pike9\n").decode()
    other = base64.b64encode(b"orders-db.internal:5432:orders:orders_app:Jr3-Ember-Quail7\n").decode()
    cloud = (
        "#cloud-config\nwrite_files:\n"
        f"- path: /root/.pgpass\n  permissions: '0600'\n  encoding: b64\n  content: {line}\n"
        f"- path: /etc/hosts.extra\n  encoding: b64\n  content: {other}\n"  # (no path says pgpass)
    )
    doc = {
        "LaunchTemplateVersions": [
            {
                "LaunchTemplateId": "lt-0aa1",
                "VersionNumber": 1,
                "LaunchTemplateData": {"UserData": base64.b64encode(cloud.encode()).decode()},
            }
        ]
    }
    report = scan(doc)
    assert [(f.rule, f.match, f.location.decoding) for f in report.findings] == [
        ("pgpass-password", "Vq8-Hollow-Pike9", ("base64", "write_files[0]", "base64"))
    ]


def test_digits_of_other_scripts_are_read_and_reported_as_written() -> None:
    # Eastern Arabic digits (a UAE mobile number) and Devanagari ones: read as 0-9, reported as written
    arabic = "هاتف: ٠٥٥ ٤١٢ ٨٨٠٧"
    report = scan(tagged(arabic))
    assert [(f.match, f.location.decoding) for f in report.findings] == [("٠٥٥ ٤١٢ ٨٨٠٧", ("native-digits",))]
    assert not scan(tagged("हाथ: ०५०")).findings  # (three digits are no phone number)


def test_a_written_file_s_base64_key_is_one_finding_the_decoded_key() -> None:
    # cloud-init's example: a private key as `encoding: b64` content.  The blob (which private-key-base64
    # reads) and the key it decodes to are one key, reported decoded.
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        .decode()
    )
    blob = base64.b64encode(pem.encode()).decode()
    cloud = f"#cloud-config\nwrite_files:\n- path: /etc/app/tls.key\n  encoding: b64\n  content: {blob}\n"
    doc = {
        "LaunchConfigurations": [
            {"LaunchConfigurationName": "web", "UserData": base64.b64encode(cloud.encode()).decode()}
        ]
    }
    findings = scan(doc).findings
    assert [(f.rule, f.location.decoding) for f in findings] == [
        ("private-key", ("base64", "write_files[0]", "base64"))
    ]
    # (as a blob that a text layer decodes is)
    doc = {
        "LaunchConfigurations": [
            {
                "LaunchConfigurationName": "web",
                "UserData": base64.b64encode(f"#!/bin/sh\nKEY_B64={blob}\n".encode()).decode(),
            }
        ]
    }
    assert [f.rule for f in scan(doc).findings] == ["private-key"]
