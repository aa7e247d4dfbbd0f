"""AWS API responses saved as the XML the HTTP API returns (Auto Scaling and SNS: the Query protocol; EC2:
its own variant), parsed with botocore's parsers and service models into the responses the CLI prints."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import metascan

KEY = b"apixml-test-key-0123456789abcdef"
GROUP = "cust-acct-4485920117-web"
USER_DATA = base64.b64encode(b"#!/bin/bash\nexport DB_PASSWORD='Vq8#LmZ2pTx9wK'\n").decode()
EMAIL = "jane.doe@example-corp.com"

ASG_XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<DescribeAutoScalingGroupsResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/">
  <DescribeAutoScalingGroupsResult>
    <AutoScalingGroups>
      <member>
        <AutoScalingGroupName>{GROUP}</AutoScalingGroupName>
        <CreatedTime>2026-11-02T10:20:30.123Z</CreatedTime>
        <Tags>
          <member>
            <ResourceId>{GROUP}</ResourceId>
            <PropagateAtLaunch>true</PropagateAtLaunch>
            <Value>{EMAIL}</Value>
            <Key>owner</Key>
            <ResourceType>auto-scaling-group</ResourceType>
          </member>
        </Tags>
        <MinSize>1</MinSize>
        <MaxSize>2</MaxSize>
      </member>
    </AutoScalingGroups>
  </DescribeAutoScalingGroupsResult>
  <ResponseMetadata><RequestId>8d1f4f67-7a0e-4bd3-9c2e-3f1d6b2a9c01</RequestId></ResponseMetadata>
</DescribeAutoScalingGroupsResponse>
"""

LTV_XML = f"""<DescribeLaunchTemplateVersionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>65cadec1-b364-4354-8ca8-4176d1a2b3c4</requestId>
  <launchTemplateVersionSet>
    <item>
      <createTime>2026-10-31T11:38:52.000Z</createTime>
      <createdBy>arn:aws:iam::123456789012:root</createdBy>
      <defaultVersion>true</defaultVersion>
      <launchTemplateData>
        <imageId>ami-8c1be5f6</imageId>
        <userData>{USER_DATA}</userData>
        <tagSpecificationSet>
          <item>
            <resourceType>instance</resourceType>
            <tagSet><item><key>Owner</key><value>Nora Lindqvist</value></item></tagSet>
          </item>
        </tagSpecificationSet>
      </launchTemplateData>
      <launchTemplateId>lt-0a20c965061f64abc</launchTemplateId>
      <launchTemplateName>web</launchTemplateName>
      <versionNumber>3</versionNumber>
    </item>
  </launchTemplateVersionSet>
</DescribeLaunchTemplateVersionsResponse>
"""

SUBS_XML = f"""<ListSubscriptionsResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <ListSubscriptionsResult>
    <Subscriptions>
      <member>
        <TopicArn>arn:aws:sns:us-east-2:123456789012:asg-events</TopicArn>
        <Protocol>email</Protocol>
        <SubscriptionArn>arn:aws:sns:us-east-2:123456789012:asg-events:0b0c7a1e</SubscriptionArn>
        <Owner>123456789012</Owner>
        <Endpoint>{EMAIL.replace("jane.doe", "raj.patel")}</Endpoint>
      </member>
    </Subscriptions>
  </ListSubscriptionsResult>
  <ResponseMetadata><RequestId>384ac68d-3775-11df-8963-01868b7c937a</RequestId></ResponseMetadata>
</ListSubscriptionsResponse>
"""

# The same data as the AWS CLI prints it.
ASG_JSON = {
    "AutoScalingGroups": [
        {
            "AutoScalingGroupName": GROUP,
            "CreatedTime": "2026-11-02T10:20:30.123Z",
            "Tags": [
                {
                    "ResourceId": GROUP,
                    "PropagateAtLaunch": True,
                    "Value": EMAIL,
                    "Key": "owner",
                    "ResourceType": "auto-scaling-group",
                }
            ],
            "MinSize": 1,
            "MaxSize": 2,
        }
    ]
}
LTV_JSON = {
    "LaunchTemplateVersions": [
        {
            "CreateTime": "2026-10-31T11:38:52.000Z",
            "CreatedBy": "arn:aws:iam::123456789012:root",
            "DefaultVersion": True,
            "LaunchTemplateData": {
                "ImageId": "ami-8c1be5f6",
                "UserData": USER_DATA,
                "TagSpecifications": [
                    {"ResourceType": "instance", "Tags": [{"Key": "Owner", "Value": "Nora Lindqvist"}]}
                ],
            },
            "LaunchTemplateId": "lt-0a20c965061f64abc",
            "LaunchTemplateName": "web",
            "VersionNumber": 3,
        }
    ]
}


def _found(report: metascan.Report) -> set[tuple[str, str, str, str, str | None]]:
    return {(f.rule, f.resource.type, f.resource.id, f.location.field, f.match) for f in report.findings}


