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
from pipedrive_sql.errors import Error

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


# ---- the struct pass (one pa.array call per page) --------------------------------------------------------


def _custom_key(columns: tuple[Column, ...], field_type: str, part: str = "") -> str:
    return next(
        c.custom.key
        for c in columns
        if c.custom and c.custom.field_type == field_type and c.custom.part == part
    )


@pytest.mark.parametrize("table", TABLES)
def test_the_struct_pass_takes_sandbox_pages(pages: Any, table: str) -> None:
    """Sandbox pages go through the one-call struct pass, not the column-by-column path."""
    columns, records = pages[table]
    assert RowConverter(columns)._struct.arrays(records[:500]) is not None


def test_struct_pass_values_pyarrow_reads_differently(pages: Any) -> None:
    """What pyarrow would read differently from the per-value path inside a struct: text as a list (""
    is an empty list to pyarrow, a missing value to the API), floats and booleans as option ids, lists of
    pairs as objects, range objects with several candidate keys, times as text and as objects."""
    columns, records = pages["Deals"]
    enum = _custom_key(columns, "enum")
    options = _custom_key(columns, "set")
    money = _custom_key(columns, "monetary")
    period = _custom_key(columns, "daterange")
    kickoff = _custom_key(columns, "time")
    base = records[:12]

    def with_custom(i: int, **values: Any) -> dict[str, Any]:
        record = copy.deepcopy(base[i])
        record["custom_fields"] = {**record["custom_fields"], **values}
        return record

    cases: list[list[dict[str, Any]]] = [
        [dict(base[0], label_ids=""), *base[1:]],
        [dict(base[0], label_ids=[]), dict(base[1], label_ids="3,4"), *base[2:]],
        [with_custom(0, **{enum: 1.0}), *base[1:]],
        [with_custom(0, **{enum: True}), *base[1:]],
        [with_custom(0, **{enum: "101"}), *base[1:]],
        [with_custom(0, **{options: [1.0, 2]}), *base[1:]],
        [with_custom(0, **{options: ""}), with_custom(1, **{options: []}), *base[2:]],
        [with_custom(0, **{options: (106, 109)}), *base[1:]],
        [with_custom(0, **{money: [["value", 5.0], ["currency", "EUR"]]}), *base[1:]],
        [with_custom(0, **{money: {"amount": 7.5, "currency": "USD"}}), *base[1:]],
        [with_custom(0, **{money: {"value": None, "amount": 7.5, "currency": "USD"}}), *base[1:]],
        [with_custom(0, **{money: {"value": 0.123456, "currency": "USD"}}), *base[1:]],
        [with_custom(0, **{period: {"end": None, "until": "2024-01-02", "start": "2023-01-01"}}), *base[1:]],
        [with_custom(0, **{period: {"start_date": "2023-05-01", "until": "2024-01-02"}}), *base[1:]],
        [with_custom(0, **{period: "2023-05-01"}), *base[1:]],
        [with_custom(0, **{period: {"start": "2023-05-01T10:00:00Z", "until": "x"}}), *base[1:]],
        [with_custom(0, **{kickoff: "09:30:00"}), with_custom(1, **{kickoff: "10:15:00"}), *base[2:]],
        [with_custom(0, **{kickoff: {"value": "09:30:00", "timezone_id": 3}}), *base[1:]],
        [with_custom(0, **{kickoff: "09:30:00"}), with_custom(1, **{kickoff: {"value": "10:15:00"}})],
        [with_custom(0, **{kickoff: "9:30"}), *base[1:]],
        [dict(base[0], custom_fields=[[enum, 5]]), *base[1:]],
        [dict(base[0], custom_fields=[]), *base[1:]],
        [dict(base[0], custom_fields=None), *base[1:]],
        [*base[:3], {k: v for k, v in base[3].items() if k != "custom_fields"}],
        [*base[:3], {k: v for k, v in base[3].items() if k != "title"}],
        # a later record has a key the first lacks, in place of one it has (same number of keys)
        [*base[:3], {**{k: v for k, v in base[3].items() if k != "title"}, "local_won_date": "2024-03-04"}],
        [*base[:3], dict(base[3], local_won_date="2024-03-04")],
        [dict(base[0], add_time="2024-01-01 10:00:00"), *base[1:]],
        [dict(base[0], add_time=1700000000), *base[1:]],
        [dict(base[0], value="12.5"), dict(base[1], value=1e300), *base[2:]],
        [dict(base[0], value=float("nan")), *base[1:]],
        [dict(base[0], is_deleted=1), *base[1:]],
        [dict(base[0], id=1.0), *base[1:]],
        [dict(base[0], title=17), *base[1:]],
        [dict(base[0], title={"value": "x"}), *base[1:]],
    ]
    for records_ in cases:
        assert_same(columns, records_)


def test_struct_pass_on_pages_of_one_shape(pages: Any) -> None:
    """Pages whose first record lacks fields the others have, and pages of single odd records."""
    columns, records = pages["Deals"]
    sparse = {"id": 1, "title": "only two keys"}
    assert_same(columns, [sparse, *records[:5]])
    assert_same(columns, [*records[:5], sparse])
    assert_same(columns, [sparse])
    assert_same(columns, [{}])
    assert_same(columns, [{"id": 5}, {"id": 6}])


def test_every_table_spec_converts_identically(sandbox: Any) -> None:
    """Every table of the catalog (custom fields included) on the first page its endpoint answers."""
    conn = open_connection(sandbox, Pagesize=100)
    compared = []
    try:
        for spec in conn.catalog.tables():
            if "{" in spec.endpoint:
                continue  # read per parent record
            try:
                page = next(iter(conn.engine.client.pages(spec.endpoint, {}, max_records=100)), [])
            except Error:  # endpoints that need parameters: not this test's subject
                continue
            if page:
                assert_same(spec.columns, page)
                compared.append(spec.name)
    finally:
        conn.close()
    assert len(compared) >= 20, compared
