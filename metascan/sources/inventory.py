"""Inventory tools' rows read as the API items they copy: CloudQuery's and Steampipe's tables, as JSON
(objects one per line, a list of them, Steampipe's `{"columns": ..., "rows": ...}`) or as CSV.

Such a tool flattens each item of a describe call into one row whose columns spell the API's members in
snake_case (`auto_scaling_group_name`, `vpc_zone_identifier`), keeps nested members as JSON, and adds columns
of its own.  A row is told by its columns alone (`sniff.ITEM_KINDS` with the columns' names folded: case and
underscores do not count), and each column becomes the member of the item's shape in the service model whose
name folds the same way, with its type (a CSV cell is text: `true`, `5` become the boolean and number the
member holds).  Steampipe's own columns, from its AWS plugin's table definitions
(https://hub.steampipe.io/plugins/turbot/aws/tables): `name` is the group's or launch configuration's name,
`tags_src` the item's list of tags (its `tags` map is made from it), `title` and `akas` repeat the name and
the ARN (left out: their values would be reported twice), and `user_data` is the user data already decoded.
A CSV file is read when its header row is such a row's columns (`is_table`); other CSV files in a folder are
not read.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import sys
import threading
from functools import lru_cache
from typing import Any

from ..aws.codecs import b64decode
from .sniff import ITEM_KINDS

# Each kind's item shape in its call's output: (service, operation, the output's list member).
_SHAPES = {
    "AutoScalingGroups": ("autoscaling", "DescribeAutoScalingGroups", "AutoScalingGroups"),
    "LaunchConfigurations": ("autoscaling", "DescribeLaunchConfigurations", "LaunchConfigurations"),
    "LaunchTemplateVersions": ("ec2", "DescribeLaunchTemplateVersions", "LaunchTemplateVersions"),
    "LaunchTemplates": ("ec2", "DescribeLaunchTemplates", "LaunchTemplates"),
    "LifecycleHooks": ("autoscaling", "DescribeLifecycleHooks", "LifecycleHooks"),
    "NotificationConfigurations": (
        "autoscaling",
        "DescribeNotificationConfigurations",
        "NotificationConfigurations",
    ),
    "ScheduledUpdateGroupActions": ("autoscaling", "DescribeScheduledActions", "ScheduledUpdateGroupActions"),
    "Subscriptions": ("sns", "ListSubscriptions", "Subscriptions"),
}
_ARN_KEYS = {
    "AutoScalingGroups": "AutoScalingGroupARN",
    "LaunchConfigurations": "LaunchConfigurationARN",
    "ScheduledUpdateGroupActions": "ScheduledActionARN",
}
# Steampipe's `name` column: the item's name, told by the ARN column beside it.
_NAMED = (
    ("AutoScalingGroups", "autoscalinggrouparn", "AutoScalingGroupName"),
    ("LaunchConfigurations", "launchconfigurationarn", "LaunchConfigurationName"),
)
_DROPPED = frozenset({"title", "akas"})  # Steampipe's copies of the name and the ARN


def _fold(name: str) -> str:
    return name.replace("_", "").replace("-", "").lower()


_KINDS = tuple((kind, frozenset(_fold(k) for k in needed)) for kind, needed in ITEM_KINDS)


def _pascal_key(key: str) -> str:
    """`auto_scaling_group_name` and `autoScalingGroupName` as the API spells them."""
    if "_" in key.strip("_"):
        return "".join(part[:1].upper() + part[1:] for part in key.split("_") if part)
    return key[:1].upper() + key[1:]


def pascal_case(value: Any, tags: bool = False) -> Any:
    if isinstance(value, list):
        return [pascal_case(v) for v in value]
    if not isinstance(value, dict):
        return value
    if tags:  # a map of tags (`{"Owner": "..."}`): its keys are the tags' own
        return [{"Key": str(k), "Value": v} for k, v in value.items()]
    return {
        _pascal_key(k): pascal_case(v, _pascal_key(k) == "Tags")
        for k, v in value.items()
        if isinstance(k, str)
    }


def row_kind(columns: Any) -> str | None:
    """The response a row with these columns (names spelled in any case, with or without underscores)
    belongs to, or None."""
    folded = {_fold(c) for c in columns if isinstance(c, str)}
    for kind, needed in _KINDS:
        if needed <= folded:
            return kind
    if "name" in folded:
        for kind, arn, _ in _NAMED:
            if arn in folded:
                return kind
    return None


@lru_cache(maxsize=16)
def _members(kind: str) -> dict[str, tuple[str, Any]]:
    """The members of a kind's item shape by their folded names: (name, shape)."""
    from .apixml import model

    service, operation, member = _SHAPES[kind]
    output = model(service).operation_model(operation).output_shape
    item = output.members[member].member
    return {_fold(name): (name, shape) for name, shape in item.members.items()}


def _typed(shape: Any, value: Any) -> Any:
    """A CSV cell's text as the value the member holds (JSON for lists, maps and structures)."""
    if not isinstance(value, str):
        return value
    kind = shape.type_name
    text = value.strip()
    try:
        if kind in ("list", "map", "structure") and text[:1] in "[{":
            return json.loads(text)
        if kind == "boolean" and text.lower() in ("true", "false"):
            return text.lower() == "true"
        if kind in ("integer", "long") and text.lstrip("-").isdigit():
            return int(text)
    except ValueError:
        pass
    return value


