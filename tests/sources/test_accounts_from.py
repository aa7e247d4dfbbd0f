"""`--accounts-from` and the library's `accounts=` and `shard=`, against a moto server on 127.0.0.1; and the
option rules of `--shard` and `--accounts-from`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_helpers import MOTO_ACCOUNT, Moto, OperationRecorder
from click.testing import CliRunner

import metascan
from metascan.cli import cli
from metascan.sources.aws_accounts import partition, read_account_list

pytest_plugins = ["conftest_aws"]

ROLE = "OrganizationAccountAccessRole"


@pytest.fixture(autouse=True)
def _work_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def organisation(moto: Moto, members: int) -> list[str]:
    org = moto.client("organizations")
    org.create_organization(FeatureSet="ALL")
    made = [org.create_account(Email=f"t{n}@acme-corp.io", AccountName=f"t{n}") for n in range(members)]
    return [m["CreateAccountStatus"]["AccountId"] for m in made]


def scanned(report: dict[str, Any]) -> set[str]:
    """The accounts a report read: moto answers DescribeNotificationConfigurations in each with an error."""
    return {e["account"] for e in report["errors"]}


@pytest.mark.live
def test_accounts_from_the_json_of_list_accounts_needs_no_organizations_call(
    moto: Moto, tmp_path: Path
) -> None:
    members = organisation(moto, 5)
    moto.client("organizations").close_account(AccountId=members[4])
    listing = moto.client("organizations").list_accounts()  # what `aws organizations list-accounts` prints
    listing.pop("ResponseMetadata", None)
    listing["Accounts"] = [a for a in listing["Accounts"] if a["Id"] != members[0]]  # out of scope
    path = tmp_path / "accounts.json"
    path.write_text(json.dumps(listing, default=str))
    result = CliRunner().invoke(
        cli,
        [
            *("aws", "--endpoint-url", moto.endpoint, "--region", "us-east-1"),
            *("--accounts-from", str(path), "--role-name", ROLE, "--format", "json"),
        ],
    )
    assert result.exit_code == 2, result.output  # 2: moto lacks DescribeNotificationConfigurations
    # the caller's own account (listed by moto) with its own credentials, members 1-3; not the closed one
    assert scanned(json.loads(result.stdout)) == {MOTO_ACCOUNT, *members[1:4]}

    recorder = OperationRecorder()
    ids = tmp_path / "accounts.txt"
    ids.write_text(f"{members[2]}\n{members[3]}  # two accounts\n")
    report = metascan.scan_aws(
        session=boto3.Session(region_name="us-east-1"),
        regions=["us-east-1"],
        endpoint_url=moto.endpoint,
        accounts=read_account_list(ids),
        role_name=ROLE,
        on_session=recorder,
        max_attempts=1,
    )
    assert scanned(report.to_dict()) == {members[2], members[3]}
    assert "organizations:ListAccounts" not in recorder.operations
    assert recorder.operations.count("sts:AssumeRole") == 2


@pytest.mark.live
def test_library_shards_split_the_organisation(moto: Moto) -> None:
    accounts = [MOTO_ACCOUNT, *organisation(moto, 7)]
    seen = []
    for k in range(3):
        report = metascan.scan_aws(
            session=boto3.Session(region_name="us-east-1"),
            regions=["us-east-1"],
            endpoint_url=moto.endpoint,
            org=True,
            role_name=ROLE,
            shard=(k, 3),
            max_attempts=1,
        )
        section = report.extra["shard"]
        assert (section["index"], section["count"], section["accounts"]) == (k, 3, len(accounts))
        seen.append(scanned(report.to_dict()))
        assert seen[-1] == {a for a in accounts if partition(accounts, 3)[a] == k}
    assert sorted(a for s in seen for a in s) == sorted(accounts)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--shard", "0/2"], "--shard splits the accounts of --org, --accounts-from or --role-arn"),
        (["--org", "--role-name", ROLE, "--shard", "2/2"], "index must be 0 to count - 1"),
        (["--org", "--role-name", ROLE, "--shard", "auto/3"], "JOB_COMPLETION_INDEX"),
        (["--org", "--accounts-from", "a.txt", "--role-name", ROLE], "give one or the other"),
        (["--accounts-from", "a.txt"], "--accounts-from needs --role-name"),
        (["--role-name", ROLE], "--role-name is only used with --org or --accounts-from"),
    ],
)
def test_option_rules(args: list[str], message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX", "METASCAN_SHARD"):
        monkeypatch.delenv(var, raising=False)
    result = CliRunner().invoke(cli, ["aws", "--region", "us-east-1", *args])
    assert result.exit_code == 2
    assert message in result.stderr


def test_a_bad_account_list_is_one_line_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from helpers_reports import run_main

    path = tmp_path / "a.txt"
    path.write_text("111111111111\nnot-an-account\n")
    args = ["aws", "--region", "us-east-1", "--accounts-from", str(path), "--role-name", ROLE]
    code, out, err = run_main(args, capsys, monkeypatch)
    assert (code, out) == (2, "")
    assert err == f"metascan: error: {path}: line 2: not a 12-digit AWS account id\n"
