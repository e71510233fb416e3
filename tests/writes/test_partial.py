"""Partial failure: when a record in the middle of a statement fails, the error lists the records written (by
id), the one that failed and why, and those not attempted; the API's state agrees with it, and no write was
sent twice. Faults come from the sandbox's seeded fault injection (the same requests meet the same faults on
every run), refusals from a record the API rejects."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from pipedrive_sandbox.server import Sandbox
from pipedrive_sql import errors
from pipedrive_sql.dbapi import Connection

from .helpers import get, run


@pytest.fixture
def faults(wsb: Sandbox) -> Iterator[Sandbox]:
    """The module's sandbox; fault injection is switched off again after the test."""
    yield wsb
    wsb.configure(fault_rate=0.0)


def notes(api: httpx.Client, deal_id: int) -> dict[int, str]:
    return {n["id"]: n["content"] for n in get(api, "/api/v1/notes", deal_id=deal_id, limit=500) or []}


def batch_of_notes(conn: Connection, deal_id: int, prefix: str, count: int = 10) -> list[int]:
    values = ", ".join(f"('{prefix} {i}', {deal_id})" for i in range(count))
    _, rows = run(conn, f"INSERT INTO Notes (Content, DealId) VALUES {values} RETURNING Id")
    return [r[0] for r in rows]


def test_a_record_the_api_refuses_stops_an_insert_part_way(conn: Connection, api: httpx.Client) -> None:
    with pytest.raises(errors.PartialWriteError) as raised:
        run(
            conn,
            "INSERT INTO Deals (Title, PersonId) VALUES ('Part 1', 1), ('Part 2', 2), ('Part 3', 999999), "
            "('Part 4', 3), ('Part 5', 4)",
        )
    error = raised.value
    assert isinstance(error, errors.IntegrityError)
    assert len(error.written) == 2
    assert [get(api, f"/api/v2/deals/{i}")["title"] for i in error.written] == ["Part 1", "Part 2"]
    [(row, reason)] = error.failed
    assert row == 3 and "Person with id 999999 does not exist" in reason
    assert error.not_attempted == [4, 5]  # INSERT reports rows by their number in the statement
    assert isinstance(error.__cause__, errors.IntegrityError)
    assert "stopped at row 3 of 5" in str(error) and "2 written" in str(error)
    _, rows = run(conn, "SELECT Title FROM Deals WHERE Title LIKE 'Part %' ORDER BY Title")
    assert rows == [("Part 1",), ("Part 2",)]


def test_a_fault_mid_batch_is_reported_and_never_retried(
    conn: Connection, api: httpx.Client, faults: Sandbox
) -> None:
    ids = batch_of_notes(conn, 5, "Fault")
    faults.configure(fault_rate=0.25, faults=["500"])
    faults.reset_stats()  # the seeded fault sequence starts over: the 7th request (the 6th write) fails
    with pytest.raises(errors.PartialWriteError) as raised:
        run(conn, "UPDATE Notes SET Content = Content || ' (changed)' WHERE Content LIKE 'Fault %'")
    puts = faults.stats()["by_operation"]["PUT /api/v1/notes/{id}"]
    faults.configure(fault_rate=0.0)
    error = raised.value
    [(failed_id, reason)] = error.failed
    assert "may or may not have been applied" in reason
    assert error.written and error.not_attempted  # it stopped in the middle
    assert sorted([*error.written, failed_id, *error.not_attempted]) == sorted(ids)
    assert puts == len(error.written) + 1  # one request per record tried: nothing repeated
    now = notes(api, 5)
    assert all(now[i].endswith("(changed)") for i in error.written)
    assert not any(now[i].endswith("(changed)") for i in error.not_attempted)
    # Running the statement again for what was not written finishes the job.
    run(
        conn,
        "UPDATE Notes SET Content = Content || ' (changed)' WHERE Id IN (SELECT UNNEST(?))",
        [[failed_id, *error.not_attempted]],
    )
    assert all(notes(api, 5)[i].endswith("(changed)") for i in ids)


def test_an_insert_cut_off_after_sending_creates_no_duplicate(
    conn: Connection, api: httpx.Client, faults: Sandbox
) -> None:
    """A dropped connection after Pipedrive applied the write: reported as ambiguous, not sent again."""
    faults.configure(fault_rate=0.25, faults=["reset"])
    faults.reset_stats()
    with pytest.raises(errors.PartialWriteError) as raised:
        run(
            conn,
            "INSERT INTO Notes (Content, DealId) VALUES " + ", ".join(f"('Reset {i}', 6)" for i in range(10)),
        )
    posts = faults.stats()["by_operation"]["POST /api/v1/notes"]
    faults.configure(fault_rate=0.0)
    error = raised.value
    [(row, reason)] = error.failed
    assert "may or may not have been applied" in reason
    assert posts == len(error.written) + 1
    contents = sorted(c for c in notes(api, 6).values() if c.startswith("Reset "))
    # The reset fault lets the request run before dropping the connection: the failed row exists, once.
    assert contents == sorted(f"Reset {i}" for i in range(row))
    assert len(error.not_attempted) == 10 - row


def test_a_delete_stopped_part_way(conn: Connection, api: httpx.Client, faults: Sandbox) -> None:
    ids = batch_of_notes(conn, 7, "Delete fault")
    faults.configure(fault_rate=0.25, faults=["500"])
    faults.reset_stats()
    with pytest.raises(errors.PartialWriteError) as raised:
        run(conn, "DELETE FROM Notes WHERE Content LIKE 'Delete fault %'")
    faults.configure(fault_rate=0.0)
    error = raised.value
    remaining = notes(api, 7)
    assert error.written and not any(i in remaining for i in error.written)
    assert all(i in remaining for i in error.not_attempted)
    assert sorted([*error.written, error.failed[0][0], *error.not_attempted]) == sorted(ids)


def test_a_statement_of_one_record_raises_the_requests_own_error(conn: Connection, faults: Sandbox) -> None:
    with pytest.raises(errors.IntegrityError) as raised:
        run(conn, "UPDATE Deals SET PersonId = 999999 WHERE Id = 4")
    assert not isinstance(raised.value, errors.PartialWriteError)
    faults.configure(fault_rate=1.0, faults=["500"])
    with pytest.raises(errors.AmbiguousWrite, match="may or may not have been applied"):
        run(conn, "INSERT INTO Pipelines (Name) VALUES ('Ambiguous')")


def test_writes_refused_with_429_are_retried_because_they_surely_did_not_apply(
    conn: Connection, api: httpx.Client, faults: Sandbox
) -> None:
    ids = batch_of_notes(conn, 8, "Throttled", count=6)
    faults.configure(fault_rate=0.25, faults=["429"])  # the seeded sequence throttles the 6th write once
    faults.reset_stats()
    cur, _ = run(conn, "UPDATE Notes SET Content = Content || ' (done)' WHERE Content LIKE 'Throttled %'")
    stats = faults.stats()
    faults.configure(fault_rate=0.0)
    assert cur.rowcount == 6
    assert stats["by_status"]["429"] == 1
    assert stats["by_operation"]["PUT /api/v1/notes/{id}"] == 7  # the refused write, sent again
    assert all(
        notes(api, 8)[i].endswith("(done)") and not notes(api, 8)[i].endswith("(done) (done)") for i in ids
    )
