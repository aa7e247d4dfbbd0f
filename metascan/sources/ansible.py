"""Ansible playbooks and task files -> the API responses of the AWS resources their tasks create.

Read by content: a YAML list of plays (`hosts` with `tasks`, `pre_tasks`, `post_tasks`, `handlers`) or of
tasks, in which a task calls one of the modules of the `amazon.aws` and `community.aws` collections that
create Auto Scaling and SNS resources (by their full name, short name or older name, from the collections'
documentation: https://docs.ansible.com/ansible/latest/collections/amazon/aws/ and .../community/aws/).
Blocks (`block`, `rescue`, `always`) are read too.  Each task's arguments are mapped onto the Terraform
resource of the same API object, whose mapping (`terraform.py`) makes the responses:

* `autoscaling_group` (`ec2_asg`): `name`, `tags` (a list of one-tag mappings with `propagate_at_launch`),
  `launch_config_name`, `launch_template`, and `notification_topic` with `notification_types`;
* `autoscaling_launch_config` (`ec2_lc`): `name`, `user_data` (plain text, as Terraform's);
* `ec2_launch_template`: `name` or `template_name`, `user_data` (base64), `version_description`, `tags`;
* `autoscaling_lifecycle_hook` (`ec2_asg_lifecycle_hook`): `lifecycle_hook_name`, `notification_meta_data`;
* `autoscaling_scheduled_action` (`ec2_asg_scheduled_action`): `scheduled_action_name`;
* `sns_topic`: `name` and its `subscriptions` (`endpoint`, `protocol`).

A value `{{ name }}`, `{{ name | b64encode }}` or `{{ name | to_json }}` whose variable the play's `vars`
give as a literal is that literal (so a play's `launch_script` read into `user_data` is scanned); any other
Jinja expression stays as it is written, a reference.  Variables files and roles' defaults are not read.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from . import terraform
from .responses import Responses

NO_RESOURCES = (
    "an Ansible playbook or task list without tasks that create Auto Scaling, launch template or SNS"
    " resources"
)

_COLLECTIONS = ("amazon.aws.", "community.aws.")
_MODULES = {
    "autoscaling_group": "group",
    "ec2_asg": "group",
    "autoscaling_launch_config": "configuration",
    "ec2_lc": "configuration",
    "ec2_launch_template": "template",
    "autoscaling_lifecycle_hook": "hook",
    "ec2_asg_lifecycle_hook": "hook",
    "autoscaling_scheduled_action": "schedule",
    "ec2_asg_scheduled_action": "schedule",
    "sns_topic": "topic",
}
_MAX_RENDERED = 1 << 20  # characters of one value with its variables filled in
_NESTED = ("tasks", "pre_tasks", "post_tasks", "handlers", "block", "rescue", "always")
_JINJA = re.compile(r"\{\{\s*([A-Za-z_]\w*)\s*(?:\|\s*(b64encode|to_json|to_nice_json|string)\s*)?\}\}")


def _module(task: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]] | None:
    for key, args in task.items():
        if not isinstance(key, str) or not isinstance(args, dict):
            continue
        short = key
        for prefix in _COLLECTIONS:
            if key.startswith(prefix):
                short = key[len(prefix) :]
        if short in _MODULES:
            return _MODULES[short], args
    return None


def _tasks(
    items: Any, scope: Mapping[str, Any], depth: int = 0
) -> Iterator[tuple[str, Mapping[str, Any], Mapping[str, Any]]]:
    """(kind, arguments, variables) of each task that creates a resource read here."""
    if depth > 8 or not isinstance(items, list):
        return
    for item in items:
        if not isinstance(item, dict):
            continue
        own = item.get("vars")
        variables = {**scope, **own} if isinstance(own, dict) else scope
        found = _module(item)
        if found is not None:
            yield found[0], found[1], variables
        for key in _NESTED:
            if isinstance(item.get(key), list):
                yield from _tasks(item[key], variables, depth + 1)


def is_playbook(doc: Any) -> bool:
    """A list of plays or tasks with at least one task this module reads."""
    return isinstance(doc, list) and any(True for _ in _tasks(doc, {}))


def _rendered(value: Any, variables: Mapping[str, Any]) -> Any:
    """A value with each `{{ var }}` (and `| b64encode`, `| to_json`) of a literal variable filled in."""
    if isinstance(value, list):
        return [_rendered(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: _rendered(v, variables) for k, v in value.items()}
    if not isinstance(value, str) or "{{" not in value:
        return value

    def fill(m: re.Match[str]) -> str:
        known = variables.get(m.group(1))
        if known is None:  # (a variable's own expressions stay as they are: references)
            return m.group(0)
        if m.group(2) == "b64encode" and isinstance(known, str):
            return base64.b64encode(known.encode("utf-8", "surrogatepass")).decode("ascii")
        if m.group(2) in ("to_json", "to_nice_json") or not isinstance(known, str):
            return json.dumps(known, ensure_ascii=False)
        return known

    rendered = _JINJA.sub(fill, value)
    return rendered if len(rendered) <= _MAX_RENDERED else value  # (a value that names a large variable
    # many times would grow without bound: it is read as written)


def convert(doc: list[Any]) -> Responses:
    """The responses of a playbook or task list (see the module docstring)."""
    resources: list[terraform.Resource] = []
    for n, (kind, raw, variables) in enumerate(_tasks(doc, {})):
        a = _rendered(dict(raw), variables)
        if a.get("state") == "absent":
            continue
        label = f"task{n + 1}"
        if kind == "group":
            resources.extend(_group(label, a))
        elif kind == "configuration":
            resources.append(("aws_launch_configuration", f"aws_launch_configuration.{label}", a, False))
        elif kind == "template":
            attrs = dict(a)
            attrs["name"] = a.get("name") or a.get("template_name")
            attrs["description"] = a.get("version_description")
            resources.append(("aws_launch_template", f"aws_launch_template.{label}", attrs, False))
        elif kind == "hook":
            attrs = {
                **a,
                "name": a.get("lifecycle_hook_name"),
                "notification_metadata": a.get("notification_meta_data"),
            }
            resources.append(
                ("aws_autoscaling_lifecycle_hook", f"aws_autoscaling_lifecycle_hook.{label}", attrs, False)
            )
        elif kind == "schedule":
            resources.append(("aws_autoscaling_schedule", f"aws_autoscaling_schedule.{label}", a, False))
        elif kind == "topic":
            resources.extend(_topic(label, a))
    return terraform.responses_of(resources, [])


def _group(label: str, a: Mapping[str, Any]) -> list[terraform.Resource]:
    tags = []
    for entry in a.get("tags") or []:
        if not isinstance(entry, dict):
            continue
        propagate = entry.get("propagate_at_launch", True)
        for key, value in entry.items():
            if key != "propagate_at_launch":
                tags.append({"key": key, "value": value, "propagate_at_launch": propagate})
    attrs: dict[str, Any] = {"name": a.get("name"), "tag": tags}
    if a.get("launch_config_name"):
        attrs["launch_configuration"] = a["launch_config_name"]
    template = a.get("launch_template")
    if isinstance(template, dict):
        attrs["launch_template"] = [
            {
                "name": template.get("launch_template_name"),
                "id": template.get("launch_template_id"),
                "version": template.get("version"),
            }
        ]
    out: list[terraform.Resource] = [
        ("aws_autoscaling_group", f"aws_autoscaling_group.{label}", attrs, False)
    ]
    topic = a.get("notification_topic")
    if isinstance(topic, str):
        types = a.get("notification_types") or ["autoscaling:EC2_INSTANCE_LAUNCH"]
        notification = {"group_names": [a.get("name")], "notifications": types, "topic_arn": topic}
        out.append(
            ("aws_autoscaling_notification", f"aws_autoscaling_notification.{label}", notification, False)
        )
    return out


def _topic(label: str, a: Mapping[str, Any]) -> list[terraform.Resource]:
    name = a.get("name")
    out: list[terraform.Resource] = [("aws_sns_topic", f"aws_sns_topic.{label}", {"name": name}, False)]
    for i, sub in enumerate(a.get("subscriptions") or []):
        if isinstance(sub, dict):
            attrs = {"topic_arn": name, "protocol": sub.get("protocol"), "endpoint": sub.get("endpoint")}
            out.append(
                ("aws_sns_topic_subscription", f"aws_sns_topic_subscription.{label}_{i}", attrs, False)
            )
    return out
