"""Messages and events that Auto Scaling sends, read as the API responses of the resources they name.

A lifecycle hook's notification carries the hook's `NotificationMetadata` and its group's name; AWS delivers
it to an SQS queue or SNS topic (the hook's target) and to EventBridge.  Teams save these messages: `aws sqs
receive-message` output (`Messages[].Body`, a JSON string), SNS envelopes (`Type: Notification`, the message
a JSON string under `Message`) as an HTTPS subscriber or a Lambda function (`Records[].Sns`) received them,
EventBridge events (`source: aws.autoscaling`, the message under `detail`), and the launch, terminate and
test notifications of a group's notification configuration.  Each message becomes the group it names
(`AutoScalingGroupName`, and the group's ARN where the message or event gives it) and, for a lifecycle
message, the hook with its metadata; the same hook in many messages is read once per document.

Envelopes are found wherever they sit in a document (a list of captured requests, a queue's messages, a
Lambda event), down to `_MAX_DEPTH` levels and through values that are JSON text.  Message ids, receipt
handles, lifecycle action tokens and SNS signatures are AWS's own values and are not scanned.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from ..aws.arn import parse_arn
from .responses import Responses

NO_RESOURCES = "messages or events, none from Auto Scaling naming a group or a lifecycle hook"
_MAX_DEPTH = 12
_MAX_JSON_TEXT = 4 * 1024 * 1024  # a value longer than this is not parsed as a message


def _parsed(value: str) -> Any:
    """A value that holds a JSON object or list as text, parsed; else None."""
    text = value.strip()
    if text[:1] not in ("{", "[") or len(text) > _MAX_JSON_TEXT:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _group_arn(value: Any) -> str | None:
    if isinstance(value, str):
        parsed = parse_arn(value)
        if parsed is not None and value.startswith("arn:") and ":autoscaling:" in value:
            return value
    return None


def _is_message(doc: Mapping[str, Any]) -> bool:
    """A message from Auto Scaling: a group's name with a hook's name, or an `autoscaling:` event."""
    if not isinstance(doc.get("AutoScalingGroupName"), str):
        return False
    event = doc.get("Event") or doc.get("LifecycleTransition")
    return (
        isinstance(doc.get("LifecycleHookName"), str)
        or (isinstance(event, str) and event.startswith("autoscaling:"))
        or doc.get("Service") == "AWS Auto Scaling"
    )


Message = tuple[Mapping[str, Any], str | None, str | None]


def _messages(
    doc: Any, depth: int = 0, arn: str | None = None, target: str | None = None
) -> Iterator[Message]:
    """(message, group ARN or None, target ARN or None) for each Auto Scaling message within `doc`."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(doc, list):
        for item in doc:
            yield from _messages(item, depth + 1, arn, target)
        return
    if isinstance(doc, str):
        parsed = _parsed(doc)
        if parsed is not None:
            yield from _messages(parsed, depth + 1, arn, target)
        return
    if not isinstance(doc, dict):
        return
    if doc.get("source") == "aws.autoscaling" and isinstance(doc.get("detail"), dict):
        resources = doc.get("resources")
        found = next((a for a in resources if _group_arn(a)), None) if isinstance(resources, list) else None
        yield from _messages(doc["detail"], depth + 1, found or arn, target)
        return
    if doc.get("Type") == "Notification" and isinstance(doc.get("Message"), str):
        topic = doc.get("TopicArn")
        yield from _messages(doc["Message"], depth + 1, arn, topic if isinstance(topic, str) else target)
        return
    if _is_message(doc):
        yield doc, _group_arn(doc.get("AutoScalingGroupARN")) or arn, target
        return
    for key, value in doc.items():
        if key in ("Signature", "ReceiptHandle", "MD5OfBody", "LifecycleActionToken"):
            continue
        yield from _messages(value, depth + 1, arn, target)


def is_messages(doc: Any) -> bool:
    """Whether a document holds at least one message or event from Auto Scaling."""
    if not isinstance(doc, dict | list):
        return False
    return next(_messages(doc), None) is not None


def convert(doc: Any) -> Responses:
    """The groups and lifecycle hooks that a document's Auto Scaling messages name."""
    out = Responses()
    groups: dict[str, dict[str, Any]] = {}
    hooks: dict[tuple[str, str, str], dict[str, Any]] = {}
    for message, arn, target in _messages(doc):
        name = message["AutoScalingGroupName"]
        group = groups.setdefault(name, {"AutoScalingGroupName": name})
        if arn and "AutoScalingGroupARN" not in group:
            group["AutoScalingGroupARN"] = arn
        hook_name = message.get("LifecycleHookName")
        if not isinstance(hook_name, str):
            continue
        metadata = message.get("NotificationMetadata")
        metadata = metadata if isinstance(metadata, str) else None
        key = (name, hook_name, metadata or "")
        if key in hooks:
            continue
        hook: dict[str, Any] = {"AutoScalingGroupName": name, "LifecycleHookName": hook_name}
        if metadata is not None:
            hook["NotificationMetadata"] = metadata
        if target is not None and parse_arn(target) is not None:
            hook["NotificationTargetARN"] = target
        if arn:
            hook["AutoScalingGroupARN"] = arn  # (where the hook's account and region come from)
        hooks[key] = hook
    for hook in hooks.values():  # (a group's ARN that another of its messages gave)
        arn = groups[hook["AutoScalingGroupName"]].get("AutoScalingGroupARN")
        if arn and "AutoScalingGroupARN" not in hook:
            hook["AutoScalingGroupARN"] = arn
    out.groups.extend(groups.values())
    out.hooks.extend(hooks.values())
    return out
