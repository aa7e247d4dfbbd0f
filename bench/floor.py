"""The floor: read and parse the corpus and decode its user data, with no detection at all.

    python -m bench.floor CORPUS/aws [--jobs N]

It runs metascan's own code for each step (`sources.files` reads and parses, `aws.documents.extract` yields
the fields, `aws.userdata.decode_user_data` decodes) and, like the scanner, decodes each distinct user data
value once (remembering up to as many digests as the scanner's cache holds).  Prints one JSON object: the
counts the benchmark divides by.  `--jobs N` spreads the files over N processes, as `metascan scan --jobs N`
does.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
from collections import Counter, OrderedDict

from metascan.aws.userdata import decode_user_data
from metascan.fingerprint import Fingerprinter
from metascan.model import FieldKind
from metascan.sources import files

from .common import digest, fields

CACHE = 32768  # distinct user data values remembered, as in metascan.scanner


def floor_file(path: str, seen: OrderedDict[bytes, None] | None = None) -> Counter[str]:
    """Read, extract and decode one file; count what was done."""
    seen = OrderedDict() if seen is None else seen
    counts: Counter[str] = Counter(files=1)
    for field in fields(path, Fingerprinter(b"bench")):
        counts["fields"] += 1
        if field.kind is not FieldKind.USER_DATA:
            counts["text_chars"] += len(field.value)
            continue
        counts["user_data_fields"] += 1
        key = digest(field.value)
        if key in seen:
            seen.move_to_end(key)
            continue
        seen[key] = None
        if len(seen) > CACHE:
            seen.popitem(last=False)
        counts["user_data_decoded"] += 1
        for segment in decode_user_data(field.value).segments:
            counts["decoded_chars"] += len(segment.text)
    return counts


def run(paths: list[str], jobs: int) -> Counter[str]:
    names = [p for p in files.expand(paths) if isinstance(p, str)]
    total: Counter[str] = Counter()
    if jobs <= 1:
        seen: OrderedDict[bytes, None] = OrderedDict()
        for name in names:
            total.update(floor_file(name, seen))
        return total
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        for counts in pool.imap(_worker_file, names):
            total.update(counts)
    return total


_worker_seen: OrderedDict[bytes, None] = OrderedDict()  # each worker process's own cache, as in metascan


def _worker_file(path: str) -> Counter[str]:
    return floor_file(path, _worker_seen)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    print(json.dumps(dict(sorted(run(args.paths, args.jobs).items()))))


if __name__ == "__main__":
    main()
