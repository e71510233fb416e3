"""Many BI clients at once against a rate-limited sandbox: they queue on the rate-limit governor that the
sessions of a database share, and no client sees an error (bench/server.py --load is the big version and
prints latencies)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipedrive_sql.server import Server, ServerConfig, UserStore
from pipedrive_sql.server.pipedrive import PipedriveBackend

psycopg = pytest.importorskip("psycopg", reason="psycopg 3 is not installed (pip install 'psycopg[binary]')")

QUERIES = [
    'SELECT count(*) FROM "Deals"',
    'SELECT "Id", "Title" FROM "Deals" WHERE "Status" = \'open\' ORDER BY "Id" LIMIT 5',
    'SELECT "Name" FROM "Persons" WHERE "Id" = {n}',
    'SELECT o."Name", count(*) FROM "Deals" d JOIN "Organizations" o ON d."OrgId" = o."Id" GROUP BY 1',
    "SELECT relname FROM pg_catalog.pg_class WHERE relkind = 'r' LIMIT 5",
]


@pytest.mark.slow
def test_20_clients_queue_on_the_governor_and_see_no_error(
    make_sandbox: Callable[..., Any], tmp_path: Path
) -> None:
    sandbox = make_sandbox(plan="lite", rate_limit=True, latency_ms=0, fault_rate=0.0)  # 20 per 2 s
    users = tmp_path / "users.json"
    UserStore(users).set_password("bi", "pw-for-load")
    # Timeout bounds a request's wait in the queue too: generous, so that a slow CI machine cannot fail this
    props = {"BaseURL": sandbox.url, "APIToken": sandbox.api_token, "Timeout": 300}
    backend = PipedriveBackend({"crm": props})
    server = Server(backend, ServerConfig(host="127.0.0.1", port=0, users_file=users)).start()
    host, port = server.address
    dsn = (
        f"host={host} port={port} dbname=crm user=bi password=pw-for-load sslmode=disable connect_timeout=60"
    )
    answered: list[int] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(number: int) -> None:
        try:
            with psycopg.connect(dsn, autocommit=True) as conn:
                for i in range(5):
                    sql = QUERIES[(number + i) % len(QUERIES)].format(n=1 + number % 40)
                    try:
                        rows = conn.execute(sql).fetchall()
                    except psycopg.Error as exc:
                        with lock:
                            errors.append(f"{exc.sqlstate}: {exc}")
                        continue
                    with lock:
                        answered.append(len(rows))
        except psycopg.Error as exc:
            with lock:
                errors.append(f"connect: {exc}")

    try:
        sandbox.reset_stats()
        threads = [threading.Thread(target=client, args=(n,)) for n in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
        stats = sandbox.stats()
    finally:
        server.stop()
    assert errors == []
    assert len(answered) == 100
    # the API was really used (and limited): more requests than one window allows
    assert stats["total"] > 20
    assert stats["blocked"] == 0
