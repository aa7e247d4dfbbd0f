"""The detection engine: cheap checks first, flat control flow.

keyword prefilter (one Aho-Corasick pass over the key and the text for every rule at once) -> regex or
key/value pairs of only the rules whose keywords occurred -> length, allowlist and value filters ->
AWS-structure mask -> validators -> entropy -> context.  Overlapping hits are resolved in favour of the
more specific rule, and one value is reported once per text.
"""

from __future__ import annotations

import bisect
import math
import os
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

import ahocorasick
import regex

from ..model import Confidence, FieldKind
from .alternation import Alternation
from .boundaries import is_token, next_token_start
from .filters import FILTER_FUNCS
from .prefilter import KeywordPass, ShapePrefilter
from .rules import Rule
from .textctx import TextContext
from .textctx import words as word_tokens
from .validators import CHEAP_VALIDATORS, EXAMPLE_CHECKS
from .windows import Windows, reach


@dataclass(frozen=True, slots=True)
class Hit:
    rule: Rule
    start: int
    end: int
    secret: str
    confidence: Confidence
    line: int


@dataclass(frozen=True, slots=True)
class ScanResult:
    hits: tuple[Hit, ...]
    timed_out: tuple[str, ...] = ()  # ids of rules that hit a time limit (a bounded scan took their place)
    unfinished: tuple[str, ...] = ()  # ids of those whose bounded scan hit the time limit too
    bounded_assignments: bool = False  # finding the assignments hit the time limit (see `TextContext.pairs`)

    @property
    def complete(self) -> bool:
        """Whether every rule scanned the whole text as usual (no time limit was hit)."""
        return not (self.timed_out or self.unfinished or self.bounded_assignments)


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


# Per kind of field and protocol: every rule that scans such fields, and of them the rules without keywords
# that the pass of the shapes does not cover and does cover (see `Engine._for_field`).
_FieldRules = tuple[frozenset[int], frozenset[int], frozenset[int]]
_SPLIT_FROM = 256  # characters: on shorter texts one search of the whole alternation costs less
_KEY_VERDICTS = 16384  # assignment keys remembered per key pattern (at most a few MB; see `Engine.rule_hits`)


def default_time_limits() -> tuple[float, float]:
    """The time limits of one rule on one text and of all rules on one text: 1 s and 5 s, or what the
    environment variables METASCAN_RULE_TIME_LIMIT and METASCAN_FIELD_TIME_LIMIT say (seconds; for slow or
    shared machines, where a rule that needs 1 s elsewhere would be stopped and its field listed as
    skipped).  A value that is not a positive number is ignored."""
    out = []
    for name, default in (("METASCAN_RULE_TIME_LIMIT", 1.0), ("METASCAN_FIELD_TIME_LIMIT", 5.0)):
        try:
            value = float(os.environ.get(name, default))
        except ValueError:
            value = default
        out.append(value if 0 < value < float("inf") else default)
    return out[0], out[1]


