"""Real clients against the server over the real driver (the embedded sandbox): what BI users do.

Folding: the SQL shapes Power BI and Tableau generate cost exactly the API requests of the plain query
(counted by the sandbox), and EXPLAIN through the server shows the same requests. SQLAlchemy's
postgresql+psycopg dialect (Superset, pandas) inspects tables, keys and reads whole tables; psycopg's
type loader and COPY work; psql's `select * from deals` finds the table.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import httpx
import pytest

from .conftest import Running, require, run

psycopg = pytest.importorskip("psycopg", reason="psycopg 3 is not installed (pip install 'psycopg[binary]')")


def _requests(dbapi: Any) -> int:
    return int(httpx.get(f"{dbapi.sandbox.url}/__sandbox/stats", timeout=10).json()["total"])


def _cost(conn: Any, dbapi: Any, sql: str) -> tuple[int, list[tuple[Any, ...]]]:
    before = _requests(dbapi)
    rows = conn.execute(sql).fetchall()
    return _requests(dbapi) - before, rows


FOLDS = [
    (
        "power-bi",
        """select "_"."Title" from "public"."Deals" "_" where "_"."Status" = 'open' limit 1000""",
        """SELECT "Title" FROM "Deals" WHERE "Status" = 'open' LIMIT 1000""",
    ),
    (
        "power-bi-nested",
        """select "_"."Title", "_"."Value" from (select "_"."Title" as "Title", "_"."Value" as "Value", """
        """"_"."Status" as "Status" from "sandbox"."public"."Deals" "_" where "_"."Status" = 'won') "_" """
        """limit 1000""",
        """SELECT "Title", "Value" FROM "Deals" WHERE "Status" = 'won' LIMIT 1000""",
    ),
    (
        "tableau",
        """SELECT "Deals"."Title" AS "Title", CAST("Deals"."Value" AS DOUBLE PRECISION) AS "Value" """
        """FROM "public"."Deals" "Deals" WHERE ("Deals"."Status" = 'lost') LIMIT 1000""",
        """SELECT "Title", "Value" FROM "Deals" WHERE "Status" = 'lost' LIMIT 1000""",
    ),
    (
        "tableau-dates",
        """SELECT "t0"."Status" AS "Status", SUM(CAST("t0"."Value" AS DOUBLE PRECISION)) AS "sum:Value:ok" FROM """
        """(SELECT "Deals"."Status" AS "Status", "Deals"."Value" AS "Value", "Deals"."UpdateTime" AS "UpdateTime" """
        """FROM "public"."Deals" "Deals") "t0" WHERE (("t0"."UpdateTime" >= (TIMESTAMP '2024-01-01 00:00:00.000')) """
        """AND ("t0"."Status" = 'open')) GROUP BY 1""",
        """SELECT "Status", SUM("Value") FROM "Deals" WHERE "UpdateTime" >= TIMESTAMP '2024-01-01 00:00:00' """
        """AND "Status" = 'open' GROUP BY 1""",
    ),
]


def _amounts(row: Any) -> str:
    return repr(tuple(round(float(v), 4) if isinstance(v, float | Decimal) else v for v in row))


@pytest.mark.parametrize(("shape", "folded", "plain"), FOLDS, ids=[f[0] for f in FOLDS])
def test_folded_shapes_cost_what_the_plain_query_costs(
    driver_server: Running, driver_dbapi: Any, shape: str, folded: str, plain: str
) -> None:
    with psycopg.connect(driver_server.dsn(), autocommit=True) as conn:
        conn.execute('SELECT "Id" FROM "Deals" LIMIT 1').fetchall()  # the catalog is read once per server
        plain_cost, plain_rows = _cost(conn, driver_dbapi, plain)
        folded_cost, folded_rows = _cost(conn, driver_dbapi, folded)
        assert plain_cost >= 1
        assert folded_cost == plain_cost, shape
        # Tableau casts the DECIMAL(18,4) amounts to DOUBLE PRECISION: compare at the amounts' 4 places
        assert sorted(map(_amounts, folded_rows)) == sorted(map(_amounts, plain_rows))
        explained = conn.execute("EXPLAIN " + folded).fetchall()
        explained_plain = conn.execute("EXPLAIN " + plain).fetchall()
        assert [row[2] for row in explained] == [row[2] for row in explained_plain]
        assert any("status=" in request for row in explained for request in row[2])


def test_names_as_postgresql_clients_write_them(driver_server: Running) -> None:
    with psycopg.connect(driver_server.dsn(), autocommit=True) as conn:
        counts = [
            conn.execute(sql).fetchone()
            for sql in (
                'SELECT count(*) FROM "Deals"',
                "select count(*) from deals",
                'select count(*) from public."Deals"',
                'select count(*) from "public"."Deals"',
                'select count(*) from sandbox.public."Deals"',
                'select count(*) from public.deals d where d."Id" > 0',
            )
        ]
        assert len(set(counts)) == 1 and counts[0] is not None and counts[0][0] > 0
        with pytest.raises(psycopg.errors.UndefinedTable) as info:
            conn.execute('select * from "deals"')
        assert 'write "Deals"' in str(info.value.diag.message_hint)
        row = conn.execute(
            "select current_schema(), current_database(), current_setting('search_path'), "
            "(select count(*) from information_schema.schemata where schema_name = current_schema()), "
            "(select count(*) from pg_namespace where nspname = current_schema())"
        ).fetchone()
        assert row == ("public", "sandbox", '"$user", public', 1, 1)
        cur = conn.execute('select count(*), sum("Value"), now(), current_date, 1 + 1 from "Deals"')
        assert [d.name for d in cur.description] == ["count", "sum", "now", "current_date", "?column?"]


def test_sqlalchemy_inspects_and_pandas_reads(driver_server: Running, driver_dbapi: Any) -> None:
    sqlalchemy = pytest.importorskip("sqlalchemy")
    pandas = pytest.importorskip("pandas")
    engine = sqlalchemy.create_engine(
        f"postgresql+psycopg://bi@{driver_server.host}:{driver_server.port}/{driver_server.database}"
    )
    try:
        inspector = sqlalchemy.inspect(engine)
        assert {"Deals", "Persons", "Organizations"} <= set(inspector.get_table_names())
        columns = {c["name"]: c for c in inspector.get_columns("Deals")}
        assert isinstance(columns["Id"]["type"], sqlalchemy.BigInteger)
        assert isinstance(columns["AddTime"]["type"], sqlalchemy.DateTime)
        assert inspector.get_pk_constraint("Deals")["constrained_columns"] == ["Id"]
        keys = {
            (tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]))
            for fk in inspector.get_foreign_keys("Deals")
        }
        assert (("PersonId",), "Persons", ("Id",)) in keys
        assert (("OrgId",), "Organizations", ("Id",)) in keys
        frame = pandas.read_sql_table("Deals", engine)
        cursor = driver_dbapi.cursor()
        cursor.execute("SELECT COUNT(*) FROM Deals")
        assert len(frame) == cursor.fetchone()[0]
        assert "Title" in frame.columns
    finally:
        engine.dispose()


def test_psycopg_type_info_lists_and_copy(driver_server: Running, driver_dbapi: Any) -> None:
    from psycopg.types import TypeInfo

    with psycopg.connect(driver_server.dsn(), autocommit=True) as conn:
        info = TypeInfo.fetch(conn, "numeric")
        assert info is not None and info.oid == 1700 and info.array_oid == 1231
        ids = [r[0] for r in conn.execute('select "Id" from "Deals" order by 1 limit 3').fetchall()]
        for binary in (False, True):
            rows = conn.cursor(binary=binary).execute(
                'select "Id" from "Deals" where "Id" = ANY(%s) order by 1', (ids,)
            )
            assert [r[0] for r in rows] == ids
        out = io.StringIO()
        with conn.cursor().copy('COPY (SELECT "Id", "Title" FROM "Deals") TO STDOUT WITH CSV HEADER') as copy:
            for chunk in copy:
                out.write(bytes(chunk).decode())
        parsed = list(csv.reader(io.StringIO(out.getvalue())))
        cursor = driver_dbapi.cursor()
        cursor.execute('SELECT "Id", "Title" FROM Deals')
        expected = sorted((str(i), t) for i, t in cursor.fetchall())
        assert parsed[0] == ["Id", "Title"]
        assert sorted(map(tuple, parsed[1:])) == expected
        with conn.cursor().copy('COPY "Deals" ("Id", "Value") TO STDOUT (FORMAT binary)') as copy:
            copy.set_types(["int8", "float8"])
            assert len(list(copy.rows())) == len(expected)


def test_sql_level_prepare_and_execute(driver_server: Running, driver_dbapi: Any) -> None:
    with psycopg.connect(driver_server.dsn(), autocommit=True) as conn:
        conn.execute('PREPARE by_status(text) AS SELECT count(*) FROM "Deals" WHERE "Status" = $1')
        won = conn.execute("EXECUTE by_status('won')").fetchone()
        cursor = driver_dbapi.cursor()
        cursor.execute("SELECT COUNT(*) FROM Deals WHERE \"Status\" = 'won'")
        assert won == (cursor.fetchone()[0],)
        conn.execute("DEALLOCATE by_status")
        with pytest.raises(psycopg.errors.InvalidSqlStatementName):
            conn.execute("EXECUTE by_status('won')")


def test_psql_users_type_lower_case(driver_server: Running) -> None:
    psql = require("psql")
    base = [psql, "-X", "-h", driver_server.host, "-p", str(driver_server.port), "-U", "bi", "-d", "sandbox"]
    result = run([*base, "-v", "ON_ERROR_STOP=1", "-c", "select * from deals limit 3"])
    assert result.returncode == 0, result.stderr
    assert "(3 rows)" in result.stdout
    for command in (r"\dt", r"\d deals", r"\d+ Deals", r"\dn", r"\l", r"\df"):
        described = run([*base, "-v", "ON_ERROR_STOP=1", "-c", command])
        assert described.returncode == 0, f"{command}: {described.stderr}"
    assert "Deals_pkey" in run([*base, "-c", r"\d deals"]).stdout
    assert "MergeDeals" in run([*base, "-c", r"\df"]).stdout  # the driver's stored procedures


def test_stored_procedures_are_routines(driver_server: Running, driver_dbapi: Any) -> None:
    cursor = driver_dbapi.cursor()
    cursor.execute("SELECT ProcedureName FROM sys_procedures")
    procedures = sorted(r[0] for r in cursor.fetchall())
    cursor.execute("SELECT COUNT(*) FROM sys_procedureparameters")
    parameters = cursor.fetchone()[0]
    with psycopg.connect(driver_server.dsn(), autocommit=True) as conn:
        routines = conn.execute(
            "select routine_name from information_schema.routines where routine_type = 'PROCEDURE' order by 1"
        ).fetchall()
        assert sorted(r[0] for r in routines) == procedures
        assert conn.execute("select count(*) from information_schema.parameters").fetchone() == (parameters,)
        kinds = conn.execute("select distinct prokind from pg_proc where pronamespace = 2200").fetchall()
        assert kinds == [("p",)]


def test_portal_resumed_with_row_limits(driver_server: Running, driver_dbapi: Any) -> None:
    from .wire_client import WireClient, kinds

    cursor = driver_dbapi.cursor()
    cursor.execute("SELECT COUNT(*) FROM Deals")
    total = cursor.fetchone()[0]
    client = WireClient(driver_server.host, driver_server.port, user="bi", database=driver_server.database)
    try:
        client.send(b"Q", b"BEGIN\0")
        client.until(b"Z")
        client.parse("", 'select "Id" from public.deals')
        client.bind("p1", "")
        rows = 0
        suspended = 0
        while True:
            client.execute("p1", 100)
            client.send(b"H")  # Flush: the portal stays open between Executes
            messages = []
            while not messages or messages[-1][0] not in (b"s", b"C", b"E"):
                messages.append(client.read())
            rows += kinds(messages).count(b"D")
            assert messages[-1][0] != b"E", messages[-1]
            if messages[-1][0] == b"C":
                break
            suspended += 1
        client.sync()
        client.until(b"Z")
        assert rows == total and suspended in (total // 100, (total - 1) // 100)
    finally:
        client.close()
