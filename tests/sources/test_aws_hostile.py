"""A hostile endpoint on 127.0.0.1 (issue 17, points 11 and 14): nothing hangs, nothing grows without bound,
and the good region's findings are reported.

A proxy in front of the moto server forwards every request, except that Auto Scaling's
DescribeAutoScalingGroups in eu-west-1 gets a hostile answer: an endless chunked body, a body that trickles, a
NextToken that cycles or is new on every page, a malformed value, or no answer at all.  us-east-1 is seeded
and must be reported in full; eu-west-1 must end in an error naming the account, region and operation.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import re
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aws_helpers import LT_PASSWORD, Moto, seed

import metascan
from metascan.sources import aws_calls, aws_region

pytest_plugins = ["conftest_aws"]
pytestmark = pytest.mark.live

_REGION = re.compile(r"Credential=[^/]+/\d+/([^/]+)/([^/]+)/aws4_request")
HOSTILE_REGION = "eu-west-1"
OPERATION = "autoscaling:DescribeAutoScalingGroups"
_NS = "http://autoscaling.amazonaws.com/doc/2011-01-01/"


def _groups_page(token: str | None, member: str = "") -> bytes:
    next_token = f"<NextToken>{token}</NextToken>" if token else ""
    return (
        f'<DescribeAutoScalingGroupsResponse xmlns="{_NS}"><DescribeAutoScalingGroupsResult>'
        f"<AutoScalingGroups>{member}</AutoScalingGroups>{next_token}</DescribeAutoScalingGroupsResult>"
        "<ResponseMetadata><RequestId>hostile</RequestId></ResponseMetadata></DescribeAutoScalingGroupsResponse>"
    ).encode()


class HostileProxy:
    def __init__(self, upstream: str, mode: str) -> None:
        self.upstream = urlsplit(upstream)
        self.mode = mode
        self.sent = 0  # bytes of hostile bodies written
        self.pages = itertools.count()
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                found = _REGION.search(self.headers.get("Authorization", ""))
                action = parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
                if found and found.group(1) == HOSTILE_REGION and action == "DescribeAutoScalingGroups":
                    try:
                        self._hostile()
                    except OSError:  # the client gave up: what we want
                        self.close_connection = True
                    return
                self._forward(body)

            do_GET = do_POST

            def _start(self, chunked: bool = True, length: int | None = None) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/xml")
                if chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                else:
                    self.send_header("Content-Length", str(length))
                self.end_headers()

            def _chunk(self, data: bytes) -> None:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()
                with proxy.lock:
                    proxy.sent += len(data)

            def _page(self, data: bytes) -> None:
                self._start(chunked=False, length=len(data))
                self.wfile.write(data)

            def _hostile(self) -> None:
                n = next(proxy.pages)
                if proxy.mode == "endless":
                    self._start()
                    self._chunk(b"<DescribeAutoScalingGroupsResponse>")
                    block = b" " * 65536
                    while True:
                        self._chunk(block)
                elif proxy.mode == "trickle":
                    self._start()
                    while True:
                        self._chunk(b" ")
                        time.sleep(0.2)
                elif proxy.mode == "silent":
                    time.sleep(3600)
                elif proxy.mode == "cycle":
                    self._page(_groups_page("tok-A" if n % 2 == 0 else "tok-B"))
                elif proxy.mode == "invent":
                    self._page(_groups_page(f"tok-{n}"))
                elif proxy.mode == "malformed":
                    member = "<member><AutoScalingGroupName>g</AutoScalingGroupName>"
                    member += "<MinSize>zero</MinSize></member>"
                    self._page(_groups_page(None, member))
                elif proxy.mode == "bad-time":
                    member = "<member><AutoScalingGroupName>g</AutoScalingGroupName>"
                    member += "<CreatedTime>the 31st of Smarch</CreatedTime></member>"
                    self._page(_groups_page(None, member))

            def _forward(self, body: bytes) -> None:
                conn = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                conn.close()
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in (
                        "transfer-encoding",
                        "connection",
                        "content-length",
                        "server",
                        "date",
                    ):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> HostileProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def seeded(moto: Moto) -> Moto:
    seed(moto, "us-east-1")
    seed(moto, HOSTILE_REGION)
    return moto


def hostile(moto: Moto, mode: str) -> HostileProxy:
    return HostileProxy(moto.endpoint, mode)


def _check(report: metascan.Report, message: str) -> None:
    good = {f.match for f in report.findings if f.resource.region == "us-east-1"}
    assert LT_PASSWORD in good  # the good region is reported in full
    bad = [e for e in report.errors if e.region == HOSTILE_REGION and e.operation == OPERATION]
    assert len(bad) == 1, report.errors
    assert bad[0].account and bad[0].account in bad[0].message and HOSTILE_REGION in bad[0].message
    assert message in bad[0].message, bad[0].message


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("endless", "response body larger than 67108864 bytes"),
        ("cycle", "a NextToken it had sent before"),
        ("invent", "more than 40 pages"),
        ("malformed", "malformed response"),
        ("bad-time", "malformed response"),
    ],
)
def test_a_hostile_region_is_an_error_and_the_good_region_is_reported(
    seeded: Moto, monkeypatch: pytest.MonkeyPatch, mode: str, message: str
) -> None:
    monkeypatch.setattr(aws_region, "MAX_PAGES", 40, raising=False)
    with hostile(seeded, mode) as proxy:
        report = metascan.scan_aws(
            endpoint_url=proxy.endpoint, regions=["us-east-1", HOSTILE_REGION], max_attempts=2, timeout=600
        )
    _check(report, message)
    text = json.dumps(report.to_dict())
    assert "zero" not in text and "Smarch" not in text  # the parser's message quoted the value
    if mode == "endless":
        assert proxy.sent < 4 * aws_calls.MAX_RESPONSE_BYTES  # read and dropped, not 4 GiB
    if mode in ("cycle", "invent"):
        assert next(proxy.pages) <= 41


def test_a_trickling_body_ends_the_call(seeded: Moto, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aws_calls, "CALL_SECONDS", 2.0, raising=False)
    with hostile(seeded, "trickle") as proxy:
        start = time.monotonic()
        report = metascan.scan_aws(
            endpoint_url=proxy.endpoint, regions=["us-east-1", HOSTILE_REGION], max_attempts=3, timeout=600
        )
    _check(report, "response body not complete after 2 s")
    assert time.monotonic() - start < 120


def test_the_command_meets_its_deadline_and_reports_the_good_region(seeded: Moto, tmp_path: Any) -> None:
    """An endpoint that never answers: `--timeout` ends the run, the region still being read is an error
    naming account, region and operation, and the process exits (its stuck thread does not hold it)."""
    out = tmp_path / "r.json"
    with hostile(seeded, "silent") as proxy:
        start = time.monotonic()
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "metascan",
                "aws",
                "--endpoint-url",
                proxy.endpoint,
                "--region",
                "us-east-1",
                "--region",
                HOSTILE_REGION,
                "--timeout",
                "40",
                "--format",
                "json",
                "--output",
                str(out),
                "-q",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            env=os.environ,
        )
        elapsed = time.monotonic() - start
    assert proc.returncode == 2, proc.stderr
    assert elapsed < 120
    doc = json.loads(out.read_text())
    bad = [e for e in doc["errors"] if e["region"] == HOSTILE_REGION]
    assert len(bad) == 1 and bad[0]["operation"] == OPERATION, doc["errors"]
    assert "not finished within --timeout 40 s" in bad[0]["message"] and bad[0]["account"]
    assert any(f["resource"]["region"] == "us-east-1" for f in doc["findings"])
