"""The engine recipes in contrib/: they parse, and what they ask of metascan is what metascan does."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from metascan.cli import cli
from metascan.sources.aws_accounts import parse_shard

CONTRIB = Path(__file__).resolve().parent.parent / "contrib"


def kubernetes_jobs() -> dict[str, Any]:
    docs = [*yaml.safe_load_all((CONTRIB / "kubernetes" / "scan-job.yaml").read_text())]
    docs += [*yaml.safe_load_all((CONTRIB / "kubernetes" / "merge-job.yaml").read_text())]
    return {d["metadata"]["name"]: d for d in docs}


def metascan_options(script: str, command: str) -> set[str]:
    line = script[script.index(f"metascan {command}") :].split(";")[0].split("\nrc")[0]
    return set(re.findall(r"--[a-z-]+", line))


def known_options(command: str) -> set[str]:
    help_text = CliRunner().invoke(cli, [command, "--help"]).output
    return set(re.findall(r"--[a-z-]+", help_text))


def test_kubernetes_indexed_job_shards_by_its_completion_index() -> None:
    jobs = kubernetes_jobs()
    scan = next(d for n, d in jobs.items() if n.startswith("metascan-org"))
    spec = scan["spec"]
    assert spec["completionMode"] == "Indexed"
    pod = spec["template"]["spec"]
    account = next(d for d in jobs.values() if d["kind"] == "ServiceAccount")
    assert pod["serviceAccountName"] == account["metadata"]["name"]
    assert "eks.amazonaws.com/role-arn" in account["metadata"]["annotations"]  # IRSA
    container = pod["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert int(env["SHARDS"]) == spec["completions"]
    script = container["args"][0]
    assert '--shard "auto/$SHARDS"' in script and "$JOB_COMPLETION_INDEX" in script
    assert metascan_options(script, "aws") <= known_options("aws")
    shard = parse_shard(f"auto/{env['SHARDS']}", {"JOB_COMPLETION_INDEX": str(spec["completions"] - 1)})
    assert shard.index == spec["completions"] - 1
    merge = next(d for n, d in jobs.items() if n.startswith("metascan-merge"))
    merge_script = merge["spec"]["template"]["spec"]["containers"][0]["args"][0]
    assert metascan_options(merge_script, "merge") <= known_options("merge")


def test_aws_batch_array_job_shards_by_its_array_index() -> None:
    scan = json.loads((CONTRIB / "aws-batch" / "scan-job-definition.json").read_text())
    script = scan["containerProperties"]["command"][2]
    assert "--shard auto " in script and "$AWS_BATCH_JOB_ARRAY_INDEX" in script
    assert metascan_options(script, "aws") <= known_options("aws")
    assert parse_shard("auto", {"AWS_BATCH_JOB_ARRAY_INDEX": "3", "AWS_BATCH_JOB_ARRAY_SIZE": "8"}).index == 3
    merge = json.loads((CONTRIB / "aws-batch" / "merge-job-definition.json").read_text())
    merge_script = merge["containerProperties"]["command"][2]
    assert metascan_options(merge_script, "merge") <= known_options("merge")
    trust = json.loads((CONTRIB / "aws-batch" / "job-role-trust.json").read_text())
    assert trust["Statement"][0]["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}


def test_recipes_name_policies_that_exist() -> None:
    iam = CONTRIB.parent / "iam"
    for readme in (CONTRIB / "kubernetes" / "README.md", CONTRIB / "aws-batch" / "README.md"):
        named = set(re.findall(r"iam/([a-z-]+\.json)", readme.read_text()))
        assert named == {"metascan-read-only-policy.json", "metascan-report-upload-policy.json"}
        assert all((iam / n).is_file() for n in named)
