"""The `metascan` command.  Only this module touches stdout, files and exit codes."""

from __future__ import annotations

import contextlib
import errno
import gc
import itertools
import json
import os
import re
import signal
import stat
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from rich import box
from rich.console import Console
from rich.table import Table

from . import rulebook
from .api import file_events, make_scanner
from .config import load_config
from .detect.rules import Rule, load_rules
from .errors import ConfigError, MetascanError
from .fingerprint import ENV_KEY, default_key_path, sync_dir
from .model import Confidence, Finding, ScanError, Severity, Skipped
from .posture.checks import CHECKS, CheckInfo, check_infos
from .posture.ebs import default_checks
from .progress import ScanProgressDisplay
from .report.cover import Cover, Foresight
from .report.formats import jsonl as jsonl_format
from .report.formats import text as text_format
from .report.formats.options import RenderOptions, catalogue
from .report.render import Format, render_pieces
from .report.report import Report
from .s3output import S3Settings, is_s3, upload_report
from .scanner import Event, Scanner
from .sources.files import DEFAULT_MAX_FILE_BYTES, NOTHING_RECOGNISED
from .version import __version__
from .workflow import Workflow

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERRORS = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
NEVER = "never"  # --fail-on never: findings never fail the run
# Formats many people read (dashboards, Security Hub, data lakes): never a raw value; they describe rules.
SHARED_FORMATS = frozenset({Format.SARIF, Format.ASFF, Format.OCSF})

F = TypeVar("F", bound=Callable[..., Any])

# --- options from the environment and their validation --------------------------------------------------
# Every option of every command can be given as METASCAN_<OPTION>, named after its long flag
# (METASCAN_FORMAT=json, METASCAN_FAIL_ON=high, METASCAN_CONFIG=...; `name_options_from_env` at the end).
# --fingerprint-key is the exception: METASCAN_FINGERPRINT_KEY holds the key itself, not a key file.
ENV_PREFIX = "METASCAN"
COMMAND_SETTINGS: dict[str, Any] = {"auto_envvar_prefix": ENV_PREFIX, "show_default": True}
REGION_SHAPE = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$")
ACCOUNT_SHAPE = re.compile(r"^\d{12}$")


