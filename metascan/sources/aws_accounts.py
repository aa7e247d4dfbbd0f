"""Which accounts and regions a live scan covers, and sessions for them.

Each function takes the clients it needs and raises botocore's errors; the caller records them.

Shards: `Shard(index, count)` owns the accounts whose id hashes to `index` out of `count`, with Lamping and
Veach's jump consistent hash over a SHA-256 of the id.  An account's shard depends on its id and `count`
only, never on which other accounts exist: shards that list the organisation at different moments still
split it without a gap or an overlap, adding accounts moves none of the others, and going from N to N + 1
shards moves about 1/(N + 1) of the accounts, all to the new shard.  Balance is that of a uniform hash: at
1,000 accounts the largest of up to 5 shards holds at most 1.2x the mean, of 8 to 10 shards about 1.15x to
1.3x (tests/sources/test_shard.py): the fewer accounts a shard, the larger the spread.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import botocore.session  # type: ignore[import-untyped]
from botocore.credentials import RefreshableCredentials  # type: ignore[import-untyped]

from ..aws.arn import parse_arn
from ..errors import ConfigError
from .aws_calls import Clients, SessionHook

SESSION_NAME = "metascan"
# DescribeRegions may list opt-in regions the account has not enabled (moto does even with AllRegions=False).
ENABLED = frozenset({"opt-in-not-required", "opted-in"})


@dataclass(frozen=True, slots=True)
class Identity:
    account: str
    partition: str


def caller_identity(clients: Clients, region: str) -> Identity:
    """sts:GetCallerIdentity of the session (needs no permission)."""
    response = clients("sts", region).get_caller_identity()
    arn = parse_arn(str(response.get("Arn", "")))
    return Identity(str(response["Account"]), arn.partition if arn else "aws")


def role_account(role_arn: str) -> str | None:
    arn = parse_arn(role_arn)
    return arn.account if arn and arn.service == "iam" and arn.resource.startswith("role/") else None


def assume_role(
    base: Clients,
    role_arn: str,
    region: str,
    external_id: str | None = None,
    on_session: SessionHook | None = None,
) -> Clients:
    """Clients for `role_arn`, assumed from `base`; the credentials renew themselves before they expire.

    The role is assumed once here, so a role that cannot be assumed fails now, as sts:AssumeRole.
    """
    sts = base("sts", region)
    params: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": SESSION_NAME}
    if external_id:
        params["ExternalId"] = external_id

    def fetch() -> dict[str, str]:
        creds = sts.assume_role(**params)["Credentials"]
        expiry = creds["Expiration"]
        return {
            "access_key": creds["AccessKeyId"],
            "secret_key": creds["SecretAccessKey"],
            "token": creds["SessionToken"],
            "expiry_time": expiry.isoformat() if hasattr(expiry, "isoformat") else str(expiry),
        }

    credentials = RefreshableCredentials.create_from_metadata(fetch(), fetch, "assume-role")
    core = botocore.session.Session(profile=base.session._session.profile)
    core._credentials = credentials  # botocore has no public setter for refreshable credentials
    session = boto3.Session(botocore_session=core, region_name=region)
    if on_session is not None:
        on_session(session)
    return base.derived(session)


def organization_accounts(clients: Clients, region: str) -> Iterator[str]:
    """Ids of the organisation's ACTIVE accounts (ListAccounts: management or delegated-admin account)."""
    paginator = clients("organizations", region).get_paginator("list_accounts")
    for page in paginator.paginate(PaginationConfig={"PageSize": 20}):
        for account in page.get("Accounts", []):
            # `State` replaces the retired `Status`; older emulators send only the latter.
            state = account.get("State") or account.get("Status")
            if state == "ACTIVE":
                yield str(account["Id"])


def enabled_regions(clients: Clients, region: str) -> list[str]:
    """The regions enabled for the account: ec2:DescribeRegions, minus opt-in regions not opted into."""
    response = clients("ec2", region).describe_regions(AllRegions=False)
    return sorted(
        r["RegionName"]
        for r in response.get("Regions", [])
        if r.get("RegionName") and r.get("OptInStatus", "opt-in-not-required") in ENABLED
    )


# --- shards ----------------------------------------------------------------------------------------------

_ACCOUNT_ID = re.compile(r"[0-9]{12}")
_MASK64 = (1 << 64) - 1


def shard_of(account: str, count: int) -> int:
    """The shard (0 .. count-1) of an account id: jump consistent hash (arXiv:1406.2294) of its SHA-256."""
    if count < 1:
        raise ValueError("shard count must be at least 1")
    key = int.from_bytes(hashlib.sha256(account.encode("utf-8")).digest()[:8], "big")
    b, j = -1, 0
    while j < count:
        b = j
        key = (key * 2862933555777941757 + 1) & _MASK64
        j = int((b + 1) * ((1 << 31) / ((key >> 33) + 1)))
    return b


