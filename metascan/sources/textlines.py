"""Texts built from pieces of a template, keeping the input line of each of their lines.

CloudFormation's `Fn::Join` and `Fn::Sub` and Terraform's string templates assemble user data and tag values
from pieces written on different lines of the file.  `concat` joins pieces (`Located` or plain strings) into
one `Located` string whose `Origin` gives each line of the result the input line it came from, so a finding
on line 7 of the assembled user data points at the line of the template that wrote it.  `as_base64` gives
the text CloudFormation's `Fn::Base64` or Terraform's `base64encode` would send, with the origin kept for the
decoded text.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

from ..model import Located, Origin, origin_of


def _line_list(piece: str) -> list[int | None]:
    count = piece.count("\n") + 1
    origin = origin_of(piece)
    if origin is None:
        return [None] * count
    if origin.lines:
        known: list[int | None] = list(origin.lines[:count])
        return known + [origin.lines[-1]] * (count - len(known))
    return [origin.line] * count


def concat(pieces: Sequence[str]) -> str:
    """The pieces joined, `Located` when any piece is (a piece without an origin takes its neighbour's)."""
    lines: list[int | None] = []
    tail_blank = True  # the current last line of the result holds only blanks so far
    for piece in pieces:
        if not piece:
            continue
        more = _line_list(piece)
        if not lines:
            lines = more
        elif tail_blank:  # the last line was blank before this piece: it is this piece's line
            lines[-1:] = more
        else:  # the piece's first line goes on the last line of the result
            lines.extend(more[1:])
        last = piece.rsplit("\n", 1)[-1]
        tail_blank = not last.strip() if "\n" in piece else tail_blank and not piece.strip()
    text = "".join(pieces)
    known = [n for n in lines if n is not None]
    if not known:
        return text
    filled: list[int] = []
    previous = known[0]
    for n in lines:
        previous = n if n is not None else previous
        filled.append(previous)
    spread = tuple(filled) if len(set(filled)) > 1 else ()
    return Located(text, Origin(filled[0], spread))


def located(text: str, like: object) -> str:
    """`text` with the origin of `like` (a value it was made from), when that has one."""
    origin = origin_of(like)
    return Located(text, Origin(origin.line)) if origin is not None else text


def as_base64(text: str) -> str:
    """`text` base64-encoded as the API returns it, its origin kept for the text base64 decodes to."""
    encoded = base64.b64encode(text.encode("utf-8", "surrogatepass")).decode("ascii")
    origin = origin_of(text)
    if origin is None:
        return encoded
    return Located(encoded, Origin(origin.line, origin.lines, ("base64",)))
