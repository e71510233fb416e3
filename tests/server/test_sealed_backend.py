"""psql against the server over the real driver: SQL that reaches outside Pipedrive is refused with the
driver's message, reads nothing, and temp tables join with Deals (engine/guard.py, engine/local.py).

Statements the server hands to the driver get the driver's allowlist; catalog queries (those naming pg_* or
information_schema, or with no table) are answered by the server's own catalog database, which is sealed
the same way (no files, network, extensions or settings): the last test covers that route."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipedrive_sql.server import Server, ServerConfig
from pipedrive_sql.server.pipedrive import PipedriveBackend

from .conftest import Running, require, run

SECRET = "pipedrive-sql-secret-server-91c2"


@pytest.fixture(scope="module")
def driver_server() -> Iterator[Running]:
    backend = PipedriveBackend({"sandbox": {"Sandbox": True}})
    server = Server(backend, ServerConfig(host="127.0.0.1", port=0, auth="trust")).start()
    host, port = server.address
    yield Running(server, backend, host, port, database="sandbox")  # type: ignore[arg-type]
    server.stop()


def _psql(srv: Running, *commands: str) -> tuple[int, str, str]:
    binary = require("psql")
    args = [binary, "-X", "-h", srv.host, "-p", str(srv.port), "-U", "bi", "-d", srv.database]
    args += ["-v", "ON_ERROR_STOP=1", "-A", "-t"]
    for command in commands:
        args += ["-c", command]
    result = run(args, env={"PGCONNECT_TIMEOUT": "60", "PGSSLMODE": "disable"})
    return result.returncode, result.stdout, result.stderr


def test_attacks_through_psql_are_refused(driver_server: Running, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    attacks = {
        f"SELECT * FROM read_text('{secret}')": "read_text is not allowed",
        f"SELECT * FROM read_csv('{secret}')": "read_csv is not allowed",
        f"SELECT * FROM read_blob('{secret}')": "read_blob is not allowed",
        f"SELECT * FROM glob('{tmp_path}/*')": "glob is not allowed",
        "SELECT * FROM read_text('/proc/self/environ')": "read_text is not allowed",
        f"COPY (SELECT 1 FROM \"Deals\") TO '{tmp_path}/out.csv'": "only COPY ... TO STDOUT is supported",
        f"ATTACH '{tmp_path}/x.db'": "ATTACH is not allowed",
        "INSTALL httpfs": "INSTALL is not allowed",
        "LOAD httpfs": "LOAD is not allowed",
        "SELECT getenv('HOME') FROM \"Deals\" LIMIT 1": "getenv is not allowed",
        f'INSERT INTO "Notes" ("Content") SELECT content FROM read_text(\'{secret}\')': "read_text is not allowed",
    }
    for sql, words in attacks.items():
        code, out, err = _psql(driver_server, sql)
        assert code != 0, (sql, out)
        assert words in err, (sql, err)
        assert SECRET not in out + err
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "x.db").exists()


def test_a_temp_table_joins_with_deals_through_psql(driver_server: Running) -> None:
    code, out, err = _psql(
        driver_server,
        'CREATE TEMP TABLE ids AS SELECT "Id" FROM "Deals" ORDER BY "Id" LIMIT 3',
        'SELECT d."Id" FROM "Deals" d JOIN ids ON ids."Id" = d."Id" ORDER BY d."Id"',
    )
    assert code == 0, err
    joined = [line for line in out.splitlines() if line.strip().isdigit()]
    code, out, err = _psql(driver_server, 'SELECT "Id" FROM "Deals" ORDER BY "Id" LIMIT 3')
    assert code == 0, err
    assert joined == [line for line in out.splitlines() if line.strip().isdigit()]
    assert len(joined) == 3


def test_the_catalog_route_reads_and_writes_no_file(driver_server: Running, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    out_file = tmp_path / "probe.csv"
    attacks = (
        f"SELECT content FROM read_text('{secret}') WHERE 'pg_class' <> ''",  # names pg_*: catalog route
        f"SELECT * FROM read_csv('{secret}')",  # no Pipedrive table: catalog route
        f"COPY (SELECT 1 FROM pg_class LIMIT 1) TO '{out_file}'",
        f"ATTACH '{tmp_path}/x.db' AS x",
        "SELECT getenv('HOME')",
    )
    for sql in attacks:
        code, out, err = _psql(driver_server, sql)
        assert code != 0, (sql, out)
        assert "is not allowed" in err or "only COPY ... TO STDOUT" in err, (sql, err)
        assert SECRET not in out + err
    assert not out_file.exists() and not (tmp_path / "x.db").exists()
    code, out, err = _psql(driver_server, "SELECT count(*) > 0 FROM pg_catalog.pg_class")
    assert code == 0 and out.strip() == "t", err  # the catalog itself still answers
