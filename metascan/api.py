"""The library entry points: `scan_files`, `scan_responses` and `scan_aws`, all returning a `Report`."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import chain
from typing import TYPE_CHECKING, Any

from .aws.userdata import Limits
from .detect.rules import Rule, load_rules, rules_digest
from .fingerprint import Fingerprinter, load_key
from .model import Finding, ScanError, Skipped
from .parallel import can_fork, parallel_file_events
from .report.report import Report, utcnow
from .scanner import Check, Event, Scanner, ScanOptions
from .sources import files as file_source

if TYPE_CHECKING:
    from .sources.aws import ProgressHook, SessionHook
    from .sources.aws_accounts import Shard

OnEvent = Callable[[Event], None]


def make_scanner(
    *,
    region: str | None = None,
    account: str | None = None,
    rules: Sequence[Rule] | None = None,
    fingerprint_key: bytes | None = None,
    fingerprint_key_file: str | os.PathLike[str] | None = None,
    limits: Limits | None = None,
    time_limit: float | None = None,
    field_time_limit: float | None = None,
    checks: Sequence[Check] | None = None,
    require_cmk: bool = False,
    report_own_account_id: bool = False,
) -> Scanner:
    """A scanner with the bundled rules (or `rules`) and the user's fingerprint key (or the one given).

    `checks` default to the structural checks of `metascan.posture`, with `require_cmk` (volumes must use
    customer managed KMS keys) passed on to them.  A resource's own account id in its names, tags or user
    data, and the id of an account the configuration names in an ARN, are reported only with
    `report_own_account_id` (other accounts' ids always are).
    """
    key = fingerprint_key if fingerprint_key is not None else load_key(fingerprint_key_file)
    options = ScanOptions(
        region=region,
        account=account,
        limits=limits or Limits(),
        time_limit=time_limit,
        field_time_limit=field_time_limit,
        report_own_account_id=report_own_account_id,
    )
    if checks is None:
        from .posture.ebs import default_checks

        checks = default_checks(require_cmk)
    return Scanner(rules if rules is not None else load_rules(), Fingerprinter(key), options, checks)


def collect(scanner: Scanner, events: Iterable[Event], on_event: OnEvent | None = None) -> Report:
    """Run a stream of events into a report (calling `on_event` for each as it arrives)."""
    report = Report(
        started_at=utcnow(),
        fingerprint_key_id=scanner.fingerprinter.key_id,
        rules_digest=rules_digest(scanner.engine.rules),
    )
    for event in events:
        if on_event is not None:
            on_event(event)
        if isinstance(event, Finding):
            report.findings.append(event)
        elif isinstance(event, Skipped):
            report.skipped.append(event)
        else:
            report.errors.append(event)
    report.resources = len(scanner.resources)
    report.fields = scanner.fields
    report.finished_at = utcnow()
    return report


def file_events(
    scanner: Scanner,
    paths: Iterable[str],
    max_file_bytes: int = file_source.DEFAULT_MAX_FILE_BYTES,
    jobs: int = 1,
    strict: bool = False,
    on_input: Callable[[str], None] | None = None,
) -> Iterator[Event]:
    """The events of scanning files and directories; `jobs` > 1 spreads the files over that many worker
    processes (`metascan.parallel`: the same events, in the same order).  `strict`: an input that is read
    but not recognised is an error.  A run that recognises no input at all ends with an error saying what
    the inputs looked like (`files.nothing_recognised`).  `on_input` is told each file as its reading
    starts (with `jobs`: as it is handed to a worker)."""
    if jobs > 1 and can_fork():
        yield from parallel_file_events(scanner, paths, jobs, max_file_bytes, strict, on_input)
        return
    tally = file_source.Tally()
    for path in file_source.expand(paths):
        if on_input is not None and not isinstance(path, ScanError | Skipped):
            on_input(path)
        if isinstance(path, ScanError | Skipped):
            tally.note(path)
            yield path
            continue
        for item in file_source.read(path, max_file_bytes, strict=strict):
            tally.note(item)
            if isinstance(item, file_source.Document):
                yield from scanner.scan_response(item.source, item.data, None, item.locate, item.per_source)
            else:
                yield item
    yield from tally.finish()
    yield from scanner.finish()


def scan_files(
    paths: Iterable[str | os.PathLike[str]],
    *,
    scanner: Scanner | None = None,
    on_event: OnEvent | None = None,
    max_file_bytes: int = file_source.DEFAULT_MAX_FILE_BYTES,
    jobs: int = 1,
    strict: bool = False,
    **options: Any,
) -> Report:
    """Scan files and directories (`-` reads standard input): saved AWS API responses (JSON or YAML, gzip
    too), CloudFormation templates and Terraform plans, state and `.tf` files, each recognised by content.

    `jobs` > 1 reads and scans files in that many worker processes (the same report).  `strict`: an input
    that is not recognised is an error, not a skip.  Other keyword options are those of `make_scanner`
    (region, account, rules, fingerprint_key, ...).
    """
    scanner = scanner or make_scanner(**options)
    events = file_events(scanner, [os.fspath(p) for p in paths], max_file_bytes, jobs, strict)
    return collect(scanner, events, on_event)


def scan_responses(
    responses: Iterable[tuple[str, Mapping[str, Any]]],
    *,
    scanner: Scanner | None = None,
    on_event: OnEvent | None = None,
    **options: Any,
) -> Report:
    """Scan API responses already held as dicts, each with a source label: `[(label, response), ...]`."""
    scanner = scanner or make_scanner(**options)

    def events() -> Iterator[Event]:
        for source, data in responses:
            yield from scanner.scan_response(source, data)
        yield from scanner.finish()

    return collect(scanner, events(), on_event)


def aws_events(
    scanner: Scanner,
    *,
    session: Any = None,
    profile: str | None = None,
    regions: Sequence[str] = (),
    all_regions: bool = False,
    role_arns: Sequence[str] = (),
    org: bool = False,
    role_name: str | None = None,
    external_id: str | None = None,
    all_versions: bool = True,
    all_subscriptions: bool = False,
    max_workers: int = 8,
    endpoint_url: str | None = None,
    retry_mode: str = "adaptive",
    max_attempts: int = 10,
    timeout: float | None = None,
    on_progress: ProgressHook | None = None,
    on_session: SessionHook | None = None,
    shard: Shard | tuple[int, int] | None = None,
    accounts: Sequence[str] | None = None,
) -> Iterator[Event]:
    """The events of a live scan, as pages arrive (see `scan_aws` for the options)."""
    from .sources.aws import AwsOptions, live_events

    aws_options = AwsOptions(
        regions=(regions,) if isinstance(regions, str) else tuple(regions),
        all_regions=all_regions,
        role_arns=(role_arns,) if isinstance(role_arns, str) else tuple(role_arns),
        org=org,
        role_name=role_name,
        external_id=external_id,
        all_versions=all_versions,
        all_subscriptions=all_subscriptions,
        max_workers=max_workers,
        endpoint_url=endpoint_url,
        retry_mode=retry_mode,
        max_attempts=max_attempts,
        timeout=timeout,
        shard=as_shard(shard),
        account_list=tuple(accounts) if accounts is not None else None,
    )
    events = live_events(
        scanner, aws_options, session=session, profile=profile, on_session=on_session, on_progress=on_progress
    )
    return chain(events, scanner.finish())  # what checks held, once every account and region is read


def scan_aws(
    *,
    session: Any = None,
    profile: str | None = None,
    regions: Sequence[str] = (),
    all_regions: bool = False,
    role_arns: Sequence[str] = (),
    org: bool = False,
    role_name: str | None = None,
    external_id: str | None = None,
    all_versions: bool = True,
    all_subscriptions: bool = False,
    max_workers: int = 8,
    endpoint_url: str | None = None,
    retry_mode: str = "adaptive",
    max_attempts: int = 10,
    timeout: float | None = None,
    scanner: Scanner | None = None,
    on_event: OnEvent | None = None,
    on_progress: ProgressHook | None = None,
    on_session: SessionHook | None = None,
    shard: Shard | tuple[int, int] | None = None,
    accounts: Sequence[str] | None = None,
    **options: Any,
) -> Report:
    """Scan live AWS accounts: Auto Scaling groups, launch templates and versions, launch configurations,
    lifecycle hooks, notification configurations, scheduled actions and the SNS topics they reach.

    `session` is a boto3 Session (default: a new one for `profile`, using boto3's usual credential chain).
    `regions` default to the session's region; `all_regions` scans every region enabled for each account.
    `role_arns` are assumed instead of scanning the session's own account; `org` with `role_name` scans the
    session's account and assumes `role_name` in every other ACTIVE account of the organisation.
    `all_versions` (the default) reads every launch template version; False reads only those in use:
    `$Default`, `$Latest` and the versions groups pin.
    `on_progress` receives a `RegionProgress` per account and region as it advances; `on_session` sees every
    boto3 Session the scan creates or uses (to register botocore event hooks) before any client is made.
    Only Describe*/List*/Get* calls and sts AssumeRole/GetCallerIdentity are sent.  Failed calls are
    `ScanError`s in the report, with account, region and operation.  Bad options, no region or no
    credentials raise `ConfigError` before anything is sent.  `timeout`: seconds for the whole scan; what
    is still being read then is an error naming account, region and operation, and the rest is reported.
    Other keyword options are `make_scanner`'s.

    `accounts` (with `role_name`) scans these account ids instead of the organisation's (no Organizations
    access needed).  `shard=(k, n)` scans only the accounts of shard k (from 0) of n, a partition by a hash
    of the account id (`metascan.sources.aws_accounts.Shard`); the report then has a `shard` section, and
    `metascan.report.merge` combines the n shard reports into one.
    """
    scanner = scanner or make_scanner(**options)
    owned = as_shard(shard)  # one object: the scan records in it which account list it split
    events = aws_events(
        scanner,
        session=session,
        profile=profile,
        regions=regions,
        all_regions=all_regions,
        role_arns=role_arns,
        org=org,
        role_name=role_name,
        external_id=external_id,
        all_versions=all_versions,
        all_subscriptions=all_subscriptions,
        max_workers=max_workers,
        endpoint_url=endpoint_url,
        retry_mode=retry_mode,
        max_attempts=max_attempts,
        timeout=timeout,
        on_progress=on_progress,
        on_session=on_session,
        shard=owned,
        accounts=accounts,
    )
    report = collect(scanner, events, on_event)
    if owned is not None:
        report.extra["shard"] = owned.to_dict()
    return report


def as_shard(shard: Shard | tuple[int, int] | None) -> Shard | None:
    from .sources.aws_accounts import Shard

    if shard is None or isinstance(shard, Shard):
        return shard
    index, count = shard
    return Shard(index, count)
