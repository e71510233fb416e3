"""``pipedrive-sql query``, ``tables``, ``describe`` and ``dsn test`` against the sandbox, as subprocesses.

Every output format is parsed back and compared with what the driver returns in-process for the same SQL.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import math
import re
import signal
import subprocess
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from tests.cli.helpers import COMMAND, Terminal, default_sigint

import pipedrive_sql
from pipedrive_sandbox.server import Sandbox
from pipedrive_sql.cli.app import run
from pipedrive_sql.dsn import save_dsn

CLI = Callable[..., subprocess.CompletedProcess[str]]
SQL = (
    "SELECT Id, Title, Value, Currency, AddTime, ExpectedCloseDate, IsDeleted, LabelIds, Probability "
    "FROM Deals ORDER BY Id LIMIT 25"
)


def connection_string(sandbox: Sandbox) -> str:
    return f"BaseURL={sandbox.url};APIToken={sandbox.api_token}"


@pytest.fixture(scope="module")
def expected(sandbox: Sandbox) -> tuple[list[str], list[tuple[Any, ...]], Any]:
    """Column names, rows and the Arrow table the driver gives for SQL."""
    with pipedrive_sql.connect(connection_string(sandbox)) as conn:
        cursor = conn.cursor()
        cursor.execute(SQL)
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
        cursor.execute(SQL)
        table = cursor.fetch_arrow_table()
    assert len(rows) == 25
    return names, rows, table


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


def failed(result: subprocess.CompletedProcess[str], code: int = 1) -> str:
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stderr


def same_text(value: Any, text: str, null: str = "") -> bool:
    """Whether ``text`` (a csv or plain-table cell) stands for the driver's ``value``."""
    if value is None:
        return text == null
    if isinstance(value, bool):
        return text == ("true" if value else "false")
    if isinstance(value, float):
        return math.isclose(float(text), value)
    if isinstance(value, dt.datetime | dt.date):
        return type(value).fromisoformat(text) == value
    if isinstance(value, list | dict):
        return json.loads(text) == value
    return text == str(value)


def same_json(value: Any, item: Any) -> bool:
    if isinstance(value, dt.datetime | dt.date) and isinstance(item, str):
        return type(value).fromisoformat(item) == value
    if isinstance(value, float) and isinstance(item, int | float):
        return math.isclose(value, item)
    if isinstance(value, Decimal) and isinstance(item, int | float | str):
        return Decimal(str(item)) == value  # a JSON number with the amount's digits
    return bool(item == value)


def test_csv(cli: CLI, sandbox: Sandbox, expected: Any, tmp_path: Path) -> None:
    names, rows, _ = expected
    stdout = ok(cli("query", "-c", connection_string(sandbox), "--format", "csv", SQL)).stdout
    to_file = tmp_path / "deals.csv"
    ok(cli("query", "-c", connection_string(sandbox), "-o", str(to_file), SQL))  # format from the suffix
    assert to_file.read_text() == stdout
    parsed = list(csv.reader(io.StringIO(stdout)))
    assert parsed[0] == names
    assert len(parsed) == len(rows) + 1
    for row, line in zip(rows, parsed[1:], strict=True):
        assert all(same_text(v, t) for v, t in zip(row, line, strict=True)), (row, line)


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_formats(cli: CLI, sandbox: Sandbox, expected: Any, fmt: str) -> None:
    names, rows, _ = expected
    stdout = ok(cli("query", "-c", connection_string(sandbox), "-F", fmt, SQL)).stdout
    items = json.loads(stdout) if fmt == "json" else [json.loads(line) for line in stdout.splitlines()]
    assert len(items) == len(rows)
    for row, item in zip(rows, items, strict=True):
        assert list(item) == names
        assert all(same_json(v, item[n]) for n, v in zip(names, row, strict=True)), (row, item)


def test_parquet(cli: CLI, sandbox: Sandbox, expected: Any, tmp_path: Path) -> None:
    _, _, table = expected
    target = tmp_path / "deals.parquet"
    ok(cli("query", "-c", connection_string(sandbox), "-o", str(target), SQL))
    written = pq.read_table(target)
    assert written.schema.names == table.schema.names
    assert written.to_pylist() == table.to_pylist()
    piped = subprocess.run(
        [*COMMAND, "query", "-c", connection_string(sandbox), "--format", "parquet", SQL],
        capture_output=True,
        check=True,
        timeout=120,
    )
    assert pq.read_table(io.BytesIO(piped.stdout)).to_pylist() == table.to_pylist()


