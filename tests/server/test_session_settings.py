"""Settings a session refuses, in PostgreSQL's SQLSTATEs and words: statement_timeout values PostgreSQL would
refuse (SET, set_config, the startup packet), and RESET / DISCARD ALL going back to the session's own
defaults (the server's statement_timeout included)."""

from __future__ import annotations

from pathlib import Path

import pytest

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
