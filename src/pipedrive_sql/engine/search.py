"""Search pushdown: equality and prefix filters on the fields Pipedrive's search endpoints index.

``SELECT * FROM Persons WHERE Email = 'x@y.z'`` asks ``/api/v2/persons/search?term=x@y.z&fields=email&
exact_match=true`` for the matching ids and reads only those persons (``ids``, 100 a request): one
request when nobody matches, two when someone does, where a full scan reads every person.

Search is exact enough only as a superset, and that is all it is used for: ``exact_match`` compares whole
values without regard to case, and a person matches on any of their emails (the ``Email`` column is the
primary one); a prefix (``LIKE 'Ann%'``) is searched without ``exact_match``, which finds every value
containing the term. The condition stays in the SQL DuckDB runs, so the rows are exactly the unpushed
plan's. A search is used only where the scan would otherwise read the whole table, and when it finds
more than ``MAX_KEYED_REQUESTS`` requests' worth of ids the scan falls back to its own plan.
"""

from __future__ import annotations

import re

from sqlglot import exp

from pipedrive_sql.engine.joinkeys import MAX_KEYED_REQUESTS, scan_sources
from pipedrive_sql.engine.plan_model import Call, KeyFeed, QueryPlan, ScanPlan
from pipedrive_sql.engine.predicates import conjuncts, literal_value

__all__ = ["SEARCHABLE", "push_searches"]

# table -> {column: the search endpoint's ``fields`` value}
SEARCHABLE: dict[str, dict[str, str]] = {
    "Persons": {"Name": "name", "Email": "email", "Phone": "phone"},
    "Organizations": {"Name": "name"},
    "Deals": {"Title": "title"},
    "Products": {"Name": "name", "Code": "code"},
    "Leads": {"Title": "title"},
}
_SEARCH_PATHS = {
    "Persons": "/api/v2/persons/search",
    "Organizations": "/api/v2/organizations/search",
    "Deals": "/api/v2/deals/search",
    "Products": "/api/v2/products/search",
    "Leads": "/api/v2/leads/search",
}
# A plain prefix: letters, digits and a few separators, no LIKE wildcard (% or _) before the final %.
_PREFIX = re.compile(r"^(?:[^\W_]|[ .@+-]){2,}%$")
_PER_ID_GETS = 10  # tables without an ids parameter read found ids one GET each, up to this many


def push_searches(plan: QueryPlan) -> None:
    """Give full scans filtered on a searchable column a ``KeyFeed`` from the search endpoint (in place)."""
    by_name = {scan.name.lower(): scan for scan in plan.scans}
    for select in plan.tree.find_all(exp.Select):
        sources = scan_sources(select, by_name)
        where = select.args.get("where")
        if not sources or where is None:
            continue
        for condition in conjuncts(where.this):
            found = _search_term(condition, sources)
            if found is None:
                continue
            scan, field, term, exact = found
            feed = _feed(scan, field, term, exact)
            if feed is not None:
                scan.keys = feed


def _search_term(
    condition: exp.Expression, sources: dict[str, tuple[exp.Table, ScanPlan]]
) -> tuple[ScanPlan, str, str, bool] | None:
    if isinstance(condition, exp.EQ):
        column, literal, exact = condition.this, condition.expression, True
        if not isinstance(column, exp.Column):
            column, literal = literal, column
    elif isinstance(condition, exp.Like) and not isinstance(condition.parent, exp.Not):
        column, literal, exact = condition.this, condition.expression, False
    else:
        return None
    if not isinstance(column, exp.Column):
        return None
    value = literal_value(literal)
    if not isinstance(value, str):
        return None
    if exact:
        term = value.strip()
        if not term or term != value:
            return None
    else:
        if not _PREFIX.match(value):
            return None
        term = value[:-1]
        if term.strip() != term:
            return None
    scan = _owner(column, sources)
    if scan is None:
        return None
    fields = SEARCHABLE.get(scan.table.name, {})
    spec_column = scan.table.find_column(column.name)
    if spec_column is None or spec_column.name not in fields:
        return None
    return scan, fields[spec_column.name], term, exact


def _owner(column: exp.Column, sources: dict[str, tuple[exp.Table, ScanPlan]]) -> ScanPlan | None:
    if column.table:
        found = sources.get(column.table.lower())
        return None if found is None else found[1]
    owners = [scan for _, scan in sources.values() if scan.table.find_column(column.name) is not None]
    return owners[0] if len(owners) == 1 else None


def _feed(scan: ScanPlan, field: str, term: str, exact: bool) -> KeyFeed | None:
    """A search feed when the scan would read its whole table (one plain call, nothing pushed)."""
    spec = scan.table
    if scan.keys is not None or scan.empty or scan.parent is not None or scan.explode or len(scan.calls) != 1:
        return None
    call = scan.calls[0]
    if call.single or call.max_records is not None or call.stop is not None:
        return None
    if dict(call.params) != {
        **spec.list_params(),
        **({"limit": call.params["limit"]} if "limit" in call.params else {}),
    }:
        return None
    if set(spec.reveal) - {"status"}:
        return None  # hidden rows the search may not find, and no way to read them besides
    also = None
    statuses = str(call.params.get("status", "")).split(",")
    if "deleted" in statuses:
        # Search never finds deleted records: the ids it finds are read with the table's statuses, and
        # the deleted ones (Pipedrive keeps them 30 days) are read whole besides, so the union is a
        # superset of the list's records.
        if statuses == ["deleted"]:
            return None
        also = Call(call.path, {**dict(call.params), "status": "deleted"})
    params = {"term": term, "fields": field, "limit": "500"}
    if exact:
        params["exact_match"] = "true"
    search = Call(_SEARCH_PATHS[spec.name], params)
    note = f"ids from GET {search.path}?term={term}&fields={field}{'&exact_match=true' if exact else ''}"
    if also is not None:
        note += f", and the deleted ones from GET {also.path}?status=deleted"
    if spec.ids_param:
        batch = spec.ids_batch
        return KeyFeed(spec.ids_param, batch, batch * MAX_KEYED_REQUESTS, search=search, note=note, also=also)
    if spec.get_path and also is None:
        return KeyFeed("", 1, _PER_ID_GETS, search=search, note=f"{note}, one GET each")
    return None
