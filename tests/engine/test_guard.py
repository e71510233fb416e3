"""SQL sees Pipedrive and nothing else: every way out that the issue tried is refused with our error, reads
nothing and sends nothing; what only computes stays allowed (engine/guard.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipedrive_sql import errors
from pipedrive_sql.dbapi import Connection
from pipedrive_sql.engine.guard import MAX_DEPTH, OUTSIDE, TABLE_FUNCTIONS, allowed_functions

from .helpers import open_connection

SECRET = "pipedrive-sql-secret-7f3a9c"


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.csv"
    path.write_text(f"token\n{SECRET}\n")
    return path


def attacks(path: Path) -> list[tuple[str, str]]:
    """(SQL, words the refusal must contain)."""
    p = str(path)
    return [
        (f"SELECT * FROM read_text('{p}')", "read_text is not allowed"),
        (f"SELECT * FROM read_csv('{p}')", "read_csv is not allowed"),
        (f"SELECT * FROM read_csv_auto('{p}')", "read_csv_auto is not allowed"),
        (f"SELECT * FROM read_blob('{p}')", "read_blob is not allowed"),
        (f"SELECT * FROM read_json_auto('{p}')", "read_json_auto is not allowed"),
        (f"SELECT * FROM read_parquet('{p}')", "read_parquet is not allowed"),
        (f"SELECT * FROM parquet_scan('{p}')", "parquet_scan is not allowed"),
        (f"SELECT * FROM sniff_csv('{p}')", "sniff_csv is not allowed"),
        (f"SELECT * FROM glob('{path.parent}/*')", "glob is not allowed"),
        ("SELECT * FROM glob('/*')", "glob is not allowed"),
        ("SELECT * FROM read_text('/proc/self/environ')", "read_text is not allowed"),
        ("SELECT * FROM read_csv('/proc/self/environ')", "read_csv is not allowed"),
        (f"SELECT content FROM read_text(['{p}', '/etc/hostname'])", "read_text is not allowed"),
        (f"SELECT (SELECT content FROM read_text('{p}')) AS x", "read_text is not allowed"),
        (f"WITH x AS (SELECT * FROM read_text('{p}')) SELECT * FROM x", "read_text is not allowed"),
        (f"SELECT * FROM Deals WHERE Title IN (SELECT content FROM read_text('{p}'))", "read_text"),
        (f"SELECT * FROM '{p}'", "There is no table"),
        (f'SELECT * FROM "{p}"', "There is no table"),
        (f"COPY (SELECT 1) TO '{path.parent}/out.csv'", "COPY is not allowed"),
        (f"COPY Deals TO '{path.parent}/out.csv'", "COPY is not allowed"),
        (f"COPY Deals FROM '{p}'", "COPY is not allowed"),
        (f"ATTACH '{path.parent}/x.db' AS x", "ATTACH is not allowed"),
        ("ATTACH ':memory:' AS x", "ATTACH is not allowed"),
        ("DETACH x", "DETACH is not allowed"),
        ("INSTALL httpfs", "INSTALL is not allowed"),
        ("FORCE INSTALL httpfs", "INSTALL"),
        ("LOAD httpfs", "LOAD is not allowed"),
        ("PRAGMA database_list", "PRAGMA is not allowed"),
        ("SET enable_external_access = true", "SET is not allowed"),
        ("SET threads = 8", "SET is not allowed"),
        ("SET GLOBAL memory_limit = '1GB'", "SET is not allowed"),
        ("RESET threads", "RESET is not allowed"),
        ("SET VARIABLE x = 1", "SET is not allowed"),
        ("SELECT current_setting('secret_directory')", "current_setting is not allowed"),
        ("SELECT getenv('HOME')", "getenv is not allowed"),
        ("SELECT getvariable('x')", "getvariable is not allowed"),
        ("SELECT * FROM duckdb_settings()", "duckdb_settings is not allowed"),
        ("SELECT * FROM duckdb_secrets()", "duckdb_secrets is not allowed"),
        ("SELECT * FROM duckdb_extensions()", "duckdb_extensions is not allowed"),
        ("SELECT * FROM pragma_version()", "pragma_version is not allowed"),
        ("SELECT * FROM query('SELECT 1')", "query is not allowed"),
        ("SELECT * FROM query_table('x')", "query_table is not allowed"),
        ("CALL pragma_version()", "CALL is not allowed"),
        ("SELECT * FROM information_schema.tables", "not allowed"),
        ("SELECT * FROM pg_catalog.pg_settings", "not allowed"),
        (f"EXPORT DATABASE '{path.parent}/export'", "EXPORT is not allowed"),
        (f"IMPORT DATABASE '{path.parent}'", "IMPORT is not allowed"),
        ("CREATE SECRET (TYPE s3, KEY_ID 'a', SECRET 'b')", "CREATE SECRET is not allowed"),
        ("CREATE PERSISTENT SECRET s (TYPE s3)", "CREATE SECRET is not allowed"),
        ("CREATE TABLE t (a INT)", "CREATE TEMP TABLE"),
        ("CREATE VIEW v AS SELECT 1", "CREATE TEMP VIEW"),
        ("CREATE MACRO m(a) AS a", "CREATE MACRO is not allowed"),
        ("CREATE FUNCTION f(a) AS a", "CREATE FUNCTION is not allowed"),
        ("CREATE SCHEMA s", "CREATE SCHEMA is not allowed"),
        ("CREATE SEQUENCE s", "CREATE SEQUENCE is not allowed"),
        ("USE system", "USE is not allowed"),
        ("CHECKPOINT", "CHECKPOINT is not allowed"),
        ("SELECT * INTO copied FROM Deals", "SELECT ... INTO is not allowed"),
        (f"CREATE TEMP TABLE t AS SELECT * FROM read_text('{p}')", "read_text is not allowed"),
        (f"CREATE TEMP VIEW v AS SELECT * FROM read_text('{p}')", "read_text is not allowed"),
        (f"EXPLAIN SELECT * FROM read_text('{p}')", "read_text is not allowed"),
        (f"INSERT INTO Notes (Content) SELECT content FROM read_text('{p}')", "read_text is not allowed"),
        ("DROP TABLE Deals", "Pipedrive table"),
    ]


def test_every_attack_is_refused_by_name_and_reads_nothing(
    sql_conn: Connection, sandbox: Any, secret_file: Path
) -> None:
    cursor = sql_conn.cursor()
    sandbox.reset_stats()
    for sql, words in attacks(secret_file):
        with pytest.raises(errors.ProgrammingError) as info:
            cursor.execute(sql)
        message = str(info.value)
        assert words in message, (sql, message)
        assert SECRET not in message
    assert sandbox.stats()["total"] == 0  # refused before any request
    assert not (secret_file.parent / "out.csv").exists()
    assert not (secret_file.parent / "export").exists()
    assert not (secret_file.parent / "x.db").exists()


def test_copying_a_file_into_the_crm_sends_no_request(make_sandbox: Any, secret_file: Path) -> None:
    private = make_sandbox(rate_limit=False)
    conn = open_connection(private)
    try:
        private.reset_stats()
        for sql in (
            f"INSERT INTO Notes (Content) SELECT content FROM read_text('{secret_file}')",
            f"INSERT INTO Notes (Content, DealId) VALUES ((SELECT content FROM read_text('{secret_file}')), 1)",
            f"UPDATE Deals SET Title = (SELECT content FROM read_text('{secret_file}')) WHERE Id = 1",
        ):
            with pytest.raises(errors.ProgrammingError, match="read_text is not allowed"):
                conn.cursor().execute(sql)
        assert private.stats()["total"] == 0
    finally:
        conn.close()


def test_the_engine_itself_is_sealed_beneath_the_allowlist(sql_conn: Connection, secret_file: Path) -> None:
    """Defence in depth: SQL that got past the check would still meet DuckDB's own refusal."""
    duck = sql_conn.engine.duck.cursor()
    try:
        for sql in (
            f"SELECT * FROM read_text('{secret_file}')",
            f"COPY (SELECT 1) TO '{secret_file.parent}/out.csv'",
            f"ATTACH '{secret_file.parent}/x.db'",
            "INSTALL httpfs",
        ):
            with pytest.raises(duckdb.Error, match="disabled by configuration"):
                duck.execute(sql)
        for sql in ("SET enable_external_access = true", "SET threads = 4", "SET lock_configuration = false"):
            with pytest.raises(duckdb.Error, match="locked"):
                duck.execute(sql)
        settings = dict(
            duck.execute(
                "SELECT name, value FROM duckdb_settings() WHERE name IN ('enable_external_access', "
                "'autoinstall_known_extensions', 'autoload_known_extensions', 'allow_community_extensions', "
                "'lock_configuration', 'threads', 'temp_directory')"
            ).fetchall()
        )
    finally:
        duck.close()
    assert settings == {
        "enable_external_access": "false",
        "autoinstall_known_extensions": "false",
        "autoload_known_extensions": "false",
        "allow_community_extensions": "false",
        "lock_configuration": "true",
        "threads": "1",
        "temp_directory": "",
    }
    assert not (secret_file.parent / "out.csv").exists()


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT abs(-1), round(2.5), upper('a'), length('abc'), strftime(DATE '2024-01-02', '%Y')",
        "SELECT coalesce(NULL, 1), nullif(1, 2), CAST('1' AS INTEGER), TRY_CAST('x' AS INTEGER)",
        "SELECT list_value(1, 2), [1, 2, 3][2], struct_pack(a := 1), array_length([1, 2])",
        "SELECT regexp_replace('abc', 'b', 'x'), md5('a'), sha256('a'), json_extract('{\"a\": 1}', '$.a')",
        "SELECT date_trunc('month', TIMESTAMP '2024-05-06 07:08:09'), now() IS NOT NULL, uuid() IS NOT NULL",
        "SELECT * FROM range(3)",
        "SELECT * FROM generate_series(1, 3)",
        "SELECT * FROM unnest([1, 2])",
        "SELECT * FROM json_each('{\"a\": 1}')",
        "SELECT count(*), sum(Value), avg(Value), string_agg(Title, ',') FROM Deals WHERE Id < 5",
        "SELECT Id, row_number() OVER (ORDER BY Id), lag(Id) OVER (ORDER BY Id) FROM Deals WHERE Id < 5",
        "SELECT * FROM sys_tables",
        "SELECT 1 UNION ALL SELECT 2 EXCEPT SELECT 2",
        "VALUES (1, 'a'), (2, 'b')",
    ],
)
def test_what_only_computes_is_allowed(sql_conn: Connection, sql: str) -> None:
    cursor = sql_conn.cursor()
    cursor.execute(sql)
    assert cursor.fetchall()


