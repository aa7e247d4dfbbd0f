"""The Hyperscan pass over the rules without keywords (metascan.detect.prefilter) never leaves out a rule
whose pattern matches: it only saves the searches that would find nothing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metascan.detect import prefilter as prefilter_module
from metascan.detect.engine import Engine
from metascan.detect.prefilter import KeywordPass, ShapePrefilter
from metascan.detect.rules import load_rules
from metascan.model import FieldKind

ENGINE = Engine(load_rules())
RULES = ENGINE.rules
SHAPES = [(i, r) for i, r in enumerate(RULES) if not r.keywords and r.pattern is not None]
PREFILTER = ShapePrefilter(SHAPES)
# Every rule's documented examples (matches and non-matches), raw and with non-ASCII around them.
TEXTS = sorted(
    {e.text for r in RULES for e in (*r.examples_match, *r.examples_no_match)}
    | {f"Größe ✓ {e.text} — ü" for r in RULES for e in r.examples_match}
)


def _missed(text: str) -> list[str]:
    reported = PREFILTER.reported(text)
    return [
        r.id
        for i, r in SHAPES
        if i in PREFILTER.covered and i not in reported and r.pattern.search(text) is not None  # type: ignore[union-attr]
    ]


def test_every_rule_without_keywords_is_covered() -> None:
    assert SHAPES and PREFILTER.covered == frozenset(i for i, _ in SHAPES)


def test_no_documented_example_is_left_out() -> None:
    missed = {t: m for t in TEXTS if (m := _missed(t))}
    assert not missed
    # and the pass does leave rules out: it is not a filter that lets everything through
    assert any(len(PREFILTER.reported(t)) < len(PREFILTER.covered) for t in TEXTS)


_PIECES = st.sampled_from(
    [e.text for _, r in SHAPES for e in r.examples_match]
    + [
        "DE89 3704 0044 0532 0130 00",
        "4111-1111-1111-1111",
        "123456789012",
        " ",
        "\n",
        "-",
        ".",
        "é",
        "x",
        "9",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, min_size=1, max_size=6))
def test_texts_built_from_matching_pieces_lose_no_rule(pieces: list[str]) -> None:
    assert not _missed("".join(pieces))


def test_without_hyperscan_every_rule_runs_and_finds_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    def found(engine: Engine, text: str) -> list[tuple[str, str, int, int, str]]:
        return [
            (h.rule.id, h.secret, h.start, h.end, str(h.confidence))
            for h in engine.scan(text, FieldKind.SCRIPT).hits
        ]

    with_pass = [found(ENGINE, text) for text in TEXTS]
    monkeypatch.setattr(prefilter_module, "hyperscan", None)
    plain = Engine(load_rules())
    assert not plain._shapes.covered and not plain._keywords.usable  # the keywords: Aho-Corasick
    without = [found(plain, text) for text in TEXTS]
    assert any(without)
    assert without == with_pass


def test_threads_sharing_an_engine_each_get_every_rule() -> None:
    """Hyperscan's scratch space serves one scan at a time and a scan lets other threads run."""
    from concurrent.futures import ThreadPoolExecutor

    long_texts = [t * 400 for t in TEXTS if len(PREFILTER.reported(t)) > 0][:40]
    assert long_texts
    expected = [PREFILTER.reported(t) for t in long_texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        for _ in range(3):
            assert list(pool.map(PREFILTER.reported, long_texts)) == expected


_WORDS = ["pass", "password", "word", "api key", "café", "é", "ключ", "x(y", "a.b", "\U0001f511", "ssw"]


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.sampled_from([*_WORDS, "PASS", " ", "\n", "-", "e", "\u0301", "\ud800", "\udfff", "\x00", "z"]),
        max_size=20,
    ).map("".join)
)
def test_the_keyword_pass_reports_each_word_that_occurs(text: str) -> None:
    """As a substring of code points (lone surrogates too, which an export's JSON escapes may hold)."""
    words = KeywordPass(_WORDS)
    assert words.usable
    assert sorted(words.found(text)) == [i for i, w in enumerate(_WORDS) if w in text]


