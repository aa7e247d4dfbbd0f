"""What kind of text an input is, and, for one metascan does not read, what it most likely is instead.

Inputs are recognised by their content, never by file name alone.  Texts are told apart cheaply before any
parser runs (AWS CLI `--output text` and `--output table`, HCL); an input that is read but not recognised
gets a reason naming the closest format metascan does read, so a run that scans nothing says why.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from ..aws.documents import EXTRACTORS
from ..aws.documents import unrecognised as unrecognised_response

SUPPORTED = (
    "metascan reads saved AWS CLI/API output (JSON or YAML, the API's XML, gzip too), CloudFormation"
    " templates (JSON or YAML, CDK and SAM too), Terraform plans, state and .tf files, AWS Config"
    " configuration items, CloudTrail events and inventory tools' tables (CloudQuery, Steampipe; JSON or CSV)"
)

# The AWS CLI command that saves each response kind.
CALLS = {
    "AutoScalingGroups": "aws autoscaling describe-auto-scaling-groups",
    "LaunchConfigurations": "aws autoscaling describe-launch-configurations",
    "LaunchTemplateVersions": "aws ec2 describe-launch-template-versions",
    "LaunchTemplates": "aws ec2 describe-launch-templates",
    "LifecycleHooks": "aws autoscaling describe-lifecycle-hooks",
    "NotificationConfigurations": "aws autoscaling describe-notification-configurations",
    "ScheduledUpdateGroupActions": "aws autoscaling describe-scheduled-actions",
    "Tags": "aws autoscaling describe-tags",
    "Subscriptions": "aws sns list-subscriptions",
    "Attributes": "aws sns get-topic-attributes",
    "Parameters": "aws cloudformation get-template-summary",
}

# `aws ... --query` output is a list of bare items: which response each item belongs to, by its keys.
ITEM_KINDS: tuple[tuple[str, frozenset[str]], ...] = (
    ("LaunchTemplateVersions", frozenset({"LaunchTemplateId", "VersionNumber"})),
    ("LaunchTemplates", frozenset({"LaunchTemplateId", "LatestVersionNumber"})),
    ("LifecycleHooks", frozenset({"LifecycleHookName", "AutoScalingGroupName"})),
    ("ScheduledUpdateGroupActions", frozenset({"ScheduledActionName", "AutoScalingGroupName"})),
    ("NotificationConfigurations", frozenset({"TopicARN", "NotificationType", "AutoScalingGroupName"})),
    ("AutoScalingGroups", frozenset({"AutoScalingGroupName", "MinSize"})),
    ("AutoScalingGroups", frozenset({"AutoScalingGroupName", "AutoScalingGroupARN"})),
    ("LaunchConfigurations", frozenset({"LaunchConfigurationName", "ImageId"})),
    ("LaunchConfigurations", frozenset({"LaunchConfigurationName", "LaunchConfigurationARN"})),
    ("Subscriptions", frozenset({"SubscriptionArn", "Endpoint"})),
    ("Tags", frozenset({"ResourceId", "ResourceType", "Key", "Value"})),
)

# The upper-cased response key that each call's `--output text` begins with, and the call (read back by
# `clitext.py` and, by the call's name, `clitable.py`).
CLI_RESPONSES = {
    "AUTOSCALINGGROUPS": ("autoscaling", "DescribeAutoScalingGroups"),
    "LAUNCHCONFIGURATIONS": ("autoscaling", "DescribeLaunchConfigurations"),
    "LIFECYCLEHOOKS": ("autoscaling", "DescribeLifecycleHooks"),
    "NOTIFICATIONCONFIGURATIONS": ("autoscaling", "DescribeNotificationConfigurations"),
    "SCHEDULEDUPDATEGROUPACTIONS": ("autoscaling", "DescribeScheduledActions"),
    "TAGS": ("autoscaling", "DescribeTags"),
    "LAUNCHTEMPLATEVERSIONS": ("ec2", "DescribeLaunchTemplateVersions"),
    "LAUNCHTEMPLATES": ("ec2", "DescribeLaunchTemplates"),
    "SUBSCRIPTIONS": ("sns", "ListSubscriptions"),
}
# (after the response's own scalars, a NextToken, on a line of their own: one line of a response's items, or
# two lines of names)
_CLI_TEXT = re.compile(
    rf"\A(?:[^\t\n]*\n)?(?:(?:[A-Z][A-Z0-9]+\t[^\n]*\n){{2}}|(?:{'|'.join(CLI_RESPONSES)})\t)"
)
CLI_TEXT = "AWS CLI text output"
CLI_TABLE = "AWS CLI table output"
_CLI_TABLE = re.compile(r"\A-{5,}\s*\n\|[^\n]*\|\s*\n")
_HCL = re.compile(
    r'^[ \t]*(?:resource|data|variable|module|provider|terraform|locals|output)[ \t]+(?:"[^"\n]*"[ \t]*)*\{',
    re.MULTILINE,
)


def cli_output(text: str) -> str | None:
    """The reason for AWS CLI output in a format that is not JSON or YAML, else None."""
    head = text.lstrip("\ufeff")[:4096]
    if _CLI_TEXT.match(head):
        return f"{CLI_TEXT}: re-run with --output json (or --output yaml)"
    if _CLI_TABLE.match(head):
        return f"{CLI_TABLE}: re-run with --output json (or --output yaml)"
    return None


def looks_like_hcl(text: str) -> bool:
    return _HCL.search(text[:65536]) is not None


def item_kind(item: Any) -> str | None:
    """The response a bare item (from `aws ... --query`) belongs to, or None."""
    if not isinstance(item, dict):
        return None
    keys = item.keys()
    for kind, needed in ITEM_KINDS:
        if needed <= keys:
            return kind
    return None


def other_format(doc: dict[str, Any]) -> str | None:
    """Why a document of a known format other than AWS output (or one whose data metascan reads elsewhere)
    is not read, else None."""
    keys = set(doc)
    if {"name", "version"} <= keys and keys & {"dependencies", "devDependencies", "scripts"}:
        return "an npm package manifest (package.json), not AWS output; " + SUPPORTED
    if {"artifacts", "version"} <= keys or {"tree", "version"} <= keys:
        return "a CDK cloud assembly manifest: the templates are the *.template.json files beside it"
    if {"apiVersion", "kind"} <= keys:
        return "a Kubernetes manifest, not AWS output; " + SUPPORTED
    if "Stacks" in keys:
        return (
            "CloudFormation describe-stacks output: scan the template instead"
            " (aws cloudformation get-template --query TemplateBody)"
        )
    return None


def unrecognised(doc: Any, syntax: str) -> str:
    """Why a decoded document is not read, naming the closest format metascan does read."""
    if isinstance(doc, list):
        kinds = sorted({type(x).__name__ for x in doc})
        return (
            f"a {syntax} list of {', '.join(kinds) or 'nothing'} values, not AWS API responses: looks like"
            " `aws ... --query` output; save whole responses (or whole items: --query 'AutoScalingGroups[]')"
        )
    if not isinstance(doc, dict):
        return f"a {syntax} {type(doc).__name__}, not an AWS API response object"
    other = other_format(doc)
    if other is not None:
        return other
    base = unrecognised_response(doc)  # counts the keys: an unknown key may itself be a secret
    close = closest_response(doc)
    if close is not None:
        return f"{base}; closest: {close} ({CALLS.get(close, 'an API response')})"
    return base


def misspelt_response(doc: dict[str, Any]) -> bool:
    """Whether a document looks like an API response whose payload key is misspelt: one or two keys, and a
    list under one that nearly spells a response key (`{"AutoScalingGroup": [...]}`)."""
    items = [(str(k), v) for k, v in doc.items() if k not in ("NextToken", "ResponseMetadata", "nextToken")]
    return len(items) <= 2 and any(
        isinstance(v, list) and difflib.get_close_matches(k, EXTRACTORS, n=1, cutoff=0.75) for k, v in items
    )


def closest_response(doc: dict[str, Any]) -> str | None:
    """The response key that one of a document's keys nearly spells (`AutoScalingGroup`), else None."""
    close = [m for k in doc for m in difflib.get_close_matches(str(k), EXTRACTORS, n=1, cutoff=0.75)]
    return close[0] if close else None
