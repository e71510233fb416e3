"""``pipedrive-sql shell`` through a real pseudo-terminal, its completer in-process, and its script mode."""

from __future__ import annotations

import csv
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.cli.helpers import Terminal

from pipedrive_sandbox.server import Sandbox
from pipedrive_sql.cli.shell import Catalog, completions, should_run

PROMPT = r"pipedrive>"


def connection_string(sandbox: Sandbox) -> str:
    return f"BaseURL={sandbox.url};APIToken={sandbox.api_token}"


def test_an_interactive_session(
    terminal: Callable[..., Terminal], sandbox: Sandbox, env: dict[str, str]
) -> None:
    term = terminal("shell", "-c", connection_string(sandbox))
    term.expect(PROMPT)

    # Completion of a table name, then a query and what it cost.
    term.send("SELECT Name FROM Pipeli\t")
    term.expect("FROM Pipelines")
    term.send(" ORDER BY Id LIMIT 2;\r")
    term.expect("Sales")
    term.expect(r"2 rows in [\d.]+ s · \d+ API requests? · \d+ tokens")
    term.expect(PROMPT)

    # Completion of a column of the table the statement names.
    term.send("SELECT Id FROM Stages WHERE DealProb\t")
    term.expect("WHERE DealProbability")
    term.send(" >= 0 ORDER BY Id LIMIT 1;\r")
    term.expect(r"1 row in")

    # Multi-line input runs at the ';'.
    term.send("SELECT count(*) AS n\r")
    term.expect(r"\.\.\.>")
    term.send("FROM Pipelines;\r")
    term.expect(r"┃ +n ┃")
    term.expect(r"1 row in")

    # Meta-commands.
    term.send(".tables\r")
    term.expect("ActivityTypes")
    term.send(".schema Stages\r")
    term.expect("PipelineId")
    term.send(".explain SELECT * FROM Deals WHERE Id = 5\r")
    term.expect(r"GET /api/v2/deals")
    term.send(".nonsense\r")
    term.expect(r"Unknown command \.nonsense")

    # An error is reported and the shell goes on; Ctrl-C at the prompt only clears the line.
    term.send("SELEC 1;\r")
    term.expect(r"Error: .*[Ss]yntax")
    term.expect(PROMPT)
    term.send("SELECT 'half-typed")
    term.send("\x03")
    term.expect(PROMPT)
    term.send("SELECT 41 + 1 AS answer;\r")
    term.expect(r"│ +42 │")

    term.send(".quit\r")
    assert term.wait() == 0
    assert "Traceback" not in term.text
    history = Path(env["PIPEDRIVE_SQL_HISTORY_FILE"]).read_text()
    assert "SELECT Name FROM Pipelines ORDER BY Id LIMIT 2;" in history
    assert "+FROM Pipelines;" in history  # the multi-line statement, kept as typed
    assert (Path(env["PIPEDRIVE_SQL_HISTORY_FILE"]).stat().st_mode & 0o077) == 0


def test_psql_commands_on_a_terminal(terminal: Callable[..., Terminal], sandbox: Sandbox) -> None:
    term = terminal("shell", "-c", connection_string(sandbox))
    term.expect(PROMPT)
    term.send("\\d Stag\t")
    term.expect("Stages")
    term.send("\r")
    term.expect("PipelineId")
    term.expect(PROMPT)
    term.send("\\x\r")
    term.expect("Expanded display is on.")
    term.send("SELECT Id, Name FROM Pipelines ORDER BY Id LIMIT 1;\r")
    term.expect("── Record 1 ──")
    term.expect(r"1 row in")
    term.send("\\timing\r")
    term.expect("Timing is off.")
    term.send("\\?\r")
    term.expect(r"\\d\+ NAME")
    term.send("SELECT Titel FROM Deals;\r")
    term.expect('Error: column "Titel" does not exist in Deals; did you mean "Title"\\?')
    term.expect(PROMPT)  # the shell goes on after an error
    term.send("\\q\r")
    assert term.wait() == 0
    assert "Traceback" not in term.text


def test_ctrl_d_leaves(terminal: Callable[..., Terminal], sandbox: Sandbox) -> None:
    term = terminal("shell", "-c", connection_string(sandbox))
    term.expect(PROMPT)
    term.send("\x04")
    assert term.wait() == 0


