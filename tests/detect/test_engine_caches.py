"""What the engine remembers between texts for speed never changes what it finds, and stays bounded."""

from __future__ import annotations

import pytest

from metascan.detect import engine as engine_module
from metascan.detect.engine import Engine
from metascan.detect.rules import load_rules
from metascan.model import FieldKind

RULES = load_rules()
TEXTS = [
    "export DB_PASSWORD='Tz7j6eB!SOebfTM#'\nexport API_TOKEN=ghs_notreal\n",
    '{"owner": "Linda Wilson", "password": "Qm3!vR8pLz", "name": "web"}',
    "password: 'X.-MqLPmyA*A=!7XrIkl.6'\nsecret_key: 1jXQcptqBhrkNdgLyY6h3zQhQrFrzQONhST1aQT1\n",
]


def _found(engine: Engine, text: str) -> list[tuple[str, str, int]]:
    return [(h.rule.id, h.secret, h.start) for h in engine.scan(text, FieldKind.SCRIPT).hits]


def test_a_warm_engine_finds_what_a_fresh_one_finds() -> None:
    warm = Engine(RULES)
    for text in TEXTS * 2:
        _found(warm, text)
    for text in TEXTS:
        assert _found(warm, text) == _found(Engine(RULES), text)
        assert _found(warm, text)


def test_key_verdicts_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "_KEY_VERDICTS", 8)
    engine = Engine(RULES)
    text = "\n".join(f"KEY_{i}_PASSWORD=Vq8#LmZ2pT{i}" for i in range(40))
    first = _found(engine, text)
    assert first == _found(engine, text)
    assert all(len(v) <= 8 for v in engine._key_verdicts.values())


# Texts of every kind, short (searched once per rule before its matches are scanned) and long, with context
# words as whole words, inside camelCase keys, and absent.
_VARIED = [
    ("GitHubClientSecret", "5bb2dc961e72797b537a69813c90d072d50adfcc", FieldKind.TAG_VALUE, None),
    (None, "export GITHUB_CLIENT_SECRET=5bb2dc961e72797b537a69813c90d072d50adfcc", FieldKind.SCRIPT, None),
    ("Owner", "Linda Wilson", FieldKind.TAG_VALUE, None),
    (None, "billing-prod-123456789012-Reisepass C01X00T47", FieldKind.NAME, None),
    (None, "Steuernummer: RSSMRA85T10A562S", FieldKind.TEXT, None),
    (None, "https://hooks.example.com/x?token=Zr8Qm2Lx9Vb4Np7K", FieldKind.ENDPOINT, "https"),
    (None, "+14155552671", FieldKind.ENDPOINT, "sms"),
    (None, "ops@example.org", FieldKind.ENDPOINT, "email"),
    (None, "DE89 3704 0044 0532 0130 00 card 4111 1111 1111 1111 " * 20, FieldKind.SCRIPT, None),
    *[(None, t, FieldKind.SCRIPT, None) for t in TEXTS],
]


def _applies_plainly(rule, ctx) -> bool:  # type: ignore[no-untyped-def]
    """Whether a rule runs on a text, tested the plain way: every test of the rule, on the text's tokens."""
    if rule.kinds is not None and ctx.kind not in rule.kinds:
        return False
    if rule.min_digits and ctx.digit_run < rule.min_digits:
        return False
    if rule.protocols is not None and (ctx.protocol or "").lower() not in rule.protocols:
        return False
    c = rule.context
    if c.required and c.words and not c.words.found_in(ctx.tokens):
        return c.near is not None and c.near.search(ctx.text) is not None
    return True


@pytest.mark.parametrize(("key", "text", "kind", "protocol"), _VARIED)
def test_the_rules_that_run_are_those_every_test_admits(
    key: str | None, text: str, kind: FieldKind, protocol: str | None
) -> None:
    """Kinds and protocols tested once per kind, context words looked for as substrings before tokens: the
    same rules run as when every rule's every test runs on every text (less those that match nowhere)."""
    from metascan.detect.textctx import TextContext

    engine = Engine(RULES)
    ctx = TextContext(text, kind, key, protocol, 1.0)
    rules = engine.rules  # by priority
    keyed = {i for i, r in enumerate(rules) for w in r.keywords if w in ctx.haystack}
    plain = [r for i, r in enumerate(rules) if (not r.keywords or i in keyed) and _applies_plainly(r, ctx)]
    chosen = engine.candidates(ctx)
    assert chosen  # the texts give the rules something to do
    # what the one Hyperscan pass over the rules without keywords leaves out matches nowhere in the text
    left_out = [r for r in plain if r not in chosen]
    assert all(not r.keywords and r.pattern is not None and r.pattern.search(text) is None for r in left_out)
    assert [r for r in plain if r not in left_out] == chosen


