"""What a JSON parser must not do silently with hostile input: keep only the last of a repeated key, or turn
a number of millions of digits into an int (quadratic time).

`Duplicates` is an `object_pairs_hook` (and a note-taker for streamed input); `parse_int` refuses a number
longer than `MAX_INT_DIGITS`.  Messages never quote the input: only keys metascan knows are named.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from typing import Any

from ..model import ScanError

MAX_INT_DIGITS = 4300  # Python's int() limit (sys.get_int_max_str_digits): longer numbers are refused


class BigNumber(ValueError):
    """A number of more than MAX_INT_DIGITS digits."""


def parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise BigNumber
    return int(text)


def int_parser() -> Callable[[str], int] | None:
    """The `parse_int` for a JSON parser: None (its own int(), faster) where Python's digit limit already
    refuses what `parse_int` refuses (a ValueError, which a caller reads as it reads BigNumber), else
    `parse_int` (the limit raised or lifted, e.g. PYTHONINTMAXSTRDIGITS=0)."""
    limit = sys.get_int_max_str_digits()
    return None if 0 < limit <= MAX_INT_DIGITS else parse_int


def big_number(text: str, source: str) -> ScanError:
    """The error for a text that holds a number too long to read, with the line it is on."""
    found = re.search(r"[:\[,]\s*-?[0-9]{" + str(MAX_INT_DIGITS + 1) + "}", text)
    where = f" at line {text.count(chr(10), 0, found.start()) + 1}" if found else ""
    return ScanError(
        source, f"{source}: a number of more than {MAX_INT_DIGITS} digits{where}: not an API response"
    )


def known_keys() -> frozenset[str]:
    from ..aws.documents import ENVELOPE, EXTRACTORS

    return frozenset(EXTRACTORS) | ENVELOPE


class Duplicates:
    """An `object_pairs_hook` that notices keys given twice in one object (JSON parsers keep the last value
    silently).  Lists under one key are joined, so both are scanned; other earlier values are dropped and
    counted.  Only keys metascan knows are named: an unknown key may itself be a secret."""

    def __init__(self, known: Iterable[str] | None = None) -> None:
        self.known = frozenset(known_keys() if known is None else known)
        self.count = 0
        self.dropped = 0
        self.names: dict[str, None] = {}

    def hook(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(pairs)
        if len(out) == len(pairs):
            return out
        out = {}
        for k, v in pairs:
            if k in out:
                self.count += 1
                if k in self.known:
                    self.names[k] = None
                if isinstance(out[k], list) and isinstance(v, list):
                    out[k] = out[k] + v
                    continue
                self.dropped += 1
            out[k] = v
        return out

    def note(self, key: str) -> None:
        """A duplicate seen while streaming (the streaming builder keeps the last value)."""
        self.count += 1
        self.dropped += 1
        if key in self.known:
            self.names[key] = None

    def error(self, source: str, streamed: bool = False, syntax: str = "JSON objects") -> ScanError | None:
        if not self.count:
            return None
        names = ", ".join(self.names) if self.names else "none of them a key metascan reads"
        what = (
            "earlier values under a repeated key inside an item were not scanned"
            if streamed
            else f"lists under one key were scanned together, {self.dropped} earlier other value"
            f"{'s' if self.dropped != 1 else ''} not scanned"
        )
        return ScanError(
            source,
            f"{source}: {self.count} duplicate key{'s' if self.count != 1 else ''}"
            f" in {syntax} ({names}): {what}",
        )
