"""A template and the API responses of the stack deployed from it give the same findings, on the same
resources and fields: fixtures/iac/parity/stack.yaml and, written by hand as the AWS CLI saves them,
fixtures/iac/parity/deployed/ (the same user data, tags, hook metadata, topic and subscription, plus what
the API adds: ARNs, CloudFormation's own tags, defaults)."""

from __future__ import annotations

from pathlib import Path

import metascan
from metascan.model import Finding

PARITY = Path(__file__).resolve().parents[1] / "fixtures" / "iac" / "parity"
KEY = b"parity-test-key-0123456789"

# What the template cannot know before deployment: the ids AWS gives (the template names the rest).
DEPLOYED_IDS = {
    "lt-0f9e8d7c6b5a40312": "IngestTemplate",  # a launch template's id is its logical id in the template
    "arn:aws:sns:eu-west-1:210987654322:ingest-events": "ingest-events",
}


def _key(f: Finding) -> tuple[str, str, str, str, str, str | None, str | None, str]:
    rid = f.resource.id
    for deployed, template in DEPLOYED_IDS.items():
        rid = rid.replace(deployed, template)
    if f.resource.type == "SnsSubscription":  # no ARN before it exists: named by its topic
        rid = "ingest-events" if "ingest-events" in rid else rid
    return (
        f.rule,
        str(f.severity),
        f.resource.type,
        rid,
        f.location.field,
        f.match,
        f.evidence,
        " > ".join(f.location.decoding),
    )


def test_a_template_and_its_deployed_stack_give_the_same_findings() -> None:
    template = metascan.scan_files([PARITY / "stack.yaml"], fingerprint_key=KEY)
    deployed = metascan.scan_files([PARITY / "deployed"], fingerprint_key=KEY)
    assert template.errors == deployed.errors == []
    assert template.skipped == deployed.skipped == []
    assert len(template.findings) >= 9
    assert sorted(map(_key, template.findings)) == sorted(map(_key, deployed.findings))
    # Every category the stack plants is there: credentials in user data and endpoints, personal data in
    # tags, descriptions and display names, account numbers in hook metadata, a structural check.
    assert {f.category.value for f in template.findings} == {
        "credential",
        "personal_data",
        "account_number",
        "data_protection",
    }
    # Both point at the line of their own input that holds the value.
    for report in (template, deployed):
        for f in report.findings:
            if f.match is not None:
                assert f.location.source_line is not None, f
                line = Path(f.location.source).read_text().splitlines()[f.location.source_line - 1]
                assert f.match.rstrip(")") in line or f.location.decoding, (f, line)
