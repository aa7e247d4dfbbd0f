"""boto3 plumbing for live scans: shared clients, the retry configuration, and failed calls as `ScanError`s.

Nothing here runs at import time: sessions and clients are always arguments or built on request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import (  # type: ignore[import-untyped]
    BotoCoreError,
    ClientError,
    HTTPClientError,
    PaginationError,
    ReadTimeoutError,
)
from botocore.parsers import ResponseParserError  # type: ignore[import-untyped]
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import ReadTimeoutError as Urllib3ReadTimeout

from ..model import ScanError
from ..version import __version__

# Every operation a live scan can send, as IAM actions.  The shipped IAM policy must cover all of them and a
# test fails when the scanner sends anything not listed here.
READ_OPERATIONS = frozenset(
    {
        "autoscaling:DescribeAutoScalingGroups",
        "autoscaling:DescribeLaunchConfigurations",
        "autoscaling:DescribeLifecycleHooks",
        "autoscaling:DescribeNotificationConfigurations",
        "autoscaling:DescribeScheduledActions",
        "ec2:DescribeLaunchTemplates",
        "ec2:DescribeLaunchTemplateVersions",
        "ec2:DescribeRegions",
        "ec2:GetEbsEncryptionByDefault",
        "ec2:GetEbsDefaultKmsKeyId",
        "sns:GetTopicAttributes",
        "sns:ListSubscriptionsByTopic",
        "sns:GetSubscriptionAttributes",
        "sns:ListSubscriptions",
        "organizations:ListAccounts",
        "sts:GetCallerIdentity",
        "sts:AssumeRole",
    }
)

# What a failed call can raise.  moto (and any endpoint lacking the operation) answers with an HTML page,
# which botocore reports as ResponseParserError: neither a ClientError nor a BotoCoreError.
# A malformed value in a response (`<MinSize>zero</MinSize>`, a bad timestamp) makes botocore's parser raise
# ValueError (or TypeError): an error of that call, like any other (issue 17, point 14).
API_ERRORS: tuple[type[Exception], ...] = (
    ClientError,
    BotoCoreError,
    ResponseParserError,
    ValueError,
    TypeError,
)

# Error codes meaning "these credentials cannot use this region at all", as opposed to a missing permission
# for one operation.
REGION_ERROR_CODES = frozenset(
    {
        "AuthFailure",
        "OptInRequired",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidToken",
    }
)

# Bounds on one HTTP response (issue 17, point 11): an endpoint that answers endlessly or trickles its body
# ends the call with an error instead of filling memory or holding the scan.  The largest real pages (200
# launch template versions with 16 KB of user data each) are a few MB.
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
CALL_SECONDS = 120.0  # reading one response body, after its headers
_CHUNK = 64 * 1024


class ResponseTooLarge(BotoCoreError):  # type: ignore[misc]
    """The response body went past MAX_RESPONSE_BYTES (never retried)."""

    fmt = "response body larger than {limit} bytes: not read further"


class ResponseTooSlow(BotoCoreError):  # type: ignore[misc]
    """Reading the response body took longer than CALL_SECONDS (never retried)."""

    fmt = "response body not complete after {seconds:g} s: not read further"


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds of each call's response; the defaults are the module's constants."""

    max_bytes: int = MAX_RESPONSE_BYTES
    seconds: float = CALL_SECONDS


