"""Terraform's `.tf` files (HCL2) -> blocks whose attributes are values that remember their lines.

The text is parsed by python-hcl2 (its Lark grammar, positions on) and the parse tree is evaluated here, only
as far as a literal goes: quoted strings (escapes undone), heredocs (`<<EOT`, and `<<-EOT` with the common
indent removed; their escapes `$${` and `%%{` undone), numbers, booleans, lists and objects,
`base64encode(...)`, `jsonencode(...)`, `join(...)`, `trimspace(...)` and `chomp(...)` of literals.
Everything else, `var.x`, `local.y`, resource attributes, `templatefile()`, `file()`, conditionals and `for`
expressions, is a reference: it is kept as the text `${...}` of its source, which detectors never take for a
secret.  Interpolations in strings and heredocs stay as written.

Every string is `Located`: a heredoc line by line, so a finding in user data points at its line in the file;
`base64encode` of a text gives the base64 the API returns, with those lines kept for the decoded text.
A nested block (`tag { ... }`, `launch_template { ... }`) is a list of objects under its type, as Terraform's
JSON output writes it, so state, plans and `.tf` files are read by the same mapping (`terraform.py`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from lark import Token, Tree
from lark.exceptions import LarkError

from ..model import Located, Origin
from .textlines import as_base64, concat

MAX_DEPTH = 200  # nested expressions evaluated; deeper ones are references


class HclError(Exception):
    """The text is not HCL metascan can read; the message is one line."""


@dataclass
class Block:
    """A top-level block: `resource "aws_launch_template" "web" { ... }` is type `resource`, labels
    `["aws_launch_template", "web"]`."""

    type: str
    labels: list[str]
    body: dict[str, Any] = field(default_factory=dict)
    line: int = 0


_HCL_PROBLEMS = {
    "UnexpectedCharacters": "unexpected character",
    "UnexpectedToken": "unexpected token",
    "UnexpectedEOF": "the text ends inside a block",
    "UnexpectedInput": "unexpected input",
}


def parse(text: str) -> list[Block]:
    """The top-level blocks of a `.tf` file (top-level attributes, as in `.tfvars`, are left out)."""
    import hcl2  # python-hcl2: its grammar, positions included

    try:
        tree = hcl2.parses_to_tree(text)
    except LarkError as e:
        line = getattr(e, "line", None)
        where = f" at line {line}" if isinstance(line, int) and line > 0 else ""
        detail = _HCL_PROBLEMS.get(type(e).__name__, "cannot be parsed")  # lark's text quotes the input
        raise HclError(f"invalid HCL{where}: {detail}") from e
    except RecursionError as e:
        raise HclError("HCL nests too deeply to parse") from e
    ev = _Evaluator(text)
    out = []
    for item in _body_items(tree):
        if item.data == "block":
            labels, body = ev.block(item)
            out.append(Block(labels[0], labels[1:], body, _line(item)))
    return out


def _trees(node: Tree[Any]) -> list[Tree[Any]]:
    return [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


def _body_items(tree: Tree[Any]) -> list[Tree[Any]]:
    body = next((c for c in _trees(tree) if c.data == "body"), tree)
    return [c for c in _trees(body) if c.data in ("attribute", "block")]


def _line(node: Tree[Any] | Token) -> int:
    if isinstance(node, Token):
        return node.line or 0
    return getattr(node.meta, "line", 0) or 0


def _unescape(chars: str) -> str:
    """A quoted string's escapes (`\\n`, `\\"`, `\\u00e9`, ...), undone as JSON undoes them."""
    if "\\" not in chars:
        return chars
    try:
        value = json.loads('"' + chars.replace("\t", "\\t").replace("\n", "\\n") + '"')
    except ValueError:
        return chars
    return value if isinstance(value, str) else chars


def _heredoc(token: Token) -> str:
    text = str(token)
    trim = text.startswith("<<-")
    lines = text.split("\n")
    body = lines[1:-2] if len(lines) >= 3 else []  # between the opening line and the closing marker
    body = [b.rstrip("\r") for b in body]
    if trim:
        indents = [len(b) - len(b.lstrip()) for b in body if b.strip()]
        cut = min(indents) if indents else 0
        body = [b[cut:] for b in body]
    value = "\n".join(body) + ("\n" if body else "")
    # A heredoc is a template like a quoted string: `$${` and `%%{` are the literal `${` and `%{` (Terraform's
    # "Strings and Templates"), so `"$${DB_PASSWORD}"` in a script is the reference `"${DB_PASSWORD}"`.
    value = value.replace("$${", "${").replace("%%{", "%{")
    first = (token.line or 0) + 1
    count = len(body)
    return Located(value, Origin(first, tuple(range(first, first + count)) if count > 1 else ()))


