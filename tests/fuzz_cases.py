"""Fuzz cases shared by the Hypothesis tests (bounded, in CI) and ``bench/fuzz.py`` (long campaigns).

Three targets, each driven by a ``random.Random`` so that a case is reproduced from its seed:

- connection strings: mutations of valid ones, hostile values for each property (NUL, control characters,
  bad URLs, huge and malformed numbers, over-long paths, quotes that never close);
- SQL text: mutations of a corpus of valid statements (characters and tokens inserted, deleted, replaced,
  spans duplicated), deep nesting, huge literals, NUL and invalid UTF-8 (as lone surrogates);
- API payloads: ``FaultTransport`` forwards each request to the real sandbox and damages some answers
  (truncated JSON, wrong types, unexpected nulls, huge pages, invalid UTF-8, wrong top-level shapes).

A finding is any exception that is not one of the driver's own (``pipedrive_sql.errors.Error``).
"""

from __future__ import annotations

import copy
import json
import random
import traceback
from typing import Any

import duckdb
import httpx
import orjson

from pipedrive_sql.errors import Error

__all__ = [
    "SQL_CORPUS",
    "FaultTransport",
    "connection_string_case",
    "finding",
    "local_objects_consistent",
    "mutate_body",
    "run_sql",
    "sql_case",
]

SQL_CORPUS = (
    "SELECT Id, Title, Value FROM Deals WHERE Status = 'open' ORDER BY Value DESC LIMIT 5",
    "SELECT d.Title, p.Name FROM Deals d JOIN Persons p ON p.Id = d.PersonId WHERE d.Id IN (1, 2, 3)",
    "SELECT OwnerId, count(*), sum(Value) FROM Deals GROUP BY OwnerId HAVING count(*) > 1",
    "SELECT TOP 3 [Title] FROM [Deals] WHERE [Value] BETWEEN 10 AND 100000",
    "WITH x AS (SELECT Id FROM Deals LIMIT 3) SELECT * FROM x UNION ALL SELECT 4",
    "SELECT * FROM Persons WHERE Name LIKE 'A%' AND UpdateTime >= '2024-01-01' LIMIT 3",
    "SELECT Id, lag(Id) OVER (ORDER BY Id) FROM Stages",
    "SELECT * FROM sys_tables",
    "SELECT * FROM sys_tablecolumns WHERE TableName = 'Deals'",
    "EXPLAIN SELECT * FROM Deals WHERE OwnerId = 1 LIMIT 2",
    "SELECT CAST(Value AS VARCHAR) || ' ' || Currency FROM Deals LIMIT 2",
    "SELECT * FROM range(3) r(i) CROSS JOIN (VALUES (1), (2)) v(x)",
    "SELECT list_value(1, 2)[1], struct_pack(a := 1), [1, 2, 3]",
    "SELECT Id FROM Activities WHERE DealId = ? LIMIT 2",
    "CREATE TEMP TABLE fz AS SELECT Id FROM Deals LIMIT 3",
    "CREATE TEMP TABLE IF NOT EXISTS fz2 (a INTEGER, b VARCHAR)",
    "INSERT INTO fz2 VALUES (1, 'x'), (2, NULL)",
    "CREATE OR REPLACE TEMP VIEW fzv AS SELECT Id, Title FROM Deals WHERE Status = 'won'",
    "SELECT * FROM fzv LIMIT 2",
    "DROP TABLE IF EXISTS fz",
    "DROP VIEW IF EXISTS fzv",
    "UPDATE fz2 SET b = upper(b) WHERE a = 1",
    "DELETE FROM fz2 WHERE a > 1",
    "INSERT INTO Notes (Content, DealId) VALUES ('fuzz note', 1)",
    "UPDATE Deals SET Title = 'fuzzed' WHERE Id = 1",
    "DELETE FROM Notes WHERE Id = 999999",
    "EXEC GetOAuthAuthorizationURL CallbackURL='http://localhost:33333'",
)

