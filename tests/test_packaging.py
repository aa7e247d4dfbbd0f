"""The package works installed from a wheel: rules and schema are inside it, not only in the checkout."""

from __future__ import annotations

import json
import os
from importlib import metadata, resources
from pathlib import Path

import pytest

import metascan
from metascan.detect.rules import _pattern_files

ROOT = Path(__file__).resolve().parents[1]


def test_every_pattern_file_of_the_repository_is_loaded() -> None:
    loaded = {name.rsplit("/", 1)[1] for name, _ in _pattern_files()}
    assert loaded == {p.name for p in (ROOT / "patterns").glob("*.toml")}


def test_schema_ships_in_the_package() -> None:
    assert resources.files("metascan").joinpath("schema", "report.schema.json").is_file()


@pytest.mark.skipif(
    not os.environ.get("METASCAN_EXPECT_INSTALLED"), reason="only in CI, after a non-editable install"
)
def test_installed_package_is_the_wheel_not_the_checkout() -> None:
    # The virtual environment may itself live inside the checkout (`.ci/run` puts it in `.venv`), so the test
    # is that the package comes from an installed distribution's site-packages, not from the source tree, and
    # that the distribution is not an editable install.
    pkg = Path(metascan.__file__).resolve().parent
    assert pkg != (ROOT / "metascan").resolve(), f"metascan imported from the checkout: {pkg}"
    assert "site-packages" in pkg.parts, f"metascan not imported from an installed distribution: {pkg}"
    direct_url = json.loads(metadata.distribution("metascan").read_text("direct_url.json") or "{}")
    assert not direct_url.get("dir_info", {}).get("editable"), "metascan is an editable install"
    assert (pkg / "patterns").is_dir() and any((pkg / "patterns").glob("*.toml"))
