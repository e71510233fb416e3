"""The public PEP 249 compliance suite (Stuart Bishop's dbapi20.py, PyPI ``dbapi-compliance``) against the
driver, whole: every test runs.

It writes to tables of its own, which here are temp tables (the connection's memory, next to Pipedrive's
tables), and calls two procedures it expects the database to have: ``lower`` (one result set) and
``deleteme`` (two: the number of rows of booze, then their names). They are registered on each of the
suite's connections through the driver's procedure registry, as an application registers its own.

Where the suite leaves a test to the driver (nextset, setoutputsize) it is written here. One test is
answered the other way on purpose: the suite's ``test_non_idempotent_close`` wants a second
``connection.close()`` to raise; this driver, like sqlite3 and psycopg, lets close() be called again (every
other use of a closed connection raises InterfaceError).
"""

from __future__ import annotations

import unittest
from typing import Any

import pytest

import pipedrive_sql
from pipedrive_sql.dbapi import Connection
from pipedrive_sql.engine.procedures import (
    Procedure,
    ProcedureColumn,
    ProcedureParameter,
    ProcedureRegistry,
    ResultSets,
)

dbapi20 = pytest.importorskip("dbapi20", reason="the dev extra installs dbapi-compliance")

PREFIX = "dbapi20test_"


def _lower(settings: Any, Text: Any = None) -> list[dict[str, Any]]:
    return [{"Lowered": None if Text is None else str(Text).lower()}]


def _deleteme(settings: Any, connection: Any = None) -> ResultSets:
    """The number of rows of booze, then their names: two result sets."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {PREFIX}booze")
        (count,) = cur.fetchone()
        cur.execute(f"SELECT name FROM {PREFIX}booze")
        names = [{"name": row[0]} for row in cur.fetchall()]
    return ResultSets([[{"count": count}], names])


def suite_registry() -> ProcedureRegistry:
    """The driver's procedures plus the two the suite calls."""
    registry = ProcedureRegistry()
    registry.register(
        Procedure(
            "lower",
            "The text in lower case.",
            (ProcedureParameter("Text", required=True),),
            (ProcedureColumn("Lowered"),),
            _lower,
        )
    )
    registry.register(
        Procedure(
            "deleteme", "Counts booze, then lists it.", (), (ProcedureColumn("count", "BIGINT"),), _deleteme
        )
    )
    return registry


class TestPipedriveSQL(dbapi20.DatabaseAPI20Test):  # type: ignore[misc]
    driver = pipedrive_sql
    connect_args = ()
    connect_kw_args = {"Sandbox": True, "SandboxScale": 10}
    table_prefix = PREFIX
    ddl1 = f"CREATE TEMP TABLE {PREFIX}booze (name VARCHAR(20))"
    ddl2 = f"CREATE TEMP TABLE {PREFIX}barflys (name VARCHAR(20), drink VARCHAR(30))"
    lower_func = "lower"

    def _connect(self) -> Connection:
        connection = super()._connect()
        connection.engine.procedures = suite_registry()
        return connection

    # -- what the suite leaves to the driver ------------------------------------------------------------------

    def help_nextset_setUp(self, cur: Any) -> None:
        """``deleteme`` is registered on every connection of the suite (see ``_connect``)."""

    def help_nextset_tearDown(self, cur: Any) -> None:
        """Nothing to drop: the procedure lives in the connection's registry."""

    def test_nextset(self) -> None:
        """The suite's own body of test_nextset (it defines one, then replaces it with a stub)."""
        con = self._connect()
        try:
            cur = con.cursor()
            try:
                self.executeDDL1(cur)
                for sql in self._populate():
                    cur.execute(sql)
                self.help_nextset_setUp(cur)
                cur.callproc("deleteme")
                numberofrows = cur.fetchone()
                self.assertEqual(numberofrows[0], len(self.samples))
                self.assertTrue(cur.nextset())
                names = cur.fetchall()
                self.assertEqual(len(names), len(self.samples))
                self.assertIsNone(cur.nextset(), "No more return sets, should return None")
            finally:
                self.help_nextset_tearDown(cur)
        finally:
            con.close()

    def test_setoutputsize(self) -> None:
        """Results are not buffered by column size: setoutputsize is accepted and changes nothing."""
        con = self._connect()
        try:
            cur = con.cursor()
            cur.setoutputsize(1)
            cur.setoutputsize(1, 0)
            self._paraminsert(cur)
            cur.execute(f"SELECT drink FROM {PREFIX}barflys")
            self.assertTrue(all(len(row[0]) > 1 for row in cur.fetchall()))
        finally:
            con.close()

    # -- the deliberate difference --------------------------------------------------------------------------

    def test_non_idempotent_close(self) -> None:
        """Deliberate choice: a second close() is allowed, as in sqlite3 and psycopg (the suite wants an
        Error; its own comment says reasonable people differ). Every other use after close raises."""
        con = self._connect()
        con.close()
        con.close()
        self.assertRaises(self.driver.InterfaceError, con.cursor)
        self.assertRaises(self.driver.InterfaceError, con.commit)


def test_every_suite_test_runs() -> None:
    """Nothing of the suite is skipped or left unimplemented here (each test is collected and run above)."""
    names = [n for n in unittest.TestLoader().getTestCaseNames(TestPipedriveSQL)]
    assert len(names) >= 30
    for name in names:
        method = getattr(TestPipedriveSQL, name)
        assert not getattr(method, "__unittest_skip__", False), name
