"""Responses that a Python program printed: boto3's dictionaries as `print()` and `pprint` write them.

A script that audits an account often logs what boto3 returned (`print(client.describe_...())`,
`pprint.pprint(...)`, a logger's `%r`), and a notebook or a REPL session is saved with it: Python's literal
syntax (single quotes, `True`, `None`), timestamps as `datetime.datetime(2026, 9, 9, 22, 20, 31, 155000,
tzinfo=tzutc())`, long strings that pprint split into adjacent literals.  Each such dictionary that starts
with a response's key (`{'AutoScalingGroups': ...`, `{'LaunchTemplateVersions': ...`) is found in the text,
its extent found by matching brackets outside strings, and its literal read with Python's own parser into
plain values, never evaluated: only literals, and calls of datetime (made an ISO string) and of the tz
helpers, are accepted; anything else makes that dictionary unreadable.
"""

from __future__ import annotations

import ast
import datetime as _dt
import re
from collections.abc import Iterator
from typing import Any

from ..aws.documents import EXTRACTORS

MAX_LITERAL = 64 * 1024 * 1024
_START = re.compile(r"\{\s*'(?:" + "|".join(EXTRACTORS) + r"|ResponseMetadata|NextToken)'\s*:")
_TZ = frozenset({"tzutc", "tzlocal", "tzoffset", "UTC"})


class _Unreadable(Exception):
    pass


def looks_like_repr(text: str) -> bool:
    return _START.search(text) is not None


def _extent(text: str, start: int) -> int | None:
    """The end of the bracketed literal that starts at `start` (None when it is cut short)."""
    depth = 0
    i, n = start, len(text)
    while i < n:
        c = text[i]
        if c in "'\"":
            quote = text[i : i + 3] if text[i : i + 3] in ("'''", '"""') else c
            i += len(quote)
            while i < n and not text.startswith(quote, i):
                i += 2 if text[i] == "\\" else 1
            i += len(quote)
            continue
        if c in "{[(":
            depth += 1
        elif c in "}])":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    raise _Unreadable


def _value(node: ast.expr) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Dict):
        return {_value(k): _value(v) for k, v in zip(node.keys, node.values, strict=True) if k is not None}
    if isinstance(node, ast.List | ast.Tuple):
        return [_value(e) for e in node.elts]
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
    ):
        number = node.operand.value
        if isinstance(number, int | float) and not isinstance(number, bool):
            return -number
        raise _Unreadable
    if isinstance(node, ast.Call):
        name = _name(node.func)
        if name == "datetime":
            parts = [_value(a) for a in node.args]
            if not 3 <= len(parts) <= 7 or not all(isinstance(p, int) for p in parts):
                raise _Unreadable
            try:
                return _dt.datetime(*parts).isoformat()
            except (ValueError, OverflowError):
                raise _Unreadable from None
        if name in _TZ:
            return None
    raise _Unreadable


def responses(text: str) -> Iterator[dict[str, Any] | str]:
    """The responses a text holds, in order; for one that cannot be read, why (a string)."""
    pos = 0
    while True:
        match = _START.search(text, pos)
        if match is None:
            return
        end = _extent(text, match.start())
        if end is None:
            yield f"a printed response cut short at offset {match.start()}"
            return
        pos = end
        literal = text[match.start() : end]
        if len(literal) > MAX_LITERAL:
            yield f"a printed response above {MAX_LITERAL} characters at offset {match.start()}"
            continue
        try:
            value = _value(ast.parse(literal, mode="eval").body)
        except (SyntaxError, ValueError, RecursionError, MemoryError, _Unreadable):
            yield f"a printed response that is not a Python literal at offset {match.start()}"
            continue
        if isinstance(value, dict):
            yield value
