"""A CDK or Pulumi program's source code (TypeScript, JavaScript, Python) -> the API responses of what its
literals set.

`cdk synth` writes the templates metascan reads best (`cdk.out`); this reads the app before it is
synthesised, for the literals that end up in Auto Scaling's free-form fields, from the CDK's API
(https://docs.aws.amazon.com/cdk/api/v2/): user data commands (`userData.addCommands(...)`,
`add_commands(...)`, `UserData.custom(...)`), tags (`Tags.of(x).add(key, value)`), names and descriptions
given as properties (`autoScalingGroupName`, `launchTemplateName`, `versionDescription`, and their
snake_case forms), lifecycle hooks' `notificationMetadata` (a string, or the object literal given to
`JSON.stringify` / `json.dumps`, read as its text), and SNS subscriptions (`EmailSubscription`,
`SmsSubscription`, `UrlSubscription`).

A Pulumi program (importing `@pulumi/aws` or `pulumi_aws`) is read the same way, with its resources'
arguments: `userData` given as a literal, or as a variable that holds one (`pulumi.interpolate`,
`Buffer.from(...)` around it), `tags` as a list of `{key, value}` or as a map, and the same names and
`notificationMetadata`.

Only string literals are read (quoted strings, template literals and f-strings with their `${...}` and
`{...}` kept as written: references); any other expression is left out.  A file is read when it imports
the CDK (`aws-cdk-lib`, `aws_cdk`) or Pulumi's AWS provider.  The literals of one file are one app's: the
user data one launch template version, the tags and names one group, named by the file.  Nothing is
evaluated.
"""

from __future__ import annotations

import base64
import itertools
import re
from collections.abc import Iterator
from typing import Any

NO_VALUES = "CDK source without the literals metascan reads (user data commands, tags, names, subscriptions)"
_IMPORTS = re.compile(
    r"""(?m)^\s*(?:import\b[^\n]*['"](?:aws-cdk-lib|@pulumi/aws)|from\s+(?:aws_cdk|pulumi_aws)\b"""
    r"""|import\s+(?:aws_cdk|pulumi_aws)\b|const\s+\w+\s*=\s*require\(['"](?:aws-cdk-lib|@pulumi/aws))"""
)
# Pulumi's resource arguments (https://www.pulumi.com/registry/packages/aws/): user data given as a literal,
# or as a variable that holds one (`const userData = pulumi.interpolate\`...\``), and `tags` as a list of
# `{key, value}` or a map.
_USER_DATA = re.compile(r"\b(?:userData|user_data)\s*[:=]\s*")
_WRAPPED = re.compile(r"(?:pulumi\.interpolate|Buffer\.from\s*\(|base64\.b64encode\s*\()\s*")
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
_TAG_PROPERTY = re.compile(r"\btags\s*[:=]\s*(?=[\[{])")
_QUOTED = r"""(['"])((?:\\.|(?!\{q}).)*)\{q}"""
_LISTED_TAG = re.compile(
    r"""["']?key["']?\s*[:=]\s*"""
    + _QUOTED.format(q=1)
    + r"""\s*,\s*["']?value["']?\s*[:=]\s*"""
    + _QUOTED.format(q=3)
)
_MAPPED_TAG = re.compile(
    r"""(?:""" + _QUOTED.format(q=1) + r"""|([A-Za-z_$][\w$]*))\s*:\s*""" + _QUOTED.format(q=4)
)
_COMMANDS = re.compile(r"\.(?:addCommands|add_commands)\s*\(|\bUserData\.custom\s*\(")
_TAGS = re.compile(r"\bTags\.of\s*\(")
_ADD = re.compile(r"\s*\.\s*add\s*\(")  # Tags.of(x)`.add(`
_PROPERTIES = {
    "autoscalinggroupname": ("group", "AutoScalingGroupName"),
    "launchtemplatename": ("template", "LaunchTemplateName"),
    "versiondescription": ("version", "VersionDescription"),
    "notificationmetadata": ("hook", "NotificationMetadata"),
}
_PROPERTY = re.compile(
    r"\b(autoScalingGroupName|auto_scaling_group_name|launchTemplateName|launch_template_name"
    r"|versionDescription|version_description|notificationMetadata|notification_metadata)\s*[:=]\s*"
)
_SUBSCRIPTION = re.compile(r"\b(Email|Sms|Url)Subscription\s*\(")
_STRINGIFY = re.compile(r"(?:JSON\.stringify|json\.dumps)\s*\(")
_PREFIX = re.compile(r"[rRbBuUfF]{1,2}(?=['\"])")
SUFFIXES = (".ts", ".js", ".mjs", ".cjs", ".py")
MAX_CALLS = 100  # calls of each kind read of one file
WINDOW = 16 * 1024  # characters read of one call's arguments (an unclosed call ends there)


