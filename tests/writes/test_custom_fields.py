"""Custom fields are written by column name: enum and set values by label or option id, monetary amounts with
their currency column, ranges as two columns; what Pipedrive stores is read back by field key."""

from __future__ import annotations

from typing import Any

import httpx

from pipedrive_sql.dbapi import Connection

from .helpers import custom_key, get, run


def custom(api: httpx.Client, conn: Connection, table: str, record_id: int, column: str) -> Any:
    entity = {
        "Deals": "deals",
        "Persons": "persons",
        "Organizations": "organizations",
        "Products": "products",
    }
    record = get(api, f"/api/v2/{entity[table]}/{record_id}")
    return record["custom_fields"][custom_key(conn, table, column)]


def option(conn: Connection, table: str, column: str, label: str) -> int:
    found = conn.catalog.table(table).column(column).custom
    assert found is not None
    return next(int(i) for i, text in found.options.items() if text == label)


def test_enum_by_label_by_id_and_in_any_case(conn: Connection, api: httpx.Client) -> None:
    referral = option(conn, "Deals", "DealSource", "Referral")
    cur, rows = run(
        conn,
        "INSERT INTO Deals (Title, DealSource) VALUES ('Enum 1', 'Referral'), ('Enum 2', ?), ('Enum 3', 'rEfErRaL') "
        "RETURNING Id, DealSource",
        [referral],
    )
    assert cur.rowcount == 3
    assert [r[1] for r in rows] == ["Referral"] * 3
    assert {custom(api, conn, "Deals", r[0], "DealSource") for r in rows} == {referral}


def test_set_by_labels_as_text_list_or_ids(conn: Connection, api: httpx.Client) -> None:
    crm, support = (
        option(conn, "Deals", "ProductInterest", "CRM"),
        option(conn, "Deals", "ProductInterest", "Support"),
    )
    _, rows = run(
        conn,
        "INSERT INTO Deals (Title, ProductInterest) VALUES ('Set 1', 'CRM,Support'), ('Set 2', list_value('Support', 'CRM')), "
        "('Set 3', ?) RETURNING Id, ProductInterest",
        [[crm, support]],
    )
    assert [sorted(r[1]) for r in rows] == [["CRM", "Support"]] * 3
    assert all(
        sorted(custom(api, conn, "Deals", r[0], "ProductInterest")) == sorted([crm, support]) for r in rows
    )
    run(conn, "UPDATE Deals SET ProductInterest = NULL WHERE Id = ?", [rows[0][0]])
    assert custom(api, conn, "Deals", rows[0][0], "ProductInterest") is None


def test_monetary_is_written_with_its_currency(conn: Connection, api: httpx.Client) -> None:
    cur, _ = run(
        conn, "INSERT INTO Deals (Title, ContractValue, ContractValueCurrency) VALUES ('Money', 1200, 'GBP')"
    )
    assert custom(api, conn, "Deals", cur.lastrowid, "ContractValue") == {"value": 1200, "currency": "GBP"}


def test_updating_one_part_of_a_monetary_field_keeps_the_other(conn: Connection, api: httpx.Client) -> None:
    cur, _ = run(
        conn, "INSERT INTO Deals (Title, ContractValue, ContractValueCurrency) VALUES ('Keep', 500, 'JPY')"
    )
    deal_id = cur.lastrowid
    run(conn, "UPDATE Deals SET ContractValue = ContractValue * 2 WHERE Id = ?", [deal_id])
    assert custom(api, conn, "Deals", deal_id, "ContractValue") == {"value": 1000, "currency": "JPY"}
    run(conn, "UPDATE Deals SET ContractValueCurrency = 'CHF' WHERE Id = ?", [deal_id])
    assert custom(api, conn, "Deals", deal_id, "ContractValue") == {"value": 1000, "currency": "CHF"}
    run(conn, "UPDATE Deals SET ContractValue = NULL WHERE Id = ?", [deal_id])
    assert custom(api, conn, "Deals", deal_id, "ContractValue") is None


