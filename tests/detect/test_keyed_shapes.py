"""Keyed secrets in every common configuration and code syntax, and the decoys beside them
(tests/fixtures/keyed.toml): the whole rule set reports exactly the expected findings."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from metascan.detect.engine import Engine
from metascan.detect.rules import load_rules
from metascan.model import FieldKind

ENGINE = Engine(load_rules())
CASES: list[dict[str, Any]] = tomllib.loads(
    (Path(__file__).parents[1] / "fixtures" / "keyed.toml").read_text(encoding="utf-8")
)["case"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_keyed_case(case: dict[str, Any]) -> None:
    result = ENGINE.scan(case["text"], FieldKind(case["kind"]), case.get("key"))
    assert result.timed_out == ()
    found = sorted([h.rule.id, h.secret] for h in result.hits)
    assert found == sorted(case["expect"])
