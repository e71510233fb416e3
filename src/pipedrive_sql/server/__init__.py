"""A PostgreSQL-protocol server over the driver, so BI tools connect with ordinary ODBC/JDBC drivers.

    from pipedrive_sql.server import Server, ServerConfig
    Server(PipedriveBackend({"crm": "DSN=crm"}), ServerConfig(port=5433, auth="trust")).serve_forever()

Layers: `protocol` (wire format) -> `session` (one client: auth, simple/extended query, routing)
-> `server` (listener, TLS, cancel keys, catalogs); `pgcatalog` + `translate` answer pg_catalog and
information_schema queries from the driver's catalog; `cli_commands` are what `pipedrive-sql serve`
calls.
"""

from __future__ import annotations

from .backend import Backend, ColumnInfo, ForeignKey, TableInfo
from .server import Server, ServerConfig, ServerConfigError
from .types import ColumnType
from .users import UserStore

__all__ = [
    "Backend",
    "ColumnInfo",
    "ColumnType",
    "ForeignKey",
    "Server",
    "ServerConfig",
    "ServerConfigError",
    "TableInfo",
    "UserStore",
]
