"""CloudTrail events read as the API responses of the resources their write calls made.

Names, tags and metadata end up in diagnostic logs: CloudTrail records each call that creates or changes
Auto Scaling metadata with the request's parameters.  A trail's log files (`{"Records": [...]}`, as delivered
to S3, gzip too), `aws cloudtrail lookup-events` output (`Events[].CloudTrailEvent`, each event a JSON
string), events one per line (CloudWatch Logs, `jq -c`) and EventBridge's "AWS API Call via CloudTrail"
events (the event under `detail`) are read.  Events of these calls become the resources they wrote:

* Auto Scaling (`requestParameters` in camelCase): CreateAutoScalingGroup and UpdateAutoScalingGroup (a
  group, with its tags and the lifecycle hooks it was created with), CreateOrUpdateTags (each group's tags),
  PutLifecycleHook, PutScheduledUpdateGroupAction and BatchPutScheduledUpdateGroupAction,
  PutNotificationConfiguration, CreateLaunchConfiguration;
* EC2 CreateLaunchTemplate and CreateLaunchTemplateVersion (`CreateLaunchTemplateRequest`: the Query API's
  serialised names, `TagSpecification` for `TagSpecifications`, a list of one item written as the item, list
  items carrying a `tag` index and scalars a `content`): the template and the version, mapped onto the
  service model's member names; the version number from the response elements;
* SNS Subscribe: the subscription's endpoint.

CloudTrail leaves out what it redacts (`<sensitiveDataRemoved>`, `HIDDEN_DUE_TO_SECURITY_REASONS`): nothing
is found there.  Events of other calls, and the event's envelope (who called, from where), are not scanned.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from .apixml import model
from .awsconfig import pascal
from .responses import Responses

NO_RESOURCES = (
    "CloudTrail events, none of a call that writes Auto Scaling, launch template or SNS subscription data"
)
_SOURCES = {"autoscaling.amazonaws.com", "ec2.amazonaws.com", "sns.amazonaws.com"}


def _is_event(value: Any) -> bool:
    return isinstance(value, dict) and "eventSource" in value and "eventName" in value


def single_event(doc: Any) -> Mapping[str, Any] | None:
    """The event a document is, alone (one line of a log, an EventBridge event), else None."""
    if not isinstance(doc, dict):
        return None
    detail = doc.get("detail") if doc.get("detail-type") == "AWS API Call via CloudTrail" else doc
    return detail if isinstance(detail, dict) and _is_event(detail) else None


def is_trail(doc: Any) -> bool:
    """Whether a document holds CloudTrail events (of any call), in a log file or lookup-events output."""
    if not isinstance(doc, dict):
        return False
    records = doc.get("Records")
    if isinstance(records, list) and records and all(_is_event(r) for r in records):
        return True
    events = doc.get("Events")
    return (
        isinstance(events, list)
        and bool(events)
        and all(isinstance(e, dict) and isinstance(e.get("CloudTrailEvent"), str) for e in events)
    )


def _events(doc: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for record in doc.get("Records") or ():
        if _is_event(record):
            yield record
    for event in doc.get("Events") or ():
        try:
            parsed = json.loads(event.get("CloudTrailEvent") or "")
        except (ValueError, AttributeError):
            continue
        if _is_event(parsed):
            yield parsed


_REDACTED = frozenset({"<sensitiveDataRemoved>", "HIDDEN_DUE_TO_SECURITY_REASONS", "<removed>"})


def _unredacted(value: Any) -> Any:
    """A request's parameters without the fields CloudTrail redacted (nothing is left there to find)."""
    if isinstance(value, dict):
        return {k: _unredacted(v) for k, v in value.items() if not (isinstance(v, str) and v in _REDACTED)}
    if isinstance(value, list):
        return [_unredacted(v) for v in value]
    return value


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _query_value(value: Any, shape: Any) -> Any:
    """A value EC2's CloudTrail events record (Query API names and forms) in the service model's terms."""
    kind = getattr(shape, "type_name", None)
    if kind == "structure" and isinstance(value, dict):
        members = {}
        for name, member in shape.members.items():
            members[name.lower()] = (name, member)
            wire = member.serialization.get("name") or member.serialization.get("queryName")
            if wire:
                members.setdefault(wire.lower(), (name, member))
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key == "tag":
                continue
            name, member = members.get(str(key).lower(), (key, None))
            out[name] = _query_value(item, member) if member is not None else item
        return out
    if kind == "list":
        return [_query_value(item, shape.member) for item in _list(value)]
    if isinstance(value, dict) and "content" in value:  # a scalar list item: {"tag": 1, "content": "sg-..."}
        return value["content"]
    return value


def _ec2_shape(name: str) -> Any:
    return model("ec2").shape_for(name)


