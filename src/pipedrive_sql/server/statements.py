"""Statements a session answers: routing, transaction control, SET/SHOW, SQL-level cursors and
prepared statements, catalog queries and data queries.

`Statements` is the half of a session that knows SQL; `session.Session` (the other half) knows the
wire. A statement goes to one of three places: answered here (SET, SHOW, BEGIN, DECLARE, PREPARE ...),
the emulated catalog (pg_catalog, information_schema, queries without tables), or the driver, with
table names resolved the way PostgreSQL resolves them (`pgnames`) and `$n` parameters rewritten into
the driver's paramstyle.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp

from pipedrive_sql.engine.guard import outside_function

from . import cursors, protocol, sqltext
from . import errors as pgerr
from . import types as pgt
from .backend import routines_of
from .config import check_setting
from .copyout import CopyOut, parse_copy
from .errors import PgError
from .operands import kind_of_oid, parameter_kinds
from .pgcatalog import SERVER_VERSION, SERVER_VERSION_NUM, CatalogDatabase, type_oid
from .pgnames import DataQueryRewriter, Rewritten
from .results import BATCH_ROWS, CommandResult, CursorResult, OutColumn, Result, StaticResult
from .translate import TranslationError, Translator, has_no_tables, looks_like_catalog_query

if TYPE_CHECKING:
    from .host import SessionHost

log = logging.getLogger("pipedrive_sql.server")

# Parameters the server reports with ParameterStatus at startup and whenever they change.
REPORTED = {
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
    r"^DECLARE\s+(\"(?:[^\"]|\"\")+\"|[\w$]+)\s+((?:BINARY\s+|INSENSITIVE\s+|ASENSITIVE\s+|NO\s+SCROLL\s+|SCROLL\s+)*)"
    r"CURSOR\s+(?:(WITH\s+HOLD)\s+|WITHOUT\s+HOLD\s+)?FOR\s+(.*)$",
    re.I | re.S,
)
_PREPARE = re.compile(r"^PREPARE\s+(\"(?:[^\"]|\"\")+\"|[\w$]+)\s*(?:\((.*?)\))?\s+AS\s+(.*)$", re.I | re.S)
_EXECUTE = re.compile(r"^EXECUTE\s+(\"(?:[^\"]|\"\")+\"|[\w$]+)\s*(?:\((.*)\))?$", re.I | re.S)
FETCH = cursors.STATEMENT

ROW_RETURNING = {"SELECT", "WITH", "VALUES", "TABLE", "SHOW", "EXPLAIN", "EXEC", "EXECUTE", "CALL"}


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
    #: the types PREPARE name(type, ...) named, as written
    sql_types: list[str] = field(default_factory=list)
    columns: list[OutColumn] | None = None
    described: bool = False

    @property
    def param_count(self) -> int:
        numbers = sqltext.placeholders(self.sql)
        return max([len(self.param_oids), *numbers]) if numbers else len(self.param_oids)


class Statements:
    """Statement routing for a session (mixed into `Session`, which provides the attributes below)."""

    server: SessionHost
    user: str
    database: str
    settings: dict[str, str]
    #: what RESET and SET ... TO DEFAULT go back to: the settings as the session began (the server's
    #: defaults, its statement_timeout, the client's startup parameters), as PostgreSQL's reset values
    defaults: dict[str, str]
    status: bytes
    connection: Any
    pid: int
    cursors: dict[str, tuple[Result, bool]]
    statements: dict[str, Prepared]
    _catalog: CatalogDatabase | None
    _translator: Translator | None
    _rewriter: DataQueryRewriter | None
    _busy: threading.Lock

    def send(self, message: tuple[bytes, bytes]) -> None:
        raise NotImplementedError

    def _run_guarded(self, action: Callable[[], Any], interrupt: Callable[[], None]) -> Any:
        raise NotImplementedError

    # ---- statement routing ---------------------------------------------------------------------------

    def run_statement(self, sql: str, params: Sequence[Any], oids: Sequence[int] = ()) -> Result:
        """Runs one statement; ``oids`` are the bound parameters' types as the client declared them."""
        words = sqltext.first_words(sql, 3)
        head = words[0] if words else ""
        if self.status == b"E" and head not in ("ROLLBACK", "ABORT", "COMMIT", "END"):
            raise PgError(
                pgerr.IN_FAILED_TRANSACTION,
                "current transaction is aborted, commands ignored until end of transaction block",
            )
        if head in ("DECLARE", "FETCH", "MOVE") or (head == "CLOSE" and words[1:2] != ["PORTAL"]):
            return self._sql_cursor(head, sql, params, oids)
        if head == "COPY":
            spec = parse_copy(sqltext.strip_comments(sql))
            source = self.run_statement(spec.query, params, oids)
            if source.columns is None:
                source.close()
                raise PgError(pgerr.SYNTAX_ERROR, "COPY (query) needs a query that returns rows")
            return CopyOut(spec, source)
        local = self._local_command(head, words, sql)
        if local is not None:
            return local
        if self._is_catalog(sql):
            return self._catalog_query(sql, params, oids)
        return self._backend_query(sql, params, oids)

    def _sql_cursor(self, head: str, sql: str, params: Sequence[Any], oids: Sequence[int] = ()) -> Result:
        """DECLARE / FETCH / MOVE / CLOSE: psycopg's named cursors and psqlODBC's Use Declare/Fetch."""
        text = sqltext.strip_comments(sql).rstrip(";").strip()
        if head == "DECLARE":
            m = _DECLARE.match(text)
            if not m:
                raise PgError(pgerr.SYNTAX_ERROR, "cannot parse this DECLARE statement")
            name, hold, query = cursor_name(m.group(1)), bool(m.group(3)), m.group(4)
            scroll = re.search(r"(?<!NO\s)SCROLL", m.group(2).upper()) is not None
            if name in self.cursors:
                raise PgError("42P03", f'cursor "{name}" already exists')
            source = self.run_statement(query, params, oids)
            self.cursors[name] = (cursors.ScrollCursor(source) if scroll else source, hold)
            return CommandResult("DECLARE CURSOR")
        if head == "CLOSE":
            target = text.split(None, 1)[1] if len(text.split(None, 1)) > 1 else ""
            names = list(self.cursors) if target.upper() == "ALL" else [cursor_name(target)]
            for name in names:
                found = self.cursors.pop(name, None)
                if found is None:
                    raise PgError(pgerr.UNDEFINED_CURSOR, f'cursor "{name}" does not exist')
                found[0].close()
            return CommandResult("CLOSE CURSOR")
        m = FETCH.match(text)
        if not m:
            raise PgError(
                pgerr.SYNTAX_ERROR, f"cannot read this {head}: write {head} [direction] [FROM] cursor"
            )
        how, name = cursors.direction(m.group(2)), cursor_name(m.group(3))
        if name not in self.cursors:
            raise PgError(pgerr.UNDEFINED_CURSOR, f'cursor "{name}" does not exist')
        result = self.cursors[name][0]
        if isinstance(result, cursors.ScrollCursor):
            return result.run(how, fetch=head == "FETCH")
        if not how.forward_only:
            raise cursors.refuse_backward()
        count = 0 if how.count >= cursors.ALL else how.count  # _drain and _FetchResult: 0 is all
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
            target = sqltext.strip_comments(sql).rstrip(";").split(None, 1)[-1].strip().strip('"').lower()
            self._reset(None if target == "all" else target)
            return CommandResult("RESET")
        if head == "SHOW":
            return self._show(sql)
        if head == "DISCARD":
            if second == "ALL":
                for result, _hold in self.cursors.values():
                    result.close()
                self.cursors.clear()
                self.statements = {k: v for k, v in self.statements.items() if not k}
                self._reset(None)
            return CommandResult(f"DISCARD {second}".strip())
        if head == "DEALLOCATE":
            target = sqltext.strip_comments(sql).rstrip(";").split()[-1]
            if target.upper() == "ALL":
                self.statements = {k: v for k, v in self.statements.items() if not k}
                return CommandResult("DEALLOCATE ALL")
            # lenient where PostgreSQL is strict: psqlODBC deallocates plans it never prepared here
            self.statements.pop(cursor_name(target), None)
            return CommandResult("DEALLOCATE")
        if head == "PREPARE":
            return self._prepare(sql)
        if head == "EXECUTE":
            m = _EXECUTE.match(sqltext.strip_comments(sql).rstrip(";").strip())
            if m and cursor_name(m.group(1)) in self.statements:
                return self._execute_prepared(cursor_name(m.group(1)), m.group(2) or "")
            if m and m.group(2) is not None:
                name = cursor_name(m.group(1))
                raise PgError(
                    pgerr.UNDEFINED_PREPARED,
                    f'prepared statement "{name}" does not exist',
                    hint="PREPARE it first; stored procedures run as EXEC Name Param='value'",
                )
            return None  # EXECUTE Procedure Param='x': the driver's stored procedures
        if head in ("LISTEN", "UNLISTEN", "NOTIFY"):
            return CommandResult(head)
        return None

    def _reset(self, name: str | None) -> None:
        """RESET name / RESET ALL: back to the session's defaults, reported as PostgreSQL reports them."""
        defaults = self.defaults
        names = [name] if name is not None else [n for n in defaults if n != "session_authorization"]
        for key in names:
            if key in ("transaction isolation level",):
                key = "transaction_isolation"
            value = defaults.get(key, "")
            changed = self.settings.get(key) != value
            self.settings[key] = value
            if changed and key in REPORTED:
                self.send(protocol.parameter_status(REPORTED[key], value))

    def _prepare(self, sql: str) -> Result:
        """PREPARE name [(type, ...)] AS statement: the same namespace as protocol-level statements."""
        m = _PREPARE.match(sqltext.strip_comments(sql).rstrip(";").strip())
        if not m:
            raise PgError(
                pgerr.SYNTAX_ERROR, "cannot read this PREPARE: write PREPARE name [(types)] AS statement"
            )
        name = cursor_name(m.group(1))
        if name in self.statements:
            raise PgError("42P05", f'prepared statement "{name}" already exists')
        types = [part.strip() for part in _split_top_level(m.group(2) or "") if part.strip()]
        oids = [type_oid(type_name) for type_name in types]
        self.statements[name] = Prepared(m.group(3), oids, sql_types=types)
        return CommandResult("PREPARE")

    def _execute_prepared(self, name: str, arguments: str) -> Result:
        """EXECUTE name (value, ...): the values are SQL expressions put in place of $1, $2, ..."""
        statement = self.statements[name]
        values = [part.strip() for part in _split_top_level(arguments) if part.strip()]
        if len(values) != statement.param_count:
            raise PgError(
                "42601",
                f'wrong number of parameters for prepared statement "{name}"',
                detail=f"Expected {statement.param_count} parameters but got {len(values)}.",
            )
        typed = [
            f"CAST(({value}) AS {statement.sql_types[i]})" if i < len(statement.sql_types) else f"({value})"
            for i, value in enumerate(values)
        ]
        return self.run_statement(sqltext.substitute_placeholders(statement.sql, typed), [])

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
            value = self.defaults.get(name, "")
        self.settings[name] = check_setting(name, value)
        if name in REPORTED:
            self.send(protocol.parameter_status(REPORTED[name], value))
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
        column = REPORTED.get(key, key)
        return StaticResult([OutColumn(column, pgt.ColumnType(pgt.TEXT))], [(self.settings[key],)], "SHOW")

    def _is_catalog(self, sql: str) -> bool:
        return looks_like_catalog_query(sql) or has_no_tables(sql)

    def catalog(self) -> CatalogDatabase:
        """The database's emulated catalog; the server rebuilds it after its TTL (new custom fields)."""
        catalog = self.server.catalog_for(self.database, self.connection)
        if not catalog.routines_loaded:
            catalog.add_routines(routines_of(self.server.backend, self.database, self.connection))
        if catalog is not self._catalog:
            self._catalog = catalog
            self._translator = Translator(
                catalog.oid_of,
                proc_oid_of=catalog.proc_oid_of,
                user=self.user,
                database=self.database,
                settings=self.settings,
            )
            self._rewriter = DataQueryRewriter(
                self.database,
                ((t.schema, t.name) for t in catalog.tables),
                {t.name: {c.name: kind_of_oid(c.type.oid) for c in t.columns} for t in catalog.tables},
                {t.name: {c.name: c.type.oid for c in t.columns} for t in catalog.tables},
            )
        return catalog

    def infer_parameter_types(self, statement: Prepared) -> None:
        """Fill in the types of the statement's untyped parameters that its text implies (Describe of a
        prepared statement reports them, and Bind then decodes the arguments as them: asyncpg sends
        them in binary, encoded as the reported type). Types the client named stay."""
        count = statement.param_count
        oids = list(statement.param_oids) + [0] * (count - len(statement.param_oids))
        if all(oids):
            return
        self.catalog()
        assert self._rewriter is not None
        inferred = self._rewriter.parameter_oids(statement.sql, count)
        statement.param_oids = [oid or guess for oid, guess in zip(oids, inferred, strict=True)]

    def driver_sql(self, sql: str, params: Sequence[Any] = (), oids: Sequence[int] = ()) -> Rewritten:
        """A client's data query as the driver reads it: tables resolved, result columns named, integer
        division typed from the bound parameters too (pgnames)."""
        self.catalog()
        assert self._rewriter is not None
        return self._rewriter.rewrite(sql, parameter_kinds(params, oids)) or Rewritten(sql)

    def _catalog_query(self, sql: str, params: Sequence[Any], oids: Sequence[int] = ()) -> Result:
        catalog = self.catalog()
        assert self._translator is not None
        try:
            translated = self._translator.translate(sql, parameter_kinds(params, oids))
        except TranslationError as exc:
            raise PgError(pgerr.SYNTAX_ERROR, f"cannot answer this catalog query: {exc}") from exc
        refuse_outside(translated)
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
            log.info("session %s: catalog query failed: %s", self.pid, exc)
            raise

    def _backend_query(self, sql: str, params: Sequence[Any], oids: Sequence[int] = ()) -> Result:
        backend = self.server.backend
        rewritten = self.driver_sql(sql, params, oids)
        converted, order = sqltext.replace_placeholders(rewritten.sql, backend.paramstyle)
        params = [
            _driver_value(value, n in rewritten.array_parameters) for n, value in enumerate(params, start=1)
        ]
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


