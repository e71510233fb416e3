"""PEP 249 Connection and Cursor, and ``connect()``.

A Connection owns the API client, the catalog (custom fields read once) and one DuckDB database; each Cursor
has its own DuckDB cursor, so several cursors (in several threads) can hold results at once. There are no
transactions: every statement takes effect when it runs (autocommit); ``commit()`` does nothing and
``rollback()`` raises NotSupportedError.

Results stream: rows are read from the API as they are fetched. ``rowcount`` is -1 until a query's rows
have all been fetched (then it is their number); for EXEC and EXPLAIN it is the number of rows returned,
for writes the number of records affected (with or without RETURNING), for statements that neither return
nor change rows (CREATE TEMP TABLE, DROP) -1.

Several result sets: a procedure may return more than one, and ``executemany`` of a statement that returns
rows (``INSERT ... RETURNING``, a SELECT) keeps the rows of every parameter set, each a result set of its
own, in order: the cursor is on the first, ``nextset()`` moves to the next and returns None after the last
(as psycopg's ``executemany(..., returning=True)``).

``close()`` may be called again on a closed cursor or connection (as in sqlite3 and psycopg); anything else
on a closed one raises InterfaceError. Parameters: paramstyle is ``qmark`` (``?``); ``:name``/``@name`` take
a mapping, and ``%s``/``%(name)s`` are recognised too (engine/paramstyle.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pipedrive_sql import errors
from pipedrive_sql.cache import TableCache
from pipedrive_sql.catalog.catalog import Catalog
from pipedrive_sql.engine.execute import Engine, Result, Session
from pipedrive_sql.errors import InterfaceError, NotSupportedError, ProgrammingError
from pipedrive_sql.settings import Settings, build_settings, parse_connection_string

if TYPE_CHECKING:
    import pandas
    import pyarrow as pa

    from pipedrive_sql.api.client import ApiClient

__all__ = ["Connection", "Cursor", "connect"]


class _ExceptionsMixin:
    """PEP 249's optional extension: the exception classes as attributes of the connection."""

    Warning = errors.Warning
    Error = errors.Error
    InterfaceError = errors.InterfaceError
    DatabaseError = errors.DatabaseError
    DataError = errors.DataError
    OperationalError = errors.OperationalError
    IntegrityError = errors.IntegrityError
    InternalError = errors.InternalError
    ProgrammingError = errors.ProgrammingError
    NotSupportedError = errors.NotSupportedError


class Connection(_ExceptionsMixin):
    """A connection to Pipedrive. Use as a context manager to close it at the end of the block."""

    def __init__(
        self,
        settings: Settings,
        client: ApiClient,
        *,
        sandbox: Any = None,
        dsn_name: str | None = None,
    ) -> None:
        self.settings = settings
        self.client = client
        self.sandbox = sandbox  # keeps the embedded sandbox alive as long as the connection
        self.dsn_name = dsn_name
        # The local cache (docs/cache.md): its file is opened only when something is cached or read from it.
        self.cache = TableCache(settings, client, base_url=str(getattr(client, "base_url", "")))
        self.catalog = Catalog(
            self.cache.fields_loader(_fields_loader(client)),
            include_custom_fields=bool(settings["IncludeCustomFields"]),
        )
        self.engine = Engine(
            settings=settings,
            client=client,
            catalog=self.catalog,
            context={"connection": self, "dsn_name": dsn_name},
            cache=self.cache,
        )
        self._cursors: list[Cursor] = []
        self._lock = threading.Lock()
        self._closed = False

    # -- PEP 249 ---------------------------------------------------------------------------------------

    def cursor(self) -> Cursor:
        self._check_open()
        cursor = Cursor(self)
        with self._lock:
            self._cursors = [c for c in self._cursors if not c.closed]
            self._cursors.append(cursor)
        return cursor

    def commit(self) -> None:
        """Nothing to do: every statement takes effect when it runs (Pipedrive has no transactions)."""
        self._check_open()

    def rollback(self) -> None:
        self._check_open()
        raise NotSupportedError(
            "Pipedrive has no transactions: every statement takes effect when it runs, so there is nothing to "
            "roll back."
        )

    def cancel(self) -> None:
        """Cancel what every cursor of this connection is running (from another thread), as
        ``Cursor.cancel()`` does for one; psycopg's ``Connection.cancel()`` in the driver's terms."""
        with self._lock:
            cursors = [c for c in self._cursors if not c.closed]
        for cursor in cursors:
            cursor.cancel()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for cursor in list(self._cursors):
            cursor.close()
        self.engine.close()
        self.cache.close()
        self.client.close()

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def autocommit(self) -> bool:
        return True

    # -- conveniences ----------------------------------------------------------------------------------

    def execute(self, operation: str, parameters: Sequence[Any] | Mapping[str, Any] | None = None) -> Cursor:
        """A new cursor with ``operation`` executed on it."""
        return self.cursor().execute(operation, parameters)

    def __enter__(self) -> Connection:
        self._check_open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise InterfaceError("The connection is closed: open a new one with pipedrive_sql.connect().")

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<pipedrive_sql.Connection {state} {self.client.base_url}>"


