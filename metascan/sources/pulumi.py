"""Pulumi -> the API responses of the resources it manages.

Read by content, from Pulumi's documentation (https://www.pulumi.com/docs/iac/languages-sdks/yaml/,
https://www.pulumi.com/docs/iac/concepts/config/, https://www.pulumi.com/docs/iac/concepts/state-and-backends/):

* a YAML program (`Pulumi.yaml` with `runtime: yaml`, or any YAML with its `resources`): each resource's
  `type` and `properties`.  The AWS provider is bridged from Terraform's: `aws:autoscaling:Group` is
  `aws_autoscaling_group` and its properties are Terraform's arguments in camelCase (`userData`,
  `tagSpecifications`), so they are read as Terraform's (`terraform.py`).  `aws-native` resources are
  CloudFormation's (`aws-native:autoscaling:AutoScalingGroup` is `AWS::AutoScaling::AutoScalingGroup`, its
  properties CloudFormation's in camelCase) and are read as a template.  Of the built-in functions,
  `fn::toBase64`, `fn::fromBase64`, `fn::toJSON`, `fn::secret` (a literal marked secret is still in the
  file) and `fn::join` of literals are what they make; others (`fn::invoke`, `fn::readFile`) and
  interpolations (`${bucket.id}`) are references.  The program's `config` defaults are parameters.
* a stack's settings (`Pulumi.<stack>.yaml`): `config` values given in plain text are parameters (a
  `secure:` value is ciphertext and is not read);
* `pulumi stack export`: each resource's `inputs` and `outputs` (a secret is an object with its
  ciphertext, not read).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Any

from . import cloudformation, terraform
from .inventory import pascal_case
from .responses import Responses

NO_RESOURCES = (
    "a Pulumi program or stack without Auto Scaling, launch template or SNS resources or config values"
)

# The AWS provider's resources that Terraform's mapping reads, by (module, resource).
_CLASSIC = {
    ("autoscaling", "Group"): "aws_autoscaling_group",
    ("autoscaling", "LifecycleHook"): "aws_autoscaling_lifecycle_hook",
    ("autoscaling", "Notification"): "aws_autoscaling_notification",
    ("autoscaling", "Schedule"): "aws_autoscaling_schedule",
    ("ec2", "LaunchTemplate"): "aws_launch_template",
    ("ec2", "LaunchConfiguration"): "aws_launch_configuration",
    ("sns", "Topic"): "aws_sns_topic",
    ("sns", "TopicSubscription"): "aws_sns_topic_subscription",
}
_NATIVE_SERVICES = {"autoscaling": "AutoScaling", "ec2": "EC2", "sns": "SNS"}
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")
_TAG_MAPS = frozenset({"tags", "tagsAll"})  # maps whose keys are the tags' own


def _token(type_token: Any) -> tuple[str, str, str] | None:
    """(provider, module, resource) of a type token: `aws:ec2:LaunchTemplate` as a program writes it,
    `aws:ec2/launchTemplate:LaunchTemplate` as state records it."""
    if not isinstance(type_token, str):
        return None
    parts = type_token.split(":")
    if len(parts) != 3:
        return None
    return parts[0], parts[1].split("/", 1)[0], parts[2]


def snake_case(value: Any, key: str = "") -> Any:
    """Pulumi's camelCase names as Terraform's snake_case (a map of tags keeps its keys)."""
    if isinstance(value, list):
        return [snake_case(v) for v in value]
    if not isinstance(value, dict):
        return value
    if key in _TAG_MAPS and all(not isinstance(v, dict | list) for v in value.values()):
        return dict(value)
    return {_CAMEL.sub(r"_\1", k).lower(): snake_case(v, k) for k, v in value.items() if isinstance(k, str)}


def _evaluated(value: Any) -> Any:
    """A YAML program's value with the built-in functions of literals applied (see the module docstring);
    None for what is known only when the program runs."""
    if isinstance(value, list):
        return [_evaluated(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((name, arg),) = value.items()
        if isinstance(name, str) and name.startswith("fn::"):
            return _function(name[4:], _evaluated(arg))
    return {k: _evaluated(v) for k, v in value.items()}


def _function(name: str, arg: Any) -> Any:
    if name == "secret":
        return arg
    if name == "toBase64" and isinstance(arg, str):
        return base64.b64encode(arg.encode("utf-8", "surrogatepass")).decode("ascii")
    if name == "fromBase64" and isinstance(arg, str):
        try:
            return base64.b64decode(arg, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return None
    if name == "toJSON" and arg is not None:
        return json.dumps(arg, ensure_ascii=False)
    if name == "join" and isinstance(arg, list) and len(arg) == 2:
        sep, items = arg
        if isinstance(sep, str) and isinstance(items, list) and all(isinstance(i, str) for i in items):
            return sep.join(items)
    return None


def is_program(doc: Any) -> bool:
    """A Pulumi YAML program, stack settings or `pulumi stack export`."""
    if not isinstance(doc, dict):
        return False
    if _export_resources(doc) is not None:
        return True
    if isinstance(doc.get("resources"), dict) and (doc.get("runtime") == "yaml" or _typed_resources(doc)):
        return True
    config = doc.get("config")
    return isinstance(config, dict) and (
        "encryptionsalt" in doc or "secretsprovider" in doc or any(":" in str(k) for k in config)
    )


def _typed_resources(doc: Mapping[str, Any]) -> bool:
    resources = doc["resources"]
    return bool(resources) and all(
        isinstance(r, dict) and _token(r.get("type")) is not None for r in resources.values()
    )


def _export_resources(doc: Mapping[str, Any]) -> list[Any] | None:
    deployment = doc.get("deployment") if "version" in doc else None
    resources = deployment.get("resources") if isinstance(deployment, dict) else None
    return resources if isinstance(resources, list) else None


def convert(doc: Mapping[str, Any]) -> Responses:
    """The responses of a Pulumi document (see the module docstring)."""
    classic: list[terraform.Resource] = []
    native: dict[str, Any] = {}
    exported = _export_resources(doc)
    if exported is not None:
        deployed = True
        entries = [
            (
                str(r.get("urn", "")).rsplit("::", 1)[-1],
                r.get("type"),
                {**_dict(r.get("inputs")), **_dict(r.get("outputs"))},
            )
            for r in exported
            if isinstance(r, dict)
        ]
    else:
        deployed = False
        resources = doc.get("resources")
        entries = [
            (str(name), r.get("type"), _evaluated(_dict(r.get("properties"))))
            for name, r in (resources.items() if isinstance(resources, dict) else [])
            if isinstance(r, dict)
        ]
    for name, type_token, properties in entries:
        token = _token(type_token)
        if token is None or not isinstance(properties, dict):
            continue
        provider, module, resource = token
        if provider == "aws" and (module, resource) in _CLASSIC:
            rtype = _CLASSIC[(module, resource)]
            attrs = snake_case({k: v for k, v in properties.items() if not k.startswith("__")})
            classic.append((rtype, f"{rtype}.{name}", attrs, deployed))
        elif provider == "aws-native" and module in _NATIVE_SERVICES:
            cfn_type = f"AWS::{_NATIVE_SERVICES[module]}::{resource}"
            native[name] = {"Type": cfn_type, "Properties": pascal_case(properties)}
    out = terraform.responses_of(classic, _config(doc))
    if native:
        out.merge(cloudformation.convert({"Resources": native}))
    return out


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _config(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Config values in plain text (a stack's settings) and a program's config defaults, as parameters."""
    config = doc.get("config")
    values: dict[str, Any] = {}
    for key, value in config.items() if isinstance(config, dict) else []:
        if isinstance(value, dict) and ("secure" in value or "type" in value or "default" in value):
            value = value.get("default") if "secure" not in value else None
        if value is not None:
            values[str(key)] = value
    return terraform.read_tfvars(values).parameters
