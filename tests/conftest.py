"""Shared fixtures.  No test touches the user's config folder or the network: each test gets its own
fingerprint key in the environment and its own XDG_CONFIG_HOME."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = ["netguard"]

TEST_KEY = "metascan-test-fingerprint-key-0123456789"


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
