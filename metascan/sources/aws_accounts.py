"""Which accounts and regions a live scan covers, and sessions for them.

Each function takes the clients it needs and raises botocore's errors; the caller records them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3  # type: ignore[import-untyped]
import botocore.session  # type: ignore[import-untyped]
from botocore.credentials import RefreshableCredentials  # type: ignore[import-untyped]

from ..aws.arn import parse_arn
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
