"""Stage 4: running statements. One ``Engine`` (one DuckDB database) per DB-API connection, one ``Session``
(a DuckDB cursor) per DB-API cursor.

A query is parsed, bound, planned, and each table reference becomes a fresh lazily pulled RecordBatchReader
registered under the plan's name; DuckDB runs the rewritten SQL over them with ``threads=1`` so it pulls
pages only as it needs rows. EXEC and EXPLAIN produce small Arrow tables that DuckDB serves the same way,
so every result is read through one interface. INSERT/UPDATE/DELETE go to ``pipedrive_sql.engine.writes``
(imported plainly; what both need, ``WriteResult``, lives below them in ``write_result``).
"""

from __future__ import annotations

import itertools
import threading
import warnings
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa
from sqlglot import exp

from pipedrive_sql.catalog.catalog import Catalog
from pipedrive_sql.catalog.system import SYSTEM_TABLES, system_table
from pipedrive_sql.engine.diagnostics import translate_duckdb_error
from pipedrive_sql.engine.explain import explain_table
from pipedrive_sql.engine.guard import allowed_functions, seal
from pipedrive_sql.engine.joinkeys import push_join_keys
from pipedrive_sql.engine.local import LocalObjects, run_local, write_target
from pipedrive_sql.engine.params import bind
from pipedrive_sql.engine.parse import CACHE, EXEC, EXPLAIN, LOCAL, QUERY, WRITE, Statement, parse, too_deep
from pipedrive_sql.engine.plan import QueryPlan, plan_query
from pipedrive_sql.engine.predicates import NO_VALUE, literal_value
from pipedrive_sql.engine.procedures import REGISTRY, ProcedureRegistry, ResultSets
from pipedrive_sql.engine.scan import ApiReader, FirstPagesAhead, SharedPages, open_scan
from pipedrive_sql.engine.search import push_searches
from pipedrive_sql.engine.write_result import WriteResult
from pipedrive_sql.engine.writes import execute_write
from pipedrive_sql.errors import (
    Error,
    InterfaceError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    QueryCanceled,
)

__all__ = ["Engine", "Result", "Session", "WriteResult", "translate_duckdb_error"]

_CACHE_SIZE = 256
_STREAMING_CURSORS = 16  # DuckDB cursors made with a small result buffer before the configuration is locked


@dataclass
class Result:
    """The outcome of one execute: a DuckDB result to fetch from (or none, for writes without RETURNING)."""

    has_rows: bool
    description: list[tuple[Any, ...]] | None
    rowcount: int = -1
    lastrowid: Any = None
    plan: QueryPlan | None = None
    procedure_rows: int | None = None
    more: list[pa.Table] = field(default_factory=list)  # further result sets (a procedure's), in order