class Engine:
    """Runs a rule set over texts.  Holds no state between texts besides the compiled rules and, for speed,
    which assignment keys each keyed rule's key pattern matches (a pure function of the two)."""

    def __init__(
        self, rules: Sequence[Rule], time_limit: float | None = None, field_time_limit: float | None = None
    ) -> None:
        self.rules = tuple(sorted(rules, key=lambda r: -r.priority))
        rule_default, field_default = default_time_limits()
        self.time_limit = rule_default if time_limit is None else time_limit  # per rule and text
        self.field_time_limit = field_default if field_time_limit is None else field_time_limit  # all rules
        # The identifiers of countries, for the rules that yield to them (`_yields`).
        self._countries = tuple(r for r in self.rules if r.country is not None and r.validators)
        self._always: tuple[int, ...] = tuple(i for i, r in enumerate(self.rules) if not r.keywords)
        self._by_field: dict[tuple[FieldKind, str], _FieldRules] = {}
        self._protocols = frozenset(p for r in self.rules for p in (r.protocols or ()))
        # The rules without keywords run on every text unless one Hyperscan pass says they match nowhere.
        self._shapes = ShapePrefilter(
            [(i, r) for i, r in enumerate(self.rules) if not r.keywords and r.pattern is not None]
        )
        by_word: dict[str, list[int]] = {}
        for i, rule in enumerate(self.rules):
            for word in rule.keywords:
                by_word.setdefault(word, []).append(i)
        self._has_words = bool(by_word)
        # The keywords are looked for in one Hyperscan pass that reports each word that occurs once (an
        # Aho-Corasick automaton, without the package, reports every occurrence: 270,000 on the bench corpus
        # where 120,000 words occur).
        self._word_rules = [tuple(idx) for idx in by_word.values()]
        self._keywords = KeywordPass(list(by_word))
        self._automaton = ahocorasick.Automaton()
        if by_word and not self._keywords.usable:
            for word, idx in by_word.items():
                self._automaton.add_word(word, tuple(idx))
            self._automaton.make_automaton()
        self._key_verdicts: dict[regex.Pattern[str], dict[str, bool]] = {}
        # The rules that have cost the most time on long texts get a Hyperscan database of their own.
        self._spent: dict[str, float] = {}
        self._gates: dict[str, ShapePrefilter | None] = {}
        self._reach: dict[str, int | None] = {}  # a gated rule's reach, when its regex is searched in windows
        # Patterns that are a top-level alternation, matched one alternative at a time (see alternation.py);
        # split the first time a rule meets a long text (most rules never run: their keywords are absent).
        self._alternations: dict[str, Alternation | None] = {}

    def candidates(self, ctx: TextContext) -> list[Rule]:
        """Rules whose keywords occur in the key or the text, plus rules without keywords, by priority."""
        allowed, uncovered, covered = self._for_field(ctx.kind, ctx.protocol)
        # The rules without keywords that the pass of the shapes does not cover always run; of the ones it
        # covers, those it reports (the same as taking the unreported ones away from all of them).
        chosen = set(uncovered)
        if covered:
            chosen.update(covered.intersection(self._shapes.reported(ctx.text, ctx.framed)))
        if self._has_words:
            words: set[int] = set()
            if self._keywords.usable:
                word_rules = self._word_rules
                for word in self._keywords.found(ctx.haystack):
                    words.update(word_rules[word])
            else:
                for _, idx in self._automaton.iter(ctx.haystack):
                    words.update(idx)
            chosen.update(allowed.intersection(words))  # (the rules without keywords are allowed already)
        rules = self.rules
        return [rules[i] for i in sorted(chosen) if _applies(rules[i], ctx)]

    def _for_field(self, kind: FieldKind, protocol: str | None) -> _FieldRules:
        """All the rules that scan a field of this kind and protocol (the tests of `_applies` that depend on
        nothing else, made once per kind and protocol), and of them the rules without keywords that the pass
        of the shapes does not cover and does cover."""
        # A protocol no rule names counts as one (an export may hold any number of made-up protocols: the
        # table stays as small as the rules' own list).
        proto = (protocol or "").lower()
        if proto not in self._protocols:
            proto = _NO_RULES_PROTOCOL
        found = self._by_field.get((kind, proto))
        if found is None:
            allowed = frozenset(
                i
                for i, r in enumerate(self.rules)
                if (r.kinds is None or kind in r.kinds) and (r.protocols is None or proto in r.protocols)
            )
            always = allowed.intersection(self._always)
            covered = always.intersection(self._shapes.covered)
            found = self._by_field[(kind, proto)] = (allowed, always - covered, covered)
        return found

    def scan(
        self, text: str, kind: FieldKind, key: str | None = None, protocol: str | None = None
    ) -> ScanResult:
        """The hits of every rule in one text.

        A rule that hits its time limit (or finds the field's budget spent) does not hide what the text
        holds: it runs again as a bounded scan, linear in the text's length (each match is searched for in
        a window of `BOUNDED_PATTERN_WINDOW` characters; see `_windowed`), with a budget of its own
        (`field_time_limit` for all such rules of the text).  The result says which rules that was.
        """
        ctx = TextContext(text, kind, key, protocol, self.time_limit)
        hits: list[Hit] = []
        timed_out: list[Rule] = []
        not_run: list[Rule] = []
        field_deadline = time.monotonic() + self.field_time_limit
        # In a short text most rules find nothing: one search says so before a scan of its matches is set up.
        short = len(text) < _SHORT
        for rule in self.candidates(ctx):
            remaining = field_deadline - time.monotonic()
            if remaining <= 0:
                not_run.append(rule)  # the field's budget is spent: the rule did not run
                continue
            limit = min(self.time_limit, remaining)
            started = 0.0
            gated = rule.id in self._gates
            windows = None
            try:
                if short:
                    # A rule with a gate is passed over where its gate (cheaper than a search) finds nothing
                    # (a rule without keywords was in the pass of the shapes already).
                    if gated and rule.keywords and self._gated(rule, ctx):
                        continue
                    if self._finds_nothing(rule, text, limit):
                        continue
                elif gated:
                    # In a long text its regex reads only the windows where its gate says a match may start.
                    windows = self._windows(rule, ctx)
                    if windows is not None and not windows:
                        continue
                elif rule.pattern is not None:  # (see _charge)
                    started = time.monotonic()
                hits.extend(self.rule_hits(rule, ctx, limit, windows=windows))
            except TimeoutError:
                timed_out.append(rule)
            if started:
                self._charge(rule, time.monotonic() - started)
        if not (hits or timed_out or not_run or ctx.pairs_timed_out):
            return _NOTHING  # most texts
        unfinished: list[str] = []
        if timed_out or not_run:
            # The rules that did not run go first: the ones that timed out may well time out again.
            timed_out[:0] = not_run
            fallback_deadline = time.monotonic() + self.field_time_limit
            for rule in timed_out:
                remaining = fallback_deadline - time.monotonic()
                if remaining <= 0:
                    unfinished.append(rule.id)
                    continue
                try:
                    hits.extend(self.rule_hits(rule, ctx, min(self.time_limit, remaining), bounded=True))
                except TimeoutError:
                    unfinished.append(rule.id)
        return ScanResult(
            resolve(hits), tuple(r.id for r in timed_out), tuple(unfinished), ctx.pairs_timed_out
        )

    def rule_hits(
        self,
        rule: Rule,
        ctx: TextContext,
        limit: float | None = None,
        bounded: bool = False,
        windows: Windows | None = None,
    ) -> Iterator[Hit]:
        """Every hit of one rule in one text (before overlaps with other rules are resolved).

        `bounded`: the fallback scan of a rule that hit its time limit (see `scan` and `_windowed`;
        assignments are bounded on their own when finding them hits the limit, see `TextContext.pairs`).
        `windows`: where its gate says the rule's matches may start (see windows.py): the same matches.
        Raises TimeoutError when the rule takes longer than `limit` seconds on this text.
        """
        limit = self.time_limit if limit is None else limit
        deadline = time.monotonic() + limit
        if rule.pattern is not None:
            if windows is not None and not bounded:
                matches = (
                    _token_matches(rule.pattern, rule.secret_group, ctx.text, deadline, windows)
                    if rule.token
                    else windows.finditer(rule.pattern, ctx.text, deadline)
                )
            else:
                alternation = self._alternation(rule)
                if alternation is not None and len(ctx.text) < _SPLIT_FROM and not alternation.anchored:
                    alternation = None
                matches = (
                    _windowed(rule.pattern, ctx.text, deadline)
                    if bounded
                    else _token_matches(rule.pattern, rule.secret_group, ctx.text, deadline)
                    if rule.token
                    else alternation.finditer(ctx.text, limit)
                    if alternation is not None
                    else rule.pattern.finditer(ctx.text, timeout=limit)
                )
            for m in matches:
                hit = self._pattern_hit(rule, ctx, m)
                if hit is not None:
                    yield hit
                if time.monotonic() > deadline:
                    raise TimeoutError(rule.id)
            return
        assert rule.key is not None
        # The same keys (PATH, Name, password, ...) recur in every script: search each once per key pattern.
        verdicts = self._key_verdicts.setdefault(rule.key, {})
        for pair in ctx.pairs:
            matched = verdicts.get(pair.key)
            if matched is None:
                if len(verdicts) >= _KEY_VERDICTS:
                    verdicts.clear()
                matched = verdicts[pair.key] = rule.key.search(pair.key, timeout=limit) is not None
            if not matched:
                continue
            found: Iterable[tuple[str, int]]
            if rule.value is None:
                value = _strip_value(pair.value)
                found = ((value, pair.start + pair.value.find(value)),)
            else:
                # (a value may hold several: `Owners: Jane Doe; Tom Smith`; an anchored pattern matches once)
                g = rule.secret_group
                found = (
                    (m.group(g), pair.start + m.start(g))
                    for m in rule.value.finditer(pair.value, timeout=limit)
                )
            for secret, start in found:
                if secret:
                    hit = _check(rule, ctx, secret, start, start + len(secret))
                    if hit is not None and not (rule.yields_to_countries and self._yields(hit, ctx)):
                        yield hit
            if time.monotonic() > deadline:
                raise TimeoutError(rule.id)

    def _charge(self, rule: Rule, seconds: float) -> None:
        """Count a pattern rule's time on a long text; past `_GATE_AFTER` seconds it gets its gate.  (A rule
        without keywords has its pattern in the pass of `_shapes` already; its gate gives its windows.)"""
        spent = self._spent[rule.id] = self._spent.get(rule.id, 0.0) + seconds
        if spent >= _GATE_AFTER:
            # Its regex can be searched in windows when the pattern's reach is bounded and it is searched as
            # one pattern (not an alternative at a time: alternation.py); then its gate reports the places.
            assert rule.pattern is not None
            bound = None if self._alternation(rule) else reach(rule.pattern.pattern, rule.pattern.flags)
            self._reach[rule.id] = bound
            self._gates[rule.id] = ShapePrefilter.gate(rule, places=bound is not None)

    def _windows(self, rule: Rule, ctx: TextContext) -> Windows | None:
        """The windows of a gated rule's matches in a text (empty: it matches nowhere), or None when its
        whole text is searched (no gate, a text the gate does not read; a rule without windows, see
        `_charge`, where its gate says it may match)."""
        gate = self._gates[rule.id]
        if gate is None:
            return None
        bound = self._reach[rule.id]
        if bound is None:
            return _NO_WINDOWS if self._gated(rule, ctx) else None
        places = gate.places(ctx.text, ctx.framed)
        return None if places is None else Windows(places, bound) if places else _NO_WINDOWS

    def _yields(self, hit: Hit, ctx: TextContext) -> bool:
        """Whether the key of a `yields_to_countries` rule's hit, or the words before it on its line, name a
        country's identifier whose shape the value has (`PERSONNR=850315-1230`, a CSV row
        `SE,personnummer,850315-1230` under `national_id`: Sweden's personnummer): that identifier's rule
        decides, by its check digits, whether it is a finding."""
        named = ctx.context_words(hit.start, hit.end, 40, 0)
        return any(
            r.context.names(named) and r.pattern.fullmatch(hit.secret) is not None
            for r in self._countries
            if r.pattern is not None
        )

    def _gated(self, rule: Rule, ctx: TextContext) -> bool:
        """Whether the rule's gate says its pattern matches nowhere in the text (its superset does not)."""
        gate = self._gates[rule.id]
        return gate is not None and not gate.reported(ctx.text, ctx.framed)

    def _finds_nothing(self, rule: Rule, text: str, limit: float) -> bool:
        """Whether one search of the rule's whole pattern finds nothing in a short text.  False, without a
        search, for keyed rules and for a rule whose alternation has an alternative anchored at the text's
        start: that one is searched an alternative at a time, and its whole pattern (a vendor key's, compiled
        only on first use) is never compiled; see `rule_hits`."""
        if rule.pattern is None:
            return False
        alternation = self._alternation(rule)
        if alternation is not None and alternation.anchored:
            return False
        return rule.pattern.search(text, timeout=limit) is None

    def _alternation(self, rule: Rule) -> Alternation | None:
        if rule.id not in self._alternations:
            assert rule.pattern is not None
            self._alternations[rule.id] = Alternation.of(rule.pattern, rule.secret_group)
        return self._alternations[rule.id]

    def _pattern_hit(self, rule: Rule, ctx: TextContext, m: regex.Match[str]) -> Hit | None:
        """The hit of one regex match; a `shrink` rule retries shorter matches at the same start."""
        group = rule.secret_group
        assert rule.pattern is not None
        text = ctx.text
        for attempt in range(_MAX_SHRINK):
            secret = m.group(group)
            # A shorter match must end at a boundary of the text, never inside a token.
            if secret and (attempt == 0 or m.end() >= len(text) or not text[m.end()].isalnum()):
                start, end = m.span(group)
                if rule.token and not is_token(text, start, end):
                    return None  # part of a longer word or blob, not a token of its own
                hit = _check(rule, ctx, secret, start, end)
                if hit is not None and "report" in m.re.groupindex and m.group("report"):
                    # (the part checked is not all the credential: a URL whose path token is checked)
                    start, end = m.span("report")
                    hit = replace(hit, start=start, end=end, secret=m.group("report"))
                if hit is not None or not rule.shrink:
                    return hit
            if m.end() - 1 <= m.start():
                return None
            shorter = rule.pattern.match(text, m.start(), m.end() - 1, timeout=self.time_limit)
            if shorter is None:
                return None
            m = shorter
        return None


