"""Declarations of tables: what a table's rows are, where they come from, and what the API can evaluate.

A table declares its capabilities as data, in the spirit of shillelagh's adapters: the planner reads the
declarations (which columns push down to which API parameter with which operators, whether LIMIT and ORDER
BY can be pushed, how ids are fetched) and no table carries planner code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pipedrive_sql.catalog.types import ColumnType
from pipedrive_sql.errors import ProgrammingError, did_you_mean

__all__ = [
    "Column",
    "CustomField",
    "Pushdown",
    "Source",
    "TableSpec",
    "WriteSpec",
]

Getter = Callable[[Mapping[str, Any]], Any]


@dataclass(frozen=True)
class CustomField:
    """Where a custom-field column comes from: the field's hash key, its type, and its options."""

    key: str
    field_type: str
    field_name: str
    options: Mapping[str, str] = field(default_factory=dict)  # option id (as text) -> label
    part: str = ""  # "" for the value; "currency" for a monetary field's currency; "until" for ranges


@dataclass(frozen=True)
class Column:
    """One column. ``path`` locates the raw value in an API record (``("owner_id",)``,
    ``("custom_fields", "<hash>")``); ``getter`` replaces it for odd shapes; ``transform`` maps each
    non-null raw value before typing (option id -> label)."""

    name: str
    type: ColumnType
    path: tuple[str, ...] = ()
    getter: Getter | None = None
    transform: Callable[[Any], Any] | None = None
    description: str = ""
    key: bool = False
    nullable: bool = True
    read_only: bool = False
    references: tuple[str, str] | None = None  # (table, column) this column points to
    custom: CustomField | None = None

    @property
    def api_name(self) -> str:
        """The API's field name (what a write sends); the custom field's hash key for custom columns."""
        if self.custom is not None:
            return self.custom.key
        return self.path[-1] if self.path else ""


@dataclass(frozen=True)
class Pushdown:
    """A predicate on ``column`` that the API can evaluate through query parameter ``param``.

    kind:
      "eq"     ``=`` and ``IN``; ``batch`` values fit one request (joined by commas), more values make
               more requests (ids: 100 per request); with batch 1 an IN list fans out into one request
               per value, up to ``max_fanout``.
      "lower"  ``>=`` exactly, ``>`` as a superset (the engine re-checks).
      "upper"  ``<`` exactly, ``<=`` as a superset (bound + 1 second; the engine re-checks).
    value: how the literal is written: "int", "str", "bool", "bit" (0/1), "timestamp" (RFC 3339, Z),
           "v1time" (a range bound as ``YYYY-MM-DD HH:MM:SS`` UTC, as v1's ``since_timestamp``).
    """

    column: str
    param: str
    kind: str = "eq"
    value: str = "int"
    batch: int = 1
    max_fanout: int = 10
    choices: tuple[str, ...] = ()  # allowed values (lower case); others are not pushed


@dataclass(frozen=True)
class Source:
    """A parent collection whose records drive a child table's requests.

    ``PersonEmails`` explodes each person's ``emails`` list; ``DealProducts`` asks ``/deals/products``
    for batches of deal ids (``param``) that come either from a pushed predicate on ``column`` or from a
    scan of ``table``.
    """

    table: str
    column: str  # the child's column that holds the parent's id (PersonId, DealId)
    param: str = ""  # query parameter carrying parent ids ("deal_ids"); "" when ids go in the path
    batch: int = 100
    explode: str = ""  # list key inside the parent record whose elements are the child rows
    required: bool = False  # refuse to scan every parent (one request per parent record)
    # More tables whose records are parents too, each read as a stream of its own when no condition names
    # the parents: DealProducts lists the products of archived deals as well ("ArchivedDeals").
    more_parents: tuple[str, ...] = ()
    # List parameters of those parent reads in place of the parents' own (DealParticipants: the API lists
    # no participants of a deleted deal, so its parents are read without them: status=open,won,lost).
    parent_reveal: Mapping[str, str] = field(default_factory=dict)
    # Pushed parameters that belong on the parent scan, not the child's requests: a stage change at or
    # after T implies the deal was updated at or after T (DealStageHistory: updated_since on Deals).
    parent_params: tuple[str, ...] = ()


