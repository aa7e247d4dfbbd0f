"""`bench.run`'s figure for issue 12's doubled rule set: the median of alternating rounds' paired ratios."""

from __future__ import annotations

import argparse

import pytest
from bench_helpers import bench_module


def test_each_round_is_compared_with_its_own_pair() -> None:
    run = bench_module("run")
    # the machine slows down between rounds: each pair still says +5%
    assert run.paired([10.0, 20.0, 15.0], [10.5, 21.0, 15.75]) == pytest.approx([1.05, 1.05, 1.05])
    with pytest.raises(ValueError):
        run.paired([10.0, 11.0], [10.5])
    with pytest.raises(ValueError):
        run.paired([], [])


def test_the_doubled_figure_is_the_median_of_the_rounds() -> None:
    run = bench_module("run")
    Row = run.Row

    def row(tool: str, wall: float, rounds: tuple[float, ...] = ()) -> object:
        return Row(10, tool, wall, 1000 / wall, 1.0 / wall, 100.0, "", rounds)

    # fastest of each: 9.0 / 10.0 = 0.900 (a fast round of the copies against a slow machine for the rules
    # once); the rounds, each against its own pair: 1.08, 1.12, 0.90 -> median 1.08
    rows = [
        row("metascan, 1 process", 10.0),
        row("floor: read, parse, decode, 1 process", 2.0),
        row("detect-secrets 1.5, every field", 200.0),
        row("metascan, rules once", 10.0, (10.0, 10.5, 10.0)),
        row("metascan, every rule 2 times", 9.0, (10.8, 11.76, 9.0)),
    ]
    lines = run.targets_12(rows, argparse.Namespace(groups=[10], rule_copies=2))
    (doubled,) = [line for line in lines if "every rule 2 times" in line]
    assert "1.080x that with the rules once, the median of 3 alternating rounds" in doubled
    assert "(1.080, 1.120, 0.900; fastest of each 0.900x)" in doubled
