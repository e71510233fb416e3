"""psycopg 3 through the server: simple and extended protocol, binary, parameters, errors, recovery."""

from __future__ import annotations

import datetime as dt
import decimal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from .conftest import Running

psycopg = pytest.importorskip("psycopg", reason="psycopg 3 is not installed (pip install 'psycopg[binary]')")


def connect(srv: Running, **kwargs: object) -> psycopg.Connection:
    return psycopg.connect(srv.dsn(), autocommit=kwargs.pop("autocommit", True), **kwargs)  # type: ignore[arg-type]


def test_simple_query_several_statements(pg_server: Running) -> None:
    with connect(pg_server) as conn:
        cur = conn.execute('SELECT count(*) FROM "Deals"; SELECT 1', prepare=False)
        # psycopg keeps the last result of a multi-statement simple query
        assert cur.fetchone() is not None
        cur = conn.cursor()
        cur.execute('SELECT "Id", "Title" FROM "Deals" ORDER BY "Id" LIMIT 3', prepare=False)
        assert cur.fetchall() == [(1, "Deal 1"), (2, "Deal 2"), (3, "Deal 3")]
        assert [d.name for d in cur.description] == ["Id", "Title"]


def test_types_come_back_as_python_types(pg_server: Running) -> None:
    with connect(pg_server) as conn:
        row = conn.execute(
            'SELECT "Id", "Value", "AddTime", "CloseDate", "Won", "Probability", "Title" FROM "Deals" WHERE "Id" = 3'
        ).fetchone()
    assert row == (
        3,
        decimal.Decimal("31.50"),
        dt.datetime(2024, 1, 1, 3, tzinfo=dt.UTC),
        dt.date(2024, 1, 4),
        True,
        0.003,
        "Deal 3",
    )


@pytest.mark.parametrize("binary", [False, True])
def test_parameters_of_several_types(pg_server: Running, binary: bool) -> None:
    with connect(pg_server) as conn:
        cur = conn.cursor(binary=binary)
        cur.execute(
            'SELECT "Id", "Value", "AddTime", "CloseDate", "Won" FROM "Deals" '
            'WHERE "Id" >= %s AND "Currency" = %s AND "Value" > %s AND "CloseDate" >= %s AND "Won" = %s '
            'AND "AddTime" >= %s AND "Probability" < %s ORDER BY "Id" LIMIT 2',
            (
                10,
                "EUR",
                decimal.Decimal("100.25"),
                dt.date(2024, 1, 5),
                True,
                dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
                0.5,
            ),
        )
        rows = cur.fetchall()
    assert [r[0] for r in rows] == [12, 18]
    assert rows[0][1] == decimal.Decimal("126.00")
    assert rows[0][2] == dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC)
    assert rows[0][3] == dt.date(2024, 1, 13)
    assert rows[0][4] is True


def test_string_parameter_is_not_parsed_as_a_date(pg_server: Running) -> None:
    with connect(pg_server) as conn:
        row = conn.execute('SELECT count(*) FROM "Deals" WHERE "Title" = %s', ("2024-01-01",)).fetchone()
        assert row == (0,)
        row = conn.execute('SELECT "Title" FROM "Deals" WHERE "Title" = %s', ("Deal 7",)).fetchone()
        assert row == ("Deal 7",)


def test_null_parameters_and_results(pg_server: Running) -> None:
    with connect(pg_server) as conn:
        assert conn.execute("SELECT %s::text IS NULL, NULL::integer", (None,)).fetchone() == (True, None)


def test_prepared_statement_reused(pg_server: Running) -> None:
    with connect(pg_server, prepare_threshold=0) as conn:
        for i in range(1, 8):
            row = conn.execute('SELECT "Title" FROM "Deals" WHERE "Id" = %s', (i,), prepare=True).fetchone()
            assert row == (f"Deal {i}",)


def test_binary_results(pg_server: Running) -> None:
    with connect(pg_server) as conn:
        cur = conn.cursor(binary=True)
        cur.execute(
            'SELECT "Id", "Value", "AddTime", "CloseDate", "Won", "Probability", "Title", '
            "1::smallint, 2::integer, -123.4500::decimal(10,4), 0::decimal(5,2), 12345678901234.5::decimal(20,1), "
            "TIME '13:14:15.5', TIMESTAMP '2020-02-03 04:05:06.789', 1.5::real "
            'FROM "Deals" WHERE "Id" = 2'
        )
        row = cur.fetchone()
    assert row == (
        2,
        decimal.Decimal("21.00"),
        dt.datetime(2024, 1, 1, 2, tzinfo=dt.UTC),
        dt.date(2024, 1, 3),
        False,
        0.002,
        "Deal 2",
        1,
        2,
        decimal.Decimal("-123.4500"),
        decimal.Decimal("0.00"),
        decimal.Decimal("12345678901234.5"),
        dt.time(13, 14, 15, 500000),
        dt.datetime(2020, 2, 3, 4, 5, 6, 789000),
        1.5,
    )


