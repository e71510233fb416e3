"""Mistakes are found before anything is sent: each case is a statement, the error it raises, and words its
message must contain (the column it is about). The sandbox's stats show that not one request was made, not
even the query that would find the records of an UPDATE."""

from __future__ import annotations

import pytest

from pipedrive_sandbox.server import Sandbox
from pipedrive_sql import errors
from pipedrive_sql.dbapi import Connection

from .helpers import run

P = errors.ProgrammingError
D = errors.DataError
I = errors.IntegrityError  # noqa: E741
N = errors.NotSupportedError

CASES: list[tuple[str, type[Exception], tuple[str, ...]]] = [
    # unknown and read-only columns
    ("INSERT INTO Deals (Titel) VALUES ('x')", P, ("no column 'Titel'", "Did you mean Title?")),
    ("INSERT INTO Deals (Title, Id) VALUES ('x', 5)", P, ("Deals.Id is read-only",)),
    ("INSERT INTO Deals (Title, AddTime) VALUES ('x', '2024-01-01')", P, ("Deals.AddTime is read-only",)),
    ("UPDATE Deals SET UpdateTime = '2024-01-01' WHERE Id = 1", P, ("Deals.UpdateTime is read-only",)),
    ("UPDATE Persons SET FirstName = 'x' WHERE Id = 1", P, ("Persons.FirstName cannot be written", "Name")),
    ("UPDATE Leads SET OriginId = 'x' WHERE Title = 'x'", P, ("Leads.OriginId can be set by INSERT",)),
    ("UPDATE DealProducts SET DealId = 3 WHERE DealId = 4", P, ("DealProducts.DealId can be set by INSERT",)),
    ("INSERT INTO Deals (Title, Title) VALUES ('x', 'y')", P, ("Deals.Title is set twice",)),
    # wrong types
    ("INSERT INTO Deals (Title, Value) VALUES ('x', 'lots')", D, ("Deals.Value expects a number", "'lots'")),
    ("INSERT INTO Deals (Title, PersonId) VALUES ('x', 1.5)", D, ("Deals.PersonId expects a whole number",)),
    ("INSERT INTO Deals (Title) VALUES (42)", D, ("Deals.Title expects text",)),
    (
        "INSERT INTO Deals (Title, ExpectedCloseDate) VALUES ('x', 'soon')",
        D,
        ("Deals.ExpectedCloseDate", "date"),
    ),
    (
        "INSERT INTO Activities (Subject, Done) VALUES ('x', 'maybe')",
        D,
        ("Activities.Done expects true or false",),
    ),
    (
        "INSERT INTO Activities (Subject, DueTime) VALUES ('x', '25:00')",
        D,
        ("Activities.DueTime expects a time",),
    ),
    (
        "INSERT INTO Deals (Title, LabelIds) VALUES ('x', 'a,b')",
        D,
        ("Deals.LabelIds expects a whole number",),
    ),
    (
        "INSERT INTO Filters (Name, Type, Conditions) VALUES ('f', 'deals', '{oops')",
        D,
        ("Filters.Conditions", "JSON"),
    ),
    ("UPDATE Deals SET Value = 'abc' WHERE Value > 0", D, ("Deals.Value expects a number",)),
    # allowed values
    ("INSERT INTO Deals (Title, Status) VALUES ('x', 'closed')", D, ("Deals.Status expects one of", "'won'")),
    (
        "INSERT INTO Deals (Title, VisibleTo) VALUES ('x', 2)",
        D,
        ("Deals.VisibleTo expects one of 1, 3, 5, 7",),
    ),
    ("INSERT INTO LeadLabels (Name, Color) VALUES ('x', 'magenta')", D, ("LeadLabels.Color", "'purple'")),
    ("INSERT INTO DealFields (FieldName, FieldType) VALUES ('x', 'blob')", D, ("DealFields.FieldType",)),
    # custom fields: unknown labels and option ids, monetary parts
    (
        "INSERT INTO Deals (Title, DealSource) VALUES ('x', 'Billboard')",
        D,
        ("Deals.DealSource has no option", "Inbound"),
    ),
    (
        "INSERT INTO Deals (Title, DealSource) VALUES ('x', 999999)",
        D,
        ("Deals.DealSource has no option 999999",),
    ),
    (
        "INSERT INTO Deals (Title, ProductInterest) VALUES ('x', 'CRM,Nope')",
        D,
        ("Deals.ProductInterest", "'Nope'"),
    ),
    (
        "INSERT INTO Deals (Title, ContractValue) VALUES ('x', 'a lot')",
        D,
        ("Deals.ContractValue expects a number",),
    ),
    (
        "INSERT INTO Deals (Title, ContractValueCurrency) VALUES ('x', 'EUR')",
        D,
        ("Deals.ContractValueCurrency", "set ContractValue"),
    ),
    (
        "INSERT INTO Deals (Title, ContractPeriod) VALUES ('x', '2025-01-01')",
        I,
        ("Deals.ContractPeriodUntil needs a value",),
    ),
    (
        "INSERT INTO Deals (Title, RenewalDate) VALUES ('x', 'tomorrow')",
        D,
        ("Deals.RenewalDate expects a date",),
    ),
    (
        "UPDATE Persons SET PreferredLanguage = 'Klingon' WHERE Id = 1",
        D,
        ("Persons.PreferredLanguage", "English"),
    ),
    # required values
    ("INSERT INTO Deals (Value) VALUES (5)", I, ("needs a value for Deals.Title",)),
    ("INSERT INTO Deals (Title) VALUES (NULL)", I, ("Deals.Title cannot be NULL",)),
    ("UPDATE Deals SET Title = NULL WHERE Id = 1", I, ("Deals.Title cannot be NULL",)),
    ("INSERT INTO Stages (Name) VALUES ('x')", I, ("Stages.PipelineId",)),
    ("INSERT INTO Leads (Title) VALUES ('x')", I, ("PersonId, OrganizationId",)),
    ("INSERT INTO Leads (Title, PersonId, Value) VALUES ('x', 1, 10)", I, ("Leads.Currency needs a value",)),
    ("INSERT INTO Notes (Content, DealId) VALUES ('x', NULL)", I, ("Notes needs one of DealId",)),
    ("INSERT INTO Filters (Name, Type) VALUES ('x', 'deals')", I, ("Filters.Conditions",)),
    (
        "INSERT INTO DealFields (FieldName, FieldType) VALUES ('x', 'set')",
        I,
        ("DealFields.Options is required",),
    ),
    ("INSERT INTO DealParticipants (DealId) VALUES (3)", I, ("DealParticipants.PersonId",)),
    # a bad row anywhere stops the whole statement before its first row is sent
    (
        "INSERT INTO Deals (Title, Value) VALUES ('ok 1', 1), ('ok 2', 2), ('bad', 'x'), ('ok 4', 4)",
        D,
        ("Deals.Value expects a number", "(row 3)"),
    ),
    # statement shape
    ("INSERT INTO Deals VALUES ('x')", P, ("Name the columns",)),
    ("INSERT INTO Deals (Title, Value) VALUES ('x')", P, ("Row 1 of VALUES has 1 values for 2 columns",)),
    ("UPDATE Deals SET Title = 'x'", P, ("no WHERE clause",)),
    ("DELETE FROM Deals", P, ("no WHERE clause",)),
    ("INSERT INTO Deals (Title) VALUES ('x') RETURNING Nope", P, ("RETURNING", "Nope")),
    ("DELETE FROM Deals WHERE Id = 1 RETURNING Nope", P, ("RETURNING", "Nope")),
    # tables and operations the API does not have
    ("INSERT INTO Users (Name) VALUES ('x')", N, ("Users cannot be written", "Writable tables: Deals")),
    ("DELETE FROM Currencies WHERE Id = 1", N, ("Currencies cannot be written",)),
    ("INSERT INTO ActivityFields (FieldName, FieldType) VALUES ('x', 'varchar')", N, ("ActivityFields",)),
    ("UPDATE DealParticipants SET PersonId = 1 WHERE DealId = 3", N, ("no UPDATE for DealParticipants",)),
    ("UPDATE Activities SET ActivityCustom = 1 WHERE Id = 1", P, ("no column 'ActivityCustom'",)),
    ("INSERT INTO Nowhere (X) VALUES (1)", P, ("no table 'Nowhere'",)),
]


