"""metascan with its rule set loaded K times over: how scan time grows with the number of rules.

    python -m bench.doubled CORPUS/aws --copies 2 --output report.json

Copy 1 is the bundled rule set as it is; copy k > 1 is every rule again under the id `<id>~k`, with the same
pattern, keywords and checks, so an engine that runs one search per rule does every search k times, and an
engine whose cost does not depend on the number of rules does not.  The copies find the same values as the
originals; where they overlap, one hit is kept (the engine's usual overlap rule), so the report has as
many findings as with one copy.  The scan runs as `metascan scan CORPUS --format json --output FILE` does
(the same scanner, structural checks, suppression workflow and JSON report, and the same settling of the
garbage collector once the scanner is made), in this process.  Prints one JSON object: rules, findings,
fields.  Run both `--copies 1` and `--copies 2` through this module, so that
the comparison is of the same code path.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from metascan.api import file_events, make_scanner
from metascan.cli import settle_memory
from metascan.detect.rules import Rule, load_rules
from metascan.posture.ebs import default_checks
from metascan.report.formats.json import render
from metascan.report.formats.options import RenderOptions
from metascan.workflow import Workflow


def copied(rules: list[Rule], copies: int) -> list[Rule]:
    """The rules, then each rule again under a new id for every further copy."""
    out = list(rules)
    for k in range(2, copies + 1):
        out.extend(dataclasses.replace(rule, id=f"{rule.id}~{k}") for rule in rules)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--copies", type=int, default=2, help="how many times every rule is loaded")
    parser.add_argument("--output", type=Path, required=True, help="where the JSON report goes")
    args = parser.parse_args()
    if args.copies < 1:
        parser.error("--copies must be at least 1")
    rules = copied(load_rules(), args.copies)
    workflow = Workflow.create()
    scanner = make_scanner(rules=rules, checks=[*default_checks(), *workflow.checks()])
    # As `metascan scan` does in its own process: what the scan keeps throughout, the rules above all, is
    # moved out of the collector's sight.  Without this each copy of the rules made every pass of the
    # collector longer, which is not a cost of the rules in a scan.
    settle_memory()
    report = workflow.run(scanner, file_events(scanner, args.paths))
    args.output.write_text(render(report, RenderOptions()), encoding="utf-8")
    print(json.dumps({"rules": len(rules), "findings": len(report.findings), "fields": report.fields}))


if __name__ == "__main__":
    main()
