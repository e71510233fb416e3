"""The ``pipedrive-sql`` command: data sources, queries, an interactive shell, the sandbox and sign-in.

Modules:
    app          the typer application, ``main()`` (one clear message per error, exit codes, Ctrl-C)
    console      the stdout/stderr consoles, terminal detection, warnings and error printing
    connecting   the connection options every command shares (--dsn, -c, --sandbox, -p) and connect()
    dsn_cmd      ``pipedrive-sql dsn list|show|add|edit|remove|test|path``
    output       result writers: table (rich on a terminal, plain when piped), csv, json, jsonl, parquet
    progress     progress of a running query on stderr (rows, API requests, rate-limit waits)
    query_cmd    ``pipedrive-sql query``, ``tables``, ``describe``
    shell        ``pipedrive-sql shell``: prompt-toolkit, history, completion, meta-commands
    sandbox_cmd  ``pipedrive-sql sandbox serve``
    oauth_cmd    ``pipedrive-sql oauth ...`` (delegates to ``pipedrive_sql.auth.commands``)
"""

from __future__ import annotations

from pipedrive_sql.cli.app import app, main

__all__ = ["app", "main"]
