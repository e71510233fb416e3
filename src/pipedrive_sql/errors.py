"""The one error hierarchy of pipedrive-sql.

PEP 249 classes at the top, domain errors below them::

    Warning
    Error
    ├── InterfaceError                  misuse of the driver itself (closed cursor, bad arguments)
    │   └── ConfigurationError          a connection property is unknown, missing or has a bad value
    │       └── DSNError                a data source cannot be found, read or written
    └── DatabaseError
        ├── DataError                   a value cannot be converted or is out of range
        ├── OperationalError            the service or the network failed; nothing the SQL can fix
        │   ├── ConnectionFailed        the API could not be reached (DNS, refused, TLS, proxy)
        │   ├── RequestTimeout          the request (with its retries) did not finish within Timeout
        │   ├── ServiceUnavailable      Pipedrive answered 5xx after every retry
        │   ├── RateLimited             429: the burst limit, or the daily token budget is exhausted
        │   ├── Blocked                 403 block page: the client kept sending after 429s
        │   ├── QueryCanceled           the statement was cancelled (Cursor.cancel(), a server cancel request)
        │   └── AmbiguousWrite          a write failed in a way that leaves unknown whether it happened
        ├── AuthenticationError         401: bad or expired API token / access token
        │   ├── AuthorizationError      403: the token lacks a scope or the user a permission
        │   └── OAuthError              the OAuth flow failed (denied, state mismatch, invalid grant...)
        ├── IntegrityError              the API refused a write (validation failure, conflict)
        │   └── PartialWriteError       a multi-record write stopped part way (which ids were written)
        ├── InternalError               a bug in pipedrive-sql; please report it
        ├── ProgrammingError            bad SQL, unknown table or column, wrong parameters
        │   └── NotFoundError           404: the record or endpoint does not exist
        └── NotSupportedError           a feature the API or the driver cannot provide

Every message says what to do next. Messages never contain secrets.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

__all__ = [
    "AmbiguousWrite",
    "AuthenticationError",
    "AuthorizationError",
    "Blocked",
    "ConfigurationError",
    "ConnectionFailed",
    "DSNError",
    "DataError",
    "DatabaseError",
    "Error",
    "IntegrityError",
    "InterfaceError",
    "InternalError",
    "NotFoundError",
    "NotSupportedError",
    "OAuthError",
    "OperationalError",
    "PartialWriteError",
    "ProgrammingError",
    "QueryCanceled",
    "RateLimited",
    "RequestTimeout",
    "ServiceUnavailable",
    "Warning",
    "did_you_mean",
]


class Warning(Exception):  # the name is PEP 249's
    """Important warnings, e.g. data truncation."""


class Error(Exception):
    """Base of every error the driver raises."""


class InterfaceError(Error):
    pass


class ConfigurationError(InterfaceError):
    """A connection property is unknown, missing, or has a value that cannot be used."""

    def __init__(self, message: str, *, property: str | None = None) -> None:
        super().__init__(message)
        self.property = property


class DSNError(ConfigurationError):
    pass


class DatabaseError(Error):
    pass


class DataError(DatabaseError):
    pass


class OperationalError(DatabaseError):
    pass


class ConnectionFailed(OperationalError):
    pass


class RequestTimeout(OperationalError):
    pass


class ServiceUnavailable(OperationalError):
    pass


class RateLimited(OperationalError):
    """429. ``retry_after`` is seconds until a retry can succeed; ``daily`` tells the daily budget apart."""

    def __init__(self, message: str, *, retry_after: float | None = None, daily: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.daily = daily


class Blocked(OperationalError):
    pass


class QueryCanceled(OperationalError):
    """The statement was cancelled from another thread (``Cursor.cancel()``, ``Connection.cancel()``, a
    PostgreSQL CancelRequest or statement_timeout through the server): no further API page was asked for."""


class AmbiguousWrite(OperationalError):
    """A write failed after it may have reached Pipedrive: it may or may not have taken effect."""

    def __init__(self, message: str, *, method: str = "", path: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.path = path


class AuthenticationError(DatabaseError):
    pass


class AuthorizationError(AuthenticationError):
    pass


class OAuthError(AuthenticationError):
    def __init__(self, message: str, *, error: str | None = None) -> None:
        super().__init__(message)
        self.error = error


class IntegrityError(DatabaseError):
    pass


class PartialWriteError(IntegrityError):
    """A write of many records stopped part way: which were written, which failed, which were not tried."""

    def __init__(
        self,
        message: str,
        *,
        written: list[Any] | None = None,
        failed: list[tuple[Any, str]] | None = None,
        not_attempted: list[Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.written = written or []
        self.failed = failed or []
        self.not_attempted = not_attempted or []


class InternalError(DatabaseError):
    pass


class ProgrammingError(DatabaseError):
    """Bad SQL or misuse. ``line``/``col`` locate a syntax error when known."""

    def __init__(self, message: str, *, line: int | None = None, col: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.col = col


class NotFoundError(ProgrammingError):
    pass


class NotSupportedError(DatabaseError):
    pass


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """' Did you mean X?' for the closest choice (case-insensitive), or '' when nothing is close."""
    by_lower = {c.lower(): c for c in choices}
    match = difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.6)
    if not match:
        return ""
    names = [by_lower[m] for m in match]
    if len(names) == 1:
        return f" Did you mean {names[0]}?"
    return f" Did you mean {', '.join(names[:-1])} or {names[-1]}?"