def is_app(text: str) -> bool:
    return _IMPORTS.search(text[:65536]) is not None


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _string(text: str, pos: int, limit: int | None = None) -> tuple[str, int] | None:
    """The string literal at `pos` (its value, and where it ends), else None."""
    prefix = _PREFIX.match(text, pos)
    raw = False
    if prefix:
        raw = "r" in prefix.group(0).lower()
        pos = prefix.end()
    if pos >= len(text) or text[pos] not in "'\"`":
        return None
    quote = text[pos]
    if text.startswith(quote * 3, pos) and quote != "`":
        quote *= 3
    i = pos + len(quote)
    out: list[str] = []
    depth = 0
    end = min(len(text), pos + WINDOW if limit is None else limit)
    while i < end:
        c = text[i]
        if depth == 0 and text.startswith(quote, i):
            return "".join(out), i + len(quote)
        if c == "\\" and not raw and i + 1 < len(text):
            nxt = text[i + 1]
            out.append({"n": "\n", "t": "\t", "r": "\r", "0": "\0"}.get(nxt, nxt if nxt != "\n" else ""))
            i += 2
            continue
        if c == "\n" and len(quote) == 1 and quote != "`":
            return None  # (a quoted string does not span lines)
        if quote == "`" and text.startswith("${", i):
            depth += 1
        elif quote == "`" and depth and c == "}":
            depth -= 1
        out.append(c)
        i += 1
    return None


def _skip_blank(text: str, pos: int, end: int) -> int:
    while pos < end:
        if text[pos] in " \t\r\n":
            pos += 1
        elif text.startswith("//", pos) or text[pos] == "#":
            found = text.find("\n", pos, end)
            pos = end if found < 0 else found
        elif text.startswith("/*", pos):
            found = text.find("*/", pos, end)
            pos = end if found < 0 else found + 2
        else:
            break
    return pos


def _arguments(text: str, pos: int) -> tuple[list[tuple[str | None, int]], int]:
    """The arguments of the call whose `(` is just before `pos`: each a string (literals joined with `+`
    or written side by side, as Python joins them) with its line, or None; and where the call ends (read
    within `WINDOW` characters)."""
    args: list[tuple[str | None, int]] = []
    end = min(len(text), pos + WINDOW)
    while pos < end:
        pos = _skip_blank(text, pos, end)
        if pos >= end or text[pos] == ")":
            return args, pos + 1
        start = pos
        parts: list[str] = []
        literal = True
        depth = 0
        while pos < end:
            pos = _skip_blank(text, pos, end)
            if pos >= end:
                break
            c = text[pos]
            if depth == 0 and c in ",)":
                break
            found = _string(text, pos, end)
            if found is not None:
                if depth == 0:
                    parts.append(found[0])
                pos = found[1]
                continue
            if c in "([{":
                depth += 1
            elif c in ")]}":
                depth -= 1
            if depth or c != "+":
                literal = literal and depth == 0 and c == "+"
            pos += 1
        args.append(("".join(parts) if literal and parts else None, _line(text, start)))
        if pos < end and text[pos] == ",":
            pos += 1
    return args, pos


def _balanced(text: str, pos: int) -> str | None:
    """The text of the bracketed expression starting at `pos` (`{...}`), strings skipped over (read within
    `WINDOW` characters)."""
    if pos >= len(text) or text[pos] not in "{[":
        return None
    end = min(len(text), pos + WINDOW)
    depth, i = 0, pos
    while i < end:
        found = _string(text, i, end)
        if found is not None:
            i = found[1]
            continue
        if text[i] in "{[(":
            depth += 1
        elif text[i] in "}])":
            depth -= 1
            if depth == 0:
                return text[pos : i + 1]
        i += 1
    return None


def _assigned(text: str, name: str) -> tuple[str, int] | None:
    """The literal a variable is given (`const name = ...`, `name = ...`), when it is one."""
    for m in _first(
        re.finditer(rf"(?m)^\s*(?:(?:const|let|var)\s+)?{re.escape(name)}\s*(?::\s*[\w.<>]+\s*)?=\s*", text)
    ):
        pos = m.end()
        wrapped = _WRAPPED.match(text, pos)
        found = _string(text, wrapped.end() if wrapped else pos)
        if found is not None:
            return found
    return None


def _first(matches: Iterator[re.Match[str]]) -> Iterator[re.Match[str]]:
    return itertools.islice(matches, MAX_CALLS)


