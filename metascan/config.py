"""The configuration file: `metascan.toml`, or `[tool.metascan]` in `pyproject.toml`.

Named with `--config` or `METASCAN_CONFIG`; else found by walking up from the working directory (in each
folder `metascan.toml` first, then a `pyproject.toml` with a `[tool.metascan]` table); else the user's
`$XDG_CONFIG_HOME/metascan/config.toml` (`~/.config/metascan/config.toml`).  It holds options and
suppressions (top-level keys come before the first table)::

    report_own_account_id = true     # also report a resource's own account id (as --report-own-account-id)

    [[suppress]]
    reason = "test fixtures, not real customers"   # required
    rule = "email-address"                          # rule id or glob
    resource = "arn:aws:autoscaling:*:*:autoScalingGroup:*:autoScalingGroupName/test-*"  # id or ARN glob
    field = "Tags[*].Value"                         # field path glob
    value = '@example\\.org$'                       # regular expression searched in the raw value

An entry needs a reason and at least one of rule, resource, field, value; all that it gives must match.
In globs only `*` (any run of characters) and `?` (one character) are special, so field paths such as
`Tags[Owner].Value` are written as they appear in reports.  Anything malformed is a `ConfigError` naming
the file and the entry: a config that does not do what its author meant is never silently ignored.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError

CONFIG_FILE = "metascan.toml"
PYPROJECT = "pyproject.toml"
USER_CONFIG = "config.toml"
ENV_CONFIG = "METASCAN_CONFIG"

_TOP_KEYS = {"suppress", "report_own_account_id"}
_CRITERIA = ("rule", "resource", "field", "value")
_ENTRY_KEYS = {"reason", *_CRITERIA}


def glob(pattern: str) -> re.Pattern[str]:
    """A compiled glob where only `*` and `?` are special (brackets are literal, as in field paths)."""
    parts = (".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile("".join(parts), re.DOTALL)


@dataclass(frozen=True, slots=True)
class Suppression:
    """One `[[suppress]]` entry, with its patterns compiled."""

    source: str  # the config file
    index: int  # 1-based position among the file's [[suppress]] entries
    reason: str
    rule: str | None = None
    resource: str | None = None
    field: str | None = None
    value: str | None = None  # a regular expression; never echoed into reports (it may be a secret)
    rule_re: re.Pattern[str] | None = None
    resource_re: re.Pattern[str] | None = None
    field_re: re.Pattern[str] | None = None
    value_re: re.Pattern[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        """How a report names this entry (in `unused_suppressions`): without the value regex itself."""
        out: dict[str, Any] = {"source": self.source, "index": self.index, "reason": self.reason}
        for name in ("rule", "resource", "field"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.value is not None:
            out["value"] = True
        return out


@dataclass(frozen=True, slots=True)
class Config:
    source: str | None = None  # the file read, or None when there was none
    suppressions: tuple[Suppression, ...] = ()
    report_own_account_id: bool = False  # as --report-own-account-id


def find_config(directory: Path) -> Path | None:
    """`metascan.toml` in `directory`, else its `pyproject.toml` when that has a `[tool.metascan]` table."""
    candidate = directory / CONFIG_FILE
    if candidate.is_file():
        return candidate
    pyproject = directory / PYPROJECT
    if pyproject.is_file() and _table(_read(pyproject), pyproject, required=False) is not None:
        return pyproject
    return None


def user_config_path(environ: Mapping[str, str] | None = None) -> Path:
    """`$XDG_CONFIG_HOME/metascan/config.toml` (default `~/.config/metascan/config.toml`)."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "metascan" / USER_CONFIG


def discover_config(directory: Path, environ: Mapping[str, str] | None = None) -> Path | None:
    """The config that applies in `directory`: the nearest folder from it up to the root that has one (see
    `find_config`), else the user's config file when it exists, else None."""
    for folder in (directory, *directory.parents):
        found = find_config(folder)
        if found is not None:
            return found
    user = user_config_path(environ)
    return user if user.is_file() else None


