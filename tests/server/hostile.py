"""Helpers for tests that play hostile clients: a server with users on a free port, a capture of
everything that goes wrong inside it, raw startup packets, and the server's resident memory."""

from __future__ import annotations

import logging
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipedrive_sql.server import Server, ServerConfig, UserStore, protocol

from .duckdb_backend import DuckDBBackend

PASSWORD = "s3cret-for-tests"


@dataclass
class Trouble:
    """Uncaught exceptions of the server's threads, and what it logged at ERROR (internal errors)."""

    thread_errors: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class _Capture(logging.Handler):
    def __init__(self, trouble: Trouble) -> None:
        super().__init__(logging.DEBUG)
        self.trouble = trouble

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.levelno >= logging.ERROR:
            self.trouble.errors.append(text)
        elif record.levelno >= logging.WARNING:
            self.trouble.warnings.append(text)


@contextmanager
def watching() -> Iterator[Trouble]:
    """Collect uncaught thread exceptions and server log records while the block runs."""
    trouble = Trouble()
    previous = threading.excepthook

    def hook(args: threading.ExceptHookArgs) -> None:
        trouble.thread_errors.append(
            f"{args.thread.name if args.thread else '?'}: {args.exc_type.__name__}: {args.exc_value}"
        )

    handler = _Capture(trouble)
    logger = logging.getLogger("pipedrive_sql.server")
    old_level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    threading.excepthook = hook
    try:
        yield trouble
    finally:
        threading.excepthook = previous
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def users_file(directory: Path, **limits: int) -> Path:
    path = directory / "users.json"
    store = UserStore(path)
    for name in ("alice", "bob"):
        store.set_password(name, PASSWORD, md5=True, connection_limit=limits.get(name))
    return path


@contextmanager
def running(directory: Path, backend: Any = None, **config: Any) -> Iterator[Server]:
    """A SCRAM server on a free loopback port with users alice and bob (password PASSWORD)."""
    config.setdefault("users_file", users_file(directory))
    server = Server(backend or DuckDBBackend(), ServerConfig(host="127.0.0.1", port=0, **config)).start()
    try:
        yield server
    finally:
        server.stop()


def dsn(server: Server, user: str = "alice", password: str = PASSWORD, **extra: str) -> str:
    host, port = server.address
    params = {"host": host, "port": str(port), "dbname": "crm", "user": user, "password": password}
    params.update({"connect_timeout": "10", "sslmode": "disable"}, **extra)
    return " ".join(f"{k}='{v}'" for k, v in params.items())


def startup_packet(user: str = "alice", database: str = "crm", **params: str) -> bytes:
    body = protocol.int32(protocol.PROTOCOL_3_0)
    for key, value in {"user": user, "database": database, **params}.items():
        body += protocol.cstr(key) + protocol.cstr(value)
    body += b"\0"
    return protocol.int32(len(body) + 4) + body


def read_message(sock: socket.socket) -> tuple[bytes, bytes] | None:
    """One backend message, or None when the server closed the connection."""
    header = _read(sock, 5)
    if header is None:
        return None
    kind, length = struct.unpack("!ci", header)
    body = _read(sock, length - 4)
    return None if body is None else (kind, body)


def _read(sock: socket.socket, n: int) -> bytes | None:
    data = b""
    while len(data) < n:
        try:
            chunk = sock.recv(n - len(data))
        except (ConnectionResetError, BrokenPipeError):
            return None
        if not chunk:
            return None
        data += chunk
    return data


def until_closed(sock: socket.socket) -> list[tuple[bytes, bytes]]:
    """Every message the server sends until it closes the connection."""
    out = []
    while (message := read_message(sock)) is not None:
        out.append(message)
    return out


def sqlstate(body: bytes) -> str | None:
    for part in body.split(b"\0"):
        if part[:1] == b"C":
            return part[1:].decode()
    return None


def message_of(body: bytes) -> str:
    for part in body.split(b"\0"):
        if part[:1] == b"M":
            return part[1:].decode()
    return ""


def poll(condition: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def rss_bytes() -> int:
    """This process's resident memory (the server under test runs in it)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0
