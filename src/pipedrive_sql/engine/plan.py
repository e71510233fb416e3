"""Stage 2: a bound query -> a plan: one scan spec per table reference, and the SQL DuckDB runs over them.

For each table reference the planner decides, from the table's declarations alone:
- which conditions the API evaluates (ids, owner/person/org/... ids, status, update-time ranges), as API
  parameters, batched (ids: 100 per request) or fanned out (one request per value) within MAX_PARTS;
- which columns the scan converts (every column the query can touch; DuckDB cannot push projection);
- ORDER BY and LIMIT/OFFSET, only when provably safe: one table, every WHERE conjunct evaluated exactly by
  the API, no grouping, aggregates, DISTINCT or windows, and an ORDER BY (if any) on one sortable column.
Every condition stays in the SQL DuckDB runs as well, so a pushed condition only ever narrows what is read.

The plan is data (ScanPlan, Call): tests read it without HTTP, EXPLAIN prints it, ``scan`` executes it.

This module finds the table references and plans each one; the rest is split by concept:
    plan_model    the plan as data (QueryPlan, ScanPlan, Call, KeyFeed, SystemRef)
    pushdown      one reference: the conditions the API evaluates, its requests, ORDER BY and LIMIT
    projection    the columns each reference reads
    plan_values   literals as API parameter values (ids, times, LIMIT/OFFSET)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlglot import exp

from pipedrive_sql.catalog.catalog import Catalog
from pipedrive_sql.catalog.system import CATALOG_NAME, SCHEMA_NAME
from pipedrive_sql.engine.derived import push_into_derived
from pipedrive_sql.engine.plan_model import Call, KeyFeed, QueryPlan, ScanPlan, SystemRef
from pipedrive_sql.engine.plan_values import limit_number
from pipedrive_sql.engine.projection import Projection
from pipedrive_sql.engine.pushdown import ScanPlanner
from pipedrive_sql.errors import ProgrammingError, did_you_mean

# The plan's types live in plan_model; they are named here too, as this module's documented surface.
__all__ = ["Call", "KeyFeed", "QueryPlan", "ScanPlan", "SystemRef", "plan_query"]

_PASS_THROUGH_SCHEMAS = {"information_schema", "pg_catalog"}

# ---- entry point --------------------------------------------------------------------------------------


def plan_query(
    tree: exp.Expression,
    catalog: Catalog,
    *,
    system_tables: Iterable[str] = (),
    page_size: int = 500,
    max_rows: int = -1,
    prefix: str = "__pd",
    pushdown: bool = True,
    local_tables: Iterable[str] = (),
) -> QueryPlan:
    """Plan ``tree`` (changed in place: table references are renamed, MaxRows becomes a LIMIT).

    ``pushdown=False`` plans what a driver without pushdown would do: read every record of every table
    (children through their parents) and leave all the work to DuckDB. Benchmarks and tests compare with it.
    """
    if max_rows is not None and max_rows > 0:
        _cap_rows(tree, max_rows)
    if pushdown:
        push_into_derived(tree)
    system_names = {s.lower(): s for s in system_tables}
    refs = _table_refs(tree, catalog, system_names, {t.lower() for t in local_tables})
    _unqualify_columns(tree)
    projection = Projection(tree)
    scans: list[ScanPlan] = []
    system: list[SystemRef] = []
    for index, (node, spec_name) in enumerate(refs):
        name = f"{prefix}_{index}_{spec_name.lower()}"
        if spec_name.lower() in system_names:
            system.append(SystemRef(name, system_names[spec_name.lower()]))
        else:
            spec = catalog.table(spec_name)
            planner = ScanPlanner(node, spec, catalog, projection, name, page_size, pushdown=pushdown)
            scans.append(planner.plan())
        _rename(node, name)
    return QueryPlan(tree, scans, system)


def _cap_rows(tree: exp.Expression, max_rows: int) -> None:
    """MaxRows as the statement's LIMIT (the smaller of the two), so that it pushes down like one."""
    if not isinstance(tree, exp.Select | exp.SetOperation):
        return
    current = limit_number(tree)
    if current is not None and current <= max_rows:
        return
    if current is None and tree.args.get("limit") is not None:
        return  # a LIMIT we cannot read (percent, expression): the cursor caps rows instead
    tree.set("limit", exp.Limit(expression=exp.Literal.number(max_rows)))


