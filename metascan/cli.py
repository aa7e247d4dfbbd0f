"""The `metascan` command.  Only this module touches stdout, files and exit codes."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from .api import file_events, make_scanner
from .config import load_config
from .detect.rules import Rule, load_rules
from .errors import ConfigError, MetascanError
from .model import Confidence, ScanError, Severity
from .posture.checks import CHECKS, CheckInfo, check_infos
from .posture.ebs import default_checks
from .report.formats import jsonl as jsonl_format
from .report.formats.options import RenderOptions, catalogue
from .report.render import Format, renderer
from .report.report import Report
from .s3output import S3Settings, is_s3, upload_report
from .scanner import Event, Scanner
from .sources.files import DEFAULT_MAX_FILE_BYTES, NOTHING_RECOGNISED
from .version import __version__
from .workflow import Workflow

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERRORS = 0, 1, 2

F = TypeVar("F", bound=Callable[..., Any])

_REPORT_OPTIONS = "metascan.report_options"
_S3_SETTINGS = "metascan.s3_settings"  # the aws command's --profile and --endpoint-url, for --output s3://

report_own_account_option = click.option(
    "--report-own-account-id",
    is_flag=True,
    help="Also report each resource's own account id where its names, tags or user data carry it (default:"
    " only other accounts' ids; the own account comes from the resource's ARN, --account or CreatedBy).",
)

require_cmk_option = click.option(
    "--require-cmk",
    is_flag=True,
    help="EBS volumes must be encrypted with customer managed KMS keys: report volumes on the AWS managed"
    " key, and groups on launch configurations, at a higher severity.",
)


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """Options of `output_options` that commands do not take as arguments (see `report_options`)."""

    baseline: str | None = None
    config: str | None = None
    fail_on: Severity = Severity.INFO
    min_confidence: Confidence = Confidence.LOW


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    ctx.meta.setdefault(_REPORT_OPTIONS, {})[param.name] = value
    return value


def report_options() -> ReportOptions:
    """The running command's --baseline, --config, --fail-on and --min-confidence (defaults outside one).

    `output_options` records them in the click context instead of passing them as arguments, so every command
    decorated with it gets them without changing its signature; `emit` applies them.
    """
    ctx = click.get_current_context(silent=True)
    given: Mapping[str, Any] = ctx.meta.get(_REPORT_OPTIONS, {}) if ctx is not None else {}
    return ReportOptions(
        baseline=given.get("baseline"),
        config=given.get("config"),
        fail_on=Severity(given.get("fail_on") or Severity.INFO),
        min_confidence=Confidence(given.get("min_confidence") or Confidence.LOW),
    )


def output_options(fn: F) -> F:
    """Options shared by every command that writes a report.

    The command receives `fmt`, `output`, `show_secrets` and `fingerprint_key`; --baseline, --config,
    --fail-on and --min-confidence are read with `report_options()` (and applied by `emit`).
    """
    decorators = [
        click.option(
            "--format",
            "fmt",
            type=click.Choice([f.value for f in Format]),
            default=Format.TEXT.value,
            show_default=True,
            help="Report format: text (terminals), json (the report contract), jsonl (one result per line, as"
            " results arrive), sarif (SARIF 2.1.0 for code-scanning dashboards; never holds a raw secret).",
        ),
        click.option(
            "--output",
            "-o",
            type=click.Path(dir_okay=False),
            help="Write the report to FILE, atomically: FILE is only ever replaced by a complete report."
            " s3://BUCKET/KEY uploads it to S3 instead (s3:PutObject, metascan's only write call).",
        ),
        click.option(
            "--show-secrets",
            is_flag=True,
            help="Include raw matched values in text, json and jsonl reports (never in sarif).",
        ),
        click.option(
            "--fingerprint-key",
            type=click.Path(exists=True, dir_okay=False),
            help="File holding the fingerprint key (default: $METASCAN_FINGERPRINT_KEY, else a key of your"
            " own created once in your config folder).",
        ),
        click.option(
            "--baseline",
            type=click.Path(dir_okay=False),
            expose_value=False,
            callback=_remember,
            help="An earlier JSON report: report only findings not in it, and list its findings now gone.",
        ),
        click.option(
            "--config",
            type=click.Path(dir_okay=False),
            expose_value=False,
            callback=_remember,
            help="Config file with [[suppress]] entries (default: ./metascan.toml, else [tool.metascan] in"
            " ./pyproject.toml).",
        ),
        click.option(
            "--fail-on",
            type=click.Choice([s.value for s in Severity]),
            default=Severity.INFO.value,
            show_default=True,
            expose_value=False,
            callback=_remember,
            help="Exit with 1 only for findings at least this severe.",
        ),
        click.option(
            "--min-confidence",
            type=click.Choice([c.value for c in Confidence]),
            default=Confidence.LOW.value,
            show_default=True,
            expose_value=False,
            callback=_remember,
            help="Exit with 1 only for findings at least this confident.",
        ),
    ]
    for d in reversed(decorators):
        fn = d(fn)
    return fn


def write_output(text: str, output: str | None, secret: bool) -> None:
    """Write to stdout, or atomically to a file (mode 0600 when it holds secrets).

    The text goes to a temporary file beside the target, is flushed to disk, then renamed over the target:
    a crashed or killed run leaves the previous report (or none) in place, never a partial one.
    """
    if output is None:
        click.echo(text, nl=False)
        return
    if is_s3(output):  # the only write call metascan makes (see metascan/s3output.py)
        ctx = click.get_current_context(silent=True)
        settings = ctx.meta.get(_S3_SETTINGS) if ctx is not None else None
        upload_report(text, output, settings or S3Settings())
        return
    target = Path(output)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as e:
        raise MetascanError(f"{output}: cannot write report: {e.strerror or e}") from e
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600 if secret else 0o644)
        os.replace(tmp, target)
        _sync_dir(target.parent)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise MetascanError(f"{output}: cannot write report: {e.strerror or e}") from e
        raise


def _sync_dir(directory: Path) -> None:
    """Make a rename in `directory` durable (where the platform allows opening a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def exit_code(
    report: Report, fail_on: Severity = Severity.INFO, min_confidence: Confidence = Confidence.LOW
) -> int:
    """2 when there were errors, else 1 when a finding is at least `fail_on` severe and `min_confidence`
    confident, else 0."""
    if report.errors:
        return EXIT_ERRORS
    if report.failing(fail_on, min_confidence):
        return EXIT_FINDINGS
    return EXIT_CLEAN


def use_color(output: str | None, isatty: bool, environ: Mapping[str, str]) -> bool:
    """Colour text only on a terminal, and never with NO_COLOR set (https://no-color.org)."""
    return output is None and isatty and not environ.get("NO_COLOR")


def emit(
    report: Report,
    fmt: str,
    output: str | None,
    show_secrets: bool,
    *,
    workflow: Workflow | None = None,
    rules: Sequence[Rule] | None = None,
    checks: Sequence[CheckInfo] | None = None,
) -> int:
    """Render `report`, write it to stdout or `output`, and return the exit code.

    A report that did not go through a `Workflow` (pass the one it went through as `workflow`) gets the
    command's --config suppressions and --baseline applied here.  `rules` and `checks`: the run's rules
    and structural checks, for formats that describe them (default: the bundled rules, every check).
    """
    opts = report_options()
    if workflow is None:
        workflow = Workflow.create(load_config(opts.config), tags=False)
        workflow.use_baseline(opts.baseline, report.fingerprint_key_id or "")
        workflow.apply(report)
    form = Format(fmt)
    options = RenderOptions(
        show_secrets=show_secrets and form is not Format.SARIF,
        color=use_color(output, sys.stdout.isatty(), os.environ),
        rules=(
            catalogue(rules if rules is not None else load_rules(), checks if checks is not None else CHECKS)
            if form is Format.SARIF
            else ()
        ),
    )
    text = renderer(form)(report, options)
    write_output(text, output, secret=options.show_secrets)
    return exit_code(report, opts.fail_on, opts.min_confidence)


def scan_and_emit(
    scanner: Scanner,
    events: Iterable[Event],
    workflow: Workflow,
    fmt: str,
    output: str | None,
    show_secrets: bool,
    sections: Mapping[str, Any] | None = None,
) -> int:
    """Run a scanner's events through `workflow` into a report and emit it; return the exit code.

    `sections` are added to the report as they are (the `shard` section of a sharded scan).

    jsonl on standard output is written as results arrive (after suppressions and the baseline), with the
    summary line last; every other format, and any --output file, is written once the report is complete.
    """
    if Format(fmt) is Format.JSONL and output is None:

        def stream(event: Event) -> None:
            click.echo(jsonl_format.event_line(event, show_secrets), nl=False)

        report = workflow.run(scanner, events, stream)
        report.extra.update(sections or {})
        click.echo(jsonl_format.summary_line(report), nl=False)
        opts = report_options()
        return exit_code(report, opts.fail_on, opts.min_confidence)
    report = workflow.run(scanner, events)
    report.extra.update(sections or {})
    return emit(
        report,
        fmt,
        output,
        show_secrets,
        workflow=workflow,
        rules=scanner.engine.rules,
        checks=check_infos(scanner.checks),
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="metascan")
def cli() -> None:
    """Find credentials, account numbers and personal data in AWS Auto Scaling metadata.

    Exit codes: 0 nothing found, 1 findings, 2 errors (the report still holds everything scanned).
    """


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@output_options
@click.option(
    "--region", help="Region of resources whose data carries no ARN (launch template versions, hooks)."
)
@click.option("--account", help="Account of resources whose data carries no ARN.")
@click.option(
    "--max-file-size",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_FILE_BYTES,
    show_default=True,
    help="Refuse input files larger than this many bytes.",
)
@require_cmk_option
@report_own_account_option
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Read and scan files in this many worker processes (the same report, sooner on several cores).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Make every input that is not recognised an error (exit 2), not a skip.",
)
@click.option(
    "--allow-nothing-recognised",
    is_flag=True,
    help="A run in which no input is recognised is not an error (for hooks that pass every changed"
    " JSON or YAML file); unrecognised inputs are still listed as skipped.",
)
def scan(
    paths: tuple[str, ...],
    fmt: str,
    output: str | None,
    show_secrets: bool,
    fingerprint_key: str | None,
    region: str | None,
    account: str | None,
    max_file_size: int,
    require_cmk: bool,
    report_own_account_id: bool,
    jobs: int,
    strict: bool,
    allow_nothing_recognised: bool,
) -> None:
    """Scan files, directories (recursively) or - for stdin, each recognised by its content: saved AWS
    CLI/API output (JSON or YAML, gzip too), CloudFormation templates (JSON or YAML, CDK, SAM) and
    Terraform plans, state and .tf files.  Nothing recognised at all is an error (exit 2)."""
    opts = report_options()
    config = load_config(opts.config)
    workflow = Workflow.create(config)
    checks = [*default_checks(require_cmk), *workflow.checks()]
    scanner = make_scanner(
        region=region,
        account=account,
        fingerprint_key_file=fingerprint_key,
        checks=checks,
        report_own_account_id=report_own_account_id or config.report_own_account_id,
    )
    workflow.use_baseline(opts.baseline, scanner.fingerprinter.key_id)
    events = file_events(scanner, paths, max_file_size, jobs, strict)
    events = _nothing_recognised(events, allowed=allow_nothing_recognised)
    sys.exit(scan_and_emit(scanner, events, workflow, fmt, output, show_secrets))