def test_table_is_plain_tab_separated_when_piped_and_stats_go_to_stderr(
    cli: CLI, sandbox: Sandbox, expected: Any
) -> None:
    names, rows, _ = expected
    result = ok(cli("query", "-c", connection_string(sandbox), "--stats", SQL))
    lines = result.stdout.splitlines()
    assert lines[0].split("\t") == names
    for row, line in zip(rows, lines[1:], strict=True):
        cells = line.split("\t")
        assert all(same_text(v, t, null="NULL") for v, t in zip(row, cells, strict=True)), (row, cells)
    # The first query of a connection may also read the custom-field definitions.
    assert re.fullmatch(r"25 rows in [\d.]+ s · [12] API requests? · \d+ tokens\n", result.stderr)


def test_table_renders_on_a_terminal(
    terminal: Callable[..., Terminal], sandbox: Sandbox, expected: Any
) -> None:
    _, rows, _ = expected
    term = terminal("query", "-c", connection_string(sandbox), SQL)
    assert term.wait() == 0
    text = term.text
    assert "┃ Id" in text or "│ Id" in text  # a drawn table, not tab-separated text
    assert rows[0][1] in text and "\t" not in text


def test_sql_from_a_file_and_stdin_the_last_statement_written(
    cli: CLI, sandbox: Sandbox, tmp_path: Path
) -> None:
    script = tmp_path / "q.sql"
    script.write_text(
        "SELECT 1 AS a; -- runs, not written\n-- the stages\nSELECT Id, Name FROM Stages ORDER BY Id LIMIT 3;\n"
    )
    from_file = ok(cli("query", "-c", connection_string(sandbox), "-f", str(script), "-F", "jsonl")).stdout
    from_stdin = ok(
        cli("query", "-c", connection_string(sandbox), "-f", "-", "-F", "jsonl", input=script.read_text())
    )
    assert from_file == from_stdin.stdout
    assert [json.loads(line)["Id"] for line in from_file.splitlines()] == [1, 2, 3]


def test_embedded_sandbox(cli: CLI) -> None:
    result = ok(
        cli("query", "--sandbox", "--sandbox-scale", "20", "-F", "csv", "SELECT count(*) AS n FROM Deals")
    )
    header, count = result.stdout.splitlines()
    assert header == "n" and 0 < int(count) <= 20  # 20 deals, less the deleted and archived ones


def add_dsn(env: dict[str, str], name: str, props: dict[str, str], *, system: bool = False) -> None:
    """Write a DSN into the test's files in-process (the dsn verbs have their own subprocess tests)."""
    with pytest.MonkeyPatch.context() as patch:
        for key in ("PIPEDRIVE_SQL_USER_DSN_FILE", "PIPEDRIVE_SQL_SYSTEM_DSN_FILE", "PIPEDRIVE_SQL_KEYRING"):
            patch.setenv(key, env[key])
        save_dsn(name, props, system=system)


def test_a_dsn_connects_and_is_tested(cli: CLI, sandbox: Sandbox, env: dict[str, str]) -> None:
    add_dsn(env, "Local", {"BaseURL": sandbox.url, "APIToken": sandbox.api_token})
    result = ok(cli("query", "--dsn", "local", "-F", "csv", "SELECT Id FROM Pipelines ORDER BY Id LIMIT 1"))
    assert result.stdout.splitlines() == ["Id", "1"]
    tested = ok(cli("dsn", "test", "LOCAL"))
    me = sandbox.store.users[sandbox.store.main_user_id]
    assert "Connected with data source 'Local'" in tested.stderr
    assert "Auth scheme: Basic" in tested.stdout
    assert f"User: {me['name']}" in tested.stdout
    assert "Company: " in tested.stdout and "Company: unknown" not in tested.stdout
    assert sandbox.api_token not in tested.stdout + tested.stderr


def test_a_system_dsn_is_used_with_system(cli: CLI, sandbox: Sandbox, env: dict[str, str]) -> None:
    add_dsn(env, "Svc", {"BaseURL": sandbox.url, "APIToken": sandbox.api_token}, system=True)
    add_dsn(env, "Svc", {"BaseURL": sandbox.url, "APIToken": "wrong-token"})
    sql = ["-F", "csv", "SELECT Id FROM Pipelines ORDER BY Id LIMIT 1"]
    assert ok(cli("query", "--dsn", "svc", "--system", *sql)).stdout.splitlines() == ["Id", "1"]
    shadowed = failed(cli("query", "--dsn", "svc", *sql))  # the user DSN, with its bad token, wins
    assert "Error:" in shadowed and "wrong-token" not in shadowed
    assert "Auth scheme: Basic" in ok(cli("dsn", "test", "svc", "--system")).stdout


