"""The generated company: deterministic, realistic, complete, consistent, and fast enough at scale."""

from __future__ import annotations

import re
import resource
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from pipedrive_sandbox import data, data_deals, data_gen, data_vocab, data_work
from pipedrive_sandbox.config import SandboxConfig
from pipedrive_sandbox.store import Store
from pipedrive_sandbox.store_filters import filter_predicate

HASH = re.compile(r"^[0-9a-f]{40}$")


@pytest.fixture(scope="module")
def dataset() -> data.Dataset:
    return data.generate(SandboxConfig(seed=11, scale=400))


def test_same_seed_same_data_and_another_seed_other_data() -> None:
    first = data.generate(SandboxConfig(seed=5, scale=60))
    second = data.generate(SandboxConfig(seed=5, scale=60))
    other = data.generate(SandboxConfig(seed=6, scale=60))
    assert first.tables == second.tables
    assert first.users == second.users
    assert first.fields == second.fields
    assert first.tables["deal"] != other.tables["deal"]
    assert first.users[first.main_user_id]["api_token"] != other.users[other.main_user_id]["api_token"]


def test_sizes_follow_the_scale() -> None:
    small, large = data_gen.sizes(100), data_gen.sizes(10_000)
    assert small["deal"] == 100 and large["deal"] == 10_000
    for kind in ("organization", "person", "activity", "lead", "note", "file"):
        assert large[kind] > small[kind], kind


def test_every_kind_of_record_exists(dataset: data.Dataset) -> None:
    for kind in (
        "deal",
        "person",
        "organization",
        "activity",
        "product",
        "pipeline",
        "stage",
        "deal_product",
        "participant",
        "lead",
        "lead_label",
        "note",
        "file",
        "filter",
        "activity_type",
        "currency",
    ):
        assert dataset.tables[kind], kind
    assert len(dataset.tables["pipeline"]) >= 3
    assert len(dataset.users) >= 3


def test_users_have_distinct_tokens_and_the_configured_one_wins() -> None:
    generated = data.generate(SandboxConfig(seed=2, scale=30))
    tokens = [user["api_token"] for user in generated.users.values()]
    assert len(set(tokens)) == len(tokens)
    assert all(HASH.match(token) for token in tokens)
    configured = data.generate(SandboxConfig(seed=2, scale=30, api_token="my-token"))
    assert configured.users[configured.main_user_id]["api_token"] == "my-token"


def test_deals_in_every_status_some_deleted_some_archived(dataset: data.Dataset) -> None:
    deals = list(dataset.tables["deal"].values())
    assert {d["status"] for d in deals} == {"open", "won", "lost"}
    assert any(d.get("is_deleted") for d in deals)
    assert any(d.get("is_archived") for d in deals)
    for deal in deals:
        if deal["status"] == "won":
            assert deal["won_time"] == deal["close_time"]
        if deal["status"] == "lost":
            assert deal["lost_time"] and deal.get("lost_reason")
        if deal["status"] == "open":
            assert "close_time" not in deal


def test_amounts_in_several_currencies(dataset: data.Dataset) -> None:
    currencies = Counter(d["currency"] for d in dataset.tables["deal"].values())
    assert len(currencies) >= 4
    products = dataset.tables["product"].values()
    assert any(len(p["prices"]) > 1 for p in products)


def test_times_are_ordered_and_spread_over_years(dataset: data.Dataset) -> None:
    years = set()
    for kind in ("deal", "person", "organization", "activity", "note", "lead", "file", "product"):
        for record in dataset.tables[kind].values():
            assert record["add_time"] <= record["update_time"], (kind, record["id"])
            years.add(datetime.fromtimestamp(record["add_time"], UTC).year)
    assert len(years) >= 4


def test_persons_have_several_emails_and_phones_with_one_primary(dataset: data.Dataset) -> None:
    persons = list(dataset.tables["person"].values())
    assert any(len(p["emails"]) > 1 for p in persons)
    assert any(len(p["phones"]) > 1 for p in persons)
    for person in persons:
        for contacts in (person["emails"], person["phones"]):
            assert sum(1 for _value, _label, primary in contacts if primary) == 1
            assert all(label in ("work", "home", "mobile", "other") for _value, label, _primary in contacts)
        assert all("@" in value for value, _label, _primary in person["emails"])


def test_references_point_at_existing_records(dataset: data.Dataset) -> None:
    tables = dataset.tables
    for deal in tables["deal"].values():
        assert deal.get("person_id") or deal.get("org_id")
        assert deal.get("person_id") is None or deal["person_id"] in tables["person"]
        assert deal.get("org_id") is None or deal["org_id"] in tables["organization"]
        assert tables["stage"][deal["stage_id"]]["pipeline_id"] == deal["pipeline_id"]
        assert deal["owner_id"] in dataset.users
    for attachment in tables["deal_product"].values():
        assert attachment["deal_id"] in tables["deal"] and attachment["product_id"] in tables["product"]
    for participant in tables["participant"].values():
        assert participant["deal_id"] in tables["deal"] and participant["person_id"] in tables["person"]
    for activity in tables["activity"].values():
        assert activity.get("deal_id") is None or activity["deal_id"] in tables["deal"]
        assert activity.get("lead_id") is None or activity["lead_id"] in tables["lead"]
        assert activity["type"] in {t["key_string"] for t in tables["activity_type"].values()}
    for lead in tables["lead"].values():
        assert lead.get("person_id") or lead.get("organization_id")
        assert all(label in tables["lead_label"] for label in lead["label_ids"])