def _nothing_recognised(events: Iterable[Event], allowed: bool) -> Iterator[Event]:
    """Events unchanged, but for the error of a run that recognised no input: also said on standard error,
    where a CI log shows it whatever the report format or --output; dropped when `allowed`."""
    for event in events:
        if isinstance(event, ScanError) and event.message.startswith(NOTHING_RECOGNISED):
            if allowed:
                continue
            click.echo(f"metascan: error: {event.message}", err=True)
        yield event


@cli.command("rules")
def list_rules() -> None:
    """List every detection rule and structural check: id, category, severity, title."""
    entries: list[Rule | CheckInfo] = [*load_rules(), *CHECKS]
    entries.sort(key=lambda r: (r.category, r.id))
    width = max(len(r.id) for r in entries)
    for r in entries:
        click.echo(f"{r.id:<{width}}  {r.category:<15} {r.severity:<8} {r.title}")


def main() -> None:
    try:
        cli.main(prog_name="metascan", standalone_mode=False)
    except MetascanError as e:
        click.echo(f"metascan: error: {e}", err=True)
        sys.exit(EXIT_ERRORS)
    except click.exceptions.Abort:
        click.echo("metascan: aborted", err=True)
        sys.exit(EXIT_ERRORS)
    except click.ClickException as e:
        e.show()
        sys.exit(EXIT_ERRORS if e.exit_code != 0 else 0)


