"""Protocol details no client library exposes: row limits, pipelining, error recovery until Sync."""

from __future__ import annotations

import pytest

from .conftest import Running
from .wire_client import WireClient, error_code, kinds


@pytest.fixture
def client(pg_server: Running):
    c = WireClient(pg_server.host, pg_server.port)
    yield c
    c.close()


def test_startup_reports_parameters_and_a_cancel_key(client: WireClient) -> None:
    assert client.params["server_version"] == "15.0"
    assert client.params["client_encoding"] == "UTF8"
    assert client.params["integer_datetimes"] == "on"
    assert client.key[0] > 0


def test_execute_with_row_limit_suspends_the_portal(client: WireClient) -> None:
    client.parse("s1", 'SELECT "Id" FROM "Deals" WHERE "Id" <= $1 ORDER BY "Id"', (20,))
    client.bind("p1", "s1", (b"25",))
    client.describe(b"P", "p1")
    client.execute("p1", 10)
    client.execute("p1", 10)
    client.execute("p1", 10)
    client.sync()
    messages = client.until(b"Z")
    assert kinds(messages) == b"12T" + b"D" * 10 + b"s" + b"D" * 10 + b"s" + b"D" * 5 + b"CZ"
    assert messages[-2][1] == b"SELECT 25\0"


def test_error_skips_to_sync_then_recovers(client: WireClient) -> None:
    client.parse("", 'SELECT * FROM "Missing"')
    client.bind("", "")
    client.execute("")
    client.parse("", "SELECT 1")  # ignored: after an error everything up to Sync is skipped
    client.sync()
    messages = client.until(b"Z")
    # statements run at Bind/Execute time, so the missing table is reported there, not at Parse
    assert kinds(messages) == b"12EZ"
    assert error_code(messages) == "42P01"
    client.parse("", "SELECT 1")
    client.bind("", "")
    client.execute("")
    client.sync()
    assert kinds(client.until(b"Z")) == b"12DCZ"


def test_describe_statement_before_bind(client: WireClient) -> None:
    client.parse("s2", 'SELECT "Id", "Title" FROM "Deals" WHERE "Id" = $1')
    client.describe(b"S", "s2")
    client.sync()
    messages = client.until(b"Z")
    assert kinds(messages) == b"1tTZ"
    assert b"Title" in messages[2][1]


def test_close_and_unknown_statement(client: WireClient) -> None:
    client.parse("s3", "SELECT 1")
    client.send(b"C", b"S" + b"s3\0")
    client.bind("", "s3")
    client.sync()
    messages = client.until(b"Z")
    assert kinds(messages) == b"13EZ"
    assert error_code(messages) == "26000"


def test_simple_query_stops_at_the_first_error(client: WireClient) -> None:
    messages = client.query('SELECT 1; SELECT * FROM "Missing"; SELECT 2')
    assert kinds(messages) == b"TDCEZ"


def test_transaction_status_in_ready_for_query(client: WireClient) -> None:
    assert client.query("BEGIN")[-1] == (b"Z", b"T")
    assert client.query('SELECT * FROM "Missing"')[-1] == (b"Z", b"E")
    assert error_code(client.query("SELECT 1")) == "25P02"
    assert client.query("ROLLBACK")[-1] == (b"Z", b"I")


def test_savepoint_rollback_recovers_the_transaction(client: WireClient) -> None:
    # psqlODBC wraps each statement in a savepoint and rolls back to it after an error
    client.query("BEGIN;SAVEPOINT _EXEC_SVP_1")
    client.query('SELECT * FROM "Missing"')
    assert client.query("ROLLBACK TO SAVEPOINT _EXEC_SVP_1")[-1] == (b"Z", b"T")
    assert client.query("COMMIT")[-1] == (b"Z", b"I")


def test_empty_query(client: WireClient) -> None:
    assert kinds(client.query("")) == b"IZ"