@pytest.mark.parametrize(("key", "text", "kind", "protocol"), _VARIED)
def test_a_short_text_searched_first_gives_every_hit(
    key: str | None, text: str, kind: FieldKind, protocol: str | None
) -> None:
    from metascan.detect.engine import resolve
    from metascan.detect.textctx import TextContext

    engine = Engine(RULES)
    ctx = TextContext(text, kind, key, protocol, 1.0)
    every = resolve([h for r in engine.candidates(ctx) for h in engine.rule_hits(r, ctx)])
    assert engine.scan(text, kind, key, protocol).hits == every


def test_context_words_that_are_no_substring_are_no_token() -> None:
    from metascan.detect.rules import Phrases

    phrases = Phrases.of((("secret",), ("client", "id")))
    assert phrases.may_occur_in("githubclientsecret")  # GitHubClientSecret: the token `secret`
    assert phrases.may_occur_in("the client_id")
    assert not phrases.may_occur_in("password: hunter2 client")  # `id` is not there: the phrase cannot be
    greek = Phrases.of((("αριθμός",),))
    assert not greek.ascii and greek.may_occur_in("nothing alike")  # not tested as a substring


def test_a_rule_that_needs_context_runs_alike_whether_the_texts_tokens_are_known_or_not() -> None:
    """`_applies` skips the substring test ahead of finding a text's tokens once they are found (every
    rule after the first that needs them): the verdict is the one the test and the tokens give together."""
    from metascan.detect.engine import _applies
    from metascan.detect.textctx import TextContext

    needs = [r for r in RULES if r.context.required and r.context.words]
    assert len(needs) > 20
    texts = [e.text for r in needs for e in (*r.examples_match, *r.examples_no_match)]
    texts += ["GitHubClientSecret = x", "the client id is 42", "unit: 1", "card holder", ""]
    verdicts = 0
    for text in texts:
        cold = TextContext(text, FieldKind.TEXT, "Owner", None, 1.0)
        assert cold.known_tokens() is None
        warm = TextContext(text, FieldKind.TEXT, "Owner", None, 1.0)
        assert warm.known_tokens() is None and warm.tokens is warm.known_tokens()
        for rule in needs:
            expected = _applies(rule, TextContext(text, FieldKind.TEXT, "Owner", None, 1.0))
            assert _applies(rule, warm) == expected, (rule.id, text)
            assert _applies(rule, cold) == expected, (rule.id, text)
            verdicts += expected
    assert 0 < verdicts < len(texts) * len(needs)  # both verdicts occur


def test_the_gates_of_a_text_read_the_bytes_it_made_once() -> None:
    """A text's reversed, framed bytes are made once (`TextContext.framed`) for the shapes' pass and every
    gate; a gate given them reports what it reports when it makes them itself."""
    from metascan.detect.prefilter import ShapePrefilter
    from metascan.detect.textctx import TextContext, reversed_framed

    ctx = TextContext("export AWS_SECRET_ACCESS_KEY=x", FieldKind.TEXT)
    assert ctx.framed == b"\nx=YEK_SSECCA_TERCES_SWA tropxe\n" and ctx.framed is ctx.framed
    assert TextContext("café", FieldKind.TEXT).framed is None  # the gates do not read it
    rule = next(r for r in RULES if r.id == "aws-secret-access-key")
    gate = ShapePrefilter.gate(rule, places=True)
    assert gate is not None
    for text in [e.text for e in (*rule.examples_match, *rule.examples_no_match)] + [_FILLER]:
        framed = reversed_framed(text) if text.isascii() else None
        assert gate.places(text, framed) == gate.places(text)
        assert gate.reported(text, framed) == gate.reported(text)
    assert gate.places(rule.examples_match[0].text)  # (the examples are no empty case)


def test_made_up_protocols_do_not_grow_what_the_engine_remembers() -> None:
    """An export may name any number of protocols; the rules name a few (https, email, sms, ...)."""
    engine = Engine(RULES)
    for n in range(300):
        engine.scan(f"ops-{n}@example.org", FieldKind.ENDPOINT, protocol=f"made-up-{n}")
    engine.scan("ops@example.org", FieldKind.ENDPOINT, protocol="email")
    assert len(engine._by_field) <= 2
    found = engine.scan(
        "https://hooks.example.com/x?token=Zr8Qm2Lx9Vb4Np7K", FieldKind.ENDPOINT, protocol="HTTPS"
    )
    assert (
        found.hits
        == engine.scan(
            "https://hooks.example.com/x?token=Zr8Qm2Lx9Vb4Np7K", FieldKind.ENDPOINT, protocol="https"
        ).hits
    )


# Rules whose keywords are common words in scripts (curl, docker, sqlplus, password, token, phone, ...): the
# ones a scan's time goes to, given gates below.
_COSTLY = (
    "password-command-line",
    "oracle-logon-password",
    "password-in-text",
    "url-basic-auth",
    "database-connection-string",
    "url-secret-parameter",
    "phone-number",
)
_FILLER = "\n".join(f"echo step {n}: curl docker sqlplus password token phone ok" for n in range(12))


