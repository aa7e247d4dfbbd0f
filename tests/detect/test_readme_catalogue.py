"""The README's rule catalogue lists every rule (id, category, what it finds), its table of covered vendor
formats names every rule that says whose documented format it finds (`vendor`), and its table by country
every country's identifiers and documents; all three stay current.

Regenerate after adding or changing rules:
`METASCAN_REGEN_GOLDEN=1 pytest tests/detect/test_readme_catalogue.py`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from metascan.detect.identifiers import DOCUMENTS
from metascan.detect.rules import Rule, load_rules

README = Path(__file__).resolve().parents[2] / "README.md"
RULES = load_rules()


def catalogue(rules: list[Rule]) -> str:
    rows = ["| id | category | severity | what it finds |", "|---|---|---|---|"]
    for r in sorted(rules, key=lambda r: (str(r.category), r.id)):
        rows.append(f"| `{r.id}` | {r.category} | {r.severity} | {r.description.replace('|', '/')} |")
    return "\n".join(rows)


def _formats(rules: list[Rule]) -> str:
    return "<br>".join(f"{r.title.replace('|', '/')} (`{r.id}`)" for r in sorted(rules, key=lambda r: r.id))


def vendor_table(rules: list[Rule]) -> str:
    """One row per vendor: the formats found on their own (a prefix, a marker, a checksum, a URL) and
    those found only with the vendor named in the key or nearby (context.required)."""
    by_vendor: dict[str, list[Rule]] = {}
    for r in rules:
        if r.vendor:
            by_vendor.setdefault(r.vendor, []).append(r)
    total = sum(len(v) for v in by_vendor.values())
    rows = [
        f"{total} rules for {len(by_vendor)} vendors and standards.",
        "",
        "| vendor | found on its own | found with the vendor named in the key or nearby |",
        "|---|---|---|",
    ]
    for vendor in sorted(by_vendor, key=str.casefold):
        bare = [r for r in by_vendor[vendor] if not r.context.required]
        keyed = [r for r in by_vendor[vendor] if r.context.required]
        rows.append(f"| {vendor.replace('|', '/')} | {_formats(bare)} | {_formats(keyed)} |")
    return "\n".join(rows)


def by_country(rules: list[Rule]) -> str:
    """Which identifiers and documents of which country the rules cover (rules that name a country)."""
    countries: dict[str, list[str]] = {}
    for r in sorted(rules, key=lambda r: r.id):
        if r.country is not None and r.document is not None:
            what = DOCUMENTS[r.document]
            countries.setdefault(r.country, []).append(f"{what}: {r.title} (`{r.id}`)")
    rows = ["| country | identifiers and documents |", "|---|---|"]
    rows += [f"| {c} | {'; '.join(items)} |" for c, items in sorted(countries.items())]
    return "\n".join(rows)


@pytest.mark.parametrize(
    ("start", "end", "make"),
    [
        ("<!-- rules:start -->", "<!-- rules:end -->", catalogue),
        ("<!-- vendors:start -->", "<!-- vendors:end -->", vendor_table),
        ("<!-- countries:start -->", "<!-- countries:end -->", by_country),
    ],
    ids=["rules", "vendors", "countries"],
)
def test_readme_table_is_current(start: str, end: str, make: object) -> None:
    text = README.read_text(encoding="utf-8")
    head, found, rest = text.partition(start)
    assert found, f"README has no {start} marker"
    current, _, tail = rest.partition(end)
    assert callable(make)
    expected = f"\n{make(RULES)}\n"
    if os.environ.get("METASCAN_REGEN_GOLDEN"):
        README.write_text(f"{head}{start}{expected}{end}{tail}", encoding="utf-8")
        current = expected
    assert current == expected, "README table is stale: regenerate it (see this test's docstring)"


def test_vendor_table_names_every_vendor_rule_once() -> None:
    table = vendor_table(RULES)
    for r in RULES:
        if r.vendor:
            assert table.count(f"(`{r.id}`)") == 1, r.id
        else:
            assert f"(`{r.id}`)" not in table, r.id


def test_vendor_table_separates_bare_and_context_formats() -> None:
    rows = {line.split(" | ")[0].lstrip("| "): line for line in vendor_table(RULES).splitlines()}
    datadog = rows["Datadog"].split(" | ")
    assert "`datadog-api-key`" in datadog[2] and "`datadog-api-key`" not in datadog[1]
    github = rows["GitHub"].split(" | ")
    assert "`github-token`" in github[1]
