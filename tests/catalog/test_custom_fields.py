from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

from pipedrive_sql.catalog import Catalog, RowConverter
from pipedrive_sql.catalog.custom_fields import custom_columns

KEY = {name: (name * 40)[:40] for name in "abcdefghijklmnop"}

DEFINITIONS: list[dict[str, Any]] = [
    {"field_code": "title", "field_name": "Title", "field_type": "varchar", "is_custom_field": False},
    {
        "field_code": KEY["a"],
        "field_name": "Deal source",
        "field_type": "enum",
        "is_custom_field": True,
        "options": [{"id": 1, "label": "Inbound"}, {"id": 2, "label": "Outbound"}],
    },
    {
        "field_code": KEY["b"],
        "field_name": "Product interest",
        "field_type": "set",
        "is_custom_field": True,
        "options": [{"id": 3, "label": "CRM"}, {"id": 4, "label": "Analytics"}],
    },
    {
        "field_code": KEY["c"],
        "field_name": "Contract value",
        "field_type": "monetary",
        "is_custom_field": True,
    },
    {
        "field_code": KEY["d"],
        "field_name": "Contract period",
        "field_type": "daterange",
        "is_custom_field": True,
    },
    {"field_code": KEY["e"], "field_name": "Renewal date", "field_type": "date", "is_custom_field": True},
    {"field_code": KEY["f"], "field_name": "Kick-off call", "field_type": "time", "is_custom_field": True},
    {
        "field_code": KEY["g"],
        "field_name": "Technical contact",
        "field_type": "people",
        "is_custom_field": True,
    },
    {
        "field_code": KEY["h"],
        "field_name": "Expected margin",
        "field_type": "double",
        "is_custom_field": True,
    },
    {"field_code": KEY["i"], "field_name": "Seats", "field_type": "int", "is_custom_field": True},
    {
        "field_code": KEY["j"],
        "field_name": "Billing address",
        "field_type": "address",
        "is_custom_field": True,
    },
    {
        "field_code": KEY["k"],
        "field_name": "Support hours",
        "field_type": "timerange",
        "is_custom_field": True,
    },
    {"field_code": KEY["l"], "field_name": "Title", "field_type": "text", "is_custom_field": True},
    {"field_code": KEY["m"], "field_name": "Approved", "field_type": "boolean", "is_custom_field": True},
]


def test_columns_types_and_names() -> None:
    cols = {c.name: c for c in custom_columns(DEFINITIONS, ["Id", "Title"])}
    assert {n: c.type.sql for n, c in cols.items()} == {
        "DealSource": "VARCHAR",
        "ProductInterest": "VARCHAR[]",
        "ContractValue": "DECIMAL(18,4)",
        "ContractValueCurrency": "VARCHAR",
        "ContractPeriod": "DATE",
        "ContractPeriodUntil": "DATE",
        "RenewalDate": "DATE",
        "KickOffCall": "TIME",
        "TechnicalContact": "BIGINT",
        "ExpectedMargin": "DOUBLE",
        "Seats": "BIGINT",
        "BillingAddress": "VARCHAR",
        "SupportHours": "TIME",
        "SupportHoursUntil": "TIME",
        "Title_llllllll": "VARCHAR",  # collides with the built-in Title
        "Approved": "BOOLEAN",
    }
    assert cols["DealSource"].custom is not None and cols["DealSource"].custom.key == KEY["a"]
    assert cols["ContractValueCurrency"].custom.part == "currency"  # type: ignore[union-attr]
    assert cols["TechnicalContact"].references == ("Persons", "Id")


def test_values_from_v2_shapes_to_arrow() -> None:
    record = {
        "id": 1,
        "custom_fields": {
            KEY["a"]: 2,
            KEY["b"]: [3, 4],
            KEY["c"]: {"value": 1500.5, "currency": "EUR"},
            KEY["d"]: {"start": "2025-01-01", "until": "2025-12-31"},
            KEY["e"]: "2026-03-01",
            KEY["f"]: {"value": "09:30:00", "timezone_id": 1},
            KEY["g"]: 42,
            KEY["h"]: 0.25,
            KEY["i"]: "12",
            KEY["j"]: {"value": "1 Main St, Springfield", "locality": "Springfield"},
            KEY["k"]: {"start": "08:00:00", "until": "17:00:00", "timezone_id": 1},
            KEY["l"]: "notes",
            KEY["m"]: True,
        },
    }
    empty = {"id": 2, "custom_fields": {}}
    columns = custom_columns(DEFINITIONS, ["Id", "Title"])
    table = pa.Table.from_batches([RowConverter(columns).batch([record, empty])])
    row = table.to_pylist()[0]
    assert row == {
        "DealSource": "Outbound",
        "ProductInterest": ["CRM", "Analytics"],
        "ContractValue": 1500.5,
        "ContractValueCurrency": "EUR",
        "ContractPeriod": dt.date(2025, 1, 1),
        "ContractPeriodUntil": dt.date(2025, 12, 31),
        "RenewalDate": dt.date(2026, 3, 1),
        "KickOffCall": dt.time(9, 30),
        "TechnicalContact": 42,
        "ExpectedMargin": 0.25,
        "Seats": 12,
        "BillingAddress": "1 Main St, Springfield",
        "SupportHours": dt.time(8, 0),
        "SupportHoursUntil": dt.time(17, 0),
        "Title_llllllll": "notes",
        "Approved": True,
    }
    assert set(table.to_pylist()[1].values()) == {None}


def test_enum_shapes_with_labels_and_unknown_ids() -> None:
    columns = [c for c in custom_columns(DEFINITIONS, []) if c.name in ("DealSource", "ProductInterest")]
    records = [
        {"custom_fields": {KEY["a"]: {"id": 1, "label": "Inbound"}, KEY["b"]: "3,4"}},
        {"custom_fields": {KEY["a"]: "99", KEY["b"]: [{"id": 4, "label": "Analytics"}]}},
    ]
    assert RowConverter(columns).batch(records).to_pylist() == [
        {"DealSource": "Inbound", "ProductInterest": ["CRM", "Analytics"]},
        {"DealSource": "99", "ProductInterest": ["Analytics"]},
    ]


def test_catalog_reads_definitions_once_per_entity_and_can_hide_them() -> None:
    calls: list[str] = []

    def loader(entity: str) -> list[dict[str, Any]]:
        calls.append(entity)
        return DEFINITIONS

    catalog = Catalog(loader)
    deals = catalog.table("deals")
    catalog.table("ArchivedDeals")
    catalog.table("Pipelines")
    assert calls == ["deal"]
    assert "DealSource" in [c.name for c in deals.columns]

    hidden = Catalog(loader, include_custom_fields=False)
    assert not any(c.custom for c in hidden.table("Deals").columns)
    assert calls == ["deal"]


def test_refresh_forgets_definitions() -> None:
    calls: list[str] = []
    catalog = Catalog(lambda entity: calls.append(entity) or [])
    catalog.table("Deals")
    catalog.refresh("deal")
    catalog.table("Deals")
    assert calls == ["deal", "deal"]
