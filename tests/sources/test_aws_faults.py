"""Faults in live scans: a fault-injecting proxy on 127.0.0.1 in front of the moto server.

Every third request the proxy answers itself, in turn: the service's throttling error (Auto Scaling
`Throttling`, EC2 `RequestLimitExceeded`, SNS `Throttling`), an HTTP 500, or a dropped connection (the socket
is closed without a response).  botocore's retries must absorb them all: the scan through the proxy reports
exactly what the scan without faults reports.
"""

from __future__ import annotations

import http.client
import itertools
import re
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
from aws_helpers import Moto, seed

import metascan

pytest_plugins = ["conftest_aws"]
pytestmark = pytest.mark.live

_SERVICE = re.compile(r"Credential=[^/]+/\d+/[^/]+/([^/]+)/aws4_request")
_QUERY_ERROR = (
    "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>Rate exceeded</Message></Error>"
    "<RequestId>fault</RequestId></ErrorResponse>"
)
_EC2_ERROR = (
    "<Response><Errors><Error><Code>{code}</Code><Message>Request limit exceeded.</Message></Error></Errors>"
    "<RequestID>fault</RequestID></Response>"
)


class FaultProxy:
    """Forwards to `upstream`; every `every`-th request gets the next fault of a fixed rotation."""

    FAULTS = ("throttle", "http500", "drop")

    def __init__(self, upstream: str, every: int = 3) -> None:
        self.upstream = urlsplit(upstream)
        self.every = every
        self.count = itertools.count(1)
        self.rotation = itertools.cycle(self.FAULTS)
        self.lock = threading.Lock()
        self.injected: Counter[str] = Counter()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with proxy.lock:
                    fault = next(proxy.rotation) if next(proxy.count) % proxy.every == 0 else None
                    if fault:
                        proxy.injected[fault] += 1
                if fault == "drop":
                    self.close_connection = True
                    self.connection.close()
                    return
                if fault is not None:
                    self._fault(fault)
                    return
                self._forward(body)

            do_GET = do_POST

            def _fault(self, fault: str) -> None:
                found = _SERVICE.search(self.headers.get("Authorization", ""))
                service = found.group(1) if found else ""
                if fault == "http500":
                    status, payload = 500, _QUERY_ERROR.format(code="InternalFailure")
                elif service == "ec2":
                    status, payload = 503, _EC2_ERROR.format(code="RequestLimitExceeded")
                else:
                    status, payload = 400, _QUERY_ERROR.format(code="Throttling")
                data = payload.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

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

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def faulty(moto: Moto) -> Iterator[FaultProxy]:
    with FaultProxy(moto.endpoint) as proxy:
        yield proxy


def _summary(report: metascan.Report) -> tuple[set[tuple[str, str, str, str | None]], list[str | None]]:
    findings = {(f.rule, f.resource.id, f.location.field, f.match) for f in report.findings}
    return findings, sorted(e.operation or "" for e in report.errors)


@pytest.mark.parametrize("mode", ["standard", "adaptive"])
def test_a_scan_through_faults_reports_what_a_scan_without_them_does(
    moto: Moto, faulty: FaultProxy, mode: str
) -> None:
    seed(moto, "us-east-1")
    seed(moto, "eu-west-1")
    options: dict[str, Any] = {
        "regions": ["us-east-1", "eu-west-1"],
        "all_subscriptions": True,
        "retry_mode": mode,
    }
    clean = metascan.scan_aws(endpoint_url=moto.endpoint, **options)
    through = metascan.scan_aws(endpoint_url=faulty.endpoint, max_attempts=10, **options)
    assert _summary(through) == _summary(clean)
    assert set(faulty.injected) == set(FaultProxy.FAULTS)
    assert sum(faulty.injected.values()) >= 10
    assert len(clean.findings) > 0
    # moto lacks notification configurations: that error is expected, in both runs, and nothing else.
    assert {e.operation for e in clean.errors} == {"autoscaling:DescribeNotificationConfigurations"}
