"""What a write does besides storing values: the side effects Pipedrive applies when a record changes
(status times, stage moves, name parts, owners...), what it refuses (``StoreError``), and what a merge
moves from the merged-away record to the one that remains.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipedrive_sandbox.store import Store

Record = dict[str, Any]


class StoreError(Exception):
    """A write the store refuses; ``status`` and ``message`` become the API's error response."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _deal_rule(store: Store, old: Record | None, changes: Record, user_id: int | None, now: int) -> None:
    if old is None:
        changes.setdefault("creator_user_id", user_id or store.main_user_id)
        changes.setdefault("owner_id", user_id or store.main_user_id)
        changes.setdefault("currency", store.default_currency)
        changes.setdefault("value", 0.0)
        changes.setdefault("status", "open")
        changes.setdefault("visible_to", 3)
        changes.setdefault("origin", "API")
        changes.setdefault("stage_change_time", now)
        if "stage_id" not in changes:
            pipeline_id = changes.get("pipeline_id") or min(
                p["id"] for p in store.tables["pipeline"].values() if not p.get("is_deleted")
            )
            changes["stage_id"] = _first_stage(store, pipeline_id)
    if "stage_id" in changes and changes["stage_id"] is not None:
        stage = store.tables["stage"][changes["stage_id"]]
        changes["pipeline_id"] = stage["pipeline_id"]
        if old is not None and old.get("stage_id") != changes["stage_id"]:
            changes["stage_change_time"] = now
    elif "pipeline_id" in changes and old is not None and changes["pipeline_id"] != old.get("pipeline_id"):
        changes["stage_id"] = _first_stage(store, changes["pipeline_id"])
        changes["stage_change_time"] = now
    status = changes.get("status")
    if status is not None and (old is None or old.get("status") != status):
        if status == "open":
            changes.update(close_time=None, won_time=None, lost_time=None)
        else:
            changes.setdefault("close_time", now)
            changes.setdefault("won_time" if status == "won" else "lost_time", now)
            changes["lost_time" if status == "won" else "won_time"] = None
            if status == "won":
                changes["lost_reason"] = None
    if changes.get("is_archived") and not (old or {}).get("is_archived"):
        changes.setdefault("archive_time", now)
    elif changes.get("is_archived") is False:
        changes["archive_time"] = None
        changes["is_archived"] = None


def _first_stage(store: Store, pipeline_id: int) -> int:
    stages = [
        s
        for s in store.tables["stage"].values()
        if s["pipeline_id"] == pipeline_id and not s.get("is_deleted")
    ]
    if not stages:
        raise StoreError(400, f"Pipeline {pipeline_id} has no stages")
    return int(min(stages, key=lambda s: (s["order_nr"], s["id"]))["id"])


def _person_rule(store: Store, old: Record | None, changes: Record, user_id: int | None, now: int) -> None:
    if old is None:
        changes.setdefault("owner_id", user_id or store.main_user_id)
        changes.setdefault("visible_to", 3)
    if "name" in changes and changes["name"] is not None and "first_name" not in changes:
        first, _, last = changes["name"].partition(" ")
        changes["first_name"] = first
        changes["last_name"] = last or None


def _owned_rule(store: Store, old: Record | None, changes: Record, user_id: int | None, now: int) -> None:
    if old is None:
        changes.setdefault("owner_id", user_id or store.main_user_id)
        changes.setdefault("visible_to", 3)


def _activity_rule(store: Store, old: Record | None, changes: Record, user_id: int | None, now: int) -> None:
    if old is None:
        changes.setdefault("owner_id", user_id or store.main_user_id)
        changes.setdefault("creator_user_id", user_id or store.main_user_id)
        changes.setdefault("type", "task")
        changes.setdefault("done", False)
        changes.setdefault("busy", False)
    if "done" in changes and changes["done"] is not None and changes["done"] != (old or {}).get("done"):
        changes["marked_as_done_time"] = now if changes["done"] else None


def _product_rule(store: Store, old: Record | None, changes: Record, user_id: int | None, now: int) -> None:
    _owned_rule(store, old, changes, user_id, now)
    if old is None:
        changes.setdefault("is_linkable", True)
        changes.setdefault("tax", 0.0)
        changes.setdefault("billing_frequency", "one-time")
        changes.setdefault("prices", ((store.default_currency, 0.0, 0.0, None),))


def _lead_rule(store: Store, old: Record | None, changes: Record, user_id: int | None, now: int) -> None:
    if old is None:
        changes.setdefault("owner_id", user_id or store.main_user_id)
        changes.setdefault("creator_id", user_id or store.main_user_id)
        changes.setdefault("label_ids", ())
        changes.setdefault("source_name", "API")
        changes.setdefault("origin", "API")
        changes.setdefault("is_archived", False)
        changes.setdefault("was_seen", False)
        changes.setdefault("visible_to", "3")


def _note_rule(store: Store, old: Record | None, changes: Record, user_id: int | None, now: int) -> None:
    if old is None:
        changes.setdefault("user_id", user_id or store.main_user_id)
    changes["last_update_user_id"] = user_id or store.main_user_id


RULES: dict[str, Callable[[Store, Record | None, Record, int | None, int], None]] = {
    "deal": _deal_rule,
    "person": _person_rule,
    "organization": _owned_rule,
    "activity": _activity_rule,
    "product": _product_rule,
    "lead": _lead_rule,
    "note": _note_rule,
}

LABEL = {
    "deal": "Deal",
    "person": "Person",
    "organization": "Organization",
    "activity": "Activity",
    "product": "Product",
    "pipeline": "Pipeline",
    "stage": "Stage",
}
NO_MERGE = frozenset({"id", "add_time", "update_time", "is_deleted", "is_archived", "archive_time"})
# (related kind, key) pairs whose records follow a merged record to the surviving one.
MERGE_LINKS: dict[str, tuple[tuple[str, str], ...]] = {
    "deal": (
        ("activity", "deal_id"),
        ("note", "deal_id"),
        ("file", "deal_id"),
        ("participant", "deal_id"),
        ("deal_product", "deal_id"),
    ),
    "person": (
        ("deal", "person_id"),
        ("activity", "person_id"),
        ("note", "person_id"),
        ("file", "person_id"),
        ("participant", "person_id"),
        ("lead", "person_id"),
    ),
    "organization": (
        ("person", "org_id"),
        ("deal", "org_id"),
        ("activity", "org_id"),
        ("note", "org_id"),
        ("file", "org_id"),
        ("lead", "organization_id"),
    ),
}


def union_contacts(first: tuple[Any, ...], second: tuple[Any, ...]) -> tuple[Any, ...]:
    seen = {entry[0] for entry in first}
    extra = tuple((value, label, False) for value, label, _primary in second if value not in seen)
    return tuple(first) + extra
