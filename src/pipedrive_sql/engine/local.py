"""Temp tables and temp views: the connection's own objects, in its memory, joinable with Pipedrive tables.

``CREATE TEMP TABLE ids AS SELECT Id FROM Deals WHERE ...`` then ``SELECT ... FROM Deals JOIN ids ...``:
users stage lists (from a file, from a query) to join with Pipedrive, and the PEP 249 compliance suite
needs somewhere to write.

- A temp table is a DuckDB table in the connection's private in-memory database (one per DB-API
  connection), so every cursor of the connection sees it and no other connection does. (DuckDB's own TEMP
  schema would be per DuckDB cursor, which is too narrow.) It disappears when the connection closes.
- A temp view is kept here as its query, with the views it names expanded at creation (as PostgreSQL binds
  a view's definition when it is created); a query naming it reads it as a derived table, so filters on
  the view still push down to the API.
- A name that is a Pipedrive table or a sys_ table cannot be used: ``Deals`` always means Pipedrive's deals.
- INSERT, UPDATE, DELETE and TRUNCATE of a temp table run in DuckDB; their SELECTs may read Pipedrive tables
  (the planner turns those into API scans as in any query).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlglot import exp

from pipedrive_sql.errors import ProgrammingError

__all__ = ["LocalObjects", "LocalOutcome", "run_local", "write_target"]

_RESERVED_PREFIX = "__pd"  # the names of the engine's registered scans


class _Host(Protocol):
    """What ``run_local`` needs from the session that runs it (``execute.Session``)."""

    def prepare(self, tree: exp.Expression, *, extra_tables: Sequence[str] = ()) -> Any: ...

    def duck_execute(self, sql: str) -> None: ...

    def duck_rows(self) -> list[tuple[Any, ...]]: ...


@dataclass
class LocalOutcome:
    has_rows: bool  # RETURNING rows to fetch
    rowcount: int = -1


class LocalObjects:
    """The temp tables and temp views of one connection (names are case-insensitive, as in SQL)."""

    def __init__(self, *, reserved: Any) -> None:
        # reserved(name) -> str: why the name cannot be used ("" when it can): Pipedrive and sys_ tables
        self.reserved = reserved
        self.tables: dict[str, str] = {}
        self.views: dict[str, exp.Expression] = {}
        self.lock = threading.Lock()

    def table_names(self) -> set[str]:
        with self.lock:
            return set(self.tables)

    def expand_views(self, tree: exp.Expression) -> exp.Expression:
        """``tree`` with each reference to a temp view replaced by the view's query as a derived table."""
        with self.lock:
            views = dict(self.views)
        if not views:
            return tree
        for node in list(tree.find_all(exp.Table)):
            if not isinstance(node.this, exp.Identifier) or node.db or node.catalog:
                continue
            found = views.get(node.name.lower())
            if found is None or _is_cte_name(node):
                continue
            alias = node.args.get("alias")
            if alias is None:
                alias = exp.TableAlias(this=exp.to_identifier(node.name))
            node.replace(exp.Subquery(this=found.copy(), alias=alias.copy()))
        return tree

    def check_new_name(self, name: str, *, kind: str, replace: bool) -> None:
        lower = name.lower()
        why = self.reserved(name)
        if why:
            raise ProgrammingError(f"Cannot create a temp {kind} named {name!r}: {why}. Choose another name.")
        if lower.startswith(_RESERVED_PREFIX):
            raise ProgrammingError(
                f"Cannot create a temp {kind} named {name!r}: names starting with {_RESERVED_PREFIX} are the "
                "driver's own. Choose another name."
            )
        other = self.views if kind == "table" else self.tables
        if lower in other:
            other_kind = "view" if kind == "table" else "table"
            raise ProgrammingError(
                f"There is already a temp {other_kind} named {name!r}: DROP {other_kind.upper()} {name} first, "
                "or choose another name."
            )
        if kind == "view" and lower in self.views and not replace:
            raise ProgrammingError(
                f"There is already a temp view named {name!r}: use CREATE OR REPLACE TEMP VIEW, or DROP VIEW "
                f"{name} first."
            )


