"""CloudFormation templates (JSON or YAML; SAM and CDK output too) -> the API responses of their stack.

A template is recognised by its content: `AWSTemplateFormatVersion`, or `Resources` whose entries have AWS
`Type`s.  Each resource metascan scans becomes the item the AWS API would return for it once deployed, so the
extractors, detectors and checks apply unchanged and findings carry the same resource types and field paths
as a scan of the live stack:

* `AWS::AutoScaling::AutoScalingGroup` -> `AutoScalingGroups`; its `LifecycleHookSpecificationList` ->
  `LifecycleHooks` and its `NotificationConfigurations` -> `NotificationConfigurations`;
* `AWS::AutoScaling::LaunchConfiguration` -> `LaunchConfigurations`;
* `AWS::AutoScaling::LifecycleHook` -> `LifecycleHooks`;
* `AWS::EC2::LaunchTemplate` -> `LaunchTemplates` (with its `launch-template` tags) and one
  `LaunchTemplateVersions` item: version 1, the default;
* `AWS::SNS::Topic` -> the `Attributes` of `get-topic-attributes`, its inline `Subscription` list ->
  `Subscriptions`; `AWS::SNS::Subscription` -> `Subscriptions`;
* the template's `Parameters` -> `Parameters` as `get-template-summary` gives them (`DefaultValue`,
  `NoEcho`).

A resource is named as AWS would name it where the template says (`AutoScalingGroupName`,
`LaunchTemplateName`, ...), else by its logical id; a launch template's id is its logical id.

Intrinsic functions are rendered as the literal text they leave, with every reference kept as a
placeholder: `{"Ref": "DbPassword"}` -> `${DbPassword}`, `Fn::GetAtt` -> `${Res.Attr}`, `Fn::ImportValue` ->
`${ImportValue:Name}`; `Fn::Sub` keeps its `${...}` (and fills in variables given as literal text),
`Fn::Join` joins, `Fn::Select` and `Fn::FindInMap` pick literal values, `Fn::If` keeps both branches (lists
are joined, texts put one after the other), `AWS::NoValue` removes the property.  User data under
`Fn::Base64` is base64-encoded as CloudFormation sends it.  Detectors treat `${...}` as a reference, never as
a secret.  Strings keep the line they were written on (`Located`), so findings point at the template's line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..model import Located, Origin, origin_of
from .responses import Responses
from .textlines import as_base64, concat, located

GROUP = "AWS::AutoScaling::AutoScalingGroup"
CONFIGURATION = "AWS::AutoScaling::LaunchConfiguration"
HOOK = "AWS::AutoScaling::LifecycleHook"
TEMPLATE = "AWS::EC2::LaunchTemplate"
TOPIC = "AWS::SNS::Topic"
SUBSCRIPTION = "AWS::SNS::Subscription"
SCANNED = (GROUP, CONFIGURATION, HOOK, TEMPLATE, TOPIC, SUBSCRIPTION)

NO_RESOURCES = (
    "looks like a CloudFormation template but has no Auto Scaling, launch template or SNS resources"
    f" ({', '.join(SCANNED)})"
)


class _NoValue:
    """`AWS::NoValue`: the property is left out."""


NOVALUE = _NoValue()


def is_template(doc: Any) -> bool:
    """Whether a decoded document is a CloudFormation template (by content, not by file name)."""
    if not isinstance(doc, dict):
        return False
    if "AWSTemplateFormatVersion" in doc:
        return True
    resources = doc.get("Resources")
    if not isinstance(resources, dict) or not resources:
        return False
    return any(
        isinstance(r, dict) and isinstance(r.get("Type"), str) and "::" in r["Type"]
        for r in resources.values()
    )


def embedded(doc: Any) -> Any:
    """A template inside another document, else None: the `TemplateBody` of `aws cloudformation
    get-template` or `get-generated-template` (a string: JSON or YAML text; or the object the CLI printed
    for a JSON template) and the `resources` section of a Serverless Framework service (`serverless.yml`:
    `service`, `provider`, and CloudFormation's `Resources` and `Outputs` under `resources`, a mapping or a
    list of them)."""
    if not isinstance(doc, dict):
        return None
    body = doc.get("TemplateBody")
    # (`get-generated-template`, the IaC generator's template of existing resources, adds its `Status`)
    if body is not None and set(doc) <= {"TemplateBody", "StagesAvailable", "Status", "ResponseMetadata"}:
        return body if isinstance(body, str) or is_template(body) else None
    section = doc.get("resources")
    if "service" in doc and "provider" in doc and section is not None:
        parts = section if isinstance(section, list) else [section]
        merged: dict[str, Any] = {}
        for part in parts:
            if isinstance(part, dict):
                for key, value in part.items():
                    if isinstance(value, dict) and isinstance(merged.get(key), dict):
                        merged[key] = {**merged[key], **value}
                    else:
                        merged[key] = value
        return merged if is_template(merged) else None
    return None


def parameter_values(doc: Any) -> dict[str, Any] | None:
    """The values a stack is given, else None: a parameters file (`--parameters file://...`, StackSets':
    a list of `ParameterKey`/`ParameterValue`) or a template configuration file (CodePipeline's:
    `Parameters` and `Tags` as maps of strings, and a `StackPolicy`).  A stack's tags are put on every
    resource it makes that takes tags: they are read as values given too (`Tags.<key>`)."""
    if isinstance(doc, list):
        if not doc or not all(isinstance(p, dict) and isinstance(p.get("ParameterKey"), str) for p in doc):
            return None
        return {
            p["ParameterKey"]: p.get("ParameterValue") for p in doc if p.get("ParameterValue") is not None
        }
    if not isinstance(doc, dict) or not doc or not set(doc) <= {"Parameters", "Tags", "StackPolicy"}:
        return None
    sections = [doc.get("Parameters"), doc.get("Tags")]
    if not any(isinstance(x, dict) for x in sections) or not all(
        x is None or (isinstance(x, dict) and all(not isinstance(v, dict | list) for v in x.values()))
        for x in sections
    ):
        return None
    values = dict(doc.get("Parameters") or {})
    values.update({f"Tags.{k}": v for k, v in (doc.get("Tags") or {}).items()})
    return values


def has_scanned_resources(template: Mapping[str, Any]) -> bool:
    resources = template.get("Resources")
    return isinstance(resources, dict) and any(
        isinstance(r, dict) and r.get("Type") in SCANNED for r in resources.values()
    )


def _placeholder(name: str, like: object) -> str:
    return located("${" + name + "}", like)


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and not isinstance(value, bool)


class _Renderer:
    """Intrinsic functions -> values, with references kept as `${...}` placeholders."""

    def __init__(self, template: Mapping[str, Any]) -> None:
        self.template = template
        mappings = template.get("Mappings")
        self.mappings: Mapping[str, Any] = mappings if isinstance(mappings, dict) else {}
        self.names: dict[str, str] = {}  # logical id -> the name a scanned resource is known by
        self.depth = 0

    # --- values --------------------------------------------------------------------------------------

    def value(self, v: Any) -> Any:
        """A property's value with its intrinsic functions rendered (NOVALUE: leave the property out)."""
        if isinstance(v, list):
            out = [self.value(x) for x in v]
            return [x for x in out if x is not NOVALUE]
        if not isinstance(v, dict):
            return v
        if len(v) == 1:
            ((fn, arg),) = v.items()
            if fn == "Ref" or fn == "Condition" or fn.startswith("Fn::"):
                return self._function(fn, arg, v)
        out_d = {k: self.value(x) for k, x in v.items()}
        return {k: x for k, x in out_d.items() if x is not NOVALUE}

    def text(self, v: Any) -> str | None:
        """A property's value as the text it leaves (None: absent)."""
        value = self.value(v)
        if value is None or value is NOVALUE:
            return None
        if _is_text(value):
            return str(value) if origin_of(value) is None else value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return located(str(value), value)
        return located(json.dumps(_plain(value), sort_keys=True), _first_origin(value))

    def user_data(self, v: Any) -> str | None:
        """User data as the API returns it: base64; `Fn::Base64` of a text is encoded here."""
        if isinstance(v, dict) and len(v) == 1 and "Fn::Base64" in v:
            text = self.text(v["Fn::Base64"])
            return as_base64(text) if text is not None else None
        return self.text(v)

    def target(self, v: Any) -> str | None:
        """The name of the template resource a `Ref` or `Fn::GetAtt` points to, else the value's text."""
        if isinstance(v, dict) and len(v) == 1:
            ((fn, arg),) = v.items()
            logical = (
                arg
                if fn == "Ref"
                else arg[0]
                if fn == "Fn::GetAtt" and isinstance(arg, list) and arg
                else None
            )
            if isinstance(logical, str) and logical in self.names:
                return located(self.names[logical], logical)
        return self.text(v)

    def version(self, v: Any) -> str | None:
        """A launch template version: `Fn::GetAtt LT.LatestVersionNumber` is `$Latest`, `...Default...`
        `$Default`."""
        if isinstance(v, dict) and isinstance(v.get("Fn::GetAtt"), list) and len(v["Fn::GetAtt"]) == 2:
            attribute = v["Fn::GetAtt"][1]
            if attribute == "LatestVersionNumber":
                return "$Latest"
            if attribute == "DefaultVersionNumber":
                return "$Default"
        return self.text(v)

    # --- intrinsic functions -------------------------------------------------------------------------

    def _function(self, fn: str, arg: Any, whole: Any) -> Any:
        self.depth += 1
        try:
            if self.depth > 64:
                return _placeholder(fn, arg)
            return self._apply(fn, arg)
        finally:
            self.depth -= 1

    def _apply(self, fn: str, arg: Any) -> Any:
        if fn == "Ref":
            if arg == "AWS::NoValue":
                return NOVALUE
            return _placeholder(str(arg), arg)
        if fn == "Fn::GetAtt":
            parts = arg if isinstance(arg, list) else [arg]
            return _placeholder(".".join(str(self.text(p) or "") for p in parts), parts[0] if parts else arg)
        if fn == "Fn::Sub":
            return self._sub(arg)
        if fn == "Fn::Join":
            return self._join(arg)
        if fn == "Fn::Base64":
            return self.value(arg)
        if fn == "Fn::If":
            return self._if(arg)
        if fn == "Fn::Select":
            return self._select(arg)
        if fn == "Fn::FindInMap":
            return self._find_in_map(arg)
        if fn == "Fn::ImportValue":
            return _placeholder(f"ImportValue:{self.text(arg)}", arg)
        if fn == "Fn::ToJsonString":
            value = self.value(arg)
            return located(json.dumps(_plain(value), sort_keys=True), _first_origin(arg))
        name = fn.removeprefix("Fn::")
        return _placeholder(name, _first_origin(arg) or arg)  # Split, Cidr, GetAZs, conditions, ...

    def _sub(self, arg: Any) -> Any:
        if isinstance(arg, list) and arg:
            text, variables = arg[0], arg[1] if len(arg) > 1 and isinstance(arg[1], dict) else {}
        else:
            text, variables = arg, {}
        if not _is_text(text):
            return self.value(text)
        pieces: list[str] = []
        i = 0
        while i < len(text):
            start = text.find("${", i)
            if start == -1:
                pieces.append(_slice(text, i, len(text)))
                break
            end = text.find("}", start)
            if end == -1:
                pieces.append(_slice(text, i, len(text)))
                break
            pieces.append(_slice(text, i, start))
            name = text[start + 2 : end]
            if name.startswith("!"):  # ${!Literal} is the text ${Literal}
                pieces.append(_slice(text, start, start + 2) + name[1:] + "}")
            elif name.strip() in variables:
                value = self.text(variables[name.strip()])
                pieces.append(value if value is not None else "")
            else:
                pieces.append(_slice(text, start, end + 1))
            i = end + 1
        return concat(pieces)

    def _join(self, arg: Any) -> Any:
        if not isinstance(arg, list) or len(arg) != 2:
            return _placeholder("Join", arg)
        delimiter = self.text(arg[0]) or ""
        parts = self.value(arg[1])
        if not isinstance(parts, list):
            return self.text(arg[1]) or ""
        texts: list[str] = []
        for i, part in enumerate(parts):
            if i:
                texts.append(delimiter)
            texts.append(self.text(part) or "")
        return concat(texts)

    def _if(self, arg: Any) -> Any:
        if not isinstance(arg, list) or len(arg) != 3:
            return _placeholder("If", arg)
        a, b = self.value(arg[1]), self.value(arg[2])
        if a is NOVALUE or a is None:
            return b
        if b is NOVALUE or b is None:
            return a
        if isinstance(a, list) and isinstance(b, list):
            return a + b
        if _is_text(a) and _is_text(b):
            return a if a == b else concat([a, "\n", b])  # both branches are scanned
        return a

    def _select(self, arg: Any) -> Any:
        if isinstance(arg, list) and len(arg) == 2:
            options = self.value(arg[1])
            try:
                index = int(str(self.value(arg[0])))
            except ValueError:
                index = -1
            if isinstance(options, list) and 0 <= index < len(options):
                return options[index]
        return _placeholder("Select", arg)

    def _find_in_map(self, arg: Any) -> Any:
        if isinstance(arg, list) and len(arg) >= 3:
            keys = [self.text(a) for a in arg[:3]]
            node: Any = self.mappings
            for key in keys:
                node = node.get(key) if isinstance(node, dict) and key is not None else None
            if node is not None:
                return self.value(node)
            return _placeholder(".".join(k or "?" for k in keys), arg[0])
        return _placeholder("FindInMap", arg)


