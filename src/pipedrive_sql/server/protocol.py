"""PostgreSQL frontend/backend protocol 3.0: framing and the messages the server sends.

Only the wire format lives here: no state, no SQL. Reading is done on a blocking socket (one thread per
client), writing goes through an output buffer that the session flushes at protocol boundaries
(ReadyForQuery, Flush, a full buffer while streaming), so a result of many rows costs few syscalls.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import IDLE_SESSION_TIMEOUT, PgError

PROTOCOL_3_0 = 196608
SSL_REQUEST = 80877103
CANCEL_REQUEST = 80877102
GSSENC_REQUEST = 80877104

# The default cap on a message from an authenticated client (ServerConfig.max_message_size).
MAX_MESSAGE = 64 * 1024 * 1024
FLUSH_THRESHOLD = 256 * 1024
# A message body is read in chunks of this size, so a length the client lies about costs no memory
# until the bytes really arrive.
READ_CHUNK = 1024 * 1024

_I16 = struct.Struct("!h")
_I32 = struct.Struct("!i")
_HEADER = struct.Struct("!ci")


class ProtocolViolation(Exception):
    """The client sent something that is not PostgreSQL protocol 3.0."""


class ClientGone(Exception):
    """The client closed the connection."""


@dataclass(frozen=True)
class Field:
    """One column of a RowDescription."""

    name: str
    type_oid: int
    type_size: int = -1
    type_modifier: int = -1
    format: int = 0
    table_oid: int = 0
    column_number: int = 0


class Reader:
    """Parses the fields of one message body; a body shorter than its fields, a string without its
    terminator or one that is not UTF-8 is a ProtocolViolation (PostgreSQL: invalid message format)."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.pos = 0

    def int16(self) -> int:
        try:
            value: int = _I16.unpack_from(self.body, self.pos)[0]
        except struct.error:
            raise ProtocolViolation("invalid message format: message shorter than its fields") from None
        self.pos += 2
        return value

    def int32(self) -> int:
        try:
            value: int = _I32.unpack_from(self.body, self.pos)[0]
        except struct.error:
            raise ProtocolViolation("invalid message format: message shorter than its fields") from None
        self.pos += 4
        return value

    def byte(self) -> bytes:
        value = self.body[self.pos : self.pos + 1]
        if not value:
            raise ProtocolViolation("invalid message format: message shorter than its fields")
        self.pos += 1
        return value

    def cstring(self) -> str:
        end = self.body.find(b"\0", self.pos)
        if end < 0:
            raise ProtocolViolation("invalid message format: a string without its terminating zero byte")
        try:
            value = self.body[self.pos : end].decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolViolation('invalid byte sequence for encoding "UTF8"') from None
        self.pos = end + 1
        return value

    def raw(self, n: int) -> bytes:
        value = self.body[self.pos : self.pos + n]
        if n < 0 or len(value) != n:
            raise ProtocolViolation("invalid message format: message shorter than its fields")
        self.pos += n
        return value

    def rest(self) -> bytes:
        value = self.body[self.pos :]
        self.pos = len(self.body)
        return value


