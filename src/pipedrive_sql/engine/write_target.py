"""The table a write goes to: which columns it may set, and the request body for one record.

``Target`` joins the table's spec (columns, custom fields, endpoints) with its write declaration
(``catalog.writes``) and turns ``{column: value}`` into the body Pipedrive takes: built-in columns under
their API names, custom fields under ``custom_fields`` by key, columns that form one API object (a monetary
field's amount and currency, a lead's value) written together, path parameters (a deal product's deal id)
moved into the path. Every mistake is an error naming the table and column, found before any request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pipedrive_sql.catalog.catalog import Catalog
from pipedrive_sql.catalog.spec import Column, TableSpec
from pipedrive_sql.catalog.writes import Composite, TableWrites, table_writes, writable_table_names
from pipedrive_sql.engine.write_values import BadValue, convert, custom_value, to_int
from pipedrive_sql.errors import (
    DataError,
    IntegrityError,
    NotSupportedError,
    ProgrammingError,
    did_you_mean,
)

__all__ = ["DELETE", "INSERT", "UPDATE", "Target", "resolve_target"]

INSERT = "INSERT"
UPDATE = "UPDATE"
DELETE = "DELETE"

# Custom field types whose value is an API object, and the keys of its parts (value column first).
_CUSTOM_OBJECTS: dict[str, tuple[tuple[str, str], ...]] = {
    "monetary": (("", "value"), ("currency", "currency")),
    "daterange": (("", "start"), ("until", "until")),
    "timerange": (("", "start"), ("until", "until")),
    "time": (("", "value"),),
}
_CUSTOM_NEEDED = {"monetary": ("value",), "daterange": ("start", "until"), "timerange": ("start", "until")}


@dataclass(frozen=True)
class Target:
    """A writable table of one connection (custom fields resolved)."""

    spec: TableSpec
    writes: TableWrites

    @property
    def name(self) -> str:
        return self.spec.name

    # ---- endpoints ------------------------------------------------------------------------------------

    def path(self, operation: str, record_id: Any = None, params: Mapping[str, Any] | None = None) -> str:
        spec_writes = self.spec.writes
        assert spec_writes is not None
        template = {INSERT: spec_writes.create, UPDATE: spec_writes.update, DELETE: spec_writes.delete}[
            operation
        ]
        values = {name: params[name] for name in self.writes.path_params} if params else {}
        if record_id is not None:
            values["id"] = record_id
        return template.format(**values)

    def method(self, operation: str) -> str:
        assert self.spec.writes is not None
        return {INSERT: "POST", UPDATE: self.spec.writes.update_method, DELETE: "DELETE"}[operation]

    def check_supported(self, operation: str) -> None:
        spec_writes = self.spec.writes
        assert spec_writes is not None
        allowed = {
            INSERT: bool(self.writes.insert and spec_writes.create),
            UPDATE: bool(self.writes.update and spec_writes.update),
            DELETE: bool(self.writes.delete and spec_writes.delete),
        }[operation]
        if not allowed:
            can = [op for op in (INSERT, UPDATE, DELETE) if op != operation and self._allows(op)]
            raise NotSupportedError(
                f"Pipedrive's API has no {operation} for {self.name}: it allows {', '.join(can) or 'none'}."
            )

    def _allows(self, operation: str) -> bool:
        try:
            self.check_supported(operation)
        except NotSupportedError:
            return False
        return True

    # ---- columns --------------------------------------------------------------------------------------

    @property
    def key(self) -> Column:
        return self.spec.column(self.writes.key)

    def find(self, name: str) -> Column | None:
        found = self.spec.find_column(name)
        if found is not None:
            return found
        lower = name.lower()
        return next((c for c in self.writes.write_only if c.name.lower() == lower), None)

    def column(self, name: str, operation: str) -> Column:
        """The column ``name`` as ``operation`` may set it, or an error saying why it cannot."""
        column = self.known(name)
        refusal = self.refusal(column, operation)
        if refusal:
            raise ProgrammingError(refusal)
        return column

    def known(self, name: str) -> Column:
        """The column ``name``, writable or not; an unknown name is an error naming close matches."""
        column = self.find(name)
        if column is None:
            names = [c.name for c in self.spec.columns] + [c.name for c in self.writes.write_only]
            raise ProgrammingError(f"Table {self.name} has no column {name!r}.{did_you_mean(name, names)}")
        return column

    def refusal(self, column: Column, operation: str) -> str:
        """Why ``operation`` cannot set ``column`` ("" when it can)."""
        if column.custom is not None:
            if self.writes.custom_fields:
                return ""
            return (
                f"{self.name}.{column.name} is a custom field, and Pipedrive's API does not write custom "
                f"fields of {self.name}."
            )
        if column.name.lower() in {c.lower() for c in self.writes.writable(operation)}:
            return ""
        other = UPDATE if operation == INSERT else INSERT
        if column.name.lower() in {c.lower() for c in self.writes.writable(other)}:
            return f"{self.name}.{column.name} can be set by {other}, not by {operation}."
        if column.key or column.read_only:
            return f"{self.name}.{column.name} is read-only: Pipedrive sets it."
        return (
            f"{self.name}.{column.name} cannot be written: Pipedrive's API does not take it. Writable "
            f"columns: {', '.join(self.writes.writable(operation))}"
            + (" and custom fields." if self.writes.custom_fields else ".")
        )

    def columns(self, names: Iterable[str], operation: str) -> list[Column]:
        """The columns a statement sets, checked (no unknown, read-only or repeated column)."""
        columns = self._named(names)
        for column in columns:
            refusal = self.refusal(column, operation)
            if refusal:
                raise ProgrammingError(refusal)
        return columns

    def insert_columns(self, names: Iterable[str]) -> tuple[list[Column], dict[str, str]]:
        """The columns an INSERT names, and why those it cannot set are refused. An INSERT may name such a
        column as long as every row gives it NULL (as ORMs do): NULL leaves a field unset."""
        columns = self._named(names)
        refused = {c.name: self.refusal(c, INSERT) for c in columns}
        return columns, {name: why for name, why in refused.items() if why}

    def _named(self, names: Iterable[str]) -> list[Column]:
        out: list[Column] = []
        seen: set[str] = set()
        for name in names:
            column = self.known(name)
            if column.name.lower() in seen:
                raise ProgrammingError(f"{self.name}.{column.name} is set twice.")
            seen.add(column.name.lower())
            out.append(column)
        return out

    # ---- what travels together -----------------------------------------------------------------------

    def composite_of(self, column: Column) -> Composite | None:
        for composite in self.writes.composites:
            if column.name in composite.columns():
                return composite
        if column.custom is not None and column.custom.field_type in _CUSTOM_OBJECTS:
            return self._custom_composite(column.custom.key, column.custom.field_type)
        return None

    def _custom_composite(self, key: str, field_type: str) -> Composite:
        by_part = {
            c.custom.part: c.name for c in self.spec.columns if c.custom is not None and c.custom.key == key
        }
        parts = tuple((by_part[part], api_key) for part, api_key in _CUSTOM_OBJECTS[field_type])
        return Composite(("custom_fields", key), parts, _CUSTOM_NEEDED.get(field_type, ("value",)))

    def companions(self, columns: Iterable[Column]) -> list[Column]:
        """Columns an UPDATE of ``columns`` must read first: the other parts of their composites."""
        setting = {c.name for c in columns}
        out: list[Column] = []
        for column in columns:
            composite = self.composite_of(column)
            if composite is None:
                continue
            for name in composite.columns():
                if name not in setting and all(o.name != name for o in out):
                    out.append(self.spec.column(name))
        return out

    # ---- checks -----------------------------------------------------------------------------------------

    def check_insert_columns(self, columns: list[Column]) -> None:
        """An INSERT must name every required column (and one of each one-of group)."""
        named = {c.name.lower() for c in columns}
        for name in self.writes.required:
            if name.lower() not in named:
                raise IntegrityError(f"INSERT INTO {self.name} needs a value for {self.name}.{name}.")
        for group in self.writes.one_of:
            if not any(g.lower() in named for g in group):
                raise IntegrityError(
                    f"INSERT INTO {self.name} needs one of {', '.join(group)}: {self._one_of_reason()}"
                )

    def _one_of_reason(self) -> str:
        return f"Pipedrive requires a {self.name[:-1].lower()} to be linked to one of them."

    def check_required(self, values: Mapping[str, Any], operation: str, where: str) -> None:
        """Required values are not NULL; on INSERT each one-of group has a value."""
        for name in self.writes.required:
            if name in values and values[name] is None:
                raise IntegrityError(f"{self.name}.{name} cannot be NULL{where}: Pipedrive requires it.")
        if operation != INSERT:
            return
        for group in self.writes.one_of:
            if all(values.get(name) is None for name in group):
                raise IntegrityError(
                    f"INSERT INTO {self.name} needs one of {', '.join(group)} to have a value{where}: "
                    f"{self._one_of_reason()}"
                )
        for name, when, among in self.writes.required_when:
            if values.get(when) in among and values.get(name) is None:
                raise IntegrityError(
                    f"{self.name}.{name} is required when {when} is {values.get(when)!r}{where}."
                )

    def check_values(self, values: Mapping[str, Any], operation: str) -> None:
        """Each value fits its column (used before the records of an UPDATE are known)."""
        self.check_required(values, operation, "")
        for name, value in values.items():
            column = self.find(name)
            assert column is not None, name
            self._value(column, value, "")

    # ---- bodies ---------------------------------------------------------------------------------------

    def body(
        self,
        values: Mapping[str, Any],
        operation: str,
        *,
        current: Mapping[str, Any] | None = None,
        refused: Mapping[str, str] | None = None,
        where: str = "",
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The request body for one record, and its path parameters. ``values`` are keyed by column name;
        ``current`` holds the record's present values of composite parts the statement does not set;
        ``refused`` the columns this statement names but may only give NULL (why, by name)."""
        self.check_required(values, operation, where)
        body: dict[str, Any] = {}
        params: dict[str, Any] = {}
        done: set[tuple[str, ...]] = set()
        path_columns = {column.lower(): name for name, column in self.writes.path_params.items()}
        for name, value in values.items():
            column = self.find(name)
            assert column is not None, name
            if refused and name in refused:
                if value is None:
                    continue
                raise ProgrammingError(_at(refused[name], where))
            if value is None and operation == INSERT and name.lower() not in path_columns:
                continue  # NULL in an INSERT leaves the field unset: Pipedrive's default applies
            if name.lower() in path_columns:
                params[path_columns[name.lower()]] = self._path_value(column, value, where)
                continue
            composite = self.composite_of(column)
            if composite is not None:
                if composite.field not in done:
                    done.add(composite.field)
                    obj = self._composite(composite, values, current or {}, where)
                    if obj is not None or operation != INSERT:
                        _put(body, composite.field, obj)
                continue
            _put(body, self._field(column), self._value(column, value, where))
        return body, params

    def _field(self, column: Column) -> tuple[str, ...]:
        if column.custom is not None:
            return ("custom_fields", column.custom.key)
        return (self.writes.api_names.get(column.name) or column.api_name,)

    def _value(self, column: Column, value: Any, where: str) -> Any:
        if value is None:
            return None
        try:
            if column.custom is not None:
                return custom_value(column, value)
            return convert(
                column,
                value,
                self.writes.api_types.get(column.name, ""),
                self.writes.choices.get(column.name, ()),
            )
        except BadValue as exc:
            raise DataError(f"{self.name}.{column.name} {exc}{where}.") from None

    def _path_value(self, column: Column, value: Any, where: str) -> Any:
        if value is None:
            raise IntegrityError(f"{self.name}.{column.name} cannot be NULL{where}.")
        try:
            return to_int(value) if column.type.kind == "int" else value
        except BadValue as exc:
            raise DataError(f"{self.name}.{column.name} {exc}{where}.") from None

    def _composite(
        self, composite: Composite, values: Mapping[str, Any], current: Mapping[str, Any], where: str
    ) -> dict[str, Any] | None:
        merged = {name: values[name] if name in values else current.get(name) for name in composite.columns()}
        if merged[composite.main] is None:
            if composite.main in values:
                return None  # the main column set to NULL clears the whole object
            given = next(name for name in composite.columns() if name in values)
            raise DataError(
                f"{self.name}.{given} cannot be set while {self.name}.{composite.main} is empty{where}: "
                f"set {composite.main} too."
            )
        obj: dict[str, Any] = {}
        for name, key in composite.parts:
            column = self.spec.column(name)
            if merged[name] is not None:
                obj[key] = self._value(column, merged[name], where)
            elif key in composite.needed:
                raise IntegrityError(
                    f"{self.name}.{name} needs a value when {self.name}.{composite.main} is set{where}."
                )
        return obj


def _at(message: str, where: str) -> str:
    """``message`` with ``where`` (" (row 3)") before its final full stop."""
    return f"{message[:-1]}{where}." if where and message.endswith(".") else message + where


def _put(body: dict[str, Any], field: tuple[str, ...], value: Any) -> None:
    node = body
    for key in field[:-1]:
        node = node.setdefault(key, {})
    node[field[-1]] = value


def resolve_target(catalog: Catalog, name: str, operation: str) -> Target:
    """The writable table ``name``, or an error saying which tables can be written."""
    spec = catalog.table(name)  # unknown tables: ProgrammingError naming close matches
    writes = table_writes(spec.name)
    if writes is None or spec.writes is None:
        raise NotSupportedError(
            f"{spec.name} cannot be written through Pipedrive's API. Writable tables: "
            f"{', '.join(writable_table_names())}."
        )
    target = Target(spec, writes)
    target.check_supported(operation)
    return target
