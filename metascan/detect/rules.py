"""Detection rules as data: load `patterns/*.toml`, validate every rule, compile it once.

A rule is either a *pattern* rule (`regex`, run over the text) or a *keyed* rule (`key`, run over the
key/value assignments in the text and over a tag's key and value).  A pattern file may also hold
`[[vendor_keys]]` rows, a table of vendor keys without a prefix of their own: each row becomes an ordinary
pattern rule (vendor_keys.py).  See patterns/README.md for the format.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, cast

import regex

from ..errors import RuleError
from ..model import Category, Confidence, FieldKind, Severity
from .identifiers import COUNTRY, DOCUMENTS, identifier_rule
from .textctx import key_text, words
from .validators import VALIDATORS, Validator, stdnum_validator
from .vendor_keys import expand as expand_vendor_key

_ID = regex.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_FLAGS = regex.VERSION0

_RULE_KEYS = {
    "id",
    "title",
    "vendor",
    "description",
    "category",
    "severity",
    "confidence",
    "priority",
    "keywords",
    "regex",
    "secret_group",
    "key",
    "value",
    "validators",
    "context",
    "entropy",
    "min_length",
    "max_length",
    "filters",
    "allowlist",
    "mask",
    "shrink",
    "token",
    "min_digits",
    "kinds",
    "protocols",
    "remediation",
    "references",
    "examples",
    "downgrade_without_context",
    "yields_to_countries",
    "country",
    "document",
}
_CONTEXT_KEYS = {
    *("words", "also", "required", "required_in", "before", "after", "negative", "regex", "record", "above"),
    "keys",
}
_ALLOW_KEYS = {"values", "regexes"}
_EXAMPLE_KEYS = {"match", "no_match"}
_EXAMPLE_ITEM_KEYS = {"text", "key", "kind", "secret", "protocol"}


# Words that join the words of a name and that keys leave out: `cédula de residencia` is named by the key
# CedulaResidencia, `número de identificación` by NumeroIdentificacion, `date of birth` by DateBirth.
_JOINERS = frozenset(
    "of the for de del della di da do dos das du des la le el van von der den het y e".split()
)


def _content_tokens(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """A phrase's tokens without its joining words, when two or more words are left."""
    content = tuple(t for t in tokens if t not in _JOINERS)
    return content if len(content) >= 2 else tokens


@dataclass(frozen=True, slots=True)
class Phrases:
    """Context words and phrases as word tokens: one-word entries in a set, phrases as token tuples."""

    singles: frozenset[str] = frozenset()
    multis: tuple[tuple[str, ...], ...] = ()
    # The single words and the last word of each phrase: no entry occurs where none of these does.
    anchors: frozenset[str] = frozenset()
    ascii: bool = True  # every anchor is ASCII (see `may_occur_in`)

    @classmethod
    def of(cls, entries: tuple[tuple[str, ...], ...]) -> Phrases:
        singles = frozenset(e[0] for e in entries if len(e) == 1)
        multis = tuple(e for e in entries if len(e) > 1)
        anchors = singles.union(m[-1] for m in multis)
        return cls(singles, multis, anchors, all(a.isascii() for a in anchors))

    def __bool__(self) -> bool:
        return bool(self.singles or self.multis)

    def may_occur_in(self, lowered: str) -> bool:
        """False when no entry can occur among the word tokens of a text whose lowercase is `lowered`: each
        token is a piece of the lowercase text, so an anchor that is no substring of it is no token either.
        A cheap test ahead of `found_in` (finding a text's tokens costs more than a few substring tests).
        Anchors outside ASCII always may occur (lowercasing a Greek capital sigma depends on what follows).
        """
        if not self.ascii:
            return True
        return any(map(lowered.__contains__, self.anchors))  # (no generator frame: 160,000 calls a scan)

    def found_in(self, words: set[str] | frozenset[str]) -> bool:
        """Whether any entry occurs: a single word, or every word of a phrase."""
        if self.anchors.isdisjoint(words):
            return False
        if not self.singles.isdisjoint(words):
            return True
        return any(map(words.issuperset, self.multis))