@pytest.mark.parametrize("binary", [False, True])
def test_arrays(pg_server: Running, binary: bool) -> None:
    with connect(pg_server) as conn:
        cur = conn.cursor(binary=binary)
        cur.execute(
            "SELECT ARRAY[1, NULL, 3]::BIGINT[], ARRAY['a', 'b c']::VARCHAR[], ARRAY[]::INTEGER[], ARRAY[1.5]::DOUBLE PRECISION[]"
        )
        assert cur.fetchone() == ([1, None, 3], ["a", "b c"], [], [1.5])


def test_errors_have_sqlstates_and_the_session_recovers(pg_server: Running) -> None:
    with connect(pg_server) as conn:
        with pytest.raises(psycopg.errors.UndefinedTable):
            conn.execute('SELECT * FROM "NoSuchTable"')
        with pytest.raises(psycopg.errors.UndefinedColumn):
            conn.execute('SELECT "NoSuchColumn" FROM "Deals"')
        with pytest.raises(psycopg.errors.SyntaxError):
            conn.execute("SELEC 1")
        assert conn.execute("SELECT 42").fetchone() == (42,)


def test_failed_transaction_until_rollback(pg_server: Running) -> None:
    with connect(pg_server, autocommit=False) as conn:
        conn.execute('SELECT count(*) FROM "Deals"')
        with pytest.raises(psycopg.errors.UndefinedTable):
            conn.execute('SELECT * FROM "Nope"')
        with pytest.raises(psycopg.errors.InFailedSqlTransaction):
            conn.execute("SELECT 1")
        conn.rollback()
        assert conn.execute('SELECT count(*) FROM "Persons"').fetchone() == (50,)
        conn.commit()


def test_named_cursor_fetches_in_batches(pg_server: Running) -> None:
    # psycopg's server-side cursor: DECLARE ... CURSOR, then FETCH FORWARD n, then CLOSE
    with connect(pg_server, autocommit=False) as conn:
        with conn.cursor(name="deals_cursor") as cur:
            cur.itersize = 300
            cur.execute('SELECT "Id", "Title" FROM "Deals" WHERE "Id" > %s ORDER BY "Id"', (100,))
            assert cur.fetchone() == (101, "Deal 101")
            assert len(cur.fetchmany(50)) == 50
            assert sum(1 for _ in cur) == 1000 - 100 - 51
        conn.commit()


def test_server_settings_and_show(pg_server: Running) -> None:
    with connect(pg_server) as conn:
        assert conn.info.parameter_status("server_version") == "15.0"
        conn.execute("SET application_name = 'pytest-app'")
        assert conn.execute("SHOW application_name").fetchone() == ("pytest-app",)
        assert conn.info.parameter_status("application_name") == "pytest-app"
        assert conn.execute("SELECT current_database(), current_user").fetchone() == ("crm", "bob")


def test_large_result_streams(pg_server: Running) -> None:
    with connect(pg_server) as conn:
        cur = conn.execute('SELECT "Id", "Label", "Amount" FROM "BigTable"')
        total = 0
        while batch := cur.fetchmany(10000):
            total += len(batch)
    assert total == 200000


def test_eight_concurrent_clients(pg_server: Running) -> None:
    def work(i: int) -> tuple[int, int]:
        with connect(pg_server) as conn:
            count = 0
            for _ in range(5):
                count = conn.execute('SELECT count(*) FROM "Deals" WHERE "Id" %% 8 = %s', (i,)).fetchone()[0]
            tables = conn.execute(
                "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = 'public'"
            ).fetchone()
            return count, tables[0]

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(8)))
    assert sum(r[0] for r in results) == 1000
    assert all(r[1] == 3 for r in results)


def test_cancel_a_long_query(pg_server: Running) -> None:
    with connect(pg_server) as conn:
        started = threading.Event()

        def cancel_soon() -> None:
            started.wait()
            time.sleep(0.3)  # the query has been sent; nothing to poll for on the client side
            conn.cancel_safe()

        canceller = threading.Thread(target=cancel_soon)
        canceller.start()
        t0 = time.monotonic()
        with pytest.raises(psycopg.errors.QueryCanceled):
            started.set()
            conn.execute("SELECT sum(i * i % 7) FROM range(0, 100000000000) t(i)")
        canceller.join()
        assert time.monotonic() - t0 < 20
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_empty_query_and_comments(pg_server: Running) -> None:
    with connect(pg_server) as conn:
        cur = conn.execute("-- nothing here")
        assert cur.description is None