def _tags(specs: Any, resource_type: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for spec in _list(specs):
        if isinstance(spec, dict) and spec.get("ResourceType") == resource_type:
            out.extend(t for t in _list(spec.get("Tags")) if isinstance(t, dict))
    return out


def _lower_first(value: Any) -> Any:
    if isinstance(value, dict):
        return {(k[:1].lower() + k[1:] if isinstance(k, str) else k): v for k, v in value.items()}
    return {}


def _launch_template(event: Mapping[str, Any], params: Mapping[str, Any], out: Responses) -> None:
    name = event.get("eventName")
    request = params.get(f"{name}Request")
    if not isinstance(request, dict):
        return
    converted = _query_value(request, _ec2_shape(f"{name}Request"))
    response = event.get("responseElements")
    response = response.get(f"{name}Response") if isinstance(response, dict) else None
    created = {}
    if isinstance(response, dict):
        created = _lower_first(response.get("launchTemplate") or response.get("launchTemplateVersion"))
    template_id = created.get("launchTemplateId") or converted.get("LaunchTemplateId")
    template_name = created.get("launchTemplateName") or converted.get("LaunchTemplateName")
    number = created.get("versionNumber") or created.get("latestVersionNumber")
    if number is None and name == "CreateLaunchTemplate":
        number = 1  # (a template's first version)
    key = template_id or template_name
    if not key:
        out.notes.append(f"a CloudTrail {name} event without a launch template id or name")
        return
    if name == "CreateLaunchTemplate":
        out.templates.append(
            {
                "LaunchTemplateId": key,
                "LaunchTemplateName": template_name,
                "Tags": _tags(converted.get("TagSpecifications"), "launch-template"),
            }
        )
    try:
        version = int(str(number))
    except ValueError:
        out.notes.append(f"launch template {key}: a CloudTrail {name} event without the version it made")
        return
    data = converted.get("LaunchTemplateData")
    out.versions.append(
        {
            "LaunchTemplateId": key,
            "LaunchTemplateName": template_name,
            "VersionNumber": version,
            "LaunchTemplateData": data if isinstance(data, dict) else {},
            **(
                {"VersionDescription": converted["VersionDescription"]}
                if "VersionDescription" in converted
                else {}
            ),
        }
    )


def _autoscaling(name: str, params: Mapping[str, Any], out: Responses) -> None:
    request = pascal(dict(params))
    group = request.get("AutoScalingGroupName")
    if name in ("CreateAutoScalingGroup", "UpdateAutoScalingGroup"):
        hooks = request.pop("LifecycleHookSpecificationList", None)
        out.groups.append(request)
        for hook in _list(hooks):
            if isinstance(hook, dict):
                out.hooks.append({"AutoScalingGroupName": group, **hook})
    elif name == "CreateOrUpdateTags":
        by_group: dict[str, list[dict[str, Any]]] = {}
        for tag in _list(request.get("Tags")):
            if isinstance(tag, dict) and isinstance(tag.get("ResourceId"), str):
                by_group.setdefault(tag["ResourceId"], []).append(tag)
        out.groups.extend({"AutoScalingGroupName": g, "Tags": tags} for g, tags in by_group.items())
    elif name == "PutLifecycleHook":
        out.hooks.append(request)
    elif name == "PutScheduledUpdateGroupAction":
        out.scheduled.append(request)
    elif name == "BatchPutScheduledUpdateGroupAction":
        for action in _list(request.get("ScheduledUpdateGroupActions")):
            if isinstance(action, dict):
                out.scheduled.append({"AutoScalingGroupName": group, **action})
    elif name == "PutNotificationConfiguration":
        topic = request.get("TopicARN") or request.get("TopicArn")
        for kind in _list(request.get("NotificationTypes")):
            out.notifications.append(
                {"AutoScalingGroupName": group, "TopicARN": topic, "NotificationType": kind}
            )
    elif name == "CreateLaunchConfiguration":
        out.configurations.append(request)


def convert(doc: Mapping[str, Any]) -> Responses:
    """The API responses that a document's CloudTrail events stand for."""
    out = Responses()
    for event in _events(doc):
        source, name = event.get("eventSource"), event.get("eventName")
        params = _unredacted(event.get("requestParameters"))
        if source not in _SOURCES or not isinstance(name, str) or not isinstance(params, dict):
            continue
        if source == "autoscaling.amazonaws.com":
            _autoscaling(name, params, out)
        elif source == "ec2.amazonaws.com" and name in (
            "CreateLaunchTemplate",
            "CreateLaunchTemplateVersion",
        ):
            _launch_template(event, params, out)
        elif name == "Subscribe":
            response = event.get("responseElements")
            arn = response.get("subscriptionArn") if isinstance(response, dict) else None
            out.subscriptions.append(
                {
                    "TopicArn": params.get("topicArn"),
                    "Protocol": params.get("protocol"),
                    "Endpoint": params.get("endpoint"),
                    "SubscriptionArn": arn if isinstance(arn, str) else "PendingConfirmation",
                }
            )
    return out
