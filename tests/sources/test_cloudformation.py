"""CloudFormation templates (YAML with short-form tags, JSON, CDK output) read as the API responses of their
stack: planted values found on the resources and fields the API would show, at the template's line;
references, parameters without defaults and NoEcho parameters without defaults never reported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers_reports import run_main

import metascan
from metascan.model import Finding
from metascan.sources import cloudformation
from metascan.sources.yamldoc import YamlError, load_all

IAC = Path(__file__).resolve().parents[1] / "fixtures" / "iac"
KEY = b"cloudformation-test-key-0123456789"


def scan(*paths: Path, **options: Any) -> metascan.Report:
    return metascan.scan_files(list(paths), fingerprint_key=KEY, **options)


def found(report: metascan.Report) -> set[tuple[str, str, str, str, str | None]]:
    return {(f.rule, f.resource.type, f.resource.id, f.location.field, f.match) for f in report.findings}


def line_of(f: Finding) -> str:
    """The text of the input line a finding points at."""
    assert f.location.source_line is not None, f
    return Path(f.location.source).read_text().splitlines()[f.location.source_line - 1]


def test_yaml_template_with_short_form_tags() -> None:
    report = scan(IAC / "web-stack.yaml")
    assert report.errors == [] and report.skipped == []
    group, lt = "orders-web-${Env}", "WebLaunchTemplate:1"
    assert {
        (
            "email-address",
            "AutoScalingGroup",
            group,
            "Tags[Contact].Value",
            "marcus.whitfield@orders-team.io",
        ),
        (
            "database-connection-string",
            "LaunchTemplateVersion",
            lt,
            "LaunchTemplateData.UserData",
            "Hx8-Vt3q-Nz5w",
        ),
        (
            "email-address",
            "LaunchTemplateVersion",
            lt,
            "LaunchTemplateData.TagSpecifications[instance].Tags[Owner].Value",
            "priya.natarajan@orders-team.io",
        ),
        (
            "email-address",
            "LaunchTemplateVersion",
            lt,
            "VersionDescription",
            "marcus.whitfield@orders-team.io",
        ),
        (
            "iban",
            "LifecycleHook",
            f"{group}/drain-connections",
            "NotificationMetadata",
            "DE38700202706058371234",
        ),
        ("email-address", "SnsTopic", "orders-alerts", "DisplayName", "priya.natarajan@orders-team.io"),
        ("template-noecho-default", "TemplateParameter", "DbPassword", "DefaultValue", "Tm4-Rw9x-Kp2q"),
    } <= found(report)
    matches = {f.match for f in report.findings}
    # Decoys: references (${DbPassword}, ${DbUser}, $(aws secretsmanager ...), !GetAtt), the Secrets Manager
    # ARN default, a NoEcho parameter without a default, ${!Literal}.
    assert not any(m and ("${" in m and "@" not in m) for m in matches), matches
    assert not any(m and "secretsmanager" in m for m in matches)
    assert "DbUser" not in {f.resource.id for f in report.findings}
    # The user data is what CloudFormation sends (base64) and the line is the template's.
    (conn,) = [f for f in report.findings if f.rule == "database-connection-string"]
    assert conn.location.decoding == ("base64",) and conn.location.line == 8
    assert "postgres://orders:Hx8-Vt3q-Nz5w@" in line_of(conn)
    for f in report.findings:
        if f.match is not None:
            assert f.match in line_of(f) or f.location.field == "NotificationMetadata", f
    # The group launches the template's version: its volume is judged as launched.
    ebs = [f for f in report.findings if f.rule == "ebs-volume-aws-managed-key"]
    assert ebs and "launched by group orders-web-${Env}" in str(ebs[0].evidence)


def test_subscriptions_and_the_credentials_in_their_endpoints() -> None:
    report = scan(IAC / "web-stack.yaml")
    subs = {(f.rule, f.match) for f in report.findings if f.resource.type == "SnsSubscription"}
    assert ("url-secret-parameter", "Jq7vN2xLp9RtW4kZ") in subs
    assert all(
        f.resource.id.startswith("orders-alerts/")
        for f in report.findings
        if f.resource.type == "SnsSubscription"
    )


def test_cdk_template_with_join_and_the_manifest_beside_it() -> None:
    report = scan(IAC / "cdk.out")
    assert report.errors == []
    assert [(s.source.rsplit("/", 1)[-1], s.reason) for s in report.skipped] == [
        (
            "manifest.json",
            "a CDK cloud assembly manifest: the templates are the *.template.json files beside it",
        )
    ]
    (webhook,) = [f for f in report.findings if f.rule == "slack-webhook-url"]
    assert (webhook.resource.type, webhook.resource.id, webhook.location.field) == (
        "LaunchConfiguration",
        "WorkersLaunchConfig2F1B4C9A",
        "UserData",
    )
    assert "hooks.slack.com" in line_of(webhook)  # the Fn::Join piece's own line
    assert ("person-name", "Dmitri Volkov") in {(f.rule, f.match) for f in report.findings}
    # SSM parameter defaults are references, the CDK bootstrap version is no finding.
    assert {f.resource.type for f in report.findings} <= {"LaunchConfiguration", "AutoScalingGroup"}


def _template(resources: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"AWSTemplateFormatVersion": "2010-09-09", **top, "Resources": resources}


def _lt(user_data: Any) -> dict[str, Any]:
    return {"Type": "AWS::EC2::LaunchTemplate", "Properties": {"LaunchTemplateData": {"UserData": user_data}}}


@pytest.mark.parametrize(
    ("user_data", "planted"),
    [
        ({"Fn::Base64": "#!/bin/bash\nexport DB_PASSWORD='Wn4-Qz7r-Lp2k'\n"}, "Wn4-Qz7r-Lp2k"),
        (
            {"Fn::Base64": {"Fn::Sub": ["export DB_PASSWORD='${Pw}'\n", {"Pw": "Wn4-Qz7r-Lp2k"}]}},
            "Wn4-Qz7r-Lp2k",
        ),
        (
            {"Fn::Base64": {"Fn::Join": ["\n", ["#!/bin/bash", "export DB_PASSWORD='Wn4-Qz7r-Lp2k'"]]}},
            "Wn4-Qz7r-Lp2k",
        ),
        (
            {"Fn::Base64": {"Fn::If": ["Prod", "echo prod", "export DB_PASSWORD='Wn4-Qz7r-Lp2k'"]}},
            "Wn4-Qz7r-Lp2k",
        ),
        (
            {"Fn::Base64": {"Fn::FindInMap": ["Scripts", "eu-west-1", "Boot"]}},
            "Wn4-Qz7r-Lp2k",
        ),
        (
            {"Fn::Base64": {"Fn::Select": [1, ["echo a", "export DB_PASSWORD='Wn4-Qz7r-Lp2k'"]]}},
            "Wn4-Qz7r-Lp2k",
        ),
    ],
)
def test_intrinsic_functions_leave_their_literal_text(tmp_path: Path, user_data: Any, planted: str) -> None:
    mappings = {"Scripts": {"eu-west-1": {"Boot": "export DB_PASSWORD='Wn4-Qz7r-Lp2k'"}}}
    path = tmp_path / "t.json"
    path.write_text(json.dumps(_template({"LT": _lt(user_data)}, Mappings=mappings), indent=1))
    report = scan(path)
    assert report.errors == [] and report.skipped == []
    assert [(f.rule, f.location.field, f.match) for f in report.findings] == [
        ("password-assignment", "LaunchTemplateData.UserData", planted)
    ]


@pytest.mark.parametrize(
    "user_data",
    [
        {"Fn::Base64": {"Fn::Sub": "export DB_PASSWORD=${DbPassword}\n"}},
        {"Fn::Base64": {"Fn::Join": ["", ["export DB_PASSWORD=", {"Ref": "DbPassword"}, "\n"]]}},
        {"Fn::Base64": {"Fn::Sub": "export DB_PASSWORD=${Db.Password}\n"}},
        {"Fn::Base64": {"Fn::Join": ["", ["export DB_PASSWORD=", {"Fn::ImportValue": "db-password"}]]}},
        {"Fn::Base64": "export DB_PASSWORD={{resolve:secretsmanager:prod/db:SecretString:password}}\n"},
        {"Ref": "UserDataParameter"},
    ],
)
def test_references_are_never_secrets(tmp_path: Path, user_data: Any) -> None:
    path = tmp_path / "t.json"
    template = _template(
        {"LT": _lt(user_data)},
        Parameters={
            "DbPassword": {"Type": "String", "NoEcho": True},
            "UserDataParameter": {"Type": "String"},
        },
    )
    path.write_text(json.dumps(template))
    report = scan(path)
    assert report.errors == [] and report.findings == [], report.findings


def test_the_issue_s_example_a_secret_key_in_user_data_is_found_not_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13: such a template gave 'skipped: not a recognised AWS API response', 0 findings, exit 0."""
    script = (
        "#!/bin/bash\nexport AWS_ACCESS_KEY_ID=AKIAZ7QW3MN5PL2XRT4V\n"
        "export AWS_SECRET_ACCESS_KEY=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\n"
    )
    path = tmp_path / "template.json"
    path.write_text(json.dumps(_template({"LT": _lt({"Fn::Base64": script})})))
    code, out, _ = run_main(["scan", str(path), "--format", "json"], capsys, monkeypatch)
    report = json.loads(out)
    assert code == 1 and report["skipped"] == [] and report["errors"] == []
    assert {f["rule"] for f in report["findings"]} == {"aws-access-key-id", "aws-secret-access-key"}
    # No group in the template launches the version, so severities are as documented (README "Severity").
    assert all("raised" not in f for f in report["findings"])


