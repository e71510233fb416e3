"""PEP 249 to the letter: fetchmany sizes, arraysize, rowcount per kind of statement, description of empty
results, close() and use after close, nextset, callproc with several result sets, executemany with
RETURNING, and the parameter styles. Against a writable sandbox of its own (module scope)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import pipedrive_sql
from pipedrive_sandbox.server import Sandbox
from pipedrive_sql import errors
from pipedrive_sql.dbapi import Connection
from pipedrive_sql.engine.procedures import Procedure, ProcedureColumn, ProcedureRegistry, ResultSets


@pytest.fixture(scope="module")
def psb() -> Iterator[Sandbox]:
    with Sandbox(seed=3, scale=30, rate_limit=False, latency_ms=0, fault_rate=0.0) as running:
        yield running


@pytest.fixture
def conn(psb: Sandbox) -> Iterator[Connection]:
    with pipedrive_sql.connect(BaseURL=psb.url, APIToken=psb.api_token, MaxConcurrency=1) as connection:
        yield connection


def count(conn: Connection, sql: str) -> int:
    with conn.cursor() as cur:
        cur.execute(sql)
        return int(cur.fetchone()[0])  # type: ignore[index]


# ---- fetchmany and arraysize --------------------------------------------------------------------------------


def test_fetchmany_zero_returns_nothing_and_loses_nothing(conn: Connection) -> None:
    total = count(conn, "SELECT count(*) FROM Pipelines")
    cur = conn.cursor()
    cur.execute("SELECT Id FROM Pipelines ORDER BY Id")
    assert cur.fetchmany(0) == []
    first = cur.fetchone()
    assert cur.fetchmany(0) == []
    rest = cur.fetchall()
    assert len({first, *rest}) == total
    assert cur.rowcount == total


def test_negative_sizes_are_refused_without_reading_a_row(conn: Connection) -> None:
    cur = conn.cursor()
    cur.execute("SELECT Id FROM Pipelines ORDER BY Id")
    with pytest.raises(errors.ProgrammingError, match="0 or more"):
        cur.fetchmany(-1)
    with pytest.raises(errors.ProgrammingError, match="0 or more"):
        cur.fetchmany("2")  # type: ignore[arg-type]
    assert len(cur.fetchall()) == count(conn, "SELECT count(*) FROM Pipelines")


def test_arraysize_drives_fetchmany_and_is_checked(conn: Connection) -> None:
    cur = conn.cursor()
    assert cur.arraysize == 1
    cur.execute("SELECT Id FROM Stages ORDER BY Id")
    assert len(cur.fetchmany()) == 1
    cur.arraysize = 3
    assert len(cur.fetchmany()) == 3
    for bad in (0, -2, 1.5, "3", True):
        with pytest.raises(errors.ProgrammingError, match="arraysize"):
            cur.arraysize = bad  # type: ignore[assignment]
    assert cur.arraysize == 3


# ---- rowcount and description --------------------------------------------------------------------------------


def test_rowcount_after_each_kind_of_statement(conn: Connection) -> None:
    cur = conn.cursor()
    assert cur.rowcount == -1  # nothing executed
    cur.execute("SELECT Id FROM Pipelines")
    assert cur.rowcount == -1  # a query's rows are counted once all are fetched
    rows = cur.fetchall()
    assert cur.rowcount == len(rows)
    cur.execute("EXPLAIN SELECT * FROM Deals")
    assert cur.rowcount == 1
    cur.execute("INSERT INTO Notes (Content, DealId) VALUES ('one', 1), ('two', 1)")
    assert cur.rowcount == 2 and cur.description is None
    cur.execute("UPDATE Notes SET Content = 'three' WHERE Content = 'two' RETURNING Id")
    assert cur.rowcount == 1 and len(cur.fetchall()) == 1
    cur.execute("DELETE FROM Notes WHERE Content IN ('one', 'three')")
    assert cur.rowcount == 2
    cur.execute("DELETE FROM Notes WHERE Content = 'never written'")
    assert cur.rowcount == 0
    first, second = cur.execute("SELECT Id FROM Persons WHERE NOT IsDeleted ORDER BY Id LIMIT 2").fetchall()
    cur.execute(f"EXEC MergePersons Id={second[0]}, MergeWithId={first[0]}")
    assert cur.rowcount == 1


def test_description_of_an_empty_result(conn: Connection) -> None:
    cur = conn.cursor()
    cur.execute("SELECT Id, Title, Value FROM Deals WHERE 1 = 0")
    assert [d[0] for d in cur.description or []] == ["Id", "Title", "Value"]
    assert cur.description is not None and cur.description[0][1] == pipedrive_sql.NUMBER
    assert cur.fetchall() == [] and cur.rowcount == 0
    cur.execute("SELECT Id FROM Deals WHERE Id = 0")  # ids start at 1: no request, still described
    assert [d[0] for d in cur.description or []] == ["Id"] and cur.fetchall() == []


# ---- close ---------------------------------------------------------------------------------------------------


def test_close_twice_is_fine_and_everything_else_raises(psb: Sandbox) -> None:
    connection = pipedrive_sql.connect(BaseURL=psb.url, APIToken=psb.api_token)
    cur = connection.cursor()
    cur.execute("SELECT Id FROM Pipelines")
    cur.close()
    cur.close()  # idempotent, as sqlite3 and psycopg
    for use in (
        lambda: cur.execute("SELECT 1"),
        lambda: cur.executemany("SELECT ?", [(1,)]),
        lambda: cur.callproc("MergeDeals", (1, 2)),
        cur.fetchone,
        cur.fetchall,
        lambda: cur.fetchmany(2),
        cur.nextset,
        lambda: cur.setinputsizes([1]),
        lambda: cur.setoutputsize(10),
        lambda: next(iter(cur)),
        cur.fetch_arrow_table,
    ):
        with pytest.raises(errors.InterfaceError, match="closed"):
            use()
    other = connection.cursor()
    connection.close()
    connection.close()
    for use in (
        connection.cursor,
        connection.commit,
        connection.rollback,
        lambda: connection.execute("SELECT 1"),
        lambda: other.execute("SELECT 1"),
        other.fetchone,
    ):
        with pytest.raises(errors.InterfaceError, match="closed"):
            use()
    other.close()  # closing a cursor of a closed connection is fine too


# ---- several result sets --------------------------------------------------------------------------------------


def _two_sets(settings: Any, connection: Any = None) -> ResultSets:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) AS N FROM Pipelines")
        (n,) = cur.fetchone()
        cur.execute("SELECT Name FROM Pipelines ORDER BY Id")
        names = [{"Name": row[0]} for row in cur.fetchall()]
    return ResultSets([[{"N": n}], names])


def test_callproc_and_nextset_walk_every_result_set(conn: Connection) -> None:
    registry = ProcedureRegistry(providers=())
    registry.register(
        Procedure("TwoSets", "Counts, then lists.", (), (ProcedureColumn("N", "BIGINT"),), _two_sets)
    )
    conn.engine.procedures = registry
    cur = conn.cursor()
    assert cur.callproc("TwoSets") == ()
    (n,) = cur.fetchone()  # type: ignore[misc]
    assert cur.rowcount == 1 and [d[0] for d in cur.description or []] == ["N"]
    assert cur.nextset() is True
    assert [d[0] for d in cur.description or []] == ["Name"]
    assert len(cur.fetchall()) == n and cur.rowcount == n
    assert cur.nextset() is None
    cur.execute("EXEC TwoSets")
    assert cur.nextset() is True and len(cur.fetchall()) == n


def test_nextset_needs_a_result_set(conn: Connection) -> None:
    cur = conn.cursor()
    with pytest.raises(errors.ProgrammingError, match="no rows"):
        cur.nextset()
    cur.execute("SELECT Id FROM Pipelines")
    assert cur.nextset() is None  # one result set only
    cur.execute("DELETE FROM Notes WHERE Content = 'never written'")
    with pytest.raises(errors.ProgrammingError, match="no rows"):
        cur.nextset()


def test_executemany_with_returning_keeps_every_set(conn: Connection) -> None:
    cur = conn.cursor()
    cur.executemany(
        "INSERT INTO Notes (Content, DealId) VALUES (?, 1) RETURNING Id, Content",
        [("first many",), ("second many",), ("third many",)],
    )
    assert cur.rowcount == 3
    contents = []
    while True:
        contents += [row[1] for row in cur.fetchall()]
        if not cur.nextset():
            break
    assert contents == ["first many", "second many", "third many"]
    cur.executemany(
        "DELETE FROM Notes WHERE Content = ?", [("first many",), ("second many",), ("third many",)]
    )
    assert cur.rowcount == 3 and cur.description is None
    cur.executemany("SELECT ? AS A", [(1,), (2,)])
    assert cur.fetchall() == [(1,)] and cur.nextset() and cur.fetchall() == [(2,)]
    cur.executemany("DELETE FROM Notes WHERE Id = ?", [])
    assert cur.rowcount == 0


# ---- parameter styles ------------------------------------------------------------------------------------------


def test_format_and_pyformat_markers_are_recognised(conn: Connection) -> None:
    assert pipedrive_sql.paramstyle == "qmark"
    cur = conn.cursor()
    cur.execute("SELECT Id FROM Pipelines WHERE Id = %s", (1,))
    assert cur.fetchall() == [(1,)]
    cur.execute("SELECT Id, 7 %% 4, 'a%s?' FROM Pipelines WHERE Id = %(id)s", {"id": 2})
    assert cur.fetchall() == [(2, 3, "a%s?")]
    cur.execute("SELECT '%s', Id FROM Pipelines WHERE Id = ?", (1,))  # markers in strings are text
    assert cur.fetchall() == [("%s", 1)]


def test_mixed_styles_name_the_accepted_ones(conn: Connection) -> None:
    cur = conn.cursor()
    with pytest.raises(errors.ProgrammingError, match=r"\? \(qmark.*:name or @name.*%s \(format.*%\(name\)s"):
        cur.execute("SELECT Id FROM Pipelines WHERE Id = %s AND Id = ?", (1, 1))
