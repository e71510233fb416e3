"""One client connection: startup (TLS, authentication), then simple and extended query.

A session runs on its own thread and owns one backend (driver) connection. Statements are routed:
transaction control, SET/SHOW and friends are answered here; catalog queries (pg_catalog,
information_schema, queries without tables) go to the emulated catalog; everything else goes to the
driver with `$n` parameters rewritten into the driver's paramstyle.
"""

from __future__ import annotations

import logging
import re
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
from .config import duration_ms
from .errors import PgError
from .pgcatalog import SERVER_VERSION, SERVER_VERSION_NUM, CatalogDatabase
from .results import BATCH_ROWS, CommandResult, CursorResult, OutColumn, Result, RowEncoder, StaticResult
from .translate import TranslationError, Translator, has_no_tables, looks_like_catalog_query

if TYPE_CHECKING:
    from .host import SessionHost, Startup

log = logging.getLogger("pipedrive_sql.server")

# Parameters the server reports with ParameterStatus at startup and whenever they change.
_REPORTED = {
    name.lower(): name
    for name in (
        "application_name",
        "client_encoding",
        "DateStyle",
        "default_transaction_read_only",
        "in_hot_standby",
        "integer_datetimes",
        "IntervalStyle",
        "is_superuser",
        "server_encoding",
        "server_version",
        "session_authorization",
        "standard_conforming_strings",
        "TimeZone",
    )
}

_SET = re.compile(r"^SET\s+(?:SESSION\s+|LOCAL\s+)?([\w.\"]+)\s*(?:=|\s+TO\s+)\s*(.*?)\s*;?$", re.I | re.S)
_SET_TIME_ZONE = re.compile(r"^SET\s+(?:SESSION\s+|LOCAL\s+)?TIME\s+ZONE\s+(.*?)\s*;?$", re.I | re.S)
_DECLARE = re.compile(
    r"^DECLARE\s+(\"(?:[^\"]|\"\")+\"|[\w$]+)\s+(?:BINARY\s+|INSENSITIVE\s+|ASENSITIVE\s+|NO\s+SCROLL\s+|SCROLL\s+)*"
    r"CURSOR\s+(?:(WITH\s+HOLD)\s+|WITHOUT\s+HOLD\s+)?FOR\s+(.*)$",
    re.I | re.S,
)
_FETCH = re.compile(
    r"^(?:FETCH|MOVE)\s+(?:(NEXT|FORWARD\s+ALL|FORWARD\s+\d+|FORWARD|ALL|\d+)\s+)?(?:FROM\s+|IN\s+)?(\"(?:[^\"]|\"\")+\"|[\w$]+)$",
    re.I,
)
_ROW_RETURNING = {"SELECT", "WITH", "VALUES", "TABLE", "SHOW", "EXPLAIN", "EXEC", "EXECUTE", "CALL"}


def default_settings(user: str, database: str) -> dict[str, str]:
    return {
        "server_version": SERVER_VERSION,
        "server_version_num": SERVER_VERSION_NUM,
        "server_encoding": "UTF8",
        "client_encoding": "UTF8",
        "datestyle": "ISO, MDY",
        "timezone": "UTC",
        "integer_datetimes": "on",
        "standard_conforming_strings": "on",
        "intervalstyle": "postgres",
        "is_superuser": "off",
        "default_transaction_read_only": "off",
        "in_hot_standby": "off",
        "session_authorization": user,
        "application_name": "",
        "search_path": '"$user", public',
        "transaction_isolation": "read committed",
        "default_transaction_isolation": "read committed",
        "transaction_read_only": "off",
        "max_identifier_length": "63",
        "max_index_keys": "32",
        "extra_float_digits": "1",
        "statement_timeout": "0",
        "lc_collate": "C.UTF-8",
        "lc_ctype": "C.UTF-8",
        "lc_messages": "C.UTF-8",
        "block_size": "8192",
        "bytea_output": "hex",
        "current_database": database,
    }


@dataclass
class Prepared:
    sql: str
    param_oids: list[int]
    columns: list[OutColumn] | None = None
    described: bool = False

    @property
    def param_count(self) -> int:
        numbers = sqltext.placeholders(self.sql)
        return max([len(self.param_oids), *numbers]) if numbers else len(self.param_oids)


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