_TOKENS = (
    "(",
    ")",
    "[",
    "]",
    "'",
    '"',
    ",",
    ";",
    "*",
    "?",
    "@x",
    ":x",
    "--",
    "/*",
    "*/",
    "\\",
    "::",
    "->",
    " SELECT ",
    " FROM ",
    " WHERE ",
    " AND ",
    " OR ",
    " NOT ",
    " NULL ",
    " JOIN ",
    " ON ",
    " UNION ",
    " CASE ",
    " END ",
    " IN ",
    " LIKE ",
    " LIMIT ",
    " OFFSET ",
    " ORDER BY ",
    " GROUP BY ",
    " EXEC ",
    " INSERT INTO ",
    " VALUES ",
    " CREATE TEMP TABLE ",
    " DROP ",
    " COPY ",
    " ATTACH ",
    " SET ",
    " read_text('/etc/passwd') ",
    " getenv('HOME') ",
    " Deals ",
    " Persons ",
    " Id ",
    " Title ",
    "\x00",
    "\udcff",
    "\u202e",
    "\ufeff",
    "é",
    "𝔘",
    "\t",
    "\n",
    "\r",
    "1e999",
    "-0",
    "9" * 40,
)


def sql_case(rng: random.Random) -> str:
    """One SQL text: mostly a mutated corpus statement, sometimes a pathological one."""
    kind = rng.random()
    if kind < 0.08:
        depth = rng.choice((10, 31, 33, 50, 200, 5000))
        opener, closer = rng.choice((("(", ")"), ("[", "]"), ("abs(", ")"), ("CASE WHEN true THEN ", " END")))
        return "SELECT " + opener * depth + "1" + closer * depth
    if kind < 0.12:
        size = rng.choice((1000, 100_000, 1_000_000))
        return f"SELECT length('{'x' * size}') AS n"
    if kind < 0.15:
        return "SELECT " + rng.choice(("NOT ", "- ", "+")) * rng.choice((100, 1000, 5000)) + "1"
    if kind < 0.18:
        raw = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 60)))
        return raw.decode("utf-8", "surrogateescape")
    text = rng.choice(SQL_CORPUS)
    for _ in range(rng.randrange(1, 4)):
        text = _mutate(text, rng)
    return text


def _mutate(text: str, rng: random.Random) -> str:
    if not text:
        return rng.choice(_TOKENS)
    at = rng.randrange(len(text) + 1)
    op = rng.randrange(5)
    if op == 0:
        return text[:at] + rng.choice(_TOKENS) + text[at:]
    if op == 1:
        end = min(len(text), at + rng.randrange(1, 12))
        return text[:at] + text[end:]
    if op == 2:
        end = min(len(text), at + rng.randrange(1, 8))
        return text[:at] + rng.choice(_TOKENS) + text[end:]
    if op == 3:
        end = min(len(text), at + rng.randrange(1, 30))
        return text[:end] + text[at:end] * rng.randrange(1, 4) + text[end:]
    return text[:at] + chr(rng.randrange(1, 0x3000)) + text[at:]


_GOOD = {
    "AuthScheme": "Basic",
    "APIToken": "abcdef123456",
    "CompanyDomain": "acme",
    "Timeout": "30",
    "Pagesize": "100",
}
_HOSTILE = (
    "",
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "'",
    '"',
    "{",
    "}",
    "{a}}b}",
    ";",
    "=",
    "http://[",
    "http://[::1",
    "ftp://x",
    "http://x:99999",
    "http://a b",
    "not a url",
    "-1",
    "0",
    "1e9",
    "99999999999999999999999",
    "NaN",
    "true",
    "yes",
    "\udcff",
    "x" * 5000,
    "/tmp/" + "y" * 300,
    "/proc/none/x",
    "/",
    "memory://",
    "*",
    "-----BEGIN CERTIFICATE-----",
)
_PROPERTIES = (
    "AuthScheme",
    "APIToken",
    "CompanyDomain",
    "BaseURL",
    "OAuthServerURL",
    "ProxyServer",
    "ProxyPort",
    "ProxyUser",
    "ProxyPassword",
    "Timeout",
    "Pagesize",
    "MaxRows",
    "MaxConcurrency",
    "Verbosity",
    "Logfile",
    "SSLServerCert",
    "OAuthSettingsLocation",
    "IncludeCustomFields",
    "InitiateOAuth",
    "NoSuch",
    "DSN",
    "Sandbox",
)


