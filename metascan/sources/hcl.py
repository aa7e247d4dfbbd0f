"""Terraform's `.tf` files (HCL2) -> blocks whose attributes are values that remember their lines.

The text is parsed by python-hcl2 (its Lark grammar, positions on) and the parse tree is evaluated here, only
as far as a literal goes: quoted strings (escapes undone), heredocs (`<<EOT`, and `<<-EOT` with the common
indent removed; their escapes `$${` and `%%{` undone), numbers, booleans, lists and objects,
`base64encode(...)`, `base64gzip(...)`, `jsonencode(...)`, `join(...)`, `merge(...)`, `toset(...)`,
`trimspace(...)`, `chomp(...)`, `sensitive(...)` and `tostring(...)` of literals, `local.NAME` (see
`Locals`: in a heredoc, a one-line literal), `for` expressions, `dynamic` blocks and resources' `for_each`
over literal collections, `file()`, `filebase64()` and `templatefile()` of a file in the module's folder
(`ModuleFiles`), and the user data `template_file` and `cloudinit_config` data sources render
(`RENDERED`).  Everything else, `var.x`, resource attributes, other functions, conditionals, is a
reference: it is kept as the text `${...}` of its source, which detectors never take for a secret.  Other
interpolations in strings and heredocs stay as written.

Every string is `Located`: a heredoc line by line, so a finding in user data points at its line in the file;
`base64encode` of a text gives the base64 the API returns, with those lines kept for the decoded text.
A nested block (`tag { ... }`, `launch_template { ... }`) is a list of objects under its type, as Terraform's
JSON output writes it, so state, plans and `.tf` files are read by the same mapping (`terraform.py`).
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lark import Token, Tree
from lark.exceptions import LarkError

from ..model import Located, Origin, origin_of
from .textlines import as_base64, concat, located

MAX_DEPTH = 200  # nested expressions evaluated; deeper ones are references
MAX_LOCAL_CHAIN = 50  # locals whose values name locals, followed; a longer chain is a reference


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


def parse(text: str, module: Callable[[], Locals] | None = None, folder: Path | None = None) -> list[Block]:
    """The top-level blocks of a `.tf` file (top-level attributes, as in `.tfvars`, are left out).

    `local.NAME` is the value of the local value of that name, when it is a literal (see `Locals`): defined
    in this file, else in the rest of its module (`module()`, asked once, the first time this file's own
    locals lack a name).  `folder`: the file's folder, where `file()`, `filebase64()` and `templatefile()`
    read (see `ModuleFiles`); None (standard input): they are references."""
    tree = _tree(text)
    scope = Locals()
    ev = _Evaluator(text, scope, ModuleFiles(folder) if folder is not None else None)
    scope.add(ev, tree)
    scope.fallback = module
    out: list[Block] = []
    for item in _body_items(tree):
        if item.data != "block":
            continue
        kind = ev.source(_trees(item)[0]).strip() if _trees(item) else ""
        if kind not in EVALUATED:  # (locals and data sources are evaluated where they are used)
            out.append(Block(kind, [], {}, _line(item)))
            continue
        out.extend(Block(labels[0], labels[1:], body, _line(item)) for labels, body in ev.instances(item))
    return out


# The top-level blocks whose bodies are evaluated: what `terraform.read_blocks` reads.
EVALUATED = frozenset({"resource", "variable", "module"})


def parse_values(text: str) -> dict[str, Any]:
    """The top-level attributes of a `.tfvars` file (variable name -> value), evaluated as far as literals go
    (a `.tfvars` file has no locals and reads no files)."""
    tree = _tree(text)
    ev = _Evaluator(text)
    out: dict[str, Any] = {}
    for item in _body_items(tree):
        parts = _trees(item) if item.data == "attribute" else []
        if len(parts) >= 2:
            out[ev.source(parts[0]).strip()] = ev.value(parts[-1])
    return out


def _tree(text: str) -> Tree[Any]:
    import hcl2  # python-hcl2: its grammar, positions included

    try:
        return hcl2.parses_to_tree(text)
    except LarkError as e:
        line = getattr(e, "line", None)
        where = f" at line {line}" if isinstance(line, int) and line > 0 else ""
        detail = _HCL_PROBLEMS.get(type(e).__name__, "cannot be parsed")  # lark's text quotes the input
        raise HclError(f"invalid HCL{where}: {detail}") from e
    except RecursionError as e:
        raise HclError("HCL nests too deeply to parse") from e


_UNKNOWN: Any = object()  # an expression that is not a literal metascan can evaluate

# What evaluating one file (with its module's locals) may make: characters of the values locals, files and
# data sources give each time they are used, and entries of `for`, `for_each` and `dynamic`.  Locals that
# double each other (`a = "${local.b}${local.b}"`) or nested `for`s would otherwise make gigabytes from
# a small file; past this, what is left is a reference.
EVALUATION_BUDGET = 32 * 1024 * 1024


class _Budget:
    __slots__ = ("left",)

    def __init__(self) -> None:
        self.left = EVALUATION_BUDGET

    def spend(self, value: Any) -> bool:
        """Whether `value` (its characters; for a container, those of all it holds) fits in what is left."""
        self.left -= _size(value, self.left + 1)
        return self.left >= 0

    def spend_count(self, n: int) -> bool:
        """Whether `n` more characters or entries fit in what is left."""
        self.left -= n
        return self.left >= 0


def _size(value: Any, limit: int) -> int:
    """The characters of a value (of its strings, keys included), counted up to `limit`."""
    if isinstance(value, str):
        return len(value)
    total = 1
    items = (
        list(value.items()) if isinstance(value, dict) else value if isinstance(value, list | tuple) else []
    )
    for item in items:
        total += _size(item, limit - total)
        if total > limit:
            break
    return total


# The data sources whose `rendered` attribute is user data metascan can make from literals.
RENDERED = ("template_file", "cloudinit_config")


class Locals:
    """The local values (`locals { name = ... }`) of a Terraform module, evaluated when first named.

    A local is what its expression evaluates to: a literal (`"Qw7-Lp3"`, a map of tags), or, as anywhere
    else, `${...}` for what depends on variables, resources or functions metascan does not evaluate.  Each
    is evaluated once, by the evaluator of the file that defines it; one that names itself (through others)
    is a reference.  A value defined in another file of the module carries no line of that file: whoever
    uses it gives it the line of the use (`Locals.of`)."""

    def __init__(self) -> None:
        self.nodes: dict[str, tuple[_Evaluator, Tree[Any]]] = {}
        self.values: dict[str, Any] = {}
        self.busy: set[str] = set()
        self.fallback: Callable[[], Locals] | None = None  # the module's other files, asked once
        self._other: Locals | None = None
        self.budget = _Budget()  # shared by every evaluator of the file (and of the module's files)

    def add(self, ev: _Evaluator, tree: Tree[Any]) -> None:
        """The `locals` blocks of a file's tree (a name defined twice: the first; Terraform refuses both),
        and its data sources that render user data (`RENDERED`), named `data.TYPE.NAME`."""
        for item in _body_items(tree):
            if item.data != "block" or not _trees(item):
                continue
            kind = ev.source(_trees(item)[0]).strip()
            if kind == "data":
                labels = [c for c in _trees(item) if c.data == "string"]
                names = [str(ev.value(c)) for c in labels]
                if len(names) == 2 and names[0] in RENDERED:
                    self.nodes.setdefault(f"data.{names[0]}.{names[1]}", (ev, item))
            if kind == "locals":
                body = next((c for c in _trees(item) if c.data == "body"), None)
                for attr in _trees(body) if body is not None else []:
                    parts = _trees(attr) if attr.data == "attribute" else []
                    if len(parts) >= 2:
                        self.nodes.setdefault(ev.source(parts[0]).strip(), (ev, parts[-1]))

    def get(self, name: str) -> tuple[Any, bool]:
        """The value of `local.NAME` and whether this file defines it; `_UNKNOWN` when no file does."""
        if name in self.nodes:
            return self._own(name), True
        if self.fallback is not None:
            self._other, self.fallback = self.fallback(), None
        return (self._other._own(name) if self._other is not None else _UNKNOWN), False

    def _own(self, name: str) -> Any:
        if name in self.values:
            return self.values[name]
        if name in self.busy or name not in self.nodes or len(self.busy) >= MAX_LOCAL_CHAIN:
            return _UNKNOWN  # (a cycle, or a chain of locals naming locals too long to follow)
        ev, node = self.nodes[name]
        self.busy.add(name)
        try:
            value = ev.rendered(node) if name.startswith("data.") else ev.value(node)
        finally:
            self.busy.discard(name)
        self.values[name] = value
        return value

    @classmethod
    def of(cls, texts: Iterable[str], folder: Path | None = None) -> Locals:
        """The locals of the files of a module, in `folder` (a text that is not HCL is left out: its own scan
        says so)."""
        scope = cls()
        files = ModuleFiles(folder) if folder is not None else None
        for text in texts:
            try:
                tree = _tree(text)
            except HclError:
                continue
            scope.add(_Evaluator(text, scope, files), tree)
        return scope


def _identifier(node: Tree[Any] | None) -> Tree[Any] | None:
    """The identifier an expression is, when it is a bare name (`k`, `key`)."""
    if node is None:
        return None
    if node.data == "identifier":
        return node
    inner = _trees(node) if node.data == "expr_term" else []
    return inner[0] if len(inner) == 1 and inner[0].data == "identifier" else None


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


# In a heredoc, in one pass: the escapes `$${` and `%%{`, and `${local.NAME}` (a literal local on one line
# takes its place; anything else stays as written).
_HEREDOC_SEQUENCE = re.compile(r"\$\$\{|%%\{|\$\{[ \t]*local\.([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\}")


def _heredoc(token: Token, scope: Locals | None = None) -> str:
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

    def local(name: str) -> str | None:
        found = scope.get(name)[0] if scope is not None else _UNKNOWN
        if (
            isinstance(found, str)
            and "\n" not in found
            and not found.startswith("${")
            and scope is not None
            and scope.budget.spend(found)
        ):
            return str(found)  # (the heredoc's lines stay as they are: its origin still holds)
        return None

    value = _fill(_HEREDOC_SEQUENCE, value, local)
    first = (token.line or 0) + 1
    count = len(body)
    return Located(value, Origin(first, tuple(range(first, first + count)) if count > 1 else ()))


class ModuleFiles:
    """The files a module's `file("${path.module}/boot.sh")`, `filebase64(...)` and `templatefile(...)` read:
    how user data is most often given in Terraform.  Only a literal path (after `${path.module}/`,
    `${path.root}/` or `${path.cwd}/`) to a file inside the `.tf` file's folder or below it, of at most
    `MAX_BYTES` (user data is at most 16 KB), is read; anything else stays a reference.  Reading never
    fails a scan: a file that cannot be read is a reference too."""

    MAX_BYTES = 1024 * 1024
    _PREFIXES = ("${path.module}/", "${path.root}/", "${path.cwd}/")

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def read(self, path: str) -> bytes | None:
        for prefix in self._PREFIXES:
            if path.startswith(prefix):
                path = path[len(prefix) :]
                break
        if "${" in path or "%{" in path or not path or Path(path).is_absolute():
            return None
        try:
            root = self.folder.resolve()
            target = (root / path).resolve()
            if not target.is_relative_to(root) or not target.is_file():
                return None
            if target.stat().st_size > self.MAX_BYTES:
                return None
            return target.read_bytes()
        except (OSError, ValueError, RuntimeError):  # (RuntimeError: a symlink loop, from resolve())
            return None


# A template's `${NAME}` of a variable `templatefile` is given, and its escapes.
_TEMPLATE_SEQUENCE = re.compile(r"\$\$\{|%%\{|\$\{[ \t]*([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\}")


def _fill(pattern: re.Pattern[str], template: str, value_of: Callable[[str], str | None]) -> str:
    """A template's escapes `$${` and `%%{` undone and each interpolation `pattern` names (its group 1)
    replaced by `value_of(name)`, in one pass; one whose value is None, a reference, stays as written."""

    def sequence(m: re.Match[str]) -> str:
        if m.group(1) is None:
            return m.group()[1:]
        found = value_of(m.group(1))
        return found if found is not None and not found.startswith("${") else m.group()

    return pattern.sub(sequence, template)


def _render(template: str, variables: dict[str, Any]) -> str:
    """`templatefile`'s text: each `${name}` of a literal string variable replaced, escapes undone; other
    interpolations and directives stay as written (references)."""
    return _fill(
        _TEMPLATE_SEQUENCE, template, lambda name: v if isinstance(v := variables.get(name), str) else None
    )


def untemplate(text: str) -> str:
    """A template string with its escapes undone and its interpolations as written (a `.tf.json` string)."""
    return _fill(_TEMPLATE_SEQUENCE, text, lambda name: None)


class _Evaluator:
    def __init__(self, text: str, scope: Locals | None = None, files: ModuleFiles | None = None) -> None:
        self.text = text
        self.depth = 0
        self.scope = scope
        self.files = files
        self.iteration: dict[str, tuple[Any, Any]] = {}  # a dynamic block's iterator: (key, value)
        self.budget = scope.budget if scope is not None else _Budget()
        self.bindings: dict[str, Any] = {}  # the names a `for` expression binds

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
                made = self.dynamic(item)
                if made is not None:
                    out.setdefault(made[0], []).extend(made[1])
                    continue
                labels, body = self.block(item)
                if labels:
                    key = labels[0] if labels[0] != "dynamic" else "dynamic"
                    out.setdefault(key, []).append(
                        body if len(labels) == 1 else {**body, "__labels__": labels[1:]}
                    )
        return out

    def instances(self, node: Tree[Any]) -> list[tuple[list[str], dict[str, Any]]]:
        """A top-level block, or, for a resource with `for_each` over a literal map or set of strings, each
        instance it makes (`each.key`, `each.value`; its name `NAME["KEY"]`, Terraform's address)."""
        labels, body = self.block(node)
        collection = body.get("for_each") if labels and labels[0] == "resource" else None
        if isinstance(collection, dict):
            entries = list(collection.items())
        elif isinstance(collection, list) and all(isinstance(v, str) for v in collection):
            entries = [(v, v) for v in dict.fromkeys(collection)]  # a set: each.key is each.value
        else:
            return [(labels, body)]
        if not self.budget.spend_count(len(entries)):
            return [(labels, body)]
        made = []
        outer = self.iteration.pop("each", None)
        try:
            for key, value in entries:
                self.iteration["each"] = (key, value)
                each_labels, each_body = self.block(node)
                each_body.pop("for_each", None)
                made.append(([*each_labels[:-1], f'{each_labels[-1]}["{key}"]'], each_body))
        finally:
            self.iteration.pop("each", None)
            if outer is not None:
                self.iteration["each"] = outer
        return made

    def dynamic(self, node: Tree[Any]) -> tuple[str, list[dict[str, Any]]] | None:
        """`dynamic "tag" { for_each = C; content { ... } }` over a literal map or list `C`, as the blocks it
        makes (`tag.key` and `tag.value`, or the `iterator`'s name, are each entry's); None for any other
        block, or a collection metascan cannot evaluate (then the block stays as written, under "dynamic")."""
        parts = _trees(node)
        if len(parts) < 3 or self.source(parts[0]).strip() != "dynamic":
            return None
        label = str(self.value(parts[1])) if parts[1].data == "string" else self.source(parts[1]).strip()
        body = next((c for c in parts if c.data == "body"), None)
        attrs: dict[str, Tree[Any]] = {}
        content = None
        for item in _trees(body) if body is not None else []:
            inner = _trees(item)
            if item.data == "attribute" and len(inner) >= 2:
                attrs[self.source(inner[0]).strip()] = inner[-1]
            elif item.data == "block" and inner and self.source(inner[0]).strip() == "content":
                content = next((c for c in inner if c.data == "body"), None)
        if content is None or "for_each" not in attrs:
            return None
        entries = _entries(self.value(attrs["for_each"]))
        if entries is None or not self.budget.spend_count(len(entries)):
            return None
        name = self.source(attrs["iterator"]).strip() if "iterator" in attrs else label
        outer = self.iteration.get(name)
        made = []
        try:
            for entry in entries:
                self.iteration[name] = entry
                made.append(self.body(content))
        finally:
            if outer is None:
                self.iteration.pop(name, None)
            else:
                self.iteration[name] = outer
        return label, made

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
            return _heredoc(token, self.scope) if token is not None else self.reference(node)
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
        if kind == "get_attr_expr_term":
            found = self.attribute(node)
            return self.reference(node) if found is _UNKNOWN else found
        if kind == "identifier" and self.bindings:
            name = self.source(node).strip()
            if name in self.bindings:
                return self.bindings[name]
        if kind in ("for_tuple_expr", "for_object_expr"):
            made = self.comprehension(node)
            return self.reference(node) if made is _UNKNOWN else made
        return self.reference(node)

    def comprehension(self, node: Tree[Any]) -> Any:
        """`[for k, v in C : X]` and `{for k, v in C : K => V}` over a literal map or list `C`, without an
        `if` or grouping (`...`), as the list or map they make; else `_UNKNOWN`."""
        parts = _trees(node)
        intro = parts[0] if parts and parts[0].data == "for_intro" else None
        if intro is None or any(p.data == "for_cond" for p in parts) or "..." in self.source(node):
            return _UNKNOWN
        names = [self.source(c).strip() for c in _trees(intro) if c.data == "identifier"]
        sources = [c for c in _trees(intro) if c.data != "identifier"]
        if not 1 <= len(names) <= 2 or len(sources) != 1:
            return _UNKNOWN
        entries = _entries(self.value(sources[0]))
        if entries is None or not self.budget.spend_count(len(entries)):
            return _UNKNOWN
        exprs = parts[1:]
        tuple_form = node.data == "for_tuple_expr"
        if len(exprs) != (1 if tuple_form else 2):
            return _UNKNOWN
        outer = dict(self.bindings)
        made_list: list[Any] = []
        made_map: dict[str, Any] = {}
        try:
            for key, value in entries:
                self.bindings.update(zip(names, (key, value) if len(names) == 2 else (value,), strict=True))
                if tuple_form:
                    made_list.append(self.value(exprs[0]))
                    continue
                made_key = self.value(exprs[0])
                if not isinstance(made_key, str) or made_key.startswith("${"):
                    return _UNKNOWN
                made_map[str(made_key)] = self.value(exprs[1])
        finally:
            self.bindings = outer
        return made_list if tuple_form else made_map

    def read_file(self, name: str, args: list[Any], line: int) -> str | None:
        """`file(p)`, `filebase64(p)` or `templatefile(p, vars)` of a file of the module (`ModuleFiles`), as
        the text (or base64) Terraform makes of it, with the line of the call; None when not read."""
        data = self.files.read(str(args[0])) if self.files is not None else None
        if data is None or not self.budget.spend_count(len(data)):
            return None
        if name == "filebase64":  # any bytes: a gzipped cloud-config too
            encoded = base64.b64encode(data).decode("ascii")
            return Located(encoded, Origin(line, (), ("base64",)))
        try:
            text = data.decode("utf-8")  # (Terraform's file() and templatefile() read UTF-8 only)
        except UnicodeDecodeError:
            return None
        if name == "templatefile":
            variables = args[1] if len(args) > 1 and isinstance(args[1], dict) else {}
            text = _render(text, variables)
        return Located(text, Origin(line))

    def rendered(self, node: Tree[Any]) -> Any:
        """What `data.template_file.NAME.rendered` or `data.cloudinit_config.NAME.rendered` is: the template
        with its literal `vars` filled in; the cloud-init MIME multipart of the parts (base64-encoded unless
        `base64_encode = false`; not gzipped: the text is the same).  `_UNKNOWN` when not a literal."""
        labels, body = self.block(node)
        if labels[1:2] == ["template_file"]:
            template = body.get("template")
            if not isinstance(template, str) or template.startswith("${"):
                return _UNKNOWN
            variables = body.get("vars")
            return located(_render(template, variables if isinstance(variables, dict) else {}), template)
        parts = [p for p in body.get("part", []) if isinstance(p, dict) and isinstance(p.get("content"), str)]
        if not parts:
            return _UNKNOWN
        boundary = body.get("boundary") if isinstance(body.get("boundary"), str) else "MIMEBOUNDARY"
        pieces: list[str] = [f'Content-Type: multipart/mixed; boundary="{boundary}"\nMIME-Version: 1.0\n\n']
        for part in parts:
            kind = part.get("content_type") if isinstance(part.get("content_type"), str) else "text/plain"
            pieces.append(f"--{boundary}\nContent-Type: {kind}\nMIME-Version: 1.0\n\n")
            pieces.append(part["content"])
            pieces.append("\n")
        pieces.append(f"--{boundary}--\n")
        text = concat(pieces)
        return text if body.get("base64_encode") is False else as_base64(text)

    def _chain(self, node: Tree[Any]) -> list[str] | None:
        """`a.b.c` as ["a", "b", "c"]; None for anything but names joined by dots."""
        if node.data == "expr_term":
            inner = _trees(node)
            if len(inner) == 1 and inner[0].data == "identifier":
                return [self.source(inner[0]).strip()]
            return self._chain(inner[0]) if len(inner) == 1 else None
        parts = _trees(node)
        if node.data != "get_attr_expr_term" or len(parts) != 2 or parts[1].data != "get_attr":
            return None
        head = self._chain(parts[0])
        names = _trees(parts[1])
        return [*head, self.source(names[0]).strip()] if head is not None and names else None

    def attribute(self, node: Tree[Any]) -> Any:
        """`local.NAME` (and `local.NAME.KEY` of a map), a dynamic block's `tag.key` and `tag.value`, as their
        values, else `_UNKNOWN`."""
        parts = _trees(node)
        if len(parts) != 2 or parts[1].data != "get_attr" or not _trees(parts[1]):
            return _UNKNOWN
        chain = self._chain(node) if self.scope is not None else None
        if chain is not None and len(chain) == 4 and chain[0] == "data" and chain[3] == "rendered":
            assert self.scope is not None
            value, own = self.scope.get(".".join(chain[:3]))
            if value is _UNKNOWN or not self.budget.spend(value):
                return _UNKNOWN
            return value if own else _relocated(value, _line(node))
        name = self.source(_trees(parts[1])[0]).strip()
        inner = _trees(parts[0]) if parts[0].data == "expr_term" else []
        if len(inner) != 1:
            return _UNKNOWN
        if (
            self.scope is not None
            and inner[0].data == "identifier"
            and self.source(inner[0]).strip() == "local"
        ):
            value, own = self.scope.get(name)
            if value is _UNKNOWN or not self.budget.spend(value):
                return _UNKNOWN
            return value if own else _relocated(value, _line(node))
        if inner[0].data == "identifier" and self.iteration:
            entry = self.iteration.get(self.source(inner[0]).strip())
            if entry is not None and name in ("key", "value"):
                return entry[0] if name == "key" else entry[1]
        if inner[0].data == "get_attr_expr_term":
            base = self.attribute(inner[0])
            if isinstance(base, dict) and name in base:
                return base[name]
        return _UNKNOWN

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
            if _identifier(key_inner[0] if key_inner else None) is not None:
                out[self.source(key_node).strip()] = self.value(parts[-1])  # `{ key = k }`: a name, not k
                continue
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
        if name == "base64gzip" and len(args) == 1 and texts:  # user data EC2 and cloud-init unzip
            packed = gzip.compress(str(args[0]).encode("utf-8"), mtime=0)
            origin = origin_of(args[0])
            encoded = base64.b64encode(packed).decode("ascii")
            return Located(encoded, Origin(origin.line)) if origin is not None else encoded
        if name in ("sensitive", "nonsensitive", "tostring") and len(args) == 1:
            return args[0]  # the value itself (`sensitive("...")` only hides it from Terraform's output)
        if name in ("file", "filebase64", "templatefile") and args and isinstance(args[0], str):
            read = self.read_file(name, args, _line(node))
            if read is not None:
                return read
        if name in ("trimspace", "chomp") and len(args) == 1 and texts:
            text = args[0].strip() if name == "trimspace" else args[0].rstrip("\r\n")
            return Located(text, Origin(_line(node))) if text != args[0] else args[0]
        if name == "jsonencode" and len(args) == 1 and not _has_reference(args[0]):
            return Located(json.dumps(plain(args[0])), Origin(_line(node)))
        if name == "toset" and len(args) == 1 and isinstance(args[0], list):
            return list(dict.fromkeys(args[0])) if all(isinstance(a, str) for a in args[0]) else args[0]
        maps = [a for a in args if isinstance(a, dict)]
        if (
            name == "merge"
            and maps
            and all(isinstance(a, dict) or (isinstance(a, str) and _has_reference(a)) for a in args)
        ):
            # (a map that is a reference, `var.extra_tags`, adds what metascan cannot know: the entries the
            # code writes are merged all the same, since they are in the code whatever it overrides)
            merged: dict[str, Any] = {}
            for a in maps:
                merged.update(a)
            return merged
        if name == "join" and len(args) == 2 and isinstance(args[1], list):
            separator = args[0]
            if isinstance(separator, str) and all(isinstance(a, str) for a in args[1]):
                pieces: list[str] = []
                for i, a in enumerate(args[1]):
                    pieces.extend([separator, a] if i else [a])
                return concat(pieces)
        return self.reference(node)


def _entries(collection: Any) -> list[tuple[Any, Any]] | None:
    """What `for` and `dynamic` iterate over: a map's keys and values, a list's indexes and items."""
    if isinstance(collection, dict):
        return list(collection.items())
    if isinstance(collection, list):
        return list(enumerate(collection))
    return None


def _relocated(value: Any, line: int) -> Any:
    """A value from another file, its strings given the line of the expression that uses it."""
    if isinstance(value, str):
        return Located(str(value), Origin(line))
    if isinstance(value, dict):
        return {k: _relocated(v, line) for k, v in value.items()}
    if isinstance(value, list):
        return [_relocated(v, line) for v in value]
    return value


def _has_reference(value: Any) -> bool:
    if isinstance(value, str):
        return value.startswith("${")
    if isinstance(value, list):
        return any(_has_reference(v) for v in value)
    if isinstance(value, dict):
        return any(_has_reference(v) for v in value.values())
    return False


def plain(value: Any) -> Any:
    """A value with plain `str`s (no `Located`), for `json.dumps`."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value
