"""Vendor keys without a prefix of their own, as one table: each row becomes an ordinary pattern rule.

Hundreds of services issue keys that are a bare 32-hex or 40-character string: such a value is the vendor's
key only because the vendor's name stands beside it (`NEWSAPI_KEY=...`, `shodan token: '...'`,
`"maxmindToken": "..."`, `prospect-token-<hex>`).  `patterns/vendor_keys.toml` lists them as
`[[vendor_keys]]` rows (vendor, names, value shapes, documentation, one example value; see
patterns/README.md), and `expand` turns each row into the raw table of a rule `vendor-key-<id>`, which the
rule loader then validates and compiles like any other.  Every row's rule:

* finds a value of one of the row's shapes up to `GAP` characters after one of the vendor's names on the
  same line, or a value that is the whole field (a tag whose key names the vendor).  The value's boundaries
  are those of `boundaries.py`: a quote, `=`, `%3D` or `\\n` may precede it, a longer run never holds it;
* requires context (`context.words` and `context.also`): the vendor's name and a secret word (key, token,
  secret, api, auth, ...) must both be word tokens of the key the value is assigned to, of the field's key
  or of the text just before the value on its line.  Names are whole tokens (camelCase, snake_case and
  kebab-case are split, so `dropbox` is not `box`); a name run together with a secret word (`newsapikey`)
  counts too;
* drops a value that its words call something else: an id, a URL, a host, a version, a hash (`negative`);
* has keywords (each name as scripts spell it), so the one Aho-Corasick pass keeps it out of every text
  that does not mention its vendor: a row costs nothing where its vendor is absent, and its pattern is
  compiled only the first time a text names the vendor (rules.LazyPattern);
* has examples made from the row's example value: found after the usual key shapes (env, JSON camelCase,
  words, a tag, a percent-encoded `=`), not found when the name is on another line, inside a longer word,
  or when the key says id or sha256.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import regex

from .boundaries import ESCAPE, token_end_re, token_start_re
from .textctx import words

GAP = 40  # characters from the end of a vendor's name to its value, on the same line
PRIORITY = 80  # above generic keyed rules, below the vendors' own self-identifying formats (87-92)

# Words that make a value a secret when they stand beside the vendor's name.
SECRET_WORDS = (
    "key",
    "keys",
    "apikey",
    "api",
    "token",
    "tokens",
    "secret",
    "secrets",
    "auth",
    "authorization",
    "access",
    "password",
    "passwd",
    "pwd",
    "pass",
    "passphrase",
    "credential",
    "credentials",
    "cred",
    "creds",
    "bearer",
    "private",
    "pat",
    # the same run together as one word
    "apitoken",
    "apisecret",
    "secretkey",
    "privatekey",
    "accesskey",
    "accesstoken",
    "authtoken",
    "authkey",
    "secrettoken",
    "clientsecret",
    "appsecret",
)
# Words that say the value is something else: an identifier, an address, a version, a digest.
NEGATIVE_WORDS = (
    "id",
    "ids",
    "uid",
    "guid",
    "user",
    "username",
    "login",
    "email",
    "host",
    "hostname",
    "url",
    "uri",
    "endpoint",
    "domain",
    "region",
    "version",
    "name",
    "path",
    "file",
    "hash",
    "sha",
    "sha1",
    "sha256",
    "sha512",
    "md5",
    "checksum",
    "digest",
    "fingerprint",
    "commit",
    "public",
    "publishable",
)

# Character classes of value shapes: set body (for a regex class) and a description.
_CLASSES = {
    "hex": ("0-9a-f", "lowercase hex digits"),
    "hexany": ("0-9A-Fa-f", "hex digits"),
    "alnum": ("0-9A-Za-z", "letters and digits"),
    "lower": ("0-9a-z", "lowercase letters and digits"),
    "upper": ("0-9A-Z", "uppercase letters and digits"),
    "digits": ("0-9", "digits"),
    "letters": ("A-Za-z", "letters"),
}
_EXTRA = "-_+/=.:"  # characters a shape may add to its class
_UUID = "[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
_SHAPE = regex.compile(r"(?P<cls>[a-z]+)(?:\[(?P<extra>[^\]]+)\])?:(?P<min>\d+)(?:-(?P<max>\d+))?")
_ROW_KEYS = {
    "id",
    "vendor",
    "names",
    "kind",
    "shapes",
    "value",
    "words",
    "entropy",
    "severity",
    "references",
    "example",
    "examples",
}
_ID = regex.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_ALNUM_RUN = regex.compile(r"[A-Za-z0-9]+")


def _keywords(name: str, tokens: list[str]) -> list[str]:
    """Prefilter keywords of a name, one for each way a script spells it: as written (lowercase, as the
    prefilter reads text), run together (launchdarkly, also LaunchDarkly and LAUNCHDARKLY), and with one
    separator between its words (azure_devops, launch-darkly, launch.darkly).  Never a word of the name
    alone: `launch`, `time` or `user` occur in every script and would make the rule run on all of them."""
    runs = [r.lower() for r in _ALNUM_RUN.findall(name)]
    spelled = [name.lower(), "".join(tokens)]
    for parts in (runs, tokens):
        if len(parts) > 1:
            spelled.extend(sep.join(parts) for sep in "_- .")
    return list(dict.fromkeys(spelled))


Fail = Callable[[str | None, str], Exception]


def _shape(spec: str, fail: Callable[[str], Exception]) -> tuple[str, str, str, int]:
    """(regex, extra boundary characters, description, shortest length) of one shape."""
    if spec == "uuid":
        return _UUID, "-", "a UUID", 36
    m = _SHAPE.fullmatch(spec)
    if m is None or m["cls"] not in _CLASSES:
        raise fail(
            f"shape {spec!r} is not CLASS[EXTRA]:LENGTH[-MAX] (classes: {', '.join(_CLASSES)}) or uuid"
        )
    body, text = _CLASSES[m["cls"]]
    extra = m["extra"] or ""
    if any(c not in _EXTRA for c in extra):
        raise fail(f"shape {spec!r}: extra characters must be among {_EXTRA}")
    low = int(m["min"])
    high = int(m["max"] or low)
    if not 4 <= low <= high <= 1024:
        raise fail(f"shape {spec!r}: lengths must be 4 to 1024, the first no greater than the second")
    escaped = "".join(f"\\{c}" if c in "\\]^-[" else c for c in extra)
    count = f"{{{low}}}" if low == high else f"{{{low},{high}}}"
    length = str(low) if low == high else f"{low} to {high}"
    what = f"{text} and {' '.join(extra)}" if extra else text
    return f"[{body}{escaped}]{count}", extra, f"{length} {what}", low


def _name_regex(tokens: list[str]) -> str:
    """A name as it appears in keys and text: its word tokens in order, up to 3 separators between them."""
    return r"[\W_]{0,3}".join(tokens)  # word tokens are letters or digits: nothing to escape


# A name starts a word: after a non-alphanumeric character, an escape, or a lowercase letter or digit before
# an uppercase letter (camelCase: `myShodanKey`).
_NAME_START = rf"(?:(?<![A-Za-z0-9])|(?<=[a-z0-9])(?=[A-Z])|(?<={ESCAPE}))"


# A name and a secret word written as one word: newsapikey, SHODANTOKEN, maxmindapikey.
_COMPOUND_SUFFIXES = (
    "key",
    "apikey",
    "token",
    "apitoken",
    "secret",
    "secretkey",
    "access",
    "accesskey",
    "accesstoken",
    "password",
    "pat",
)


def _example_key(name: str, tokens: list[str]) -> tuple[str, str, str]:
    """(UPPER_SNAKE, camelCase, kebab-case) spellings of a name, for the generated examples."""
    runs = [r.lower() for r in _ALNUM_RUN.findall(name)]
    camel = tokens[0] + "".join(t[:1].upper() + t[1:] for t in tokens[1:])
    return "_".join(runs).upper(), camel, "-".join(runs)


def _article(word: str) -> str:
    return "An" if word.strip()[:1].lower() in "aeiou8" else "A"


class _Value:
    """The value part of a row's pattern: its shapes as one regex with token boundaries."""

    def __init__(self, raw: dict[str, Any], bad: Callable[[str], Exception]) -> None:
        shapes = raw.get("shapes", [])
        if not isinstance(shapes, list) or not all(isinstance(s, str) for s in shapes):
            raise bad("shapes must be a list of strings such as 'hex:32' or 'alnum[-_]:43'")
        parts = [_shape(s, bad) for s in shapes]
        value = raw.get("value")
        if value is not None:
            if not isinstance(value, str) or not value:
                raise bad("value must be a regex of the value")
            try:
                compiled = regex.compile(value)
            except regex.error as e:
                raise bad(f"value does not compile: {e}") from e
            if compiled.groups:
                raise bad("value must have no groups (use (?:...))")
            parts.append((value, "", "", 16))  # (a value is at least this long, for the entropy floor)
        if not parts:
            raise bad("needs shapes or a value")
        parts.sort(key=lambda p: -p[3])  # of two shapes at a position, the longer one first
        # A value's own characters continue it (base64's + and /, its = padding after it), except those
        # that also separate a key from its value (= before it, - and . in kebab-case and dotted names).
        extra = "".join(dict.fromkeys("".join(p[1] for p in parts)))
        start = "".join(c for c in "+/" if c in extra)
        end = "".join(c for c in "+/=" if c in extra)
        # Never inside an escape: `%3Dvalue` is a value after `%3D`, not `3Dvalue` after `%`.
        alternatives = "|".join(p[0] for p in parts)
        self.regex = rf"(?<![%\\]){token_start_re(start)}(?P<secret>{alternatives}){token_end_re(end)}"
        self.described = "; ".join(p[2] for p in parts if p[2]) or "the vendor's documented format"
        shortest = min(p[3] for p in parts)
        entropy = round(min(3.0, 0.75 * math.log2(shortest)), 2)
        if value is None and all(s.startswith("digits:") for s in shapes):
            entropy = min(2.5, entropy)
        self.entropy = raw.get("entropy", entropy)


