"""The live part of the benchmark: `metascan aws` against a local moto server, next to a plain boto3 loop that
sends the same API calls.

A moto server is started on 127.0.0.1 (its own process) and seeded, untimed, with --live-groups Auto Scaling
groups sharing --live-templates launch templates in each of three regions, built by the corpus generator's
own builders (`bench.resources`: user data, tags, hooks, launch configurations, scheduled actions, SNS
topics and subscriptions).  Then, each in its own process:

* `metascan aws --endpoint-url ... --region ... x3`, writing the JSON report: reading, scanning, reporting;
* once, untimed, the same scan through the library with a botocore hook that records every call it sends
  (operation, region and parameters, `bench.live_loop record`);
* the plain loop (`bench.live_loop replay`): boto3 clients sending those recorded calls one after the other,
  and doing nothing with the answers; and the same calls from one thread per region, as metascan reads
  regions concurrently.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import resources as r
from . import scripts
from . import values as v
from .measure import Measured, run

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
ACCOUNT = "123456789012"  # moto's account


@dataclass(frozen=True, slots=True)
class LiveRow:
    run: str
    wall: float
    calls: int
    calls_per_s: float
    peak_mb: float
    note: str
    fleet: str  # what the moto server held


@contextmanager
def moto_server() -> Iterator[str]:
    """A moto server on 127.0.0.1 in its own process; yields its endpoint."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).close()  # loopback only
                break
            except OSError:
                time.sleep(0.05)
        yield endpoint
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:  # a server still answering a backlog of calls
            proc.kill()
            proc.wait()


def clients(endpoint: str, region: str) -> dict[str, Any]:
    import boto3  # type: ignore[import-untyped]

    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region)
    return {n: session.client(n, endpoint_url=endpoint) for n in ("ec2", "autoscaling", "sns")}


def seed_region(endpoint: str, region_name: str, groups: int, templates: int, seed: int) -> dict[str, int]:
    """One region's fleet, made through the API with the corpus generator's builders."""
    c = clients(endpoint, region_name)
    region = r.Region(region_name, ACCOUNT, seed, groups, templates)
    counts = {"templates": 0, "versions": 0, "groups": 0, "hooks": 0, "configurations": 0, "subscriptions": 0}
    topics: dict[str, str] = {}
    for team in sorted({r.template(region, i).team for i in range(templates)}):
        topics[team] = c["sns"].create_topic(Name=f"{team}-asg-events")["TopicArn"]
        for s in r.subscriptions(region, v.TEAMS.index(team)):
            if s["Protocol"] in ("email", "https", "sms"):  # moto checks that sqs and lambda targets exist
                c["sns"].subscribe(TopicArn=topics[team], Protocol=s["Protocol"], Endpoint=s["Endpoint"])
                counts["subscriptions"] += 1
    ids: dict[int, str] = {}
    for i in range(templates):
        t = r.template(region, i)
        data = _template_data(region, t, 1)
        ids[i] = c["ec2"].create_launch_template(LaunchTemplateName=t.name, LaunchTemplateData=data)[
            "LaunchTemplate"
        ]["LaunchTemplateId"]
        for number in range(2, min(t.versions, 4) + 1):
            c["ec2"].create_launch_template_version(
                LaunchTemplateId=ids[i], LaunchTemplateData=_template_data(region, t, number)
            )
        counts["templates"] += 1
        counts["versions"] += min(t.versions, 4)
    for j in range(groups):
        i = min(int(templates * r.rng_for(region, "assign", j).random() ** 1.7), templates - 1)
        t = r.template(region, i)
        g = r.group(region, j, t, None)
        name = g["AutoScalingGroupName"]
        launch: dict[str, Any] = {"LaunchTemplate": {"LaunchTemplateId": ids[i], "Version": "$Latest"}}
        if r.rng_for(region, "uses-lc", j).random() < 0.12:
            lc = r.launch_configuration(region, j, t, f"{name}-lc")
            c["autoscaling"].create_launch_configuration(
                LaunchConfigurationName=lc["LaunchConfigurationName"],
                ImageId=lc["ImageId"],
                InstanceType=lc["InstanceType"],
                UserData=scripts.render(t.plan, r.content_version(t, t.versions)),
            )
            launch = {"LaunchConfigurationName": lc["LaunchConfigurationName"]}
            counts["configurations"] += 1
        tags = [{"Key": x["Key"], "Value": x["Value"], "PropagateAtLaunch": True} for x in g["Tags"]]
        c["autoscaling"].create_auto_scaling_group(
            AutoScalingGroupName=name,
            MinSize=0,
            MaxSize=0,
            DesiredCapacity=0,
            AvailabilityZones=[f"{region_name}a"],
            Tags=tags,
            **launch,
        )
        counts["groups"] += 1
        for hook in r.hooks(region, j, name, t):
            c["autoscaling"].put_lifecycle_hook(
                LifecycleHookName=hook["LifecycleHookName"],
                AutoScalingGroupName=name,
                LifecycleTransition=hook["LifecycleTransition"],
                NotificationTargetARN=topics.get(t.team, hook["NotificationTargetARN"]),
                RoleARN=hook["RoleARN"],
                NotificationMetadata=hook["NotificationMetadata"],
            )
            counts["hooks"] += 1
        for action in r.scheduled_actions(region, j, name):
            c["autoscaling"].put_scheduled_update_group_action(
                AutoScalingGroupName=name,
                ScheduledActionName=action["ScheduledActionName"],
                Recurrence=action["Recurrence"],
                DesiredCapacity=0,
            )
    return counts


