"""What a Spark read or write of Pipedrive asks for: the companies, the table or query, and how to behave.

Spark hands a data source its options as strings with case-insensitive names. Some name the data source's own
choices (``dsn``, ``dsns``, ``connections``, ``query``, ``onError``, ``timeSlices``, ...); every other option is a
connection property of the driver (``APIToken``, ``CompanyDomain``, ``Sandbox``, ``MaxConcurrency``, ...) and is
checked against the property table, so that a typo fails at once with a did-you-mean instead of being ignored.

Everything here is plain data: Spark pickles the data source and its readers to send them to its workers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pipedrive_sql.errors import ConfigurationError, ProgrammingError
from pipedrive_sql.settings import find_property

__all__ = ["Company", "SourceOptions", "parse_options"]

# The data source's own options (lower-case); everything else must be a connection property.
_OWN = {
    "path",
    "table",
    "query",
    "dsn",
    "dsns",
    "connections",
    "onerror",
    "timeslices",
    "companycolumn",
    "upserton",
    "batchsize",
    "startingfrom",
    "settleseconds",
    "pushfilters",
    "timetype",
}
_TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Company:
    """One Pipedrive company to read: a label for messages and the company column, and how to connect."""

    name: str
    dsn: str | None = None
    properties: Mapping[str, str] = field(default_factory=dict)

    def connect_arguments(self, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Keyword arguments for ``pipedrive_sql.connect``: the DSN (if any) and the properties over it."""
        arguments: dict[str, Any] = dict(self.properties)
        arguments.update(extra or {})
        if self.dsn is not None:
            arguments["dsn"] = self.dsn
        return arguments


@dataclass(frozen=True)
class SourceOptions:
    companies: tuple[Company, ...]
    table: str | None
    query: str | None
    on_error: str  # "fail" | "skip"
    time_slices: int
    company_column: str | None
    upsert_on: str | None
    batch_size: int
    starting_from: str  # "earliest" | "latest" | an ISO timestamp
    settle_seconds: float
    push_filters: bool
    time_type: bool  # TIME columns as Spark's TimeType (else text)

    @property
    def source_sql(self) -> str:
        """The FROM item every partition reads: the table's name, or the query as a derived table."""
        if self.query is not None:
            return f"({self.query}) AS pipedrive_query"
        assert self.table is not None
        return self.table

    @property
    def what(self) -> str:
        return self.table if self.table is not None else "the query"


def parse_options(options: Mapping[str, str]) -> SourceOptions:
    """Check Spark's options and turn them into a SourceOptions, or raise a ConfigurationError saying why."""
    given = {
        str(key).lower(): (str(key), "" if value is None else str(value)) for key, value in options.items()
    }
    properties: dict[str, str] = {}
    for lower, (key, value) in given.items():
        if lower in _OWN:
            continue
        prop = find_property(key)  # raises with a did-you-mean for an unknown name
        properties[prop.name] = value

    def own(name: str) -> str | None:
        entry = given.get(name.lower())
        if entry is None or entry[1].strip() == "":
            return None
        return entry[1].strip()

    table = own("table") or own("path")
    query = own("query")
    if table is not None and query is not None:
        raise ConfigurationError(
            "Give either a table (load('Deals') or option table) or option query, not both.", property="query"
        )
    if table is not None and not _TABLE_NAME.match(table):
        raise ConfigurationError(
            f"{table!r} is not a table name: load() takes a table such as 'Deals'; for SQL use option query.",
            property="table",
        )
    if query is not None:
        query = query.strip().rstrip(";").strip()
        if not re.match(r"(?is)^\s*(select|with)\b", query):
            raise ProgrammingError("Option query takes one SELECT statement (or WITH ... SELECT).")

    on_error = _choice(own("onError"), "onError", ("fail", "skip"), "fail")

    companies = _companies(own("dsn"), own("dsns"), own("connections"), properties)
    many = len(companies) > 1
    company_column = own("companyColumn")
    if company_column is None and many:
        company_column = "_company"
    if company_column is not None and company_column.lower() in ("none", "false", "off"):
        if many:
            raise ConfigurationError(
                "Reading several companies needs a company column to tell their rows apart; "
                "name it with option companyColumn.",
                property="companyColumn",
            )
        company_column = None

    return SourceOptions(
        companies=companies,
        table=table,
        query=query,
        on_error=on_error,
        time_slices=_int(own("timeSlices"), "timeSlices", default=1, minimum=1, maximum=16),
        company_column=company_column,
        upsert_on=own("upsertOn"),
        batch_size=_int(own("batchSize"), "batchSize", default=100, minimum=1, maximum=100),
        starting_from=(own("startingFrom") or "earliest"),
        time_type=_choice(own("timeType"), "timeType", ("string", "time"), "string") == "time",
        push_filters=(own("pushFilters") or "false").lower() in ("true", "1", "yes", "on"),
        settle_seconds=float(_int(own("settleSeconds"), "settleSeconds", default=2, minimum=0, maximum=3600)),
    )


