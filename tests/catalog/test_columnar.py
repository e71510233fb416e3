"""The columnar converter gives exactly what the per-record converter it replaced gives.

Compared on real sandbox pages (every column of Deals, Persons, Organizations, Activities and Products,
custom fields included), and on pages with the odd shapes that push single columns off the fast path:
missing keys, records without ``custom_fields``, string ids, v1-style nested references, enum options as
objects, sets as comma-separated text, unknown option ids.
"""

from __future__ import annotations

import copy
import random
from typing import Any

import pyarrow as pa
import pytest
from tests.engine.helpers import open_connection

from pipedrive_sql.catalog.arrow import RecordwiseConverter, RowConverter
from pipedrive_sql.catalog.spec import Column

TABLES = ("Deals", "Persons", "Organizations", "Activities", "Products")


def assert_same(columns: tuple[Column, ...], records: list[dict[str, Any]]) -> pa.RecordBatch:
    expected = RecordwiseConverter(columns).batch(records)
    got = RowConverter(columns).batch(records)
    assert got.schema == expected.schema
    for name in expected.schema.names:
        assert got.column(name).equals(expected.column(name)), name
    return got


@pytest.fixture(scope="module")
def pages(sandbox: Any) -> dict[str, tuple[tuple[Column, ...], list[dict[str, Any]]]]:
    conn = open_connection(sandbox, Pagesize=500)
    try:
        out = {}
        for name in TABLES:
            spec = conn.catalog.table(name)
            records = [r for page in conn.engine.client.pages(spec.endpoint, {}) for r in page]
            out[name] = (spec.columns, records)
        return out
    finally:
        conn.close()


@pytest.mark.parametrize("table", TABLES)
def test_sandbox_pages_convert_identically(pages: Any, table: str) -> None:
    columns, records = pages[table]
    assert records
    batch = assert_same(columns, records)
    assert batch.num_rows == len(records)
    if table == "Deals":
        assert any(c.custom is not None for c in columns)
        custom = [c.name for c in columns if c.custom is not None]
        assert any(batch.column(name).null_count < batch.num_rows for name in custom)


def _odd(record: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    record = copy.deepcopy(record)
    keys = [k for k in record if k != "id"]
    for key in rng.sample(keys, k=min(3, len(keys))):
        choice = rng.randrange(5)
        if choice == 0:
            del record[key]
        elif choice == 1:
            record[key] = None
        elif choice == 2 and isinstance(record[key], int) and not isinstance(record[key], bool):
            record[key] = str(record[key])
        elif choice == 3 and isinstance(record[key], int) and not isinstance(record[key], bool):
            record[key] = {"value": record[key], "name": "x"}
        elif choice == 4 and isinstance(record[key], list):
            record[key] = ",".join(str(v) for v in record[key])
    custom = record.get("custom_fields")
    if isinstance(custom, dict) and custom:
        key = rng.choice(sorted(custom))
        value = custom[key]
        if isinstance(value, int) and not isinstance(value, bool):
            custom[key] = rng.choice([{"id": value, "label": "Labelled"}, str(value), 99999, float(value)])
        elif isinstance(value, list):
            custom[key] = ",".join(str(v) for v in value) if value else [424242]
        elif rng.random() < 0.5:
            del custom[key]
    elif rng.random() < 0.3:
        record["custom_fields"] = None
    return record


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_odd_shapes_convert_identically(pages: Any, table: str, seed: int) -> None:
    columns, records = pages[table]
    rng = random.Random(seed)
    sample = records[:60]
    odd = [_odd(r, rng) if rng.random() < 0.3 else r for r in sample]
    assert_same(columns, odd)
    # A page whose first record is the odd one (the fast path learns its keys from the first record).
    assert_same(columns, [_odd(sample[0], rng), *sample[1:20]])


def test_records_that_are_not_objects_and_empty_custom_fields(pages: Any) -> None:
    columns, records = pages["Deals"]
    first = dict(records[0], custom_fields={})
    second = {k: v for k, v in records[1].items() if k != "custom_fields"}
    assert_same(columns, [first, second, records[2]])
