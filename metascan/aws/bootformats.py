"""The documents boot agents read from user data, and the content each one holds in encoded form.

`parts(text, content_type, limits)` recognises one document and yields what it holds that the raw text does
not show as is: each a `Part` (bytes or text to decode further, named by its steps), or a problem (a skip
reason).  Documented formats:

- cloud-init `#cloud-config` YAML (also under a `## template: jinja` line, or a `text/cloud-config` MIME part
  without the header, or a `text/cloud-config-jsonp` part: a JSON patch): `write_files[].content` with
  `encoding: b64`, `gzip+base64` (and their aliases) or `!!binary`, and strings that YAML escapes change
  (`"A=1\\nTOKEN=..."`);
- cloud-init `#cloud-config-archive`: a YAML list of parts (`type`, `content`, other MIME headers), each
  decoded like a MIME part;
- Ignition (Fedora CoreOS, Flatcar; spec 2.x and 3.x), JSON with `ignition.version`: the data URLs of
  `storage.files[].contents` and `.append[]` (with `compression: gzip`) and of `ignition.config`
  merge/append/replace (whole configs), `systemd.units[].contents` and `.dropins[].contents`,
  `networkd.units[].contents`, HTTP headers as `Name: value` lines;
- any other JSON document: strings that JSON escapes change, read as the documents they are;
- EC2Launch v2, YAML with `version` and `tasks`: strings that YAML escapes change (`executeScript` inputs'
  `content`; the plain ones are in the raw text already);
- Bottlerocket TOML `[settings...]`: the base64 `user-data` of host and bootstrap containers, `aws.config`,
  `aws.credentials`, registry credentials' `auth`, and strings that TOML escapes change.

`passwd.users[].passwordHash` (Ignition) and `passwd` (cloud-config) are hashes: left to the detectors, which
do not report crypt hashes.  Names that users choose (file paths, container names) never appear in a step: an
entry is named by its index, so a path that holds an e-mail address does not leak into the decoding chain.
YAML is loaded only after counting its nodes with aliases expanded (an alias bomb of a few hundred bytes
expands to 10^9 items).
"""

from __future__ import annotations

import base64
import json
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import regex
import yaml

from .codecs import b64decode, parse_data_url


@dataclass(frozen=True, slots=True)
class Part:
    """Content a document holds: bytes or text to decode further, the steps that name it, and its MIME type
    when the document declares one."""

    data: bytes | str
    steps: tuple[str, ...]
    content_type: str | None = None
    transfer_encoding: str | None = None
    source: str | None = None  # the encoded text as the document has it (text layers leave it alone)
    path: str | None = None  # the file it is written to (write_files' `path`), which names what it holds


Item = Part | str  # a str is a problem: a skip reason


@dataclass(frozen=True, slots=True)
class FormatLimits:
    max_yaml_nodes: int = 100_000  # nodes of one YAML document with aliases expanded
    max_strings: int = 256  # strings changed by YAML/TOML escapes, taken from one document
    time_limit: float = 2.0  # seconds for comparing one document's strings with its raw text


# PyYAML's C-accelerated safe loader (libyaml, shipped in its wheels) is ten times faster than the Python one.
_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_JINJA = regex.compile(r"\A##\s*template:\s*jinja[^\n]*+\n")
_CLOUD_TYPES = {"text/cloud-config", "text/cloud-config-jsonp"}
_IGNITION = regex.compile(r'"ignition"\s*+:\s*+\{')
_EC2LAUNCH = regex.compile(r"(?m)^tasks\s*+:")
_EC2LAUNCH_VERSION = regex.compile(r"(?m)^version\s*+:")
_BOTTLEROCKET = regex.compile(r"(?m)^[ \t]*+\[settings[.\]]|^settings\.")
_TIME_LIMIT = 1.0  # seconds for one recognising pattern on one text


