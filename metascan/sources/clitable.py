"""AWS CLI `--output table` read back into the response it drew.

The CLI draws a response as sections (awscli's `table.py`): a title line (the operation, then each member's
name), and either rows under a header line of the members' names or, for a structure drawn alone (and for
any one-row section when the table is wider than the terminal, 80 columns when the output goes to a file),
one `name | value` row per member; a list of scalars is one value per row.  A nested section is indented by
one more `|` on each side, and an item of a list that has lists of its own is a section of its own, under its
list's name again.  Every value is written whole (columns are widened, never cut), left-aligned.

The operation the first title names gives the service model, which says which member each title is, whether
it is a list, and which names a header line holds.  A value with line breaks breaks the drawing: its lines
are not read (they are counted as skipped).
"""

from __future__ import annotations

from typing import Any

from .apixml import model
from .clitext import SCALARS, value
from .sniff import CLI_RESPONSES

_OPERATIONS = {operation: (service, operation) for service, operation in CLI_RESPONSES.values()}


def _events(text: str) -> list[tuple[int, list[str]] | None]:
    """The drawing's lines: a line's indent and cells, or None for a border."""
    out: list[tuple[int, list[str]] | None] = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line:
            continue
        bars = len(line) - len(line.lstrip("|"))
        core = line[bars:]
        if set(line) <= {"-"} or core.startswith("+"):
            out.append(None)
            continue
        if bars == 0 or not line.endswith("|"):
            out.append((-1, []))  # (a value's continuation line: not read)
            continue
        inner = line[bars - 1 : len(line) - bars + 1]  # (the section's own edges kept)
        out.append((bars - 1, [c.strip() for c in inner[1:-1].split("|")]))
    return out


def _scalars(shape: Any) -> dict[str, Any]:
    if getattr(shape, "type_name", None) != "structure":
        return {}
    return {name: member for name, member in shape.members.items() if member.type_name in SCALARS}


class _Builder:
    """Sections read one by one into the response, with the service model."""

    def __init__(self, output: Any) -> None:
        self.response: dict[str, Any] = {}
        self.stack: list[tuple[int, Any, dict[str, Any]]] = []  # open structures: indent, shape, object
        self.output = output
        self.lost = 0
        self.shape: Any = None  # the current section's structure (None: a list of scalars)
        self.target: dict[str, Any] | None = None
        self.items: list[Any] | None = None
        self.header: list[str] | None = None

    def title(self, indent: int, name: str) -> None:
        if not self.stack:
            self.stack.append((indent, self.output, self.response))
            self._open(self.output, self.response, None)
            return
        while len(self.stack) > 1 and self.stack[-1][0] >= indent:
            self.stack.pop()
        _, shape, parent = self.stack[-1]
        member = shape.members.get(name) if getattr(shape, "type_name", None) == "structure" else None
        if member is None or member.type_name not in ("list", "structure"):
            self._open(None, None, None)
            self.lost += 1
            return
        if member.type_name == "structure":
            child: dict[str, Any] = {}
            parent[name] = child
            self.stack.append((indent, member, child))
            self._open(member, child, None)
            return
        items = parent.setdefault(name, [])
        item_shape = member.member
        if item_shape.type_name == "structure":
            self._open(item_shape, None, items)
            self.stack.append((indent, item_shape, {}))  # (replaced by the section's first item)
        else:
            self._open(None, None, items)

    def empty_before(self, cell: str) -> bool:
        """Whether a one-cell line after a structure's title is the next title: the structure had no scalars
        to draw (a response without a NextToken draws only its title)."""
        return self.shape is not None and cell not in _scalars(self.shape)

    def _open(self, shape: Any, target: dict[str, Any] | None, items: list[Any] | None) -> None:
        self.shape, self.target, self.items, self.header = shape, target, items, None

    def row(self, cells: list[str], first: bool) -> None:
        members = _scalars(self.shape)
        if self.shape is None:
            if self.items is not None and len(cells) == 1:
                self.items.append(cells[0])
            else:
                self.lost += 1
            return
        if (
            first
            and cells
            and all(c in members for c in cells)
            and (len(cells) > 1 or self.items is not None)
        ):
            self.header = cells
            return
        if self.header is not None and len(cells) == len(self.header):
            item = {
                h: value(members[h], c)
                for h, c in zip(self.header, cells, strict=True)
                if c not in ("", "None")
            }
            self._item(item)
            return
        if len(cells) == 2 and cells[0] in members:  # a name and its value
            if self.target is None:
                self._item({})
            assert self.target is not None
            if cells[1] not in ("", "None"):
                self.target[cells[0]] = value(members[cells[0]], cells[1])
            return
        self.lost += 1

    def _item(self, item: dict[str, Any]) -> None:
        if self.items is None:  # (a structure drawn with a header: its one row)
            if self.target is not None:
                self.target.update(item)
            return
        self.items.append(item)
        self.target = item if self.header is None else self.target
        indent, shape, _ = self.stack[-1]
        self.stack[-1] = (indent, shape, item)  # (what follows, indented, belongs to the latest item)


def parse(text: str) -> tuple[dict[str, Any], int] | None:
    """The response a CLI table holds and how many lines could not be read; None when its first title is not
    an operation metascan reads."""
    events = _events(text)
    first = next((e for e in events if e is not None and e[0] >= 0), None)
    if first is None or len(first[1]) != 1 or first[1][0] not in _OPERATIONS:
        return None
    service, operation = _OPERATIONS[first[1][0]]
    build = _Builder(model(service).operation_model(operation).output_shape)
    state = "closed"  # closed -> titled -> (header) -> rows -> closed
    for event in events:
        if event is None:
            state = {"titled": "opened", "header": "rows0", "rows": "closed"}.get(state, state)
            continue
        indent, cells = event
        if indent < 0:
            build.lost += 1
        elif len(cells) == 1 and (state == "closed" or (state == "opened" and build.empty_before(cells[0]))):
            build.title(indent, cells[0])
            state = "titled"
        elif state in ("opened", "rows0", "rows"):
            had_header = build.header is not None
            build.row(cells, first=state == "opened")
            state = "header" if build.header is not None and not had_header and state == "opened" else "rows"
        else:
            build.lost += 1
    return build.response, build.lost