def test_the_function_allowlist_is_duckdbs_own_minus_outside() -> None:
    allowed = allowed_functions()
    assert {"abs", "sum", "row_number", "strftime", "list_transform", "json_extract"} <= allowed
    assert not set(OUTSIDE) & allowed
    assert not {name for name in allowed if name.startswith(("read_", "duckdb_", "pragma_"))}
    assert "unnest" in TABLE_FUNCTIONS and "read_csv" not in TABLE_FUNCTIONS


def test_the_allowlist_read_from_the_engines_database_is_a_fresh_databases(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The engine reads the list from its own database right after sealing it (no second database, which
    would add to the peak memory); that must be the list a fresh sealed database gives."""
    from pipedrive_sql.engine import guard

    monkeypatch.setattr(guard, "_FUNCTIONS", None)
    fresh = allowed_functions()
    monkeypatch.setattr(guard, "_FUNCTIONS", None)
    duck = duckdb.connect(":memory:")
    try:
        guard.seal(duck)
        assert allowed_functions(duck) == fresh
        assert duck.execute("SELECT 42").fetchone() == (42,)  # the caller's database is left open
    finally:
        duck.close()


def test_an_unknown_function_is_refused_with_a_suggestion(sql_conn: Connection) -> None:
    with pytest.raises(
        errors.ProgrammingError, match=r"function upperr\(\) does not exist; did you mean upper\(\)\?"
    ):
        sql_conn.cursor().execute("SELECT upperr('a')")


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT " + "(" * 50 + "1" + ")" * 50,
        "SELECT " + "(" * 5000 + "1" + ")" * 5000,
        "SELECT * FROM Deals WHERE " + "(" * 60 + "Id = 1" + ")" * 60,
        "SELECT " + "abs(" * 200 + "1" + ")" * 200,
        "SELECT " + "CASE WHEN true THEN " * 100 + "1" + " END" * 100,
        "SELECT " + "NOT " * 3000 + "true",
        "SELECT " + "- " * 3000 + "1",
        "SELECT " + "[" * 100 + "1" + "]" * 100,
        "SELECT 1 FROM Deals WHERE Id IN (" + "SELECT Id FROM Deals WHERE Id IN (" * 40 + "1" + ")" * 41,
    ],
)
def test_deep_nesting_is_a_clear_error_never_a_recursion_error(sql_conn: Connection, sql: str) -> None:
    cursor = sql_conn.cursor()
    try:
        cursor.execute(sql)
        cursor.fetchall()
    except errors.ProgrammingError as exc:
        assert "nested" in str(exc) or "not allowed" in str(exc) or "Syntax error" in str(exc), exc
    assert f"{MAX_DEPTH} levels" in _message_for(cursor, "SELECT " + "(" * 50 + "1" + ")" * 50)


def _message_for(cursor: Any, sql: str) -> str:
    with pytest.raises(errors.ProgrammingError) as info:
        cursor.execute(sql)
    return str(info.value)


def test_nesting_within_the_limit_works(sql_conn: Connection) -> None:
    cursor = sql_conn.cursor()
    cursor.execute("SELECT " + "(" * (MAX_DEPTH - 2) + "1" + ")" * (MAX_DEPTH - 2))
    assert cursor.fetchall() == [(1,)]


@pytest.mark.parametrize(
    "sql", ["SELECT 1\x00", "SELECT '\x00'", "\x00", "SELECT * FROM Deals WHERE Title = 'a\x00b'"]
)
def test_nul_characters_are_refused(sql_conn: Connection, sql: str) -> None:
    with pytest.raises(errors.ProgrammingError, match="NUL character"):
        sql_conn.cursor().execute(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT '\udcff'",
        "EXPLAIN SELECT * FROM Deals WHERE \udcffrId = 1",  # EXPLAIN failed with UnicodeEncodeError (fuzz)
        "SELECT * FROM Deals WHERE Title = 'caf\udce9'",
    ],
)
def test_text_that_is_not_unicode_is_refused_with_where(sql_conn: Connection, sql: str) -> None:
    with pytest.raises(errors.ProgrammingError, match=r"lone surrogate .* at offset"):
        sql_conn.cursor().execute(sql)


# ---- temp tables and views ----------------------------------------------------------------------------


@pytest.fixture
def conn(sandbox: Any) -> Iterator[Connection]:
    opened = open_connection(sandbox)
    yield opened
    opened.close()


def test_a_temp_table_joins_with_deals(conn: Connection, sandbox: Any) -> None:
    cursor = conn.cursor()
    cursor.execute("CREATE TEMP TABLE ids AS SELECT Id FROM Deals WHERE Status = 'open' ORDER BY Id LIMIT 5")
    assert cursor.rowcount == 5
    cursor.execute("SELECT d.Id, d.Title FROM Deals d JOIN ids ON d.Id = ids.Id ORDER BY d.Id")
    joined = cursor.fetchall()
    cursor.execute("SELECT Id, Title FROM Deals WHERE Status = 'open' ORDER BY Id LIMIT 5")
    assert joined == cursor.fetchall()


def test_staged_ids_from_python_join_with_deals(conn: Connection) -> None:
    cursor = conn.cursor()
    cursor.execute("SELECT Id FROM Deals ORDER BY Id LIMIT 3")
    first, second, third = (row[0] for row in cursor.fetchall())
    cursor.execute("CREATE TEMP TABLE wanted (Id BIGINT PRIMARY KEY, Note VARCHAR)")
    assert cursor.rowcount == -1
    cursor.executemany(
        "INSERT INTO wanted VALUES (?, ?)", [(first, "a"), (second, "b"), (third, "c"), (-1, "x")]
    )
    assert cursor.rowcount == 4
    cursor.execute("SELECT w.Note, d.Id FROM wanted w JOIN Deals d ON d.Id = w.Id ORDER BY w.Id")
    assert cursor.fetchall() == [("a", first), ("b", second), ("c", third)]
    cursor.execute("UPDATE wanted SET Note = upper(Note) WHERE Id > ?", [first])
    assert cursor.rowcount == 2
    cursor.execute("DELETE FROM wanted WHERE Id <= ? RETURNING Id, Note", [first])
    assert sorted(cursor.fetchall()) == [(-1, "x"), (first, "a")]
    cursor.execute("SELECT * FROM wanted ORDER BY Id")
    assert cursor.fetchall() == [(second, "B"), (third, "C")]
    cursor.execute("TRUNCATE wanted")
    cursor.execute("SELECT count(*) FROM wanted")
    assert cursor.fetchall() == [(0,)]
    cursor.execute("DROP TABLE wanted")
    with pytest.raises(errors.ProgrammingError, match="There is no table 'wanted'"):
        cursor.execute("SELECT * FROM wanted")


def test_temp_objects_belong_to_their_connection(conn: Connection, sandbox: Any) -> None:
    conn.cursor().execute("CREATE TEMP TABLE mine (a INTEGER)")
    conn.cursor().execute("INSERT INTO mine VALUES (1)")
    other_cursor = conn.cursor()
    other_cursor.execute("SELECT a FROM mine")
    assert other_cursor.fetchall() == [(1,)]
    other = open_connection(sandbox)
    try:
        with pytest.raises(errors.ProgrammingError, match="There is no table 'mine'"):
            other.cursor().execute("SELECT a FROM mine")
        other.cursor().execute("CREATE TEMP TABLE mine (b VARCHAR)")  # its own, independent
    finally:
        other.close()


def test_temp_views_read_pipedrive_and_push_down(conn: Connection, sandbox: Any) -> None:
    cursor = conn.cursor()
    cursor.execute("CREATE TEMP VIEW open_deals AS SELECT Id, Title, Value FROM Deals WHERE Status = 'open'")
    cursor.execute(
        "CREATE TEMP VIEW big (DealId, Amount) AS SELECT Id, Value FROM open_deals WHERE Value > 0"
    )
    cursor.execute("EXPLAIN SELECT * FROM open_deals WHERE Id = 7")
    assert "status=open&ids=7" in str(cursor.fetchall())  # the view's filter and the query's, both pushed
    cursor.execute("SELECT DealId, Amount FROM big ORDER BY DealId LIMIT 3")
    viewed = cursor.fetchall()
    cursor.execute("SELECT Id, Value FROM Deals WHERE Status = 'open' AND Value > 0 ORDER BY Id LIMIT 3")
    assert viewed == cursor.fetchall()
    with pytest.raises(errors.ProgrammingError, match="already a temp view"):
        cursor.execute("CREATE TEMP VIEW big AS SELECT 1")
    cursor.execute("CREATE OR REPLACE TEMP VIEW big AS SELECT 1 AS one")
    cursor.execute("SELECT * FROM big")
    assert cursor.fetchall() == [(1,)]
    with pytest.raises(errors.ProgrammingError, match="temp view: write DROP VIEW"):
        cursor.execute("DROP TABLE big")
    cursor.execute("DROP VIEW big")
    cursor.execute("DROP VIEW IF EXISTS big")
    with pytest.raises(errors.ProgrammingError, match="no temp view"):
        cursor.execute("DROP VIEW big")


@pytest.mark.parametrize(
    ("sql", "match"),
    [
        ("CREATE TEMP TABLE Deals AS SELECT 1 AS a", "Deals is a Pipedrive table"),
        ("CREATE TEMP TABLE deals (a INT)", "Deals is a Pipedrive table"),
        ("CREATE TEMP VIEW Persons AS SELECT 1", "Persons is a Pipedrive table"),
        ("CREATE TEMP TABLE sys_tables (a INT)", "system table"),
        ("CREATE TEMP TABLE __pd1_0_deals (a INT)", "driver's own"),
        ("CREATE TEMP TABLE main.t (a INT)", "one-part names"),
        ("DROP TABLE Deals", "Pipedrive table"),
        ("DROP SCHEMA main", "DROP SCHEMA is not allowed"),
        ("TRUNCATE Deals", "TRUNCATE empties only temp tables"),
        ("CREATE TEMP TABLE t AS SELECT * FROM NoSuchTable", "There is no table 'NoSuchTable'"),
    ],
)
def test_temp_names_never_shadow_pipedrive(conn: Connection, sql: str, match: str) -> None:
    with pytest.raises(errors.ProgrammingError, match=match):
        conn.cursor().execute(sql)


def test_a_failed_create_leaves_nothing(conn: Connection) -> None:
    cursor = conn.cursor()
    with pytest.raises(errors.Error):
        cursor.execute("CREATE TEMP TABLE half AS SELECT CAST('x' AS INTEGER) AS a")
    assert "half" not in conn.engine.local.table_names()
    cursor.execute("CREATE TEMP TABLE half (a INT)")  # the name is free
    cursor.execute("CREATE TEMP TABLE IF NOT EXISTS half (b INT)")
    with pytest.raises(errors.ProgrammingError):
        cursor.execute("CREATE TEMP TABLE half (a INT)")


def test_writes_to_pipedrive_read_temp_tables_and_views(make_sandbox: Any) -> None:
    private = make_sandbox(rate_limit=False)
    conn = open_connection(private)
    try:
        cursor = conn.cursor()
        cursor.execute("CREATE TEMP TABLE picked AS SELECT Id FROM Deals ORDER BY Id LIMIT 2")
        cursor.execute("CREATE TEMP VIEW picked_view AS SELECT Id FROM picked")
        cursor.execute("INSERT INTO Notes (Content, DealId) SELECT 'staged note', Id FROM picked_view")
        assert cursor.rowcount == 2
        cursor.execute("UPDATE Deals SET Title = 'staged title' WHERE Id IN (SELECT Id FROM picked)")
        assert cursor.rowcount == 2
        cursor.execute(
            "SELECT count(*) FROM Deals d JOIN picked p ON p.Id = d.Id WHERE d.Title = 'staged title'"
        )
        assert cursor.fetchall() == [(2,)]
        cursor.execute("SELECT count(*) FROM Notes WHERE Content = 'staged note'")
        assert cursor.fetchall() == [(2,)]
    finally:
        conn.close()