_MAX_SHRINK = 12
# A pattern rule that has spent this long on long texts gets a Hyperscan database of its own (compiling one
# costs 2 ms to 0.2 s, once per machine: hscache.py): a long text where it matches nowhere (what a superset
# of the pattern says, see prefilter.py) is not searched with `regex`, and one where it may match is searched
# only in the windows around those places (windows.py).  At 2 ms, about 32 rules have one after the bench scan
# of 10,000 groups (20 at 10 ms, 11 at 50 ms); every rule that gets one has first spent that long searching
# whole texts, a cost each copy of a rule pays again (`bench.doubled`): 0.26 s at 10 ms, 0.08 s at 2 ms.
# Without the cache the extra gates cost what they save at 10,000 groups (engine alone: 3.0 s either way).
# Which rules get one depends only on where the time went; what is found does not
# (tests/detect/test_engine_caches.py).
_GATE_AFTER = 0.002
_NO_RULES_PROTOCOL = "\x00"  # stands for every protocol that no rule names (see `Engine._for_field`)
# Texts shorter than this (names, tags, ARNs) are searched once by each rule before its matches are scanned.
_SHORT = 512
# The bounded fallback scan searches windows of this many characters, each starting half a window after the
# previous one: every match of up to half a window (a 4096-bit PEM private key is about 3,300) lies whole in
# one window, and no search reads more than a window, so the scan is linear in the text's length.
BOUNDED_PATTERN_WINDOW = 8192


