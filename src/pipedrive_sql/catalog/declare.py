"""Helpers the table declarations share: the column constructor, common pushdowns, visibility rules,
write paths and the nested types of addresses and contacts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipedrive_sql.catalog.naming import pascal_case
from pipedrive_sql.catalog.spec import Column, Pushdown, WriteSpec
from pipedrive_sql.catalog.types import BOOLEAN, VARCHAR, ColumnType, list_of, struct_of

# Fields the API sets itself: writes refuse them.
READ_ONLY = {
    "id",
    "add_time",
    "update_time",
    "creator_user_id",
    "creator_id",
    "is_deleted",
    "stage_change_time",
    "won_time",
    "lost_time",
    "close_time",
    "archive_time",
    "marked_as_done_time",
    "last_update_user_id",
    "arr",
    "mrr",
    "acv",
}

REFERENCES = {
    "owner_id": ("Users", "Id"),
    "user_id": ("Users", "Id"),
    "creator_user_id": ("Users", "Id"),
    "creator_id": ("Users", "Id"),
    "last_update_user_id": ("Users", "Id"),
    "person_id": ("Persons", "Id"),
    "org_id": ("Organizations", "Id"),
    "organization_id": ("Organizations", "Id"),
    "pipeline_id": ("Pipelines", "Id"),
    "stage_id": ("Stages", "Id"),
    "deal_id": ("Deals", "Id"),
    "product_id": ("Products", "Id"),
    "lead_id": ("Leads", "Id"),
    "activity_id": ("Activities", "Id"),
}


def c(
    api: str,
    ctype: ColumnType,
    description: str = "",
    *,
    name: str | None = None,
    path: tuple[str, ...] | None = None,
    references: tuple[str, str] | None = None,
    read_only: bool | None = None,
    **kw: Any,
) -> Column:
    """A column read from field ``api`` (or ``path``), named in PascalCase."""
    return Column(
        name=name or pascal_case(api),
        type=ctype,
        path=path or (api,),
        description=description,
        key=api == "id",
        nullable=api != "id",
        read_only=api in READ_ONLY if read_only is None else read_only,
        references=references if references is not None else REFERENCES.get(api),
        **kw,
    )


def id_pushdowns(*names: str) -> tuple[Pushdown, ...]:
    return tuple(Pushdown(pascal_case(n), n) for n in names)


def updated_pushdowns(*, until: bool = True) -> tuple[Pushdown, ...]:
    lower = Pushdown("UpdateTime", "updated_since", "lower", "timestamp")
    upper = Pushdown("UpdateTime", "updated_until", "upper", "timestamp")
    return (lower, upper) if until else (lower,)


def not_deleted(record: Mapping[str, Any]) -> bool:
    return not record.get("is_deleted")


def active_deal(record: Mapping[str, Any]) -> bool:
    return not record.get("is_archived")  # deleted deals included, as the list with every status reads them


def archived_deal(record: Mapping[str, Any]) -> bool:
    return bool(record.get("is_archived"))


# Every status, deleted included: Deals and ArchivedDeals hold deals of every status (docs/tables.md).
EVERY_STATUS = {"status": "open,won,lost,deleted"}


def primary(contacts: Any) -> Any:
    """The value of the primary entry of a list of emails or phones (else the first one)."""
    if not isinstance(contacts, list):
        return None
    entries = [e for e in contacts if isinstance(e, dict)]
    chosen = next((e for e in entries if e.get("primary")), entries[0] if entries else None)
    return None if chosen is None else chosen.get("value")


def v2_writes(entity: str) -> WriteSpec:
    return WriteSpec(f"/api/v2/{entity}", f"/api/v2/{entity}/{{id}}", "PATCH", f"/api/v2/{entity}/{{id}}")


def v1_writes(entity: str, method: str = "PUT") -> WriteSpec:
    return WriteSpec(f"/api/v1/{entity}", f"/api/v1/{entity}/{{id}}", method, f"/api/v1/{entity}/{{id}}")


V2_SORT = {"Id": "id", "AddTime": "add_time", "UpdateTime": "update_time"}

ADDRESS = struct_of(
    value=VARCHAR,
    country=VARCHAR,
    admin_area_level_1=VARCHAR,
    admin_area_level_2=VARCHAR,
    locality=VARCHAR,
    sublocality=VARCHAR,
    route=VARCHAR,
    street_number=VARCHAR,
    subpremise=VARCHAR,
    postal_code=VARCHAR,
)
CONTACT = struct_of(value=VARCHAR, primary=BOOLEAN, label=VARCHAR)
CONTACTS = list_of(CONTACT)
