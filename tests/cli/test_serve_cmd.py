"""``pipedrive-sql serve``, ``serve user add|remove|list`` and ``odbc dsn add``, run as the user runs them."""

from __future__ import annotations

import configparser
import queue
import re
import signal
import stat
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.cli.helpers import COMMAND, Terminal
from tests.shared_helpers import self_signed_cert

CLI = Callable[..., subprocess.CompletedProcess[str]]
PASSWORD = "tr0ub4dor & 3"


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one line an error prints (no traceback, no usage text)."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), result.stderr
    return lines[0]


# --------------------------------------------------------------------------------------------- users


def test_user_add_list_remove(cli: CLI, tmp_path: Path) -> None:
    users = tmp_path / "users.json"
    added = cli("serve", "user", "add", "alice", "--users-file", str(users), input=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert "Added user 'alice'" in added.stderr and str(users) in added.stderr
    # --users-file may also come before the subcommand; --md5 adds the verifier for old clients
    bob = cli("serve", "--users-file", str(users), "user", "add", "bob", "--md5", "--password", "pw-b0b")
    assert bob.returncode == 0, bob.stderr
    assert "MD5" in bob.stderr

    text = users.read_text()
    assert PASSWORD not in text and "pw-b0b" not in text  # verifiers only
    assert stat.S_IMODE(users.stat().st_mode) == 0o600
    assert "md5" not in text.split('"bob"')[0]  # alice has no MD5 verifier, bob has one
    assert '"md5"' in text.split('"bob"')[1]
    for result in (added, bob):
        assert PASSWORD not in result.stdout + result.stderr and "pw-b0b" not in result.stderr

    listed = cli("serve", "user", "list", "--users-file", str(users))
    assert (listed.returncode, listed.stdout) == (0, "alice\nbob\n")

    again = cli("serve", "user", "add", "alice", "--users-file", str(users), input="new password\n")
    assert again.returncode == 0 and "Changed the password of user 'alice'" in again.stderr

    removed = cli("serve", "user", "remove", "bob", "--users-file", str(users))
    assert removed.returncode == 0 and "Removed user 'bob'" in removed.stderr
    missing = cli("serve", "user", "remove", "carol", "--users-file", str(users))
    assert missing.returncode == 1
    assert "No user 'carol'" in error_line(missing)
    assert cli("serve", "user", "list", "--users-file", str(users)).stdout == "alice\n"


def test_user_add_refuses_an_empty_password_and_a_bad_name(cli: CLI, tmp_path: Path) -> None:
    users = tmp_path / "users.json"
    empty = cli("serve", "user", "add", "alice", "--users-file", str(users), input="\n")
    assert empty.returncode == 1
    assert "password must not be empty" in error_line(empty)
    bad = cli("serve", "user", "add", "a:b", "--users-file", str(users), "--password", "x")
    assert bad.returncode == 1
    assert "Invalid user name" in error_line(bad)
    assert not users.exists()


def test_user_add_asks_for_the_password_without_echo(
    terminal: Callable[..., Terminal], tmp_path: Path
) -> None:
    users = tmp_path / "users.json"
    term = terminal("serve", "user", "add", "alice", "--users-file", str(users))
    term.expect("Password for alice")
    term.wait_for_hidden_input()
    term.send(PASSWORD + "\r")
    term.expect("Again")
    term.wait_for_hidden_input()
    term.send(PASSWORD + "\r")
    assert term.wait() == 0, term.text
    assert "Added user 'alice'" in term.text
    assert PASSWORD not in term.text
    assert "alice" in users.read_text()


def test_server_options_do_not_go_with_user_commands(cli: CLI, tmp_path: Path) -> None:
    result = cli("serve", "--port", "5999", "user", "list", "--users-file", str(tmp_path / "u.json"))
    assert result.returncode == 2
    assert "'--port'" in result.stderr and "options of the server itself" in result.stderr


# --------------------------------------------------------------------------------------------- odbc


def test_odbc_dsn_add_writes_an_entry_for_psqlodbc(cli: CLI, tmp_path: Path) -> None:
    ini = tmp_path / "odbc.ini"
    first = cli("odbc", "dsn", "add", "crm", "--odbc-ini", str(ini))
    assert first.returncode == 0, first.stderr
    assert f"to {ini}" in first.stderr
    second = cli(
        "odbc", "dsn", "add", "sb", "--database", "sandbox", "--host", "bi.example.com", "--port", "5433",
        "--user", "alice", "--password", "s3cret", "--sslmode", "require", "--driver", "PostgreSQL ANSI",
        "--odbc-ini", str(ini),
    )  # fmt: skip
    assert second.returncode == 0, second.stderr
    assert "s3cret" not in second.stdout + second.stderr

    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(ini)
    crm, sb = parser["crm"], parser["sb"]
    assert (crm["Servername"], crm["Port"], crm["Database"], crm["SSLmode"]) == (
        "127.0.0.1", "54320", "crm", "prefer",
    )  # fmt: skip
    assert crm["Driver"] == "PostgreSQL Unicode" and "Password" not in crm
    assert (sb["Servername"], sb["Port"], sb["Database"], sb["SSLmode"], sb["Driver"]) == (
        "bi.example.com", "5433", "sandbox", "require", "PostgreSQL ANSI",
    )  # fmt: skip
    assert (sb["Username"], sb["Password"]) == ("alice", "s3cret")
    assert dict(parser["ODBC Data Sources"]) == {"crm": "PostgreSQL Unicode", "sb": "PostgreSQL ANSI"}
    assert stat.S_IMODE(ini.stat().st_mode) == 0o600  # it holds a password

    # another entry without a password leaves the file private: sb's password is still in it
    third = cli("odbc", "dsn", "add", "other", "--odbc-ini", str(ini))
    assert third.returncode == 0, third.stderr
    assert stat.S_IMODE(ini.stat().st_mode) == 0o600

    bad = cli("odbc", "dsn", "add", "x", "--sslmode", "sometimes", "--odbc-ini", str(ini))
    assert bad.returncode == 2 and "--sslmode" in bad.stderr


# --------------------------------------------------------------------------------------------- serve


def test_serve_needs_something_to_serve(cli: CLI) -> None:
    result = cli("serve", "--port", "0")
    assert result.returncode == 1
    assert "Nothing to serve" in error_line(result)


def test_serve_refuses_a_network_address_without_tls_and_users(cli: CLI, tmp_path: Path) -> None:
    no_tls = cli("serve", "--sandbox", "--host", "0.0.0.0", "--port", "0")
    assert no_tls.returncode == 1
    assert "Refusing to listen on 0.0.0.0 without TLS" in error_line(no_tls)

    cert, key = self_signed_cert(tmp_path)
    no_users = cli(
        "serve", "--sandbox", "--host", "0.0.0.0", "--port", "0", "--tls-cert", str(cert), "--tls-key", str(key),
        "--users-file", str(tmp_path / "nobody.json"),
    )  # fmt: skip
    assert no_users.returncode == 1
    assert "No users in" in error_line(no_users) and "serve user add" in no_users.stderr
    assert "--trust" not in no_users.stderr  # not offered where it is refused anyway
    trusting = cli(
        "serve", "--sandbox", "--host", "0.0.0.0", "--port", "0", "--tls-cert", str(cert), "--tls-key", str(key),
        "--trust",
    )  # fmt: skip
    assert trusting.returncode == 1
    assert "Refusing to listen on 0.0.0.0 without authentication" in error_line(trusting)
    assert "serve user add" in trusting.stderr

    half = cli("serve", "--sandbox", "--port", "0", "--tls-cert", str(cert))
    assert half.returncode == 1 and "--tls-key" in error_line(half)


def test_serve_without_users_refuses_to_start_and_says_how_to_add_one(cli: CLI, tmp_path: Path) -> None:
    result = cli("serve", "--sandbox", "--port", "0", "--users-file", str(tmp_path / "nobody.json"))
    assert result.returncode == 1
    line = error_line(result)
    assert "No users in" in line and "nobody could log in" in line
    assert "pipedrive-sql serve user add NAME" in line and "--trust" in line
    assert "Listening" not in result.stderr


@pytest.fixture
def server(env: dict[str, str]) -> Iterator[Callable[..., tuple[subprocess.Popen[str], int, list[str]]]]:
    started: list[subprocess.Popen[str]] = []

    def start(*args: str) -> tuple[subprocess.Popen[str], int, list[str]]:
        proc = subprocess.Popen(
            [*COMMAND, "serve", *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            # a shell without job control starts background jobs with SIGINT ignored: undo that
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        started.append(proc)
        lines: list[str] = []
        port = _wait_listening(proc, lines)
        return proc, port, lines

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _wait_listening(proc: subprocess.Popen[str], lines: list[str], timeout: float = 30) -> int:
    """Collect the server's stderr in `lines` (in the background) and return the port it announces."""
    assert proc.stderr is not None
    stream = proc.stderr
    found: queue.Queue[int | None] = queue.Queue()

    def read() -> None:
        for line in stream:
            lines.append(line)
            if match := re.search(r"^Listening on 127\.0\.0\.1:(\d+)", line):
                found.put(int(match.group(1)))
        found.put(None)

    threading.Thread(target=read, daemon=True).start()
    try:
        port = found.get(timeout=timeout)
    except queue.Empty:
        raise AssertionError(f"the server did not say it listens: {''.join(lines)}") from None
    assert port is not None, f"the server stopped: {''.join(lines)}"
    return port


def test_serve_sandbox_to_psycopg_with_scram_and_stop_on_ctrl_c(
    cli: CLI, server: Any, tmp_path: Path
) -> None:
    psycopg = pytest.importorskip("psycopg")
    users = tmp_path / "users.json"
    assert cli("serve", "user", "add", "alice", "--users-file", str(users), input=PASSWORD).returncode == 0

    proc, port, lines = server("--sandbox", "--port", "0", "--users-file", str(users))
    # users in the file: SCRAM without being asked
    assert "auth scram-sha-256" in "".join(lines)
    dsn = f"host=127.0.0.1 port={port} dbname=sandbox user=alice connect_timeout=10"
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(f"{dsn} password=wrong")
    with psycopg.connect(f"{dsn} password='{PASSWORD}'") as conn:
        (count,) = conn.execute("SELECT count(*) FROM Deals").fetchone() or (None,)
        assert isinstance(count, int) and count > 0
        (title,) = conn.execute('SELECT "Title" FROM "Deals" WHERE "Id" = %s', [1]).fetchone() or (None,)
        assert isinstance(title, str)

    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=15) == 0
    deadline = time.monotonic() + 5
    while not any("Server stopped." in line for line in lines) and time.monotonic() < deadline:
        time.sleep(0.05)
    log = "".join(lines)
    assert "Server stopped." in log
    assert "authentication failed for 'alice'" in log
    assert PASSWORD not in log and "Traceback" not in log


def test_serve_trust_is_explicit_loopback_only_and_warned(cli: CLI, server: Any, tmp_path: Path) -> None:
    psycopg = pytest.importorskip("psycopg")
    proc, port, lines = server(
        "--sandbox", "--port", "0", "--trust", "--users-file", str(tmp_path / "none.json")
    )
    text = "".join(lines)
    assert "auth trust" in text
    assert "Warning: No passwords (--trust)" in text
    # said once, for people: the server's own log lines saying the same are not repeated on stderr
    assert sum("anyone who can connect" in line for line in lines) == 1, text
    assert sum(f"127.0.0.1:{port}" in line for line in lines) == 2, text  # the warning and "Listening on"
    with psycopg.connect(f"host=127.0.0.1 port={port} dbname=sandbox user=anyone connect_timeout=10") as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=15) == 0
    both = cli("serve", "--sandbox", "--port", "0", "--trust", "--auth", "md5")
    assert both.returncode == 1 and "--trust" in error_line(both)


def test_serve_in_a_terminal_says_each_startup_line_once(
    terminal: Callable[..., Terminal], tmp_path: Path
) -> None:
    term = terminal(
        "serve", "--sandbox", "--port", "0", "--trust", "--users-file", str(tmp_path / "none.json")
    )
    term.expect(r"Ctrl-C stops the server\.")
    lines = [line for line in term.text.splitlines() if line.strip()]
    assert len(lines) == 3, lines  # no log line repeating them
    assert lines[0].startswith("Warning: No passwords (--trust)")
    assert lines[1].startswith("Listening on 127.0.0.1:")
    assert lines[2].startswith('Connect with psql "host=127.0.0.1 port=')
    term.send("\x03")
    assert term.wait() == 0
    assert "Server stopped." in term.text