@pytest.mark.parametrize(("sql", "error", "words"), CASES, ids=[c[0][:60] for c in CASES])
def test_mistakes_are_errors_naming_the_column_and_send_nothing(
    conn: Connection, wsb: Sandbox, sql: str, error: type[Exception], words: tuple[str, ...]
) -> None:
    wsb.reset_stats()
    with pytest.raises(error) as raised:
        run(conn, sql)
    for word in words:
        assert word in str(raised.value), (word, str(raised.value))
    assert wsb.stats()["total"] == 0, wsb.stats()["by_operation"]


def test_row_dependent_values_are_checked_for_every_record_before_the_first_write(
    conn: Connection, wsb: Sandbox
) -> None:
    """A SET value computed per row can only be checked once the records are found: the finding query runs,
    but no record is written when any of them gets a bad value."""
    wsb.reset_stats()
    with pytest.raises(errors.DataError, match=r"Deals\.Title expects text"):
        run(conn, "UPDATE Deals SET Title = CASE WHEN Id = 9 THEN NULL ELSE Id END WHERE Id IN (7, 8, 9)")
    assert [k for k in wsb.stats()["by_operation"] if not k.startswith("GET ")] == []


def test_a_system_field_is_neither_renamed_nor_deleted(conn: Connection, wsb: Sandbox) -> None:
    wsb.reset_stats()
    with pytest.raises(errors.ProgrammingError, match="system fields cannot be deleted"):
        run(conn, "DELETE FROM DealFields WHERE FieldCode IN ('title', 'value')")
    with pytest.raises(errors.ProgrammingError, match="system fields cannot be renamed"):
        run(conn, "UPDATE DealFields SET FieldName = 'Name' WHERE FieldCode = 'title'")
    assert [k for k in wsb.stats()["by_operation"] if not k.startswith("GET ")] == []