# ---- table references ---------------------------------------------------------------------------------


def _table_refs(
    tree: exp.Expression,
    catalog: Catalog,
    system_names: Mapping[str, str],
    local_tables: set[str] | frozenset[str] = frozenset(),
) -> list[tuple[exp.Table, str]]:
    refs: list[tuple[exp.Table, str]] = []
    for node in list(tree.find_all(exp.Table)):
        if not isinstance(node.this, exp.Identifier):
            continue  # table functions: range(5), read_csv(...)
        if node.db and node.db.lower() in _PASS_THROUGH_SCHEMAS:
            continue
        if not node.db and _is_cte_name(node):
            continue
        if not node.db and not node.catalog and node.name.lower() in local_tables:
            continue  # a temp table of the connection (engine/local.py): DuckDB has it
        _check_qualifiers(node)
        name = node.name
        if name.lower() in system_names:
            refs.append((node, system_names[name.lower()]))
        elif catalog.has_table(name):
            refs.append((node, catalog.builtin(name).name))
        else:
            hint = did_you_mean(name, [*catalog.table_names(), *system_names.values()])
            raise ProgrammingError(f"There is no table {name!r}.{hint} SELECT * FROM sys_tables lists them.")
    return refs


def _check_qualifiers(node: exp.Table) -> None:
    """``Pipedrive.Deals`` and ``Pipedrive.Pipedrive.Deals`` name Deals (sys_tables' CatalogName and
    SchemaName); any other schema or catalog is an error that names the valid one."""
    schema, catalog = node.db, node.catalog
    if (not schema or schema.lower() == SCHEMA_NAME.lower()) and (
        not catalog or catalog.lower() == CATALOG_NAME.lower()
    ):
        return
    written = ".".join(part for part in (catalog, schema, node.name) if part)
    wrong = f"catalog {catalog!r}" if schema.lower() == SCHEMA_NAME.lower() else f"schema {schema!r}"
    raise ProgrammingError(
        f"There is no {wrong} in {written!r}: the tables are in schema {SCHEMA_NAME!r} of catalog "
        f"{CATALOG_NAME!r}, so write {SCHEMA_NAME}.{node.name}, {CATALOG_NAME}.{SCHEMA_NAME}.{node.name} or "
        f"just {node.name}."
    )


def _unqualify_columns(tree: exp.Expression) -> None:
    """``Pipedrive.Deals.Id`` as ``Deals.Id``: the scans are registered without a schema."""
    for column in tree.find_all(exp.Column):
        schema, catalog = column.args.get("db"), column.args.get("catalog")
        if schema is None or not column.table or schema.name.lower() != SCHEMA_NAME.lower():
            continue
        if catalog is not None and catalog.name.lower() != CATALOG_NAME.lower():
            continue
        column.set("db", None)
        column.set("catalog", None)


def _is_cte_name(node: exp.Table) -> bool:
    name = node.name.lower()
    parent = node.parent
    while parent is not None:
        with_ = parent.args.get("with_") if isinstance(parent, exp.Expression) else None
        if isinstance(with_, exp.With) and any(cte.alias.lower() == name for cte in with_.expressions):
            return True
        parent = parent.parent
    return False


def _rename(node: exp.Table, name: str) -> None:
    alias = node.args.get("alias")
    if alias is None:
        alias = exp.TableAlias(this=exp.to_identifier(node.name, quoted=True))
    node.replace(exp.Table(this=exp.to_identifier(name, quoted=True), alias=alias))
