"""Live AWS accounts -> events: accounts and regions read concurrently, pages scanned as they arrive.

A bounded thread pool runs one task per account (identify it, or assume a role in it), per account's region
list (`--all-regions`) and per account and region (`aws_region.read_region`).  Tasks hand pages to the
consuming thread through a bounded queue, so memory holds a few pages, never an account; only the consuming
thread touches the `Scanner`, feeding it the pages exactly as boto3 returned them.  Every failed call becomes
a `ScanError` naming account, region and operation, and the rest of the scan goes on.

A hostile or broken endpoint cannot hold the scan (issue 17, point 11): every call has connect and read
timeouts and a bound on its response's size and reading time (`aws_calls.bound_responses`), paginators stop
at a repeated NextToken or `MAX_PAGES`, and the run has an overall deadline (`AwsOptions.timeout`).  When it
passes, each task still running becomes an error naming its account, region and the operation in
progress, and the findings of everything already read are reported.  The worker threads are daemons, so a
thread stuck in a socket read cannot keep the process alive after the report is written.
"""

from __future__ import annotations

import itertools
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import boto3  # type: ignore[import-untyped]
from botocore.exceptions import ProfileNotFound  # type: ignore[import-untyped]

from ..aws.documents import Defaults
from ..errors import ConfigError
from ..model import ScanError, Skipped
from ..scanner import Event, Scanner
from . import aws_accounts as accounts
from .aws_calls import API_ERRORS, Clients, Session, SessionHook, Where, describe, retry_config

__all__ = ["AwsOptions", "LiveScan", "ProgressHook", "RegionProgress", "SessionHook", "live_events"]
from .aws_region import Counts, Page, ReadOptions, RegionClients, read_region

RETRY_MODES = ("standard", "adaptive")
DEFAULT_REGION = "us-east-1"  # where account-level calls go when no region is known (--all-regions only)


@dataclass(frozen=True, slots=True)
class AwsOptions:
    """What a live scan covers and how it talks to AWS (the `metascan aws` options)."""

    regions: tuple[str, ...] = ()
    all_regions: bool = False
    role_arns: tuple[str, ...] = ()
    org: bool = False
    role_name: str | None = None
    external_id: str | None = None
    all_versions: bool = True
    all_subscriptions: bool = False
    max_workers: int = 8
    endpoint_url: str | None = None
    retry_mode: str = "adaptive"
    max_attempts: int = 10
    timeout: float | None = None  # seconds for the whole run; None: no deadline
    # Scan only the accounts of this shard (see `aws_accounts.Shard`).
    shard: accounts.Shard | None = None
    # The accounts to scan (with `role_name`), instead of asking Organizations (`--accounts-from`).
    account_list: tuple[str, ...] | None = None

    @property
    def role_accounts(self) -> dict[str, str]:
        """Each --role-arn by the account it is in (the ARN itself when it names none)."""
        return {accounts.role_account(arn) or arn: arn for arn in self.role_arns}

    def validate(self) -> None:
        if self.all_regions and self.regions:
            raise ConfigError("--all-regions cannot be combined with --region")
        if self.org and self.account_list is not None:
            raise ConfigError("--accounts-from replaces --org's account listing: give one or the other")
        listed = self.org or self.account_list is not None
        if listed and not self.role_name:
            what = "--org" if self.org else "--accounts-from"
            raise ConfigError(f"{what} needs --role-name: the role to assume in each account")
        if self.role_name and not listed:
            raise ConfigError(
                "--role-name is only used with --org or --accounts-from (give --role-arn for single roles)"
            )
        if self.shard is not None and not (listed or self.role_arns):
            raise ConfigError("--shard splits the accounts of --org, --accounts-from or --role-arn")
        for arn in self.role_arns:
            if accounts.role_account(arn) is None:
                raise ConfigError(f"not an IAM role ARN: {arn!r}")
        if self.retry_mode not in RETRY_MODES:
            raise ConfigError(f"retry mode must be one of {', '.join(RETRY_MODES)}, not {self.retry_mode!r}")
        if self.max_workers < 1 or self.max_attempts < 1:
            raise ConfigError("max workers and max attempts must be at least 1")
        if self.timeout is not None and not self.timeout > 0:
            raise ConfigError("the timeout must be a positive number of seconds")


