"""Kubernetes manifests of AWS resources -> the API responses of the resources they manage.

Read by content (`apiVersion` and `kind`), from the controllers' documentation:

* Crossplane's Upbound AWS providers (https://marketplace.upbound.io/providers/upbound/provider-aws):
  `autoscaling.aws.upbound.io` (`AutoscalingGroup`, `LaunchConfiguration`, `LifecycleHook`,
  `Notification`, `Schedule`), `ec2.aws.upbound.io` (`LaunchTemplate`), `sns.aws.upbound.io` (`Topic`,
  `TopicSubscription`), also their namespaced `*.aws.m.upbound.io` forms.  They are generated from
  Terraform's provider: `spec.forProvider` is a Terraform resource's arguments in camelCase, nested blocks
  as lists, so it is read as Terraform's (`terraform.py`).  The resource's name is its
  `crossplane.io/external-name` annotation, else `metadata.name`.
* AWS Controllers for Kubernetes (https://aws-controllers-k8s.github.io/community/reference/): an
  `ec2.services.k8s.aws` `LaunchTemplate`'s `spec` is the API's `CreateLaunchTemplate` input in camelCase
  (`name`, `launchTemplateData`, `versionDescription`, `tags`): the template and its first version.
* Manifests inside a Crossplane `Composition` (`spec.resources[].base`, and the `patch-and-transform`
  function's `spec.pipeline[].input.resources[].base`) and a `List`'s `items` are read the same way.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from . import pulumi, terraform
from .inventory import pascal_case
from .responses import Responses

_UPBOUND = {
    ("autoscaling", "autoscalinggroup"): "aws_autoscaling_group",
    ("autoscaling", "launchconfiguration"): "aws_launch_configuration",
    ("autoscaling", "lifecyclehook"): "aws_autoscaling_lifecycle_hook",
    ("autoscaling", "notification"): "aws_autoscaling_notification",
    ("autoscaling", "schedule"): "aws_autoscaling_schedule",
    ("ec2", "launchtemplate"): "aws_launch_template",
    ("sns", "topic"): "aws_sns_topic",
    ("sns", "topicsubscription"): "aws_sns_topic_subscription",
}
_EXTERNAL_NAME = "crossplane.io/external-name"
# The argument the external name is (none for resources without a name of their own).
_NAME_ARGUMENT = {
    "aws_autoscaling_schedule": "scheduled_action_name",
    "aws_autoscaling_notification": None,
    "aws_sns_topic_subscription": None,
}


def is_manifest(doc: Any) -> bool:
    return (
        isinstance(doc, dict) and isinstance(doc.get("apiVersion"), str) and isinstance(doc.get("kind"), str)
    )


def _manifests(doc: Mapping[str, Any], depth: int = 0) -> Iterator[Mapping[str, Any]]:
    """The manifest and those a Composition or a List holds."""
    if depth > 4:
        return
    kind = doc.get("kind")
    spec = doc.get("spec")
    if kind == "List":
        for item in doc.get("items") or []:
            if is_manifest(item):
                yield from _manifests(item, depth + 1)
        return
    if kind == "Composition" and isinstance(spec, dict):
        sources = [spec.get("resources")]
        for step in spec.get("pipeline") or []:
            step_input = step.get("input") if isinstance(step, dict) else None
            if isinstance(step_input, dict):
                sources.append(step_input.get("resources"))
        for resources in sources:
            for entry in resources if isinstance(resources, list) else []:
                base = entry.get("base") if isinstance(entry, dict) else None
                if isinstance(base, dict) and is_manifest(base):
                    yield from _manifests(base, depth + 1)
        return
    yield doc


def convert(doc: Mapping[str, Any]) -> Responses:
    """The responses of a manifest (see the module docstring); empty for other manifests."""
    resources: list[terraform.Resource] = []
    out = Responses()
    for manifest in _manifests(doc):
        group = str(manifest["apiVersion"]).split("/", 1)[0]
        kind = str(manifest["kind"]).lower()
        metadata: Mapping[str, Any] = _mapping(manifest.get("metadata"))
        spec: Mapping[str, Any] = _mapping(manifest.get("spec"))
        service, _, domain = group.partition(".")
        if domain in ("aws.upbound.io", "aws.m.upbound.io") and (service, kind) in _UPBOUND:
            rtype = _UPBOUND[(service, kind)]
            attrs = pulumi.snake_case(_mapping(spec.get("forProvider")))
            annotations = _mapping(metadata.get("annotations"))
            name = annotations.get(_EXTERNAL_NAME) or metadata.get("name")
            argument = _NAME_ARGUMENT.get(rtype, "name")
            if isinstance(name, str) and argument is not None and argument not in attrs:
                attrs[argument] = name
            resources.append((rtype, f"{rtype}.{metadata.get('name') or name}", attrs, False))
        elif group == "ec2.services.k8s.aws" and kind == "launchtemplate":
            out.merge(_ack_template(spec, metadata))
    out.merge(terraform.responses_of(resources, []))
    return out


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _ack_template(spec: Mapping[str, Any], metadata: Mapping[str, Any]) -> Responses:
    name = spec.get("name") if isinstance(spec.get("name"), str) else metadata.get("name")
    converted = pascal_case(dict(spec))
    out = Responses()
    template: dict[str, Any] = {"LaunchTemplateName": name, "LaunchTemplateId": name}
    if isinstance(converted.get("Tags"), list):
        template["Tags"] = converted["Tags"]
    out.templates.append(template)
    version: dict[str, Any] = {"LaunchTemplateName": name, "LaunchTemplateId": name, "VersionNumber": 1}
    for member in ("VersionDescription", "LaunchTemplateData"):
        if member in converted:
            version[member] = converted[member]
    out.versions.append(version)
    return out
