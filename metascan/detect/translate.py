"""A rule's pattern as Hyperscan expressions that report every place where one of its matches may start.

Hyperscan has no lookarounds, backreferences, `\\G`, atomic groups or possessive quantifiers, and it reports
where matches end.  What the engine needs from it is narrower: every position at which `regex` might find a
match.  So each pattern is translated into a *superset* of itself and *reversed*, and the reversed text is
scanned: a reversed match ends where the original one starts, and Hyperscan reports each end offset once, so
each report is one start position to try, however many lengths a match could have there.

* every character atom becomes a byte class: the ASCII characters `regex` says it matches, plus the bytes
  0x80-0xFF when it may match a character beyond ASCII (the text is handed to Hyperscan one byte per
  character, every character beyond ASCII as a byte of 0x80-0xFF, so offsets are character offsets);
* a backreference becomes the pattern of the group it names; `\\G` and lookarounds inside the pattern match
  anywhere (they are dropped); atomic groups and possessive quantifiers become plain ones; counts above
  250 are left open;
* a lookbehind at the very start becomes consumed context (`(?<![\\w-])` becomes "the start of the text, or a
  character that is neither a word character nor a hyphen"), and a lookahead at the very end likewise, so
  that `(?<![\\d])\\d{12}(?![\\d])` is not reported at every offset of a long number; the report is then up to
  the context's width before the start;
* a top-level alternation becomes one expression per alternative.

`\\b` and `\\B` are kept for texts that are pure ASCII and dropped in the variant used for other texts, where
Hyperscan's ASCII notion of a word character is not `regex`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import regex

from .syntax import (
    EMPTY,
    Alt,
    Anchor,
    Backref,
    Chars,
    Group,
    Look,
    Parsed,
    Repeat,
    Seq,
    Unsupported,
    parse,
    resolve,
    width,
)

_ALL_ASCII = frozenset(range(128))
_REPEAT_LIMIT = 250  # larger counts are left open: Hyperscan builds big automata for large bounded repeats


@dataclass(frozen=True, slots=True)
class Expression:
    """One reversed Hyperscan expression: a report means a match of the pattern may start where the report
    ends in the reversed text (up to the width of the consumed context before it)."""

    ascii: bytes  # for texts that are pure ASCII (empty: the branch cannot match one, see `_NoAscii`)
    unicode: bytes  # for other texts


@dataclass(frozen=True, slots=True)
class Translated:
    """The Hyperscan expressions of one pattern."""

    expressions: tuple[Expression, ...]
    search_start: bool  # the pattern has a \G anchor (matching where a search starts: no expression says so)


def translate(pattern: regex.Pattern[str]) -> Translated:
    """The expressions of a pattern; raises `Unsupported` for constructs that cannot be carried over."""
    parsed = parse(pattern)
    if width(parsed.root, parsed)[0] == 0:
        raise Unsupported("the pattern can match the empty string")
    options = parsed.root.options if isinstance(parsed.root, Alt) else (parsed.root,)
    out: dict[bytes, Expression] = {}
    for option in options:
        for branch in _distribute(_flatten(option)):
            reverse = _Reverser(parsed).reverse(_edges(branch, parsed))
            try:
                ascii_source = _ASCII_EMITTER.emit(reverse).encode("ascii")
            except _NoAscii:
                ascii_source = b""  # the branch needs a character beyond ASCII: no ASCII text matches it
            unicode_source = _OTHER_EMITTER.emit(reverse).encode("ascii")
            # (keyed by the ASCII variant; a branch without one by its other variant, marked apart)
            out.setdefault(ascii_source or b"\0" + unicode_source, Expression(ascii_source, unicode_source))
    return Translated(tuple(out.values()), _has_anchor(parsed.root, "G"))


def _distribute(items: list[object]) -> list[list[object]]:
    """A sequence as branches, where a group of alternatives has an alternative that ends in a positive
    lookahead (`(?:=|:(?=[ \\t]))`): that branch ends with what the lookahead requires, consumed, and the rest
    of the sequence is left out (every match starts with such a prefix); the other alternatives go on with
    the rest of the sequence.  Without this, the lookahead would be dropped and the alternative would match
    far more than the pattern does."""
    for i, item in enumerate(items):
        node = item
        while isinstance(node, Group):
            node = node.item
        if not isinstance(node, Alt):
            continue
        ending = [_ends_in_lookahead(o) for o in node.options]
        if not any(ending):
            continue
        branches: list[list[object]] = []
        for option, look in zip(node.options, ending, strict=True):
            flat = _flatten(option)
            if look is not None:
                branches.append([*items[:i], *flat[:-1], *_flatten(look.item)])
            else:
                branches.extend([*items[:i], *b] for b in _distribute([*flat, *items[i + 1 :]]))
        return branches
    return [items]


def _ends_in_lookahead(option: object) -> Look | None:
    flat = _flatten(option)
    last = flat[-1] if flat else None
    if isinstance(last, Look) and not last.behind and not last.negative and len(flat) > 1:
        return last
    return None


def _has_anchor(node: object, kind: str) -> bool:
    if isinstance(node, Anchor):
        return node.kind == kind
    if isinstance(node, Seq):
        return any(_has_anchor(i, kind) for i in node.items)
    if isinstance(node, Alt):
        return any(_has_anchor(o, kind) for o in node.options)
    if isinstance(node, Repeat | Group | Look):
        return _has_anchor(node.item, kind)
    return False


# --- the edges: leading and trailing context, the open tail ---------------------------------------------


def _flatten(node: object) -> list[object]:
    """A node as a flat sequence, opening groups and nested sequences (not alternations)."""
    if isinstance(node, Group):
        return _flatten(node.item)
    if isinstance(node, Seq):
        return [x for item in node.items for x in _flatten(item)]
    return [node]


def _zero_width(node: object) -> bool:
    return width(node)[1] == 0


def _edges(items: list[object], parsed: Parsed) -> object:
    """A sequence with its edges made of consumed characters.

    The text is scanned with a newline added at each end, so every position of the text has a character
    before and after it.  A start anchor (`^`, `\\A`) at the front becomes "a newline before", a negative
    lookbehind "a character it does not forbid, or a newline", a positive lookbehind what it requires; at
    the end likewise.  Anchors and lookarounds anywhere else are dropped (true anywhere: a superset).
    """
    lead = 0
    while lead < len(items) and _zero_width(items[lead]):
        lead += 1
    tail = len(items)
    while tail > lead and _zero_width(items[tail - 1]):
        tail -= 1
    head, body, rear = items[:lead], items[lead:tail], items[tail:]

    before: object = EMPTY
    if any(isinstance(x, Anchor) and x.kind in ("A", "line_start") for x in head):
        before = _NEWLINE
    else:
        for x in reversed(head):  # the lookbehind closest to the match
            context = _behind(x, parsed)
            if context is not None:
                before = context
                break
    after: object = EMPTY
    if any(isinstance(x, Anchor) and x.kind in ("Z", "end", "line_end") for x in rear):
        after = _NEWLINE
    else:
        for x in rear:
            context = _ahead(x, parsed)
            if context is not None:
                after = context
                break
    bounds_front = [x for x in head if isinstance(x, Anchor) and x.kind in ("b", "B")]
    bounds_rear = [x for x in rear if isinstance(x, Anchor) and x.kind in ("b", "B")]
    return Seq((before, *bounds_front, *body, *bounds_rear, after))


_NEWLINE = Chars(frozenset({10}), False)
CONTEXT_WIDTH = 8  # consumed context at most this wide; wider lookbehinds are dropped


def _single_chars(node: object) -> list[Chars] | None:
    """The one-character alternatives of a lookaround's body, or None when it has none."""
    options = node.options if isinstance(node, Alt) else (node,)
    out = []
    for option in options:
        while isinstance(option, Group):
            option = option.item
        if isinstance(option, Seq) and len(option.items) == 1:
            option = option.items[0]
        if isinstance(option, Chars):
            out.append(option)
    return out or None


