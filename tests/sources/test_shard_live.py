"""Sharded organisation scans against a moto server on 127.0.0.1: N real `python -m metascan aws --shard K/N`
processes, then `python -m metascan merge`, compared with one unsharded scan of the same organisation.

moto's Organizations holds the accounts; moto's AssumeRole switches account on the assumed credentials, so
each member account has its own Auto Scaling metadata.  moto lacks DescribeNotificationConfigurations, so
every scanned account and region carries that one error (and every run exits 2): the tests compare errors as
well as findings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from aws_helpers import MOTO_ACCOUNT, NO_RETRY, Moto

from metascan.sources.aws_accounts import list_digest

pytest_plugins = ["conftest_aws"]
pytestmark = pytest.mark.live

MEMBERS = 54  # plus the management account: 55 accounts
SHARDS = 4
ROLE = "OrganizationAccountAccessRole"
JSON_OUT = ("--format", "json", "--show-secrets", "--output")


def organisation(moto: Moto) -> list[str]:
    """An organisation of MEMBERS active accounts and a closed one; every account but a few holds a launch
    configuration with a password in its user data and a group tagged with an owner's address."""
    org = moto.client("organizations")
    org.create_organization(FeatureSet="ALL")
    members = [
        org.create_account(Email=f"team{n}@acme-corp.io", AccountName=f"team{n}")["CreateAccountStatus"][
            "AccountId"
        ]
        for n in range(MEMBERS + 1)
    ]
    org.close_account(AccountId=members.pop())
    sts = moto.client("sts")
    for n, account in enumerate([MOTO_ACCOUNT, *members]):
        if n % 9 == 8:
            continue  # a few accounts without Auto Scaling metadata
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/seeder", RoleSessionName="seed")
        keys = {
            "aws_access_key_id": creds["Credentials"]["AccessKeyId"],
            "aws_secret_access_key": creds["Credentials"]["SecretAccessKey"],
            "aws_session_token": creds["Credentials"]["SessionToken"],
        }
        # a client of the one cached session (its loaded service model) with the account's credentials
        asg = moto.session().client("autoscaling", endpoint_url=moto.endpoint, config=NO_RETRY, **keys)
        asg.create_launch_configuration(  # launch configurations: moto creates launch templates slowly
            LaunchConfigurationName="app",
            ImageId="ami-12345678",
            InstanceType="t3.micro",
            UserData=f"#!/bin/bash\nexport DB_PASSWORD='Team{n}-Pw-not-real-{n * 7919}'\n",
        )
        asg.create_auto_scaling_group(
            AutoScalingGroupName=f"app-{n}",
            LaunchConfigurationName="app",
            MinSize=0,
            MaxSize=1,
            AvailabilityZones=["us-east-1a"],
            Tags=[{"Key": "Owner", "Value": f"owner{n}@acme-corp.io", "PropagateAtLaunch": False}],
        )
    return [MOTO_ACCOUNT, *members]


def metascan(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "metascan", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env or dict(os.environ),
    )


def scan_args(moto: Moto, output: Path, *extra: str) -> list[str]:
    return [
        "aws",
        "--endpoint-url",
        moto.endpoint,
        "--region",
        "us-east-1",
        "--org",
        "--role-name",
        ROLE,
        "--max-attempts",
        "2",
        "--quiet",
        "--format",
        "json",
        "--show-secrets",
        "--output",
        str(output),
        *extra,
    ]


def wait(procs: Sequence[subprocess.Popen[str]]) -> list[tuple[int, str]]:
    results = []
    for p in procs:
        _, stderr = p.communicate(timeout=600)  # reads stdout too: a full pipe would block the process
        results.append((p.returncode, stderr))
    return results


def load(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text())
    return doc


def findings(report: dict[str, Any], leave_out: set[tuple[Any, ...]] = frozenset()) -> list[str]:
    return sorted(json.dumps(f, sort_keys=True) for f in report["findings"] if place(f) not in leave_out)


def place(entry: dict[str, Any]) -> tuple[Any, ...]:
    resource = entry["resource"] or {}
    field = entry["location"]["field"] if "location" in entry else entry["field"]
    return resource.get("account"), resource.get("type"), resource.get("id"), field


def timed_out(*reports: dict[str, Any]) -> set[tuple[Any, ...]]:
    """Fields on which the scanner's wall-clock time limit stopped rules (a Skipped entry says so): on a
    loaded machine that can happen in one run and not in another, the one way two scans of the same data
    may differ."""
    return {place(s) for r in reports for s in r["skipped"] if "time limit" in s["reason"]}