@dataclass(frozen=True)
class WriteSpec:
    """How INSERT/UPDATE/DELETE reach the API (used by the writes engine)."""

    create: str = ""  # POST path
    update: str = ""  # path with {id}
    update_method: str = "PATCH"
    delete: str = ""  # path with {id}


@dataclass(frozen=True)
class TableSpec:
    """A table: its endpoint, columns and capabilities."""

    name: str
    endpoint: str  # list path ("/api/v2/deals"); with {id} for parent-driven tables
    columns: tuple[Column, ...]
    description: str = ""
    get_path: str = ""  # GET one record by id ("/api/v2/deals/{id}"); "" when there is none
    ids_param: str = ""  # list parameter taking up to ``ids_batch`` ids ("ids"); "" when there is none
    ids_batch: int = 100
    get_by_id_max: int = 1  # without an ids parameter, up to this many ids are fetched one GET each
    pushdowns: tuple[Pushdown, ...] = ()
    sortable: Mapping[str, str] = field(default_factory=dict)  # column -> API sort key
    sort_style: str = "v2"  # "v2": sort_by + sort_direction; "v1": sort="field ASC"; "" none
    limit_pushable: bool = True  # the endpoint pages, so a LIMIT can stop it early
    paged: bool = True
    max_page_size: int = 500  # the endpoint's largest page (/v1/files: 100)
    fixed_params: Mapping[str, str] = field(default_factory=dict)
    source: Source | None = None
    custom_entity: str = ""  # "deal", "person", ...: custom fields come from /api/v2/{entity}Fields
    # One meaning per table: which rows the table holds, whatever the query's predicates. ``reveal`` names
    # the list parameters that make the endpoint return every one of them, rows it hides by default
    # included ({"status": "open,won,lost,deleted"}); every list read sends them, with or without
    # pushdown, and a pushed condition on the same parameter may only narrow them to some of its values.
    # ``visible`` is the same meaning for a record read by GET: it re-applies the table's filter.
    reveal: Mapping[str, str] = field(default_factory=dict)
    visible: Callable[[Mapping[str, Any]], bool] | None = None
    writes: WriteSpec | None = None
    kind: str = "TABLE"  # TABLE or VIEW (sys_tables' TableType)
    also_reads: tuple[str, ...] = ()  # other GET templates this table reads (the coverage report)
    unwrap: str = ""  # the records are the list under this key of the answer's data ({goals: [...]})
    # The rows of one parent from all the records read for it (stage intervals from a deal's change
    # log, a participant's emails): called once per parent, in order; the parent id is kept.
    reshape: Callable[[list[dict[str, Any]]], list[dict[str, Any]]] | None = None
    synonym_of: str = ""  # the commercial driver's name for one of our tables: the table it reads

    def column(self, name: str) -> Column:
        """The column called ``name`` (case-insensitive), or a ProgrammingError naming close matches."""
        found = self.find_column(name)
        if found is None:
            hint = did_you_mean(name, [c.name for c in self.columns])
            raise ProgrammingError(f"Table {self.name} has no column {name!r}.{hint}")
        return found

    def find_column(self, name: str) -> Column | None:
        lower = name.lower()
        for col in self.columns:
            if col.name.lower() == lower:
                return col
        return None

    def pushdowns_for(self, column: str) -> tuple[Pushdown, ...]:
        lower = column.lower()
        return tuple(p for p in self.pushdowns if p.column.lower() == lower)

    @property
    def key_column(self) -> Column | None:
        return next((c for c in self.columns if c.key), None)

    def list_params(self) -> dict[str, str]:
        """The parameters of a read of the whole table: its fixed ones and those revealing hidden rows."""
        return {**self.fixed_params, **self.reveal}

    def with_columns(self, columns: tuple[Column, ...]) -> TableSpec:
        return replace(self, columns=columns)
