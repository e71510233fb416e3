"""The server over the real driver (`pipedrive_sql.connect(Sandbox=true)`): what a BI tool sees."""

from __future__ import annotations

import pytest

from pipedrive_sql.server.pipedrive import read_sys_catalog

from .conftest import Running, require, run

psycopg = pytest.importorskip("psycopg", reason="psycopg 3 is not installed (pip install 'psycopg[binary]')")


def test_catalog_comes_from_sys_tables() -> None:
    import pipedrive_sql

    with pipedrive_sql.connect(Sandbox=True) as conn:
        tables = {t.name: t for t in read_sys_catalog(conn)}
    deals = tables["Deals"]
    assert deals.primary_key == ("Id",)
    assert deals.columns[0].name == "Id"
    assert any(fk.ref_table == "Persons" and fk.columns == ("PersonId",) for fk in deals.foreign_keys)


def test_psql_lists_and_describes_driver_tables(driver_server: Running) -> None:
    psql = require("psql")
    base = [psql, "-X", "-h", driver_server.host, "-p", str(driver_server.port), "-U", "bi", "-d", "sandbox"]
    listed = run([*base, "-c", r"\dt"])
    assert listed.returncode == 0, listed.stderr
    assert "| Deals " in listed.stdout and "| Persons " in listed.stdout
    described = run([*base, "-c", r"\d Deals"])
    assert described.returncode == 0, described.stderr
    assert "timestamp with time zone" in described.stdout
    assert '"Deals_pkey" PRIMARY KEY' in described.stdout


def test_queries_with_parameters_and_a_join(driver_server: Running) -> None:
    with psycopg.connect(driver_server.dsn(), autocommit=True) as conn:
        rows = conn.execute(
            'SELECT d."Id", d."Title", p."Name" FROM "Deals" d JOIN "Persons" p ON p."Id" = d."PersonId" '
            'WHERE d."Id" <= %s ORDER BY d."Id"',
            (20,),
        ).fetchall()
        assert rows and all(isinstance(r[1], str) for r in rows)
        one = conn.execute('SELECT "Title" FROM "Deals" WHERE "Id" = %s', (rows[0][0],)).fetchone()
        assert one == (rows[0][1],)
        cur = conn.cursor(binary=True)
        cur.execute('SELECT "Id", "Value", "AddTime" FROM "Deals" ORDER BY "Id" LIMIT 5')
        assert len(cur.fetchall()) == 5


def test_driver_errors_become_sqlstates(driver_server: Running) -> None:
    with psycopg.connect(driver_server.dsn(), autocommit=True) as conn:
        with pytest.raises(psycopg.Error) as info:
            conn.execute('SELECT * FROM "NoSuchTable"')
        assert info.value.sqlstate is not None and info.value.sqlstate.startswith("42")
        assert conn.execute("SELECT 1").fetchone() == (1,)
