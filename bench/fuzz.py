"""Long fuzzing campaigns: connection strings, SQL text and damaged API payloads against the sandbox.

    .venv/bin/python bench/fuzz.py [--seconds 60] [--target all|conn|sql|payload] [--seed 1]

The cases are those of the test suite (``tests/fuzz_cases.py``), drawn from ``random.Random(seed + n)``, so a
finding is reproduced from the seed it prints. A finding is an exception that is not one of the driver's
own (``pipedrive_sql.errors.Error``), or a temp table half created or dropped. Prints cases per second and
every distinct finding (by type and place) with the first seed that produced it.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

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
from pipedrive_sql.api.governor import RateGovernor
from pipedrive_sql.api.transport import base_url_for, build_http_client, proxy_for, verify_for
from pipedrive_sql.auth.basic import ApiTokenAuth
from pipedrive_sql.dbapi import Connection
from pipedrive_sql.settings import build_settings, parse_connection_string

PAYLOAD_QUERIES = (
    "SELECT * FROM Deals LIMIT 30",
    "SELECT Id, Name, Emails FROM Persons",
    "SELECT count(*), max(DueDate) FROM Activities",
    "SELECT * FROM Users",
    "SELECT n.Id, d.Title FROM Notes n JOIN Deals d ON d.Id = n.DealId LIMIT 10",
    "SELECT * FROM PersonEmails LIMIT 5",
)


class Unpaced(RateGovernor):
    def acquire(self, deadline: float | None = None) -> float:
        return 0.0


def conn_case(seed: int, _sandbox: Sandbox, _conn: Connection) -> str | None:
    text = connection_string_case(random.Random(seed))
    try:
        settings = build_settings(parse_connection_string(text))
        base = base_url_for(settings, None)
        proxy_for(settings)
        if settings["SSLServerCert"] != "*":
            verify_for(settings)
        build_http_client(settings, ApiTokenAuth("abcdef123456"), base).close()
    except Exception as exc:
        return finding(exc)
    return None


def sql_fuzz_case(seed: int, _sandbox: Sandbox, conn: Connection) -> str | None:
    sql = sql_case(random.Random(seed))
    found = run_sql(conn, sql)
    if found is None and not local_objects_consistent(conn):
        found = "temp tables half created or dropped"
    return found


def payload_case(seed: int, sandbox: Sandbox, _conn: Connection) -> str | None:
    rng = random.Random(seed)
    transport = FaultTransport(rng, rate=rng.choice((0.2, 0.5, 1.0)))
    settings = build_settings({"BaseURL": sandbox.url, "APIToken": sandbox.api_token, "Pagesize": 20})
    client = ApiClient(settings, ApiTokenAuth(sandbox.api_token), transport=transport, governor=Unpaced())
    conn = Connection(settings, client)
    try:
        return run_sql(conn, rng.choice(PAYLOAD_QUERIES))
    finally:
        conn.close()


TARGETS: dict[str, Callable[[int, Sandbox, Connection], str | None]] = {
    "conn": conn_case,
    "sql": sql_fuzz_case,
    "payload": payload_case,
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="time per target")
    parser.add_argument("--target", choices=["all", *TARGETS], default="all")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    import logging
    import warnings

    logging.getLogger("pipedrive_sql").setLevel(logging.CRITICAL)  # damaged answers are logged as errors
    warnings.simplefilter("ignore")  # SSLServerCert=* warns, as it should, on every case that sets it
    targets = list(TARGETS) if args.target == "all" else [args.target]
    total_findings = 0
    with Sandbox(seed=3, scale=30, rate_limit=False, latency_ms=0, fault_rate=0.0) as sandbox:
        settings = build_settings({"BaseURL": sandbox.url, "APIToken": sandbox.api_token, "MaxRows": 50})
        conn = Connection(settings, ApiClient(settings, ApiTokenAuth(sandbox.api_token), governor=Unpaced()))
        try:
            for name in targets:
                findings: dict[str, int] = {}
                cases = 0
                start = time.perf_counter()
                while time.perf_counter() - start < args.seconds:
                    seed = args.seed * 1_000_003 + cases
                    found = TARGETS[name](seed, sandbox, conn)
                    cases += 1
                    if found is not None and found not in findings:
                        findings[found] = seed
                elapsed = time.perf_counter() - start
                print(
                    f"{name:8} {cases:7d} cases in {elapsed:6.1f} s = {cases / elapsed:8.1f} cases/s, "
                    f"{len(findings)} findings"
                )
                for text, seed in findings.items():
                    print(f"    seed {seed}: {text}")
                total_findings += len(findings)
        finally:
            conn.close()
    print(f"findings: {total_findings}")
    sys.exit(1 if total_findings else 0)


if __name__ == "__main__":
    main()
