"""Infrastructure code of tools other than CloudFormation and Terraform, read as the API responses of what
it deploys: Pulumi (YAML programs, stack settings, `pulumi stack export`), Crossplane's Upbound providers and
AWS Controllers for Kubernetes, Terragrunt's inputs, and CloudFormation's parameter files."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import metascan

KEY = b"iac-tools-test-key-0123456789abcd"
SCRIPT = "#!/bin/bash\nmysql -u deploy -p'Wq7-Brine-Tamarack' -e 'select 1'\n"


def _found(report: metascan.Report) -> set[tuple[str, str, str | None]]:
    return {(f.resource.type, f.location.field, f.match) for f in report.findings}


def test_a_pulumi_yaml_program_is_read_as_terraform_s_resources(tmp_path: Path) -> None:
    program = {
        "name": "kiln",
        "runtime": "yaml",
        "config": {"dbPassword": {"type": "string", "secret": True}},
        "resources": {
            "lt": {
                "type": "aws:ec2:LaunchTemplate",
                "properties": {
                    "namePrefix": "kiln-",
                    "userData": {"fn::toBase64": SCRIPT + "export DB_PASSWORD=${dbPassword}\n"},
                    "tagSpecifications": [
                        {"resourceType": "instance", "tags": {"Owner": "Henrike Aaltonen"}}
                    ],
                },
            },
            "asg": {
                "type": "aws:autoscaling:Group",
                "properties": {
                    "name": "kiln-fleet",
                    "tags": [{"key": "escalation", "value": "+358 40 7391 826", "propagateAtLaunch": False}],
                },
            },
            "hook": {
                "type": "aws:autoscaling:LifecycleHook",
                "properties": {
                    "name": "drain",
                    "autoscalingGroupName": "${asg.name}",
                    "notificationMetadata": {"fn::toJSON": {"payout_iban": "FI2112345600000785"}},
                },
            },
            "bucket": {"type": "aws:s3:Bucket", "properties": {"bucket": "not-scanned"}},
        },
    }
    path = tmp_path / "Pulumi.yaml"
    path.write_text(json.dumps(program))
    report = metascan.scan_files([str(path)], fingerprint_key=KEY)
    assert report.errors == [] and report.skipped == []
    found = _found(report)
    assert ("LaunchTemplateVersion", "LaunchTemplateData.UserData", "Wq7-Brine-Tamarack") in found
    assert (
        "LaunchTemplateVersion",
        "LaunchTemplateData.TagSpecifications[instance].Tags[Owner].Value",
        "Henrike Aaltonen",
    ) in found
    assert ("AutoScalingGroup", "Tags[escalation].Value", "+358 40 7391 826") in found
    assert ("LifecycleHook", "NotificationMetadata", "FI2112345600000785") in found
    # an interpolation is a reference, not a value
    assert not any("dbPassword" in (f.match or "") for f in report.findings)


def test_pulumi_stack_settings_and_export(tmp_path: Path) -> None:
    settings = tmp_path / "Pulumi.prod.yaml"
    settings.write_text(
        json.dumps(
            {
                "encryptionsalt": "v1:Zm9vYmFy:cGxhY2Vob2xkZXI=",
                "config": {
                    "aws:region": "eu-north-1",
                    "kiln:ownerEmail": "henrike.aaltonen@gmail.com",
                    "kiln:dbPassword": {"secure": "v1:c2FsdA==:Y2lwaGVydGV4dCBub3QgcmVhZA=="},
                },
            }
        )
    )
    export = tmp_path / "stack.json"
    secret = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "v1:abc"}
    export.write_text(
        json.dumps(
            {
                "version": 3,
                "deployment": {
                    "resources": [
                        {
                            "urn": "urn:pulumi:prod::kiln::aws:ec2/launchTemplate:LaunchTemplate::lt",
                            "type": "aws:ec2/launchTemplate:LaunchTemplate",
                            "inputs": {"userData": base64.b64encode(SCRIPT.encode()).decode()},
                            "outputs": {"name": "lt-kiln", "description": secret},
                        }
                    ]
                },
            }
        )
    )
    report = metascan.scan_files([str(settings), str(export)], fingerprint_key=KEY)
    assert report.errors == [] and report.skipped == []
    assert _found(report) == {
        ("TemplateParameter", "ParameterValue", "henrike.aaltonen@gmail.com"),
        ("LaunchTemplateVersion", "LaunchTemplateData.UserData", "Wq7-Brine-Tamarack"),
    }


_UPBOUND = """apiVersion: autoscaling.aws.upbound.io/v1beta1
kind: AutoscalingGroup
metadata:
  name: kiln-asg
  annotations:
    crossplane.io/external-name: kiln-fleet
