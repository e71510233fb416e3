"""Errors as clients see them: an SQLSTATE, a message, and sometimes a hint.

Driver, DuckDB, sqlglot and pyarrow exceptions are mapped by class name along the MRO, so this module
needs none of those imports; tools such as pgjdbc and psqlODBC branch on the SQLSTATE class (08
connection, 28 auth, 42 syntax/undefined, 53 resources, 54 limits, 57014 cancelled). Anything else is
a bug of ours: the client gets XX000 with a short incident id and no Python internals, and the server
logs the traceback under that id.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass

log = logging.getLogger("pipedrive_sql.server")


@dataclass
class PgError(Exception):
    sqlstate: str
    message: str
    severity: str = "ERROR"
    hint: str | None = None
    detail: str | None = None

    def __str__(self) -> str:
        return self.message

    def fields(self) -> dict[str, str]:
        out = {"S": self.severity, "V": self.severity, "C": self.sqlstate, "M": self.message}
        if self.detail:
            out["D"] = self.detail
        if self.hint:
            out["H"] = self.hint
        return out


QUERY_CANCELED = "57014"
ADMIN_SHUTDOWN = "57P01"
IN_FAILED_TRANSACTION = "25P02"
INVALID_PASSWORD = "28P01"
INVALID_AUTHORIZATION = "28000"
PROTOCOL_VIOLATION = "08P01"
UNDEFINED_DATABASE = "3D000"
SYNTAX_ERROR = "42601"
UNDEFINED_TABLE = "42P01"
UNDEFINED_COLUMN = "42703"
UNDEFINED_PREPARED = "26000"
UNDEFINED_CURSOR = "34000"
FEATURE_NOT_SUPPORTED = "0A000"
INTERNAL = "XX000"
TOO_MANY_CONNECTIONS = "53300"
IDLE_SESSION_TIMEOUT = "57P05"
OUT_OF_MEMORY = "53200"
STATEMENT_TOO_COMPLEX = "54001"
CHARACTER_NOT_IN_REPERTOIRE = "22021"
INVALID_PARAMETER_VALUE = "22023"
INVALID_TEXT_REPRESENTATION = "22P02"
INVALID_BINARY_REPRESENTATION = "22P03"
INVALID_DATETIME_FORMAT = "22007"
NUMERIC_VALUE_OUT_OF_RANGE = "22003"
DIVISION_BY_ZERO = "22012"

# Driver (pipedrive_sql.errors) and PEP 249 class names, most specific first along the MRO.
_BY_CLASS = {
    "NotFoundError": UNDEFINED_TABLE,
    "ProgrammingError": "42000",
    "NotSupportedError": FEATURE_NOT_SUPPORTED,
    "DataError": "22000",
    "IntegrityError": "23000",
    "PartialWriteError": "23000",
    "AuthenticationError": "28000",
    "AuthorizationError": "42501",
    "OAuthError": "28000",
    "RateLimited": "53400",
    "Blocked": "53400",
    "RequestTimeout": "57014",
    "ConnectionFailed": "08006",
    "ServiceUnavailable": "08006",
    "OperationalError": "58000",
    "InternalError": INTERNAL,
    "InterfaceError": "08000",
    "ConfigurationError": "08000",
    # DuckDB (answers catalog queries, and the test backend)
    "ParserException": SYNTAX_ERROR,
    "CatalogException": UNDEFINED_TABLE,
    "BinderException": "42000",
    "ConversionException": "22P02",
    "OutOfRangeException": "22003",
    "ConstraintException": "23000",
    "InterruptException": QUERY_CANCELED,
    "InvalidInputException": "22023",
    "NotImplementedException": FEATURE_NOT_SUPPORTED,
    "TransactionException": "25000",
    "InternalException": INTERNAL,
    "FatalException": INTERNAL,
    "IOException": "58030",
    "PermissionException": "42501",
    "OutOfMemoryException": OUT_OF_MEMORY,
    "SyntaxException": SYNTAX_ERROR,
    "SerializationException": "40001",
    "DatabaseError": "58000",
    "Error": INTERNAL,
    # sqlglot (the driver and the catalog translation parse SQL with it)
    "ParseError": SYNTAX_ERROR,
    "TokenError": SYNTAX_ERROR,
    "UnsupportedError": FEATURE_NOT_SUPPORTED,
    "OptimizeError": "42000",
    # pyarrow (casts of driver results)
    "ArrowInvalid": "22000",
    "ArrowTypeError": "42804",
    "ArrowNotImplementedError": FEATURE_NOT_SUPPORTED,
}

# Python's own exceptions that mean something about the input rather than a bug: a fixed message,
# never the Python text.
_BUILTIN = {
    RecursionError: (STATEMENT_TOO_COMPLEX, "statement too complex: it is nested too deeply"),
    MemoryError: (OUT_OF_MEMORY, "out of memory"),
    UnicodeError: (CHARACTER_NOT_IN_REPERTOIRE, 'invalid byte sequence for encoding "UTF8"'),
}


def internal_error(exc: BaseException, *, fatal: bool = False) -> PgError:
    """A bug of ours: log the traceback under a short incident id, and tell the client only the id."""
    incident = secrets.token_hex(4)
    log.error("internal error %s: %s: %s", incident, type(exc).__name__, exc, exc_info=exc)
    return PgError(
        INTERNAL,
        f"internal error {incident}: the server's log has the details under this id",
        severity="FATAL" if fatal else "ERROR",
    )


def _is_mapped_module(cls: type) -> bool:
    module = cls.__module__ or ""
    if module == "builtins":
        return False
    if cls.__name__ == "Error":  # only the PEP 249 bases: binascii.Error and friends are bugs of ours
        return module.split(".")[0] in ("pipedrive_sql", "duckdb", "_duckdb")
    return True


_COLUMN_HINTS = re.compile(r"(column|Referenced column) .*(not found|does not exist)", re.I)
_DIVISION_BY_ZERO = re.compile(r"\bdivision by zero\b", re.I)
_TABLE_HINTS = re.compile(r"(Table with name|table|relation) .*(does not exist|not found|unknown)", re.I)
# the driver reports DuckDB's failed casts of text as DataError; PostgreSQL tells them apart
_BAD_DATETIME = re.compile(
    r"invalid (timestamp|date|time|interval)\w* field format|convert string .* to (DATE|TIMESTAMP|TIME|INTERVAL)",
    re.I,
)
_DATETIME_OUT_OF_RANGE = re.compile(r"\b(date|time|timestamp)\w* field value out of range", re.I)
_BAD_TEXT = re.compile(r"\b(cannot|could not) convert\b", re.I)


def from_exception(exc: BaseException) -> PgError:
    """The PgError a client sees for an exception raised while serving it."""
    if isinstance(exc, PgError):
        return exc
    for builtin, (code, text) in _BUILTIN.items():
        if isinstance(exc, builtin):
            return PgError(code, text)
    sqlstate = None
    for cls in type(exc).__mro__:
        if cls.__name__ in _BY_CLASS and _is_mapped_module(cls):
            sqlstate = _BY_CLASS[cls.__name__]
            break
    if sqlstate is None:
        return internal_error(exc)
    message = str(exc).strip() or type(exc).__name__
    if sqlstate == INTERNAL and type(exc).__name__ in ("InternalException", "FatalException"):
        return internal_error(exc)  # DuckDB's own assertion failures: their text is not for clients
    if sqlstate in ("22000", INVALID_PARAMETER_VALUE) and "negative substring length not allowed" in message:
        return PgError(
            "22011", "negative substring length not allowed"
        )  # raised by the SQL operands.py wrote
    if sqlstate in ("22000", INVALID_PARAMETER_VALUE) and _DIVISION_BY_ZERO.search(message):
        # PostgreSQL's words; DuckDB's text advises TRY(...) and settings a PostgreSQL client cannot use
        return PgError(DIVISION_BY_ZERO, "division by zero")
    if sqlstate in ("22000", "22P02") and _DATETIME_OUT_OF_RANGE.search(message):
        sqlstate = "22008"  # datetime_field_overflow: '2025-13-45'
    elif sqlstate in ("22000", "22P02") and _BAD_DATETIME.search(message):
        sqlstate = INVALID_DATETIME_FORMAT
    elif sqlstate == "22000" and _BAD_TEXT.search(message):
        sqlstate = INVALID_TEXT_REPRESENTATION
    if sqlstate in ("42000", UNDEFINED_TABLE) and _COLUMN_HINTS.search(message):
        sqlstate = UNDEFINED_COLUMN
    elif sqlstate == "42000" and _TABLE_HINTS.search(message):
        sqlstate = UNDEFINED_TABLE
    # DuckDB prefixes its messages with the error class ("Binder Error: ..."); clients need only the text
    message = re.sub(r"^[A-Za-z ]+ Error: ", "", message, count=1)
    return PgError(sqlstate, message.splitlines()[0] if message else message, detail=_rest(message))


def _rest(message: str) -> str | None:
    lines = message.splitlines()[1:]
    text = "\n".join(line for line in lines if line.strip())
    return text or None
