"""Options from METASCAN_* environment variables, config discovery, and --region/--account validation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import pytest
from helpers_reports import run_main, write_planted

from metascan.cli import cli as cli_group
from metascan.config import discover_config, load_config

SUPPRESS_EMAIL = '[[suppress]]\nreason = "team address"\nrule = "email-address"\n'


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    def call(*args: str) -> tuple[int, str, str]:
        return run_main(list(args), capsys, monkeypatch)

    return call


@pytest.fixture
def inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    work = tmp_path / "project" / "audits" / "today"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    return write_planted(tmp_path / "in")


def rules_in(out: str) -> set[str]:
    return {f["rule"] for f in json.loads(out)["findings"]}


# --- environment variables -----------------------------------------------------------------------------


def test_options_come_from_metascan_environment_variables(
    cli: Any, inputs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("METASCAN_FORMAT", "json")
    code, out, _ = cli("scan", str(inputs))
    assert code == 1 and "email-address" in rules_in(out)
    monkeypatch.setenv("METASCAN_FAIL_ON", "critical")
    group_only = str(inputs / "asg.json")  # a high password in a tag, nothing critical
    code, _, _ = cli("scan", group_only)
    assert code == 0
    code, out, _ = cli("scan", group_only, "--format", "text", "--fail-on", "high")
    assert code == 1 and not out.startswith("{")  # a flag beats the environment


def test_every_option_is_named_after_its_flag_and_shown_in_help() -> None:
    seen = {}
    for name, command in cli_group.commands.items():
        for p in command.params:
            if isinstance(p, click.Option) and p.name != "help" and p.allow_from_autoenv:
                longs = [o for o in p.opts if o.startswith("--")]
                assert p.envvar == "METASCAN_" + longs[0][2:].replace("-", "_").upper(), (name, p.opts)
                seen[p.envvar] = p
    assert {
        "METASCAN_FORMAT",
        "METASCAN_OUTPUT",
        "METASCAN_CONFIG",
        "METASCAN_FAIL_ON",
        "METASCAN_REGION",
    } <= set(seen)
    assert "METASCAN_FINGERPRINT_KEY" not in seen  # that variable holds the key itself, not a key file


def test_the_fingerprint_key_variable_is_still_the_key(
    cli: Any, inputs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("METASCAN_FINGERPRINT_KEY", "one-key-of-at-least-16-bytes")
    _, one, _ = cli("scan", str(inputs), "--format", "json")
    monkeypatch.setenv("METASCAN_FINGERPRINT_KEY", "another-key-of-16-bytes-or-more")
    _, two, _ = cli("scan", str(inputs), "--format", "json")
    assert json.loads(one)["fingerprint_key_id"] != json.loads(two)["fingerprint_key_id"]


# --- config discovery --------------------------------------------------------------------------------------


def test_the_config_is_found_walking_up_from_the_working_directory(
    cli: Any, inputs: Path, tmp_path: Path
) -> None:
    assert "email-address" in rules_in(cli("scan", str(inputs), "--format", "json")[1])
    (tmp_path / "project" / "metascan.toml").write_text(SUPPRESS_EMAIL)
    code, out, _ = cli("scan", str(inputs), "--format", "json")
    assert code == 1 and "email-address" not in rules_in(out)
    assert json.loads(out)["suppressed"][0]["rule"] == "email-address"


def test_the_nearest_config_wins_and_pyproject_needs_its_table(tmp_path: Path) -> None:
    top, mid, low = tmp_path / "a", tmp_path / "a" / "b", tmp_path / "a" / "b" / "c"
    low.mkdir(parents=True)
    (top / "metascan.toml").write_text(SUPPRESS_EMAIL)
    (mid / "pyproject.toml").write_text('[project]\nname = "x"\n')  # no [tool.metascan]: not a config
    assert discover_config(low, {"XDG_CONFIG_HOME": str(tmp_path / "none")}) == top / "metascan.toml"
    (mid / "pyproject.toml").write_text("[tool.metascan]\nsuppress = []\n")
    assert discover_config(low, {"XDG_CONFIG_HOME": str(tmp_path / "none")}) == mid / "pyproject.toml"


def test_the_user_config_applies_when_no_folder_has_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    xdg = tmp_path / "xdg"
    (xdg / "metascan").mkdir(parents=True)
    (xdg / "metascan" / "config.toml").write_text(SUPPRESS_EMAIL)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    work = tmp_path / "w"
    work.mkdir()
    config = load_config(directory=work)
    assert config.source == str(xdg / "metascan" / "config.toml") and config.suppressions
    (work / "metascan.toml").write_text("")
    assert load_config(directory=work).source == str(work / "metascan.toml")  # a folder's config first


def test_metascan_config_names_the_file_and_config_flag_beats_it(
    cli: Any, inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    named = tmp_path / "named.toml"
    named.write_text(SUPPRESS_EMAIL)
    monkeypatch.setenv("METASCAN_CONFIG", str(named))
    assert "email-address" not in rules_in(cli("scan", str(inputs), "--format", "json")[1])
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    assert "email-address" in rules_in(
        cli("scan", str(inputs), "--format", "json", "--config", str(empty))[1]
    )
    monkeypatch.setenv("METASCAN_CONFIG", str(tmp_path / "missing.toml"))
    code, _, err = cli("scan", str(inputs))
    assert code == 2 and "missing.toml" in err and "cannot read config file" in err


# --- --region and --account ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--region", "us-east1"], "'us-east1' is not an AWS region name"),
        (["--region", "US-EAST-1"], "is not an AWS region name"),
        (["--region", "eu-west-1 "], "is not an AWS region name"),
        (["--account", "1234"], "'1234' is not an AWS account id (12 digits)"),
        (["--account", "12345678901a"], "is not an AWS account id"),
    ],
)
def test_region_and_account_are_validated(cli: Any, inputs: Path, args: list[str], message: str) -> None:
    code, out, err = cli("scan", str(inputs), *args)
    assert code == 2 and out == ""
    assert message in err and ("--region" in err or "--account" in err)


@pytest.mark.parametrize(
    "region", ["us-east-1", "eu-central-2", "us-gov-west-1", "cn-northwest-1", "us-isob-east-1"]
)
def test_real_region_names_are_accepted(cli: Any, inputs: Path, region: str) -> None:
    code, out, _ = cli(
        "scan", str(inputs), "--region", region, "--account", "012345678901", "--format", "json"
    )
    assert code == 1
    versions = [f for f in json.loads(out)["findings"] if f["resource"]["type"] == "LaunchTemplateVersion"]
    assert versions and {(f["resource"]["region"], f["resource"]["account"]) for f in versions} == {
        (region, "012345678901")
    }


def test_the_environment_is_validated_too(cli: Any, inputs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METASCAN_ACCOUNT", "12")
    code, _, err = cli("scan", str(inputs))
    assert code == 2 and "'12' is not an AWS account id" in err
