"""Alternatives matched one at a time give exactly the matches of their alternation
(metascan.detect.alternation)."""

from __future__ import annotations

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from metascan.detect.alternation import Alternation, split_top_level
from metascan.detect.rules import load_rules

# The vendor-key table's hundreds of patterns share one structure, split-tested with atoms of their own in
# test_vendor_keys.py; the command-line atoms below never name a vendor.
SPLIT = [
    (r.id, r.pattern, r.secret_group)
    for r in load_rules()
    if r.pattern is not None and r.file != "patterns/vendor_keys.toml"
]


def test_splits_only_at_the_top_level() -> None:
    assert split_top_level("a|b") == ("", ["a", "b"])
    assert split_top_level("(?i)a|b(?:c|d)") == ("(?i)", ["a", "b(?:c|d)"])
    assert split_top_level(r"[|]|\||x") == ("", ["[|]", r"\|", "x"])
    assert split_top_level("[]|]|y") == ("", ["[]|]", "y"])
    assert split_top_level("[[:alpha:]|]|z") == ("", ["[[:alpha:]|]", "z"])
    assert split_top_level("(?x) a  # not | here\n | b") == ("(?x)", [" a  # not | here\n ", " b"])
    assert split_top_level("(a|b)") is None
    assert split_top_level("a") is None
    assert split_top_level("a|(?i)b") is None  # a global flag past the start
    assert split_top_level(r"\Ga|b") is None
    assert split_top_level("a||b") is None


def test_splits_only_what_reports_the_same_group() -> None:
    assert Alternation.of(regex.compile("(a)|(b)"), 1) is None  # group numbers change when split
    assert Alternation.of(regex.compile("(?P<s>a)|b"), "s") is None  # b has no group s
    assert Alternation.of(regex.compile("(?P<s>a)|(?P<s>b)"), "s") is not None
    assert Alternation.of(regex.compile("a|b"), 0) is not None


def _same(pattern: regex.Pattern[str], group: int | str, text: str) -> None:
    alternation = Alternation.of(pattern, group)
    assert alternation is not None
    whole = [(m.span(), m.span(group), m.group(group)) for m in pattern.finditer(text)]
    split = [(m.span(), m.span(group), m.group(group)) for m in alternation.finditer(text, 5.0)]
    assert split == whole


_COMMAND_ATOMS = [
    "curl ", "https ", "-u ", "--user ", "admin:", "pa55w0rd ", "'", '"', "docker login ", "podman login ",
    "-p ", "-p", "mysql ", "mysqldump ", "net user ", "/add", "sshpass ", "htpasswd ", "-b ", "-c ", "wget ",
    "--password=", "echo ", "root:", "| chpasswd", "| passwd --stdin ", "-passin ", "pass:", "-storepass ",
    "redis-cli ", "-a ", "rabbitmqctl ", "add_user ", "sqlcmd ", "-P ", "mongo ", "x ", "\n", "; ", "$X ",
]  # fmt: skip


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(_COMMAND_ATOMS), max_size=40).map("".join))
def test_every_split_rule_matches_as_its_whole_pattern(text: str) -> None:
    for _, pattern, group in SPLIT:
        if Alternation.of(pattern, group) is not None:
            _same(pattern, group, text)


def test_the_bundled_command_line_rule_is_split() -> None:
    assert any(rid == "password-command-line" and Alternation.of(p, g) for rid, p, g in SPLIT)


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet="abc\n", max_size=30))
def test_empty_matches_are_left_to_the_whole_pattern(text: str) -> None:
    _same(regex.compile("a+|b*|(?<=c)"), 0, text)
    _same(regex.compile("ab|a|$"), 0, text)
