"""Replication into a DuckDB file: typed tables with primary keys, state in ``_pipedrive_sync``.

The catalog's references between synced tables are listed in ``_pipedrive_foreign_keys`` rather than
declared as constraints: Pipedrive keeps links to deleted records (a deal's person may be deleted), which an
enforced foreign key would refuse.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from pipedrive_sql.catalog.spec import TableSpec
from pipedrive_sql.errors import OperationalError
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

__all__ = ["DuckDBTarget"]


class DuckDBTarget(Target):
    kind = "duckdb"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(self.path))
        except duckdb.Error as exc:
            raise OperationalError(
                f"Cannot open the DuckDB file {self.path}: {str(exc).splitlines()[0]}. Another process may be "
                "writing to it (a sync still running?)."
            ) from None
        self.con.execute(
            f"CREATE TABLE IF NOT EXISTS {STATE_TABLE} (table_name VARCHAR PRIMARY KEY, mark TIMESTAMPTZ, "
            "signature VARCHAR, rows BIGINT, synced_at TIMESTAMPTZ)"
        )
        self.con.execute(
            f"CREATE TABLE IF NOT EXISTS {FK_TABLE} (table_name VARCHAR, column_name VARCHAR, "
            "ref_table VARCHAR, ref_column VARCHAR)"
        )

    def describe(self) -> str:
        return f"DuckDB file {self.path}"

    def state(self, table: str) -> TargetState | None:
        row = self.con.execute(
            f"SELECT table_name, mark, signature, rows FROM {STATE_TABLE} WHERE table_name = ?", [table]
        ).fetchone()
        return None if row is None else TargetState(row[0], row[1], row[2], int(row[3] or 0))

    def held_deleted(self, spec: TableSpec, cutoff: datetime) -> list[Any]:
        columns = deleted_filter(spec)
        key = spec.key_column
        if columns is None or key is None or self.state(spec.name) is None:
            return []
        present = {r[0] for r in self.con.execute(f"DESCRIBE {quote(spec.name)}").fetchall()}
        if not {*columns, key.name} <= present:
            return []
        soft = f" AND NOT coalesce({quote(DELETED_COLUMN)}, false)" if DELETED_COLUMN in present else ""
        rows = self.con.execute(
            f"SELECT {quote(key.name)} FROM {quote(spec.name)} WHERE {quote(columns[0])} = 'deleted' "
            f"AND ({quote(columns[1])} IS NULL OR {quote(columns[1])} < ?){soft}",
            [cutoff],
        ).fetchall()
        return [r[0] for r in rows]

    def apply(self, batch: Batch, synced: Sequence[str]) -> int:
        con = self.con.cursor()
        table, key = quote(batch.name), quote(batch.key)
        rows = batch.rows
        if batch.soft_delete:
            rows = rows.append_column(DELETED_COLUMN, pa.array([False] * rows.num_rows, pa.bool_()))
        gone = pa.table({"id": pa.array(batch.deleted, rows.schema.field(batch.key).type)})
        try:
            con.register("__rows", rows)
            con.register("__gone", gone)
            con.execute("BEGIN TRANSACTION")
            state = self.state(batch.name)
            rebuild = (
                (batch.full and not batch.soft_delete) or state is None or state.signature != batch.signature
            )
            if rebuild:
                columns = con.execute("DESCRIBE SELECT * FROM __rows").fetchall()
                ddl = ", ".join(
                    f"{quote(c[0])} {c[1]}{' PRIMARY KEY' if c[0] == batch.key else ''}" for c in columns
                )
                con.execute(f"CREATE OR REPLACE TABLE {table} ({ddl})")
            elif batch.full:  # soft deletes: whatever the full read did not return is gone
                con.execute(
                    f"UPDATE {table} SET {quote(DELETED_COLUMN)} = true "
                    f"WHERE {key} NOT IN (SELECT {key} FROM __rows)"
                )
            if batch.deleted and not rebuild:
                if batch.soft_delete:
                    con.execute(
                        f"UPDATE {table} SET {quote(DELETED_COLUMN)} = true WHERE {key} IN (SELECT id FROM __gone)"
                    )
                else:
                    con.execute(f"DELETE FROM {table} WHERE {key} IN (SELECT id FROM __gone)")
            con.execute(f"INSERT OR REPLACE INTO {table} SELECT * FROM __rows")
            count = int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]
            con.execute(f"DELETE FROM {STATE_TABLE} WHERE table_name = ?", [batch.name])
            con.execute(
                f"INSERT INTO {STATE_TABLE} VALUES (?, ?, ?, ?, now())",
                [batch.name, batch.mark, batch.signature, count],
            )
            con.execute(f"DELETE FROM {FK_TABLE} WHERE table_name = ?", [batch.name])
            for fk in batch.foreign_keys(synced):
                con.execute(
                    f"INSERT INTO {FK_TABLE} VALUES (?, ?, ?, ?)",
                    [batch.name, fk.column, fk.table, fk.references],
                )
            con.execute("COMMIT")
            return count
        except BaseException:
            try:
                con.execute("ROLLBACK")
            except duckdb.Error:
                pass
            raise
        finally:
            con.close()

    def close(self) -> None:
        try:
            self.con.close()
        except duckdb.Error:
            pass
