"""Replication into PostgreSQL through psycopg 3: typed tables with primary keys, state in ``_pipedrive_sync``.

Rows go in with COPY into a temporary table, then replace their older versions by id; a full read rebuilds
the table (DROP + CREATE + COPY) inside the same transaction, so readers see the old table until the commit.
Nested values (lists, structs) are ``jsonb``. Table and column names are the catalog's (``"Deals"."Title"``:
quote them in SQL). The catalog's references are listed in ``_pipedrive_foreign_keys`` and as column comments,
not enforced: Pipedrive keeps links to deleted records.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
import pyarrow as pa

from pipedrive_sql.catalog.spec import TableSpec
from pipedrive_sql.errors import InterfaceError, OperationalError
from pipedrive_sql.sync.base import (
    DELETED_COLUMN,
    FK_TABLE,
    STATE_TABLE,
    Batch,
    Target,
    TargetState,
    deleted_filter,
    quote,
)

__all__ = ["PostgresTarget"]


def pg_type(kind: pa.DataType) -> str:
    if pa.types.is_boolean(kind):
        return "boolean"
    if pa.types.is_integer(kind):
        return "bigint"
    if pa.types.is_floating(kind):
        return "double precision"
    if pa.types.is_decimal(kind):
        return f"numeric({kind.precision},{kind.scale})"
    if pa.types.is_timestamp(kind):
        return "timestamptz" if kind.tz else "timestamp"
    if pa.types.is_date(kind):
        return "date"
    if pa.types.is_time(kind):
        return "time"
    if pa.types.is_nested(kind):
        return "jsonb"
    return "text"


def _json_default(value: Any) -> Any:
    """Amounts (DECIMAL(18,4) inside lists and structs) as JSON numbers, anything else as text."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return str(value)