spec:
  forProvider:
    region: eu-north-1
    minSize: 1
    maxSize: 3
    tag:
      - key: escalation
        value: "+358 40 7391 826"
        propagateAtLaunch: false
---
apiVersion: ec2.aws.upbound.io/v1beta1
kind: LaunchTemplate
metadata:
  name: kiln-lt
spec:
  forProvider:
    region: eu-north-1
    userData: {user_data}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: unrelated
data:
  note: not AWS
"""

_ACK = """apiVersion: ec2.services.k8s.aws/v1alpha1
kind: LaunchTemplate
metadata:
  name: kiln
spec:
  name: kiln-gpu
  versionDescription: "approved by Henrike Aaltonen, henrike.aaltonen@gmail.com"
  launchTemplateData:
    userData: {user_data}
  tags:
    - key: payout-iban
      value: FI2112345600000785
"""


def test_crossplane_and_ack_manifests_are_read_as_what_they_manage(tmp_path: Path) -> None:
    user_data = base64.b64encode(SCRIPT.encode()).decode()
    upbound = tmp_path / "upbound.yaml"
    upbound.write_text(_UPBOUND.replace("{user_data}", user_data))
    ack = tmp_path / "ack.yaml"
    ack.write_text(_ACK.replace("{user_data}", user_data))
    report = metascan.scan_files([str(upbound), str(ack)], fingerprint_key=KEY)
    assert report.errors == []
    assert [s.reason.split(",")[0] for s in report.skipped] == ["a Kubernetes manifest"]  # (the ConfigMap)
    found = {(f.resource.type, f.resource.id, f.location.field, f.match) for f in report.findings}
    assert ("AutoScalingGroup", "kiln-fleet", "Tags[escalation].Value", "+358 40 7391 826") in found
    user_data_findings = {(t, f, m) for t, _, f, m in found if f == "LaunchTemplateData.UserData"}
    assert user_data_findings == {
        ("LaunchTemplateVersion", "LaunchTemplateData.UserData", "Wq7-Brine-Tamarack")
    }
    assert ("LaunchTemplate", "kiln-gpu", "Tags[payout-iban].Value", "FI2112345600000785") in found
    assert (
        "LaunchTemplateVersion",
        "kiln-gpu:1",
        "VersionDescription",
        "henrike.aaltonen@gmail.com",
    ) in found


def test_terragrunt_inputs_of_the_registry_module_and_of_others(tmp_path: Path) -> None:
    unit = tmp_path / "live" / "kiln"
    unit.mkdir(parents=True)
    (unit / "terragrunt.hcl").write_text(
        'terraform {\n  source = "tfr:///terraform-aws-modules/autoscaling/aws?version=8.0.0"\n}\n'
        'dependency "vpc" {\n  config_path = "../vpc"\n}\n'
        "inputs = {\n"
        '  name = "kiln-fleet"\n'
        "  vpc_zone_identifier = dependency.vpc.outputs.private_subnets\n"
        "  user_data = base64encode("
        "\"#!/bin/bash\\nmysql -u deploy -p'Wq7-Brine-Tamarack' -e 'select 1'\\n\")\n"
        '  tags = { escalation = "+358 40 7391 826" }\n'
        "}\n"
    )
    (tmp_path / "live" / "terragrunt.hcl").write_text(
        'inputs = {\n  owner_email = "henrike.aaltonen@gmail.com"\n}\n'
    )
    (tmp_path / "live" / "packer.pkr.hcl").write_text(
        'source "amazon-ebs" "x" {\n  password = "not-read-x9"\n}\n'
    )
    report = metascan.scan_files([str(tmp_path)], fingerprint_key=KEY)
    assert report.errors == [] and report.skipped == []
    found = _found(report)
    assert ("LaunchTemplateVersion", "LaunchTemplateData.UserData", "Wq7-Brine-Tamarack") in found
    assert ("AutoScalingGroup", "Tags[escalation].Value", "+358 40 7391 826") in found
    assert ("TemplateParameter", "ParameterValue", "henrike.aaltonen@gmail.com") in found
    assert not any("not-read" in (f.match or "") for f in report.findings)


def test_cloudformation_parameter_files_are_the_values_a_stack_is_given(tmp_path: Path) -> None:
    listed = tmp_path / "parameters.json"
    listed.write_text(
        json.dumps(
            [
                {"ParameterKey": "OwnerEmail", "ParameterValue": "henrike.aaltonen@gmail.com"},
                {"ParameterKey": "DbPassword", "ParameterValue": "{{resolve:secretsmanager:kiln/db}}"},
                {"ParameterKey": "ImageId", "UsePreviousValue": True},
            ]
        )
    )
    configuration = tmp_path / "template-configuration.json"
    configuration.write_text(
        json.dumps(
            {
                "Parameters": {"PayoutIban": "FI2112345600000785", "InstanceType": "m7g.large"},
                "Tags": {"escalation": "+358 40 7391 826"},
                "StackPolicy": {"Statement": []},
            }
        )
    )
    report = metascan.scan_files([str(listed), str(configuration)], fingerprint_key=KEY)
    assert report.errors == [] and report.skipped == []
    assert {(f.resource.id, f.match) for f in report.findings} == {
        ("OwnerEmail", "henrike.aaltonen@gmail.com"),
        ("PayoutIban", "FI2112345600000785"),
        ("Tags.escalation", "+358 40 7391 826"),
    }


_PLAYBOOK = """- name: kiln fleet
  hosts: localhost
  vars:
    boot_script: |
      #!/bin/bash
      mysql -u deploy -p'Wq7-Brine-Tamarack' -e 'select 1'
      export API_TOKEN={{ vault_api_token }}
  tasks:
    - name: template
      amazon.aws.ec2_launch_template:
        name: kiln-lt
        user_data: "{{ boot_script | b64encode }}"
        version_description: "bumped for henrike.aaltonen@gmail.com"
    - block:
        - name: group
          autoscaling_group:
            name: kiln-fleet
            tags:
              - Owner: Henrike Aaltonen
                propagate_at_launch: false
            notification_topic: arn:aws:sns:eu-north-1:604918273350:kiln-events
        - name: hook
          community.aws.autoscaling_lifecycle_hook:
            autoscaling_group_name: kiln-fleet
            lifecycle_hook_name: drain
            notification_meta_data: '{"payout_iban": "FI2112345600000785"}'
    - name: topic
      community.aws.sns_topic:
        name: kiln-events
        subscriptions:
          - endpoint: "+358 40 7391 826"
            protocol: sms
    - name: not an AWS resource
      ansible.builtin.copy:
        content: "password: not-read-7x"
        dest: /tmp/x
