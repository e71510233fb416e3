"""Join-key pushdown: the side of a join already narrowed by its own conditions hands its keys to the other.

``SELECT d.Title, p.Name FROM Deals d JOIN Persons p ON p.Id = d.PersonId WHERE d.Id < 50`` reads the
few deals with an id below 50, and then only the persons those deals name (``ids``, 100 a request),
instead of every person. A row of the keyed side whose key none of the driving side's records carry could
only pair with nothing (inner join) or is dropped by the join anyway (it is the inner side of a LEFT
join), so the result is the same.

The choice is made twice. When planning, a join qualifies if the driving side is narrowed (conditions the
API evaluates, a LIMIT, a sorted-range stop, or a GET by id) and the keyed side would be a full scan whose
key column the API can filter by (its ids, or an id parameter such as ``person_id``, or the parent id of a
child table). When running, the driving side's records are read first (shared with its own scan, so no
request is made twice); if they name more keys than ``KeyFeed.max_keys``, or need more than
``MAX_DRIVER_PAGES`` pages, the keyed side falls back to its own plan.

Costs: the keyed form costs one request per batch of keys (``ids``: 100, a parent id parameter: 100, an id
parameter that takes one value: 1); a full scan costs one request per page of the table, at least one,
and the table's size is unknown before reading it. So keys are pushed only while they fit in
``MAX_KEYED_REQUESTS`` requests (2): never more than one request above a full scan of a one-page table,
and far fewer than a full scan of any table with more than a few pages. EXPLAIN shows both forms.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from pipedrive_sql.catalog.catalog import Catalog
from pipedrive_sql.catalog.spec import Column
from pipedrive_sql.engine.plan_model import KeyFeed, QueryPlan, ScanPlan
from pipedrive_sql.engine.predicates import conjuncts

__all__ = ["MAX_DRIVER_PAGES", "MAX_KEYED_REQUESTS", "push_join_keys", "scan_sources"]

MAX_KEYED_REQUESTS = 2  # keyed requests a scan may make instead of its own plan
MAX_DRIVER_PAGES = 20  # pages of the driving side read ahead to learn its keys before giving up


def push_join_keys(plan: QueryPlan, catalog: Catalog) -> None:
    """Give qualifying scans of ``plan`` a ``KeyFeed`` from the other side of their join (in place)."""
    by_name = {scan.name.lower(): scan for scan in plan.scans}
    for select in plan.tree.find_all(exp.Select):
        sources = scan_sources(select, by_name)
        if len(sources) < 2:
            continue
        for join in select.args.get("joins") or ():
            side = (join.side or "").upper()
            kind = (join.kind or "").upper()
            if side not in ("", "LEFT") or kind not in ("", "INNER", "OUTER"):
                continue
            joined = join.this
            for condition in conjuncts(join.args.get("on")):
                pair = _column_pair(condition, sources)
                if pair is None:
                    continue
                (left, left_col), (right, right_col) = pair
                for keyed, key_col, driver, driver_col in (
                    (left, left_col, right, right_col),
                    (right, right_col, left, left_col),
                ):
                    if side == "LEFT" and not _is_node_of(joined, keyed, sources):
                        continue  # only the inner (right) side of a LEFT join may be narrowed
                    feed = _feed(keyed, key_col, driver, driver_col, catalog)
                    if feed is not None:
                        keyed.keys = feed
                        break


def scan_sources(select: exp.Select, by_name: dict[str, ScanPlan]) -> dict[str, tuple[exp.Table, ScanPlan]]:
    """The scans among a SELECT's FROM and JOIN sources, by alias (lower case)."""
    found: dict[str, tuple[exp.Table, ScanPlan]] = {}
    nodes: list[exp.Expression] = []
    from_ = select.args.get("from_")
    if isinstance(from_, exp.From):
        nodes.append(from_.this)
    nodes.extend(join.this for join in select.args.get("joins") or ())
    for node in nodes:
        if isinstance(node, exp.Table) and isinstance(node.this, exp.Identifier):
            scan = by_name.get(node.name.lower())
            if scan is not None:
                found[(node.alias or node.name).lower()] = (node, scan)
    return found