@cli.command("aws")
@output_options
@click.option(
    "--profile", help="AWS profile to use (default: AWS_PROFILE, else boto3's usual credential chain)."
)
@click.option(
    "--region",
    "regions",
    multiple=True,
    metavar="REGION",
    help="Region to scan; repeat for more (default: the profile's or environment's region).",
)
@click.option("--all-regions", is_flag=True, help="Scan every region enabled for each account.")
@click.option(
    "--role-arn",
    "role_arns",
    multiple=True,
    metavar="ARN",
    help="Assume this role and scan its account instead of your own; repeat for more accounts.",
)
@click.option(
    "--org", is_flag=True, help="Scan every ACTIVE account of your organisation (with --role-name)."
)
@click.option("--role-name", metavar="NAME", help="With --org: the role to assume in each member account.")
@click.option("--external-id", help="External ID to pass when assuming roles.")
@click.option(
    "--in-use-versions-only",
    is_flag=True,
    help="Read only the launch template versions in use: $Default, $Latest and those groups pin (default:"
    " every version; an old version's user data stays readable after a newer one replaces it).",
)
@click.option("--all-versions", is_flag=True, hidden=True, help="Every version: the default now.")
@click.option(
    "--all-subscriptions",
    is_flag=True,
    help="Read every SNS subscription of each region, not only those of topics that groups notify.",
)
@click.option(
    "--max-workers",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    help="Accounts and regions read at the same time.",
)
@click.option(
    "--endpoint-url",
    metavar="URL",
    help="Send every API call to URL, e.g. a local emulator (AWS_ENDPOINT_URL works too).",
)
@click.option(
    "--retry-mode",
    type=click.Choice(["adaptive", "standard"]),
    default="adaptive",
    show_default=True,
    help="botocore retry mode: throttled calls are retried with backoff.",
)
@click.option(
    "--max-attempts",
    type=click.IntRange(1, 50),
    default=10,
    show_default=True,
    help="Attempts per API call, the first included.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress display on standard error.")
