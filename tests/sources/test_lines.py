"""The line of each finding's value in its input file: found in saved JSON exports when a finding needs it,
carried by templates and YAML, and shown in text (`at FILE:LINE`), JSON (`source_line`) and SARIF
(`region.startLine`, valid against the official schema)."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from helpers_reports import SARIF_SCHEMA, validate_report

import metascan
from metascan.model import Field, FieldKind, Resource
from metascan.report.formats.options import RenderOptions
from metascan.report.render import Format, renderer
from metascan.sources.jsonpos import ExportLocator, LineIndex, loads_located

IAC = Path(__file__).resolve().parents[1] / "fixtures" / "iac"
KEY = b"lines-test-key-0123456789"


def _version(n: int, text: str) -> dict[str, Any]:
    return {
        "LaunchTemplateId": "lt-0c1d2e3f4a5b60718",
        "LaunchTemplateName": "api",
        "VersionNumber": n,
        "DefaultVersion": n == 1,
        "LaunchTemplateData": {"UserData": base64.b64encode(text.encode()).decode()},
    }


def test_lines_in_a_saved_export(tmp_path: Path) -> None:
    script = "#!/bin/bash\nexport DB_PASSWORD='Gq2-Wd7n-Xt5c'\n"
    export = {
        "LaunchTemplateVersions": [_version(3, script), _version(2, script), _version(1, "echo hi\n")],
    }
    path = tmp_path / "versions.json"
    path.write_text(json.dumps(export, indent=4))
    report = metascan.scan_files([path], fingerprint_key=KEY)
    lines = path.read_text().splitlines()
    where = {
        f.resource.id: f.location.source_line for f in report.findings if f.rule == "password-assignment"
    }
    assert set(where) == {"lt-0c1d2e3f4a5b60718:3", "lt-0c1d2e3f4a5b60718:2"}
    # The same user data in two versions: each finding points at its own version's UserData line.
    assert where["lt-0c1d2e3f4a5b60718:3"] != where["lt-0c1d2e3f4a5b60718:2"]
    for resource_id, line in where.items():
        assert line is not None and '"UserData"' in lines[line - 1]
        version_line = next(x for x in reversed(lines[:line]) if '"VersionNumber"' in x)
        assert version_line.strip() == f'"VersionNumber": {resource_id.rsplit(":", 1)[1]},'


def test_the_locator_gives_up_rather_than_guess() -> None:
    text = '{"AutoScalingGroups": [{"AutoScalingGroupName": "a", "Tags": []}]}'
    locate = ExportLocator(LineIndex(text))
    field = Field(
        Resource("AutoScalingGroup", "a"), "x.json", "Tags[k].Value", "not in the text", FieldKind.TAG_VALUE
    )
    assert locate(field) is None


def test_located_json_strings_know_their_lines() -> None:
    value, _ = loads_located('\n\n{"a": [1, "x",\n "y"], "b": {"c": "z"}}  ')
    assert value == {"a": [1, "x", "y"], "b": {"c": "z"}}
    assert (value["a"][1].origin.line, value["a"][2].origin.line, value["b"]["c"].origin.line) == (3, 4, 4)


def _sarif_validator() -> jsonschema.protocols.Validator:
    path = Path(os.environ.get("METASCAN_SARIF_SCHEMA", SARIF_SCHEMA))
    if not path.is_file():
        pytest.skip(
            f"the official SARIF 2.1.0 schema is not at {path} (set METASCAN_SARIF_SCHEMA to its copy)"
        )
    return jsonschema.Draft4Validator(json.loads(path.read_text(encoding="utf-8")))


def test_reports_show_the_line_to_change() -> None:
    report = metascan.scan_files([IAC / "web-stack.yaml", IAC / "terraform" / "main.tf"], fingerprint_key=KEY)
    located = [f for f in report.findings if f.location.source_line is not None]
    unlocated = [f for f in report.findings if f.location.source_line is None]
    assert located and all(f.evidence is not None for f in unlocated)  # only structural checks lack a line

    text = renderer(Format.TEXT)(report, RenderOptions())
    for f in located:
        assert f" at {f.location.source}:{f.location.source_line}" in text

    doc = report.to_dict()
    validate_report(doc)
    assert {d["location"].get("source_line") for d in doc["findings"]} == {
        f.location.source_line for f in report.findings
    }

    sarif = json.loads(renderer(Format.SARIF)(report, RenderOptions()))
    errors = list(_sarif_validator().iter_errors(sarif))
    assert errors == [], [e.message for e in errors[:3]]
    results = sarif["runs"][0]["results"]
    regions = [r["locations"][0]["physicalLocation"].get("region") for r in results]
    assert sorted((r or {}).get("startLine", 0) for r in regions) == sorted(
        f.location.source_line or 0 for f in report.findings
    )
