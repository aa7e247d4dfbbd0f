"""Structural checks (data-protection posture): a registry separate from the pattern rules.

Each check looks at a resource record as read and yields findings with `evidence` instead of `match`.
"""

from __future__ import annotations

from .scanner import Check


def default_checks() -> list[Check]:
    """The structural checks run by default."""
    return []