def kind_of(text: str, content_type: str | None = None) -> str | None:
    """Which document `text` is: a key of `READERS`, or None for anything else (a script, plain text)."""
    body = text[:256].lstrip()
    if body.startswith("##"):
        body = _JINJA.sub("", body, count=1, timeout=_TIME_LIMIT).lstrip()
    head = body[:32].lower()
    if content_type == "text/cloud-config-archive" or head.startswith("#cloud-config-archive"):
        return "cloud-config-archive"
    if content_type in _CLOUD_TYPES or head.startswith("#cloud-config"):
        return "cloud-config"
    if body[:1] == "{" and _IGNITION.search(text, 0, 65536, timeout=_TIME_LIMIT) is not None:
        return "ignition"
    if (
        "tasks" in text
        and _EC2LAUNCH.search(text, timeout=_TIME_LIMIT) is not None
        and _EC2LAUNCH_VERSION.search(text, timeout=_TIME_LIMIT) is not None
    ):
        return "ec2launch"
    if "settings" in text and _BOTTLEROCKET.search(text, timeout=_TIME_LIMIT) is not None:
        return "bottlerocket"
    # Other JSON (an array, not a TOML table header such as `[settings]`), when an escape may hide something.
    if "\\" in text and (body[:1] == "{" or (body[:1] == "[" and body[1:].lstrip()[:1] in '{["-]')):
        return "json"
    return None


def parts(text: str, content_type: str | None = None, limits: FormatLimits | None = None) -> Iterator[Item]:
    """What the document in `text` holds in encoded form (nothing for a document metascan does not know)."""
    try:
        kind = kind_of(text, content_type)
    except TimeoutError:
        yield "time limit stopped recognising the document; scanned as text"
        return
    if kind is not None:
        yield from READERS[kind](text, limits or FormatLimits())


# --- YAML, bounded ---------------------------------------------------------------------------------------


def _expanded_nodes(text: str, limit: int) -> int | None:
    """The number of nodes of the YAML in `text` with every alias expanded, or None past `limit`: counted
    from the parser's events, without building the document."""
    sizes: dict[str, int] = {}
    frames: list[list[Any]] = []  # [nodes so far, anchor] of each open collection
    total = 0
    for event in yaml.parse(text, Loader=_YAML_LOADER):
        if isinstance(event, yaml.AliasEvent):
            n = sizes.get(event.anchor or "", 1)
        elif isinstance(event, yaml.ScalarEvent):
            n = 1
            if event.anchor:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.CollectionStartEvent):
            total += 1
            if total > limit:
                return None
            frames.append([1, event.anchor])
            continue
        elif isinstance(event, yaml.CollectionEndEvent) and frames:
            count, anchor = frames.pop()
            if anchor:
                sizes[anchor] = count
            if frames:
                frames[-1][0] += count
            continue
        else:
            continue
        total += n
        if total > limit:
            return None
        if frames:
            frames[-1][0] += n
    return total


def load_yaml(text: str, limits: FormatLimits) -> tuple[Any, str | None]:
    """The YAML document in `text` and a problem: not YAML, or too many nodes once aliases are expanded."""
    try:
        if "&" in text and "*" in text and _expanded_nodes(text, limits.max_yaml_nodes) is None:
            return None, (
                f"more than {limits.max_yaml_nodes} YAML nodes once aliases are expanded (an alias bomb?)"
            )
        return yaml.load(text, Loader=_YAML_LOADER), None  # noqa: S506 - a safe loader (libyaml's when present)
    except (yaml.YAMLError, RecursionError, ValueError):
        return None, "not valid YAML"


_SAFE_KEY = regex.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,39}")
_DIGIT_RUN = regex.compile(r"\d{5}")


def _key(key: Any) -> str:
    """A mapping key as it may appear in a decoding step: a short identifier (`write_files`, `runcmd`), or
    `*` for anything a user may have written (a path, an address, a number)."""
    if isinstance(key, str) and len(key) <= 40:
        try:
            if _SAFE_KEY.fullmatch(key, timeout=_TIME_LIMIT) and not _DIGIT_RUN.search(
                key, timeout=_TIME_LIMIT
            ):
                return f".{key}"
        except TimeoutError:
            pass
    return "[*]"


