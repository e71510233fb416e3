"""INSERT, UPDATE and DELETE as Pipedrive API calls (the engine's ``execute_write`` hook), and the merges.

- INSERT ... VALUES (one or many rows) and INSERT ... SELECT: one POST per row. Without a column list,
  INSERT ... SELECT matches the query's output columns by name.
- UPDATE ... SET ... WHERE <any predicate> and DELETE ... WHERE <any predicate>: the affected records are
  found by an ordinary query through the engine (``SELECT Id ... FROM <table> WHERE <predicate>``), so the
  predicate is pushed to the API where it can be and evaluated by DuckDB where not; then one PATCH/PUT or
  DELETE per record. SET values that depend on the row (``Value = Value * 1.1``) are computed by that same
  query. UPDATE ... FROM and DELETE ... USING (and T-SQL's ``UPDATE d ... FROM Deals d JOIN ...``) join
  other tables into it.
- Everything that can be checked is checked before the first request: tables and columns (unknown,
  read-only, not writable by this statement), values (types, enum/set labels, allowed values), required
  values; row-dependent values are checked for every record before the first write.
- ``RETURNING`` / ``OUTPUT INSERTED.*``: the written records. ``rowcount`` is the number of records
  written; ``lastrowid`` the id of the record a single-row INSERT created.
- No transactions: each record's request takes effect on its own; a failure part way raises
  ``PartialWriteError`` (see ``write_batch``).

Modules: ``write_target`` (columns and request bodies), ``write_values`` (value conversion),
``write_batch`` (sending, partial failure), ``write_returning`` (RETURNING), ``merges`` (procedures).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from sqlglot import exp

from pipedrive_sql.api.models import ApiResponse
from pipedrive_sql.catalog.spec import Column
from pipedrive_sql.engine.predicates import NO_VALUE, literal_value
from pipedrive_sql.engine.write_batch import WriteRequest, send_all
from pipedrive_sql.engine.write_result import WriteResult
from pipedrive_sql.engine.write_returning import Returning
from pipedrive_sql.engine.write_target import DELETE, INSERT, UPDATE, Target, resolve_target
from pipedrive_sql.errors import InterfaceError, NotSupportedError, ProgrammingError

if TYPE_CHECKING:
    from pipedrive_sql.engine.execute import Session

__all__ = ["execute_write"]

_KEY = "__w_key"
_PARAM = "__w_param_"
_DELETED = "__w_deleted"
_CURRENT = "__w_now_"
_SET = "__w_set_"


def execute_write(tree: exp.Expression, session: Session) -> WriteResult:
    """Run an INSERT, UPDATE or DELETE tree (parameters already bound) as API calls."""
    if isinstance(tree, exp.Insert):
        return _insert(tree, session)
    if isinstance(tree, exp.Update):
        return _update(tree, session)
    if isinstance(tree, exp.Delete):
        return _delete(tree, session)
    raise NotSupportedError(f"{type(tree).__name__.upper()} is not a write this driver runs.")


# ---- INSERT -------------------------------------------------------------------------------------------


def _insert(tree: exp.Insert, session: Session) -> WriteResult:
    table, names = _insert_into(tree)
    _refuse(tree, ("conflict", "overwrite", "alternative", "ignore", "where", "using", "partition"), "INSERT")
    target = resolve_target(session.engine.catalog, table.name, INSERT)
    returning = Returning(tree.args.get("returning"), target.spec)
    source = tree.expression
    if isinstance(source, exp.Values):
        if not names:
            raise ProgrammingError(
                f"Name the columns: INSERT INTO {target.name} (Column1, Column2, ...) VALUES (...)."
            )
        columns, refused = _insert_columns(target, names, returning)
        rows = _values_rows(source, len(columns), session)
    elif isinstance(source, exp.Query):
        if names:
            columns, refused = _insert_columns(target, names, returning)
        found = session.run_query(_with(source.copy(), tree))
        if not names:
            columns, refused = _insert_columns(target, found.column_names, returning)
        if found.num_columns != len(columns):
            raise ProgrammingError(
                f"The query gives {found.num_columns} columns for {len(columns)} named columns of {target.name}."
            )
        rows = [list(row) for row in zip(*(c.to_pylist() for c in found.columns), strict=True)]
    else:
        raise NotSupportedError("INSERT takes VALUES (...) or a SELECT.")
    requests = [_create_request(target, columns, refused, row, n, len(rows)) for n, row in enumerate(rows, 1)]
    records = _send(session, target, requests, f"INSERT INTO {target.name}", created=True)
    ids = [_record_id(target, r) for r in records]
    return WriteResult(
        rowcount=len(records),
        table=returning.from_records(records) if returning else None,
        lastrowid=ids[0] if len(ids) == 1 else None,
    )


def _insert_into(tree: exp.Insert) -> tuple[exp.Table, list[str]]:
    node = tree.this
    if isinstance(node, exp.Schema) and isinstance(node.this, exp.Table):
        return node.this, [c.name for c in node.expressions]
    if isinstance(node, exp.Table):
        return node, []
    raise NotSupportedError("INSERT writes into a table: INSERT INTO Deals (Title) VALUES ('...').")


def _insert_columns(
    target: Target, names: Sequence[str], returning: Returning
) -> tuple[list[Column], dict[str, str]]:
    columns, refused = target.insert_columns(names)
    target.check_insert_columns([c for c in columns if c.name not in refused])
    returning.check()
    return columns, refused


def _create_request(
    target: Target,
    columns: Sequence[Column],
    refused: Mapping[str, str],
    row: Sequence[Any],
    number: int,
    total: int,
) -> WriteRequest:
    values = {column.name: value for column, value in zip(columns, row, strict=True)}
    where = f" (row {number})" if total > 1 else ""
    body, params = target.body(values, INSERT, refused=refused, where=where)
    return WriteRequest(target.method(INSERT), target.path(INSERT, params=params), body, number, params)


def _values_rows(values: exp.Values, width: int, session: Session) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for number, item in enumerate(values.expressions, 1):
        items = list(item.expressions) if isinstance(item, exp.Tuple) else [item]
        if len(items) != width:
            raise ProgrammingError(f"Row {number} of VALUES has {len(items)} values for {width} columns.")
        rows.append(_evaluate(items, session))
    return rows


def _evaluate(items: Sequence[exp.Expression], session: Session) -> list[Any]:
    """Literal values as they are; other expressions (CAST, functions, subqueries) computed by the engine."""
    out = [_constant(item) for item in items]
    pending = [i for i, value in enumerate(out) if value is NO_VALUE]
    if pending:
        query = exp.select(*[items[i].copy().as_(f"v{i}") for i in pending])
        found = session.run_query(query).to_pylist()
        for i in pending:
            out[i] = found[0][f"v{i}"] if found else None
    return out


def _constant(node: exp.Expression) -> Any:
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.Array):
        values = [_constant(v) for v in node.expressions]
        return NO_VALUE if any(v is NO_VALUE for v in values) else values
    if isinstance(node, exp.Cast | exp.TryCast):
        return NO_VALUE  # what a cast means is DuckDB's to say
    return literal_value(node)


def _is_row_independent(node: exp.Expression) -> bool:
    return node.find(exp.Column, exp.Query) is None


# ---- UPDATE -------------------------------------------------------------------------------------------


@dataclass
class _Shape:
    """Where an UPDATE/DELETE finds its records: the target table reference inside a FROM clause."""

    table: exp.Table  # the target table as referenced (with its alias)
    root: exp.Table  # the FROM clause's first table (its joins attached)
    extra: list[exp.Expression] = field(default_factory=list)  # more tables, cross-joined

    @property
    def reference(self) -> str:
        return self.table.alias_or_name


def _update(tree: exp.Update, session: Session) -> WriteResult:
    _refuse(tree, ("options",), "UPDATE")
    shape = _update_shape(tree)
    target = resolve_target(session.engine.catalog, shape.table.name, UPDATE)
    _check_bounded(tree, session, f"UPDATE {target.name}")
    returning = Returning(tree.args.get("returning"), target.spec)
    assignments = [_assignment(a) for a in tree.expressions]
    columns = target.columns([name for name, _ in assignments], UPDATE)
    returning.check()
    fixed, computed = _split_values(target, columns, [e for _, e in assignments], session)
    companions = target.companions(columns)
    extra: list[tuple[str, exp.Expression]] = [
        (f"{_CURRENT}{c.name}", exp.column(c.name, table=shape.reference)) for c in companions
    ]
    extra += [(f"{_SET}{i}", expression) for i, (_, expression) in computed.items()]
    extra += _guard_columns(target, shape, columns)
    _, rows = _find(tree, session, target, shape, extra)
    _check_guard(target, rows, "renamed")
    requests = []
    for row in rows:
        values = dict(fixed)
        values.update({name: row[f"{_SET}{i}"] for i, (name, _) in computed.items()})
        current = {c.name: row[f"{_CURRENT}{c.name}"] for c in companions}
        where = f" (record {row[_KEY]})" if len(rows) > 1 else ""
        body, _ = target.body(values, UPDATE, current=current, where=where)
        params = _params(target, row)
        path = target.path(UPDATE, row[_KEY], params)
        requests.append(WriteRequest(target.method(UPDATE), path, body, row[_KEY], params))
    requests = _with_resent_fields(session, target, requests)
    records = _send(session, target, requests, f"UPDATE {target.name}")
    return WriteResult(rowcount=len(records), table=returning.from_records(records) if returning else None)


def _assignment(node: exp.Expression) -> tuple[str, exp.Expression]:
    if isinstance(node, exp.EQ) and isinstance(node.this, exp.Column):
        return node.this.name, node.expression
    raise ProgrammingError(f"Cannot read the assignment {node.sql()!r}: write SET Column = value.")


def _split_values(
    target: Target, columns: Sequence[Column], expressions: Sequence[exp.Expression], session: Session
) -> tuple[dict[str, Any], dict[int, tuple[str, exp.Expression]]]:
    """SET values that do not depend on the row, computed and checked now (no API request is made for
    them), and the row-dependent ones, left to the query that finds the records."""
    independent = [i for i, e in enumerate(expressions) if _is_row_independent(e)]
    values = _evaluate([expressions[i] for i in independent], session) if independent else []
    fixed = {columns[i].name: value for i, value in zip(independent, values, strict=True)}
    target.check_values(fixed, UPDATE)
    computed = {
        i: (columns[i].name, expressions[i].copy()) for i in range(len(expressions)) if i not in independent
    }
    return fixed, computed


def _update_shape(tree: exp.Update) -> _Shape:
    table = tree.this
    if not isinstance(table, exp.Table):
        raise NotSupportedError("UPDATE changes one table: UPDATE Deals SET ... WHERE ...")
    source = tree.args.get("from_")
    if source is None:
        return _Shape(table, table)
    root = source.this
    if not isinstance(root, exp.Table):
        raise NotSupportedError("UPDATE ... FROM takes tables (joined as needed), not subqueries.")
    if not table.alias and not table.db:
        for candidate in _tables_of(root):
            if candidate.alias_or_name.lower() == table.name.lower():
                return _Shape(candidate, root)  # T-SQL: UPDATE d SET ... FROM Deals d JOIN ...
    return _Shape(table, table, [root])  # PostgreSQL: UPDATE Deals SET ... FROM Persons p WHERE ...


def _tables_of(root: exp.Table) -> list[exp.Table]:
    found = [root]
    for join in root.args.get("joins") or []:
        if isinstance(join.this, exp.Table):
            found.append(join.this)
    return found


# ---- DELETE -------------------------------------------------------------------------------------------


def _delete(tree: exp.Delete, session: Session) -> WriteResult:
    _refuse(tree, ("cluster",), "DELETE")
    shape = _delete_shape(tree)
    target = resolve_target(session.engine.catalog, shape.table.name, DELETE)
    _check_bounded(tree, session, f"DELETE FROM {target.name}")
    returning = Returning(tree.args.get("returning"), target.spec)
    returning.check()
    extra = _guard_columns(target, shape, None)
    if returning:
        extra += [(c.name, exp.column(c.name, table=shape.reference)) for c in target.spec.columns]
    deleted = target.spec.find_column("IsDeleted")
    if deleted is not None:
        extra.append((_DELETED, exp.column(deleted.name, table=shape.reference)))
    found, rows = _find(tree, session, target, shape, extra)
    # Deals holds deleted deals too (Status = 'deleted', docs/tables.md): those are not deleted again.
    rows = [row for row in rows if not row.get(_DELETED)]
    _check_guard(target, rows, "deleted")
    requests = [
        WriteRequest("DELETE", target.path(DELETE, row[_KEY], _params(target, row)), None, row[_KEY])
        for row in rows
    ]
    _send(session, target, requests, f"DELETE FROM {target.name}")
    table = None
    if returning:
        before = pa.Table.from_pylist(
            [{c.name: row[c.name] for c in target.spec.columns} for row in rows],
            schema=found.select([c.name for c in target.spec.columns]).schema,
        )
        table = returning.project(before)
    return WriteResult(rowcount=len(requests), table=table)


def _delete_shape(tree: exp.Delete) -> _Shape:
    table = tree.this
    if not isinstance(table, exp.Table):
        raise NotSupportedError("DELETE removes records of one table: DELETE FROM Deals WHERE ...")
    named = tree.args.get("tables") or []
    if named:  # T-SQL: DELETE d FROM Deals d JOIN ...
        wanted = named[0].name.lower()
        for candidate in _tables_of(table):
            if candidate.alias_or_name.lower() == wanted:
                return _Shape(candidate, table)
        raise ProgrammingError(f"DELETE {named[0].name} FROM ...: {named[0].name} is not among the tables.")
    return _Shape(table, table, list(tree.args.get("using") or []))


# ---- finding the records --------------------------------------------------------------------------------


def _check_bounded(tree: exp.Expression, session: Session, what: str) -> None:
    if tree.args.get("where") is not None:
        return
    settings = session.engine.settings
    if settings is not None and settings["AllowUnboundedWrites"]:
        return
    raise ProgrammingError(
        f"{what} has no WHERE clause, so it would change every record: add a WHERE clause, or set "
        "AllowUnboundedWrites=true on the connection to allow this."
    )


def _find(
    tree: exp.Expression,
    session: Session,
    target: Target,
    shape: _Shape,
    extra: Sequence[tuple[str, exp.Expression]],
) -> tuple[pa.Table, list[dict[str, Any]]]:
    """The records the statement affects (one row each, in the order the query gives them)."""
    selected = [exp.column(target.key.name, table=shape.reference).as_(_KEY)]
    for placeholder, column in target.writes.path_params.items():
        selected.append(exp.column(column, table=shape.reference).as_(f"{_PARAM}{placeholder}"))
    selected += [expression.as_(alias) for alias, expression in extra]
    root = shape.root.copy()
    joins = root.args.get("joins") or []
    root.set("joins", None)
    query = exp.select(*selected).from_(root)
    for join in joins:
        query = query.join(join)
    for table in shape.extra:
        query = query.join(table.copy(), join_type="cross")
    where = tree.args.get("where")
    if where is not None:
        query = query.where(where.this.copy())
    for arg in ("order", "limit"):
        if tree.args.get(arg) is not None:
            query.set(arg, tree.args[arg].copy())
    found = session.run_query(_with(query, tree))
    rows: list[dict[str, Any]] = []
    seen: set[Any] = set()
    for row in found.to_pylist():
        if row[_KEY] is not None and row[_KEY] not in seen:
            seen.add(row[_KEY])
            rows.append(row)
    return found, rows


def _with(query: Any, tree: exp.Expression) -> exp.Expression:
    """The statement's WITH clause, carried over to the query it runs."""
    ctes = tree.args.get("with_")
    if ctes is not None and query.args.get("with_") is None:
        query.set("with_", ctes.copy())
    return query


