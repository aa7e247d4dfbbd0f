"""Bad and hostile files: one clear line naming the file and the problem, and the rest of the scan goes on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import metascan
from metascan.aws.documents import EXTRACTORS
from metascan.cli import cli
from metascan.sources import files as file_source

GOOD = {
    "AutoScalingGroups": [
        {"AutoScalingGroupName": "web", "Tags": [{"Key": "Owner", "Value": "jane.roe@gmail.com"}]}
    ]
}

# An unknown key is never named (it may be a token): how many, and which keys were expected.
UNRECOGNISED_ONE = (
    "not a recognised AWS API response (1 top-level key, none of them one metascan reads: "
    + ", ".join(EXTRACTORS)
    + ")"
)


def scan_with_good(tmp_path: Path, name: str, content: bytes) -> metascan.Report:
    (tmp_path / "good.json").write_text(json.dumps(GOOD))
    (tmp_path / name).write_bytes(content)
    report = metascan.scan_files([tmp_path])
    assert [(f.rule, f.match) for f in report.findings] == [("email-address", "jane.roe@gmail.com")]
    return report


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"AutoScalingGroups": [', "truncated JSON at line 1 column 24"),
        (b'{"AutoScalingGroups": [}', "invalid JSON at line 1 column 24"),
        (b"", "file is empty"),
        (b"  \n\t ", "file is empty"),
        (b"\xff\xfe\x00", "invalid UTF-16 text"),
        (b'{"a": "\xe9"}', "not UTF-8 text (invalid byte 0xe9 at offset 7)"),
        (b"null", "top level is null, not an API response object"),
        (b'"text"', "top level is str, not an API response object"),
        (b"[1, 2]", "top level is int, not an API response object"),
        (b"[]", "top level is an empty list, not an API response object"),
        (b"[" * 100_000 + b"]" * 100_000, "JSON nests too deeply to parse"),
    ],
)
def test_unreadable_files_are_one_line_errors(tmp_path: Path, content: bytes, message: str) -> None:
    report = scan_with_good(tmp_path, "bad.json", content)
    (err,) = report.errors
    assert err.source == str(tmp_path / "bad.json")
    assert err.message.startswith(f"{tmp_path / 'bad.json'}: {message}"), err.message
    assert "\n" not in err.message and len(err.message) < 300


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        ({"Reservations": []}, UNRECOGNISED_ONE),
        ({"AutoScalingGroups": "x"}, "AutoScalingGroups is str, not a list"),
        ({"AutoScalingGroups": [None]}, "AutoScalingGroups[0] is null, not an object"),
        (
            {"AutoScalingGroups": [{"AutoScalingGroupName": 7}]},
            "AutoScalingGroups[0] has no string AutoScalingGroupName",
        ),
        (
            {"LifecycleHooks": [{"AutoScalingGroupName": "g"}]},
            "LifecycleHooks[0] has no string LifecycleHookName",
        ),
        ({"Subscriptions": [{"Endpoint": "x"}]}, "Subscriptions[0] has no SubscriptionArn or TopicArn"),
        ({"Attributes": []}, "Attributes is a list, not an object"),
    ],
)
def test_wrong_shapes_are_skipped_with_a_reason(tmp_path: Path, doc: Any, reason: str) -> None:
    report = scan_with_good(tmp_path, "odd.json", json.dumps(doc).encode())
    assert report.errors == []
    assert [(s.source, s.reason) for s in report.skipped] == [(str(tmp_path / "odd.json"), reason)]


def test_numbers_and_nulls_where_strings_go_do_not_stop_the_resource(tmp_path: Path) -> None:
    doc = {
        "AutoScalingGroups": [
            {
                "AutoScalingGroupName": "g",
                "Tags": [{"Key": "Owner", "Value": None}, {"Key": 5, "Value": 12345678901}],
                "LoadBalancerNames": [None, "jane.roe@gmail.com-lb"],
            }
        ]
    }
    (tmp_path / "types.json").write_text(json.dumps(doc))
    report = metascan.scan_files([tmp_path / "types.json"])
    assert report.errors == []
    # the fields after the null and the number are still scanned: the address in the load balancer's name
    assert [(f.rule, f.match, f.location.field) for f in report.findings] == [
        ("email-address", "jane.roe@gmail.com", "LoadBalancerNames[1]")
    ]


def test_bom_utf16_le_and_be_are_read(tmp_path: Path) -> None:
    text = json.dumps(GOOD)
    for name, data in [
        ("bom.json", b"\xef\xbb\xbf" + text.encode()),
        ("le.json", text.encode("utf-16-le")),
        ("be.json", b"\xfe\xff" + text.encode("utf-16-be")),
    ]:
        (tmp_path / name).write_bytes(data)
    report = metascan.scan_files([tmp_path])
    assert report.errors == [] and len(report.findings) == 1


def test_deep_but_legal_nesting_inside_a_field_is_fine(tmp_path: Path) -> None:
    meta: Any = "x"
    for _ in range(50):
        meta = {"k": meta}
    doc = {
        "LifecycleHooks": [
            {"AutoScalingGroupName": "g", "LifecycleHookName": "h", "NotificationMetadata": json.dumps(meta)}
        ]
    }
    report = scan_with_good(tmp_path, "deep.json", json.dumps(doc).encode())
    assert report.errors == []


def big_export(path: Path, groups: int) -> None:
    with path.open("w") as f:
        f.write('{"AutoScalingGroups": [')
        for i in range(groups):
            f.write(
                ("," if i else "")
                + json.dumps(
                    {
                        "AutoScalingGroupName": f"g{i}",
                        "Tags": [{"Key": "Owner", "Value": f"person{i}@gmail.com"}],
                        "Instances": [{"InstanceId": "i-0123456789abcdef0", "AvailabilityZone": "us-east-1a"}]
                        * 5,
                    }
                )
            )
        f.write('], "NextToken": null}')


def test_large_files_are_streamed_item_by_item(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    big_export(path, 3000)
    docs = list(file_source.read(str(path), stream_threshold=1024))
    assert all(isinstance(d, file_source.Document) for d in docs)
    assert len(docs) == 60  # pages of 50 items: memory is bounded by a page, not by the file
    assert sum(len(d.data["AutoScalingGroups"]) for d in docs) == 3000  # type: ignore[union-attr]
    assert docs[0].data["AutoScalingGroups"][0]["AutoScalingGroupName"] == "g0"  # type: ignore[union-attr]


def test_streaming_a_truncated_large_file_keeps_what_was_read(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    big_export(path, 500)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    out = list(file_source.read(str(path), stream_threshold=1024))
    errors = [d for d in out if isinstance(d, metascan.ScanError)]
    docs = [d for d in out if isinstance(d, file_source.Document)]
    assert len(errors) == 1 and errors[0].message.startswith(f"{path}: truncated JSON")
    assert 200 < sum(len(d.data["AutoScalingGroups"]) for d in docs) < 260


def test_streamed_and_in_memory_reads_give_the_same_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.json"
    big_export(path, 120)
    whole = metascan.scan_files([path])
    monkeypatch.setattr(file_source, "STREAM_THRESHOLD", 1024)
    monkeypatch.setattr(file_source.read, "__defaults__", (file_source.DEFAULT_MAX_FILE_BYTES, 1024))
    streamed = metascan.scan_files([path])
    key = sorted((f.rule, f.resource.id, f.location.field, f.match) for f in whole.findings)
    assert len(key) == 120
    assert key == sorted((f.rule, f.resource.id, f.location.field, f.match) for f in streamed.findings)


def test_files_above_the_size_limit_are_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    big_export(path, 100)
    (tmp_path / "good.json").write_text(json.dumps(GOOD))
    result = CliRunner().invoke(cli, ["scan", str(tmp_path), "--max-file-size", "10000", "--format", "json"])
    assert result.exit_code == 2
    doc = json.loads(result.output)
    (err,) = doc["errors"]
    size = path.stat().st_size
    assert err["message"] == (
        f"{path}: file is {size} bytes, above the 10000-byte limit (raise it with --max-file-size)"
    )
    assert doc["summary"]["findings"] == 1


@pytest.mark.parametrize("name", ["variables.tf", "outputs.tf", "terraform.tfvars"])
def test_an_empty_terraform_file_is_skipped_not_an_error(tmp_path: Path, name: str) -> None:
    """Terraform modules keep empty `variables.tf` and `outputs.tf`: valid HCL with nothing in it, so it is
    skipped (said in the report) and the run is no failure; an empty JSON export still is one (above)."""
    report = scan_with_good(tmp_path, name, b"\n  \n")
    assert list(report.errors) == []
    skipped = [(s.source, s.reason) for s in report.skipped]
    assert skipped == [(str(tmp_path / name), "an empty Terraform file")]
