"""Every name of the commercial driver's data model works here (issue 16): its 34 tables and the views the
issue names, by their exact names, each answering ``SELECT * ... LIMIT 5`` with rows from the sandbox;
``sys_tables`` lists them all with a description, our names for its synonyms as views."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipedrive_sandbox.server import Sandbox
from pipedrive_sql.dbapi import Connection

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.helpers import open_connection

DRIVER_TABLES = [
    "Activities",
    "ActivityTypes",
    "CallLogs",
    "DealFields",
    "Deals",
    "DealsFollowers",
    "DealsParticipants",
    "DealsProducts",
    "Files",
    "Filters",
    "Goals",
    "LeadLabels",
    "Leads",
    "MailThreads",
    "NoteComments",
    "Notes",
    "OrganizationFields",
    "OrganizationRelationships",
    "Organizations",
    "OrganizationsFollowers",
    "PersonFields",
    "PersonFollowers",
    "Persons",
    "Pipelines",
    "ProductFields",
    "Products",
    "ProductsFollowers",
    "Projects",
    "Roles",
    "RolesAssignments",
    "RolesSetting",
    "Stages",
    "Tasks",
    "Users",
]
DRIVER_VIEWS = [
    "ActivitiesParticipants",
    "DealsParticipantsPersonEmail",
    "DealsParticipantsPersonPhone",
    "ActivityFields",
    "ActivityFieldsOptions",
    "Currencies",
    "CurrentUsers",
    "DealFieldsOptions",
    "DealsMailMessages",
    "DealsMailMessagesBcc",
    "DealsMailMessagesCc",
    "DealsMailMessagesFrom",
    "DealsMailMessagesTo",
    "DealsParticipantsEmail",
    "DealsParticipantsPhone",
    "DealsPermittedUsers",
    "DealsSummary",
    "DealsTimeline",
    "PersonsPermittedUsers",
    "LeadFields",
    "NoteFields",
    "ProjectFields",
    "PersonFieldsOptions",
    "OrganizationFieldsOptions",
    "ProductFieldsOptions",
]
# Views the issue names that are not built yet (the lead's closing note lists them).
NOT_YET: set[str] = set()


@pytest.fixture(scope="module")
def driver_sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=3, scale=60, rate_limit=False) as running:
        yield running


@pytest.fixture(scope="module")
def conn(driver_sandbox: Sandbox) -> Iterator[Connection]:
    connection = open_connection(driver_sandbox)
    yield connection
    connection.close()


def test_there_are_34_tables() -> None:
    assert len(DRIVER_TABLES) == 34 == len(set(DRIVER_TABLES))


@pytest.mark.parametrize("name", [*DRIVER_TABLES, *(v for v in DRIVER_VIEWS if v not in NOT_YET)])
def test_select_star_limit_5_returns_rows(name: str, conn: Connection, driver_sandbox: Sandbox) -> None:
    driver_sandbox.reset_stats()
    cur = conn.cursor()
    cur.execute(f"SELECT * FROM [{name}] LIMIT 5")
    rows = cur.fetchall()
    assert 1 <= len(rows) <= 5, name
    assert driver_sandbox.stats()["total"] >= 1  # read from the API, not made up


def test_sys_tables_lists_every_name_with_a_description(conn: Connection) -> None:
    cur = conn.cursor()
    cur.execute("SELECT TableName, TableType, Description FROM sys_tables")
    listed = {name: (kind, description) for name, kind, description in cur.fetchall()}
    for name in [*DRIVER_TABLES, *DRIVER_VIEWS]:
        if name in NOT_YET:
            continue
        assert name in listed, name
        assert listed[name][1], f"{name} has no description"
    # The commercial driver's names for two of our tables are synonyms, listed as views.
    assert listed["DealsParticipants"][0] == "VIEW" and "DealParticipants" in listed["DealsParticipants"][1]
    assert listed["DealsProducts"][0] == "VIEW" and "DealProducts" in listed["DealsProducts"][1]


def test_a_synonym_reads_what_its_table_reads(conn: Connection) -> None:
    cur = conn.cursor()
    cur.execute("SELECT * FROM DealsProducts WHERE DealId IN (1, 2, 3) ORDER BY Id")
    synonym = cur.fetchall()
    cur.execute("SELECT * FROM DealProducts WHERE DealId IN (1, 2, 3) ORDER BY Id")
    assert synonym == cur.fetchall() and synonym


def test_child_collections_push_the_parent_id_down(conn: Connection, driver_sandbox: Sandbox) -> None:
    cur = conn.cursor()
    cur.execute("EXPLAIN SELECT * FROM DealsFollowers WHERE DealId IN (4, 5)")
    names = [c[0] for c in cur.description or []]
    row: dict[str, Any] = dict(zip(names, cur.fetchone() or (), strict=True))
    assert row["Requests"] == ["GET /api/v2/deals/{id}/followers"] * 2  # one per deal asked for
    cur.execute("EXPLAIN SELECT * FROM DealsFollowers")
    row = dict(zip(names, cur.fetchone() or (), strict=True))
    assert row["Requests"][0].startswith("(ids from) GET /api/v2/deals")
    assert row["Requests"][-1] == "GET /api/v2/deals/{id}/followers for each deal"
    driver_sandbox.reset_stats()
    cur.execute("SELECT DealId, UserId FROM DealsFollowers WHERE DealId = 4")
    followers = cur.fetchall()
    stats = driver_sandbox.stats()
    assert stats["by_operation"] == {"GET /api/v2/deals/{id}/followers": 1}
    owner = driver_sandbox.store.get("deal", 4)["owner_id"]
    assert (4, owner) in followers  # the sandbox's owners follow what they own


def test_new_system_tables_come_from_the_catalog(conn: Connection) -> None:
    cur = conn.cursor()
    cur.execute("SELECT CatalogName, SchemaName FROM sys_schemas")
    assert cur.fetchall() == [("Pipedrive", "Pipedrive")]
    cur.execute("SELECT CatalogName FROM sys_catalogs")
    assert cur.fetchall() == [("Pipedrive",)]
    cur.execute(
        "SELECT TableName, ColumnName FROM sys_primarykeys WHERE TableName IN ('Deals', 'NoteComments')"
    )
    assert sorted(cur.fetchall()) == [("Deals", "Id"), ("NoteComments", "Id")]
    cur.execute("SELECT IndexName, ColumnName, Type FROM sys_indexes WHERE TableName = 'DealsFollowers'")
    assert ("IX_DealsFollowers_DealId", "DealId", "parent id") in cur.fetchall()
    cur.execute("SELECT TableName, ColumnName FROM sys_identity WHERE TableName = 'Deals'")
    assert cur.fetchall() == [("Deals", "Id")]
    cur.execute("SELECT Product, Datasource FROM sys_information")
    assert cur.fetchall() == [("pipedrive-sql", "Pipedrive")]
