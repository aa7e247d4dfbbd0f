"""Personal identifiers as one table: a row per identifier, turned into ordinary rules.

A pattern file may hold `[[identifiers]]` rows besides `[[rules]]`.  Each row says what a country's identifier
looks like and which words name it, in the languages of the country that issues it::

    [[identifiers]]
    id = "se-personnummer"
    country = "SE"
    name = "Swedish personal identity number"
    local_name = "personnummer"
    document = "national_id"
    validator = "stdnum:se.personnummer"       # a python-stdnum module, or a name in VALIDATORS
    regex = '''(?:19|20)?\\d{6}[-+]?\\d{4}'''    # the shape, without boundaries or groups (case matters,
                                                # unless ignore_case = true)
    words = { sv = ["personnummer", "personnr"], en = ["Swedish personal identity number"] }
    examples.match = ["personnummer 880320-0016"]
    examples.no_match = ["build 880320-0016"]

`identifier_rule` turns a row into the raw table of a `[[rules]]` entry, which the rule loader then validates
like any other rule: a bare number never tells its country, so a row's validator runs only when one of its
words is a token of the field's key, of the key the value is assigned to, or near the value (`strong = true`:
the check is strict enough to report without a word, at lower confidence).  Words in scripts without word
tokens (Chinese, Japanese, Korean, Thai, Arabic, Hindi) count when they occur near the value.  Accented words
also count without their accents (`Führerschein` as `fuhrerschein` and `fuehrerschein`).  A phrase of short
tokens with a single letter among them (`N.I.F.`, `r. č.`, `eID`), or one two-letter word (`AK`), names
nothing as tokens: it is left out (list the undotted form); two or more two-letter tokens (`SA ID`, `St.Nr.`,
`TC no`, `NIFp`) count, every token near the value (and the phrase as written is the rule's keyword, not
`id` or `no`, which any text holds).  Adding a country is a row.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

import regex

from .textctx import key_text, words

# What a row may say, and what the rule it becomes says about it.
DOCUMENTS = {
    "national_id": "national identity number",
    "person_tax_id": "tax number of a person",
    "social_security": "social security number",
    "health_insurance": "health insurance number",
    "health_provider": "health professional's number",
    "id_card": "identity card number",
    "residence_permit": "residence permit number",
    "passport": "passport number",
    "driving_licence": "driving licence number",
    "birth_number": "birth number",
    "voter_id": "voter id",
    "student_id": "student number",
}
COUNTRY = regex.compile(r"[A-Z]{2}")
_ROW_KEYS = {
    "id",
    "country",
    "name",
    "local_name",
    "document",
    "validator",
    "regex",
    "words",
    "negative",
    "strong",
    "severity",
    "priority",
    "mask",
    "min_digits",
    "before",
    "after",
    "references",
    "ignore_case",
    "keywords",
    "examples",
}
# A letter or digit (or a digit joined by a separator) on either side: the value is part of a longer token
# (an underscore alone joins words, as in resource names: `emp_nino_AB482913C`).
_BEFORE = r"(?<![\p{L}\p{N}/]|\p{N}[._-])"
_AFTER = r"(?![\p{L}\p{N}/]|[._-]\p{N})"
_FOLD = str.maketrans(
    {"ß": "ss", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ł": "l", "Ł": "L", "ı": "i", "đ": "d"}
)
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def fold(text: str) -> str:
    """The text without accents (`Führerschein` -> `Fuhrerschein`, `numéro` -> `numero`)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _has_tokens(phrase: str) -> bool:
    """Whether `words` sees every letter of the phrase (scripts without cased letters give no tokens)."""
    letters = sum(1 for c in phrase if c.isalpha())
    return sum(len(w) for w in words(phrase) if not w.isdigit()) >= letters


def _variants(phrase: str) -> list[str]:
    return list(dict.fromkeys([phrase, fold(phrase), fold(phrase.translate(_GERMAN))]))


def _keywords(phrase: str) -> list[str]:
    tokens = words(phrase)
    if not tokens:
        return []
    if max(map(len, tokens)) >= 3:
        return [max(tokens, key=len)]
    return list(dict.fromkeys([phrase.lower(), *(sep.join(tokens) for sep in ("", "_", "-", " "))]))