def connection_string_case(rng: random.Random) -> str:
    """A connection string: valid pairs with hostile values, names and syntax mixed in."""
    pairs = dict(_GOOD)
    for _ in range(rng.randrange(1, 4)):
        name = rng.choice(_PROPERTIES)
        if name in ("DSN", "Sandbox"):
            continue  # a DSN file lookup or an embedded sandbox: not what this fuzzes
        pairs[name] = rng.choice(_HOSTILE) if rng.random() < 0.8 else _mutate(pairs.get(name, "x"), rng)
    text = ";".join(f"{k}={v}" for k, v in pairs.items())
    if rng.random() < 0.3:
        text = _mutate(text, rng)
    return text


# ---- API payloads -------------------------------------------------------------------------------------


def mutate_body(body: bytes, rng: random.Random) -> bytes:
    """A damaged version of an API answer's body."""
    op = rng.randrange(9)
    if op == 0:
        return body[: rng.randrange(len(body) + 1)]  # truncated
    if op == 1:
        return rng.choice((b"", b"null", b"[]", b'"text"', b"42", b"{}", b'{"success": true}'))
    if op == 2:
        return body.replace(b'"', b"\xff", 1)  # invalid UTF-8
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body
    if op == 3 and isinstance(document, dict) and isinstance(document.get("data"), list) and document["data"]:
        document["data"] = document["data"] * rng.choice((10, 100))  # a huge page (repeated records)
    elif op == 4 and isinstance(document, dict):
        document.pop(rng.choice(("data", "additional_data", "success")), None)
    else:
        _damage_value(document, rng, rng.randrange(1, 6))
    return json.dumps(document).encode()  # the standard library writes integers of any size


_WRONG = (
    None,
    "",
    "x" * 10_000,
    0,
    -1,
    1.5,
    10**30,
    1e308,
    True,
    [],
    {},
    [None],
    {"value": None},
    "2024-13-45",
)


def _damage_value(document: Any, rng: random.Random, times: int) -> None:
    for _ in range(times):
        node = document
        for _ in range(6):
            children = _children(node)
            if not children:
                break
            key = rng.choice(children)
            if not _children(node[key]) or rng.random() < 0.3:
                # a copy: the same [None] put in two places, then one put inside the other, is a cycle
                node[key] = copy.deepcopy(rng.choice(_WRONG))
                break
            node = node[key]


def _children(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return list(node)
    if isinstance(node, list):
        return list(range(len(node)))
    return []


class FaultTransport(httpx.BaseTransport):
    """Sends each request to the real server, then damages the answers of GET requests with probability
    ``rate`` (the decisions come from ``rng``, so a seed reproduces a run)."""

    def __init__(self, rng: random.Random, rate: float = 0.5) -> None:
        self.inner = httpx.HTTPTransport()
        self.rng = rng
        self.rate = rate
        self.damaged = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method != "GET" or self.rng.random() >= self.rate:
            return response
        body = response.read()
        response.close()
        self.damaged += 1
        headers = [
            (k, v)
            for k, v in response.headers.items()
            if k.lower() not in ("content-length", "content-encoding")
        ]
        return httpx.Response(response.status_code, headers=headers, content=mutate_body(body, self.rng))

    def close(self) -> None:
        self.inner.close()


# ---- running a case ----------------------------------------------------------------------------------


def finding(exc: BaseException) -> str | None:
    """None for the driver's own errors; a one-line description with the innermost frame otherwise."""
    if isinstance(exc, Error):
        return None
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return f"{type(exc).__name__}: {str(exc)[:200]}{where}"


def run_sql(conn: Any, sql: str, params: Any = None) -> str | None:
    """Execute and fetch a little; the finding, or None when it ran or failed with our error."""
    try:
        cursor = conn.cursor()
        try:
            cursor.execute(sql, params)
            if cursor.description is not None:
                cursor.fetchmany(20)
        finally:
            cursor.close()
    except Exception as exc:
        return finding(exc)
    return None


def local_objects_consistent(conn: Any) -> bool:
    """The temp tables the engine knows are exactly those its DuckDB holds: nothing half created or dropped."""
    duck = conn.engine.duck.cursor()
    try:
        held = {row[0].lower() for row in duck.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    except duckdb.Error:
        return False
    finally:
        duck.close()
    return held == set(conn.engine.local.table_names())
