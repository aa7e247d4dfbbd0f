"""The report for the example exports shipped in `examples/`, against a golden file, and its schema.

Regenerate after an intended change with `METASCAN_REGEN_GOLDEN=1 pytest tests/test_golden_examples.py`
and review the diff.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

import metascan

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden" / "examples_report.json"
KEY = b"golden-fingerprint-key-0123456789"


def schema() -> dict[str, Any]:
    return json.loads(resources.files("metascan").joinpath("schema", "report.schema.json").read_text())


def normalised_report() -> dict[str, Any]:
    report = metascan.scan_files([ROOT / "examples"], fingerprint_key=KEY)
    doc = report.to_dict(show_secrets=True)
    jsonschema.validate(doc, schema())
    doc["started_at"] = doc["finished_at"] = "2026-01-01T00:00:00.000000Z"
    doc["tool"]["version"] = "<version>"
    doc["tool"]["rules_digest"] = "<rules>"  # changes with every rule (tests/detect/test_rules_digest.py)
    for item in doc["findings"] + doc["skipped"] + doc["errors"]:
        src = item["location"]["source"] if "location" in item else item["source"]
        rel = os.path.relpath(src, ROOT)
        if "location" in item:
            item["location"]["source"] = rel
        else:
            item["source"] = rel
    return doc


def test_examples_report_matches_golden_file() -> None:
    doc = normalised_report()
    if os.environ.get("METASCAN_REGEN_GOLDEN"):
        GOLDEN.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert doc == json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_examples_cover_every_finding_category_and_a_clean_exit_is_not_possible() -> None:
    doc = normalised_report()
    cats = doc["summary"]["by_category"]
    assert cats["credential"] > 0 and cats["account_number"] > 0 and cats["personal_data"] > 0
    assert cats["data_protection"] > 0  # a group on a launch configuration, and its unmarked volume
    assert doc["errors"] == []


def test_schema_rejects_a_report_with_a_bad_severity() -> None:
    doc = normalised_report()
    doc["findings"][0]["severity"] = "urgent"
    try:
        jsonschema.validate(doc, schema())
    except jsonschema.ValidationError:
        return
    raise AssertionError("schema accepted an unknown severity")