def _params(target: Target, row: Mapping[str, Any]) -> dict[str, Any]:
    return {name: row[f"{_PARAM}{name}"] for name in target.writes.path_params}


def _guard_columns(
    target: Target, shape: _Shape, columns: Sequence[Column] | None
) -> list[tuple[str, exp.Expression]]:
    """Field definitions: Pipedrive refuses to delete or rename system fields; find them before writing."""
    if not target.writes.fields_entity:
        return []
    if columns is not None and all(c.name != "FieldName" for c in columns):
        return []
    return [("__w_custom", exp.column("IsCustomField", table=shape.reference))]


def _check_guard(target: Target, rows: Sequence[Mapping[str, Any]], verb: str) -> None:
    system = [str(row[_KEY]) for row in rows if "__w_custom" in row and not row["__w_custom"]]
    if system:
        raise ProgrammingError(
            f"{target.name}: system fields cannot be {verb} ({', '.join(system)}); only custom fields "
            "(IsCustomField = true) can. Nothing was written."
        )


def _with_resent_fields(session: Session, target: Target, requests: list[WriteRequest]) -> list[WriteRequest]:
    """Fields an update must carry although unchanged (a filter's conditions): read each record first."""
    if not target.writes.resend:
        return requests
    client = _client(session)
    out = []
    for request in requests:
        body = dict(request.body or {})
        missing = [f for f in target.writes.resend if f not in body]
        if missing:
            record = client.request("GET", target.spec.get_path.format(id=request.label)).data or {}
            body.update({f: record.get(f) for f in missing})
        out.append(WriteRequest(request.method, request.path, body, request.label, request.params))
    return out


