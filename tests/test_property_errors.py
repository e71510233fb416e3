"""Bad connection properties are reported in our words (the property, what it accepts), never as a raw
ValueError, OSError or httpx error; the Logfile is private (0600) and holds rows only at Verbosity 5."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

import pipedrive_sql
from pipedrive_sql import errors

BASE = "APIToken=abcdef123456;CompanyDomain=acme"


@pytest.mark.parametrize(
    ("connection_string", "prop"),
    [
        ("APIToken=ab\x00cd;CompanyDomain=acme", "APIToken"),
        ("APIToken=abcdef;CompanyDomain=ac\x00me", "CompanyDomain"),
        (f"{BASE};ProxyServer=http://[::1", "ProxyServer"),
        (f"{BASE};ProxyServer=a b", "ProxyServer"),
        (f"{BASE};ProxyServer=\x00", "ProxyServer"),
        (f"{BASE};ProxyServer=ftp://proxy", "ProxyServer"),
        (f"{BASE};ProxyServer=proxy:99999", "ProxyServer"),
        # host names Python's idna codec takes and the HTTP client's IDNA 2008 refuses (bench/fuzz.py)
        (f"{BASE};ProxyServer=x\ufeff", "ProxyServer"),
        (f"{BASE};ProxyServer=\u2a9fx", "ProxyServer"),
        ("APIToken=abcdef;BaseURL=http://x\ufeff", "BaseURL"),
        (f"{BASE};ProxyUser=a\x00", "ProxyUser"),
        ("APIToken=abcdef;BaseURL=http://[", "BaseURL"),
        ("APIToken=abcdef;BaseURL=not a url", "BaseURL"),
        ("APIToken=abcdef;BaseURL=ftp://example.com", "BaseURL"),
        ("APIToken=abcdef;BaseURL=http://example.com:99999", "BaseURL"),
        ("APIToken=abcdef;BaseURL=http://\x00x", "BaseURL"),
        ("APIToken=abcdef;BaseURL=https://x.example/?a=1", "BaseURL"),
        (f"{BASE};OAuthServerURL=http://[", "OAuthServerURL"),
        (f"{BASE};Logfile={'a' * 5000}", "Logfile"),
        (f"{BASE};Logfile=/tmp/{'b' * 300}.log", "Logfile"),
        (f"{BASE};Logfile=/tmp/a\x00b", "Logfile"),
        (f"{BASE};Logfile=/proc/no-such-folder/x.log", "Logfile"),
        (f"{BASE};Logfile=/", "Logfile"),
        (f"{BASE};OAuthSettingsLocation={'c' * 5000}", "OAuthSettingsLocation"),
        (f"{BASE};SSLServerCert=/no/such/ca.pem", "SSLServerCert"),
        (f"{BASE};Verbosity=9", "Verbosity"),
        (f"{BASE};Timeout=soon", "Timeout"),
        (f"{BASE};MaxRows=99999999999999999999", "MaxRows"),
        (f"{BASE};SandboxSeed=-99999999999999999999", "SandboxSeed"),
    ],
)
def test_a_bad_property_is_named_with_what_it_accepts(connection_string: str, prop: str) -> None:
    with pytest.raises(errors.InterfaceError) as info:
        pipedrive_sql.connect(connection_string).close()
    message = str(info.value)
    assert prop in message, message
    assert getattr(info.value, "property", prop) == prop
    assert "abcdef123456" not in message


def test_good_values_still_pass() -> None:
    from pipedrive_sql.settings import build_settings

    settings = build_settings(
        {
            "BaseURL": "http://127.0.0.1:8765",
            "ProxyServer": "[::1]",
            "OAuthServerURL": "https://oauth.pipedrive.com",
            "OAuthSettingsLocation": "memory://x",
            "SSLServerCert": "*",
            "Logfile": "~/pipedrive.log",
        }
    )
    assert settings["ProxyServer"] == "[::1]"
    for proxy in (
        "proxy.local",
        "10.0.0.1",
        "https://proxy.local:8443",
        "http://proxy:3128/",
        "bücher.example",
    ):
        assert build_settings({"ProxyServer": proxy})["ProxyServer"] == proxy


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("verbosity", [1, 2, 3, 4, 5])
def test_the_logfile_is_private_and_holds_rows_only_at_verbosity_5(
    sandbox: Any, tmp_path: Path, verbosity: int
) -> None:
    logfile = tmp_path / f"v{verbosity}" / "driver.log"
    old = os.umask(0o022)
    try:
        conn = pipedrive_sql.connect(
            BaseURL=sandbox.url, APIToken=sandbox.api_token, Logfile=str(logfile), Verbosity=verbosity
        )
    finally:
        os.umask(old)
    try:
        cursor = conn.cursor()
        cursor.execute("SELECT Title FROM Deals ORDER BY Id LIMIT 3")
        titles = [row[0] for row in cursor.fetchall()]
        with pytest.raises(errors.Error):
            cursor.execute("SELECT * FROM Deals WHERE Id = 'x'")  # an error line at every Verbosity
    finally:
        conn.close()
    assert _mode(logfile) == 0o600
    assert _mode(logfile.parent) & 0o077 == 0
    text = logfile.read_text()
    assert sandbox.api_token not in text
    rows_logged = any(title in text for title in titles)
    assert rows_logged == (verbosity == 5), text[:2000]


def test_an_existing_readable_logfile_is_made_private(sandbox: Any, tmp_path: Path) -> None:
    logfile = tmp_path / "old.log"
    logfile.write_text("older lines\n")
    logfile.chmod(0o644)
    conn = pipedrive_sql.connect(
        BaseURL=sandbox.url, APIToken=sandbox.api_token, Logfile=str(logfile), Verbosity=2
    )
    try:
        conn.cursor().execute("SELECT Id FROM Stages LIMIT 1").fetchall()
    finally:
        conn.close()
    assert _mode(logfile) == 0o600
    assert logfile.read_text().startswith("older lines\n")
