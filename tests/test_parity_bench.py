"""What the scan finds on the benchmark's generated corpus, frozen (issue 12's parity test).

`bench.generate` writes the same files for the same seed and size on every machine: 2,000 groups of
realistic exports (shell, cloud-config, MIME and PowerShell user data, gzip and base64, tags, hooks, SNS
endpoints) with planted credentials, account numbers and personal data among many harmless look-alikes.
Every finding's rule, resource, field, line, fingerprint, confidence and severity, and every skip, must
stay as the golden file has them: a change of the matching engine (one Hyperscan pass, confirmation in a
window around each match, compact findings) must not change what is found.  Regenerate only after an
intended change in what the rules find, with `METASCAN_REGEN_GOLDEN=1 pytest tests/test_parity_bench.py`,
and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from bench_helpers import bench_module

import metascan

GOLDEN = Path(__file__).parent / "golden" / "bench_findings.json"
KEY = b"golden-fingerprint-key-0123456789"
GROUPS = 2000


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench-corpus")
    bench_module("generate").generate(GROUPS, out, seed=1)
    return out / "aws"


def normalised(corpus: Path) -> dict[str, Any]:
    report = metascan.scan_files([corpus], fingerprint_key=KEY)
    findings = sorted(
        [
            f.rule,
            f.resource.type,
            f.resource.id,
            f.resource.region,
            os.path.relpath(f.location.source, corpus),
            f.location.field,
            f.location.line,
            list(f.location.decoding),
            f.fingerprint,
            str(f.confidence),
            str(f.severity),
        ]
        for f in report.findings
    )
    skipped = sorted([os.path.relpath(s.source, corpus), s.field, s.reason] for s in report.skipped)
    return {
        "fields": report.fields,
        "resources": report.resources,
        "findings": findings,
        "skipped": skipped,
        "errors": [e.message for e in report.errors],
    }


def test_the_bench_corpus_findings_match_the_golden_file(corpus: Path) -> None:
    doc = normalised(corpus)
    if os.environ.get("METASCAN_REGEN_GOLDEN"):
        GOLDEN.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert doc["fields"] == golden["fields"] and doc["resources"] == golden["resources"]
    missing = [f for f in golden["findings"] if f not in doc["findings"]]
    extra = [f for f in doc["findings"] if f not in golden["findings"]]
    assert not missing and not extra, {"missing": missing[:5], "extra": extra[:5]}
    assert doc == golden


def test_the_golden_file_holds_every_category(corpus: Path) -> None:
    """The premise: the corpus exercises credentials, account numbers, personal data and the EBS checks."""
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    rules = {f[0] for f in golden["findings"]}
    assert len(golden["findings"]) > 100 and len(rules) > 10
    assert {"aws-secret-access-key", "iban", "phone-number", "asg-launch-configuration"} <= rules
