"""pipedrive:// URLs in every form, the dialect's registration, and its DB-API settings."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import URL, create_engine, exc, select, text
from sqlalchemy.engine import make_url

import pipedrive_sql
from pipedrive_sql import dsn
from pipedrive_sql.sqlalchemy import PipedriveDialect


def connect_args(url: str | URL) -> dict[str, Any]:
    args, kwargs = PipedriveDialect().create_connect_args(make_url(url))
    assert args == []
    return kwargs


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "pipedrive:///?AuthScheme=Basic&APIToken=abc&CompanyDomain=acme",
            {"AuthScheme": "Basic", "APIToken": "abc", "CompanyDomain": "acme"},
        ),
        ("pipedrive://@MyDSN", {"dsn": "MyDSN"}),
        ("pipedrive:///?dsn=MyDSN", {"dsn": "MyDSN"}),
        ("pipedrive://@MyDSN?Timeout=30", {"dsn": "MyDSN", "Timeout": "30"}),
        ("pipedrive://:s3cret@MyDSN", {"dsn": "MyDSN", "APIToken": "s3cret"}),
        ("pipedrive://:s3cret@/?CompanyDomain=acme", {"APIToken": "s3cret", "CompanyDomain": "acme"}),
        ("pipedrive:///?Sandbox=true", {"Sandbox": "true"}),
        ("pipedrive://", {}),
    ],
)
def test_every_url_form_becomes_connect_properties(url: str, expected: dict[str, Any]) -> None:
    assert connect_args(url) == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("pipedrive://@MyDSN:443", "not a port 443"),
        ("pipedrive:///acme?APIToken=s3cret", "not a path /acme:"),
        ("pipedrive://s3cret@MyDSN", "no user name"),
        ("pipedrive://@MyDSN?dsn=Other", "name one"),
        ("pipedrive:///?Timeout=1&Timeout=2", "given 2 times"),
    ],
)
def test_urls_the_dialect_cannot_read_say_why(url: str, message: str) -> None:
    with pytest.raises(exc.ArgumentError, match=message) as raised:
        connect_args(url)
    assert "s3cret" not in str(raised.value)


def test_a_token_given_as_password_is_hidden_in_the_engine_repr() -> None:
    engine = create_engine("pipedrive://:s3cret@MyDSN")
    assert "s3cret" not in repr(engine)
    assert "s3cret" not in repr(engine.url)


def test_the_registry_resolves_pipedrive_urls_to_the_dialect() -> None:
    engine = create_engine("pipedrive:///?Sandbox=true")
    assert isinstance(engine.dialect, PipedriveDialect)
    assert engine.dialect.name == "pipedrive"
    assert engine.dialect.driver == "pipedrive_sql"
    assert engine.dialect.loaded_dbapi is pipedrive_sql
    assert engine.dialect.paramstyle == "qmark" == pipedrive_sql.paramstyle
    assert engine.dialect.positional
    assert engine.dialect.supports_statement_cache


def test_the_entry_point_is_declared_once_installed() -> None:
    found = [
        ep for ep in importlib.metadata.entry_points(group="sqlalchemy.dialects") if ep.name == "pipedrive"
    ]
    if not found:
        pytest.skip("pyproject.toml does not declare the sqlalchemy.dialects entry point yet")
    assert found[0].value == "pipedrive_sql.sqlalchemy:PipedriveDialect"
    assert found[0].load() is PipedriveDialect


def test_query_string_properties_reach_the_sandbox(engine: Any, sandbox: Any) -> None:
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert isinstance(raw, pipedrive_sql.Connection)
        assert raw.settings["Pagesize"] == 50
        assert connection.scalar(text('SELECT count(*) FROM "Deals"')) > 0


def test_a_missing_token_is_the_driver_s_error_wrapped(sandbox: Any) -> None:
    engine = create_engine(URL.create("pipedrive", query={"CompanyDomain": "acme"}))
    with pytest.raises(exc.InterfaceError, match="APIToken is missing") as raised:
        engine.connect()
    assert isinstance(raised.value.orig, pipedrive_sql.InterfaceError)


@pytest.fixture
def dsn_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    user = tmp_path / "dsn.ini"
    monkeypatch.setenv(dsn.USER_FILE_ENV, str(user))
    monkeypatch.setenv(dsn.SYSTEM_FILE_ENV, str(tmp_path / "system-dsn.ini"))
    monkeypatch.setenv(dsn.KEYRING_ENV, "0")  # never touch a real keyring from tests
    return user


@pytest.mark.parametrize("form", ["host", "query"])
def test_a_data_source_connects(dsn_files: Path, sandbox: Any, form: str) -> None:
    dsn.save_dsn("SalesSandbox", {"BaseURL": sandbox.url, "APIToken": sandbox.api_token})
    url = "pipedrive://@SalesSandbox" if form == "host" else "pipedrive:///?dsn=SalesSandbox"
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            assert connection.connection.dbapi_connection.dsn_name == "SalesSandbox"
            title = connection.scalar(text('SELECT "Title" FROM "Deals" WHERE "Id" = :id'), {"id": 1})
            assert isinstance(title, str) and title
    finally:
        engine.dispose()


def test_properties_in_the_url_override_the_data_source(dsn_files: Path, sandbox: Any) -> None:
    dsn.save_dsn("Wrong", {"BaseURL": sandbox.url, "APIToken": "not-a-token"})
    engine = create_engine(f"pipedrive://:{sandbox.api_token}@Wrong?MaxRows=3")
    try:
        with engine.connect() as connection:
            assert len(connection.execute(text('SELECT "Id" FROM "Deals"')).all()) == 3
    finally:
        engine.dispose()


def test_an_unknown_data_source_is_named(dsn_files: Path) -> None:
    with pytest.raises(exc.DBAPIError, match="Nowhere"):
        create_engine("pipedrive://@Nowhere").connect()


def test_the_embedded_sandbox_url() -> None:
    engine = create_engine("pipedrive:///?Sandbox=true&SandboxScale=20")
    try:
        with engine.connect() as connection:
            raw = connection.connection.dbapi_connection
            assert raw.sandbox is not None
            deals = connection.execute(text('SELECT "Id", "Title" FROM "Deals" LIMIT 5')).all()
            assert len(deals) == 5
            assert connection.scalar(select(text("count(*)")).select_from(text('"Stages"'))) > 0
    finally:
        engine.dispose()
