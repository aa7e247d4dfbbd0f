"""AWS Security Finding Format (ASFF), ready for `aws securityhub batch-import-findings --findings file://F`.

One ASFF finding per metascan finding, in a JSON array:

* `Id` is the keyed fingerprint, so a re-import updates the finding instead of adding one; `GeneratorId` is
  `metascan/<rule>`; `ProductArn` is the account's default product ARN for its region
  (`arn:aws:securityhub:REGION:ACCOUNT:product/ACCOUNT/default`), as Security Hub requires for findings a
  customer imports itself;
* `Severity.Label` from the severity (info -> INFORMATIONAL), `Severity.Original` metascan's own, and
  `Confidence` 90/60/30 for high/medium/low;
* `Types` in the ASFF taxonomy (`Sensitive Data Identifications/Passwords`, `.../Financial`, `.../PII`, or
  `Software and Configuration Checks/AWS Security Best Practices` for the data-protection checks);
* one resource, its type mapped to the ASFF resource type (`AwsAutoScalingAutoScalingGroup`,
  `AwsAutoScalingLaunchConfiguration`, `AwsEc2LaunchTemplate`, `AwsSnsTopic`; `Other` for the rest), its id
  the ARN where there is one, with the metascan type, field, line and decoding chain in `Details.Other`;
* the remediation as `Remediation.Recommendation` (with the rule's first reference as its URL), the redacted
  preview, fingerprint and any `raised` reason in `ProductFields`.

Security Hub is read by many people, so like SARIF an ASFF finding never carries the raw value, whatever
`show_secrets` says, and a raw value inside a resource's own name is redacted there too.  A finding whose
account or region is unknown cannot be imported: rendering stops with an error naming its resource (scan
saved files with `--account` and `--region`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from ...errors import ConfigError
from ...model import Category, Confidence, Finding, Severity
from ..report import Report
from .names import NameRedactor, describe
from .options import RenderOptions, RuleInfo

SCHEMA_VERSION = "2018-10-08"

LABEL = {
    Severity.CRITICAL: "CRITICAL",
    Severity.HIGH: "HIGH",
    Severity.MEDIUM: "MEDIUM",
    Severity.LOW: "LOW",
    Severity.INFO: "INFORMATIONAL",
}
CONFIDENCE = {Confidence.HIGH: 90, Confidence.MEDIUM: 60, Confidence.LOW: 30}
TYPES = {
    Category.CREDENTIAL: "Sensitive Data Identifications/Passwords",
    Category.ACCOUNT_NUMBER: "Sensitive Data Identifications/Financial",
    Category.PERSONAL_DATA: "Sensitive Data Identifications/PII",
    Category.DATA_PROTECTION: "Software and Configuration Checks/AWS Security Best Practices",
}
RESOURCE_TYPE = {
    "AutoScalingGroup": "AwsAutoScalingAutoScalingGroup",
    "LaunchConfiguration": "AwsAutoScalingLaunchConfiguration",
    "LaunchTemplate": "AwsEc2LaunchTemplate",
    "LaunchTemplateVersion": "AwsEc2LaunchTemplate",
    "SnsTopic": "AwsSnsTopic",
}
OTHER = "Other"

_ACCOUNT = re.compile(r"^\d{12}$")
# Security Hub's documented bounds on free text.
TITLE_MAX, DESCRIPTION_MAX, RECOMMENDATION_MAX, FIELD_MAX = 256, 1024, 512, 2048


def _iso(report: Report) -> str:
    doc_time = report.finished_at or report.started_at
    return doc_time.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _description(f: Finding, names: NameRedactor) -> str:
    raised = f" Severity raised: {f.raised}." if f.raised is not None else ""
    return f"{describe(f, names)}.{raised}"


def _finding(f: Finding, when: str, names: NameRedactor, info: RuleInfo | None) -> dict[str, Any]:
    res = f.resource
    if res.account is None or not _ACCOUNT.match(res.account) or res.region is None:
        raise ConfigError(
            f"asff: {res.type} {names.id(res)} from {f.location.source} has no account or region; "
            "Security Hub needs both (scan saved files with --account and --region)"
        )
    asff_type = RESOURCE_TYPE.get(res.type, OTHER)
    details: dict[str, str] = {
        "metascanType": res.type,
        "field": _cut(f.location.field, FIELD_MAX),
        "source": _cut(f.location.source, FIELD_MAX),
    }
    if f.location.line is not None:
        details["line"] = str(f.location.line)
    if f.location.decoding:
        details["decoding"] = " > ".join(f.location.decoding)
    recommendation: dict[str, str] = {"Text": _cut(f.remediation, RECOMMENDATION_MAX)}
    if info is not None and info.references:
        recommendation["Url"] = info.references[0]
    product_fields = {
        "metascan/rule": f.rule,
        "metascan/category": str(f.category),
        "metascan/fingerprint": f.fingerprint,
        "metascan/redacted": f.redacted,
    }
    if f.evidence is not None:
        product_fields["metascan/evidence"] = _cut(f.evidence, FIELD_MAX)
    if f.raised is not None:
        product_fields["metascan/raised"] = f.raised
    return {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": f.fingerprint,
        "ProductArn": f"arn:aws:securityhub:{res.region}:{res.account}:product/{res.account}/default",
        "ProductName": "metascan",
        "CompanyName": "metascan",
        "GeneratorId": f"metascan/{f.rule}",
        "AwsAccountId": res.account,
        "Region": res.region,
        "Types": [TYPES[f.category]],
        "CreatedAt": when,
        "UpdatedAt": when,
        "Severity": {"Label": LABEL[f.severity], "Original": str(f.severity)},
        "Confidence": CONFIDENCE[f.confidence],
        "Title": _cut(f.title, TITLE_MAX),
        "Description": _cut(_description(f, names), DESCRIPTION_MAX),
        "Remediation": {"Recommendation": recommendation},
        "ProductFields": product_fields,
        "Resources": [
            {
                "Type": asff_type,
                "Id": names.arn(res) or names.id(res),
                "Partition": "aws",
                "Region": res.region,
                "Details": {"Other": details},
            }
        ],
        "RecordState": "ACTIVE",
        "Workflow": {"Status": "NEW"},
    }


def findings(report: Report, options: RenderOptions) -> list[dict[str, Any]]:
    """The ASFF findings of a report (never with a raw value)."""
    names = NameRedactor(report.findings)
    infos = {r.id: r for r in options.rules}
    when = _iso(report)
    return [_finding(f, when, names, infos.get(f.rule)) for f in report.findings]


def render(report: Report, options: RenderOptions) -> str:
    return json.dumps(findings(report, options), indent=2, ensure_ascii=False) + "\n"