class Wire:
    """An authenticated client's connection (blocking socket, one thread): reads frontend messages up
    to `max_message` bytes, buffers backend messages. With `idle_timeout` > 0, waiting longer than that
    for a client's next message (or the rest of one) raises PgError 57P05, which ends the session."""

    def __init__(
        self, sock: socket.socket, *, max_message: int = MAX_MESSAGE, idle_timeout: float = 0
    ) -> None:
        self.sock = sock
        self.out = bytearray()
        self.max_message = max_message
        self.idle_timeout = idle_timeout
        self._in = sock.makefile("rb", buffering=65536)

    def _read_exact(self, n: int) -> bytes:
        try:
            if n <= READ_CHUNK:
                data = self._in.read(n)
                if data is None or len(data) < n:
                    raise ClientGone()
                return data
            chunks = bytearray()
            while len(chunks) < n:
                chunk = self._in.read(min(READ_CHUNK, n - len(chunks)))
                if not chunk:
                    raise ClientGone()
                chunks += chunk
            return bytes(chunks)
        except TimeoutError:
            raise PgError(
                IDLE_SESSION_TIMEOUT, "terminating connection due to idle-session timeout"
            ) from None

    def read_message(self) -> tuple[bytes, bytes]:
        # the idle timeout applies to waiting for the client, not to sending it a long result
        if self.idle_timeout:
            self.sock.settimeout(self.idle_timeout)
        try:
            kind, length = _HEADER.unpack(self._read_exact(5))
            if length < 4:
                raise ProtocolViolation(f"invalid message length {length}")
            if length - 4 > self.max_message:
                raise ProtocolViolation(
                    f"message of {length - 4} bytes is longer than this server accepts ({self.max_message})"
                )
            return kind, self._read_exact(length - 4)
        finally:
            if self.idle_timeout:
                self.sock.settimeout(None)

    def write(self, kind: bytes, body: bytes = b"") -> None:
        self.out += kind
        self.out += _I32.pack(len(body) + 4)
        self.out += body
        if len(self.out) >= FLUSH_THRESHOLD:
            self.flush()

    def write_raw(self, data: bytes) -> None:
        self.out += data

    def flush(self) -> None:
        if self.out:
            try:
                self.sock.sendall(self.out)
            except OSError as exc:
                raise ClientGone() from exc
            self.out.clear()

    def close(self) -> None:
        # a socket with a makefile() reader is only closed when the reader is closed too
        try:
            self._in.close()
        except OSError:
            pass
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def cstr(value: str) -> bytes:
    return value.encode("utf-8") + b"\0"


def int16(value: int) -> bytes:
    return _I16.pack(value)


def int32(value: int) -> bytes:
    return _I32.pack(value)


def parse_startup_parameters(body: bytes) -> dict[str, str]:
    """Name/value pairs up to the empty name; anything malformed is a ProtocolViolation."""
    parts = body.split(b"\0")
    params: dict[str, str] = {}
    for key, value in zip(parts[0::2], parts[1::2], strict=False):
        if not key:
            break
        try:
            params[key.decode("utf-8")] = value.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolViolation(
                'invalid byte sequence for encoding "UTF8" in the startup packet'
            ) from None
    return params


# ---- backend messages -------------------------------------------------------------------------------


def authentication(code: int, payload: bytes = b"") -> tuple[bytes, bytes]:
    return b"R", int32(code) + payload


def parameter_status(name: str, value: str) -> tuple[bytes, bytes]:
    return b"S", cstr(name) + cstr(value)


def backend_key_data(pid: int, secret: int) -> tuple[bytes, bytes]:
    return b"K", int32(pid) + int32(secret)


def ready_for_query(status: bytes) -> tuple[bytes, bytes]:
    return b"Z", status


def row_description(fields: Sequence[Field]) -> tuple[bytes, bytes]:
    parts = [int16(len(fields))]
    for f in fields:
        parts.append(cstr(f.name))
        parts.append(
            struct.pack(
                "!ihihih", f.table_oid, f.column_number, f.type_oid, f.type_size, f.type_modifier, f.format
            )
        )
    return b"T", b"".join(parts)


def parameter_description(oids: Sequence[int]) -> tuple[bytes, bytes]:
    return b"t", int16(len(oids)) + b"".join(int32(o) for o in oids)


def data_row(values: Sequence[bytes | None]) -> bytes:
    """A complete DataRow message (type byte and length included): the hot path of every result."""
    parts = [int16(len(values))]
    for v in values:
        if v is None:
            parts.append(b"\xff\xff\xff\xff")
        else:
            parts.append(_I32.pack(len(v)))
            parts.append(v)
    body = b"".join(parts)
    return b"D" + _I32.pack(len(body) + 4) + body


def command_complete(tag: str) -> tuple[bytes, bytes]:
    return b"C", cstr(tag)


def error_response(fields: dict[str, str]) -> bytes:
    return b"".join(code.encode("ascii") + cstr(value) for code, value in fields.items()) + b"\0"