class Session:
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
        self.status = b"I"
        self.connection: Any = None
        self._catalog: CatalogDatabase | None = None
        self._translator: Translator | None = None
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
        self.settings.update(self._startup_params)
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
        for key, name in _REPORTED.items():
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
            if self.skip_until_sync and kind != b"S":
                continue
            handler = handlers.get(kind)
            timer = self._statement_timer() if kind in (b"Q", b"D", b"E") else None
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
                if result.columns is not None:
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
            for row in batch:
                self.wire.write_raw(encoder.encode(row))
            if len(self.wire.out) >= protocol.FLUSH_THRESHOLD:
                self.wire.flush()
            sent += len(batch)
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
            except (ValueError, struct.error) as exc:
                raise PgError("22P02", f"invalid value for parameter ${i + 1}: {exc}") from exc
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
        result = self.run_statement(portal.statement.sql, portal.params)
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
            m = _FETCH.match(sqltext.strip_comments(sql).rstrip(";").strip())
            found = self.cursors.get(_cursor_name(m.group(2))) if m else None
            # not cached: the same FETCH text may later name a cursor declared anew
            return found[0].columns if found is not None else None
        if head in _ROW_RETURNING:
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

    # ---- statement routing ---------------------------------------------------------------------------

    def run_statement(self, sql: str, params: Sequence[Any]) -> Result:
        words = sqltext.first_words(sql, 3)
        head = words[0] if words else ""
        if self.status == b"E" and head not in ("ROLLBACK", "ABORT", "COMMIT", "END"):
            raise PgError(
                pgerr.IN_FAILED_TRANSACTION,
                "current transaction is aborted, commands ignored until end of transaction block",
            )
        if head in ("DECLARE", "FETCH", "MOVE") or (head == "CLOSE" and words[1:2] != ["PORTAL"]):
            return self._sql_cursor(head, sql, params)
        local = self._local_command(head, words, sql)
        if local is not None:
            return local
        if self._is_catalog(sql):
            return self._catalog_query(sql, params)
        return self._backend_query(sql, params)

    def _sql_cursor(self, head: str, sql: str, params: Sequence[Any]) -> Result:
        """DECLARE / FETCH / MOVE / CLOSE: psycopg's named cursors and psqlODBC's Use Declare/Fetch."""
        text = sqltext.strip_comments(sql).rstrip(";").strip()
        if head == "DECLARE":
            m = _DECLARE.match(text)
            if not m:
                raise PgError(pgerr.SYNTAX_ERROR, "cannot parse this DECLARE statement")
            name, hold, query = _cursor_name(m.group(1)), bool(m.group(2)), m.group(3)
            if name in self.cursors:
                raise PgError("42P03", f'cursor "{name}" already exists')
            self.cursors[name] = (self.run_statement(query, params), hold)
            return CommandResult("DECLARE CURSOR")
        if head == "CLOSE":
            target = text.split(None, 1)[1] if len(text.split(None, 1)) > 1 else ""
            names = list(self.cursors) if target.upper() == "ALL" else [_cursor_name(target)]
            for name in names:
                found = self.cursors.pop(name, None)
                if found is None:
                    raise PgError(pgerr.UNDEFINED_CURSOR, f'cursor "{name}" does not exist')
                found[0].close()
            return CommandResult("CLOSE CURSOR")
        m = _FETCH.match(text)
        if not m:
            raise PgError(pgerr.FEATURE_NOT_SUPPORTED, f"only forward {head} is supported")
        amount, name = (m.group(1) or "NEXT").upper(), _cursor_name(m.group(2))
        if name not in self.cursors:
            raise PgError(pgerr.UNDEFINED_CURSOR, f'cursor "{name}" does not exist')
        count = (
            1 if amount in ("NEXT", "FORWARD") else 0 if amount.endswith("ALL") else int(amount.split()[-1])
        )
        result = self.cursors[name][0]
        if head == "MOVE":
            moved = _drain(result, count)
            return CommandResult(f"MOVE {moved}")
        return _FetchResult(result, count)

    def _local_command(self, head: str, words: list[str], sql: str) -> Result | None:
        second = words[1] if len(words) > 1 else ""
        if head in ("BEGIN", "START"):
            self.status = b"T"
            return CommandResult("BEGIN" if head == "BEGIN" else "START TRANSACTION")
        if head in ("COMMIT", "END"):
            failed = self.status == b"E"
            self.status = b"I"
            self._transaction_end(commit=not failed)
            return CommandResult("ROLLBACK" if failed else "COMMIT")
        if head in ("ROLLBACK", "ABORT"):
            if second == "TO" or (second in ("TRANSACTION", "WORK") and len(words) > 2 and words[2] == "TO"):
                if self.status == b"E":
                    self.status = b"T"
                return CommandResult("ROLLBACK")
            self.status = b"I"
            self._transaction_end(commit=False)
            return CommandResult("ROLLBACK")
        if head == "SAVEPOINT":
            return CommandResult("SAVEPOINT")
        if head == "RELEASE":
            return CommandResult("RELEASE")
        if head == "SET":
            return self._set(sql, second)
        if head == "RESET":
            return CommandResult("RESET")
        if head == "SHOW":
            return self._show(sql)
        if head == "DISCARD":
            return CommandResult("DISCARD ALL")
        if head == "DEALLOCATE":
            target = sql.split()[-1].strip('";')
            if target.upper() == "ALL":
                self.statements = {k: v for k, v in self.statements.items() if not k}
            else:
                self.statements.pop(target, None)
            return CommandResult("DEALLOCATE")
        if head in ("LISTEN", "UNLISTEN", "NOTIFY"):
            return CommandResult(head)
        return None

    def _transaction_end(self, *, commit: bool) -> None:
        for name, (result, hold) in list(self.cursors.items()):
            if not hold:
                result.close()
                del self.cursors[name]
        method = getattr(self.connection, "commit" if commit else "rollback", None)
        if method is None:
            return
        try:
            method()
        except Exception:
            # the driver's writes are immediate API calls; a driver without transactions may refuse
            log.debug(
                "session %s: backend %s failed", self.pid, "commit" if commit else "rollback", exc_info=True
            )

    def _set(self, sql: str, second: str) -> Result:
        if (
            second in ("TRANSACTION", "SESSION") and "CHARACTERISTICS" in sql.upper()
        ) or second == "TRANSACTION":
            return CommandResult("SET")
        m = _SET_TIME_ZONE.match(sql.strip())
        if m:
            name, value = "timezone", m.group(1)
        else:
            m = _SET.match(sql.strip())
            if not m:
                return CommandResult("SET")
            name, value = m.group(1).strip('"').lower(), m.group(2)
        value = ", ".join(
            part.strip().strip("'\"") for part in sqltext.split_statements(value.replace(",", ";"))
        )
        if value.upper() == "DEFAULT":
            value = default_settings(self.user, self.database).get(name, "")
        self.settings[name] = value
        if name in _REPORTED:
            self.send(protocol.parameter_status(_REPORTED[name], value))
        return CommandResult("SET")

    def _show(self, sql: str) -> Result:
        name = sqltext.strip_comments(sql).rstrip(";").split(None, 1)[1].strip().strip('"')
        key = name.lower()
        if key == "all":
            rows: list[Sequence[Any]] = [(k, v, "") for k, v in sorted(self.settings.items())]
            cols = [OutColumn(c, pgt.ColumnType(pgt.TEXT)) for c in ("name", "setting", "description")]
            return StaticResult(cols, rows, "SHOW")
        if key in ("transaction isolation level",):
            key = "transaction_isolation"
        if key not in self.settings:
            raise PgError("42704", f'unrecognized configuration parameter "{name}"')
        column = _REPORTED.get(key, key)
        return StaticResult([OutColumn(column, pgt.ColumnType(pgt.TEXT))], [(self.settings[key],)], "SHOW")

    def _is_catalog(self, sql: str) -> bool:
        return looks_like_catalog_query(sql) or has_no_tables(sql)

    def catalog(self) -> CatalogDatabase:
        """The database's emulated catalog; the server rebuilds it after its TTL (new custom fields)."""
        catalog = self.server.catalog_for(self.database, self.connection)
        if catalog is not self._catalog:
            self._catalog = catalog
            self._translator = Translator(
                catalog.oid_of,
                proc_oid_of=catalog.proc_oid_of,
                user=self.user,
                database=self.database,
                settings=self.settings,
            )
        return catalog

    def _catalog_query(self, sql: str, params: Sequence[Any]) -> Result:
        catalog = self.catalog()
        assert self._translator is not None
        try:
            translated = self._translator.translate(sql)
        except TranslationError as exc:
            raise PgError(pgerr.SYNTAX_ERROR, f"cannot answer this catalog query: {exc}") from exc
        cursor = catalog.cursor()

        def start() -> CursorResult:
            cursor.execute(translated, list(params) or None)
            # DuckDB computes lazily: the first fetch is where a long query spends its time
            return CursorResult(cursor, sql, catalog=True)

        try:
            result: CursorResult = self._run_guarded(start, cursor.interrupt)
            return result
        except PgError:
            cursor.close()
            raise
        except Exception as exc:
            cursor.close()
            empty = _empty_result_for(sql)
            if empty is not None:
                log.debug("session %s: catalog query answered empty (%s)", self.pid, exc)
                return empty
            log.info("session %s: catalog query failed: %s", self.pid, exc)
            raise

    def _backend_query(self, sql: str, params: Sequence[Any]) -> Result:
        backend = self.server.backend
        converted, order = sqltext.replace_placeholders(sql, backend.paramstyle)
        if order and max(order) > len(params):
            raise PgError(
                pgerr.PROTOCOL_VIOLATION,
                f"the query uses ${max(order)} but only {len(params)} parameters were bound",
            )
        bound: Any
        if backend.paramstyle in ("named", "pyformat"):
            bound = {f"p{n}": params[n - 1] for n in set(order)}
        elif backend.paramstyle == "numeric":
            bound = list(params)
        else:
            bound = [params[n - 1] for n in order]
        cursor = self.connection.cursor()
        connection = self.connection

        def start() -> CursorResult:
            if bound:
                cursor.execute(converted, bound)
            else:
                cursor.execute(converted)
            return CursorResult(cursor, sql)

        try:
            result: CursorResult = self._run_guarded(start, lambda: backend.interrupt(connection, cursor))
            return result
        except BaseException:
            try:
                cursor.close()
            except Exception:
                pass
            raise

    # ---- cancellation --------------------------------------------------------------------------------

    def _run_guarded(self, action: Callable[[], Any], interrupt: Callable[[], None]) -> Any:
        """Run a blocking backend call that a CancelRequest may interrupt."""
        self._cancelled.clear()
        with self._busy:
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