def _windowed(pattern: regex.Pattern[str], text: str, deadline: float) -> Iterator[regex.Match[str]]:
    """The fallback scan of a rule that hit its time limit: the matches that start in the first half of
    each window, searched in that window only.  A match that reaches the end of its window (it may go on
    past it) is not taken.  Raises TimeoutError when the whole scan takes longer than the deadline allows."""
    n = len(text)
    step = BOUNDED_PATTERN_WINDOW // 2
    pos = 0  # where the last match taken ended: no match starts before it
    ws = 0
    while True:
        we = min(n, ws + BOUNDED_PATTERN_WINDOW)
        take_below = n + 1 if we == n else ws + step
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(pattern.pattern[:40])
        for m in pattern.finditer(text, max(ws, pos), we, timeout=remaining):
            if m.start() >= take_below:
                break
            if m.end() == we < n:
                continue  # it may go on past the window: not a match this scan can vouch for
            pos = m.end() if m.end() > m.start() else m.start() + 1
            yield m
        if we == n:
            return
        ws += step


def _token_matches(
    pattern: regex.Pattern[str],
    group: int | str,
    text: str,
    deadline: float,
    windows: Windows | None = None,
) -> Iterator[regex.Match[str]]:
    """A token rule's matches, left to right.  A match that does not stand on its own as a token does not
    hide one that starts inside it: the search goes on at the next place after its start where a token may
    start, not after its end.  (A body without a prefix of its own, such as 32 alphanumerics, first matches
    `3D...` in `KEY%3D<token>` or `n...` in `\\n<token>`, two or one characters before the token; in a run
    of 64 hex digits a 40-hex body is not retried at each of the 24 places inside the run.)"""
    pos = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(pattern.pattern[:40])
        m = (
            pattern.search(text, pos, timeout=remaining)
            if windows is None
            else windows.search(pattern, text, pos, remaining)
        )
        if m is None:
            return
        start, end = m.span(group)
        if start >= 0 and is_token(text, start, end):
            yield m
            pos = m.end() if m.end() > m.start() else m.start() + 1
        else:
            pos = next_token_start(text, max(start, m.start()))