def test_xml_responses_give_the_findings_of_the_same_responses_in_json(tmp_path: Path) -> None:
    (tmp_path / "xml").mkdir()
    (tmp_path / "json").mkdir()
    for name, text in (("asg.xml", ASG_XML), ("ltv.xml", LTV_XML)):
        (tmp_path / "xml" / name).write_text(text)
    (tmp_path / "json" / "asg.json").write_text(json.dumps(ASG_JSON))
    (tmp_path / "json" / "ltv.json").write_text(json.dumps(LTV_JSON))
    xml = metascan.scan_files([str(tmp_path / "xml")], fingerprint_key=KEY)
    js = metascan.scan_files([str(tmp_path / "json")], fingerprint_key=KEY)
    assert xml.errors == [] and xml.skipped == []
    assert _found(xml) == _found(js)
    assert {
        ("bank-account-number", "AutoScalingGroupName", "4485920117"),
        ("email-address", "Tags[owner].Value", EMAIL),
        ("password-assignment", "LaunchTemplateData.UserData", "Vq8#LmZ2pTx9wK"),
    } <= {(rule, field, match) for rule, _, _, field, match in _found(xml)}
    assert {f.resource.id for f in xml.findings if f.resource.type == "LaunchTemplateVersion"} == {
        "lt-0a20c965061f64abc:3"
    }


def test_an_sns_subscription_list_in_xml_is_read(tmp_path: Path) -> None:
    path = tmp_path / "subs.xml"
    path.write_text(SUBS_XML)
    report = metascan.scan_files([str(path)], fingerprint_key=KEY)
    assert report.errors == []
    assert [(f.rule, f.resource.type, f.match) for f in report.findings] == [
        ("sns-email-endpoint", "SnsSubscription", "raj.patel@example-corp.com")
    ]


def test_utf16_xml_as_powershell_saves_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "asg.xml"
    path.write_bytes(ASG_XML.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"))
    report = metascan.scan_files([str(path)], fingerprint_key=KEY)
    assert report.errors == []
    assert ("email-address", EMAIL) in {(f.rule, f.match) for f in report.findings}


def test_an_error_response_is_an_error_naming_its_code(tmp_path: Path) -> None:
    bad = tmp_path / "denied.xml"
    bad.write_text(
        '<ErrorResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><Error><Type>Sender</Type>'
        "<Code>AccessDenied</Code><Message>User: arn:aws:iam::1:user/x is not authorized</Message></Error>"
        "<RequestId>1</RequestId></ErrorResponse>"
    )
    good = tmp_path / "asg.xml"
    good.write_text(ASG_XML)
    report = metascan.scan_files([str(tmp_path)], fingerprint_key=KEY)
    assert [e.message for e in report.errors] == [f"{bad}: an AWS error response (AccessDenied), not data"]
    assert {f.rule for f in report.findings} == {"bank-account-number", "email-address"}


def test_malformed_xml_is_an_error_with_its_place_and_does_not_quote_the_text(tmp_path: Path) -> None:
    path = tmp_path / "cut.xml"
    path.write_text(ASG_XML[: ASG_XML.index("</Value>")])
    report = metascan.scan_files([str(path)], fingerprint_key=KEY)
    assert len(report.errors) == 1
    message = report.errors[0].message
    assert message.startswith(f"{path}: invalid XML at line ") and EMAIL not in message


def test_a_document_type_declaration_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xml"
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    path.write_text(
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY l0 "lol">{laughs}]>'
        '<DescribeAutoScalingGroupsResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/">'
        "<DescribeAutoScalingGroupsResult><AutoScalingGroups><member><AutoScalingGroupName>&l9;"
        "</AutoScalingGroupName></member></AutoScalingGroups></DescribeAutoScalingGroupsResult>"
        "</DescribeAutoScalingGroupsResponse>"
    )
    report = metascan.scan_files([str(path)], fingerprint_key=KEY)
    assert [e.message for e in report.errors] == [
        f"{path}: XML with a document type declaration: not an AWS API response, not parsed"
    ]


def test_other_xml_is_skipped_and_alone_is_no_clean_pass(tmp_path: Path) -> None:
    path = tmp_path / "pom.xml"
    path.write_text('<project xmlns="http://maven.apache.org/POM/4.0.0"><artifactId>a</artifactId></project>')
    report = metascan.scan_files([str(tmp_path)], fingerprint_key=KEY)
    assert [s.reason.split(";")[0] for s in report.skipped] == [
        "XML that is not an AWS Auto Scaling, EC2 or SNS API response"
    ]
    assert [e.message.split(": ")[:2] for e in report.errors] == [["no input was recognised", str(path)]]


def test_a_response_metascan_does_not_read_is_skipped_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "limits.xml"
    path.write_text(
        '<DescribeAccountLimitsResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/">'
        "<DescribeAccountLimitsResult><MaxNumberOfAutoScalingGroups>200</MaxNumberOfAutoScalingGroups>"
        "</DescribeAccountLimitsResult></DescribeAccountLimitsResponse>"
    )
    (tmp_path / "asg.xml").write_text(ASG_XML)
    report = metascan.scan_files([str(tmp_path)], fingerprint_key=KEY)
    assert report.errors == []
    assert [s.source for s in report.skipped] == [str(path)]
    assert report.skipped[0].reason.startswith("not a recognised AWS API response")
