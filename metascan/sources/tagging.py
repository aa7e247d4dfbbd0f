"""Tags as the tagging and search APIs list them, read as the tags of the resources they name.

Two AWS APIs list many resources' tags at once, and an inventory of an account's tags is often one of them:
the Resource Groups Tagging API (`aws resourcegroupstaggingapi get-resources`: `ResourceTagMappingList`,
each `{ResourceARN, Tags: [{Key, Value}]}`) and Resource Explorer (`aws resource-explorer-2 search` and
`list-resources`: `Resources`, each `{Arn, ResourceType, Properties: [{Name: "tags", Data: [...]}]}`).
The tags of Auto Scaling groups (by their ARN, `...:autoScalingGroup:<uuid>:autoScalingGroupName/<name>`) and
of EC2 launch templates (`...:launch-template/lt-...`) become those resources' tags; other resources are
not Auto Scaling metadata and are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from .responses import Responses

NO_RESOURCES = "tags of resources, none of them an Auto Scaling group or EC2 launch template"
_GROUP = re.compile(r"^arn:[\w-]+:autoscaling:[\w-]*:\d*:autoScalingGroup:[^:]*:autoScalingGroupName/(.+)$")
_TEMPLATE = re.compile(r"^arn:[\w-]+:ec2:[\w-]*:\d*:launch-template/(lt-[0-9a-f]+)$")


def _mapping_list(doc: Mapping[str, Any]) -> bool:
    items = doc.get("ResourceTagMappingList")
    return isinstance(items, list) and all(isinstance(i, dict) and "ResourceARN" in i for i in items)


def _explorer(doc: Mapping[str, Any]) -> bool:
    items = doc.get("Resources")
    return (
        isinstance(items, list)
        and bool(items)
        and all(isinstance(i, dict) and "Arn" in i and "ResourceType" in i for i in items)
    )


def is_tagging(doc: Any) -> bool:
    """Whether a document is get-resources or Resource Explorer output."""
    return isinstance(doc, dict) and (_mapping_list(doc) or _explorer(doc))


def _pairs(tags: Any) -> list[dict[str, Any]]:
    if isinstance(tags, dict):  # (some tools write tags as a map)
        return [{"Key": str(k), "Value": v} for k, v in tags.items()]
    return [t for t in tags if isinstance(t, dict) and "Key" in t] if isinstance(tags, list) else []


def _tagged(doc: Mapping[str, Any]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    for item in doc.get("ResourceTagMappingList") or ():
        if isinstance(item, dict) and isinstance(item.get("ResourceARN"), str):
            yield item["ResourceARN"], _pairs(item.get("Tags"))
    if not _explorer(doc):
        return
    for item in doc.get("Resources") or ():
        if not isinstance(item.get("Arn"), str):
            continue
        tags: list[dict[str, Any]] = []
        for prop in item.get("Properties") or ():
            if isinstance(prop, dict) and str(prop.get("Name", "")).lower() == "tags":
                tags.extend(_pairs(prop.get("Data")))
        yield item["Arn"], tags


def convert(doc: Mapping[str, Any]) -> Responses:
    """The groups' and launch templates' tags a document lists."""
    out = Responses()
    for arn, tags in _tagged(doc):
        group = _GROUP.match(arn)
        template = _TEMPLATE.match(arn)
        if group:
            name = group.group(1)
            out.groups.append(
                {
                    "AutoScalingGroupName": name,
                    "AutoScalingGroupARN": arn,
                    "Tags": [
                        {
                            "ResourceId": name,
                            "ResourceType": "auto-scaling-group",
                            "Key": t["Key"],
                            "Value": t.get("Value"),
                        }
                        for t in tags
                    ],
                }
            )
        elif template:
            out.templates.append({"LaunchTemplateId": template.group(1), "Tags": tags})
    return out
