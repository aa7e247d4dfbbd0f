"""A multi-row SQL INSERT keys every row's values by the column list, not only the first row's."""

from __future__ import annotations

from metascan.detect.engine import Engine
from metascan.detect.rules import load_rules
from metascan.model import FieldKind

SCRIPT = """cat > /opt/travel/profiles.sql <<'SQL'
INSERT INTO traveller(name, passport, nationality, dob, ssn) VALUES
 ('Quentin Arbogast', 'C4RT9ZQ71', 'DE', '1971-10-30', '219-09-9999'),
 ('Rosalind Okafor', '561239870', 'US', '1983-12-02', '536-22-8214'),
 ('Mireille Fontaine', '18CV45219', 'FR', '1990-04-17', NULL);
SQL
"""


def test_every_row_of_a_multi_row_insert_is_keyed_by_its_columns() -> None:
    hits = Engine(load_rules()).scan(SCRIPT, FieldKind.SCRIPT).hits
    found = {(h.rule.id, h.secret) for h in hits}
    for dob in ("1971-10-30", "1983-12-02", "1990-04-17"):
        assert any(secret == dob for _, secret in found), dob
    assert ("us-ssn", "536-22-8214") in found
    assert any(secret == "561239870" for _, secret in found)  # (a passport only its column names)


def test_rows_stop_at_the_statement_s_end() -> None:
    text = SCRIPT.replace("NULL);", "NULL);\n ('Not A Row', '1971-10-30')")
    hits = Engine(load_rules()).scan(text, FieldKind.SCRIPT).hits
    assert sum(1 for h in hits if h.secret == "1971-10-30") == 1


def test_a_name_column_of_a_table_of_people_is_a_person_s_name() -> None:
    hits = Engine(load_rules()).scan(SCRIPT, FieldKind.SCRIPT).hits
    names = {h.secret for h in hits if h.rule.id == "person-name-record"}
    assert names == {"Quentin Arbogast", "Rosalind Okafor", "Mireille Fontaine"}


def test_a_name_column_of_another_table_is_not() -> None:
    text = "INSERT INTO products (name, sku) VALUES ('Harbor Light', 'HL-1'), ('Quentin Arbogast', 'QA-2');"
    hits = Engine(load_rules()).scan(text, FieldKind.SCRIPT).hits
    assert not [h for h in hits if h.rule.id.startswith("person-name")]
    # (the schema is not the table: `crm.customers` is a table of customers)
    text = "INSERT INTO crm.customers (name, tier) VALUES ('Quentin Arbogast', 'gold');"
    hits = Engine(load_rules()).scan(text, FieldKind.SCRIPT).hits
    assert {h.secret for h in hits if h.rule.id == "person-name-record"} == {"Quentin Arbogast"}
