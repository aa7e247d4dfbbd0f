"""Hyperscan databases kept on disk (hscache.py): a stored copy is loaded instead of compiling, finds what the
compiled database finds, and is only ever used for the very expressions it was compiled from; a copy that
does not load is compiled again and replaced; an unusable folder or a cache turned off changes nothing but
the time."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import hyperscan
import pytest

from metascan.detect import hscache
from metascan.detect.hscache import cache_dir, compile_database

EXPRESSIONS = [b"AKIA[A-Z2-7]{16}", b"ghp_[A-Za-z0-9]{36}", b"password"]
IDS = [0, 1, 2]
FLAGS = [hyperscan.HS_FLAG_SINGLEMATCH] * 3
TEXT = b"x AKIAQ3EGUZCPT5LWRXNA y 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 z"


def found(database: Any, text: bytes = TEXT) -> list[int]:
    """The ids the database reports (with scratch of its own, as the prefilter scans: a loaded database
    has none)."""
    out: list[int] = []
    database.scan(text, match_event_handler=lambda i, *_: out.append(i), scratch=hyperscan.Scratch(database))
    return sorted(out)


class _NoCompile(hyperscan.Database):  # type: ignore[misc]
    def compile(self, *args: Any, **kwargs: Any) -> None:
        raise AssertionError("compiled although a stored copy exists")


def test_a_stored_database_is_loaded_instead_of_compiled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("METASCAN_CACHE_DIR", str(tmp_path / "cache"))
    compiled = compile_database(EXPRESSIONS, IDS, FLAGS)
    stored = list((tmp_path / "cache").iterdir())
    assert len(stored) == 1 and stored[0].name.startswith("hs-")
    assert stat.S_IMODE(stored[0].stat().st_mode) == 0o600
    monkeypatch.setattr(hscache.hyperscan, "Database", _NoCompile)
    loaded = compile_database(EXPRESSIONS, IDS, FLAGS)
    assert found(loaded) == found(compiled) == [0, 1]


@pytest.mark.parametrize(
    "other",
    [
        ([*EXPRESSIONS[:2], b"passwd"], IDS, FLAGS, False),
        (EXPRESSIONS, [0, 1, 5], FLAGS, False),
        (EXPRESSIONS, IDS, [0, 0, 0], False),
        (EXPRESSIONS, IDS, FLAGS, True),
    ],
)
def test_a_copy_is_used_only_for_the_expressions_ids_and_flags_it_was_compiled_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, other: tuple[list[bytes], list[int], list[int], bool]
) -> None:
    monkeypatch.setenv("METASCAN_CACHE_DIR", str(tmp_path))
    compile_database(EXPRESSIONS, IDS, FLAGS)
    expressions, ids, flags, literal = other
    database = compile_database(expressions, ids, flags, literal=literal)
    assert len(list(tmp_path.iterdir())) == 2  # compiled (and stored) anew
    expected = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    expected.compile(expressions=expressions, ids=ids, elements=3, flags=flags, literal=literal)
    text = TEXT + b" password passwd AKIA[A-Z2-7]{16}"
    assert found(database, text) == found(expected, text)


def test_a_copy_that_does_not_load_is_compiled_again_and_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("METASCAN_CACHE_DIR", str(tmp_path))
    compile_database(EXPRESSIONS, IDS, FLAGS)
    (path,) = tmp_path.iterdir()
    good = path.read_bytes()
    path.write_bytes(b"not a database")
    assert found(compile_database(EXPRESSIONS, IDS, FLAGS)) == [0, 1]
    assert path.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind


def test_an_unusable_folder_or_a_cache_turned_off_only_costs_the_compile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("METASCAN_CACHE_DIR", str(blocker / "cache"))  # cannot be made: a file is in the way
    assert found(compile_database(EXPRESSIONS, IDS, FLAGS)) == [0, 1]
    monkeypatch.setenv("METASCAN_CACHE_DIR", "")
    assert cache_dir() is None
    assert found(compile_database(EXPRESSIONS, IDS, FLAGS)) == [0, 1]
    assert [p.name for p in tmp_path.iterdir()] == ["a-file"]


def test_the_default_folder_follows_xdg_cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("METASCAN_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "metascan"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "metascan"


_ENGINE = """
import sys, hyperscan
if sys.argv[1] == "stored":
    class NoCompile(hyperscan.Database):
        def compile(self, *args, **kwargs):
            raise SystemExit("compiled although stored")
    hyperscan.Database = NoCompile
from metascan.detect.engine import Engine
from metascan.detect.rules import load_rules
from metascan.model import FieldKind
text = "aws_access_key_id=AKIAQ3EGUZCPT5LWRXNA payout iban DE44500105175407324931"
print(sorted(h.secret for h in Engine(load_rules()).scan(text, FieldKind.SCRIPT).hits))
"""


def test_a_second_process_builds_its_engine_from_the_stored_databases(tmp_path: Path) -> None:
    """The keyword pass and the prefilter of the rules without keywords: compiled by the first process,
    loaded by the next (which would stop if it compiled), with the same findings."""
    env = {**os.environ, "METASCAN_CACHE_DIR": str(tmp_path)}
    runs = [
        subprocess.run(
            [sys.executable, "-c", _ENGINE, mode], env=env, capture_output=True, text=True, timeout=300
        )
        for mode in ("first", "stored")
    ]
    assert [r.returncode for r in runs] == [0, 0], [r.stderr[-2000:] for r in runs]
    assert runs[0].stdout == runs[1].stdout
    assert "AKIAQ3EGUZCPT5LWRXNA" in runs[0].stdout and "DE44500105175407324931" in runs[0].stdout
    assert len(list(tmp_path.glob("hs-*.db"))) >= 2
