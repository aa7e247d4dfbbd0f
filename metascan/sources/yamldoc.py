"""YAML text -> Python values that remember their lines, within bounds.

Used for CloudFormation templates written in YAML and for AWS CLI output saved with `--output yaml` (or
`yaml-stream`).  The text is composed into nodes by libyaml where PyYAML has it (which also refuses nesting
deeper than 1,000 levels), then built into values here:

* every string is a `Located` string and every integer a `LocatedInt`, with the line the value starts on and,
  for a literal block (`|`), the line of each of its lines;
* CloudFormation's short-form tags become the long form: `!Ref X` -> `{"Ref": "X"}`, `!GetAtt A.B` ->
  `{"Fn::GetAtt": ["A", "B"]}`, `!Condition C` -> `{"Condition": "C"}`, and every other `!Name v` ->
  `{"Fn::Name": v}` (`!Sub`, `!Base64`, `!Join`, `!If`, `!Select`, `!ImportValue`, `!FindInMap`, `!Split`,
  `!Cidr`, `!GetAZs`, `!And`, `!Or`, `!Not`, `!Equals`, ...);
* anchors and aliases are bounded: an alias shares its anchor's node, so a few hundred bytes can stand for
  billions of values (an "alias bomb").  Before anything is built, the size of every document with its
  aliases expanded is counted (once per node); a document that would grow more than
  `MAX_ALIAS_GROWTH` times (plus `ALIAS_ALLOWANCE` values), or whose alias refers to itself, is refused with a
  `YamlError`.  CloudFormation itself accepts no aliases; CLI output never has any.

Timestamps and other YAML types are kept as the text written (`2012-10-17` stays a string).
"""

from __future__ import annotations

import re
from typing import Any, Protocol

import yaml

from ..model import Located, LocatedInt, Origin

MAX_ALIAS_GROWTH = 10  # expanded values per value written
ALIAS_ALLOWANCE = 10_000

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# PyYAML's own scalar readers (YAML 1.1 ints, floats, booleans, null).  These methods keep no state (unlike
# construct_object, which remembers every node it built), so one instance serves every document.
_SCALARS = yaml.constructor.SafeConstructor()
_INT = "tag:yaml.org,2002:int"
_PLAIN = {
    "tag:yaml.org,2002:float": _SCALARS.construct_yaml_float,
    "tag:yaml.org,2002:bool": _SCALARS.construct_yaml_bool,
    "tag:yaml.org,2002:null": _SCALARS.construct_yaml_null,
}
_MERGE = "tag:yaml.org,2002:merge"


class YamlError(Exception):
    """The text is not YAML metascan will read; the message is one line."""


class _Dups(Protocol):
    def hook(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]: ...


def load_all(text: str, duplicates: _Dups | None = None) -> list[Any]:
    """The documents of a YAML text (empty documents left out).  A key given twice in one mapping is
    resolved by `duplicates.hook` (see `jsonguard.Duplicates`, which notes it); without one the last value
    wins, as in PyYAML."""
    try:
        nodes = [n for n in yaml.compose_all(text, Loader=_Loader) if n is not None]
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise YamlError(f"invalid YAML{where}: {_unquoted(e.problem or e.context or '')}") from e
    except yaml.YAMLError as e:
        raise YamlError(f"invalid YAML: {_unquoted(str(e).splitlines()[0])}") from e
    except RecursionError as e:
        raise YamlError("YAML nests too deeply to parse") from e
    out = []
    for node in nodes:
        _check_aliases(node)
        try:
            out.append(_build(node, duplicates))
        except RecursionError as e:
            raise YamlError("YAML nests too deeply to read") from e
    return out


_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"")
_GRAMMAR = re.compile(r"<[a-z ]+>|[^A-Za-z0-9]")


def _unquoted(problem: str) -> str:
    """PyYAML's description of a problem without the input it quotes (a character, an alias name, a
    line of a file): the message says what and where, never the text (`<block end>` and one punctuation
    character of the grammar, `','`, stay)."""

    def keep(m: re.Match[str]) -> str:
        inner = m.group(1) if m.group(1) is not None else m.group(2)
        return m.group(0) if _GRAMMAR.fullmatch(inner) else "(input left out)"

    return _QUOTED.sub(keep, problem)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _check_aliases(root: yaml.Node) -> None:
    """Refuse a document whose aliases expand it beyond the bound, or that contains itself."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            open_nodes.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in _children(node))
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            raise YamlError(
                f"YAML alias at line {node.start_mark.line + 1} refers to a value that contains it"
            )
        open_nodes.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in open_nodes:
                raise YamlError(
                    f"YAML alias at line {child.start_mark.line + 1} refers to a value that contains it"
                )
            if id(child) not in sizes:
                stack.append((child, False))
    distinct = len(sizes)
    limit = MAX_ALIAS_GROWTH * distinct + ALIAS_ALLOWANCE
    if sizes[id(root)] > limit:
        raise YamlError(
            f"YAML aliases expand {distinct} values to more than {limit}: refused (an alias bomb?)"
        )


def _origin(node: yaml.ScalarNode) -> Origin:
    line = node.start_mark.line + 1
    if node.style not in ("|", ">"):
        return Origin(line)
    first = line + 1  # a block scalar's text starts on the line after its indicator
    count = node.value.count("\n") + (0 if node.value.endswith("\n") else 1)
    if node.style == "|" and count > 1:
        return Origin(first, tuple(range(first, first + count)))
    return Origin(first)


def _scalar(node: yaml.ScalarNode) -> Any:
    tag = node.tag
    if tag == _INT:
        try:
            return LocatedInt(_SCALARS.construct_yaml_int(node), _origin(node))
        except (ValueError, yaml.YAMLError):
            return Located(node.value, _origin(node))
    read = _PLAIN.get(tag)
    if read is not None:
        try:
            return read(node)
        except (ValueError, yaml.YAMLError):
            pass
    return Located(node.value, _origin(node))


def _cfn_tag(tag: str, value: Any, node: yaml.Node) -> Any:
    """CloudFormation's short form (`!Ref X`) as its long form (`{"Ref": "X"}`)."""
    name = tag[1:]
    if name == "Ref" or name == "Condition":
        return {name: value}
    if name == "GetAtt" and isinstance(value, str):
        resource, _, attribute = value.partition(".")
        origin = _origin(node) if isinstance(node, yaml.ScalarNode) else Origin(node.start_mark.line + 1)
        return {"Fn::GetAtt": [Located(resource, origin), Located(attribute, origin)]}
    return {f"Fn::{name}": value}


def _build(node: yaml.Node, dups: _Dups | None = None) -> Any:
    tag = node.tag or ""
    if isinstance(node, yaml.ScalarNode):
        value: Any = Located(node.value, _origin(node)) if tag.startswith("!") else _scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = [_build(n, dups) for n in node.value]
    else:
        value = _mapping(node, dups)
    if tag.startswith("!") and not tag.startswith("!!"):
        return _cfn_tag(tag, value, node)
    return value


def _mapping(node: yaml.Node, dups: _Dups | None = None) -> dict[str, Any]:
    pairs: list[tuple[str, Any]] = []
    merged: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE:  # `<<: *base` (or a list of them): the keys written here win
            for source in value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]:
                built = _build(source, dups)
                if isinstance(built, dict):
                    merged.update({k: v for k, v in built.items() if k not in merged})
            continue
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(_build(key_node, dups))
        pairs.append((str(key), _build(value_node, dups)))
    out = dups.hook(pairs) if dups is not None else dict(pairs)
    for k, v in merged.items():
        out.setdefault(k, v)
    return out
