"""The vendor-key table (patterns/vendor_keys.toml, metascan/detect/vendor_keys.py): a value without a prefix
of its own is a vendor's key only where the vendor's name and a secret word name it."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from metascan.detect.alternation import Alternation
from metascan.detect.boundaries import ends_token, starts_token, token_end_re, token_start_re
from metascan.detect.engine import Engine
from metascan.detect.rules import LazyPattern, Rule, load_rules, parse_rules
from metascan.detect.textctx import TextContext
from metascan.errors import RuleError
from metascan.model import FieldKind

RULES = load_rules()
TABLE = [r for r in RULES if r.file == "patterns/vendor_keys.toml"]
ENGINE = Engine(RULES)

ROWS = """
[[vendor_keys]]
id = "shodan"
vendor = "Shodan"
names = ["Shodan"]
shapes = ["alnum:32"]
references = ["https://developer.shodan.io/api/requirements"]
example = "Qx7mB2vLk9ZpR4tW8yNc3HdF6gJs1aKe"

[[vendor_keys]]
id = "prospect"
vendor = "ProspectCRM"
names = ["ProspectCRM", "Prospect"]
kind = "API token"
shapes = ["hex:32"]
example = "9c4e1a7b2f6d8035e1b4c7a9d2f08e63"

[[vendor_keys]]
id = "azure-devops"
vendor = "Azure DevOps"
names = ["Azure DevOps"]
kind = "personal access token"
shapes = ["lower:52"]
example = "k3v9q2m7x4r8t1w6z5n0p3b7c2d9f4g8h1j6s5a0e3u7y2l4o9iq"
"""
SHODAN_KEY = "Qx7mB2vLk9ZpR4tW8yNc3HdF6gJs1aKe"
PROSPECT_KEY = "9c4e1a7b2f6d8035e1b4c7a9d2f08e63"
ADO_PAT = "k3v9q2m7x4r8t1w6z5n0p3b7c2d9f4g8h1j6s5a0e3u7y2l4o9iq"
DEMO = parse_rules(ROWS, "demo.toml")
DEMO_ENGINE = Engine(DEMO)


def _found(text: str, kind: FieldKind = FieldKind.SCRIPT, key: str | None = None) -> list[tuple[str, str]]:
    return [(h.rule.id, h.secret) for h in DEMO_ENGINE.scan(text, kind, key).hits]


def test_a_row_becomes_an_ordinary_rule() -> None:
    rule = next(r for r in DEMO if r.id == "vendor-key-shodan")
    assert rule.category == "credential" and rule.severity == "high" and rule.vendor == "Shodan"
    assert rule.title == "Shodan API key" and rule.keywords == ("shodan",)
    assert rule.context.required and rule.pattern is not None and not rule.keyed
    assert "https://developer.shodan.io/api/requirements" in rule.remediation
    assert rule.examples_match and rule.examples_no_match


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"SHODAN_API_KEY={SHODAN_KEY}", SHODAN_KEY),
        (f"export SHODAN_TOKEN='{SHODAN_KEY}'", SHODAN_KEY),
        (f'{{"shodanApiKey": "{SHODAN_KEY}"}}', SHODAN_KEY),  # camelCase
        (f'"shodanToken" => "{SHODAN_KEY}"', SHODAN_KEY),
        (f"shodan:\n  api_key: x\nshodan-access-key={SHODAN_KEY}", SHODAN_KEY),
        (f"shodan KEY {SHODAN_KEY}", SHODAN_KEY),  # words, then the value
        (f"shodan token - '{SHODAN_KEY}'", SHODAN_KEY),
        (f"SHODANKEY={SHODAN_KEY}", SHODAN_KEY),  # name and secret word as one word
        (f"--shodan-api-key {SHODAN_KEY}", SHODAN_KEY),
        (f'<add key="ShodanApiKey" value="{SHODAN_KEY}"/>', SHODAN_KEY),
        (f"data:,SHODAN_KEY%3D{SHODAN_KEY}%0A", SHODAN_KEY),  # a percent-encoded '='
        (f'{{"env": "A=1\\nSHODAN_KEY={SHODAN_KEY}\\n"}}', SHODAN_KEY),  # a JSON-escaped line break
        (f"prospect-token-{PROSPECT_KEY}", PROSPECT_KEY),  # kebab-case, the value last
        (f"PROSPECTCRM_SECRET: {PROSPECT_KEY}", PROSPECT_KEY),
        (f"AZURE_DEVOPS_PAT={ADO_PAT}", ADO_PAT),  # DevOps written as one word
        (f"azure_dev_ops_token = {ADO_PAT}", ADO_PAT),
    ],
)
def test_a_value_named_by_its_vendor_and_a_secret_word_is_found(text: str, secret: str) -> None:
    found = _found(text)
    assert found and found[0][1] == secret, found
    assert found[0][0].startswith("vendor-key-")


def test_a_tag_whose_key_names_the_vendor() -> None:
    assert _found(SHODAN_KEY, FieldKind.TAG_VALUE, "shodan-api-key") == [("vendor-key-shodan", SHODAN_KEY)]
    assert _found(f'"{SHODAN_KEY}"', FieldKind.TAG_VALUE, "ShodanToken") == [
        ("vendor-key-shodan", SHODAN_KEY)
    ]
    assert _found(SHODAN_KEY, FieldKind.TAG_VALUE, "shodan-host") == []
    assert _found(SHODAN_KEY, FieldKind.TAG_VALUE, "api-key") == []  # no vendor: not this table's finding
    assert _found(f"{SHODAN_KEY} rotated", FieldKind.TAG_VALUE, "shodan-key") == []  # not the whole value


@pytest.mark.parametrize(
    "text",
    [
        f"API_KEY={SHODAN_KEY}",  # no vendor
        f"# shodan\nAPI_KEY={SHODAN_KEY}",  # the vendor on another line
        f"shodan_host={SHODAN_KEY}",  # no secret word
        f"SHODAN_CLIENT_ID={SHODAN_KEY}",  # an identifier
        f"SHODAN_URL=https://api.shodan.io/{SHODAN_KEY}",
        f"shodan_key_version={SHODAN_KEY}",
        f"SHODAN_KEY_SHA256={SHODAN_KEY}",  # a digest, whatever its key is called
        f"notshodan_token={SHODAN_KEY}",  # the name inside a longer word
        f"SHODAN_KEY={SHODAN_KEY}Q9",  # a longer run than the shape
        f"SHODAN_KEY=xy{SHODAN_KEY}",
        "SHODAN_KEY=${SHODAN_KEY}",  # a reference
        "SHODAN_KEY=XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",  # a placeholder
        "SHODAN_KEY=abcdefghijklmnopqrstuvwxyz012345",  # a sequence
        "SHODAN_KEY=aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbb",  # too little entropy
        f"shodan api key is set{' ' * 40}{SHODAN_KEY}",  # beyond the distance the name may stand
        f"prospect-token-{PROSPECT_KEY.upper()}",  # the vendor's keys are lowercase hex
    ],
)
def test_what_does_not_name_a_vendor_key_is_not_found(text: str) -> None:
    assert _found(text) == []


def test_the_more_specific_rule_wins_where_values_overlap() -> None:
    rules = DEMO + [r for r in RULES if r.id == "generic-secret-assignment"]
    hits = Engine(rules).scan(f"SHODAN_API_KEY={SHODAN_KEY}", FieldKind.SCRIPT).hits
    assert [h.rule.id for h in hits] == ["vendor-key-shodan"]


def test_patterns_compile_only_when_a_text_names_their_vendor() -> None:
    rules = parse_rules(ROWS, "demo.toml")
    engine = Engine(rules)
    lazy = {r.id: r.pattern for r in rules}
    assert all(isinstance(p, LazyPattern) and p._compiled is None for p in lazy.values())
    assert engine.scan(f"SHODAN_API_KEY={SHODAN_KEY}", FieldKind.SCRIPT).hits
    # the rule that ran was split into its alternatives (compiled then); the others were left alone
    assert set(engine._alternations) == {"vendor-key-shodan"}
    assert all(p._compiled is None for p in lazy.values() if isinstance(p, LazyPattern))


ROW = """
[[vendor_keys]]
id = "demo"
vendor = "Demo"
names = ["Demo"]
shapes = ["alnum:32"]
example = "Qx7mB2vLk9ZpR4tW8yNc3HdF6gJs1aKe"
"""


@pytest.mark.parametrize(
    ("replace", "by", "message"),
    [
        ('id = "demo"', 'id = "Demo Row"', "vendor_keys id must be a lowercase slug"),
        ('vendor = "Demo"\n', "", "rule 'vendor-key-demo': vendor (the vendor's display name) is required"),
        ('names = ["Demo"]', "names = []", "names must be a non-empty list"),
        ('names = ["Demo"]', 'names = ["--"]', "every name needs letters or digits"),
        ('shapes = ["alnum:32"]\n', "", "needs shapes or a value"),
        ('shapes = ["alnum:32"]', 'shapes = ["base99:32"]', "shape 'base99:32' is not CLASS[EXTRA]:LENGTH"),
        ('shapes = ["alnum:32"]', 'shapes = ["alnum[?]:32"]', "extra characters must be among"),
        ('shapes = ["alnum:32"]', 'shapes = ["alnum:40-20"]', "lengths must be 4 to 1024"),
        ('shapes = ["alnum:32"]', "value = '''(x)[a-z]{32}'''", "value must have no groups"),
        ('shapes = ["alnum:32"]', "value = '''[a-z{32'''", "value does not compile"),
        ('example = "Qx7mB2vLk9ZpR4tW8yNc3HdF6gJs1aKe"\n', "", "example (a value you wrote"),
        (
            'vendor = "Demo"',
            'vendor = "Demo"\ncolour = "red"',
            "rule 'vendor-key-demo': unknown keys: colour",
        ),
    ],
)
def test_invalid_rows_are_rejected_naming_file_and_rule(replace: str, by: str, message: str) -> None:
    assert replace in ROW
    with pytest.raises(RuleError) as err:
        parse_rules(ROW.replace(replace, by), "demo.toml")
    assert str(err.value).startswith("demo.toml:") and message in str(err.value)


def test_a_row_id_is_unique_across_files(tmp_path: Path) -> None:
    for name in ("a.toml", "b.toml"):
        (tmp_path / name).write_text(ROW, encoding="utf-8")
    with pytest.raises(RuleError, match=r"b.toml: rule 'vendor-key-demo' is already defined in .*a.toml"):
        load_rules([tmp_path / "a.toml", tmp_path / "b.toml"])


def test_context_also_needs_both_lists() -> None:
    text = """
