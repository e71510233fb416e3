"""A tour of pipedrive-sql against the embedded sandbox: run by `bash scripts/demo.sh` (no account needed).

Each query prints its rows and what it cost in Pipedrive API requests and tokens.
"""

from __future__ import annotations

import sys
import time

from rich.console import Console
from rich.table import Table

import pipedrive_sql

QUERIES: list[tuple[str, str]] = [
    (
        "The ten biggest open deals (filter, sort and limit pushed to the API)",
        "SELECT Id, Title, Value, Currency, OwnerId FROM Deals WHERE Status = 'open' ORDER BY Value DESC LIMIT 10",
    ),
    (
        "One deal by id: one request",
        "SELECT Id, Title, Status, StageId, PersonId, UpdateTime FROM Deals WHERE Id = 42",
    ),
    (
        "Pipeline value by stage (a join and an aggregate, run by DuckDB over two API scans)",
        "SELECT p.Name AS Pipeline, s.Name AS Stage, count(*) AS Deals, round(sum(d.Value), 2) AS Value "
        "FROM Deals d JOIN Stages s ON s.Id = d.StageId JOIN Pipelines p ON p.Id = s.PipelineId "
        "WHERE d.Status = 'open' GROUP BY ALL ORDER BY Pipeline, Value DESC LIMIT 12",
    ),
    (
        "Won deals per owner and year (a CTE, an aggregate and a window)",
        "WITH won AS (SELECT u.Name AS Owner, year(d.WonTime) AS Year, count(*) AS Won "
        "FROM Deals d JOIN Users u ON u.Id = d.OwnerId WHERE d.Status = 'won' GROUP BY ALL) "
        "SELECT Owner, Year, Won, rank() OVER (PARTITION BY Year ORDER BY Won DESC) AS Rank "
        "FROM won ORDER BY Year DESC, Rank LIMIT 10",
    ),
    (
        "People and their e-mail addresses (a child view of a nested list)",
        "SELECT TOP 5 p.Name, e.Value AS Email, e.Label, e.[Primary] FROM Persons p "
        "JOIN PersonEmails e ON e.PersonId = p.Id ORDER BY p.Name",
    ),
    (
        "Custom fields are columns (see sys_tablecolumns for their keys)",
        "SELECT ColumnName, DataTypeName, FieldType, FieldKey FROM sys_tablecolumns "
        "WHERE TableName = 'Deals' AND IsCustomField",
    ),
    (
        "What a query will cost, before running it",
        "EXPLAIN SELECT * FROM Deals WHERE OwnerId = 10000001 AND UpdateTime >= '2025-01-01' ORDER BY UpdateTime LIMIT 20",
    ),
]


def show(console: Console, cursor: pipedrive_sql.Cursor, title: str, sql: str) -> None:
    started = time.perf_counter()
    cursor.execute(sql)
    rows = cursor.fetchall()
    took = time.perf_counter() - started
    if sql.startswith("EXPLAIN"):
        show_vertically(console, cursor, title, rows)
        return
    table = Table(title=title, title_justify="left", title_style="bold")
    for column in cursor.description or ():
        table.add_column(str(column[0]), overflow="fold", max_width=60)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)
    console.print(
        f"[dim]{len(rows)} rows in {took:.2f} s, {cursor.api_requests} API requests, "
        f"{cursor.api_tokens} tokens[/dim]\n"
    )


def show_vertically(console: Console, cursor: pipedrive_sql.Cursor, title: str, rows: list[tuple]) -> None:
    console.print(f"[bold]{title}[/bold]")
    names = [str(c[0]) for c in cursor.description or ()]
    for row in rows:
        for name, value in zip(names, row, strict=True):
            text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
            console.print(f"  [green]{name}[/green]: {text if len(text) < 200 else text[:197] + '...'}")
    console.print()


def main() -> int:
    console = Console()
    console.print("[bold]pipedrive-sql[/bold]: SQL over the embedded Pipedrive sandbox (Sandbox=true)\n")
    with pipedrive_sql.connect("Sandbox=true;SandboxScale=2000") as conn:
        cursor = conn.cursor()
        for title, sql in QUERIES:
            console.print(f"[cyan]{sql}[/cyan]")
            show(console, cursor, title, sql)
    console.print("Next: `.venv/bin/pipedrive-sql shell --sandbox` for an interactive session.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
