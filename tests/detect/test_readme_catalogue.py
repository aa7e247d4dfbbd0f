"""The README's rule catalogue lists every rule (id, category, what it finds) and stays current.

Regenerate after adding or changing rules:
`METASCAN_REGEN_GOLDEN=1 pytest tests/detect/test_readme_catalogue.py`.
"""

from __future__ import annotations

import os
from pathlib import Path

from metascan.detect.rules import load_rules

README = Path(__file__).resolve().parents[2] / "README.md"
START, END = "<!-- rules:start -->", "<!-- rules:end -->"


def catalogue() -> str:
    rows = ["| id | category | severity | what it finds |", "|---|---|---|---|"]
    for r in sorted(load_rules(), key=lambda r: (str(r.category), r.id)):
        rows.append(f"| `{r.id}` | {r.category} | {r.severity} | {r.description.replace('|', '/')} |")
    return "\n".join(rows)


def test_readme_lists_every_rule() -> None:
    text = README.read_text(encoding="utf-8")
    head, _, rest = text.partition(START)
    current, _, tail = rest.partition(END)
    expected = f"\n{catalogue()}\n"
    if os.environ.get("METASCAN_REGEN_GOLDEN"):
        README.write_text(f"{head}{START}{expected}{END}{tail}", encoding="utf-8")
        current = expected
    assert current == expected, "README rule catalogue is stale: regenerate it (see this test's docstring)"