def _context(names: list[str], name_tokens: list[list[str]], secret_words: tuple[str, ...]) -> dict[str, Any]:
    """One of the names (its word tokens) and one of the secret words; a name and a secret word run together
    as one word (newsapikey, SHODANTOKEN) count as both."""
    phrases: list[str] = []
    compounds: list[str] = []
    name_words: set[str] = set()
    for name, tokens in zip(names, name_tokens, strict=True):
        joined = "".join(tokens)
        runs = [r.lower() for r in _ALNUM_RUN.findall(name)]  # DevOps, OpenAI: one word each
        name_words.update([*tokens, *runs, joined])
        phrases.extend((" ".join(tokens), " ".join(runs), joined))
        compounds.extend(f"{joined}{suffix}" for suffix in _COMPOUND_SUFFIXES)
    # A word of the vendor's own name never rules its value out (Host.io, User.com), nor does a word the
    # vendor documents for its secret (SonarQube's sonar.login).
    negative = [w for w in NEGATIVE_WORDS if w not in name_words and w not in secret_words]
    return {
        "required": True,
        "words": [*dict.fromkeys(phrases), *compounds],
        "also": [*secret_words, *compounds],
        "negative": negative,
        "before": GAP + max(map(len, names)) + 16,
        "after": 0,
    }


