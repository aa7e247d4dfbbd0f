"""The baseline: detect-secrets 1.5, line by line with all its default plugins, over the same fields.

    python -m bench.detect_secrets_pass CORPUS/aws [--every K]

The fields are those metascan scans, read and extracted by metascan's own code (`bench.common.fields`); user
data is decoded by metascan's decoder and each decoded text is scanned.  Every line of every text goes
through `detect_secrets.core.scan.scan_line` inside `detect_secrets.settings.default_settings()`: all plugins
and the default filters, the ad-hoc scanning API.  Only those calls are timed: reading, parsing and
decoding are not charged to detect-secrets.

`--every K` scans every K-th field (a deterministic sample of all kinds of field in corpus order) and
measures throughput on it.  `seconds_distinct` is the part of the time spent on texts seen for the first
time: what detect-secrets would need with a cache of scanned texts like metascan's.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter

from detect_secrets.core.scan import scan_line
from detect_secrets.settings import default_settings

from metascan.aws.userdata import decode_user_data
from metascan.fingerprint import Fingerprinter
from metascan.model import FieldKind
from metascan.sources import files

from .common import digest, fields


def run(paths: list[str], every: int) -> dict[str, float]:
    counts: Counter[str] = Counter()
    seconds = distinct_seconds = 0.0
    seen: set[bytes] = set()
    clock = time.perf_counter
    with default_settings():
        for name in (p for p in files.expand(paths) if isinstance(p, str)):
            for field in fields(name, Fingerprinter(b"bench")):
                counts["fields_total"] += 1
                if (counts["fields_total"] - 1) % every:
                    continue
                counts["fields"] += 1
                if field.kind is FieldKind.USER_DATA:
                    texts = [segment.text for segment in decode_user_data(field.value).segments]
                else:
                    texts = [field.value]
                for text in texts:
                    lines = text.splitlines()
                    start = clock()
                    found = sum(1 for line in lines for _ in scan_line(line))
                    took = clock() - start
                    seconds += took
                    key = digest(text)
                    if key not in seen:
                        seen.add(key)
                        distinct_seconds += took
                    counts["lines"] += len(lines)
                    counts["chars"] += len(text)
                    counts["potential_secrets"] += found
    return {**counts, "every": every, "seconds": seconds, "seconds_distinct": distinct_seconds}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--every", type=int, default=1, help="scan every K-th field (default: all)")
    args = parser.parse_args()
    print(json.dumps(run(args.paths, max(1, args.every))))


if __name__ == "__main__":
    main()