def write_target(tree: exp.Expression) -> exp.Table | None:
    """The table an INSERT, UPDATE or DELETE writes to."""
    target = tree.this if isinstance(tree, exp.Insert | exp.Update | exp.Delete) else None
    if isinstance(target, exp.Schema):
        target = target.this
    return target if isinstance(target, exp.Table) and isinstance(target.this, exp.Identifier) else None


def run_local(host: _Host, objects: LocalObjects, tree: exp.Expression) -> LocalOutcome:
    """Run a CREATE TEMP TABLE/VIEW, DROP, TRUNCATE, or a write into a temp table."""
    if isinstance(tree, exp.Create):
        return _create(host, objects, tree)
    if isinstance(tree, exp.Drop):
        return _drop(host, objects, tree)
    if isinstance(tree, exp.TruncateTable):
        return _truncate(host, objects, tree)
    return _write(host, objects, tree)


def _name_of(table: exp.Expression, what: str) -> str:
    if not isinstance(table, exp.Table) or not isinstance(table.this, exp.Identifier):
        raise ProgrammingError(f"Expected a name after {what}.")
    if table.db or table.catalog:
        written = ".".join(p for p in (table.catalog, table.db, table.name) if p)
        raise ProgrammingError(
            f"Temp tables and views have one-part names: write {table.name} instead of {written}."
        )
    return table.name


def _create(host: _Host, objects: LocalObjects, tree: exp.Create) -> LocalOutcome:
    kind = str(tree.args.get("kind") or "").upper()
    target = tree.this
    columns: list[exp.Expression] = []
    if isinstance(target, exp.Schema):
        columns = list(target.expressions)
        target = target.this
    name = _name_of(target, f"CREATE TEMP {kind}")
    replace = bool(tree.args.get("replace"))
    exists = bool(tree.args.get("exists"))
    with objects.lock:
        if exists and (name.lower() in objects.tables or name.lower() in objects.views):
            return LocalOutcome(False)
        objects.check_new_name(name, kind=kind.lower(), replace=replace)
    if kind == "VIEW":
        return _create_view(host, objects, tree, name, columns, replace)
    statement = tree.copy()
    properties = statement.args.get("properties")
    if properties is not None:
        kept = [p for p in properties.expressions if not isinstance(p, exp.TemporaryProperty)]
        statement.set("properties", exp.Properties(expressions=kept) if kept else None)
    body = statement.expression
    if body is not None:
        statement.set("expression", objects.expand_views(body))
    plan = host.prepare(statement, extra_tables=[name])
    host.duck_execute(plan.sql)
    rows = host.duck_rows() if body is not None else []
    with objects.lock:
        objects.tables[name.lower()] = name
    return LocalOutcome(False, int(rows[0][0]) if rows and rows[0] else -1)


def _create_view(
    host: _Host,
    objects: LocalObjects,
    tree: exp.Create,
    name: str,
    columns: list[exp.Expression],
    replace: bool,
) -> LocalOutcome:
    body: Any = tree.expression
    if not isinstance(body, exp.Query):
        raise ProgrammingError(f"CREATE TEMP VIEW {name} needs AS SELECT ...")
    query: Any = objects.expand_views(tree.expression.copy())
    if columns:
        names = [c.this if isinstance(c, exp.ColumnDef) else c for c in columns]
        query = exp.select(
            *[
                exp.alias_(exp.column(source, table="__v"), target.name)
                for source, target in zip(_output_names(query, len(names)), names, strict=False)
            ]
        ).from_(exp.Subquery(this=query, alias=exp.TableAlias(this=exp.to_identifier("__v"))))
    host.prepare(query.copy())  # refuses unknown tables and columns now, not at first use
    with objects.lock:
        objects.views[name.lower()] = query
    return LocalOutcome(False)