def errors(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted((e["account"], e["region"], e["operation"], e["message"]) for e in report["errors"])


def test_shard_reports_merge_into_exactly_the_unsharded_report(moto: Moto, tmp_path: Path) -> None:
    accounts = organisation(moto)
    whole = tmp_path / "whole.json"
    shards = [tmp_path / f"shard-{k}.json" for k in range(SHARDS)]
    procs = [metascan(*scan_args(moto, whole))]
    procs += [metascan(*scan_args(moto, shards[k], "--shard", f"{k}/{SHARDS}")) for k in range(SHARDS)]
    results = wait(procs)
    assert [code for code, _ in results] == [2] * (SHARDS + 1), results  # 2: moto's missing operation
    merged = tmp_path / "merged.json"
    merge = metascan("merge", *map(str, shards), *JSON_OUT, str(merged))
    ((code, stderr),) = wait([merge])
    assert code == 2 and "shard failed" not in stderr

    unsharded, together = load(whole), load(merged)
    parts = [load(s) for s in shards]
    assert len(unsharded["findings"]) >= 2 * 48  # a password and an address in most of the 55 accounts
    slow = timed_out(unsharded, together)
    assert len(slow) <= 2, slow
    assert findings(together, slow) == findings(unsharded, slow)
    assert errors(together) == errors(unsharded)
    assert {e["account"] for e in unsharded["errors"]} == set(accounts)
    keys = ["resources", "fields", "errors"]
    keys += [] if slow else ["findings", "by_severity", "by_category", "skipped"]
    for key in keys:
        assert together["summary"][key] == unsharded["summary"][key], key
    assert together["fingerprint_key_id"] == unsharded["fingerprint_key_id"]
    assert together["tool"]["rules_digest"] == unsharded["tool"]["rules_digest"]
    assert together["merged"]["failed"] == [] and together["merged"]["shards"] == [SHARDS]

    # each shard read only its own accounts, and every account was read by exactly one shard
    assert [(p["shard"]["index"], p["shard"]["count"]) for p in parts] == [(k, SHARDS) for k in range(SHARDS)]
    assert {(p["shard"]["accounts"], p["shard"]["accounts_digest"]) for p in parts} == {
        (len(accounts), list_digest(accounts))
    }  # every shard split the same list
    read = [{e["account"] for e in p["errors"]} for p in parts]
    assert all(read) and sum(len(r) for r in read) == len(accounts) and set().union(*read) == set(accounts)


def test_a_failed_shard_makes_the_merge_exit_2_and_names_it(moto: Moto, tmp_path: Path) -> None:
    """Shard 1 cannot reach AWS (a dead endpoint: its report holds only a fatal error), shard 3 leaves no
    report at all; the merge keeps what shards 0 and 2 found and says which shards failed."""
    organisation(moto)
    shards = [tmp_path / f"shard-{k}.json" for k in range(SHARDS)]
    dead = moto.endpoint.rsplit(":", 1)[0] + ":9"  # the discard port: nothing listens on it
    args = [scan_args(moto, shards[k], "--shard", f"{k}/{SHARDS}") for k in (0, 1, 2)]
    args[1][args[1].index(moto.endpoint)] = dead
    wait([metascan(*a) for a in args])
    assert not shards[3].exists()
    assert any(e["operation"] == "sts:GetCallerIdentity" for e in load(shards[1])["errors"])

    merged = tmp_path / "merged.json"
    merge = metascan("merge", *map(str, shards), *JSON_OUT, str(merged))
    ((code, stderr),) = wait([merge])
    assert code == 2
    assert f"metascan: error: shard 1/{SHARDS} ({shards[1]}): fatal error: " in stderr
    assert f"metascan: error: {shards[3]}: its report is missing" in stderr
    report = load(merged)
    failed = [e for e in report["errors"] if e["operation"] == "metascan:merge"]
    assert {e["source"] for e in failed} == {str(shards[1]), str(shards[3]), f"shard 3/{SHARDS}"}
    assert len(report["merged"]["failed"]) == 3
    kept = findings(load(shards[0])) + findings(load(shards[2]))
    assert findings(report) == sorted(kept) and kept


def test_merge_without_shard_three_among_the_inputs_names_it(moto: Moto, tmp_path: Path) -> None:
    """Only the reports that exist are given (a glob): the gap in the shard indices is a failed shard."""
    organisation(moto)
    shards = [tmp_path / f"shard-{k}.json" for k in range(SHARDS)]
    wait([metascan(*scan_args(moto, shards[k], "--shard", f"{k}/{SHARDS}")) for k in (0, 1, 2)])
    merge = metascan("merge", *map(str, shards[:3]), "--format", "json")
    ((code, stderr),) = wait([merge])
    assert code == 2
    assert f"metascan: error: shard 3/{SHARDS}: no usable report among the inputs" in stderr
