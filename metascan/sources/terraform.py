"""Terraform -> the API responses of the resources it manages.

Read by content: `terraform show -json` of a plan (`format_version` with `planned_values`; the resources as
planned and as deployed before it (`prior_state`), and the root module's variable defaults from
`configuration`) or of state (`format_version` with
`values`), a raw `terraform.tfstate` (version 4), `.tf.json` configuration, and `.tf` files (through
`hcl.py`).  All of them write a resource's attributes with the provider's names, nested blocks as lists of
objects, so one mapping serves them all:

* `aws_autoscaling_group` -> `AutoScalingGroups` (`tag` blocks and the older `tags` list; `launch_template`,
  `mixed_instances_policy`, `launch_configuration`), its `initial_lifecycle_hook` blocks -> `LifecycleHooks`;
* `aws_launch_template` -> `LaunchTemplates` (`tags`) and one `LaunchTemplateVersions` item (`user_data`,
  `tag_specifications`, `description` as the version's, block devices, network interfaces);
* `aws_launch_configuration` -> `LaunchConfigurations` (`user_data` is plain text, sent base64-encoded;
  `user_data_base64` as it is; state keeps only a SHA-1 of `user_data`, which is noted as not scanned);
* `aws_autoscaling_lifecycle_hook` -> `LifecycleHooks`; `aws_autoscaling_notification` ->
  `NotificationConfigurations`; `aws_autoscaling_schedule` -> `ScheduledUpdateGroupActions`;
* `aws_sns_topic` -> topic `Attributes`; `aws_sns_topic_subscription` -> `Subscriptions`;
* `variable` blocks -> `Parameters` (`default`; `sensitive` as `NoEcho`).

A resource is named by its real name or id where the document holds it (state), else by its name in the
configuration, else by its address (`aws_launch_template.web`).  References between resources
(`aws_launch_template.web.id`, `.latest_version`) link a group to the template version it launches.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from ..model import Located, Origin, origin_of
from . import hcl
from .hcl import Block, plain, untemplate
from .responses import Responses
from .textlines import as_base64, located

SCANNED = (
    "aws_autoscaling_group",
    "aws_launch_template",
    "aws_launch_configuration",
    "aws_autoscaling_lifecycle_hook",
    "aws_autoscaling_notification",
    "aws_autoscaling_schedule",
    "aws_sns_topic",
    "aws_sns_topic_subscription",
)
NO_RESOURCES = (
    "Terraform without Auto Scaling, launch template or SNS resources (aws_autoscaling_group,"
    " aws_launch_template, aws_launch_configuration, ...)"
)

_REF = re.compile(
    r"^\$\{((?:module\.[\w-]+(?:\[[^\]]*\])?\.)*(aws_[a-z0-9_]+\.[\w-]+))(?:\[[^\]]*\])?"
    r"\.(id|name|arn|latest_version|default_version)\}$"
)
_SHA1 = re.compile(r"^[0-9a-f]{40}$")

Resource = tuple[str, str, Mapping[str, Any], bool]  # type, address, attributes, deployed (state)


def is_terraform(doc: Any) -> bool:
    """Whether a decoded JSON document is Terraform's (`show -json`, a raw state, or `.tf.json`)."""
    if not isinstance(doc, dict):
        return False
    if "format_version" in doc and any(
        k in doc for k in ("planned_values", "values", "prior_state", "resource_changes", "configuration")
    ):
        return True
    if isinstance(doc.get("version"), int) and "terraform_version" in doc and "resources" in doc:
        return True
    blocks = doc.get("resource")
    return isinstance(blocks, dict) and all(
        isinstance(k, str) and re.fullmatch(r"[a-z0-9]+_[a-z0-9_]+", k) for k in blocks
    )


