"""--format asff (AWS Security Hub) and --format ocsf (OCSF Detection Finding).

ASFF is checked against botocore's own `BatchImportFindings` input shape with botocore's parameter
validation (no network, no credentials: the service model ships with botocore).  OCSF events are built with
py-ocsf-models and read back through its `DetectionFinding` model.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator
from helpers_reports import ACCOUNT, GOLDEN_SECRETS, GROUP, golden_findings, golden_report
from py_ocsf_models.events.findings.detection_finding import DetectionFinding

import metascan
from metascan.detect.rules import load_rules
from metascan.errors import ConfigError
from metascan.model import Severity
from metascan.report.formats import asff, ocsf
from metascan.report.formats.options import RenderOptions, catalogue
from metascan.report.render import Format, renderer

SECRETS = RenderOptions(show_secrets=True)


def validate_asff(findings: list[dict[str, Any]]) -> None:
    """Raise unless `findings` is valid input to Security Hub's BatchImportFindings."""
    model = botocore.session.get_session().get_service_model("securityhub")
    shape = model.operation_model("BatchImportFindings").input_shape
    report = ParamValidator().validate({"Findings": findings}, shape)
    assert not report.has_errors(), report.generate_report()


def test_asff_is_valid_batch_import_findings_input() -> None:
    findings = json.loads(renderer(Format.ASFF)(golden_report(), RenderOptions()))
    assert len(findings) == len(golden_report().findings)
    validate_asff(findings)


def test_the_validation_catches_a_broken_finding() -> None:
    (finding, *_) = json.loads(renderer(Format.ASFF)(golden_report(), RenderOptions()))
    del finding["ProductArn"]
    finding["Severity"]["Label"] = 7
    with pytest.raises(AssertionError, match="ProductArn"):
        validate_asff([finding])


def test_asff_ids_severities_types_and_resources_are_mapped() -> None:
    report = golden_report()
    out = asff.findings(report, RenderOptions(rules=catalogue(load_rules())))
    by_id = {f["Id"]: f for f in out}
    assert set(by_id) == {f.fingerprint for f in report.findings}  # the keyed fingerprint is the id
    for f in report.findings:
        a = by_id[f.fingerprint]
        assert a["Severity"]["Label"] == asff.LABEL[f.severity] and a["Severity"]["Original"] == f.severity
        assert a["AwsAccountId"] == f.resource.account and a["Region"] == f.resource.region
        assert a["ProductArn"] == (
            f"arn:aws:securityhub:{f.resource.region}:{f.resource.account}:product/{f.resource.account}/default"
        )
        assert a["GeneratorId"] == f"metascan/{f.rule}"
        assert a["Types"] == [asff.TYPES[f.category]]
    group = by_id["2" * 64]["Resources"][0]
    assert (group["Type"], group["Id"]) == ("AwsAutoScalingAutoScalingGroup", GROUP.arn)
    version = by_id["1" * 64]
    assert version["Resources"][0]["Type"] == "AwsEc2LaunchTemplate"
    assert version["Resources"][0]["Details"]["Other"]["decoding"] == "base64 > gzip > mime:2"
    assert version["ProductFields"]["metascan/raised"] == "launched by group orders-web-prod"
    assert "Severity raised: launched by group orders-web-prod" in version["Description"]
    assert by_id["3" * 64]["Resources"][0]["Type"] == "Other"  # a lifecycle hook has no ASFF type
    assert asff.LABEL[Severity.INFO] == "INFORMATIONAL"


def test_asff_remediation_links_the_rules_reference() -> None:
    rules = catalogue(load_rules())
    ref = next(r for r in rules if r.id == "aws-access-key-id").references
    out = asff.findings(golden_report(), RenderOptions(rules=rules))
    rec = next(f for f in out if f["Id"] == "1" * 64)["Remediation"]["Recommendation"]
    assert rec["Text"] == "Deactivate the key and give instances an IAM role."
    assert rec.get("Url") == (ref[0] if ref else None)


def test_asff_needs_the_account_and_region_of_every_finding() -> None:
    report = golden_report()
    report.findings[0] = dataclasses.replace(
        report.findings[0], resource=dataclasses.replace(report.findings[0].resource, account=None)
    )
    with pytest.raises(ConfigError, match=r"asff: LaunchTemplateVersion lt-0a1b2c3d4e5f60718:2 .*--account"):
        renderer(Format.ASFF)(report, RenderOptions())


def test_ocsf_events_are_detection_findings_the_models_accept() -> None:
    report = golden_report()
    events = json.loads(renderer(Format.OCSF)(report, RenderOptions()))
    assert len(events) == len(report.findings)
    for doc, f in zip(events, report.findings, strict=True):
        event = DetectionFinding.model_validate(doc)  # the library's own validation, from the JSON
        assert event.class_uid == ocsf.CLASS_UID == 2004
        assert event.type_uid == 200401 and event.category_uid == 2
        assert event.finding_info.uid == f.fingerprint
        assert event.severity_id == ocsf.SEVERITY_ID[f.severity]
        assert event.metadata.event_code == f.rule
        assert doc["unmapped"]["metascan"]["redacted"] == f.redacted
    raised = events[0]
    assert raised["unmapped"]["metascan"]["raised"] == "launched by group orders-web-prod"
    assert raised["cloud"]["account"]["uid"] == ACCOUNT


def test_ocsf_rejects_what_the_schema_rejects() -> None:
    doc = json.loads(renderer(Format.OCSF)(golden_report(), RenderOptions()))[0]
    del doc["finding_info"]
    with pytest.raises(ValueError, match="finding_info"):
        DetectionFinding.model_validate(doc)


def _named_after_a_secret(tmp_path: Path) -> metascan.Report:
    name = "customer-acct-00123456789"  # a customer's account number as the group name
    p = tmp_path / "g.json"
    p.write_text(
        json.dumps(
            {
                "AutoScalingGroups": [
                    {
                        "AutoScalingGroupName": name,
                        "AutoScalingGroupARN": f"arn:aws:autoscaling:us-east-1:{ACCOUNT}:autoScalingGroup:1"
                        f":autoScalingGroupName/{name}",
                        "Tags": [{"Key": "Owner", "Value": "maria.gonzalez@gmail.com", "ResourceId": name}],
                    }
                ]
            }
        )
    )
    return metascan.scan_files([p], fingerprint_key=b"k" * 32)


@pytest.mark.parametrize("fmt", [Format.TEXT, Format.SARIF, Format.ASFF, Format.OCSF])
def test_a_name_that_is_the_leak_is_redacted_wherever_the_resource_is_named(
    tmp_path: Path, fmt: Format
) -> None:
    report = _named_after_a_secret(tmp_path)
    card = [f for f in report.findings if f.location.field == "AutoScalingGroupName"]
    assert card and card[0].match is not None and card[0].match in card[0].resource.id
    out = renderer(fmt)(report, RenderOptions(show_secrets=fmt is not Format.TEXT))
    assert card[0].match not in out
    assert card[0].redacted in out
    if fmt is Format.TEXT:  # the resource header too; with --show-secrets the name is shown as it is
        assert out.splitlines()[0].startswith(f"AutoScalingGroup customer-acct-{card[0].redacted}")
        assert card[0].match in renderer(fmt)(report, SECRETS)


def test_golden_secrets_never_in_shared_formats() -> None:
    findings = golden_findings()
    assert findings  # the planted values of helpers_reports
    for fmt in (Format.ASFF, Format.OCSF):
        out = renderer(fmt)(golden_report(), SECRETS)
        for secret in GOLDEN_SECRETS:
            assert secret not in out
