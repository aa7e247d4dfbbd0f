"""Published example values (a card network's test number, a documentation IBAN) are reported, at low
confidence; the same rule's other values keep the rule's confidence."""

from __future__ import annotations

import pytest

from metascan.detect.engine import Engine
from metascan.detect.rules import load_rules
from metascan.model import Confidence, FieldKind

ENGINE = Engine(load_rules())


def _found(text: str) -> dict[str, tuple[str, Confidence]]:
    return {h.secret: (h.rule.id, h.confidence) for h in ENGINE.scan(text, FieldKind.TEXT).hits}


@pytest.mark.parametrize(
    ("text", "value", "rule"),
    [
        ("refund card 4012888888881881", "4012888888881881", "payment-card-number"),
        ("refund card 3782 822463 10005", "3782 822463 10005", "payment-card-number"),
        ("IBAN: DE89 3704 0044 0532 0130 00", "DE89 3704 0044 0532 0130 00", "iban"),
        ("IBAN: AT611904300234573201", "AT611904300234573201", "iban"),
    ],
)
def test_a_published_example_is_reported_at_low_confidence(text: str, value: str, rule: str) -> None:
    assert _found(text).get(value) == (rule, Confidence.LOW)


def test_other_values_keep_the_rule_s_confidence() -> None:
    found = _found("refund card 4532715337901245, IBAN DE75512108001245126199")
    assert found["4532715337901245"] == ("payment-card-number", Confidence.HIGH)
    assert found["DE75512108001245126199"][1] is not Confidence.LOW