@dataclass(frozen=True, slots=True)
class Context:
    words: Phrases = Phrases()
    negative: Phrases = Phrases()
    near: regex.Pattern[str] | None = None  # a pattern that counts as context within the window
    required: bool = False
    required_in: frozenset[FieldKind] = frozenset()  # kinds of field where context is required
    before: int = 40
    after: int = 20
    also: Phrases = Phrases()  # when given, one of these must be found as well as one of `words`
    record: bool = False  # the names of the other fields of the value's record (a table's columns) count
    above: int = 0  # lines right above the value's line where `regex` counts too (answers to a prompt)
    keys: frozenset[str] = frozenset()  # whole keys (as `key_text` spells them) that give the context alone

    def names(self, found: set[str]) -> bool:
        """Whether the words found give the context: one of `words` (and one of `also`, when given)."""
        return self.words.found_in(found) and (not self.also or self.also.found_in(found))


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    key: str | None = None
    kind: FieldKind = FieldKind.TEXT
    secret: str | None = None
    protocol: str | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    description: str
    category: Category
    severity: Severity
    confidence: Confidence
    priority: int
    keywords: tuple[str, ...]
    pattern: regex.Pattern[str] | None
    secret_group: int | str
    key: regex.Pattern[str] | None
    value: regex.Pattern[str] | None
    validators: tuple[tuple[str, Validator], ...]
    context: Context
    entropy: float | None
    min_length: int
    max_length: int
    filters: tuple[str, ...]
    allow_values: frozenset[str]
    allow_regexes: tuple[regex.Pattern[str], ...]
    mask: bool
    shrink: bool
    token: bool  # a self-delimiting token: the engine checks its boundaries (see boundaries.py)
    min_digits: int
    kinds: frozenset[FieldKind] | None
    protocols: frozenset[str] | None
    downgrade_without_context: bool
    remediation: str
    references: tuple[str, ...]
    examples_match: tuple[Example, ...]
    examples_no_match: tuple[Example, ...]
    file: str
    vendor: str | None = None  # whose documented format it finds (the README's table of covered formats)
    country: str | None = None  # ISO 3166 code of the country that issues the identifier
    document: str | None = None  # what the identifier is (identifiers.DOCUMENTS)
    # A keyed rule for numbers of any country: a value whose key names a country's identifier and that has
    # its shape is left to that identifier's rule, which checks its digits (Engine._yields).
    yields_to_countries: bool = False

    @property
    def keyed(self) -> bool:
        return self.key is not None

    @property
    def reports_account_id(self) -> bool:
        """Whether the rule's values are AWS account ids (it names the `aws_account_id` validator)."""
        return any(name == "aws_account_id" for name, _ in self.validators)


# Value filters a rule can name in `filters`; credentials get "reference", "placeholder" and "digest" by
# default.  A credential token rule (`token = true`: a vendor's self-delimiting format) also gets "example":
# a format whose random part is an alphabet run (AIzaSy...abcdefg1234567) is an example from the vendor's
# documentation.  Keyed rules do not by default: what is assigned to a secret's name counts even when it looks
# made up (the generic secret rule names it: a run of seven is no API key).  "crypt" is the crypt(3) part of
# "hash" alone (a password key's hex value is a password: `openssl rand -hex 16`).
FILTERS = (
    "reference",
    "placeholder",
    "digest",
    "example",
    "uuid",
    "hash",
    "crypt",
    "aws_id",
    "sequential",
    "path",
    "word",
    "url",
    "spaced",
    "prose",
)
_DEFAULT_FILTERS = {
    Category.CREDENTIAL: ("reference", "placeholder", "digest"),
    Category.ACCOUNT_NUMBER: (),
    Category.PERSONAL_DATA: (),
    Category.DATA_PROTECTION: (),
}


_GROUP_NAME = regex.compile(r"\(\?P<(\w+)>")


