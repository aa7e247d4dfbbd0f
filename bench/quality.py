"""Detection quality in one command: scan a labelled corpus and score the findings.

    python bench/quality.py [--corpus ../shared/corpus/dev] [--score SCORE.PY] [score.py options]

Runs `metascan scan <corpus>/aws-cli --format json --show-secrets` into a private temporary file, then the
corpus's scorer on it, and prints the scorer's report (per-category table, recall per kind, misses and false
positives when asked with --show-misses N / --show-fps N).  Exits with the scorer's status.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus" / "dev"))
    parser.add_argument("--score", default=None, help="the scorer (default: score.py beside the corpus)")
    args, rest = parser.parse_known_args(argv)
    corpus = Path(args.corpus)
    score = Path(args.score) if args.score else corpus.parent / "score.py"
    if not (corpus / "aws-cli").is_dir() or not score.is_file():
        print(f"quality: need {corpus}/aws-cli and {score}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        findings = Path(tmp) / "findings.json"
        env = {
            **os.environ,
            "METASCAN_FINGERPRINT_KEY": os.environ.get("METASCAN_FINGERPRINT_KEY", "quality-run"),
        }
        start = time.perf_counter()
        scan = subprocess.run(
            [
                sys.executable,
                "-m",
                "metascan",
                "scan",
                str(corpus / "aws-cli"),
                "--format",
                "json",
                "--show-secrets",
                "--output",
                str(findings),
            ],
            env=env,
            check=False,
        )
        elapsed = time.perf_counter() - start
        if scan.returncode not in (0, 1) or not findings.exists():
            print(f"quality: metascan exited with {scan.returncode}", file=sys.stderr)
            return 2
        print(f"metascan scan: {elapsed:.2f} s (exit {scan.returncode})")
        return subprocess.run(
            [sys.executable, str(score), "--corpus", str(corpus), "--findings", str(findings), *rest],
            check=False,
        ).returncode


if __name__ == "__main__":
    sys.exit(main())