def identifier_rule(row: Any, fail: Callable[[str | None, str], Exception]) -> dict[str, Any]:
    """The `[[rules]]` table of one `[[identifiers]]` row; `fail(id, message)` makes the loader's error."""
    if not isinstance(row, dict):
        raise fail(None, "every [[identifiers]] entry must be a table")
    rid = row.get("id")
    if not isinstance(rid, str):
        raise fail(str(rid), "id must be a lowercase slug such as 'se-personnummer'")
    unknown = set(row) - _ROW_KEYS
    if unknown:
        raise fail(rid, f"unknown keys: {', '.join(sorted(unknown))}")
    country = row.get("country")
    if not isinstance(country, str) or not COUNTRY.fullmatch(country):
        raise fail(rid, "country must be an ISO 3166 two-letter code such as 'SE'")
    document = row.get("document")
    if document not in DOCUMENTS:
        raise fail(rid, f"document {document!r} is not one of: {', '.join(DOCUMENTS)}")
    for name in ("name", "validator", "regex"):
        if not isinstance(row.get(name), str) or not row[name].strip():
            raise fail(rid, f"{name} is required")
    by_language = row.get("words")
    if (
        not isinstance(by_language, dict)
        or not by_language
        or not all(
            isinstance(ws, list) and ws and all(isinstance(w, str) and w.strip() for w in ws)
            for ws in by_language.values()
        )
    ):
        raise fail(rid, "words must be a table of languages, each a non-empty list of words")
    strong = row.get("strong", False)
    ignore_case = row.get("ignore_case", False)
    if not isinstance(strong, bool) or not isinstance(ignore_case, bool):
        raise fail(rid, "strong and ignore_case must be true or false")
    flags = "?i:" if ignore_case else "?:"  # ignoring case costs 4x: only where documents print lowercase

    tokened: list[str] = []
    scripts: list[str] = []  # words of scripts without word tokens: found as text near the value
    keys: list[str] = []  # short abbreviations, which name the value only as its whole key (`C.I.`, `C_I`)
    for phrase in (w.strip() for ws in by_language.values() for w in ws):
        tokens = words(phrase)
        short = bool(tokens) and max(map(len, tokens)) < 3
        if _has_tokens(phrase) and short and (min(map(len, tokens)) < 2 or len(tokens) < 2):
            # dotted abbreviations (N.I.F., r. č.) are single letters as tokens: any text has them; so has a
            # two-letter word in ASCII.  One with a letter of its language (RČ) is kept, as written.
            if min(map(len, tokens)) == 2 and not phrase.isascii() and phrase not in tokened:
                tokened.append(phrase)
            elif len(tokens) > 1 and phrase not in keys:
                keys.append(phrase)  # (as the whole key, `"N.I.F.": ...` or `C_I=...`, it names the value)
            continue
        if _has_tokens(phrase):
            tokened.extend(v for v in _variants(phrase) if v not in tokened)
        elif phrase not in scripts:
            scripts.append(phrase)
    # A rule runs where one of its keywords occurs (a substring of the lowercase text): each phrase's longest
    # word, or, for a phrase of two-letter words (`SA ID`, `TC no`, `St.Nr.`), the phrase as written, run
    # together and joined by `_`, `-` or a blank: `id`, `no` or `st` alone would occur in almost any text.
    keywords = list(dict.fromkeys(k for w in tokened for k in _keywords(w)))
    keywords.extend(s.lower() for s in scripts)
    for k in keys:  # (`c.i.` as written and `c_i` as a variable; never `ci`, which any text holds)
        keywords.extend(x for x in (k.lower(), key_text(k)) if x not in keywords)

    local = row.get("local_name")
    named = f"{row['name']} ({local})" if isinstance(local, str) and local.strip() else row["name"]
    languages = ", ".join(sorted(by_language))
    how = "reported without them too (strict check), at lower confidence" if strong else "required"
    description = (
        f"{country} {DOCUMENTS[document]}: {named}. Shape and check: {row['validator']}. "
        f"Context words ({languages}): {how}."
    )
    context: dict[str, Any] = {
        "words": tokened,
        "required": not strong,
        "before": row.get("before", 40),
        "after": row.get("after", 12),
    }
    if scripts:
        context["regex"] = "|".join(regex.escape(s) for s in scripts)
    if keys:
        context["keys"] = keys
    if row.get("negative") is not None:
        context["negative"] = row["negative"]
    validator = row["validator"]
    references = list(row.get("references", []))
    if validator.startswith("stdnum:"):
        module = validator.removeprefix("stdnum:")
        references.append(f"https://arthurdejong.nl/python-stdnum/doc/latest/stdnum.{module}")
    rule: dict[str, Any] = {
        "id": rid,
        "title": row["name"],
        "description": description,
        "category": "personal_data",
        "severity": row.get("severity", "high"),
        "confidence": "high",
        "priority": row.get("priority", 66),
        "regex": f"{_BEFORE}({flags}(?P<secret>{row['regex']})){_AFTER}",
        "validators": [validator],
        "context": context,
        "mask": row.get("mask", True),
        "min_digits": row.get("min_digits", 2),
        "remediation": "Remove the identifier and tell your privacy team: a person's "
        f"{DOCUMENTS[document]} must never be in infrastructure metadata (names, tags, scripts).",
        "references": references,
        "examples": row.get("examples"),
        "country": country,
        "document": document,
    }
    if strong:
        rule["downgrade_without_context"] = True
        if row.get("keywords") is not None:  # a literal every value holds (756, Switzerland's code)
            rule["keywords"] = row["keywords"]
    else:
        rule["keywords"] = keywords
    return rule
