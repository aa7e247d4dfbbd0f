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