def bound_responses(client: Any, limits: Limits) -> None:
    """Make every call of `client` read its response body within `limits`.

    botocore reads a whole body into memory with no bound and only a per-read timeout, so an endless or
    trickling body never ends.  A `before-send` handler (botocore's documented hook for answering a request
    itself) sends the request through the client's own HTTP session without reading the body, then reads
    it in chunks, counting bytes and time.  The client's HTTP session is a private attribute of botocore.
    """
    session = client._endpoint.http_session

    def send(request: Any, **_: Any) -> Any:
        streamed = request.stream_output
        request.stream_output = True  # the session returns after the headers
        response = session.send(request)
        if streamed:
            return response
        start = time.monotonic()
        chunks: list[bytes] = []
        size = 0
        try:
            # read1: at most one read of the socket per chunk, so a trickle is noticed between reads
            while chunk := response.raw.read1(_CHUNK):
                size += len(chunk)
                if size > limits.max_bytes:
                    raise ResponseTooLarge(limit=limits.max_bytes)
                if time.monotonic() - start > limits.seconds:
                    raise ResponseTooSlow(seconds=limits.seconds)
                chunks.append(chunk)
        except BaseException as e:
            response.raw.close()  # never reuse the connection of a body left unread
            if isinstance(e, Urllib3ReadTimeout):  # as botocore reports them when it reads the body
                raise ReadTimeoutError(endpoint_url=request.url, error=e) from e
            if isinstance(e, Urllib3Error):
                raise HTTPClientError(error=e) from e
            raise
        response._content = b"".join(chunks)
        return response

    client.meta.events.register("before-send", send)


Session = Any  # boto3.Session: botocore ships no type information
Client = Any  # a botocore client
SessionHook = Callable[[Session], None]


def retry_config(mode: str, max_attempts: int) -> Config:
    """Client configuration: botocore's standard or adaptive retries, so throttling slows a scan down."""
    return Config(
        retries={"mode": mode, "total_max_attempts": max_attempts},
        max_pool_connections=16,
        connect_timeout=10,
        read_timeout=60,
        user_agent_extra=f"metascan/{__version__}",
    )


class Clients:
    """The clients of one boto3 Session, created once per (service, region) and shared between threads.

    A boto3 Session is not thread-safe, its clients are: creation happens under a lock, use does not.
    """

    def __init__(
        self,
        session: Session,
        config: Config,
        endpoint_url: str | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.session = session
        self._config = config
        self._endpoint_url = endpoint_url
        self._limits = limits or Limits(MAX_RESPONSE_BYTES, CALL_SECONDS)
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], Client] = {}

    def __call__(self, service: str, region: str) -> Client:
        key = (service, region)
        with self._lock:
            client = self._cache.get(key)
            if client is None:
                client = self.session.client(
                    service, region_name=region, endpoint_url=self._endpoint_url, config=self._config
                )
                bound_responses(client, self._limits)
                self._cache[key] = client
            return client

    def derived(self, session: Session) -> Clients:
        """A client cache for another session (an assumed role) with the same configuration."""
        return Clients(session, self._config, self._endpoint_url, self._limits)


@dataclass(frozen=True, slots=True)
class Where:
    """The account and region being read; `source` is the label of everything read there."""

    account: str | None
    region: str | None = None

    @property
    def source(self) -> str:
        parts = ["aws", self.account or "unknown-account"]
        if self.region:
            parts.append(self.region)
        return ":".join(parts)


def error_code(exc: BaseException) -> str | None:
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None


def describe(exc: BaseException) -> str:
    """One line saying why a call failed, without the raw body of an unparseable response."""
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code = err.get("Code") or "ClientError"
        message = str(err.get("Message") or "").strip()
        return f"{code}: {message}" if message else str(code)
    if isinstance(exc, PaginationError):  # botocore's message quotes the token, which the endpoint chose
        return "PaginationError: the endpoint sent the same NextToken twice"
    if isinstance(exc, ResponseParserError):
        first = str(exc).split("\n", 1)[0].split(", invalid XML received", 1)[0]
        return f"unreadable response, the endpoint may not support this operation ({first[:160]})"
    if isinstance(exc, ValueError | TypeError):  # the parser's message quotes the value: never show it
        return f"malformed response: a value botocore could not parse ({type(exc).__name__})"
    return f"{type(exc).__name__}: {str(exc)[:300]}"


def is_region_error(exc: BaseException) -> bool:
    """Whether a failure says the whole region cannot be read (not enabled, unreachable, bad credentials)."""
    if isinstance(exc, ClientError):
        return error_code(exc) in REGION_ERROR_CODES
    return True


def call_error(where: Where, operation: str, exc: BaseException, prefix: str = "") -> ScanError:
    return ScanError(
        where.source,
        f"{where.source}: {prefix}{operation} failed: {describe(exc)}",
        where.account,
        where.region,
        operation,
    )