class PostgresTarget(Target):
    kind = "postgresql"

    def __init__(self, dsn: str) -> None:
        try:
            import psycopg
        except ImportError:
            raise InterfaceError(
                "Syncing to PostgreSQL needs psycopg 3: pip install 'pipedrive-sql[postgres]'."
            ) from None
        self._psycopg = psycopg
        self.dsn = dsn
        try:
            self.con = psycopg.connect(dsn, autocommit=False)
        except psycopg.Error as exc:
            raise OperationalError(f"Cannot connect to PostgreSQL: {str(exc).strip()}") from None
        with self.con.transaction():
            self.con.execute(
                f"CREATE TABLE IF NOT EXISTS {STATE_TABLE} (table_name text PRIMARY KEY, mark timestamptz, "
                "signature text, rows bigint, synced_at timestamptz)"
            )
            self.con.execute(
                f"CREATE TABLE IF NOT EXISTS {FK_TABLE} (table_name text, column_name text, ref_table text, "
                "ref_column text)"
            )

    def describe(self) -> str:
        info = self.con.info
        return f"PostgreSQL database {info.dbname} on {info.host}:{info.port}"

    def state(self, table: str) -> TargetState | None:
        row = self.con.execute(
            f"SELECT table_name, mark, signature, rows FROM {STATE_TABLE} WHERE table_name = %s", [table]
        ).fetchone()
        self.con.commit()
        return None if row is None else TargetState(row[0], row[1], row[2], int(row[3] or 0))

    def held_deleted(self, spec: TableSpec, cutoff: datetime) -> list[Any]:
        columns = deleted_filter(spec)
        key = spec.key_column
        if columns is None or key is None or self.state(spec.name) is None:
            return []
        present = {
            r[0]
            for r in self.con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s", [spec.name]
            ).fetchall()
        }
        if not {*columns, key.name} <= present:
            self.con.commit()
            return []
        soft = f" AND NOT coalesce({quote(DELETED_COLUMN)}, false)" if DELETED_COLUMN in present else ""
        rows = self.con.execute(
            f"SELECT {quote(key.name)} FROM {quote(spec.name)} WHERE {quote(columns[0])} = 'deleted' "
            f"AND ({quote(columns[1])} IS NULL OR {quote(columns[1])} < %s){soft}",
            [cutoff],
        ).fetchall()
        self.con.commit()
        return [r[0] for r in rows]

    def apply(self, batch: Batch, synced: Sequence[str]) -> int:
        table, key = quote(batch.name), quote(batch.key)
        rows = batch.rows
        if batch.soft_delete:
            rows = rows.append_column(DELETED_COLUMN, pa.array([False] * rows.num_rows, pa.bool_()))
        fields = list(rows.schema)
        names = ", ".join(quote(f.name) for f in fields)
        state = self.state(batch.name)
        rebuild = (
            (batch.full and not batch.soft_delete) or state is None or state.signature != batch.signature
        )
        try:
            with self.con.transaction():
                if rebuild:
                    ddl = ", ".join(
                        f"{quote(f.name)} {pg_type(f.type)}{' PRIMARY KEY' if f.name == batch.key else ''}"
                        for f in fields
                    )
                    self.con.execute(f"DROP TABLE IF EXISTS {table}")
                    self.con.execute(f"CREATE TABLE {table} ({ddl})")
                    self._copy(table, names, rows)
                else:
                    stage = quote(f"_pd_stage_{batch.name.lower()}")
                    self.con.execute(f"CREATE TEMP TABLE {stage} (LIKE {table}) ON COMMIT DROP")
                    self._copy(stage, names, rows)
                    if batch.full:  # soft deletes: whatever the full read did not return is gone
                        self.con.execute(
                            f"UPDATE {table} SET {quote(DELETED_COLUMN)} = true "
                            f"WHERE {key} NOT IN (SELECT {key} FROM {stage})"
                        )
                    if batch.deleted:
                        ids = list(batch.deleted)
                        if batch.soft_delete:
                            self.con.execute(
                                f"UPDATE {table} SET {quote(DELETED_COLUMN)} = true WHERE {key} = ANY(%s)",
                                [ids],
                            )
                        else:
                            self.con.execute(f"DELETE FROM {table} WHERE {key} = ANY(%s)", [ids])
                    self.con.execute(f"DELETE FROM {table} t USING {stage} s WHERE t.{key} = s.{key}")
                    self.con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {stage}")
                count_row = self.con.execute(f"SELECT count(*) FROM {table}").fetchone()
                count = int(count_row[0]) if count_row else 0
                self.con.execute(f"DELETE FROM {STATE_TABLE} WHERE table_name = %s", [batch.name])
                self.con.execute(
                    f"INSERT INTO {STATE_TABLE} VALUES (%s, %s, %s, %s, now())",
                    [batch.name, batch.mark, batch.signature, count],
                )
                self.con.execute(f"DELETE FROM {FK_TABLE} WHERE table_name = %s", [batch.name])
                for fk in batch.foreign_keys(synced):
                    self.con.execute(
                        f"INSERT INTO {FK_TABLE} VALUES (%s, %s, %s, %s)",
                        [batch.name, fk.column, fk.table, fk.references],
                    )
                    self.con.execute(
                        f"COMMENT ON COLUMN {table}.{quote(fk.column)} IS "
                        f"{_literal(f'references {fk.table}({fk.references})')}"
                    )
            return count
        except self._psycopg.Error as exc:
            raise OperationalError(
                f"PostgreSQL refused the sync of {batch.name}: {str(exc).strip()}"
            ) from None

    def _copy(self, table: str, names: str, rows: pa.Table) -> None:
        nested = [pa.types.is_nested(f.type) for f in rows.schema]
        with self.con.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for batch in rows.to_batches(max_chunksize=5000):
                columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
                for values in zip(*columns, strict=True):
                    copy.write_row(
                        [
                            orjson.dumps(v, default=_json_default).decode()
                            if is_json and v is not None
                            else v
                            for v, is_json in zip(values, nested, strict=True)
                        ]
                    )

    def close(self) -> None:
        try:
            self.con.close()
        except Exception:
            pass


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
