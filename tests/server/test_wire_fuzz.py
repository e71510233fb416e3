"""Wire-protocol fuzzing: random and mutated messages before and after authentication, lying lengths,
half-closed and dropped sockets. The server must never die, must keep serving other clients, and its
threads must raise nothing uncaught nor log an internal error.

Bounded for the suite; `PIPEDRIVE_SQL_FUZZ_EXAMPLES=5000 pytest tests/server/test_wire_fuzz.py` runs a
longer campaign.
"""

from __future__ import annotations

import os
import socket
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from pipedrive_sql.server import Server, ServerConfig, protocol  # noqa: E402

from .duckdb_backend import DuckDBBackend  # noqa: E402
from .hostile import Trouble, startup_packet, users_file, watching  # noqa: E402
from .wire_client import WireClient  # noqa: E402

EXAMPLES = int(os.environ.get("PIPEDRIVE_SQL_FUZZ_EXAMPLES", "100"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same cases on every run: a CI failure reproduces
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def trouble() -> Iterator[Trouble]:
    with watching() as found:
        yield found
    assert found.thread_errors == [], found.thread_errors
    assert found.errors == [], found.errors


@pytest.fixture(scope="module")
def servers(trouble: Trouble, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server]]:
    """A trust server (to fuzz after login cheaply) and a SCRAM one (to fuzz the password exchange)."""
    backend = DuckDBBackend()
    common = {"host": "127.0.0.1", "port": 0, "startup_timeout": 5.0, "max_message_size": 1 << 20}
    trust = Server(backend, ServerConfig(auth="trust", **common)).start()  # type: ignore[arg-type]
    scram = Server(
        backend,
        ServerConfig(
            auth="scram-sha-256",
            users_file=users_file(tmp_path_factory.mktemp("fuzz-users")),
            failed_login_delay=0,
            **common,  # type: ignore[arg-type]
        ),
    ).start()
    yield trust, scram
    trust.stop()
    scram.stop()


def still_serves(server: Server) -> None:
    client = WireClient(*server.address)
    try:
        assert client.query("SELECT 41 + 1")[-1] == (b"Z", b"I")
    finally:
        client.close()


def exchange(server: Server, data: bytes, ending: str, *, login: bool = False) -> None:
    """Send `data` (after logging in, if asked), end the socket as `ending` says, read what comes."""
    if login:
        client = WireClient(*server.address)
        sock = client.sock
    else:
        sock = socket.create_connection(server.address, timeout=10)
    try:
        try:
            sock.sendall(data)
        except OSError:
            return  # the server closed already: fine
        if ending == "drop":
            return
        if ending == "half-close":
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                return
        sock.settimeout(0.3 if ending == "wait" else 10)
        try:
            while sock.recv(65536):
                pass
        except (TimeoutError, OSError):
            pass
    finally:
        sock.close()


# ---- strategies ---------------------------------------------------------------------------------------

int32s = st.one_of(
    st.integers(min_value=-(2**31), max_value=2**31 - 1),
    st.sampled_from([0, 1, 3, 4, 5, 7, 8, 9, 1023, 1024, 1025, 10_000, 10_001, 300 * 1024 * 1024, -1]),
)


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    data = bytearray(original)
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        action = draw(st.sampled_from(["flip", "cut", "extend", "length", "insert"]))
        if action == "flip" and data:
            i = draw(st.integers(min_value=0, max_value=len(data) - 1))
            data[i] = draw(st.integers(min_value=0, max_value=255))
        elif action == "cut" and data:
            data = data[: draw(st.integers(min_value=0, max_value=len(data)))]
        elif action == "extend":
            data += draw(st.binary(max_size=64))
        elif action == "insert" and data:
            i = draw(st.integers(min_value=0, max_value=len(data)))
            data[i:i] = draw(st.binary(min_size=1, max_size=8))
        elif action == "length" and len(data) >= 4:
            # lie about a length field: the first one, or one of a typed message
            offset = draw(st.sampled_from([0, 1] if len(data) >= 5 else [0]))
            struct.pack_into("!i", data, offset, draw(int32s))
    return bytes(data)


def message(kind: bytes, body: bytes) -> bytes:
    return kind + protocol.int32(len(body) + 4) + body


SSL_REQUEST = struct.pack("!ii", 8, protocol.SSL_REQUEST)
GSS_REQUEST = struct.pack("!ii", 8, protocol.GSSENC_REQUEST)
CANCEL = struct.pack("!iiii", 16, protocol.CANCEL_REQUEST, 1000, 12345)
SASL_INITIAL = message(
    b"p", protocol.cstr("SCRAM-SHA-256") + protocol.int32(32) + b"n,,n=,r=abcdefghijklmnopqrstuvwx"
)
SASL_FINAL = message(b"p", b"c=biws,r=abcdefghijklmnopqrstuvwxyz,p=dGhpcyBpcyBub3QgYSBwcm9vZg==")

pre_auth_seeds = st.sampled_from(
    [
        startup_packet(),
        startup_packet(user="alice", options="-c statement_timeout=5"),
        SSL_REQUEST + startup_packet(),
        GSS_REQUEST + startup_packet(),
        CANCEL,
        startup_packet() + SASL_INITIAL,
        startup_packet() + SASL_INITIAL + SASL_FINAL,
        startup_packet() + message(b"p", b"md5" + b"0" * 32 + b"\0"),
        struct.pack("!ii", 8, 0x00020000),  # protocol 2.0
        struct.pack("!ii", 8, 0x00030002) + startup_packet()[8:],  # 3.2: NegotiateProtocolVersion
    ]
)

endings = st.sampled_from(["half-close", "drop", "wait"])


@FUZZ
@given(data=st.one_of(st.binary(max_size=512), pre_auth_seeds.flatmap(mutated)), ending=endings)
def test_fuzz_before_authentication(servers: tuple[Server, Server], data: bytes, ending: str) -> None:
    trust, scram = servers
    for server in (scram, trust):
        exchange(server, data, ending)
    still_serves(trust)


def _valid_messages() -> list[bytes]:
    i16, i32, cstr = protocol.int16, protocol.int32, protocol.cstr
    return [
        message(b"Q", cstr('SELECT "Id", "Title" FROM "Deals" WHERE "Id" < 3')),
        message(b"Q", cstr("SELECT 1; SELECT 'two'; BEGIN; SELECT 3; COMMIT")),
        message(b"Q", cstr("SET statement_timeout = '5s'; SHOW statement_timeout")),
        message(b"Q", cstr("SELECT relname FROM pg_catalog.pg_class LIMIT 2")),
        message(b"P", cstr("s1") + cstr('SELECT "Id" FROM "Deals" WHERE "Id" = $1') + i16(1) + i32(20)),
        message(b"B", cstr("p1") + cstr("s1") + i16(1) + i16(0) + i16(1) + i32(1) + b"5" + i16(1) + i16(1)),
        message(b"D", b"P" + cstr("p1")),
        message(b"D", b"S" + cstr("s1")),
        message(b"E", cstr("p1") + i32(0)),
        message(b"C", b"S" + cstr("s1")),
        message(b"H", b""),
        message(b"S", b""),
        message(b"Q", cstr("DECLARE c CURSOR FOR SELECT 1; FETCH 1 FROM c; CLOSE c")),
        message(b"d", b"copy data"),
        message(b"F", i32(0) + i16(0) + i16(0) + i16(0)),  # FunctionCall
        message(b"p", b"late password"),
    ]


post_auth_messages = st.one_of(
    st.sampled_from(_valid_messages()).flatmap(mutated),
    st.builds(
        lambda kind, body: message(kind, body),
        st.binary(min_size=1, max_size=1),
        st.binary(max_size=256),
    ),
)


@FUZZ
@given(messages=st.lists(post_auth_messages, min_size=1, max_size=6), ending=endings)
def test_fuzz_after_authentication(
    servers: tuple[Server, Server], messages: list[bytes], ending: str
) -> None:
    trust, _ = servers
    exchange(trust, b"".join(messages), ending, login=True)
    still_serves(trust)


def test_half_closed_sockets_at_every_step_of_a_login(servers: tuple[Server, Server], tmp_path: Path) -> None:
    """Each prefix of a full SCRAM login, then EOF: the server drops the connection and carries on."""
    trust, scram = servers
    full = SSL_REQUEST + startup_packet() + SASL_INITIAL + SASL_FINAL
    for cut in range(0, len(full) + 1, 3):
        exchange(scram, full[:cut], "half-close")
    still_serves(trust)
    assert scram.starting_up() == 0 or scram.starting_up() < 3