class _Evaluator:
    def __init__(self, text: str) -> None:
        self.text = text
        self.depth = 0

    def source(self, node: Tree[Any] | Token) -> str:
        if isinstance(node, Token):
            return str(node)
        meta = node.meta
        start, end = getattr(meta, "start_pos", None), getattr(meta, "end_pos", None)
        if isinstance(start, int) and isinstance(end, int):
            return self.text[start:end]
        return "?"

    def reference(self, node: Tree[Any] | Token) -> str:
        return Located("${" + " ".join(self.source(node).split()) + "}", Origin(_line(node)))

    def block(self, node: Tree[Any]) -> tuple[list[str], dict[str, Any]]:
        labels: list[str] = []
        body: dict[str, Any] = {}
        for child in node.children:
            if not isinstance(child, Tree) or child.data == "new_line_or_comment":
                continue
            if child.data == "body":
                body = self.body(child)
            elif child.data == "string":
                labels.append(str(self.value(child)))
            else:  # identifier, keyword or literal_value: a name
                labels.append(self.source(child).strip())
        return labels, body

    def body(self, node: Tree[Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for item in _trees(node):
            if item.data == "attribute":
                parts = _trees(item)
                if len(parts) >= 2:
                    out[self.source(parts[0]).strip()] = self.value(parts[-1])
            elif item.data == "block":
                labels, body = self.block(item)
                if labels:
                    key = labels[0] if labels[0] != "dynamic" else "dynamic"
                    out.setdefault(key, []).append(
                        body if len(labels) == 1 else {**body, "__labels__": labels[1:]}
                    )
        return out

    def value(self, node: Tree[Any] | Token) -> Any:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                return self.reference(node)
            return self._value(node)
        finally:
            self.depth -= 1

    def _value(self, node: Tree[Any] | Token) -> Any:
        if isinstance(node, Token):
            return self.reference(node)
        kind = node.data
        if kind == "expr_term":
            inner = _trees(node)
            return self.value(inner[0]) if len(inner) == 1 else self.reference(node)
        if kind == "string":
            return self.string(node)
        if kind in ("heredoc_template", "heredoc_template_trim"):
            token = next((c for c in node.children if isinstance(c, Token)), None)
            return _heredoc(token) if token is not None else self.reference(node)
        if kind == "int_lit":
            return int(self.source(node))
        if kind == "float_lit":
            return float(self.source(node))
        if kind == "literal_value":
            return {"true": True, "false": False}.get(self.source(node).strip())
        if kind == "tuple":
            return [self.value(c) for c in _trees(node)]
        if kind == "object":
            return self.object(node)
        if kind == "function_call":
            return self.call(node)
        return self.reference(node)

    def string(self, node: Tree[Any]) -> str:
        pieces: list[str] = []
        line = _line(node)
        for part in _trees(node):
            for child in part.children:
                if isinstance(child, Token):
                    if child.type == "STRING_CHARS":
                        pieces.append(Located(_unescape(str(child)), Origin(child.line or line)))
                    elif child.type in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
                        pieces.append(Located(str(child)[1:], Origin(child.line or line)))
                    continue
                if child.data == "interpolation":
                    inner = _trees(child)
                    value = self.value(inner[0]) if inner else None
                    if isinstance(value, str) and not value.startswith("${"):
                        pieces.append(value)  # "${"text"}" is the text
                    else:
                        pieces.append(Located(self.source(child), Origin(_line(child))))
                else:  # a template directive: %{ if ... }
                    pieces.append(Located(self.source(child), Origin(_line(child))))
        if not pieces:
            return Located("", Origin(line))
        return concat(pieces)

    def object(self, node: Tree[Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for elem in _trees(node):
            if elem.data != "object_elem":
                continue
            parts = _trees(elem)
            if len(parts) < 2:
                continue
            key_node = parts[0]
            key_inner = _trees(key_node)
            key_value = self.value(key_inner[0]) if key_inner else None
            if isinstance(key_value, str) and not key_value.startswith("${"):
                key = str(key_value)
            else:
                key = self.source(key_node).strip()
            out[key] = self.value(parts[-1])
        return out

    def call(self, node: Tree[Any]) -> Any:
        parts = _trees(node)
        name = self.source(parts[0]).strip() if parts else ""
        arguments = next((p for p in parts if p.data == "arguments"), None)
        args = [self.value(a) for a in _trees(arguments)] if arguments is not None else []
        texts = all(isinstance(a, str) and not a.startswith("${") for a in args)
        if name == "base64encode" and len(args) == 1 and texts:
            return as_base64(args[0])
        if name in ("trimspace", "chomp") and len(args) == 1 and texts:
            text = args[0].strip() if name == "trimspace" else args[0].rstrip("\r\n")
            return Located(text, Origin(_line(node))) if text != args[0] else args[0]
        if name == "jsonencode" and len(args) == 1 and not _has_reference(args[0]):
            return Located(json.dumps(_plain(args[0])), Origin(_line(node)))
        if name == "join" and len(args) == 2 and isinstance(args[1], list):
            separator = args[0]
            if isinstance(separator, str) and all(isinstance(a, str) for a in args[1]):
                pieces: list[str] = []
                for i, a in enumerate(args[1]):
                    pieces.extend([separator, a] if i else [a])
                return concat(pieces)
        return self.reference(node)


def _has_reference(value: Any) -> bool:
    if isinstance(value, str):
        return value.startswith("${")
    if isinstance(value, list):
        return any(_has_reference(v) for v in value)
    if isinstance(value, dict):
        return any(_has_reference(v) for v in value.values())
    return False


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value
