"""How the connection options layer: DSN, then connection string, then -p and --sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from pipedrive_sql import dsn
from pipedrive_sql.cli.connecting import Target, layered_properties, make_target, parse_assignments
from pipedrive_sql.errors import ConfigurationError


@pytest.fixture(autouse=True)
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(dsn.USER_FILE_ENV, str(tmp_path / "user.ini"))
    monkeypatch.setenv(dsn.SYSTEM_FILE_ENV, str(tmp_path / "system.ini"))
    monkeypatch.setenv(dsn.KEYRING_ENV, "0")
    dsn.save_dsn("Acme", {"CompanyDomain": "user-co", "Timeout": "3", "APIToken": "u"})
    dsn.save_dsn("Acme", {"CompanyDomain": "system-co", "APIToken": "s"}, system=True)


def test_layers_in_order() -> None:
    target = make_target("acme", "timeout=5;MaxRows=10", False, None, ["maxrows=20"])
    assert layered_properties(target) == {
        "CompanyDomain": "user-co",
        "Timeout": "5",
        "APIToken": "u",
        "MaxRows": "20",
    }


def test_dsn_in_the_connection_string_and_the_system_file() -> None:
    assert layered_properties(Target(connection_string="DSN=ACME;Timeout=9"))["Timeout"] == "9"
    system = layered_properties(make_target("acme", None, False, None, None, system=True))
    assert system == {"CompanyDomain": "system-co", "APIToken": "s"}


def test_sandbox_options_become_properties() -> None:
    assert Target(sandbox=True, sandbox_scale=20).keywords() == {"Sandbox": True, "SandboxScale": 20}


def test_nothing_to_connect_to_and_bad_options() -> None:
    with pytest.raises(ConfigurationError, match="--sandbox"):
        make_target(None, None, False)
    with pytest.raises(typer.BadParameter, match="give --dsn too"):
        make_target(None, "Timeout=1", False, system=True)
    with pytest.raises(typer.BadParameter, match="is not KEY=VALUE"):
        parse_assignments(["novalue"])
    assert parse_assignments(["a=b=c", " k =v"]) == {"a": "b=c", "k": "v"}
