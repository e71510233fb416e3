"""The regression corpus: exact catalog queries real clients send, as data files in corpus/.

Each entry starts with `-- name: ID`; optional header lines follow:
`-- params: [json list]` (text parameters, sent with the extended protocol),
`-- expect-rows: N` (the row count PostgreSQL 15 returned for the same schema),
`-- expect-columns: a, b` (result column names, which clients look up),
`-- expect-contains: text` (a value some cell must contain).
`{oid:Name}` in the SQL is replaced by the oid the server gave table Name.

To add a client's queries: point the client at a PostgreSQL 15 started with `log_statement=all`, holding
tables like the test backend's (`Deals`, `Persons`, see duckdb_backend.py), do what its users do (connect,
browse, preview a table), copy each logged statement into a new entry, and take the expectations from
PostgreSQL's answers. A regression in the server then shows up as a failing entry, named after the client.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"


@dataclass
class Entry:
    name: str
    sql: str
    client: str
    params: list[str | int | bool | None] = field(default_factory=list)
    expect_rows: int | None = None
    expect_columns: list[str] | None = None
    expect_contains: list[str] = field(default_factory=list)


def load() -> list[Entry]:
    entries: list[Entry] = []
    for path in sorted(CORPUS.glob("*.sql")):
        current: Entry | None = None
        body: list[str] = []
        for line in [*path.read_text(encoding="utf-8").splitlines(), "-- name: <end>"]:
            if line.startswith("-- name: "):
                if current is not None:
                    current.sql = "\n".join(body).strip().rstrip(";")
                    entries.append(current)
                current = Entry(line[len("-- name: ") :].strip(), "", path.stem)
                body = []
            elif current is None:
                continue
            elif line.startswith("-- params: "):
                current.params = json.loads(line[len("-- params: ") :])
            elif line.startswith("-- expect-rows: "):
                current.expect_rows = int(line[len("-- expect-rows: ") :])
            elif line.startswith("-- expect-columns: "):
                current.expect_columns = [c.strip() for c in line[len("-- expect-columns: ") :].split(",")]
            elif line.startswith("-- expect-contains: "):
                current.expect_contains.append(line[len("-- expect-contains: ") :])
            else:
                body.append(line)
    return [e for e in entries if e.name != "<end>"]


# ---- per-tool conformance corpus: corpus/tools/<tool>.sql -----------------------------------------------

TOOLS = CORPUS / "tools"
STEPS = ("connect", "tables", "columns", "preview", "report")


@dataclass
class ToolEntry(Entry):
    step: str = ""
    source: str = ""
    #: SQL for the driver (DB-API) whose rows this statement's rows must equal
    compare: str | None = None
    #: "corpus/<file>.sql <name>" or "tools/<file>.sql <name>": the statement is that entry's (one source each)
    same_as: str | None = None

    @property
    def reconstructed(self) -> bool:
        return "reconstructed" in self.source


@dataclass
class Tool:
    name: str
    title: str
    entries: list[ToolEntry]


def load_tools() -> list[Tool]:
    """Each file: a `-- tool: title` line, then entries as in load(), with `-- step:` (one of STEPS),
    `-- source:` (where the statement was taken from; "reconstructed" when not verbatim) and, for preview
    and report steps, `-- compare:` (the DB-API query whose rows the entry's rows must equal).
    `-- same-as: corpus/psql.sql psql-13` (or `tools/<file>.sql <name>`) instead of a body: the statement,
    and its parameters unless the entry gives its own, are that entry's, so each statement has one source."""
    tools: list[Tool] = []
    known: dict[str, Entry] = {f"corpus/{e.client}.sql {e.name}": e for e in load()}
    for path in sorted(TOOLS.glob("*.sql")):
        lines = path.read_text(encoding="utf-8").splitlines()
        title = next((ln[len("-- tool: ") :] for ln in lines if ln.startswith("-- tool: ")), path.stem)
        entries: list[ToolEntry] = []
        current: ToolEntry | None = None
        body: list[str] = []
        for line in [*lines, "-- name: <end>"]:
            if line.startswith("-- name: "):
                if current is not None:
                    current.sql = "\n".join(body).strip().rstrip(";")
                    entries.append(current)
                current = ToolEntry(line[len("-- name: ") :].strip(), "", path.stem)
                body = []
            elif current is None:
                continue
            elif line.startswith("-- step: "):
                current.step = line[len("-- step: ") :].strip()
            elif line.startswith("-- source: "):
                current.source = line[len("-- source: ") :].strip()
            elif line.startswith("-- compare: "):
                current.compare = line[len("-- compare: ") :].strip()
            elif line.startswith("-- same-as: "):
                current.same_as = line[len("-- same-as: ") :].strip()
            elif line.startswith("-- params: "):
                current.params = json.loads(line[len("-- params: ") :])
            elif line.startswith("-- expect-rows: "):
                current.expect_rows = int(line[len("-- expect-rows: ") :])
            elif line.startswith("-- expect-columns: "):
                current.expect_columns = [c.strip() for c in line[len("-- expect-columns: ") :].split(",")]
            elif line.startswith("-- expect-contains: "):
                current.expect_contains.append(line[len("-- expect-contains: ") :])
            else:
                body.append(line)
        for entry in entries:
            if entry.same_as is not None:
                if entry.sql:
                    raise ValueError(f"{path.name} {entry.name}: same-as and a statement of its own")
                if entry.same_as not in known:
                    raise ValueError(f"{path.name} {entry.name}: same-as {entry.same_as!r} names no entry")
                origin = known[entry.same_as]
                entry.sql = origin.sql
                entry.params = entry.params or list(origin.params)
            known[f"tools/{path.name} {entry.name}"] = entry
        tools.append(Tool(path.stem, title, entries))
    return tools
