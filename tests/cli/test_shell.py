"""``pipedrive-sql shell`` through a real pseudo-terminal, its completer in-process, and its script mode."""

from __future__ import annotations

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


def test_ctrl_d_leaves(terminal: Callable[..., Terminal], sandbox: Sandbox) -> None:
    term = terminal("shell", "-c", connection_string(sandbox))
    term.expect(PROMPT)
    term.send("\x04")
    assert term.wait() == 0


def test_a_script_on_stdin_runs_without_a_terminal(sandbox: Sandbox, cli: Any) -> None:
    script = (
        "SELECT Id FROM Pipelines ORDER BY Id\nLIMIT 2;\n.schema Pipelines\nSELEC oops;\nSELECT 7 AS x;\n"
    )
    result: subprocess.CompletedProcess[str] = cli("shell", "-c", connection_string(sandbox), input=script)
    assert result.returncode == 0
    assert result.stdout.startswith("Id\n1\n2\n")
    assert "ColumnName" in result.stdout and "x\n7\n" in result.stdout
    assert "Error:" in result.stderr and "Traceback" not in result.stderr


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
