"""Shared fixtures.  No test touches the user's config or cache folder or the network: each test gets its own
fingerprint key in the environment and its own XDG_CONFIG_HOME, and the run a cache folder of its own.

The tests live in folders that mirror the package (tests/detect for metascan/detect, and so on), with no
__init__.py: pytest puts this folder on sys.path when it loads this file, so tests in every folder import the
shared helpers (aws_helpers, helpers_reports, netguard, conftest_aws, bench_helpers) by their plain names,
and test file names must stay unique.  An __init__.py would put the checkout's root on sys.path instead, and
`import metascan` would then find the checkout rather than the installed wheel that `.ci/run` tests.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run: a CI run must not pass or fail by chance.  (Search
# wider locally by setting another profile.)
settings.register_profile("metascan", derandomize=True)
settings.load_profile("metascan")

pytest_plugins = ["netguard"]

TEST_KEY = "metascan-test-fingerprint-key-0123456789"

# Tests of what rules find must not fail because a shared CI machine is slow: a rule stopped by its time limit
# only lists its field as skipped.  Tests of the time limits pass their own limits explicitly.  (Set before
# any test imports metascan; CLI subprocesses inherit it.)
os.environ.setdefault("METASCAN_RULE_TIME_LIMIT", "20")
os.environ.setdefault("METASCAN_FIELD_TIME_LIMIT", "120")

# Hyperscan databases compiled by the tests (and their CLI subprocesses) are kept in a folder of this run,
# never in ~/.cache/metascan; removed when the run ends.  Tests of the cache set their own folder.
_CACHE = tempfile.mkdtemp(prefix="metascan-test-cache-")
os.environ["METASCAN_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, True)


@pytest.fixture(autouse=True)
def _isolated_config(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Keep tests away from ~/.config/metascan: a per-test config folder and a fixed fingerprint key."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
    monkeypatch.setenv("METASCAN_FINGERPRINT_KEY", TEST_KEY)
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(var, raising=False)
    yield


@pytest.fixture
def data_dir() -> Path:
    return Path(__file__).parent / "fixtures"
