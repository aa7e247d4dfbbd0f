"""`rules_digest`: the same rules give the same digest in every process; another rule set another digest."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

from metascan.detect.rules import load_rules, parse_rules, rules_digest

RULE = """
[[rules]]
id = "demo-token"
title = "Demo token"
description = "A test rule."
category = "credential"
severity = "high"
confidence = "high"
regex = '''\\b(dmo_[a-z0-9]{20})\\b'''
secret_group = 1
keywords = ["dmo_"]
remediation = "Rotate it."
examples = { match = ["dmo_abcdefghij0123456789"], no_match = ["dmo_short"] }
"""


def test_the_same_in_every_process() -> None:
    code = "from metascan.detect.rules import load_rules, rules_digest; print(rules_digest(load_rules()))"
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert digests == {rules_digest(load_rules())}


def test_any_change_to_what_a_rule_finds_changes_it() -> None:
    rules = load_rules()
    base = rules_digest(rules)
    assert rules_digest(list(reversed(rules))) == base  # order does not matter
    assert rules_digest(rules[:-1]) != base
    demo = parse_rules(RULE, "demo.toml")[0]
    assert rules_digest([*rules, demo]) != base
    stricter = dataclasses.replace(demo, min_length=demo.min_length + 1)
    assert rules_digest([*rules, stricter]) != rules_digest([*rules, demo])
    moved = dataclasses.replace(demo, file="elsewhere.toml", examples_match=())
    assert rules_digest([*rules, moved]) == rules_digest([*rules, demo])  # where it lives does not count
