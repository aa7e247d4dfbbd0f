"""The shard partition (`metascan.sources.aws_accounts.Shard`), `--shard` and `--accounts-from` files."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from metascan.errors import ConfigError
from metascan.sources.aws_accounts import Shard, parse_shard, read_account_list, shard_of


def account_ids(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return list(dict.fromkeys(f"{rng.randrange(10**12):012d}" for _ in range(n)))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_adding_accounts_moves_no_other_account(seed: int) -> None:
    before = account_ids(1000, seed)
    after = before + account_ids(250, seed + 100)
    for count in (2, 4, 8, 16):
        old = {a: shard_of(a, count) for a in before}
        moved = [a for a in before if shard_of(a, count) != old[a]]
        assert moved == []
        assert {shard_of(a, count) for a in after} == set(range(count))


@pytest.mark.parametrize("count", [2, 4, 8, 16, 50])
def test_one_more_shard_moves_about_its_share_and_only_to_it(count: int) -> None:
    accounts = account_ids(5000, count)
    moved = [a for a in accounts if shard_of(a, count) != shard_of(a, count + 1)]
    assert {shard_of(a, count + 1) for a in moved} == {count}  # every moved account goes to the new shard
    share = len(accounts) / (count + 1)
    assert 0.8 * share <= len(moved) <= 1.2 * share


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
@pytest.mark.parametrize(("count", "bound"), [(2, 1.2), (3, 1.2), (4, 1.2), (5, 1.2), (8, 1.3), (10, 1.3)])
def test_balanced_by_account_count_at_a_thousand_accounts(seed: int, count: int, bound: float) -> None:
    """A hash partition is as balanced as a uniform draw: at 1,000 accounts, the largest of up to 5 shards
    (200 accounts each) is within 1.2x the mean; with 100 to 125 accounts a shard, within 1.3x."""
    sizes = Counter(shard_of(a, count) for a in account_ids(1000, seed))
    assert set(sizes) == set(range(count))
    mean = sum(sizes.values()) / count
    assert max(sizes.values()) / mean <= bound


def test_the_partition_is_the_same_in_every_process() -> None:
    """No Python `hash()` (randomised per process): two processes with different hash seeds agree."""
    accounts = account_ids(200, 9)
    code = "import json,sys\nfrom metascan.sources.aws_accounts import shard_of\n"
    code += "print(json.dumps([shard_of(a, 7) for a in json.load(sys.stdin)]))"
    runs = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-c", code], input=json.dumps(accounts), capture_output=True, text=True, env=env
        )
        runs.append(json.loads(out.stdout))
    assert runs[0] == runs[1] == [shard_of(a, 7) for a in accounts]


def test_each_account_in_exactly_one_shard() -> None:
    accounts = account_ids(300, 4)
    shards = [Shard(k, 5) for k in range(5)]
    assert all(sum(s.owns(a) for s in shards) == 1 for a in accounts)


@pytest.mark.parametrize(
    ("spec", "env", "expected"),
    [
        ("2/5", {}, Shard(2, 5)),
        (" 0/1 ", {}, Shard(0, 1)),
        ("auto/4", {"JOB_COMPLETION_INDEX": "3"}, Shard(3, 4)),
        ("auto/4", {"AWS_BATCH_JOB_ARRAY_INDEX": "1"}, Shard(1, 4)),
        ("auto", {"AWS_BATCH_JOB_ARRAY_INDEX": "6", "AWS_BATCH_JOB_ARRAY_SIZE": "10"}, Shard(6, 10)),
    ],
)
def test_shard_from_the_option_or_the_engine_environment(
    spec: str, env: dict[str, str], expected: Shard
) -> None:
    assert parse_shard(spec, env) == expected


@pytest.mark.parametrize(
    ("spec", "env", "message"),
    [
        ("5/5", {}, "index must be 0 to count - 1"),
        ("1/0", {}, "index must be 0 to count - 1"),
        ("3", {}, "expected K/N"),
        ("a/4", {}, "shard K must be a whole number"),
        ("auto/4", {}, "JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX"),
        ("auto", {"AWS_BATCH_JOB_ARRAY_INDEX": "1"}, "AWS_BATCH_JOB_ARRAY_SIZE"),
        ("auto/4", {"JOB_COMPLETION_INDEX": "4"}, "index must be 0 to count - 1"),
    ],
)
def test_bad_shards_are_refused(spec: str, env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_shard(spec, env)


def test_account_list_one_id_a_line(tmp_path: Path) -> None:
    path = tmp_path / "accounts.txt"
    path.write_text("# audit scope\n111111111111\n\n222222222222  # payments\n111111111111\n")
    assert read_account_list(path) == ("111111111111", "222222222222")


def test_account_list_from_organizations_list_accounts_json(tmp_path: Path) -> None:
    path = tmp_path / "accounts.json"
    accounts = [
        {"Id": "111111111111", "Name": "a", "Status": "ACTIVE"},
        {"Id": "222222222222", "Name": "b", "State": "SUSPENDED"},
        {"Id": "333333333333", "Name": "c", "State": "ACTIVE", "Status": "ACTIVE"},
    ]
    path.write_text(json.dumps({"Accounts": accounts}))
    assert read_account_list(path) == ("111111111111", "333333333333")
    path.write_text(json.dumps(["444444444444", "555555555555"]))
    assert read_account_list(path) == ("444444444444", "555555555555")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("111111111111\n12345\n", "line 2: not a 12-digit AWS account id"),
        ("# nothing\n", "holds no account id"),
        ('{"Accounts": [{"Name": "x"}]}', "account 0: no 12-digit AWS account id"),
        ('{"Accounts": ', "not valid JSON"),
        ('{"Other": []}', "organizations list-accounts"),
    ],
)
def test_bad_account_lists_name_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "accounts.txt"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as e:
        read_account_list(path)
    assert str(e.value).startswith(str(path))


def test_a_missing_account_list_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read account list"):
        read_account_list(tmp_path / "nope.txt")