@dataclass(frozen=True, slots=True)
class RegionProgress:
    """How far the scan of one account and region is: for progress displays."""

    account: str
    region: str
    groups: int = 0
    templates: int = 0
    errors: int = 0
    done: bool = False


ProgressHook = Callable[[RegionProgress], None]


# --- messages from tasks to the consuming thread ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Pages:
    where: Where
    page: Page


@dataclass(frozen=True, slots=True)
class _Account:
    account: str
    clients: Clients


@dataclass(frozen=True, slots=True)
class _Regions:
    account: str
    clients: Clients
    regions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Role:
    account: str
    role_arn: str


@dataclass(frozen=True, slots=True)
class _Done:
    task: int


@dataclass(frozen=True, slots=True)
class _Crash:
    error: BaseException


_Message = _Pages | _Account | _Regions | _Role | ScanError | Skipped | RegionProgress | _Done | _Crash
_Put = Callable[[_Message], None]


class _Cancelled(Exception):
    """The consumer stopped; tasks unwind."""


class _DaemonPool:
    """A fixed set of daemon threads running tasks in order of submission.

    Unlike ThreadPoolExecutor, whose threads the interpreter joins at exit, a thread stuck in a read of a
    hostile endpoint cannot keep the process alive once the report is written.
    """

    def __init__(self, workers: int, name: str) -> None:
        self._tasks: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True) for i in range(workers)
        ]
        for t in self._threads:
            t.start()

    def _work(self) -> None:
        while (task := self._tasks.get()) is not None:
            task()

    def submit(self, task: Callable[[], None]) -> None:
        self._tasks.put(task)

    def shutdown(self, wait: bool) -> None:
        """Drop the tasks not started; with `wait`, wait for the running ones."""
        while True:
            try:
                self._tasks.get_nowait()
            except queue.Empty:
                break
        for _ in self._threads:
            self._tasks.put(None)
        if wait:
            for t in self._threads:
                t.join()


