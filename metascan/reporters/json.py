"""The JSON report: the contract described in README (schema in metascan/schema/report.schema.json)."""

from __future__ import annotations

import json

from ..report import Report
from . import RenderOptions


def render(report: Report, options: RenderOptions) -> str:
    return json.dumps(report.to_dict(options.show_secrets), indent=2, ensure_ascii=False) + "\n"