"""


def test_an_ansible_playbook_s_tasks_are_the_resources_they_create(tmp_path: Path) -> None:
    path = tmp_path / "site.yml"
    path.write_text(_PLAYBOOK)
    report = metascan.scan_files([str(path)], fingerprint_key=KEY)
    assert report.errors == [] and report.skipped == []
    found = _found(report)
    # the play's variable is the user data, its own expression (a vault variable) a reference
    assert ("LaunchTemplateVersion", "LaunchTemplateData.UserData", "Wq7-Brine-Tamarack") in found
    assert ("LaunchTemplateVersion", "VersionDescription", "henrike.aaltonen@gmail.com") in found
    assert ("AutoScalingGroup", "Tags[Owner].Value", "Henrike Aaltonen") in found
    assert ("LifecycleHook", "NotificationMetadata", "FI2112345600000785") in found
    assert ("SnsSubscription", "Endpoint", "+358 40 7391 826") in found
    assert not any(
        "not-read" in (f.match or "") or "vault_api_token" in (f.match or "") for f in report.findings
    )


def test_other_yaml_lists_are_not_taken_for_playbooks(tmp_path: Path) -> None:
    path = tmp_path / "list.yml"
    path.write_text("- name: a\n  hosts: all\n  tasks:\n    - ansible.builtin.ping: {}\n")
    report = metascan.scan_files([str(path)], fingerprint_key=KEY)
    assert report.findings == [] and report.skipped != []


_CDK_TS = """import { Stack, Tags, SecretValue } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';

