"""metascan: find credentials, account numbers and personal data in AWS Auto Scaling metadata.

Library use::

    import metascan
    report = metascan.scan_files(["exports/"])
    for finding in report.findings:
        print(finding.rule, finding.resource.id, finding.location.field)
"""

from .api import scan_aws, scan_files, scan_responses
from .model import Category, Confidence, Finding, Location, Resource, ScanError, Severity, Skipped
from .report.report import Report
from .version import __version__

__all__ = [
    "Category",
    "Confidence",
    "Finding",
    "Location",
    "Report",
    "Resource",
    "ScanError",
    "Severity",
    "Skipped",
    "__version__",
    "scan_aws",
    "scan_files",
    "scan_responses",
]