def _modules(module: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(module, dict):
        yield module
        for child in module.get("child_modules") or []:
            yield from _modules(child)


def _show_resources(root: Any, deployed: bool) -> Iterator[Resource]:
    for module in _modules(root):
        for r in module.get("resources") or []:
            if isinstance(r, dict) and r.get("mode", "managed") == "managed":
                values = r.get("values")
                if isinstance(values, dict):
                    yield str(r.get("type")), str(r.get("address")), values, deployed


def _state_resources(doc: Mapping[str, Any]) -> Iterator[Resource]:
    for r in doc.get("resources") or []:
        if not isinstance(r, dict) or r.get("mode", "managed") != "managed":
            continue
        module = f"{r['module']}." if isinstance(r.get("module"), str) else ""
        base = f"{module}{r.get('type')}.{r.get('name')}"
        for instance in r.get("instances") or []:
            if isinstance(instance, dict) and isinstance(instance.get("attributes"), dict):
                key = instance.get("index_key")
                address = base if key is None else f"{base}[{key!r}]".replace("'", '"')
                yield str(r.get("type")), address, instance["attributes"], True


def _config_resources(doc: Mapping[str, Any]) -> Iterator[Resource]:
    blocks = doc.get("resource")
    resources = [
        (str(rtype), f"{rtype}.{name}", body)
        for rtype, named in (blocks.items() if isinstance(blocks, dict) else [])
        for name, attrs in (named.items() if isinstance(named, dict) else [])
        for body in (attrs if isinstance(attrs, list) else [attrs])
        if isinstance(body, dict)
    ]
    evaluated = _evaluated_templates(doc.get("locals"), [body for _, _, body in resources])
    for rtype, address, body in resources:
        yield rtype, address, _untemplated(body, evaluated), False


def _untemplated(value: Any, evaluated: Mapping[int, Any] | None = None) -> Any:
    """A `.tf.json` attribute as Terraform reads it: its strings are templates, in which `$${` and `%%{` are
    the literal `${` and `%{` (as in a `.tf` file: hcl.py), and each interpolation is an expression.
    `evaluated`: the value of each string with interpolations (by `id`), as hcl.py evaluates the same
    template in a `.tf` file (`_evaluated_templates`).  Plans and state hold values, not templates."""
    if isinstance(value, str):
        done = evaluated.get(id(value)) if evaluated else None
        if done is not None:
            return done
        if "$${" not in value and "%%{" not in value:
            return value
        origin = origin_of(value)
        return Located(untemplate(value), origin) if origin is not None else untemplate(value)
    if isinstance(value, dict):
        return {k: _untemplated(v, evaluated) for k, v in value.items()}
    if isinstance(value, list):
        return [_untemplated(v, evaluated) for v in value]
    return value


# How many template strings of one `.tf.json` file are evaluated (each is an HCL attribute to parse).
MAX_JSON_TEMPLATES = 2000


def _evaluated_templates(local_values: Any, bodies: list[Any]) -> dict[int, Any]:
    """The strings of resource bodies that hold interpolations (`"${base64encode(\"...\")}"`,
    `"${local.db_password}"`), evaluated as hcl.py evaluates the same template in a `.tf` file, with the
    document's `locals` (an object, or a list of objects): by `id` of the string, each with the line of
    the string in the JSON document.  A string hcl.py cannot read, or whose value is not a string, is left
    to `_untemplated` (its interpolations stay as written: references)."""
    strings: list[str] = []

    def collect(value: Any) -> None:
        if isinstance(value, str):
            if ("${" in value or "%{" in value) and len(strings) < MAX_JSON_TEMPLATES:
                strings.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                collect(v)
        elif isinstance(value, list):
            for v in value:
                collect(v)

    try:
        for body in bodies:
            collect(body)
        if not strings:
            return {}
        tables = local_values if isinstance(local_values, list) else [local_values]
        lines = ["locals {"]
        for table in tables:
            for name, value in table.items() if isinstance(table, dict) else []:
                if _HCL_NAME.fullmatch(str(name)):
                    lines.append(f"  {name} = {_hcl_expression(value)}")
    except RecursionError:
        return {}  # (JSON nested near the interpreter's limit: its strings stay as written)
    lines.append("}")
    lines.append('resource "metascan_json" "templates" {')
    lines.extend(f"  t{i} = {_hcl_template(s)}" for i, s in enumerate(strings))
    lines.append("}")
    try:
        blocks = hcl.parse("\n".join(lines))
    except hcl.HclError:
        return {}
    body = next((b.body for b in blocks if b.labels == ["metascan_json", "templates"]), {})
    out: dict[int, Any] = {}
    for i, s in enumerate(strings):
        value = body.get(f"t{i}")
        if isinstance(value, str) and value != s:
            # The string's line in the JSON document (and base64encode's chain), never a line of the HCL
            # text made here; without one (a document read without positions) the field's line is looked
            # up as for any other value.
            origin, made = origin_of(s), origin_of(value)
            chain = made.chain if made is not None else ()
            value = Located(str(value), Origin(origin.line, (), chain)) if origin is not None else str(value)
            out[id(s)] = value
    return out


_HCL_NAME = re.compile(r"[A-Za-z_][\w-]*")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _hcl_template(text: str) -> str:
    """A `.tf.json` string as the quoted HCL template it stands for: its literal text escaped, each
    interpolation (`${...}`) and directive (`%{...}`) as written, up to its closing brace (strings inside
    it, with their own interpolations, skipped)."""
    out: list[str] = []
    i, n = 0, len(text)
    literal_until = 0  # an interpolation that does not close makes the text up to here literal
    while i < n:
        if text.startswith(("$${", "%%{"), i):
            out.append(text[i : i + 3])
            i += 3
            continue
        if i >= literal_until and text.startswith(("${", "%{"), i):
            end = _closing(text, i + 2)
            if end > 0:
                out.append(text[i:end])
                i = end
                continue
            # (none of the interpolations before the line break or the end closes either: each is read
            # once, so quoting is linear in the text's length)
            line_break = text.find("\n", i)
            literal_until = n if line_break < 0 else line_break
        if text.startswith(("${", "%{"), i):  # an opening that does not close: its text (`{` as \u007b,
            out.append(text[i] + "\\u007b")  # since HCL reads an escaped `$${` only up to a closing brace)
            i += 2
            continue
        out.append(_ESCAPES.get(text[i], text[i]))
        i += 1
    return '"' + "".join(out) + '"'


def _closing(text: str, i: int) -> int:
    """The index after the `}` that closes an interpolation whose expression starts at `i`; -1 if none (or
    a line break inside it, which a quoted HCL template cannot hold).  Strings inside the expression, and
    the interpolations inside those, are skipped (a stack, not recursion: the nesting may be deep)."""
    stack = [1]  # per level: open braces of an expression, or 0 for a string inside one
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            return -1
        if stack[-1] == 0:  # in a string
            if c == "\\":
                i += 1
            elif c == '"':
                stack.pop()
            elif text.startswith("${", i):
                stack.append(1)
                i += 1
        elif c == '"':
            stack.append(0)
        elif c == "{":
            stack[-1] += 1
        elif c == "}":
            stack[-1] -= 1
            if stack[-1] == 0:
                stack.pop()
                if not stack:
                    return i + 1
        i += 1
    return -1


def _hcl_expression(value: Any, depth: int = 0) -> str:
    """A `.tf.json` local value as the HCL expression it stands for (strings are templates); nested deeper
    than hcl.py evaluates, `null`."""
    if depth > hcl.MAX_DEPTH:
        return "null"
    if isinstance(value, str):
        return _hcl_template(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_hcl_expression(v, depth + 1) for v in value) + "]"
    if isinstance(value, dict):
        items = (f"{_hcl_template(str(k))} = {_hcl_expression(v, depth + 1)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    return "null"


def read_json(doc: Mapping[str, Any]) -> Responses:
    """The responses of a Terraform JSON document (see the module docstring)."""
    if "format_version" in doc:
        if isinstance(doc.get("planned_values"), dict):
            config = doc.get("configuration")
            root = config.get("root_module") if isinstance(config, dict) else None
            root = root if isinstance(root, dict) else {}
            expressions = {
                r.get("address"): r.get("expressions")
                for r in root.get("resources") or []
                if isinstance(r, dict) and isinstance(r.get("expressions"), dict)
            }
            resources = [
                (rtype, address, _with_references(attrs, expressions.get(address)), deployed)
                for rtype, address, attrs, deployed in _show_resources(
                    doc["planned_values"].get("root_module"), False
                )
            ]
            # what is deployed now (the plan changes it; until applied, it is what the account holds)
            prior = doc.get("prior_state")
            values = prior.get("values") if isinstance(prior, dict) else None
            if isinstance(values, dict):
                resources += _show_resources(values.get("root_module"), True)
            variables = root.get("variables")
        else:
            values = doc.get("values")
            resources = list(
                _show_resources(values.get("root_module") if isinstance(values, dict) else {}, True)
            )
            variables = None
        return _responses(resources, _json_variables(variables))
    if "terraform_version" in doc:
        return _responses(list(_state_resources(doc)), [])
    return _responses(list(_config_resources(doc)), _json_variables(doc.get("variable")))


def _with_references(values: Mapping[str, Any], expressions: Any) -> Mapping[str, Any]:
    """A plan's values with what is unknown until apply filled in from the configuration's references,
    as `.tf` files write them: `launch_template { id = aws_launch_template.web.id }` -> that reference."""
    if not isinstance(expressions, dict):
        return values
    out = dict(values)
    for key, expr in expressions.items():
        current = out.get(key)
        if isinstance(expr, dict) and current is None:
            refs = expr.get("references")
            if isinstance(refs, list) and refs and isinstance(refs[0], str):
                out[key] = "${" + refs[0] + "}"
        elif isinstance(expr, list) and isinstance(current, list):
            out[key] = [
                _with_references(v, e) if isinstance(v, dict) else v
                for v, e in zip(current, expr + [None] * (len(current) - len(expr)), strict=False)
            ]
    return out


def read_blocks(blocks: list[Block]) -> Responses:
    """The responses of the blocks of `.tf` files: resources, variables, and what the registry's autoscaling
    module makes of a `module` block's inputs (`registry_asg`); a note for each other `module` block (see
    `module_notes`)."""
    resources: list[Resource] = []
    variables: list[dict[str, Any]] = []
    for b in blocks:
        if b.type == "resource" and len(b.labels) == 2:
            resources.append((b.labels[0], f"{b.labels[0]}.{b.labels[1]}", b.body, False))
        elif b.type == "module" and b.labels and is_registry_asg(b.body.get("source")):
            resources.extend(registry_asg(b.labels[0], b.body))
        elif b.type == "variable" and b.labels:
            variables.append(_parameter(b.labels[0], b.body.get("default"), b.body.get("sensitive")))
    out = _responses(resources, [v for v in variables if v])
    out.notes.extend(module_notes(blocks))
    return out


def module_notes(blocks: list[Block]) -> list[str]:
    """What a `.tf` file's `module` blocks hide: the resources a module makes (the registry's autoscaling
    module makes the group and its launch template from `user_data`, `tags`, ...) are not in the file, and
    metascan does not evaluate modules.  A plan (`terraform show -json`) holds them."""
    notes = []
    for b in blocks:
        if b.type == "module" and b.labels and not is_registry_asg(b.body.get("source")):
            source = b.body.get("source")
            shown = _without_credentials(source) if isinstance(source, str) else None
            origin = f" ({shown})" if shown and not shown.startswith("${") else ""
            notes.append(
                f'module "{b.labels[0]}"{origin} not evaluated: the resources it makes are read from a plan'
                " (terraform show -json), not from .tf files"
            )
    return notes


# The registry's autoscaling module (terraform-aws-modules/autoscaling/aws), by its registry address or its
# repository, after `_without_credentials` (no query, no `?ref=`).
_REGISTRY_ASG = re.compile(
    r"(?:^|[/:])terraform-aws-modules/(?:autoscaling/aws|terraform-aws-autoscaling(?:\.git)?)(?://?)?$"
)


def is_registry_asg(source: Any) -> bool:
    return isinstance(source, str) and _REGISTRY_ASG.search(_without_credentials(source)) is not None


def registry_asg(label: str, m: Mapping[str, Any]) -> list[Resource]:
    """The resources the registry's autoscaling module (v5 and later; its `main.tf`) makes of a module
    block's inputs, with the attributes they get from them (addresses `module.LABEL.aws_*.this`):

    * `aws_launch_template` (unless `create_launch_template = false`): `launch_template_name` or `name`,
      `launch_template_description`, `user_data` (base64, as the resource takes it; `user_data_base64` in
      releases before 6), `merge(tags, launch_template_tags)`, `tag_specifications` (each merged with
      `tags`), `block_device_mappings`, `network_interfaces`, `key_name`, `image_id`, the instance profile;
    * `aws_autoscaling_group`: `name`, `context`, `placement_group`, the tags `merge(tags, {Name =
      coalesce(instance_name, name)}, autoscaling_group_tags)`, `initial_lifecycle_hooks`, and the launch
      template it makes (else `launch_template_id`);
    * `aws_autoscaling_schedule` for each entry of `schedules` (named by its key).

    Nothing with `create = false`.  Inputs the module passes on unchanged are read as they are written;
    what is not a literal (a variable, another module's output) stays a reference, as in a resource."""
    if _bool(m.get("create")) is False:
        return []
    prefix = f"module.{label}."
    group_address = f"{prefix}aws_autoscaling_group.this"
    template_address = f"{prefix}aws_launch_template.this"
    name = m.get("name")
    tags = _map(m.get("tags"))
    out: list[Resource] = []
    group: dict[str, Any] = {
        "name": name,
        "context": m.get("context"),
        "placement_group": m.get("placement_group"),
        "initial_lifecycle_hook": _blocks(m, "initial_lifecycle_hooks"),
    }
    kept = m.get("autoscaling_group_tags_not_propagate_at_launch")
    not_propagated = {str(k) for k in kept} if isinstance(kept, list) else set()
    group_tags = {
        **tags,
        "Name": _coalesce(m.get("instance_name"), name),
        **_map(m.get("autoscaling_group_tags")),
    }
    group["tag"] = [
        {"key": k, "value": v, "propagate_at_launch": str(k) not in not_propagated}
        for k, v in group_tags.items()
        if v is not None
    ]
    if _bool(m.get("create_launch_template")) is not False:
        profile = {"name": m.get("iam_instance_profile_name"), "arn": m.get("iam_instance_profile_arn")}
        template = {
            "name": _coalesce(m.get("launch_template_name"), name),
            "description": m.get("launch_template_description"),
            "user_data": _coalesce(m.get("user_data"), m.get("user_data_base64")),
            "tags": {**tags, **_map(m.get("launch_template_tags"))},
            "tag_specifications": [
                {"resource_type": s.get("resource_type"), "tags": {**tags, **_map(s.get("tags"))}}
                for s in _blocks(m, "tag_specifications")
            ],
            "block_device_mappings": _blocks(m, "block_device_mappings"),
            "network_interfaces": _blocks(m, "network_interfaces"),
            "key_name": m.get("key_name"),
            "image_id": m.get("image_id"),
            "iam_instance_profile": [profile] if any(map(_text, profile.values())) else [],
        }
        out.append(("aws_launch_template", template_address, template, False))
        group["launch_template"] = {
            "id": "${" + template_address + ".id}",
            "version": _coalesce(
                m.get("launch_template_version"), "${" + template_address + ".latest_version}"
            ),
        }
    else:
        group["launch_template"] = {
            "id": m.get("launch_template_id"),
            "version": m.get("launch_template_version"),
        }
    out.append(("aws_autoscaling_group", group_address, group, False))
    for key, schedule in _map(m.get("schedules")).items():
        action = located(str(key), _first_string(schedule) if isinstance(schedule, dict | list) else None)
        attrs = {"scheduled_action_name": action, "autoscaling_group_name": "${" + group_address + ".name}"}
        out.append(
            ("aws_autoscaling_schedule", f"{prefix}aws_autoscaling_schedule.this[{key!r}]", attrs, False)
        )
    return out


def _map(value: Any) -> dict[Any, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _coalesce(*values: Any) -> Any:
    """Terraform's `coalesce`: the first value that is not null or empty (the last one else)."""
    return next((v for v in values if _text(v)), values[-1])


# A module source's credentials (`git::https://user:TOKEN@host/...`) and query (`?ref=...&token=...`).
_SOURCE_SECRETS = re.compile(r"(?<=://)[^/@?#]*@|[?#].*$")


def _without_credentials(source: str) -> str:
    """A module source as it may be printed: no user, password or token in the URL, no query."""
    return _SOURCE_SECRETS.sub("", source)


def _json_variables(variables: Any) -> list[dict[str, Any]]:
    out = []
    for name, v in variables.items() if isinstance(variables, dict) else []:
        body = v[0] if isinstance(v, list) and v and isinstance(v[0], dict) else v
        if isinstance(body, dict):
            item = _parameter(str(name), body.get("default"), body.get("sensitive"))
            if item:
                out.append(item)
    return out


def _parameter(name: str, default: Any, sensitive: Any, field: str = "DefaultValue") -> dict[str, Any]:
    item: dict[str, Any] = {"ParameterKey": name}
    if isinstance(default, str) and not default.startswith("${"):
        item[field] = default
    elif isinstance(default, int | float) and not isinstance(default, bool):
        item[field] = located(str(default), default)
    elif isinstance(default, dict | list) and default:
        # A map or list (a variable's default tags, with an owner's email): its JSON text, keys and all, on
        # the line of its first string.
        item[field] = located(json.dumps(plain(default), ensure_ascii=False), _first_string(default))
    if sensitive is True or sensitive == "true":
        item["NoEcho"] = True
    return item


def _first_string(value: Any) -> Any:
    if isinstance(value, str):
        return value
    for v in value.values() if isinstance(value, dict) else value if isinstance(value, list) else []:
        found = _first_string(v)
        if found is not None:
            return found
    return None


def read_tfvars(values: Mapping[str, Any]) -> Responses:
    """The responses of a `.tfvars` file: each variable's value, as a parameter's `ParameterValue`."""
    return _responses([], [_parameter(name, value, None, "ParameterValue") for name, value in values.items()])


# --- attribute helpers -----------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value if value else None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return located(str(value), value)
    return None


def _block(attrs: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """The first of a nested block (a list of one object in Terraform's JSON), or {}."""
    value = attrs.get(key)
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return value[0]
    return value if isinstance(value, dict) else {}


def _blocks(attrs: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = attrs.get(key)
    if isinstance(value, dict):
        return [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _tag_list(tags: Any) -> list[dict[str, Any]]:
    """`{key: value}` as the API's `[{Key, Value}]`."""
    if not isinstance(tags, dict):
        return []
    return [{"Key": str(k), "Value": _text(v)} for k, v in tags.items() if not str(k).startswith("__")]


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _is_reference(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("${") and value.endswith("}")


class _Mapper:
    def __init__(self, resources: list[Resource]) -> None:
        self.resources = resources
        self.names: dict[str, str] = {}  # address -> the id or name the resource is known by
        self.out = Responses()
        for rtype, address, attrs, _ in resources:
            if rtype == "aws_launch_template":
                self.names[address] = str(_text(attrs.get("id")) or address)
            elif rtype in SCANNED:
                name = _text(attrs.get("name"))
                self.names[address] = str(name) if name and not _is_reference(name) else address
        self.template_names = {
            address: str(_text(attrs.get("name")) or address)
            for rtype, address, attrs, _ in resources
            if rtype == "aws_launch_template"
        }

    def target(self, value: Any, attribute: str = "id") -> str | None:
        """A reference to another resource (`aws_launch_template.web.id`) as that resource's id."""
        if isinstance(value, str):
            m = _REF.match(value)
            # (the whole address, as `registry_asg` writes its references, else the resource's own)
            address = next((a for a in m.groups()[:2] if a in self.names), None) if m else None
            if m and address is not None:
                name = self.template_names.get(address) if m.group(3) == "name" else None
                return located(name or self.names[address], value)
        return _text(value)

    def version(self, value: Any) -> str | None:
        if isinstance(value, str):
            m = _REF.match(value)
            if m and m.group(3) == "latest_version":
                return "$Latest"
            if m and m.group(3) == "default_version":
                return "$Default"
        return _text(value)

    def spec(self, block: Mapping[str, Any], id_key: str, name_key: str) -> dict[str, Any]:
        spec = {
            "LaunchTemplateId": self.target(block.get(id_key)),
            "LaunchTemplateName": self.target(block.get(name_key), "name"),
            "Version": self.version(block.get("version")),
        }
        return {k: v for k, v in spec.items() if v is not None and not _is_reference(v)}

    def user_data(self, value: Any, encode: bool, what: str) -> str | None:
        """User data as the API returns it (base64); a reference is not scanned (its text is elsewhere)."""
        if not isinstance(value, str) or not value or _is_reference(value):
            return None
        if encode:
            return as_base64(value)
        return value

    def run(self) -> Responses:
        for rtype, address, attrs, deployed in self.resources:
            handler = getattr(self, "_" + rtype.removeprefix("aws_"), None)
            if rtype in SCANNED and handler is not None:
                handler(address, attrs, deployed)
        return self.out

    # --- one method per resource type ----------------------------------------------------------------------

    def _autoscaling_group(self, address: str, a: Mapping[str, Any], deployed: bool) -> None:
        name = self.names[address]
        written = _text(a.get("name"))
        tags = [
            {
                "Key": _text(t.get("key")),
                "Value": _text(t.get("value")),
                "PropagateAtLaunch": t.get("propagate_at_launch"),
            }
            for t in [*_blocks(a, "tag"), *_blocks(a, "tags")]
        ]
        group: dict[str, Any] = {
            "AutoScalingGroupName": written if written and written == name else name,
            "Tags": tags,
        }
        if _text(a.get("arn")):
            group["AutoScalingGroupARN"] = a["arn"]
        spec = self.spec(_block(a, "launch_template"), "id", "name")
        if spec:
            group["LaunchTemplate"] = spec
        configuration = self.target(a.get("launch_configuration"), "name")
        if configuration and not _is_reference(configuration):
            group["LaunchConfigurationName"] = configuration
        mip = _block(_block(a, "mixed_instances_policy"), "launch_template")
        if mip:
            first = self.spec(
                _block(mip, "launch_template_specification"), "launch_template_id", "launch_template_name"
            )
            overrides = [
                {
                    "LaunchTemplateSpecification": self.spec(
                        _block(o, "launch_template_specification"),
                        "launch_template_id",
                        "launch_template_name",
                    )
                }
                for o in _blocks(mip, "override")
            ]
            group["MixedInstancesPolicy"] = {
                "LaunchTemplate": {"LaunchTemplateSpecification": first, "Overrides": overrides}
            }
        for key, api in (("load_balancers", "LoadBalancerNames"), ("target_group_arns", "TargetGroupARNs")):
            values = a.get(key)
            if isinstance(values, list):
                group[api] = [_text(v) for v in values if not _is_reference(v)]
        for key, api in (("placement_group", "PlacementGroup"), ("context", "Context")):
            if _text(a.get(key)) and not _is_reference(a.get(key)):
                group[api] = a[key]
        self.out.groups.append(group)
        for hook in _blocks(a, "initial_lifecycle_hook"):
            self.out.hooks.append(self._hook(name, hook, _text(hook.get("name")) or "?"))

    def _hook(self, group: str, h: Mapping[str, Any], name: str) -> dict[str, Any]:
        return {
            "AutoScalingGroupName": group,
            "LifecycleHookName": name,
            "LifecycleTransition": _text(h.get("lifecycle_transition")),
            "NotificationMetadata": _text(h.get("notification_metadata")),
            "NotificationTargetARN": self.target(h.get("notification_target_arn"), "arn"),
            "RoleARN": _text(h.get("role_arn")),
        }

    def _autoscaling_lifecycle_hook(self, address: str, a: Mapping[str, Any], deployed: bool) -> None:
        group = self.target(a.get("autoscaling_group_name"), "name") or "?"
        self.out.hooks.append(self._hook(group, a, self.names[address]))

    def _launch_template(self, address: str, a: Mapping[str, Any], deployed: bool) -> None:
        lt_id = located(self.names[address], a.get("id") or a.get("name"))
        name = _text(a.get("name")) or located(address, a.get("name_prefix"))
        latest = a.get("latest_version") if isinstance(a.get("latest_version"), int) else 1
        default = a.get("default_version") if isinstance(a.get("default_version"), int) else latest
        self.out.templates.append(
            {
                "LaunchTemplateId": lt_id,
                "LaunchTemplateName": name,
                "DefaultVersionNumber": default,
                "LatestVersionNumber": latest,
                "Tags": _tag_list(a.get("tags")),
            }
        )
        profile = _block(a, "iam_instance_profile")
        data: dict[str, Any] = {
            "UserData": self.user_data(a.get("user_data"), False, "user_data"),
            "KeyName": _text(a.get("key_name")),
            "ImageId": _text(a.get("image_id")),
            "IamInstanceProfile": {"Name": _text(profile.get("name")), "Arn": _text(profile.get("arn"))}
            if profile
            else None,
            "TagSpecifications": [
                {"ResourceType": _text(s.get("resource_type")), "Tags": _tag_list(s.get("tags"))}
                for s in _blocks(a, "tag_specifications")
            ],
            "NetworkInterfaces": [
                {"Description": _text(n.get("description"))} for n in _blocks(a, "network_interfaces")
            ],
            "BlockDeviceMappings": [
                _mapping(m.get("device_name"), _block(m, "ebs"), m)
                for m in _blocks(a, "block_device_mappings")
            ],
        }
        version = {
            "LaunchTemplateId": lt_id,
            "LaunchTemplateName": name,
            "VersionNumber": latest,
            "DefaultVersion": default == latest,
            "VersionDescription": _text(a.get("description")),
            "LaunchTemplateData": {k: v for k, v in data.items() if v is not None},
        }
        self.out.versions.append({k: v for k, v in version.items() if v is not None})

    def _launch_configuration(self, address: str, a: Mapping[str, Any], deployed: bool) -> None:
        user_data = a.get("user_data")
        encoded = a.get("user_data_base64")
        if isinstance(encoded, str) and encoded and not _is_reference(encoded):
            value: str | None = encoded
        elif isinstance(user_data, str) and _SHA1.match(user_data):
            value = None
            self.out.notes.append(
                f"{address}: user_data holds only the SHA-1 Terraform keeps of launch configuration user"
                " data; scan the .tf files that set it"
            )
        else:
            value = self.user_data(user_data, True, "user_data")
        mappings = [_mapping(m.get("device_name"), m, m) for m in _blocks(a, "ebs_block_device")]
        mappings += [_mapping("root", m, m) for m in _blocks(a, "root_block_device")]
        configuration = {
            "LaunchConfigurationName": self.names[address],
            "LaunchConfigurationARN": _text(a.get("arn")),
            "UserData": value,
            "KeyName": _text(a.get("key_name")),
            "ImageId": _text(a.get("image_id")),
            "IamInstanceProfile": _text(a.get("iam_instance_profile")),
            "BlockDeviceMappings": mappings,
        }
        self.out.configurations.append({k: v for k, v in configuration.items() if v is not None})

    def _autoscaling_notification(self, address: str, a: Mapping[str, Any], deployed: bool) -> None:
        topic = self.target(a.get("topic_arn"), "arn")
        types = a.get("notifications")
        first = types[0] if isinstance(types, list) and types else None
        groups = a.get("group_names")
        for group in groups if isinstance(groups, list) else []:
            name = self.target(group, "name")
            if name and topic:
                self.out.notifications.append(
                    {"AutoScalingGroupName": name, "TopicARN": topic, "NotificationType": _text(first)}
                )

    def _autoscaling_schedule(self, address: str, a: Mapping[str, Any], deployed: bool) -> None:
        action = {
            "AutoScalingGroupName": self.target(a.get("autoscaling_group_name"), "name") or "?",
            "ScheduledActionName": _text(a.get("scheduled_action_name")) or address,
            "ScheduledActionARN": _text(a.get("arn")),
        }
        self.out.scheduled.append({k: v for k, v in action.items() if v is not None})

    def _sns_topic(self, address: str, a: Mapping[str, Any], deployed: bool) -> None:
        arn = _text(a.get("arn"))
        attributes = {
            "TopicArn": arn if arn and not _is_reference(arn) else self.names[address],
            "DisplayName": _text(a.get("display_name")),
        }
        self.out.topics.append({k: v for k, v in attributes.items() if v is not None})

    def _sns_topic_subscription(self, address: str, a: Mapping[str, Any], deployed: bool) -> None:
        arn = _text(a.get("arn"))
        subscription = {
            "SubscriptionArn": arn if arn and deployed else "PendingConfirmation",
            "TopicArn": self.target(a.get("topic_arn"), "arn") or "?",
            "Protocol": _text(a.get("protocol")),
            "Endpoint": _text(a.get("endpoint")),
            "FilterPolicy": _text(a.get("filter_policy")),
            "SubscriptionRoleArn": _text(a.get("subscription_role_arn")),
        }
        self.out.subscriptions.append({k: v for k, v in subscription.items() if v is not None})


def _mapping(device: Any, ebs: Mapping[str, Any], mapping: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"DeviceName": _text(device) or "?"}
    if _text(mapping.get("virtual_name")):
        out["VirtualName"] = mapping["virtual_name"]
        return out
    if _text(mapping.get("no_device")):
        out["NoDevice"] = ""
        return out
    volume = {
        "Encrypted": _bool(ebs.get("encrypted")),
        "KmsKeyId": _text(ebs.get("kms_key_id")),
        "SnapshotId": _text(ebs.get("snapshot_id")),
    }
    out["Ebs"] = {k: v for k, v in volume.items() if v is not None and not _is_reference(v)}
    return out


def responses_of(resources: list[Resource], parameters: list[dict[str, Any]]) -> Responses:
    """The responses of resources given as Terraform's (type, address, attributes, deployed), and of
    parameters (tools bridged from Terraform's provider: `pulumi.py`, `kubernetes.py`)."""
    return _responses(resources, parameters)


def _responses(resources: list[Resource], parameters: list[dict[str, Any]]) -> Responses:
    out = _Mapper(resources).run()
    out.parameters = parameters
    return out
