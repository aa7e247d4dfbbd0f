"""Infrastructure code read as the API responses of what it deploys.

A CloudFormation template (`cloudformation.py`) or a Terraform plan, state or configuration (`terraform.py`)
becomes the responses the AWS API would return for the resources it creates, item for item, so the
extractors, detectors and checks apply unchanged.  `Responses` collects them, in the order the scanner reads
them, with notes on what could not be read (each becomes a `Skipped`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Responses:
    """The API responses a template stands for, in the order the scanner should read them."""

    templates: list[dict[str, Any]] = field(default_factory=list)
    versions: list[dict[str, Any]] = field(default_factory=list)
    configurations: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    hooks: list[dict[str, Any]] = field(default_factory=list)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    topics: list[dict[str, Any]] = field(default_factory=list)
    subscriptions: list[dict[str, Any]] = field(default_factory=list)
    parameters: list[dict[str, Any]] = field(default_factory=list)
    scheduled: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was not read, and why

    def merge(self, other: Responses) -> None:
        """Adds what `other` holds (the responses of two kinds of resources of one document)."""
        for name in self.__dataclass_fields__:
            getattr(self, name).extend(getattr(other, name))

    def __len__(self) -> int:
        """How many resources the responses hold."""
        return sum(
            len(items)
            for items in (self.templates, self.versions, self.configurations, self.groups, self.hooks)
        ) + sum(len(items) for items in (self.notifications, self.topics, self.subscriptions, self.scheduled))

    def documents(self) -> Iterator[dict[str, Any]]:
        for key, items in (
            ("LaunchTemplates", self.templates),
            ("LaunchTemplateVersions", self.versions),
            ("LaunchConfigurations", self.configurations),
            ("AutoScalingGroups", self.groups),
            ("LifecycleHooks", self.hooks),
            ("NotificationConfigurations", self.notifications),
            ("ScheduledUpdateGroupActions", self.scheduled),
        ):
            if items:
                yield {key: items}
        for attributes in self.topics:
            yield {"Attributes": attributes}
        if self.subscriptions:
            yield {"Subscriptions": self.subscriptions}
        if self.parameters:
            yield {"Parameters": self.parameters}
