"""Every writable table, every statement it allows: INSERT a record, UPDATE it, DELETE it, and after each step
read the record back through the API (plain HTTP) to see that Pipedrive holds what the statement said.

Each case is one line of data: the statements, where the API shows the record, and the fields expected there
(``a.b`` reaches into nested objects). UPDATE and DELETE name the record with a ``?`` parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from pipedrive_sql import errors
from pipedrive_sql.dbapi import Connection

from .helpers import get, run

CONDITIONS = (
    '{"glue": "and", "conditions": [{"glue": "and", "conditions": [{"object": "deal", "field_id": "12013", '
    '"operator": "=", "value": "open", "extra_value": null}]}, {"glue": "or", "conditions": []}]}'
)


@dataclass(frozen=True)
class Case:
    table: str
    read: str  # API path of the record ({id}); a list to search when ``listed``
    insert: str
    inserted: dict[str, Any]
    update: str | None  # None: the API has no update for this table
    updated: dict[str, Any] = field(default_factory=dict)
    delete: str = "DELETE FROM {table} WHERE Id = ?"
    listed: bool = False

    def __str__(self) -> str:
        return self.table


def _fields_case(table: str, entity: str) -> Case:
    if table == "DealFields":  # the only field table whose API takes a description
        insert = f"INSERT INTO {table} (FieldName, FieldType, Description) VALUES ('Lifecycle field', 'varchar', 'x')"
        update = f"UPDATE {table} SET FieldName = 'Renamed field', Description = 'y' WHERE FieldCode = ?"
    else:
        insert = f"INSERT INTO {table} (FieldName, FieldType) VALUES ('Lifecycle field', 'varchar')"
        update = f"UPDATE {table} SET FieldName = 'Renamed field' WHERE FieldCode = ?"
    return Case(
        table,
        f"/api/v2/{entity}Fields/{{id}}",
        insert,
        {"field_name": "Lifecycle field", "field_type": "varchar", "is_custom_field": True},
        update,
        {"field_name": "Renamed field"},
        delete=f"DELETE FROM {table} WHERE FieldCode = ?",
    )


CASES = [
    Case(
        "Deals",
        "/api/v2/deals/{id}",
        "INSERT INTO Deals (Title, Value, Currency, PersonId, ExpectedCloseDate, LabelIds) "
        "VALUES ('Lifecycle deal', 100, 'USD', 2, '2025-06-30', list_value(1, 2))",
        {
            "title": "Lifecycle deal",
            "value": 100.0,
            "currency": "USD",
            "person_id": 2,
            "expected_close_date": "2025-06-30",
            "label_ids": [1, 2],
        },
        "UPDATE Deals SET Title = 'Renamed deal', Status = 'won', Probability = 80 WHERE Id = ?",
        {"title": "Renamed deal", "status": "won", "probability": 80.0},
    ),
    Case(
        "Persons",
        "/api/v2/persons/{id}",
        "INSERT INTO Persons (Name, Emails, OrgId, JobTitle) VALUES ('Lifecycle Person', 'lp@example.com', 1, 'CTO')",
        {"name": "Lifecycle Person", "emails.0.value": "lp@example.com", "org_id": 1, "job_title": "CTO"},
        "UPDATE Persons SET Name = 'Renamed Person', Phones = '+1 555 0100', Birthday = '1990-02-03' WHERE Id = ?",
        {"name": "Renamed Person", "phones.0.value": "+1 555 0100", "birthday": "1990-02-03"},
    ),
    Case(
        "Organizations",
        "/api/v2/organizations/{id}",
        "INSERT INTO Organizations (Name, Address, Website, EmployeeCount) "
        "VALUES ('Lifecycle Org', 'Main St 1, Berlin', 'https://lo.example', 40)",
        {
            "name": "Lifecycle Org",
            "address.value": "Main St 1, Berlin",
            "website": "https://lo.example",
            "employee_count": 40,
        },
        "UPDATE Organizations SET Name = 'Renamed Org', AnnualRevenue = 2500000 WHERE Id = ?",
        {"name": "Renamed Org", "annual_revenue": 2500000},
    ),
    Case(
        "Activities",
        "/api/v2/activities/{id}",
        "INSERT INTO Activities (Subject, Type, DueDate, DueTime, Duration, DealId) "
        "VALUES ('Lifecycle call', 'call', '2025-03-01', '10:30', '00:45', 3)",
        {"subject": "Lifecycle call", "type": "call", "due_date": "2025-03-01", "deal_id": 3, "done": False},
        "UPDATE Activities SET Done = true, Note = 'went well' WHERE Id = ?",
        {"done": True, "note": "went well"},
    ),
    Case(
        "Products",
        "/api/v2/products/{id}",
        "INSERT INTO Products (Name, Code, Unit, Prices) "
        "VALUES ('Lifecycle product', 'LP-1', 'box', '[{\"price\": 12.5, \"currency\": \"EUR\"}]')",
        {"name": "Lifecycle product", "code": "LP-1", "unit": "box", "prices.0.price": 12.5},
        "UPDATE Products SET Name = 'Renamed product', BillingFrequency = 'monthly', Tax = 19 WHERE Id = ?",
        {"name": "Renamed product", "billing_frequency": "monthly", "tax": 19.0},
    ),
    Case(
        "Pipelines",
        "/api/v2/pipelines/{id}",
        "INSERT INTO Pipelines (Name) VALUES ('Lifecycle pipeline')",
        {"name": "Lifecycle pipeline"},
        "UPDATE Pipelines SET Name = 'Renamed pipeline', IsDealProbabilityEnabled = true WHERE Id = ?",
        {"name": "Renamed pipeline", "is_deal_probability_enabled": True},
    ),
    Case(
        "Stages",
        "/api/v2/stages/{id}",
        "INSERT INTO Stages (Name, PipelineId, DealProbability) VALUES ('Lifecycle stage', 1, 40)",
        {"name": "Lifecycle stage", "pipeline_id": 1, "deal_probability": 40},
        "UPDATE Stages SET Name = 'Renamed stage', IsDealRotEnabled = true, DaysToRotten = 9 WHERE Id = ?",
        {"name": "Renamed stage", "is_deal_rot_enabled": True, "days_to_rotten": 9},
    ),
    Case(
        "Leads",
        "/api/v1/leads/{id}",
        "INSERT INTO Leads (Title, PersonId, Value, Currency, VisibleTo) VALUES ('Lifecycle lead', 2, 300, 'USD', 3)",
        {
            "title": "Lifecycle lead",
            "person_id": 2,
            "value.amount": 300,
            "value.currency": "USD",
            "visible_to": "3",
        },
        "UPDATE Leads SET Title = 'Renamed lead', WasSeen = true WHERE Id = ?",
        {"title": "Renamed lead", "was_seen": True},
    ),
    Case(
        "LeadLabels",
        "/api/v1/leadLabels",
        "INSERT INTO LeadLabels (Name, Color) VALUES ('Lifecycle label', 'purple')",
        {"name": "Lifecycle label", "color": "purple"},
        "UPDATE LeadLabels SET Name = 'Renamed label', Color = 'gray' WHERE Id = ?",
        {"name": "Renamed label", "color": "gray"},
        listed=True,
    ),
    Case(
        "Notes",
        "/api/v1/notes/{id}",
        "INSERT INTO Notes (Content, DealId, PinnedToDealFlag) VALUES ('Lifecycle note', 3, true)",
        {"content": "Lifecycle note", "deal_id": 3, "pinned_to_deal_flag": True},
        "UPDATE Notes SET Content = 'Renamed note', PersonId = 2 WHERE Id = ?",
        {"content": "Renamed note", "person_id": 2, "deal_id": 3},
    ),
    Case(
        "Filters",
        "/api/v1/filters/{id}",
        f"INSERT INTO Filters (Name, Type, Conditions) VALUES ('Lifecycle filter', 'deals', '{CONDITIONS}')",
        {"name": "Lifecycle filter", "type": "deals", "conditions.conditions.0.conditions.0.value": "open"},
        "UPDATE Filters SET Name = 'Renamed filter' WHERE Id = ?",
        {"name": "Renamed filter", "conditions.conditions.0.conditions.0.value": "open"},
    ),
    Case(
        "DealProducts",
        "/api/v2/deals/3/products",
        "INSERT INTO DealProducts (DealId, ProductId, ItemPrice, Quantity, Comments) VALUES (3, 1, 9.5, 2, 'x')",
        {"deal_id": 3, "product_id": 1, "item_price": 9.5, "quantity": 2, "comments": "x"},
        "UPDATE DealProducts SET Quantity = 4, Discount = 10 WHERE DealId = 3 AND Id = ?",
        {"quantity": 4, "discount": 10},
        delete="DELETE FROM DealProducts WHERE DealId = 3 AND Id = ?",
        listed=True,
    ),
    Case(
        "DealParticipants",
        "/api/v1/deals/3/participants",
        "INSERT INTO DealParticipants (DealId, PersonId) VALUES (3, 4)",
        {"person.id": 4},
        None,
        delete="DELETE FROM DealParticipants WHERE DealId = 3 AND Id = ?",
        listed=True,
    ),
    _fields_case("DealFields", "deal"),
    _fields_case("PersonFields", "person"),
    _fields_case("OrganizationFields", "organization"),
    _fields_case("ProductFields", "product"),
]


def pick(record: Any, path: str) -> Any:
    for part in path.split("."):
        record = record[int(part)] if isinstance(record, list) else record.get(part)
    return record


def read(api: httpx.Client, case: Case, record_id: Any) -> dict[str, Any] | None:
    """The record as the API shows it now; None when it is gone (404, deleted, inactive, not listed)."""
    if case.listed:
        found = next((r for r in get(api, case.read) or [] if r["id"] == record_id), None)
    else:
        found = get(api, case.read.format(id=record_id))
    if not found or found.get("is_deleted") or found.get("active_flag") is False:
        return None
    return found


def assert_fields(record: dict[str, Any] | None, expected: dict[str, Any]) -> None:
    assert record is not None
    for path, value in expected.items():
        assert pick(record, path) == value, (path, record)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_insert_update_delete_reach_the_api(case: Case, conn: Connection, api: httpx.Client) -> None:
    cur, _ = run(conn, case.insert)
    record_id = cur.lastrowid
    assert cur.rowcount == 1 and record_id is not None
    assert_fields(read(api, case, record_id), case.inserted)

    if case.update is None:
        with pytest.raises(errors.NotSupportedError, match=f"no UPDATE for {case.table}"):
            run(conn, f"UPDATE {case.table} SET PersonId = 5 WHERE DealId = 3")
    else:
        cur, _ = run(conn, case.update, [record_id])
        assert cur.rowcount == 1
        assert_fields(read(api, case, record_id), case.updated)

    cur, _ = run(conn, case.delete.format(table=case.table), [record_id])
    assert cur.rowcount == 1
    assert read(api, case, record_id) is None


def test_deleted_records_leave_the_tables(conn: Connection) -> None:
    """A deleted deal stays in Deals with Status = 'deleted' (Pipedrive keeps it 30 days, docs/tables.md)."""
    cur, _ = run(conn, "INSERT INTO Deals (Title) VALUES ('Short-lived')")
    deal_id = cur.lastrowid
    run(conn, "DELETE FROM Deals WHERE Id = ?", [deal_id])
    _, rows = run(conn, "SELECT Id FROM Deals WHERE Id = ? AND Status <> 'deleted'", [deal_id])
    assert rows == []
    _, rows = run(conn, "SELECT Status FROM Deals WHERE Status = 'deleted' AND Id = ?", [deal_id])
    assert rows == [("deleted",)]


def test_a_deleted_deal_is_not_deleted_again(conn: Connection) -> None:
    """DELETE finds its records in Deals, which holds deleted deals too: those are skipped, not sent."""
    cur, _ = run(conn, "INSERT INTO Deals (Title) VALUES ('Twice gone')")
    deal_id = cur.lastrowid
    cur, _ = run(conn, "DELETE FROM Deals WHERE Id = ?", [deal_id])
    assert cur.rowcount == 1
    cur, _ = run(conn, "DELETE FROM Deals WHERE Title = 'Twice gone' RETURNING Id")
    assert cur.rowcount == 0 and cur.fetchall() == []
