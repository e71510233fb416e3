"""The real backend: each served database is a set of driver connection properties (a DSN, a
connection string, or `Sandbox=true`), and each client session gets its own driver connection.

Pipedrive's burst limit is per token, and every session of a database uses the same credentials: the
sessions of a database share one rate-limit governor (the first session's), so fifty BI clients queue on
one window instead of fifty governors each believing the window is theirs (and drawing 429s).

The emulated PostgreSQL catalog is read from the driver's metadata tables (`sys_tables`,
`sys_tablecolumns`, `sys_foreignkeys`), so custom fields show up in BI tools as ordinary columns.
All tables are presented in schema `public`, where PostgreSQL clients look by default; the driver
accepts `public."Deals"` as well as `"Deals"`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from .backend import ColumnInfo, ForeignKey, ParameterInfo, RoutineInfo, TableInfo
from .types import pg_type_for

log = logging.getLogger("pipedrive_sql.server")


class PipedriveBackend:
    paramstyle = "qmark"

    def __init__(self, databases: Mapping[str, Mapping[str, Any]]) -> None:
        """`databases`: name -> keyword arguments for `pipedrive_sql.connect`, e.g.
        `{"crm": {"dsn": "crm"}, "sandbox": {"Sandbox": True}}`."""
        if not databases:
            raise ValueError("serve at least one database: a DSN name or the sandbox")
        self._databases = {name: dict(props) for name, props in databases.items()}
        self._governors: dict[str, tuple[Any, Any]] = {}
        self._lock = threading.Lock()

    def databases(self) -> Sequence[str]:
        return list(self._databases)

    def connect(self, database: str) -> Any:
        import pipedrive_sql

        props = dict(self._databases[database])
        connection_string = props.pop("connection_string", None)
        connection = pipedrive_sql.connect(connection_string, **props)
        self._share_governors(database, connection)
        return connection

    def _share_governors(self, database: str, connection: Any) -> None:
        """Give the new session's API client the database's governors (set before any request)."""
        client = getattr(connection, "client", None)
        if client is None or not hasattr(client, "governor") or not hasattr(client, "search_governor"):
            return
        with self._lock:
            shared = self._governors.setdefault(database, (client.governor, client.search_governor))
        client.governor, client.search_governor = shared

    def tables(self, database: str, connection: Any) -> Sequence[TableInfo]:
        return read_sys_catalog(connection)

    def routines(self, database: str, connection: Any) -> Sequence[RoutineInfo]:
        return read_sys_procedures(connection)

    def interrupt(self, connection: Any, cursor: Any) -> None:
        # A driver cursor that can stop mid-call says so; otherwise the session stops the stream at
        # the next batch, which for the driver is the next API page.
        for target in (cursor, connection):
            for name in ("cancel", "interrupt"):
                method = getattr(target, name, None)
                if callable(method):
                    method()
                    return


def _rows(connection: Any, sql: str) -> list[dict[str, Any]]:
    cursor = connection.cursor()
    try:
        cursor.execute(sql)
        names = [str(d[0]).lower() for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        cursor.close()


def read_sys_catalog(connection: Any) -> list[TableInfo]:
    """TableInfos from the driver's sys_* tables (column names matched case-insensitively)."""
    tables = _rows(connection, "SELECT * FROM sys_tables")
    columns = _rows(connection, "SELECT * FROM sys_tablecolumns")
    try:
        foreign = _rows(connection, "SELECT * FROM sys_foreignkeys")
    except Exception:
        log.debug("sys_foreignkeys is not readable; serving without foreign keys", exc_info=True)
        foreign = []
    by_table: dict[str, list[dict[str, Any]]] = {}
    for column in columns:
        by_table.setdefault(str(column["tablename"]), []).append(column)
    fks: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for fk in foreign:
        name = str(fk.get("foreignkeyname") or f"FK_{fk['tablename']}_{fk['columnname']}")
        fks.setdefault(str(fk["tablename"]), {}).setdefault(name, []).append(fk)
    out: list[TableInfo] = []
    for table in tables:
        name = str(table["tablename"])
        cols = sorted(by_table.get(name, []), key=lambda c: int(c.get("ordinal") or 0))
        infos = tuple(
            ColumnInfo(
                str(c["columnname"]),
                pg_type_for(str(c.get("datatypename") or "VARCHAR")),
                nullable=bool(c.get("isnullable", True)),
                description=str(c.get("description") or ""),
            )
            for c in cols
        )
        keys = tuple(str(c["columnname"]) for c in cols if c.get("iskey"))
        foreign_keys = tuple(
            ForeignKey(
                fk_name,
                tuple(str(p["columnname"]) for p in parts),
                str(parts[0]["referencedtablename"]),
                tuple(str(p["referencedcolumnname"]) for p in parts),
            )
            for fk_name, parts in fks.get(name, {}).items()
        )
        kind = "view" if str(table.get("tabletype", "TABLE")).upper() == "VIEW" else "table"
        out.append(
            TableInfo(
                name,
                infos,
                kind=kind,
                description=str(table.get("description") or ""),
                primary_key=keys,
                foreign_keys=foreign_keys,
            )
        )
    return out


def read_sys_procedures(connection: Any) -> list[RoutineInfo]:
    """The driver's stored procedures (sys_procedures, sys_procedureparameters) as routines."""
    try:
        procedures = _rows(connection, "SELECT * FROM sys_procedures")
        parameters = _rows(connection, "SELECT * FROM sys_procedureparameters")
    except Exception:
        log.debug("sys_procedures is not readable; serving without routines", exc_info=True)
        return []
    by_procedure: dict[str, list[dict[str, Any]]] = {}
    for parameter in parameters:
        by_procedure.setdefault(str(parameter["procedurename"]), []).append(parameter)
    out: list[RoutineInfo] = []
    for procedure in procedures:
        name = str(procedure["procedurename"])
        params = sorted(by_procedure.get(name, []), key=lambda p: int(p.get("ordinal") or 0))
        out.append(
            RoutineInfo(
                name,
                tuple(
                    ParameterInfo(
                        str(p["parametername"]),
                        pg_type_for(str(p.get("datatypename") or "VARCHAR")),
                        mode=_MODES.get(str(p.get("direction") or "IN").upper(), "IN"),
                        default=None if p.get("defaultvalue") is None else str(p["defaultvalue"]),
                    )
                    for p in params
                ),
                description=str(procedure.get("description") or ""),
            )
        )
    return out


# sys_procedureparameters.Direction -> PostgreSQL's parameter modes (a procedure's result columns are OUT)
_MODES = {"IN": "IN", "OUT": "OUT", "OUTPUT": "OUT", "RESULT": "OUT", "INOUT": "INOUT"}