SCRIPT = "SELECT Id FROM Pipelines ORDER BY Id\nLIMIT 2;\n.schema Pipelines\nSELEC oops;\nSELECT 7 AS x;\n"


def test_a_script_on_stdin_stops_at_its_first_error(sandbox: Sandbox, cli: Any) -> None:
    result: subprocess.CompletedProcess[str] = cli("shell", "-c", connection_string(sandbox), input=SCRIPT)
    assert result.returncode == 1
    assert result.stdout.startswith("Id\n1\n2\n")
    assert "ColumnName" in result.stdout and "x\n7\n" not in result.stdout
    assert "Error: stdin:4: " in result.stderr and "Stopped at the first error" in result.stderr
    assert "Traceback" not in result.stderr


def test_continue_on_error_runs_the_rest_and_still_fails(sandbox: Sandbox, cli: Any) -> None:
    result = cli("shell", "-c", connection_string(sandbox), "--continue-on-error", input=SCRIPT)
    assert result.returncode == 1
    assert result.stdout.startswith("Id\n1\n2\n") and result.stdout.endswith("x\n7\n")
    assert "Error: stdin:4: " in result.stderr and "Stopped" not in result.stderr
    clean = cli("shell", "-c", connection_string(sandbox), input="SELECT 1 AS a;\n")
    assert clean.returncode == 0 and clean.stdout == "a\n1\n"


def test_psql_meta_commands_in_a_script(sandbox: Sandbox, cli: Any, tmp_path: Path) -> None:
    included = tmp_path / "included.sql"
    included.write_text("-- a comment first\nSELECT 'from the file' AS src;\n")
    results = tmp_path / "stages.csv"
    script = "\n".join(
        [
            "\\dt Pipe*",
            "\\d Stages",
            "\\d+ Deals",
            "\\d sys_tables",
            "\\x",
            "SELECT Id, Name FROM Pipelines ORDER BY Id LIMIT 1;",
            "\\x off",
            "\\timing off",
            "SELECT 2 AS two;",
            f"\\o {results}",
            "SELECT Id, Name FROM Stages ORDER BY Id LIMIT 2;",
            "\\o",
            f"\\i {included}",
            "\\q",
            "SELECT 'never' AS after_quit;",
        ]
    )
    result = cli("shell", "-c", connection_string(sandbox), input=script + "\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("TableName\tTableType\nPipelines\tTABLE\n")  # \dt with a pattern
    assert "ColumnName\tDataTypeName\tIsNullable\tIsKey\nId\tBIGINT\tfalse\ttrue\n" in out  # \d
    verbose = "ColumnName\tDataTypeName\tIsNullable\tIsKey\tIsReadOnly\tFieldKey\tDescription\n"
    assert verbose in out  # \d+
    custom_field = r"\n[A-Za-z]+\tVARCHAR\ttrue\tfalse\t(true|false)\t[0-9a-f]{40}\t"
    assert re.search(custom_field, out)
    assert "ColumnName\tDataTypeName\nCatalogName\tVARCHAR\n" in out  # a metadata table
    assert "-[ RECORD 1 ]-\nId\t1\nName\tSales\n" in out  # \x
    assert "two\n2\n" in out
    assert re.search(r"^1 row · 0 API requests · 0 tokens$", result.stderr, re.M)  # \timing off
    assert "Id\tName\n" not in out  # the stages went to the file
    with results.open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["Id", "Name"] and [r[0] for r in rows[1:]] == ["1", "2"]
    assert "src\nfrom the file\n" in out  # \i
    assert "after_quit" not in out  # \q


def test_meta_command_errors_stop_a_script_too(sandbox: Sandbox, cli: Any, tmp_path: Path) -> None:
    failing = tmp_path / "failing.sql"
    failing.write_text("SELECT 1 AS one;\nSELECT Titel FROM Deals;\nSELECT 'not reached' AS inner_rest;\n")
    cs = connection_string(sandbox)
    outer = tmp_path / "outer.sql"
    outer.write_text(f"\\i {failing}\nSELECT 'not reached' AS outer_rest;\n")
    nested = cli("shell", "-c", cs, "-f", str(outer))
    assert nested.returncode == 1
    assert (
        f'Error: {failing}:2: column "Titel" does not exist in Deals; did you mean "Title"?' in nested.stderr
    )
    assert "one\n1\n" in nested.stdout and "rest" not in nested.stdout
    lines = [
        ("\\dx", "Unknown command \\dx."),
        ("\\d Deal", 'table "Deal" does not exist; did you mean "Deals"?'),
        (f"\\o {tmp_path / 'r.parquet'}", "\\o appends one result after another"),
        ("\\x sideways", "Usage: \\x [on|off|auto]"),
        (f"\\i {tmp_path / 'absent.sql'}", "absent.sql"),
    ]
    script = "".join(f"{line}\n" for line, _ in lines) + "SELECT 'reached' AS rest;\n"
    stopped = cli("shell", "-c", cs, input=script)
    assert stopped.returncode == 1 and "rest" not in stopped.stdout
    assert f"Error: stdin:1: {lines[0][1]}" in stopped.stderr and "stdin:2:" not in stopped.stderr
    going_on = cli("shell", "-c", cs, "--continue-on-error", input=script)
    assert going_on.returncode == 1 and going_on.stdout == "rest\nreached\n"
    for number, (_, message) in enumerate(lines, start=1):
        assert f"Error: stdin:{number}: " in going_on.stderr and message in going_on.stderr, message
    assert "Traceback" not in stopped.stderr + going_on.stderr


# --------------------------------------------------------------------------------------------- in-process


class FakeCatalog(Catalog):
    def __init__(self) -> None:
        super().__init__(conn=None)
        self._tables = ["DealFields", "Deals", "Persons", "Pipelines", "Stages"]
        self._columns = {
            "deals": ["Id", "Title", "PersonId", "PipelineId"],
            "persons": ["Id", "Name", "Emails"],
        }

    def columns(self, table: str) -> list[str]:
        return self._columns.get(table.lower(), [])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELECT * FROM Dea", ["DealFields", "Deals"]),
        ("select * from pi", ["Pipelines"]),
        ("SELECT * FROM Deals WHERE Pers", ["PersonId", "Persons"]),
        ("SELECT d.Ti", []),
        ("SELECT d.Ti FROM Deals d", ["Title"]),
        ("SELECT * FROM Deals AS d JOIN Persons p ON p.", ["Id", "Name", "Emails"]),
        ("SELECT * FROM Deals WHERE Title IS NOT NU", ["NULL", "NULLS"]),
        ("sel", ["select"]),
        (".sch", [".schema"]),
        (".schema St", ["Stages"]),
        (".explain SELECT * FROM Deals WHERE Ti", ["Title", "TIMESTAMP"]),
        ("\\d+ Pe", ["Persons"]),
        ("\\dt", ["\\dt", "\\dt+"]),
        ("\\ti", ["\\timing"]),
    ],
)
def test_completions(text: str, expected: list[str]) -> None:
    # The alias case completes against the whole statement, as typed so far plus what follows the cursor.
    before = text if "d.Ti FROM" not in text else "SELECT d.Ti"
    names, length = completions(before, text, FakeCatalog())
    assert names == expected
    assert length <= len(before)


