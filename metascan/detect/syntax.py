"""The `regex` module's pattern syntax as a small tree, for translating a rule's regex for Hyperscan.

`parse(pattern)` reads the source of a compiled `regex` pattern (VERSION0, as the rules are compiled) into
nodes: `Chars` (one character out of a set), `Seq`, `Alt`, `Repeat`, `Group`, `Look` (lookaround), `Anchor`
and `Backref`.  What one character atom matches is not worked out here: `regex` itself is asked, once per
distinct atom, which of the 128 ASCII characters it matches, so classes, escapes, `\\p{..}`, POSIX classes and
case-insensitive matching mean exactly what `regex` makes of them.  Whether an atom can match a character
beyond ASCII is decided from its syntax, erring on the side of yes (a negated class, `\\w`, `.`, a letter that
case-folds to a non-ASCII character, ...).

Constructs whose meaning cannot be carried over (recursion, fuzzy matching, full case folding, `\\K`,
grapheme clusters, backtracking verbs, named lists) raise `Unsupported` with the construct named.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import regex


class Unsupported(ValueError):
    """A construct of the pattern that cannot be translated."""


@dataclass(frozen=True, slots=True)
class Chars:
    """One character: an ASCII character in `ascii` (code points), or, when `other`, any beyond ASCII."""

    ascii: frozenset[int]
    other: bool


@dataclass(frozen=True, slots=True)
class Seq:
    items: tuple[object, ...]


@dataclass(frozen=True, slots=True)
class Alt:
    options: tuple[object, ...]


@dataclass(frozen=True, slots=True)
class Repeat:
    item: object
    lo: int
    hi: int | None  # None: unbounded


@dataclass(frozen=True, slots=True)
class Group:
    item: object
    index: int | None  # None: not capturing (also atomic groups and scoped flags)
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Look:
    item: object
    behind: bool
    negative: bool


@dataclass(frozen=True, slots=True)
class Anchor:
    """A zero-width assertion other than a lookaround.

    kind: 'A' (start of text), 'Z' (end of text), 'line_start', 'line_end', 'end' (`$` without MULTILINE:
    the end, or before a final newline), 'b', 'B' (word boundary or not), 'G' (where the search started).
    """

    kind: str


@dataclass(frozen=True, slots=True)
class Backref:
    ref: int | str


EMPTY = Seq(())

_UNSUPPORTED_FLAGS = {regex.REVERSE: "reverse matching (?r)", regex.BESTMATCH: "fuzzy matching (?b)"}
_FLAG_LETTERS = {
    "a": regex.ASCII,
    "b": regex.BESTMATCH,
    "e": regex.ENHANCEMATCH,
    "f": regex.FULLCASE,
    "i": regex.IGNORECASE,
    "L": regex.LOCALE,
    "m": regex.MULTILINE,
    "p": regex.POSIX,
    "r": regex.REVERSE,
    "s": regex.DOTALL,
    "u": regex.UNICODE,
    "w": regex.WORD,
    "x": regex.VERBOSE,
}
_ASCII_LITERAL_ESCAPES = frozenset("ntrfva0")
_CASE_FOLDS_BEYOND_ASCII = frozenset(map(ord, "iIkKsS"))  # İ ı, K (Kelvin), ſ: see tests
_ASCII = "".join(map(chr, range(128)))
_QUANTIFIER = regex.compile(r"\{\s*(\d*)\s*(,?)\s*(\d*)\s*\}")
_FLAGS_GROUP = regex.compile(r"(?P<on>(?:V[01]|[a-zA-Z])*)(?:-(?P<off>[a-zA-Z]*))?(?P<end>[:)])")


@lru_cache(maxsize=4096)
def _ascii_members(source: str, flags: int) -> frozenset[int]:
    """The ASCII characters one character atom matches, as `regex` decides it."""
    try:
        pattern = regex.compile(source, flags)
    except regex.error as e:  # pragma: no cover - the whole pattern compiled, so its atoms do
        raise Unsupported(f"cannot read {source!r}: {e}") from e
    return frozenset(ord(c) for c in pattern.findall(_ASCII))  # one character per match


def _beyond_ascii(source: str, flags: int, members: frozenset[int]) -> bool:
    """Whether an atom may match a character beyond ASCII (erring on yes)."""
    if flags & regex.IGNORECASE and members & _CASE_FOLDS_BEYOND_ASCII:
        return True
    if source == "." or source.startswith("[^"):
        return True
    if any(ord(c) > 127 for c in source) or "[:" in source:
        return True
    i = 0
    while i < len(source):
        if source[i] == "\\" and i + 1 < len(source):
            c = source[i + 1]
            if c.isalnum() and c not in _ASCII_LITERAL_ESCAPES:
                if c == "x" and regex.fullmatch(r"[0-7][0-9a-fA-F]", source[i + 2 : i + 4]):
                    i += 4
                    continue
                return True  # \w, \d, \s, \p{..}, \N{..}, \u...., octal: may well reach beyond ASCII
            i += 2
        else:
            i += 1
    return False


def chars(source: str, flags: int) -> Chars:
    """The `Chars` of one character atom written as `source` under `flags`."""
    members = _ascii_members(source, flags & ~regex.VERBOSE if source.startswith("\\") else flags)
    return Chars(members, _beyond_ascii(source, flags, members))


@dataclass(slots=True)
class Parsed:
    root: object
    groups: dict[int, Group]  # capturing groups by number
    names: dict[str, int]  # group numbers by name
    flags: int  # the pattern's global flags


def parse(pattern: regex.Pattern[str]) -> Parsed:
    """The tree of a compiled pattern (its global flags, inline ones included, are the pattern's)."""
    flags = pattern.flags
    for flag, what in _UNSUPPORTED_FLAGS.items():
        if flags & flag:
            raise Unsupported(what)
    if flags & regex.FULLCASE and flags & regex.IGNORECASE:
        raise Unsupported("full case folding (?f) with (?i): one character may match several")
    parser = _Parser(pattern.pattern, flags)
    root = parser.alternation(flags)
    if parser.i != len(parser.src):  # pragma: no cover - regex compiled it, so parentheses balance
        raise Unsupported(f"unbalanced ')' at {parser.i}")
    return Parsed(root, parser.groups, parser.names, flags)


class _Parser:
    def __init__(self, src: str, flags: int) -> None:
        self.src = src
        self.i = 0
        self.groups: dict[int, Group] = {}
        self.names: dict[str, int] = {}
        self.count = 0
        self.v1 = bool(flags & regex.VERSION1)

    # --- structure ---------------------------------------------------------------------------------------

    def alternation(self, flags: int) -> object:
        options = [self.sequence(flags)]
        while self.i < len(self.src) and self.src[self.i] == "|":
            self.i += 1
            options.append(self.sequence(flags))
        return options[0] if len(options) == 1 else Alt(tuple(options))

    def sequence(self, flags: int) -> object:
        items: list[object] = []
        src = self.src
        while self.i < len(src) and src[self.i] not in "|)":
            if flags & regex.VERBOSE and self._skip_verbose():
                continue
            start = self.i
            atom, flags = self.atom(flags)
            if atom is None:
                continue
            atom = self.quantified(atom, flags, start)
            items.append(atom)
        return items[0] if len(items) == 1 else Seq(tuple(items))

    def _skip_verbose(self) -> bool:
        c = self.src[self.i]
        if c.isspace():
            self.i += 1
            return True
        if c == "#":
            end = self.src.find("\n", self.i)
            self.i = len(self.src) if end < 0 else end + 1
            return True
        return False

    def quantified(self, atom: object, flags: int, start: int) -> object:
        src = self.src
        while True:
            if flags & regex.VERBOSE:
                while self.i < len(src) and (src[self.i].isspace() or src[self.i] == "#"):
                    if not self._skip_verbose():
                        break
            if self.i >= len(src):
                return atom
            c = src[self.i]
            lo: int
            hi: int | None
            if c in "*+?":
                lo, hi = {"*": (0, None), "+": (1, None), "?": (0, 1)}[c]
                self.i += 1
            elif c == "{":
                m = _QUANTIFIER.match(src, self.i)
                if m is None or (not m.group(1) and not m.group(3) and not m.group(2)):
                    end = src.find("}", self.i)
                    if end > 0 and regex.search(r"[<>=]|^\{\s*[ides]\s*\}$", src[self.i : end + 1]):
                        raise Unsupported("fuzzy matching {e<=n}")
                    return atom  # a literal '{', read as the next atom
                lo = int(m.group(1)) if m.group(1) else 0
                hi = (int(m.group(3)) if m.group(3) else None) if m.group(2) else lo
                self.i = m.end()
            else:
                return atom
            if self.i < len(src) and src[self.i] in "?+":
                self.i += 1  # lazy or possessive: the same strings, another order of trying
            # A quantified assertion: whether it holds once is all that matters.
            atom = (EMPTY if lo == 0 else atom) if isinstance(atom, Anchor | Look) else Repeat(atom, lo, hi)

    def atom(self, flags: int) -> tuple[object | None, int]:
        src = self.src
        c = src[self.i]
        if c == "(":
            return self.group(flags)
        if c == "[":
            end = self._class_end(self.i)
            node = chars(src[self.i : end], flags)
            self.i = end
            return node, flags
        if c == "\\":
            return self.escape(flags), flags
        self.i += 1
        if c == ".":
            return chars(".", flags), flags
        if c == "^":
            return Anchor("line_start" if flags & regex.MULTILINE else "A"), flags
        if c == "$":
            return Anchor("line_end" if flags & regex.MULTILINE else "end"), flags
        return chars(regex.escape(c), flags), flags

    def _class_end(self, i: int) -> int:
        """The index after the set that starts at src[i] ('[')."""
        src = self.src
        j = i + 1
        if src.startswith("^", j):
            j += 1
        if src.startswith("]", j):
            j += 1
        depth = 1
        while j < len(src):
            c = src[j]
            if c == "\\":
                j += 2
                continue
            if c == "[" and src.startswith("[:", j) and src.find(":]", j + 2) > 0:
                j = src.find(":]", j + 2) + 2
                continue
            if c == "[" and self.v1:
                depth += 1
            elif c == "]":
                depth -= 1
                if depth == 0:
                    return j + 1
            j += 1
        raise Unsupported("unterminated character set")  # pragma: no cover - regex compiled it

    def escape(self, flags: int) -> object:
        src = self.src
        if self.i + 1 >= len(src):  # pragma: no cover - regex compiled it
            raise Unsupported("trailing backslash")
        c = src[self.i + 1]
        start = self.i
        self.i += 2
        if c in "AbBGZ":
            return Anchor({"A": "A", "b": "b", "B": "B", "G": "G", "Z": "Z"}[c])
        if c in "mM":
            return Anchor("b")  # start or end of a word: at a word boundary
        if c in "KXL":
            raise Unsupported({"K": "\\K", "X": "grapheme clusters \\X", "L": "named lists \\L<..>"}[c])
        if c == "g":
            m = regex.compile(r"<([^>]+)>").match(src, self.i)
            if m is None:  # pragma: no cover - regex compiled it
                raise Unsupported("\\g without a group")
            self.i = m.end()
            ref = m.group(1)
            return Backref(int(ref) if ref.isdigit() else ref)
        if c.isdigit() and c != "0":
            m = regex.compile(r"[0-7]{2}").match(src, self.i)  # \1 is a group; \123 an octal escape
            if m is not None and c in "01234567":
                self.i = m.end()
                return chars(src[start : self.i], flags)
            digits = regex.compile(r"\d?").match(src, self.i)
            assert digits is not None
            self.i = digits.end()
            return Backref(int(src[start + 1 : self.i]))
        if c in "pP":
            if self.i < len(src) and src[self.i] == "{":
                self.i = src.index("}", self.i) + 1
            else:
                self.i += 1
        elif c == "N" and self.i < len(src) and src[self.i] == "{":
            self.i = src.index("}", self.i) + 1
        elif c == "x":
            if src.startswith("{", self.i):
                self.i = src.index("}", self.i) + 1
            else:
                self.i += 2
        elif c == "u":
            self.i += 4
        elif c == "U":
            self.i += 8
        elif c == "0":
            m = regex.compile(r"[0-7]{0,2}").match(src, self.i)
            assert m is not None
            self.i = m.end()
        return chars(src[start : self.i], flags)

    def group(self, flags: int) -> tuple[object | None, int]:
        src = self.src
        self.i += 1
        if src.startswith("*", self.i):
            raise Unsupported("backtracking control verbs (*...)")
        if not src.startswith("?", self.i):
            return self._capture(flags, None), flags
        self.i += 1
        c = src[self.i] if self.i < len(src) else ""
        if c == ":":
            self.i += 1
            return self._body(flags), flags
        if c == ">":
            self.i += 1
            return self._body(flags), flags  # atomic: the same strings, fewer ways of trying them
        if c == "|":
            raise Unsupported("branch reset groups (?|...)")
        if c == "#":
            self.i = src.index(")", self.i) + 1
            return None, flags
        if c in "=!":
            self.i += 1
            return Look(self._body(flags), False, c == "!"), flags
        if src.startswith("<=", self.i) or src.startswith("<!", self.i):
            negative = src[self.i + 1] == "!"
            self.i += 2
            return Look(self._body(flags), True, negative), flags
        if (c == "P" and src.startswith("P<", self.i)) or c == "<":
            self.i += 2 if c == "P" else 1
            end = src.index(">", self.i)
            name = src[self.i : end]
            self.i = end + 1
            return self._capture(flags, name), flags
        if src.startswith("P=", self.i):
            end = src.index(")", self.i)
            name = src[self.i + 2 : end]
            self.i = end + 1
            return Backref(name), flags
        if c == "(":
            return self._conditional(flags), flags
        calls = c in "R&" or c.isdigit() or src.startswith("P>", self.i)
        if calls or (c in "+-" and src[self.i + 1 : self.i + 2].isdigit()):
            raise Unsupported("recursion and subroutine calls")
        return self._flags_group(flags)

    def _flags_group(self, flags: int) -> tuple[object | None, int]:
        m = _FLAGS_GROUP.match(self.src, self.i)
        if m is None:
            raise Unsupported(f"unknown group syntax at {self.i}")
        on, off = self._flag_set(m.group("on")), self._flag_set(m.group("off") or "")
        for flag, what in _UNSUPPORTED_FLAGS.items():
            if on & flag:
                raise Unsupported(what)
        scoped = (flags | on) & ~off
        if scoped & regex.FULLCASE and scoped & regex.IGNORECASE:
            raise Unsupported("full case folding (?f) with (?i): one character may match several")
        self.i = m.end()
        if m.group("end") == ":":
            return self._body(scoped), flags
        # A global flag: in VERSION0 it is already among the pattern's flags; in VERSION1 it holds from here.
        return None, scoped if self.v1 else flags

    def _flag_set(self, letters: str) -> int:
        value = 0
        letters = letters.replace("V0", "").replace("V1", "")
        for ch in letters:
            if ch not in _FLAG_LETTERS:
                raise Unsupported(f"unknown inline flag {ch!r}")
            value |= _FLAG_LETTERS[ch]
        return value

    def _conditional(self, flags: int) -> object:
        m = regex.compile(r"\((\w+)\)").match(self.src, self.i)
        if m is None:
            raise Unsupported("conditional group on a lookaround")
        self.i = m.end()
        body = self._body(flags)
        # (?(1)yes|no): either branch may be taken; (?(1)yes): yes or nothing.
        return body if isinstance(body, Alt) else Alt((body, EMPTY))

    def _body(self, flags: int) -> object:
        node = self.alternation(flags)
        if not self.src.startswith(")", self.i):  # pragma: no cover - regex compiled it
            raise Unsupported("unterminated group")
        self.i += 1
        return node

    def _capture(self, flags: int, name: str | None) -> object:
        if name is not None and name in self.names:
            index = self.names[name]  # a name used twice is one group in regex
        else:
            self.count += 1
            index = self.count
            if name is not None:
                self.names[name] = index
        item = self._body(flags)
        previous = self.groups.get(index)
        self.groups[index] = Group(item if previous is None else Alt((previous.item, item)), index, name)
        return Group(item, index, name)


def width(node: object, parsed: Parsed | None = None) -> tuple[int, int | None]:
    """The least and greatest number of characters a node matches (None: no bound)."""
    if isinstance(node, Chars):
        return 1, 1
    if isinstance(node, Seq):
        lo = 0
        top: int | None = 0
        for item in node.items:
            a, b = width(item, parsed)
            lo += a
            top = None if top is None or b is None else top + b
        return lo, top
    if isinstance(node, Alt):
        spans = [width(o, parsed) for o in node.options]
        his = [b for _, b in spans]
        return min(a for a, _ in spans), None if None in his else max(b for b in his if b is not None)
    if isinstance(node, Repeat):
        a, b = width(node.item, parsed)
        return a * node.lo, None if node.hi is None or b is None else b * node.hi
    if isinstance(node, Group):
        return width(node.item, parsed)
    if isinstance(node, Backref):
        if parsed is None:
            return 0, None
        return width(resolve(node, parsed), parsed)
    return 0, 0  # Look, Anchor


def resolve(ref: Backref, parsed: Parsed) -> object:
    """The pattern of the group a backreference names: a superset of the text it matches."""
    index = parsed.names.get(ref.ref) if isinstance(ref.ref, str) else ref.ref
    if index is None or index not in parsed.groups:
        raise Unsupported(f"backreference to an unknown group {ref.ref!r}")
    return parsed.groups[index].item