def load_config(path: str | Path | None = None, directory: Path | None = None) -> Config:
    """The config named by `path` (`--config`) or `METASCAN_CONFIG`, else the one `discover_config` finds from
    `directory` (default: the working directory); no file at all gives an empty config."""
    if path is None:
        path = os.environ.get(ENV_CONFIG) or None
    if path is None:
        found = discover_config(directory if directory is not None else Path.cwd().resolve())
        if found is None:
            return Config()
        file = found
    else:
        file = Path(path)
    table = _table(_read(file), file, required=True)
    assert table is not None
    return parse_config(table, str(file))


def _read(file: Path) -> dict[str, Any]:
    try:
        with file.open("rb") as f:
            return tomllib.load(f)
    except OSError as e:
        raise ConfigError(f"{file}: cannot read config file: {e.strerror or e}") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{file}: invalid TOML: {e}") from e
    except UnicodeDecodeError as e:
        raise ConfigError(f"{file}: config file is not UTF-8 text") from e


def _table(doc: dict[str, Any], file: Path, required: bool) -> Mapping[str, Any] | None:
    if file.name != PYPROJECT:
        return doc
    tool = doc.get("tool")
    table = tool.get("metascan") if isinstance(tool, dict) else None
    if table is None:
        if required:
            raise ConfigError(f"{file}: has no [tool.metascan] table")
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{file}: tool.metascan must be a table")
    return table


def parse_config(table: Mapping[str, Any], source: str) -> Config:
    """Validate a config table (the whole `metascan.toml`, or `[tool.metascan]`)."""
    unknown = set(table) - _TOP_KEYS
    if unknown:
        known = ", ".join(sorted(_TOP_KEYS))
        raise ConfigError(f"{source}: unknown keys: {', '.join(sorted(unknown))} (known: {known})")
    entries = table.get("suppress", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{source}: suppress must be an array of tables ([[suppress]])")
    own = table.get("report_own_account_id", False)
    if not isinstance(own, bool):
        raise ConfigError(f"{source}: report_own_account_id must be true or false")
    suppressions = tuple(_suppression(source, i, e) for i, e in enumerate(entries, start=1))
    return Config(source, suppressions, own)


def _suppression(source: str, index: int, entry: Any) -> Suppression:
    where = f"{source}: suppress entry {index}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: must be a table")
    unknown = set(entry) - _ENTRY_KEYS
    if unknown:
        known = ", ".join(sorted(_ENTRY_KEYS))
        raise ConfigError(f"{where}: unknown keys: {', '.join(sorted(unknown))} (known: {known})")
    for name in ("reason", *_CRITERIA):
        if name in entry and (not isinstance(entry[name], str) or not entry[name].strip()):
            raise ConfigError(f"{where}: {name} must be a non-empty string")
    if "reason" not in entry:
        raise ConfigError(f"{where}: reason is required")
    if not any(name in entry for name in _CRITERIA):
        raise ConfigError(f"{where}: needs at least one of rule, resource, field, value")
    value_re = None
    if "value" in entry:
        try:
            value_re = re.compile(entry["value"])
        except re.error as e:  # the message names the problem, never the pattern (it may be a secret)
            raise ConfigError(
                f"{where}: value is not a valid regular expression: {e.msg} at {e.pos}"
            ) from None
    rule, resource, field = (entry.get(n) for n in ("rule", "resource", "field"))
    return Suppression(
        source=source,
        index=index,
        reason=entry["reason"].strip(),
        rule=rule,
        resource=resource,
        field=field,
        value=entry.get("value"),
        rule_re=glob(rule) if rule is not None else None,
        resource_re=glob(resource) if resource is not None else None,
        field_re=glob(field) if field is not None else None,
        value_re=value_re,
    )