def _changed_strings(doc: Any, raw: str, prefix: str, limits: FormatLimits) -> Iterator[Item]:
    """Strings of a parsed document that its syntax changed (escapes, quotes), so the raw text does not show
    them as they are: `"A=1\\nTOKEN=..."` in YAML or TOML.  White space is folded before comparing, so block
    scalars, which only lose their indentation, are not taken twice.

    Strings come in the document's order, so each is looked for from where the one before it was found: linear
    for a document that holds them as they are (searching the whole text for each of 80,000 strings took 200 s
    on 1.7 MB).  Only a string not found after that point is looked for before it, and all of it runs within
    a time limit: past it, the rest is a skip."""
    flat = " ".join(raw.split())
    cursor = 0
    deadline = time.monotonic() + limits.time_limit
    taken = 0
    # Each node's place is (its parent's place, its key or index, whether an index): a string only for the
    # few strings taken (a document has thousands of keys).
    stack: list[tuple[Any, _Place]] = [(doc, None)]
    visited = 0
    while stack:
        node, place = stack.pop()
        visited += 1
        if visited > limits.max_yaml_nodes:
            yield f"{prefix} document has more than {limits.max_yaml_nodes} values; the rest not decoded"
            return
        if isinstance(node, dict):
            stack.extend((v, (place, k, False)) for k, v in reversed(list(node.items())))
        elif isinstance(node, list):
            stack.extend((v, (place, i, True)) for i, v in reversed(list(enumerate(node))))
        elif isinstance(node, str) and len(node) >= 8:
            if time.monotonic() > deadline:
                yield f"time limit ({limits.time_limit:g}s) stopped reading the {prefix} document's strings"
                return
            folded = " ".join(node.split())
            at = flat.find(folded, cursor)
            if at >= 0:
                cursor = at
                continue
            if flat.find(folded, 0, cursor + len(folded)) >= 0:
                continue
            taken += 1
            if taken > limits.max_strings:
                yield f"{prefix} document has over {limits.max_strings} escaped strings; the rest not decoded"
                return
            path = _path(place)
            yield Part(node, (f"{prefix}:{path.lstrip('.') or 'value'}",))


_Place = tuple["_Place", Any, bool] | None


def _path(place: _Place) -> str:
    """A node's path in a decoding step (`.write_files[0].content`), from its place (`_changed_strings`)."""
    steps = []
    while place is not None:
        place, key, index = place
        steps.append(f"[{key}]" if index else _key(key))
    return "".join(reversed(steps))


# --- cloud-init ------------------------------------------------------------------------------------------

_B64 = {"b64", "base64"}
_GZ_B64 = {"gz+b64", "gzip+base64", "gz+base64", "gzip+b64"}


def _escapes(text: str) -> bool:
    """Whether YAML or TOML syntax may change a string beyond its white space: an escape or a doubled
    quote.  Without one, every string is in the raw text as it is."""
    return "\\" in text or "''" in text


def _cloud_config(text: str, limits: FormatLimits) -> Iterator[Item]:
    encoded = "write_files" in text and ("encoding" in text or "!!binary" in text)
    if not encoded and not _escapes(text):
        return
    doc, problem = load_yaml(text, limits)
    if problem:
        yield f"cloud-config is {problem}; not decoded"
        return
    if not isinstance(doc, dict | list):  # a list: a cloud-config-jsonp patch
        return
    files = doc.get("write_files") if isinstance(doc, dict) else None
    for i, entry in enumerate(files if isinstance(files, list) else []):
        if not isinstance(entry, dict):
            continue
        encoding = entry.get("encoding")
        encoding = encoding.strip().lower() if isinstance(encoding, str) else ""
        content = entry.get("content")
        step = f"write_files[{i}]"
        path = entry.get("path") if isinstance(entry.get("path"), str) else None
        if isinstance(content, bytes):  # !!binary: YAML decoded the base64 itself
            yield Part(content, (step, "base64"), source=base64.b64encode(content).decode(), path=path)
        elif isinstance(content, str) and encoding in _B64 | _GZ_B64:
            data = b64decode(content)
            if data is None:
                yield f"write_files content is not valid base64 ({step})"
            else:
                yield Part(data, (step, "base64"), source=content, path=path)
    yield from _changed_strings(doc, text, "cloud-config", limits)


def _cloud_config_archive(text: str, limits: FormatLimits) -> Iterator[Item]:
    doc, problem = load_yaml(text, limits)
    if problem:
        yield f"cloud-config-archive is {problem}; not decoded"
        return
    if not isinstance(doc, list):
        yield "cloud-config-archive is not a list of parts; not decoded"
        return
    for i, entry in enumerate(doc):
        if isinstance(entry, str | bytes):
            entry = {"content": entry}
        if not isinstance(entry, dict):
            continue
        content = entry.get("content")
        if not isinstance(content, str | bytes) or not content:
            continue
        ctype = entry.get("type")
        headers = {str(k).lower(): v for k, v in entry.items()}
        cte = headers.get("content-transfer-encoding")
        yield Part(
            content,
            (f"cloud-config-archive[{i}]",),
            ctype.strip().lower() if isinstance(ctype, str) else None,
            cte.strip().lower() if isinstance(cte, str) else None,
        )