def test_activities_some_done_and_leads_some_archived(dataset: data.Dataset) -> None:
    done = Counter(bool(a["done"]) for a in dataset.tables["activity"].values())
    assert done[True] and done[False]
    archived = Counter(bool(lead["is_archived"]) for lead in dataset.tables["lead"].values())
    assert archived[True] and archived[False]


def test_at_least_eight_custom_fields_of_different_types(dataset: data.Dataset) -> None:
    custom = [
        f for entity in ("deal", "person", "organization") for f in dataset.fields[entity] if f["custom"]
    ]
    assert len(custom) >= 8
    types = {f["field_type"] for f in custom}
    for wanted in (
        "monetary",
        "set",
        "enum",
        "daterange",
        "time",
        "address",
        "user",
        "people",
        "org",
        "double",
        "date",
        "varchar",
        "text",
        "phone",
    ):
        assert wanted in types, wanted
    for definition in custom:
        assert HASH.match(definition["code"]) and definition["v1_key"] == definition["code"]
        if definition["field_type"] in ("set", "enum"):
            assert definition["options"] and all({"id", "label"} <= set(o) for o in definition["options"])


def test_custom_field_values_have_the_canonical_shape(dataset: data.Dataset) -> None:
    seen: Counter[str] = Counter()
    for entity, kind in (("deal", "deal"), ("person", "person"), ("organization", "organization")):
        for definition in dataset.fields[entity]:
            if not definition["custom"]:
                continue
            options = {o["id"] for o in definition["options"] or []}
            for record in dataset.tables[kind].values():
                value = record.get(definition["code"])
                if value is None:
                    continue
                seen[definition["field_type"]] += 1
                _check_canonical(definition["field_type"], value, options, dataset)
    assert len(seen) >= 12


def _check_canonical(ftype: str, value: Any, options: set[int], dataset: data.Dataset) -> None:
    if ftype == "monetary":
        assert isinstance(value[0], float) and value[1] in {c[0] for c in data_vocab.CURRENCIES}
    elif ftype == "set":
        assert isinstance(value, tuple) and value and set(value) <= options
    elif ftype == "enum":
        assert value in options
    elif ftype == "daterange":
        assert value[0] <= value[1]
    elif ftype in ("time", "timerange"):
        assert re.match(r"^\d\d:\d\d:\d\d$", value[0])
    elif ftype == "address":
        assert value["value"] and value["country"]
    elif ftype == "user":
        assert value in dataset.users
    elif ftype == "people":
        assert value in dataset.tables["person"]
    elif ftype == "org":
        assert value in dataset.tables["organization"]
    elif ftype == "date":
        assert re.match(r"^\d{4}-\d\d-\d\d$", value)


def test_deals_with_products_are_worth_their_products(dataset: data.Dataset) -> None:
    totals: dict[int, float] = {}
    for line in dataset.tables["deal_product"].values():
        totals[line["deal_id"]] = totals.get(line["deal_id"], 0.0) + data_deals.line_total(line)
    assert totals
    for deal_id, total in totals.items():
        assert dataset.tables["deal"][deal_id]["value"] == pytest.approx(total, abs=1)


def test_files_have_content_of_their_size(dataset: data.Dataset) -> None:
    for record in dataset.tables["file"].values():
        assert len(data_work.file_content(record)) == record["file_size"] > 0


def test_filters_apply_to_the_generated_data(dataset: data.Dataset) -> None:
    store = Store(SandboxConfig(seed=11, scale=400))
    for flt in store.tables["filter"].values():
        entity = {"deals": "deal", "people": "person", "org": "organization", "activity": "activity"}[
            flt["type"]
        ]
        match = filter_predicate(store, flt, entity)
        hits = sum(1 for record in store.tables[entity].values() if match(record))
        assert 0 < hits < len(store.tables[entity]), flt["name"]


def test_scale_100000_within_budget() -> None:
    """The time budget is checked by reading the numbers, never by asserting them (see bench/)."""
    started, cpu = time.perf_counter(), time.process_time()
    generated = data.generate(SandboxConfig(seed=1, scale=100_000))
    wall, used = time.perf_counter() - started, time.process_time() - cpu
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nscale 100000: generated in {wall:.1f} s wall, {used:.1f} s CPU; peak RSS {rss:.0f} MB")
    assert len(generated.tables["deal"]) == 100_000
    assert len(generated.tables["activity"]) > 100_000
