"""The bundled rule files compile on first use (rules._Loader): every pattern in them must compile, and what
the loader checked without compiling (the named groups) must be what the compiled pattern has."""

from pathlib import Path

import pytest
import regex

from metascan.detect.rules import LazyPattern, RuleError, load_rules


def _patterns(rule):  # type: ignore[no-untyped-def]
    yield "regex", rule.pattern
    yield "key", rule.key
    yield "value", rule.value
    yield "context.regex", rule.context.near
    for p in rule.allow_regexes:
        yield "allowlist", p


def test_every_bundled_pattern_compiles_and_its_named_groups_are_the_loaders() -> None:
    rules = load_rules()
    seen = 0
    for rule in rules:
        for name, p in _patterns(rule):
            if p is None:
                continue
            assert isinstance(p, LazyPattern), (rule.id, name)
            compiled = p.compiled()  # raises regex.error for a pattern that does not compile
            assert isinstance(compiled, regex.Pattern)
            assert set(p.groupindex) == set(compiled.groupindex), (rule.id, name)
            seen += 1
    assert seen > len(rules)


def test_a_bundled_rule_set_loads_without_compiling_its_patterns() -> None:
    rules = load_rules()
    lazy = [p for r in rules for _, p in _patterns(r) if isinstance(p, LazyPattern)]
    fresh = [p for p in lazy if p._compiled is None]
    # other tests of this process may have compiled some (the patterns of one process are not shared with
    # another load: load_rules makes new objects), so a fresh load has none compiled
    assert len(fresh) == len(lazy) > 1000


def test_a_users_rule_file_with_a_bad_pattern_fails_as_it_loads(tmp_path: Path) -> None:
    bad = tmp_path / "mine.toml"
    bad.write_text(
        """
[[rules]]
id = "mine"
title = "t"
description = "d"
remediation = "r"
category = "credential"
severity = "high"
regex = "(?P<secret>[a-z]+"
[rules.examples]
match = ["abc"]
no_match = ["1"]
"""
    )
    with pytest.raises(RuleError, match=r"mine.toml: rule 'mine': regex does not compile"):
        load_rules([bad])
