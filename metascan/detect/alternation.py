"""A rule's top-level alternation matched one alternative at a time: the same matches, much sooner.

Searching `A|B|C`, the `regex` module tries every alternative at every position and gives up the fast scan
it makes for a literal that starts an alternative on its own: the 15 alternatives of password-command-line
find their matches in a fifth of the time one after the other that they need as one pattern.
`Alternation.finditer` returns exactly what `pattern.finditer` returns: at each step the match that starts
leftmost (the earliest alternative where several start there), the next search going on from where it ends.

A pattern is split only where that is sure to be exact: a top-level `|` (outside groups, sets, escapes and,
in verbose mode, comments), inline flags at the very start only, no `\\G`, and every alternative compiling
alone with the named group the rule reports.  Should an alternative match the empty string, the rest of the
text is left to the whole pattern.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import regex

_LEADING_FLAGS = regex.compile(r"\(\?[a-zA-Z]+\)")


def split_top_level(source: str) -> tuple[str, list[str]] | None:
    """(leading inline flags, alternatives) of a pattern whose top level is an alternation, else None."""
    lead = _LEADING_FLAGS.match(source)
    flags = lead.group(0) if lead else ""
    body = source[len(flags) :]
    if _LEADING_FLAGS.search(body) or "\\G" in body:
        return None  # a global flag further on, or a search-start anchor: not safe to split
    verbose = "x" in flags
    parts: list[str] = []
    depth, start, i = 0, 0, 0
    while i < len(body):
        c = body[i]
        if c == "\\":
            i += 2
        elif c == "[":
            i = _set_end(body, i)
        elif verbose and c == "#":
            end = body.find("\n", i)
            i = len(body) if end < 0 else end
        else:
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
            elif c == "|" and depth == 0:
                parts.append(body[start:i])
                start = i + 1
            i += 1
    parts.append(body[start:])
    if depth != 0 or len(parts) < 2 or any(not p.strip() for p in parts):
        return None
    return flags, parts


def _set_end(body: str, i: int) -> int:
    """The index after the set that starts at body[i] ('['): a ']' first in the set is a member."""
    j = i + 1
    if body.startswith("^", j):
        j += 1
    if body.startswith("]", j):
        j += 1
    while j < len(body):
        if body[j] == "\\":
            j += 2
        elif body[j] == "[" and body.startswith("[:", j):
            end = body.find(":]", j + 2)  # a POSIX class such as [:alpha:]
            j = len(body) if end < 0 else end + 2
        elif body[j] == "]":
            return j + 1
        else:
            j += 1
    return j


@dataclass(frozen=True, slots=True)
class Alternation:
    """A pattern and its top-level alternatives, compiled one by one."""

    whole: regex.Pattern[str]
    alternatives: tuple[regex.Pattern[str], ...]
    # An alternative anchored at the start of the text (`\A...`) keeps the whole pattern from scanning for
    # the others' literals: searched as one, it costs every position of even a short text.
    anchored: bool = False

    @classmethod
    def of(cls, pattern: regex.Pattern[str], group: int | str) -> Alternation | None:
        """The alternation of a rule's pattern, or None when it cannot be split exactly (see module doc).

        `group` is the group the rule reports: a name every alternative must define, or 0.
        """
        split = split_top_level(pattern.pattern)
        if split is None or (isinstance(group, int) and group != 0):
            return None
        flags, parts = split
        try:
            alternatives = tuple(regex.compile(flags + p, pattern.flags) for p in parts)
        except regex.error:
            return None
        if isinstance(group, str) and any(group not in a.groupindex for a in alternatives):
            return None
        return cls(pattern, alternatives, any(p.lstrip().startswith("\\A") for p in parts))

    def finditer(self, text: str, timeout: float) -> Iterator[regex.Match[str]]:
        """The matches of `whole.finditer(text)`, each search given what is left of `timeout` seconds.

        Raises TimeoutError when the searches take longer than `timeout` in all.
        """
        deadline = time.monotonic() + timeout
        alternatives = self.alternatives
        heads = [_search(a, text, 0, deadline) for a in alternatives]
        pos = 0
        while True:
            best: regex.Match[str] | None = None
            for m in heads:  # the leftmost; the first alternative of those that start there
                if m is not None and (best is None or m.start() < best.start()):
                    best = m
            if best is None:
                return
            if best.end() == best.start():  # an empty match: the whole pattern knows what comes next
                yield from self.whole.finditer(text, pos, timeout=max(deadline - time.monotonic(), 1e-3))
                return
            yield best
            pos = best.end()
            for i, m in enumerate(heads):
                if m is not None and m.start() < pos:
                    heads[i] = _search(alternatives[i], text, pos, deadline)


def _search(pattern: regex.Pattern[str], text: str, pos: int, deadline: float) -> regex.Match[str] | None:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError(pattern.pattern[:40])
    return pattern.search(text, pos, timeout=remaining)
