"""The conformance corpus (corpus/tools/*.sql): what each BI tool and driver sends to connect, list tables,
list a table's columns and keys, preview 1,000 rows of Deals and run a folded report, replayed over the
extended protocol against the server over the real driver (the embedded sandbox). Preview and report rows
must equal what the DB-API returns for the same question.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from typing import Any

import pytest

from .conftest import Running
from .corpus import STEPS, Tool, ToolEntry, load, load_tools

psycopg = pytest.importorskip("psycopg", reason="psycopg 3 is not installed (pip install 'psycopg[binary]')")

TOOLS = load_tools()


def test_every_tool_covers_the_five_steps() -> None:
    assert {t.name for t in TOOLS} >= {
        "npgsql4",
        "npgsql8",
        "metabase",
        "tableau",
        "dbeaver",
        "grafana",
        "superset",
        "psql",
        "pgjdbc",
        "psqlodbc",
        "psycopg",
    }
    for tool in TOOLS:
        assert {e.step for e in tool.entries} == set(STEPS), tool.name
        for entry in tool.entries:
            assert entry.source, f"{entry.name} names no source"
            if entry.step in ("preview", "report"):
                assert entry.compare, f"{entry.name} has nothing to compare with"


def test_metadata_statements_are_verbatim_or_captured() -> None:
    """What these tools send to connect and browse is taken from their source or captured from the real
    driver or library; only the data queries of closed tools (and Power BI's navigator) are reconstructed."""
    for tool in TOOLS:
        if tool.name not in {"npgsql4", "metabase", "tableau", "dbeaver", "grafana", "superset"}:
            continue
        for entry in tool.entries:
            if entry.step in ("connect", "tables", "columns"):
                assert not entry.reconstructed, f"{entry.name}: {entry.source}"
                assert "verbatim" in entry.source or "captured" in entry.source or "rendered" in entry.source


def test_each_statement_has_one_source() -> None:
    """A tool's statement that the regression corpus (corpus/*.sql) already holds is referenced with
    `-- same-as:`, not copied; so is one tool's statement that another tool's file holds."""
    seen: dict[str, str] = {}
    for entry in load():
        seen.setdefault(" ".join(entry.sql.split()), f"corpus/{entry.client}.sql {entry.name}")
    for tool in TOOLS:
        for entry in tool.entries:
            if entry.same_as is not None:
                assert entry.same_as in seen.values() or entry.same_as.startswith("tools/"), entry.name
                continue
            text = " ".join(entry.sql.split())
            assert text not in seen, f"{tool.name} {entry.name} repeats {seen[text]}: use -- same-as"
            seen[text] = f"tools/{tool.name}.sql {entry.name}"


def _normal(value: Any) -> Any:
    """Values as both sides deliver them: psycopg decodes PostgreSQL types, the DB-API hands Python ones."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC)
    return value


def _rows(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted((tuple(_normal(v) for v in row) for row in rows), key=repr)


def _replay(conn: psycopg.Connection, entry: ToolEntry) -> tuple[list[str] | None, list[tuple[Any, ...]]]:
    oids: dict[str, int] = {}
    if "{oid:" in entry.sql or any("{oid:" in str(p) for p in entry.params):
        oids = dict(
            conn.execute("SELECT relname, oid FROM pg_catalog.pg_class WHERE relkind = 'r'").fetchall()
        )

    def fill(text: str) -> str:
        return re.sub(r"\{oid:(\w+)\}", lambda m: str(oids[m.group(1)]), text)

    cur = conn.cursor()
    if entry.params:
        # $n as the tool's driver numbers its parameters (the same $n may occur twice); a "{oid:Name}"
        # parameter is the oid the tool read before, sent as a number
        values = {
            f"p{i}": int(fill(p)) if isinstance(p, str) and p.startswith("{oid:") else p
            for i, p in enumerate(entry.params, 1)
        }
        sql = re.sub(r"\$(\d+)", lambda m: f"%(p{m.group(1)})s", fill(entry.sql).replace("%", "%%"))
        cur.execute(sql, values)
    else:
        # prepare=True: Parse/Describe/Bind/Execute, the extended protocol the tools' drivers use
        cur.execute(fill(entry.sql), prepare=True)
    if cur.description is None:
        return None, []
    return [d.name for d in cur.description], cur.fetchall()


@pytest.mark.parametrize("tool", TOOLS, ids=[t.name for t in TOOLS])
def test_tool_passes_every_step(driver_server: Running, driver_dbapi: Any, tool: Tool) -> None:
    with psycopg.connect(driver_server.dsn(), autocommit=True) as conn:
        for entry in tool.entries:
            try:
                columns, rows = _replay(conn, entry)
            except psycopg.Error as exc:
                pytest.fail(f"{entry.name} ({entry.step}) failed: {exc}")
            if entry.expect_columns is not None:
                assert columns == entry.expect_columns, entry.name
            if entry.expect_rows is not None:
                assert len(rows) == entry.expect_rows, entry.name
            for text in entry.expect_contains:
                assert any(text in str(cell) for row in rows for cell in row), f"{entry.name}: no {text!r}"
            if entry.step in ("tables", "columns", "preview", "report") and entry.expect_rows is None:
                assert rows, f"{entry.name} returned no rows"
            if entry.compare:
                cursor = driver_dbapi.cursor()
                cursor.execute(entry.compare)
                expected = cursor.fetchall()
                assert _rows(rows) == _rows([tuple(r) for r in expected]), entry.name
