"""Token boundaries: where a self-delimiting token (a vendor key with a documented prefix) may start and end.

A token rule's regex describes the token alone; whether the match stands on its own is decided here, once
for every token rule, instead of by a lookbehind in each pattern.  A token starts at the start of the text or
after a character that cannot be part of a token, and it ends at the end of the text or before such a
character.
Text that went through a layer of escaping still has its boundaries: a token right after `%3D` (a
percent-encoded `=`), `\\n` or `\\t` (a JSON or shell escape), `\\u0022` or `\\x3d` starts a token although a
letter or a digit precedes it.
"""

from __future__ import annotations

import regex

# Characters that continue a token: a match next to one of these is part of a longer word or blob.
_TOKEN_CHAR = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")

# Escapes whose last character is a letter or digit: percent-encoding (%3D), C/JSON/shell escapes (\n, \t,
# \r, \\n), \uXXXX and \xXX.
ESCAPE = r"%[0-9A-Fa-f]{2}|\\[nrtbfv0]|\\u[0-9A-Fa-f]{4}|\\x[0-9A-Fa-f]{2}"
# ... anchored at the end of the text before a candidate.
_ESCAPE_BEFORE = regex.compile(f"(?:{ESCAPE})\\Z")
_ESCAPE_LOOKBACK = 6  # the longest escape above (\uXXXX)


def starts_token(text: str, start: int) -> bool:
    """Whether a token may start at `start`: nothing token-like precedes it, or an escape ends there."""
    if start <= 0 or text[start - 1] not in _TOKEN_CHAR:
        return True
    return _ESCAPE_BEFORE.search(text, max(0, start - _ESCAPE_LOOKBACK), start) is not None


# Every position where a token may start (`starts_token`), found by one search: after a character that cannot
# be part of a token, or right after an escape.
_START = regex.compile(r"(?<=[^A-Za-z0-9_]|%[0-9A-Fa-f]{2}|\\[nrtbfv0]|\\u[0-9A-Fa-f]{4}|\\x[0-9A-Fa-f]{2})")


def next_token_start(text: str, pos: int) -> int:
    """The first position after `pos` where a token may start (len(text) when there is none)."""
    m = _START.search(text, pos + 1)
    return m.start() if m is not None else len(text)


def ends_token(text: str, end: int) -> bool:
    """Whether a token may end at `end`: the text ends there or the next character cannot continue it.

    An escape that follows (`%0A`, `\\n`) starts with a character that is not a token character.  A hyphen
    followed by a token character joins the match to a longer identifier (`glptt-...-be-exactly-40-chars`).
    """
    if end >= len(text):
        return True
    nxt = text[end]
    if nxt == "-":
        return end + 1 >= len(text) or text[end + 1] not in _TOKEN_CHAR
    return nxt not in _TOKEN_CHAR


def is_token(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] stands on its own as a token."""
    return starts_token(text, start) and ends_token(text, end)


def token_start_re(extra: str = "") -> str:
    """`starts_token` as a regex assertion, for a pattern that finds a token after other text (a vendor key
    after the vendor's name): nothing token-like before, unless an escape ends there.  `extra`: characters
    (escaped for a regex set) that also continue the token, such as `+/=` in a base64 value."""
    return f"(?:(?<![A-Za-z0-9_{extra}])|(?<={ESCAPE}))"


def token_end_re(extra: str = "") -> str:
    """`ends_token` as a regex assertion: no token character (or `extra` character) after, nor a hyphen
    and a token character."""
    return f"(?![A-Za-z0-9_{extra}]|-[A-Za-z0-9_])"
