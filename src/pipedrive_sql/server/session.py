"""One authenticated client connection: simple and extended query.

The startup before it (SSL request, TLS, startup packet, password) is `handshake`'s; a session begins
at `Session._open`. A session runs on its own thread and owns one backend (driver) connection. This
module is the wire half: messages, portals, row streaming, COPY out, cancellation, statement_timeout.
What a statement means (transaction control, SET/SHOW, PREPARE/EXECUTE, SQL cursors, catalog queries,
data queries with PostgreSQL's names) is the other half, `statements.Statements`, which `Session`
mixes in.
"""

from __future__ import annotations

import logging
import secrets
import socket
import struct
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from . import errors as pgerr
from . import protocol, sqltext
from . import types as pgt
from .config import check_setting, duration_ms
from .copyout import CopyEncoder, CopyOut
from .errors import PgError
from .pgcatalog import CatalogDatabase
from .pgnames import DataQueryRewriter
from .results import BATCH_ROWS, CursorResult, OutColumn, Result, RowEncoder
from .statements import FETCH, REPORTED, ROW_RETURNING, Prepared, Statements, cursor_name, default_settings
from .translate import Translator

if TYPE_CHECKING:
    from .host import SessionHost, Startup

log = logging.getLogger("pipedrive_sql.server")


_DATETIME_TYPES = {pgt.DATE, pgt.TIME, pgt.TIMESTAMP, pgt.TIMESTAMPTZ, pgt.INTERVAL}


def parameter_error(number: int, data: bytes | None, oid: int, *, binary: bool, cause: Exception) -> PgError:
    """A bound parameter the server cannot read, in PostgreSQL's words (never Python's)."""
    if isinstance(cause, UnicodeDecodeError):
        bad = " ".join(f"0x{byte:02x}" for byte in cause.object[cause.start : cause.end])
        return PgError(pgerr.CHARACTER_NOT_IN_REPERTOIRE, f'invalid byte sequence for encoding "UTF8": {bad}')
    if binary:
        return PgError(
            pgerr.INVALID_BINARY_REPRESENTATION, f"incorrect binary data format in bind parameter {number}"
        )
    text = (data or b"").decode("utf-8", "replace")
    shown = text if len(text) <= 200 else text[:200] + "..."
    pg_type = pgt.BY_OID.get(oid)
    type_name = pg_type.sql_name if pg_type is not None else "text"
    where = f"bind parameter ${number}"
    if pg_type is not None and pg_type.elem_oid:
        return PgError(pgerr.INVALID_TEXT_REPRESENTATION, f'malformed array literal: "{shown}"', detail=where)
    if isinstance(cause, OverflowError):
        return PgError(
            pgerr.NUMERIC_VALUE_OUT_OF_RANGE,
            f'value "{shown}" is out of range for type {type_name}',
            detail=where,
        )
    sqlstate = pgerr.INVALID_DATETIME_FORMAT if oid in _DATETIME_TYPES else pgerr.INVALID_TEXT_REPRESENTATION
    return PgError(sqlstate, f'invalid input syntax for type {type_name}: "{shown}"', detail=where)


@dataclass
class Portal:
    statement: Prepared
    params: list[Any]
    result_formats: list[int]
    result: Result | None = None
    encoder: RowEncoder | None = None
    done: bool = False
    rows_sent: int = 0
    pending: list[Sequence[Any]] = field(default_factory=list)


