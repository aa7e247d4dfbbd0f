"""The decoders' promise, as a property (issue 17): whatever nesting of encodings surrounds a planted value,
and whatever the bounds, the value is found, or the field is listed under `skipped`: never a clean pass.

Hypothesis builds user data from the layers and documents metascan decodes (percent-encoding, JSON strings,
data URLs, base64, PowerShell -EncodedCommand, gzip, MIME parts in every transfer encoding, cloud-config
write_files and escaped strings, cloud-config-archive, Ignition, EC2Launch v2, Bottlerocket) wrapped around
one planted value, in random order and depth, and scans it with random bounds.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import quopri
import urllib.parse
from collections.abc import Callable
from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import metascan
from metascan.api import make_scanner
from metascan.aws.layers import Bounds
from metascan.aws.userdata import Limits
from metascan.detect.rules import Rule, load_rules

# Values the rules find bare, whatever their key: vendor formats (a valid GitHub checksum), a webhook URL.
PLANTED = [
    "AKIAQ4TZ7NRX2LWM5KJB",
    "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",
    "https://hooks.slack.com/services/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",
]


def b64(data: bytes | str) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


def mime(part_headers: str, body: str) -> str:
    return (
        'Content-Type: multipart/mixed; boundary="==H=="\nMIME-Version: 1.0\n\n'
        "--==H==\nContent-Type: text/x-shellscript\n\necho first part\n"
        f"--==H==\n{part_headers}\n\n{body}\n--==H==--\n"
    )


def uuencode(text: str) -> str:
    data = text.encode()
    lines = [binascii.b2a_uu(data[i : i + 45]).decode() for i in range(0, len(data), 45)]
    return "begin 644 part\n" + "".join(lines) + "`\nend"


def yaml_block(text: str, indent: int) -> str:
    pad = " " * indent
    return "|\n" + "".join(f"{pad}{line}\n" for line in text.splitlines() or [""])


Wrap = Callable[[str], str]

WRAPS: dict[str, Wrap] = {
    "percent": lambda t: "env=" + urllib.parse.quote(t, safe=""),
    "json": lambda t: json.dumps({"service": "orders", "config": t}),
    "data-url": lambda t: f'"source": "data:,{urllib.parse.quote(t, safe="")}"',
    "data-url-base64": lambda t: f'"source": "data:text/plain;base64,{b64(t)}"',
    "data-url-gzip": lambda t: f'"source": "data:;base64,{b64(gzip.compress(t.encode(), mtime=0))}"',
    "base64": lambda t: f"echo {b64(t)} | base64 -d > /etc/app.env",
    "encodedcommand": lambda t: f"powershell.exe -NoProfile -EncodedCommand {b64(t.encode('utf-16-le'))}",
    "mime-base64": lambda t: mime(
        "Content-Type: text/x-shellscript\nContent-Transfer-Encoding: base64", b64(t)
    ),
    "mime-qp": lambda t: mime(
        "Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable",
        quopri.encodestring(t.encode()).decode(),
    ),
    "mime-uuencode": lambda t: mime(
        "Content-Type: text/plain\nContent-Transfer-Encoding: x-uuencode", uuencode(t)
    ),
    "mime-7bit": lambda t: mime("Content-Type: text/x-shellscript", t),
    "write-files": lambda t: (
        f"#cloud-config\nwrite_files:\n- path: /etc/a\n  encoding: b64\n  content: {b64(t)}\n"
    ),
    "write-files-gzip": lambda t: (
        "#cloud-config\nwrite_files:\n- path: /etc/a\n  encoding: gzip+base64\n"
        f"  content: {b64(gzip.compress(t.encode(), mtime=0))}\n"
    ),
    "yaml-escaped": lambda t: f"#cloud-config\nwrite_files:\n- path: /etc/a\n  content: {json.dumps(t)}\n",
    "archive": lambda t: f"#cloud-config-archive\n- type: text/x-shellscript\n  content: {yaml_block(t, 4)}",
    "ignition": lambda t: json.dumps(
        {
            "ignition": {"version": "3.4.0"},
            "storage": {
                "files": [{"path": "/etc/a", "contents": {"source": "data:," + urllib.parse.quote(t)}}]
            },
        }
    ),
    "ec2launch": lambda t: (
        "version: 1.0\ntasks:\n- task: executeScript\n  inputs:\n  - frequency: once\n    type: powershell\n"
        f"    content: {json.dumps(t)}\n"
    ),
    "bottlerocket": lambda t: (
        f'[settings.bootstrap-containers.setup]\nmode = "once"\nuser-data = "{b64(t)}"\n'
    ),
}


@cache
def bundled_rules() -> tuple[Rule, ...]:
    """The bundled rules, loaded once for this module: loading them takes seconds, and every scan here makes
    its own scanner."""
    return tuple(load_rules())


def scan(user_data: str, limits: Limits) -> metascan.Report:
    doc = {"LaunchConfigurations": [{"LaunchConfigurationName": "lc", "UserData": user_data}]}
    scanner = make_scanner(
        fingerprint_key=b"property-test-key-0123456789", limits=limits, rules=bundled_rules()
    )
    return metascan.scan_responses([("lc.json", doc)], scanner=scanner)


LIMITS = st.builds(
    Limits,
    max_decoded_bytes=st.integers(256, 1 << 20),
    max_depth=st.integers(1, 12),
    max_parts=st.integers(1, 64),
    layers=st.builds(
        Bounds,
        max_texts=st.integers(1, 8),
        max_depth=st.integers(1, 4),
        max_spans=st.integers(1, 64),
        max_chars=st.integers(64, 1 << 20),
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    planted=st.sampled_from(PLANTED),
    key=st.sampled_from(["TOKEN", "export CI_VALUE", "notify_url", "x"]),
    wraps=st.lists(st.sampled_from(sorted(WRAPS)), min_size=0, max_size=4),
    gzipped=st.booleans(),
    limits=LIMITS,
)
def test_a_planted_value_is_found_or_its_field_is_listed_as_skipped(
    planted: str, key: str, wraps: list[str], gzipped: bool, limits: Limits
) -> None:
    text = f"#!/bin/bash\n{key}={planted}\n"
    for name in wraps:
        text = WRAPS[name](text)
    data = text.encode()
    if gzipped:
        data = gzip.compress(data, mtime=0)
    report = scan(b64(data), limits)
    found = any(f.match == planted for f in report.findings)
    assert found or report.skipped or report.errors, (wraps, [f.match for f in report.findings])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    planted=st.sampled_from(PLANTED), wraps=st.lists(st.sampled_from(sorted(WRAPS)), min_size=1, max_size=3)
)
def test_with_the_default_bounds_a_planted_value_is_found(planted: str, wraps: list[str]) -> None:
    """Three layers deep, in any order, the default bounds decode everything."""
    text = f"#!/bin/bash\nTOKEN={planted}\n"
    for name in wraps:
        text = WRAPS[name](text)
    report = scan(b64(text), Limits())
    # Found, or reported inside a longer value: a MIME message behind a prefix inside percent-encoding is no
    # MIME message to a boot agent, so its quoted-printable `=3D` stays as written (`TOKEN=3D<value>`).
    assert any(planted in (f.match or "") for f in report.findings), (wraps, report.skipped)