# --- Ignition --------------------------------------------------------------------------------------------


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _resource(resource: Any, name: str) -> Iterator[Item]:
    """An Ignition resource (`source`, `compression`, `httpHeaders`): its data URL decoded, its headers as
    `Name: value` lines (an Authorization header reads as one)."""
    res = _dict(resource)
    for j, header in enumerate(_list(res.get("httpHeaders"))):
        h = _dict(header)
        if isinstance(h.get("name"), str) and isinstance(h.get("value"), str):
            yield Part(f"{h['name']}: {h['value']}\n", (f"ignition:{name}.httpHeaders[{j}]",))
    source = res.get("source")
    if not isinstance(source, str) or source[:5].lower() != "data:":
        return
    url = parse_data_url(source)
    if url is None:
        yield f"Ignition data URL is malformed (ignition:{name}); not decoded"
    elif url.data:
        yield Part(url.data, (f"ignition:{name}", *url.steps), source=source)


def _ignition(text: str, limits: FormatLimits) -> Iterator[Item]:
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        yield "Ignition config is not valid JSON; not decoded"
        return
    if not isinstance(doc, dict):
        return
    config = _dict(_dict(doc.get("ignition")).get("config"))
    for key in ("merge", "append"):  # 3.x merge, 2.x append: whole configs
        for i, res in enumerate(_list(config.get(key))):
            yield from _resource(res, f"ignition.config.{key}[{i}]")
    yield from _resource(config.get("replace"), "ignition.config.replace")
    for i, f in enumerate(_list(_dict(doc.get("storage")).get("files"))):
        f = _dict(f)
        yield from _resource(f.get("contents"), f"storage.files[{i}]")
        for j, res in enumerate(_list(f.get("append"))):  # 3.x: a list of resources (2.x: a boolean)
            yield from _resource(res, f"storage.files[{i}].append[{j}]")
    for section in ("systemd", "networkd"):
        for i, unit in enumerate(_list(_dict(doc.get(section)).get("units"))):
            unit = _dict(unit)
            if isinstance(unit.get("contents"), str):
                yield Part(unit["contents"], (f"ignition:{section}.units[{i}]",))
            for j, dropin in enumerate(_list(unit.get("dropins"))):
                dropin = _dict(dropin)
                if isinstance(dropin.get("contents"), str):
                    yield Part(dropin["contents"], (f"ignition:{section}.units[{i}].dropins[{j}]",))


# --- other JSON ----------------------------------------------------------------------------------------


def _json(text: str, limits: FormatLimits) -> Iterator[Item]:
    """Any other JSON document: its strings that JSON escapes change (a script or a MIME document held in a
    string), each read as the document it is."""
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        return  # not JSON after all: scanned as text, as any text is
    yield from _changed_strings(doc, text, "json", limits)


# --- EC2Launch v2 and Bottlerocket -------------------------------------------------------------------------


def _ec2launch(text: str, limits: FormatLimits) -> Iterator[Item]:
    if not _escapes(text):
        return
    doc, problem = load_yaml(text, limits)
    if problem:
        yield f"EC2Launch v2 task configuration is {problem}; not decoded"
        return
    if isinstance(doc, dict):
        yield from _changed_strings(doc, text, "ec2launch", limits)


def _bottlerocket(text: str, limits: FormatLimits) -> Iterator[Item]:
    try:
        doc = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        yield "Bottlerocket settings are not valid TOML; not decoded"
        return
    settings = _dict(doc.get("settings"))
    encoded: list[tuple[Any, str]] = []
    for group in ("host-containers", "bootstrap-containers"):
        for i, container in enumerate(_dict(settings.get(group)).values()):
            encoded.append((_dict(container).get("user-data"), f"settings.{group}[{i}].user-data"))
    aws = _dict(settings.get("aws"))
    encoded.append((aws.get("config"), "settings.aws.config"))
    encoded.append((aws.get("credentials"), "settings.aws.credentials"))
    for i, cred in enumerate(_list(_dict(settings.get("container-registry")).get("credentials"))):
        encoded.append((_dict(cred).get("auth"), f"settings.container-registry.credentials[{i}].auth"))
    for value, name in encoded:
        if not isinstance(value, str) or not value:
            continue
        data = b64decode(value)
        if data is None:
            yield f"Bottlerocket {name} is not valid base64; not decoded"
        else:
            yield Part(data, (f"bottlerocket:{name}", "base64"), source=value)
    if _escapes(text):
        yield from _changed_strings(doc, text, "bottlerocket", limits)


READERS = {
    "cloud-config": _cloud_config,
    "cloud-config-archive": _cloud_config_archive,
    "ignition": _ignition,
    "json": _json,
    "ec2launch": _ec2launch,
    "bottlerocket": _bottlerocket,
}
