"""The shell keeps statements that carry secrets out of its history file (``cli/shell.py``: holds_secret)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from tests.cli.helpers import Terminal

from pipedrive_sandbox.server import Sandbox
from pipedrive_sql.cli.shell import holds_secret

SECRET = "refresh-7d1c0ffee"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"EXEC RefreshOAuthAccessToken OAuthRefreshToken='{SECRET}';", True),
        (f"EXEC GetOAuthAccessToken AuthMode='WEB', Verifier='{SECRET}';", True),
        (f"exec getoauthaccesstoken verifier = '{SECRET}'", True),
        (f".open APIToken={SECRET};CompanyDomain=acme", True),
        (f"\\c AuthScheme=OAuth;OAuthClientSecret={SECRET}", True),
        (f"SELECT 1 WHERE 'ProxyPassword={SECRET}' <> ''", True),
        ("SELECT Title FROM Deals WHERE Value > 1000;", False),
        ("EXEC GetOAuthAuthorizationURL CallbackURL='http://localhost:33333';", False),
        ("SELECT * FROM sys_procedureparameters WHERE ParameterName = 'Verifier';", False),
        ("SELECT * FROM Currencies WHERE Code = 'EUR';", False),
    ],
)
def test_holds_secret(text: str, secret: bool) -> None:
    assert holds_secret(text) is secret


def test_the_history_file_keeps_no_secret(
    terminal: Callable[..., Terminal], sandbox: Sandbox, env: dict[str, str]
) -> None:
    term = terminal("shell", "-c", f"BaseURL={sandbox.url};APIToken={sandbox.api_token}")
    term.expect(r"pipedrive>")
    term.send(f"EXEC RefreshOAuthAccessToken OAuthRefreshToken='{SECRET}';\r")
    term.expect(r"Error")
    term.expect(r"pipedrive>")
    term.send("SELECT 40 + 2 AS answer;\r")
    term.expect(r"│ +42 │")
    term.send(".quit\r")
    assert term.wait() == 0
    history = Path(env["PIPEDRIVE_SQL_HISTORY_FILE"]).read_text()
    assert "SELECT 40 + 2 AS answer;" in history
    assert SECRET not in history and "RefreshOAuthAccessToken" not in history
    assert sandbox.api_token not in history
