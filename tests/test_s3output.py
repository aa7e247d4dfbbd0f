"""`--output s3://BUCKET/KEY` against moto's S3 on 127.0.0.1: the report is written to a local temporary file,
then uploaded with boto3's upload_file; a failed upload keeps the local file and names it."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
from aws_helpers import Moto, seed
from click.testing import CliRunner
from helpers_reports import run_main

from metascan.cli import cli
from metascan.errors import ConfigError
from metascan.s3output import S3Target, parse_s3_url

pytest_plugins = ["conftest_aws"]


@pytest.fixture(autouse=True)
def _work_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the local copy goes before the upload


def scan(moto: Moto, output: str, *extra: str) -> tuple[int, str, str]:
    args = ["aws", "--endpoint-url", moto.endpoint, "--region", "us-east-1", "--quiet", "--max-attempts", "1"]
    result = CliRunner().invoke(cli, [*args, "--format", "json", "--output", output, *extra])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.live
def test_the_report_is_uploaded_and_no_local_copy_stays(moto: Moto, tmp_path: Path) -> None:
    seed(moto)
    moto.client("s3").create_bucket(Bucket="audit-reports")
    code, out, err = scan(moto, "s3://audit-reports/org/shard-0.json")
    assert code == 2 and out == "", err  # 2: moto lacks DescribeNotificationConfigurations
    obj = moto.client("s3").get_object(Bucket="audit-reports", Key="org/shard-0.json")
    assert obj["ContentType"] == "application/json"
    report = json.loads(obj["Body"].read())
    assert report["summary"]["findings"] > 0 and report["tool"]["name"] == "metascan"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("metascan-report.")]


@pytest.mark.live
def test_a_failed_upload_keeps_the_report_and_says_where(
    moto: Moto, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(moto)
    args = ["aws", "--endpoint-url", moto.endpoint, "--region", "us-east-1", "--quiet", "--format", "json"]
    code, _, err = run_main([*args, "--output", "s3://no-such-bucket/r.json"], capsys, monkeypatch)
    assert code == 2
    found = re.search(
        r"s3://no-such-bucket/r\.json: cannot upload report: .*NoSuchBucket.*; the report is kept in (\S+)",
        err,
    )
    assert found, err
    kept = Path(found.group(1))
    assert kept.parent == tmp_path and json.loads(kept.read_text())["summary"]["findings"] > 0
    assert kept.stat().st_mode & 0o077 == 0  # private: it may hold what the report holds


@pytest.mark.live
def test_merge_uploads_with_the_environment_endpoint(
    moto: Moto, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(moto)
    moto.client("s3").create_bucket(Bucket="audit-reports")
    shard = tmp_path / "shard.json"
    assert scan(moto, str(shard))[0] == 2
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto.endpoint)
    result = CliRunner().invoke(
        cli, ["merge", str(shard), "--format", "json", "--output", "s3://audit-reports/m.json"]
    )
    assert result.exit_code == 2 and result.stdout == ""
    merged = json.loads(moto.client("s3").get_object(Bucket="audit-reports", Key="m.json")["Body"].read())
    assert merged["summary"]["findings"] == json.loads(shard.read_text())["summary"]["findings"]


@pytest.mark.parametrize("url", ["s3://", "s3://bucket", "s3://bucket/", "s3://bucket/dir/"])
def test_an_s3_output_needs_a_bucket_and_a_key(url: str) -> None:
    with pytest.raises(ConfigError, match="an S3 output is s3://BUCKET/KEY"):
        parse_s3_url(url)
    result = CliRunner().invoke(cli, ["aws", "--region", "us-east-1", "--output", url])
    assert result.exit_code == 2 and "s3://BUCKET/KEY" in result.stderr


def test_bucket_and_key() -> None:
    assert parse_s3_url("s3://b/k/x.json") == S3Target("b", "k/x.json")


def test_the_upload_policy_is_separate_and_only_writes_objects() -> None:
    iam = Path(__file__).resolve().parent.parent / "iam"
    upload = json.loads((iam / "metascan-report-upload-policy.json").read_text())
    actions = {a for s in upload["Statement"] for a in s["Action"]}
    assert actions == {"s3:PutObject", "s3:AbortMultipartUpload"}
    assert all(
        s["Resource"].startswith("arn:aws:s3:::") and s["Resource"].endswith("/*")
        for s in upload["Statement"]
    )
    read_only = (iam / "metascan-read-only-policy.json").read_text()
    assert "s3:" not in read_only
