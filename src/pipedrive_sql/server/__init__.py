"""A PostgreSQL-protocol server over the driver, so BI tools connect with ordinary ODBC/JDBC drivers.

    from pipedrive_sql.server import Server, ServerConfig
    config = ServerConfig(port=5433, users_file=Path("users.json"))  # SCRAM; `serve user add` fills it
    Server(PipedriveBackend({"crm": {"dsn": "crm"}}), config).serve_forever()

Layers: `protocol` (wire format), `config` (settings), `host` (what a session gets) -> `handshake`
(one thread: accept, TLS, startup packet, password, within a deadline) -> `session` (one
authenticated client: simple/extended query, routing) -> `server` (listener, limits, cancel keys,
catalogs); `pgcatalog` + `translate` answer pg_catalog and information_schema queries from the
driver's catalog; `cli_commands` are what `pipedrive-sql serve` calls.
"""

from __future__ import annotations

from .backend import Backend, ColumnInfo, ForeignKey, TableInfo
from .config import ServerConfig, ServerConfigError
from .server import Server
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