def cursor_name(text: str) -> str:
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

    def fetch(self, n: int) -> Sequence[Any]:
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


def _driver_value(value: Any, array: bool) -> Any:
    """A parameter as the driver takes it: intervals as PostgreSQL text (the engine casts them), an untyped
    `{a,b}` bound to `= ANY($n)` as a list."""
    if isinstance(value, dt.timedelta):
        return f"{value.days} days {value.seconds} seconds {value.microseconds} microseconds"
    if array and isinstance(value, str) and value.startswith("{"):
        try:
            items = pgt.parse_array_text(value, 0)
        except ValueError:
            raise PgError(
                pgerr.INVALID_TEXT_REPRESENTATION, f'malformed array literal: "{value[:200]}"'
            ) from None
        # untyped (node-postgres sends arrays so): all-integer items are numbers, as `"Id" = ANY($1)` needs
        if items and all(isinstance(i, str) and _INTEGER.match(i) for i in items):
            return [int(i) for i in items]
        return items
    return value


_INTEGER = re.compile(r"^[+-]?\d{1,18}$")


def _split_top_level(text: str) -> list[str]:
    """Split on commas outside parentheses, quotes and comments: `'a,b', (1, 2)` is two items."""
    parts: list[str] = []
    depth = 0
    start = 0
    for kind, s, _e in sqltext.tokens(text):
        if kind != "char":
            continue
        ch = text[s]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:s])
            start = s + 1
    parts.append(text[start:])
    return parts


def refuse_outside(sql: str) -> None:
    """The catalog database is sealed (no files, network or settings); a statement that tries anyway is
    refused with the driver's words (42501) rather than failing inside it: only queries run there, and only
    functions that compute (engine/guard.py)."""
    try:
        trees = sqlglot.parse(sql, read="duckdb")
    except Exception:
        return  # the catalog database reports it as a syntax error
    for tree in trees:
        if tree is None:
            continue
        if not isinstance(tree, exp.Query):
            verb = tree.key.upper() if not isinstance(tree, exp.Command) else str(tree.this).upper()
            raise PgError("42501", f"{verb} is not allowed: the server answers queries (docs/security.md).")
        for node in tree.find_all(exp.Func):
            name = node.name if isinstance(node, exp.Anonymous) else node.sql_name()
            why = outside_function(str(name).lower())
            if why is not None:
                raise PgError("42501", f"{str(name).lower()} is not allowed: {why}.")
