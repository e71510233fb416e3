"""Intervals through the server as PostgreSQL reads and prints them.

PostgreSQL keeps an interval's months, days and time apart (`1 year` is not 365 or 360 days, `36 hours`
is not `1 day 12:00:00`) and prints each part in its own words. The expected text is what PostgreSQL 15
printed for the same constants (IntervalStyle postgres, the default).
"""

from __future__ import annotations

import datetime as dt
import struct
from typing import Any

import pytest

from .conftest import Running, require, run

psycopg = pytest.importorskip("psycopg", reason="psycopg 3 is not installed (pip install 'psycopg[binary]')")

# written -> PostgreSQL's text
INTERVALS = {
    "interval '1 year 2 months 3 days'": "1 year 2 mons 3 days",
    "interval '1 day'": "1 day",
    "interval '-1 mon'": "-1 mons",
    "age(timestamp '2025-01-01', timestamp '2024-01-01')": "1 year",
    "interval '-1 day -02:00:00'": "-1 days -02:00:00",
    "interval '1 day 02:03:04.5'": "1 day 02:03:04.5",
    "interval '-1 day +02:00:00'": "-1 days +02:00:00",
    "interval '36 hours'": "36:00:00",
    "interval '1.5 seconds'": "00:00:01.5",
    "interval '1 year -1 day'": "1 year -1 days",
    "interval '0 seconds'": "00:00:00",
    "interval '-1 day' + interval '2 hours'": "-1 days +02:00:00",
}


def test_psql_prints_intervals_as_postgresql_does(driver_server: Running) -> None:
    psql = require("psql")
    for written, printed in INTERVALS.items():
        result = run([psql, driver_server.dsn(), "-A", "-t", "-c", f"SELECT {written}"])
        assert result.returncode == 0, (written, result.stderr)
        assert result.stdout.strip() == printed, written


def test_binary_intervals_keep_months_days_and_time_apart(conn: Any) -> None:
    # read the raw binary value: psycopg's own loader folds months into days, as a timedelta must
    class Raw(psycopg.adapt.Loader):
        format = psycopg.pq.Format.BINARY

        def load(self, data: Any) -> tuple[int, int, int]:
            micros, days, months = struct.unpack("!qii", bytes(data))
            return months, days, micros

    with conn.cursor(binary=True) as cur:
        cur.adapters.register_loader("interval", Raw)
        cur.execute(
            "SELECT interval '1 year 2 months 3 days', interval '-1 day -02:00:00', interval '36 hours', "
            "age(timestamp '2025-03-01', timestamp '2025-01-31')"
        )
        assert cur.fetchone() == ((14, 3, 0), (0, -1, -7_200_000_000), (0, 0, 129_600_000_000), (1, 1, 0))


def test_intervals_of_a_table_query(conn: Any, driver_dbapi: Any) -> None:
    """Differences of two timestamptz columns through the driver: days and time, never months."""
    cursor = driver_dbapi.cursor()
    cursor.execute(
        'SELECT "Id", "CloseTime" - "AddTime" FROM Deals WHERE "CloseTime" IS NOT NULL ORDER BY "Id" LIMIT 5'
    )
    expected = cursor.fetchall()
    assert expected
    rows = conn.execute(
        'SELECT "Id", "CloseTime" - "AddTime" FROM "Deals" WHERE "CloseTime" IS NOT NULL ORDER BY "Id" LIMIT 5'
    ).fetchall()
    assert rows == [tuple(r) for r in expected]
    assert all(isinstance(r[1], dt.timedelta) for r in rows)


def test_a_filter_with_a_two_part_interval_keeps_both_parts(conn: Any, driver_dbapi: Any) -> None:
    cursor = driver_dbapi.cursor()
    cursor.execute("SELECT max(AddTime) FROM Deals")
    (newest,) = cursor.fetchone()
    since = newest - dt.timedelta(days=30, hours=12)
    cursor.execute(f"SELECT count(*) FROM Deals WHERE AddTime > TIMESTAMPTZ '{since.isoformat()}'")
    (expected,) = cursor.fetchone()
    (count,) = conn.execute(
        'SELECT count(*) FROM "Deals" WHERE "AddTime" > %s::timestamptz - interval \'30 days 12:00:00\'',
        [newest.isoformat()],
    ).fetchone()
    assert count == expected
