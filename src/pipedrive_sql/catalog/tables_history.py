"""History, which the commercial drivers do not have: the field-level change logs of deals, persons and
organizations, every deal's stage and status intervals, and the update flows.

- ``DealChanges``/``PersonChanges``/``OrganizationChanges``: one row per changed field (field, old value,
  new value, time, user), from ``GET /v1/{deals,persons,organizations}/{id}/changelog``;
- ``DealStageHistory``: one row per stage (and per status) each deal was in, with the times it entered
  and left it and the days it stayed, derived from the same change log;
- ``DealUpdates``/``PersonUpdates``/``OrganizationUpdates``: the flows (``/v1/.../{id}/flow``).

All are read one request per record. A condition on the id column reads only those records; a lower
bound on the time columns (``Time >= ...``, ``EnteredTime >= ...``, ``LeftTime >= ...``) narrows the scan
of the parents to those updated since then (a change at time T updates its record at T), which EXPLAIN
shows as ``updated_since`` on the parent's request.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pipedrive_sql.catalog.declare import c
from pipedrive_sql.catalog.spec import Column, Pushdown, Source, TableSpec
from pipedrive_sql.catalog.tables_collab import parent
from pipedrive_sql.catalog.types import BIGINT, BOOLEAN, DOUBLE, JSON, TIMESTAMP, VARCHAR

__all__ = ["HISTORY_TABLES", "stage_intervals"]

Record = dict[str, Any]
_SINCE = "updated_since"


def _changes(name: str, segment: str, table: str, column: str, what: str) -> TableSpec:
    return TableSpec(
        name=name,
        endpoint=f"/api/v1/{segment}/{{id}}/changelog",
        columns=(
            parent(column, table, f"The {what}."),
            c("field_key", VARCHAR, "The field that changed (its API key; custom fields by hash)."),
            c("old_value", VARCHAR, "The value before, as text."),
            c("new_value", VARCHAR, "The value after, as text."),
            c("actor_user_id", BIGINT, "The user who made the change.", references=("Users", "Id")),
            c("time", TIMESTAMP, "When."),
            c("change_source", VARCHAR, "app, api, ..."),
            Column(
                "IsBulkUpdate", BOOLEAN, ("is_bulk_update_flag",), description="Whether it was a bulk edit."
            ),
        ),
        description=f"Every field change of every {what}: one request per {what}. {column} = n reads one; "
        f"Time >= '...' scans only the {table.lower()} updated since then.",
        source=Source(table=table, column=column, batch=1, parent_params=(_SINCE,)),
        pushdowns=(Pushdown("Time", _SINCE, "lower", "timestamp"),),
        sort_style="",
        limit_pushable=False,
        kind="VIEW",
    )


DEAL_CHANGES = _changes("DealChanges", "deals", "Deals", "DealId", "deal")
PERSON_CHANGES = _changes("PersonChanges", "persons", "Persons", "PersonId", "person")
ORGANIZATION_CHANGES = _changes(
    "OrganizationChanges", "organizations", "Organizations", "OrganizationId", "organization"
)


def _when(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _number(text: Any) -> int | None:
    try:
        return int(str(text))
    except (TypeError, ValueError):
        return None


def stage_intervals(records: list[Record]) -> list[Record]:
    """One deal's change log -> its stage and status intervals, oldest first.

    Each ``stage_id`` change closes the interval of the stage before it and opens one for the new stage
    (the pipeline is the one in effect then); ``status`` changes likewise. The last interval of each kind
    is the current one (``LeftTime`` null; ``Days`` counts to the last change the log knows)."""
    # The API lists newest first; reversed, a stable sort keeps the log's order among equal times
    # (a deal's pipeline, stage and status all set when it was added).
    timed = [(moment, r) for r in reversed(records) if (moment := _when(r.get("time"))) is not None]
    ordered = [r for _, r in sorted(timed, key=lambda pair: pair[0])]
    rows: list[Record] = []
    open_rows: dict[str, Record] = {}
    pipeline: int | None = None
    for entry in ordered:
        key = entry.get("field_key")
        moment = _when(entry["time"])
        assert moment is not None
        if key == "pipeline_id":
            pipeline = _number(entry.get("new_value"))
            continue
        if key not in ("stage_id", "status"):
            continue
        kind = "stage" if key == "stage_id" else "status"
        previous = open_rows.pop(kind, None)
        if previous is not None:
            previous["left_time"] = entry["time"]
            previous["days"] = round((moment - previous["_entered"]).total_seconds() / 86_400, 4)
            previous["is_current"] = False
        row: Record = {
            "change_type": kind,
            "stage_id": _number(entry.get("new_value")) if kind == "stage" else None,
            "pipeline_id": pipeline if kind == "stage" else None,
            "status": entry.get("new_value") if kind == "status" else None,
            "entered_time": entry["time"],
            "left_time": None,
            "days": None,
            "is_current": True,
            "entered_by_user_id": entry.get("actor_user_id"),
            "_entered": moment,
        }
        rows.append(row)
        open_rows[kind] = row
    for row in rows:
        del row["_entered"]
    return rows


DEAL_STAGE_HISTORY = TableSpec(
    name="DealStageHistory",
    endpoint="/api/v1/deals/{id}/changelog",
    columns=(
        parent("DealId", "Deals", "The deal."),
        c("change_type", VARCHAR, "stage (a stage interval) or status (an open/won/lost interval)."),
        c("stage_id", BIGINT, "The stage the deal was in (stage rows).", references=("Stages", "Id")),
        c("pipeline_id", BIGINT, "The stage's pipeline (stage rows)."),
        c("status", VARCHAR, "open, won or lost (status rows)."),
        c("entered_time", TIMESTAMP, "When the deal entered the stage or status."),
        c("left_time", TIMESTAMP, "When it left; null while it is still there."),
        c("days", DOUBLE, "Days between entering and leaving; null while still there."),
        c("is_current", BOOLEAN, "Whether the deal is still there."),
        c(
            "entered_by_user_id",
            BIGINT,
            "The user whose change moved the deal there.",
            references=("Users", "Id"),
        ),
    ),
    description="Every stage and status each deal went through, with entered and left times (from the "
    "deals' change logs): stage durations, pipeline velocity and win rates by stage in one query. "
    "DealId = n reads one deal; EnteredTime/LeftTime >= '...' scans only deals updated since then.",
    source=Source(table="Deals", column="DealId", batch=1, parent_params=(_SINCE,)),
    pushdowns=(
        Pushdown("EnteredTime", _SINCE, "lower", "timestamp"),
        Pushdown("LeftTime", _SINCE, "lower", "timestamp"),
    ),
    reshape=stage_intervals,
    limit_pushable=False,
    sort_style="",
    kind="VIEW",
)


def _updates(name: str, segment: str, table: str, column: str, what: str) -> TableSpec:
    return TableSpec(
        name=name,
        endpoint=f"/api/v1/{segment}/{{id}}/flow",
        columns=(
            parent(column, table, f"The {what}."),
            c("object", VARCHAR, f"{what}Change, note, activity, mailMessage, file, ..."),
            c("timestamp", TIMESTAMP, "When."),
            Column("Data", JSON, ("data",), description="The update itself (a change, a note, ...) as JSON."),
        ),
        description=f"The update flow of each {what}, newest first: one request per {what}.",
        source=Source(table=table, column=column, batch=1),
        sort_style="",
        kind="VIEW",
    )


DEAL_UPDATES = _updates("DealUpdates", "deals", "Deals", "DealId", "deal")
PERSON_UPDATES = _updates("PersonUpdates", "persons", "Persons", "PersonId", "person")
ORGANIZATION_UPDATES = _updates(
    "OrganizationUpdates", "organizations", "Organizations", "OrganizationId", "organization"
)

HISTORY_TABLES: tuple[TableSpec, ...] = (
    DEAL_STAGE_HISTORY,
    DEAL_CHANGES,
    PERSON_CHANGES,
    ORGANIZATION_CHANGES,
    DEAL_UPDATES,
    PERSON_UPDATES,
    ORGANIZATION_UPDATES,
)