@require_cmk_option
@report_own_account_option
@click.option(
    "--shard",
    "shard_spec",
    metavar="K/N",
    envvar="METASCAN_SHARD",
    help="Scan only shard K (from 0) of N: the accounts a hash of their id puts there.  auto/N takes K from"
    " JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or AWS_BATCH_JOB_ARRAY_INDEX; auto takes K and N from"
    " AWS Batch's array index and size.  Merge the N reports with `metascan merge`.",
)
@click.option(
    "--accounts-from",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Scan these accounts (with --role-name) instead of asking Organizations: one id a line, or the JSON"
    " of `aws organizations list-accounts`.",
)
def aws(
    fmt: str,
    output: str | None,
    show_secrets: bool,
    fingerprint_key: str | None,
    profile: str | None,
    regions: tuple[str, ...],
    all_regions: bool,
    role_arns: tuple[str, ...],
    org: bool,
    role_name: str | None,
    external_id: str | None,
    in_use_versions_only: bool,
    all_versions: bool,
    all_subscriptions: bool,
    max_workers: int,
    endpoint_url: str | None,
    retry_mode: str,
    max_attempts: int,
    quiet: bool,
    require_cmk: bool,
    report_own_account_id: bool,
    shard_spec: str | None,
    accounts_from: str | None,
) -> None:
    """Scan live AWS accounts (read-only: Describe*, List*, Get* calls and sts AssumeRole).

    Reads Auto Scaling groups, launch templates and their versions, launch configurations, lifecycle hooks,
    notification configurations, scheduled actions and the SNS topics and subscriptions they reach, in
    every account and region asked for.  A call that fails (access denied, region not enabled, operation
    not supported) is an error in the report; everything else is still scanned.
    """
    from contextlib import nullcontext

    from rich.console import Console

    from .api import aws_events
    from .progress import AwsProgressDisplay
    from .s3output import parse_s3_url
    from .sources.aws import AwsOptions
    from .sources.aws_accounts import Shard, parse_shard, read_account_list

    if in_use_versions_only and all_versions:
        raise click.UsageError("--in-use-versions-only cannot be combined with --all-versions")
    shard: Shard | None = None
    try:  # the option rules live in AwsOptions; check them before a key or a rule is loaded
        shard = parse_shard(shard_spec, os.environ) if shard_spec else None
        AwsOptions(
            regions=regions,
            all_regions=all_regions,
            role_arns=role_arns,
            org=org,
            role_name=role_name,
            shard=shard,
            account_list=("0" * 12,) if accounts_from else None,
        ).validate()
        if is_s3(output):  # a bad URL is refused now, not after the scan
            parse_s3_url(output or "")
    except ConfigError as e:
        raise click.UsageError(str(e)) from e
    account_list = read_account_list(accounts_from) if accounts_from else None
    click.get_current_context().meta[_S3_SETTINGS] = S3Settings(profile, endpoint_url)
    display = AwsProgressDisplay(Console(file=sys.stderr)) if not quiet and sys.stderr.isatty() else None
    opts = report_options()
    config = load_config(opts.config)
    workflow = Workflow.create(config)
    scanner = make_scanner(
        fingerprint_key_file=fingerprint_key,
        checks=[*default_checks(require_cmk), *workflow.checks()],
        report_own_account_id=report_own_account_id or config.report_own_account_id,
    )
    workflow.use_baseline(opts.baseline, scanner.fingerprinter.key_id)
    with display or nullcontext():
        events = aws_events(
            scanner,
            profile=profile,
            regions=regions,
            all_regions=all_regions,
            role_arns=role_arns,
            org=org,
            role_name=role_name,
            external_id=external_id,
            all_versions=not in_use_versions_only,
            all_subscriptions=all_subscriptions,
            max_workers=max_workers,
            endpoint_url=endpoint_url,
            retry_mode=retry_mode,
            max_attempts=max_attempts,
            on_progress=display.update if display else None,
            shard=shard,
            accounts=account_list,
        )
        sections = {"shard": shard.to_dict()} if shard is not None else {}
        code = scan_and_emit(scanner, events, workflow, fmt, output, show_secrets, sections)
    sys.exit(code)