export class KilnStack extends Stack {
  constructor(scope: any, id: string) {
    super(scope, id);
    const userData = ec2.UserData.forLinux();
    userData.addCommands(
      'set -euo pipefail',  // comment, not an argument
      "mysql -u deploy -p'Wq7-Brine-Tamarack' -e 'select 1'",
      `echo "DB_PASSWORD=${SecretValue.secretsManager('kiln/db').unsafeUnwrap()}" >> /etc/kiln.env`,
      someVariable,
    );
    const asg = new autoscaling.AutoScalingGroup(this, 'Asg', {
      autoScalingGroupName: 'kiln-fleet', userData });
    Tags.of(asg).add('Owner', 'Henrike Aaltonen');
    Tags.of(asg).add('Stack', this.stackName);
    asg.addLifecycleHook('Drain', {
      notificationMetadata: JSON.stringify({ payout: 'FI2112345600000785', account: Stack.of(this).account }),
    });
    topic.addSubscription(new subs.SmsSubscription('+358 40 7391 826'));
  }
}
"""

_CDK_PY = """from aws_cdk import Stack, Tags
from aws_cdk import aws_ec2 as ec2

class KilnStack(Stack):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        user_data = ec2.UserData.for_linux()
        user_data.add_commands(
            "export API_TOKEN=" "glpat-Qm4x8Rt2Vn6Lp9Kw3Hz7",  # two literals side by side are one
            f"echo {self.region}",
        )
        Tags.of(self).add("OwnerEmail", "henrike.aaltonen@gmail.com")
"""


def test_a_cdk_apps_literals_are_read_before_synth(tmp_path: Path) -> None:
    (tmp_path / "kiln-stack.ts").write_text(_CDK_TS)
    (tmp_path / "kiln_stack.py").write_text(_CDK_PY)
    (tmp_path / "other.ts").write_text("const password = 'not-read-77x'; // no CDK import\n")
    report = metascan.scan_files([str(tmp_path)], fingerprint_key=KEY)
    assert report.errors == [] and report.skipped == []
    found = {(f.resource.id, f.location.field, f.match) for f in report.findings}
    assert ("kiln-fleet", "Tags[Owner].Value", "Henrike Aaltonen") in found
    assert ("kiln-fleet/hook1", "NotificationMetadata", "FI2112345600000785") in found
    assert ("Endpoint", "+358 40 7391 826") in {
        (f, m) for r, f, m in found if r.startswith("kiln-fleet-topic/")
    }
    assert ("kiln-stack-launch-template:1", "LaunchTemplateData.UserData", "Wq7-Brine-Tamarack") in found
    assert ("kiln_stack", "Tags[OwnerEmail].Value", "henrike.aaltonen@gmail.com") in found
    assert (
        "kiln_stack-launch-template:1",
        "LaunchTemplateData.UserData",
        "glpat-Qm4x8Rt2Vn6Lp9Kw3Hz7",
    ) in found
    assert not any(
        "not-read" in (f.match or "") or "secretsManager" in (f.match or "") for f in report.findings
    )
    owner = next(f for f in report.findings if f.match == "Henrike Aaltonen")
    assert owner.location.source_line == 17


def test_cdk_source_that_never_closes_its_calls_is_read_in_bounded_windows() -> None:
    from metascan.sources import cdkapp

    text = "import * as cdk from 'aws-cdk-lib';\n" + "userData.addCommands(`" + "x" * 100_000
    text += "\nTags.of(asg).add('Owner', 'Henrike Aaltonen');\n" + "Tags.of(x).add('a', (" * 5_000
    found = list(cdkapp.values(text))
    assert ("tag:Owner", "Value", "Henrike Aaltonen") in {(k, m, v) for k, m, v, _ in found}
    assert not any(k == "commands" for k, _, _, _ in found)  # (the unclosed template literal is no value)


_PULUMI_TS = """import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