def _empty_result_for(sql: str) -> Result | None:
    """Queries on catalogs that are always empty here (triggers, policies, publications, inheritance)
    may use functions the emulation lacks; their answer is known without running them: no rows."""
    import sqlglot
    from sqlglot import expressions as exp

    from .translate import _pg_output_name, preprocess

    always_empty = {
        "pg_trigger",
        "pg_policy",
        "pg_publication",
        "pg_publication_rel",
        "pg_publication_namespace",
        "pg_inherits",
        "pg_statistic_ext",
        "pg_rewrite",
        "pg_extension",
        "pg_event_trigger",
        "pg_enum",
        "pg_collation",
        "pg_depend",
        "pg_sequence",
        "pg_foreign_table",
        "pg_range",
    }
    try:
        tree = sqlglot.parse_one(preprocess(sql), read="postgres")
    except Exception:
        return None
    selects: list[exp.Select] = []
    if isinstance(tree, exp.Select):
        selects = [tree]
    elif isinstance(tree, exp.SetOperation):
        selects = [
            s
            for s in tree.find_all(exp.Select)
            if s.parent_select is None or s.parent is tree or isinstance(s.parent, exp.SetOperation)
        ]
    if not selects:
        return None
    for select in selects:
        source = select.args.get("from_") or select.args.get("from")
        table = source.find(exp.Table) if source is not None else None
        if table is None or table.name.lower() not in always_empty:
            return None
    first = selects[0]
    names = [p.alias_or_name if isinstance(p, exp.Alias) else _pg_output_name(p) for p in first.expressions]
    return StaticResult([OutColumn(n, pgt.ColumnType(pgt.TEXT)) for n in names], [])


def _cursor_name(text: str) -> str:
    text = text.strip()
    if text.startswith('"') and text.endswith('"'):
        return text[1:-1].replace('""', '"')
    return text.lower()


def _drain(result: Result, count: int) -> int:
    moved = 0
    while count == 0 or moved < count:
        batch = result.fetch(BATCH_ROWS if count == 0 else min(BATCH_ROWS, count - moved))
        if not batch:
            break
        moved += len(batch)
    return moved


class _FetchResult(Result):
    """Up to `count` rows (0: all) of a declared cursor; closing it leaves the cursor open."""

    def __init__(self, source: Result, count: int) -> None:
        self.source = source
        self.columns = source.columns
        self.remaining = count

    def fetch(self, n: int) -> list[Sequence[Any]]:
        if self.remaining < 0:
            return []
        want = n if self.remaining == 0 else min(n, self.remaining)
        batch = self.source.fetch(want) if want else []
        if self.remaining:
            self.remaining -= len(batch)
            if self.remaining == 0:
                self.remaining = -1
        return batch

    def tag(self, rows_sent: int) -> str:
        return f"FETCH {rows_sent}"
