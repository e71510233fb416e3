"""Interval literals mean their whole text: sqlglot keeps one `n unit` of a string it takes a unit from, so
``INTERVAL '1 day 12:00:00'`` was read as one day (engine/dialect.py ``whole_interval``)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from pipedrive_sql.dbapi import Connection


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        ("INTERVAL '1 day 12:00:00'", timedelta(days=1, hours=12)),
        ("INTERVAL '-1 day -02:00:00'", -timedelta(days=1, hours=2)),
        ("INTERVAL '1 day 2 hours'", timedelta(days=1, hours=2)),
        ("INTERVAL '36 hours'", timedelta(hours=36)),
        ("INTERVAL '1' DAY", timedelta(days=1)),
        ("INTERVAL 2 HOUR", timedelta(hours=2)),
        ("INTERVAL '90 minutes'", timedelta(minutes=90)),
        ("INTERVAL '+02:30:00'", timedelta(hours=2, minutes=30)),
    ],
)
def test_an_interval_literal_means_its_whole_text(
    sql_conn: Connection, literal: str, expected: timedelta
) -> None:
    cursor = sql_conn.cursor()
    cursor.execute(f"SELECT {literal}, TIMESTAMP '2025-01-01 00:00:00' + {literal}")
    assert cursor.fetchone() == (expected, datetime(2025, 1, 1) + expected)


def test_an_interval_in_a_filter_gives_the_rows_of_the_unpushed_plan(
    sql_conn: Connection, baseline_conn: Connection
) -> None:
    sql = (
        "SELECT Id FROM Deals WHERE UpdateTime >= (SELECT MAX(UpdateTime) FROM Deals) "
        "- INTERVAL '200 days 12:00:00' ORDER BY Id"
    )
    rows = sql_conn.cursor().execute(sql).fetchall()
    assert rows == baseline_conn.cursor().execute(sql).fetchall()
    day_only = sql_conn.cursor().execute(sql.replace(" 12:00:00", "")).fetchall()
    assert set(day_only) <= set(rows)
