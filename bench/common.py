"""What more than one part of the benchmark needs: an export's fields as metascan reads them, text digests,
and the machine's CPU."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from metascan.aws.documents import Defaults, extract
from metascan.fingerprint import Fingerprinter
from metascan.model import Field, ScanError
from metascan.sources import files


def fields(path: str, fingerprinter: Fingerprinter) -> Iterator[Field]:
    """Every field of one input file, read and extracted by metascan's code; a file it cannot read stops
    the run."""
    for doc in files.read(path):
        if isinstance(doc, ScanError):
            raise SystemExit(doc.message)
        if not isinstance(doc, files.Document):
            continue  # an input the benchmark's corpus never holds: not an AWS response
        for item in extract(doc.source, doc.data, Defaults(), fingerprinter):
            if isinstance(item, Field):
                yield item


def digest(value: str) -> bytes:
    return hashlib.blake2b(value.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo ("?" where there is none)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"
