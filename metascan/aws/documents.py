"""AWS API responses -> resources and their free-form fields.

A response is recognised by its top-level keys, never by a file name.  Each recognised kind has one
extractor in `EXTRACTORS`; an extractor yields a `ResourceRecord` for each resource, then that resource's
`Field`s, and `Skipped` for items of the wrong shape.  Live scans feed the very same functions with the
pages boto3 returns, so files and live scans give the same resources, ids and field paths.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..fingerprint import Fingerprinter
from ..model import Field, FieldKind, Resource, Skipped, origin_of
from .arn import parse_arn
from .codecs import b64decode


@dataclass(frozen=True, slots=True)
class Defaults:
    """Region and account for resources whose data carries no ARN."""

    region: str | None = None
    account: str | None = None


@dataclass(frozen=True, slots=True)
class ResourceRecord:
    """A resource as read, with its raw data (for structural checks)."""

    resource: Resource
    source: str
    kind: str
    data: Mapping[str, Any]


Item = ResourceRecord | Field | Skipped


@dataclass(frozen=True, slots=True)
class _Ctx:
    source: str
    defaults: Defaults
    fingerprinter: Fingerprinter


def _s(value: Any) -> str | None:
    return value if isinstance(value, str) and value != "" else None


def _where(res: Resource, data: Mapping[str, Any], arn_key: str | None, ctx: _Ctx) -> Resource:
    """Fill in ARN, region and account: from the item's ARN when it has one, else from the defaults.  A
    value that is not an ARN (a template's topic name) is not taken as one."""
    arn = _s(data.get(arn_key)) if arn_key else None
    parsed = parse_arn(arn) if arn else None
    if parsed:
        return Resource(res.type, res.id, str(arn), parsed.region, parsed.account)
    return Resource(res.type, res.id, None, ctx.defaults.region, ctx.defaults.account)


_METADATA_MAX_FIELDS = 10_000  # strings read from one resource's cfn-init metadata
_METADATA_MAX_DEPTH = 32


class _Emit:
    """Helpers that turn values of one resource into fields, recording shape problems as skips."""

    __slots__ = ("ctx", "res")

    def __init__(self, ctx: _Ctx, res: Resource) -> None:
        self.ctx = ctx
        self.res = res

    def text(
        self, path: str, value: Any, kind: FieldKind, key: str | None = None
    ) -> Iterator[Field | Skipped]:
        item = self._one(path, value, kind, key)
        if item is not None:
            yield item

    def _one(self, path: str, value: Any, kind: FieldKind, key: str | None = None) -> Field | Skipped | None:
        """The field of one value (None for no value), or a skip for a value that is not text.  (Tags call
        it without a generator of their own: they are most of a scan's fields.)"""
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            return Skipped(self.ctx.source, f"{path} is {_type_name(value)}, not a string", self.res, path)
        return Field(self.res, self.ctx.source, path, str(value), kind, key, None, origin_of(value))

    def metadata(self, value: Any) -> Iterator[Field | Skipped]:
        """The cfn-init metadata of a resource read from a CloudFormation template (`Metadata` holds its
        `AWS::CloudFormation::Init` and `AWS::CloudFormation::Authentication`; no API response has it): every
        string in it, under its path, keyed by the name it is given (`password`, `secretKey`).  A file's
        `content`, a command and any text of several lines are scripts."""
        if not isinstance(value, dict):
            return  # (every API response: the key is a template's)
        for path, key, v, _ in _leaves("Metadata", value, _METADATA_MAX_FIELDS, _METADATA_MAX_DEPTH):
            if isinstance(v, str):
                script = key in ("content", "command") or "\n" in v.strip()
                yield from self.text(path, v, FieldKind.SCRIPT if script else FieldKind.TEXT, key)

    def arn(self, path: str, value: Any) -> Iterator[Field | Skipped]:
        """The name part of an ARN is free text; its account and region are structure."""
        if not isinstance(value, str) or not value:
            yield from self.text(path, value, FieldKind.ARN)
            return
        parsed = parse_arn(value)
        origin = origin_of(value)
        if parsed is None:  # a plain name where an ARN may go (IamInstanceProfile)
            yield Field(self.res, self.ctx.source, path, str(value), FieldKind.NAME, origin=origin)
            return
        yield Field(self.res, self.ctx.source, path, parsed.name, FieldKind.ARN, origin=origin)

    def tags(self, prefix: str, tags: Any) -> Iterator[Field | Skipped]:
        if tags is None:
            return
        if not isinstance(tags, list):
            yield Skipped(self.ctx.source, f"{prefix} is {_type_name(tags)}, not a list", self.res, prefix)
            return
        for i, tag in enumerate(tags):
            if not isinstance(tag, dict):
                yield Skipped(self.ctx.source, f"{prefix}[{i}] is {_type_name(tag)}, not an object", self.res)
                continue
            key = tag.get("Key")
            item = self._one(f"{prefix}.Key", key, FieldKind.TAG_KEY)
            if item is not None:
                yield item
            key_s = str(key) if isinstance(key, str | int) else "?"
            item = self._one(f"{prefix}[{key_s}].Value", tag.get("Value"), FieldKind.TAG_VALUE, key_s)
            if item is not None:
                yield item


Leaf = tuple[str, str | None, Any, bool]


def _leaves(root: str, value: Any, max_fields: int, max_depth: int, tags: bool = False) -> Iterator[Leaf]:
    """The strings of a nested value, each as (path, the key it is under, string, whether it is the value of
    a map under `tags`), at most `max_fields` of them, `max_depth` levels down; with `tags`, a tag object
    (`{"Key": k, "Value": v}`) is one leaf, the object itself."""
    stack: list[tuple[str, str | None, Any, int, bool]] = [(root, None, value, 0, False)]
    count = 0
    while stack and count < max_fields:
        path, key, v, depth, tagged = stack.pop()
        if isinstance(v, dict) and depth < max_depth:
            if tags and isinstance(v.get("Key", v.get("key")), str) and set(v) & {"Value", "value"}:
                count += 1
                yield path, key, v, False
                continue
            in_tags = tags and key is not None and key.lower() in ("tags", "tag", "labels")
            stack.extend(
                (f"{path}.{k}" if path else str(k), str(k), x, depth + 1, in_tags)
                for k, x in reversed(list(v.items()))
            )
        elif isinstance(v, list) and depth < max_depth:
            stack.extend((f"{path}[{i}]", key, x, depth + 1, False) for i, x in reversed(list(enumerate(v))))
        elif isinstance(v, str) and v:
            count += 1
            yield path, key, v, tagged


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", bool: "a boolean", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


def _items(ctx: _Ctx, data: Mapping[str, Any], key: str) -> Iterator[tuple[int, Mapping[str, Any]] | Skipped]:
    items = data.get(key)
    if not isinstance(items, list):
        yield Skipped(ctx.source, f"{key} is {_type_name(items)}, not a list")
        return
    for i, item in enumerate(items):
        if isinstance(item, dict):
            yield i, item
        else:
            yield Skipped(ctx.source, f"{key}[{i}] is {_type_name(item)}, not an object")


def _each(
    ctx: _Ctx, data: Mapping[str, Any], key: str, *names: str
) -> Iterator[tuple[Mapping[str, Any], tuple[str, ...]] | Skipped]:
    """The items of the list under `key` with their required string attributes `names`; an item that is
    not an object or lacks one of them is a skip that says so."""
    for it in _items(ctx, data, key):
        if isinstance(it, Skipped):
            yield it
            continue
        i, item = it
        values = [_s(item.get(n)) for n in names]
        missing = [n for n, v in zip(names, values, strict=True) if v is None]
        if missing:
            yield Skipped(ctx.source, f"{key}[{i}] has no string {' or '.join(missing)}")
        else:
            yield item, tuple(v for v in values if v is not None)


# --- one extractor per response kind -------------------------------------------------------------------


def _groups(ctx: _Ctx, data: Mapping[str, Any]) -> Iterator[Item]:
    for it in _each(ctx, data, "AutoScalingGroups", "AutoScalingGroupName"):
        if isinstance(it, Skipped):
            yield it
            continue
        g, (name,) = it
        res = _where(Resource("AutoScalingGroup", name), g, "AutoScalingGroupARN", ctx)
        yield ResourceRecord(res, ctx.source, "AutoScalingGroup", g)
        e = _Emit(ctx, res)
        yield from e.text("AutoScalingGroupName", name, FieldKind.NAME)
        yield from e.tags("Tags", g.get("Tags"))
        for j, lb in enumerate(g.get("LoadBalancerNames") or []):
            yield from e.text(f"LoadBalancerNames[{j}]", lb, FieldKind.NAME)
        for j, tg in enumerate(g.get("TargetGroupARNs") or []):
            yield from e.arn(f"TargetGroupARNs[{j}]", tg)
        yield from e.text("PlacementGroup", g.get("PlacementGroup"), FieldKind.NAME)
        yield from e.text("Context", g.get("Context"), FieldKind.TEXT)
        yield from e.metadata(g.get("Metadata"))


def _launch_configurations(ctx: _Ctx, data: Mapping[str, Any]) -> Iterator[Item]:
    for it in _each(ctx, data, "LaunchConfigurations", "LaunchConfigurationName"):
        if isinstance(it, Skipped):
            yield it
            continue
        lc, (name,) = it
        res = _where(Resource("LaunchConfiguration", name), lc, "LaunchConfigurationARN", ctx)
        yield ResourceRecord(res, ctx.source, "LaunchConfiguration", lc)
        e = _Emit(ctx, res)
        yield from e.text("LaunchConfigurationName", name, FieldKind.NAME)
        yield from e.text("UserData", lc.get("UserData"), FieldKind.USER_DATA)
        yield from e.text("KeyName", lc.get("KeyName"), FieldKind.NAME)
        yield from e.arn("IamInstanceProfile", lc.get("IamInstanceProfile"))
        yield from e.metadata(lc.get("Metadata"))


def _template_versions(ctx: _Ctx, data: Mapping[str, Any]) -> Iterator[Item]:
    for it in _items(ctx, data, "LaunchTemplateVersions"):
        if isinstance(it, Skipped):
            yield it
            continue
        i, v = it
        lt_id = _s(v.get("LaunchTemplateId"))
        number = v.get("VersionNumber")
        if lt_id is None or not isinstance(number, int) or isinstance(number, bool):
            yield Skipped(ctx.source, f"LaunchTemplateVersions[{i}] has no LaunchTemplateId or VersionNumber")
            continue
        template = _where(Resource("LaunchTemplate", lt_id), {}, None, ctx)
        yield from _Emit(ctx, template).text(
            "LaunchTemplateName", v.get("LaunchTemplateName"), FieldKind.NAME
        )
        res = _where(Resource("LaunchTemplateVersion", f"{lt_id}:{number}"), {}, None, ctx)
        yield ResourceRecord(res, ctx.source, "LaunchTemplateVersion", v)
        e = _Emit(ctx, res)
        yield from e.text("VersionDescription", v.get("VersionDescription"), FieldKind.TEXT)
        yield from e.arn("CreatedBy", v.get("CreatedBy"))
        yield from e.metadata(v.get("Metadata"))
        lt = v.get("LaunchTemplateData")
        if lt is None:
            continue
        if not isinstance(lt, dict):
            yield Skipped(ctx.source, f"LaunchTemplateData is {_type_name(lt)}, not an object", res)
            continue
        yield from e.text("LaunchTemplateData.UserData", lt.get("UserData"), FieldKind.USER_DATA)
        yield from e.text("LaunchTemplateData.KeyName", lt.get("KeyName"), FieldKind.NAME)
        profile = lt.get("IamInstanceProfile")
        if isinstance(profile, dict):
            yield from e.text(
                "LaunchTemplateData.IamInstanceProfile.Name", profile.get("Name"), FieldKind.NAME
            )
            yield from e.arn("LaunchTemplateData.IamInstanceProfile.Arn", profile.get("Arn"))
        specs = lt.get("TagSpecifications") or []
        for j, spec in enumerate(specs if isinstance(specs, list) else []):
            if not isinstance(spec, dict):
                yield Skipped(ctx.source, f"TagSpecifications[{j}] is {_type_name(spec)}, not an object", res)
                continue
            rtype = spec.get("ResourceType") if isinstance(spec.get("ResourceType"), str) else str(j)
            yield from e.tags(f"LaunchTemplateData.TagSpecifications[{rtype}].Tags", spec.get("Tags"))
        nics = lt.get("NetworkInterfaces") or []
        for j, nic in enumerate(nics if isinstance(nics, list) else []):
            if isinstance(nic, dict):
                desc = nic.get("Description")
                yield from e.text(
                    f"LaunchTemplateData.NetworkInterfaces[{j}].Description", desc, FieldKind.TEXT
                )


def _templates(ctx: _Ctx, data: Mapping[str, Any]) -> Iterator[Item]:
    for it in _each(ctx, data, "LaunchTemplates", "LaunchTemplateId"):
        if isinstance(it, Skipped):
            yield it
            continue
        t, (lt_id,) = it
        res = _where(Resource("LaunchTemplate", lt_id), {}, None, ctx)
        yield ResourceRecord(res, ctx.source, "LaunchTemplate", t)
        e = _Emit(ctx, res)
        yield from e.text("LaunchTemplateName", t.get("LaunchTemplateName"), FieldKind.NAME)
        yield from e.arn("CreatedBy", t.get("CreatedBy"))
        yield from e.tags("Tags", t.get("Tags"))


def _hook_where(res: Resource, hook: Mapping[str, Any], ctx: _Ctx) -> Resource:
    """A lifecycle hook has no ARN of its own: where the scan does not know its region and account (a live
    scan does, and `--region`/`--account` say them), its account is its role's (Auto Scaling assumes a role
    of the hook's account) or its target's, and its region its target's."""
    region, account = ctx.defaults.region, ctx.defaults.account
    if region is None or account is None:
        role = parse_arn(_s(hook.get("RoleARN")) or "")
        target = parse_arn(_s(hook.get("NotificationTargetARN")) or "")
        # (a hook read from a message Auto Scaling sent: its group's ARN, where the message gives it)
        group = parse_arn(_s(hook.get("AutoScalingGroupARN")) or "")
        account = (
            account
            or (role.account if role else None)
            or (target.account if target else None)
            or (group.account if group else None)
        )
        region = region or (target.region if target else None) or (group.region if group else None)
    return Resource(res.type, res.id, None, region, account)


def _hooks(ctx: _Ctx, data: Mapping[str, Any]) -> Iterator[Item]:
    for it in _each(ctx, data, "LifecycleHooks", "AutoScalingGroupName", "LifecycleHookName"):
        if isinstance(it, Skipped):
            yield it
            continue
        h, (group, name) = it
        res = _hook_where(Resource("LifecycleHook", f"{group}/{name}"), h, ctx)
        yield ResourceRecord(res, ctx.source, "LifecycleHook", h)
        e = _Emit(ctx, res)
        yield from e.text("LifecycleHookName", name, FieldKind.NAME)
        yield from e.text("NotificationMetadata", h.get("NotificationMetadata"), FieldKind.TEXT)
        yield from e.arn("NotificationTargetARN", h.get("NotificationTargetARN"))
        yield from e.arn("RoleARN", h.get("RoleARN"))


def _notifications(ctx: _Ctx, data: Mapping[str, Any]) -> Iterator[Item]:
    for it in _each(ctx, data, "NotificationConfigurations", "AutoScalingGroupName", "TopicARN"):
        if isinstance(it, Skipped):
            yield it
            continue
        n, (group, topic) = it
        res = _where(Resource("NotificationConfiguration", f"{group}/{topic}"), n, "TopicARN", ctx)
        res = Resource(
            res.type, res.id, None, res.region, res.account
        )  # the topic's ARN is not this resource's
        yield ResourceRecord(res, ctx.source, "NotificationConfiguration", n)
        yield from _Emit(ctx, res).arn("TopicARN", topic)


def _scheduled_actions(ctx: _Ctx, data: Mapping[str, Any]) -> Iterator[Item]:
    for it in _each(ctx, data, "ScheduledUpdateGroupActions", "AutoScalingGroupName", "ScheduledActionName"):
        if isinstance(it, Skipped):
            yield it
            continue
        a, (group, name) = it
        res = _where(Resource("ScheduledAction", f"{group}/{name}"), a, "ScheduledActionARN", ctx)
        yield ResourceRecord(res, ctx.source, "ScheduledAction", a)
        yield from _Emit(ctx, res).text("ScheduledActionName", name, FieldKind.NAME)


_TAGGED_TYPES = {"auto-scaling-group": "AutoScalingGroup"}


def _describe_tags(ctx: _Ctx, data: Mapping[str, Any]) -> Iterator[Item]:
    for it in _each(ctx, data, "Tags", "ResourceId", "ResourceType"):
        if isinstance(it, Skipped):
            yield it
            continue
        t, (rid, rtype) = it
        res = _where(Resource(_TAGGED_TYPES.get(rtype, rtype), rid), {}, None, ctx)
        yield from _Emit(ctx, res).tags("Tags", [t])


def _topic(ctx: _Ctx, topic_arn: str) -> Iterator[Item]:
    res = _where(Resource("SnsTopic", topic_arn), {"TopicArn": topic_arn}, "TopicArn", ctx)
    yield from _Emit(ctx, res).arn("TopicArn", topic_arn)


def _subscription(ctx: _Ctx, s: Mapping[str, Any], where: str) -> Iterator[Item]:
    topic = _s(s.get("TopicArn"))
    sub_arn = _s(s.get("SubscriptionArn"))
    endpoint = s.get("Endpoint")
    if topic is None and sub_arn is not None and parse_arn(sub_arn) is not None:
        topic = sub_arn.rsplit(":", 1)[0]  # (a subscription's ARN is its topic's and an id)
    if sub_arn is None or topic is None:
        yield Skipped(ctx.source, f"{where} has no SubscriptionArn or TopicArn")
        return
    if parse_arn(sub_arn) is None:  # "PendingConfirmation": the endpoint may hold a secret, never an id
        digest = ctx.fingerprinter.of("endpoint", str(endpoint))[:12]
        res = _where(Resource("SnsSubscription", f"{topic}/pending/{digest}"), {"T": topic}, "T", ctx)
        res = Resource(res.type, res.id, None, res.region, res.account)
    else:
        res = _where(Resource("SnsSubscription", sub_arn), s, "SubscriptionArn", ctx)
    yield ResourceRecord(res, ctx.source, "SnsSubscription", s)
    e = _Emit(ctx, res)
    protocol = _s(s.get("Protocol"))
    for f in e.text("Endpoint", endpoint, FieldKind.ENDPOINT):
        yield (
            Field(f.resource, f.source, f.path, f.value, f.kind, f.key, protocol, f.origin)
            if isinstance(f, Field)
            else f
        )
    yield from e.text("FilterPolicy", s.get("FilterPolicy"), FieldKind.TEXT)
    yield from e.arn("SubscriptionRoleArn", s.get("SubscriptionRoleArn"))
    yield from _topic(ctx, topic)


def _subscriptions(ctx: _Ctx, data: Mapping[str, Any]) -> Iterator[Item]:
    for it in _items(ctx, data, "Subscriptions"):
        if isinstance(it, Skipped):
            yield it
            continue
        i, s = it
        yield from _subscription(ctx, s, f"Subscriptions[{i}]")


def _attributes(ctx: _Ctx, data: Mapping[str, Any]) -> Iterator[Item]:
    attrs = data.get("Attributes")
    if not isinstance(attrs, dict):
        yield Skipped(ctx.source, f"Attributes is {_type_name(attrs)}, not an object")
        return
    if "SubscriptionArn" in attrs:
        yield from _subscription(ctx, attrs, "Attributes")
        return
    topic = _s(attrs.get("TopicArn"))
    if topic is None:
        yield Skipped(ctx.source, "Attributes has neither SubscriptionArn nor TopicArn")
        return
    res = _where(Resource("SnsTopic", topic), attrs, "TopicArn", ctx)
    yield ResourceRecord(res, ctx.source, "SnsTopic", attrs)
    e = _Emit(ctx, res)
    yield from e.arn("TopicArn", topic)
    yield from e.text("DisplayName", attrs.get("DisplayName"), FieldKind.TEXT)


def _parameters(ctx: _Ctx, data: Mapping[str, Any]) -> Iterator[Item]:
    """A template's parameters, as `aws cloudformation get-template-summary` gives them (`DefaultValue`,
    `NoEcho`): templates and Terraform variables are read into this shape.  The parameter's name is the
    key its value is assigned to; a default of a parameter marked `NoEcho` is keyed `NoEcho:<name>`, which
    the rule `template-noecho-default` reports (patterns/templates.toml)."""
    for it in _each(ctx, data, "Parameters", "ParameterKey"):
        if isinstance(it, Skipped):
            yield it
            continue
        p, (name,) = it
        res = _where(Resource("TemplateParameter", name), {}, None, ctx)
        yield ResourceRecord(res, ctx.source, "TemplateParameter", p)
        e = _Emit(ctx, res)
        no_echo = p.get("NoEcho") is True or str(p.get("NoEcho")).lower() == "true"
        key = f"NoEcho:{name}" if no_echo else name
        yield from e.text("DefaultValue", p.get("DefaultValue"), FieldKind.TEXT, key)
        yield from e.text("ParameterValue", p.get("ParameterValue"), FieldKind.TEXT, name)
        yield from e.text("Description", p.get("Description"), FieldKind.TEXT)


def _ebs_defaults(ctx: _Ctx) -> Resource:
    """A region's EBS settings, as one resource per account and region (the document names neither)."""
    return _where(Resource("EbsDefaults", ctx.defaults.region or "unknown-region"), {}, None, ctx)


def _ebs_encryption_by_default(ctx: _Ctx, data: Mapping[str, Any]) -> Iterator[Item]:
    """`aws ec2 get-ebs-encryption-by-default`: a setting for the structural checks, no free text."""
    value = data.get("EbsEncryptionByDefault")
    if not isinstance(value, bool):
        yield Skipped(ctx.source, f"EbsEncryptionByDefault is {_type_name(value)}, not a boolean")
        return
    yield ResourceRecord(_ebs_defaults(ctx), ctx.source, "EbsEncryptionByDefault", data)


def _ebs_default_kms_key_id(ctx: _Ctx, data: Mapping[str, Any]) -> Iterator[Item]:
    """`aws ec2 get-ebs-default-kms-key-id`: only that one key, so another service's KmsKeyId is not taken."""
    others = sum(1 for k in data if k not in ENVELOPE and k != "KmsKeyId")
    if others:  # the other keys are not named: an unknown key may itself be a secret
        yield Skipped(
            ctx.source,
            f"not a recognised AWS API response (KmsKeyId and {others} other top-level"
            f" key{'s' if others != 1 else ''}; get-ebs-default-kms-key-id output holds KmsKeyId only)",
        )
        return
    if _s(data.get("KmsKeyId")) is None:
        yield Skipped(ctx.source, f"KmsKeyId is {_type_name(data.get('KmsKeyId'))}, not a key id")
        return
    yield ResourceRecord(_ebs_defaults(ctx), ctx.source, "EbsDefaultKmsKeyId", data)


# --- records of other shapes ----------------------------------------------------------------------------

RECORDS = "metascan:Records"  # (a converter's key, never an API's: records a home-grown job wrote)
_RECORD_MAX_FIELDS = 10_000
_RECORD_MAX_DEPTH = 24
_NAME_KEYS = (
    "AutoScalingGroupName",
    "LaunchTemplateId",
    "LaunchConfigurationName",
    "name",
    "Name",
    "id",
    "Id",
)
_ACCOUNT_KEYS = ("account", "account_id", "accountId", "AccountId", "awsAccountId", "owner_id", "OwnerId")
_USER_DATA_KEYS = frozenset({"userdata", "user_data", "userdatabase64", "user_data_base64"})
_SCRIPT_STARTS = (
    b"#!",
    b"#cloud-",
    b"#ps1",
    b"Content-Type",
    b"MIME-Version",
    b"<powershell",
    b"<script",
    b"\x1f\x8b",
)


def _record_where(ctx: _Ctx, record: Any, i: int) -> Resource:
    """A record's resource: named by its first name or id, placed by its ARN or its account and region."""
    if not isinstance(record, dict):
        return Resource("Record", f"record {i + 1}", None, ctx.defaults.region, ctx.defaults.account)
    name = next(
        (str(record[k]) for k in _NAME_KEYS if isinstance(record.get(k), str | int) and record[k]), None
    )
    arn = next(
        (v for k, v in record.items() if isinstance(v, str) and k.lower().endswith("arn") and parse_arn(v)),
        None,
    )
    parsed = parse_arn(arn) if arn else None
    account = next((str(record[k]) for k in _ACCOUNT_KEYS if isinstance(record.get(k), str | int)), None)
    region = record.get("region") if isinstance(record.get("region"), str) else None
    return Resource(
        "Record",
        name or (parsed.name if parsed else f"record {i + 1}"),
        arn,
        (parsed.region if parsed else None) or region or ctx.defaults.region,
        (parsed.account if parsed else None) or account or ctx.defaults.account,
    )


def _user_data_like(key: str | None, value: str) -> bool:
    """User data by its key (`user_data`), or, without one, base64 of a script or a gzip."""
    if key is not None:
        return key.lower().replace("-", "_") in _USER_DATA_KEYS
    if len(value) < 24:
        return False
    data = b64decode(value)
    return data is not None and data.lstrip().startswith(_SCRIPT_STARTS)


def _records(ctx: _Ctx, data: Mapping[str, Any]) -> Iterator[Item]:
    """Records of a shape no API returns (a home-grown inventory job's lines, `--query` projections): every
    string in them, under its path, keyed by the name it is given; tags (`{"Key": k, "Value": v}` or a map
    under `tags`) as tags, a value under a user-data key (or, without a key, base64 of a script) as user
    data, an ARN by its name part."""
    records = data.get(RECORDS)
    for i, record in enumerate(records if isinstance(records, list) else []):
        res = _record_where(ctx, record, i)
        yield ResourceRecord(res, ctx.source, "Record", record if isinstance(record, dict) else {})
        e = _Emit(ctx, res)
        for path, key, v, tagged in _leaves("", record, _RECORD_MAX_FIELDS, _RECORD_MAX_DEPTH, tags=True):
            if isinstance(v, dict):  # a tag object
                tag = {"Key": v.get("Key", v.get("key")), "Value": v.get("Value", v.get("value"))}
                yield from e.tags(path or "Tags", [tag])
            elif tagged:
                yield from e.text(f"{path}.Value", v, FieldKind.TAG_VALUE, key)
            elif _user_data_like(key, v):
                yield from e.text(path, v, FieldKind.USER_DATA)
            elif v.startswith("arn:") and parse_arn(v) is not None:
                yield from e.arn(path, v)
            else:
                yield from e.text(path, v, FieldKind.SCRIPT if "\n" in v.strip() else FieldKind.TEXT, key)


Extractor = Callable[[_Ctx, Mapping[str, Any]], Iterator[Item]]

# The one mapping from a response's distinguishing top-level key to its extractor.
EXTRACTORS: dict[str, Extractor] = {
    "AutoScalingGroups": _groups,
    "LaunchConfigurations": _launch_configurations,
    "LaunchTemplateVersions": _template_versions,
    "LaunchTemplates": _templates,
    "LifecycleHooks": _hooks,
    "NotificationConfigurations": _notifications,
    "ScheduledUpdateGroupActions": _scheduled_actions,
    "Tags": _describe_tags,
    "Subscriptions": _subscriptions,
    "Attributes": _attributes,
    "Parameters": _parameters,
    "EbsEncryptionByDefault": _ebs_encryption_by_default,
    "KmsKeyId": _ebs_default_kms_key_id,
}

# Keys every response may carry besides its payload.
ENVELOPE = frozenset({"NextToken", "ResponseMetadata", "nextToken"})


def identify(data: Mapping[str, Any]) -> str | None:
    """The extractor key of a response, or None when its shape is not one metascan knows."""
    kinds = [k for k in data if k in EXTRACTORS]
    return kinds[0] if len(kinds) == 1 else None


def unrecognised(data: Mapping[str, Any]) -> str:
    """Why a response is not recognised, naming only keys metascan knows: an unknown key may itself be a
    token or a connection string."""
    payload = [str(k) for k in data if k in EXTRACTORS]
    if len(payload) > 1:
        return (
            f"not a recognised AWS API response: it holds {len(payload)} payload keys"
            f" ({', '.join(payload)}), a response holds one"
        )
    n = sum(1 for k in data if k not in ENVELOPE)
    return (
        f"not a recognised AWS API response ({n} top-level key{'s' if n != 1 else ''}, none of them one"
        f" metascan reads: {', '.join(EXTRACTORS)})"
    )


def extract(source: str, data: Any, defaults: Defaults, fingerprinter: Fingerprinter) -> Iterator[Item]:
    """All resources and fields of one API response (one page)."""
    ctx = _Ctx(source, defaults, fingerprinter)
    if isinstance(data, dict) and set(data) == {RECORDS}:
        yield from _records(ctx, data)
        return
    kind = identify(data)
    if kind is None:
        yield Skipped(source, unrecognised(data))
        return
    yield from EXTRACTORS[kind](ctx, data)