def test_yaml_short_forms_become_long_forms() -> None:
    (doc,) = load_all(
        "A: !Ref X\nB: !GetAtt Res.Attr\nC: !Sub 'a-${X}'\nD: !Join [',', [a, b]]\nE: !Condition IsProd\n"
        "F: !Base64\n  Fn::Sub: |\n    x\nG: !If [C, !Ref X, !Ref AWS::NoValue]\nH: !GetAZs ''\n"
    )
    assert doc == {
        "A": {"Ref": "X"},
        "B": {"Fn::GetAtt": ["Res", "Attr"]},
        "C": {"Fn::Sub": "a-${X}"},
        "D": {"Fn::Join": [",", ["a", "b"]]},
        "E": {"Condition": "IsProd"},
        "F": {"Fn::Base64": {"Fn::Sub": "x\n"}},
        "G": {"Fn::If": ["C", {"Ref": "X"}, {"Ref": "AWS::NoValue"}]},
        "H": {"Fn::GetAZs": ""},
    }


def test_a_yaml_alias_bomb_is_refused_with_one_line(tmp_path: Path) -> None:
    lines = ["AWSTemplateFormatVersion: '2010-09-09'", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    lines += ["Resources:", "  G:", "    Type: AWS::AutoScaling::AutoScalingGroup", "    Properties:"]
    lines += ["      Tags: *a9"]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    assert path.stat().st_size < 1000
    report = scan(path)
    (err,) = report.errors
    assert err.message.startswith(f"{path}: YAML aliases expand") and "alias bomb" in err.message
    assert "\n" not in err.message
    with pytest.raises(YamlError, match="refers to a value that contains it"):
        load_all("a: &a [1, *a]\n")


def test_a_few_aliases_are_read(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "Resources:\n"
        "  G:\n"
        "    Type: AWS::AutoScaling::AutoScalingGroup\n"
        "    Properties:\n"
        "      Tags:\n"
        "        - &owner {Key: Owner, Value: lena.fischer@payments-team.io, PropagateAtLaunch: true}\n"
        "        - *owner\n"
    )
    report = scan(path)
    assert report.errors == []
    assert {(f.rule, f.match) for f in report.findings} == {
        ("email-address", "lena.fischer@payments-team.io")
    }


def test_a_template_without_scanned_resources_says_so(tmp_path: Path) -> None:
    path = tmp_path / "bucket.yaml"
    path.write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\n"
        "Parameters:\n  Pw: {Type: String, NoEcho: true, Default: Zt5-Qq8w}\n"
        "Resources:\n  B: {Type: AWS::S3::Bucket}\n"
    )
    report = scan(path)
    (err,) = report.errors
    assert err.message == f"no input was recognised: {path}: {cloudformation.NO_RESOURCES}"
    assert [s.reason for s in report.skipped] == [cloudformation.NO_RESOURCES]


