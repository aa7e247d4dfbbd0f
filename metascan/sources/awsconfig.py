"""AWS Config configuration items read as the API responses of the resources they record.

AWS Config keeps what each Auto Scaling group, launch configuration, scheduled action and launch template
looked like: in the snapshot and history files it delivers to S3 (`{"fileVersion": ...,
"configurationItems": [...]}`), in `aws configservice get-resource-config-history` (`configurationItems`,
the configuration as a JSON string), `batch-get-resource-config` and `batch-get-aggregate-resource-config`
(`baseConfigurationItems`), and `select-resource-config` / `select-aggregate-resource-config` (`Results`,
each item a JSON string).  An auditor who reads an organisation's resources from a Config aggregator has
these, not the describe calls' output.

Each item's `configuration` is the resource as its describe call returns it with the keys in camelCase (Auto
Scaling), or as CloudFormation names it (an EC2 launch template: `Id`, `LaunchTemplateData`); the tags are the
item's own (`{"key": "value"}`, or a list of `{key, value}`), and a group's lifecycle hooks are its
`supplementaryConfiguration.LifeCycleHooks`.  The property names are those of AWS Config's resource schema
(github.com/awslabs/aws-config-resource-schema, `config/properties/resource-types/`).  Items of other
resource types, and deleted resources (no configuration), are left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from .responses import Responses

NO_RESOURCES = (
    "AWS Config configuration items, none of an Auto Scaling group, launch configuration, scheduled action or"
    " EC2 launch template with its configuration"
)
_ITEM_LISTS = ("configurationItems", "baseConfigurationItems")
_TYPES = {
    "AWS::AutoScaling::AutoScalingGroup",
    "AWS::AutoScaling::LaunchConfiguration",
    "AWS::AutoScaling::ScheduledAction",
    "AWS::EC2::LaunchTemplate",
}


def is_config(doc: Any) -> bool:
    """Whether a document holds AWS Config configuration items (of any resource type)."""
    if not isinstance(doc, dict):
        return False
    for key in _ITEM_LISTS:
        items = doc.get(key)
        if (
            isinstance(items, list)
            and items
            and all(isinstance(i, dict) and "resourceType" in i for i in items)
        ):
            return True
    results = doc.get("Results")
    return isinstance(results, list) and "QueryInfo" in doc and all(isinstance(r, str) for r in results)


def _is_item(item: Any) -> bool:
    return isinstance(item, dict) and "resourceType" in item


def _items(doc: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for key in _ITEM_LISTS:
        for item in doc.get(key) or ():
            if isinstance(item, dict):
                yield item
    for result in doc.get("Results") or ():
        parsed = _json(result)
        if isinstance(parsed, dict):
            yield parsed


def _json(value: Any) -> Any:
    """A value that Config (or the CLI) wrote as a JSON string, parsed; anything else as it is."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def pascal(value: Any) -> Any:
    """camelCase keys as the describe calls spell them (`autoScalingGroupName` -> `AutoScalingGroupName`)."""
    if isinstance(value, dict):
        return {(k[:1].upper() + k[1:] if isinstance(k, str) else k): pascal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [pascal(v) for v in value]
    return value


def _tags(item: Mapping[str, Any]) -> list[tuple[str, str]]:
    tags = item.get("tags")
    if isinstance(tags, dict):
        return [(str(k), "" if v is None else str(v)) for k, v in tags.items()]
    if isinstance(tags, list):
        return [
            (str(t["key"]), "" if t.get("value") is None else str(t["value"]))
            for t in tags
            if isinstance(t, dict) and "key" in t
        ]
    return []


def convert(doc: Mapping[str, Any]) -> Responses:
    """The API responses that a document's configuration items stand for."""
    out = Responses()
    for item in _items(doc):
        kind = item.get("resourceType")
        config = _json(item.get("configuration"))
        if kind not in _TYPES:
            continue
        if (not isinstance(config, dict) or not config) and kind == "AWS::AutoScaling::AutoScalingGroup":
            # a query that selected the group's name and tags only (`SELECT resourceName, tags ...`): those
            config = {"autoScalingGroupName": item.get("resourceName")} if item.get("resourceName") else None
            if config is not None and isinstance(item.get("arn") or item.get("resourceId"), str):
                arn = item.get("arn") or item.get("resourceId")
                if str(arn).startswith("arn:"):
                    config["autoScalingGroupARN"] = arn
        if not isinstance(config, dict) or not config:
            out.notes.append(
                f"a {kind} configuration item without a configuration (a deleted resource, or a query that"
                " did not select it)"
            )
            continue
        tags = _tags(item)
        if kind == "AWS::AutoScaling::AutoScalingGroup":
            group = pascal(config)
            name = group.get("AutoScalingGroupName") or item.get("resourceName")
            if "Tags" not in group and tags:
                group["Tags"] = [
                    {"ResourceId": name, "ResourceType": "auto-scaling-group", "Key": k, "Value": v}
                    for k, v in tags
                ]
            out.groups.append(group)
            supplementary = item.get("supplementaryConfiguration")
            hooks = _json(supplementary.get("LifeCycleHooks")) if isinstance(supplementary, dict) else None
            for hook in hooks if isinstance(hooks, list) else ():
                if isinstance(hook, dict):
                    out.hooks.append({"AutoScalingGroupName": name, **pascal(hook)})
        elif kind == "AWS::AutoScaling::LaunchConfiguration":
            out.configurations.append(pascal(config))
        elif kind == "AWS::AutoScaling::ScheduledAction":
            out.scheduled.append(pascal(config))
        else:  # an EC2 launch template, as CloudFormation names its properties
            template_id = config.get("Id") or config.get("LaunchTemplateId") or item.get("resourceId")
            name = config.get("LaunchTemplateName") or item.get("resourceName")
            out.templates.append(
                {
                    "LaunchTemplateId": template_id,
                    "LaunchTemplateName": name,
                    "Tags": [{"Key": k, "Value": v} for k, v in tags],
                }
            )
            data = config.get("LaunchTemplateData")
            # (the data Config records is the template's latest version's, as CloudFormation reads it)
            version = str(config.get("LatestVersionNumber") or config.get("DefaultVersionNumber") or "")
            if isinstance(data, dict) and not version.isdigit():
                out.notes.append(
                    f"launch template {template_id}: a configuration item without a version number"
                )
            elif isinstance(data, dict):
                out.versions.append(
                    {
                        "LaunchTemplateId": template_id,
                        "LaunchTemplateName": name,
                        "VersionNumber": int(version),
                        "LaunchTemplateData": data,
                        **(
                            {"VersionDescription": config["VersionDescription"]}
                            if isinstance(config.get("VersionDescription"), str)
                            else {}
                        ),
                    }
                )
    return out
