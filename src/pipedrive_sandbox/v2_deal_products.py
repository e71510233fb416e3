"""Products attached to deals (API v2 DealProducts)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pipedrive_sandbox.responses import ok
from pipedrive_sandbox.store import Store
from pipedrive_sandbox.v2_base import (
    Paging,
    Record,
    View,
    endpoint,
    invalid,
    json_body,
    list_response,
    not_found,
    paging,
    q_ids,
    store_of,
    user_of,
)
from pipedrive_sandbox.v2_entities import path_int
from pipedrive_sandbox.v2_render import deal_product_v2, deal_value_from_products
from pipedrive_sandbox.v2_validation import DEAL_PRODUCT_RULES, parse_body

# ---------------------------------------------------------------------------------------------------------
# Deal products


def deal_or_404(store: Store, raw_id: str) -> Record:
    record = store.get("deal", path_int(raw_id, "id"))
    if record is None or record.get("is_deleted"):
        raise not_found("Deal")
    return record


def deal_products_page(store: Store, pg: Paging, ids: list[Any]) -> Response:
    """One page of the product attachments ``ids``, as both deal-product list endpoints answer it."""
    page, more = store.page(
        "deal_product",
        lambda r: True,
        sort_by=pg.sort_by,
        descending=pg.descending,
        after=pg.after,
        limit=pg.limit,
        candidates=ids,
    )
    return list_response(store, page, more, pg, lambda r: deal_product_v2(store, r, View()))


@endpoint
async def list_deal_products(request: Request) -> Response:
    store = store_of(request)
    deal = deal_or_404(store, request.path_params["id"])
    pg = paging(request, ("id", "add_time", "update_time", "order_nr"))
    ids = [r["id"] for r in store.tables["deal_product"].values() if r["deal_id"] == deal["id"]]
    return deal_products_page(store, pg, ids)


@endpoint
async def list_products_of_deals(request: Request) -> Response:
    store = store_of(request)
    raw = request.query_params.get("deal_ids")
    if not raw:
        raise invalid("deal_ids", "Required")
    deal_ids = q_ids(request, "deal_ids", maximum=100) or []
    pg = paging(request, ("id", "deal_id", "add_time", "update_time", "order_nr"))
    wanted = set(deal_ids)
    ids = [r["id"] for r in store.tables["deal_product"].values() if r["deal_id"] in wanted]
    return deal_products_page(store, pg, ids)


@endpoint
async def add_deal_product(request: Request) -> Response:
    store = store_of(request)
    deal = deal_or_404(store, request.path_params["id"])
    body = await json_body(request)
    for name in ("product_id", "item_price", "quantity"):
        if body.get(name) is None:
            raise invalid(name, "Required")
    changes = parse_body(store, DEAL_PRODUCT_RULES, body, None)
    product = store.tables["product"][changes["product_id"]]
    siblings = [r for r in store.tables["deal_product"].values() if r["deal_id"] == deal["id"]]
    values = {
        "deal_id": deal["id"],
        "name": product["name"],
        "currency": deal.get("currency"),
        "discount": 0.0,
        "discount_type": "percentage",
        "tax": 0.0,
        "tax_method": "inclusive",
        "is_enabled": True,
        "comments": "",
        "billing_frequency": "one-time",
        "order_nr": max((r.get("order_nr") or 0 for r in siblings), default=0) + 1,
        **{k: v for k, v in changes.items() if v is not None},
    }
    record = store.create("deal_product", values, user_of(request))
    deal_value_from_products(store, deal, user_of(request))
    return ok(deal_product_v2(store, record, View()), status=201)


def attachment_or_404(store: Store, request: Request) -> tuple[Record, Record]:
    deal = deal_or_404(store, request.path_params["id"])
    attachment = store.get(
        "deal_product", path_int(request.path_params["product_attachment_id"], "product_attachment_id")
    )
    if attachment is None or attachment["deal_id"] != deal["id"]:
        raise not_found("Product attachment")
    return deal, attachment


@endpoint
async def update_deal_product(request: Request) -> Response:
    store = store_of(request)
    deal, attachment = attachment_or_404(store, request)
    changes = parse_body(store, DEAL_PRODUCT_RULES, await json_body(request), None)
    if "product_id" in changes:
        changes["name"] = store.tables["product"][changes["product_id"]]["name"]
    store.update("deal_product", attachment, changes, user_of(request))
    deal_value_from_products(store, deal, user_of(request))
    return ok(deal_product_v2(store, attachment, View()))


@endpoint
async def delete_deal_product(request: Request) -> Response:
    store = store_of(request)
    deal, attachment = attachment_or_404(store, request)
    store.delete("deal_product", attachment, user_of(request))
    deal_value_from_products(store, deal, user_of(request))
    return ok({"id": attachment["id"]})
