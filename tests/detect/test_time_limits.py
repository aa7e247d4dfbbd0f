"""The default time limits and their environment overrides (engine.default_time_limits)."""

from __future__ import annotations

import pytest

from metascan.api import make_scanner
from metascan.detect.engine import Engine, default_time_limits


def test_defaults_without_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("METASCAN_RULE_TIME_LIMIT", raising=False)
    monkeypatch.delenv("METASCAN_FIELD_TIME_LIMIT", raising=False)
    assert default_time_limits() == (1.0, 5.0)
    engine = Engine([])
    assert (engine.time_limit, engine.field_time_limit) == (1.0, 5.0)


@pytest.mark.parametrize(
    ("rule", "field", "expected"),
    [
        ("3", "30", (3.0, 30.0)),
        ("0", "-1", (1.0, 5.0)),
        ("fast", "inf", (1.0, 5.0)),
        ("0.25", "nan", (0.25, 5.0)),
    ],
)
def test_the_environment_sets_them_and_nonsense_is_ignored(
    monkeypatch: pytest.MonkeyPatch, rule: str, field: str, expected: tuple[float, float]
) -> None:
    monkeypatch.setenv("METASCAN_RULE_TIME_LIMIT", rule)
    monkeypatch.setenv("METASCAN_FIELD_TIME_LIMIT", field)
    assert default_time_limits() == expected
    scanner = make_scanner(fingerprint_key=b"k" * 32, rules=[])
    assert (scanner.engine.time_limit, scanner.engine.field_time_limit) == expected


def test_explicit_limits_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METASCAN_RULE_TIME_LIMIT", "9")
    engine = Engine([], time_limit=0.5, field_time_limit=2.0)
    assert (engine.time_limit, engine.field_time_limit) == (0.5, 2.0)
