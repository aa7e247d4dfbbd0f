"""The hardening suite's property (issue 17): for any input that makes metascan exit 0, every planted value
is found or the report lists something under `skipped`/`errors` — a scan never passes clean while a value
it was given goes unreported.

Hypothesis builds saved responses around three planted values (an e-mail address in a tag, an AWS access
key id in a tag, a password in gzip+base64 user data), surrounds them with unknown keys, wrong types and
deep nesting, then damages the file the way a hostile export would: a cut at any offset, an invalid byte, a
BOM, a duplicate key, a 5,000-digit number, a size bound below the file's size.  The file is read both in
memory and streamed (a streaming threshold of 1 byte), as the command does for large files.
"""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metascan.api import collect, make_scanner
from metascan.detect.rules import load_rules
from metascan.sources import files as file_source

EMAIL = "h.okafor@outlook.com"
KEY_ID = "AKIAZ7Q3M5X2W4R6T2Y3"
PASSWORD = "Wq4-Tz8k-Ry2m-Hp6v"
USER_DATA = base64.b64encode(
    gzip.compress(f"#!/bin/bash\nexport DB_PASSWORD='{PASSWORD}'\n".encode())
).decode()
RULES = load_rules()
CARRIERS = {EMAIL: EMAIL, KEY_ID: KEY_ID, PASSWORD: USER_DATA}  # a value, and what the file holds of it

json_leaf = st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=12)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
junk = st.dictionaries(st.text(min_size=1, max_size=10), json_value, max_size=3)


@st.composite
def document(draw: st.DrawFn) -> dict[str, Any]:
    """A response holding the planted values where metascan reads them, with noise around them."""
    tags: list[Any] = [{"Key": "owner", "Value": EMAIL}, {"Key": "deploy", "Value": KEY_ID}]
    tags += draw(
        st.lists(st.one_of(json_value, st.fixed_dictionaries({"Key": st.text(), "Value": json_value})))
    )
    order = draw(st.permutations(range(len(tags))))
    group: dict[str, Any] = {"AutoScalingGroupName": draw(st.text(min_size=1, max_size=20)), **draw(junk)}
    group["Tags"] = [tags[i] for i in order]
    groups = draw(st.lists(st.fixed_dictionaries({}, optional={"AutoScalingGroupName": json_value})))
    groups.insert(draw(st.integers(0, len(groups))), group)
    version: dict[str, Any] = {
        "LaunchTemplateId": "lt-0123456789abcdef0",
        "VersionNumber": draw(st.integers(1, 99)),
        "LaunchTemplateData": {"UserData": USER_DATA, **draw(junk)},
    }
    if draw(st.booleans()):
        return {"AutoScalingGroups": groups, "LaunchTemplateVersions": [version], **draw(junk)}
    return {"AutoScalingGroups": groups, **draw(junk)}


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    text = json.dumps(draw(document()), indent=draw(st.sampled_from([None, 1])))
    data = text.encode("utf-8")
    damage = draw(st.sampled_from(["none", "cut", "byte", "bom", "duplicate", "long-number", "deep"]))
    if damage == "cut":
        data = data[: draw(st.integers(0, len(data)))]
    elif damage == "byte":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + bytes([draw(st.sampled_from([0xFF, 0xC3, 0x00, 0x80]))]) + data[at:]
    elif damage == "bom":
        data = b"\xef\xbb\xbf" + data
    elif damage == "duplicate":
        data = data[:-1] + b', "AutoScalingGroups": []}'
    elif damage == "long-number":
        data = data[:-1] + b', "n": ' + b"7" * 5000 + b"}"
    elif damage == "deep":
        data = data[:-1] + b', "d": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    return data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=damaged(), streamed=st.booleans(), bound=st.sampled_from([None, 64, 4096]))
def test_a_clean_exit_never_hides_a_planted_value(
    tmp_path_factory: Any, data: bytes, streamed: bool, bound: int | None
) -> None:
    path: Path = tmp_path_factory.mktemp("prop") / "responses.json"
    path.write_bytes(data)
    scanner = make_scanner(fingerprint_key=b"k" * 32, rules=RULES)
    max_bytes = bound or file_source.DEFAULT_MAX_FILE_BYTES

    def events() -> Any:
        threshold = 1 if streamed else file_source.STREAM_THRESHOLD
        for doc in file_source.read(str(path), max_bytes, stream_threshold=threshold):
            if isinstance(doc, file_source.Document):
                yield from scanner.scan_response(doc.source, doc.data)
            else:
                yield doc
        yield from scanner.finish()

    report = collect(scanner, events())
    found = {f.match for f in report.findings}
    listed = bool(report.skipped or report.errors)
    for value, carrier in CARRIERS.items():
        if carrier.encode() in data:  # the value reached the file whole
            assert value in found or listed, (value, report.skipped, report.errors)
