"""The severity rule: a credential in user data is raised one level when a group launches the launch template
version ($Default, $Latest or pinned) or launch configuration that holds it, with the reason in the finding;
otherwise its severity is the rule's documented one."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

import metascan
from metascan.detect.rules import load_rules
from metascan.report.formats.options import RenderOptions
from metascan.report.render import Format, renderer

ACCT = "210987654322"
SCRIPT = "#!/bin/bash\nexport DB_PASSWORD='Tz7j6eB!SOebfTM#'\n"
USER_DATA = base64.b64encode(SCRIPT.encode()).decode()
DOCUMENTED = {r.id: r.severity for r in load_rules()}


def _group(name: str, **launch: Any) -> dict[str, Any]:
    return {
        "AutoScalingGroupName": name,
        "AutoScalingGroupARN": f"arn:aws:autoscaling:us-east-1:{ACCT}:autoScalingGroup:1"
        f":autoScalingGroupName/{name}",
        **launch,
    }


def _versions(default: int = 1, numbers: tuple[int, ...] = (1, 2, 3)) -> dict[str, Any]:
    return {
        "LaunchTemplateVersions": [
            {
                "LaunchTemplateId": "lt-0abc",
                "LaunchTemplateName": "web",
                "VersionNumber": n,
                "DefaultVersion": n == default,
                "LaunchTemplateData": {"UserData": USER_DATA},
            }
            for n in numbers
        ]
    }


def _scan(tmp_path: Path, *docs: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    """version resource id (or configuration name) -> (severity, raised) of its password finding."""
    paths = []
    for i, doc in enumerate(docs):
        p = tmp_path / f"{i}.json"
        p.write_text(json.dumps(doc), encoding="utf-8")
        paths.append(p)
    report = metascan.scan_files(paths, region="us-east-1", account=ACCT)
    out = {}
    for f in report.findings:
        if f.rule == "asg-launch-configuration":  # the data-protection check on the group
            continue
        assert f.rule == "password-assignment"
        out[f.resource.id] = (str(f.severity), f.raised)
    return out


def _raised() -> str:
    return str(DOCUMENTED["password-assignment"].shifted(+1))


def _documented() -> str:
    return str(DOCUMENTED["password-assignment"])


@pytest.mark.parametrize(
    ("spec", "launched"),
    [
        ({"LaunchTemplateName": "web"}, 1),  # no version: $Default
        ({"LaunchTemplateId": "lt-0abc", "Version": "$Default"}, 1),
        ({"LaunchTemplateId": "lt-0abc", "Version": "$Latest"}, 3),
        ({"LaunchTemplateName": "web", "Version": "2"}, 2),
    ],
)
def test_the_version_a_group_launches_is_raised_whatever_its_spec(
    tmp_path: Path, spec: dict[str, str], launched: int
) -> None:
    # the group is read after the versions: the decision waits for the end of the input
    found = _scan(tmp_path, _versions(), {"AutoScalingGroups": [_group("web-asg", LaunchTemplate=spec)]})
    for n in (1, 2, 3):
        expected = (_raised(), "launched by group web-asg") if n == launched else (_documented(), None)
        assert found[f"lt-0abc:{n}"] == expected, n


def test_mixed_instances_overrides_and_several_groups_are_named(tmp_path: Path) -> None:
    mip = {
        "LaunchTemplate": {
            "LaunchTemplateSpecification": {"LaunchTemplateName": "web", "Version": "2"},
            "Overrides": [{"LaunchTemplateSpecification": {"LaunchTemplateId": "lt-0abc", "Version": "3"}}],
        }
    }
    groups = [
        _group("b-asg", MixedInstancesPolicy=mip),
        _group("a-asg", LaunchTemplate={"LaunchTemplateId": "lt-0abc", "Version": "3"}),
    ]
    found = _scan(tmp_path, {"AutoScalingGroups": groups}, _versions())
    assert found["lt-0abc:1"] == (_documented(), None)  # the default version, but no group launches it
    assert found["lt-0abc:2"] == (_raised(), "launched by group b-asg")
    assert found["lt-0abc:3"] == (_raised(), "launched by groups a-asg, b-asg")


def test_latest_is_the_templates_latest_version_when_its_description_was_read(tmp_path: Path) -> None:
    templates = {
        "LaunchTemplates": [
            {"LaunchTemplateId": "lt-0abc", "LatestVersionNumber": 2, "DefaultVersionNumber": 1}
        ]
    }
    group = _group("web-asg", LaunchTemplate={"LaunchTemplateId": "lt-0abc", "Version": "$Latest"})
    found = _scan(tmp_path, _versions(), templates, {"AutoScalingGroups": [group]})
    assert found["lt-0abc:2"][1] == "launched by group web-asg"
    assert found["lt-0abc:3"] == (_documented(), None)


def test_a_group_in_another_region_does_not_raise(tmp_path: Path) -> None:
    other = _group("web-asg", LaunchTemplate={"LaunchTemplateName": "web"})
    other["AutoScalingGroupARN"] = other["AutoScalingGroupARN"].replace("us-east-1", "eu-west-1")
    found = _scan(tmp_path, _versions(), {"AutoScalingGroups": [other]})
    assert found["lt-0abc:1"] == (_documented(), None)


def test_launch_configurations_are_raised_only_when_a_group_uses_them(tmp_path: Path) -> None:
    configurations = {
        "LaunchConfigurations": [
            {
                "LaunchConfigurationName": name,
                "LaunchConfigurationARN": f"arn:aws:autoscaling:us-east-1:{ACCT}:launchConfiguration:1"
                f":launchConfigurationName/{name}",
                "UserData": USER_DATA,
            }
            for name in ("used-lc", "old-lc")
        ]
    }
    groups = {"AutoScalingGroups": [_group("web-asg", LaunchConfigurationName="used-lc")]}
    found = _scan(tmp_path, configurations, groups)
    assert found["used-lc"] == (_raised(), "launched by group web-asg")
    assert found["old-lc"] == (_documented(), None)


def test_without_groups_every_severity_is_the_documented_one(tmp_path: Path) -> None:
    found = _scan(tmp_path, _versions())
    assert set(found.values()) == {(_documented(), None)}


def test_the_reason_is_shown_in_every_format(tmp_path: Path) -> None:
    p = tmp_path / "v.json"
    p.write_text(json.dumps(_versions(numbers=(1,))), encoding="utf-8")
    g = tmp_path / "g.json"
    g.write_text(
        json.dumps({"AutoScalingGroups": [_group("web-asg", LaunchTemplate={"LaunchTemplateName": "web"})]})
    )
    report = metascan.scan_files([p, g], region="us-east-1", account=ACCT)
    options = RenderOptions()
    for fmt in Format:
        out = renderer(fmt)(report, options)
        if fmt is Format.TEXT:
            assert "(raised: launched by group web-asg)" in out
            continue
        docs = [json.loads(line) for line in out.splitlines()] if fmt is Format.JSONL else [json.loads(out)]
        assert "launched by group web-asg" in json.dumps(docs), fmt
    doc = json.loads(renderer(Format.JSON)(report, options))
    (finding,) = [f for f in doc["findings"] if f["rule"] == "password-assignment"]
    assert finding["raised"] == "launched by group web-asg"
    sarif = json.loads(renderer(Format.SARIF)(report, options))
    (result,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "password-assignment"]
    assert result["properties"]["raised"] == "launched by group web-asg"
    assert result["properties"]["severity"] == _raised()


def test_readme_documents_the_rule_next_to_the_catalogue() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    rules = readme.index("## Rules")
    section = readme[rules : readme.index("<!-- rules:start -->")]
    assert "### Severity" in section
    for words in ("$Default", "$Latest", "launch configuration", "raised: launched by group"):
        assert words in section, words


def test_the_launch_index_names_each_group_once_and_only_in_its_account_and_region() -> None:
    """`LaunchIndex` keeps group names under (account, region, version spec): a group that names the
    same version twice (its own spec and its mixed-instances policy's) is listed once, and a group in
    another region or account does not launch the version, one whose account is not known does."""
    from metascan.aws.documents import ResourceRecord
    from metascan.aws.launches import LaunchIndex, launchable
    from metascan.model import Resource

    def record(
        kind: str, name: str, data: dict[str, Any], account: str | None, region: str
    ) -> ResourceRecord:
        return ResourceRecord(Resource(kind, name, None, region, account), "s", kind, data)

    spec = {"LaunchTemplateId": "lt-0abc", "Version": "3"}
    both = {
        "LaunchTemplate": spec,
        "MixedInstancesPolicy": {"LaunchTemplate": {"LaunchTemplateSpecification": spec}},
    }
    index = LaunchIndex()
    for name, data, account, region in [
        ("b-asg", both, "111122223333", "us-east-1"),
        ("a-asg", {"LaunchTemplate": {"LaunchTemplateName": "web", "Version": "3"}}, None, "us-east-1"),
        ("c-asg", {"LaunchTemplate": spec}, "111122223333", "eu-west-1"),
        ("d-asg", {"LaunchTemplate": spec}, "444455556666", "us-east-1"),
        ("e-asg", {"LaunchTemplate": {**spec, "Version": "2"}}, "111122223333", "us-east-1"),
    ]:
        index.observe(record("AutoScalingGroup", name, data, account, region))
    version = {"LaunchTemplateId": "lt-0abc", "LaunchTemplateName": "web", "VersionNumber": 3}
    item = launchable(record("LaunchTemplateVersion", "lt-0abc:3", version, "111122223333", "us-east-1"))
    assert item is not None
    assert index.launched_by(item) == ["a-asg", "b-asg"]
