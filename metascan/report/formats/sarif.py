"""SARIF 2.1.0, for code-scanning dashboards.

One rule per detector in `tool.driver.rules` (from `RenderOptions.rules`, plus any rule a finding names that
the catalogue lacks, described from the finding).  Each result has a `level` from its severity, the input
file as its artifact location (not for live `aws:<account>:<region>` sources) with the line of the value
as `region.startLine` where it is known, the resource and the field path as logical locations, the decoded
line and decoding chain in its properties, and the keyed fingerprint as its partial fingerprint.

SARIF files are uploaded to dashboards, so a result never carries the raw secret, whatever `show_secrets`
says: only the redacted preview is shown.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from ...model import Finding, Severity
from ..report import Report
from .names import NameRedactor, describe
from .options import RenderOptions, RuleInfo

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "metascanFingerprint/v2"  # the fingerprint version: v1 fingerprints were ambiguous

LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# GitHub code scanning reads a CVSS-like score from `security-severity`.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}

LIVE_PREFIX = "aws:"
NOT_FILES = {"<stdin>"}


def _name(rule_id: str) -> str:
    """A rule's SARIF `name`: its id in PascalCase (`aws-access-key-id` -> `AwsAccessKeyId`)."""
    return "".join(part.capitalize() for part in rule_id.split("-"))


def _rule(info: RuleInfo) -> dict[str, Any]:
    severity = Severity(info.severity)
    help_md = info.remediation
    if info.references:
        help_md += "\n\nReferences:\n" + "\n".join(f"- <{r}>" for r in info.references)
    out: dict[str, Any] = {
        "id": info.id,
        "name": _name(info.id),
        "shortDescription": {"text": info.title},
        "fullDescription": {"text": info.description},
        "help": {"text": info.remediation, "markdown": help_md},
        "defaultConfiguration": {"level": LEVEL[severity]},
        "properties": {
            "category": info.category,
            "severity": info.severity,
            "confidence": info.confidence,
            "precision": info.confidence,
            "security-severity": SECURITY_SEVERITY[severity],
            "tags": ["security", info.category],
        },
    }
    if info.references:
        out["helpUri"] = info.references[0]
    return out


def _rule_from_finding(f: Finding) -> RuleInfo:
    return RuleInfo(
        id=f.rule,
        title=f.title,
        description=f.title,
        category=str(f.category),
        severity=str(f.severity),
        confidence=str(f.confidence),
        remediation=f.remediation,
    )


def _artifact_uri(source: str) -> str | None:
    """The input file as a URI reference, or None for live and standard-input sources."""
    if source.startswith(LIVE_PREFIX) or source in NOT_FILES:
        return None
    path = source.replace("\\", "/")
    if path.startswith("/"):
        return "file://" + quote(path)
    return quote(path)


def _location(f: Finding, names: NameRedactor) -> dict[str, Any]:
    res = f.resource
    shown_id = names.id(res)
    resource_fqn = names.arn(res) or f"{res.type}/{shown_id}"
    loc: dict[str, Any] = {}
    uri = _artifact_uri(f.location.source)
    if uri is not None:
        loc["physicalLocation"] = {"artifactLocation": {"uri": uri}}
        if f.location.source_line is not None:  # GitHub code scanning places an alert by its line
            loc["physicalLocation"]["region"] = {"startLine": f.location.source_line}
    loc["logicalLocations"] = [
        {"name": shown_id, "fullyQualifiedName": resource_fqn, "kind": "resource"},
        {
            "name": f.location.field,
            "fullyQualifiedName": f"{resource_fqn}/{f.location.field}",
            "kind": "property",
        },
    ]
    return loc


def _message(f: Finding, names: NameRedactor) -> str:
    raised = f" (severity raised: {f.raised})" if f.raised is not None else ""
    return describe(f, names) + raised


def _result(f: Finding, index: int, baseline: bool, names: NameRedactor) -> dict[str, Any]:
    props: dict[str, Any] = {
        "severity": str(f.severity),
        "confidence": str(f.confidence),
        "category": str(f.category),
        "resource": names.resource_dict(f.resource),
        "source": f.location.source,
        "field": f.location.field,
        "line": f.location.line,
        "decoding": list(f.location.decoding),
        "redacted": f.redacted,
    }
    if f.evidence is not None:
        props["evidence"] = f.evidence
    if f.raised is not None:
        props["raised"] = f.raised
    out: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": index,
        "level": LEVEL[f.severity],
        "message": {"text": _message(f, names)},
        "locations": [_location(f, names)],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "properties": props,
    }
    if baseline:
        out["baselineState"] = "new"
    return out


def _notifications(report: Report) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {"level": "error", "message": {"text": e.message}, "properties": e.to_dict()} for e in report.errors
    ]
    for s in report.skipped:
        where = f" {s.resource.type} {s.resource.id}" if s.resource else ""
        field = f" {s.field}" if s.field else ""
        text = f"skipped: {s.source}{where}{field}: {s.reason}"
        out.append({"level": "note", "message": {"text": text}, "properties": s.to_dict()})
    return out


def render(report: Report, options: RenderOptions) -> str:
    doc = report.to_dict(show_secrets=False)  # never a raw secret, even with --show-secrets
    report = report.cover()
    infos = {r.id: r for r in options.rules}
    for f in report.findings:
        infos.setdefault(f.rule, _rule_from_finding(f))
    rule_ids = sorted(infos)
    index = {rid: i for i, rid in enumerate(rule_ids)}
    baseline = "baseline" in report.extra
    names = NameRedactor(report.findings)
    run_properties: dict[str, Any] = {
        "fingerprintKeyId": doc["fingerprint_key_id"],
        "summary": doc["summary"],
    }
    for key in ("baseline", "suppressed", "unused_suppressions"):
        if key in doc:
            run_properties[key] = doc[key]
    sarif = {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "metascan",
                        "version": doc["tool"]["version"],
                        "semanticVersion": doc["tool"]["version"],
                        "rules": [_rule(infos[rid]) for rid in rule_ids],
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": not (
                            report.errors or any(s.timed_out for s in report.skipped)
                        ),
                        "startTimeUtc": doc["started_at"],
                        "endTimeUtc": doc["finished_at"],
                        "toolExecutionNotifications": _notifications(report),
                    }
                ],
                "results": [_result(f, index[f.rule], baseline, names) for f in report.findings],
                "properties": run_properties,
            }
        ],
    }
    return json.dumps(sarif, indent=2, ensure_ascii=False) + "\n"
