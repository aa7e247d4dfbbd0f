"""Pattern files are validated at load time; every loader error names the file and the rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from metascan.detect.rules import load_rules, parse_rules
from metascan.errors import RuleError

GOOD = """
[[rules]]
id = "demo-token"
title = "Demo token"
description = "A demo token."
category = "credential"
severity = "high"
remediation = "Rotate it."
regex = '''demo_(?P<secret>[a-z0-9]{8})'''
keywords = ["demo_"]
examples.match = ["demo_abcd1234"]
examples.no_match = ["demo_x"]
"""


def with_(replace: str, by: str) -> str:
    assert replace in GOOD
    return GOOD.replace(replace, by)


def test_a_good_rule_loads() -> None:
    (rule,) = parse_rules(GOOD, "demo.toml")
    assert rule.id == "demo-token" and rule.secret_group == "secret" and rule.keywords == ("demo_",)


def test_vendor_names_whose_format_a_rule_finds() -> None:
    text = with_('title = "Demo token"', 'title = "Demo token"\nvendor = " Demo Inc "')
    (rule,) = parse_rules(text, "demo.toml")
    assert rule.vendor == "Demo Inc"
    (plain,) = parse_rules(GOOD, "demo.toml")
    assert plain.vendor is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[rules]\n", "demo.toml: not valid TOML"),
        ("x = 1\n", "demo.toml: unknown top-level keys: x"),
        ("", "demo.toml: has no [[rules]]"),
        (with_('id = "demo-token"', 'id = "Demo Token"'), "rule 'Demo Token': id must be a lowercase slug"),
        (with_('title = "Demo token"\n', ""), "rule 'demo-token': title is required"),
        (
            with_('category = "credential"', 'category = "secret"'),
            "rule 'demo-token': category 'secret' is not one of",
        ),
        (
            with_('severity = "high"', 'severity = "urgent"'),
            "rule 'demo-token': severity 'urgent' is not one of",
        ),
        (
            with_("(?P<secret>[a-z0-9]{8})", "(?P<secret>[a-z0-9]{8}"),
            "rule 'demo-token': regex does not compile",
        ),
        (
            with_('keywords = ["demo_"]', 'keywords = ["demo_"]\nsecret_group = "token"'),
            "rule 'demo-token': secret_group 'token' is not a named group",
        ),
        (
            with_('keywords = ["demo_"]', 'keywords = ["demo_"]\nvalidators = ["lunh"]'),
            "rule 'demo-token': unknown validator 'lunh'",
        ),
        (
            with_('keywords = ["demo_"]', 'keywords = ["demo_"]\nfilters = ["nope"]'),
            "rule 'demo-token': unknown filter 'nope'",
        ),
        (
            with_('keywords = ["demo_"]', 'keywords = ["demo_"]\ncolour = "red"'),
            "rule 'demo-token': unknown keys: colour",
        ),
        (
            with_('keywords = ["demo_"]', 'keywords = ["demo_"]\nkey = "password"'),
            "rule 'demo-token': needs exactly one of 'regex' (a pattern rule) or 'key' (a keyed rule)",
        ),
        (
            with_('examples.no_match = ["demo_x"]\n', ""),
            "rule 'demo-token': examples must have both 'match' and 'no_match'",
        ),
        (
            with_('examples.match = ["demo_abcd1234"]', "examples.match = []"),
            "rule 'demo-token': examples.match must be a non-empty list",
        ),
        (
            with_('keywords = ["demo_"]', 'keywords = ["demo_"]\ncontext = { required = true }'),
            "rule 'demo-token': context.required needs context.words or context.regex",
        ),
        (
            with_('keywords = ["demo_"]', 'keywords = ["demo_"]\ncontext = { required_in = ["script"] }'),
            "rule 'demo-token': context.required needs context.words or context.regex",
        ),
        (
            with_(
                'keywords = ["demo_"]',
                'keywords = ["demo_"]\ncontext = { words = ["x"], required_in = ["prose"] }',
            ),
            "rule 'demo-token': context.required_in entry 'prose' is not one of",
        ),
        (
            with_('keywords = ["demo_"]', 'keywords = ["demo_"]\nentropy = 9'),
            "rule 'demo-token': entropy must be a number",
        ),
        (
            with_('keywords = ["demo_"]', 'keywords = ["demo_"]\nkinds = ["script", "blob"]'),
            "rule 'demo-token': kinds entry 'blob' is not one of",
        ),
        (
            with_('keywords = ["demo_"]', 'keywords = ["demo_"]\nvendor = 3'),
            "rule 'demo-token': vendor must be a non-empty string",
        ),
    ],
)
def test_invalid_rules_are_rejected_naming_file_and_rule(text: str, message: str) -> None:
    with pytest.raises(RuleError) as err:
        parse_rules(text, "demo.toml")
    assert str(err.value).startswith(message if message.startswith("demo.toml") else f"demo.toml: {message}")
    assert "\n" not in str(err.value)


def test_duplicate_ids_across_files_are_rejected(tmp_path: Path) -> None:
    extra = tmp_path / "extra.toml"
    extra.write_text(GOOD.replace("demo-token", "aws-access-key-id"))
    with pytest.raises(
        RuleError, match=r"extra.toml: rule 'aws-access-key-id' is already defined in patterns/"
    ):
        load_rules([extra])


def test_bundled_rules_cover_every_category() -> None:
    cats = {r.category for r in load_rules()}
    assert {"credential", "account_number", "personal_data"} <= cats