@cli.command("merge")
@click.argument("reports", nargs=-1, required=True)
@output_options
@click.option(
    "--strict", is_flag=True, help="Refuse reports made with different rule sets (default: a warning)."
)
def merge(
    reports: tuple[str, ...],
    fmt: str,
    output: str | None,
    show_secrets: bool,
    fingerprint_key: str | None,
    strict: bool,
) -> None:
    """Merge the JSON reports of a sharded scan (`metascan aws --shard K/N`) into one report.

    Findings are de-duplicated by fingerprint; errors and skips are kept with their account and region. Every
    report must use the same fingerprint key.  A shard whose report is missing, unreadable or holds a fatal
    error makes the merged report say so, and the exit code 2.  --baseline and --config apply to the merged
    findings.  (--fingerprint-key is accepted for symmetry and not used: reports carry fingerprints.)
    """
    from .report.merge import merge_reports

    merged = merge_reports(list(reports), strict=strict)
    for warning in merged.warnings:
        click.echo(f"metascan: warning: {warning}", err=True)
    for failure in merged.failed:
        click.echo(f"metascan: error: {failure}", err=True)
    report = merged.report
    opts = report_options()
    workflow = Workflow.create(load_config(opts.config), tags=False)
    workflow.use_baseline(opts.baseline, report.fingerprint_key_id or "")
    before = dict(report.extra)
    workflow.apply(report)
    report.extra["suppressed"] = [*before.get("suppressed", []), *report.extra.get("suppressed", [])]
    if "unused_suppressions" in before and not load_config(opts.config).suppressions:
        report.extra["unused_suppressions"] = before["unused_suppressions"]
    if opts.baseline is None and "baseline" in before:
        report.extra["baseline"] = before["baseline"]
    sys.exit(emit(report, fmt, output, show_secrets, workflow=workflow))
