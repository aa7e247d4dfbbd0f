"""Shared data for the report, reporter, baseline, suppression and CLI output tests.

`golden_report()` is a fixed report (fixed timestamps, fingerprints, key id and tool version) rendered
against the golden files in tests/golden/.  `write_planted(dir)` writes AWS exports with planted secrets.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from metascan.cli import main
from metascan.model import Category, Confidence, Finding, Location, Resource, ScanError, Severity, Skipped
from metascan.report.formats.options import RuleInfo
from metascan.report.report import Report

REPO = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden"
REPORT_SCHEMA = REPO / "metascan" / "schema" / "report.schema.json"
SARIF_SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "sarif-schema-2.1.0.json"

T0 = dt.datetime(2024, 5, 1, 2, 0, 0, tzinfo=dt.UTC)
T1 = dt.datetime(2024, 5, 1, 2, 0, 3, 250000, tzinfo=dt.UTC)
KEY_ID = "0123456789abcdef"
ACCOUNT = "210987654322"

GROUP = Resource(
    "AutoScalingGroup",
    "orders-web-prod",
    f"arn:aws:autoscaling:us-east-1:{ACCOUNT}:autoScalingGroup:6c1f2a8e-2b4d-4f7a-9c3e-1d2e3f4a5b6c"
    ":autoScalingGroupName/orders-web-prod",
    "us-east-1",
    ACCOUNT,
)
VERSION = Resource("LaunchTemplateVersion", "lt-0a1b2c3d4e5f60718:2", None, "us-east-1", ACCOUNT)
HOOK = Resource("LifecycleHook", "orders-web-prod/drain", None, "eu-west-1", ACCOUNT)
LIVE = f"aws:{ACCOUNT}:eu-west-1"

# The raw values in the golden report: no default rendering may contain them.
GOLDEN_SECRETS = (
    "AKIAQX7RZ2MTB5PLUWNE",
    "maria.gonzalez@gmail.com",
    "https://hooks.slack.com/services/T0ABCDEFG/B0HIJKLMN/q1w2e3r4t5y6u7i8o9p0a1s2",
)


def golden_findings() -> list[Finding]:
    return [
        Finding(
            rule="aws-access-key-id",
            category=Category.CREDENTIAL,
            severity=Severity.CRITICAL,
            confidence=Confidence.HIGH,
            title="AWS access key ID",
            remediation="Deactivate the key and give instances an IAM role.",
            resource=VERSION,
            location=Location(
                "exports/ec2 describe-launch-template-versions.json",
                "LaunchTemplateData.UserData",
                3,
                ("base64", "gzip", "mime:2"),
            ),
            redacted="AKIA************UWNE",
            fingerprint="1" * 64,
            match=GOLDEN_SECRETS[0],
            raised="launched by group orders-web-prod",
        ),
        Finding(
            rule="email-address",
            category=Category.PERSONAL_DATA,
            severity=Severity.MEDIUM,
            confidence=Confidence.HIGH,
            title="Email address",
            remediation="Use a team address.",
            resource=GROUP,
            location=Location("exports/asg.json", "Tags[Owner].Value"),
            redacted="mar******************com",
            fingerprint="2" * 64,
            match=GOLDEN_SECRETS[1],
        ),
        Finding(
            rule="slack-webhook-url",
            category=Category.CREDENTIAL,
            severity=Severity.HIGH,
            confidence=Confidence.MEDIUM,
            title="Slack incoming webhook URL",
            remediation="Revoke the webhook.",
            resource=HOOK,
            location=Location(LIVE, "NotificationMetadata", 1),
            redacted="http*****************************************************************a1s2",
            fingerprint="3" * 64,
            match=GOLDEN_SECRETS[2],
        ),
        Finding(
            rule="unencrypted-volume",
            category=Category.DATA_PROTECTION,
            severity=Severity.LOW,
            confidence=Confidence.LOW,
            title="Unencrypted EBS volume",
            remediation="Encrypt the volume.",
            resource=VERSION,
            location=Location(
                "exports/ec2 describe-launch-template-versions.json",
                "LaunchTemplateData.BlockDeviceMappings[0].Ebs.Encrypted",
            ),
            redacted="",
            fingerprint="4" * 64,
            evidence="Encrypted=false",
        ),
    ]


def golden_report(extras: bool = True) -> Report:
    report = Report(
        findings=golden_findings(),
        skipped=[
            Skipped(
                "exports/asg.json",
                "user data is above the 10 MiB decoding bound",
                VERSION,
                "LaunchTemplateData.UserData",
            )
        ],
        errors=[
            ScanError(
                LIVE,
                f"{LIVE}: DescribeNotificationConfigurations: AccessDenied",
                ACCOUNT,
                "eu-west-1",
                "DescribeNotificationConfigurations",
            )
        ],
        resources=5,
        fields=42,
        started_at=T0,
        finished_at=T1,
        fingerprint_key_id=KEY_ID,
        tool_version="0.0.0-golden",
    )
    if extras:
        report.extra["suppressed"] = [
            {
                "fingerprint": "5" * 64,
                "rule": "email-address",
                "resource": GROUP.to_dict(),
                "reason": "metascan:ignore=email-address on AutoScalingGroup orders-web-prod",
            }
        ]
        report.extra["unused_suppressions"] = [
            {"source": "metascan.toml", "index": 2, "reason": "old test data", "rule": "iban", "value": True}
        ]
        report.extra["baseline"] = {
            "source": "baseline.json",
            "known": 7,
            "resolved": [{"fingerprint": "6" * 64, "rule": "iban", "resource": GROUP.to_dict()}],
        }
    return report


def empty_report() -> Report:
    return Report(
        resources=0,
        fields=0,
        started_at=T0,
        finished_at=T1,
        fingerprint_key_id=KEY_ID,
        tool_version="0.0.0-golden",
    )


GOLDEN_RULES = (
    RuleInfo(
        id="aws-access-key-id",
        title="AWS access key ID",
        description="An AWS access key ID (AKIA long-term, ASIA temporary).",
        category="credential",
        severity="high",
        confidence="high",
        remediation="Deactivate the key and give instances an IAM role.",
        references=("https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html",),
    ),
    RuleInfo(
        id="email-address",
        title="Email address",
        description="A personal email address.",
        category="personal_data",
        severity="medium",
        confidence="high",
        remediation="Use a team address.",
    ),
    RuleInfo(
        id="iban",
        title="IBAN (bank account)",
        description="An IBAN with a valid checksum.",
        category="account_number",
        severity="high",
        confidence="high",
        remediation="Remove the account number.",
    ),
    RuleInfo(
        id="slack-webhook-url",
        title="Slack incoming webhook URL",
        description="A Slack incoming webhook URL.",
        category="credential",
        severity="high",
        confidence="high",
        remediation="Revoke the webhook.",
    ),
)


def check_golden(name: str, text: str) -> None:
    """Compare with tests/golden/NAME; METASCAN_REGEN_GOLDEN=1 rewrites the file instead."""
    import os

    path = GOLDEN / name
    if os.environ.get("METASCAN_REGEN_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs from its golden file (METASCAN_REGEN_GOLDEN=1 regenerates it)"


def validate_report(doc: dict[str, Any]) -> None:
    """Check a JSON report against the schema shipped in the package."""
    schema = json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(doc)


# --- exports with planted secrets ------------------------------------------------------------------

PLANTED = {
    "aws_key": "AKIAZ5TQ4BXH7MLNRWQE",
    "aws_secret": "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",
    "db_password": "Tr0ub4dor-Zebra-9217",
    "tag_password": "Pl4nted-Tag-Secret-5521",
    "webhook_token": "Qm9Xz3Lk7Vp2Rt8Wy4Hn",
    "email": "planted.person@gmail.com",
}
PLANTED_ACCOUNT = "210987654399"
PLANTED_GROUP = "planted-web"
PLANTED_TEMPLATE = "lt-0123456789abcdef0"


def planted_user_data() -> str:
    script = (
        "#!/bin/bash\n"
        f"export AWS_ACCESS_KEY_ID={PLANTED['aws_key']}\n"
        f"export AWS_SECRET_ACCESS_KEY={PLANTED['aws_secret']}\n"
        f"DB_PASSWORD='{PLANTED['db_password']}'\n"
        f"echo contact {PLANTED['email']}\n"
    )
    return base64.b64encode(gzip.compress(script.encode(), mtime=0)).decode()


def planted_exports(
    group_tags: list[dict[str, Any]] | None = None, template_tags: list[dict[str, Any]] | None = None
) -> dict[str, dict[str, Any]]:
    """File name -> AWS CLI output: a group, its hook, a launch template version, maybe the template."""
    tags = [
        {
            "ResourceId": PLANTED_GROUP,
            "ResourceType": "auto-scaling-group",
            "Key": "db_password",
            "Value": PLANTED["tag_password"],
            "PropagateAtLaunch": False,
        },
        *(group_tags or []),
    ]
    out: dict[str, dict[str, Any]] = {
        "asg.json": {
            "AutoScalingGroups": [
                {
                    "AutoScalingGroupName": PLANTED_GROUP,
                    "AutoScalingGroupARN": f"arn:aws:autoscaling:eu-west-1:{PLANTED_ACCOUNT}:"
                    "autoScalingGroup:0b2a1e7c-1111-2222-3333-444455556666:"
                    f"autoScalingGroupName/{PLANTED_GROUP}",
                    "Tags": tags,
                }
            ]
        },
        "hooks.json": {
            "LifecycleHooks": [
                {
                    "LifecycleHookName": "notify",
                    "AutoScalingGroupName": PLANTED_GROUP,
                    "NotificationMetadata": f"https://hooks.example.net/notify?token={PLANTED['webhook_token']}",
                }
            ]
        },
        "ltv.json": {
            "LaunchTemplateVersions": [
                {
                    "LaunchTemplateId": PLANTED_TEMPLATE,
                    "LaunchTemplateName": "planted",
                    "VersionNumber": 3,
                    "DefaultVersion": True,
                    "LaunchTemplateData": {"UserData": planted_user_data()},
                }
            ]
        },
    }
    if template_tags is not None:
        out["lt.json"] = {
            "LaunchTemplates": [
                {"LaunchTemplateId": PLANTED_TEMPLATE, "LaunchTemplateName": "planted", "Tags": template_tags}
            ]
        }
    return out


def write_planted(directory: Path, **kwargs: Any) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in planted_exports(**kwargs).items():
        (directory / name).write_text(json.dumps(data, indent=1), encoding="utf-8")
    return directory


def run_main(
    args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    """Run `metascan ARGS` in this process as the console script does: (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["metascan", *args])
    with pytest.raises(SystemExit) as exc:
        main()
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err