def _gate_texts() -> list[str]:
    """Long texts (gates are for texts of 512 characters or more) with each costly rule's documented
    examples, and long texts that name the rules' keywords but hold nothing they match."""
    by_id = {r.id: r for r in RULES}
    texts = [f"{_FILLER}\n{e.text}\n{_FILLER}" for rid in _COSTLY for e in by_id[rid].examples_match]
    texts += [f"{_FILLER}\n{e.text}\n{_FILLER}" for rid in _COSTLY for e in by_id[rid].examples_no_match]
    # not ASCII: a gate's database is for ASCII texts, its rule runs on these
    texts += [f"{_FILLER}\ncafé {e.text}\n{_FILLER}" for rid in _COSTLY for e in by_id[rid].examples_match]
    texts.append(_FILLER)
    # what rules without keywords match (their patterns are in the shapes' pass; their gates give windows)
    texts.append(f"{_FILLER}\nbilling account 210987654321, card 4111 1111 1111 1111\n{_FILLER}")
    # short texts: a rule with a gate is passed over where its gate matches nowhere (ASCII only)
    examples = [
        e.text for rid in _COSTLY for e in (*by_id[rid].examples_match, *by_id[rid].examples_no_match)
    ]
    texts += [t for t in examples if len(t) < 512] + [f"café {t}" for t in examples if len(t) < 500]
    texts.append("echo curl docker sqlplus password token phone ok")
    return texts


def test_a_rule_with_a_gate_finds_what_it_finds_without(monkeypatch: pytest.MonkeyPatch) -> None:
    """With every rule gated after its first long text, each text scanned twice (the second time through
    the gates) gives what an engine without gates gives, and the gates did leave some searches out."""
    texts = _gate_texts()
    monkeypatch.setattr(engine_module, "_GATE_AFTER", float("inf"))
    plain = Engine(RULES)
    expected = [_found(plain, t) for t in texts]
    assert sum(map(len, expected)) >= len(_COSTLY)  # the examples are found

    monkeypatch.setattr(engine_module, "_GATE_AFTER", 0.0)
    gated = Engine(RULES)
    searched: list[str] = []
    rule_hits = Engine.rule_hits

    def counted(self: Engine, rule, ctx, limit=None, bounded=False, windows=None):  # type: ignore[no-untyped-def]
        searched.append(rule.id)
        return rule_hits(self, rule, ctx, limit, bounded, windows)

    finds_nothing = Engine._finds_nothing
    tried: list[str] = []  # the one search of a short text (see Engine.scan)

    def tried_short(self: Engine, rule, text, limit):  # type: ignore[no-untyped-def]
        tried.append(rule.id)
        return finds_nothing(self, rule, text, limit)

    monkeypatch.setattr(Engine, "rule_hits", counted)
    monkeypatch.setattr(Engine, "_finds_nothing", tried_short)
    assert [_found(gated, t) for t in texts] == expected  # the gates are made as the texts are scanned
    first, first_short = len(searched), len(tried)
    assert [_found(gated, t) for t in texts] == expected  # and used
    assert set(_COSTLY) <= {rid for rid, gate in gated._gates.items() if gate is not None}
    # rules without keywords get one too (their shapes' pass says whether they run; the gate, where)
    assert {"aws-account-id", "payment-card-number"} <= set(gated._gates)
    assert len(searched) - first < first  # the second round left searches out
    # in short texts too: fewer searches than without gates
    second_short = len(tried) - first_short
    tried.clear()
    monkeypatch.setattr(engine_module, "_GATE_AFTER", float("inf"))
    assert [_found(Engine(RULES), t) for t in texts] == expected
    assert second_short < len(tried)


def test_no_rule_gets_a_gate_before_it_has_cost_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "_GATE_AFTER", 60.0)
    engine = Engine(RULES)
    for t in _gate_texts():
        _found(engine, t)
    assert engine._gates == {}
    assert set(engine._spent) <= {r.id for r in RULES if r.pattern is not None}


def test_a_texts_lazy_facts_are_made_once_and_not_kept_when_they_fail() -> None:
    """TextContext's facts (`_once`, a cached_property without a lock): made on first use, then read from
    the instance; a fact whose making raised is made again on the next use (the bounded assignments' path)."""
    from metascan.detect.textctx import _once

    class Facts:
        def __init__(self) -> None:
            self.made = 0
            self.fail = True

        @_once
        def value(self) -> int:
            self.made += 1
            return self.made

        @_once
        def flaky(self) -> str:
            if self.fail:
                self.fail = False
                raise TimeoutError("first")
            return "second"

    facts = Facts()
    assert (facts.value, facts.value, facts.made) == (1, 1, 1)
    assert "value" in facts.__dict__
    with pytest.raises(TimeoutError):
        _ = facts.flaky
    assert "flaky" not in facts.__dict__
    assert facts.flaky == "second"
    assert isinstance(Facts.value, _once)  # on the class: the descriptor itself
