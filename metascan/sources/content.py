"""One input's text -> the documents it holds, recognised by content.

* JSON (`{` or `[` first): API responses (one, several pages, or a list of them), bare items as
  `aws ... --query` prints them (`--query 'AutoScalingGroups[]'`), a CloudFormation template
  (`cloudformation.py`), Terraform JSON (`terraform.py`), AWS Config configuration items (`awsconfig.py`),
  CloudTrail events (`cloudtrail.py`) or the tagging and Resource Explorer APIs' lists of tags (`tagging.py`);
* XML (`<` first): an Auto Scaling, EC2 or SNS API response as the HTTP API returns it (`apixml.py`);
* responses a Python program printed (boto3's dictionaries in a log, `pprint` output: `pyrepr.py`);
* HCL (a `.tf` file, or text whose blocks read `resource "..." {`): Terraform configuration (`hcl.py`);
* AWS CLI `--output text` and `--output table`: the response they printed, rebuilt with the service model
  (`clitext.py`, `clitable.py`); text output of a `--query` is skipped with the advice to use `--output json`;
* anything else: YAML (`yamldoc.py`), CLI `--output yaml` / `yaml-stream` or a CloudFormation template.

Each document is a `Document`: an API response, or one a template or plan stands for (those carry
`per_source`, and strings that know their lines).  A document metascan does not read is a `Skipped` that
names the closest format it does read (with `strict`, a `ScanError`); a text that cannot be parsed is a
`ScanError`, except YAML that does not look like AWS's, which is skipped (a directory holds other YAML).
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..aws.documents import RECORDS, identify
from ..model import ScanError, Skipped
from ..scanner import Locate
from . import (
    ansible,
    apixml,
    awsconfig,
    cdkapp,
    clitable,
    clitext,
    cloudformation,
    cloudtrail,
    hcl,
    inventory,
    kubernetes,
    messages,
    pulumi,
    pyrepr,
    sniff,
    tagging,
    terraform,
)
from .jsonguard import BigNumber, Duplicates, big_number, int_parser
from .jsonpos import ExportLocator, LineIndex, loads_located
from .responses import Responses
from .yamldoc import YamlError, load_all

LOCATED_MAX_CHARS = 16 * 1024 * 1024  # templates and plans up to this size are decoded again with lines
_AWS_YAML_HINTS = ("AWSTemplateFormatVersion", "AWS::", *(f"{k}:" for k in sniff.CALLS))


@dataclass(frozen=True, slots=True)
class Document:
    """One API response (or what a template stands for), with what the scanner needs to place findings."""

    source: str
    data: dict[str, Any]
    locate: Locate | None = None  # the line of a value in a saved JSON export, found when asked
    per_source: bool = False  # a template's or plan's resources: its own, not an account's


Item = Document | Skipped | ScanError


def _skip(source: str, reason: str, strict: bool) -> Skipped | ScanError:
    if strict:
        return ScanError(source, f"{source}: not scanned (--strict): {reason}")
    return Skipped(source, reason)


def documents(text: str, source: str, name: str = "", strict: bool = False) -> Iterator[Item]:
    """The documents of one input's text (`name`: its file name, which only tells `.tf` files, and `.json`
    files that hold a bare JSON value, apart)."""
    body = text.lstrip("\ufeff \t\r\n")
    if not body.strip():
        if name.lower().endswith((".tf", ".tfvars")):
            # valid Terraform (modules keep empty variables.tf and outputs.tf): nothing to scan, no error
            yield _skip(source, "an empty Terraform file", strict)
        else:  # an export or template that a failed command left empty
            yield ScanError(source, f"{source}: file is empty")
        return
    hint = sniff.cli_output(text)
    if hint is not None:
        yield from _cli_output(text, source, hint, strict)
        return
    lowered = name.lower()
    if lowered.endswith(cdkapp.SUFFIXES) and cdkapp.is_app(text):
        yield from _cdk_app(text, source, name)
        return
    if lowered.endswith(".csv"):
        yield from _csv(text, source, strict)
        return
    json_first = body[0] in "{[" or lowered.endswith(".json")
    if apixml.looks_like_xml(body):
        yield from _xml(body, source, strict)
    elif body.startswith(("{'", "[{'")) or (body[0] not in "{[" and pyrepr.looks_like_repr(text)):
        yield from _printed(text, source, strict)
    elif lowered.endswith("terragrunt.hcl"):
        yield from _terragrunt(text, source, strict)
    elif lowered.endswith(".tfvars"):
        yield from _tfvars(text, source, strict)
    elif lowered.endswith(".tf") or (not json_first and sniff.looks_like_hcl(text)):
        yield from _hcl(text, source, strict)
    elif json_first:
        yield from _json(text, source, strict)
    else:
        yield from _yaml(text, source, strict)


# --- JSON ------------------------------------------------------------------------------------------------


def parse_spans(
    text: str, source: str, dups: Duplicates | None = None
) -> list[tuple[Any, int, int]] | ScanError:
    """The JSON values of a text with where each starts and ends: one value, or concatenated values.

    A key repeated in one object is noted in `dups` (lists under it are joined); a number of more than
    `jsonguard.MAX_INT_DIGITS` digits is an error.  Messages never quote the text."""
    decoder = json.JSONDecoder(object_pairs_hook=(dups or Duplicates()).hook, parse_int=int_parser())
    text = text.rstrip()  # what is cut short ends at the last character written
    out: list[tuple[Any, int, int]] = []
    pos, end_of_text = 0, len(text)
    blanks = " \t\r\n\ufeff"
    try:
        while True:
            while pos < end_of_text and text[pos] in blanks:
                pos += 1
            if pos >= end_of_text:
                break
            obj, end = decoder.raw_decode(text, pos)
            out.append((obj, pos, end))
            pos = end
    except json.JSONDecodeError as e:
        what = "truncated JSON" if e.pos >= len(text) else "invalid JSON"
        return ScanError(source, f"{source}: {what} at line {e.lineno} column {e.colno}: {e.msg}")
    except RecursionError:  # the C decoder stops absurd nesting itself, without crashing
        return ScanError(source, f"{source}: JSON nests too deeply to parse")
    except (BigNumber, ValueError):
        return big_number(text, source)
    return out


def _json(text: str, source: str, strict: bool) -> Iterator[Item]:
    dups = Duplicates()
    spans = parse_spans(text, source, dups)
    if isinstance(spans, ScanError):
        yield spans
        return
    yield from _json_documents(text, spans, source, strict)
    duplicates = dups.error(source)
    if duplicates is not None:
        yield duplicates


def _json_documents(
    text: str, spans: list[tuple[Any, int, int]], source: str, strict: bool
) -> Iterator[Item]:
    given = cloudformation.parameter_values(spans[0][0]) if len(spans) == 1 else None
    if given is not None:
        yield from _responses(terraform.read_tfvars(given), source, strict, "stack parameter values: none")
        return
    index = LineIndex(text)
    steampipe = inventory.query_rows(spans[0][0]) if len(spans) == 1 else None
    if steampipe is not None:  # Steampipe's rows: read as a list of them is
        spans = [(steampipe, spans[0][1], spans[0][2])]
    listed = len(spans) == 1 and isinstance(spans[0][0], list)
    if listed:
        items, start, end = spans[0]
        if not items:
            yield ScanError(source, f"{source}: top level is an empty list, not an API response object")
            return
        spans = [(item, start, end) for item in items]  # a list of pages: each is a response
    if listed and all(isinstance(d, list) and d and all(isinstance(x, dict) for x in d) for d, _, _ in spans):
        # `--query 'AutoScalingGroups[].Tags'`: a list of each group's list of items
        spans = [(x, start, end) for d, start, end in spans for x in d]
    bad = [d for d, _, _ in spans if not isinstance(d, dict)]
    if bad and listed and all(not isinstance(d, dict) for d, _, _ in spans) and _has_text(bad):
        yield Skipped(source, QUERY_VALUES)
        yield Document(source, {RECORDS: [d for d, _, _ in spans]}, None)
        return
    if bad:
        kind = (
            "a list" if isinstance(bad[0], list) else type(bad[0]).__name__ if bad[0] is not None else "null"
        )
        query = (
            " (a list of values, as `aws ... --query` prints them? save whole responses)" if listed else ""
        )
        yield ScanError(source, f"{source}: top level is {kind}, not an API response object{query}")
        return

    def locate(start: int, end: int) -> Locate:
        return ExportLocator(index, start, end)

    def relocate(start: int) -> Callable[[], Any]:
        def again() -> Any:
            if len(text) > LOCATED_MAX_CHARS:
                return None
            try:
                return loads_located(text, start)[0]
            except (ValueError, RecursionError):
                return None

        return again

    yield from _group_items(
        ((doc, locate(start, end), relocate(start)) for doc, start, end in spans), source, "JSON", strict
    )


def _group_items(
    docs: Iterator[tuple[Any, Locate | None, Callable[[], Any] | None]],
    source: str,
    syntax: str,
    strict: bool,
    runs: bool = True,
) -> Iterator[Item]:
    """Documents in order, with runs of bare items of one kind (`--query` output) as one response (with
    `runs` False each item is one, where each has a place of its own: a CSV file's rows), and CloudTrail
    events one by one (a log's lines) as one log."""
    run: list[Any] = []
    events: list[Any] = []
    sent: list[Any] = []  # messages and events Auto Scaling sent: read together, each hook once
    run_kind: str | None = None
    run_locate: Locate | None = None
    for doc, locate, relocate in docs:
        event = cloudtrail.single_event(doc)
        if event is not None:
            events.append(event)
            continue
        kind = sniff.item_kind(doc)
        try:
            normalized = inventory.normalized_row(doc) if kind is None else None
        except RecursionError:
            yield too_deep(source)
            continue
        if normalized is not None:
            doc, kind = normalized  # (an inventory tool's row: CloudQuery's snake_case columns)
            if not runs:
                yield Document(source, {kind: [doc]}, locate)
                continue
        if run and kind != run_kind:
            yield Document(source, {str(run_kind): run}, run_locate)
            run = []
        if kind is not None:
            run.append(doc)
            run_kind, run_locate = kind, locate
            continue
        yield from _classify(doc, source, syntax, strict, locate, relocate, sent)
    if run:
        yield Document(source, {str(run_kind): run}, run_locate)
    if events:
        yield from _recorded(cloudtrail.convert, {"Records": events}, source, strict, cloudtrail.NO_RESOURCES)
    if sent:
        yield from _recorded(messages.convert, sent, source, strict, messages.NO_RESOURCES)


def too_deep(source: str) -> ScanError:
    return ScanError(source, f"{source}: a document nests too deeply to read")


def _bounded(convert: Callable[[Any], Responses], doc: Any) -> Responses | None:
    """What a converter makes of a document, or None when the document nests too deeply to convert."""
    try:
        return convert(doc)
    except RecursionError:
        return None


def _recorded(
    convert: Callable[[Any], Responses],
    doc: Any,
    source: str,
    strict: bool,
    nothing: str,
    per_source: bool = False,
) -> Iterator[Item]:
    """The responses a converter makes of a document: an account's records (CloudTrail events, lists of
    tags, Config items: not `per_source`) or a tool's code (Pulumi, Ansible); an error when the document
    nests too deeply to convert."""
    responses = _bounded(convert, doc)
    if responses is None:
        yield too_deep(source)
        return
    yield from _responses(responses, source, strict, nothing, per_source=per_source)


def _classify(
    doc: Any,
    source: str,
    syntax: str,
    strict: bool,
    locate: Locate | None,
    relocate: Callable[[], Any] | None,
    sent: list[Any] | None = None,
) -> Iterator[Item]:
    """The documents one decoded value stands for; messages Auto Scaling sent go to `sent` when given (to be
    read with the others of their input), else are read at once."""
    inner = cloudformation.embedded(doc)
    if isinstance(inner, str):  # get-template's TemplateBody: the template's own text
        yield from documents(inner, f"{source}", strict=strict)
        return
    if inner is not None:
        yield from _responses(cloudformation.convert(inner), source, strict, cloudformation.NO_RESOURCES)
        return
    if cloudformation.is_template(doc):
        located = relocate() if relocate is not None else None
        template = located if isinstance(located, dict) else doc
        if not cloudformation.has_scanned_resources(template):
            yield _skip(source, cloudformation.NO_RESOURCES, strict)
            return
        yield from _responses(cloudformation.convert(template), source, strict, cloudformation.NO_RESOURCES)
        return
    if terraform.is_terraform(doc):
        located = relocate() if relocate is not None else None
        yield from _responses(
            terraform.read_json(located if isinstance(located, dict) else doc),
            source,
            strict,
            terraform.NO_RESOURCES,
        )
        return
    if kubernetes.is_manifest(doc):
        managed = _bounded(kubernetes.convert, doc)
        if managed is None:
            yield too_deep(source)
            return
        if len(managed):
            yield from _responses(managed, source, strict, "")
            return
    if pulumi.is_program(doc):
        yield from _recorded(pulumi.convert, doc, source, strict, pulumi.NO_RESOURCES, per_source=True)
        return
    # an account's resources as calls wrote them, as their tags list, as Config recorded them: not per_source
    for recognise, convert, nothing in (
        (cloudtrail.is_trail, cloudtrail.convert, cloudtrail.NO_RESOURCES),
        (tagging.is_tagging, tagging.convert, tagging.NO_RESOURCES),
        (awsconfig.is_config, awsconfig.convert, awsconfig.NO_RESOURCES),
    ):
        if recognise(doc):
            yield from _recorded(convert, doc, source, strict, nothing)
            return
    if isinstance(doc, dict) and identify(doc) is not None:
        yield Document(source, doc, locate)
        return
    if messages.is_messages(doc):  # (queues' messages, SNS envelopes, EventBridge events)
        if sent is not None:
            sent.append(doc)
        else:
            yield from _recorded(messages.convert, doc, source, strict, messages.NO_RESOURCES)
        return
    if (
        isinstance(doc, dict)
        and sniff.other_format(doc) is None
        and not sniff.misspelt_response(doc)  # (say so instead)
        and _about_auto_scaling(doc)
    ):
        yield Document(source, {RECORDS: [doc]}, locate)  # (a home-grown job's record of a resource)
        return
    yield _skip(source, sniff.unrecognised(doc, syntax), strict)


# What says that a record of a shape no API returns is about an Auto Scaling resource: an Auto Scaling ARN, a
# launch template's id, a key that names one of its resources (`auto_scaling_group_name`), or a kind or type
# that does (`"kind": "lifecycle_hook"`); an application's settings that mention auto scaling are not.
_AUTO_SCALING = re.compile(
    r"arn:aws[\w-]*:autoscaling:|\blt-[0-9a-f]{8,17}\b"
    r"|auto_?scaling_?group_?(?:name|arn)|launch_?template_?(?:id|name)|launch_?configuration_?name"
    r"|lifecycle_?hook_?name"
    r"|\"(?:kind|type|resource_?type)\":\s*\"[^\"]{0,40}(?:auto_?scaling|launch_?template|launch_?configuration"
    r"|lifecycle_?hook)",
    re.IGNORECASE,
)
_RECORD_TEXT_MAX = 64 * 1024


def _about_auto_scaling(doc: dict[str, Any]) -> bool:
    """Whether a record's first `_RECORD_TEXT_MAX` characters of JSON name an Auto Scaling resource (written
    out a piece at a time: a large document is never serialised whole to look at its start)."""
    pieces: list[str] = []
    size = 0
    try:
        for piece in json.JSONEncoder(default=str).iterencode(doc):
            pieces.append(piece)
            size += len(piece)
            if size >= _RECORD_TEXT_MAX:
                break
    except (ValueError, RecursionError):
        return False
    return _AUTO_SCALING.search("".join(pieces)) is not None


def _has_text(value: Any, depth: int = 0) -> bool:
    """Whether a list of values holds a string, nested at most 8 deep (numbers alone: nothing to read)."""
    if isinstance(value, str):
        return True
    return isinstance(value, list) and depth < 8 and any(_has_text(v, depth + 1) for v in value)


# `aws ... --query` output of values without their keys (`AutoScalingGroups[].[Name, Tags[?Key=='Owner']]`)
QUERY_VALUES = (
    "values without their keys (`aws ... --query` output): scanned as free text, but what only a key tells"
    " (a name under Owner) is not found; save whole responses, or whole items (--query 'AutoScalingGroups[]')"
)


def _responses(
    responses: Responses, source: str, strict: bool, nothing: str, per_source: bool = True
) -> Iterator[Item]:
    if not len(responses) and not responses.parameters:
        yield _skip(source, nothing, strict)
        return
    for note in responses.notes:
        yield Skipped(source, note)
    for doc in responses.documents():
        yield Document(source, doc, per_source=per_source)


# --- AWS CLI text output ----------------------------------------------------------------------------------


def _cli_output(text: str, source: str, hint: str, strict: bool) -> Iterator[Item]:
    table = hint.startswith(sniff.CLI_TABLE)
    parsed = clitable.parse(text) if table else clitext.parse(text)
    if parsed is None or identify(parsed[0]) is None:
        yield _skip(source, hint, strict)
        return
    response, lost = parsed
    if lost:
        what = sniff.CLI_TABLE if table else sniff.CLI_TEXT
        yield Skipped(
            source,
            f"{what}: {lost} line{'s' if lost != 1 else ''} not placed in the response (the rest is read;"
            " --output json gives every field)",
        )
    yield Document(source, response)


# --- CDK apps' source -------------------------------------------------------------------------------------


def _cdk_app(text: str, source: str, name: str) -> Iterator[Item]:
    docs, lines = cdkapp.convert(text, Path(name).stem or "cdk-app")
    if not docs:
        yield Skipped(source, cdkapp.NO_VALUES)
        return

    def locate(field: Any) -> int | None:
        return lines.get((field.path, field.value))

    for doc in docs:
        yield Document(source, doc, locate, per_source=True)


# --- CSV -----------------------------------------------------------------------------------------------


def _csv(text: str, source: str, strict: bool) -> Iterator[Item]:
    rows, error = inventory.rows(text)
    if not rows and error is None:
        reason = f"CSV whose columns are not an inventory table of Auto Scaling data; {sniff.SUPPORTED}"
        yield _skip(source, reason, strict)
        return
    yield from _group_items(
        ((row, _line_of(line), None) for line, row in rows), source, "CSV", strict, runs=False
    )
    if error is not None:
        yield ScanError(source, f"{source}: invalid CSV at {error}; the rows before it are read")


def _line_of(line: int) -> Locate:
    return lambda field: line


# --- Python's printed responses ------------------------------------------------------------------------


def _printed(text: str, source: str, strict: bool) -> Iterator[Item]:
    found = False
    for response in pyrepr.responses(text):
        if isinstance(response, str):
            yield ScanError(source, f"{source}: {response}")
            continue
        found = True
        yield from _classify(response, source, "Python", strict, None, None)
    if not found:
        yield _skip(source, f"text without a response Python printed; {sniff.SUPPORTED}", strict)


# --- XML ------------------------------------------------------------------------------------------------


def _xml(text: str, source: str, strict: bool) -> Iterator[Item]:
    try:
        doc = apixml.parse(text)
    except apixml.XmlError as e:
        if e.error:
            yield ScanError(source, f"{source}: {e}")
        else:
            yield _skip(source, f"{e}; {sniff.SUPPORTED}", strict)
        return
    if identify(doc) is None:
        yield _skip(source, sniff.unrecognised(doc, "XML"), strict)
        return
    yield Document(source, doc)


# --- YAML and HCL ----------------------------------------------------------------------------------------


def _yaml(text: str, source: str, strict: bool) -> Iterator[Item]:
    dups = Duplicates()
    try:
        docs = load_all(text, dups)
    except YamlError as e:
        if any(hint in text for hint in _AWS_YAML_HINTS):
            yield ScanError(source, f"{source}: {e}")
        else:  # not ours: a directory holds all sorts of YAML
            yield _skip(source, f"not JSON, YAML or HCL that metascan reads ({e}); {sniff.SUPPORTED}", strict)
        return
    if not docs:
        yield ScanError(source, f"{source}: file is empty")
        return
    if all(isinstance(d, list) for d in docs) and any(ansible.is_playbook(d) for d in docs):
        for doc in docs:  # an Ansible playbook or task list
            yield from _recorded(ansible.convert, doc, source, strict, ansible.NO_RESOURCES, per_source=True)
        return
    flat: list[Any] = []
    for doc in docs:  # `--output yaml-stream` writes a list of pages
        flat.extend(doc if isinstance(doc, list) and doc and all(isinstance(d, dict) for d in doc) else [doc])
    if all(isinstance(d, str) for d in flat):
        yield _skip(source, f"plain text, not AWS output; {sniff.SUPPORTED}", strict)
        return
    yield from _group_items(((doc, None, None) for doc in flat), source, "YAML", strict)
    duplicates = dups.error(source, syntax="YAML mappings")
    if duplicates is not None:
        yield duplicates


def _hcl(text: str, source: str, strict: bool) -> Iterator[Item]:
    try:
        folder = Path(source).parent if Path(source).is_file() else None
        blocks = hcl.parse(text, lambda: module_locals(source), folder)
    except hcl.HclError as e:
        yield ScanError(source, f"{source}: {e}")
        return
    modules = terraform.module_notes(blocks)
    nothing = terraform.NO_RESOURCES + (f"; {modules[0]}" if len(modules) == 1 else "")
    if len(modules) > 1:
        nothing += f"; {len(modules)} module blocks not evaluated: read what they make from a plan"
    yield from _responses(terraform.read_blocks(blocks), source, strict, nothing)


def _tfvars(text: str, source: str, strict: bool) -> Iterator[Item]:
    try:
        values = hcl.parse_values(text)
    except hcl.HclError as e:
        yield ScanError(source, f"{source}: {e}")
        return
    yield from _responses(terraform.read_tfvars(values), source, strict, "Terraform variable values: none")


# Terragrunt (https://terragrunt.gruntwork.io/docs/reference/config-blocks-and-attributes/): `inputs` are
# the values the module in `terraform { source = ... }` is given, as a `.tfvars` file gives them; of the
# registry's autoscaling module they are what it makes (as of a `module` block of a `.tf` file).
_TERRAGRUNT_SOURCE = re.compile(
    r'^terraform\s*\{[^{}]*?^\s*source\s*=\s*"([^"\n]*)"', re.MULTILINE | re.DOTALL
)


def _terragrunt(text: str, source: str, strict: bool) -> Iterator[Item]:
    try:
        values = hcl.parse_values(text)
    except hcl.HclError as e:
        yield ScanError(source, f"{source}: {e}")
        return
    inputs = values.get("inputs")
    if not isinstance(inputs, dict) or not inputs:
        yield _skip(source, "a Terragrunt configuration without inputs", strict)
        return
    found = _TERRAGRUNT_SOURCE.search(text)
    module = found.group(1) if found else None
    if terraform.is_registry_asg(module):
        label = Path(source).parent.name or "terragrunt"  # (the folder names the unit)
        made = terraform.responses_of(terraform.registry_asg(label, {"source": module, **inputs}), [])
        yield from _responses(made, source, strict, terraform.NO_RESOURCES)
        return
    yield from _responses(terraform.read_tfvars(inputs), source, strict, "Terragrunt inputs: none")


# A Terraform module is a folder: `local.NAME` may be defined in any of its `.tf` files (often `locals.tf`).
MODULE_MAX_FILES = 500  # .tf files looked at in one folder
MODULE_MAX_BYTES = 1024 * 1024  # a larger one is not read for its locals
MODULE_MAX_TOTAL = 8 * 1024 * 1024  # what is read of one folder for its locals, at most
_modules: OrderedDict[tuple[str, tuple[tuple[str, int, int], ...]], hcl.Locals] = OrderedDict()
_modules_lock = threading.Lock()  # (the library may be called from several threads)


def module_locals(source: str) -> hcl.Locals:
    """The local values defined in the `.tf` files of the folder that holds `source` (none when it is not
    a file, e.g. standard input).  Files without a `locals` block, larger than `MODULE_MAX_BYTES`, beyond
    the first `MODULE_MAX_FILES` or `MODULE_MAX_TOTAL` bytes, and those that cannot be read or parsed, are
    left out: a file the scan reads reports its own errors.  Kept for the last few folders (each file of a
    folder asks)."""
    folder = Path(source).parent
    if not Path(source).is_file():
        return hcl.Locals()
    try:
        names = sorted(p for p in folder.iterdir() if p.suffix == ".tf")[:MODULE_MAX_FILES]
        stats = [(p, p.stat()) for p in names]
    except OSError:
        return hcl.Locals()
    signature = tuple(
        (str(p), st.st_mtime_ns, st.st_size) for p, st in stats if st.st_size <= MODULE_MAX_BYTES
    )
    key = (str(folder), signature)
    with _modules_lock:
        found = _modules.get(key)
        if found is not None:
            _modules.move_to_end(key)
            return found
    texts: list[str] = []
    budget = MODULE_MAX_TOTAL
    for name, _, size in signature:
        if size > budget:
            break  # (a folder of many large files: the first ones, by name, are read)
        try:
            text = Path(name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        budget -= size
        if _LOCALS_BLOCK.search(text):
            texts.append(text)
    found = hcl.Locals.of(texts, folder)
    with _modules_lock:
        _modules[key] = found
        if len(_modules) > 8:
            _modules.popitem(last=False)
    return found


_LOCALS_BLOCK = re.compile(r'(?m)^[ \t]*(?:locals[ \t]*\{|data[ \t]+"(?:' + "|".join(hcl.RENDERED) + ')")')
