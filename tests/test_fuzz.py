"""Fuzzing in the suite (Hypothesis, bounded example counts): connection strings, SQL text and damaged API
payloads raise only the driver's own errors, and a failed statement leaves no temp table half made.
``bench/fuzz.py`` runs the same cases (``tests/fuzz_cases.py``) for as long as you like."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.engine.helpers import Unpaced, open_connection
from tests.fuzz_cases import (
    FaultTransport,
    connection_string_case,
    finding,
    local_objects_consistent,
    run_sql,
    sql_case,
)

from pipedrive_sandbox.server import Sandbox
from pipedrive_sql.api.client import ApiClient
from pipedrive_sql.api.transport import base_url_for, build_http_client, proxy_for, verify_for
from pipedrive_sql.auth.basic import ApiTokenAuth
from pipedrive_sql.dbapi import Connection
from pipedrive_sql.settings import build_settings, parse_connection_string

FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
SEEDS = st.integers(min_value=0, max_value=2**63)


@pytest.fixture(scope="module")
def fuzz_sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=3, scale=30, rate_limit=False, latency_ms=0, fault_rate=0.0) as running:
        yield running


def _settings_from(text: str) -> str | None:
    """Parse, validate and turn into an HTTP client as a connection would; the finding, or None."""
    try:
        settings_ = build_settings(parse_connection_string(text))
        base = base_url_for(settings_, None)
        proxy_for(settings_)
        if settings_["SSLServerCert"] != "*":
            verify_for(settings_)
        build_http_client(settings_, ApiTokenAuth("abcdef123456"), base).close()
    except Exception as exc:
        return finding(exc)
    return None


@FUZZ
@given(SEEDS)
def test_connection_strings_fail_only_with_our_errors(seed: int) -> None:
    text = connection_string_case(random.Random(seed))
    assert _settings_from(text) is None, text


@FUZZ
@given(st.text(max_size=300))
def test_arbitrary_connection_string_text_fails_only_with_our_errors(text: str) -> None:
    assert _settings_from(text) is None, text


@pytest.fixture(scope="module")
def fuzz_conn(fuzz_sandbox: Sandbox) -> Iterator[Connection]:
    conn = open_connection(fuzz_sandbox, MaxRows=50)
    yield conn
    conn.close()


@FUZZ
@given(SEEDS)
def test_mutated_sql_fails_only_with_our_errors(fuzz_conn: Connection, seed: int) -> None:
    sql = sql_case(random.Random(seed))
    assert run_sql(fuzz_conn, sql) is None, repr(sql[:500])
    assert local_objects_consistent(fuzz_conn), repr(sql[:500])


@FUZZ
@given(st.text(max_size=200))
def test_arbitrary_sql_text_fails_only_with_our_errors(fuzz_conn: Connection, sql: str) -> None:
    assert run_sql(fuzz_conn, sql) is None, repr(sql)
    assert local_objects_consistent(fuzz_conn), repr(sql)


@FUZZ
@given(st.binary(max_size=200))
def test_invalid_utf8_fails_only_with_our_errors(fuzz_conn: Connection, raw: bytes) -> None:
    sql = raw.decode("utf-8", "surrogateescape")
    assert run_sql(fuzz_conn, sql) is None, repr(sql)


PAYLOAD_QUERIES = (
    "SELECT * FROM Deals LIMIT 30",
    "SELECT Id, Name, Emails FROM Persons",
    "SELECT count(*), max(DueDate) FROM Activities",
    "SELECT * FROM Users",
    "SELECT n.Id, d.Title FROM Notes n JOIN Deals d ON d.Id = n.DealId LIMIT 10",
    "SELECT * FROM Deals WHERE Id = 3",
    "SELECT * FROM DealFields",
    "SELECT * FROM PersonEmails LIMIT 5",
)


def _faulty_connection(sandbox: Sandbox, seed: int) -> tuple[Connection, FaultTransport]:
    rng = random.Random(seed)
    transport = FaultTransport(rng, rate=rng.choice((0.2, 0.5, 1.0)))
    props = build_settings({"BaseURL": sandbox.url, "APIToken": sandbox.api_token, "Pagesize": 20})
    client = ApiClient(props, ApiTokenAuth(sandbox.api_token), transport=transport, governor=Unpaced())
    return Connection(props, client), transport


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(SEEDS, st.sampled_from(PAYLOAD_QUERIES))
def test_damaged_api_payloads_fail_only_with_our_errors(fuzz_sandbox: Sandbox, seed: int, sql: str) -> None:
    conn, _ = _faulty_connection(fuzz_sandbox, seed)
    try:
        assert run_sql(conn, sql) is None, sql
    finally:
        conn.close()


def test_the_payload_fuzzer_damages_answers(fuzz_sandbox: Sandbox) -> None:
    conn, transport = _faulty_connection(fuzz_sandbox, 5)
    try:
        for sql in PAYLOAD_QUERIES:
            run_sql(conn, sql)
    finally:
        conn.close()
    assert transport.damaged > 0


def test_the_sql_fuzzer_reaches_every_statement_kind(fuzz_conn: Connection) -> None:
    """Guard against a fuzzer that only ever produces syntax errors: unmutated, the corpus runs."""
    from tests.fuzz_cases import SQL_CORPUS

    ran: list[str] = []
    for sql in SQL_CORPUS:
        cursor = fuzz_conn.cursor()
        try:
            cursor.execute(sql, [1] if "?" in sql else None)
            ran.append(sql)
        except Exception as exc:
            assert finding(exc) is None, (sql, exc)
    assert len(ran) >= len(SQL_CORPUS) - 4, set(SQL_CORPUS) - set(ran)
