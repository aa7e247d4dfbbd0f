"""The public library API: `import metascan` gives exactly these names, each of them importable."""

from __future__ import annotations

import metascan
from metascan import (
    Category,
    Confidence,
    Finding,
    Location,
    Report,
    Resource,
    ScanError,
    Severity,
    Skipped,
    __version__,
    scan_aws,
    scan_files,
    scan_responses,
)

IMPORTED = {
    "Category": Category,
    "Confidence": Confidence,
    "Finding": Finding,
    "Location": Location,
    "Report": Report,
    "Resource": Resource,
    "ScanError": ScanError,
    "Severity": Severity,
    "Skipped": Skipped,
    "__version__": __version__,
    "scan_aws": scan_aws,
    "scan_files": scan_files,
    "scan_responses": scan_responses,
}


def test_all_is_exactly_the_names_imported_here() -> None:
    assert sorted(metascan.__all__) == sorted(IMPORTED)


def test_a_star_import_gives_every_name_in_all() -> None:
    namespace: dict[str, object] = {}
    exec("from metascan import *", namespace)
    assert {k: v for k, v in namespace.items() if k != "__builtins__"} == IMPORTED


def test_the_names_are_the_objects_the_library_uses() -> None:
    from metascan import api, model
    from metascan.report.report import Report as ReportClass
    from metascan.version import __version__ as version

    assert (scan_files, scan_responses, scan_aws) == (api.scan_files, api.scan_responses, api.scan_aws)
    assert (Finding, Severity, ScanError) == (model.Finding, model.Severity, model.ScanError)
    assert Report is ReportClass
    assert __version__ == version
