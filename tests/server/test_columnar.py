"""The columnar encoders (server/columnar.py) send the same bytes as the row-by-row path.

Both paths read one DuckDB result: as Python rows (what `fetchmany` gives) and as an Arrow batch (what
`fetch_record_batch` gives); DataRow messages in text and binary and COPY in text, CSV and binary must be
byte-for-byte equal, NULLs, edge values and characters that need escaping included.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from pipedrive_sql.server import columnar, results
from pipedrive_sql.server.copyout import CopyEncoder, parse_copy
from pipedrive_sql.server.results import ArrowRows, OutColumn, RowEncoder
from pipedrive_sql.server.types import pg_type_for

VALUES = """
SELECT * FROM (VALUES
  (1::BIGINT, -7::INTEGER, 3::SMALLINT, 'plain'::VARCHAR, true, 0.1::DOUBLE, 1.5::FLOAT,
   123.4500::DECIMAL(18,4), DATE '2024-01-02', TIMESTAMPTZ '2024-01-02 03:04:05+00',
   TIMESTAMP '2024-01-02 03:04:05.25', TIME '10:11:12', [1, 2]::BIGINT[], ['a', 'b c']::VARCHAR[],
   12.5::DECIMAL(30,2), 42::UINTEGER),
  (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (-9223372036854775807, 2147483647, -32768, 'tab	new
line, "quoted" \\back; comma', false, 1e20::DOUBLE, 'nan'::FLOAT,
   -0.0001::DECIMAL(18,4), DATE '0005-03-04', TIMESTAMPTZ '1969-12-31 23:59:59.999999+00',
   TIMESTAMP '1900-01-01 00:00:00', TIME '00:00:00.000001', [], [NULL, 'NULL']::VARCHAR[],
   -0.01::DECIMAL(30,2), 0::UINTEGER),
  (0, 0, 0, '', false, 'inf'::DOUBLE, -0.0::FLOAT, 99999999999999.9999::DECIMAL(18,4),
   DATE '9999-12-31', TIMESTAMPTZ '2262-04-11 23:47:16.854775+00', TIMESTAMP '2000-01-01 00:00:00.000001',
   TIME '23:59:59.999999', [NULL]::BIGINT[], []::VARCHAR[], 0::DECIMAL(30,2), 4294967295::UINTEGER),
  (5, 1, 1, 'ünïcødé ✓', true, -1e-5::DOUBLE, 3.25::FLOAT, 0::DECIMAL(18,4),
   DATE '1970-01-01', TIMESTAMPTZ '2000-01-01 00:00:00+00', TIMESTAMP '1999-12-31 23:59:59.5',
   TIME '12:00:00', [3], ['x', '{y}', 'q"\\z', '', 'a,b', 'nuLL'], 1e20::DECIMAL(30,2), 7::UINTEGER),
  (6, 2, 2, 'x', true, 123456.789::DOUBLE, 1e-3::FLOAT, 10000.0001::DECIMAL(18,4),
   DATE '2024-02-29', TIMESTAMPTZ '2024-06-30 12:30:00.5+00', TIMESTAMP '2024-01-01 00:00:00', NULL,
   NULL, NULL, NULL, NULL)
) t(i8, i4, i2, s, b, f8, f4, n, d, tz, ts, tm, li, ls, big, o)
"""


def _both(sql: str) -> tuple[list[OutColumn], list[tuple[object, ...]], ArrowRows]:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"CREATE TABLE t AS {sql}")  # random() values are drawn once, for both reads
    sql = "SELECT * FROM t"
    rows = con.execute(sql).fetchall()
    description = con.description
    assert description is not None
    batch = con.sql(sql).to_arrow_table().combine_chunks().to_batches()[0]
    columns = [OutColumn(str(d[0]), pg_type_for(str(d[1]))) for d in description]
    assert all(columnar.supported_name(str(d[1])) for d in description)
    return columns, rows, ArrowRows(batch)


@pytest.mark.parametrize("fmt", [0, 1])
def test_data_rows_equal_the_row_path(fmt: int) -> None:
    columns, rows, arrow = _both(VALUES)
    encoder = RowEncoder(columns, [fmt])
    expected = b"".join(encoder.encode(row) for row in rows)
    assert encoder.encode_batch(arrow) == expected


def test_slices_and_mixed_formats() -> None:
    columns, rows, arrow = _both(VALUES)
    formats = [i % 2 for i in range(len(columns))]
    encoder = RowEncoder(columns, formats)
    sliced = ArrowRows(arrow.batch.slice(1, 3))
    assert encoder.encode_batch(sliced) == b"".join(encoder.encode(row) for row in rows[1:4])
    assert len(sliced) == 3 and sliced[0][0] is None and sliced[1][0] == rows[2][0]


def test_floats_and_decimals_over_their_ranges() -> None:
    sql = """
    SELECT (random() * 10 ^ (range % 40 - 20))::DOUBLE AS f,
           ((random() - 0.5) * 10 ^ (range % 14))::DECIMAL(18,4) AS n,
           ((random() - 0.5) * 10 ^ (range % 5))::DECIMAL(9,0) AS n0,
           ((random() - 0.5) * 10 ^ (range % 9))::DECIMAL(18,9) AS n9,
           round(random() * 10 ^ (range % 12), 2) AS r,
           (range - 2500) * 0.5 AS half,
           ((random() - 0.5) * 10 ^ (range % 30))::DECIMAL(38,6) AS wide
    FROM range(5000)
    """
    columns, rows, arrow = _both(sql)
    for fmt in (0, 1):
        encoder = RowEncoder(columns, [fmt])
        assert encoder.encode_batch(arrow) == b"".join(encoder.encode(row) for row in rows)


@pytest.mark.parametrize(
    "statement",
    [
        "COPY (q) TO STDOUT",
        "COPY (q) TO STDOUT WITH CSV",
        "COPY (q) TO STDOUT WITH (FORMAT csv, HEADER, DELIMITER ';', NULL 'NULL')",
        "COPY (q) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE *, QUOTE '''', ESCAPE '\\')",
        "COPY (q) TO STDOUT WITH (DELIMITER ',', NULL '')",
        "COPY (q) TO STDOUT WITH (FORMAT binary)",
        # characters that occur in numbers, dates and times: those columns are searched too
        "COPY (q) TO STDOUT WITH (FORMAT csv, DELIMITER '-', NULL '0')",
        "COPY (q) TO STDOUT WITH (FORMAT csv, QUOTE '.')",
        "COPY (q) TO STDOUT WITH (DELIMITER ':')",
    ],
)
def test_copy_equals_the_row_path(statement: str) -> None:
    columns, rows, arrow = _both(VALUES)
    spec = parse_copy(statement)
    encoder = CopyEncoder(spec, columns)
    first = encoder.preamble() if spec.format == "binary" else b""
    expected = encoder.encode_messages(rows, first)
    assert encoder.encode_messages(arrow, first) == expected
    assert encoder.encode_messages(ArrowRows(arrow.batch.slice(0, 0)), first) == b""


def _messages(client: Any, sql: str, fmt: int, copy: bool = False) -> list[tuple[bytes, bytes]]:
    if copy:
        return client.query(sql)
    client.parse("", sql)
    client.bind("", "", result_format=fmt)
    client.execute("")
    client.sync()
    return client.until(b"Z")


@pytest.mark.parametrize(
    "sql",
    [
        'SELECT * FROM "Deals"',
        "SELECT i, i * 2, 'x' || i, i * 0.5, i % 3 = 0 FROM range(5000) t(i)",
    ],
)
def test_driver_results_are_the_same_bytes_both_ways(driver_server: Any, sql: str) -> None:
    """Through the server over the real driver: every message of a result, in text, binary and each COPY
    format, is the same whether it was encoded from Arrow batches or row by row."""
    from .wire_client import WireClient

    statements = [(sql, 0, False), (sql, 1, False)] + [
        (f"COPY ({sql}) TO STDOUT {options}", 0, True)
        for options in ("", "WITH CSV HEADER", "WITH (FORMAT binary)")
    ]
    client = WireClient(driver_server.host, driver_server.port, user="bi", database=driver_server.database)
    try:
        for statement, fmt, copy in statements:
            columnar_messages = _messages(client, statement, fmt, copy)
            results.COLUMNAR = False
            try:
                row_messages = _messages(client, statement, fmt, copy)
            finally:
                results.COLUMNAR = True
            assert sum(kind in (b"D", b"d") for kind, _ in row_messages) > 400
            assert columnar_messages == row_messages, statement
    finally:
        client.close()