def _output_names(query: Any, count: int) -> list[str]:
    selects = query.selects if isinstance(query, exp.Query) else []
    names = [s.alias_or_name for s in selects]
    if len(names) != count or not all(names):
        raise ProgrammingError(
            "CREATE TEMP VIEW with a column list needs a query whose columns all have names, as many as "
            "the list: name them in the query instead (SELECT a AS x, ...)."
        )
    return names


def _drop(host: _Host, objects: LocalObjects, tree: exp.Drop) -> LocalOutcome:
    kind = str(tree.args.get("kind") or "").upper()
    if kind not in ("TABLE", "VIEW"):
        raise ProgrammingError(f"DROP {kind} is not allowed: DROP removes only temp tables and temp views.")
    exists = bool(tree.args.get("exists"))
    targets = list(tree.args.get("tables") or []) or [
        t for t in (tree.this, *tree.expressions) if t is not None
    ]
    if not targets:
        raise ProgrammingError(f"DROP {kind} needs the name of a temp {kind.lower()}.")
    names = [_name_of(t, f"DROP {kind}") for t in targets]
    with objects.lock:
        for name in names:
            lower = name.lower()
            mine, other = (
                (objects.tables, objects.views) if kind == "TABLE" else (objects.views, objects.tables)
            )
            if lower in mine:
                continue
            if lower in other:
                actual = "VIEW" if kind == "TABLE" else "TABLE"
                raise ProgrammingError(f"{name} is a temp {actual.lower()}: write DROP {actual} {name}.")
            why = objects.reserved(name)
            if why:
                raise ProgrammingError(
                    f"Cannot drop {name}: {why}. DROP removes only temp tables and temp views."
                )
            if not exists:
                raise ProgrammingError(
                    f"There is no temp {kind.lower()} named {name!r} (DROP {kind} IF EXISTS ignores that)."
                )
    for name in names:
        lower = name.lower()
        if kind == "TABLE" and lower in objects.tables:
            host.duck_execute(
                f"DROP TABLE {exp.to_identifier(objects.tables[lower], quoted=True).sql('duckdb')}"
            )
            with objects.lock:
                objects.tables.pop(lower, None)
        elif kind == "VIEW":
            with objects.lock:
                objects.views.pop(lower, None)
    return LocalOutcome(False)


def _truncate(host: _Host, objects: LocalObjects, tree: exp.TruncateTable) -> LocalOutcome:
    total = 0
    for target in tree.expressions:
        name = _name_of(target, "TRUNCATE")
        with objects.lock:
            actual = objects.tables.get(name.lower())
            why = objects.reserved(name)
        if actual is None:
            reason = f"{why}; " if why else ""
            raise ProgrammingError(f"Cannot truncate {name}: {reason}TRUNCATE empties only temp tables.")
        host.duck_execute(f"DELETE FROM {exp.to_identifier(actual, quoted=True).sql('duckdb')}")
        rows = host.duck_rows()
        total += int(rows[0][0]) if rows and rows[0] else 0
    return LocalOutcome(False, total)


def _write(host: _Host, objects: LocalObjects, tree: exp.Expression) -> LocalOutcome:
    statement = objects.expand_views(tree.copy())
    returning = statement.args.get("returning") is not None
    plan = host.prepare(statement)
    host.duck_execute(plan.sql)
    if returning:
        return LocalOutcome(True)
    rows = host.duck_rows()
    return LocalOutcome(False, int(rows[0][0]) if rows and rows[0] else -1)


def _is_cte_name(node: exp.Table) -> bool:
    name = node.name.lower()
    parent = node.parent
    while parent is not None:
        with_ = parent.args.get("with_") if isinstance(parent, exp.Expression) else None
        if isinstance(with_, exp.With) and any(cte.alias.lower() == name for cte in with_.expressions):
            return True
        parent = parent.parent
    return False