def _applies(rule: Rule, ctx: TextContext) -> bool:
    """Whether a rule whose keywords occur runs on the text (its kinds and protocols: `Engine._for_field`)."""
    if rule.min_digits and ctx.digit_run < rule.min_digits:
        return False
    # A rule that needs a context word runs only where one occurs as a whole token (its keywords found
    # substrings: 'nit' in 'unit'), or its pattern of words without tokens occurs.
    c = rule.context
    if c.required and c.words:
        # (once the text's tokens are known, the cheap test ahead of finding them is only a cost)
        tokens = ctx.known_tokens()
        if tokens is None:
            tokens = ctx.tokens if c.words.may_occur_in(ctx.haystack) else frozenset()
        if not c.words.found_in(tokens):
            # (or its pattern of words without tokens: in the text, or in the key; or one of its whole keys)
            return (
                c.near is not None and (c.near.search(ctx.text) is not None or _near_in_key(c.near, ctx))
            ) or (bool(c.keys) and _keyed(c.keys, ctx))
    return True


def _keyed(keys: frozenset[str], ctx: TextContext) -> bool:
    """Whether the field's key or a key in its text is one of `keys`."""
    if ctx.key_text() in keys:
        return True
    try:
        return any(p.key in keys for p in ctx.pairs)
    except TimeoutError:  # (the assignments could not be found in time: the rule's pattern decides alone)
        return True


