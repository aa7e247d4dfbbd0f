"""`--output s3://bucket/key`: the one write call metascan ever makes, and only when asked.

The report is written to a local temporary file first (mode 0600, flushed to disk), then sent with boto3's
`upload_file` (s3:PutObject; multipart for reports over 8 MiB).  S3 replaces an object only once an upload
is complete, so readers see the previous report or the new one, never a partial one.  If the upload fails,
the local file is kept and the error names it: a long scan's report is never lost to a typo in a bucket name.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass

from .errors import ConfigError, MetascanError

PREFIX = "s3://"


@dataclass(frozen=True, slots=True)
class S3Target:
    bucket: str
    key: str

    def __str__(self) -> str:
        return f"{PREFIX}{self.bucket}/{self.key}"


@dataclass(frozen=True, slots=True)
class S3Settings:
    """How to reach S3: the run's profile and endpoint (None: boto3's usual chain and AWS_ENDPOINT_URL)."""

    profile: str | None = None
    endpoint_url: str | None = None


def is_s3(output: str | None) -> bool:
    return output is not None and output.startswith(PREFIX)


def parse_s3_url(url: str) -> S3Target:
    bucket, _, key = url[len(PREFIX) :].partition("/")
    if not bucket or not key or key.endswith("/"):
        raise ConfigError(f"{url}: an S3 output is s3://BUCKET/KEY, with the report's object key")
    return S3Target(bucket, key)


def content_type(key: str) -> str:
    if key.endswith((".json", ".sarif")):
        return "application/json"
    if key.endswith(".jsonl"):
        return "application/x-ndjson"
    return "text/plain; charset=utf-8"


def upload_report(text: str, url: str, settings: S3Settings) -> None:
    """Write `text` to a local temporary file, then upload it to `url` (on failure: keep the file)."""
    target = parse_s3_url(url)
    fd, tmp = tempfile.mkstemp(prefix="metascan-report.", suffix=".tmp")  # mode 0600
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    try:
        _upload(tmp, target, settings, content_type(target.key))
    except MetascanError as e:
        raise MetascanError(f"{e}; the report is kept in {tmp}") from e
    os.unlink(tmp)


def _upload(path: str, target: S3Target, settings: S3Settings, mime: str) -> None:
    import boto3  # type: ignore[import-untyped]
    from boto3.exceptions import S3UploadFailedError  # type: ignore[import-untyped]
    from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

    try:
        session = boto3.Session(profile_name=settings.profile)
        client = session.client("s3", endpoint_url=settings.endpoint_url)
        client.upload_file(path, target.bucket, target.key, ExtraArgs={"ContentType": mime})
    except (BotoCoreError, ClientError, S3UploadFailedError) as e:
        raise MetascanError(f"{target}: cannot upload report: {e}") from e
