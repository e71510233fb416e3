"""``PipedriveDialect``: SQLAlchemy 2.x over the pipedrive_sql driver.

URLs (every query-string key is a connection property, names case-insensitive, as in ``connect()``)::

    pipedrive:///?AuthScheme=Basic&APIToken=...&CompanyDomain=acme
    pipedrive://@MyDSN                       the data source MyDSN (also pipedrive:///?dsn=MyDSN)
    pipedrive://@MyDSN?Timeout=30            the data source, one property overridden
    pipedrive://:APITOKEN@MyDSN              the token as the URL's password (hidden in repr and logs)
    pipedrive:///?Sandbox=true               the embedded sandbox: no account needed

Pipedrive has no transactions: every statement takes effect when it runs. The dialect reports the one
isolation level there is, AUTOCOMMIT; ``commit`` does nothing and ``do_rollback`` (which the pool calls
when a connection is returned) does nothing too, rather than raising as the driver's ``rollback()`` does.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy import schema as sa_schema
from sqlalchemy.engine import default, reflection
from sqlalchemy.engine.interfaces import (
    IsolationLevel,
    ReflectedCheckConstraint,
    ReflectedColumn,
    ReflectedForeignKeyConstraint,
    ReflectedIndex,
    ReflectedPrimaryKeyConstraint,
    ReflectedTableComment,
    ReflectedUniqueConstraint,
)
from sqlalchemy.engine.url import URL

from pipedrive_sql.sqlalchemy.compiler import (
    SCHEMA,
    PipedriveCompiler,
    PipedriveIdentifierPreparer,
    PipedriveTypeCompiler,
)
from pipedrive_sql.sqlalchemy.reflection import CatalogSnapshot, load_snapshot

__all__ = ["PipedriveDialect"]

AUTOCOMMIT: IsolationLevel = "AUTOCOMMIT"


class PipedriveExecutionContext(default.DefaultExecutionContext):
    def create_server_side_cursor(self) -> Any:
        # Every cursor reads the API's pages as rows are fetched: an ordinary one streams already.
        return self._dbapi_connection.cursor()


class PipedriveDialect(default.DefaultDialect):
    name = "pipedrive"
    driver = "pipedrive_sql"

    statement_compiler = PipedriveCompiler
    type_compiler_cls = PipedriveTypeCompiler
    preparer = PipedriveIdentifierPreparer
    execution_ctx_cls = PipedriveExecutionContext

    supports_statement_cache = True
    default_paramstyle = "qmark"  # the driver's; it also reads :name and @name with a mapping

    supports_native_boolean = True
    supports_native_decimal = True  # DuckDB returns Decimal for DECIMAL
    supports_native_enum = False
    supports_is_distinct_from = True
    div_is_floordiv = False  # DuckDB's / divides integers exactly: 7 / 2 = 3.5
    supports_simple_order_by_label = True
    max_identifier_length = 255

    # The API reads pages lazily as rows are fetched, so every cursor already streams: stream_results and
    # yield_per use the ordinary cursor.
    supports_server_side_cursors = True

    # No DDL: tables are Pipedrive's. Writes are INSERT/UPDATE/DELETE the driver turns into API calls.
    supports_alter = False
    supports_sequences = False
    supports_comments = True  # reflected from sys_tables / sys_tablecolumns; never written
    inline_comments = False
    supports_default_values = False
    supports_default_metavalue = False
    supports_empty_insert = False
    supports_multivalues_insert = False
    use_insertmanyvalues = False
    insert_returning = False
    update_returning = False
    delete_returning = False
    postfetch_lastrowid = True  # the driver sets cursor.lastrowid to the created record's id
    supports_sane_rowcount = True
    supports_sane_multi_rowcount = True
    supports_identity_columns = False

    # Reflected custom-field columns carry their field's hash key: column.dialect_options["pipedrive"]
    construct_arguments = [(sa_schema.Column, {"field_key": None})]

    @classmethod
    def import_dbapi(cls) -> ModuleType:
        import pipedrive_sql

        return pipedrive_sql

    # ---- connecting -------------------------------------------------------------------------------------

    def create_connect_args(self, url: URL) -> tuple[list[Any], dict[str, Any]]:
        """``pipedrive_sql.connect(**properties)`` for ``url``: host = DSN, password = APIToken, query = the
        other properties."""
        # Messages name what is wrong without echoing the URL: its query string may hold the token.
        if url.port is not None or url.database:
            found = f"port {url.port}" if url.port is not None else f"path /{url.database}"
            raise sa_exc.ArgumentError(
                f"A pipedrive:// URL takes a data source name as its host and connection properties in its "
                f"query string, not a {found}: write pipedrive://@MyDSN or "
                "pipedrive:///?APIToken=...&CompanyDomain=acme."
            )
        if url.username:
            raise sa_exc.ArgumentError(
                "A pipedrive:// URL has no user name: give the API token as the password "
                "(pipedrive://:TOKEN@MyDSN) or as APIToken= in the query string."
            )
        properties: dict[str, Any] = {}
        for key, value in url.query.items():
            if not isinstance(value, str):
                raise sa_exc.ArgumentError(
                    f"Connection property {key!r} is given {len(value)} times in the URL: give it once."
                )
            properties[key] = value
        if url.host:
            dsn_keys = [k for k in properties if k.lower() == "dsn"]
            if dsn_keys:
                raise sa_exc.ArgumentError(
                    f"The URL names data source {url.host!r} as its host and {properties[dsn_keys[0]]!r} as "
                    "dsn=: name one."
                )
            properties["dsn"] = url.host
        if url.password:
            properties["APIToken"] = url.password
        return [], properties

    def is_disconnect(self, e: Exception, connection: Any, cursor: Any) -> bool:
        closed = getattr(connection, "closed", False)
        return bool(closed) or "connection is closed" in str(e)

    def _get_server_version_info(self, connection: Any) -> tuple[int, ...] | None:
        return None  # Pipedrive's API has no version to report beyond v1/v2, which the driver chooses

    def _get_default_schema_name(self, connection: Any) -> str:
        return SCHEMA

    # ---- transactions: there are none ------------------------------------------------------------------

    def do_begin(self, dbapi_connection: Any) -> None:
        pass

    def do_commit(self, dbapi_connection: Any) -> None:
        dbapi_connection.commit()  # does nothing, but checks that the connection is open

    def do_rollback(self, dbapi_connection: Any) -> None:
        """Nothing to roll back: every statement took effect when it ran. SQLAlchemy calls this whenever a
        connection goes back to the pool, so it must not raise as the driver's ``rollback()`` does."""

    def get_isolation_level(self, dbapi_connection: Any) -> IsolationLevel:
        return AUTOCOMMIT

    def get_default_isolation_level(self, dbapi_conn: Any) -> IsolationLevel:
        return AUTOCOMMIT

    def get_isolation_level_values(self, dbapi_conn: Any) -> list[IsolationLevel]:
        return [AUTOCOMMIT]

    def set_isolation_level(self, dbapi_connection: Any, level: IsolationLevel) -> None:
        if level != AUTOCOMMIT:
            raise sa_exc.ArgumentError(
                f"Pipedrive has no transactions, so isolation level {level!r} cannot be set: every statement "
                "takes effect when it runs (AUTOCOMMIT)."
            )

    # ---- reflection -------------------------------------------------------------------------------------

    @reflection.cache
    def _snapshot(self, connection: Any, **kw: Any) -> CatalogSnapshot:
        return load_snapshot(connection)

    def _check_schema(self, schema: str | None) -> None:
        if schema is not None and schema.lower() != SCHEMA.lower():
            raise sa_exc.NoSuchTableError(
                f"There is no schema {schema!r}: Pipedrive's tables are in {SCHEMA!r}."
            )

    def get_schema_names(self, connection: Any, **kw: Any) -> list[str]:
        return [SCHEMA]

    def has_schema(self, connection: Any, schema_name: str, **kw: Any) -> bool:
        return schema_name.lower() == SCHEMA.lower()

    def get_table_names(self, connection: Any, schema: str | None = None, **kw: Any) -> list[str]:
        if schema is not None and schema.lower() != SCHEMA.lower():
            return []
        return self._snapshot(connection, **kw).names("TABLE")

    def get_view_names(self, connection: Any, schema: str | None = None, **kw: Any) -> list[str]:
        """The catalog's views (PersonEmails, PersonPhones) and the metadata tables (sys_tables, ...),
        which are read-only and derived from the catalog."""
        if schema is not None and schema.lower() != SCHEMA.lower():
            return []
        return self._snapshot(connection, **kw).names("VIEW")

    def has_table(self, connection: Any, table_name: str, schema: str | None = None, **kw: Any) -> bool:
        if schema is not None and schema.lower() != SCHEMA.lower():
            return False
        return self._snapshot(connection, **kw).find(table_name) is not None

    def _table(self, connection: Any, table_name: str, schema: str | None, **kw: Any) -> Any:
        self._check_schema(schema)
        found = self._snapshot(connection, **kw).find(table_name)
        if found is None:
            raise sa_exc.NoSuchTableError(table_name)
        return found

    def get_columns(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[ReflectedColumn]:
        table = self._table(connection, table_name, schema, **kw)
        return [column.reflected() for column in self._snapshot(connection, **kw).columns(connection, table)]

    def get_pk_constraint(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> ReflectedPrimaryKeyConstraint:
        table = self._table(connection, table_name, schema, **kw)
        keys = [c.name for c in self._snapshot(connection, **kw).columns(connection, table) if c.key]
        return {"constrained_columns": keys, "name": f"PK_{table.name}" if keys else None}

    def get_foreign_keys(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[ReflectedForeignKeyConstraint]:
        table = self._table(connection, table_name, schema, **kw)
        return [
            {
                "name": fk.name,
                "constrained_columns": [fk.column],
                "referred_schema": schema,
                "referred_table": fk.referred_table,
                "referred_columns": [fk.referred_column],
                "options": {},
            }
            for fk in self._snapshot(connection, **kw).foreign_keys(table.name)
        ]

    def get_indexes(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[ReflectedIndex]:
        self._table(connection, table_name, schema, **kw)
        return []  # the API's filters are not indexes; EXPLAIN shows what a query pushes down

    def get_unique_constraints(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[ReflectedUniqueConstraint]:
        self._table(connection, table_name, schema, **kw)
        return []

    def get_check_constraints(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[ReflectedCheckConstraint]:
        self._table(connection, table_name, schema, **kw)
        return []

    def get_table_comment(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> ReflectedTableComment:
        table = self._table(connection, table_name, schema, **kw)
        return {"text": table.description or None}

    def get_view_definition(
        self, connection: Any, view_name: str, schema: str | None = None, **kw: Any
    ) -> str:
        table = self._table(connection, view_name, schema, **kw)
        raise NotImplementedError(
            f"{table.name} is computed by the driver from the API (not defined in SQL), so it has no definition."
        )

    def get_sequence_names(self, connection: Any, schema: str | None = None, **kw: Any) -> list[str]:
        return []

    def get_temp_table_names(self, connection: Any, schema: str | None = None, **kw: Any) -> list[str]:
        return []

    def get_temp_view_names(self, connection: Any, schema: str | None = None, **kw: Any) -> list[str]:
        return []
