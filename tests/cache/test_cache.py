"""The cache as a user meets it: AutoCache, CacheTolerance, Offline, CacheMetadata, CACHE/REPLICATE, EXPLAIN.

Requests are counted by the sandbox itself (``stats()["total"]``), not by the driver.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipedrive_sql.errors import NotSupportedError, OperationalError, ProgrammingError

from .helpers import api

DASHBOARD = (
    "SELECT Status, count(*) AS n, sum(Value) AS total FROM Deals GROUP BY Status ORDER BY Status",
    "SELECT Id, Title, Value FROM Deals WHERE Value > 1000 ORDER BY Value DESC, Id LIMIT 10",
    "SELECT o.Name, count(*) AS deals FROM Deals d JOIN Organizations o ON o.Id = d.OrgId "
    "GROUP BY o.Name ORDER BY deals DESC, o.Name LIMIT 5",
    "SELECT p.Name FROM Persons p WHERE p.Id IN (SELECT PersonId FROM Deals WHERE Status = 'won') ORDER BY 1",
    "SELECT Title FROM Deals WHERE Id = 3",
    "SELECT count(*) FROM Activities WHERE Done",
    # Deals holds deleted deals too (docs/tables.md): the cache keeps them and answers narrower statuses.
    "SELECT Id, Title, IsDeleted FROM Deals WHERE Status = 'deleted' ORDER BY Id",
    "SELECT count(*) FROM Deals WHERE Status IN ('won', 'deleted')",
    "SELECT Status, count(*) FROM ArchivedDeals GROUP BY Status ORDER BY Status",
)


def run(conn: Any, queries: tuple[str, ...] = DASHBOARD) -> list[list[tuple[Any, ...]]]:
    out = []
    for sql in queries:
        cursor = conn.cursor()
        cursor.execute(sql)
        out.append(cursor.fetchall())
    return out


def requests(sb: Any) -> int:
    return int(sb.stats()["total"])


def test_second_run_of_a_dashboard_costs_no_request(writable: Any, open_conn: Any) -> None:
    conn = open_conn(writable, AutoCache=True, CacheTolerance=600)
    before = requests(writable)
    first = run(conn)
    assert requests(writable) > before
    between = requests(writable)
    assert run(conn) == first
    assert requests(writable) == between
    # A new connection (a notebook restarted) is answered from the same file, metadata included.
    again = open_conn(writable, AutoCache=True, CacheTolerance=600)
    assert run(again) == first
    assert requests(writable) == between
    # The same rows as without any cache.
    plain = open_conn(writable)
    assert run(plain) == first


def test_offline_answers_with_no_request_and_names_tables_never_cached(writable: Any, open_conn: Any) -> None:
    online = open_conn(writable, AutoCache=True)
    expected = run(online)
    before = requests(writable)
    offline = open_conn(writable, Offline=True)
    assert run(offline) == expected
    with pytest.raises(OperationalError, match=r"Offline=true: no cached copy of Leads, Notes") as caught:
        offline.cursor().execute("SELECT * FROM Leads l JOIN Notes n ON n.LeadId = l.Id")
    assert "CACHE Leads" in str(caught.value)
    with pytest.raises(OperationalError, match="writes need the API"):
        offline.cursor().execute("UPDATE Deals SET Title = 'x' WHERE Id = 1")
    assert requests(writable) == before


def test_stale_tables_are_refreshed_incrementally_and_follow_writes(writable: Any, open_conn: Any) -> None:
    conn = open_conn(writable, AutoCache=True, CacheTolerance=600)
    run(conn, ("SELECT count(*) FROM Deals",))
    with api(writable) as http:
        deal = http.post("/api/v2/deals", json={"title": "Fresh from elsewhere"}).json()["data"]
    # Within the tolerance the cache answers (and does not know the new deal yet).
    assert run(conn, (f"SELECT count(*) FROM Deals WHERE Id = {deal['id']}",)) == [[(0,)]]
    stale = open_conn(writable, AutoCache=True, CacheTolerance=0)
    before = writable.stats()["by_operation"]
    assert run(stale, (f"SELECT Title FROM Deals WHERE Id = {deal['id']}",)) == [[("Fresh from elsewhere",)]]
    after = writable.stats()["by_operation"]
    spent = {k: after.get(k, 0) - before.get(k, 0) for k in after if after.get(k, 0) != before.get(k, 0)}
    # The refresh reads the deals changed since the mark, not the whole list (40 deals fit one page anyway:
    # what shows it is incremental is the status=... feed over both lists).
    assert spent.get("GET /api/v2/deals/archived", 0) == 1
    # A write through the driver marks the table stale: the next query reads it back, whatever the tolerance.
    conn.cursor().execute(f"UPDATE Deals SET Title = 'Renamed here' WHERE Id = {deal['id']}")
    assert run(conn, (f"SELECT Title FROM Deals WHERE Id = {deal['id']}",)) == [[("Renamed here",)]]


def test_explain_says_hit_refresh_full_or_scan(writable: Any, open_conn: Any) -> None:
    conn = open_conn(writable, AutoCache=True, CacheTolerance=600)
    cursor = conn.cursor()
    sql = "SELECT * FROM Deals d JOIN PersonEmails e ON e.PersonId = d.PersonId"
    cursor.execute(f"EXPLAIN {sql}")
    rows = {r["TableName"]: r for r in cursor.fetch_arrow_table().to_pylist()}
    assert rows["Deals"]["Cache"].startswith("full:")
    assert rows["PersonEmails"]["Cache"].startswith("scan:")
    cursor.execute(sql)
    cursor.fetchall()
    cursor.execute(f"EXPLAIN {sql}")
    rows = {r["TableName"]: r for r in cursor.fetch_arrow_table().to_pylist()}
    assert rows["Deals"]["Cache"].startswith("hit:") and rows["Deals"]["EstimatedRequests"] == 0
    # Deleted deals are rows of the cached Deals: a narrower status list is answered by the cache too.
    cursor.execute("EXPLAIN SELECT * FROM Deals WHERE Status = 'deleted'")
    assert cursor.fetch_arrow_table().to_pylist()[0]["Cache"].startswith("hit:")
    stale = open_conn(writable, AutoCache=True, CacheTolerance=0)
    cursor = stale.cursor()
    cursor.execute("EXPLAIN SELECT * FROM Deals")
    row = cursor.fetch_arrow_table().to_pylist()[0]
    assert row["Cache"].startswith("refresh:") and "deal_status" in row["Cache"]
    plain = open_conn(writable).cursor()
    plain.execute("EXPLAIN SELECT * FROM Deals")
    assert plain.fetch_arrow_table().to_pylist()[0]["Cache"].startswith("scan: AutoCache is off")


def test_cache_and_replicate_statements(writable: Any, open_conn: Any) -> None:
    conn = open_conn(writable)  # no AutoCache: the statements fill the cache, Offline reads it
    cursor = conn.cursor()
    cursor.execute("CACHE Persons")
    first = cursor.fetch_arrow_table().to_pylist()
    assert first[0]["TableName"] == "Persons" and first[0]["Mode"] == "full" and first[0]["Rows"] > 0
    cursor.execute("REPLICATE Persons")
    assert cursor.fetch_arrow_table().to_pylist()[0]["Mode"] == "incremental"
    cursor.execute("CACHE Persons WITH TRUNCATE SELECT * FROM Persons")
    assert cursor.fetch_arrow_table().to_pylist()[0]["Mode"] == "full"
    cursor.execute("REPLICATE")  # every table cached so far
    assert [r["TableName"] for r in cursor.fetch_arrow_table().to_pylist()] == ["Persons"]
    with pytest.raises(NotSupportedError, match="keeps whole tables"):
        cursor.execute("CACHE Persons SELECT * FROM Persons WHERE Id = 1")
    with pytest.raises(NotSupportedError, match="not kept in the cache"):
        cursor.execute("CACHE PersonEmails")
    with pytest.raises(ProgrammingError, match="no table"):
        cursor.execute("CACHE Nope")
    expected = run(conn, ("SELECT Id, Name FROM Persons ORDER BY Id",))
    before = requests(writable)
    offline = open_conn(writable, Offline=True)
    assert run(offline, ("SELECT Id, Name FROM Persons ORDER BY Id",)) == expected
    assert requests(writable) == before


def test_cache_metadata_opens_the_catalog_with_no_request(writable: Any, open_conn: Any) -> None:
    warm = open_conn(writable, CacheMetadata=True)
    warm.cursor().execute("SELECT * FROM sys_tablecolumns WHERE TableName = 'Deals'").fetchall()
    before = requests(writable)
    cold = open_conn(writable, CacheMetadata=True)
    columns = cold.cursor().execute("SELECT * FROM sys_tablecolumns WHERE TableName = 'Deals'").fetchall()
    assert columns and requests(writable) == before


def test_cache_location_names_a_file(writable: Any, open_conn: Any, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "mine.duckdb"
    conn = open_conn(writable, CacheLocation=str(target), AutoCache=True)
    run(conn, ("SELECT count(*) FROM Stages",))
    assert target.exists() and conn.cache.path == target


def test_a_mark_older_than_the_feeds_answer_for_gives_a_full_read(writable: Any, open_conn: Any) -> None:
    from datetime import UTC, datetime, timedelta

    from pipedrive_sql.cache import changes_since

    conn = open_conn(writable)
    spec = conn.catalog.table("Persons")
    recent = changes_since(conn.client, spec, datetime.now(UTC) - timedelta(hours=1))
    assert not recent.full and recent.feed == "recents"
    old = changes_since(conn.client, spec, datetime.now(UTC) - timedelta(days=40))
    assert old.full and "older than the change feeds" in old.notes[0]
    assert {r["id"] for r in old.upserts} == {
        i for i, r in writable.store.tables["person"].items() if not r.get("is_deleted")
    }


def test_a_copy_kept_by_an_older_version_is_read_whole_again(writable: Any, open_conn: Any) -> None:
    """A cache file written before Deals held deleted deals: its Deals copy lacks them and has no record
    of how it was read. The next online query reads Deals whole (not an incremental refresh that would
    keep the old meaning), and gives the rows a connection without a cache gives."""
    sql = "SELECT Status, count(*) FROM Deals GROUP BY Status ORDER BY Status"
    plain = open_conn(writable).cursor().execute(sql).fetchall()
    assert "deleted" in {row[0] for row in plain}
    conn = open_conn(writable, AutoCache=True, CacheTolerance=600)
    assert conn.cursor().execute(sql).fetchall() == plain
    store = conn.cache.store
    # What the older version left: no deleted deal kept, no shape recorded.
    with store._lock:
        store._con.execute('DELETE FROM r_deals WHERE body LIKE \'%"status":"deleted"%\'')
        store._con.execute("UPDATE _pd_tables SET shape = NULL WHERE name = 'deals'")
    assert store.state("Deals").shape == ""
    # Within CacheTolerance still: the copy is not the table this version means, so it is read whole.
    explained = conn.cursor().execute(f"EXPLAIN {sql}").fetchall()
    assert any("read the table differently" in str(row) for row in explained), explained
    before = requests(writable)
    assert conn.cursor().execute(sql).fetchall() == plain
    assert requests(writable) > before
    assert store.state("Deals").shape.startswith("/api/v2/deals?")
    # ... once: the next query is answered from the file again.
    between = requests(writable)
    assert conn.cursor().execute(sql).fetchall() == plain
    assert requests(writable) == between