class Session(Statements):
    """An authenticated client (the startup loop of `handshake` did TLS and the password)."""

    def __init__(self, server: SessionHost, startup: Startup) -> None:
        self.server = server
        self.sock: socket.socket = startup.sock
        self.peer = startup.peer
        config = server.config
        self.wire = protocol.Wire(
            startup.sock, max_message=config.max_message_size, idle_timeout=config.idle_session_timeout
        )
        self.pid = server.next_pid()
        self.secret = secrets.randbits(31)
        self.tls = startup.tls
        self.user = startup.user
        self.database = startup.database
        self._startup_params = startup.params
        self.settings: dict[str, str] = {}
        self.defaults: dict[str, str] = {}
        self.status = b"I"
        self.connection: Any = None
        self._catalog: CatalogDatabase | None = None
        self._translator: Translator | None = None
        self._rewriter: DataQueryRewriter | None = None
        self.statements: dict[str, Prepared] = {}
        self.cursors: dict[str, tuple[Result, bool]] = {}
        self.portals: dict[str, Portal] = {}
        self.skip_until_sync = False
        self._busy = threading.Lock()
        self._interrupt: Callable[[], None] | None = None
        self._cancelled = threading.Event()
        self._cancel_reason = "user request"

    # ---- lifecycle -----------------------------------------------------------------------------------

    def run(self) -> None:
        try:
            if self._open():
                self._loop()
        except (protocol.ClientGone, OSError):  # OSError covers resets and TLS failures
            pass
        except protocol.ProtocolViolation as exc:
            self._fatal(PgError(pgerr.PROTOCOL_VIOLATION, str(exc)))
        except PgError as exc:
            self._fatal(exc)
        except Exception as exc:
            self._fatal(pgerr.internal_error(exc))  # logged with an id the client is told
        finally:
            self._cleanup()

    def _cleanup(self) -> None:
        self.server.unregister(self)
        for portal in self.portals.values():
            if portal.result is not None:
                portal.result.close()
        self.portals.clear()
        for result, _hold in self.cursors.values():
            result.close()
        self.cursors.clear()
        if self.connection is not None:
            try:
                self.connection.close()
            except Exception:
                pass
        try:
            self.wire.close()
        except OSError:
            pass

    def _fatal(self, error: PgError) -> None:
        error.severity = "FATAL"
        try:
            self.wire.write(b"E", protocol.error_response(error.fields()))
            self.wire.flush()
        except (protocol.ClientGone, OSError):
            pass

    def send(self, message: tuple[bytes, bytes]) -> None:
        self.wire.write(*message)

    # ---- startup ---------------------------------------------------------------------------------------

    def _open(self) -> bool:
        """Open the backend connection and tell the client it is in (it has authenticated)."""
        self._check_database()
        self.settings = default_settings(self.user, self.database)
        if self.server.config.statement_timeout:
            self.settings["statement_timeout"] = f"{self.server.config.statement_timeout * 1000:g}"
        for name, value in self._startup_params.items():
            # a bad value in the startup packet ends the connection (FATAL), as PostgreSQL's does
            self.settings[name] = check_setting(name, value)
        self.defaults = dict(self.settings)
        try:
            self.connection = self.server.backend.connect(self.database)
        except Exception as exc:
            log.warning("cannot open database %r: %s", self.database, exc)
            raise PgError(
                "08006", f'cannot open database "{self.database}": {pgerr.from_exception(exc).message}'
            ) from exc
        # registered before the client hears it is in, so counts and cancel keys are never behind
        self.server.register(self)
        self.send(protocol.authentication(0))
        for key, name in REPORTED.items():
            self.send(protocol.parameter_status(name, self.settings.get(key, "")))
        self.send(protocol.backend_key_data(self.pid, self.secret))
        self.send(protocol.ready_for_query(b"I"))
        self.wire.flush()
        log.info("session %s: %s connected to %s from %s", self.pid, self.user, self.database, self.peer)
        return True

    def _check_database(self) -> None:
        databases = list(self.server.backend.databases())
        if self.database not in databases:
            raise PgError(
                pgerr.UNDEFINED_DATABASE,
                f'database "{self.database}" does not exist',
                hint="served databases: " + ", ".join(databases),
            )

    # ---- message loop --------------------------------------------------------------------------------

    def _loop(self) -> None:
        handlers: dict[bytes, Callable[[bytes], None]] = {
            b"Q": self._simple_query,
            b"P": self._parse,
            b"B": self._bind,
            b"D": self._describe,
            b"E": self._execute,
            b"C": self._close,
            b"H": lambda _body: self.wire.flush(),
            b"S": self._sync,
        }
        while True:
            kind, body = self.wire.read_message()
            if kind == b"X":
                return
            if kind in (b"Q", b"P") and not self.server.still_allowed(self.user):
                log.warning(
                    "session %s: %s was removed from the users file: session ended", self.pid, self.user
                )
                raise PgError(
                    pgerr.ADMIN_SHUTDOWN,
                    f'terminating connection: role "{self.user}" was removed from the users file',
                )
            if self.skip_until_sync and kind != b"S":
                continue
            handler = handlers.get(kind)
            timer = None
            if kind in (b"Q", b"D", b"E"):
                # a cancel that came while no statement ran (or a timer that fired as the last one
                # ended) is dropped, as PostgreSQL drops one that arrives between commands
                self._cancelled.clear()
                timer = self._statement_timer()
            try:
                if handler is None:
                    raise PgError(pgerr.FEATURE_NOT_SUPPORTED, f"message type {kind!r} is not supported")
                handler(body)
            except PgError as exc:
                self._error(exc, extended=kind != b"Q")
            except (protocol.ClientGone, protocol.ProtocolViolation):
                raise
            except Exception as exc:
                log.debug("session %s: statement failed", self.pid, exc_info=True)
                self._error(pgerr.from_exception(exc), extended=kind != b"Q")
            finally:
                if timer is not None:
                    timer.cancel()

    def _statement_timer(self) -> threading.Timer | None:
        """statement_timeout (SET, startup options, or the server's default): cancel the statement
        when it runs longer, as a CancelRequest would, with 57014 "due to statement timeout"."""
        try:
            milliseconds = duration_ms(self.settings.get("statement_timeout", "0"))
        except ValueError:
            return None
        if milliseconds <= 0:
            return None
        timer = threading.Timer(milliseconds / 1000, self.cancel, kwargs={"reason": "statement timeout"})
        timer.daemon = True
        timer.start()
        return timer

    def _error(self, error: PgError, *, extended: bool) -> None:
        self.wire.write(b"E", protocol.error_response(error.fields()))
        if self.status == b"T":
            self.status = b"E"
        if extended:
            self.skip_until_sync = True
        else:
            self.send(protocol.ready_for_query(self.status))
            self.wire.flush()

    def _sync(self, _body: bytes) -> None:
        self.skip_until_sync = False
        if self.status == b"I":
            self._close_portals()
        self.send(protocol.ready_for_query(self.status))
        self.wire.flush()

    def _close_portals(self) -> None:
        for portal in self.portals.values():
            if portal.result is not None:
                portal.result.close()
        self.portals.clear()

    # ---- simple query --------------------------------------------------------------------------------

    def _simple_query(self, body: bytes) -> None:
        sql = protocol.Reader(body).cstring()
        statements = sqltext.split_statements(sql)
        if not statements:
            self.send((b"I", b""))
        for statement in statements:
            result = self.run_statement(statement, [])
            try:
                if isinstance(result, CopyOut):
                    rows = self._copy_out(result)
                elif result.columns is not None:
                    self.send(protocol.row_description([c.field(0) for c in result.columns]))
                    rows = self._stream(result, RowEncoder(result.columns, []), 0)
                else:
                    rows = 0
                self.send(protocol.command_complete(result.tag(rows)))
            finally:
                result.close()
        self.send(protocol.ready_for_query(self.status))
        self.wire.flush()

    def _stream(self, result: Result, encoder: RowEncoder, limit: int, portal: Portal | None = None) -> int:
        """Send up to `limit` rows (0: all); return how many were sent."""
        sent = 0
        while limit == 0 or sent < limit:
            want = BATCH_ROWS if limit == 0 else min(BATCH_ROWS, limit - sent)
            batch: list[Sequence[Any]] = self._guarded(partial(result.fetch, want), result)
            if not batch:
                if portal is not None:
                    portal.done = True
                break
            self.wire.write_raw(encoder.encode_batch(batch))
            if len(self.wire.out) >= protocol.FLUSH_THRESHOLD:
                self.wire.flush()
            sent += len(batch)
        return sent

    def _copy_out(self, result: CopyOut) -> int:
        """CopyOutResponse, the rows as CopyData (batch by batch, cancellable), CopyDone; the row count."""
        columns = result.source_columns
        binary = result.binary
        self.send(
            (
                b"H",
                bytes([1 if binary else 0])
                + protocol.int16(len(columns))
                + b"".join(protocol.int16(1 if binary else 0) for _ in columns),
            )
        )
        encoder = CopyEncoder(result.spec, columns)
        # one CopyData per row, as PostgreSQL sends them (psycopg parses binary rows per message); the
        # binary signature travels with the first row, a CSV header as a row of its own
        pending = encoder.preamble()
        if pending and not binary:
            self.send((b"d", pending))
            pending = b""
        sent = 0
        while True:
            batch: list[Sequence[Any]] = self._guarded(partial(result.fetch, BATCH_ROWS), result.source)
            if not batch:
                break
            self.wire.write_raw(encoder.encode_messages(batch, pending))
            pending = b""
            if len(self.wire.out) >= protocol.FLUSH_THRESHOLD:
                self.wire.flush()
            sent += len(batch)
        trailer = encoder.trailer()
        if pending or trailer:
            self.send((b"d", pending + trailer))
        self.send((b"c", b""))
        return sent

    # ---- extended query ------------------------------------------------------------------------------

    def _parse(self, body: bytes) -> None:
        r = protocol.Reader(body)
        name, sql = r.cstring(), r.cstring()
        oids = [r.int32() for _ in range(r.int16())]
        if name and name in self.statements:
            raise PgError("42P05", f'prepared statement "{name}" already exists')
        self.statements[name] = Prepared(sql, oids)
        self.send((b"1", b""))

    def _bind(self, body: bytes) -> None:
        r = protocol.Reader(body)
        portal_name, statement_name = r.cstring(), r.cstring()
        formats = [r.int16() for _ in range(r.int16())]
        values: list[bytes | None] = []
        for _ in range(r.int16()):
            length = r.int32()
            values.append(None if length < 0 else r.raw(length))
        result_formats = [r.int16() for _ in range(r.int16())]
        statement = self._statement(statement_name)
        if len(formats) not in (0, 1, len(values)):
            raise PgError(pgerr.PROTOCOL_VIOLATION, "bind message has a wrong number of parameter formats")
        params = []
        for i, value in enumerate(values):
            fmt = formats[0] if len(formats) == 1 else (formats[i] if formats else 0)
            oid = statement.param_oids[i] if i < len(statement.param_oids) else 0
            try:
                params.append(pgt.decode_parameter(value, oid, fmt == 1))
            except (ValueError, ArithmeticError, struct.error) as exc:
                raise parameter_error(i + 1, value, oid, binary=fmt == 1, cause=exc) from exc
        old = self.portals.pop(portal_name, None)
        if old is not None and old.result is not None:
            old.result.close()
        self.portals[portal_name] = Portal(statement, params, result_formats)
        self.send((b"2", b""))

    def _describe(self, body: bytes) -> None:
        r = protocol.Reader(body)
        kind, name = r.byte(), r.cstring()
        if kind == b"S":
            statement = self._statement(name)
            self.infer_parameter_types(statement)
            count = statement.param_count
            oids = [
                (
                    statement.param_oids[i]
                    if i < len(statement.param_oids) and statement.param_oids[i]
                    else pgt.TEXT
                )
                for i in range(count)
            ]
            self.send(protocol.parameter_description(oids))
            columns = self._describe_statement(statement)
            if columns is None:
                self.send((b"n", b""))
            else:
                self.send(protocol.row_description([c.field(0) for c in columns]))
            return
        if name not in self.portals and name in self.cursors:
            # a DECLAREd cursor is a portal too: psycopg describes it to learn the columns
            declared = self.cursors[name][0].columns
            if declared is None:
                self.send((b"n", b""))
            else:
                self.send(protocol.row_description([c.field(0) for c in declared]))
            return
        portal = self._portal(name)
        self._start(portal)
        assert portal.result is not None
        columns = portal.result.columns
        if columns is None:
            self.send((b"n", b""))
        else:
            formats = portal.encoder.formats if portal.encoder else [0] * len(columns)
            self.send(protocol.row_description([c.field(f) for c, f in zip(columns, formats, strict=True)]))

    def _execute(self, body: bytes) -> None:
        r = protocol.Reader(body)
        name, max_rows = r.cstring(), r.int32()
        portal = self._portal(name)
        if not portal.statement.sql.strip() or sqltext.is_only_comments(portal.statement.sql):
            self.send((b"I", b""))
            return
        self._start(portal)
        result = portal.result
        assert result is not None
        if isinstance(result, CopyOut) and not portal.done:
            portal.rows_sent = self._copy_out(result)
            portal.done = True
            self.send(protocol.command_complete(result.tag(portal.rows_sent)))
            return
        if result.columns is None or portal.done:
            self.send(protocol.command_complete(result.tag(portal.rows_sent)))
            portal.done = True
            return
        assert portal.encoder is not None
        sent = self._stream(result, portal.encoder, max(max_rows, 0), portal)
        portal.rows_sent += sent
        if max_rows > 0 and sent >= max_rows and not portal.done:
            self.send((b"s", b""))
        else:
            portal.done = True
            self.send(protocol.command_complete(result.tag(portal.rows_sent)))

    def _close(self, body: bytes) -> None:
        r = protocol.Reader(body)
        kind, name = r.byte(), r.cstring()
        if kind == b"S":
            self.statements.pop(name, None)
        else:
            portal = self.portals.pop(name, None)
            if portal is not None and portal.result is not None:
                portal.result.close()
        self.send((b"3", b""))

    def _statement(self, name: str) -> Prepared:
        try:
            return self.statements[name]
        except KeyError:
            raise PgError(pgerr.UNDEFINED_PREPARED, f'prepared statement "{name}" does not exist') from None

    def _portal(self, name: str) -> Portal:
        try:
            return self.portals[name]
        except KeyError:
            raise PgError(pgerr.UNDEFINED_CURSOR, f'portal "{name}" does not exist') from None

    def _start(self, portal: Portal) -> None:
        """Run the portal's statement if it has not run yet (Describe portal runs it, Execute reads it)."""
        if portal.result is not None:
            return
        result = self.run_statement(portal.statement.sql, portal.params, portal.statement.param_oids)
        if result.columns is not None and portal.statement.columns is not None:
            announced = portal.statement.columns
            if len(announced) == len(result.columns):
                # the client decodes with the types it was told at Describe statement time
                result.columns = announced
        portal.result = result
        if result.columns is not None:
            portal.encoder = RowEncoder(result.columns, portal.result_formats)

    def _describe_statement(self, statement: Prepared) -> list[OutColumn] | None:
        if statement.described:
            return statement.columns
        sql = statement.sql
        words = sqltext.first_words(sql, 1)
        head = words[0] if words else ""
        columns: list[OutColumn] | None = None
        if head == "FETCH":
            m = FETCH.match(sqltext.strip_comments(sql).rstrip(";").strip())
            found = self.cursors.get(cursor_name(m.group(3))) if m else None
            # not cached: the same FETCH text may later name a cursor declared anew
            return found[0].columns if found is not None else None
        if head in ROW_RETURNING:
            nulls = [None] * statement.param_count
            probe = (
                sql
                if head in ("SHOW", "EXEC", "EXECUTE", "CALL", "EXPLAIN") or self._is_catalog(sql)
                else (f"SELECT * FROM ({sql.rstrip().rstrip(';')}) AS _pgx_describe LIMIT 0")
            )
            result = self.run_statement(probe, nulls)
            try:
                columns = result.columns
            finally:
                result.close()
        statement.columns = columns
        statement.described = True
        return columns

    # ---- cancellation --------------------------------------------------------------------------------

    def _run_guarded(self, action: Callable[[], Any], interrupt: Callable[[], None]) -> Any:
        """Run a blocking backend call that a CancelRequest (or the statement timer) may interrupt.

        A cancel that came earlier in the same statement (while it was translated, or the catalog was
        built) counts too: `_loop` clears the flag only when a new statement begins."""
        with self._busy:
            if self._cancelled.is_set():
                raise self._cancel_error()
            self._interrupt = interrupt
        try:
            value = action()
        except Exception as exc:
            if self._cancelled.is_set():
                raise self._cancel_error() from exc
            raise
        finally:
            with self._busy:
                self._interrupt = None
        if self._cancelled.is_set():
            raise self._cancel_error()
        return value

    def _cancel_error(self) -> PgError:
        return PgError(pgerr.QUERY_CANCELED, f"canceling statement due to {self._cancel_reason}")

    def _guarded(self, action: Callable[[], Any], result: Result) -> Any:
        """Fetch a batch; a cancel between batches ends the stream."""
        if self._cancelled.is_set():
            raise self._cancel_error()
        cursor: Any = getattr(result, "cursor", None)
        catalog = isinstance(result, CursorResult) and result.catalog

        def interrupt() -> None:
            if catalog:
                cursor.interrupt()
            else:
                self.server.backend.interrupt(self.connection, cursor)

        return self._run_guarded(action, interrupt)

    def cancel(self, reason: str = "user request") -> None:
        """Called from the thread that received the CancelRequest (or the statement timer)."""
        with self._busy:
            self._cancel_reason = reason
            self._cancelled.set()
            interrupt = self._interrupt
        if interrupt is not None:
            try:
                interrupt()
            except Exception:
                log.debug("session %s: interrupt failed", self.pid, exc_info=True)
