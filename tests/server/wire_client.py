"""A raw protocol client for what libraries hide: Execute row limits, Flush, Close, cancel keys."""

from __future__ import annotations

import socket
import struct

from pipedrive_sql.server import protocol


class WireClient:
    def __init__(self, host: str, port: int, user: str = "bob", database: str = "crm") -> None:
        self.sock = socket.create_connection((host, port), timeout=10)
        self.file = self.sock.makefile("rb")
        body = protocol.int32(protocol.PROTOCOL_3_0)
        body += (
            protocol.cstr("user") + protocol.cstr(user) + protocol.cstr("database") + protocol.cstr(database)
        )
        body += b"\0"
        self.sock.sendall(protocol.int32(len(body) + 4) + body)
        self.params: dict[str, str] = {}
        self.key: tuple[int, int] = (0, 0)
        while True:
            kind, payload = self.read()
            if kind == b"Z":
                break
            if kind == b"S":
                name, value = payload.split(b"\0")[:2]
                self.params[name.decode()] = value.decode()
            elif kind == b"K":
                self.key = struct.unpack("!ii", payload)
            elif kind == b"E":
                raise RuntimeError(payload)

    def send(self, kind: bytes, body: bytes = b"") -> None:
        self.sock.sendall(kind + protocol.int32(len(body) + 4) + body)

    def read(self) -> tuple[bytes, bytes]:
        header = self.file.read(5)
        if len(header) < 5:
            raise ConnectionError("server closed the connection")
        kind, length = struct.unpack("!ci", header)
        return kind, self.file.read(length - 4)

    def until(self, stop: bytes) -> list[tuple[bytes, bytes]]:
        out = []
        while True:
            kind, body = self.read()
            out.append((kind, body))
            if kind == stop:
                return out

    def parse(self, name: str, sql: str, oids: tuple[int, ...] = ()) -> None:
        body = protocol.cstr(name) + protocol.cstr(sql) + protocol.int16(len(oids))
        body += b"".join(protocol.int32(o) for o in oids)
        self.send(b"P", body)

    def bind(
        self, portal: str, statement: str, params: tuple[bytes | None, ...] = (), result_format: int = 0
    ) -> None:
        body = (
            protocol.cstr(portal) + protocol.cstr(statement) + protocol.int16(0) + protocol.int16(len(params))
        )
        for p in params:
            body += protocol.int32(-1) if p is None else protocol.int32(len(p)) + p
        body += protocol.int16(1) + protocol.int16(result_format)
        self.send(b"B", body)

    def describe(self, kind: bytes, name: str) -> None:
        self.send(b"D", kind + protocol.cstr(name))

    def execute(self, portal: str, max_rows: int = 0) -> None:
        self.send(b"E", protocol.cstr(portal) + protocol.int32(max_rows))

    def sync(self) -> None:
        self.send(b"S")

    def query(self, sql: str) -> list[tuple[bytes, bytes]]:
        self.send(b"Q", protocol.cstr(sql))
        return self.until(b"Z")

    def close(self) -> None:
        try:
            self.send(b"X")
        finally:
            self.sock.close()


def kinds(messages: list[tuple[bytes, bytes]]) -> bytes:
    return b"".join(k for k, _ in messages)


def error_code(messages: list[tuple[bytes, bytes]]) -> str | None:
    for kind, body in messages:
        if kind == b"E":
            for field in body.split(b"\0"):
                if field[:1] == b"C":
                    return field[1:].decode()
    return None