def _examples(names: list[str], tokens: list[str], example: str, more: dict[str, Any]) -> dict[str, Any]:
    """The row's example value after the usual key shapes, and where it must not be found."""
    upper, camel, kebab = _example_key(names[0], tokens)
    joined = "".join(tokens)
    return {
        "match": [
            {"text": f"export {upper}_API_KEY={example}", "secret": example},
            {"text": f'{{"{camel}Token": "{example}"}}', "secret": example},
            {"text": f"{names[0]} token: '{example}'", "secret": example},
            {"text": example, "key": f"{kebab}-api-key", "kind": "tag_value", "secret": example},
            {"text": f"data:,{upper}_SECRET%3D{example}%0A", "secret": example},
            *more.get("match", []),
        ],
        "no_match": [
            f"# {names[0]}\nAPI_KEY={example}",  # the name on another line
            f"not{joined}_token={example}",  # the name inside a longer word
            f"{upper}_CLIENT_ID={example}",  # an identifier, not a secret
            f"{upper}_KEY_SHA256={example}",  # a digest
            *more.get("no_match", []),
        ],
    }


def _strings(raw: dict[str, Any], name: str, bad: Callable[[str], Exception], required: bool) -> list[str]:
    value = raw.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise bad(f"{name} must be a list of strings")
    if required and not value:
        raise bad(f"{name} must be a non-empty list of the vendor's names")
    return [v.strip() for v in value]