def _slice(text: str, start: int, end: int) -> str:
    """Part of a `Located` text, with the lines of that part."""
    part = text[start:end]
    origin = origin_of(text)
    if origin is None or not part:
        return part
    first = text.count("\n", 0, start)
    if origin.lines:
        lines = origin.lines[first : first + part.count("\n") + 1]
        return Located(part, Origin(lines[0], lines if len(set(lines)) > 1 else ())) if lines else part
    return Located(part, Origin(origin.line))


def _plain(value: Any) -> Any:
    """A rendered value with plain types, for JSON text."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return value
    if isinstance(value, int):
        return int(value)
    return str(value)


def _first_origin(value: Any) -> Any:
    """The first value inside `value` that knows its line (to give a text made from it that line)."""
    if origin_of(value) is not None:
        return value
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for item in items:
        found = _first_origin(item)
        if found is not None:
            return found
    return None


def _bool(value: Any) -> Any:
    """`Encrypted: "true"` as the API returns it: a boolean."""
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def _tags(r: _Renderer, tags: Any) -> list[dict[str, Any]]:
    """`[{Key, Value, ...}]` (or CDK/SAM's `{key: value}`) rendered."""
    if isinstance(tags, dict) and not any(k == "Ref" or k.startswith("Fn::") for k in tags):
        tags = [{"Key": k, "Value": v} for k, v in tags.items()]
    rendered = r.value(tags)
    out = []
    for tag in rendered if isinstance(rendered, list) else []:
        if isinstance(tag, dict):
            out.append({**tag, "Key": r.text(tag.get("Key")), "Value": r.text(tag.get("Value"))})
    return out


def _props(resource: Mapping[str, Any]) -> Mapping[str, Any]:
    props = resource.get("Properties")
    return props if isinstance(props, dict) else {}


def _name(r: _Renderer, props: Mapping[str, Any], key: str, logical: str) -> str:
    name = r.text(props.get(key))
    return name if name else located(logical, logical)


def convert(template: Mapping[str, Any]) -> Responses:
    """The API responses of the stack a template would create (see the module docstring)."""
    r = _Renderer(template)
    resources = template.get("Resources")
    items = [
        (str(k), v)
        for k, v in (resources.items() if isinstance(resources, dict) else [])
        if isinstance(v, dict)
    ]
    keys = {
        GROUP: "AutoScalingGroupName",
        CONFIGURATION: "LaunchConfigurationName",
        TOPIC: "TopicName",
    }
    for logical, res in items:  # names first: resources refer to each other in any order
        kind = res.get("Type")
        if kind in keys:
            r.names[logical] = str(_name(r, _props(res), keys[kind], logical))
        elif kind in SCANNED:
            r.names[logical] = logical
    out = Responses()
    for logical, res in items:
        kind, props = res.get("Type"), _props(res)
        init = _init_metadata(r, res.get("Metadata")) if kind in (GROUP, CONFIGURATION, TEMPLATE) else None
        if kind == GROUP:
            _group(r, out, logical, props)
            if init:
                out.groups[-1]["Metadata"] = init
        elif kind == CONFIGURATION:
            _configuration(r, out, logical, props)
            if init:
                out.configurations[-1]["Metadata"] = init
        elif kind == HOOK:
            group = r.target(props.get("AutoScalingGroupName")) or "?"
            out.hooks.append(_hook(r, group, props, _name(r, props, "LifecycleHookName", logical)))
        elif kind == TEMPLATE:
            _launch_template(r, out, logical, props)
            if init:
                out.versions[-1]["Metadata"] = init
        elif kind == TOPIC:
            _topic(r, out, logical, props)
        elif kind == SUBSCRIPTION:
            out.subscriptions.append(_subscription(r, r.target(props.get("TopicArn")) or "?", props, logical))
    out.parameters = _parameters(template)
    return out


# The metadata cfn-init reads at boot (`cfn-init --resource LOGICAL_ID`): files with their contents, commands,
# and the credentials it fetches them with.  Other metadata (cfn-lint settings, `aws:cdk:path`) is not read.
INIT_METADATA = ("AWS::CloudFormation::Init", "AWS::CloudFormation::Authentication")


def _init_metadata(r: _Renderer, metadata: Any) -> dict[str, Any] | None:
    """A resource's cfn-init metadata, its intrinsic functions rendered (None when it has none)."""
    if not isinstance(metadata, dict):
        return None
    found = {key: r.value(metadata[key]) for key in INIT_METADATA if key in metadata}
    return found or None


def _spec(r: _Renderer, spec: Any) -> Any:
    if not isinstance(spec, dict):
        return None
    out = {
        "LaunchTemplateId": r.target(spec.get("LaunchTemplateId")),
        "LaunchTemplateName": r.target(spec.get("LaunchTemplateName")),
        "Version": r.version(spec.get("Version")),
    }
    return {k: v for k, v in out.items() if v is not None}


def _group(r: _Renderer, out: Responses, logical: str, props: Mapping[str, Any]) -> None:
    name = _name(r, props, "AutoScalingGroupName", logical)
    group: dict[str, Any] = {"AutoScalingGroupName": name, "Tags": _tags(r, props.get("Tags"))}
    spec = _spec(r, props.get("LaunchTemplate"))
    if spec:
        group["LaunchTemplate"] = spec
    if props.get("LaunchConfigurationName") is not None:
        group["LaunchConfigurationName"] = r.target(props["LaunchConfigurationName"])
    mip = r.value(props.get("MixedInstancesPolicy"))
    raw_mip = props.get("MixedInstancesPolicy")
    if isinstance(mip, dict) and isinstance(raw_mip, dict):
        lt, raw_lt = mip.get("LaunchTemplate"), raw_mip.get("LaunchTemplate")
        if isinstance(lt, dict) and isinstance(raw_lt, dict):
            lt = {**lt, "LaunchTemplateSpecification": _spec(r, raw_lt.get("LaunchTemplateSpecification"))}
            overrides = raw_lt.get("Overrides")
            if isinstance(overrides, list):
                lt["Overrides"] = [
                    {**o, "LaunchTemplateSpecification": _spec(r, o.get("LaunchTemplateSpecification"))}
                    if isinstance(o, dict)
                    else o
                    for o in overrides
                ]
            mip = {**mip, "LaunchTemplate": lt}
        group["MixedInstancesPolicy"] = mip
    for key in ("LoadBalancerNames", "TargetGroupARNs"):
        values = r.value(props.get(key))
        if isinstance(values, list):
            group[key] = [r.text(v) for v in values]
    for key in ("PlacementGroup", "Context"):
        if props.get(key) is not None:
            group[key] = r.text(props.get(key))
    out.groups.append(group)
    for spec_raw in _list(props.get("LifecycleHookSpecificationList")):
        hook_name = r.text(spec_raw.get("LifecycleHookName")) or "?"
        out.hooks.append(_hook(r, name, spec_raw, hook_name))
    configurations = props.get("NotificationConfigurations", props.get("NotificationConfiguration"))
    if isinstance(configurations, dict):
        configurations = [configurations]
    for n in _list(configurations):
        topic = r.target(n.get("TopicARN"))
        types = r.value(n.get("NotificationTypes"))
        first = types[0] if isinstance(types, list) and types else None
        if topic:
            out.notifications.append(
                {"AutoScalingGroupName": name, "TopicARN": topic, "NotificationType": r.text(first)}
            )


def _list(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _hook(r: _Renderer, group: str, props: Mapping[str, Any], name: str) -> dict[str, Any]:
    return {
        "AutoScalingGroupName": group,
        "LifecycleHookName": name,
        "LifecycleTransition": r.text(props.get("LifecycleTransition")),
        "NotificationMetadata": r.text(props.get("NotificationMetadata")),
        "NotificationTargetARN": r.target(props.get("NotificationTargetARN")),
        "RoleARN": r.text(props.get("RoleARN")),
    }


def _mappings(r: _Renderer, mappings: Any) -> Any:
    rendered = r.value(mappings)
    for mapping in rendered if isinstance(rendered, list) else []:
        ebs = mapping.get("Ebs") if isinstance(mapping, dict) else None
        if isinstance(ebs, dict) and "Encrypted" in ebs:
            ebs["Encrypted"] = _bool(ebs["Encrypted"])
    return rendered


def _configuration(r: _Renderer, out: Responses, logical: str, props: Mapping[str, Any]) -> None:
    configuration = {
        "LaunchConfigurationName": r.names[logical],
        "UserData": r.user_data(props.get("UserData")),
        "KeyName": r.text(props.get("KeyName")),
        "IamInstanceProfile": r.text(props.get("IamInstanceProfile")),
        "ImageId": r.text(props.get("ImageId")),
        "BlockDeviceMappings": _mappings(r, props.get("BlockDeviceMappings")),
    }
    out.configurations.append({k: v for k, v in configuration.items() if v is not None})


def _launch_template(r: _Renderer, out: Responses, logical: str, props: Mapping[str, Any]) -> None:
    name = _name(r, props, "LaunchTemplateName", logical)
    raw = props.get("LaunchTemplateData")
    data = r.value(raw) if isinstance(raw, dict) else {}
    if not isinstance(data, dict):
        data = {}
    if isinstance(raw, dict):
        data["UserData"] = r.user_data(raw.get("UserData"))
        data["BlockDeviceMappings"] = _mappings(r, raw.get("BlockDeviceMappings"))
        specs = r.value(raw.get("TagSpecifications"))
        data["TagSpecifications"] = (
            [{**s, "Tags": _tags(r, s.get("Tags"))} for s in specs if isinstance(s, dict)]
            if isinstance(specs, list)
            else None
        )
    data = {k: v for k, v in data.items() if v is not None}
    template_tags: list[dict[str, Any]] = []
    for spec in _list(r.value(props.get("TagSpecifications"))):
        if spec.get("ResourceType") in (None, "launch-template"):
            template_tags.extend(_tags(r, spec.get("Tags")))
    lt_id = located(logical, name)
    out.templates.append(
        {
            "LaunchTemplateId": lt_id,
            "LaunchTemplateName": name,
            "DefaultVersionNumber": 1,
            "LatestVersionNumber": 1,
            "Tags": template_tags,
        }
    )
    version = {
        "LaunchTemplateId": lt_id,
        "LaunchTemplateName": name,
        "VersionNumber": 1,
        "DefaultVersion": True,
        "VersionDescription": r.text(props.get("VersionDescription")),
        "LaunchTemplateData": data,
    }
    out.versions.append({k: v for k, v in version.items() if v is not None})


def _topic(r: _Renderer, out: Responses, logical: str, props: Mapping[str, Any]) -> None:
    arn = r.names[logical]
    attributes = {"TopicArn": arn, "DisplayName": r.text(props.get("DisplayName"))}
    out.topics.append({k: v for k, v in attributes.items() if v is not None})
    for i, sub in enumerate(_list(props.get("Subscription"))):
        out.subscriptions.append(_subscription(r, arn, sub, f"{logical}.Subscription[{i}]"))


def _subscription(r: _Renderer, topic: str, props: Mapping[str, Any], logical: str) -> dict[str, Any]:
    subscription = {
        "SubscriptionArn": "PendingConfirmation",  # not created yet: no ARN, as for a pending subscription
        "TopicArn": topic,
        "Protocol": r.text(props.get("Protocol")),
        "Endpoint": r.text(props.get("Endpoint")),
        "FilterPolicy": r.text(props.get("FilterPolicy")),
    }
    return {k: v for k, v in subscription.items() if v is not None}


def _parameters(template: Mapping[str, Any]) -> list[dict[str, Any]]:
    params = template.get("Parameters")
    out = []
    for key, p in params.items() if isinstance(params, dict) else []:
        if not isinstance(p, dict):
            continue
        default = p.get("Default")
        item: dict[str, Any] = {"ParameterKey": str(key), "ParameterType": p.get("Type")}
        if default is not None:
            item["DefaultValue"] = (
                default if isinstance(default, str) else located(json.dumps(_plain(default)), default)
            )
        no_echo = _bool(p.get("NoEcho"))
        if no_echo is True:
            item["NoEcho"] = True
        if p.get("Description") is not None:
            item["Description"] = p.get("Description")
        out.append(item)
    return out