def _near_in_key(near: regex.Pattern[str], ctx: TextContext) -> bool:
    """A context's pattern of words without tokens (주민등록번호, マイナンバー) in the field's key: a tag
    keyed in Korean, Japanese or Thai."""
    return ctx.key is not None and near.search(ctx.key) is not None


def _strip_value(value: str) -> str:
    return value.strip().strip("\"'`").strip()


def _context(rule: Rule, ctx: TextContext, start: int, end: int) -> bool | None:
    """Whether the candidate has the rule's context; None when a negative context word rules it out."""
    c = rule.context
    if not (c.words or c.negative or c.near is not None or c.keys):
        return True
    if c.keys and ctx.key_text_at(start, end) in c.keys:
        return True  # (the whole key names it: `"C.I.": "1.234.567-2"`, where a lone `C.I.` nearby would not)
    # The key a value is assigned to names it more surely than words nearby: `routing=021000021
    # account=0049137724` is an account number although "routing" is in its window.
    key = ctx.key_words_at(start, end)  # found once: the context words below include it
    if key and c.names(key) and not (c.negative and c.negative.found_in(key)):
        return True
    if c.record and c.names(ctx.record_words_at(start, end)):
        return True  # (a row of a table whose columns say what it is about: `name;dob;passport`)
    found = ctx.context_words(start, end, c.before, c.after, assigned=key)
    if c.negative and c.negative.found_in(found):
        # A negative word before another value describes that value, not this one: in `routing 026009593
        # account 4829137502` and `sort code 20-45-77 account 41938562` the words after the routing number
        # and the sort code speak for the account number.
        since = ctx.since_value(start, c.before)
        if since is None:
            return None
        own = set(word_tokens(ctx.text[since:start]))
        own.update(key)
        own.update(ctx.key_words)
        if c.after:  # (a negative word after the candidate still counts)
            own.update(ctx.window_words(start, end, 0, c.after))
        if c.negative.found_in(own):
            return None
        if c.names(own):
            return True
        # (or its pattern of words without tokens there: `sort code 20-45-77 a/c 41938562`)
        return True if c.near is not None and c.near.search(ctx.text, since, start) is not None else None
    if c.names(found):
        return True
    if c.near is not None:
        ls, le = ctx.line_span(start)
        near = c.near.search(ctx.text, max(ls, start - c.before), min(le, end + c.after)) is not None
        if not near and c.before:
            above = ctx.comment_above(start, end)
            near = above is not None and c.near.search(ctx.text, *above) is not None
        if not near and c.above and ls > 0:
            # (the lines right above: `aws configure` answered by a heredoc, the key id on the line before)
            top = ls - 1
            for _ in range(c.above):
                top = ctx.text.rfind("\n", 0, top) if top > 0 else -1
                if top < 0:
                    break
            near = c.near.search(ctx.text, top + 1, ls - 1) is not None
        return near or _near_in_key(c.near, ctx)
    return False


