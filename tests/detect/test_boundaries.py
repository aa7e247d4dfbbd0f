"""Token boundaries, one mechanism for every token rule (`token = true`): a vendor token is found bare
whatever separator or escape precedes it, and never inside a longer word or blob."""

from __future__ import annotations

import pytest

from metascan.detect.boundaries import ends_token, is_token, next_token_start, starts_token
from metascan.detect.engine import Engine
from metascan.detect.rules import Rule, load_rules, parse_rules
from metascan.detect.textctx import TextContext
from metascan.errors import RuleError
from metascan.model import FieldKind

RULES = load_rules()
ENGINE = Engine(RULES)
TOKEN_RULES = [r for r in RULES if r.token]


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("tok", 0),  # start of text
        ("=tok", 1),
        ('"tok', 1),
        ("x-tok", 2),
        ("KEY%3Dtok", 6),  # percent-encoded '='
        ("KEY%3dtok", 6),
        ("a\\ntok", 3),  # a JSON or shell '\n' escape: backslash, then the letter n
        ("a\\ttok", 3),
        ("a\\u0022tok", 7),
        ("a\\x3Dtok", 5),
    ],
)
def test_a_token_starts_after_a_separator_or_an_escape(text: str, start: int) -> None:
    assert text[start:] == "tok"
    assert starts_token(text, start)


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("xtok", 1),
        ("9tok", 1),
        ("_tok", 1),
        ("ABCD3Dtok", 6),  # hex digits without the '%' are not an escape
        ("%G1tok", 3),  # not hex
        ("ntok", 1),  # an 'n' that is not escaped
        ("a\\u00tok", 5),  # a \u escape needs four hex digits
    ],
)
def test_a_token_does_not_start_inside_a_word(text: str, start: int) -> None:
    assert text[start:] == "tok"
    assert not starts_token(text, start)


def test_a_token_ends_at_the_end_or_before_a_non_token_character() -> None:
    assert ends_token("tok", 3)
    assert ends_token("tok%0A", 3)
    assert ends_token("tok\\n", 3)
    assert ends_token('tok"', 3)
    assert not ends_token("tokX", 3)
    assert not ends_token("tok_", 3)
    assert ends_token("tok-", 3)
    assert ends_token("tok- x", 3)
    assert not ends_token("tok-more", 3)  # a hyphenated identifier goes on
    assert is_token("=tok;", 1, 4)
    assert not is_token("=tokz", 1, 4)


@pytest.mark.parametrize(
    "text",
    [
        "KEY%3Dtok",
        "a\\ntok",
        "x\\u0022tok",
        "abc def",
        "hex0123456789abcdef-x",
        "%G1tok",
        "",
        "=",
        "ab\\u00tok",
    ],
)
def test_next_token_start_is_the_next_place_where_a_token_may_start(text: str) -> None:
    for pos in range(len(text) + 1):
        expected = next((p for p in range(pos + 1, len(text) + 1) if starts_token(text, p)), len(text))
        assert next_token_start(text, pos) == expected, (text, pos)


def _secret(rule: Rule) -> str:
    """The secret that the rule finds in its first `match` example."""
    ex = rule.examples_match[0]
    ctx = TextContext(ex.text, ex.kind, ex.key, ex.protocol)
    hits = list(ENGINE.rule_hits(rule, ctx))
    assert hits, rule.id
    return hits[0].secret


def _found(rule: Rule, text: str) -> list[str]:
    ctx = TextContext(text, FieldKind.SCRIPT)
    return [h.secret for h in ENGINE.rule_hits(rule, ctx)]


def _placed(rule: Rule, secret: str, before: str, after: str) -> str:
    """The secret between `before` and `after`: alone, or, for a rule that needs its vendor named beside the
    token (context.required), in the place of the token in its first example, so the context stays."""
    if not rule.context.required:
        return f"{before}{secret}{after}"
    text = rule.examples_match[0].text
    return text.replace(secret, f"{before}{secret}{after}", 1)


def test_token_rules_exist() -> None:
    ids = {r.id for r in TOKEN_RULES}
    assert {"github-token", "aws-access-key-id", "slack-token", "google-api-key", "npm-access-token"} <= ids


@pytest.mark.parametrize("rule", TOKEN_RULES, ids=lambda r: r.id)
@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("TOKEN=", ""),
        ("data:,TOKEN%3D", "%0A"),
        ('{"env": "A=1\\nTOKEN=', '\\n"}'),
        ('{"t": "\\u0022', '\\u0022"}'),
        ("'", "'"),
        ("", ""),
    ],
)
def test_every_token_rule_finds_its_token_after_any_separator(rule: Rule, before: str, after: str) -> None:
    secret = _secret(rule)
    assert secret in _found(rule, _placed(rule, secret, before, after))


@pytest.mark.parametrize("rule", TOKEN_RULES, ids=lambda r: r.id)
def test_no_token_rule_matches_inside_a_longer_word(rule: Rule) -> None:
    secret = _secret(rule)
    assert secret not in _found(rule, _placed(rule, secret, "xyz", ""))
    assert secret not in _found(rule, _placed(rule, secret, "", "Q9"))
    assert secret not in _found(rule, _placed(rule, secret, "", "-Q9"))


def test_a_token_without_a_prefix_is_found_after_an_escape_that_ends_in_a_hex_digit() -> None:
    """`%3D` ends in `D`, a character the token's own alphabet has: the first match starts at `3D...` and is
    not a token, and the engine searches on from the next character instead of after that match."""
    (rule,) = parse_rules(
        """
[[rules]]
id = "bare-32"
title = "t"
description = "d"
category = "credential"
severity = "high"
remediation = "r"
regex = '''(?P<secret>[A-Za-z0-9]{32})'''
token = true
filters = []
examples = { match = ["x"], no_match = ["y"] }
""",
        "bare.toml",
    )
    engine = Engine([rule])
    token = "DQ7bXk2mN9pR4sT6vW8yZ1aC3dE5fG7h"
    for text in (f"KEY%3D{token}", f"A=1\\n{token}", f"A\\x3d{token}"):
        assert [h.secret for h in engine.scan(text, FieldKind.SCRIPT).hits] == [token], text


def test_token_is_only_for_pattern_rules() -> None:
    text = """
[[rules]]
id = "keyed-token"
title = "t"
description = "d"
category = "credential"
severity = "high"
remediation = "r"
key = "token"
token = true
examples = { match = ["token=abc"], no_match = ["x"] }
"""
    with pytest.raises(RuleError, match="'token' is only for pattern rules"):
        parse_rules(text, "bad.toml")


def test_token_must_be_a_boolean() -> None:
    text = """
[[rules]]
id = "str-token"
title = "t"
description = "d"
category = "credential"
severity = "high"
remediation = "r"
regex = "abc"
token = "yes"
examples = { match = ["abc"], no_match = ["x"] }
"""
    with pytest.raises(RuleError, match="token must be true or false"):
        parse_rules(text, "bad.toml")


def test_a_token_is_found_when_an_escape_before_it_could_start_the_match() -> None:
    """A token regex that starts with a character class can start its match inside the escape before the
    token (`\\u0022` ends in `22`, `%3D` has a `3`, both base32 characters): the engine searches again from
    inside the failed match, so the real token is still found."""
    rule = next(r for r in RULES if r.id == "azure-devops-pat-legacy")
    secret = _secret(rule)
    for before in ("\\u0022", "%3D", "\\x32", "%32"):
        text = f"azure devops: {before}{secret}\\u0022"
        assert secret in _found(rule, text), before
    assert secret not in _found(rule, f"azure devops: x{secret}")
