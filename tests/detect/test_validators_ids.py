"""Identity numbers under a general key: a value in the shape of a checked number must pass its check."""

from __future__ import annotations

import pytest

from metascan.detect.validators import VALIDATORS


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("529.982.247-25", True),  # a CPF that passes
        ("529.982.247-24", False),  # ... and one that does not
        ("48217593W", True),  # a DNI
        ("48217593K", False),
        ("Y4829157E", True),  # a NIE
        ("Y4829157A", False),
        ("536-22-8214", True),  # an SSN
        ("900-70-1234", True),  # an ITIN (the same shape)
        ("912-31-4827", False),  # neither
        ("110101199003074477", True),  # a Chinese resident identity number
        ("110101199003074478", False),
        ("52998224724", True),  # digits alone: many countries' numbers carry no check
        ("AB-1234-XYZ", True),  # no checked number's shape
    ],
)
def test_a_value_in_a_checked_number_s_shape_must_pass_its_check(value: str, kept: bool) -> None:
    assert VALIDATORS["not_bad_checked_id"](value) is kept
