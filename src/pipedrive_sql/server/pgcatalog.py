"""An emulated PostgreSQL system catalog, built from the driver's catalog and queried with DuckDB.

Clients browse a database with queries on `pg_catalog` and `information_schema` (psql's `\\d`,
psqlODBC's SQLColumns, pgjdbc's getTables ...). DuckDB's own pg_catalog is partial, so the server
builds its own: tables with the columns clients read (schema `pgc` for pg_catalog, `pgi` for
information_schema) filled from `TableInfo`s, and macros for the system functions clients call
(`pgx_<name>`). `translate.py` rewrites a client's query onto these names.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from pipedrive_sql.engine.guard import seal

from . import types as pgt
from .backend import RoutineInfo, TableInfo
from .pgcatalog_sql import DDL, MACROS, VIEWS

SERVER_VERSION = "15.0"
SERVER_VERSION_NUM = "150000"
VERSION_STRING = f"PostgreSQL {SERVER_VERSION} (pipedrive-sql) on x86_64-pc-linux-gnu, 64-bit"

NS_PG_CATALOG, NS_PUBLIC, NS_INFORMATION_SCHEMA = 11, 2200, 13000
OWNER_OID = 10
FIRST_USER_OID = 16384
FIRST_PROC_OID = 5000
FIRST_ROUTINE_OID = 30000

# System catalog relations clients name in `'pg_class'::regclass` or join through pg_class.
SYSTEM_RELATIONS = {
    "pg_type": 1247,
    "pg_attribute": 1249,
    "pg_proc": 1255,
    "pg_class": 1259,
    "pg_database": 1262,
    "pg_attrdef": 2604,
    "pg_constraint": 2606,
    "pg_description": 2609,
    "pg_index": 2610,
    "pg_namespace": 2615,
    "pg_am": 2601,
}

#: PostgreSQL's oids of its system catalogs: the `tableoid` of their rows
CATALOG_OIDS = {
    **SYSTEM_RELATIONS,
    "pg_aggregate": 2600,
    "pg_amop": 2602,
    "pg_amproc": 2603,
    "pg_subscription": 6100,
    "pg_cast": 2605,
    "pg_collation": 3456,
    "pg_conversion": 2607,
    "pg_depend": 2608,
    "pg_event_trigger": 3466,
    "pg_extension": 3079,
    "pg_foreign_data_wrapper": 2328,
    "pg_foreign_server": 1417,
    "pg_foreign_table": 3118,
    "pg_inherits": 2611,
    "pg_language": 2612,
    "pg_largeobject_metadata": 2995,
    "pg_opclass": 2616,
    "pg_operator": 2617,
    "pg_opfamily": 2753,
    "pg_policy": 3256,
    "pg_publication": 6104,
    "pg_rewrite": 2618,
    "pg_sequence": 2224,
    "pg_statistic_ext": 3381,
    "pg_tablespace": 1213,
    "pg_trigger": 2620,
    "pg_ts_config": 3602,
    "pg_ts_dict": 3600,
    "pg_ts_parser": 3601,
    "pg_ts_template": 3764,
}

_AMS = [(2, "heap", "heap_tableam_handler", "t"), (403, "btree", "bthandler", "i")]

_FUNCTIONS_IN = {"bool": "boolin", "int2vector": "int2vectorin", "oidvector": "oidvectorin"}


@dataclass(frozen=True)
class SessionInfo:
    """Per-session values system functions and views report."""

    database: str
    user: str


def _type_rows() -> tuple[dict[str, list[Any]], dict[str, int]]:
    """pg_type rows, and the I/O functions they name (regproc columns are pg_proc oids, as in PostgreSQL)."""
    procs: dict[str, int] = {}

    def proc(name: str) -> int:
        return procs.setdefault(name, FIRST_PROC_OID + len(procs))

    cols: dict[str, list[Any]] = {
        k: []
        for k in (
            "oid",
            "typname",
            "typlen",
            "typbyval",
            "typtype",
            "typcategory",
            "typelem",
            "typarray",
            "typinput",
            "typoutput",
            "typreceive",
            "typsend",
            "typdelim",
            "typsubscript",
            "typalign",
            "typstorage",
        )
    }
    for t in pgt.ALL_TYPES:
        is_array = t.elem_oid != 0
        base = t.name.lstrip("_") if is_array else t.name
        cols["oid"].append(t.oid)
        cols["typname"].append(t.name)
        cols["typlen"].append(t.size)
        cols["typbyval"].append(t.size in (1, 2, 4, 8) and not is_array)
        cols["typtype"].append("p" if t.name == "unknown" or t.category == "P" else "b")
        cols["typcategory"].append(t.category)
        cols["typelem"].append(t.elem_oid)
        cols["typarray"].append(t.array_oid)
        cols["typinput"].append(proc("array_in" if is_array else _FUNCTIONS_IN.get(t.name, f"{base}in")))
        cols["typoutput"].append(proc("array_out" if is_array else f"{base}out"))
        cols["typreceive"].append(proc("array_recv" if is_array else f"{base}recv"))
        cols["typsend"].append(proc("array_send" if is_array else f"{base}send"))
        cols["typdelim"].append(",")
        cols["typsubscript"].append("array_subscript_handler" if is_array else "-")
        cols["typalign"].append("d" if t.size == 8 else "i")
        cols["typstorage"].append(storage(t.oid, t.size))
    return cols, procs


def storage(oid: int, size: int) -> str:
    """PostgreSQL's storage strategy of a type (psql's `\\d+` shows it): plain for fixed-size types,
    main for numeric, extended for other variable-length ones (text, arrays, json)."""
    if size > 0 or size == -2:  # -2: cstring, unknown
        return "p"
    return "m" if oid == pgt.NUMERIC else "x"


_TYPE_ALIASES = {
    "int": "int4",
    "integer": "int4",
    "smallint": "int2",
    "bigint": "int8",
    "float": "float8",
    "double precision": "float8",
    "real": "float4",
    "decimal": "numeric",
    "boolean": "bool",
    "character varying": "varchar",
    "character": "bpchar",
    "char": "bpchar",
    "timestamp without time zone": "timestamp",
    "timestamp with time zone": "timestamptz",
    "time without time zone": "time",
    "time with time zone": "timetz",
}


def _type_names() -> dict[str, int]:
    """Every spelling `to_regtype` and `'x'::regtype` accept: type names, SQL names, aliases, arrays."""
    names: dict[str, int] = {}
    for t in pgt.ALL_TYPES:
        names.setdefault(t.name, t.oid)
        names.setdefault(t.sql_name.strip('"'), t.oid)
    for alias, target in _TYPE_ALIASES.items():
        names.setdefault(alias, pgt.BY_NAME[target].oid)
    for name, oid in list(names.items()):
        array = pgt.BY_OID[oid].array_oid
        if array:
            names.setdefault(name + "[]", array)
    return names


_TYPE_NAMES = _type_names()


def type_oid(name: str) -> int:
    """The oid of a type as SQL names it (`integer`, `text[]`, `pg_catalog.int8`); 0 (unknown) if none."""
    key = " ".join(name.split(".")[-1].strip().strip('"').lower().split())
    key = key.split("(")[0].strip() if "(" in key and not key.endswith("[]") else key
    return _TYPE_NAMES.get(key, 0)


class CatalogDatabase:
    """The emulated catalog of one served database: an in-memory DuckDB, rebuilt when tables change."""

    DATABASE_OID = 16383

    def __init__(self, database: str, tables: Sequence[TableInfo]) -> None:
        self.database = database
        self.tables = list(tables)
        self.relation_oids: dict[str, int] = {}
        self.routines_loaded = False
        self.proc_oids: dict[str, int] = {}
        self._lock = threading.Lock()
        self.db = duckdb.connect(":memory:")
        self._build()
        # Client SQL runs here too (catalog queries, queries without tables): no files, network, extensions
        # or settings, as in the driver's engine (docs/security.md).
        seal(self.db)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        with self._lock:
            return self.db.cursor()

    def close(self) -> None:
        self.db.close()

    # ---- building -------------------------------------------------------------------------------

    def _build(self) -> None:
        con = self.db
        for statement in DDL.split(";"):
            if statement.strip():
                con.execute(statement)
        # every catalog row names the catalog it is in (psql's \\dd and \\dL join on it)
        tables = con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'pgc' AND table_type = 'BASE TABLE'"
        ).fetchall()
        for (table,) in tables:
            con.execute(
                f"ALTER TABLE pgc.{table} ADD COLUMN tableoid UINTEGER DEFAULT {CATALOG_OIDS.get(table, 0)}"
            )
        con.execute("CREATE TABLE pgc.type_format_names (oid UINTEGER, format_name VARCHAR)")
        self._insert(
            "pgc.type_format_names",
            {
                "oid": [t.oid for t in pgt.ALL_TYPES if t.sql_name != t.name],
                "format_name": [t.sql_name for t in pgt.ALL_TYPES if t.sql_name != t.name],
            },
        )
        con.execute("CREATE TABLE pgc.type_names (name VARCHAR, oid UINTEGER)")
        self._insert("pgc.type_names", {"name": list(_TYPE_NAMES), "oid": list(_TYPE_NAMES.values())})
        for statement in MACROS.replace("__VERSION__", VERSION_STRING).split(";"):
            if statement.strip():
                con.execute(statement)
        for statement in VIEWS.split(";"):
            if statement.strip():
                con.execute(statement)
        type_rows, procs = _type_rows()
        self._insert("pgc.pg_type", type_rows)
        self.proc_oids = procs
        self._insert(
            "pgc.pg_proc",
            {
                "oid": list(procs.values()),
                "proname": list(procs),
                "pronamespace": [NS_PG_CATALOG] * len(procs),
            },
        )
        self._insert(
            "pgc.pg_namespace",
            {
                "oid": [NS_PG_CATALOG, NS_PUBLIC, NS_INFORMATION_SCHEMA],
                "nspname": ["pg_catalog", "public", "information_schema"],
            },
        )
        self._insert(
            "pgc.pg_am",
            {
                k: list(v)
                for k, v in zip(
                    ("oid", "amname", "amhandler", "amtype"), zip(*_AMS, strict=True), strict=True
                )
            },
        )
        self._insert("pgc.pg_database", {"oid": [self.DATABASE_OID], "datname": [self.database]})
        self._insert("pgc.pg_roles", {"oid": [OWNER_OID], "rolname": ["pipedrive"]})
        self._insert(
            "pgc.pg_settings",
            {
                "name": [
                    "max_index_keys",
                    "max_identifier_length",
                    "server_version",
                    "server_version_num",
                    "search_path",
                    "standard_conforming_strings",
                    "TimeZone",
                    "DateStyle",
                    "client_encoding",
                    "server_encoding",
                    "integer_datetimes",
                    "default_transaction_read_only",
                ],
                "setting": [
                    "32",
                    "63",
                    SERVER_VERSION,
                    SERVER_VERSION_NUM,
                    '"$user", public',
                    "on",
                    "UTC",
                    "ISO, MDY",
                    "UTF8",
                    "UTF8",
                    "on",
                    "off",
                ],
            },
        )
        self._insert_system_relations()
        self._insert_user_tables()

    def _insert(self, table: str, columns: dict[str, list[Any]]) -> None:
        if not columns or not next(iter(columns.values())):
            return
        arrow = pa.table(columns)
        self.db.register("_pgx_src", arrow)
        try:
            self.db.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _pgx_src")
        finally:
            self.db.unregister("_pgx_src")

    def _insert_system_relations(self) -> None:
        names = sorted(SYSTEM_RELATIONS)
        self._insert(
            "pgc.pg_class",
            {
                "oid": [SYSTEM_RELATIONS[n] for n in names],
                "relname": names,
                "relnamespace": [NS_PG_CATALOG] * len(names),
                "relkind": ["r"] * len(names),
                "relam": [2] * len(names),
            },
        )

    def _insert_user_tables(self) -> None:
        next_oid = FIRST_USER_OID
        rel: dict[str, list[Any]] = {
            k: []
            for k in (
                "oid",
                "relname",
                "relnamespace",
                "relkind",
                "relnatts",
                "relhasindex",
                "relam",
                "relhastriggers",
            )
        }
        # PostgreSQL implements foreign keys with triggers, and psql looks for them only then
        with_triggers = {t.name for t in self.tables if t.foreign_keys} | {
            fk.ref_table for t in self.tables for fk in t.foreign_keys
        }
        att: dict[str, list[Any]] = {
            k: []
            for k in (
                "attrelid",
                "attname",
                "atttypid",
                "attlen",
                "attnum",
                "atttypmod",
                "attnotnull",
                "atthasdef",
                "attbyval",
                "attstorage",
            )
        }
        idx: dict[str, list[Any]] = {
            k: []
            for k in (
                "indexrelid",
                "indrelid",
                "indnatts",
                "indnkeyatts",
                "indkey",
                "indoption",
                "indexdef",
                "indclass",
                "indcollation",
            )
        }
        con: dict[str, list[Any]] = {
            k: []
            for k in (
                "oid",
                "conname",
                "contype",
                "conrelid",
                "conindid",
                "confrelid",
                "conkey",
                "confkey",
                "condef",
            )
        }
        desc: dict[str, list[Any]] = {k: [] for k in ("objoid", "classoid", "objsubid", "description")}
        attrdef: dict[str, list[Any]] = {k: [] for k in ("oid", "adrelid", "adnum", "adbin")}
        oids: dict[str, int] = {}
        attnums: dict[str, dict[str, int]] = {}
        pk_index: dict[str, int] = {}
        namespaces = {NS_PUBLIC: "public"}
        for table in sorted(self.tables, key=lambda t: (t.schema, t.name)):
            oid = next_oid
            next_oid += 1
            oids[table.name] = oid
            attnums[table.name] = {c.name: i + 1 for i, c in enumerate(table.columns)}
            rel["oid"].append(oid)
            rel["relname"].append(table.name)
            rel["relnamespace"].append(self._namespace_oid(table.schema, namespaces))
            rel["relkind"].append("v" if table.kind == "view" else "r")
            rel["relnatts"].append(len(table.columns))
            rel["relhasindex"].append(bool(table.primary_key))
            rel["relam"].append(0 if table.kind == "view" else 2)
            rel["relhastriggers"].append(table.name in with_triggers)
            if table.description:
                desc["objoid"].append(oid)
                desc["classoid"].append(SYSTEM_RELATIONS["pg_class"])
                desc["objsubid"].append(0)
                desc["description"].append(table.description)
            for number, column in enumerate(table.columns, start=1):
                att["attrelid"].append(oid)
                att["attname"].append(column.name)
                att["atttypid"].append(column.type.oid)
                att["attlen"].append(column.type.size)
                att["attnum"].append(number)
                att["atttypmod"].append(column.type.typmod)
                att["attnotnull"].append(not column.nullable)
                att["atthasdef"].append(column.default is not None)
                att["attbyval"].append(column.type.size in (1, 2, 4, 8))
                att["attstorage"].append(storage(column.type.oid, column.type.size))
                if column.default is not None:
                    attrdef["oid"].append(next_oid)
                    next_oid += 1
                    attrdef["adrelid"].append(oid)
                    attrdef["adnum"].append(number)
                    attrdef["adbin"].append(column.default)
                if column.description:
                    desc["objoid"].append(oid)
                    desc["classoid"].append(SYSTEM_RELATIONS["pg_class"])
                    desc["objsubid"].append(number)
                    desc["description"].append(column.description)
            if table.primary_key:
                index_oid, constraint_oid = next_oid, next_oid + 1
                next_oid += 2
                pk_index[table.name] = index_oid
                keys = [attnums[table.name][c] for c in table.primary_key if c in attnums[table.name]]
                index_name = f"{table.name}_pkey"
                column_list = ", ".join(_quote_ident(c) for c in table.primary_key)
                rel["oid"].append(index_oid)
                rel["relname"].append(index_name)
                rel["relnamespace"].append(self._namespace_oid(table.schema, namespaces))
                rel["relkind"].append("i")
                rel["relnatts"].append(len(keys))
                rel["relhasindex"].append(False)
                rel["relam"].append(403)
                rel["relhastriggers"].append(False)
                for number, column_name in enumerate(table.primary_key, start=1):
                    source = next(c for c in table.columns if c.name == column_name)
                    att["attrelid"].append(index_oid)
                    att["attname"].append(column_name)
                    att["atttypid"].append(source.type.oid)
                    att["attlen"].append(source.type.size)
                    att["attnum"].append(number)
                    att["atttypmod"].append(source.type.typmod)
                    att["attnotnull"].append(False)
                    att["atthasdef"].append(False)
                    att["attbyval"].append(source.type.size in (1, 2, 4, 8))
                    att["attstorage"].append(storage(source.type.oid, source.type.size))
                idx["indexrelid"].append(index_oid)
                idx["indrelid"].append(oid)
                idx["indnatts"].append(len(keys))
                idx["indnkeyatts"].append(len(keys))
                idx["indkey"].append(keys)
                idx["indoption"].append([0] * len(keys))
                idx["indclass"].append([0] * len(keys))
                idx["indcollation"].append([0] * len(keys))
                idx["indexdef"].append(
                    f"CREATE UNIQUE INDEX {_quote_ident(index_name)} ON {table.schema}.{_quote_ident(table.name)} USING btree ({column_list})"
                )
                con["oid"].append(constraint_oid)
                con["conname"].append(index_name)
                con["contype"].append("p")
                con["conrelid"].append(oid)
                con["conindid"].append(index_oid)
                con["confrelid"].append(0)
                con["conkey"].append(keys)
                con["confkey"].append(None)
                con["condef"].append(f"PRIMARY KEY ({column_list})")
        for table in self.tables:
            for fk in table.foreign_keys:
                target = fk.ref_table
                if target not in oids or table.name not in oids:
                    continue
                try:
                    keys = [attnums[table.name][c] for c in fk.columns]
                    ref_keys = [attnums[target][c] for c in fk.ref_columns]
                except KeyError:
                    continue
                con["oid"].append(next_oid)
                next_oid += 1
                con["conname"].append(fk.name)
                con["contype"].append("f")
                con["conrelid"].append(oids[table.name])
                con["conindid"].append(pk_index.get(target, 0))
                con["confrelid"].append(oids[target])
                con["conkey"].append(keys)
                con["confkey"].append(ref_keys)
                con["condef"].append(
                    f"FOREIGN KEY ({', '.join(_quote_ident(c) for c in fk.columns)}) REFERENCES "
                    f"{_quote_ident(target)}({', '.join(_quote_ident(c) for c in fk.ref_columns)})"
                )
        extra = {oid: name for oid, name in namespaces.items() if oid != NS_PUBLIC}
        if extra:
            self._insert("pgc.pg_namespace", {"oid": list(extra), "nspname": list(extra.values())})
        self._insert("pgc.pg_class", rel)
        self._insert("pgc.pg_attribute", att)
        self._insert("pgc.pg_index", idx)
        self._insert("pgc.pg_constraint", con)
        self._insert("pgc.pg_description", desc)
        self._insert("pgc.pg_attrdef", attrdef)
        self.relation_oids = {name: oid for name, oid in SYSTEM_RELATIONS.items()}
        self.relation_oids.update(oids)
        self.relation_oids.update({f"{name}_pkey": oid for name, oid in pk_index.items()})

    @staticmethod
    def _namespace_oid(schema: str, namespaces: dict[int, str]) -> int:
        for oid, name in namespaces.items():
            if name == schema:
                return oid
        oid = 20000 + len(namespaces)
        namespaces[oid] = schema
        return oid

    def add_routines(self, routines: Sequence[RoutineInfo]) -> None:
        """List stored procedures in pg_proc (prokind p) and information_schema.routines / parameters.
        Done once per catalog, by the first session that needs it (they come from another sys table)."""
        with self._lock:
            if self.routines_loaded:
                return
            self.routines_loaded = True
            proc: dict[str, list[Any]] = {
                k: []
                for k in (
                    "oid",
                    "proname",
                    "pronamespace",
                    "prokind",
                    "pronargs",
                    "prorettype",
                    "proargtypes",
                    "proargnames",
                    "proargmodes",
                    "proallargtypes",
                    "prosrc",
                    "proisstrict",
                )
            }
            routine_rows: dict[str, list[Any]] = {
                k: []
                for k in (
                    "specific_catalog",
                    "specific_schema",
                    "specific_name",
                    "routine_catalog",
                    "routine_schema",
                    "routine_name",
                    "routine_type",
                    "data_type",
                )
            }
            parameter_rows: dict[str, list[Any]] = {
                k: []
                for k in (
                    "specific_catalog",
                    "specific_schema",
                    "specific_name",
                    "ordinal_position",
                    "parameter_mode",
                    "parameter_name",
                    "data_type",
                )
            }
            descriptions: dict[str, list[Any]] = {
                k: [] for k in ("objoid", "classoid", "objsubid", "description")
            }
            oid = FIRST_ROUTINE_OID
            for routine in routines:
                oid += 1
                specific = f"{routine.name}_{oid}"
                inputs = [p for p in routine.parameters if p.mode in ("IN", "INOUT")]
                proc["oid"].append(oid)
                proc["proname"].append(routine.name)
                proc["pronamespace"].append(NS_PUBLIC)
                proc["prokind"].append("p")
                proc["pronargs"].append(len(inputs))
                proc["prorettype"].append(0)
                proc["proargtypes"].append([p.type.oid for p in inputs])
                proc["proargnames"].append([p.name for p in routine.parameters])
                proc["proargmodes"].append(
                    [{"IN": "i", "OUT": "o", "INOUT": "b"}.get(p.mode, "i") for p in routine.parameters]
                )
                proc["proallargtypes"].append([p.type.oid for p in routine.parameters])
                proc["prosrc"].append(routine.name)
                proc["proisstrict"].append(False)
                _append_row(
                    routine_rows,
                    specific_catalog=self.database,
                    specific_schema=routine.schema,
                    specific_name=specific,
                    routine_catalog=self.database,
                    routine_schema=routine.schema,
                    routine_name=routine.name,
                    routine_type="PROCEDURE",
                    data_type=None,
                )
                for position, parameter in enumerate(routine.parameters, start=1):
                    known = pgt.BY_OID.get(parameter.type.oid)
                    _append_row(
                        parameter_rows,
                        specific_catalog=self.database,
                        specific_schema=routine.schema,
                        specific_name=specific,
                        ordinal_position=position,
                        parameter_mode=parameter.mode,
                        parameter_name=parameter.name,
                        data_type=known.sql_name if known else "text",
                    )
                if routine.description:
                    descriptions["objoid"].append(oid)
                    descriptions["classoid"].append(SYSTEM_RELATIONS["pg_proc"])
                    descriptions["objsubid"].append(0)
                    descriptions["description"].append(routine.description)
            self._insert("pgc.pg_proc", proc)
            self._insert("pgi.routines", routine_rows)
            self._insert("pgi.parameters", parameter_rows)
            self._insert("pgc.pg_description", descriptions)

    def proc_oid_of(self, name: str) -> int | None:
        return self.proc_oids.get(name.split(".")[-1].strip('"'))

    def oid_of(self, name: str) -> int | None:
        """The oid of a relation named as `'x'::regclass` would name it (case-insensitive fallback)."""
        name = name.split(".")[-1]
        if name.startswith('"') and name.endswith('"'):
            return self.relation_oids.get(name[1:-1].replace('""', '"'))
        if name in self.relation_oids:
            return self.relation_oids[name]
        lowered = {k.lower(): v for k, v in self.relation_oids.items()}
        return lowered.get(name.lower())


def _append_row(columns: dict[str, list[Any]], **row: Any) -> None:
    for key, value in row.items():
        columns[key].append(value)


def _quote_ident(name: str) -> str:
    if name.isidentifier() and name == name.lower():
        return name
    return '"' + name.replace('"', '""') + '"'
