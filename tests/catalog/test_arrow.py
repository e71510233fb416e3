"""API records to Arrow: every column type, on the fast path and when the API sends odd shapes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa
import pytest

from pipedrive_sql.catalog import Column, RowConverter
from pipedrive_sql.catalog.types import (
    BIGINT,
    BIGINT_LIST,
    BOOLEAN,
    DATE,
    DOUBLE,
    JSON,
    TIME,
    TIMESTAMP,
    VARCHAR,
    VARCHAR_LIST,
    ColumnType,
    list_of,
    struct_of,
)

UTC = dt.UTC


def convert(ctype: ColumnType, values: list[Any]) -> list[Any]:
    column = Column("X", ctype, ("x",))
    batch = RowConverter([column]).batch([{"x": v} for v in values])
    assert batch.schema.field("X").type == ctype.arrow
    return batch.column(0).to_pylist()


@pytest.mark.parametrize(
    ("ctype", "raw", "expected"),
    [
        (BIGINT, [1, None, 2**40], [1, None, 2**40]),
        (BIGINT, ["7", {"value": 8, "name": "x"}, {"id": 9}, 10.0, "", True], [7, 8, 9, 10, None, 1]),
        (DOUBLE, [1, 2.5, None], [1.0, 2.5, None]),
        (DOUBLE, ["3.5", {"value": 4}, "n/a"], [3.5, 4.0, None]),
        (VARCHAR, ["a", None], ["a", None]),
        (VARCHAR, [5, True, {"value": "v"}, {"a": 1}], ["5", "true", "v", '{"a":1}']),
        (BOOLEAN, [True, False, None], [True, False, None]),
        (BOOLEAN, [1, 0, "true", "0", "maybe"], [True, False, True, False, None]),
        (DATE, ["2024-02-29", None], [dt.date(2024, 2, 29), None]),
        (DATE, ["2024-02-29T10:00:00Z", "2024-03-01 00:00:00"], [dt.date(2024, 2, 29), dt.date(2024, 3, 1)]),
        (
            TIME,
            ["09:30", "23:59:59", {"value": "08:00:00", "timezone_id": 3}, None],
            [dt.time(9, 30), dt.time(23, 59, 59), dt.time(8, 0), None],
        ),
        (TIMESTAMP, ["2024-01-02T03:04:05Z", None], [dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), None]),
        (
            TIMESTAMP,
            ["2024-01-02 03:04:05", "2024-01-02T05:04:05+02:00", "2024-01-02", "garbage"],
            [
                dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
                dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
                dt.datetime(2024, 1, 2, tzinfo=UTC),
                None,
            ],
        ),
        (BIGINT_LIST, [[1, 2], [], None], [[1, 2], [], None]),
        (BIGINT_LIST, ["1,2", 3], [[1, 2], [3]]),
        (VARCHAR_LIST, [["a"], "x,y"], [["a"], ["x", "y"]]),
        (JSON, [{"a": [1]}, "text", None], ['{"a":[1]}', "text", None]),
    ],
)
def test_types(ctype: ColumnType, raw: list[Any], expected: list[Any]) -> None:
    got = convert(ctype, raw)
    if ctype is TIMESTAMP:
        got = [None if v is None else v.astimezone(UTC) for v in got]
    assert got == expected


def test_structs_drop_unknown_keys_and_fill_missing() -> None:
    contact = struct_of(value=VARCHAR, primary=BOOLEAN)
    got = convert(
        list_of(contact), [[{"value": "a@b.c", "primary": True, "label": "work"}, {"value": "x"}], None]
    )
    assert got == [[{"value": "a@b.c", "primary": True}, {"value": "x", "primary": None}], None]
    odd = convert(contact, [{"value": 5, "primary": "yes"}, "not an object"])
    assert odd == [{"value": "5", "primary": True}, None]


def test_nested_paths_and_getters() -> None:
    columns = [
        Column("Amount", DOUBLE, ("value", "amount")),
        Column("Currency", VARCHAR, ("value", "currency")),
        Column("Deep", BIGINT, ("a", "b", "c")),
        Column("Computed", VARCHAR, getter=lambda r: f"#{r.get('id')}"),
        Column("Upper", VARCHAR, ("name",), transform=str.upper),
    ]
    records = [
        {"id": 1, "value": {"amount": 10, "currency": "EUR"}, "a": {"b": {"c": 3}}, "name": "x"},
        {"id": 2, "value": None, "a": {"b": 7}, "name": None},
    ]
    assert RowConverter(columns).batch(records).to_pylist() == [
        {"Amount": 10.0, "Currency": "EUR", "Deep": 3, "Computed": "#1", "Upper": "X"},
        {"Amount": None, "Currency": None, "Deep": None, "Computed": "#2", "Upper": None},
    ]


def test_reader_is_lazy() -> None:
    pulled: list[int] = []

    def pages() -> Any:
        for i in range(3):
            pulled.append(i)
            yield [{"x": i}]

    reader = RowConverter([Column("X", BIGINT, ("x",))]).reader(pages())
    assert pulled == []
    first = reader.read_next_batch()
    assert first.column(0).to_pylist() == [0]
    assert pulled == [0]
    assert isinstance(reader, pa.RecordBatchReader)
