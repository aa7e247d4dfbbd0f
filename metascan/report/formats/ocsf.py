"""OCSF Detection Finding events (class_uid 2004), the schema Amazon Security Lake and Prowler use.

Each metascan finding is one event built with `py-ocsf-models` (the OCSF models Prowler maintains), so the
library's pydantic models check every field, then dumped without empty fields, all events in a JSON array:

* `finding_info.uid` is the keyed fingerprint, `finding_info.title`/`desc` the rule's title and the finding's
  place, `finding_info.types` the category, `metadata.event_code` the rule id;
* `severity_id` from the severity (critical 5, high 4, medium 3, low 2, info 1) and `confidence_id` from
  the confidence; activity Create, status New, `time` the end of the scan in milliseconds;
* `cloud` (provider AWS, the account and region where known) and one entry in `resources` (its ARN or id as
  `uid`, the metascan type, region, and the field, line and decoding chain as `data`);
* `remediation.desc` the remediation (and the rule's references), and in `unmapped.metascan` the redacted
  preview, the evidence of a data-protection finding and any `raised` reason.

Like SARIF and ASFF an event never carries the raw value, whatever `show_secrets` says, and a raw value inside
a resource's own name is redacted there too.
"""

from __future__ import annotations

import json
from typing import Any

from py_ocsf_models.events.findings.activity_id import ActivityID
from py_ocsf_models.events.findings.confidence_id import ConfidenceID
from py_ocsf_models.events.findings.detection_finding import DetectionFinding
from py_ocsf_models.events.findings.detection_finding_type_id import DetectionFindingTypeID
from py_ocsf_models.events.findings.severity_id import SeverityID
from py_ocsf_models.events.findings.status_id import StatusID
from py_ocsf_models.objects.account import Account, TypeID
from py_ocsf_models.objects.cloud import Cloud
from py_ocsf_models.objects.finding_info import FindingInformation
from py_ocsf_models.objects.metadata import Metadata
from py_ocsf_models.objects.product import Product
from py_ocsf_models.objects.remediation import Remediation
from py_ocsf_models.objects.resource_details import ResourceDetails

from ...model import Confidence, Finding, Severity
from ..report import Report
from .names import NameRedactor, describe
from .options import RenderOptions, RuleInfo

CLASS_UID = 2004
SEVERITY_ID = {
    Severity.CRITICAL: SeverityID.Critical,
    Severity.HIGH: SeverityID.High,
    Severity.MEDIUM: SeverityID.Medium,
    Severity.LOW: SeverityID.Low,
    Severity.INFO: SeverityID.Informational,
}
CONFIDENCE_ID = {
    Confidence.HIGH: ConfidenceID.High,
    Confidence.MEDIUM: ConfidenceID.Medium,
    Confidence.LOW: ConfidenceID.Low,
}


def _place(f: Finding, names: NameRedactor) -> str:
    raised = f" (severity raised: {f.raised})" if f.raised is not None else ""
    return describe(f, names) + raised


def event(
    f: Finding, report: Report, names: NameRedactor, info: RuleInfo | None, version: str
) -> DetectionFinding:
    """One finding as an OCSF Detection Finding (validated by the models as it is built)."""
    res = f.resource
    when = report.finished_at or report.started_at
    millis = int(when.timestamp() * 1000)
    cloud = Cloud(
        provider="AWS",
        region=res.region,
        account=(
            Account(name=res.account, uid=res.account, type_id=TypeID.AWS_Account, type="AWS Account")
            if res.account
            else None
        ),
    )
    data: dict[str, object] = {"type": res.type, "field": f.location.field, "source": f.location.source}
    if f.location.line is not None:
        data["line"] = f.location.line
    if f.location.decoding:
        data["decoding"] = list(f.location.decoding)
    unmapped: dict[str, Any] = {"redacted": f.redacted, "category": str(f.category)}
    if f.evidence is not None:
        unmapped["evidence"] = f.evidence
    if f.raised is not None:
        unmapped["raised"] = f.raised
    message = _place(f, names)
    return DetectionFinding(
        metadata=Metadata(
            product=Product(name="metascan", vendor_name="metascan", version=version),
            event_code=f.rule,
            profiles=["cloud"],
            uid=f.fingerprint,
        ),
        finding_info=FindingInformation(
            uid=f.fingerprint,
            title=f.title,
            desc=message,
            types=[str(f.category)],
            created_time=millis,
            data_sources=[f.location.source],
        ),
        activity_id=ActivityID.Create,
        activity_name=ActivityID.Create.name,
        type_uid=DetectionFindingTypeID.Create,
        type_name="Detection Finding: Create",
        severity_id=SEVERITY_ID[f.severity],
        severity=SEVERITY_ID[f.severity].name,
        confidence_id=CONFIDENCE_ID[f.confidence],
        confidence=CONFIDENCE_ID[f.confidence].name,
        status_id=StatusID.New,
        status=StatusID.New.name,
        time=millis,
        time_dt=when,
        message=message,
        cloud=cloud,
        resources=[
            ResourceDetails(
                uid=names.arn(res) or names.id(res),
                name=names.id(res),
                type=res.type,
                region=res.region,
                cloud_partition="aws",
                data=data,
            )
        ],
        remediation=Remediation(
            desc=f.remediation, references=list(info.references) if info and info.references else None
        ),
        unmapped={"metascan": unmapped},
    )


def events(report: Report, options: RenderOptions) -> list[dict[str, Any]]:
    """The report's findings as OCSF events, as JSON-ready dicts (never with a raw value)."""
    names = NameRedactor(report.findings)
    infos = {r.id: r for r in options.rules}
    return [
        event(f, report, names, infos.get(f.rule), report.tool_version).model_dump(
            mode="json", exclude_none=True
        )
        for f in report.findings
    ]


def render(report: Report, options: RenderOptions) -> str:
    return json.dumps(events(report, options), indent=2, ensure_ascii=False) + "\n"
