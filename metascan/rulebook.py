"""The rule catalogue as people look it up: `metascan rules` (a table, or JSON), `metascan rules ID` (one rule
explained) and the rule set named by `metascan --version` (how many rules and checks, and a digest).

Everything here is data about the detectors (`Rule` from patterns/, `CheckInfo` from posture/), never their
patterns' internals beyond what explains a finding: the context words that a rule needs or that lower it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .detect.rules import Example, Rule
from .model import Category, Severity
from .posture.checks import CheckInfo

Entry = Rule | CheckInfo


def kind(entry: Entry) -> str:
    return "rule" if isinstance(entry, Rule) else "check"


def select(
    entries: Iterable[Entry],
    categories: Sequence[str] = (),
    severities: Sequence[str] = (),
    vendor: str | None = None,
) -> list[Entry]:
    """The entries of the given categories and severities (any, when none is given) whose vendor contains
    `vendor` (case-insensitive), sorted by category then id."""
    out = [
        e
        for e in entries
        if (not categories or str(e.category) in categories)
        and (not severities or str(e.severity) in severities)
        and (vendor is None or vendor.lower() in ((e.vendor or "") if isinstance(e, Rule) else "").lower())
    ]
    return sorted(out, key=lambda e: (str(e.category), e.id))


def summary(entry: Entry) -> dict[str, Any]:
    """One entry as a row of `metascan rules --format json`."""
    return {
        "id": entry.id,
        "kind": kind(entry),
        "title": entry.title,
        "category": str(entry.category),
        "severity": str(entry.severity),
        "confidence": str(entry.confidence),
        "vendor": entry.vendor if isinstance(entry, Rule) else None,
        "description": entry.description,
        "remediation": entry.remediation,
        "references": list(entry.references),
    }


def adjustments(entry: Entry) -> list[str]:
    """What raises or lowers a finding of this entry, in words (see README's "Severity")."""
    out: list[str] = []
    if isinstance(entry, CheckInfo):
        out.append(
            "severity as documented for what a group launches; lower for what no group launches"
            " (see the description); --require-cmk raises the KMS key findings"
        )
        return out
    if entry.category is Category.CREDENTIAL:
        up = entry.severity.shifted(+1)
        if up is not entry.severity:
            out.append(
                f"severity raised to {up} in user data that a group launches ($Default, $Latest or pinned"
                " version, or launch configuration in use); the finding says `raised: launched by group X`"
            )
    words = _words(entry.context.words)
    if entry.context.required:
        out.append(f"reported only with context within the window{words}")
    elif entry.downgrade_without_context:
        out.append(f"confidence lowered one level without context{words}")
    negative = _words(entry.context.negative)
    if negative:
        out.append(f"not reported with these words nearby{negative}")
    if entry.key is not None:
        out.append("reported only under a matching key (a tag key, a variable or attribute name)")
    if entry.category is Category.CREDENTIAL and entry.entropy is None:
        out.append("confidence lowered one level for a value of low randomness (under 3 bits per character)")
    if entry.entropy is not None:
        out.append(f"not reported below {entry.entropy:g} bits of randomness per character")
    if entry.validators:
        out.append("must pass: " + ", ".join(name for name, _ in entry.validators))
    return out


def _words(phrases: Any) -> str:
    found = sorted(phrases.singles) + [" ".join(p) for p in phrases.multis]
    if not found:
        return ""
    shown = ", ".join(found[:12]) + (f" and {len(found) - 12} more" if len(found) > 12 else "")
    return f" ({shown})"


def _example(e: Example) -> str:
    text = e.text.replace("\n", "\\n")
    return f"{e.key} = {text}" if e.key else text


@dataclass(frozen=True, slots=True)
class Explained:
    """One entry, everything `metascan rules ID` prints."""

    entry: Entry

    def to_dict(self) -> dict[str, Any]:
        out = summary(self.entry)
        out["adjustments"] = adjustments(self.entry)
        e = self.entry
        if isinstance(e, Rule):
            out["file"] = e.file
            out["examples"] = {
                "match": [_example(x) for x in e.examples_match],
                "no_match": [_example(x) for x in e.examples_no_match],
            }
        else:
            out["examples"] = {"passes": len(e.passes), "fails": len(e.fails)}
        return out

    def lines(self) -> list[str]:
        e, d = self.entry, self.to_dict()
        head = f"{e.id}  ({kind(e)}: {d['category']}, severity {d['severity']}, confidence {d['confidence']}"
        head += f", vendor {d['vendor']})" if d["vendor"] else ")"
        out = [head, f"  {e.title}", "", *_wrap(e.description), ""]
        if d["adjustments"]:
            out += ["What raises or lowers it:", *(f"  - {a}" for a in d["adjustments"]), ""]
        out += ["Remediation:", *_wrap(e.remediation), ""]
        if e.references:
            out += ["References:", *(f"  - {r}" for r in e.references), ""]
        if isinstance(e, Rule):
            out += ["Examples it finds:", *(f"  + {x}" for x in d["examples"]["match"])]
            out += ["Examples it does not find:", *(f"  - {x}" for x in d["examples"]["no_match"])]
            out += ["", f"Defined in {e.file}."]
        else:
            ex = d["examples"]
            out.append(
                f"Examples: {ex['passes']} passing and {ex['fails']} failing, in metascan/posture/checks.py."
            )
        return out


def _wrap(text: str, width: int = 100) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width, initial_indent="  ", subsequent_indent="  ") or [""]


