"""The server against hostile clients: the startup deadline, message caps, connection limits, TLS
versions, timeouts after login, throttled failed logins, and errors without Python internals.

Real clients (psql, psycopg) next to raw sockets playing the attacker; nothing here asserts a time.
"""

from __future__ import annotations

import socket
import ssl
import struct
import threading
import warnings
from pathlib import Path
from typing import Any

import pytest

from pipedrive_sql.server import Server, ServerConfig, protocol
from pipedrive_sql.server import errors as pgerr
from pipedrive_sql.server.config import ServerConfigError, duration_ms, options_settings

from .conftest import require, run
from .duckdb_backend import DuckDBBackend
from .hostile import (
    PASSWORD,
    dsn,
    message_of,
    poll,
    read_message,
    rss_bytes,
    running,
    sqlstate,
    startup_packet,
    until_closed,
    users_file,
    watching,
)

psycopg = pytest.importorskip("psycopg", reason="psycopg 3 is not installed (pip install 'psycopg[binary]')")


def psql_select_1(server: Server, user: str = "alice", password: str = PASSWORD) -> Any:
    host, port = server.address
    env = {"PGPASSWORD": password, "PGCONNECT_TIMEOUT": "20", "PGSSLMODE": "prefer"}
    return run(
        [
            require("psql"),
            "-X",
            "-A",
            "-t",
            "-h",
            host,
            "-p",
            str(port),
            "-U",
            user,
            "-d",
            "crm",
            "-c",
            "SELECT 1",
        ],
        env=env,
    )


# --------------------------------------------------------------------------------- before authentication


def test_a_slow_drip_client_is_cut_at_the_startup_deadline_while_psql_connects(tmp_path: Path) -> None:
    with watching() as trouble, running(tmp_path, startup_timeout=3.0) as server:
        # a startup packet that would take minutes at one byte per 20 ms: only the total deadline ends it
        packet = startup_packet(application_name="x" * 5000)
        sent = 0
        cut = threading.Event()

        def drip() -> None:
            nonlocal sent
            sock = socket.create_connection(server.address, timeout=30)
            try:
                for byte in packet:
                    sock.sendall(bytes([byte]))
                    sent += 1
                    # the server closing shows as EOF (or a reset) on a non-blocking peek
                    sock.setblocking(False)
                    try:
                        if sock.recv(1, socket.MSG_PEEK) == b"":
                            break
                    except BlockingIOError:
                        pass
                    finally:
                        sock.setblocking(True)
                    cut.wait(0.02)
            except OSError:
                pass
            finally:
                cut.set()
                sock.close()

        dripper = threading.Thread(target=drip)
        dripper.start()
        result = psql_select_1(server)  # in parallel with the drip
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "1"
        dripper.join(timeout=60)
        assert cut.is_set()
        assert sent < len(packet), "the drip client finished its startup packet: no deadline cut it"
    assert trouble.thread_errors == [] and trouble.errors == []


def test_a_stalled_tls_handshake_is_cut_at_the_startup_deadline(
    tmp_path: Path, tls_files: tuple[Path, Path]
) -> None:
    cert, key = tls_files
    with watching() as trouble, running(tmp_path, tls_cert=cert, tls_key=key, startup_timeout=1.0) as server:
        sock = socket.create_connection(server.address, timeout=30)
        sock.sendall(struct.pack("!ii", 8, protocol.SSL_REQUEST))
        assert sock.recv(1) == b"S"
        sock.sendall(b"\x16\x03\x01\x02\x00\x01")  # the start of a ClientHello, then silence
        assert poll(lambda: server.starting_up() == 0, timeout=30)  # dropped at the deadline
        assert until_closed(sock) == []  # nothing in the clear inside a TLS handshake
        sock.close()
        with psycopg.connect(dsn(server, sslmode="require")) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    assert trouble.thread_errors == [] and trouble.errors == []