class LazyPattern:
    """A pattern compiled the first time it is used: every pattern of a bundled rule file, and those a
    `[[vendor_keys]]` table builds from parts the loader has already checked (vendor_keys.py).  A scan uses
    the few hundred rules whose keywords occur: compiling all 4,000 patterns up front cost a second at every
    start.  `groupindex` is known without compiling: its names are the pattern's named groups (its numbers
    count those alone; only the names are asked for)."""

    __slots__ = ("_compiled", "flags", "groupindex", "pattern")

    def __init__(self, source: str, flags: int) -> None:
        self.pattern = source
        self.flags = flags
        self.groupindex = {name: i for i, name in enumerate(dict.fromkeys(_GROUP_NAME.findall(source)), 1)}
        self._compiled: regex.Pattern[str] | None = None

    def compiled(self) -> regex.Pattern[str]:
        if self._compiled is None:
            self._compiled = regex.compile(self.pattern, self.flags)
        return self._compiled

    @property
    def groups(self) -> int:
        return self.compiled().groups

    def finditer(self, *args: Any, **kwargs: Any) -> Any:
        return self.compiled().finditer(*args, **kwargs)

    def search(self, *args: Any, **kwargs: Any) -> Any:
        return self.compiled().search(*args, **kwargs)

    def match(self, *args: Any, **kwargs: Any) -> Any:
        return self.compiled().match(*args, **kwargs)

    def fullmatch(self, *args: Any, **kwargs: Any) -> Any:
        return self.compiled().fullmatch(*args, **kwargs)


