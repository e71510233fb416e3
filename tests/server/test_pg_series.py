"""Dates through the server: `generate_series` of dates (PostgreSQL has no date version, so dates and
untyped strings go to the timestamptz one, printed in the session's TimeZone, UTC by default) and the
seconds field. The expected types and text are what PostgreSQL 15 answered for the same statements."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import pytest

from .conftest import Running, require, run

psycopg = pytest.importorskip("psycopg", reason="psycopg 3 is not installed (pip install 'psycopg[binary]')")

TIMESTAMP, TIMESTAMPTZ = 1114, 1184
UTC = dt.UTC


def _day(day: int, hour: int = 0, tz: dt.tzinfo | None = UTC) -> dt.datetime:
    return dt.datetime(2025, 1, day, hour, tzinfo=tz)


SERIES = [
    (
        "SELECT * FROM generate_series('2025-01-01'::date, '2025-01-02'::date, '1 day'::interval)",
        TIMESTAMPTZ,
        [_day(1), _day(2)],
    ),
    (
        "SELECT * FROM generate_series('2025-01-01'::date, '2025-01-02', '1 day')",
        TIMESTAMPTZ,
        [_day(1), _day(2)],
    ),
    (
        "SELECT generate_series(date '2025-01-01', date '2025-01-02', interval '1 day')",
        TIMESTAMPTZ,
        [_day(1), _day(2)],
    ),
    (
        "SELECT g FROM generate_series('2025-01-01'::date, '2025-01-02'::date, '12 hours') g",
        TIMESTAMPTZ,
        [_day(1), _day(1, 12), _day(2)],
    ),
    (
        "SELECT * FROM generate_series('2025-01-01', '2025-01-02', '1 day'::interval)",
        TIMESTAMPTZ,
        [_day(1), _day(2)],
    ),
    (
        "SELECT * FROM generate_series(date '2025-01-01', date '2025-01-01' + 1, '1 day')",
        TIMESTAMPTZ,
        [_day(1), _day(2)],
    ),
    # a timestamp among the bounds keeps the timestamp version
    (
        "SELECT * FROM generate_series('2025-01-01'::date, '2025-01-02'::timestamp, '1 day')",
        TIMESTAMP,
        [_day(1, tz=None), _day(2, tz=None)],
    ),
    ("SELECT * FROM generate_series(1, 3)", 23, [1, 2, 3]),
]


@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
@pytest.mark.parametrize(("sql", "oid", "expected"), SERIES, ids=[s[0] for s in SERIES])
def test_series_of_dates_are_timestamptz(
    conn: Any, sql: str, oid: int, expected: list[Any], binary: bool
) -> None:
    with conn.cursor(binary=binary) as cur:
        cur.execute(sql)
        assert cur.description[0].type_code in ({oid, 20} if oid == 23 else {oid})
        assert [row[0] for row in cur.fetchall()] == expected


def test_a_calendar_joined_to_a_table_counts_per_day(conn: Any, driver_dbapi: Any) -> None:
    """A BI tool's calendar: days from generate_series, deals counted per day (the driver's path)."""
    cursor = driver_dbapi.cursor()
    cursor.execute("SELECT CAST(max(AddTime) AS DATE) FROM Deals")
    (last,) = cursor.fetchone()
    first = last - dt.timedelta(days=30)
    cursor.execute(
        f"SELECT CAST(AddTime AS DATE) AS d, count(*) FROM Deals WHERE AddTime >= TIMESTAMPTZ '{first}' "
        "GROUP BY 1"
    )
    per_day = dict(cursor.fetchall())
    rows = conn.execute(
        "SELECT g, count(\"Id\") FROM generate_series(%s::date, %s::date, '1 day') g "
        'LEFT JOIN "Deals" ON "AddTime" >= g AND "AddTime" < g + interval \'1 day\' GROUP BY g ORDER BY g',
        [first.isoformat(), last.isoformat()],
    )
    assert rows.description[0].type_code == TIMESTAMPTZ
    got = rows.fetchall()
    assert len(got) == 31 and sum(per_day.values()) > 0
    for day, count in got:
        assert day.tzinfo is not None and day.utcoffset() == dt.timedelta(0)
        assert count == per_day.get(day.date(), 0), day


def test_psql_prints_the_series_as_postgresql_does(driver_server: Running) -> None:
    psql = require("psql")
    result = run(
        [
            psql,
            driver_server.dsn(),
            "-c",
            "SELECT * FROM generate_series('2025-01-01'::date, '2025-01-02'::date, '1 day'::interval)",
        ]
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:4] == [
        "    generate_series     ",
        "------------------------",
        " 2025-01-01 00:00:00+00",
        " 2025-01-02 00:00:00+00",
    ]


@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
def test_the_seconds_field_keeps_its_fraction(conn: Any, binary: bool) -> None:
    # PostgreSQL 15: extract(second ...) is the numeric 5.500000, date_part('second', ...) the double 5.5
    with conn.cursor(binary=binary) as cur:
        cur.execute(
            "SELECT extract(second from t), date_part('second', t), extract(second from interval '65.5 seconds') "
            "FROM (SELECT '2025-01-02 03:04:05.5+00'::timestamptz AS t) s"
        )
        assert [d.type_code for d in cur.description] == [1700, 701, 1700]
        assert cur.fetchone() == (decimal.Decimal("5.500000"), 5.5, decimal.Decimal("5.500000"))
