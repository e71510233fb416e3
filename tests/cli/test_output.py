"""The result writers, in-process over a stand-in cursor (the end-to-end tests use the real driver)."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import typer

from pipedrive_sql.cli import output

NAMES = ["Id", "Title", "Value", "Won", "AddTime", "Labels", "Id"]
ROWS: list[tuple[Any, ...]] = [
    (1, "Tab\there", 12.5, True, dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC), [1, 2], 10),
    (2, None, None, False, None, [], 20),
    (3, 'Quote " and, comma\nnewline', 0.1, None, dt.datetime(2025, 6, 1, tzinfo=dt.UTC), None, 30),
]


class FakeCursor:
    def __init__(self, names: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        self.description = [(n, None, None, None, None, None, None) for n in names]
        self._rows = list(rows)

    def fetchmany(self, size: int) -> list[tuple[Any, ...]]:
        batch, self._rows = self._rows[:size], self._rows[size:]
        return batch


def write(fmt: str, tmp_path: Path, rows: list[tuple[Any, ...]] = ROWS) -> str:
    target = tmp_path / f"out.{fmt}"
    assert output.write_result(FakeCursor(NAMES, rows), fmt, target) == len(rows)
    return target.read_text()


def test_csv_round_trip(tmp_path: Path) -> None:
    parsed = list(csv.reader(io.StringIO(write("csv", tmp_path))))
    assert parsed[0] == NAMES
    assert parsed[1] == ["1", "Tab\there", "12.5", "true", "2024-01-02T03:04:05+00:00", "[1,2]", "10"]
    assert parsed[2] == ["2", "", "", "false", "", "[]", "20"]
    assert parsed[3][1] == 'Quote " and, comma\nnewline'


def test_json_and_jsonl_keep_types_and_make_names_unique(tmp_path: Path) -> None:
    as_json = json.loads(write("json", tmp_path))
    as_jsonl = [json.loads(line) for line in write("jsonl", tmp_path).splitlines()]
    assert as_json == as_jsonl
    assert as_json[0] == {
        "Id": 1,
        "Title": "Tab\there",
        "Value": 12.5,
        "Won": True,
        "AddTime": "2024-01-02T03:04:05+00:00",
        "Labels": [1, 2],
        "Id_2": 10,
    }
    assert as_json[1]["Title"] is None and as_json[1]["Won"] is False
    assert json.loads(write("json", tmp_path, rows=[])) == []


def test_plain_table_is_tab_separated_with_escapes(tmp_path: Path) -> None:
    lines = write("table", tmp_path).splitlines()
    assert lines[0] == "\t".join(NAMES)
    assert lines[1].split("\t") == [
        "1",
        "Tab\\there",
        "12.5",
        "true",
        "2024-01-02T03:04:05+00:00",
        "[1,2]",
        "10",
    ]
    assert lines[2].split("\t")[1:3] == ["NULL", "NULL"]
    assert lines[3].split("\t")[1] == 'Quote " and, comma\\nnewline'


def test_parquet_from_rows_when_the_cursor_has_no_arrow(tmp_path: Path) -> None:
    rows = [(1, "a", 1.5), (2, None, None)]
    cursor = FakeCursor(["Id", "Title", "Value"], rows)
    target = tmp_path / "out.parquet"
    assert output.write_result(cursor, "parquet", target) == 2
    assert pq.read_table(target).to_pylist() == [
        {"Id": 1, "Title": "a", "Value": 1.5},
        {"Id": 2, "Title": None, "Value": None},
    ]


@pytest.mark.parametrize(
    ("fmt", "path", "expected"),
    [
        (None, None, "table"),
        (None, "x.CSV", "csv"),
        (None, "x.ndjson", "jsonl"),
        (None, "x.parquet", "parquet"),
        (None, "x.txt", "table"),
        ("JSON", "x.csv", "json"),
    ],
)
def test_choose_format(fmt: str | None, path: str | None, expected: str) -> None:
    assert output.choose_format(fmt, Path(path) if path else None) == expected


def test_unknown_format() -> None:
    with pytest.raises(typer.BadParameter, match="use one of table, csv, json, jsonl, parquet"):
        output.choose_format("xml", None)


def test_unique_names() -> None:
    names = output.unique_names(["a", "A", "a_2", "a"])
    assert names == ["a", "A_3", "a_2", "a_4"]  # A_2 would clash with the a_2 that follows
    assert len({n.lower() for n in names}) == 4


@pytest.mark.parametrize(
    ("stored", "text"),
    [
        (0.1, "0.1"),
        (3.0, "3.0"),
        (-2.5, "-2.5"),
        (1e20, "1e+20"),
        (16777217.0, "16777216.0"),
        (1 / 3, "0.33333334"),
    ],
)
def test_real_values_print_their_shortest_32_bit_form(stored: float, text: str) -> None:
    widened = struct.unpack("f", struct.pack("f", stored))[0]  # what a REAL column hands back
    assert output.real_text(widened) == text
    assert struct.unpack("f", struct.pack("f", float(text)))[0] == widened


def test_decimals_keep_their_digits_in_every_format(tmp_path: Path) -> None:
    names = ["d", "r"]
    rows: list[tuple[Any, ...]] = [
        (decimal.Decimal("1E+3"), 0.10000000149011612),
        (decimal.Decimal("0.10"), None),
        (decimal.Decimal("NaN"), float("nan")),
    ]
    cursor = FakeCursor(names, rows)
    cursor.description = [("d", "DECIMAL(18,2)", None, None, None, None, None), ("r", "FLOAT", *[None] * 5)]
    target = tmp_path / "out.jsonl"
    output.write_result(cursor, "jsonl", target)
    assert target.read_text().splitlines() == [
        '{"d":1000,"r":0.1}',
        '{"d":0.10,"r":null}',
        '{"d":null,"r":null}',
    ]
    assert output.text_value(decimal.Decimal("1.5E-7")) == "0.00000015"
