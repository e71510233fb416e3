"""One read of a request sequence that several scans of a statement need (SharedPages), without HTTP."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from pipedrive_sql.catalog import Catalog
from pipedrive_sql.engine.parse import parse
from pipedrive_sql.engine.plan import plan_query
from pipedrive_sql.engine.scan import SharedPages, scan_records

CATALOG = Catalog()


class FakeClient:
    """Pages of 2 persons (each with one email) from /api/v2/persons; counts the requests."""

    max_concurrency = 1
    page_size = 2

    def __init__(self, pages: int = 3, fail_at: int | None = None) -> None:
        self.pages_total = pages
        self.fail_at = fail_at
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.closed = 0

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        raise AssertionError("no GET by id expected")

    def pages(
        self, path: str, params: Mapping[str, Any] | None = None, *, max_records: int | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        try:
            for number in range(self.pages_total):
                self.requests.append((path, dict(params or {})))
                if number == self.fail_at:
                    raise RuntimeError("rate limited")
                yield [
                    {"id": i, "name": f"p{i}", "emails": [{"value": f"p{i}@x", "primary": True}]}
                    for i in (2 * number + 1, 2 * number + 2)
                ]
        finally:
            self.closed += 1

    def parallel_scan(self, path: str, params: Any = None, *, concurrency: int | None = None) -> Any:
        raise AssertionError("no parallel scan expected")


def scans(sql: str) -> list[Any]:
    return plan_query(parse(sql).tree, CATALOG).scans


def test_a_parent_and_its_child_view_read_the_pages_once() -> None:
    persons, emails = scans("SELECT * FROM Persons p JOIN PersonEmails e ON e.PersonId = p.Id")
    client = FakeClient()
    shared = SharedPages([persons, emails])
    a = scan_records(persons, client, shared=shared)
    b = scan_records(emails, client, shared=shared)
    first_a = next(a)
    assert len(client.requests) == 1
    first_b = next(b)  # the page a pulled: no request
    assert len(client.requests) == 1
    assert [r["id"] for r in first_a] == [1, 2] and [r["_parent_id"] for r in first_b] == [1, 2]
    rest_b = list(b)  # b pulls the rest; a keeps them for later
    assert len(client.requests) == 3 and len(rest_b) == 2
    assert [r["id"] for page in a for r in page] == [3, 4, 5, 6]
    assert len(client.requests) == 3 and client.closed == 1


def test_an_abandoned_reader_stops_receiving_and_laziness_holds() -> None:
    persons, emails = scans("SELECT * FROM Persons p JOIN PersonEmails e ON e.PersonId = p.Id")
    client = FakeClient(pages=50)
    shared = SharedPages([persons, emails])
    a = scan_records(persons, client, shared=shared)
    b = scan_records(emails, client, shared=shared)
    next(a)
    next(b)
    a.close()
    next(b)
    b.close()
    assert len(client.requests) == 2 and client.closed == 1  # no read-ahead, the source closed


def test_an_error_reaches_every_reader() -> None:
    persons, emails = scans("SELECT * FROM Persons p JOIN PersonEmails e ON e.PersonId = p.Id")
    client = FakeClient(fail_at=1)
    shared = SharedPages([persons, emails])
    a = scan_records(persons, client, shared=shared)
    b = scan_records(emails, client, shared=shared)
    with pytest.raises(RuntimeError):
        list(a)
    assert len(next(b)) == 2  # the page read before the failure
    with pytest.raises(RuntimeError):  # not a silently short result
        next(b)


def test_different_requests_are_not_shared() -> None:
    persons, emails = scans(
        "SELECT * FROM Persons p JOIN PersonEmails e ON e.PersonId = p.Id WHERE p.OrgId = 3"
    )
    client = FakeClient(pages=1)
    shared = SharedPages([persons, emails])
    list(scan_records(persons, client, shared=shared))
    list(scan_records(emails, client, shared=shared))
    assert [params for _, params in client.requests] == [{"org_id": "3"}, {}]