class _Loader:
    """Reads the rule tables of one file.  `bundled`: the file ships with metascan, and every pattern in it
    compiles on first use (tests/detect/test_rules_bundled.py compiles them all): a scan uses a few hundred
    of the thousand-odd rules, and compiling every pattern up front cost a second at each start.  The
    patterns of a user's rule file compile as it loads, so that a bad one is an error before any input is
    read."""

    def __init__(self, file: str, bundled: bool = False) -> None:
        self.file = file
        self.bundled = bundled
        self.tokens: dict[str, tuple[str, ...]] = {}
        self.phrase_sets: dict[tuple[tuple[str, ...], ...], Phrases] = {}

    def fail(self, rule_id: str | None, message: str) -> RuleError:
        where = f"{self.file}: rule {rule_id!r}" if rule_id else self.file
        return RuleError(f"{where}: {message}")

    def regex(self, rid: str, name: str, source: Any, lazy: bool = False) -> regex.Pattern[str]:
        if not isinstance(source, str) or not source:
            raise self.fail(rid, f"{name} must be a non-empty string")
        if lazy or self.bundled:
            return cast("regex.Pattern[str]", LazyPattern(source, _FLAGS))
        try:
            return regex.compile(source, _FLAGS)
        except regex.error as e:
            raise self.fail(rid, f"{name} does not compile: {e}") from e

    def strings(self, rid: str, name: str, value: Any) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(rid, f"{name} must be a list of non-empty strings")
        return tuple(value)

    def phrases(self, rid: str, name: str, value: Any) -> tuple[tuple[str, ...], ...]:
        """Context phrases as word tokens (the same phrase recurs in many rules: split each once)."""
        out = []
        for phrase in self.strings(rid, name, value):
            tokens = self.tokens.get(phrase)
            if tokens is None:
                tokens = self.tokens[phrase] = _content_tokens(tuple(words(phrase)))
            out.append(tokens)
        return tuple(out)

    def phrase_set(self, phrases: tuple[tuple[str, ...], ...]) -> Phrases:
        """The Phrases of these phrases, one object for all the rules of a file that list the same ones."""
        found = self.phrase_sets.get(phrases)
        if found is None:
            found = self.phrase_sets[phrases] = Phrases.of(phrases)
        return found

    def flag(self, rid: str, name: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self.fail(rid, f"{name} must be true or false")
        return value

    def enum(self, rid: str, name: str, value: Any, enum: type[Any]) -> Any:
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(str(e) for e in enum)
            raise self.fail(rid, f"{name} {value!r} is not one of: {allowed}") from None

    def examples(self, rid: str, name: str, value: Any) -> tuple[Example, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail(rid, f"examples.{name} must be a non-empty list")
        out = []
        for item in value:
            if isinstance(item, str):
                out.append(Example(item))
                continue
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                raise self.fail(rid, f"examples.{name} entries must be strings or tables with a 'text'")
            unknown = set(item) - _EXAMPLE_ITEM_KEYS
            if unknown:
                raise self.fail(rid, f"examples.{name} entry has unknown keys: {', '.join(sorted(unknown))}")
            kind = self.enum(rid, "example kind", item.get("kind", "text"), FieldKind)
            out.append(Example(item["text"], item.get("key"), kind, item.get("secret"), item.get("protocol")))
        return tuple(out)

    def rule(self, raw: Any, lazy: bool = False) -> Rule:
        """The rule of a raw `[[rules]]` table; `lazy`: its regex compiles on first use (see LazyPattern)."""
        if not isinstance(raw, dict):
            raise self.fail(None, "every [[rules]] entry must be a table")
        rid = raw.get("id")
        if not isinstance(rid, str) or not _ID.fullmatch(rid):
            raise self.fail(str(rid), "id must be a lowercase slug such as 'aws-access-key-id'")
        unknown = set(raw) - _RULE_KEYS
        if unknown:
            raise self.fail(rid, f"unknown keys: {', '.join(sorted(unknown))}")
        for name in ("title", "description", "remediation"):
            if not isinstance(raw.get(name), str) or not raw[name].strip():
                raise self.fail(rid, f"{name} is required")
        vendor = raw.get("vendor")
        if vendor is not None and (not isinstance(vendor, str) or not vendor.strip()):
            raise self.fail(rid, "vendor must be a non-empty string (the vendor's name)")
        category = self.enum(rid, "category", raw.get("category"), Category)
        severity = self.enum(rid, "severity", raw.get("severity"), Severity)
        confidence = self.enum(rid, "confidence", raw.get("confidence", "medium"), Confidence)

        pattern = self.regex(rid, "regex", raw["regex"], lazy) if "regex" in raw else None
        key = self.regex(rid, "key", raw["key"]) if "key" in raw else None
        value = self.regex(rid, "value", raw["value"]) if "value" in raw else None
        if (pattern is None) == (key is None):
            raise self.fail(rid, "needs exactly one of 'regex' (a pattern rule) or 'key' (a keyed rule)")
        if value is not None and key is None:
            raise self.fail(rid, "'value' is only for keyed rules")
        if raw.get("token") and pattern is None:
            raise self.fail(rid, "'token' is only for pattern rules")

        group = raw.get("secret_group", "secret")
        target = pattern or value
        if target is not None:
            if isinstance(group, int) and not isinstance(group, bool):
                if not 0 <= group <= target.groups:
                    raise self.fail(rid, f"secret_group {group} does not exist in the pattern")
            elif isinstance(group, str):
                if group not in target.groupindex:
                    if "secret_group" in raw:
                        raise self.fail(rid, f"secret_group {group!r} is not a named group of the pattern")
                    group = 0
            else:
                raise self.fail(rid, "secret_group must be a group number or name")

        validators = []
        for name in self.strings(rid, "validators", raw.get("validators")):
            fn = (
                stdnum_validator(name.removeprefix("stdnum:"))
                if name.startswith("stdnum:")
                else VALIDATORS.get(name)
            )
            if fn is None:
                known = ", ".join(sorted(VALIDATORS))
                raise self.fail(rid, f"unknown validator {name!r} (known: stdnum:<module>, {known})")
            validators.append((name, fn))
        country = raw.get("country")
        if country is not None and (not isinstance(country, str) or not COUNTRY.fullmatch(country)):
            raise self.fail(rid, "country must be an ISO 3166 two-letter code such as 'SE'")
        document = raw.get("document")
        if document is not None and document not in DOCUMENTS:
            raise self.fail(rid, f"document {document!r} is not one of: {', '.join(DOCUMENTS)}")

        ctx_raw = raw.get("context", {})
        if not isinstance(ctx_raw, dict) or set(ctx_raw) - _CONTEXT_KEYS:
            raise self.fail(
                rid, f"context must be a table with keys among: {', '.join(sorted(_CONTEXT_KEYS))}"
            )
        ctx_words = self.phrases(rid, "context.words", ctx_raw.get("words"))
        if any(not w for w in ctx_words):
            raise self.fail(
                rid,
                "a context word without letters or digits of a script with word tokens "
                "(such as 住所) can never be found: give it in context.regex",
            )
        negative = self.phrases(rid, "context.negative", ctx_raw.get("negative"))
        also = self.phrases(rid, "context.also", ctx_raw.get("also"))
        if also and not ctx_words:
            raise self.fail(rid, "context.also needs context.words")
        near = self.regex(rid, "context.regex", ctx_raw["regex"]) if "regex" in ctx_raw else None
        required = bool(ctx_raw.get("required", False))
        required_in = frozenset(
            self.enum(rid, "context.required_in entry", k, FieldKind)
            for k in self.strings(rid, "context.required_in", ctx_raw.get("required_in"))
        )
        if (required or required_in) and not ctx_words and near is None:
            raise self.fail(rid, "context.required needs context.words or context.regex")
        for name in ("before", "after"):
            if name in ctx_raw and (not isinstance(ctx_raw[name], int) or not 0 <= ctx_raw[name] <= 400):
                raise self.fail(rid, f"context.{name} must be an integer from 0 to 400")
        if "above" in ctx_raw and (
            not isinstance(ctx_raw["above"], int) or not 0 <= ctx_raw["above"] <= 5 or near is None
        ):
            raise self.fail(rid, "context.above must be an integer from 0 to 5, with context.regex")
        context = Context(
            self.phrase_set(ctx_words),
            self.phrase_set(negative),
            near,
            required,
            required_in,
            int(ctx_raw.get("before", 40)),
            int(ctx_raw.get("after", 20)),
            self.phrase_set(also),
            bool(ctx_raw.get("record", False)),
            int(ctx_raw.get("above", 0)),
            frozenset(key_text(k) for k in self.strings(rid, "context.keys", ctx_raw.get("keys"))),
        )
        if any(not k for k in context.keys):
            raise self.fail(rid, "context.keys must be keys with letters or digits")

        keywords = tuple(k.lower() for k in self.strings(rid, "keywords", raw.get("keywords")))
        if required and not keywords and ctx_words:
            # context is required, so a context word must occur somewhere: use them as the prefilter
            keywords = tuple(dict.fromkeys(max(w, key=len) for w in ctx_words))  # a phrase's longest word

        entropy = raw.get("entropy")
        if entropy is not None and (not isinstance(entropy, int | float) or not 0 < entropy < 8):
            raise self.fail(rid, "entropy must be a number between 0 and 8 (bits per character)")
        filters = self.strings(rid, "filters", raw.get("filters"))
        if "filters" not in raw:
            filters = _DEFAULT_FILTERS[category]
        for f in filters:
            if f not in FILTERS:
                raise self.fail(rid, f"unknown filter {f!r} (known: {', '.join(FILTERS)})")
        if category is Category.CREDENTIAL and raw.get("token") is True and "example" not in filters:
            filters = (*filters, "example")

        allow = raw.get("allowlist", {})
        if not isinstance(allow, dict) or set(allow) - _ALLOW_KEYS:
            raise self.fail(rid, "allowlist must be a table with 'values' and/or 'regexes'")
        allow_regexes = tuple(self.regex(rid, "allowlist regex", r) for r in allow.get("regexes", []))
        kinds = raw.get("kinds")
        kind_set = (
            frozenset(self.enum(rid, "kinds entry", k, FieldKind) for k in self.strings(rid, "kinds", kinds))
            if kinds is not None
            else None
        )
        protocols = raw.get("protocols")
        proto_set = frozenset(self.strings(rid, "protocols", protocols)) if protocols is not None else None

        examples = raw.get("examples")
        if not isinstance(examples, dict) or set(examples) != _EXAMPLE_KEYS:
            raise self.fail(rid, "examples must have both 'match' and 'no_match' lists")

        for name in ("min_length", "max_length", "priority", "min_digits"):
            if name in raw and (not isinstance(raw[name], int) or raw[name] < 0):
                raise self.fail(rid, f"{name} must be a non-negative integer")
        return Rule(
            id=rid,
            title=raw["title"].strip(),
            description=raw["description"].strip(),
            category=category,
            severity=severity,
            confidence=confidence,
            priority=int(raw.get("priority", 50)),
            keywords=keywords,
            pattern=pattern,
            secret_group=group,
            key=key,
            value=value,
            validators=tuple(validators),
            context=context,
            entropy=float(entropy) if entropy is not None else None,
            min_length=int(raw.get("min_length", 1)),
            max_length=int(raw.get("max_length", 10_000)),
            filters=filters,
            allow_values=frozenset(self.strings(rid, "allowlist values", allow.get("values"))),
            allow_regexes=allow_regexes,
            mask=bool(raw.get("mask", False)),
            shrink=bool(raw.get("shrink", False)),
            token=self.flag(rid, "token", raw.get("token", False)),
            min_digits=int(raw.get("min_digits", 0)),
            kinds=kind_set,
            protocols=proto_set,
            downgrade_without_context=bool(raw.get("downgrade_without_context", False)),
            remediation=raw["remediation"].strip(),
            references=self.strings(rid, "references", raw.get("references")),
            examples_match=self.examples(rid, "match", examples.get("match")),
            examples_no_match=self.examples(rid, "no_match", examples.get("no_match")),
            file=self.file,
            vendor=vendor.strip() if vendor is not None else None,
            country=country,
            document=document,
            yields_to_countries=self.flag(rid, "yields_to_countries", raw.get("yields_to_countries", False)),
        )


def parse_rules(text: str, file: str, bundled: bool = False) -> list[Rule]:
    """The rules of one rule file (`bundled`: one of metascan's own, see `_Loader`)."""
    loader = _Loader(file, bundled)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise loader.fail(None, f"not valid TOML: {e}") from e
    tables = {"rules", "identifiers", "vendor_keys"}
    if set(doc) - tables:
        unknown = ", ".join(sorted(set(doc) - tables))
        raise loader.fail(None, f"unknown top-level keys: {unknown}")
    raw_rules = doc.get("rules", [])
    rows = doc.get("identifiers", [])
    vendor_rows = doc.get("vendor_keys", [])
    if (
        not isinstance(raw_rules, list)
        or not isinstance(rows, list)
        or not isinstance(vendor_rows, list)
        or not (raw_rules or rows or vendor_rows)
    ):
        raise loader.fail(None, "has no [[rules]]")
    return (
        [loader.rule(r) for r in raw_rules]
        + [loader.rule(identifier_rule(r, loader.fail)) for r in rows]
        + [loader.rule(expand_vendor_key(r, loader.fail), lazy=True) for r in vendor_rows]
    )


def _pattern_files() -> list[tuple[str, str]]:
    """(name, text) of each bundled pattern file: the package copy in a wheel, else the checkout's."""
    root = resources.files("metascan").joinpath("patterns")
    if not root.is_dir():
        root = resources.files("metascan").joinpath("..", "patterns")
    files = sorted((p for p in root.iterdir() if p.name.endswith(".toml")), key=lambda p: p.name)
    return [(f"patterns/{p.name}", p.read_text(encoding="utf-8")) for p in files]


def load_rules(extra: Iterable[str | Path] = ()) -> list[Rule]:
    """The bundled rules plus rules from extra files; every rule validated, ids unique."""
    sources = [(name, text, True) for name, text in _pattern_files()]
    for path in extra:
        try:
            sources.append((str(path), Path(path).read_text(encoding="utf-8"), False))
        except OSError as e:
            raise RuleError(f"{path}: cannot read rule file: {e.strerror or e}") from e
    if not sources:
        raise RuleError("no pattern files found (patterns/*.toml is missing from the installation)")
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for name, text, bundled in sources:
        for rule in parse_rules(text, name, bundled):
            if rule.id in seen:
                raise RuleError(f"{name}: rule {rule.id!r} is already defined in {seen[rule.id]}")
            seen[rule.id] = name
            rules.append(rule)
    return share_documented_examples(rules)


def share_documented_examples(rules: list[Rule]) -> list[Rule]:
    """A vendor's documented example value is not a finding whichever rule meets it: a generic rule that
    sees Stripe's example key under `API_KEY=` must drop it like the Stripe rule does, and the Authorization
    header rule drops Okta's example after `SSWS`.  Every credential rule's `allowlist.values` and
    `allowlist.regexes` apply to all credential rules."""
    shared = Category.CREDENTIAL
    examples = frozenset(v for r in rules if r.category is shared for v in r.allow_values)
    patterns: dict[str, regex.Pattern[str]] = {}
    for r in rules:
        if r.category is shared:
            patterns.update((p.pattern, p) for p in r.allow_regexes)
    return [
        dataclasses.replace(
            r,
            allow_values=r.allow_values | examples,
            allow_regexes=tuple({**{p.pattern: p for p in r.allow_regexes}, **patterns}.values()),
        )
        if r.category is shared
        else r
        for r in rules
    ]


def rules_by_id(rules: Iterable[Rule]) -> Mapping[str, Rule]:
    return {r.id: r for r in rules}


def rules_digest(rules: Iterable[Rule]) -> str:
    """A short digest of what a rule set detects: every rule's id and definition (patterns, keywords,
    validators by name, context, limits, allowlists, severity, texts), in id order; examples and file names
    left out.  Reports carry it (`tool.rules_digest`) so that reports made with different rules are told
    apart (`metascan merge` compares it)."""
    digest = hashlib.sha256()
    memo: dict[Any, Any] = {}  # (see _canonical)
    for rule in sorted(rules, key=lambda r: r.id):
        doc = {
            name: _canonical(getattr(rule, name), memo)
            for name in _field_names(type(rule))
            if name not in _NOT_DIGESTED
        }
        digest.update(json.dumps(doc, sort_keys=True, ensure_ascii=True).encode("ascii"))
        digest.update(b"\n")
    return digest.hexdigest()[:16]


_NOT_DIGESTED = frozenset({"examples_match", "examples_no_match", "file"})


def _canonical(value: Any, memo: dict[Any, Any] | None = None) -> Any:
    """A JSON-ready form of a rule's field that is the same in every process (no object addresses).

    `memo`: the forms made so far in one digest.  Rules share many parts (every credential rule has an
    equal copy of one allowlist of every vendor's example values, the rules of a file share phrase
    tables): frozen sets are remembered by value, other containers by identity (the rules keep them alive
    while the digest is made)."""
    if isinstance(value, regex.Pattern | LazyPattern):
        return ["regex", value.pattern, value.flags]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if memo is None:
        memo = {}
    key = value if isinstance(value, frozenset) else id(value)
    found = memo.get(key)
    if found is not None:
        return found
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: Any = {name: _canonical(getattr(value, name), memo) for name in _field_names(type(value))}
    elif isinstance(value, frozenset | set):
        if set(map(type, value)) == _STR_ONLY:  # words, phrases' anchors: each is its own form
            out = sorted(value, key=_json_string)
        else:
            out = sorted((_canonical(v, memo) for v in value), key=_order)
    elif isinstance(value, tuple | list):
        out = [_canonical(v, memo) for v in value]
    elif callable(value):
        return getattr(value, "__qualname__", type(value).__name__)
    else:
        return _ADDRESS.sub("", repr(value))
    memo[key] = out
    return out


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    """A dataclass's field names, looked up once per class (the digest asks for each of 1,100 rules)."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


_ADDRESS = regex.compile(r" at 0x[0-9a-fA-F]+")
_STR_ONLY = {str}


def _order(value: Any) -> str:
    """Where a set's element goes in its canonical form: the order of the elements' JSON."""
    return _json_string(value) if isinstance(value, str) else json.dumps(value, sort_keys=True)


@lru_cache(maxsize=65536)
def _json_string(value: str) -> str:
    return json.dumps(value)  # (the same words recur in hundreds of rules' context sets)