def _check(rule: Rule, ctx: TextContext, secret: str, start: int, end: int) -> Hit | None:
    if not rule.min_length <= len(secret) <= rule.max_length:
        return None
    if secret in rule.allow_values or any(r.search(secret) for r in rule.allow_regexes):
        return None
    for name in rule.filters:
        if FILTER_FUNCS[name](secret):
            return None
    # Checksums and digit checks cost less than locating AWS structure or gathering context words (which
    # may find every assignment in the text), and reject most candidates (nine in ten Luhn checks fail):
    # they go first.  The others (phone numbers, names, dates, decoding) cost more than context: they go last.
    for name, validate in rule.validators:
        if name in CHEAP_VALIDATORS and not validate(secret):
            return None
    if rule.mask and ctx.in_structure(start, end):
        return None
    has_context = _context(rule, ctx, start, end)
    required = rule.context.required or ctx.kind in rule.context.required_in
    if has_context is None or (required and not has_context):
        return None
    for name, validate in rule.validators:
        if name not in CHEAP_VALIDATORS and not validate(secret):
            return None
    bits = entropy(secret)
    if rule.entropy is not None and bits < rule.entropy:
        return None
    confidence = rule.confidence
    if not has_context and rule.downgrade_without_context:
        confidence = confidence.lowered()
    if any(name in EXAMPLE_CHECKS and EXAMPLE_CHECKS[name](secret) for name, _ in rule.validators):
        confidence = Confidence.LOW  # a published example (a test card number, a documentation IBAN)
    if rule.category == "credential" and bits < 3.0 and rule.entropy is None:
        confidence = confidence.lowered()
    return Hit(rule, start, end, secret, confidence, ctx.line_of(start))


_NO_WINDOWS = Windows([], 0)  # a gate that reports nothing: the rule matches nowhere in the text
_NOTHING = ScanResult(())  # the result of a text where nothing was found and nothing cut short (immutable)


def resolve(hits: list[Hit]) -> tuple[Hit, ...]:
    """Keep the most specific hit where hits overlap, and each distinct value once (its first place)."""
    if len(hits) <= 1:
        return tuple(hits)
    starts: list[int] = []  # kept spans, sorted by start; they never overlap each other
    ends: list[int] = []
    kept: list[Hit] = []
    for h in sorted(hits, key=lambda h: (-h.rule.priority, -(h.end - h.start), h.start)):
        i = bisect.bisect_left(starts, h.start)
        if i > 0 and ends[i - 1] > h.start:
            continue  # overlaps the kept span that starts before it
        if i < len(starts) and starts[i] < h.end:
            continue  # overlaps the kept span that starts inside it
        starts.insert(i, h.start)
        ends.insert(i, h.end)
        kept.insert(i, h)
    seen: set[str] = set()
    out = []
    for h in kept:
        if h.secret not in seen:
            seen.add(h.secret)
            out.append(h)
    return tuple(out)
