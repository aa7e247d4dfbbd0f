"""The `metascan` command.  Only this module touches stdout, files and exit codes."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .api import make_scanner, scan_files
from .errors import MetascanError
from .report import Report
from .reporters import Format, RenderOptions, renderer
from .rules import load_rules
from .sources.files import DEFAULT_MAX_FILE_BYTES

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERRORS = 0, 1, 2

F = TypeVar("F", bound=Callable[..., Any])


def output_options(fn: F) -> F:
    """Options shared by every command that writes a report."""
    decorators = [
        click.option(
            "--format",
            "fmt",
            type=click.Choice([f.value for f in Format]),
            default=Format.TEXT.value,
            show_default=True,
            help="Report format.",
        ),
        click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report to FILE."),
        click.option("--show-secrets", is_flag=True, help="Include raw matched values in the report."),
        click.option(
            "--fingerprint-key",
            type=click.Path(exists=True, dir_okay=False),
            help="File holding the fingerprint key (default: $METASCAN_FINGERPRINT_KEY, else a key of your own"
            " created once in your config folder).",
        ),
    ]
    for d in reversed(decorators):
        fn = d(fn)
    return fn


def write_output(text: str, output: str | None, secret: bool) -> None:
    """Write to stdout, or atomically to a file (mode 0600 when it holds secrets)."""
    if output is None:
        click.echo(text, nl=False)
        return
    target = Path(output)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600 if secret else 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def exit_code(report: Report) -> int:
    if report.errors:
        return EXIT_ERRORS
    if report.findings:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def emit(report: Report, fmt: str, output: str | None, show_secrets: bool) -> int:
    color = output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    text = renderer(Format(fmt))(report, RenderOptions(show_secrets=show_secrets, color=color))
    write_output(text, output, secret=show_secrets)
    return exit_code(report)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="metascan")
def cli() -> None:
    """Find credentials, account numbers and personal data in AWS Auto Scaling metadata.

    Exit codes: 0 nothing found, 1 findings, 2 errors (the report still holds everything scanned).
    """


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@output_options
@click.option("--region", help="Region of resources whose data carries no ARN (launch template versions, hooks).")
@click.option("--account", help="Account of resources whose data carries no ARN.")
@click.option(
    "--max-file-size",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_FILE_BYTES,
    show_default=True,
    help="Refuse input files larger than this many bytes.",
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
) -> None:
    """Scan saved AWS CLI/API JSON responses: files, directories (*.json, recursively) or - for stdin."""
    scanner = make_scanner(region=region, account=account, fingerprint_key_file=fingerprint_key)
    report = scan_files(paths, scanner=scanner, max_file_bytes=max_file_size)
    sys.exit(emit(report, fmt, output, show_secrets))


@cli.command("rules")
def list_rules() -> None:
    """List every detection rule: id, category, severity, description."""
    rules = sorted(load_rules(), key=lambda r: (r.category, r.id))
    width = max(len(r.id) for r in rules)
    for r in rules:
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
    "--all-versions",
    is_flag=True,
    help="Read every launch template version (default: $Default, $Latest and versions that groups use).",
)
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
    all_versions: bool,
    all_subscriptions: bool,
    max_workers: int,
    endpoint_url: str | None,
    retry_mode: str,
    max_attempts: int,
    quiet: bool,
) -> None:
    """Scan live AWS accounts (read-only: Describe*, List*, Get* calls and sts AssumeRole).

    Reads Auto Scaling groups, launch templates and their versions, launch configurations, lifecycle hooks,
    notification configurations, scheduled actions and the SNS topics and subscriptions they reach, in
    every account and region asked for.  A call that fails (access denied, region not enabled, operation
    not supported) is an error in the report; everything else is still scanned.
    """
    from contextlib import nullcontext

    from rich.console import Console

    from .api import scan_aws
    from .progress import AwsProgressDisplay

    if all_regions and regions:
        raise click.UsageError("--all-regions cannot be combined with --region")
    if org and not role_name:
        raise click.UsageError("--org needs --role-name: the role to assume in each account")
    if role_name and not org:
        raise click.UsageError("--role-name is only used with --org (give --role-arn for single roles)")
    display = AwsProgressDisplay(Console(file=sys.stderr)) if not quiet and sys.stderr.isatty() else None
    scanner = make_scanner(fingerprint_key_file=fingerprint_key)
    with display or nullcontext():
        report = scan_aws(
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
            scanner=scanner,
            on_progress=display.update if display else None,
        )
    sys.exit(emit(report, fmt, output, show_secrets))