def test_a_300_mb_length_prefix_closes_the_connection_without_allocating(tmp_path: Path) -> None:
    with watching() as trouble, running(tmp_path) as server:
        before = rss_bytes()
        for prefix in (
            struct.pack("!i", 300 * 1024 * 1024),  # as the startup packet's length
            struct.pack("!ii", 8, protocol.GSSENC_REQUEST) + struct.pack("!i", 300 * 1024 * 1024),
        ):
            sock = socket.create_connection(server.address, timeout=20)
            sock.sendall(prefix)
            # keep pushing data: a server that buffered it would grow; this one has closed already
            chunk = b"\0" * (1024 * 1024)
            pushed = 0
            try:
                for _ in range(64):
                    sock.sendall(chunk)
                    pushed += len(chunk)
            except OSError:
                pass
            messages = until_closed(sock)
            sock.close()
            assert [sqlstate(body) for kind, body in messages if kind == b"E"] in (
                [pgerr.PROTOCOL_VIOLATION],
                [],
            )
            assert pushed < 64 * 1024 * 1024, "the server kept reading a message it should have refused"
        # a password message announcing 300 MB (or 200 MB), after a valid startup packet, then the data
        for announced in (300, 200):
            sock = socket.create_connection(server.address, timeout=20)
            sock.sendall(startup_packet())
            first = read_message(sock)
            assert first is not None and first[0] == b"R"  # the SASL request
            sock.sendall(b"p" + struct.pack("!i", announced * 1024 * 1024) + b"x" * 4096)
            pushed = 0
            try:
                for _ in range(32):
                    sock.sendall(chunk)
                    pushed += len(chunk)
            except OSError:
                pass
            messages = until_closed(sock)
            sock.close()
            assert pushed < 32 * 1024 * 1024, "the server kept reading a message it should have refused"
            assert [sqlstate(body) for kind, body in messages] in ([pgerr.PROTOCOL_VIOLATION], [])
            assert all("invalid length" in message_of(body) for _, body in messages)
        assert rss_bytes() - before < 48 * 1024 * 1024
        # and the server still serves
        with psycopg.connect(dsn(server)) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    assert trouble.thread_errors == [] and trouble.errors == []


def test_65_idle_pre_authentication_sockets_do_not_stop_an_authenticated_client(tmp_path: Path) -> None:
    with watching() as trouble, running(tmp_path, startup_timeout=120, max_connections=64) as server:
        idle = []
        try:
            for i in range(65):
                sock = socket.create_connection(server.address, timeout=20)
                if i % 2:
                    sock.sendall(startup_packet()[:7])  # half a startup packet, then nothing
                idle.append(sock)
            assert poll(lambda: server.starting_up() == 65)
            with psycopg.connect(dsn(server)) as conn:
                assert conn.execute('SELECT count(*) FROM "Deals"').fetchone() == (1000,)
            result = psql_select_1(server, user="bob")
            assert result.returncode == 0, result.stderr
            assert server.starting_up() == 65  # they are still there, holding no session slot
        finally:
            for sock in idle:
                sock.close()
    assert trouble.thread_errors == [] and trouble.errors == []


def test_a_client_over_the_connection_limit_gets_53300_before_authenticating(tmp_path: Path) -> None:
    with running(tmp_path, max_connections=1) as server:
        with psycopg.connect(dsn(server)) as conn:
            conn.execute("SELECT 1")
            sock = socket.create_connection(server.address, timeout=20)
            sock.sendall(startup_packet())
            messages = until_closed(sock)  # no password asked: the error comes at once
            sock.close()
            assert [(kind, sqlstate(body)) for kind, body in messages] == [(b"E", pgerr.TOO_MANY_CONNECTIONS)]
            with pytest.raises(psycopg.OperationalError, match="too many clients"):
                psycopg.connect(dsn(server, user="bob"))
        assert poll(lambda: not server.at_capacity())  # the session ends once its Terminate is read
        with psycopg.connect(dsn(server, user="bob")) as conn:  # the slot is free again
            assert conn.execute("SELECT 1").fetchone() == (1,)