def normalized_row(row: Any) -> tuple[dict[str, Any], str] | None:
    """A row whose columns an inventory tool or SDK spelled in snake_case or camelCase, as the API item it
    copies, with the response it belongs to; else None."""
    if not isinstance(row, dict) or not any(
        isinstance(k, str) and (k[:1].islower() or "_" in k.strip("_")) for k in row
    ):
        return None
    kind = row_kind(row)
    if kind is None:  # (told by the columns alone: nothing is copied for other documents)
        return None
    members = _members(kind)
    item: dict[str, Any] = {}
    user_data = None
    listed_tags = any(isinstance(c, str) and _fold(c) == "tagssrc" for c in row)
    for column, value in row.items():
        if not isinstance(column, str) or column.startswith("_") or value is None or value == "":
            continue
        folded = _fold(column)
        if folded in _DROPPED:
            continue
        if folded == "tagssrc":
            item["Tags"] = pascal_case(_typed(members["tags"][1], value)) if "tags" in members else value
            continue
        if folded == "tags" and listed_tags:
            continue  # (Steampipe's map of the same tags)
        if folded == "userdata" and kind == "LaunchTemplateVersions":
            user_data = value  # (Steampipe's column of the template data's user data, decoded)
            continue
        found = members.get(folded)
        if found is None:
            item[_pascal_key(column)] = pascal_case(value, _pascal_key(column) == "Tags")
            continue
        name, shape = found
        typed = _typed(shape, value)
        item[name] = pascal_case(typed, name == "Tags")
    for named_kind, _, name_member in _NAMED:
        if named_kind == kind and name_member not in item and isinstance(item.get("Name"), str):
            item[name_member] = item.pop("Name")
    arn_key = _ARN_KEYS.get(kind)
    if arn_key and arn_key not in item and isinstance(item.get("Arn"), str):
        item[arn_key] = item["Arn"]
    if user_data is not None:
        data = item.get("LaunchTemplateData")
        if not isinstance(data, dict):
            data = item["LaunchTemplateData"] = {}
        data.setdefault("UserData", user_data)
    _encode_user_data(item.get("LaunchTemplateData") if kind == "LaunchTemplateVersions" else item)
    tags = item.get("Tags")
    if kind == "AutoScalingGroups" and isinstance(tags, list):
        group = item.get("AutoScalingGroupName")
        item["Tags"] = [
            {"ResourceId": group, "ResourceType": "auto-scaling-group", **t} if isinstance(t, dict) else t
            for t in tags
        ]
    return item, kind


def _encode_user_data(holder: Any) -> None:
    """User data a tool shows decoded (Steampipe's `user_data`), base64-encoded as the API gives it (text
    that is valid base64 is taken for what the API gave: a script's `#!`, a cloud-config's `#` and a
    PowerShell block's `<` are not in base64's alphabet)."""
    if isinstance(holder, dict):
        value = holder.get("UserData")
        if isinstance(value, str) and value and b64decode(value) is None:
            holder["UserData"] = base64.b64encode(value.encode("utf-8", "surrogatepass")).decode("ascii")


# --- Steampipe's JSON ----------------------------------------------------------------------------------


def query_rows(doc: Any) -> list[Any] | None:
    """The rows of Steampipe's `--output json` (since v0.24: `{"columns": [...], "rows": [...]}`), else
    None."""
    if (
        isinstance(doc, dict)
        and isinstance(doc.get("rows"), list)
        and isinstance(doc.get("columns"), list)
        and set(doc) <= {"columns", "rows", "metadata"}
    ):
        rows: list[Any] = doc["rows"]
        return rows
    return None


# --- CSV -----------------------------------------------------------------------------------------------


def _header(text: str) -> list[str] | None:
    line = text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    try:
        cells = next(csv.reader([line]))
    except (csv.Error, StopIteration):
        return None
    if len(cells) < 2 or not all(c.strip().replace("_", "").isalnum() for c in cells):
        return None
    return [c.strip() for c in cells]


def is_table(text: str) -> bool:
    """Whether a CSV text's header row is the columns of an inventory table metascan reads."""
    header = _header(text)
    return header is not None and row_kind(header) is not None


def rows(text: str) -> tuple[list[tuple[int, dict[str, str]]], str | None]:
    """The rows of a CSV text with the line each starts on, and an error (a row with more cells than the
    header has names, a broken quote); ([], None) when the header is not an inventory table's."""
    if not is_table(text):
        return [], None
    with _CSV_LIMIT:  # (the limit is the process's: one reader at a time changes it)
        return _rows(text)


_CSV_LIMIT = threading.Lock()


def _rows(text: str) -> tuple[list[tuple[int, dict[str, str]]], str | None]:
    old = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)  # (a cell of user data or a JSON column may be long)
    out: list[tuple[int, dict[str, str]]] = []
    try:
        reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
        header = [c.strip() for c in next(reader)]
        line = reader.line_num + 1
        for cells in reader:
            if cells:
                if len(cells) > len(header):
                    return out, f"line {line}: {len(cells)} cells under {len(header)} columns"
                out.append((line, dict(zip(header, cells, strict=False))))
            line = reader.line_num + 1
        return out, None
    except csv.Error as e:
        return out, f"line {reader.line_num}: {e}"
    finally:
        csv.field_size_limit(old)
