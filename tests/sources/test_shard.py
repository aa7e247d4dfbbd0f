"""The shard partition (`metascan.sources.aws_accounts.Shard`), `--shard` and `--accounts-from` files."""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from metascan.errors import ConfigError
from metascan.sources.aws_accounts import LOAD_FACTOR, Shard, parse_shard, partition, read_account_list


def account_ids(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return list(dict.fromkeys(f"{rng.randrange(10**12):012d}" for _ in range(n)))


def shards(accounts: list[str], count: int) -> dict[str, int]:
    """Each account's shard, from `Shard.take` of every shard (what each shard process computes alone)."""
    out: dict[str, int] = {}
    for k in range(count):
        for a in Shard(k, count).take(accounts):
            assert a not in out  # in exactly one shard
            out[a] = k
    assert set(out) == set(accounts)
    assert out == partition(accounts, count)
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_adding_accounts_moves_few_others(seed: int) -> None:
    """A quarter more accounts (250 added to 1,000) moves none of the others up to 8 shards (their shards are
    far from full), and at most a few percent at 16 and 50 shards, where many shards are full."""
    before = account_ids(1000, seed)
    for added, count, most in [(1, 4, 0), (250, 2, 0), (250, 4, 0), (250, 8, 0), (10, 16, 30), (250, 50, 80)]:
        after = before + [a for a in account_ids(added, seed + 100) if a not in before]
        old, new = shards(before, count), shards(after, count)
        moved = [a for a in before if new[a] != old[a]]
        assert len(moved) <= most, (added, count, len(moved))
        assert set(new.values()) == set(range(count))


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("count", [2, 3, 4, 5, 8, 10, 16, 20, 32, 50])
def test_balanced_by_account_count_at_a_thousand_accounts(seed: int, count: int) -> None:
    """No shard holds more than 1.15x an equal share, rounded up (bounded loads): within 1.2x the mean at
    1,000 accounts whatever the shard count, and with every shard used."""
    sizes = Counter(shards(account_ids(1000, seed), count).values())
    assert set(sizes) == set(range(count))
    mean = sum(sizes.values()) / count
    assert max(sizes.values()) / mean <= 1.2
    assert max(sizes.values()) <= math.ceil(LOAD_FACTOR * 1000 / count)


def test_the_partition_does_not_depend_on_the_order_of_the_list() -> None:
    accounts = account_ids(300, 6)
    assert partition(accounts, 7) == partition(list(reversed(accounts)), 7)


def test_the_partition_is_the_same_in_every_process() -> None:
    """No Python `hash()` (randomised per process): two processes with different hash seeds agree."""
    accounts = account_ids(200, 9)
    code = "import json,sys\nfrom metascan.sources.aws_accounts import partition\n"
    code += "a = json.load(sys.stdin)\nprint(json.dumps([partition(a, 7)[x] for x in a]))"
    runs = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-c", code], input=json.dumps(accounts), capture_output=True, text=True, env=env
        )
        runs.append(json.loads(out.stdout))
    assert runs[0] == runs[1] == [partition(accounts, 7)[a] for a in accounts]


def test_a_shard_names_the_list_it_split() -> None:
    accounts = account_ids(40, 2)
    shard = Shard(1, 3)
    assert shard.to_dict() == {"index": 1, "count": 3}  # before the list is known
    shard.take(accounts)
    section = shard.to_dict()
    assert section["accounts"] == 40 and len(str(section["accounts_digest"])) == 16
    again = Shard(2, 3)
    again.take(list(reversed(accounts)))
    assert again.to_dict()["accounts_digest"] == section["accounts_digest"]
    other = Shard(2, 3)
    other.take(accounts[:-1])
    assert other.to_dict()["accounts_digest"] != section["accounts_digest"]


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
