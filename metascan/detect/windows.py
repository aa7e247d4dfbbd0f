"""A rule's regex run only near the places where its Hyperscan gate says a match may start.

A rule that has cost the engine time gets a gate: its pattern translated into a Hyperscan superset and
scanned over the reversed text (prefilter.py).  Every end the gate reports in the reversed text is a place in
the text where a superset match starts, up to `translate.CONTEXT_WIDTH` characters of consumed context
before the real match: every match of the pattern starts in `[place, place + LEAD]` of some reported place.
So a search need not read the rest of the text.

A search that starts in such a window must still see what `regex` would see over the whole text: looking
behind is free (a search at `pos` sees the text before it), and looking ahead is bounded by the pattern's
reach (`reach`: the most characters any attempt reads from where it starts, lookaheads and anchors included;
a lookbehind reads the text before where it stands).
A search of the window `[a, b)` therefore reads the text up to `b + reach` and keeps a match only when it
starts before `b`: an attempt that starts there never reads as far as that `endpos`, so it succeeds or fails
exactly as in the whole text, and an attempt that starts at or after `b` (which might have been cut short)
is never taken.  The matches, in order, are those of `pattern.finditer(text)`.

Patterns whose reach has no bound (`+`, `*`, `{n,}`), full case folding and the other constructs the
translation refuses get no windows: their rule searches the whole text (after its gate said yes), as before.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Iterator
from functools import lru_cache

import regex

from .syntax import Alt, Anchor, Backref, Chars, Group, Look, Parsed, Repeat, Seq, Unsupported, parse, resolve
from .translate import CONTEXT_WIDTH

LEAD = CONTEXT_WIDTH + 1  # a match starts at most this far after the place its gate reports
MAX_REACH = 8192  # longer reaches are not worth windows (and are rare: `{0,4000}` values)


@lru_cache(maxsize=4096)
def reach(source: str, flags: int) -> int | None:
    """The most characters an attempt of the pattern reads from where it starts (an upper bound: lookaheads
    count as if they consumed, anchors as two characters, a lookbehind as two unless a lookahead in it reads
    on), or None when there is no bound."""
    if flags & regex.V1:
        return None  # version 1 folds case fully: one character may match several
    try:
        parsed = parse(regex.compile(source, flags))
        found = _reach(parsed.root, parsed)
    except (Unsupported, RecursionError):
        return None
    return found if found is not None and found <= MAX_REACH else None


def _reach(node: object, parsed: Parsed) -> int | None:
    if isinstance(node, Chars):
        return 1
    if isinstance(node, Seq):
        total = 0
        for item in node.items:
            r = _reach(item, parsed)
            if r is None:
                return None
            total += r
        return total
    if isinstance(node, Alt):
        options = [_reach(o, parsed) for o in node.options]
        return None if any(r is None for r in options) else max(r for r in options if r is not None)
    if isinstance(node, Repeat):
        r = _reach(node.item, parsed)
        if r is None:
            return None
        if r == 0:
            return 0
        return None if node.hi is None else r * node.hi
    if isinstance(node, Look) and node.behind and not _looks_ahead(node.item):
        return 2  # it reads the text before where it stands (an anchor in it may look one character on)
    if isinstance(node, (Group, Look)):
        return _reach(node.item, parsed)
    if isinstance(node, Anchor):
        return 2  # `$` looks at the next character and whether it is the last
    if isinstance(node, Backref):
        return _reach(resolve(node, parsed), parsed)
    raise Unsupported(f"no reach for {type(node).__name__}")


def _looks_ahead(node: object) -> bool:
    if isinstance(node, Look):
        return not node.behind or _looks_ahead(node.item)
    if isinstance(node, (Seq, Alt)):
        return any(_looks_ahead(n) for n in (node.items if isinstance(node, Seq) else node.options))
    if isinstance(node, (Group, Repeat)):
        return _looks_ahead(node.item)
    return isinstance(node, Backref)  # (a group it names may hold one: counted as if it did)


class Windows:
    """Where matches of one pattern may start in one text: disjoint runs `[starts[i], ends[i])` of start
    positions, each searched reading at most `reach` characters past its end."""

    __slots__ = ("ends", "reach", "starts")

    def __init__(self, places: list[int], reach: int) -> None:
        """`places`: the sorted places a gate reported (a place may be -1: the edge before the text)."""
        starts: list[int] = []
        ends: list[int] = []
        for place in places:
            a, b = max(0, place), place + LEAD + 1
            # runs closer than a search's reach are one run: no text is searched twice
            if ends and a <= ends[-1] + reach:
                if b > ends[-1]:
                    ends[-1] = b
            else:
                starts.append(a)
                ends.append(b)
        self.starts = starts
        self.ends = ends
        self.reach = reach

    def __bool__(self) -> bool:
        return bool(self.starts)

    def search(
        self, pattern: regex.Pattern[str], text: str, pos: int, timeout: float | None = None
    ) -> regex.Match[str] | None:
        """`pattern.search(text, pos)`: the first match that starts at or after `pos`."""
        n = len(text)
        i = bisect.bisect_right(self.ends, pos)  # the first run with a start position after `pos`
        starts, ends, reach = self.starts, self.ends, self.reach
        while i < len(starts):
            b = ends[i]
            m = pattern.search(text, max(starts[i], pos), min(n, b + reach), timeout=timeout)
            if m is not None and m.start() < b:
                return m
            i += 1
        return None

    def finditer(self, pattern: regex.Pattern[str], text: str, deadline: float) -> Iterator[regex.Match[str]]:
        """`pattern.finditer(text)` for a pattern that cannot match the empty string (the translation refuses
        those).  Raises TimeoutError past the deadline."""
        pos = 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(pattern.pattern[:40])
            m = self.search(pattern, text, pos, remaining)
            if m is None:
                return
            yield m
            pos = m.end() if m.end() > m.start() else m.start() + 1
