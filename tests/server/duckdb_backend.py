"""A Backend over DuckDB, so the protocol can be tested without the driver.

It serves one database whose tables mimic the driver's (`Deals`, `Persons`, with a primary key and a
foreign key), and reads the catalog from DuckDB's information_schema the way the real backend reads
the driver's sys_* tables.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import duckdb

from pipedrive_sql.server import ColumnInfo, ForeignKey, TableInfo
from pipedrive_sql.server.types import pg_type_for

SCHEMA = """
CREATE TABLE "Persons" ("Id" BIGINT PRIMARY KEY, "Name" VARCHAR, "Email" VARCHAR);
CREATE TABLE "Deals" (
  "Id" BIGINT PRIMARY KEY, "Title" VARCHAR NOT NULL, "Value" DECIMAL(18,2), "Currency" VARCHAR,
  "PersonId" BIGINT, "AddTime" TIMESTAMPTZ, "CloseDate" DATE, "Won" BOOLEAN, "Probability" DOUBLE
);
INSERT INTO "Persons" SELECT i, 'Person ' || i, 'p' || i || '@example.com' FROM range(1, 51) t(i);
INSERT INTO "Deals" SELECT i, 'Deal ' || i, (i * 10.5)::DECIMAL(18,2), CASE WHEN i % 2 = 0 THEN 'EUR' ELSE 'USD' END,
  1 + i % 50, TIMESTAMPTZ '2024-01-01 00:00:00+00' + INTERVAL (i) HOUR, DATE '2024-01-01' + i::INTEGER,
  i % 3 = 0, i / 1000.0 FROM range(1, 1001) t(i);
CREATE TABLE "BigTable" AS SELECT i AS "Id", 'row ' || i AS "Label", i * 0.5 AS "Amount" FROM range(0, 200000) t(i);
"""

FOREIGN_KEYS = {"Deals": (ForeignKey("Deals_PersonId_fkey", ("PersonId",), "Persons", ("Id",)),)}


class DuckDBBackend:
    paramstyle = "qmark"

    def __init__(self, database: str = "crm") -> None:
        self.database = database
        self.db = duckdb.connect(":memory:")
        for statement in SCHEMA.split(";"):
            if statement.strip():
                self.db.execute(statement)
        self._lock = threading.Lock()
        self.connections = 0

    def databases(self) -> Sequence[str]:
        return [self.database]

    def connect(self, database: str) -> Any:
        with self._lock:
            self.connections += 1
            return self.db.cursor()

    def tables(self, database: str, connection: Any) -> Sequence[TableInfo]:
        cur = connection.cursor()
        cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1")
        names = [r[0] for r in cur.fetchall()]
        tables = []
        for name in names:
            cur.execute(f'SELECT * FROM "{name}" LIMIT 0')
            types = {d[0]: d[1] for d in cur.description}
            cur.execute(
                "SELECT column_name, is_nullable FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                [name],
            )
            columns = tuple(
                ColumnInfo(c, pg_type_for(types[c]), nullable == "YES") for c, nullable in cur.fetchall()
            )
            cur.execute(
                "SELECT constraint_column_names FROM duckdb_constraints() WHERE table_name = ? AND constraint_type = 'PRIMARY KEY'",
                [name],
            )
            pk = cur.fetchone()
            tables.append(
                TableInfo(
                    name,
                    columns,
                    primary_key=tuple(pk[0]) if pk else (),
                    foreign_keys=FOREIGN_KEYS.get(name, ()),
                    description=f"{name} from the test backend",
                )
            )
        return tables

    def interrupt(self, connection: Any, cursor: Any) -> None:
        cursor.interrupt()