@pytest.mark.parametrize(
    ("text", "runs"),
    [
        ("SELECT 1;", True),
        ("SELECT 1", False),
        ("SELECT ';'", False),
        (".tables", True),
        ("\\d Deals", True),
        ("", True),
        ("quit", True),
        ("SELECT 1; -- done", True),
    ],
)
def test_enter_runs_complete_input(text: str, runs: bool) -> None:
    assert should_run(text) is runs


def test_ctrl_c_stops_a_query_and_the_shell_goes_on(
    terminal: Callable[..., Terminal], make_sandbox: Callable[..., Sandbox]
) -> None:
    slow = make_sandbox(scale=300, latency_ms=150, rate_limit=False)
    term = terminal("shell", "-c", f"{connection_string(slow)};Pagesize=5;MaxConcurrency=1")
    term.expect(PROMPT)
    term.send("SELECT Id FROM Deals;\r")
    term.expect("Running…")  # the progress line: the scan is under way
    term.send("\x03")
    term.expect("Query interrupted.")
    term.expect(PROMPT)
    stopped_at = slow.stats()["total"]
    term.send("SELECT Name FROM Pipelines ORDER BY Id LIMIT 1;\r")
    term.expect("1 row in")
    assert slow.stats()["total"] - stopped_at == 1  # the interrupted scan made no more requests
    term.send(".quit\r")
    assert term.wait() == 0