class LiveScan:
    """One live scan, prepared (options checked, session and credentials found) and ready to run."""

    def __init__(
        self,
        options: AwsOptions,
        *,
        session: Session | None = None,
        profile: str | None = None,
        on_session: SessionHook | None = None,
        on_progress: ProgressHook | None = None,
    ) -> None:
        options.validate()
        if session is None:
            try:
                session = boto3.Session(profile_name=profile)
            except ProfileNotFound as e:
                raise ConfigError(f"AWS profile not found: {profile}") from e
        if on_session is not None:
            on_session(session)
        region = (
            options.regions[0] if options.regions else session.region_name or os.environ.get("AWS_REGION")
        )
        if region is None and not options.all_regions:
            raise ConfigError(
                "no AWS region: pass --region (or --all-regions), set AWS_REGION or AWS_DEFAULT_REGION,"
                " or give your profile a region"
            )
        try:
            credentials = session.get_credentials()
        except API_ERRORS as e:
            raise ConfigError(f"cannot load AWS credentials: {describe(e)}") from e
        if credentials is None:
            raise ConfigError(
                "no AWS credentials found: use --profile, AWS_PROFILE, environment variables, or any other"
                " source boto3 reads"
            )
        self.options = options
        self.home = region or DEFAULT_REGION
        given = options.regions or ((region,) if region and not options.all_regions else ())
        self.regions: tuple[str, ...] = tuple(dict.fromkeys(given))  # each region once, in the order given
        self.base = Clients(
            session, retry_config(options.retry_mode, options.max_attempts), options.endpoint_url
        )
        self.on_session = on_session
        self.on_progress = on_progress
        self.read_options = ReadOptions(options.all_versions, options.all_subscriptions)

    # --- the consuming side ------------------------------------------------------------------------------

    def events(self, scanner: Scanner) -> Iterator[Event]:
        """Run the scan; yield findings, skips and errors as pages arrive."""
        workers = self.options.max_workers
        timeout = self.options.timeout
        deadline = time.monotonic() + timeout if timeout is not None else None
        inbox: queue.Queue[_Message] = queue.Queue(maxsize=2 * workers)
        stop = threading.Event()
        pool = _DaemonPool(workers, "metascan-aws")
        ids = itertools.count()
        pending: dict[int, tuple[Where, str]] = {}  # task -> where it reads, and what it does first
        current: dict[Where, str] = {}  # region -> the operation in progress (written by its task)
        claimed: set[str] = set()  # accounts a task is already reaching (each account is scanned once)
        scheduled: set[str] = set()  # accounts whose regions are scheduled

        def submit(task: Callable[..., None], where: Where, first: str, *args: Any) -> None:
            task_id = next(ids)
            pending[task_id] = (where, first)
            pool.submit(partial(_run_task, task_id, partial(task, *args), inbox, stop))

        shard = self.options.shard

        def account(acct: str, clients: Clients) -> None:
            if acct in scheduled:  # (a shard's accounts are chosen before they are put: `_organization`)
                return
            claimed.add(acct)
            scheduled.add(acct)
            if self.options.all_regions:
                submit(self._region_list, Where(acct, self.home), "ec2:DescribeRegions", acct, clients)
            else:
                for region in self.regions:
                    submit(self._region, Where(acct, region), "not started", acct, clients, region, current)

        def role(acct: str, arn: str) -> None:
            if acct not in claimed:
                claimed.add(acct)
                submit(self._assume, Where(acct), "sts:AssumeRole", acct, arn)

        listing = self.options.org or self.options.account_list is not None
        role_accounts = self.options.role_accounts
        if shard is None:
            for acct, arn in role_accounts.items():
                role(acct, arn)
        elif not listing:  # the shard's share of the roles given; with a list, `_organization` splits both
            for acct in shard.take(role_accounts):
                role(acct, role_accounts[acct])
        if listing:
            submit(self._organization, Where(None), "organizations:ListAccounts")
        elif not self.options.role_arns:
            submit(self._identify, Where(None), "sts:GetCallerIdentity")
        try:
            while pending:
                left = None if deadline is None else deadline - time.monotonic()
                try:
                    if left is not None and left <= 0:  # also when messages keep coming
                        raise queue.Empty
                    msg = inbox.get(timeout=left)
                except queue.Empty:  # the deadline passed
                    for where, first in pending.values():
                        operation = current.get(where, first)
                        yield ScanError(
                            where.source,
                            f"{where.source}: not finished within --timeout {timeout:g} s"
                            f" ({operation} {'was next' if operation == 'not started' else 'in progress'})",
                            where.account,
                            where.region,
                            None if operation == "not started" else operation,
                        )
                    return
                if isinstance(msg, _Pages):
                    defaults = Defaults(msg.where.region, msg.where.account)
                    yield from scanner.scan_response(msg.where.source, msg.page.data, defaults)
                elif isinstance(msg, ScanError | Skipped):
                    yield msg
                elif isinstance(msg, RegionProgress):
                    if self.on_progress is not None:
                        self.on_progress(msg)
                elif isinstance(msg, _Account):
                    account(msg.account, msg.clients)
                elif isinstance(msg, _Role):
                    role(msg.account, msg.role_arn)
                elif isinstance(msg, _Regions):
                    for region in msg.regions:
                        where = Where(msg.account, region)
                        submit(self._region, where, "not started", msg.account, msg.clients, region, current)
                elif isinstance(msg, _Crash):
                    raise msg.error
                else:
                    pending.pop(msg.task, None)
        finally:
            stop.set()
            # A task still running (after the deadline, Ctrl-C or a crash) may be blocked in a call that
            # never returns: wait only when every task has finished.
            pool.shutdown(wait=not pending)

    # --- tasks (worker threads) --------------------------------------------------------------------------

    def _identify(self, put: _Put) -> None:
        try:
            identity = accounts.caller_identity(self.base, self.home)
        except API_ERRORS as e:
            put(_not_scanned(Where(None), "sts:GetCallerIdentity", e))
            return
        put(_Account(identity.account, self.base))

    def _organization(self, put: _Put) -> None:
        """The organisation's accounts (or those of --accounts-from): the caller's own with its own
        credentials, every other one through --role-name."""
        try:
            identity = accounts.caller_identity(self.base, self.home)
        except API_ERRORS as e:
            put(_not_scanned(Where(None), "sts:GetCallerIdentity", e))
            return
        partition = identity.partition
        role_name = self.options.role_name
        shard = self.options.shard

        def put_account(acct: str) -> None:
            if acct == identity.account:
                put(_Account(acct, self.base))  # the caller's own account: no role to assume
            else:
                put(_Role(acct, f"arn:{partition}:iam::{acct}:role/{role_name}"))

        listed = self.options.account_list
        if listed is None:
            org = [identity.account]
            if shard is None:
                put_account(identity.account)
            try:
                for acct in accounts.organization_accounts(self.base, self.home):
                    if shard is None:
                        put_account(acct)  # scanned as the pages arrive
                    else:
                        org.append(acct)
            except API_ERRORS as e:
                where = Where(identity.account)
                put(
                    ScanError(
                        where.source,
                        f"{where.source}: organization accounts not scanned:"
                        f" organizations:ListAccounts failed: {describe(e)}",
                        identity.account,
                        None,
                        "organizations:ListAccounts",
                    )
                )
                return  # sharded: a share of part of the list could overlap or miss other shards' shares
            if shard is None:
                return
            listed = tuple(org)
        if shard is None:
            for acct in listed:
                put_account(acct)
            return
        # The shard's share of the whole list (with the roles given): every shard splits the same list.
        given = self.options.role_accounts
        for acct in shard.take([*listed, *given]):
            if acct in given:
                put(_Role(acct, given[acct]))
            else:
                put_account(acct)

    def _assume(self, acct: str, role_arn: str, put: _Put) -> None:
        try:
            clients = accounts.assume_role(
                self.base, role_arn, self.home, self.options.external_id, self.on_session
            )
        except API_ERRORS as e:
            put(_not_scanned(Where(acct), "sts:AssumeRole", e, f" (role {role_arn})"))
            return
        put(_Account(acct, clients))

    def _region_list(self, acct: str, clients: Clients, put: _Put) -> None:
        try:
            regions = accounts.enabled_regions(clients, self.home)
        except API_ERRORS as e:
            put(_not_scanned(Where(acct, self.home), "ec2:DescribeRegions", e, "", "account not scanned"))
            return
        put(_Regions(acct, clients, tuple(regions)))

    def _region(self, acct: str, clients: Clients, region: str, current: dict[Where, str], put: _Put) -> None:
        where = Where(acct, region)
        progress = RegionProgress(acct, region)
        put(progress)
        try:
            region_clients = RegionClients(
                clients("autoscaling", region), clients("ec2", region), lambda r: clients("sns", r)
            )
        except API_ERRORS as e:
            put(_not_scanned(where, "client setup", e, "", "region not scanned"))
            put(RegionProgress(acct, region, errors=1, done=True))
            return
        for item in read_region(region_clients, where, self.read_options, current):
            if isinstance(item, Page):
                put(_Pages(where, item))
            elif isinstance(item, Counts):
                progress = RegionProgress(acct, region, item.groups, item.templates, progress.errors)
                put(progress)
            else:
                if isinstance(item, ScanError):
                    progress = RegionProgress(
                        acct, region, progress.groups, progress.templates, progress.errors + 1
                    )
                put(item)
        put(RegionProgress(acct, region, progress.groups, progress.templates, progress.errors, done=True))