@dataclass(frozen=True, slots=True)
class Shard:
    """Shard `index` (from 0) of `count`: the accounts whose id `shard_of` puts there."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if self.count < 1 or not 0 <= self.index < self.count:
            raise ConfigError(f"shard {self.index}/{self.count}: the index must be 0 to count - 1")

    def owns(self, account: str) -> bool:
        return shard_of(account, self.count) == self.index

    def to_dict(self) -> dict[str, int]:
        return {"index": self.index, "count": self.count}

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


#: Where batch engines put the index of a task in an array of tasks (and, for AWS Batch, the array's size).
INDEX_VARIABLES = ("JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX")
SIZE_VARIABLE = "AWS_BATCH_JOB_ARRAY_SIZE"


def parse_shard(spec: str, environ: Mapping[str, str]) -> Shard:
    """`K/N`; `auto/N` (K from a Kubernetes Indexed Job's JOB_COMPLETION_INDEX or an AWS Batch array job's
    AWS_BATCH_JOB_ARRAY_INDEX); or `auto` (K and N from AWS_BATCH_JOB_ARRAY_INDEX and _SIZE)."""
    text = spec.strip()
    if text == "auto":
        index_text, count_text = environ.get("AWS_BATCH_JOB_ARRAY_INDEX"), environ.get(SIZE_VARIABLE)
        if index_text is None or count_text is None:
            raise ConfigError(
                "--shard auto needs AWS_BATCH_JOB_ARRAY_INDEX and AWS_BATCH_JOB_ARRAY_SIZE (an AWS Batch"
                " array job); elsewhere give --shard auto/N or K/N"
            )
        return Shard(_number(index_text, "AWS_BATCH_JOB_ARRAY_INDEX"), _number(count_text, SIZE_VARIABLE))
    index_part, sep, count_part = text.partition("/")
    if not sep:
        raise ConfigError(f"--shard {spec!r}: expected K/N (shard K of N, from 0), auto/N or auto")
    count = _number(count_part, "N")
    if index_part == "auto":
        for name in INDEX_VARIABLES:
            if name in environ:
                return Shard(_number(environ[name], name), count)
        raise ConfigError(f"--shard auto/N needs {' or '.join(INDEX_VARIABLES)} in the environment")
    return Shard(_number(index_part, "K"), count)


def _number(text: str, what: str) -> int:
    if not text.strip().isdigit():
        raise ConfigError(f"shard {what} must be a whole number, not {text!r}")
    return int(text.strip())


# --- account lists ---------------------------------------------------------------------------------------


def read_account_list(path: str | Path) -> tuple[str, ...]:
    """Account ids from a file: one per line (blank lines and `#` comments allowed), or the JSON that
    `aws organizations list-accounts` prints (only ACTIVE accounts are kept), or a JSON list of ids."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as e:
        raise ConfigError(f"{path}: cannot read account list: {e.strerror or e}") from e
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: account list is not UTF-8 text") from None
    ids = _json_accounts(text, path) if text.lstrip()[:1] in ("{", "[") else _line_accounts(text, path)
    if not ids:
        raise ConfigError(f"{path}: account list holds no account id")
    return tuple(dict.fromkeys(ids))


def _line_accounts(text: str, path: str | Path) -> list[str]:
    ids = []
    for n, line in enumerate(text.splitlines(), 1):
        value = line.split("#", 1)[0].strip()
        if not value:
            continue
        if not _ACCOUNT_ID.fullmatch(value):
            raise ConfigError(f"{path}: line {n}: not a 12-digit AWS account id")
        ids.append(value)
    return ids


def _json_accounts(text: str, path: str | Path) -> list[str]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise ConfigError(f"{path}: account list is not valid JSON (line {e.lineno}: {e.msg})") from None
    entries = doc.get("Accounts") if isinstance(doc, dict) else doc
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: expected the JSON of organizations list-accounts (an Accounts list)")
    ids = []
    for i, entry in enumerate(entries):
        if isinstance(entry, dict):
            # `State` replaces the retired `Status`; a list without either is taken as it is.
            state = entry.get("State") or entry.get("Status")
            if state is not None and state != "ACTIVE":
                continue
            entry = entry.get("Id")
        if not isinstance(entry, str) or not _ACCOUNT_ID.fullmatch(entry):
            raise ConfigError(f"{path}: account {i}: no 12-digit AWS account id")
        ids.append(entry)
    return ids
