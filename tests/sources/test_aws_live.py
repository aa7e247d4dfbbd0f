"""`metascan aws` and `metascan.scan_aws` against a real local AWS API emulator: a moto server on 127.0.0.1.

The server is filled through boto3 over HTTP and scanned over HTTP.  moto lacks
DescribeNotificationConfigurations (an HTML 500), so every scanned region carries exactly that one error;
everything else must be complete.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from urllib.request import Request, urlopen

import pytest
from aws_helpers import (
    LC_PASSWORD,
    LT_PASSWORD,
    MOTO_ACCOUNT,
    OLD_PASSWORD,
    OWNER_EMAIL,
    PINNED_TOKEN,
    TOPIC_EMAIL,
    Findings,
    Moto,
    page_files,
    seed,
)
from botocore.awsrequest import AWSResponse
from click.testing import CliRunner

import metascan
from metascan.cli import cli
from metascan.errors import ConfigError
from metascan.sources.aws import RegionProgress

pytest_plugins = ["conftest_aws"]
pytestmark = pytest.mark.live

NOTIFICATIONS = "autoscaling:DescribeNotificationConfigurations"


def run_cli(*args: str) -> tuple[int, dict[str, Any], str]:
    result = CliRunner().invoke(cli, ["aws", "--format", "json", "--show-secrets", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, json.loads(result.stdout) if result.stdout.strip() else {}, result.stderr


def matches(report: dict[str, Any]) -> set[tuple[str, str, str | None]]:
    """(match, account, region) of every pattern finding (structural checks' findings have no match)."""
    return {
        (f["match"], f["resource"]["account"], f["resource"]["region"])
        for f in report["findings"]
        if "match" in f
    }


@pytest.fixture(autouse=True)
def _work_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in an empty directory: no metascan.toml of the checkout applies."""
    monkeypatch.chdir(tmp_path)


def test_cli_two_regions(moto: Moto) -> None:
    """The README try-out: two regions, each complete but for moto's missing notification configurations."""
    for region, prefix in (("us-east-1", ""), ("eu-west-1", "eu-")):
        seed(moto, region, prefix=prefix)
    code, report, stderr = run_cli(
        "--endpoint-url", moto.endpoint, "--region", "us-east-1", "--region", "eu-west-1"
    )

    assert code == 2
    assert stderr == ""  # no progress display when stderr is not a terminal
    assert sorted((e["account"], e["region"], e["operation"]) for e in report["errors"]) == [
        (MOTO_ACCOUNT, "eu-west-1", NOTIFICATIONS),
        (MOTO_ACCOUNT, "us-east-1", NOTIFICATIONS),
    ]
    for region in ("us-east-1", "eu-west-1"):
        for planted in (LT_PASSWORD, PINNED_TOKEN, LC_PASSWORD, OWNER_EMAIL, OLD_PASSWORD):
            assert (planted, MOTO_ACCOUNT, region) in matches(report)  # v2 too: every version by default
    sources = {f["location"]["source"] for f in report["findings"]}
    assert sources == {f"aws:{MOTO_ACCOUNT}:us-east-1", f"aws:{MOTO_ACCOUNT}:eu-west-1"}
    # Per region: 3 groups, 1 launch configuration, 1 template, versions 1 to 4, 1 hook, 1 action.
    assert report["summary"]["resources"] == 2 * 11
    assert report["skipped"] == []


def test_cli_in_use_versions_only(moto: Moto) -> None:
    """--in-use-versions-only reads $Default, $Latest and the pinned versions, not the old version 2."""
    seed(moto, "us-east-1")
    code, report, _ = run_cli(
        "--endpoint-url", moto.endpoint, "--region", "us-east-1", "--in-use-versions-only"
    )
    assert code == 2  # moto's missing notification configurations
    found = {m for m, _, _ in matches(report)}
    assert {LT_PASSWORD, PINNED_TOKEN, LC_PASSWORD, OWNER_EMAIL} <= found
    assert OLD_PASSWORD not in found  # v2: not default, latest or pinned
    # 3 groups, 1 launch configuration, 1 template, versions 1, 3 and 4, 1 hook, 1 action.
    assert report["summary"]["resources"] == 10


def test_same_names_in_two_regions_and_accounts_are_all_reported(moto: Moto) -> None:
    """Groups are usually named alike in every region and account: each one's finding must be reported."""
    seed(moto, "us-east-1")
    seed(moto, "eu-west-1")
    seed(moto, "us-east-1", moto.account_session("111111111111"))
    report = metascan.scan_aws(
        regions=["us-east-1", "eu-west-1"],
        endpoint_url=moto.endpoint,
        role_arns=[f"arn:aws:iam::{MOTO_ACCOUNT}:role/audit", "arn:aws:iam::111111111111:role/audit"],
    )
    owners = {(f.resource.account, f.resource.region) for f in report.findings if f.match == OWNER_EMAIL}
    assert owners == {(MOTO_ACCOUNT, "us-east-1"), (MOTO_ACCOUNT, "eu-west-1"), ("111111111111", "us-east-1")}


def test_library_all_versions_and_subscriptions(moto: Moto) -> None:
    seed(moto, "us-east-1")
    progress: list[RegionProgress] = []
    report = metascan.scan_aws(
        regions=["us-east-1"],
        endpoint_url=moto.endpoint,
        all_versions=True,
        all_subscriptions=True,
        on_progress=progress.append,
    )
    found = {f.match for f in report.findings}
    assert {
        LT_PASSWORD,
        PINNED_TOKEN,
        OLD_PASSWORD,
        LC_PASSWORD,
        OWNER_EMAIL,
        TOPIC_EMAIL,
        "Zq8vL2mXr4Tw",
    } <= found
    assert [e.operation for e in report.errors] == [NOTIFICATIONS]
    assert progress[-1] == RegionProgress(
        MOTO_ACCOUNT, "us-east-1", groups=3, templates=1, errors=1, done=True
    )
    assert isinstance(report, metascan.Report)


def test_a_region_given_twice_is_scanned_once(moto: Moto) -> None:
    seed(moto, "us-east-1")
    progress: list[RegionProgress] = []
    metascan.scan_aws(
        regions=["us-east-1", "us-east-1"], endpoint_url=moto.endpoint, on_progress=progress.append
    )
    assert [p.region for p in progress if p.done] == ["us-east-1"]


def test_aws_endpoint_url_and_region_from_the_environment(
    moto: Moto, monkeypatch: pytest.MonkeyPatch
) -> None:
    """boto3's own configuration works: AWS_ENDPOINT_URL, and AWS_REGION when no --region is given."""
    seed(moto, "eu-west-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto.endpoint)
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    code, report, _ = run_cli()
    assert code == 2
    assert (LT_PASSWORD, MOTO_ACCOUNT, "eu-west-1") in matches(report)


def test_role_arns_scan_the_assumed_accounts(moto: Moto) -> None:
    """Multi-account through AssumeRole: moto switches account on assumed credentials.  Only the roles'
    accounts are scanned, each with its own account id, and the external id is passed."""
    seed(moto, "us-east-1")  # the caller's own account: not scanned when roles are given
    for account in ("111111111111", "222222222222"):
        seed(moto, "us-east-1", moto.account_session(account), prefix=f"a{account[0]}-")
    sent: list[dict[str, Any]] = []

    def watch(session: Any) -> None:
        session.events.register(
            "provide-client-params.sts.AssumeRole", lambda params, **_: sent.append(params)
        )

    report = metascan.scan_aws(
        regions=["us-east-1"],
        endpoint_url=moto.endpoint,
        role_arns=["arn:aws:iam::111111111111:role/audit", "arn:aws:iam::222222222222:role/audit"],
        external_id="ext-42",
        on_session=watch,
    )
    accounts = {f.resource.account for f in report.findings if f.match == LT_PASSWORD}
    assert accounts == {"111111111111", "222222222222"}
    assert {f.location.source for f in report.findings} == {
        "aws:111111111111:us-east-1",
        "aws:222222222222:us-east-1",
    }
    assert sorted((e.account, e.operation) for e in report.errors) == [
        ("111111111111", NOTIFICATIONS),
        ("222222222222", NOTIFICATIONS),
    ]
    assert {(p["RoleArn"].split(":")[4], p["ExternalId"], p["RoleSessionName"]) for p in sent} == {
        ("111111111111", "ext-42", "metascan"),
        ("222222222222", "ext-42", "metascan"),
    }


def test_org_scans_every_active_account(moto: Moto) -> None:
    """--org with moto's Organizations: the management account (with the caller's own credentials) and every
    ACTIVE member account (through --role-name); a closed account is left out."""
    org = moto.client("organizations")
    org.create_organization(FeatureSet="ALL")
    member, empty, closed = (
        org.create_account(Email=f"{n}@acme-corp.io", AccountName=n)["CreateAccountStatus"]["AccountId"]
        for n in ("member", "empty", "closed")
    )
    org.close_account(AccountId=closed)
    seed(moto, "us-east-1")
    seed(moto, "us-east-1", moto.account_session(member), prefix="m-")
    seed(moto, "us-east-1", moto.account_session(closed), prefix="c-")
    code, report, _ = run_cli(
        "--endpoint-url",
        moto.endpoint,
        "--region",
        "us-east-1",
        "--org",
        "--role-name",
        "OrganizationAccountAccessRole",
    )
    assert code == 2
    assert {e["account"] for e in report["errors"]} == {MOTO_ACCOUNT, member, empty}
    assert {e["operation"] for e in report["errors"]} == {NOTIFICATIONS}
    assert {a for m, a, _ in matches(report) if m == LT_PASSWORD} == {MOTO_ACCOUNT, member}


def test_all_regions_scans_enabled_regions_only(moto: Moto) -> None:
    """--all-regions: every region DescribeRegions reports as enabled.  moto also lists not-opted-in regions
    (even with AllRegions=False): those are not scanned."""
    seed(moto, "eu-west-1")
    seed(moto, "us-west-2", prefix="w-")
    regions = moto.client("ec2").describe_regions()["Regions"]
    enabled = {r["RegionName"] for r in regions if r["OptInStatus"] != "not-opted-in"}
    assert len(enabled) < len(regions)  # the filter is exercised
    progress: list[RegionProgress] = []
    report = metascan.scan_aws(
        all_regions=True, endpoint_url=moto.endpoint, on_progress=progress.append, max_workers=16
    )
    assert {p.region for p in progress} == enabled
    assert {p.region for p in progress if p.done} == enabled
    assert {(e.region, e.operation) for e in report.errors} == {(r, NOTIFICATIONS) for r in enabled}
    assert {f.resource.region for f in report.findings if f.match == LT_PASSWORD} == {
        "eu-west-1",
        "us-west-2",
    }


def test_all_regions_cannot_be_combined_with_region() -> None:
    result = CliRunner().invoke(cli, ["aws", "--all-regions", "--region", "us-east-1"])
    assert result.exit_code == 2
    assert "--all-regions cannot be combined with --region" in result.stderr


def test_org_needs_a_role_name() -> None:
    result = CliRunner().invoke(cli, ["aws", "--org", "--region", "us-east-1"])
    assert result.exit_code == 2
    assert "--org needs --role-name" in result.stderr


def test_no_region_and_no_credentials_stop_before_any_call(
    aws_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigError, match="no AWS region"):
        metascan.scan_aws()
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(ConfigError, match="no AWS credentials"):
        metascan.scan_aws(regions=["us-east-1"])
    with pytest.raises(ConfigError, match="not an IAM role ARN"):
        metascan.scan_aws(regions=["us-east-1"], role_arns=["arn:aws:sns:us-east-1:123456789012:topic"])


def test_a_region_that_cannot_be_read_does_not_stop_the_others(moto: Moto) -> None:
    """A region the endpoint does not serve (moto answers an unknown region with an HTML 500) is named as not
    scanned; the other region is complete; exit code 2."""
    seed(moto, "us-east-1")
    code, report, _ = run_cli(
        "--endpoint-url", moto.endpoint, "--region", "us-east-1", "--region", "xx-nowhere-1"
    )
    assert code == 2
    bad = [e for e in report["errors"] if e["region"] == "xx-nowhere-1"]
    assert len(bad) == 1
    assert "region not scanned" in bad[0]["message"] and bad[0]["account"] == MOTO_ACCOUNT
    assert (LT_PASSWORD, MOTO_ACCOUNT, "us-east-1") in matches(report)
    assert [e["operation"] for e in report["errors"] if e["region"] == "us-east-1"] == [NOTIFICATIONS]


class _DenyingSts(BaseHTTPRequestHandler):
    """An STS endpoint on 127.0.0.1 that refuses AssumeRole into account 999999999999 and passes every other
    request on to moto unchanged."""

    moto_endpoint = ""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        form = parse_qs(body.decode())
        if form.get("Action") == ["AssumeRole"] and ":999999999999:" in form.get("RoleArn", [""])[0]:
            self._reply(
                403,
                b"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized"
                b" to perform sts:AssumeRole</Message></Error><RequestId>1</RequestId></ErrorResponse>",
            )
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
        with urlopen(Request(self.moto_endpoint + self.path, data=body, headers=headers)) as r:  # 127.0.0.1
            self._reply(r.status, r.read())

    def _reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def denying_sts(moto: Moto) -> Iterator[str]:
    handler = type("Handler", (_DenyingSts,), {"moto_endpoint": moto.endpoint})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_role_that_cannot_be_assumed_does_not_stop_the_others(
    moto: Moto, denying_sts: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AccessDenied on AssumeRole for one account: that account is named as not scanned, the other account
    is complete, exit code 2.  Endpoints come from AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_STS."""
    seed(moto, "us-east-1", moto.account_session("111111111111"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto.endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", denying_sts)
    code, report, _ = run_cli(
        "--region",
        "us-east-1",
        "--role-arn",
        "arn:aws:iam::999999999999:role/audit",
        "--role-arn",
        "arn:aws:iam::111111111111:role/audit",
    )
    assert code == 2
    denied = [e for e in report["errors"] if e["operation"] == "sts:AssumeRole"]
    assert len(denied) == 1
    assert denied[0]["account"] == "999999999999" and denied[0]["region"] is None
    assert "account not scanned" in denied[0]["message"] and "AccessDenied" in denied[0]["message"]
    assert (LT_PASSWORD, "111111111111", "us-east-1") in matches(report)
    assert [(e["account"], e["operation"]) for e in report["errors"] if e not in denied] == [
        ("111111111111", NOTIFICATIONS)
    ]


_THROTTLED = {
    "before-send.auto-scaling.DescribeScheduledActions": (
        400,
        b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"
        b"</Error><RequestId>1</RequestId></ErrorResponse>",
    ),
    "before-send.ec2.DescribeLaunchTemplates": (
        503,
        b"<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded."
        b"</Message></Error></Errors><RequestID>1</RequestID></Response>",
    ),
    "before-send.sns.ListSubscriptions": (
        429,
        b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttled</Code><Message>Rate exceeded</Message>"
        b"</Error><RequestId>1</RequestId></ErrorResponse>",
    ),
}


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


@pytest.mark.parametrize("mode", ["standard", "adaptive"])
def test_throttling_slows_the_scan_down_instead_of_failing_it(moto: Moto, mode: str) -> None:
    """The first request of three operations is answered with each service's throttling error (Auto
    Scaling Throttling, EC2 RequestLimitExceeded, SNS Throttled) before it reaches moto: botocore retries
    them, and the report has no error but moto's missing notification configurations."""
    seed(moto, "us-east-1")
    throttled: list[str] = []

    def throttle_once(session: Any) -> None:
        for event, (status, body) in _THROTTLED.items():

            def send(request: Any, event_name: str, _s: int = status, _b: bytes = body, **_: Any) -> Any:
                if event_name in throttled:
                    return None
                throttled.append(event_name)
                return AWSResponse(request.url, _s, {"Content-Type": "text/xml"}, _Raw(_b))

            session.events.register(event, send)

    report = metascan.scan_aws(
        regions=["us-east-1"],
        endpoint_url=moto.endpoint,
        all_subscriptions=True,
        retry_mode=mode,
        on_session=throttle_once,
    )
    assert sorted(throttled) == sorted(_THROTTLED)
    assert [e.operation for e in report.errors] == [NOTIFICATIONS]
    assert {LT_PASSWORD, TOPIC_EMAIL} <= {f.match for f in report.findings}


def _export(moto: Moto, region: str, folder: Path) -> None:
    """Save what the AWS CLI would save for the calls `metascan aws --all-versions --all-subscriptions` makes,
    page by page, with boto3's paginators (written independently of metascan's reader)."""
    asg, ec2, sns = (moto.client(s, region) for s in ("autoscaling", "ec2", "sns"))
    groups = list(asg.get_paginator("describe_auto_scaling_groups").paginate())
    page_files(iter(groups), folder, "groups")
    for g in (g for p in groups for g in p["AutoScalingGroups"]):
        name = g["AutoScalingGroupName"]
        page_files(iter([asg.describe_lifecycle_hooks(AutoScalingGroupName=name)]), folder, f"hooks-{name}")
    page_files(asg.get_paginator("describe_launch_configurations").paginate(), folder, "lcs")
    page_files(asg.get_paginator("describe_scheduled_actions").paginate(), folder, "actions")
    templates = list(
        ec2.get_paginator("describe_launch_templates").paginate(PaginationConfig={"PageSize": 200})
    )
    page_files(iter(templates), folder, "templates")
    for t in (t for p in templates for t in p["LaunchTemplates"]):
        lt = t["LaunchTemplateId"]
        pages = ec2.get_paginator("describe_launch_template_versions").paginate(
            LaunchTemplateId=lt, PaginationConfig={"PageSize": 200}
        )
        page_files(pages, folder, f"versions-{lt}")
    subscriptions = list(sns.get_paginator("list_subscriptions").paginate())
    page_files(iter(subscriptions), folder, "subscriptions")
    topics = sorted({s["TopicArn"] for p in subscriptions for s in p["Subscriptions"]})
    for i, s in enumerate(s for p in subscriptions for s in p["Subscriptions"] if s["Protocol"] == "https"):
        attrs = sns.get_subscription_attributes(SubscriptionArn=s["SubscriptionArn"])
        page_files(iter([attrs]), folder, f"subscription-{i}")
    for i, topic in enumerate(topics):
        page_files(iter([sns.get_topic_attributes(TopicArn=topic)]), folder, f"topic-{i}")


def test_parity_with_exported_files(moto: Moto, tmp_path: Path) -> None:
    """The same resources exported to files and scanned with `metascan scan` give the same findings (rule,
    resource type and id, field, match, fingerprint) as `metascan aws`."""
    regions = ("us-east-1", "eu-west-1")
    for region in regions:
        seed(moto, region, prefix=region[:2])
    from_files = Findings()
    for region in regions:
        _export(moto, region, tmp_path / region)
        args = ["scan", str(tmp_path / region), "--region", region, "--account", MOTO_ACCOUNT]
        result = CliRunner().invoke(cli, [*args, "--format", "json", "--show-secrets"])
        assert result.exit_code == 1, result.output
        from_files.rows |= Findings.of(json.loads(result.stdout)).rows
    code, live, _ = run_cli(
        "--endpoint-url", moto.endpoint, "--region", regions[0], "--region", regions[1], "--all-versions"
    )
    code_subs, live_subs, _ = run_cli(
        "--endpoint-url",
        moto.endpoint,
        "--region",
        regions[0],
        "--region",
        regions[1],
        "--all-versions",
        "--all-subscriptions",
    )
    assert code == code_subs == 2
    planted = {LT_PASSWORD, OLD_PASSWORD, PINNED_TOKEN, LC_PASSWORD, OWNER_EMAIL, TOPIC_EMAIL, "Zq8vL2mXr4Tw"}
    assert sorted(row[4] for row in from_files.rows if row[4]) == sorted(2 * list(planted))  # once per region
    # Structural findings (no match): the group on a launch configuration, in each region.
    assert sorted(row[:3] for row in from_files.rows if not row[4]) == sorted(
        ("asg-launch-configuration", "AutoScalingGroup", f"{region[:2]}legacy-asg") for region in regions
    )
    assert Findings.of(live_subs).rows == from_files.rows
    assert (
        Findings.of(live).rows < from_files.rows
    )  # without --all-subscriptions moto offers no topic to follow


def test_progress_display_only_on_a_terminal(moto: Moto, tmp_path: Path) -> None:
    """With stderr a terminal (a pseudo-terminal here) the progress display is drawn there; with --quiet,
    nothing is written to stderr."""
    seed(moto, "us-east-1")
    env = {**os.environ, "AWS_ENDPOINT_URL": moto.endpoint, "COLUMNS": "120", "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    for quiet in (False, True):
        controller, terminal = pty.openpty()
        captured: list[bytes] = []

        def drain(fd: int = controller, into: list[bytes] = captured) -> None:
            while True:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                into.append(chunk)

        reader = threading.Thread(target=drain, daemon=True)
        reader.start()
        args = [
            sys.executable,
            "-m",
            "metascan",
            "aws",
            "--region",
            "us-east-1",
            "-o",
            str(tmp_path / "r.txt"),
        ]
        done = subprocess.run([*args, *(["--quiet"] if quiet else [])], stderr=terminal, env=env, check=False)
        os.close(terminal)
        reader.join()
        os.close(controller)
        text = b"".join(captured).decode(errors="replace")
        assert done.returncode == 2
        if quiet:
            assert text == ""
        else:
            assert "us-east-1" in text and MOTO_ACCOUNT in text and "groups" in text
