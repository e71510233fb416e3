"""The server's settings and their checks: what `Server` is built with, before any socket opens.

Lower than both the listener (`server`) and the sessions (`session`), which read it; it imports
nothing of theirs.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from pathlib import Path

from . import errors as pgerr
from .errors import PgError

AUTH_METHODS = ("scram-sha-256", "md5", "trust")

#: PostgreSQL's limit for the startup packet (MAX_STARTUP_PACKET_LENGTH)
MAX_STARTUP_PACKET = 10_000
#: PostgreSQL's limit for each SASL message (PG_MAX_SASL_MESSAGE_LENGTH); MD5 answers are 36 bytes
MAX_AUTH_MESSAGE = 1024


class ServerConfigError(Exception):
    """The server cannot start with these settings; the message says what to change."""


@dataclass
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 5432
    #: "scram-sha-256" (needs a users file), "md5" (old clients), or "trust" (loopback only, no password)
    auth: str = "scram-sha-256"
    users_file: Path | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    #: refuse clients that did not negotiate TLS (always on for a non-loopback address)
    require_tls: bool = False
    #: authenticated sessions at once; one more gets SQLSTATE 53300 before it authenticates
    max_connections: int = 64
    #: sessions of one user at once (None: only max_connections); the users file may set a user's own
    max_connections_per_user: int | None = None
    #: connections still starting up (TLS, startup packet, password) at once; they hold no session slot
    max_startups: int = 256
    #: seconds for the whole startup of a connection: SSL request, TLS handshake, startup packet, password
    startup_timeout: float = 10.0
    #: the longest message an authenticated client may send (bytes)
    max_message_size: int = 64 * 1024 * 1024
    #: close a session after this many seconds without a message from its client (0: never)
    idle_session_timeout: float = 0.0
    #: the sessions' default statement_timeout in seconds (0: none); clients may SET their own
    statement_timeout: float = 0.0
    #: the delay after a first failed login from an address; it doubles with each failure, up to 8 s
    failed_login_delay: float = 0.5
    #: how long an emulated catalog is reused before the tables are read again
    catalog_ttl: float = 300.0


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return all(
                ipaddress.ip_address(info[4][0]).is_loopback for info in socket.getaddrinfo(host, None)
            )
        except (OSError, ValueError):
            return False


def validate(config: ServerConfig) -> None:
    if config.auth not in AUTH_METHODS:
        raise ServerConfigError(
            f"unknown auth method {config.auth!r}: choose one of {', '.join(AUTH_METHODS)}"
        )
    if (config.tls_cert is None) != (config.tls_key is None):
        raise ServerConfigError("give both a TLS certificate and its key (--tls-cert and --tls-key)")
    if not is_loopback(config.host):
        if config.tls_cert is None:
            raise ServerConfigError(
                f"refusing to listen on {config.host} without TLS: give --tls-cert and --tls-key, "
                "or listen on 127.0.0.1"
            )
        if config.auth == "trust":
            raise ServerConfigError(
                f"refusing to listen on {config.host} without authentication: add users with "
                "`pipedrive-sql serve user add NAME`, or listen on 127.0.0.1"
            )
        config.require_tls = True
    if config.auth != "trust" and config.users_file is None:
        raise ServerConfigError(
            "password authentication needs a users file: add a user with `pipedrive-sql serve user add NAME`"
        )
    if config.require_tls and config.tls_cert is None:
        raise ServerConfigError("require_tls needs a TLS certificate and key")
    for name in ("max_connections", "max_startups", "max_message_size"):
        if getattr(config, name) < 1:
            raise ServerConfigError(f"{name} must be at least 1")
    if config.max_connections_per_user is not None and config.max_connections_per_user < 1:
        raise ServerConfigError("max_connections_per_user must be at least 1")
    if config.startup_timeout <= 0:
        raise ServerConfigError("the startup timeout must be more than 0 seconds")
    for name in ("idle_session_timeout", "statement_timeout", "failed_login_delay"):
        if getattr(config, name) < 0:
            raise ServerConfigError(f"{name} must not be negative")


_DURATION = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(us|ms|s|min|h|d)?\s*$", re.I)
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "min": 60_000.0, "h": 3_600_000.0, "d": 86_400_000.0}


def duration_ms(value: str) -> float:
    """A PostgreSQL time setting ('5000', '5s', '1.5min', "'250ms'") in milliseconds; 0 means off.

    Raises ValueError for anything else, with PostgreSQL's wording."""
    m = _DURATION.match(value.strip().strip("'\""))
    if not m:
        raise ValueError(f'invalid value for a time setting: "{value}"')
    number = float(m.group(1))
    if number < 0:
        raise ValueError(f"{value} is outside the valid range (0 .. 2147483647 ms)")
    return number * _UNIT_MS[(m.group(2) or "ms").lower()]


#: PostgreSQL's bound for time settings in milliseconds (INT_MAX)
_MAX_MS = 2_147_483_647


def check_setting(name: str, value: str) -> str:
    """The value of a setting, checked as PostgreSQL checks it for the settings the server acts on
    (today statement_timeout); others are kept as given. Refused with 22023, as PostgreSQL refuses them."""
    if name != "statement_timeout":
        return value
    try:
        milliseconds = duration_ms(value)
    except ValueError:
        if value.strip().strip("'\"").startswith("-"):
            milliseconds = -1.0
        else:
            raise PgError(
                pgerr.INVALID_PARAMETER_VALUE,
                f'invalid value for parameter "{name}": "{value}"',
                hint='Valid units for this parameter are "us", "ms", "s", "min", "h", and "d".',
            ) from None
    if not 0 <= milliseconds <= _MAX_MS:
        raise PgError(
            pgerr.INVALID_PARAMETER_VALUE,
            f'{value} is outside the valid range for parameter "{name}" (0 .. {_MAX_MS})',
        )
    return value


def options_settings(options: str) -> dict[str, str]:
    """The `-c name=value` / `--name=value` settings of a startup packet's `options` parameter
    (libpq's PGOPTIONS), as PostgreSQL splits it: spaces separate, a backslash escapes the next
    character."""
    words: list[str] = []
    current: list[str] = []
    escaped = False
    for ch in options:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch.isspace():
            if current:
                words.append("".join(current))
                current = []
        else:
            current.append(ch)
    if current:
        words.append("".join(current))
    out: dict[str, str] = {}
    i = 0
    while i < len(words):
        word = words[i]
        setting = None
        if word == "-c" and i + 1 < len(words):
            setting, i = words[i + 1], i + 1
        elif word.startswith("-c") or word.startswith("--"):
            setting = word[2:]
        if setting and "=" in setting:
            name, value = setting.split("=", 1)
            out[name.strip().lower().replace("-", "_")] = value
        i += 1
    return out
