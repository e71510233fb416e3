"""pgjdbc (what DBeaver and Tableau use) through a tiny Java program compiled at test time."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .conftest import ALICE_PASSWORD, Running, require, run

JAR_CANDIDATES = [Path("/usr/share/java/postgresql.jar")]
SOURCE = Path(__file__).parent / "java" / "PgClient.java"


@pytest.fixture(scope="module")
def java_client(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    javac = require("javac")
    require("java")
    jar = next((p for p in JAR_CANDIDATES if p.exists()), None)
    if jar is None:
        pytest.skip("pgjdbc is not installed (Debian: apt-get install libpostgresql-jdbc-java)")
    out = tmp_path_factory.mktemp("java")
    shutil.copy(SOURCE, out)
    compiled = run([javac, "-d", str(out), str(out / "PgClient.java")], timeout=120)
    assert compiled.returncode == 0, compiled.stderr
    return f"{jar}:{out}", out


def run_client(classpath: str, url: str, user: str, password: str) -> list[str]:
    result = run(["java", "-cp", classpath, "PgClient", url, user, password, "Deals"], timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.splitlines()


def test_metadata_and_prepared_statements(pg_server: Running, java_client: tuple[str, Path]) -> None:
    url = f"jdbc:postgresql://{pg_server.host}:{pg_server.port}/crm?ApplicationName=pgjdbc-test"
    lines = run_client(java_client[0], url, "bob", "")
    assert lines[0].startswith("product=PostgreSQL 15.0")
    assert "table=public.Deals:TABLE" in lines
    assert "table=public.Persons:TABLE" in lines
    assert "column=Id:int8:-5:NO" in lines
    assert "column=Value:numeric:2:YES" in lines
    assert "column=AddTime:timestamptz:93:YES" in lines
    assert "pk=Id" in lines
    assert "fk=PersonId->Persons.Id" in lines
    assert "schema=public" in lines
    assert "catalog=crm" in lines
    assert any(line.startswith("typeinfo=") and int(line.split("=")[1]) > 20 for line in lines)
    prepared = [line for line in lines if line.startswith("prepared#")]
    # more than 5 executions: pgjdbc switches to a named server-side statement (and binary results)
    assert len(prepared) == 8
    assert all(" rows=1000 " in line for line in prepared)
    assert len({line.split(" ", 1)[1] for line in prepared}) == 1
    assert "Title=Deal 1;" in prepared[-1] and "Value=10.50;" in prepared[-1] and "Won=false;" in prepared[-1]
    assert "params=ax,42" in lines
    assert "error=42703" in lines
    assert "valid=true" in lines and "valid-after=true" in lines
    assert "maxrows=7" in lines
    assert "fetched=1000" in lines


def test_tls_and_scram(secure_server: Running, java_client: tuple[str, Path]) -> None:
    url = f"jdbc:postgresql://{secure_server.host}:{secure_server.port}/crm?sslmode=require"
    lines = run_client(java_client[0], url, "alice", ALICE_PASSWORD)
    assert "pk=Id" in lines
