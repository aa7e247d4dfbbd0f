"""One error hierarchy.  Per-input and per-call failures are data in the report (ScanError), not exceptions;
these exceptions are for problems that stop a run before it starts (bad rules, bad configuration)."""

from __future__ import annotations


class MetascanError(Exception):
    """Base of every error metascan raises on purpose.  Its message is one line meant for the user."""


class RuleError(MetascanError):
    """A pattern file or check definition is invalid.  The message names the file and the rule."""


class ConfigError(MetascanError):
    """Configuration (options, config file, key file, baseline) is invalid or unreadable."""


class InputError(MetascanError):
    """An input file could not be read or is not an AWS API response."""