def _companies(
    dsn: str | None, dsns: str | None, connections: str | None, properties: Mapping[str, str]
) -> tuple[Company, ...]:
    chosen = [name for name, value in (("dsn", dsn), ("dsns", dsns), ("connections", connections)) if value]
    if len(chosen) > 1:
        raise ConfigurationError(
            f"Options {' and '.join(chosen)} both name companies: use one of dsn, dsns or connections.",
            property=chosen[1],
        )
    if dsn is not None:
        return (Company(name=dsn, dsn=dsn, properties=dict(properties)),)
    if dsns is not None:
        names = [name.strip() for name in dsns.split(",") if name.strip()]
        if not names:
            raise ConfigurationError(
                "Option dsns is empty: list DSN names separated by commas.", property="dsns"
            )
        if len({n.lower() for n in names}) != len(names):
            raise ConfigurationError("Option dsns names a DSN twice.", property="dsns")
        return tuple(Company(name=name, dsn=name, properties=dict(properties)) for name in names)
    if connections is not None:
        return _connections(connections, properties)
    return (Company(name=_label(properties, 0), properties=dict(properties)),)


def _connections(text: str, properties: Mapping[str, str]) -> tuple[Company, ...]:
    try:
        entries = json.loads(text)
    except ValueError:
        raise ConfigurationError(
            "Option connections takes a JSON list of objects of connection properties "
            "(pipedrive_sql.spark.connections_option(df) builds it from a DataFrame).",
            property="connections",
        ) from None
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        raise ConfigurationError(
            "Option connections takes a non-empty JSON list of objects of connection properties.",
            property="connections",
        )
    companies = []
    for index, entry in enumerate(entries):
        merged = dict(properties)
        label = None
        dsn = None
        for key, value in entry.items():
            if value is None:
                continue
            lower = str(key).lower()
            if lower in ("name", "company"):
                label = str(value)
            elif lower == "dsn":
                dsn = str(value)
            else:
                merged[find_property(str(key)).name] = str(value)
        companies.append(Company(name=label or dsn or _label(merged, index), dsn=dsn, properties=merged))
    names = [c.name.lower() for c in companies]
    if len(set(names)) != len(names):
        raise ConfigurationError(
            "Two connections have the same name: give each a distinct 'name' (or CompanyDomain).",
            property="connections",
        )
    return tuple(companies)


def _label(properties: Mapping[str, str], index: int) -> str:
    for key in ("CompanyDomain", "BaseURL"):
        if properties.get(key):
            return str(properties[key])
    if str(properties.get("Sandbox", "")).lower() in ("true", "1", "yes", "on"):
        return "sandbox"
    return f"company {index + 1}"


def _int(raw: str | None, name: str, *, default: int, minimum: int, maximum: int) -> int:
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"Option {name}={raw!r} is not a whole number.", property=name) from None
    if not minimum <= value <= maximum:
        raise ConfigurationError(
            f"Option {name}={value} is out of range: use {minimum} to {maximum}.", property=name
        )
    return value


def _choice(raw: str | None, name: str, choices: tuple[str, ...], default: str) -> str:
    value = (raw or default).lower()
    if value not in choices:
        raise ConfigurationError(
            f"Option {name}={raw!r} is not valid: use {' or '.join(choices)}.", property=name
        )
    return value
