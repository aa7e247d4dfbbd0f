"""Every rule's own examples: each `match` example is found by that rule, each `no_match` is not."""

from __future__ import annotations

import pytest

from metascan.detect.engine import Engine
from metascan.detect.rules import Example, Rule, load_rules
from metascan.detect.textctx import TextContext

RULES = load_rules()
ENGINE = Engine(RULES)


def _hits(rule: Rule, ex: Example) -> list[str]:
    ctx = TextContext(ex.text, ex.kind, ex.key, ex.protocol)
    if rule not in ENGINE.candidates(ctx):
        return []
    return [h.secret for h in ENGINE.rule_hits(rule, ctx)]


CASES_MATCH = [pytest.param(r, ex, id=f"{r.id}:{i}") for r in RULES for i, ex in enumerate(r.examples_match)]
CASES_NO_MATCH = [
    pytest.param(r, ex, id=f"{r.id}:{i}") for r in RULES for i, ex in enumerate(r.examples_no_match)
]


@pytest.mark.parametrize(("rule", "example"), CASES_MATCH)
def test_match_examples_are_found(rule: Rule, example: Example) -> None:
    found = _hits(rule, example)
    assert found, f"{rule.id} did not match its example {example.text!r}"
    if example.secret is not None:
        assert example.secret in found


@pytest.mark.parametrize(("rule", "example"), CASES_NO_MATCH)
def test_no_match_examples_are_not_found(rule: Rule, example: Example) -> None:
    assert _hits(rule, example) == [], f"{rule.id} matched its no_match example {example.text!r}"


def test_every_rule_has_both_kinds_of_example() -> None:
    for rule in RULES:
        assert rule.examples_match and rule.examples_no_match, rule.id
