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


def test_a_documented_example_is_dropped_by_every_credential_rule() -> None:
    """Okta's allowlist names its documented example by a pattern; the Authorization header rule, which
    also sees the value after `SSWS`, drops it too (`share_documented_examples`)."""
    text = "curl -H 'Authorization: SSWS 00QCjAl4MlV-WPXMq7Rt2Lx9Vn4Kp8Wz3Yb6Hd1Fs5' https://acme.okta.com/api/v1"
    assert [h.rule.id for h in ENGINE.scan(text, FieldKind.SCRIPT).hits] == []
    real = "curl -H 'Authorization: SSWS 00Rm3Tn8Vp2Wq7Xs1Yt6Zu4Av9Bw5Cx0Dy' https://acme.okta.com/api/v1"
    assert {h.secret for h in ENGINE.scan(real, FieldKind.SCRIPT).hits} == {
        "00Rm3Tn8Vp2Wq7Xs1Yt6Zu4Av9Bw5Cx0Dy"
    }
