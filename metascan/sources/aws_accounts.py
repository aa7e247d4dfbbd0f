"""Which accounts and regions a live scan covers, and sessions for them.

Each function takes the clients it needs and raises botocore's errors; the caller records them.

Shards: `Shard(index, count)` owns a share of the accounts to scan (the organisation's, those of
--accounts-from, or those of --role-arn): consistent hashing with bounded loads.  Each account goes to the
shard that Lamping and Veach's jump consistent hash of its id names, unless that shard already holds 1.15
times an equal share (rounded up), then to the next one with room.  So no shard holds more than 1.15x the
mean (plus one account), at any shard count; an account's shard depends only on the list; and adding
accounts moves few others (none, in tests/sources/test_shard.py, when a quarter more accounts are added to
1,000 split 2 to 8 ways; a few dozen at 50 shards of 20, where most shards are full).  Each shard's report
names the list it split (its size and a digest, `Shard.to_dict`), and `metascan merge` refuses shards that
split different lists (the organisation changed between their starts): an account can be neither lost nor
scanned twice silently.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
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
# A shard holds at most this much more than an equal share (rounded up): consistent hashing with bounded
# loads (Mirrokni, Thorup and Zadimoghaddam, arXiv:1608.01350).  The smaller, the more accounts a change of
# the list moves; at 1.15 adding a quarter more accounts to 1,000 moved none of the others up to 16 shards.
LOAD_FACTOR = 1.15


def _hash64(account: str, salt: bytes = b"") -> int:
    return int.from_bytes(hashlib.sha256(salt + account.encode("utf-8")).digest()[:8], "big")


def jump_hash(key: int, count: int) -> int:
    """Lamping and Veach's jump consistent hash (arXiv:1406.2294): a bucket in 0 .. count-1."""
    b, j = -1, 0
    while j < count:
        b = j
        key = (key * 2862933555777941757 + 1) & _MASK64
        j = int((b + 1) * ((1 << 31) / ((key >> 33) + 1)))
    return b


def partition(accounts: Iterable[str], count: int) -> dict[str, int]:
    """Each account's shard (0 .. count-1): its jump consistent hash, unless that shard is full (it holds
    `LOAD_FACTOR` times an equal share, rounded up), then the next shard with room.  Accounts are placed in
    the order of a second hash of their id, so the result depends on the list only, not on its order."""
    if count < 1:
        raise ValueError("shard count must be at least 1")
    ordered = sorted(set(accounts), key=lambda a: (_hash64(a, b"order"), a))
    capacity = max(1, math.ceil(LOAD_FACTOR * len(ordered) / count))
    loads = [0] * count
    out: dict[str, int] = {}
    for account in ordered:
        shard = jump_hash(_hash64(account), count)
        while loads[shard] >= capacity:
            shard = (shard + 1) % count
        loads[shard] += 1
        out[account] = shard
    return out


def list_digest(accounts: Iterable[str]) -> str:
    """A digest naming an account list (the same ids in any order give the same digest)."""
    return hashlib.sha256("\n".join(sorted(set(accounts))).encode("ascii", "replace")).hexdigest()[:16]


@dataclass(slots=True)
class _Listing:
    """The account list a shard split (set once the scan has it)."""

    accounts: int | None = None
    digest: str | None = None


@dataclass(frozen=True, slots=True)
class Shard:
    """Shard `index` (from 0) of `count`: its share of the account list (see `partition`)."""

    index: int
    count: int
    listing: _Listing = dc_field(default_factory=_Listing, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.count < 1 or not 0 <= self.index < self.count:
            raise ConfigError(f"shard {self.index}/{self.count}: the index must be 0 to count - 1")

    def take(self, accounts: Iterable[str]) -> list[str]:
        """The accounts of this shard among `accounts` (in their order), remembering which list it split."""
        accounts = list(dict.fromkeys(accounts))
        shards = partition(accounts, self.count)
        self.listing.accounts = len(accounts)
        self.listing.digest = list_digest(accounts)
        return [a for a in accounts if shards[a] == self.index]

    def to_dict(self) -> dict[str, int | str]:
        out: dict[str, int | str] = {"index": self.index, "count": self.count}
        if self.listing.digest is not None and self.listing.accounts is not None:
            out["accounts"] = self.listing.accounts
            out["accounts_digest"] = self.listing.digest
        return out

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