def _union(sets: list[Chars]) -> Chars:
    return Chars(frozenset().union(*(c.ascii for c in sets)), any(c.other for c in sets))


def _complement(c: Chars) -> Chars:
    """Any character but these, or the newline that stands for the edge of the text."""
    return Chars((_ALL_ASCII - c.ascii) | {10}, True)


def _behind(node: object, parsed: Parsed) -> object | None:
    """A leading zero-width node as consumed context before the match; None where it says nothing useful."""
    while isinstance(node, Group):
        node = node.item
    if isinstance(node, Look) and node.behind:
        if not node.negative:
            hi = width(node.item, parsed)[1]
            return node.item if hi is not None and hi <= CONTEXT_WIDTH else None  # consume what must be
        singles = _single_chars(node.item)
        if singles is None:
            return None
        return _complement(_union(singles))
    if isinstance(node, Anchor) and node.kind in ("A", "line_start"):
        return _NEWLINE
    if isinstance(node, Alt):
        options = [_behind(o, parsed) for o in node.options]
        if any(o is None for o in options):
            return None
        return Alt(tuple(options))
    return None


def _ahead(node: object, parsed: Parsed) -> object | None:
    """A trailing zero-width node as consumed context after the match; None where it says nothing useful."""
    while isinstance(node, Group):
        node = node.item
    if isinstance(node, Look) and not node.behind:
        if not node.negative:
            hi = width(node.item, parsed)[1]
            return node.item if hi is not None and hi <= CONTEXT_WIDTH else None
        singles = _single_chars(node.item)
        if singles is None:
            return None
        return _complement(_union(singles))
    if isinstance(node, Anchor) and node.kind in ("Z", "end", "line_end"):
        return _NEWLINE
    if isinstance(node, Alt):
        options = [_ahead(o, parsed) for o in node.options]
        if any(o is None for o in options):
            return None
        return Alt(tuple(options))
    return None


