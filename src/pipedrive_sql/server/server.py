"""The listener: one thread accepts connections and runs their startup (`handshake`); each client
that has authenticated gets a session thread. The server keeps what sessions share (the backend, the
users file, the TLS context, one emulated catalog per database, cancel keys) and the limits: sessions
in all and per user, connections starting up.
"""

from __future__ import annotations

import itertools
import logging
import socket
import ssl
import threading
import time
from typing import Any

from . import errors as pgerr
from .auth import LoginThrottle
from .backend import Backend
from .config import ServerConfig, ServerConfigError, is_loopback, validate
from .errors import PgError
from .handshake import StartupLoop
from .host import Startup
from .pgcatalog import CatalogDatabase
from .session import Session
from .users import UsersFileError, UserStore

log = logging.getLogger("pipedrive_sql.server")
#: the startup announcement (where the server listens, that passwords are off): an application that
#: tells its user the same in its own words (`pipedrive-sql serve`) silences this logger, so that a
#: terminal or a service's journal shows it once
startup_log = logging.getLogger("pipedrive_sql.server.startup")

__all__ = ["Server", "ServerConfig", "ServerConfigError", "is_loopback", "validate"]


class Server:
    def __init__(self, backend: Backend, config: ServerConfig | None = None) -> None:
        """`config` defaults to SCRAM authentication, which needs `users_file`; trust (no password) is
        only ever what a config asks for by name, and only on a loopback address."""
        self.backend = backend
        self.config = config or ServerConfig()
        validate(self.config)
        self.users = UserStore(self.config.users_file) if self.config.users_file else None
        if self.users is not None and self.config.auth != "trust":
            try:
                has_users = self.users.has_users()
            except UsersFileError as exc:
                raise ServerConfigError(str(exc)) from exc
            if not has_users:
                raise ServerConfigError(
                    f"no users in {self.config.users_file}: nobody could log in. Add one with "
                    "`pipedrive-sql serve user add NAME`"
                )
        self.ssl_context = self._ssl_context()
        self.throttle = LoginThrottle(base=self.config.failed_login_delay)
        self._sessions: dict[int, Session] = {}
        # session slots, taken at admission (before the session registers): pid -> user
        self._slots: dict[int, str] = {}
        self._lock = threading.Lock()
        self._loop: StartupLoop | None = None
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
        context.minimum_version = ssl.TLSVersion.TLSv1_2  # TLS 1.0 and 1.1 are refused at the handshake
        context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_NO_RENEGOTIATION
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
        sock.listen(512)
        self._socket = sock
        self._loop = StartupLoop(sock, self)
        self._thread = threading.Thread(target=self._loop.run, name="pg-startup", daemon=True)
        self._thread.start()
        startup_log.info("listening on %s:%s", *self.address)
        if self.config.auth == "trust":
            startup_log.warning(
                "authentication is off (trust): anyone who can connect to %s:%s logs in as any user, "
                "without a password",
                *self.address,
            )
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
        if self._loop is not None:
            self._loop.stop()
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

    # ---- admission (called by the startup loop) -----------------------------------------------------

    def at_capacity(self) -> bool:
        with self._lock:
            return len(self._slots) >= self.config.max_connections

    def _user_limit(self, user: str) -> int | None:
        limits = [self.config.max_connections_per_user]
        if self.users is not None:
            try:
                entry = self.users.get(user)
            except (UsersFileError, ValueError):
                entry = None
            if entry is not None:
                limits.append(entry.connection_limit)
        found = [limit for limit in limits if limit is not None]
        return min(found) if found else None

    def admit(self, startup: Startup) -> PgError | None:
        """Take a session slot for an authenticated connection and start its thread."""
        limit = self._user_limit(startup.user)
        session = Session(self, startup)
        with self._lock:
            if len(self._slots) >= self.config.max_connections:
                return PgError(pgerr.TOO_MANY_CONNECTIONS, "sorry, too many clients already")
            if limit is not None and sum(1 for u in self._slots.values() if u == startup.user) >= limit:
                return PgError(pgerr.TOO_MANY_CONNECTIONS, f'too many connections for role "{startup.user}"')
            self._slots[session.pid] = startup.user
        try:
            threading.Thread(target=session.run, name=f"pg-session-{session.pid}", daemon=True).start()
        except RuntimeError:  # cannot start a thread (resources)
            with self._lock:
                self._slots.pop(session.pid, None)
            return PgError("53000", "the server cannot start a session right now: try again later")
        return None

    def starting_up(self) -> int:
        """Connections that have not authenticated yet."""
        return self._loop.count() if self._loop is not None else 0

    # ---- sessions ------------------------------------------------------------------------------------

    def next_pid(self) -> int:
        return next(self._pids)

    def register(self, session: Session) -> None:
        with self._lock:
            self._sessions[session.pid] = session

    def unregister(self, session: Session) -> None:
        with self._lock:
            self._sessions.pop(session.pid, None)
            self._slots.pop(session.pid, None)

    def still_allowed(self, user: str) -> bool:
        """Whether a session of ``user`` may run its next statement: with a users file, not once the user
        has been removed from it (`serve user remove`). A file that cannot be read keeps the sessions going
        (logins fail and say why)."""
        if self.users is None or self.config.auth == "trust":
            return True  # trust: nobody was let in by the users file, so nobody is let out by it
        try:
            return self.users.get(user) is not None
        except (UsersFileError, ValueError):
            return True

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
