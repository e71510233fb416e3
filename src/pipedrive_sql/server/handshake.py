"""Accepting connections and running their startup, all on one thread, before any session exists.

A connection costs a thread only once it has authenticated. Until then it is a few hundred bytes in
this loop (non-blocking sockets, one `selectors` loop): the SSL request, the TLS handshake, the startup
packet and the password exchange must all be over within `startup_timeout` seconds of the accept,
every message is capped small (the startup packet at PostgreSQL's 10 000 bytes, each password / SASL
message at PostgreSQL's 1 024), and a length beyond the cap closes the connection without reading it.
So a slow-drip or idle client can hold a socket for at most the deadline, and cannot starve the
clients that log in. Cancel requests are served here too (they never authenticate).

Failed logins are logged without passwords and slowed by `auth.LoginThrottle`: the connection is
parked (unregistered from the selector) until its turn, then the password is checked.
"""

from __future__ import annotations

import logging
import secrets
import selectors
import socket
import ssl
import struct
import time
from collections.abc import Callable
from typing import Protocol

from . import auth, protocol
from . import errors as pgerr
from .config import MAX_AUTH_MESSAGE, MAX_STARTUP_PACKET, ServerConfig, options_settings
from .errors import PgError
from .host import Startup
from .users import User, UsersFileError, UserStore

log = logging.getLogger("pipedrive_sql.server")

_STARTUP_HEADER = struct.Struct("!i")
_MESSAGE_HEADER = struct.Struct("!ci")


class Gate(Protocol):
    """What the loop needs from the server."""

    config: ServerConfig
    users: UserStore | None
    ssl_context: ssl.SSLContext | None
    throttle: auth.LoginThrottle

    def at_capacity(self) -> bool:
        """True when no session slot is free (the startup packet is then answered with 53300)."""
        ...

    def admit(self, startup: Startup) -> PgError | None:
        """Start a session for an authenticated connection, or say why not (limits)."""
        ...

    def cancel(self, pid: int, secret: int) -> None: ...


class _Close(Exception):
    """End this connection (after sending what is in its output buffer, if anything)."""


