"""A gated rule's regex searched only in the windows its gate reports finds what a search of the whole text
finds (detect/windows.py)."""

from __future__ import annotations

import dataclasses
import time

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metascan.detect import windows as windows_module
from metascan.detect.prefilter import ShapePrefilter
from metascan.detect.rules import LazyPattern, load_rules
from metascan.detect.windows import Windows, reach

RULES = {r.id: r for r in load_rules()}
# Bundled rules with a bounded reach, of the kinds a scan's time goes to: a lookbehind and lookahead around a
# character class (AWS secret key), a token body (GitHub), digits with lookbehinds of every width (account
# ids), a backreference (card numbers), optional groups (phone numbers).
WINDOWED = (
    "aws-secret-access-key",
    "github-oauth-client-secret",
    "aws-account-id",
    "payment-card-number",
    "phone-number",
    "iban",
)
# Pieces that make matches, near-matches and their edges likely.
PIECES = st.sampled_from(
    [
        "a",
        "Z",
        "f",
        "0",
        "7",
        "4111",
        " ",
        "-",
        ".",
        "+",
        "/",
        "=",
        ":",
        "\n",
        "_",
        "account ",
        "Tenant",
        "+44 ",
        "DE89",
        "0123456789ab",
        "5bb2dc961e72797b537a69813c90d072d50adfcc",
        "Hk2/9xVq3LrT8wPz1mNc6bYd0sJf4gUe7aKo5iRt",
        "563700986929",
        "4111 1111 1111 1111",
        "3704 0044 0000 0000 00",
        "DE89 3704 0044 0532 0130 00",
        "(020) 7946 0958",
    ]
)
TEXTS = st.lists(PIECES, max_size=80).map("".join)


def _deadline() -> float:
    return time.monotonic() + 60


def _windows(rule_id: str, text: str) -> Windows | None:
    rule = RULES[rule_id]
    assert rule.pattern is not None
    gate = ShapePrefilter.gate(rule, places=True)
    assert gate is not None
    places = gate.places(text)
    bound = reach(rule.pattern.pattern, rule.pattern.flags)
    assert bound is not None
    return None if places is None else Windows(places, bound)


def _pattern(rule_id: str) -> regex.Pattern[str]:
    pattern = RULES[rule_id].pattern
    assert pattern is not None
    return regex.compile(pattern.pattern, pattern.flags)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule_id=st.sampled_from(WINDOWED), text=TEXTS, pos=st.integers(0, 200))
def test_windows_find_what_the_whole_text_holds(rule_id: str, text: str, pos: int) -> None:
    windows = _windows(rule_id, text)
    pattern = _pattern(rule_id)
    assert windows is not None  # ASCII texts
    expected = [m.span() for m in pattern.finditer(text)]
    assert [m.span() for m in windows.finditer(pattern, text, _deadline())] == expected
    pos = min(pos, len(text))
    whole = pattern.search(text, pos)
    got = windows.search(pattern, text, pos)
    assert (got.span() if got else None) == (whole.span() if whole else None)
    if not expected:
        return
    # the windows are where matches start, not the whole text (a text with a match somewhere)
    runs = list(zip(windows.starts, windows.ends, strict=True))
    assert all(any(a <= s < b for a, b in runs) for s, _ in expected)


def test_windows_leave_out_the_text_between_matches() -> None:
    """A long script with two AWS secret keys far apart: two windows, and nothing else is searched."""
    filler = "echo installing packages; apt-get install -y nginx\n" * 60
    key1 = "Hk2/9xVq3LrT8wPz1mNc6bYd0sJf4gUe7aKo5iRt"
    key2 = "q8Zr3nW0vXkP2yT6uB9dF4hJ7mL1sC5eA0gR2tY8"
    text = f"{filler}export AWS_SECRET_ACCESS_KEY={key1}\n{filler}secret_key = {key2}\n{filler}"
    windows = _windows("aws-secret-access-key", text)
    assert windows is not None and len(windows.starts) == 2
    runs = zip(windows.starts, windows.ends, strict=True)
    covered = sum(min(len(text), b + windows.reach) - a for a, b in runs)
    assert covered < 200 < len(text)
    pattern = _pattern("aws-secret-access-key")
    assert [m.group("secret") for m in windows.finditer(pattern, text, _deadline())] == [key1, key2]


def test_a_window_too_narrow_would_miss_a_match(monkeypatch: pytest.MonkeyPatch) -> None:
    """The lead a window allows is needed: the gate's superset consumes the character the lookbehind looks
    at, so the place it reports is before the match (LEAD is what allows for that).  (A pattern in the
    shape of the AWS secret key rule's, with one plain lookbehind.)"""
    rule = RULES["aws-secret-access-key"]
    assert rule.pattern is not None
    source = r"(?<![A-Za-z0-9/+])(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"
    pattern_of = LazyPattern(source, rule.pattern.flags)
    example = dataclasses.replace(rule, id="lookbehind-example", pattern=pattern_of)
    monkeypatch.setitem(RULES, "lookbehind-example", example)
    key = "Hk2/9xVq3LrT8wPz1mNc6bYd0sJf4gUe7aKo5iRt"
    text = "x " * 300 + f"secret {key} " + "y " * 300
    pattern = _pattern("lookbehind-example")
    windows = _windows("lookbehind-example", text)
    assert windows is not None
    assert [m.group("secret") for m in windows.finditer(pattern, text, _deadline())] == [key]
    assert windows.starts[0] < text.index(key)
    monkeypatch.setattr(windows_module, "LEAD", 0)
    narrow = _windows("lookbehind-example", text)
    assert narrow is not None
    assert list(narrow.finditer(pattern, text, _deadline())) == []


def test_no_window_for_what_has_no_bounded_reach() -> None:
    assert reach(r"(?P<secret>[0-9a-f]{40})", 0) == 40
    assert reach(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])", 0) == 2 + 40 + 1
    assert reach(r"(?<=\p{Ll}{3,})\d{12}\b", 0) == 2 + 12 + 2  # a lookbehind reads backwards
    assert reach(r"(?<=a(?=b+))\d{12}", 0) is None  # but not a lookahead inside it
    assert reach(r"token=\S+", 0) is None
    assert reach(r"(?i)(?V1)secret=[a-z]{8}", 0) is None  # version 1 folds case fully
    assert reach(r"x{1,9000}", 0) is None  # beyond MAX_REACH
    assert windows_module.MAX_REACH >= 4096


def test_a_match_cut_short_by_the_end_of_a_search_is_not_taken() -> None:
    """A search of a window reads `reach` characters past it; what it finds starting past the window may
    only look like a match because the text seemed to end there (`(?!\\d)` at the search's end)."""
    pattern = regex.compile(r"\d{4}(?!\d)")
    text = "1234" + "x" * 7 + "5" * 14  # the run of fives from 11 to 25: one match, at 21
    windows = Windows([0, 16], reach(pattern.pattern, pattern.flags) or 0)  # starts 0-9 and 16-25
    assert (windows.starts, windows.ends) == ([0, 16], [10, 26])
    expected = [m.span() for m in pattern.finditer(text)]
    assert expected == [(0, 4), (21, 25)]
    assert [m.span() for m in windows.finditer(pattern, text, _deadline())] == expected
