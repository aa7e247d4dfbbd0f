"""Check digits of account numbers that python-stdnum does not know (metascan/detect/validators.py).

The French RIB key is built here from its definition as Banque de France states it (the 23-digit number
bank, branch, account, key is a multiple of 97), not from the validator's weights 89, 15 and 3."""

from __future__ import annotations

import random

import pytest

from metascan.detect.validators import VALIDATORS

RNG = random.Random(20261206)
fr_rib = VALIDATORS["fr_rib"]


def _rib(bank: str, branch: str, account: str) -> str:
    as_digits = account.translate(str.maketrans("AJBKSCLTDMUENVFOWGPXHQYIRZ", "11222333444555666777888999"))
    key = 97 - int(bank + branch + as_digits + "00") % 97
    return f"{bank}{branch}{account}{key:02d}"


def test_rib_inside_a_french_iban_is_valid() -> None:
    # The IBAN registry's French example, FR14 2004 1010 0505 0001 3M02 606: its BBAN is a RIB.
    assert fr_rib("20041010050500013M02606")
    assert fr_rib("20041 01005 0500013M026 06")


@pytest.mark.parametrize("seed", range(20))
def test_built_ribs_are_valid_and_every_changed_digit_is_not(seed: int) -> None:
    rng = random.Random(seed)
    digits = "0123456789"
    account = "".join(rng.choice(digits + "ABCDEFGHJKLMNPQRSTUVWXYZ" * (seed % 2)) for _ in range(11))
    rib = _rib(
        "".join(rng.choice(digits) for _ in range(5)), "".join(rng.choice(digits) for _ in range(5)), account
    )
    assert fr_rib(rib), rib
    for i, ch in enumerate(rib):
        if not ch.isdigit():
            continue
        changed = rib[:i] + str((int(ch) + rng.randint(1, 9)) % 10) + rib[i + 1 :]
        assert not fr_rib(changed), (rib, changed)


def test_rib_shapes_that_are_not_ribs() -> None:
    assert not fr_rib("2004101005050001302606")  # 22 characters
    assert not fr_rib("2004A010050500013402606")  # a letter in the bank code
    assert not fr_rib("00000000000000000000097")  # a run of zeros: filler