const dbPass = new pulumi.Config().requireSecret("dbPassword");
const boot = pulumi.interpolate`#!/bin/bash
export STRIPE_API_KEY=sk_live_Tq8vR2mXk4Lp7Wn9Zc3Hb6Jd
export DB_PASSWORD=${dbPass}
`;
const lt = new aws.ec2.LaunchTemplate("kiln-lt", {
    userData: boot.apply(s => Buffer.from(s).toString("base64")),
});
const asg = new aws.autoscaling.Group("kiln-asg", {
    tags: [
        { key: "TechnicalContact", value: "Henrike Aaltonen", propagateAtLaunch: false },
        { key: "Stack", value: pulumi.getStack(), propagateAtLaunch: false },
    ],
});
"""

_PULUMI_PY = """import pulumi_aws as aws

lt = aws.ec2.LaunchTemplate("kiln-lt",
    user_data="IyEvYmluL2Jhc2gK",
    tags={"OwnerEmail": "henrike.aaltonen@gmail.com", "Tier": tier})
"""


def test_a_pulumi_programs_literals_are_read(tmp_path: Path) -> None:
    (tmp_path / "index.ts").write_text(_PULUMI_TS)
    (tmp_path / "__main__.py").write_text(_PULUMI_PY)
    report = metascan.scan_files([str(tmp_path)], fingerprint_key=KEY)
    assert report.errors == []
    found = {(f.location.field, f.match) for f in report.findings}
    assert ("LaunchTemplateData.UserData", "sk_live_Tq8vR2mXk4Lp7Wn9Zc3Hb6Jd") in found
    assert ("Tags[TechnicalContact].Value", "Henrike Aaltonen") in found
    assert ("Tags[OwnerEmail].Value", "henrike.aaltonen@gmail.com") in found
    assert not any("dbPass" in (f.match or "") or "getStack" in (f.match or "") for f in report.findings)


def test_a_pulumi_aws_native_resource_is_read_as_cloudformation_s(tmp_path: Path) -> None:
    program = {
        "name": "kiln",
        "runtime": "yaml",
        "resources": {
            "asg": {
                "type": "aws-native:autoscaling:AutoScalingGroup",
                "properties": {
                    "autoScalingGroupName": "kiln-native",
                    "minSize": "1",
                    "maxSize": "2",
                    "tags": [{"key": "Owner", "value": "Henrike Aaltonen", "propagateAtLaunch": False}],
                },
            }
        },
    }
    path = tmp_path / "Pulumi.yaml"
    path.write_text(json.dumps(program))
    report = metascan.scan_files([str(path)], fingerprint_key=KEY)
    assert report.errors == [] and report.skipped == []
    assert {(f.resource.id, f.location.field, f.match) for f in report.findings} == {
        ("kiln-native", "Tags[Owner].Value", "Henrike Aaltonen")
    }