def test_sam_template_is_a_template(tmp_path: Path) -> None:
    path = tmp_path / "template.yml"
    path.write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Fn: {Type: AWS::Serverless::Function, Properties: {Handler: app.handler}}\n"
        "  Hook:\n"
        "    Type: AWS::AutoScaling::LifecycleHook\n"
        "    Properties:\n"
        "      AutoScalingGroupName: !Ref Workers\n"
        "      LifecycleTransition: autoscaling:EC2_INSTANCE_TERMINATING\n"
        "      NotificationMetadata: 'escalate to +49 30 18272 3456'\n"
        "  Workers:\n"
        "    Type: AWS::AutoScaling::AutoScalingGroup\n"
        "    Properties: {AutoScalingGroupName: sam-workers, MinSize: '0', MaxSize: '1'}\n"
    )
    report = scan(path)
    assert report.errors == []
    (f,) = report.findings
    assert (f.rule, f.resource.type, f.resource.id, f.location.source_line) == (
        "phone-number",
        "LifecycleHook",
        "sam-workers/Hook",
        9,
    )


def test_the_same_template_twice_is_two_places_to_fix(tmp_path: Path) -> None:
    text = (IAC / "web-stack.yaml").read_text()
    for env in ("dev", "prod"):
        (tmp_path / f"{env}.yaml").write_text(text)
    report = scan(tmp_path)
    noecho = [f for f in report.findings if f.rule == "template-noecho-default"]
    assert sorted(Path(f.location.source).name for f in noecho) == ["dev.yaml", "prod.yaml"]
    assert noecho[0].fingerprint != noecho[1].fingerprint