def _template_data(region: r.Region, t: r.Template, number: int) -> dict[str, Any]:
    data = r.template_version(region, t, number)["LaunchTemplateData"]
    keep = ("ImageId", "InstanceType", "UserData", "TagSpecifications", "KeyName", "BlockDeviceMappings")
    return {k: data[k] for k in keep if k in data}


def seed(endpoint: str, groups: int, templates: int) -> dict[str, int]:
    with ThreadPoolExecutor(len(REGIONS)) as pool:
        parts = list(
            pool.map(lambda i: seed_region(endpoint, REGIONS[i], groups, templates, 1000 + i), range(3))
        )
    return {k: sum(p[k] for p in parts) for k in parts[0]}


def run_live(groups: int, templates: int, env: Mapping[str, str], cwd: str, repeat: int) -> list[LiveRow]:
    aws_env = {
        **env,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": str(Path(cwd) / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(Path(cwd) / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    py = sys.executable
    with moto_server() as endpoint:
        started = time.perf_counter()
        seeded = seed(endpoint, groups, templates)
        seeding = time.perf_counter() - started
        regions = [a for region in REGIONS for a in ("--region", region)]
        calls = Path(cwd) / "calls.json"
        recorded = run([py, "-m", "bench.live_loop", "record", endpoint, str(calls), *REGIONS], aws_env, cwd)
        if recorded.returncode:
            raise SystemExit(f"recording the calls failed:\n{recorded.stderr[-2000:]}")
        n = len(json.loads(calls.read_text()))
        report = Path(cwd) / "live-report.json"
        metascan_cmd = [py, "-m", "metascan", "aws", "--endpoint-url", endpoint, *regions, "--quiet"]
        metascan_cmd += ["--format", "json", "--output", str(report)]
        loop_cmd = [py, "-m", "bench.live_loop", "replay", endpoint, str(calls)]
        threads_cmd = [*loop_cmd, "--threads"]
        results: dict[str, list[Measured]] = {"metascan": [], "loop": [], "threads": []}
        for _ in range(repeat):  # interleaved, so that drift in the machine's load hits each alike
            for name, cmd in (("metascan", metascan_cmd), ("loop", loop_cmd), ("threads", threads_cmd)):
                m = run(cmd, aws_env, cwd)
                if m.returncode not in (0, 1, 2):  # 2: metascan reports the calls moto cannot answer
                    raise SystemExit(f"{' '.join(cmd)} failed ({m.returncode}):\n{m.stderr[-2000:]}")
                results[name].append(m)
        summary = json.loads(report.read_text())["summary"]
    best = {k: min(ms, key=lambda m: m.wall) for k, ms in results.items()}
    fleet = (
        f"{seeded['groups']} groups sharing {seeded['templates']} launch templates"
        f" ({seeded['versions']} versions), {seeded['configurations']} launch configurations,"
        f" {seeded['hooks']} lifecycle hooks, {seeded['subscriptions']} SNS subscriptions in 3 regions of one"
        f" moto server (seeded in {seeding:.0f} s)"
    )
    found = f"{summary['findings']} findings; {summary['errors']} errors: calls moto cannot answer"
    loop, threads = "plain boto3 loop, the same calls", "answers unused"
    return [
        _live_row("metascan aws, 3 regions", best["metascan"], n, found, fleet),
        _live_row(f"{loop}, one after the other", best["loop"], n, threads, fleet),
        _live_row(f"{loop}, a thread per region", best["threads"], n, threads, fleet),
    ]


def _live_row(name: str, m: Measured, calls: int, note: str, fleet: str) -> LiveRow:
    return LiveRow(name, m.wall, calls, calls / m.wall, m.peak_memory / 1024 / 1024, note, fleet)


def table(rows: list[LiveRow]) -> str:
    out = [f"Live: {rows[0].fleet}.\n"] if rows else []
    out += ["| live scan | wall s | API calls | calls/s | peak MB | notes |", "|---|---:|---:|---:|---:|---|"]
    out += [
        f"| {x.run} | {x.wall:.1f} | {x.calls} | {x.calls_per_s:.0f} | {x.peak_mb:.0f} | {x.note} |"
        for x in rows
    ]
    return "\n".join(out)


def verdict(rows: list[LiveRow]) -> str:
    metascan, loop, threads = rows
    return (
        f"- live: metascan takes {metascan.wall / loop.wall:.2f}x the plain loop's time (target <= 1.3),"
        f" {metascan.wall / threads.wall:.2f}x the threaded loop's"
    )
