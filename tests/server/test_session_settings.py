"""Settings and bound parameters a session refuses, in PostgreSQL's SQLSTATEs and words: statement_timeout
values PostgreSQL would refuse (SET, set_config, the startup packet), RESET / DISCARD ALL going back to the
session's own defaults (the server's statement_timeout included), and Bind values that cannot be read."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipedrive_sql.server import types as pgt

from .hostile import dsn, running

psycopg = pytest.importorskip("psycopg", reason="psycopg 3 is not installed (pip install 'psycopg[binary]')")
from psycopg import pq  # noqa: E402

DIAG = pq.DiagnosticField


def _show(conn: psycopg.Connection) -> str:
    row = conn.execute("SHOW statement_timeout").fetchone()
    assert row is not None
    return str(row[0])


def test_bad_statement_timeouts_are_refused_with_22023(tmp_path: Path) -> None:
    with running(tmp_path, statement_timeout=0.5) as server:
        with psycopg.connect(dsn(server), autocommit=True) as conn:
            assert _show(conn) == "500"  # the server's default, in milliseconds
            for bad in ("'soon'", "'5 fortnights'", "-1", "'-2s'", "'3000000000'"):
                with pytest.raises(psycopg.errors.InvalidParameterValue, match="statement_timeout") as info:
                    conn.execute(f"SET statement_timeout = {bad}")
                assert info.value.sqlstate == "22023"
            with pytest.raises(psycopg.errors.InvalidParameterValue, match='"soon"'):
                conn.execute("SELECT set_config('statement_timeout', 'soon', false)")
            assert _show(conn) == "500"  # a refused value changes nothing
            conn.execute("SET statement_timeout = '2s'")
            assert _show(conn) == "2s"
            conn.execute("RESET statement_timeout")
            assert _show(conn) == "500"
            conn.execute("SET statement_timeout = 0")
            conn.execute("SET statement_timeout TO DEFAULT")
            assert _show(conn) == "500"
            conn.execute("SET statement_timeout = 0")
            conn.execute("DISCARD ALL")  # what connection pools send between borrowers
            assert _show(conn) == "500"
        # from the startup packet the connection is refused, as PostgreSQL refuses it (FATAL)
        with pytest.raises(psycopg.OperationalError, match='invalid value for parameter "statement_timeout"'):
            psycopg.connect(dsn(server, options="-c statement_timeout=soon"))
        # a good one becomes the session's default: RESET goes back to it, not to the server's
        with psycopg.connect(dsn(server, options="-c statement_timeout=1500"), autocommit=True) as conn:
            conn.execute("SET statement_timeout = 0")
            conn.execute("RESET ALL")
            assert _show(conn) == "1500"


@pytest.mark.parametrize(
    ("value", "oid", "binary", "sqlstate", "message"),
    [
        (b"abc", pgt.INT4, False, "22P02", 'invalid input syntax for type integer: "abc"'),
        (b"1.5", pgt.INT8, False, "22P02", 'invalid input syntax for type bigint: "1.5"'),
        (b"99999999999", pgt.INT4, False, "22003", 'value "99999999999" is out of range for type integer'),
        (b"maybe", pgt.BOOL, False, "22P02", 'invalid input syntax for type boolean: "maybe"'),
        (b"1.2.3", pgt.NUMERIC, False, "22P02", 'invalid input syntax for type numeric: "1.2.3"'),
        (b"31/02/2024", pgt.DATE, False, "22007", 'invalid input syntax for type date: "31/02/2024"'),
        (b"not-a-uuid", pgt.UUID, False, "22P02", 'invalid input syntax for type uuid: "not-a-uuid"'),
        (b"{1,x}", 1007, False, "22P02", 'malformed array literal: "{1,x}"'),
        (b"\x00\x01", pgt.INT4, True, "22P03", "incorrect binary data format in bind parameter 1"),
        (b"\xff\xfe", pgt.TEXT, False, "22021", 'invalid byte sequence for encoding "UTF8": 0xff'),
    ],
)
def test_unreadable_parameters_get_postgresql_errors(
    tmp_path: Path, value: bytes, oid: int, binary: bool, sqlstate: str, message: str
) -> None:
    with running(tmp_path) as server, psycopg.connect(dsn(server), autocommit=True) as conn:
        result = conn.pgconn.exec_params(b"SELECT $1", [value], [oid], [1 if binary else 0])
        assert result.status == pq.ExecStatus.FATAL_ERROR
        assert result.error_field(DIAG.SQLSTATE) == sqlstate.encode()
        primary = (result.error_field(DIAG.MESSAGE_PRIMARY) or b"").decode()
        assert primary == message
        for python_text in ("invalid literal", "could not convert", "unpack requires", "codec", "Decimal"):
            assert python_text not in primary
        assert conn.execute("SELECT 1").fetchone() == (1,)  # the session goes on


def test_boolean_parameters_read_as_postgresql_reads_them() -> None:
    for text, expected in (("t", True), ("TRUE", True), ("ye", True), ("on", True), ("1", True)):
        assert pgt.decode_parameter(text.encode(), pgt.BOOL, False) is expected
    for text in ("f", "false", "n", "no", "of", "off", "0", " False "):
        assert pgt.decode_parameter(text.encode(), pgt.BOOL, False) is False
    for text in ("o", "maybe", "", "2"):
        with pytest.raises(ValueError):
            pgt.decode_parameter(text.encode(), pgt.BOOL, False)


def test_an_untyped_array_for_any_that_is_not_an_array_is_22p02(tmp_path: Path) -> None:
    with running(tmp_path) as server, psycopg.connect(dsn(server), autocommit=True) as conn:
        sql = b'SELECT count(*) FROM "Deals" WHERE "Id" = ANY($1)'
        good = conn.pgconn.exec_params(sql, [b"{1,2}"], [0])
        assert good.status == pq.ExecStatus.TUPLES_OK
        bad = conn.pgconn.exec_params(sql, [b"{1,2"], [0])
        assert bad.error_field(DIAG.SQLSTATE) == b"22P02"
        assert bad.error_field(DIAG.MESSAGE_PRIMARY) == b'malformed array literal: "{1,2"'