def test_the_keyword_pass_serves_threads() -> None:
    from concurrent.futures import ThreadPoolExecutor

    words = KeywordPass(_WORDS)
    texts = [("password café " * 500)[: 50 * n] + "ключ" * (n % 3) for n in range(1, 60)]
    expected = [sorted(words.found(t)) for t in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        for _ in range(3):
            assert [sorted(f) for f in pool.map(words.found, texts)] == expected


def test_the_database_for_other_texts_is_made_when_one_comes(monkeypatch: pytest.MonkeyPatch) -> None:
    """An export of ASCII texts never pays for it; a rule Hyperscan takes only in its ASCII variant still runs
    on the other texts."""
    import dataclasses

    import regex

    _, rule = next((i, r) for i, r in SHAPES if r.id == "iban")
    example = rule.examples_match[0].text
    # a pattern no other test has: the process-wide cache holds no database of it yet
    pattern = regex.compile(rule.pattern.pattern + "(?:zq9x7wv)?", rule.pattern.flags)  # type: ignore[union-attr]
    shapes = ShapePrefilter([(0, dataclasses.replace(rule, pattern=pattern))])
    assert shapes.covered == {0}
    made = prefilter_module._unicode.cache_info().misses
    assert shapes.reported(example) == {0} and shapes.reported("nothing here") == set()
    assert prefilter_module._unicode.cache_info().misses == made
    assert shapes.reported(f"Größe {example}") == {0} and shapes.reported("Größe") == set()
    assert prefilter_module._unicode.cache_info().misses == made + 1

    # the database for other texts refuses the rule: it runs on every such text
    monkeypatch.setattr(prefilter_module, "_unicode", lambda sources: (frozenset(), None))
    assert shapes.reported("Größe") == {0} and shapes.reported("nothing here") == set()


def test_a_pattern_with_words_in_other_scripts_is_carried_over_for_ascii_texts() -> None:
    """An alternative that needs a character beyond ASCII (`пароль`, `contraseña`) cannot match an ASCII text:
    it is left out of the ASCII variant instead of keeping the whole pattern out of Hyperscan, and the
    variant for other texts still has it."""
    import dataclasses

    import regex

    from metascan.detect import translate as translate_module

    _, rule = next((i, r) for i, r in SHAPES if r.id == "iban")
    source = r"(?i)\b(?:password|пароль|contraseña)[ \t]+(?:is|es|é)?[ \t]*(?P<secret>[A-Za-z0-9]{8,20})\b"
    pattern = regex.compile(source)
    shapes = ShapePrefilter([(0, dataclasses.replace(rule, pattern=pattern))])
    assert shapes.covered == {0}
    assert shapes.reported("password is Xk9pL2mQr7Tz") == {0}
    assert shapes.reported("no secret here at all") == set()
    assert shapes.reported("пароль Xk9pL2mQr7Tz") == {0}
    assert shapes.reported("la contraseña es Xk9pL2mQr7Tz") == {0}
    # a branch that needs such a character everywhere has no ASCII variant, and a pattern made only of them
    # still covers other texts
    only = translate_module.translate(regex.compile(r"пароль[ \t]+\w{8}|senha é \w{8}"))
    assert [e.ascii for e in only.expressions] == [b"", b""]
    assert all(e.unicode for e in only.expressions)


def test_every_rule_has_a_gate_of_its_own() -> None:
    # A rule whose pattern Hyperscan cannot take (too long once translated, say) runs its full regex over
    # every text its keywords occur in; a split into top-level alternatives keeps each one under the limit.
    # cloud-init's chpasswd rule reads its list with `\G` (where the last match ended): no expression says so.
    without = [r.id for r in RULES if r.pattern is not None and ShapePrefilter.gate(r, places=False) is None]
    assert without == ["cloud-init-chpasswd"]


def test_a_gate_says_no_where_the_rule_cannot_match() -> None:
    # The gates are supersets, but not of everything: a lookahead the translation drops must not turn
    # `--password-stdin` (no password on the line) into a place where `password-command-line` may match.
    rule = next(r for r in RULES if r.id == "password-command-line")
    gate = ShapePrefilter.gate(rule, places=False)
    assert gate is not None
    assert not gate.reported('echo "$REGISTRY_TOKEN" | docker login -u ci --password-stdin registry.acme.io')
    assert gate.reported("docker login -u ci --password Ub7xQ2mLp9 registry.acme.io")