class Handshake:
    """One connection's startup, as a state machine fed by the loop."""

    def __init__(self, loop: StartupLoop, sock: socket.socket, peer: str, deadline: float) -> None:
        self.loop = loop
        self.gate = loop.gate
        self.sock: socket.socket = sock
        self.peer = peer
        self.address = peer.rsplit(":", 1)[0]
        self.deadline = deadline
        self.tls = False
        self.handshaking = False  # inside the TLS handshake: nothing may be sent in the clear
        self.out = bytearray()
        self.buf = bytearray()
        # what is being read: a startup packet (no type byte) or a typed message, and its cap
        self.typed = False
        self.cap = MAX_STARTUP_PACKET
        self.need = 4
        self.body_length: int | None = None
        self.on_message: Callable[[bytes, bytes], None] = self._first_packet
        self.after_flush: Callable[[], None] | None = None
        self.wake_at: float | None = None
        self.parked: Callable[[], None] | None = None
        self.user = ""
        self.database = ""
        self.params: dict[str, str] = {}
        self.exchange: auth.ScramExchange | None = None
        self.md5_salt = b""
        self.user_entry: User | None = None
        self.kind = b""

    # ---- reading ------------------------------------------------------------------------------------

    def expect(self, *, typed: bool, cap: int, then: Callable[[bytes, bytes], None]) -> None:
        self.typed = typed
        self.cap = cap
        self.need = 5 if typed else 4
        self.body_length = None
        self.buf.clear()
        self.on_message = then

    def readable(self) -> None:
        if self.handshaking:
            self._continue_tls()
            return
        while self.need > 0 and not self.out and self.parked is None and self.after_flush is None:
            try:
                data = self.sock.recv(self.need)
            except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                return
            except (ssl.SSLError, OSError):
                raise _Close() from None
            if not data:
                raise _Close()
            self.buf += data
            self.need -= len(data)
            if self.need == 0:
                self._complete()

    def _complete(self) -> None:
        if self.body_length is None:
            header = bytes(self.buf)
            if self.typed:
                kind, length = _MESSAGE_HEADER.unpack(header)
            else:
                kind, (length,) = b"", _STARTUP_HEADER.unpack(header)
            if length < (4 if self.typed else 8) or length - 4 > self.cap:
                # refused from the header alone: a length the client lies about costs nothing
                what = "message" if self.typed else "startup packet"
                self.fail(PgError(pgerr.PROTOCOL_VIOLATION, f"invalid length of {what} ({length})"))
                return
            self.kind = kind
            self.body_length = length - 4  # the length counts itself, never the type byte
            self.buf.clear()
            self.need = self.body_length
            if self.need > 0:
                return
        body = bytes(self.buf)
        self.buf.clear()
        self.on_message(self.kind, body)

    # ---- writing ------------------------------------------------------------------------------------

    def send(self, kind: bytes, body: bytes) -> None:
        self.out += kind + protocol.int32(len(body) + 4) + body

    def send_error(self, error: PgError) -> None:
        error.severity = "FATAL"
        self.send(b"E", protocol.error_response(error.fields()))

    def fail(self, error: PgError) -> None:
        """Send a FATAL error and close once it is out."""
        self.send_error(error)
        self.after_flush = self._close_now

    def _close_now(self) -> None:
        raise _Close()

    def writable(self) -> bool:
        """Send what is pending; True when the buffer is empty."""
        while self.out:
            try:
                sent = self.sock.send(self.out)
            except (BlockingIOError, ssl.SSLWantWriteError, ssl.SSLWantReadError):
                return False
            except (ssl.SSLError, OSError):
                raise _Close() from None
            del self.out[:sent]
        if self.after_flush is not None:
            action, self.after_flush = self.after_flush, None
            action()
        return not self.out

    # ---- the startup packet -------------------------------------------------------------------------

    def _first_packet(self, _kind: bytes, body: bytes) -> None:
        (code,) = _STARTUP_HEADER.unpack_from(body, 0)
        if code == protocol.CANCEL_REQUEST:
            if len(body) == 12:
                pid, secret = struct.unpack_from("!ii", body, 4)
                self.gate.cancel(pid, secret)
            raise _Close()
        if code == protocol.SSL_REQUEST:
            self._ssl_request()
            return
        if code == protocol.GSSENC_REQUEST:
            self.out += b"N"
            self.expect(typed=False, cap=MAX_STARTUP_PACKET, then=self._first_packet)
            return
        if code >> 16 != 3:
            self.fail(
                PgError(
                    pgerr.FEATURE_NOT_SUPPORTED,
                    f"unsupported frontend protocol {code >> 16}.{code & 0xFFFF}: server supports 3.0 to 3.0",
                )
            )
            return
        try:
            params = protocol.parse_startup_parameters(body[4:])
        except protocol.ProtocolViolation as exc:
            self.fail(PgError(pgerr.PROTOCOL_VIOLATION, str(exc)))
            return
        if code & 0xFFFF:
            # we speak 3.0: tell a newer client so instead of failing
            unknown = [k for k in params if k.startswith("_pq_.")]
            self.send(
                b"v",
                # the newest version we speak, as a full version code (what PostgreSQL and libpq exchange)
                protocol.int32(protocol.PROTOCOL_3_0)
                + protocol.int32(len(unknown))
                + b"".join(protocol.cstr(k) for k in unknown),
            )
        self._startup(params)

    def _ssl_request(self) -> None:
        context = self.gate.ssl_context
        if context is None or self.tls:
            self.out += b"N"
            self.expect(typed=False, cap=MAX_STARTUP_PACKET, then=self._first_packet)
            return
        try:
            # bytes after the SSL request, before our answer, would be read as if they were encrypted
            if self.sock.recv(1, socket.MSG_PEEK):
                self.fail(PgError(pgerr.PROTOCOL_VIOLATION, "received unencrypted data after SSL request"))
                return
        except BlockingIOError:
            pass
        except OSError:
            raise _Close() from None
        self.out += b"S"
        self.after_flush = self._start_tls

    def _start_tls(self) -> None:
        context = self.gate.ssl_context
        assert context is not None
        plain = self.sock
        self.loop.forget(plain)
        try:
            self.sock = context.wrap_socket(plain, server_side=True, do_handshake_on_connect=False)
        except (ssl.SSLError, OSError):
            plain.close()
            raise _Close() from None
        self.handshaking = True
        self.loop.watch(self)
        self._continue_tls()

    def _continue_tls(self) -> None:
        assert isinstance(self.sock, ssl.SSLSocket)
        try:
            self.sock.do_handshake()
        except ssl.SSLWantReadError:
            self.loop.want(self, write=False)
            return
        except ssl.SSLWantWriteError:
            self.loop.want(self, write=True)
            return
        except (ssl.SSLError, OSError) as exc:
            log.info("TLS handshake with %s failed: %s", self.peer, getattr(exc, "reason", None) or exc)
            raise _Close() from None
        self.handshaking = False
        self.tls = True
        self.loop.want(self, write=False)
        self.expect(typed=False, cap=MAX_STARTUP_PACKET, then=self._first_packet)
        self.readable()  # the startup packet may already wait in the TLS buffer

    def _startup(self, params: dict[str, str]) -> None:
        config = self.gate.config
        if self.gate.at_capacity():
            self.fail(PgError(pgerr.TOO_MANY_CONNECTIONS, "sorry, too many clients already"))
            return
        if config.require_tls and not self.tls:
            self.fail(
                PgError(
                    pgerr.INVALID_AUTHORIZATION,
                    f'no connection without TLS is allowed for host "{self.address}"',
                    hint="connect with sslmode=require",
                )
            )
            return
        self.user = params.get("user", "")
        self.database = params.get("database") or self.user
        if not self.user:
            self.fail(
                PgError(pgerr.INVALID_AUTHORIZATION, "no PostgreSQL user name specified in startup packet")
            )
            return
        merged = {k.lower(): v for k, v in params.items() if k not in ("user", "database", "replication")}
        merged.update(options_settings(params.get("options", "")))
        merged.pop("options", None)
        self.params = merged
        method = config.auth
        if method == "trust":
            self._authenticated()
            return
        store = self.gate.users
        try:
            entry = store.get(self.user) if store is not None else None
        except (
            UsersFileError,
            OSError,
            ValueError,
        ) as exc:  # unreadable file, a verifier that does not decode
            log.error("cannot read the users file: %s", exc)
            self.fail(PgError(pgerr.INVALID_AUTHORIZATION, "the server cannot check passwords right now"))
            return
        self.user_entry = entry
        if method == "md5":
            self.md5_salt = secrets.token_bytes(4)
            self.send(*protocol.authentication(5, self.md5_salt))
            self.expect(typed=True, cap=MAX_AUTH_MESSAGE, then=self._md5_answer)
            return
        self.exchange = auth.ScramExchange(entry.scram if entry is not None else None, self.user)
        self.send(*protocol.authentication(10, protocol.cstr(auth.MECHANISM) + b"\0"))
        self.expect(typed=True, cap=MAX_AUTH_MESSAGE, then=self._sasl_initial)

    # ---- passwords ----------------------------------------------------------------------------------

    def _password_body(self, kind: bytes, body: bytes) -> bytes | None:
        if kind != b"p":
            self.fail(
                PgError(pgerr.PROTOCOL_VIOLATION, f"expected a password response, got message type {kind!r}")
            )
            return None
        return body

    def _md5_answer(self, kind: bytes, body: bytes) -> None:
        answer = self._password_body(kind, body)
        if answer is None:
            return
        response = answer.rstrip(b"\0").decode("utf-8", "replace")
        md5 = self.user_entry.md5 if self.user_entry is not None else None

        def check() -> None:
            self._verdict(md5 is not None and auth.md5_check(md5, self.md5_salt, response), "md5")

        self._in_turn(check)

    def _sasl_initial(self, kind: bytes, body: bytes) -> None:
        answer = self._password_body(kind, body)
        if answer is None:
            return
        assert self.exchange is not None
        try:
            reader = protocol.Reader(answer)
            mechanism = reader.cstring()
            if mechanism != auth.MECHANISM:
                self.fail(PgError(pgerr.PROTOCOL_VIOLATION, f"unsupported SASL mechanism {mechanism!r}"))
                return
            length = reader.int32()
            client_first = reader.raw(length).decode("utf-8") if length >= 0 else ""
            server_first = self.exchange.server_first_message(client_first)
        except (protocol.ProtocolViolation, UnicodeDecodeError):
            self.fail(PgError(pgerr.PROTOCOL_VIOLATION, "malformed SCRAM message"))
            return
        except (auth.AuthFailed, ValueError):
            self._in_turn(lambda: self._verdict(False, "scram-sha-256"))
            return
        self.send(*protocol.authentication(11, server_first.encode()))
        self.expect(typed=True, cap=MAX_AUTH_MESSAGE, then=self._sasl_final)

    def _sasl_final(self, kind: bytes, body: bytes) -> None:
        answer = self._password_body(kind, body)
        if answer is None:
            return
        assert self.exchange is not None
        exchange = self.exchange

        def check() -> None:
            try:
                server_final = exchange.server_final_message(answer.decode("utf-8"))
            except (auth.AuthFailed, ValueError):
                self._verdict(False, "scram-sha-256")
                return
            self.send(*protocol.authentication(12, server_final.encode()))
            self._verdict(True, "scram-sha-256")

        self._in_turn(check)

    def _in_turn(self, check: Callable[[], None]) -> None:
        """Check the password now, or park the connection until the throttle's turn for it."""
        wait = self.gate.throttle.reserve(self.user, self.address)
        if wait <= 0:
            check()
            return
        self.park(wait, check)

    def park(self, seconds: float, then: Callable[[], None]) -> None:
        self.wake_at = time.monotonic() + seconds
        self.parked = then
        self.loop.forget(self.sock)

    def _verdict(self, ok: bool, method: str) -> None:
        throttle = self.gate.throttle
        if ok:
            throttle.succeeded(self.user, self.address)
            self._authenticated()
            return
        failures, delay = throttle.failed(self.user, self.address)
        # the user name as given (repr: no control characters in the log), never any password material
        log.warning(
            "authentication failed for %r from %s (%s; %d failure%s in a row; next attempt in %.1f s)",
            self.user,
            self.address,
            method,
            failures,
            "" if failures == 1 else "s",
            delay,
        )
        error = PgError(pgerr.INVALID_PASSWORD, f'password authentication failed for user "{self.user}"')
        # the answer itself comes after the delay, as PostgreSQL's auth_delay does
        self.park(delay, lambda: self.fail(error))

    # ---- hand-off -----------------------------------------------------------------------------------

    def _authenticated(self) -> None:
        self.need = 0
        self.after_flush = self._hand_off

    def _hand_off(self) -> None:
        self.loop.forget(self.sock)
        self.loop.release(self)
        sock = self.sock
        try:
            sock.setblocking(True)
        except OSError:
            sock.close()
            return
        startup = Startup(sock, self.peer, self.user, self.database, self.tls, self.params)
        error = self.gate.admit(startup)
        if error is not None:
            _send_fatal_blocking(sock, error)
            sock.close()

    def timed_out(self) -> None:
        """The startup deadline passed: say so if the channel allows it, and close."""
        if not self.handshaking and not self.out:
            self.send_error(
                PgError(
                    pgerr.QUERY_CANCELED,
                    "canceling authentication due to timeout",
                    hint=f"the whole startup must finish within {self.gate.config.startup_timeout:g} s",
                )
            )
            try:
                self.sock.send(self.out)
            except (OSError, ssl.SSLError):
                pass
        log.info("startup of %s did not finish in time: connection closed", self.peer)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def _send_fatal_blocking(sock: socket.socket, error: PgError) -> None:
    error.severity = "FATAL"
    body = protocol.error_response(error.fields())
    try:
        sock.settimeout(2)
        sock.sendall(b"E" + protocol.int32(len(body) + 4) + body)
    except (OSError, ssl.SSLError):
        pass