def values(text: str) -> Iterator[tuple[str, str, str, int]]:
    """(kind, member, value, line) of each literal read (see the module docstring); kind is `commands`,
    `tag:<key>`, `group`, `template`, `version`, `hook` or `subscription:<protocol>`."""
    for m in _first(_COMMANDS.finditer(text)):
        args, _ = _arguments(text, m.end())
        for value, line in args:
            if value is not None:
                yield "commands", "UserData", value, line
    for m in _first(_TAGS.finditer(text)):
        _, end = _arguments(text, m.end())
        add = _ADD.match(text, end)
        if add:
            args, _ = _arguments(text, add.end())
            if len(args) >= 2 and args[0][0] is not None and args[1][0] is not None:
                yield f"tag:{args[0][0]}", "Value", args[1][0], args[1][1]
    for m in _first(_PROPERTY.finditer(text)):
        kind, member = _PROPERTIES[m.group(1).replace("_", "").lower()]
        pos = m.end()
        found = _string(text, pos)
        if found is not None:
            yield kind, member, found[0], _line(text, pos)
        else:
            call = _STRINGIFY.match(text, pos)
            literal = _balanced(text, _skip_blank(text, call.end(), len(text))) if call else None
            if literal is not None:
                yield kind, member, literal, _line(text, pos)
    for m in _first(_USER_DATA.finditer(text)):
        pos = _skip_blank(text, m.end(), len(text))
        wrapped = _WRAPPED.match(text, pos)
        pos = wrapped.end() if wrapped else pos
        found = _string(text, pos)
        if found is None:
            name = _IDENTIFIER.match(text, pos)
            found = _assigned(text, name.group(0)) if name else None
        if found is not None:
            yield "commands", "UserData", found[0], _line(text, pos)
    for m in _first(_TAG_PROPERTY.finditer(text)):
        literal = _balanced(text, m.end())
        if literal is None:
            continue
        line = _line(text, m.end())
        if literal.startswith("["):
            pairs = [(t.group(2), t.group(4)) for t in _LISTED_TAG.finditer(literal)]
        else:
            pairs = [(t.group(2) or t.group(3), t.group(5)) for t in _MAPPED_TAG.finditer(literal)]
        for key, value in pairs:
            yield f"tag:{key}", "Value", value, line
    for m in _first(_SUBSCRIPTION.finditer(text)):
        args, _ = _arguments(text, m.end())
        if args and args[0][0] is not None:
            protocol = {"Email": "email", "Sms": "sms", "Url": "https"}[m.group(1)]
            yield f"subscription:{protocol}", "Endpoint", args[0][0], args[0][1]


def convert(text: str, name: str) -> tuple[list[dict[str, Any]], dict[tuple[str, str], int]]:
    """The responses a CDK app's literals stand for (one document each), and the line of each (field path,
    value).  The group is named by its literal name, else by `name` (the file's)."""
    found = list(values(text))
    group_name = next((v for k, _, v, _ in found if k == "group"), name)
    template = next((v for k, _, v, _ in found if k == "template"), f"{name}-launch-template")
    version: dict[str, Any] = {
        "LaunchTemplateName": template,
        "LaunchTemplateId": template,
        "VersionNumber": 1,
    }
    commands: list[str] = []
    hooks: list[dict[str, Any]] = []
    subscriptions: list[dict[str, Any]] = []
    tags: list[dict[str, Any]] = []
    extra_names: list[str] = []
    lines: dict[tuple[str, str], int] = {}
    first_command = 0
    for kind, member, value, line in found:
        if kind == "commands":
            commands.append(value)
            first_command = first_command or line
        elif kind.startswith("tag:"):
            key = kind[4:]
            tags.append(
                {"Key": key, "Value": value, "ResourceId": group_name, "ResourceType": "auto-scaling-group"}
            )
            lines[(f"Tags[{key}].Value", value)] = line
        elif kind == "group":
            if value != group_name:
                extra_names.append(value)
            lines[("AutoScalingGroupName", value)] = line
        elif kind == "version":
            version[member] = value
            lines[(member, value)] = line
        elif kind == "hook":
            hook_name = f"hook{len(hooks) + 1}"
            hooks.append({"AutoScalingGroupName": group_name, "LifecycleHookName": hook_name, member: value})
            lines[(member, value)] = line
        elif kind.startswith("subscription:"):
            protocol = kind.split(":", 1)[1]
            arn = f"{group_name}-topic/pending/{len(subscriptions) + 1}"
            subscriptions.append(
                {
                    "SubscriptionArn": arn,
                    "Protocol": protocol,
                    "Endpoint": value,
                    "TopicArn": f"{group_name}-topic",
                }
            )
            lines[("Endpoint", value)] = line
    docs: list[dict[str, Any]] = []
    if tags or group_name != name or extra_names:
        docs.append(
            {
                "AutoScalingGroups": [{"AutoScalingGroupName": group_name, "Tags": tags}]
                + [{"AutoScalingGroupName": n} for n in extra_names]
            }
        )
    if commands:
        script = "\n".join(commands) + "\n"
        user_data = base64.b64encode(script.encode("utf-8", "surrogatepass")).decode("ascii")
        version["LaunchTemplateData"] = {"UserData": user_data}
        lines[("LaunchTemplateData.UserData", user_data)] = first_command
    if commands or "VersionDescription" in version:
        docs.append({"LaunchTemplateVersions": [version]})
    if hooks:
        docs.append({"LifecycleHooks": hooks})
    if subscriptions:
        docs.append({"Subscriptions": subscriptions})
    return docs, lines
