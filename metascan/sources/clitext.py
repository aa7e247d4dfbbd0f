"""AWS CLI `--output text` read back into the response it printed, with the service model's help.

The CLI prints a response depth first (awscli's `text.py`): a structure's scalar members on one line, tab
separated, sorted by name, after the upper-cased name of the member that holds it (`TAGS`, `LAUNCHTEMPLATE`);
then its lists and structures in name order.  In a list of structures every line has the scalar members that
any item of the list has (empty where an item has none); a list of scalars is one line per value.  A value
with line breaks continues on the next lines.

So each line names where it belongs: the innermost structure being read that has a member of that name (a
`TAGS` line after a group's line is the group's, after a tag specification's line that specification's).
Which members a line's columns are, when the line has fewer columns than the structure has scalar members,
is chosen by the values: booleans print `True`/`False`, numbers digits, timestamps dates, ARNs `arn:`, enums
one of their values, and a required member is always printed; the best consistent choice in name order wins.
Text without a line of a response metascan reads (`--query` output prints no names) is not read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .apixml import model
from .sniff import CLI_RESPONSES

_NAME = re.compile(r"[A-Z][A-Z0-9]*\Z")
_DATE = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d")
SCALARS = ("string", "integer", "long", "boolean", "timestamp", "double", "float", "blob")


def _members(shape: Any) -> dict[str, tuple[str, Any]]:
    """A structure's members that print lines of their own, by the name the line starts with."""
    if getattr(shape, "type_name", None) != "structure":
        return {}
    return {
        name.upper(): (name, member)
        for name, member in shape.members.items()
        if member.type_name in ("structure", "list", "map")
    }


def _score(name: str, shape: Any, cell: str) -> float:
    """How well a printed value fits a member: negative when it cannot be that member's."""
    if cell == "":
        return 0.0
    kind = shape.type_name
    if kind == "boolean":
        return 2.0 if cell in ("True", "False") else -9.0
    if kind in ("integer", "long"):
        return 1.0 if cell.lstrip("-").isdigit() else -9.0
    if kind in ("double", "float"):
        return 0.5 if re.fullmatch(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", cell) else -9.0
    if kind == "timestamp":
        return 2.0 if _DATE.match(cell) else -9.0
    enum = shape.enum if kind == "string" else None
    if enum:
        return 2.0 if cell in enum else -9.0
    if name.upper().endswith("ARN"):
        return 2.0 if cell.startswith("arn:") else -9.0
    if cell in ("True", "False"):
        return -3.0
    return -0.5 if cell.startswith("arn:") else 0.0


def _columns(shape: Any, cells: Sequence[str]) -> list[tuple[str, Any]] | None:
    """The scalar members the cells are, in name order (the best fit when some members are absent)."""
    scalars = sorted((name, member) for name, member in shape.members.items() if member.type_name in SCALARS)
    required = set(getattr(shape, "required_members", ()) or ())
    n, m = len(cells), len(scalars)
    if n > m:
        return None
    if n == m:
        return scalars

    def fit(j: int, cell: str) -> float:  # (a required member is always there: its column is printed)
        name, member = scalars[j]
        if name in required:
            return -9.0 if cell == "" else _score(name, member, cell) + 1.0
        return _score(name, member, cell)

    # best[i][j]: the best score of the first i cells as a subsequence of the first j members
    neg = float("-inf")
    best = [[neg] * (m + 1) for _ in range(n + 1)]
    best[0] = [0.0] * (m + 1)
    for i in range(1, n + 1):
        for j in range(i, m + 1):
            best[i][j] = max(best[i][j - 1], best[i - 1][j - 1] + fit(j - 1, cells[i - 1]))
    chosen: list[tuple[str, Any]] = []
    i, j = n, m
    while i > 0:
        if best[i][j] == best[i - 1][j - 1] + fit(j - 1, cells[i - 1]):
            chosen.append(scalars[j - 1])
            i, j = i - 1, j - 1
        else:
            j -= 1
    return chosen[::-1]


def value(shape: Any, cell: str) -> Any:
    """A printed scalar as its member's type: `True`/`False` a boolean, digits an integer, else the text."""
    kind = shape.type_name
    if kind == "boolean":
        return cell == "True"
    if kind in ("integer", "long") and cell.lstrip("-").isdigit():
        return int(cell)
    return cell


def _assign(target: dict[str, Any], shape: Any, cells: Sequence[str]) -> bool:
    columns = _columns(shape, cells)
    if columns is None:
        return False
    for (name, member), cell in zip(columns, cells, strict=True):
        if cell != "" and cell != "None":
            target[name] = value(member, cell)
    return True


def _rows(text: str) -> list[list[str]]:
    """Logical lines: a line that does not start with a name and a tab continues the one before (its pieces
    are joined once, at the end: a value of many lines costs no more than its length)."""
    rows: list[list[list[str]]] = []
    for line in text.splitlines():
        cells = line.split("\t")
        if rows and not (_NAME.match(cells[0]) and len(cells) > 1):
            rows[-1][-1].append(cells[0])
            rows[-1].extend([c] for c in cells[1:])
            continue
        rows.append([[c] for c in cells])
    return [["\n".join(pieces) for pieces in row] for row in rows]


def parse(text: str) -> tuple[dict[str, Any], int] | None:
    """The response a CLI text output holds, and how many lines could not be placed; None when no line
    names a response metascan reads."""
    rows = _rows(text)
    first = next((r[0] for r in rows if r and r[0] in CLI_RESPONSES and len(r) > 1), None)
    if first is None:
        return None
    service, operation = CLI_RESPONSES[first]
    output = model(service).operation_model(operation).output_shape
    response: dict[str, Any] = {}
    frames: list[tuple[Any, dict[str, Any]]] = [(output, response)]
    lost = 0
    for row in rows:
        ident, cells = row[0], row[1:]
        depth = next((d for d in range(len(frames) - 1, -1, -1) if ident in _members(frames[d][0])), None)
        if depth is None:
            lost += bool(_NAME.match(ident) and cells)  # (the response's own scalars print without a name)
            continue
        del frames[depth + 1 :]
        parent_shape, parent = frames[depth]
        name, member = _members(parent_shape)[ident]
        if member.type_name == "list":
            item_shape = member.member
            items = parent.setdefault(name, [])
            if item_shape.type_name in SCALARS:
                items.extend(cells[:1])
                continue
            if item_shape.type_name != "structure":
                lost += 1
                continue
            item: dict[str, Any] = {}
            if not _assign(item, item_shape, cells):
                lost += 1
            items.append(item)
            frames.append((item_shape, item))
        elif member.type_name == "structure":
            child: dict[str, Any] = {}
            if not _assign(child, member, cells):
                lost += 1
            parent[name] = child
            frames.append((member, child))
        else:  # a map prints its keys as the columns' names: not a shape metascan reads from text
            lost += 1
    return response, lost