def test_cfn_init_metadata_of_what_groups_launch(tmp_path: Path) -> None:
    """cfn-init reads its files, commands and credentials from the metadata of the resource it names
    (`AWS::CloudFormation::Init`, `AWS::CloudFormation::Authentication`): each string there is scanned under
    its path, a file's content and a command as scripts, at its line; other metadata is not read, and
    `${...}` references stay references."""
    path = tmp_path / "stack.yaml"
    path.write_text(
        "Resources:\n"
        "  LC:\n"
        "    Type: AWS::AutoScaling::LaunchConfiguration\n"
        "    Metadata:\n"
        "      AWS::CloudFormation::Authentication:\n"
        "        S3AccessCreds:\n"
        "          type: S3\n"
        "          accessKeyId: AKIAZ7QX3LVN4TJR2KWM\n"  # line 8
        "          secretKey: 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\n"
        "      AWS::CloudFormation::Init:\n"
        "        config:\n"
        "          files:\n"
        "            /etc/app/db.conf:\n"
        "              content: !Sub |\n"
        "                [db]\n"
        "                password = Rt7!mKq2Lw9x\n"
        "                replica_password = ${ReplicaPassword}\n"
        "          commands:\n"
        "            01_login:\n"
        "              command: docker login -u ci -p Ws5Ed4Rf3Tg registry.acme.io\n"  # line 20
        "      cfn-lint:\n"
        "        config:\n"
        "          ignore_checks: [Zq1Xw2Ce3Rv4Bt5Ny6Mu7]\n"
        "    Properties:\n"
        "      ImageId: ami-1\n"
        "      InstanceType: t3.micro\n"
        "  LT:\n"
        "    Type: AWS::EC2::LaunchTemplate\n"
        "    Metadata:\n"
        "      AWS::CloudFormation::Init:\n"
        "        config:\n"
        "          commands:\n"
        "            token: {command: 'echo 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 > /etc/gh'}\n"
        "    Properties:\n"
        "      LaunchTemplateData: {ImageId: ami-1}\n"
    )
    report = scan(path)
    assert report.errors == []
    got = {
        (f.rule, f.resource.type, f.location.field, f.match, f.location.source_line) for f in report.findings
    }
    init = "Metadata.AWS::CloudFormation::Init.config"
    auth = "Metadata.AWS::CloudFormation::Authentication.S3AccessCreds"
    assert got == {
        ("aws-access-key-id", "LaunchConfiguration", f"{auth}.accessKeyId", "AKIAZ7QX3LVN4TJR2KWM", 8),
        (
            "aws-secret-access-key",
            "LaunchConfiguration",
            f"{auth}.secretKey",
            "p3Vd8Lq2Xw9ZrT5mKc1Nb7Hy4Jf6Gs0Ae2Ru8YiO",
            9,
        ),
        (
            "password-assignment",
            "LaunchConfiguration",
            f"{init}.files./etc/app/db.conf.content",
            "Rt7!mKq2Lw9x",
            16,
        ),
        (
            "password-command-line",
            "LaunchConfiguration",
            f"{init}.commands.01_login.command",
            "Ws5Ed4Rf3Tg",
            20,
        ),
        (
            "github-token",
            "LaunchTemplateVersion",
            f"{init}.commands.token.command",
            "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",
            33,
        ),
    }