class StartupLoop:
    """The thread that accepts connections and runs their handshakes."""

    def __init__(self, listener: socket.socket, gate: Gate) -> None:
        self.listener = listener
        self.gate = gate
        self.selector = selectors.DefaultSelector()
        self.pending: dict[int, Handshake] = {}  # by id(handshake)
        self._stopping = False
        listener.setblocking(False)
        self.selector.register(listener, selectors.EVENT_READ, None)

    def count(self) -> int:
        return len(self.pending)

    # selector bookkeeping
    def watch(self, handshake: Handshake) -> None:
        events = selectors.EVENT_WRITE if handshake.out else selectors.EVENT_READ
        try:
            self.selector.register(handshake.sock, events, handshake)
        except KeyError:
            self.selector.modify(handshake.sock, events, handshake)

    def want(self, handshake: Handshake, *, write: bool) -> None:
        events = selectors.EVENT_WRITE if write else selectors.EVENT_READ
        try:
            self.selector.modify(handshake.sock, events, handshake)
        except KeyError:
            self.selector.register(handshake.sock, events, handshake)

    def forget(self, sock: socket.socket) -> None:
        try:
            self.selector.unregister(sock)
        except (KeyError, ValueError):
            pass

    def release(self, handshake: Handshake) -> None:
        self.pending.pop(id(handshake), None)

    def stop(self) -> None:
        self._stopping = True

    def run(self) -> None:
        try:
            while not self._stopping:
                self._tick()
        finally:
            for handshake in list(self.pending.values()):
                handshake.close()
            self.pending.clear()
            self.selector.close()

    def _tick(self) -> None:
        now = time.monotonic()
        timeout = 0.2
        for handshake in self.pending.values():
            timeout = min(timeout, handshake.deadline - now)
            if handshake.wake_at is not None:
                timeout = min(timeout, handshake.wake_at - now)
        try:
            events = self.selector.select(max(timeout, 0))
        except OSError:
            events = []
        for key, mask in events:
            if key.data is None:
                self._accept()
                continue
            self._step(key.data, mask)
        now = time.monotonic()
        for handshake in list(self.pending.values()):
            if handshake.wake_at is not None and handshake.wake_at <= now:
                then, handshake.parked, handshake.wake_at = handshake.parked, None, None
                if id(handshake) in self.pending:
                    self.watch(handshake)
                    if then is not None:
                        self._guarded(handshake, then)
                        self._settle(handshake)
            elif handshake.deadline <= now and id(handshake) in self.pending:
                handshake.timed_out()
                self._drop(handshake)

    def _accept(self) -> None:
        for _ in range(64):
            try:
                client, peer = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                # out of file descriptors, most likely: leave the rest in the backlog for now
                log.warning("cannot accept a connection: %s", exc)
                return
            address = f"{peer[0]}:{peer[1]}"
            try:
                client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                client.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            except OSError:
                pass
            if len(self.pending) >= self.gate.config.max_startups:
                log.warning("too many connections starting up at once: refusing %s", address)
                client.setblocking(False)
                error = PgError(
                    pgerr.TOO_MANY_CONNECTIONS, "sorry, too many clients already", severity="FATAL"
                )
                body = protocol.error_response(error.fields())
                try:
                    client.send(b"E" + protocol.int32(len(body) + 4) + body)
                except OSError:
                    pass
                client.close()
                continue
            client.setblocking(False)
            deadline = time.monotonic() + self.gate.config.startup_timeout
            handshake = Handshake(self, client, address, deadline)
            self.pending[id(handshake)] = handshake
            self.watch(handshake)

    def _step(self, handshake: Handshake, mask: int) -> None:
        if id(handshake) not in self.pending:
            return
        if mask & selectors.EVENT_WRITE and handshake.handshaking:
            self._guarded(handshake, handshake.readable)
        elif mask & selectors.EVENT_WRITE:
            self._guarded(handshake, handshake.writable)
        if mask & selectors.EVENT_READ:
            self._guarded(handshake, handshake.readable)
        self._settle(handshake)

    def _settle(self, handshake: Handshake) -> None:
        """After a step: send what it produced (running what waits for that), then wait for the next
        event, reading first what may already be buffered (TLS records hold more than one message)."""
        while id(handshake) in self.pending and handshake.parked is None and not handshake.handshaking:
            if handshake.out or handshake.after_flush is not None:
                if not self._guarded(handshake, handshake.writable):
                    return
                if id(handshake) not in self.pending or handshake.parked is not None or handshake.handshaking:
                    return
                if handshake.out:
                    self.want(handshake, write=True)
                    return
                continue
            self.want(handshake, write=False)
            if not handshake.need or not self._guarded(handshake, handshake.readable):
                return
            if not (handshake.out or handshake.after_flush is not None or handshake.parked is not None):
                return

    def _guarded(self, handshake: Handshake, action: Callable[[], object]) -> bool:
        """Run one step of a handshake; a failure ends that connection, never the loop."""
        try:
            action()
            return True
        except _Close:
            self._drop(handshake)
        except Exception as exc:  # a bug of ours: the other connections carry on
            error = pgerr.internal_error(exc, fatal=True)
            if not handshake.handshaking:
                _send_fatal_now(handshake, error)
            self._drop(handshake)
        return False

    def _drop(self, handshake: Handshake) -> None:
        self.forget(handshake.sock)
        self.release(handshake)
        handshake.close()


def _send_fatal_now(handshake: Handshake, error: PgError) -> None:
    body = protocol.error_response(error.fields())
    try:
        handshake.sock.send(b"E" + protocol.int32(len(body) + 4) + body)
    except (OSError, ssl.SSLError):
        pass
