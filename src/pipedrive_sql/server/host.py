"""What a session receives from the listener and may ask of it.

`Startup` is the outcome of a connection's startup (done by `handshake` before any session thread
exists); `SessionHost` is the part of `Server` a `Session` uses. Both live here, below `server` and
`session`, so that neither of those imports the other's module for its types.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .backend import Backend
    from .config import ServerConfig
    from .pgcatalog import CatalogDatabase


@dataclass
class Startup:
    """An authenticated connection, ready for its session."""

    sock: socket.socket  # blocking; an ssl.SSLSocket when the client negotiated TLS
    peer: str
    user: str
    database: str
    tls: bool
    #: the startup packet's parameters, `options` (-c name=value) merged in, names in lower case
    params: dict[str, str] = field(default_factory=dict)


class SessionHost(Protocol):
    backend: Backend
    config: ServerConfig

    def next_pid(self) -> int: ...

    def register(self, session: Any) -> None: ...

    def unregister(self, session: Any) -> None: ...

    def catalog_for(self, database: str, connection: Any) -> CatalogDatabase: ...

    def still_allowed(self, user: str) -> bool: ...
