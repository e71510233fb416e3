"""PEP 249 behaviour of Connection and Cursor, against the session sandbox over HTTP."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

import pipedrive_sql
from pipedrive_sql import errors
from pipedrive_sql.dbapi import Connection
from pipedrive_sql.engine.procedures import Procedure, ProcedureColumn, ProcedureParameter, ProcedureRegistry


def open_conn(sandbox: Any, **properties: Any) -> Connection:
    properties.setdefault("MaxConcurrency", 1)
    return pipedrive_sql.connect(BaseURL=sandbox.url, APIToken=sandbox.api_token, **properties)


@pytest.fixture(scope="module")
def conn(sandbox: Any) -> Iterator[Connection]:
    connection = open_conn(sandbox)
    yield connection
    connection.close()


# ---- connect ------------------------------------------------------------------------------------------


def test_connect_with_string_keywords_and_case_insensitive_names(sandbox: Any) -> None:
    string = f"basEURL='{sandbox.url}';apitoken={{{sandbox.api_token}}};Pagesize=10"
    with pipedrive_sql.connect(string, PAGESIZE=20, maxrows="5") as connection:
        assert connection.settings["Pagesize"] == 20  # keywords override the string
        assert connection.settings["MaxRows"] == 5
        assert connection.settings["BaseURL"] == sandbox.url
        cur = connection.cursor()
        cur.execute("SELECT Id FROM Pipelines")
        assert len(cur.fetchall()) == 3


def test_connect_errors_name_the_property() -> None:
    with pytest.raises(errors.ConfigurationError, match="Did you mean APIToken"):
        pipedrive_sql.connect("APITokn=x;CompanyDomain=acme")
    with pytest.raises(errors.ConfigurationError, match="APIToken is missing"):
        pipedrive_sql.connect(CompanyDomain="acme")
    with pytest.raises(errors.ConfigurationError, match="Pagesize"):
        pipedrive_sql.connect(APIToken="x", CompanyDomain="acme", Pagesize=0)


def test_basic_auth_is_checked_like_the_auth_package_checks_it() -> None:
    # connect() builds its authenticator with pipedrive_sql.auth.build_auth for AuthScheme=Basic too
    with pytest.raises(errors.ConfigurationError, match="APIToken contains spaces") as caught:
        pipedrive_sql.connect(APIToken="abc def", CompanyDomain="acme")
    assert caught.value.property == "APIToken"
    with pytest.raises(errors.ConfigurationError, match="not a Pipedrive subdomain") as caught:
        pipedrive_sql.connect("AuthScheme=Basic;APIToken=abc;CompanyDomain=acme.example.com")
    assert caught.value.property == "CompanyDomain"
    with pipedrive_sql.connect(APIToken="abc", CompanyDomain="https://acme.pipedrive.com/") as pasted:
        assert pasted.client.base_url.rstrip("/") == "https://acme.pipedrive.com"  # no request made


def test_connect_through_a_dsn(sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dsn_file = tmp_path / "dsn.ini"
    dsn_file.write_text(
        f"[Sandboxed]\nBaseURL = {sandbox.url}\nAPIToken = {sandbox.api_token}\nPagesize = 7\n"
    )
    dsn_file.chmod(0o600)
    monkeypatch.setenv("PIPEDRIVE_SQL_USER_DSN_FILE", str(dsn_file))
    monkeypatch.setenv("PIPEDRIVE_SQL_SYSTEM_DSN_FILE", str(tmp_path / "none.ini"))
    with pipedrive_sql.connect(dsn="sandboxed", Pagesize=9) as connection:
        assert connection.settings["Pagesize"] == 9  # keywords override the DSN
        assert connection.dsn_name == "sandboxed"
    with pipedrive_sql.connect("DSN=Sandboxed;MaxRows=3") as connection:
        assert connection.settings["Pagesize"] == 7 and connection.settings["MaxRows"] == 3


def test_embedded_sandbox_is_the_zero_setup_default() -> None:
    with pipedrive_sql.connect(Sandbox=True, SandboxScale=30, SandboxSeed=7) as first:
        cur = first.cursor()
        cur.execute("SELECT count(*) FROM Deals")
        (count,) = cur.fetchone()  # type: ignore[misc]
        assert 0 < count <= 30
        with pipedrive_sql.connect("Sandbox=true;SandboxScale=30;SandboxSeed=7") as second:
            assert second.sandbox is first.sandbox  # one per (seed, scale) per process


# ---- cursor basics ------------------------------------------------------------------------------------


def test_description_and_type_codes(conn: Connection) -> None:
    cur = conn.cursor()
    assert cur.description is None and cur.rowcount == -1 and cur.arraysize == 1
    cur.execute(
        "SELECT Id, Title, Value, IsDeleted, UpdateTime, ExpectedCloseDate, LabelIds FROM Deals LIMIT 1"
    )
    names = [d[0] for d in cur.description]  # type: ignore[union-attr]
    codes = [d[1] for d in cur.description]  # type: ignore[union-attr]
    assert names == ["Id", "Title", "Value", "IsDeleted", "UpdateTime", "ExpectedCloseDate", "LabelIds"]
    assert codes == [
        "BIGINT",
        "VARCHAR",
        "DECIMAL(18,4)",
        "BOOLEAN",
        "TIMESTAMP WITH TIME ZONE",
        "DATE",
        "BIGINT[]",
    ]
    assert all(len(d) == 7 for d in cur.description)  # type: ignore[union-attr]
    assert codes[0] == pipedrive_sql.NUMBER and codes[2] == pipedrive_sql.NUMBER
    assert codes[1] == pipedrive_sql.STRING and codes[1] != pipedrive_sql.NUMBER
    assert codes[4] == pipedrive_sql.DATETIME and codes[5] == pipedrive_sql.DATETIME
    assert codes[6] != pipedrive_sql.NUMBER and codes[6] != pipedrive_sql.STRING


def test_fetch_methods_and_rowcount(conn: Connection) -> None:
    cur = conn.cursor()
    cur.execute("SELECT Id FROM Deals ORDER BY Id LIMIT 7")
    assert cur.rowcount == -1  # unknown until fetched
    first = cur.fetchone()
    assert first is not None and isinstance(first, tuple)
    assert len(cur.fetchmany()) == 1  # arraysize
    cur.arraysize = 2
    assert len(cur.fetchmany()) == 2
    assert len(cur.fetchmany(10)) == 3
    assert cur.rowcount == 7
    assert cur.fetchone() is None and cur.fetchall() == [] and cur.fetchmany(3) == []
    cur.execute("SELECT Id FROM Deals ORDER BY Id LIMIT 3")
    assert [row[0] for row in cur] == [r[0] for r in conn.execute("SELECT Id FROM Deals ORDER BY Id LIMIT 3")]
    with pytest.raises(errors.ProgrammingError):
        cur.fetchmany(-1)


def test_parameters(conn: Connection) -> None:
    cur = conn.cursor()
    cur.execute("SELECT Id FROM Deals WHERE Id IN (?, ?) ORDER BY Id", (1, 3))
    qmark = cur.fetchall()
    cur.execute("SELECT Id FROM Deals WHERE Id IN (@a, :b) ORDER BY Id", {"a": 1, "b": 3})
    assert cur.fetchall() == qmark
    cur.execute("SELECT ?, ?, ?", [dt.date(2024, 1, 2), None, "x"])
    assert cur.fetchone() == (dt.date(2024, 1, 2), None, "x")


def test_executemany(conn: Connection) -> None:
    cur = conn.cursor()
    cur.executemany("SELECT Name FROM Pipelines WHERE Id = ?", [(1,), (2,), (3,)])
    assert len(cur.fetchall()) == 1  # the result of the last parameter set
    assert cur.api_requests == 3


def test_arrow_and_pandas(conn: Connection) -> None:
    cur = conn.cursor()
    cur.execute("SELECT Id, Title, UpdateTime FROM Deals ORDER BY Id LIMIT 4")
    cur.fetchone()
    table = cur.fetch_arrow_table()
    assert isinstance(table, pa.Table) and table.num_rows == 3  # the rest of the result
    stamp = table.schema.field("UpdateTime").type
    declared = next(c.type.arrow for c in conn.catalog.table("Deals").columns if c.name == "UpdateTime")
    assert stamp == declared and stamp.tz == "UTC"  # as the catalog declares it (DuckDB says Etc/UTC)
    assert cur.rowcount == 4
    cur.execute("SELECT Id, Title FROM Deals ORDER BY Id LIMIT 4")
    frame = cur.fetch_df()
    assert list(frame.columns) == ["Id", "Title"] and len(frame) == 4


def test_max_rows_caps_every_query(sandbox: Any) -> None:
    with open_conn(sandbox, MaxRows=3) as capped:
        cur = capped.cursor()
        cur.execute("SELECT Id FROM Deals")
        assert len(cur.fetchall()) == 3 and cur.api_requests <= 2  # dealFields once, deals once
        cur.execute("SELECT Id FROM Deals UNION ALL SELECT Id FROM Deals")
        assert len(cur.fetchall()) == 3


def test_api_counters(conn: Connection) -> None:
    conn.catalog.table("Deals")
    cur = conn.cursor()
    cur.execute("SELECT * FROM Deals LIMIT 10")
    cur.fetchall()
    assert (cur.api_requests, cur.api_tokens) == (1, 10)
    cur.execute("SELECT * FROM Deals WHERE Id = 5")
    cur.fetchall()
    assert (cur.api_requests, cur.api_tokens) == (1, 1)
    cur.execute("SELECT 1")
    assert (cur.api_requests, cur.api_tokens) == (0, 0)


# ---- transactions, closing, errors --------------------------------------------------------------------


def test_commit_is_a_no_op_and_rollback_refuses(conn: Connection) -> None:
    conn.commit()
    assert conn.autocommit is True
    with pytest.raises(errors.NotSupportedError, match="no transactions"):
        conn.rollback()


def test_exceptions_on_module_and_connection(conn: Connection) -> None:
    for name in (
        "Warning",
        "Error",
        "InterfaceError",
        "DatabaseError",
        "DataError",
        "OperationalError",
        "IntegrityError",
        "InternalError",
        "ProgrammingError",
        "NotSupportedError",
    ):
        assert getattr(conn, name) is getattr(pipedrive_sql, name) is getattr(errors, name)


def test_closed_objects_raise(sandbox: Any) -> None:
    connection = open_conn(sandbox)
    cur = connection.cursor()
    cur.close()
    cur.close()  # twice is fine
    for call in (lambda: cur.execute("SELECT 1"), cur.fetchone, cur.fetchall, lambda: cur.callproc("x")):
        with pytest.raises(errors.InterfaceError, match="cursor is closed"):
            call()
    other = connection.cursor()
    other.execute("SELECT 1")
    connection.close()
    connection.close()
    assert connection.closed and other.closed
    for call in (connection.cursor, connection.commit, connection.rollback):
        with pytest.raises(errors.InterfaceError, match="connection is closed"):
            call()


def test_context_managers_close(sandbox: Any) -> None:
    with open_conn(sandbox) as connection:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
        assert cur.closed
    assert connection.closed


def test_fetch_without_result(conn: Connection) -> None:
    cur = conn.cursor()
    with pytest.raises(errors.ProgrammingError, match="execute a query first"):
        cur.fetchone()
    with pytest.raises(errors.ProgrammingError, match="no rows"):  # PEP 249: no result set yet
        cur.nextset()
    cur.setinputsizes([1])
    cur.setoutputsize(10)
    assert cur.lastrowid is None


def test_syntax_error_locates(conn: Connection) -> None:
    with pytest.raises(errors.ProgrammingError) as info:
        conn.cursor().execute("SELECT Id\nFROM Deals\nWHERE Id = = 3")
    assert (info.value.line, info.value.col) == (3, 12)
    assert "WHERE Id = = 3" in str(info.value)


def test_unknown_names_suggest(conn: Connection) -> None:
    cur = conn.cursor()
    with pytest.raises(errors.ProgrammingError, match="Did you mean Deals"):
        cur.execute("SELECT * FROM Deal")
    with pytest.raises(errors.ProgrammingError, match='did you mean "Title"'):
        cur.execute("SELECT Titel FROM Deals")
    with pytest.raises(errors.ProgrammingError, match='did you mean "Value"'):
        cur.execute("SELECT d.Valeu FROM Deals d")


def test_conversion_errors_are_data_errors(conn: Connection) -> None:
    with pytest.raises(errors.DataError):
        conn.cursor().execute("SELECT CAST(Title AS INTEGER) FROM Deals").fetchall()


def test_api_errors_keep_their_type(sandbox: Any) -> None:
    bad = pipedrive_sql.connect(BaseURL=sandbox.url, APIToken="not-a-token", IncludeCustomFields=False)
    with bad, pytest.raises(errors.AuthenticationError):
        bad.cursor().execute("SELECT * FROM Pipelines").fetchall()


# ---- procedures ---------------------------------------------------------------------------------------


def test_exec_and_callproc(sandbox: Any) -> None:
    seen: dict[str, Any] = {}

    def echo(
        settings: Any, *, Text: str, Times: int | None = None, client: Any = None
    ) -> list[dict[str, Any]]:
        seen["client"] = client
        return [{"Echoed": Text, "N": i} for i in range(int(Times or 1))]

    registry = ProcedureRegistry(providers=())
    registry.register(
        Procedure(
            "Echo",
            "Repeats its input.",
            (ProcedureParameter("Text", required=True), ProcedureParameter("Times", "BIGINT")),
            (ProcedureColumn("Echoed"), ProcedureColumn("N", "BIGINT")),
            echo,
        )
    )
    with open_conn(sandbox) as connection:
        connection.engine.procedures = registry
        cur = connection.cursor()
        cur.execute("EXEC Echo Text='hi', Times=2")
        assert [d[0] for d in cur.description] == ["Echoed", "N"]  # type: ignore[union-attr]
        assert cur.fetchall() == [("hi", 0), ("hi", 1)] and cur.rowcount == 2
        assert seen["client"] is connection.client  # context the function asked for
        cur.execute("EXECUTE echo @Text = ?", ["yo"])
        assert cur.fetchall() == [("yo", 0)]
        assert cur.callproc("Echo", ["pos", 3]) == ["pos", 3]
        assert len(cur.fetchall()) == 3
        cur.callproc("Echo", {"text": "named"})
        assert cur.fetchone() == ("named", 0)
        with pytest.raises(errors.ProgrammingError, match="needs Text"):
            cur.execute("EXEC Echo Times=1")
        with pytest.raises(errors.ProgrammingError, match="Did you mean Text"):
            cur.execute("EXEC Echo Txt='a'")
        with pytest.raises(errors.ProgrammingError, match="Did you mean Echo"):
            cur.execute("EXEC Ecko Text='a'")
        cur.execute("SELECT ProcedureName FROM sys_procedures")
        assert cur.fetchall() == [("Echo",)]


def test_oauth_procedures_are_registered(conn: Connection) -> None:
    cur = conn.cursor()
    cur.execute("SELECT ProcedureName FROM sys_procedures ORDER BY 1")
    assert {"GetOAuthAuthorizationURL", "GetOAuthAccessToken", "RefreshOAuthAccessToken"} <= {
        r[0] for r in cur.fetchall()
    }


# ---- threads ------------------------------------------------------------------------------------------


def test_threads_share_a_connection_with_a_cursor_each(conn: Connection) -> None:
    results: dict[int, Any] = {}
    failures: list[BaseException] = []

    def work(n: int) -> None:
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT count(*) FROM Deals WHERE OwnerId = ?", [10000001 + n % 5])
                results[n] = cur.fetchone()
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert results[0] == results[5] and len(results) == 8


def test_two_cursors_hold_results_at_once(conn: Connection) -> None:
    a, b = conn.cursor(), conn.cursor()
    a.execute("SELECT Id FROM Deals ORDER BY Id LIMIT 3")
    b.execute("SELECT Id FROM Persons ORDER BY Id LIMIT 2")
    assert a.fetchone() == (1,)
    assert len(b.fetchall()) == 2
    assert len(a.fetchall()) == 2


def test_execute_after_a_partial_fetch_abandons_the_result(sandbox: Any) -> None:
    # Small pages so that the first result is far from read when the next statement runs.
    with open_conn(sandbox, Pagesize=10) as connection:
        cur = connection.cursor()
        cur.execute("SELECT Id FROM Deals ORDER BY Id")
        assert cur.fetchone() == (1,)
        cur.execute("SELECT Id FROM Persons ORDER BY Id")  # DuckDB: "unfinished result" unless abandoned
        assert cur.fetchmany(2) == [(1,), (2,)]
        cur.execute("EXPLAIN SELECT * FROM Deals WHERE Id = 1")
        assert cur.fetchall()
        cur.execute("SELECT Id FROM Deals")
        cur.fetchmany(3)
        cur.execute("SELECT count(*) FROM Pipelines")
        assert cur.fetchone() == (3,)
        registered = cur._session._registered
        assert len(registered) == 1 and registered[0].endswith("pipelines")  # earlier readers are dropped
        # a statement that fails to parse abandons the previous result too
        cur.execute("SELECT Id FROM Deals")
        cur.fetchone()
        with pytest.raises(errors.ProgrammingError):
            cur.execute("SELEC 1")
        assert cur._session._registered == []
        cur.execute("SELECT 1")
        assert cur.fetchall() == [(1,)]


def test_cursors_of_one_connection_interleave_partial_fetches(sandbox: Any) -> None:
    with open_conn(sandbox, Pagesize=10) as connection:
        a, b = connection.cursor(), connection.cursor()
        a.execute("SELECT Id FROM Deals ORDER BY Id")
        assert a.fetchone() == (1,)
        b.execute("SELECT Id FROM Persons ORDER BY Id")
        assert b.fetchmany(2) == [(1,), (2,)]
        assert a.fetchone() == (2,)
        a.execute("SELECT Id FROM Organizations ORDER BY Id")  # while b's result is unfinished
        assert b.fetchone() == (3,)
        assert a.fetchone() == (1,)
        b.execute("SELECT Id FROM Deals ORDER BY Id DESC")
        assert a.fetchone() == (2,)
        assert len(b.fetchall()) == len(connection.execute("SELECT Id FROM Deals").fetchall())


def test_arrow_timestamps_are_utc_inside_lists_and_structs(conn: Connection) -> None:
    cur = conn.cursor()
    cur.execute(
        "SELECT UpdateTime, list_value(UpdateTime) AS l, {'a': UpdateTime} AS s, now() AS n, "
        "TIMESTAMP '2024-01-01 10:00:00' AS naive FROM Deals ORDER BY Id LIMIT 1"
    )
    schema = cur.fetch_arrow_table().schema
    utc = pa.timestamp("us", "UTC")
    assert schema.field("UpdateTime").type == utc and schema.field("n").type == utc
    assert schema.field("l").type.value_type == utc and schema.field("s").type.field("a").type == utc
    assert schema.field("naive").type == pa.timestamp("us")  # no zone stays no zone
    cur.execute("SELECT UpdateTime FROM Deals ORDER BY Id LIMIT 2")
    assert cur.fetch_df()["UpdateTime"].dt.tz is not None
