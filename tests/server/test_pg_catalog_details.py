"""Catalog details psql shows, as PostgreSQL 15 shows them for columns of the same types."""

from __future__ import annotations

from .conftest import Running, require, run


def test_psql_describe_plus_shows_each_types_storage(driver_server: Running) -> None:
    psql = require("psql")
    result = run([psql, driver_server.dsn(), "-A", "-c", '\\d+ "Deals"'])
    assert result.returncode == 0, result.stderr
    rows = [line.split("|") for line in result.stdout.splitlines()[2:] if line.count("|") >= 5]
    storage = {row[0]: (row[1], row[5]) for row in rows}
    # fixed-size types are plain, numeric main, text and arrays extended
    assert storage["Id"] == ("bigint", "plain")
    assert storage["Value"] == ("numeric(18,4)", "main")
    assert storage["Title"] == ("character varying", "extended")
    assert storage["AddTime"] == ("timestamp with time zone", "plain")
    assert storage["IsDeleted"] == ("boolean", "plain")
    assert storage["LabelIds"] == ("bigint[]", "extended")


def test_psql_meta_commands_that_read_other_catalogs_run(driver_server: Running) -> None:
    psql = require("psql")
    commands = [
        "\\dd",  # object descriptions: joins on tableoid
        "\\dL",
        "\\do",
        "\\dX",
        "\\dAc",
        "\\dAp",
        "\\dFd",
        "\\dFp",
        "\\dFt",
        "\\dRs",
        "\\deu",
        "\\lo_list",
        '\\sv "DealChanges"',  # array_remove on reloptions
    ]
    args = [psql, driver_server.dsn(), "-X", "-v", "ON_ERROR_STOP=1"]
    for command in commands:
        args += ["-c", command]
    result = run(args)
    assert result.returncode == 0 and not result.stderr, result.stderr
    assert 'CREATE OR REPLACE VIEW public."DealChanges" AS' in result.stdout
