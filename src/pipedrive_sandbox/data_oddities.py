"""The records that trip query engines (``SandboxConfig.oddities``): merged deals, persons and
organizations (the merged-away record deleted, its related items moved to the survivor) and sparse
records whose optional fields are all empty. Drawn from a random stream of their own."""

from __future__ import annotations

import random
from typing import Any

from pipedrive_sandbox.data_gen import GenBase
from pipedrive_sandbox.data_vocab import DAY, HISTORY_END, HISTORY_START, Record


class OdditiesGen(GenBase):
    """Merged records and sparse ones (``SandboxConfig.oddities``)."""

    def oddities(self, user_ids: list[int]) -> None:
        """Merged records and sparse ones, drawn from a random stream of their own (the rest stays the same)."""
        rng = random.Random(self.seed * 7_919 + 17)
        tables = self.tables
        for kind, pairs in (("deal", 3), ("person", 3), ("organization", 2)):
            alive = [i for i, r in tables[kind].items() if not r.get("is_deleted")]
            for _ in range(pairs):
                source, target = rng.sample(alive, 2)
                alive.remove(source)
                _merge(tables, kind, source, target, HISTORY_END - int(rng.random() * 20 * DAY))
        alive = [r for r in tables["deal"].values() if not r.get("is_deleted") and not r.get("is_archived")]
        gone = rng.choice(alive)  # archived, then deleted: ArchivedDeals with Status = 'deleted'
        gone.update(is_archived=True, archive_time=gone["update_time"], is_deleted=True)
        stage = min(tables["stage"].values(), key=lambda s: s["id"])
        owner = user_ids[0]
        sparse: list[tuple[str, Record]] = []
        for index in range(4):
            when = HISTORY_START + int(rng.random() * (HISTORY_END - HISTORY_START))
            base = {"add_time": when, "update_time": when, "owner_id": owner}
            sparse += [
                ("deal", {**base, "title": f"Sparse deal {index}", "status": ("open", "won", "lost", "open")[index],
                          "pipeline_id": stage["pipeline_id"], "stage_id": stage["id"], "currency": "EUR",
                          "value": None if index % 2 else 0.0}),
                ("person", {**base, "name": f"Sparse person {index}"}),
                ("organization", {**base, "name": f"Sparse organization {index}"}),
                ("activity", {**base, "subject": None if index % 2 else "", "type": "task", "done": index == 3}),
                ("product", {**base, "name": f"Sparse product {index}", "prices": ()}),
            ]  # fmt: skip
        for kind, record in sparse:
            record["id"] = max(tables[kind], default=0) + 1
            tables[kind][record["id"]] = record


# Related items that follow a merged record to the one that remains (as the store's merge moves them).
_MERGE_LINKS: dict[str, tuple[tuple[str, str], ...]] = {
    "deal": (("activity", "deal_id"), ("note", "deal_id"), ("file", "deal_id"), ("participant", "deal_id"),
             ("deal_product", "deal_id")),
    "person": (("deal", "person_id"), ("activity", "person_id"), ("note", "person_id"), ("file", "person_id"),
               ("participant", "person_id"), ("lead", "person_id")),
    "organization": (("person", "org_id"), ("deal", "org_id"), ("activity", "org_id"), ("note", "org_id"),
                     ("file", "org_id"), ("lead", "organization_id")),
}  # fmt: skip


def _merge(tables: dict[str, dict[Any, Record]], kind: str, source_id: int, target_id: int, now: int) -> None:
    """Record ``source_id`` merged into ``target_id``: the target fills its gaps from the source and takes
    over its related items; the source is deleted."""
    source, target = tables[kind][source_id], tables[kind][target_id]
    for key, value in source.items():
        if key not in target and key not in ("id", "is_deleted", "is_archived", "archive_time"):
            target[key] = value
    for related, key in _MERGE_LINKS[kind]:
        for record in tables.get(related, {}).values():
            if record.get(key) == source_id:
                record[key] = target_id
                record["update_time"] = max(record.get("update_time") or 0, now)
    target["update_time"] = max(target.get("update_time") or 0, now)
    source["is_deleted"] = True
    source["update_time"] = max(source.get("update_time") or 0, now)
