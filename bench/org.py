"""An organisation scan against a local moto server: one `metascan aws --org` process against N shard
processes (`--shard K/N`, all at once) plus `metascan merge`.

    .venv/bin/python -m bench.org --accounts 200 --regions 2 --shards 4 [--repeat 2]

moto (its own process on 127.0.0.1) holds an organisation of --accounts accounts (the management account
and members).  Each account holds, in each region, a launch configuration whose user data carries a
password and two Auto Scaling groups tagged with an owner's address (launch configurations, not launch
templates: moto takes about 0.6 s to create a launch template, which would make seeding 200 x 2 regions
take minutes).  Seeding is not timed.  Then, each timed from start to exit:

* `metascan aws --org --role-name R --region ... --format json --output whole.json` (one process);
* N processes `metascan aws ... --shard K/N --output shard-K.json`, started together (wall time until the
  last one exits);
* `metascan merge shard-*.json --output merged.json`;

and the merged findings are checked against the single process's (the same fingerprints).  One moto
process answers every call: it is the shared bottleneck here, as one account's API rate limits are not in
AWS, where each account's limits are its own.  The figures say what one machine does with an emulator that
answers at once, not what AWS throttling allows.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from .live import moto_server
from .measure import run

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2")
ROLE = "OrganizationAccountAccessRole"
DUMMY = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def seed(endpoint: str, accounts: int, regions: tuple[str, ...]) -> list[str]:
    import boto3  # type: ignore[import-untyped]

    session = boto3.Session(region_name="us-east-1", **DUMMY)
    org = session.client("organizations", endpoint_url=endpoint)
    org.create_organization(FeatureSet="ALL")
    members = [
        org.create_account(Email=f"team{n}@example.org", AccountName=f"team{n}")["CreateAccountStatus"][
            "AccountId"
        ]
        for n in range(accounts - 1)
    ]
    management = session.client("sts", endpoint_url=endpoint).get_caller_identity()["Account"]
    every = [management, *members]

    def one(n: int) -> None:
        account = every[n]
        creds = session.client("sts", endpoint_url=endpoint).assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/seeder", RoleSessionName="seed"
        )["Credentials"]
        keys = {
            "aws_access_key_id": creds["AccessKeyId"],
            "aws_secret_access_key": creds["SecretAccessKey"],
            "aws_session_token": creds["SessionToken"],
        }
        for region in regions:
            asg = session.client("autoscaling", region_name=region, endpoint_url=endpoint, **keys)
            asg.create_launch_configuration(
                LaunchConfigurationName="app",
                ImageId="ami-12345678",
                InstanceType="t3.micro",
                UserData=f"#!/bin/bash\nexport DB_PASSWORD='Bench{n}-{region}-not-real'\n",
            )
            for g in range(2):
                asg.create_auto_scaling_group(
                    AutoScalingGroupName=f"app-{n}-{g}",
                    LaunchConfigurationName="app",
                    MinSize=0,
                    MaxSize=0,
                    AvailabilityZones=[f"{region}a"],
                    Tags=[{"Key": "Owner", "Value": f"owner{n}@acme-corp.io", "PropagateAtLaunch": False}],
                )

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(len(every))))
    return every


def scan_cmd(endpoint: str, regions: tuple[str, ...], output: Path, *extra: str) -> list[str]:
    cmd = [sys.executable, "-m", "metascan", "aws", "--endpoint-url", endpoint, "--org", "--role-name", ROLE]
    for region in regions:
        cmd += ["--region", region]
    return [*cmd, "--quiet", "--format", "json", "--output", str(output), *extra]


def sharded(endpoint: str, regions: tuple[str, ...], work: Path, shards: int, env: dict[str, str]) -> float:
    import subprocess

    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            scan_cmd(endpoint, regions, work / f"shard-{k}.json", "--shard", f"{k}/{shards}"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        for k in range(shards)
    ]
    for p in procs:
        p.wait()
    return time.perf_counter() - start


def fingerprints(path: Path) -> set[str]:
    doc: dict[str, Any] = json.loads(path.read_text())
    return {f["fingerprint"] for f in doc["findings"]}


def differences(paths: list[Path]) -> None:
    """Which findings one report has and another lacks (rule, resource, field; never a value)."""
    docs = {p.stem: json.loads(p.read_text()) for p in paths}
    every = {f["fingerprint"]: f for d in docs.values() for f in d["findings"]}
    for name, doc in docs.items():
        have = {f["fingerprint"] for f in doc["findings"]}
        for fp in sorted(set(every) - have)[:20]:
            f = every[fp]
            where = f"{f['resource']['type']} {f['resource']['id']} {f['location']['field']}"
            print(f"  {name} lacks {f['rule']} in {where} ({f['location'].get('decoding')})")


def slow(path: Path) -> int:
    """Skipped entries of the scanner's wall-clock time limit: on a loaded machine they can differ."""
    doc: dict[str, Any] = json.loads(path.read_text())
    return sum("time limit" in s["reason"] for s in doc["skipped"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--accounts", type=int, default=200)
    ap.add_argument("--regions", type=int, default=2)
    ap.add_argument("--shards", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    regions = REGIONS[: args.regions]
    env = {**os.environ, **{k.upper(): v for k, v in DUMMY.items()}, "AWS_EC2_METADATA_DISABLED": "true"}
    env.setdefault("METASCAN_FINGERPRINT_KEY", "bench-org-fingerprint-key-0123456789")
    with moto_server() as endpoint, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        seed(endpoint, args.accounts, regions)
        print(f"seeded {args.accounts} accounts x {len(regions)} regions in {time.perf_counter() - t0:.1f} s")
        rows = []
        for _ in range(args.repeat):
            one = run(scan_cmd(endpoint, regions, work / "whole.json"), env=env)
            more = ("--max-workers", str(8 * args.shards))  # the shards' workers, in one process
            wide = run(scan_cmd(endpoint, regions, work / "wide.json", *more), env=env)
            shard_wall = sharded(endpoint, regions, work, args.shards, env)
            shard_files = [str(work / f"shard-{k}.json") for k in range(args.shards)]
            merge = run(
                [
                    sys.executable,
                    "-m",
                    "metascan",
                    "merge",
                    *shard_files,
                    "--format",
                    "json",
                    "--output",
                    str(work / "merged.json"),
                ],
                env=env,
            )
            merged = fingerprints(work / "merged.json")
            same = fingerprints(work / "whole.json") == merged == fingerprints(work / "wide.json")
            for name in ("whole", "wide", "merged"):
                path = work / f"{name}.json"
                print(f"{name}: {len(fingerprints(path))} findings, time limit hit on {slow(path)} fields")
            if not same:
                differences([work / f"{name}.json" for name in ("whole", "wide", "merged")])
            rows.append((one, wide, shard_wall, merge, same, len(merged)))
        print(f"load average: {os.getloadavg()}")
        workers = 8 * args.shards
        print(
            f"| run | 1 process | 1 process, {workers} workers | {args.shards} shards | merge"
            " | shards + merge | same findings | findings |"
        )
        print("|---|---:|---:|---:|---:|---:|---|---:|")
        for i, (one, wide, ws, merge, same, n) in enumerate(rows, 1):
            mb = 1024 * 1024
            print(
                f"| {i} | {one.wall:.1f} s, {one.peak_memory / mb:.0f} MB | {wide.wall:.1f} s,"
                f" {wide.peak_memory / mb:.0f} MB | {ws:.1f} s | {merge.wall:.2f} s,"
                f" {merge.peak_memory / mb:.0f} MB | {ws + merge.wall:.1f} s | {same} | {n} |"
            )


if __name__ == "__main__":
    main()