def test_tables_and_describe(cli: CLI, sandbox: Sandbox) -> None:
    tables = ok(cli("tables", "-c", connection_string(sandbox), "-F", "csv")).stdout
    names = [row[0] for row in csv.reader(io.StringIO(tables))][1:]
    assert {"Deals", "Persons", "Organizations", "Users", "sys_tables"} <= set(names) or "Deals" in names
    described = list(
        csv.DictReader(
            io.StringIO(ok(cli("describe", "deals", "-c", connection_string(sandbox), "-F", "csv")).stdout)
        )
    )
    columns = {row["ColumnName"]: row for row in described}
    assert columns["Id"]["DataTypeName"] == "BIGINT" and columns["Id"]["IsKey"] == "true"
    assert any(row["FieldKey"] for row in described)  # custom fields name their 40-character key
    missing = failed(cli("describe", "Deal", "-c", connection_string(sandbox)))
    assert "No table named 'Deal'" in missing and "Did you mean" in missing


def test_errors_are_one_clear_message(cli: CLI, sandbox: Sandbox) -> None:
    cs = connection_string(sandbox)
    syntax = failed(cli("query", "-c", cs, "SELEC Id FROM Deals"))
    assert syntax.startswith("Error:") and "line 1" in syntax
    bad_token = failed(
        cli("query", "-c", f"BaseURL={sandbox.url};APIToken=nope-secret", "SELECT Id FROM Deals")
    )
    assert bad_token.startswith("Error:") and "nope-secret" not in bad_token
    engine = failed(cli("query", "-c", cs, "SELECT Titel FROM Deals"))
    assert engine == 'Error: column "Titel" does not exist in Deals; did you mean "Title"?\n'
    conversion = failed(cli("query", "-c", cs, "SELECT CAST(Title AS INTEGER) FROM Deals"))
    assert re.fullmatch(r"Error: cannot convert '.+' to INTEGER \(column Title\)\n", conversion)
    debug = cli("query", "-c", cs, "SELECT * FROM Deal", "--debug")
    assert debug.returncode == 1 and "Traceback" in debug.stderr
    assert debug.stderr.strip().splitlines()[-1].startswith("Error:") and "Deals" in debug.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["query", "SELECT 1"], 1, "Nothing to connect to"),
        (["query", "--sandbox", "-F", "xml", "SELECT 1"], 2, "use one of table, csv, json, jsonl, parquet"),
        (["query", "--sandbox", "-f", "q.sql", "SELECT 1"], 2, "not both"),
        (["query", "--sandbox", "-f", "absent.sql"], 1, "absent.sql"),
        (["query", "-c", "APIToken", "SELECT 1"], 1, "has no '='"),
        (["query", "-c", "Timout=5", "SELECT 1"], 1, "Did you mean Timeout?"),
        (["query", "--sandbox", "--system", "SELECT 1"], 2, "give --dsn too"),
        (["shell", "--dsn", "nowhere"], 1, "No data source named 'nowhere'"),
    ],
)
def test_argument_errors_in_process(
    args: list[str],
    code: int,
    message: str,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Checked before any connection is made, so in-process (``run`` is what ``main`` calls)."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    assert run(args) == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.fixture
def slow_sandbox(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return make_sandbox(scale=300, latency_ms=150, rate_limit=False)


def _wait_for_requests(sandbox: Sandbox, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while sandbox.stats()["total"] < count:
        assert time.monotonic() < deadline, "the query made no requests"
        time.sleep(0.05)  # polling the sandbox's counter


def test_ctrl_c_stops_a_running_query(env: dict[str, str], slow_sandbox: Sandbox) -> None:
    slow_sandbox.reset_stats()
    proc = subprocess.Popen(
        [*COMMAND, "query", "-c", f"{connection_string(slow_sandbox)};Pagesize=5;MaxConcurrency=1",
         "-F", "csv", "SELECT * FROM Deals"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint,
    )  # fmt: skip
    try:
        _wait_for_requests(slow_sandbox, 3)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert "Interrupted." in stderr and "Traceback" not in stderr
    assert slow_sandbox.stats()["total"] < 300 // 5  # it stopped before reading everything


def test_progress_on_a_terminal(terminal: Callable[..., Terminal], slow_sandbox: Sandbox) -> None:
    term = terminal(
        "query",
        "-c",
        f"{connection_string(slow_sandbox)};Pagesize=20;MaxConcurrency=1",
        "SELECT Id, Title FROM Deals",
    )
    term.expect(r"Running… [\d,]+ rows read · \d+ API requests?")
    assert term.wait(timeout=60) == 0
    assert "Title" in term.text


def test_progress_counts_api_rows_during_an_aggregate(
    terminal: Callable[..., Terminal], slow_sandbox: Sandbox
) -> None:
    term = terminal(
        "query",
        "-c",
        f"{connection_string(slow_sandbox)};Pagesize=20;MaxConcurrency=1",
        "SELECT count(*) AS n FROM Deals",
    )
    # One result row at the end; while it runs, the rows the API has delivered so far.
    term.expect(r"Running… [1-9][\d,]* rows read · [1-9]\d* API requests?")
    assert term.wait(timeout=60) == 0
    assert re.search(r"│ +\d+ │", term.text)


def test_cursor_counts_rows_read_from_the_api(sandbox: Sandbox) -> None:
    with pipedrive_sql.connect(f"{connection_string(sandbox)};Pagesize=50") as conn:
        cursor = conn.cursor()
        cursor.execute("SELECT Id FROM Deals")
        deals = len(cursor.fetchall())
        cursor.execute("SELECT count(*) FROM Deals")
        assert cursor.fetchall() == [(deals,)]
        assert cursor.api_rows == deals and cursor.api_requests >= deals // 50
        cursor.execute("SELECT Title FROM Deals LIMIT 3")
        assert len(cursor.fetchall()) == 3 and 3 <= cursor.api_rows <= 50  # one page at most


NUMBERS = (
    "SELECT CAST(0.1 AS REAL) AS r, CAST(12345678901234567.89 AS DECIMAL(38,2)) AS d, "
    "CAST(457729282.5 AS DOUBLE) AS x, CAST(0.1 AS DOUBLE) + CAST(0.2 AS DOUBLE) AS y"
)


def test_numbers_are_printed_as_stored(
    cli: CLI, sandbox: Sandbox, terminal: Callable[..., Terminal], tmp_path: Path
) -> None:
    """Decimals keep their digits (never through a double); REAL prints its own shortest form, not its
    widening to double; DOUBLE prints the shortest text that reads back as the same double."""
    cs = connection_string(sandbox)
    row = "0.1,12345678901234567.89,457729282.5,0.30000000000000004"
    # csv, jsonl and the plain table from one shell (\\o writes the first two), json from `query`
    script = (
        f"\\o {tmp_path / 'n.csv'}\n{NUMBERS};\n\\o {tmp_path / 'n.jsonl'}\n{NUMBERS};\n\\o\n{NUMBERS};\n"
    )
    plain = ok(cli("shell", "-c", cs, input=script)).stdout
    assert plain == "r\td\tx\ty\n" + row.replace(",", "\t") + "\n"
    assert (tmp_path / "n.csv").read_text() == f"r,d,x,y\n{row}\n"
    texts = [(tmp_path / "n.jsonl").read_text(), ok(cli("query", "-c", cs, "-F", "json", NUMBERS)).stdout]
    for text in texts:
        assert '"d":12345678901234567.89' in text and '"r":0.1,' in text
        parsed = json.loads(text, parse_float=decimal.Decimal)
        item = parsed[0] if isinstance(parsed, list) else parsed
        assert item["d"] == decimal.Decimal("12345678901234567.89")
        assert float(item["x"]) == 457729282.5 and float(item["y"]) == 0.1 + 0.2
    term = terminal("query", "-c", cs, NUMBERS)
    assert term.wait() == 0
    assert "12345678901234567.89" in term.text and "457729282.5 " in term.text
    assert "0.1000000" not in term.text


def test_sync_refuses_two_targets_and_writes_neither(cli: CLI, sandbox: Sandbox, tmp_path: Path) -> None:
    first, second = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    result = cli(
        "sync", "-c", connection_string(sandbox), "-t", str(first), "-t", str(second), "-T", "Stages"
    )
    assert result.returncode == 2, result.stderr
    assert "one target per run" in result.stderr and "--tables" in result.stderr
    assert not first.exists() and not second.exists()


def test_sync_shows_live_progress_per_table_on_a_terminal(
    terminal: Callable[..., Terminal], slow_sandbox: Sandbox, tmp_path: Path
) -> None:
    term = terminal(
        "sync",
        "-c",
        f"{connection_string(slow_sandbox)};Pagesize=20;MaxConcurrency=1",
        "--to",
        str(tmp_path / "copy.duckdb"),
        "--tables",
        "Deals",
    )
    # While Deals is read: the records and requests so far, as they arrive.
    term.expect(r"Syncing Deals… [1-9][\d,]* rows read · [1-9]\d* API requests?")
    assert term.wait(timeout=120) == 0
    assert "Deals: full," in term.text and "synced" in term.text
