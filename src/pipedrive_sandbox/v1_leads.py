"""Leads, lead labels and lead sources (API v1)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pipedrive_sandbox import data_vocab
from pipedrive_sandbox.responses import ok
from pipedrive_sandbox.store import Store
from pipedrive_sandbox.store_filters import filter_predicate
from pipedrive_sandbox.v1_base import (
    Record,
    bad_request,
    equals,
    not_found,
    offset_list,
    parse_custom_v1,
    q_since,
    sort_records,
    v1_int,
)
from pipedrive_sandbox.v1_render import lead_label_v1, lead_v1
from pipedrive_sandbox.v2_base import (
    ApiError,
    check_date,
    endpoint,
    json_body,
    remembered,
    store_of,
    user_of,
)
from pipedrive_sandbox.v2_custom import check_ref

# ---------------------------------------------------------------------------------------------------------
# Leads


LEAD_SORTS = (
    "id",
    "title",
    "owner_id",
    "creator_id",
    "was_seen",
    "expected_close_date",
    "next_activity_id",
    "add_time",
    "update_time",
)
LEAD_COLORS = ("blue", "brown", "dark-gray", "gray", "green", "orange", "pink", "purple", "red", "yellow")


def make_list_leads(archived: bool) -> Callable[[Request], Any]:
    @endpoint
    async def handler(request: Request) -> Response:
        store = store_of(request)
        preds: list[Callable[[Record], bool]] = [lambda r: bool(r.get("is_archived")) == archived]
        filter_id = v1_int(request, "filter_id")
        if filter_id is not None:
            flt = store.get("filter", filter_id)
            if flt is None or not flt.get("active_flag", True):
                raise not_found("Filter not found")
            if flt["type"] != "leads":
                raise bad_request(f"Filter {filter_id} is not a leads filter")
            preds.append(filter_predicate(store, flt, "lead"))
        else:
            for param, key in (
                ("owner_id", "owner_id"),
                ("person_id", "person_id"),
                ("organization_id", "organization_id"),
            ):
                value = v1_int(request, param)
                if value is not None:
                    preds.append(equals(key, value))
        since = q_since(request, "updated_since") if not archived else None
        if since is not None:
            preds.append(lambda r: r.get("update_time", 0) >= since)
        sort = request.query_params.get("sort")

        def listed() -> list[Record]:
            items = [r for r in store.tables["lead"].values() if all(p(r) for p in preds)]
            return sort_records(items, sort, LEAD_SORTS) if sort else items

        if filter_id is None:
            # Without a saved filter the list depends on the leads alone: paging through it filters and
            # sorts once, not once a page.
            keys = tuple(
                request.query_params.get(name) for name in ("owner_id", "person_id", "organization_id")
            )
            items = store.cached(("v1 leads", archived), ("lead",), listed, (keys, since, sort))
        else:
            items = listed()
        return offset_list(items, request, lead_renderer(store), flat=True)

    return handler


# What a lead's v1 shape reads besides the lead: the deals' custom fields (leads carry them), the next
# activity, and the user, person and organization its custom fields name.
LEAD_RENDER_DEPENDS = ("fields:deal", "activity", "user", "person", "organization")


def lead_renderer(store: Store) -> Callable[[Record], Any]:
    """Leads in their v1 shape, each remembered as JSON until it or what it depends on changes."""
    return remembered(lambda record: lead_v1(store, record), store.memo("lead", "v1", LEAD_RENDER_DEPENDS))


def uuid_or_404(store: Store, request: Request, kind: str, message: str) -> Record:
    """The lead or lead label the path names (their ids are UUID strings), else 404 with ``message``."""
    record = store.get(kind, request.path_params["id"])
    if record is None:
        raise ApiError(404, message, "Object was not found.")
    return record


def lead_or_404(store: Store, request: Request) -> Record:
    return uuid_or_404(store, request, "lead", "requested lead not found")


@endpoint
async def get_lead(request: Request) -> Response:
    store = store_of(request)
    return ok(lead_v1(store, lead_or_404(store, request)))


def parse_lead(store: Store, body: Record, creating: bool) -> Record:
    changes: Record = {}
    if creating or "title" in body:
        title = body.get("title")
        if not isinstance(title, str) or not title.strip():
            raise bad_request(
                "Validation failed: title: Required"
                if creating
                else "Validation failed: title: Cannot be empty"
            )
        changes["title"] = title
    for key, kind in (("owner_id", "user"), ("person_id", "person"), ("organization_id", "organization")):
        if key in body:
            value = body[key]
            if value is None and key != "owner_id":
                changes[key] = None
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise bad_request(f"Validation failed: {key}: Expected number")
            changes[key] = check_ref(store, kind, value, key)
    if "label_ids" in body:
        labels = body["label_ids"]
        if not isinstance(labels, list) or any(
            not isinstance(i, str) or i not in store.tables["lead_label"] for i in labels
        ):
            raise bad_request("Validation failed: label_ids: Expected an array of existing lead label ids")
        changes["label_ids"] = tuple(labels)
    if "value" in body:
        value = body["value"]
        if value is None:
            changes["value"] = None
        else:
            if (
                not isinstance(value, dict)
                or isinstance(value.get("amount"), bool)
                or not isinstance(value.get("amount"), int | float)
            ):
                raise bad_request(
                    "Validation failed: value: Expected object with amount (number) and currency"
                )
            currency = value.get("currency")
            if not any(c["code"] == currency for c in store.tables["currency"].values()):
                raise bad_request("Validation failed: value.currency: Unknown currency")
            changes["value"] = (float(value["amount"]), currency)
    if "expected_close_date" in body:
        raw = body["expected_close_date"]
        changes["expected_close_date"] = None if raw is None else check_date(raw, "expected_close_date")
    for key in ("was_seen", "is_archived"):
        if key in body:
            if not isinstance(body[key], bool):
                raise bad_request(f"Validation failed: {key}: Expected boolean")
            changes[key] = body[key]
    if "visible_to" in body:
        if str(body["visible_to"]) not in ("1", "3", "5", "7"):
            raise bad_request("Validation failed: visible_to: Invalid value")
        changes["visible_to"] = str(body["visible_to"])
    for key in ("origin_id", "channel_id"):
        if key in body:
            if body[key] is not None and not isinstance(body[key], str):
                raise bad_request(f"Validation failed: {key}: Expected string")
            changes[key] = body[key]
    if "channel" in body:
        if body["channel"] is not None and (
            isinstance(body["channel"], bool) or not isinstance(body["channel"], int)
        ):
            raise bad_request("Validation failed: channel: Expected number")
        changes["channel"] = body["channel"]
    changes.update(parse_custom_v1(store, "lead", body))
    return changes


@endpoint
async def add_lead(request: Request) -> Response:
    store = store_of(request)
    body = await json_body(request)
    changes = parse_lead(store, body, creating=True)
    if not changes.get("person_id") and not changes.get("organization_id"):
        raise bad_request("A lead always has to be linked to a person or an organization or both")
    record = store.create("lead", changes, user_of(request))
    return ok(lead_v1(store, record), status=201)


@endpoint
async def update_lead(request: Request) -> Response:
    store = store_of(request)
    record = lead_or_404(store, request)
    changes = parse_lead(store, await json_body(request), creating=False)
    merged = {**record, **changes}
    if not merged.get("person_id") and not merged.get("organization_id"):
        raise bad_request("A lead always has to be linked to a person or an organization or both")
    store.update("lead", record, changes, user_of(request))
    return ok(lead_v1(store, record))


@endpoint
async def delete_lead(request: Request) -> Response:
    store = store_of(request)
    record = lead_or_404(store, request)
    store.delete("lead", record, user_of(request))
    return ok({"id": record["id"]})


@endpoint
async def list_lead_labels(request: Request) -> Response:
    store = store_of(request)
    return ok([lead_label_v1(store, r) for r in store.tables["lead_label"].values()])


def parse_label(body: Record, creating: bool) -> Record:
    changes: Record = {}
    if creating or "name" in body:
        if not isinstance(body.get("name"), str) or not body["name"].strip():
            raise bad_request("Validation failed: name: Required")
        changes["name"] = body["name"]
    if creating or "color" in body:
        if body.get("color") not in LEAD_COLORS:
            raise bad_request(f"Validation failed: color: Expected one of {', '.join(LEAD_COLORS)}")
        changes["color"] = body["color"]
    return changes


@endpoint
async def add_lead_label(request: Request) -> Response:
    store = store_of(request)
    record = store.create("lead_label", parse_label(await json_body(request), True), user_of(request))
    return ok(lead_label_v1(store, record))


@endpoint
async def update_lead_label(request: Request) -> Response:
    store = store_of(request)
    record = uuid_or_404(store, request, "lead_label", "Lead label not found")
    store.update("lead_label", record, parse_label(await json_body(request), False), user_of(request))
    return ok(lead_label_v1(store, record))


@endpoint
async def delete_lead_label(request: Request) -> Response:
    store = store_of(request)
    record = uuid_or_404(store, request, "lead_label", "Lead label not found")
    for lead in store.tables["lead"].values():
        if record["id"] in lead.get("label_ids", ()):
            store.update(
                "lead", lead, {"label_ids": tuple(i for i in lead["label_ids"] if i != record["id"])}
            )
    store.delete("lead_label", record, user_of(request))
    return ok({"id": record["id"]})


@endpoint
async def list_lead_sources(request: Request) -> Response:
    return ok([{"name": name} for name in data_vocab.LEAD_SOURCES])
