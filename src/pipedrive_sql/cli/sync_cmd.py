"""``pipedrive-sql sync --to TARGET``: replicate tables into a DuckDB file, PostgreSQL or Parquet.

Exit codes (for cron, systemd and Airflow; docs/replication.md):
  0   every table synced
  1   nothing could be synced (bad target, no connection, bad options): fix and rerun
  2   usage error
  3   some tables failed, the others were committed: rerun to resume (the failed ones start from their
      last committed state)
  75  every failure was temporary (rate limit, network, Pipedrive unavailable): retry later (EX_TEMPFAIL)
  130 interrupted: what was committed stays; rerun to resume
"""

from __future__ import annotations

import contextlib
import json
import sys
from typing import Annotated, Any

import typer

from pipedrive_sql.cli import console
from pipedrive_sql.cli.connecting import (
    ConnectionStringOption,
    DsnOption,
    PropertyOption,
    SandboxOption,
    SandboxScaleOption,
    SystemDsnOption,
    connect,
    make_target,
)
from pipedrive_sql.cli.progress import QueryProgress, client_stats

EXIT_PARTIAL = 3
EXIT_TEMPORARY = 75


def register(app: typer.Typer) -> None:
    app.command("sync")(sync_command)


def sync_command(
    to: Annotated[
        list[str],
        typer.Option(
            "--to",
            "-t",
            help="Where to: a DuckDB file (x.duckdb), postgresql://user@host/db, or a folder for Parquet files.",
        ),
    ],
    tables: Annotated[
        list[str] | None,
        typer.Option("--tables", "-T", help="Tables to sync (repeat, or comma-separated). Default: all."),
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Read every table whole, ignoring the saved marks.")
    ] = False,
    soft_delete: Annotated[
        bool,
        typer.Option(
            "--soft-delete",
            help="Keep records gone from a table (deleted persons..., deleted deals past Pipedrive's 30 days, "
            "deals moved to the archive), with _deleted = true, instead of removing them. Deleted deals "
            "within 30 days are rows anyway (Status = 'deleted').",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON on stdout.")] = False,
    dsn: DsnOption = None,
    connection_string: ConnectionStringOption = None,
    sandbox: SandboxOption = False,
    sandbox_scale: SandboxScaleOption = None,
    properties: PropertyOption = None,
    system: SystemDsnOption = False,
) -> None:
    """Replicate Pipedrive tables into a database or Parquet files, incrementally (docs/replication.md)."""
    from pipedrive_sql.sync import Progress, TableReport, open_target, sync_tables

    names = [n.strip() for item in tables or [] for n in item.split(",") if n.strip()]
    source = make_target(dsn, connection_string, sandbox, sandbox_scale, properties, system)
    quiet = as_json
    live: list[QueryProgress] = []  # the table being synced: its live line (a terminal only)
    client: list[Any] = []

    def started(name: str) -> None:
        if quiet:
            return
        if not console.stderr_is_terminal():
            console.note(f"{name}: syncing...")
            return
        progress = QueryProgress(
            client_stats(client[0] if client else None), enabled=True, label=f"Syncing {name}…"
        )
        live.append(progress.__enter__())

    def finished(report: TableReport) -> None:
        while live:
            live.pop().__exit__(None, None, None)
        if quiet:
            return
        if report.error:
            console.error(f"{report.table}: failed: {report.error}")
            return
        waits = f", {report.rate_limit_waits} rate-limit waits" if report.rate_limit_waits else ""
        console.note(
            f"{report.table}: {report.mode}, {report.upserted} upserted, {report.deleted} deleted, "
            f"{report.rows} rows, {report.requests} requests, {report.tokens} tokens{waits}, {report.seconds:.1f} s"
        )

    if len(set(to)) != 1:
        # one run writes one target; taking the last of several silently would write where nobody looks
        raise typer.BadParameter(
            f"one target per run, not {len(to)}: run sync once per target (tables are --tables/-T).",
            param_hint="'--to' / '-t'",
        )
    target = open_target(to[0])
    where = target.describe()
    try:
        conn = connect(source)
        client.append(getattr(conn, "client", None))
        try:
            reports = sync_tables(
                conn,
                target,
                names or None,
                full=full,
                soft_delete=soft_delete,
                progress=Progress(started, finished),
            )
        finally:
            while live:
                live.pop().__exit__(None, None, None)
            with contextlib.suppress(Exception):
                conn.close()
    finally:
        target.close()
    summary = _summary(reports, where)
    if as_json:
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    else:
        console.note(
            f"synced {summary['synced']} of {len(reports)} tables into {summary['target']}: "
            f"{summary['requests']} requests, {summary['tokens']} tokens, {summary['seconds']:.1f} s"
        )
    code = _exit_code(reports)
    if code:
        raise typer.Exit(code)


def _summary(reports: list[Any], where: str) -> dict[str, Any]:
    return {
        "target": where,
        "synced": sum(1 for r in reports if not r.error),
        "failed": [r.table for r in reports if r.error],
        "requests": sum(r.requests for r in reports),
        "tokens": sum(r.tokens for r in reports),
        "rate_limit_waits": sum(r.rate_limit_waits for r in reports),
        "seconds": round(sum(r.seconds for r in reports), 3),
        "exit_code": _exit_code(reports),
        "tables": [r.as_dict() for r in reports],
    }


def _exit_code(reports: list[Any]) -> int:
    failed = [r for r in reports if r.error]
    if not failed:
        return 0
    if all(r.temporary for r in failed):
        return EXIT_TEMPORARY
    return EXIT_PARTIAL if len(failed) < len(reports) else 1
