"""Value conversion, SQL/Python value -> what Pipedrive's request bodies take (no sandbox needed)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from pipedrive_sql.catalog.spec import Column, CustomField
from pipedrive_sql.catalog.tables import BUILTIN_TABLES
from pipedrive_sql.catalog.types import DOUBLE, VARCHAR, VARCHAR_LIST
from pipedrive_sql.catalog.writes import TABLE_WRITES
from pipedrive_sql.engine import write_values as v

SPECS = {t.name: t for t in BUILTIN_TABLES}


def column(table: str, name: str) -> Column:
    return SPECS[table].column(name)


@pytest.mark.parametrize(
    ("table", "name", "given", "sent"),
    [
        ("Deals", "PersonId", 5, 5),
        ("Deals", "PersonId", 5.0, 5),
        ("Deals", "PersonId", Decimal("7"), 7),
        ("Deals", "PersonId", " 12 ", 12),
        ("Deals", "Value", Decimal("10.50"), 10.5),
        ("Deals", "Value", 3, 3),
        ("Deals", "Value", "2.5", 2.5),
        ("Deals", "Title", "x", "x"),
        ("Activities", "Done", True, True),
        ("Activities", "Done", 0, False),
        ("Activities", "Done", "TRUE", True),
        ("Deals", "ExpectedCloseDate", dt.date(2025, 1, 2), "2025-01-02"),
        ("Deals", "ExpectedCloseDate", "2025-01-02", "2025-01-02"),
        ("Deals", "ExpectedCloseDate", dt.datetime(2025, 1, 2), "2025-01-02"),
        ("Activities", "DueTime", "9:05", "09:05:00"),
        ("Activities", "DueTime", "9.05", None),  # refused
        ("Activities", "DueTime", "09:05", "09:05:00"),
        ("Activities", "DueTime", dt.time(9, 5, 7, 123), "09:05:07"),
        ("Deals", "LabelIds", [1, 2], [1, 2]),
        ("Deals", "LabelIds", "[1, 2]", [1, 2]),
        ("Deals", "LabelIds", "1, 2", [1, 2]),
        ("Deals", "LabelIds", "", []),
        ("Leads", "LabelIds", ["a-b", "c"], ["a-b", "c"]),
        ("Persons", "Emails", "a@x.com", [{"value": "a@x.com", "primary": True}]),
        (
            "Persons",
            "Emails",
            "a@x.com, b@x.com",
            [{"value": "a@x.com", "primary": True}, {"value": "b@x.com", "primary": False}],
        ),
        (
            "Persons",
            "Emails",
            '[{"value": "a@x.com", "label": "home"}]',
            [{"value": "a@x.com", "label": "home"}],
        ),
        ("Persons", "Emails", {"value": "a@x.com", "primary": None}, [{"value": "a@x.com"}]),
        ("Organizations", "Address", "Main St 1", {"value": "Main St 1"}),
        (
            "Organizations",
            "Address",
            {"value": "x", "country": "DE", "route": None},
            {"value": "x", "country": "DE"},
        ),
        (
            "Activities",
            "Participants",
            [{"person_id": 3, "primary": True}],
            [{"person_id": 3, "primary": True}],
        ),
        (
            "Products",
            "Prices",
            [{"price": Decimal("9.90"), "currency": "EUR"}],
            [{"price": 9.9, "currency": "EUR"}],
        ),
    ],
)
def test_built_in_columns(table: str, name: str, given: Any, sent: Any) -> None:
    if sent is None:
        with pytest.raises(v.BadValue):
            v.convert(column(table, name), given)
        return
    assert v.convert(column(table, name), given) == sent


@pytest.mark.parametrize(
    ("table", "name", "given", "words"),
    [
        ("Deals", "PersonId", 1.5, "a whole number"),
        ("Deals", "PersonId", True, "a whole number"),
        ("Deals", "PersonId", "five", "a whole number"),
        ("Deals", "Value", "ten", "a number"),
        ("Deals", "Value", float("nan"), "a number"),
        ("Deals", "Title", 5, "text"),
        ("Activities", "Done", 2, "true or false"),
        ("Deals", "ExpectedCloseDate", "31/01/2025", "a date"),
        ("Deals", "ExpectedCloseDate", dt.datetime(2025, 1, 2, 10, 30), "a date"),
        ("Activities", "DueTime", "noon", "a time"),
        ("Deals", "LabelIds", ["x"], "a whole number"),
        ("Deals", "LabelIds", 5, "a list"),
        ("Organizations", "Address", {"street": "x"}, "unknown: street"),
        ("Organizations", "Address", 5, "an object"),
    ],
)
def test_wrong_values_say_what_was_expected(table: str, name: str, given: Any, words: str) -> None:
    with pytest.raises(v.BadValue, match=words):
        v.convert(column(table, name), given)


def test_api_spellings_and_allowed_values() -> None:
    visible = column("Leads", "VisibleTo")
    assert v.convert(visible, 3, "text", (1, 3, 5, 7)) == "3"
    with pytest.raises(v.BadValue, match="one of 1, 3, 5, 7"):
        v.convert(visible, 2, "text", (1, 3, 5, 7))
    assert v.convert(column("Products", "Category"), "4", "int") == 4
    assert v.convert(column("Organizations", "AnnualRevenue"), 2.0e6, "int") == 2000000
    with pytest.raises(v.BadValue, match="'won'"):
        v.convert(column("Deals", "Status"), "closed", "", ("open", "won", "lost"))


def test_json_values() -> None:
    conditions = TABLE_WRITES["filters"].write_only[0]
    assert v.convert(conditions, '{"glue": "and", "conditions": []}') == {"glue": "and", "conditions": []}
    assert v.to_json({"d": dt.date(2025, 1, 1), "n": Decimal("1.0")}) == {"d": "2025-01-01", "n": 1}
    with pytest.raises(v.BadValue, match="JSON"):
        v.convert(conditions, "{nope")


def test_timestamps_are_rfc3339_in_utc() -> None:
    assert v.to_timestamp("2025-01-02 03:04:05") == "2025-01-02T03:04:05Z"
    aware = dt.datetime(2025, 1, 2, 5, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert v.to_timestamp(aware) == "2025-01-02T03:04:05Z"
    assert v.to_timestamp(dt.date(2025, 1, 2)) == "2025-01-02T00:00:00Z"


OPTIONS = {"1": "Inbound", "2": "Outbound", "3": "Referral, partner"}


def custom(field_type: str, ctype: Any = VARCHAR, part: str = "") -> Column:
    info = CustomField("k" * 40, field_type, "Field", OPTIONS if field_type in ("enum", "set") else {}, part)
    return Column("Field", ctype, ("custom_fields", "k" * 40), custom=info)


@pytest.mark.parametrize(
    ("given", "sent"),
    [("Inbound", 1), ("outbound", 2), (2, 2), ("2", 2), ("Referral, partner", 3)],
)
def test_enum_options_by_label_or_id(given: Any, sent: int) -> None:
    assert v.custom_value(custom("enum"), given) == sent


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("Inbound,Outbound", [1, 2]),
        ("Outbound, inbound", [1, 2]),
        (["Outbound", 1], [1, 2]),
        ("Referral, partner", [3]),  # a label with a comma in it is one label
        ([], None),
        ("", None),
    ],
)
def test_set_options(given: Any, sent: Any) -> None:
    assert v.custom_value(custom("set", VARCHAR_LIST), given) == sent


def test_unknown_options_list_the_known_ones() -> None:
    with pytest.raises(v.BadValue, match="no option 'Billboard': its options are Inbound, Outbound"):
        v.custom_value(custom("enum"), "Billboard")
    with pytest.raises(v.BadValue, match="no option 9"):
        v.custom_value(custom("set", VARCHAR_LIST), [1, 9])


@pytest.mark.parametrize(
    ("field_type", "part", "given", "sent"),
    [
        ("monetary", "", Decimal("12.50"), 12.5),
        ("monetary", "currency", "eur", "EUR"),
        ("daterange", "until", "2025-12-31", "2025-12-31"),
        ("timerange", "", "08:00", "08:00:00"),
        ("time", "", dt.time(9, 30), "09:30:00"),
        ("double", "", "1.5", 1.5),
        ("people", "", 7.0, 7),
        ("user", "", "10000001", 10000001),
        ("address", "", "PO Box 1", {"value": "PO Box 1"}),
        ("varchar", "", "x", "x"),
        ("text", "", "long", "long"),
    ],
)
def test_custom_field_types(field_type: str, part: str, given: Any, sent: Any) -> None:
    assert v.custom_value(custom(field_type, DOUBLE, part), given) == sent