def test_a_cancel_request_is_served_when_the_server_is_full(tmp_path: Path) -> None:
    slow = "SELECT count(*) FROM range(100000000000) a(i) WHERE i % 7 = 3"
    with (
        running(tmp_path, max_connections=1) as server,
        psycopg.connect(dsn(server), autocommit=True) as conn,
    ):
        outcome: list[BaseException] = []

        def run_slow() -> None:
            try:
                conn.execute(slow)
            except BaseException as exc:
                outcome.append(exc)

        worker = threading.Thread(target=run_slow)
        worker.start()
        assert poll(lambda: any(s._interrupt is not None for s in list(server._sessions.values())))
        conn.cancel_safe()  # a new connection carrying the cancel key, while no slot is free
        worker.join(timeout=60)
        assert len(outcome) == 1 and isinstance(outcome[0], psycopg.errors.QueryCanceled)
        assert "user request" in str(outcome[0])


def test_per_user_connection_limits(tmp_path: Path) -> None:
    users = users_file(tmp_path, bob=1)
    with (
        running(tmp_path, users_file=users, max_connections_per_user=2) as server,
        psycopg.connect(dsn(server, user="bob")),
    ):
        with pytest.raises(psycopg.OperationalError, match='too many connections for role "bob"'):
            psycopg.connect(dsn(server, user="bob"))
        with (
            psycopg.connect(dsn(server)),
            psycopg.connect(dsn(server)),
            pytest.raises(psycopg.OperationalError, match='too many connections for role "alice"'),
        ):
            psycopg.connect(dsn(server))


def test_a_removed_user_is_ended_at_its_next_statement_and_cannot_log_in(tmp_path: Path) -> None:
    with running(tmp_path) as server:
        bob = psycopg.connect(dsn(server, user="bob"), autocommit=True)
        alice = psycopg.connect(dsn(server, user="alice"), autocommit=True)
        try:
            assert bob.execute("SELECT 1").fetchone() == (1,)
            assert server.users is not None and server.users.remove("bob")  # `serve user remove bob`
            with pytest.raises(psycopg.OperationalError) as ended:
                bob.execute("SELECT 1")
            assert "removed" in str(ended.value)
            assert poll(lambda: server.connection_count() == 1)
            with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
                psycopg.connect(dsn(server, user="bob"))
            assert alice.execute("SELECT 2").fetchone() == (2,)  # the others go on
        finally:
            bob.close()
            alice.close()


def test_serve_without_users_refuses_to_start(tmp_path: Path, tls_files: tuple[Path, Path]) -> None:
    empty = tmp_path / "nobody.json"
    with pytest.raises(ServerConfigError, match="serve user add"):
        Server(DuckDBBackend(), ServerConfig(port=0, users_file=empty))
    with pytest.raises(ServerConfigError, match="serve user add"):
        Server(DuckDBBackend())  # the default is SCRAM: no users file, no server
    with pytest.raises(ServerConfigError, match="without authentication"):
        cert, key = tls_files
        Server(
            DuckDBBackend(), ServerConfig(host="0.0.0.0", port=0, auth="trust", tls_cert=cert, tls_key=key)
        )


def _tls_client(server: Server, context: ssl.SSLContext) -> ssl.SSLSocket:
    sock = socket.create_connection(server.address, timeout=20)
    sock.sendall(struct.pack("!ii", 8, protocol.SSL_REQUEST))
    assert sock.recv(1) == b"S"
    return context.wrap_socket(sock, server_hostname="localhost")


def _old_tls_context(version: ssl.TLSVersion) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.1 is deprecated: that is the point
        context.minimum_version = version
        context.maximum_version = version
    return context