def test_ranges_dates_times_references_and_text(conn: Connection, api: httpx.Client) -> None:
    cur, rows = run(
        conn,
        "INSERT INTO Deals (Title, ContractPeriod, ContractPeriodUntil, RenewalDate, KickOffCall, TechnicalContact, "
        "AccountManager, ExpectedMargin, Competitor, InternalNotes) VALUES ('Typed', '2025-01-01', "
        "DATE '2025-12-31', '2026-01-15', '09:30', 2, 10000001, 12.5, 'Acme', 'long text') "
        "RETURNING ContractPeriod, ContractPeriodUntil, KickOffCall, ExpectedMargin",
    )
    deal_id = cur.lastrowid
    assert custom(api, conn, "Deals", deal_id, "ContractPeriod") == {
        "start": "2025-01-01",
        "until": "2025-12-31",
    }
    assert custom(api, conn, "Deals", deal_id, "RenewalDate") == "2026-01-15"
    assert custom(api, conn, "Deals", deal_id, "KickOffCall")["value"] == "09:30:00"
    assert custom(api, conn, "Deals", deal_id, "TechnicalContact") == 2
    assert custom(api, conn, "Deals", deal_id, "AccountManager") == 10000001
    assert custom(api, conn, "Deals", deal_id, "Competitor") == "Acme"
    assert rows[0][3] == 12.5
    run(conn, "UPDATE Deals SET ContractPeriodUntil = '2026-06-30' WHERE Id = ?", [deal_id])
    assert custom(api, conn, "Deals", deal_id, "ContractPeriod") == {
        "start": "2025-01-01",
        "until": "2026-06-30",
    }


def test_custom_fields_of_persons_organizations_and_products(conn: Connection, api: httpx.Client) -> None:
    cur, _ = run(
        conn,
        "INSERT INTO Persons (Name, PreferredLanguage, Interests, LeadScore) VALUES ('CF', 'Dutch', 'Events', 3)",
    )
    person = cur.lastrowid
    assert custom(api, conn, "Persons", person, "PreferredLanguage") == option(
        conn, "Persons", "PreferredLanguage", "Dutch"
    )
    assert custom(api, conn, "Persons", person, "LeadScore") == 3
    cur, _ = run(
        conn,
        "INSERT INTO Organizations (Name, Segment, CreditLimit, CreditLimitCurrency, SupportHours, SupportHoursUntil, "
        "BillingAddress) VALUES ('CF org', 'Enterprise', 9000, 'USD', '08:00', '16:00', 'PO Box 7')",
    )
    org = cur.lastrowid
    assert custom(api, conn, "Organizations", org, "CreditLimit") == {"value": 9000, "currency": "USD"}
    assert custom(api, conn, "Organizations", org, "SupportHours")["start"] == "08:00:00"
    assert custom(api, conn, "Organizations", org, "BillingAddress")["value"] == "PO Box 7"
    run(conn, "UPDATE Organizations SET SupportHours = '07:00' WHERE Id = ?", [org])
    hours = custom(api, conn, "Organizations", org, "SupportHours")
    assert (hours["start"], hours["until"]) == ("07:00:00", "16:00:00")
    cur, _ = run(
        conn, "INSERT INTO Products (Name, ProductLine, WarrantyMonths) VALUES ('CF product', 'Services', 24)"
    )
    assert custom(api, conn, "Products", cur.lastrowid, "WarrantyMonths") == 24


def test_a_new_field_is_a_column_at_once(conn: Connection, api: httpx.Client) -> None:
    """INSERT INTO DealFields makes the catalog read the definitions again: the new column is writable now."""
    cur, _ = run(
        conn,
        "INSERT INTO DealFields (FieldName, FieldType, Options) VALUES ('Sales region', 'enum', list_value('North', 'South'))",
    )
    code = cur.lastrowid
    cur, rows = run(
        conn, "INSERT INTO Deals (Title, SalesRegion) VALUES ('Regional', 'South') RETURNING SalesRegion"
    )
    assert rows == [("South",)]
    run(conn, "DELETE FROM DealFields WHERE FieldCode = ?", [code])
    assert conn.catalog.table("Deals").find_column("SalesRegion") is None
    assert get(api, f"/api/v2/dealFields/{code}") is None
