"""The sandbox's list answers, byte for byte, against hashes recorded from the code before its list caches.

A fixed seed and scale, a few hundred list requests over real HTTP (pages and cursor chains, sort orders,
status sets, ``updated_since``/``until``, ``ids``, ``custom_fields``, ``include_*``, saved filters, v1
offset paging), then writes made at fixed clock readings (updates, deletes, creates, merges, custom-field
values, field definitions added, renamed and deleted) each followed by lists again. For every request the
status, the headers (except ``Date`` and the rate-limit ones) and the body are hashed; the hashes must equal
``list_bytes.json``, which was written by the sandbox as it was before its render caches and indexes.

A change to what the sandbox answers is a change to this file's reference, made on purpose:

    PYTHONPATH=src:tests/sandbox python tests/sandbox/test_list_bytes.py --record
"""

from __future__ import annotations

import hashlib
import itertools
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from pipedrive_sandbox.data_vocab import HISTORY_END
from pipedrive_sandbox.server import Sandbox

REFERENCE = Path(__file__).with_name("list_bytes.json")
SEED, SCALE = 7, 1500
SKIPPED_HEADERS = frozenset({"date", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"})
ALL_STATUSES = "open,won,lost,deleted"


class SteppedClock:
    """The store's clock for the writes: one second later at every reading, from a fixed start."""

    def __init__(self, start: float) -> None:
        self.now = start

    def time(self) -> float:
        self.now += 1
        return self.now


def iso(ts: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


class Corpus:
    """Sends the requests in order and keeps a hash of each answer, keyed by its number and request."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.hashes: dict[str, str] = {}

    def send(self, method: str, path: str, params: dict[str, Any] | None = None, body: Any = None) -> Any:
        query = urlencode(params or {})
        response = self.client.request(method, path, params=params or None, json=body)
        digest = hashlib.sha256(str(response.status_code).encode())
        for name, value in response.headers.multi_items():
            if name.lower() not in SKIPPED_HEADERS:
                digest.update(f"\n{name.lower()}: {value}".encode())
        digest.update(b"\n\n" + response.content)
        self.hashes[f"{len(self.hashes):04d} {method} {path}{'?' + query if query else ''}"] = (
            digest.hexdigest()
        )
        try:
            return response.json()
        except ValueError:
            return None

    def chain(self, path: str, params: dict[str, Any], pages: int = 3) -> None:
        """A v2 list read page after page through ``next_cursor`` (at most ``pages``)."""
        cursor = None
        for _ in range(pages):
            body = self.send("GET", path, {**params, **({"cursor": cursor} if cursor else {})})
            cursor = ((body or {}).get("additional_data") or {}).get("next_cursor")
            if not cursor:
                return

    def offsets(self, path: str, params: dict[str, Any], pages: int = 3) -> None:
        """A v1 list read page after page through ``next_start``."""
        start = 0
        for _ in range(pages):
            body = self.send("GET", path, {**params, **({"start": start} if start else {})})
            pagination = ((body or {}).get("additional_data") or {}).get("pagination") or {}
            if not pagination.get("more_items_in_collection"):
                return
            start = pagination["next_start"]


V2_LISTS = {
    "deals": ("id", "update_time", "add_time"),
    "persons": ("id", "update_time", "add_time"),
    "organizations": ("id", "update_time", "add_time"),
    "activities": ("id", "update_time", "add_time", "due_date"),
    "products": ("id", "name", "add_time", "update_time"),
    "pipelines": ("id", "update_time", "add_time"),
    "stages": ("id", "update_time", "add_time", "order_nr"),
    "deals/archived": ("id", "update_time", "add_time"),
}


def time_bounds(store: Any, kind: str) -> tuple[str, str, str]:
    """Three update times of ``kind``: a tenth, half and nine tenths of the way through its records."""
    times = sorted(r.get("update_time", 0) for r in store.tables[kind].values())
    return iso(times[len(times) // 10]), iso(times[len(times) // 2]), iso(times[len(times) * 9 // 10])


def custom_codes(store: Any, entity: str, count: int) -> str:
    return ",".join(d["code"] for d in store.custom_fields(entity)[:count])


def filter_of(store: Any, kind: str) -> int | None:
    return next((f["id"] for f in store.tables["filter"].values() if f["type"] == kind), None)


def reads(corpus: Corpus, store: Any) -> None:
    for path, sorts in V2_LISTS.items():
        api = f"/api/v2/{path}"
        kind = {"deals/archived": "deal"}.get(path, path.removesuffix("s").replace("ie", "y"))
        corpus.chain(api, {})
        corpus.chain(api, {"limit": 500}, pages=2)
        corpus.chain(api, {"limit": 7, "sort_direction": "desc"}, pages=2)
        for sort in sorts[1:]:
            corpus.chain(api, {"limit": 40, "sort_by": sort}, pages=2)
            corpus.chain(api, {"limit": 40, "sort_by": sort, "sort_direction": "desc"}, pages=2)
        if store.tables.get(kind):
            low, mid, high = time_bounds(store, kind)
            corpus.chain(
                api, {"limit": 100, "sort_by": "update_time", "updated_since": low, "updated_until": mid}
            )
            corpus.chain(
                api, {"limit": 50, "sort_by": "update_time", "sort_direction": "desc", "updated_since": mid}
            )
            corpus.chain(api, {"limit": 100, "updated_since": high}, pages=2)
            corpus.chain(api, {"limit": 100, "updated_until": low}, pages=2)
            ids = [*sorted(store.tables[kind])[:25:2], 10**9]
            corpus.chain(api, {"ids": ",".join(map(str, ids))})
    deals = "/api/v2/deals"
    low, mid, high = time_bounds(store, "deal")
    for status in ("open", "won,lost", "deleted", ALL_STATUSES):
        corpus.chain(deals, {"limit": 200, "status": status}, pages=2)
        corpus.chain(
            deals,
            {
                "limit": 500,
                "sort_by": "update_time",
                "updated_since": low,
                "updated_until": high,
                "status": status,
            },
            pages=2,
        )
        corpus.chain(
            deals, {"limit": 30, "sort_by": "update_time", "sort_direction": "desc", "status": status}
        )
    deal = next(d for d in store.tables["deal"].values() if d.get("person_id") and d.get("org_id"))
    for param in ("owner_id", "person_id", "org_id", "pipeline_id", "stage_id"):
        corpus.chain(deals, {param: deal[param], "status": ALL_STATUSES})
    corpus.chain(deals, {"custom_fields": custom_codes(store, "deal", 3), "limit": 50}, pages=2)
    corpus.chain(deals, {"include_option_labels": "true", "include_labels": "true", "limit": 50}, pages=2)
    corpus.chain(deals, {"include_fields": "products_count,notes_count,next_activity_id", "limit": 50})
    corpus.chain(deals, {"include_fields": "activities_count,smart_bcc_email,first_won_time", "limit": 20})
    for kind, path in (
        ("deals", "deals"),
        ("people", "persons"),
        ("org", "organizations"),
        ("activity", "activities"),
    ):
        filter_id = filter_of(store, kind)
        if filter_id is not None:
            corpus.chain(f"/api/v2/{path}", {"filter_id": filter_id, "limit": 100}, pages=2)
    person = next(p for p in store.tables["person"].values() if p.get("org_id"))
    corpus.chain("/api/v2/persons", {"org_id": person["org_id"]})
    corpus.chain("/api/v2/persons", {"deal_id": deal["id"]})
    corpus.chain(
        "/api/v2/persons", {"custom_fields": custom_codes(store, "person", 2), "include_labels": "true"}
    )
    corpus.chain("/api/v2/persons", {"include_fields": "open_deals_count,activities_count,notes_count"})
    corpus.chain("/api/v2/organizations", {"include_fields": "people_count,won_deals_count", "limit": 50})
    corpus.chain("/api/v2/organizations", {"include_option_labels": "true", "limit": 50})
    corpus.chain("/api/v2/activities", {"done": "true", "limit": 200}, pages=2)
    corpus.chain("/api/v2/activities", {"done": "false", "deal_id": deal["id"]})
    corpus.chain("/api/v2/activities", {"include_fields": "attendees", "limit": 50})
    corpus.chain("/api/v2/products", {"custom_fields": custom_codes(store, "product", 2), "limit": 50})
    corpus.chain("/api/v2/stages", {"pipeline_id": deal["pipeline_id"]})
    for bad in ({"cursor": "not-a-cursor"}, {"limit": 501}, {"status": "bogus"}, {"sort_by": "title"}):
        corpus.send("GET", deals, bad)
    for prefix in ("/v1", "/api/v1"):
        corpus.offsets(f"{prefix}/leads", {"limit": 100})
    corpus.offsets("/v1/leads", {"limit": 500}, pages=2)
    corpus.offsets("/v1/leads", {"limit": 50, "sort": "title DESC, add_time"})
    corpus.offsets("/v1/leads", {"limit": 50, "updated_since": low.replace("T", " ").rstrip("Z")})
    corpus.offsets("/v1/leads/archived", {"limit": 50})
    lead = next(r for r in store.tables["lead"].values() if r.get("organization_id"))
    corpus.offsets("/v1/leads", {"organization_id": lead["organization_id"]})
    corpus.offsets("/v1/leads", {"owner_id": lead["owner_id"], "limit": 20})
    for path in ("/v1/notes", "/v1/users", "/v1/activityTypes", "/v1/leadLabels", "/v1/currencies"):
        corpus.offsets(path, {"limit": 100}, pages=2)
    note = next(n for n in store.tables["note"].values() if n.get("deal_id"))
    corpus.offsets("/v1/notes", {"deal_id": note["deal_id"]})
    corpus.offsets("/v1/notes", {"sort": "update_time DESC", "limit": 50})
    corpus.offsets(
        "/v1/notes", {"pinned_to_deal_flag": 1, "updated_since": "2024-01-01 00:00:00", "limit": 50}
    )


def relist(corpus: Corpus, store: Any) -> None:
    """The lists a write may change: newest first, and a page through each kind in id order."""
    corpus.send("GET", "/api/v2/deals", {"sort_by": "update_time", "sort_direction": "desc", "limit": 5})
    corpus.send("GET", "/api/v2/deals", {"sort_by": "update_time", "status": ALL_STATUSES, "limit": 500})
    corpus.chain("/api/v2/deals", {"limit": 500, "status": ALL_STATUSES}, pages=4)
    corpus.send("GET", "/api/v2/persons", {"sort_by": "update_time", "sort_direction": "desc", "limit": 5})
    corpus.send("GET", "/api/v2/persons", {"limit": 500})
    corpus.send(
        "GET", "/api/v2/organizations", {"sort_by": "update_time", "sort_direction": "desc", "limit": 5}
    )
    corpus.send("GET", "/v1/leads", {"sort": "update_time DESC", "limit": 5})
    corpus.send("GET", "/v1/leads", {"limit": 500})
    recent = iso(HISTORY_END)  # only what the writes touched: a narrow window read in id order
    corpus.chain("/api/v2/deals", {"updated_since": recent, "status": ALL_STATUSES, "limit": 3})
    corpus.chain("/api/v2/persons", {"updated_since": recent, "limit": 3})
    corpus.send("GET", "/v1/notes", {"limit": 500})
    corpus.send("GET", "/v1/notes", {"sort": "update_time DESC", "limit": 5})


def writes(corpus: Corpus, store: Any) -> None:
    store.clock = SteppedClock(HISTORY_END + 86_400)
    live = [d["id"] for d in store.scan("deal") if not d.get("is_deleted")]
    money = next(d for d in store.custom_fields("deal") if d["field_type"] == "monetary")
    text = next(d for d in store.custom_fields("person") if d["field_type"] in ("varchar", "text"))
    relist(corpus, store)
    corpus.send(
        "PATCH",
        f"/api/v2/deals/{live[3]}",
        body={
            "title": "Renamed",
            "status": "won",
            "custom_fields": {money["code"]: {"value": 5, "currency": "EUR"}},
        },
    )
    relist(corpus, store)
    corpus.send("DELETE", f"/api/v2/deals/{live[4]}")
    relist(corpus, store)
    corpus.send("POST", "/api/v2/deals", body={"title": "Brand new", "value": 12.5, "currency": "USD"})
    relist(corpus, store)
    corpus.send("PUT", f"/v1/deals/{live[5]}/merge", body={"merge_with_id": live[6]})
    relist(corpus, store)
    persons = [p["id"] for p in store.scan("person") if not p.get("is_deleted")]
    corpus.send("PATCH", f"/api/v2/persons/{persons[2]}", body={"custom_fields": {text["code"]: "changed"}})
    corpus.send("PUT", f"/v1/persons/{persons[3]}/merge", body={"merge_with_id": persons[4]})
    relist(corpus, store)
    orgs = [o["id"] for o in store.scan("organization") if not o.get("is_deleted")]
    corpus.send("PUT", f"/v1/organizations/{orgs[1]}/merge", body={"merge_with_id": orgs[2]})
    relist(corpus, store)
    created = corpus.send(
        "POST", "/api/v2/dealFields", body={"field_name": "Corpus field", "field_type": "varchar"}
    )
    code = created["data"]["field_code"]
    relist(corpus, store)
    corpus.send("PATCH", f"/api/v2/deals/{live[7]}", body={"custom_fields": {code: "set"}})
    relist(corpus, store)
    corpus.send("PATCH", f"/api/v2/dealFields/{code}", body={"field_name": "Corpus field renamed"})
    relist(corpus, store)
    corpus.send("DELETE", f"/api/v2/dealFields/{money['code']}")
    relist(corpus, store)
    note = next(n for n in store.tables["note"].values() if n.get("deal_id") and n.get("active_flag", True))
    corpus.send("PATCH", f"/api/v2/deals/{note['deal_id']}", body={"title": "Noted deal renamed"})
    corpus.send("PUT", f"/v1/notes/{note['id']}", body={"content": "Changed note"})
    relist(corpus, store)
    lead = next(iter(sorted(store.tables["lead"])))
    corpus.send("PATCH", f"/v1/leads/{lead}", body={"title": "Lead renamed"})
    corpus.send("POST", "/api/v2/activities", body={"subject": "Call", "type": "call", "lead_id": lead})
    relist(corpus, store)
    corpus.send("DELETE", f"/v1/leads/{lead}")
    relist(corpus, store)


def run() -> dict[str, str]:
    config = {"seed": SEED, "scale": SCALE, "rate_limit": False, "latency_ms": 0, "fault_rate": 0.0}
    with (
        Sandbox(**config, oddities=True) as sb,
        httpx.Client(base_url=sb.url, headers={"x-api-token": sb.api_token}, timeout=60) as client,
    ):
        corpus = Corpus(client)
        reads(corpus, sb.store)
        writes(corpus, sb.store)
        return corpus.hashes


@pytest.fixture(scope="module")
def answers() -> Iterator[dict[str, str]]:
    yield run()


def test_list_answers_are_byte_identical_to_the_reference(answers: dict[str, str]) -> None:
    reference = json.loads(REFERENCE.read_text())
    assert len(answers) == len(reference) > 300
    changed = [key for key, digest in answers.items() if reference.get(key) != digest]
    missing = sorted(set(reference) - set(answers))
    assert not missing, f"requests the corpus no longer sends: {missing[:5]}"
    assert not changed, f"{len(changed)} answers differ from the reference, first: {changed[:5]}"


def test_the_corpus_covers_each_kind_of_request(answers: dict[str, str]) -> None:
    keys = list(answers)
    for needle in (
        "cursor=",
        "status=open%2Cwon%2Clost%2Cdeleted",
        "updated_since=",
        "updated_until=",
        "ids=",
        "custom_fields=",
        "include_fields=",
        "filter_id=",
        "sort_by=due_date",
        "start=",
        "PATCH /api/v2/dealFields",
        "/merge",
        "DELETE /api/v2/deals/",
    ):
        assert any(needle in key for key in keys), needle


if __name__ == "__main__":
    if sys.argv[1:] != ["--record"]:
        raise SystemExit(__doc__)
    hashes = run()
    REFERENCE.write_text(json.dumps(hashes, indent=0, sort_keys=False) + "\n")
    print(f"{len(hashes)} answers recorded in {REFERENCE}")
    for key in itertools.islice(hashes, 3):
        print(" ", key)