def _region(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not REGION_SHAPE.match(value):
        raise click.BadParameter(f"{value!r} is not an AWS region name (like us-east-1 or eu-west-2)")
    return value


def _account(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not ACCOUNT_SHAPE.match(value):
        raise click.BadParameter(f"{value!r} is not an AWS account id (12 digits)")
    return value


_REPORT_OPTIONS = "metascan.report_options"
_S3_SETTINGS = "metascan.s3_settings"  # the aws command's --profile and --endpoint-url, for --output s3://

report_own_account_option = click.option(
    "--report-own-account-id",
    is_flag=True,
    help="Also report each resource's own account id, and those of accounts the configuration names in ARNs,"
    " where names, tags or user data carry them (default: only other accounts' ids; the own account comes"
    " from the resource's ARN, --account or CreatedBy).",
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
    fail_on: Severity | None = Severity.INFO  # None: --fail-on never
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
        fail_on=None if given.get("fail_on") == NEVER else Severity(given.get("fail_on") or Severity.INFO),
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
            " results arrive), sarif (SARIF 2.1.0 for code-scanning dashboards), asff (AWS Security Hub"
            " BatchImportFindings), ocsf (OCSF Detection Findings for data lakes). sarif, asff and ocsf never"
            " hold a raw secret.",
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
            help="Include raw matched values in text, json and jsonl reports (never in sarif, asff or ocsf).",
        ),
        click.option(
            "--fingerprint-key",
            type=click.Path(exists=True, dir_okay=False),
            allow_from_autoenv=False,  # METASCAN_FINGERPRINT_KEY is the key itself
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
            help="Config file with [[suppress]] entries (default: the nearest metascan.toml, or"
            " pyproject.toml with [tool.metascan], from the working directory up; else"
            " $XDG_CONFIG_HOME/metascan/config.toml).",
        ),
        click.option(
            "--fail-on",
            type=click.Choice([*(s.value for s in Severity), NEVER]),
            default=Severity.INFO.value,
            show_default=True,
            expose_value=False,
            callback=_remember,
            help="Exit with 1 only for findings at least this severe; never: a report-only run (exit 0 with"
            " findings, still 2 on errors).",
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


# --- quiet, verbose, debug ----------------------------------------------------------------------------------


@dataclass
class RunState:
    """-q/--quiet, -v/--verbose and --debug of the running command.  `main` passes one as the context object,
    so it still knows --debug when the command fails."""

    quiet: bool = False
    verbose: int = 0
    debug: bool = False


def _run_flag(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    if value and param.name is not None:
        setattr(ctx.ensure_object(RunState), param.name, value)
    return value


def run_state() -> RunState:
    ctx = click.get_current_context(silent=True)
    state = ctx.find_object(RunState) if ctx is not None else None
    return state if state is not None else RunState()


def run_options(fn: F) -> F:
    """-q/--quiet, -v/--verbose and --debug, read with `run_state()`."""
    decorators = [
        click.option(
            "--quiet",
            "-q",
            is_flag=True,
            expose_value=False,
            callback=_run_flag,
            help="Nothing on standard error but errors: no progress display, no summary line.",
        ),
        click.option(
            "--verbose",
            "-v",
            count=True,
            expose_value=False,
            callback=_run_flag,
            help="Say on standard error each input as it is read, what was skipped and why, and timings.",
        ),
        click.option(
            "--debug",
            is_flag=True,
            expose_value=False,
            callback=_run_flag,
            help="Show the traceback of an unexpected failure (never shown otherwise).",
        ),
    ]
    for d in reversed(decorators):
        fn = d(fn)
    return fn


def say(message: str, console: Any = None) -> None:
    """One line on standard error (through a live display's console when one is showing)."""
    if console is not None:
        console.print(message, markup=False, highlight=False, soft_wrap=True)
    else:
        click.echo(message, err=True)


def tell_summary(output: str | None, fmt: Format, quiet: bool, stderr_tty: bool) -> bool:
    """Whether to put the one-line summary on standard error: for a person at a terminal who would not
    otherwise see it (the report went to a file, or is not text), unless --quiet."""
    return stderr_tty and not quiet and (output is not None or fmt is not Format.TEXT)


def _summary_line(report: Report, output: str | None, fail_on: Severity | None) -> str:
    line = "metascan: " + text_format.summary_line(report)
    if fail_on is not None and report.findings:
        n = len(report.failing(fail_on))
        line += f"; {n} at or above --fail-on {fail_on}"
    if output is not None:
        line += f"; report written to {output}"
    return line


def key_to_create(fingerprint_key: str | None, environ: Mapping[str, str]) -> Path | None:
    """Where this run will create the user's fingerprint key (first run, no key given), else None."""
    if fingerprint_key is not None or environ.get(ENV_KEY):
        return None
    path = default_key_path()
    return None if path.exists() else path


def announce_key(path: Path | None) -> None:
    """Say once, on standard error, that the fingerprint key was just created: where, what for, how to pin."""
    if path is None or not path.exists() or run_state().quiet:
        return
    say(
        f"metascan: created your fingerprint key {path} (mode 0600). Fingerprints in reports, baselines and"
        " suppressions are keyed with it, so keep it: another key makes every finding look new. In CI, pin"
        f" it: {ENV_KEY} from a secret store, or --fingerprint-key FILE."
    )


def write_output(text: str | Iterable[str], output: str | None, secret: bool) -> None:
    """Write to stdout, or atomically to a file (mode 0600 when it holds secrets).

    `text`: the report, or its pieces in order (`render_pieces`: a large report is written as it is
    rendered, never held whole).  The text goes to a temporary file beside the target, is flushed to disk,
    then renamed over the target: a crashed or killed run leaves the previous report (or none) in place,
    never a partial one.  A target that exists and is not a regular file (`/dev/null`, `/dev/stdout`, a
    named pipe, `>(...)` of the shell) is written to as it is: a rename would put a file in its place (and
    run as root, replace the system's `/dev/null`).
    """
    pieces = (text,) if isinstance(text, str) else text
    if output is None:
        for piece in pieces:
            click.echo(piece, nl=False)
        return
    if is_s3(output):  # the only write call metascan makes (see metascan/s3output.py)
        ctx = click.get_current_context(silent=True)
        settings = ctx.meta.get(_S3_SETTINGS) if ctx is not None else None
        upload_report("".join(pieces), output, settings or S3Settings())
        return
    target = Path(output)
    if _is_special(target):
        try:
            with open(target, "w", encoding="utf-8") as f:
                for piece in pieces:
                    f.write(piece)
        except OSError as e:
            raise MetascanError(f"{output}: cannot write report: {e.strerror or e}") from e
        return
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as e:
        raise MetascanError(f"{output}: cannot write report: {e.strerror or e}") from e
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            for piece in pieces:
                f.write(piece)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _report_mode(target, secret))
        os.replace(tmp, target)
        sync_dir(target.parent)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise MetascanError(f"{output}: cannot write report: {e.strerror or e}") from e
        raise


def _is_special(target: Path) -> bool:
    """Whether the target exists (through symlinks) and is not a regular file: a device, a pipe, a socket."""
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return False  # (not there yet, or not reachable: the atomic write says why it cannot write)
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _report_mode(target: Path, secret: bool) -> int:
    """0600 for a report with secrets; else what the umask allows, and never more than the report it
    replaces allowed (a private report stays private)."""
    if secret:
        return 0o600
    umask = os.umask(0o077)
    os.umask(umask)
    mode = 0o666 & ~umask
    with contextlib.suppress(OSError):
        mode &= os.stat(target).st_mode & 0o777
    return mode


def exit_code(
    report: Report, fail_on: Severity | None = Severity.INFO, min_confidence: Confidence = Confidence.LOW
) -> int:
    """2 when there were errors (a text where a rule hit its time limit is one: a scan cut short is not a
    clean scan), else 1 when a finding is at least `fail_on` severe and `min_confidence` confident (never
    with `fail_on` None), else 0."""
    if report.errors or any(s.timed_out for s in report.skipped):
        return EXIT_ERRORS
    if fail_on is not None and report.failing(fail_on, min_confidence):
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
        show_secrets=show_secrets and form not in SHARED_FORMATS,
        color=use_color(output, sys.stdout.isatty(), os.environ),
        rules=(  # the formats that describe rules: SARIF, ASFF, OCSF, and text's "What to do"
            catalogue(rules if rules is not None else load_rules(), checks if checks is not None else CHECKS)
            if form in SHARED_FORMATS or form is Format.TEXT
            else ()
        ),
    )
    write_output(render_pieces(form, report, options), output, secret=options.show_secrets)
    if tell_summary(output, form, run_state().quiet, sys.stderr.isatty()):
        say(_summary_line(report, output, opts.fail_on))
    return exit_code(report, opts.fail_on, opts.min_confidence)


def scan_and_emit(
    scanner: Scanner,
    events: Iterable[Event],
    workflow: Workflow,
    fmt: str,
    output: str | None,
    show_secrets: bool,
    sections: Callable[[], Mapping[str, Any]] | None = None,
) -> int:
    """Run a scanner's events through `workflow` into a report and emit it; return the exit code.

    `sections()` is added to the report once the scan is done (the `shard` section of a sharded scan, which
    names the account list the scan split).

    jsonl on standard output is written as results arrive (after suppressions and the baseline), with the
    summary line last; every other format, and any --output file, is written once the report is complete.
    """
    if Format(fmt) is Format.JSONL and output is None:
        # Each line hides the values covered so far, and what the rules find in the names it prints (a
        # value that only a later finding would cover: README, "Security model").
        shown = Cover()
        foresee = Foresight(scanner)
        added = 0  # how many of the values seen (in order; they only grow) `shown` has

        def stream(event: Event) -> None:
            nonlocal added
            if not show_secrets:
                # Only the values seen since the last line, taken from the end: each line costs the values
                # it brings, not every value so far (a report of 20,000 findings streamed 2.8x slower).
                new = len(workflow.seen) - added
                if new:
                    shown.add(values=itertools.islice(reversed(workflow.seen), new))
                    added += new
                shown.add(values=foresee.values(event))
                event = shown.event(event)
            click.echo(jsonl_format.event_line(event, show_secrets), nl=False)

        report = workflow.run(scanner, events, stream)
        report.extra.update(sections() if sections else {})
        click.echo(jsonl_format.summary_line(report), nl=False)
        opts = report_options()
        if tell_summary(output, Format.JSONL, run_state().quiet, sys.stderr.isatty()):
            say(_summary_line(report, output, opts.fail_on))
        return exit_code(report, opts.fail_on, opts.min_confidence)
    report = workflow.run(scanner, events)
    report.extra.update(sections() if sections else {})
    return emit(
        report,
        fmt,
        output,
        show_secrets,
        workflow=workflow,
        rules=scanner.engine.rules,
        checks=check_infos(scanner.checks),
    )


def _print_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    rules = load_rules()
    click.echo(f"metascan {__version__} (rule set: {rulebook.describe_set(rules, CHECKS)})")
    ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"], **COMMAND_SETTINGS})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    allow_from_autoenv=False,
    callback=_print_version,
    help="Show the version and the rule set (rules, checks and a digest), and exit.",
)
def cli() -> None:
    """Find credentials, account numbers and personal data in AWS Auto Scaling metadata.

    Exit codes: 0 nothing found, 1 findings, 2 errors (the report still holds everything scanned).
    A run that fails prints one line; add --debug anywhere (or set METASCAN_DEBUG=1) for the traceback.

    Every option can also be set in the environment as METASCAN_<OPTION>, e.g. METASCAN_FORMAT=json or
    METASCAN_FAIL_ON=high (except --fingerprint-key: METASCAN_FINGERPRINT_KEY is the key itself).
    """


# When the console script runs (`run`), the process is the scan's own: what it keeps for the whole scan
# (1,100 rules, their patterns and databases, the configuration) is moved out of the garbage collector's
# sight, and the collector runs after 20,000 new objects instead of 700.  A scan allocates millions of
# short-lived objects that reference counting frees; the collector's passes over the long-lived ones cost
# 0.9 s of a 10,000-group scan (0.2 s after this).  A library caller's or a test runner's collector (its
# process runs `main` or `cli` itself) is left alone.
_GC_THRESHOLD = (20_000, 20, 20)
_OWN_PROCESS = False


def settle_memory() -> None:
    """Move what exists now out of the garbage collector's sight and raise its threshold (see above): for a
    process that is the scan's own, once the scanner is made (the CLI; `bench.doubled`)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*_GC_THRESHOLD)


def _settle_memory() -> None:
    if _OWN_PROCESS:
        settle_memory()


@cli.command(context_settings=COMMAND_SETTINGS)
@click.argument("paths", nargs=-1, required=True)
@output_options
@click.option(
    "--region",
    callback=_region,
    help="Region of resources whose data carries no ARN (launch template versions, hooks).",
)
@click.option(
    "--account", callback=_account, help="Account (12 digits) of resources whose data carries no ARN."
)
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
@run_options
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
    CLI/API output (JSON or YAML, the API's XML, gzip too), CloudFormation templates (JSON or YAML, CDK,
    SAM), Terraform plans, state and .tf files, AWS Config configuration items and CloudTrail events.
    Nothing recognised at all is an error (exit 2)."""
    opts = report_options()
    config = load_config(opts.config)
    workflow = Workflow.create(config)
    checks = [*default_checks(require_cmk), *workflow.checks()]
    new_key = key_to_create(fingerprint_key, os.environ)
    scanner = make_scanner(
        region=region,
        account=account,
        fingerprint_key_file=fingerprint_key,
        checks=checks,
        report_own_account_id=report_own_account_id or config.report_own_account_id,
    )
    announce_key(new_key)
    workflow.use_baseline(opts.baseline, scanner.fingerprinter.key_id)
    _settle_memory()
    state = run_state()
    display = (
        ScanProgressDisplay(Console(file=sys.stderr)) if not state.quiet and sys.stderr.isatty() else None
    )
    watch = InputWatch(display, state.verbose)
    events = file_events(scanner, paths, max_file_size, jobs, strict, on_input=watch.input)
    events = watch.events(_nothing_recognised(events, allowed=allow_nothing_recognised))
    with display or nullcontext():
        code = scan_and_emit(scanner, events, workflow, fmt, output, show_secrets)
    watch.finish()
    sys.exit(code)


def _decoded(f: Finding) -> str:
    """-v's note of a decoding chain (the resource id with the finding's value redacted, in case it is it)."""
    shown = f.resource.id if f.match is None else f.resource.id.replace(f.match, f.redacted)
    line = f" line {f.location.line}" if f.location.line is not None else ""
    return (
        f"metascan: decoded {f.location.field} of {f.resource.type} {shown}"
        f" ({' > '.join(f.location.decoding)}): {f.rule}{line}"
    )


class InputWatch:
    """What `scan` tells on standard error as it reads: the progress display, and with -v each input, each
    skip and the timings."""

    def __init__(self, display: ScanProgressDisplay | None, verbose: int) -> None:
        self.display, self.verbose = display, verbose
        self.started = time.monotonic()
        self.inputs = self.bytes = self.findings = 0

    def _say(self, message: str) -> None:
        say(message, self.display.console if self.display is not None else None)

    def input(self, path: str) -> None:
        try:
            size = os.path.getsize(path) if path != "-" else 0
        except OSError:
            size = 0
        self.inputs += 1
        self.bytes += size
        if self.display is not None:
            self.display.update(self.inputs, self.bytes, self.findings)
        if self.verbose:
            self._say(f"metascan: reading {path} ({size:,} bytes)")

    def events(self, events: Iterable[Event]) -> Iterator[Event]:
        try:
            for event in events:
                if isinstance(event, Finding):
                    self.findings += 1
                    if self.display is not None:
                        self.display.update(self.inputs, self.bytes, self.findings)
                    if self.verbose and event.location.decoding:
                        self._say(_decoded(event))
                elif isinstance(event, Skipped) and self.verbose:
                    self._say(f"metascan: skipped in {event.source}: {event.reason}")
                yield event
        finally:  # the input is read: the display goes before the report and the summary line are written
            if self.display is not None:
                self.display.stop()

    def finish(self) -> None:
        if self.verbose:
            took = time.monotonic() - self.started
            say(
                f"metascan: {self.inputs} input{'s' if self.inputs != 1 else ''}, {self.bytes:,} bytes,"
                f" {self.findings} finding{'s' if self.findings != 1 else ''} in {took:.2f}s"
            )


def _nothing_recognised(events: Iterable[Event], allowed: bool) -> Iterator[Event]:
    """Events unchanged, but for the error of a run that recognised no input: also said on standard error,
    where a CI log shows it whatever the report format or --output; dropped when `allowed`."""
    for event in events:
        if isinstance(event, ScanError) and event.message.startswith(NOTHING_RECOGNISED):
            if allowed:
                continue
            click.echo(f"metascan: error: {event.message}", err=True)
        yield event


@cli.command("rules", context_settings=COMMAND_SETTINGS)
@click.argument("rule_id", required=False, metavar="[ID]")
@click.option(
    "--category",
    "categories",
    multiple=True,
    type=click.Choice(rulebook.CATEGORIES),
    help="Only this category; repeat for more.",
)
@click.option(
    "--severity",
    "severities",
    multiple=True,
    type=click.Choice(rulebook.SEVERITIES),
    help="Only this severity; repeat for more.",
)
@click.option("--vendor", help="Only rules for formats of this vendor (part of its name, any case).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    help="table: a header and one line per rule (fitted to a terminal); json: for tools.",
)
def list_rules(
    rule_id: str | None,
    categories: tuple[str, ...],
    severities: tuple[str, ...],
    vendor: str | None,
    fmt: str,
) -> None:
    """List the detection rules and structural checks, or explain one: metascan rules ID.

    ID prints its description, what raises or lowers its findings, the remediation, references and the
    examples it must and must not find.
    """
    entries: list[rulebook.Entry] = [*load_rules(), *CHECKS]
    if rule_id is not None:
        entry = rulebook.find(entries, rule_id)
        if entry is None:
            close = rulebook.near(entries, rule_id)
            hint = f"; did you mean {' or '.join(close)}?" if close else "; `metascan rules` lists them"
            raise MetascanError(f"no rule or check named {rule_id!r}{hint}")
        explained = rulebook.Explained(entry)
        if fmt == "json":
            click.echo(json.dumps(explained.to_dict(), indent=2, ensure_ascii=False))
        else:
            click.echo("\n".join(explained.lines()))
        return
    chosen = rulebook.select(entries, categories, severities, vendor)
    if fmt == "json":
        click.echo(json.dumps([rulebook.summary(e) for e in chosen], indent=2, ensure_ascii=False))
        return
    if sys.stdout.isatty():
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
        for name in ("id", "category", "severity", "confidence", "title"):
            table.add_column(name, no_wrap=name != "title", overflow="fold")
        for e in chosen:
            table.add_row(e.id, str(e.category), str(e.severity), str(e.confidence), e.title)
        Console(highlight=False).print(table)
    else:  # a pipe or a pager: plain aligned columns, one entry per line, for grep, sort and less
        click.echo(_plain_table(chosen), nl=False)
    noun = "entry" if len(chosen) == 1 else "entries"
    if sys.stdout.isatty() or not chosen:
        click.echo(f"{len(chosen)} {noun} of {len(entries)}; `metascan rules ID` explains one", err=True)


def _plain_table(chosen: Sequence[rulebook.Entry]) -> str:
    rows = [("ID", "CATEGORY", "SEVERITY", "CONFIDENCE", "TITLE")]
    rows += [(e.id, str(e.category), str(e.severity), str(e.confidence), e.title) for e in chosen]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "".join(
        "  ".join(cell.ljust(w) for cell, w in zip(r[:4], widths, strict=True)) + "  " + r[4] + "\n"
        for r in rows
    )


# --- one fatal exit path (issue 17, point 13) -----------------------------------------------------------
# Whatever stops a run (a bug, a full disk, a signal) ends it with one line on standard error and exit code
# 2; `--debug` (or METASCAN_DEBUG=1) adds the traceback.  SIGTERM and SIGHUP unwind like Ctrl-C, so a report
# being written leaves no temporary file behind.

_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d{1,2}")
_ACCOUNT = re.compile(r"\d{12}")


def _check_region(value: str | None) -> str | None:
    if value is not None and not _REGION.fullmatch(value):
        raise click.BadParameter(f"not an AWS region name: {value!r} (e.g. eu-west-1)")
    return value


def _check_account(value: str | None) -> str | None:
    if value is not None and not _ACCOUNT.fullmatch(value):
        raise click.BadParameter(f"not an AWS account id (12 digits): {value!r}")
    return value


class _Stopped(BaseException):
    """A termination signal arrived."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum: int, _frame: object) -> None:
    raise _Stopped(signum)


def _debug(state: RunState | None = None) -> bool:
    return (
        (state is not None and state.debug)
        or "--debug" in sys.argv[1:]
        or os.environ.get("METASCAN_DEBUG") == "1"
    )


def _fail(message: str, state: RunState | None = None, code: int = EXIT_ERRORS) -> NoReturn:
    if _debug(state):
        traceback.print_exc()
    # One line, and no control characters: a file name or value in the message cannot drive the terminal.
    line = "".join(c if c.isprintable() else repr(c)[1:-1] for c in f"metascan: {message}".replace("\n", " "))
    click.echo(line, err=True)
    # Standard output may be what failed (a full disk): point it at /dev/null so the interpreter's own
    # final flush cannot fail again with a second message.
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    sys.exit(code)


def run() -> None:
    """The console script and `python -m metascan`: `main` in a process that is metascan's own (see
    `_settle_memory`; a program that calls `main` or `cli` itself keeps its garbage collector as it is)."""
    global _OWN_PROCESS
    _OWN_PROCESS = True
    main()


def main() -> None:
    """The console script: one line on standard error for every failure, a traceback only with --debug."""
    for signum in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if signum is not None:
            signal.signal(signum, _on_signal)
    # --debug counts anywhere on the command line, also before the command (`metascan --debug scan ...`).
    args = [a for a in sys.argv[1:] if a != "--debug"]
    state = RunState(debug=_debug())
    try:
        try:
            cli.main(
                args=args,
                prog_name="metascan",
                standalone_mode=False,
                auto_envvar_prefix=ENV_PREFIX,
                obj=state,
            )
        finally:
            sys.stdout.flush()  # a full disk shows here, not in the interpreter's exit
        sys.exit(EXIT_CLEAN)  # a command that returns (rules, --version, --help) succeeded
    except MetascanError as e:
        _fail(f"error: {e}", state)
    except click.exceptions.Abort as e:
        if isinstance(e.__cause__, KeyboardInterrupt):
            _fail("interrupted", state, EXIT_INTERRUPTED)
        _fail("aborted", state)
    except click.ClickException as e:
        e.show()
        sys.exit(EXIT_ERRORS if e.exit_code != 0 else 0)
    except _Stopped as e:
        _fail(f"stopped by {signal.Signals(e.signum).name}", state)
    except KeyboardInterrupt:
        _fail("interrupted", state, EXIT_INTERRUPTED)
    except OSError as e:
        where = f"{e.filename}: " if e.filename else "standard output: " if e.errno in _OUTPUT_ERRNOS else ""
        _fail(f"error: {where}{e.strerror or e}", state)
    except RecursionError:
        _fail("error: input nested too deeply", state)
    except MemoryError:
        _fail("error: out of memory", state)
    except Exception as e:  # a bug: its message may quote scanned data, so only its type without --debug
        hint = "" if _debug(state) else " (a bug; --debug shows the traceback)"
        _fail(f"error: unexpected {type(e).__name__}{hint}", state)


_OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EPIPE, errno.EIO, errno.EDQUOT, errno.EFBIG})


@cli.command("aws", context_settings=COMMAND_SETTINGS)
@output_options
@click.option(
    "--profile", help="AWS profile to use (default: AWS_PROFILE, else boto3's usual credential chain)."
)
@click.option(
    "--region",
    "regions",
    multiple=True,
    callback=lambda _c, _p, v: tuple(_check_region(r) for r in v),
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
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=3600.0,
    show_default=True,
    metavar="SECONDS",
    help="Deadline for the whole scan: what is still being read then is an error (account, region,"
    " operation); everything read before is reported.",
)
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
@run_options
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
    timeout: float,
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
    quiet = run_state().quiet
    account_list = read_account_list(accounts_from) if accounts_from else None
    click.get_current_context().meta[_S3_SETTINGS] = S3Settings(profile, endpoint_url)
    display = AwsProgressDisplay(Console(file=sys.stderr)) if not quiet and sys.stderr.isatty() else None
    opts = report_options()
    config = load_config(opts.config)
    workflow = Workflow.create(config)
    new_key = key_to_create(fingerprint_key, os.environ)
    scanner = make_scanner(
        fingerprint_key_file=fingerprint_key,
        checks=[*default_checks(require_cmk), *workflow.checks()],
        report_own_account_id=report_own_account_id or config.report_own_account_id,
    )
    announce_key(new_key)
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
            timeout=timeout,
            on_progress=display.update if display else None,
            shard=shard,
            accounts=account_list,
        )
        owned = shard
        sections = (lambda: {"shard": owned.to_dict()}) if owned is not None else None
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


# --- every option from the environment ----------------------------------------------------------------------


def name_options_from_env(group: click.Group, prefix: str = ENV_PREFIX) -> None:
    """Give each option of each command the environment variable PREFIX_<LONG FLAG> (shown in --help), unless
    it names its own or opts out (`allow_from_autoenv=False`).  Named after the flag, not the parameter:
    `--format` is METASCAN_FORMAT although its parameter is `fmt`."""
    for command in group.commands.values():
        for param in command.params:
            if not isinstance(param, click.Option) or param.envvar or not param.allow_from_autoenv:
                continue
            longs = [o for o in param.opts if o.startswith("--")]
            if longs and param.name != "help":
                param.envvar = f"{prefix}_{longs[0][2:].replace('-', '_').upper()}"
                param.show_envvar = True


name_options_from_env(cli)
