"""Cursor (v2) and offset (v1) paging behind one interface, with fake endpoints."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from pipedrive_sql import errors

from .fakes import envelope, mock_client


def cursor_endpoint(total: int, seen: list[dict[str, str]]) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        seen.append(params)
        start = int(params.get("cursor", "0"))
        limit = int(params["limit"])
        rows = [{"id": i} for i in range(start, min(total, start + limit))]
        more = start + limit < total
        return envelope(rows, {"next_cursor": str(start + limit) if more else None})

    return handler


def offset_endpoint(total: int, seen: list[dict[str, str]]) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        seen.append(params)
        start, limit = int(params["start"]), int(params["limit"])
        rows = [{"id": i} for i in range(start, min(total, start + limit))]
        more = start + limit < total
        pagination = {"start": start, "limit": limit, "more_items_in_collection": more}
        if more:
            pagination["next_start"] = start + limit
        return envelope(rows or None, {"pagination": pagination})

    return handler


@pytest.mark.parametrize(
    ("path", "endpoint"), [("/api/v2/deals", cursor_endpoint), ("/api/v1/leads", offset_endpoint)]
)
def test_pages_to_the_end(path: str, endpoint: Any) -> None:
    seen: list[dict[str, str]] = []
    with mock_client(endpoint(1234, seen), Pagesize=500) as client:
        pages = list(client.pages(path, {"owner_id": 3}))
    assert [len(p) for p in pages] == [500, 500, 234]
    assert [r["id"] for p in pages for r in p] == list(range(1234))
    assert all(p["owner_id"] == "3" and p["limit"] == "500" for p in seen)
    assert len(seen) == 3


@pytest.mark.parametrize(
    ("path", "endpoint"), [("/api/v2/deals", cursor_endpoint), ("/api/v1/leads", offset_endpoint)]
)
def test_max_records_asks_for_no_more_than_needed(path: str, endpoint: Any) -> None:
    seen: list[dict[str, str]] = []
    with mock_client(endpoint(5000, seen), Pagesize=500) as client:
        assert sum(len(p) for p in client.pages(path, max_records=10)) == 10
        assert [p["limit"] for p in seen] == ["10"]
        seen.clear()
        assert sum(len(p) for p in client.pages(path, max_records=700)) == 700
        assert [p["limit"] for p in seen] == ["500", "200"]


def test_pagesize_sets_the_page_size() -> None:
    seen: list[dict[str, str]] = []
    with mock_client(cursor_endpoint(250, seen), Pagesize=100) as client:
        assert [len(p) for p in client.pages("/api/v2/deals")] == [100, 100, 50]


def test_an_empty_collection_yields_nothing_after_one_request() -> None:
    seen: list[dict[str, str]] = []
    with mock_client(offset_endpoint(0, seen)) as client:
        assert list(client.pages("/api/v1/leads")) == []
    assert len(seen) == 1


def test_pages_are_streamed_not_collected() -> None:
    seen: list[dict[str, str]] = []
    with mock_client(cursor_endpoint(10_000, seen), Pagesize=500) as client:
        first = next(iter(client.pages("/api/v2/deals")))
    assert len(first) == 500 and len(seen) == 1


def test_a_cursor_that_repeats_is_a_loud_error_not_an_endless_loop() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return envelope([{"id": 1}], {"next_cursor": "same"})

    with mock_client(handler) as client, pytest.raises(errors.InternalError, match="same page cursor"):
        list(client.pages("/api/v2/deals"))


@pytest.mark.parametrize("cursor", [{"at": 5}, ["x"], 42])
def test_a_cursor_that_is_not_text_is_the_apis_error(cursor: object) -> None:
    # found by bench/fuzz.py: a damaged next_cursor was a TypeError (unhashable) inside the paginator
    def handler(request: httpx.Request) -> httpx.Response:
        return envelope([{"id": 1}], {"next_cursor": cursor})

    with mock_client(handler) as client, pytest.raises(errors.InternalError, match="not text"):
        list(client.pages("/api/v2/deals"))
