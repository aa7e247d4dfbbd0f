"""Numbers that are dates or times written as digits are not account numbers (`not_timestamp`)."""

from __future__ import annotations

from metascan.detect.engine import Engine
from metascan.detect.rules import load_rules
from metascan.detect.validators import not_timestamp
from metascan.model import FieldKind

ENGINE = Engine(load_rules())


def test_digit_dates_and_times_are_timestamps() -> None:
    for value in ("20240131", "19870512", "202401312359", "20240131235959", "1706659200", "1706659200123"):
        assert not not_timestamp(value), value
    # not a calendar date or time, or not of 1900-2099: a number like any other
    for value in ("20241331", "20240230", "18870512", "20240131246000", "83152371344", "0049137724"):
        assert not_timestamp(value), value


def test_a_date_near_customer_words_is_not_a_bank_account() -> None:
    def accounts(text: str) -> list[str]:
        hits = ENGINE.scan(text, FieldKind.SCRIPT).hits
        return [h.secret for h in hits if h.rule.id == "bank-account-number"]

    assert accounts("cust ref 20241331 batch") == ["20241331"]
    assert accounts("cust ref 20240131 batch") == []