def expand(raw: Any, fail: Fail) -> dict[str, Any]:
    """The raw rule table (as in a `[[rules]]` block) of one `[[vendor_keys]]` row."""
    if not isinstance(raw, dict):
        raise fail(None, "every [[vendor_keys]] entry must be a table")
    row = raw.get("id")
    if not isinstance(row, str) or not _ID.fullmatch(row):
        raise fail(str(row), "vendor_keys id must be a lowercase slug such as 'newsapi'")
    rid = f"vendor-key-{row}"

    def bad(message: str) -> Exception:
        return fail(rid, message)

    unknown = set(raw) - _ROW_KEYS
    if unknown:
        raise bad(f"unknown keys: {', '.join(sorted(unknown))}")
    vendor, kind, example = (raw.get(k) for k in ("vendor", "kind", "example"))
    if not isinstance(vendor, str) or not vendor.strip():
        raise bad("vendor (the vendor's display name) is required")
    vendor = vendor.strip()
    kind = "API key" if kind is None else kind
    if not isinstance(kind, str) or not kind.strip():
        raise bad("kind must be a short description such as 'API key'")
    if not isinstance(example, str) or not example:
        raise bad("example (a value you wrote in the vendor's format) is required")
    more = raw.get("examples", {})
    if not isinstance(more, dict) or set(more) - {"match", "no_match"}:
        raise bad("examples must be a table with 'match' and/or 'no_match' lists")
    names = _strings(raw, "names", bad, required=True)
    name_tokens = [words(n) for n in names]
    if not all(name_tokens):
        raise bad("every name needs letters or digits")
    secret_words = tuple(
        dict.fromkeys([*SECRET_WORDS, *(w.lower() for w in _strings(raw, "words", bad, False))])
    )
    references = _strings(raw, "references", bad, required=False)
    value = _Value(raw, bad)

    anchors = "|".join(dict.fromkeys(_name_regex(t) for t in name_tokens))
    where = f" ({references[0]})" if references else ""
    return {
        "id": rid,
        "title": f"{vendor} {kind.strip()}",
        "description": (
            f"{_article(vendor)} {vendor} {kind.strip()} ({value.described}), reported where {vendor}'s name "
            "and a word such as key, token or secret name it: in the key it is assigned to, or just before "
            "it on its line."
        ),
        "category": "credential",
        "severity": raw.get("severity", "high"),
        "confidence": "medium",
        "priority": PRIORITY,
        "keywords": list(
            dict.fromkeys(k for n, t in zip(names, name_tokens, strict=True) for k in _keywords(n, t))
        ),
        # the whole field (a tag whose key names the vendor), or a value after one of the vendor's names
        "regex": (
            rf"\A\s*[\"'`]?{value.regex}[\"'`]?\s*\Z"
            rf"|{_NAME_START}(?i:{anchors})[^\n]{{0,{GAP}}}?{value.regex}"
        ),
        "context": _context(names, name_tokens, secret_words),
        "entropy": value.entropy,
        "filters": ["reference", "placeholder", "sequential"],
        "remediation": (
            f"Revoke the {kind.strip()} in {vendor}{where} and create a new one; keep it in Secrets Manager "
            "or SSM Parameter Store and let the instance read it at boot with its role, instead of writing "
            "it into the metadata."
        ),
        "references": references,
        "vendor": vendor,
        "examples": _examples(names, name_tokens[0], example, more),
    }
