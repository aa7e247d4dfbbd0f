"""Numbers that are dates or times written as digits are not account numbers (`not_timestamp`); dates of
birth as East Asia writes them (`birth_date`); names that are placeholders or particles (`person_name`)."""

from __future__ import annotations

import pytest

from metascan.detect.engine import Engine
from metascan.detect.rules import load_rules
from metascan.detect.validators import birth_date, not_timestamp, person_name
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


@pytest.mark.parametrize(
    ("written", "valid"),
    [
        ("平成3年6月21日", True),  # Heisei 8: 1996
        ("令和元年5月1日", True),  # the first year of an era is 元
        ("平成40年1月1日", False),  # Heisei 40 would be 2028: not yet
        ("1988년 4월 2일", True),
        ("12 มี.ค. 2519", True),  # Buddhist era 2521: 1978
        ("31 ก.พ. 2530", False),  # no 31 February
    ],
)
def test_east_asian_dates_of_birth(written: str, valid: bool) -> None:
    assert birth_date(written) is valid


def test_placeholder_and_particle_names() -> None:
    assert not person_name("Max Mustermann") and not person_name("山田 太郎") and not person_name("Some Name")
    assert person_name("Kavitha a/p Ramasamy") and person_name("Nurul Izzah binti Rahman")
    assert not person_name("Tim Keuangan") and not person_name("연락처")