def find(entries: Iterable[Entry], rule_id: str) -> Entry | None:
    return next((e for e in entries if e.id == rule_id), None)


def near(entries: Iterable[Entry], rule_id: str) -> list[str]:
    """Ids close to a mistyped one."""
    import difflib

    return difflib.get_close_matches(rule_id, [e.id for e in entries], n=3, cutoff=0.6)


def digest(entries: Iterable[Entry]) -> str:
    """12 hex digits naming the rule set: over what each entry finds and says (patterns, keywords,
    validators, context, bounds, allowlists, severity, confidence, texts), so a changed rule changes it."""
    h = hashlib.sha256()
    for e in sorted(entries, key=lambda e: e.id):
        h.update(repr(_identity(e)).encode("utf-8", "surrogatepass"))
        h.update(b"\x1e")
    return h.hexdigest()[:12]


def _identity(e: Entry) -> tuple[Any, ...]:
    common = (kind(e), e.id, str(e.category), str(e.severity), str(e.confidence), e.title, e.description)
    if isinstance(e, CheckInfo):
        return (*common, e.remediation, tuple(e.references))
    patterns = tuple(p.pattern if p is not None else None for p in (e.pattern, e.key, e.value))
    context = (
        tuple(sorted(e.context.words.singles)),
        e.context.words.multis,
        tuple(sorted(e.context.negative.singles)),
        e.context.negative.multis,
        e.context.near.pattern if e.context.near is not None else None,
        e.context.required,
        e.context.before,
        e.context.after,
    )
    return (
        *common,
        patterns,
        e.secret_group,
        e.keywords,
        tuple(name for name, _ in e.validators),
        context,
        e.entropy,
        e.min_length,
        e.max_length,
        e.filters,
        tuple(sorted(e.allow_values)),
        tuple(r.pattern for r in e.allow_regexes),
        e.mask,
        e.shrink,
        e.token,
        e.min_digits,
        tuple(sorted(e.kinds)) if e.kinds is not None else None,
        tuple(sorted(e.protocols)) if e.protocols is not None else None,
        e.downgrade_without_context,
        e.priority,
    )


def describe_set(rules: Sequence[Rule], checks: Sequence[CheckInfo]) -> str:
    """`412 rules and 3 checks, digest 0123456789ab`."""
    return f"{len(rules)} rules and {len(checks)} checks, digest {digest([*rules, *checks])}"


SEVERITIES = [s.value for s in Severity]
CATEGORIES = [c.value for c in Category]