def _not_scanned(
    where: Where, operation: str, exc: BaseException, detail: str = "", what: str = "account not scanned"
) -> ScanError:
    return ScanError(
        where.source,
        f"{where.source}: {what}: {operation}{detail} failed: {describe(exc)}",
        where.account,
        where.region,
        operation,
    )


def _run_task(
    task_id: int, task: Callable[[_Put], None], inbox: queue.Queue[_Message], stop: threading.Event
) -> None:
    def put(msg: _Message) -> None:
        while True:
            if stop.is_set():
                raise _Cancelled
            try:
                inbox.put(msg, timeout=0.2)
                return
            except queue.Full:
                continue

    try:
        task(put)
    except _Cancelled:
        return
    except BaseException as e:  # a bug, not an API failure: the consuming thread re-raises it
        try:
            put(_Crash(e))
        except _Cancelled:
            return
    try:
        put(_Done(task_id))
    except _Cancelled:
        return


def live_events(
    scanner: Scanner,
    options: AwsOptions,
    *,
    session: Session | None = None,
    profile: str | None = None,
    on_session: SessionHook | None = None,
    on_progress: ProgressHook | None = None,
) -> Iterator[Event]:
    """Prepare a live scan now (raising ConfigError for bad options, no region or no credentials); the
    returned iterator runs it."""
    scan = LiveScan(options, session=session, profile=profile, on_session=on_session, on_progress=on_progress)
    return scan.events(scanner)