def _can_speak(version: ssl.TLSVersion, tls_files: tuple[Path, Path]) -> bool:
    """Whether this machine's OpenSSL can do `version` at all (against a server that allows it)."""
    cert, key = tls_files
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.set_ciphers("DEFAULT:@SECLEVEL=0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            server_context.minimum_version = ssl.TLSVersion.TLSv1
        except (ValueError, ssl.SSLError):
            return False
    server_context.load_cert_chain(str(cert), str(key))
    listener = socket.create_server(("127.0.0.1", 0))
    outcome: list[bool] = []

    def serve() -> None:
        conn, _ = listener.accept()
        try:
            server_context.wrap_socket(conn, server_side=True).close()
            outcome.append(True)
        except (ssl.SSLError, OSError):
            outcome.append(False)

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        with _old_tls_context(version).wrap_socket(socket.create_connection(listener.getsockname())):
            pass
    except (ssl.SSLError, OSError, ValueError):
        pass
    thread.join(timeout=20)
    listener.close()
    return outcome == [True]


def test_tls_1_1_is_refused_and_1_2_accepted(tmp_path: Path, tls_files: tuple[Path, Path]) -> None:
    cert, key = tls_files
    with running(tmp_path, tls_cert=cert, tls_key=key, require_tls=True) as server:
        if _can_speak(ssl.TLSVersion.TLSv1_1, tls_files):
            with pytest.raises(ssl.SSLError):
                _tls_client(server, _old_tls_context(ssl.TLSVersion.TLSv1_1))
        tls12 = _tls_client(server, _old_tls_context(ssl.TLSVersion.TLSv1_2))
        assert tls12.version() == "TLSv1.2"
        tls12.sendall(startup_packet())
        message = read_message(tls12)
        assert message is not None and message[0] == b"R"
        tls12.close()
        # libpq over TLS, as BI tools do
        with psycopg.connect(dsn(server, sslmode="require")) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        with pytest.raises(psycopg.OperationalError, match="without TLS"):
            psycopg.connect(dsn(server))


def test_a_client_asking_for_a_newer_protocol_is_offered_3_0(tmp_path: Path) -> None:
    if psycopg.pq.version() < 180000:
        pytest.skip("libpq before 18 cannot ask for protocol 3.2")
    with running(tmp_path) as server, psycopg.connect(dsn(server, max_protocol_version="3.2")) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
        assert conn.info.pgconn.protocol_version == 3


def test_unencrypted_bytes_after_the_ssl_request_are_refused(
    tmp_path: Path, tls_files: tuple[Path, Path]
) -> None:
    cert, key = tls_files
    with running(tmp_path, tls_cert=cert, tls_key=key) as server:
        sock = socket.create_connection(server.address, timeout=20)
        sock.sendall(struct.pack("!ii", 8, protocol.SSL_REQUEST) + startup_packet())
        messages = until_closed(sock)
        sock.close()
        # either refused outright, or (if the server answered before the rest arrived) a TLS failure
        assert messages == [] or sqlstate(messages[0][1]) == pgerr.PROTOCOL_VIOLATION


# --------------------------------------------------------------------------------- after authentication


def test_statement_timeout_cancels_with_57014(tmp_path: Path) -> None:
    slow = "SELECT count(*) FROM range(100000000000) a(i) WHERE i % 7 = 3"
    with running(tmp_path) as server:
        with psycopg.connect(dsn(server), autocommit=True) as conn:
            conn.execute("SET statement_timeout = '200ms'")
            with pytest.raises(psycopg.errors.QueryCanceled, match="statement timeout"):
                conn.execute(slow)
            assert conn.execute("SELECT 1").fetchone() == (1,)  # the session goes on
            conn.execute("SET statement_timeout = 0")
            assert conn.execute("SHOW statement_timeout").fetchone() == ("0",)
        # from the startup packet's options, as libpq's PGOPTIONS sends it
        with psycopg.connect(dsn(server, options="-c statement_timeout=150"), autocommit=True) as conn:
            assert conn.execute("SHOW statement_timeout").fetchone() == ("150",)
            with pytest.raises(psycopg.errors.QueryCanceled, match="statement timeout"):
                conn.execute(slow)
    # the server's own default
    with (
        running(tmp_path, statement_timeout=0.2) as server,
        psycopg.connect(dsn(server), autocommit=True) as conn,
        pytest.raises(psycopg.errors.QueryCanceled),
    ):
        conn.execute(slow)


def test_idle_sessions_are_closed_after_the_idle_timeout(tmp_path: Path) -> None:
    with running(tmp_path, idle_session_timeout=0.3, auth="md5") as server:
        sock = socket.create_connection(server.address, timeout=30)
        sock.sendall(startup_packet())
        kind, body = read_message(sock) or (b"", b"")
        assert (kind, body[:4]) == (b"R", protocol.int32(5))
        import hashlib

        inner = hashlib.md5((PASSWORD + "alice").encode()).hexdigest()
        answer = ("md5" + hashlib.md5(inner.encode() + body[4:8]).hexdigest()).encode() + b"\0"
        sock.sendall(b"p" + protocol.int32(len(answer) + 4) + answer)
        messages = until_closed(sock)  # in, then nothing sent: the server ends the session
        sock.close()
        assert messages[0] == (b"R", protocol.int32(0))
        assert (messages[-1][0], sqlstate(messages[-1][1])) == (b"E", pgerr.IDLE_SESSION_TIMEOUT)


def test_messages_over_the_cap_after_login_close_the_session(tmp_path: Path) -> None:
    with watching() as trouble, running(tmp_path, max_message_size=4096) as server:
        with psycopg.connect(dsn(server), autocommit=True) as conn:
            assert conn.execute("SELECT %s::text", ["x" * 1000]).fetchone() == ("x" * 1000,)
            with pytest.raises(psycopg.OperationalError):
                conn.execute("SELECT %s::text", ["x" * 10_000])
        with psycopg.connect(dsn(server)) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    assert trouble.thread_errors == [] and trouble.errors == []


def test_failed_logins_are_logged_without_passwords_and_slowed_down(tmp_path: Path) -> None:
    with watching() as trouble, running(tmp_path, failed_login_delay=0.05) as server:
        for attempt in range(3):
            with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
                psycopg.connect(dsn(server, password=f"guess-{attempt}"))
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(dsn(server, user="mallory", password="guess-x"))
        failures = [w for w in trouble.warnings if "authentication failed" in w]
        assert len(failures) == 4
        assert "'alice'" in failures[0] and "1 failure in a row" in failures[0]
        assert "3 failures in a row" in failures[2] and "next attempt in 0.2 s" in failures[2]
        assert not any("guess" in w for w in trouble.warnings + trouble.errors)
        # attempts in parallel from that address take turns: each booked turn pushes the next one
        server.throttle.reserve("alice", "127.0.0.1")
        assert server.throttle.reserve("alice", "127.0.0.1") > 0
        # a success clears the slate
        with psycopg.connect(dsn(server)) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        assert server.throttle.reserve("alice", "127.0.0.1") == 0


class _BrokenBackend(DuckDBBackend):
    """Raises what a bug in the driver would: Python exceptions with internals in their text."""

    def connect(self, database: str) -> Any:
        inner = super().connect(database)
        return _BrokenConnection(inner)


class _BrokenConnection:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def cursor(self) -> Any:
        return _BrokenCursor(self.inner.cursor())

    def close(self) -> None:
        self.inner.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class _BrokenCursor:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def execute(self, sql: str, params: Any = None) -> Any:
        if "bug" in sql:
            raise KeyError("/home/secret/internals.py line 42")
        if "deep" in sql:
            raise RecursionError("maximum recursion depth exceeded while calling a Python object")
        return self.inner.execute(sql, params) if params else self.inner.execute(sql)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_internal_errors_reach_clients_as_an_incident_id_only(tmp_path: Path) -> None:
    with (
        watching() as trouble,
        running(tmp_path, backend=_BrokenBackend()) as server,
        psycopg.connect(dsn(server), autocommit=True) as conn,
    ):
        with pytest.raises(psycopg.errors.InternalError_) as raised:
            conn.execute('SELECT "bug" FROM "Deals"')
        text = str(raised.value)
        assert "KeyError" not in text and "secret" not in text and "internals" not in text
        incident = text.split("internal error ")[1].split(":")[0]
        assert len(incident) == 8
        assert any(incident in line for line in trouble.errors)  # the log has the details
        with pytest.raises(psycopg.errors.StatementTooComplex):
            conn.execute('SELECT "deep" FROM "Deals"')
        assert conn.execute('SELECT count(*) FROM "Deals"').fetchone() == (1000,)
    assert trouble.thread_errors == []


@pytest.mark.parametrize(
    ("exception", "sqlstate_class"),
    [
        (RecursionError("maximum recursion depth exceeded"), "54"),
        (MemoryError(), "53"),
        (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), "22"),
        (ValueError("invalid literal for int() with base 10: 'x'"), "XX"),
        (AttributeError("'NoneType' object has no attribute 'fetch'"), "XX"),
    ],
)
def test_python_exceptions_map_to_sqlstates_without_their_text(
    exception: BaseException, sqlstate_class: str
) -> None:
    error = pgerr.from_exception(exception)
    assert error.sqlstate.startswith(sqlstate_class)
    assert str(exception) not in error.message or not str(exception)