_TEMPLATE_YAML = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Fleet:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      AutoScalingGroupName: !Sub "fleet-${AWS::Region}"
      MinSize: "1"
      MaxSize: "2"
      Tags:
        - Key: Escalation
          Value: "+353 87 214 6093"
          PropagateAtLaunch: false
"""


def test_get_template_output_is_the_template_it_holds(tmp_path: Path) -> None:
    # `aws cloudformation get-template`: TemplateBody is the template's text (YAML or JSON), or the object
    # the CLI printed for a JSON template
    as_text = tmp_path / "yaml-body.json"
    as_text.write_text(json.dumps({"TemplateBody": _TEMPLATE_YAML, "StagesAvailable": ["Original"]}))
    as_object = tmp_path / "object-body.json"
    template = load_all(_TEMPLATE_YAML)[0]
    template["Resources"]["Fleet"]["Properties"]["AutoScalingGroupName"] = "fleet-two"
    as_object.write_text(json.dumps({"TemplateBody": template, "StagesAvailable": ["Processed"]}))
    report = scan(as_text, as_object)
    assert report.errors == [] and report.skipped == []
    assert {(f.resource.id, f.location.field, f.match) for f in report.findings} == {
        ("fleet-${AWS::Region}", "Tags[Escalation].Value", "+353 87 214 6093"),
        ("fleet-two", "Tags[Escalation].Value", "+353 87 214 6093"),
    }


def test_a_serverless_services_resources_are_the_template_it_deploys(tmp_path: Path) -> None:
    # Serverless Framework: CloudFormation's Resources under `resources` (a mapping, or a list of them)
    service = {
        "service": "queue-workers",
        "provider": {"name": "aws", "runtime": "nodejs20.x"},
        "custom": {"contact": "not read: the framework's own settings"},
        "resources": [
            {"Resources": load_all(_TEMPLATE_YAML)[0]["Resources"]},
            {"Outputs": {"FleetName": {"Value": {"Ref": "Fleet"}}}},
        ],
    }
    path = tmp_path / "serverless.yml"
    path.write_text(json.dumps(service))  # (JSON is YAML)
    report = scan(path)
    assert report.errors == [] and report.skipped == []
    assert [(f.resource.type, f.match) for f in report.findings] == [("AutoScalingGroup", "+353 87 214 6093")]
