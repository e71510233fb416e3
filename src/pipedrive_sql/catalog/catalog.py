"""The catalog of one connection: the built-in tables plus the custom-field columns of this company.

Custom fields are read from ``/api/v2/{entity}Fields`` the first time a table of that entity is used, and
kept for the life of the connection (``refresh()`` forgets them, e.g. after a write to DealFields). When
several entities are needed at once (``tables()``: the whole catalog, as BI tools and ``sys_tables`` ask
for it) their definitions are read in one concurrent round, not one after another.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pipedrive_sql.catalog.custom_fields import custom_columns
from pipedrive_sql.catalog.spec import TableSpec
from pipedrive_sql.catalog.tables import BUILTIN_TABLES
from pipedrive_sql.errors import OperationalError, ProgrammingError, did_you_mean

__all__ = ["Catalog", "FieldsLoader"]

# entity ("deal") -> the API's field definitions
FieldsLoader = Callable[[str], Sequence[Mapping[str, Any]]]


class Catalog:
    """Tables by name (case-insensitive), with custom fields resolved lazily and once."""

    def __init__(
        self,
        fields_loader: FieldsLoader | None = None,
        *,
        include_custom_fields: bool = True,
        tables: Iterable[TableSpec] = BUILTIN_TABLES,
    ) -> None:
        self._loader = fields_loader
        self.include_custom_fields = include_custom_fields and fields_loader is not None
        self._builtin = {t.name.lower(): t for t in tables}
        self._definitions: dict[str, list[Mapping[str, Any]]] = {}
        self._resolved: dict[str, TableSpec] = {}
        self._lock = threading.RLock()

    # ---- lookup ------------------------------------------------------------------------------------------

    def table_names(self) -> list[str]:
        return [t.name for t in self._builtin.values()]

    def has_table(self, name: str) -> bool:
        return name.lower() in self._builtin

    def table(self, name: str) -> TableSpec:
        """The table ``name`` with its custom-field columns, or a ProgrammingError naming close matches."""
        lower = name.lower()
        if lower not in self._builtin:
            hint = did_you_mean(name, self.table_names())
            raise ProgrammingError(f"There is no table {name!r}.{hint} SELECT * FROM sys_tables lists them.")
        with self._lock:
            found = self._resolved.get(lower)
            if found is None:
                found = self._resolve(self._builtin[lower])
                self._resolved[lower] = found
            return found

    def tables(self) -> list[TableSpec]:
        """Every table, custom fields resolved (reads each entity's field definitions once, together)."""
        if self.include_custom_fields:
            self.load_definitions(t.custom_entity for t in self._builtin.values() if t.custom_entity)
        return [self.table(name) for name in self.table_names()]

    def builtin(self, name: str) -> TableSpec:
        """The declaration without custom fields (no API request)."""
        try:
            return self._builtin[name.lower()]
        except KeyError:
            raise ProgrammingError(f"There is no table {name!r}.") from None

    # ---- custom fields -----------------------------------------------------------------------------------

    def field_definitions(self, entity: str) -> list[Mapping[str, Any]]:
        """The API's field definitions of ``entity`` ("deal", "person", ...), read once per connection."""
        with self._lock:
            found = self._definitions.get(entity)
            if found is None:
                found = list(self._loader(entity)) if self._loader is not None else []
                self._definitions[entity] = found
            return found

    def load_definitions(self, entities: Iterable[str]) -> None:
        """Read the field definitions of every entity not read yet, all at once (one request each, sent
        concurrently; the rate-limit governor still paces them)."""
        with self._lock:
            missing = sorted({e for e in entities if e not in self._definitions})
        loader = self._loader
        if loader is None or not missing:
            return
        if len(missing) == 1:
            self.field_definitions(missing[0])
            return
        with ThreadPoolExecutor(max_workers=len(missing), thread_name_prefix="pipedrive-fields") as pool:
            found = dict(zip(missing, pool.map(lambda entity: list(loader(entity)), missing), strict=True))
        with self._lock:
            for entity, definitions in found.items():
                self._definitions.setdefault(entity, definitions)

    def loaded_entities(self) -> list[str]:
        return list(self._definitions)

    def refresh(self, entity: str | None = None) -> None:
        """Forget cached field definitions (all, or one entity's) so the next use reads them again."""
        with self._lock:
            if entity is None:
                self._definitions.clear()
                self._resolved.clear()
                return
            self._definitions.pop(entity, None)
            for key, spec in list(self._resolved.items()):
                if spec.custom_entity == entity:
                    del self._resolved[key]

    def _resolve(self, spec: TableSpec) -> TableSpec:
        if not spec.custom_entity or not self.include_custom_fields:
            return spec
        definitions = self.field_definitions(spec.custom_entity)
        try:
            extra = custom_columns(
                [d for d in definitions if isinstance(d, Mapping)], [c.name for c in spec.columns]
            )
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            # A damaged answer of /api/v2/{entity}Fields: our error, not a bare TypeError.
            raise OperationalError(
                f"The custom field definitions of {spec.custom_entity} could not be read "
                f"({type(exc).__name__}: {str(exc)[:200]}): try again, or connect with IncludeCustomFields=false."
            ) from exc
        return spec.with_columns((*spec.columns, *extra)) if extra else spec