# ---- sending --------------------------------------------------------------------------------------------


def _send(
    session: Session, target: Target, requests: list[WriteRequest], statement: str, *, created: bool = False
) -> list[dict[str, Any]]:
    """Send the requests; the records Pipedrive answered with (parent ids stamped where the table needs)."""
    if not requests:
        return []

    answer_key = target.writes.answer_key

    def written_id(request: WriteRequest, response: ApiResponse) -> Any:
        return _record_id(target, _record(response, answer_key)) if created else request.label

    try:
        responses = send_all(_client(session), requests, statement=statement, written_id=written_id)
    finally:
        if target.writes.fields_entity:
            session.engine.catalog.refresh(target.writes.fields_entity)
    records = [_record(r, answer_key) for r in responses]
    for request, record in zip(requests, records, strict=True):
        _stamp_parent(target, request, record)
    return records


def _record(response: ApiResponse, answer_key: str = "") -> dict[str, Any]:
    data = response.data.get(answer_key) if answer_key and isinstance(response.data, dict) else response.data
    return data if isinstance(data, dict) else {}


def _record_id(target: Target, record: Mapping[str, Any]) -> Any:
    key = target.key
    return record.get(key.path[-1] if key.path else "id")


def _stamp_parent(target: Target, request: WriteRequest, record: dict[str, Any]) -> None:
    """Child tables read their parent's id from the request path (``_parent_id``): give it to the record."""
    if request.params and any(c.path == ("_parent_id",) for c in target.spec.columns):
        record.setdefault("_parent_id", next(iter(request.params.values())))


def _client(session: Session) -> Any:
    client = session.engine.client
    if client is None:
        raise InterfaceError("This engine has no API client.")
    return client


def _refuse(tree: exp.Expression, args: Sequence[str], statement: str) -> None:
    for arg in args:
        if tree.args.get(arg):
            raise NotSupportedError(f"{statement} with {arg.upper()} is not supported by Pipedrive's API.")
