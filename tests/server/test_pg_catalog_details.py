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