# --- cheap checks before `regex` runs ---------------------------------------------------------------------


class _Reverser:
    """A node read backwards, with backreferences replaced by their groups and lookarounds dropped."""

    def __init__(self, parsed: Parsed) -> None:
        self.parsed = parsed
        self.depth = 0

    def reverse(self, node: object) -> object:
        if isinstance(node, Chars):
            return node
        if isinstance(node, Seq):
            return Seq(tuple(self.reverse(i) for i in reversed(node.items)))
        if isinstance(node, Alt):
            return Alt(tuple(self.reverse(o) for o in node.options))
        if isinstance(node, Repeat):
            return Repeat(self.reverse(node.item), node.lo, node.hi)
        if isinstance(node, Group):
            return self.reverse(node.item)
        if isinstance(node, Look):
            return EMPTY  # inside the pattern: true anywhere, as far as the superset is concerned
        if isinstance(node, Anchor):
            return node if node.kind in ("b", "B") else EMPTY
        if isinstance(node, Backref):
            self.depth += 1
            if self.depth > 8:
                raise Unsupported("a backreference inside the group it names")
            try:
                return self.reverse(resolve(node, self.parsed))
            finally:
                self.depth -= 1
        raise AssertionError(f"unknown node {node!r}")  # pragma: no cover


class _NoAscii(Exception):
    """In the variant for ASCII texts: a character the pattern needs matches no ASCII character (`contraseña`,
    `пароль`), so no ASCII text holds a match of the part it is in.  An alternative that needs one is left
    out of its alternation, an optional one is dropped, and a branch of the pattern that needs one gets no
    expression for ASCII texts (those rules' words in other scripts stay in their patterns without keeping
    the rest from being carried over)."""


class _Emitter:
    def __init__(self, keep_boundaries: bool, beyond_ascii: bool) -> None:
        self.keep_boundaries = keep_boundaries
        self.beyond_ascii = beyond_ascii  # whether the text may hold the byte 0x80 (characters beyond ASCII)

    def emit(self, node: object) -> str:
        if isinstance(node, Chars):
            if not self.beyond_ascii and not node.ascii:
                raise _NoAscii
            return byte_class(node if self.beyond_ascii else Chars(node.ascii, False))
        if isinstance(node, Seq):
            return "".join(self.emit(i) for i in node.items)
        if isinstance(node, Alt):
            options = []
            for option in node.options:
                try:
                    options.append(self.emit(option))
                except _NoAscii:
                    continue
            if not options:
                raise _NoAscii
            return "(?:" + "|".join(options) + ")"
        if isinstance(node, Repeat):
            try:
                inner = self.emit(node.item)
            except _NoAscii:
                if node.lo == 0:
                    return ""
                raise
            if not inner:
                return ""
            lo = min(node.lo, _REPEAT_LIMIT)
            hi = node.hi if node.hi is not None and node.hi <= _REPEAT_LIMIT else None
            if lo == 0 and hi == 1:
                suffix = "?"
            elif lo == 0 and hi is None:
                suffix = "*"
            elif lo == 1 and hi is None:
                suffix = "+"
            elif hi is None:
                suffix = f"{{{lo},}}"
            elif lo == hi:
                suffix = f"{{{lo}}}"
            else:
                suffix = f"{{{lo},{hi}}}"
            return f"(?:{inner}){suffix}"
        if isinstance(node, Anchor):
            if self.keep_boundaries:
                return "\\b" if node.kind == "b" else "\\B"
            return ""
        raise AssertionError(f"unknown node {node!r}")  # pragma: no cover


_ASCII_EMITTER = _Emitter(keep_boundaries=True, beyond_ascii=False)
_OTHER_EMITTER = _Emitter(keep_boundaries=False, beyond_ascii=True)


def byte_class(c: Chars) -> str:
    """A Hyperscan byte class for one character (characters beyond ASCII are the bytes 0x80-0xFF)."""
    codes = sorted(c.ascii)
    if c.other:
        codes.extend(range(128, 256))
    if not codes:
        raise Unsupported("a character set that matches nothing")
    if len(codes) == 1:
        return f"\\x{codes[0]:02x}"
    if len(codes) == 256:
        return "[\\x00-\\xff]"
    ranges = []
    start = prev = codes[0]
    for code in codes[1:]:
        if code != prev + 1:
            ranges.append((start, prev))
            start = code
        prev = code
    ranges.append((start, prev))
    body = "".join(f"\\x{a:02x}" if a == b else f"\\x{a:02x}-\\x{b:02x}" for a, b in ranges)
    return f"[{body}]"


@lru_cache(maxsize=8192)
def translated(pattern: regex.Pattern[str]) -> Translated:
    """`translate`, once per pattern in a process (rules are validated with it, then compiled from it)."""
    return translate(pattern)