class Cursor:
    """A PEP 249 cursor. Iterate over it, or use fetchone/fetchmany/fetchall, fetch_arrow_table, fetch_df."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._arraysize = 1
        self._session: Session = connection.engine.session()
        self._result: Result | None = None
        self._pending: list[pa.Table] = []  # the result sets after the current one (see nextset)
        self._rowcount = -1
        self._fetched = 0
        self._exhausted = False
        self._remaining: int | None = None
        self._start = _snapshot(connection.client)
        self.lastrowid: Any = None
        self.closed = False

    # -- attributes ------------------------------------------------------------------------------------

    @property
    def description(self) -> list[tuple[Any, ...]] | None:
        """(name, type_code, None, None, None, None, None) per column; type_code is DuckDB's type name
        (``BIGINT``, ``VARCHAR``, ``TIMESTAMP WITH TIME ZONE``, ...), comparable to STRING, NUMBER, ..."""
        return self._result.description if self._result is not None else None

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def arraysize(self) -> int:
        """How many rows ``fetchmany()`` returns without a size (PEP 249: 1 by default)."""
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ProgrammingError(f"arraysize must be a whole number of rows, 1 or more; got {value!r}.")
        self._arraysize = value

    @property
    def api_requests(self) -> int:
        """API requests made by the last execute (so far, for a result still being fetched)."""
        return _since(self.connection.client, self._start, "requests")

    @property
    def api_tokens(self) -> int:
        """API tokens (Pipedrive's rate-limit units) spent by the last execute so far."""
        return _since(self.connection.client, self._start, "tokens")

    @property
    def api_rows(self) -> int:
        """Rows the last execute's table scans have read from the API so far (before filters, joins and
        aggregates: what the requests brought, not what the query returns)."""
        return self._session.rows_read

    @property
    def plan(self) -> Any:
        """The QueryPlan of the last query (what EXPLAIN shows), or None."""
        return self._result.plan if self._result is not None else None

    # -- execute ---------------------------------------------------------------------------------------

    def execute(self, operation: str, parameters: Sequence[Any] | Mapping[str, Any] | None = None) -> Cursor:
        self._check_open()
        self._reset()
        self._start = _snapshot(self.connection.client)
        result = self._session.execute(operation, parameters)
        self._take(result)
        return self

    def executemany(
        self, operation: str, seq_of_parameters: Sequence[Sequence[Any] | Mapping[str, Any]]
    ) -> Cursor:
        """Execute once per parameter set. ``rowcount`` is the total of records written; the rows of a
        statement that returns some (``INSERT ... RETURNING``, a SELECT) are kept for every parameter set,
        one result set each: fetch the first, ``nextset()`` moves to the next."""
        self._check_open()
        start = _snapshot(self.connection.client)
        total = 0
        counted = False
        sets: list[pa.Table] = []
        executed = False
        for parameters in seq_of_parameters:
            self.execute(operation, parameters)
            executed = True
            result = self._result
            if result is not None and result.plan is None and self._rowcount >= 0:
                total += self._rowcount  # records written (or procedure rows)
                counted = True
            if result is not None and result.has_rows:
                sets.append(self._session.arrow())
        if sets:
            self._reset()
            self._take(self._session.serve(sets[0]))
            self._pending = sets[1:]
        if counted:
            self._rowcount = total
        elif not executed:
            self._reset()
            self._rowcount = 0
        self._start = start
        return self

    def callproc(self, procname: str, parameters: Sequence[Any] | Mapping[str, Any] = ()) -> Any:
        """Run stored procedure ``procname``; its result set is fetched like a query's. Returns the
        parameters unchanged (procedures here have no OUT parameters)."""
        self._check_open()
        self._reset()
        self._start = _snapshot(self.connection.client)
        self._take(self._session.call(procname, parameters))
        return parameters

    def _take(self, result: Result) -> None:
        self._result = result
        self._pending = list(result.more)
        self.lastrowid = result.lastrowid
        if result.plan is not None:
            self._rowcount = -1
            max_rows = int(self.connection.settings["MaxRows"])
            self._remaining = max_rows if max_rows > 0 else None
        else:
            self._rowcount = result.rowcount

    def _reset(self) -> None:
        self._result = None
        self._pending = []
        self._rowcount = -1
        self._fetched = 0
        self._exhausted = False
        self._remaining = None
        self.lastrowid = None

    # -- fetch -----------------------------------------------------------------------------------------

    def fetchone(self) -> tuple[Any, ...] | None:
        rows = self._fetch(1)
        return rows[0] if rows else None

    def fetchmany(self, size: int | None = None) -> list[tuple[Any, ...]]:
        """Up to ``size`` rows (``arraysize`` without one); ``fetchmany(0)`` returns none and keeps the rest."""
        count = self.arraysize if size is None else size
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ProgrammingError(
                f"fetchmany takes a number of rows, 0 or more (got {count!r}); fetchall() reads the rest. "
                "No row was read."
            )
        return self._fetch(count)

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._fetch(None)

    def _fetch(self, count: int | None) -> list[tuple[Any, ...]]:
        self._check_rows()
        if self._exhausted:
            return []
        if count == 0:
            return []  # nothing asked for: the result stays where it is
        wanted = count
        if self._remaining is not None:
            wanted = self._remaining if wanted is None else min(wanted, self._remaining)
        if wanted == 0:
            self._finish()  # MaxRows reached
            return []
        if wanted is None:
            rows = self._session.fetch("fetchall")
        elif wanted == 1:
            row = self._session.fetch("fetchone")
            rows = [] if row is None else [row]
        else:
            rows = self._session.fetch("fetchmany", wanted)
        self._fetched += len(rows)
        if self._remaining is not None:
            self._remaining -= len(rows)
        if wanted is None or len(rows) < wanted or self._remaining == 0:
            self._finish()
        return rows

    def _finish(self) -> None:
        self._exhausted = True
        if self._result is not None and self._result.plan is not None:
            self._rowcount = self._fetched

    def fetch_arrow_table(self) -> pa.Table:
        """The rest of the result as a pyarrow Table."""
        self._check_rows()
        if self._exhausted:
            return self._session.arrow().slice(0, 0)
        table = self._session.arrow()
        if self._remaining is not None:
            table = table.slice(0, self._remaining)
        self._fetched += table.num_rows
        self._finish()
        return table

    def fetch_record_batch(self, rows_per_batch: int = 100_000) -> pa.RecordBatchReader:
        """The rest of the result as a pyarrow RecordBatchReader (DuckDB's name for it): rows are read from
        the API as the batches are consumed, so a large table streams in bounded memory."""
        import pyarrow as pa

        self._check_rows()
        if rows_per_batch < 1:
            raise ProgrammingError("rows_per_batch must be at least 1.")
        reader = self._session.arrow_reader(rows_per_batch)
        return pa.RecordBatchReader.from_batches(reader.schema, self._counted_batches(reader))

    def _counted_batches(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        if not self._exhausted:
            for batch in batches:
                if self._remaining is not None:
                    batch = batch.slice(0, self._remaining)
                    self._remaining -= batch.num_rows
                self._fetched += batch.num_rows
                if batch.num_rows:
                    yield batch
                if self._remaining == 0:
                    break
        self._finish()

    def fetch_df(self) -> pandas.DataFrame:
        """The rest of the result as a pandas DataFrame (needs pandas)."""
        return self.fetch_arrow_table().to_pandas()

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return self

    def __next__(self) -> tuple[Any, ...]:
        row = self.fetchone()
        if row is None:
            raise StopIteration
        return row

    def nextset(self) -> bool | None:
        """Move to the next result set: True, and the fetch methods read it; None when there is none (the
        current one stays). PEP 249: an Error when the last statement produced no result set."""
        self._check_open()
        if self._result is None or not self._result.has_rows:
            raise ProgrammingError("No result set to move on from: the last statement returned no rows.")
        if not self._pending:
            return None
        following, rest = self._pending[0], self._pending[1:]
        self._reset()
        self._take(self._session.serve(following))
        self._pending = rest
        return True

    def setinputsizes(self, sizes: Any) -> None:
        self._check_open()

    def setoutputsize(self, size: int, column: int | None = None) -> None:
        self._check_open()

    # -- lifecycle -------------------------------------------------------------------------------------

    def cancel(self) -> None:
        """Stop the statement this cursor is running, from another thread (pyodbc's ``Cursor.cancel``).

        Its scans ask Pipedrive for no further page (a request already on the wire is the last one), and
        the ``execute`` or fetch under way raises QueryCanceled (an OperationalError); rows fetched before
        stay fetched. A write is not stopped part way. Does nothing when the cursor is idle or closed; the
        cursor is usable again for the next statement."""
        if not self.closed:
            self._session.cancel()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._result = None
        self._pending = []
        self._session.close()

    def __enter__(self) -> Cursor:
        self._check_open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_open(self) -> None:
        if self.closed:
            raise InterfaceError("The cursor is closed: open a new one with connection.cursor().")
        if self.connection.closed:
            raise InterfaceError("The connection is closed: open a new one with pipedrive_sql.connect().")

    def _check_rows(self) -> None:
        self._check_open()
        if self._result is None:
            raise ProgrammingError("Nothing to fetch: execute a query first.")
        if not self._result.has_rows:
            raise ProgrammingError("The last statement returned no rows to fetch.")


# ---- helpers ------------------------------------------------------------------------------------------


def _fields_loader(client: ApiClient) -> Any:
    def load(entity: str) -> list[dict[str, Any]]:
        return [record for page in client.pages(f"/api/v2/{entity}Fields") for record in page]

    return load


def _snapshot(client: Any) -> Any:
    counters = getattr(client, "counters", None)
    return counters.snapshot() if counters is not None else None


def _since(client: Any, start: Any, attribute: str) -> int:
    now = _snapshot(client)
    if now is None or start is None:
        return 0
    return int(getattr(now, attribute) - getattr(start, attribute))


# ---- connect ------------------------------------------------------------------------------------------


def connect(connection_string: str | None = None, *, dsn: str | None = None, **properties: Any) -> Connection:
    """Open a connection. Properties come from a data source (``dsn=`` or ``DSN=`` in the string), then the
    connection string, then keyword arguments, later ones winning; names are case-insensitive.

    ``connect(Sandbox=True)`` starts the embedded Pipedrive sandbox in this process and connects to it.
    """
    from_string = parse_connection_string(connection_string) if connection_string else {}
    for key in [k for k in from_string if k.strip().lower() == "dsn"]:
        dsn = dsn or from_string.pop(key)
    for key in [k for k in properties if k.lower() == "dsn"]:
        dsn = properties.pop(key)
    from_dsn = _load_dsn(dsn) if dsn else {}
    settings = build_settings(from_dsn, from_string, properties)
    return _open(settings, dsn)


def _load_dsn(name: str) -> dict[str, str]:
    try:
        from pipedrive_sql import dsn as dsn_module
    except ImportError:
        raise errors.ConfigurationError(
            f"Data sources (DSNs) are not available in this installation, so dsn={name!r} cannot be used: "
            "pass the connection properties instead."
        ) from None
    return dict(dsn_module.load_dsn(name))


def _open(settings: Settings, dsn_name: str | None) -> Connection:
    from pipedrive_sql.api.client import ApiClient

    sandbox = None
    base_url: str | None = None
    if settings["Sandbox"]:
        sandbox = _embedded_sandbox(
            int(settings["SandboxSeed"]),
            int(settings["SandboxScale"]),
            latency_ms=int(settings["SandboxLatency"]),
            plan=str(settings["SandboxPlan"]),
        )
        from pipedrive_sql.auth.basic import ApiTokenAuth

        auth: Any = ApiTokenAuth(sandbox.api_token)
        base_url = sandbox.url
    else:
        auth, base_url = _authenticator(settings, dsn_name)
    client = ApiClient(settings, auth, base_url=base_url)
    try:
        return Connection(settings, client, sandbox=sandbox, dsn_name=dsn_name)
    except BaseException:
        client.close()
        raise


def _authenticator(settings: Settings, dsn_name: str | None) -> tuple[Any, str | None]:
    """The authenticator for either AuthScheme, by ``pipedrive_sql.auth.build_auth``: its checks (a missing
    or mangled token, CompanyDomain given as a URL or a full host, OAuth properties) apply to both."""
    from pipedrive_sql.auth.build import build_auth

    return build_auth(settings, dsn_name=dsn_name)


_SANDBOXES: dict[tuple[int, int, int, str], Any] = {}
_SANDBOX_LOCK = threading.Lock()


def _embedded_sandbox(seed: int, scale: int, *, latency_ms: int = 0, plan: str = "growth") -> Any:
    """One embedded sandbox per configuration per process, started on first use, alive until exit."""
    key = (seed, scale, latency_ms, plan)
    with _SANDBOX_LOCK:
        found = _SANDBOXES.get(key)
        if found is None:
            try:
                from pipedrive_sandbox.server import Sandbox
            except ImportError:
                raise NotSupportedError(
                    "Sandbox=true needs the pipedrive_sandbox package, which is not installed."
                ) from None
            found = Sandbox(seed=seed, scale=scale, latency_ms=latency_ms, plan=plan)
            found.start()
            _SANDBOXES[key] = found
        return found