def test_driver_exceptions_keep_their_message_and_class() -> None:
    from pipedrive_sql import errors

    assert pgerr.from_exception(errors.ProgrammingError("column Foo not found in Deals")).sqlstate == "42703"
    assert pgerr.from_exception(errors.NotFoundError("table Nope does not exist")).sqlstate == "42P01"
    assert pgerr.from_exception(errors.RateLimited("over the limit")).sqlstate == "53400"
    assert pgerr.from_exception(errors.AuthenticationError("token revoked")).message == "token revoked"


def test_time_settings_and_startup_options_parse_as_postgresql_does() -> None:
    assert duration_ms("5000") == 5000
    assert duration_ms("'2s'") == 2000
    assert duration_ms("1.5min") == 90_000
    assert duration_ms("0") == 0
    with pytest.raises(ValueError):
        duration_ms("soon")
    assert options_settings(r"-c statement_timeout=5s --search_path=public -c application_name=a\ b") == {
        "statement_timeout": "5s",
        "search_path": "public",
        "application_name": "a b",
    }


def test_unknown_users_get_a_stable_made_up_salt_without_key_derivation() -> None:
    from pipedrive_sql.server import auth

    first = auth.ScramExchange(None, "mallory").server_first_message("n,,n=,r=abc")
    again = auth.ScramExchange(None, "mallory").server_first_message("n,,n=,r=abc")
    other = auth.ScramExchange(None, "trudy").server_first_message("n,,n=,r=abc")

    def salt(message: str) -> str:
        return message.split(",s=")[1].split(",")[0]

    assert salt(first) == salt(again) != salt(other)
    exchange = auth.ScramExchange(None, "mallory")
    exchange.server_first_message("n,,n=,r=abc")
    with pytest.raises(auth.AuthFailed):
        exchange.server_final_message(f"c=biws,r={exchange.nonce},p=AAAA")


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"startup_timeout": 0}, "startup timeout"),
        ({"max_connections": 0}, "max_connections"),
        ({"max_connections_per_user": 0}, "max_connections_per_user"),
        ({"max_message_size": 0}, "max_message_size"),
        ({"statement_timeout": -1}, "statement_timeout"),
        ({"auth": "password"}, "unknown auth method"),
    ],
)
def test_bad_limits_are_refused_before_listening(
    tmp_path: Path, change: dict[str, Any], complaint: str
) -> None:
    config = ServerConfig(port=0, users_file=users_file(tmp_path), **change)
    with pytest.raises(ServerConfigError, match=complaint):
        Server(DuckDBBackend(), config)
