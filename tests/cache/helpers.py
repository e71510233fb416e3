"""Helpers of the cache and sync tests: random writes to a sandbox over HTTP, and tables compared by id."""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

import httpx
import pyarrow as pa

from pipedrive_sql.cache.changes import full_read
from pipedrive_sql.catalog.arrow import RowConverter
from pipedrive_sql.catalog.spec import TableSpec

# Tables with a change feed (and one without) whose cached copies the tests compare with the API.
CHECKED = ("Deals", "ArchivedDeals", "Persons", "Organizations", "Activities", "Products", "Stages")

_ENTITY_PATHS = {
    "deal": "deals",
    "person": "persons",
    "organization": "organizations",
    "activity": "activities",
    "product": "products",
}
_NAME_KEYS = {
    "deal": "title",
    "person": "name",
    "organization": "name",
    "activity": "subject",
    "product": "name",
}


def api(sb: Any) -> httpx.Client:
    return httpx.Client(base_url=sb.url, headers={"x-api-token": sb.api_token}, timeout=30)


def live_ids(sb: Any, kind: str) -> list[Any]:
    return sorted(i for i, r in sb.store.tables[kind].items() if not r.get("is_deleted"))


def custom_codes(sb: Any, entity: str) -> list[str]:
    return [d["code"] or d["v1_key"] for d in sb.store.fields(entity) if d["custom"]]


def mutate(sb: Any, http: httpx.Client, op: str, kind: str, pick: int) -> None:
    """One random write of kind ``op`` to an entity of ``kind``; ``pick`` chooses among existing records."""
    rng = random.Random(pick)
    path = _ENTITY_PATHS[kind]
    ids = live_ids(sb, kind)
    target = ids[pick % len(ids)] if ids else None
    name = f"{op}-{pick}"
    if op == "create" or target is None:
        body: dict[str, Any] = {_NAME_KEYS[kind]: name}
        if kind == "activity":
            body["type"] = "call"
        http.post(f"/api/v2/{path}", json=body)
    elif op == "update":
        body = {_NAME_KEYS[kind]: name}
        codes = custom_codes(sb, kind) if kind in ("deal", "person", "organization") else []
        varchar = [
            d["code"] for d in sb.store.fields(kind) if d["custom"] and d["field_type"] in ("varchar", "text")
        ]
        if varchar and rng.random() < 0.5:
            body["custom_fields"] = {rng.choice(varchar): name}
        del codes
        http.patch(f"/api/v2/{path}/{target}", json=body)
    elif op == "delete":
        http.delete(f"/api/v2/{path}/{target}")
    elif op == "wait":
        # Days pass (the sandbox clock): deleted deals older than its deleted_deal_days leave the lists.
        sb.advance_clock(86_400 * (1 + pick % 9))
    elif op == "archive" and kind == "deal":
        http.patch(f"/api/v2/deals/{target}", json={"is_archived": rng.random() < 0.7})
    elif op == "merge" and kind in ("person", "organization") and len(ids) > 2:
        other = ids[(pick + 1 + rng.randrange(len(ids) - 1)) % len(ids)]
        if other != target:
            http.put(f"/api/v1/{path}/{target}/merge", json={"merge_with_id": other})
    elif op == "field" and kind in ("deal", "person", "organization"):
        fields_path = f"/api/v2/{kind}Fields"
        custom = [d for d in sb.store.fields(kind) if d["custom"]]
        choice = rng.random()
        if choice < 0.4 or not custom:
            http.post(fields_path, json={"field_name": f"Added {pick}", "field_type": "varchar"})
        elif choice < 0.75:
            code = custom[pick % len(custom)]["code"]
            http.patch(f"{fields_path}/{code}", json={"field_name": f"Renamed {pick}"})
        else:
            code = custom[pick % len(custom)]["code"]
            http.delete(f"{fields_path}/{code}")
    else:
        http.patch(f"/api/v2/{path}/{target}", json={_NAME_KEYS[kind]: name})


def as_table(spec: TableSpec, records: Iterable[dict[str, Any]]) -> pa.Table:
    """Records as the table a query sees, sorted by id (rows compared independent of their order)."""
    converter = RowConverter(spec.columns)
    rows = sorted(records, key=lambda r: str(r.get("id")))
    table = pa.Table.from_batches([converter.batch(rows)], schema=converter.schema) if rows else None
    return table if table is not None else converter.schema.empty_table()


def source_table(conn: Any, name: str) -> pa.Table:
    """A fresh full read of table ``name`` through the connection's client (its current columns). Its ids
    are checked against what a query of the table returns without any cache (``SELECT Id``): a full read
    reads the table's meaning (Deals: deleted deals included), not the API's default list."""
    spec = conn.catalog.table(name)
    table = as_table(spec, full_read(conn.client, spec).upserts)
    assert spec.key_column is not None
    key = spec.key_column.name
    cursor = conn.cursor()
    cursor.execute(f'SELECT "{key}" FROM "{spec.name}"')
    queried = sorted((r[0] for r in cursor.fetchall()), key=str)
    assert sorted(table.column(key).to_pylist(), key=str) == queried, f"{name}: full read != query"
    return table


def diff(left: pa.Table, right: pa.Table) -> str:
    """ "" when equal; otherwise a short description for the assertion message."""
    if left.equals(right):
        return ""
    a, b = left.to_pylist(), right.to_pylist()
    ids_a = {r[left.column_names[0]] for r in a}
    ids_b = {r[right.column_names[0]] for r in b}
    if left.column_names != right.column_names:
        return f"columns differ: {left.column_names} vs {right.column_names}"
    if ids_a != ids_b:
        return f"ids only in cache {sorted(ids_a - ids_b, key=str)[:5]}, only in source {sorted(ids_b - ids_a, key=str)[:5]}"
    for x, y in zip(a, b, strict=True):
        if x != y:
            changed = {k: (x[k], y[k]) for k in x if x[k] != y.get(k)}
            return f"row {x[left.column_names[0]]} differs: {changed}"
    return "tables differ"