class _ScanErrors:
    """Errors raised inside scans (rate limits, auth...) cross DuckDB as strings; keep the originals."""

    def __init__(self) -> None:
        self.first: BaseException | None = None

    def guard(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        try:
            yield from batches
        except Error as exc:
            if self.first is None:
                self.first = exc
            raise
        except Exception as exc:
            # An answer the conversion could not read (a damaged or unexpected payload): our error, with
            # the original as its cause (shown by --debug), never a bare KeyError or ArrowInvalid.
            error = unreadable_answer(exc)
            if self.first is None:
                self.first = error
            raise error from exc


class Engine:
    """The SQL engine of one connection."""

    def __init__(
        self,
        *,
        settings: Any,
        client: ApiReader | None,
        catalog: Catalog,
        procedures: ProcedureRegistry = REGISTRY,
        context: Mapping[str, Any] | None = None,
        cache: Any = None,
    ) -> None:
        self.settings = settings
        self.cache = cache  # a pipedrive_sql.cache.TableCache, or None (docs/cache.md)
        self.client = client
        self.catalog = catalog
        self.procedures = procedures
        self.context: dict[str, Any] = dict(context or {})
        self.duck = duckdb.connect(":memory:")
        # One thread keeps DuckDB's pulls from the readers lazy (notes/engine.md); UTC makes a timestamp
        # literal without a zone mean the same to DuckDB as to the planner.
        self.duck.execute("SET threads=1")
        self.duck.execute("SET TimeZone='UTC'")
        # Cursors with a small result buffer (a setting of each cursor, which DuckDB cannot set globally
        # and which the sealed configuration no longer lets anyone change): DuckDB stops pulling pages once
        # it holds ~64 kB of rows the caller has not fetched (by default ~1 MB: some 40 pages before a
        # cursor's first row). Made before sealing, lent to sessions and taken back when they close.
        self._streaming: list[duckdb.DuckDBPyConnection] = []
        for _ in range(_STREAMING_CURSORS):
            cursor = self.duck.cursor()
            cursor.execute("SET streaming_buffer_size='64KB'")
            self._streaming.append(cursor)
        self._spare = list(self._streaming)
        # From here on SQL sees Pipedrive and nothing else (engine/guard.py): no files, network, settings.
        seal(self.duck)
        # The allowlist of functions is read from this database while it is as fresh as a new one, rather
        # than from a database opened for it at the first statement (which would add to the peak memory).
        allowed_functions(self.duck)
        self.local = LocalObjects(reserved=self._reserved_name)
        self._statements: OrderedDict[str, Statement] = OrderedDict()
        self._serial = itertools.count()
        self._lock = threading.Lock()
        self.closed = False
        self.pushdown = True  # False plans like a driver without pushdown (benchmarks, tests)

    def session(self) -> Session:
        if self.closed:
            raise InterfaceError("The connection is closed.")
        with self._lock:
            # past the spare cursors, a new one streams with DuckDB's default buffer (first rows later)
            duck = self._spare.pop() if self._spare else self.duck.cursor()
        return Session(self, duck)

    def give_back(self, duck: duckdb.DuckDBPyConnection) -> None:
        """A closed session's DuckDB cursor: kept for the next session if it is one of the spare ones."""
        with self._lock:
            if any(duck is c for c in self._spare):
                return  # given back already
            if not self.closed and any(duck is c for c in self._streaming):
                self._spare.append(duck)
                return
        try:
            duck.close()
        except duckdb.Error:
            pass

    def statement(self, sql: str) -> Statement:
        """The parsed statement for ``sql`` (cached: executemany and repeated queries parse once)."""
        with self._lock:
            found = self._statements.get(sql)
            if found is not None:
                self._statements.move_to_end(sql)
                return found.copy()
        parsed = parse(sql)
        with self._lock:
            self._statements[sql] = parsed
            if len(self._statements) > _CACHE_SIZE:
                self._statements.popitem(last=False)
        return parsed.copy()

    def next_prefix(self) -> str:
        return f"__pd{next(self._serial)}"

    def _reserved_name(self, name: str) -> str:
        """Why ``name`` cannot name a temp table or view ('' when it can)."""
        if name.lower() in {s.lower() for s in SYSTEM_TABLES}:
            return f"{name} is a system table of the driver"
        if self.catalog.has_table(name):
            return f"{self.catalog.builtin(name).name} is a Pipedrive table"
        return ""

    def plan(
        self, tree: exp.Expression, *, prefix: str = "__pd", extra_tables: Sequence[str] = ()
    ) -> QueryPlan:
        plan = plan_query(
            tree,
            self.catalog,
            system_tables=SYSTEM_TABLES,
            page_size=int(self.settings["Pagesize"]) if self.settings is not None else 500,
            max_rows=int(self.settings["MaxRows"]) if self.settings is not None else -1,
            prefix=prefix,
            pushdown=self.pushdown,
            local_tables=self.local.table_names() | {t.lower() for t in extra_tables},
        )
        if self.pushdown:  # ids learnt at run time: from a search, then from the other side of a join
            push_searches(plan)
            push_join_keys(plan, self.catalog)
        return plan

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self.duck.close()
        except duckdb.Error:
            pass


class Session:
    """One DB-API cursor's view of the engine: its own DuckDB cursor and registrations."""

    def __init__(self, engine: Engine, duck: duckdb.DuckDBPyConnection) -> None:
        self.engine = engine
        self.duck = duck
        self._registered: list[str] = []
        self.errors = _ScanErrors()
        self.plan: QueryPlan | None = None  # the running query's, for the names in its errors
        self.rows_read = 0  # rows the running query's scans have read from the API so far
        self.stop = threading.Event()  # the running statement's: set by cancel(), a new one per statement

    # -- execute ---------------------------------------------------------------------------------------

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> Result:
        self.release()  # a new statement abandons the previous result, even one that fails to parse or bind
        try:
            statement = self.engine.statement(sql)
            bind(statement.tree, params, statement.qmarks)
            return self.run(statement)
        except RecursionError:
            raise too_deep() from None

    def run(self, statement: Statement) -> Result:
        self.release()
        if statement.kind == QUERY:
            return self._query(statement.tree)
        if statement.kind == EXPLAIN:
            return self._explain(statement.tree)
        if statement.kind == EXEC:
            return self._exec(statement.tree)
        if statement.kind == LOCAL or (statement.kind == WRITE and self._writes_locally(statement.tree)):
            return self._local(statement.tree)
        if statement.kind == WRITE:
            return self._write(statement.tree)
        if statement.kind == CACHE and self.engine.cache is not None:
            table = self.engine.cache.run_statement(statement.command, self.engine.catalog)
            result = self._serve_table(table)
            result.rowcount = sum(table.column("Upserted").to_pylist())
            return result
        raise NotSupportedError(f"Cannot execute a {statement.kind} statement.")

    def call(self, name: str, params: Sequence[Any] | Mapping[str, Any]) -> Result:
        """``cursor.callproc``: run procedure ``name`` with positional or named parameters."""
        self.release()
        return self._procedure(name, params)

    def run_query(self, tree: exp.Expression) -> pa.Table:
        """Run a SELECT tree to completion and return its rows (for writes finding their target ids)."""
        result = self._query(tree)
        del result
        try:
            return self.arrow()
        finally:
            self.release()

    def _query(self, tree: exp.Expression) -> Result:
        plan = self.prepare(tree)
        self.plan = plan
        self._duck_execute(plan.sql)
        return Result(True, self._description(), plan=plan)

    def prepare(self, tree: exp.Expression, *, extra_tables: Sequence[str] = ()) -> QueryPlan:
        """Plan ``tree`` (temp views expanded) and register a reader for each of its scans."""
        tree = self.engine.local.expand_views(tree)
        plan = self.engine.plan(tree, prefix=self.engine.next_prefix(), extra_tables=extra_tables)
        client = self.engine.client
        cancellable = getattr(client, "cancellable", None)
        if cancellable is not None:
            client = cancellable(self.stop)  # cancel() stops its scans' paging
        cache = self.engine.cache
        cached = cache.readers(plan.scans) if cache is not None else {}  # refreshes first when stale
        shared = SharedPages(s for s in plan.scans if s.name not in cached)  # common requests made once
        # several scans: their first pages go out together rather than one round trip after another
        several = sum(1 for s in plan.scans if s.name not in cached and not s.empty) > 1
        ahead = FirstPagesAhead() if several else None
        for scan in plan.scans:
            if client is None:
                raise InterfaceError("This engine has no API client.")
            reader = cached.get(scan.name) or open_scan(scan, client, shared=shared, ahead=ahead)
            guarded = pa.RecordBatchReader.from_batches(
                reader.schema, self.errors.guard(self._count_rows(iter(reader)))
            )
            self._register(scan.name, guarded)
        for ref in plan.system:
            table = system_table(
                ref.table,
                catalog=self.engine.catalog,
                settings=self.engine.settings,
                procedures=self.engine.procedures.all(),
            )
            self._register(ref.name, table)
        return plan

    def _count_rows(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            self.rows_read += batch.num_rows  # read by another thread for a progress line
            yield batch

    def _explain(self, tree: exp.Expression) -> Result:
        tree = self.engine.local.expand_views(tree)
        plan = self.engine.plan(tree, prefix=self.engine.next_prefix())
        cache = self.engine.cache
        return self._serve_table(explain_table(plan, cache.decide if cache is not None else None))

    def _exec(self, tree: exp.Expression) -> Result:
        if not isinstance(tree, exp.Execute):
            raise ProgrammingError("Expected EXEC ProcedureName Param='value', ...")
        name = tree.this.name if isinstance(tree.this, exp.Table) else str(tree.this)
        arguments: dict[str, Any] | list[Any]
        items = list(tree.expressions or [])
        if items and all(isinstance(i, exp.EQ) for i in items):
            arguments = {_argument_name(i.this): _argument_value(i.expression) for i in items}
        else:
            arguments = [_argument_value(i) for i in items]
        return self._procedure(name, arguments)

    def _procedure(self, name: str, arguments: Sequence[Any] | Mapping[str, Any]) -> Result:
        context = {
            "client": self.engine.client,
            "catalog": self.engine.catalog,
            **self.engine.context,
        }
        procedure, rows = self.engine.procedures.call(name, arguments, self.engine.settings, context)
        sets = list(rows) if isinstance(rows, ResultSets) else [rows]
        tables = [
            _rows_table(_columns([c.name for c in procedure.columns] if i == 0 else [], found), found)
            for i, found in enumerate(sets or [[]])
        ]
        result = self._serve_table(tables[0])
        result.procedure_rows = result.rowcount = tables[0].num_rows
        result.more = tables[1:]
        return result

    def serve(self, table: pa.Table) -> Result:
        """A result over ``table`` (a later result set of a procedure, of executemany), fetched as any."""
        self.release()
        return self._serve_table(table)

    def _writes_locally(self, tree: exp.Expression) -> bool:
        target = write_target(tree)
        return (
            target is not None
            and not target.db
            and not target.catalog
            and target.name.lower() in self.engine.local.table_names()
        )

    def _local(self, tree: exp.Expression) -> Result:
        """CREATE TEMP TABLE/VIEW, DROP, TRUNCATE, and writes into temp tables (engine/local.py)."""
        outcome = run_local(self, self.engine.local, tree)
        if outcome.has_rows:
            return Result(True, self._description())
        return Result(False, None, rowcount=outcome.rowcount)

    def duck_execute(self, sql: str) -> None:
        self._duck_execute(sql)

    def duck_rows(self) -> list[tuple[Any, ...]]:
        return list(self.fetch("fetchall"))

    def _write(self, tree: exp.Expression) -> Result:
        cache = self.engine.cache
        if cache is not None and cache.offline:
            raise OperationalError("Offline=true: writes need the API; connect without Offline to write.")
        try:
            outcome: WriteResult = execute_write(tree, self)
        finally:
            if cache is not None and isinstance(tree.this, exp.Table):
                cache.invalidate(tree.this.name)  # read your writes: the next query refreshes it
        result = self._serve_table(outcome.table) if outcome.table is not None else Result(False, None)
        result.rowcount = outcome.rowcount
        result.lastrowid = outcome.lastrowid
        return result

    def _serve_table(self, table: pa.Table) -> Result:
        name = f"{self.engine.next_prefix()}_result"
        self._register(name, table)
        self._duck_execute(f'SELECT * FROM "{name}"')
        return Result(True, self._description(), rowcount=table.num_rows)

    # -- DuckDB ----------------------------------------------------------------------------------------

    def _register(self, name: str, source: Any) -> None:
        self.duck.register(name, source)
        self._registered.append(name)

    def _duck_execute(self, sql: str) -> None:
        self.errors = _ScanErrors() if self.errors.first is not None else self.errors
        try:
            self.duck.execute(sql)
        except duckdb.Error as exc:
            raise self.translate(exc) from None

    def _description(self) -> list[tuple[Any, ...]] | None:
        raw = self.duck.description
        if raw is None:
            return None
        return [(d[0], str(d[1]), None, None, None, None, None) for d in raw]

    def translate(self, exc: BaseException) -> BaseException:
        """The error to raise for a DuckDB failure: the scan's own error when a scan failed."""
        if self.stop.is_set():
            self.errors = _ScanErrors()
            return QueryCanceled(
                "The statement was cancelled; its scans asked Pipedrive for no further page. Run it again "
                "to read its rows."
            )
        if self.errors.first is not None:
            original = self.errors.first
            self.errors = _ScanErrors()
            return original
        return translate_duckdb_error(exc, self.engine.catalog, self.plan)

    def fetch(self, method: str, *args: Any) -> Any:
        try:
            return getattr(self.duck, method)(*args)
        except duckdb.Error as exc:
            raise self.translate(exc) from None
        except Error:
            raise

    def arrow(self) -> pa.Table:
        with warnings.catch_warnings():
            # DuckDB notes that Arrow output of an executed result copies the rows once; that is fine here.
            warnings.filterwarnings("ignore", message="Arrow output on a DB-API result")
            return utc_timestamps(self.fetch("to_arrow_table"))

    def arrow_reader(self, rows_per_batch: int) -> pa.RecordBatchReader:
        """The rest of the result in batches, read from the API as they are consumed."""
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="Arrow output on a DB-API result")
                reader = self.duck.to_arrow_reader(rows_per_batch)
        except duckdb.Error as exc:
            raise self.translate(exc) from None
        if reader is None:
            raise InterfaceError("The statement has no result to fetch.")
        schema = utc_timestamps(reader.schema.empty_table()).schema
        return pa.RecordBatchReader.from_batches(schema, self._translated(reader, schema))

    def _translated(self, reader: pa.RecordBatchReader, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
        try:
            for batch in reader:
                yield batch if batch.schema.equals(schema) else batch.cast(schema)
        except duckdb.Error as exc:
            raise self.translate(exc) from None

    def cancel(self) -> None:
        """Stop the running statement, from another thread: its scans send no further request (a page on
        the wire is the last one read) and DuckDB stops; the fetch or execute under way raises
        QueryCanceled. Writes are not interrupted part way (each API call of a write completes). Safe to
        call when nothing runs: the next statement starts afresh."""
        self.stop.set()
        try:
            self.duck.interrupt()
        except duckdb.Error:
            pass

    def release(self) -> None:
        """End the previous statement: cancel what is left of its result (DuckDB refuses other work on a
        cursor with an unfinished result) and drop its registrations (their readers are done or abandoned)."""
        self.stop = threading.Event()
        try:
            self.duck.abort()
        except duckdb.Error:
            pass
        for name in self._registered:
            try:
                self.duck.unregister(name)
            except duckdb.Error:
                pass
        self._registered = []
        self.plan = None
        self.rows_read = 0

    def close(self) -> None:
        self.release()
        self.engine.give_back(self.duck)


# ---- helpers ------------------------------------------------------------------------------------------


def unreadable_answer(exc: BaseException) -> OperationalError:
    return OperationalError(
        f"An answer from Pipedrive could not be read ({type(exc).__name__}: {str(exc)[:200]}): it was "
        "damaged on the way or is not what the API documents. Try again; if it happens again while Pipedrive "
        "works normally, please report it as a bug of pipedrive-sql."
    )


def utc_timestamps(table: pa.Table) -> pa.Table:
    """DuckDB hands timestamps back as ``tz=Etc/UTC``; the catalog declares ``tz=UTC``: relabel them (the
    instants are the same, so this changes only the schema, also inside lists and structs)."""
    schema = pa.schema(
        [field.with_type(_utc_type(field.type)) for field in table.schema], table.schema.metadata
    )
    return table if schema.equals(table.schema) else table.cast(schema)


def _utc_type(kind: pa.DataType) -> pa.DataType:
    if pa.types.is_timestamp(kind):
        return pa.timestamp(kind.unit, "UTC") if kind.tz in ("Etc/UTC", "UTC") else kind
    if pa.types.is_large_list(kind):
        return pa.large_list(kind.value_field.with_type(_utc_type(kind.value_type)))
    if pa.types.is_list(kind):
        return pa.list_(kind.value_field.with_type(_utc_type(kind.value_type)))
    if pa.types.is_struct(kind):
        return pa.struct([field.with_type(_utc_type(field.type)) for field in kind])
    if pa.types.is_map(kind):
        return pa.map_(
            kind.key_field.with_type(_utc_type(kind.key_type)),
            kind.item_field.with_type(_utc_type(kind.item_type)),
            kind.keys_sorted,
        )
    return kind


def _argument_name(node: exp.Expression) -> str:
    if isinstance(node, exp.Parameter):
        return str(node.this.name if hasattr(node.this, "name") else node.this)
    if isinstance(node, exp.Column | exp.Identifier | exp.Var):
        return node.name
    return node.sql()


def _argument_value(node: exp.Expression) -> Any:
    if isinstance(node, exp.Null):
        return None
    value = literal_value(node)
    if value is not NO_VALUE:
        return value
    if isinstance(node, exp.Column | exp.Identifier | exp.Var):
        return node.name  # EXEC Proc Mode=WEB: a bare word is a string
    raise ProgrammingError(f"Procedure arguments must be literals or parameters, not {node.sql()!r}.")


def _columns(declared: list[str], rows: list[dict[str, Any]]) -> list[str]:
    columns = list(declared)
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    return columns


def _rows_table(columns: list[str], rows: list[dict[str, Any]]) -> pa.Table:
    if not rows:
        return pa.table({c: pa.array([], type=pa.string()) for c in columns}) if columns else pa.table({})
    arrays = {}
    for column in columns:
        values = [row.get(column) for row in rows]
        try:
            arrays[column] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arrays[column] = pa.array([None if v is None else str(v) for v in values], type=pa.string())
    return pa.table(arrays)