[[rules]]
id = "both"
title = "t"
description = "d"
category = "credential"
severity = "high"
remediation = "r"
regex = '''(?P<secret>[a-z0-9]{16})'''
context = { required = true, words = ["acme"], also = ["key", "token"], before = 30, after = 0 }
examples = { match = ["acme key 7f3k9x2m4q8w1z6v"], no_match = ["acme 7f3k9x2m4q8w1z6v"] }
"""
    (rule,) = parse_rules(text, "also.toml")
    engine = Engine([rule])

    def found(t: str) -> bool:
        return bool(engine.scan(t, FieldKind.SCRIPT).hits)

    assert found("acme key 7f3k9x2m4q8w1z6v") and found("ACME_TOKEN=7f3k9x2m4q8w1z6v")
    assert not found("acme 7f3k9x2m4q8w1z6v") and not found("key 7f3k9x2m4q8w1z6v")
    with pytest.raises(RuleError, match=r"context\.also needs context\.words"):
        parse_rules(text.replace('words = ["acme"], ', ""), "also.toml")


# --- the bundled table ---------------------------------------------------------------------------------


def test_the_table_is_bundled_and_each_rule_names_its_vendor() -> None:
    assert len(TABLE) >= 500
    assert all(r.id.startswith("vendor-key-") and r.vendor and r.vendor in r.title for r in TABLE)
    assert len({r.vendor for r in TABLE}) == len(TABLE)  # one rule per vendor
    assert all(
        r.priority < min(v.priority for v in RULES if v.file == "patterns/credentials_vendors.toml")
        for r in TABLE
    )


# Vendors whose row is a format their own rule does not find: ElevenLabs' 32-hex keys (vendors_ai.toml finds
# its sk_ keys).
_ROW_AND_RULE = {"elevenlabs"}


def _vendor(name: str) -> str:
    return regex.sub(r"[^a-z0-9]", "", regex.sub(r"\(.*?\)", "", name.lower()))


def test_no_row_repeats_a_rule_that_finds_the_vendors_keys_by_its_name() -> None:
    """A vendor whose keys without a prefix have a rule of their own (context.required, in vendors_*.toml or
    credentials_vendors.toml) needs no row: the two would report the same value twice."""
    own = {_vendor(r.vendor) for r in RULES if r.vendor and r.context.required and r not in TABLE}
    twice = sorted(r.vendor or "" for r in TABLE if _vendor(r.vendor or "") in own - _ROW_AND_RULE)
    assert twice == []


@pytest.mark.parametrize("rule", TABLE, ids=lambda r: r.id)
def test_every_row_finds_its_example_after_any_separator_and_never_bare(rule: Rule) -> None:
    secret = rule.examples_match[0].secret
    assert secret is not None
    upper = rule.examples_match[0].text.split("=")[0].removeprefix("export ")  # NAME_API_KEY
    for before, after in [
        (f"{upper}=", ""),
        (f'{upper}="', '"'),
        (f"data:,{upper}%3D", "%0A"),
        (f"{upper}: ", ""),
    ]:
        text = f"{before}{secret}{after}"
        hits = [h.secret for h in ENGINE.rule_hits(rule, TextContext(text, FieldKind.SCRIPT))]
        assert secret in hits, text
    for text in (secret, f"API_KEY={secret}", f"token: {secret}"):
        assert [h for h in ENGINE.rule_hits(rule, TextContext(text, FieldKind.SCRIPT))] == [], text


def test_table_examples_are_values_a_reader_can_check() -> None:
    """Each row's example has the row's shape: shapes are documented as CLASS[EXTRA]:LENGTH, and the
    description a user reads says the same length."""
    for rule in TABLE:
        secret = rule.examples_match[0].secret
        assert secret is not None and rule.pattern is not None
        m = rule.pattern.fullmatch(secret)
        assert m is not None and m.group("secret") == secret, rule.id


# --- token boundaries in regex form ---------------------------------------------------------------------

_BOUNDARY_TEXT = st.text(alphabet="ab9_-%3D\\nu0022x=\"' ", max_size=14)


@settings(max_examples=500, deadline=None)
@given(_BOUNDARY_TEXT, st.integers(min_value=0, max_value=14))
def test_the_regex_form_of_token_boundaries_agrees_with_the_engines(text: str, pos: int) -> None:
    pos = min(pos, len(text))
    start = regex.compile(token_start_re())
    end = regex.compile(token_end_re())
    assert (start.match(text, pos) is not None) == starts_token(text, pos)
    assert (end.match(text, pos) is not None) == ends_token(text, pos)


# --- the engine's one-alternative-at-a-time split of the table's patterns -------------------------------

_SAMPLE = random.Random(7).sample(TABLE, 25)
_ATOMS = [
    *{n for r in _SAMPLE for n in (r.examples_match[0].text.split("=")[0].removeprefix("export "),)},
    *{r.examples_match[0].secret or "" for r in _SAMPLE},
    "_KEY",
    " token ",
    "=",
    ": ",
    "'",
    '"',
    "%3D",
    "\\n",
    "\n",
    "x",
    "-",
    " ",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_ATOMS), max_size=12).map("".join))
def test_table_patterns_split_into_alternatives_match_as_whole(text: str) -> None:
    for rule in _SAMPLE:
        assert rule.pattern is not None
        alternation = Alternation.of(rule.pattern, rule.secret_group)
        assert alternation is not None
        whole = [(m.span(), m.group("secret")) for m in rule.pattern.finditer(text)]
        split = [(m.span(), m.group("secret")) for m in alternation.finditer(text, 5.0)]
        assert split == whole
