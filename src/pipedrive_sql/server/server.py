"""The listener: accepts connections, one thread per client, and keeps what sessions share
(the backend, the users file, the TLS context, one emulated catalog per database, cancel keys).
"""

from __future__ import annotations

import ipaddress
import itertools
import logging
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .backend import Backend
from .pgcatalog import CatalogDatabase
from .session import Session
from .users import UserStore

log = logging.getLogger("pipedrive_sql.server")

AUTH_METHODS = ("scram-sha-256", "md5", "trust")


class ServerConfigError(Exception):
    """The server cannot start with these settings; the message says what to change."""


@dataclass
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 5432
    #: "scram-sha-256" (default with a users file), "md5" (old clients), or "trust" (loopback only)
    auth: str = "scram-sha-256"
    users_file: Path | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    #: refuse clients that did not negotiate TLS (always on for a non-loopback address)
    require_tls: bool = False
    max_connections: int = 64
    #: how long an emulated catalog is reused before the tables are read again
    catalog_ttl: float = 300.0


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return all(
                ipaddress.ip_address(info[4][0]).is_loopback for info in socket.getaddrinfo(host, None)
            )
        except (OSError, ValueError):
            return False


def validate(config: ServerConfig) -> None:
    if config.auth not in AUTH_METHODS:
        raise ServerConfigError(
            f"unknown auth method {config.auth!r}: choose one of {', '.join(AUTH_METHODS)}"
        )
    if (config.tls_cert is None) != (config.tls_key is None):
        raise ServerConfigError("give both a TLS certificate and its key (--tls-cert and --tls-key)")
    if not is_loopback(config.host):
        if config.tls_cert is None:
            raise ServerConfigError(
                f"refusing to listen on {config.host} without TLS: give --tls-cert and --tls-key, "
                "or listen on 127.0.0.1"
            )
        if config.auth == "trust":
            raise ServerConfigError(
                f"refusing to listen on {config.host} without authentication: add users with "
                "`pipedrive-sql serve user add NAME`, or listen on 127.0.0.1"
            )
        config.require_tls = True
    if config.auth != "trust" and config.users_file is None:
        raise ServerConfigError("password authentication needs a users file")
    if config.require_tls and config.tls_cert is None:
        raise ServerConfigError("require_tls needs a TLS certificate and key")


class Server:
    def __init__(self, backend: Backend, config: ServerConfig | None = None) -> None:
        self.backend = backend
        self.config = config or ServerConfig(auth="trust")
        validate(self.config)
        self.users = UserStore(self.config.users_file) if self.config.users_file else None
        if self.users is not None and self.config.auth != "trust" and not self.users.has_users():
            log.warning("the users file %s has no users: nobody can log in", self.config.users_file)
        self.ssl_context = self._ssl_context()
        self._sessions: dict[int, Session] = {}
        self._lock = threading.Lock()
        self._pids = itertools.count(1000)
        self._catalogs: dict[str, tuple[float, CatalogDatabase]] = {}
        self._catalog_locks: dict[str, threading.Lock] = {}
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def _ssl_context(self) -> ssl.SSLContext | None:
        if self.config.tls_cert is None or self.config.tls_key is None:
            return None
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        try:
            context.load_cert_chain(str(self.config.tls_cert), str(self.config.tls_key))
        except (OSError, ssl.SSLError) as exc:
            raise ServerConfigError(f"cannot load the TLS certificate or key: {exc}") from exc
        return context

    # ---- listening -----------------------------------------------------------------------------------

    @property
    def address(self) -> tuple[str, int]:
        if self._socket is None:
            raise RuntimeError("the server is not listening")
        host, port = self._socket.getsockname()[:2]
        return host, port

    def start(self) -> Server:
        family = socket.AF_INET6 if ":" in self.config.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.config.host, self.config.port))
        except OSError as exc:
            sock.close()
            raise ServerConfigError(f"cannot listen on {self.config.host}:{self.config.port}: {exc}") from exc
        sock.listen(128)
        sock.settimeout(0.2)
        self._socket = sock
        self._thread = threading.Thread(target=self._accept_loop, name="pg-accept", daemon=True)
        self._thread.start()
        log.info("listening on %s:%s", *self.address)
        return self

    def serve_forever(self) -> None:
        if self._socket is None:
            self.start()
        try:
            while not self._stopping.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        if self._socket is not None:
            self._socket.close()
        with self._lock:
            sessions = list(self._sessions.values())
        for session in sessions:
            try:
                session.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for _, catalog in self._catalogs.values():
            catalog.close()
        self._catalogs.clear()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _accept_loop(self) -> None:
        assert self._socket is not None
        while not self._stopping.is_set():
            try:
                client, peer = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                if self._stopping.is_set():
                    return
                continue
            client.settimeout(None)
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if threading.active_count() > 4 * self.config.max_connections + 8:
                # a flood of connections that never log in: refuse before spending a thread
                self._refuse(client)
                continue
            session = Session(self, client, f"{peer[0]}:{peer[1]}")
            threading.Thread(target=session.run, name=f"pg-session-{session.pid}", daemon=True).start()

    def _refuse(self, client: socket.socket) -> None:
        from . import protocol
        from .errors import TOO_MANY_CONNECTIONS

        body = protocol.error_response(
            {"S": "FATAL", "C": TOO_MANY_CONNECTIONS, "M": "sorry, too many clients already"}
        )
        try:
            client.sendall(b"E" + protocol.int32(len(body) + 4) + body)
        except OSError:
            pass
        client.close()

    # ---- sessions ------------------------------------------------------------------------------------

    def next_pid(self) -> int:
        return next(self._pids)

    def register(self, session: Session) -> None:
        with self._lock:
            self._sessions[session.pid] = session

    def unregister(self, session: Session) -> None:
        with self._lock:
            self._sessions.pop(session.pid, None)

    def connection_count(self) -> int:
        with self._lock:
            return len(self._sessions)

    def cancel(self, pid: int, secret: int) -> None:
        with self._lock:
            session = self._sessions.get(pid)
        if session is not None and session.secret == secret:
            log.info("cancel request for session %s", pid)
            session.cancel()

    def catalog_for(self, database: str, connection: Any) -> CatalogDatabase:
        """The emulated catalog of a database, shared by its sessions and rebuilt after the TTL."""
        with self._lock:
            lock = self._catalog_locks.setdefault(database, threading.Lock())
        with lock:
            cached = self._catalogs.get(database)
            if cached is not None and time.monotonic() - cached[0] < self.config.catalog_ttl:
                return cached[1]
            catalog = CatalogDatabase(database, self.backend.tables(database, connection))
            self._catalogs[database] = (time.monotonic(), catalog)
            # an older catalog may still serve a running query: the garbage collector closes it
            return catalog
