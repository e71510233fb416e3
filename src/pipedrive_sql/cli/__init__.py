"""The ``pipedrive-sql`` command: data sources, queries, a shell, the sandbox, sign-in and the server.

Modules:
    app          the typer application, ``main()`` (one clear message per error, exit codes, Ctrl-C)
    console      the stdout/stderr consoles, terminal detection, warnings and error printing
    connecting   the connection options every command shares (--dsn, -c, --sandbox, -p) and connect()
    dsn_cmd      ``pipedrive-sql dsn list|show|add|edit|remove|test|path``
    output       result writers: table (rich on a terminal, plain when piped), csv, json, jsonl, parquet
    progress     progress of a running query on stderr (rows read from the API, requests, rate-limit waits)
    query_cmd    ``pipedrive-sql query``, ``tables``, ``describe``
    shell        ``pipedrive-sql shell``: prompt-toolkit, history, meta-commands, scripts (-f, stdin)
    shell_commands  the shell's meta-commands as data (psql's \\dt, \\d, \\x, ... and the dot commands)
    completion   the shell's completion: keywords, tables, columns, meta-commands
    sandbox_cmd  ``pipedrive-sql sandbox serve``
    oauth_cmd    ``pipedrive-sql oauth ...`` (delegates to ``pipedrive_sql.auth.commands``)
    serve_cmd    ``pipedrive-sql serve`` and ``serve user add|remove|list`` (the PostgreSQL-protocol server)
    odbc_cmd     ``pipedrive-sql odbc dsn add`` (an odbc.ini entry for psqlODBC pointing at that server)
"""

from __future__ import annotations

from pipedrive_sql.cli.app import app, main

__all__ = ["app", "main"]