def _is_node_of(node: exp.Expression, scan: ScanPlan, sources: dict[str, tuple[exp.Table, ScanPlan]]) -> bool:
    return any(table is node and found is scan for table, found in sources.values())


def _column_pair(
    condition: exp.Expression, sources: dict[str, tuple[exp.Table, ScanPlan]]
) -> tuple[tuple[ScanPlan, Column], tuple[ScanPlan, Column]] | None:
    if not isinstance(condition, exp.EQ):
        return None
    a, b = condition.this, condition.expression
    if not isinstance(a, exp.Column) or not isinstance(b, exp.Column):
        return None
    first, second = _resolve(a, sources), _resolve(b, sources)
    if first is None or second is None or first[0] is second[0]:
        return None
    return first, second


def _resolve(
    column: exp.Column, sources: dict[str, tuple[exp.Table, ScanPlan]]
) -> tuple[ScanPlan, Column] | None:
    if column.table:
        found = sources.get(column.table.lower())
        if found is None:
            return None
        spec_column = found[1].table.find_column(column.name)
        return None if spec_column is None else (found[1], spec_column)
    owners = [
        (scan, col)
        for _, scan in sources.values()
        if (col := scan.table.find_column(column.name)) is not None
    ]
    return owners[0] if len(owners) == 1 else None


def narrowed(scan: ScanPlan) -> bool:
    """The scan reads a part of its table that its conditions chose (not the whole table)."""
    if scan.empty or scan.keys is not None or scan.explode or scan.parent is not None:
        return False
    if scan.bounded and scan.calls:
        return True
    return bool(scan.pushed) or scan.limit is not None or any(c.stop is not None for c in scan.calls)


def _feed(
    keyed: ScanPlan, key_col: Column, driver: ScanPlan, driver_col: Column, catalog: Catalog
) -> KeyFeed | None:
    if not narrowed(driver) or keyed.keys is not None or keyed.empty or keyed.explode:
        return None
    if driver_col.type.kind != "int" or key_col.type.kind != "int":
        return None
    if driver_col.getter is not None or len(driver_col.path) != 1 or driver_col.transform is not None:
        return None
    note = f"ids from {driver.alias}.{driver_col.name}"
    spec = keyed.table
    source = spec.source
    if keyed.parent is not None and source is not None and source.column.lower() == key_col.name.lower():
        # A child table read through its parents (DealProducts): the parents are the driver's keys.
        batch = max(source.batch, 1)
        return KeyFeed(
            "", batch, batch * MAX_KEYED_REQUESTS, driver, driver_col.path[0], note=f"{note} (parents)"
        )
    if keyed.parent is not None or len(keyed.calls) != 1 or keyed.bounded:
        return None
    call = keyed.calls[0]
    if call.single or call.max_records is not None or any(k in call.params for k in ("ids", "cursor")):
        return None
    if key_col.key and spec.ids_param:
        batch = spec.ids_batch
        return KeyFeed(
            spec.ids_param, batch, batch * MAX_KEYED_REQUESTS, driver, driver_col.path[0], note=note
        )
    pushdown = next(
        (p for p in spec.pushdowns_for(key_col.name) if p.kind == "eq" and p.value == "int"), None
    )
    if pushdown is None or pushdown.param in call.params:
        return None
    batch = max(pushdown.batch, 1)
    most = batch * min(MAX_KEYED_REQUESTS, pushdown.max_fanout)  # one value a request: two keys at most
    return KeyFeed(pushdown.param, batch, most, driver, driver_col.path[0], note=f"{note} ({pushdown.param})")


def key_value(raw: Any) -> Any:
    """A key as read from a record: an integer id (v1 nests references as ``{"value": id}``)."""
    if isinstance(raw, dict):
        raw = raw.get("value", raw.get("id"))
    if isinstance(raw, bool) or not isinstance(raw, int):
        return None
    return raw
