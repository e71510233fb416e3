"""unixODBC + psqlODBC with pyodbc through a DSN written by `odbc_dsn_add` (what Excel/Power BI do)."""

from __future__ import annotations

import decimal
import subprocess
from pathlib import Path

import pytest

from pipedrive_sql.server.cli_commands import odbc_dsn_add

from .conftest import ALICE_PASSWORD, Running, require

pyodbc = pytest.importorskip(
    "pyodbc", reason="pyodbc is not installed (pip install pyodbc; apt-get install unixodbc)"
)


def _psqlodbc_installed() -> bool:
    try:
        out = subprocess.run(["odbcinst", "-q", "-d"], capture_output=True, text=True, check=False).stdout
    except FileNotFoundError:
        return False
    return "[PostgreSQL Unicode]" in out


@pytest.fixture
def dsn(pg_server: Running, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    if not _psqlodbc_installed():
        pytest.skip("psqlODBC is not installed (Debian: apt-get install unixodbc odbc-postgresql)")
    ini = odbc_dsn_add(
        "pdtest",
        database="crm",
        host=pg_server.host,
        port=pg_server.port,
        user="bob",
        odbc_ini=tmp_path / "odbc.ini",
    )
    monkeypatch.setenv("ODBCINI", str(ini))
    return "pdtest"


def test_dsn_file(dsn: str, tmp_path: Path) -> None:
    text = (tmp_path / "odbc.ini").read_text()
    assert "[pdtest]" in text and "Driver = PostgreSQL Unicode" in text and "Database = crm" in text


def test_connect_and_query_with_parameters(dsn: str) -> None:
    with pyodbc.connect(f"DSN={dsn}", autocommit=True) as conn:
        cur = conn.cursor()
        cur.execute(
            'SELECT "Id", "Title", "Value", "Won" FROM "Deals" WHERE "Id" = ? AND "Currency" = ?', 4, "EUR"
        )
        row = cur.fetchone()
        assert tuple(row) == (4, "Deal 4", decimal.Decimal("42.00"), False)
        assert [d[0] for d in cur.description] == ["Id", "Title", "Value", "Won"]
        cur.execute('SELECT count(*) FROM "Deals" WHERE "CloseDate" >= ?', "2024-02-01")
        assert cur.fetchone()[0] == 970


def test_catalog_functions(dsn: str) -> None:
    with pyodbc.connect(f"DSN={dsn}", autocommit=True) as conn:
        cur = conn.cursor()
        tables = {r.table_name for r in cur.tables(tableType="TABLE")}
        assert {"Deals", "Persons", "BigTable"} <= tables
        columns = cur.columns(table="Deals").fetchall()
        assert [c.column_name for c in columns][:3] == ["Id", "Title", "Value"]
        by_name = {c.column_name: c for c in columns}
        assert by_name["Id"].type_name == "int8" and by_name["Id"].nullable == 0
        assert by_name["Value"].type_name == "numeric" and by_name["Value"].decimal_digits == 2
        assert [r.column_name for r in cur.primaryKeys("Deals")] == ["Id"]
        fks = cur.foreignKeys(foreignTable="Deals").fetchall()
        assert [(f.pktable_name, f.pkcolumn_name, f.fkcolumn_name) for f in fks] == [
            ("Persons", "Id", "PersonId")
        ]
        assert len(cur.getTypeInfo().fetchall()) > 10
        assert len(cur.statistics("Deals").fetchall()) >= 1


def test_manual_commit_mode(dsn: str) -> None:
    # pyodbc's default: psqlODBC sends BEGIN (and savepoints) around statements
    with pyodbc.connect(f"DSN={dsn}") as conn:
        cur = conn.cursor()
        cur.execute('SELECT count(*) FROM "Persons"')
        assert cur.fetchone()[0] == 50
        with pytest.raises(pyodbc.Error):
            cur.execute('SELECT * FROM "Missing"')
        conn.rollback()
        cur.execute('SELECT "Name" FROM "Persons" WHERE "Id" = ?', 7)
        assert cur.fetchone()[0] == "Person 7"
        conn.commit()


def test_use_declare_fetch(dsn: str) -> None:
    # psqlODBC's "Use Declare/Fetch" reads big results through a SQL cursor, Fetch rows at a time
    with pyodbc.connect(f"DSN={dsn};UseDeclareFetch=1;Fetch=100") as conn:
        cur = conn.cursor()
        cur.execute('SELECT "Id" FROM "Deals" WHERE "Id" > ? ORDER BY "Id"', 10)
        ids = [r[0] for r in cur.fetchall()]
        assert ids == list(range(11, 1001))
        conn.commit()


def test_isql(dsn: str) -> None:
    isql = require("isql")
    result = subprocess.run(
        [isql, "-b", dsn],
        input='SELECT "Title" FROM "Deals" WHERE "Id" = 9\n',
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert "Deal 9" in result.stdout, result.stdout + result.stderr


def test_tls_and_scram(secure_server: Running, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not _psqlodbc_installed():
        pytest.skip("psqlODBC is not installed (Debian: apt-get install unixodbc odbc-postgresql)")
    ini = odbc_dsn_add(
        "pdsecure",
        database="crm",
        host=secure_server.host,
        port=secure_server.port,
        user="alice",
        sslmode="require",
        odbc_ini=tmp_path / "odbc.ini",
    )
    monkeypatch.setenv("ODBCINI", str(ini))
    with pyodbc.connect(f"DSN=pdsecure;PWD={ALICE_PASSWORD}", autocommit=True) as conn:
        assert conn.cursor().execute("SELECT current_user").fetchone()[0] == "alice"
    with pytest.raises(pyodbc.Error, match="password authentication failed"):
        pyodbc.connect("DSN=pdsecure;PWD=wrong", autocommit=True)


def test_catalog_functions_over_the_driver(
    driver_server: Running, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What Power BI's and Excel's ODBC connector call, against the real driver and the sandbox."""
    if not _psqlodbc_installed():
        pytest.skip("psqlODBC is not installed (Debian: apt-get install unixodbc odbc-postgresql)")
    ini = odbc_dsn_add(
        "pdsandbox",
        database="sandbox",
        host=driver_server.host,
        port=driver_server.port,
        user="excel",
        odbc_ini=tmp_path / "odbc.ini",
    )
    monkeypatch.setenv("ODBCINI", str(ini))
    with pyodbc.connect("DSN=pdsandbox") as conn:  # manual commit: psqlODBC prefixes BEGIN;
        cur = conn.cursor()
        assert {"Deals", "Persons", "Organizations"} <= {r.table_name for r in cur.tables(tableType="TABLE")}
        columns = {c.column_name: c for c in cur.columns(table="Deals").fetchall()}
        assert columns["Id"].type_name == "int8" and columns["AddTime"].type_name == "timestamptz"
        assert [r.column_name for r in cur.primaryKeys("Deals")] == ["Id"]
        fks = {(r.fkcolumn_name, r.pktable_name) for r in cur.foreignKeys(foreignTable="Deals").fetchall()}
        assert ("PersonId", "Persons") in fks and ("OrgId", "Organizations") in fks
        assert len(cur.statistics("Deals").fetchall()) >= 1
        cur.execute('select count(*) from public.deals where "Status" = ?', "won")
        won = cur.fetchone()[0]
        cur.execute('SELECT count(*) FROM "Deals" WHERE "Status" = \'won\'')
        assert cur.fetchone()[0] == won > 0
        conn.commit()
