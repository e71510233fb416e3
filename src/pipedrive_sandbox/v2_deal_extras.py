"""What hangs off deals and products beyond their line items (API v2): deal installments
(``GET /api/v2/deals/installments?deal_ids=``, ``deal_ids`` required, up to 100), deal discounts
(``GET /api/v2/deals/{id}/discounts``), product variations (``GET /api/v2/products/{id}/variations``) and a
product's image (``GET /api/v2/products/{id}/images``); and a deal's participant history
(``GET /v1/deals/{id}/participantsChangelog``).

They are derived from the deals and products, deterministically: deals worth paying in parts (a value of
20 000 or more) have three monthly installments from their expected close date; every fourth deal carries
a loyalty discount; products whose id is a multiple of three come in a standard and a premium variation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from pipedrive_sandbox import data_vocab
from pipedrive_sandbox.responses import ok
from pipedrive_sandbox.store import Store
from pipedrive_sandbox.v1_base import offsets, path_id
from pipedrive_sandbox.v2_base import ApiError, endpoint, invalid, iso, q_ids, q_limit, store_of, v1_time

Record = dict[str, Any]
INSTALLMENT_MINIMUM = 20_000


def _live(store: Store, kind: str, record_id: Any, label: str) -> Record:
    record = store.get(kind, record_id)
    if record is None or record.get("is_deleted"):
        raise ApiError(404, f"{label} not found")
    return record


def installments(deal: Record) -> list[Record]:
    value = float(deal.get("value") or 0)
    if value < INSTALLMENT_MINIMUM or not deal.get("expected_close_date"):
        return []
    first = dt.date.fromisoformat(deal["expected_close_date"])
    out = []
    for n in range(3):
        month = first.month - 1 + n
        day = first.replace(year=first.year + month // 12, month=month % 12 + 1, day=min(first.day, 28))
        out.append(
            {
                "id": deal["id"] * 10 + n + 1,
                "amount": round(value / 3, 2),
                "billing_date": day.isoformat(),
                "description": f"Installment {n + 1} of 3",
                "deal_id": deal["id"],
            }
        )
    return out


@endpoint
async def list_installments(request: Request) -> Response:
    store = store_of(request)
    ids = q_ids(request, "deal_ids")
    if not ids:
        raise invalid("deal_ids", "Required")
    limit = q_limit(request)
    rows = [i for deal_id in sorted(ids) for i in installments(store.get("deal", deal_id) or {"id": deal_id})]
    direction = request.query_params.get("sort_direction", "asc")
    if direction not in ("asc", "desc"):
        raise invalid("sort_direction", "Invalid enum value. Expected 'asc' | 'desc'")
    key = request.query_params.get("sort_by", "id")
    if key not in ("id", "billing_date", "deal_id"):
        raise invalid("sort_by", "Invalid enum value. Expected 'id' | 'billing_date' | 'deal_id'")
    rows.sort(key=lambda r: (r[key], r["id"]), reverse=direction == "desc")
    return ok(rows[:limit], {"next_cursor": None})


@endpoint
async def list_discounts(request: Request) -> Response:
    store = store_of(request)
    deal = _live(store, "deal", path_id(request), "Deal")
    if deal["id"] % 4:
        return ok([])
    at = iso(deal["add_time"])
    return ok(
        [
            {
                "id": f"{deal['id']:08x}-0000-4000-8000-000000000001",
                "type": "percentage",
                "amount": 10,
                "description": "Loyalty discount",
                "deal_id": deal["id"],
                "created_at": at,
                "created_by": deal.get("owner_id"),
                "updated_at": at,
                "updated_by": deal.get("owner_id"),
            }
        ]
    )


def variations(product: Record) -> list[Record]:
    if product["id"] % 3:
        return []
    out = []
    for n, (name, factor) in enumerate((("Standard", 1.0), ("Premium", 1.5)), start=1):
        prices = [  # the store keeps prices as (currency, price, cost, direct cost)
            {
                "product_id": product["id"],
                "price": round(float(price) * factor, 2),
                "currency": currency,
                "cost": round(float(cost or 0) * factor, 2),
                "notes": "",
            }
            for currency, price, cost, *_ in product.get("prices") or ()
        ]
        out.append(
            {"id": product["id"] * 10 + n, "name": name, "product_id": product["id"], "prices": prices}
        )
    return out


@endpoint
async def list_variations(request: Request) -> Response:
    store = store_of(request)
    product = _live(store, "product", path_id(request), "Product")
    limit = q_limit(request)
    return ok(variations(product)[:limit], {"next_cursor": None})


@endpoint
async def product_image(request: Request) -> Response:
    store = store_of(request)
    product = _live(store, "product", path_id(request), "Product")
    return ok(
        {
            "id": product["id"],
            "product_id": product["id"],
            "company_id": str(store.company_id),
            "public_url": f"https://images.example/{store.company_domain}/products/{product['id']}.png",
            "add_time": iso(product["add_time"]),
            "mime_type": "image/png",
            "name": f"product-{product['id']}.png",
        }
    )


@endpoint
async def participants_changelog(request: Request) -> Response:
    store = store_of(request)
    deal = _live(store, "deal", path_id(request), "Deal")
    rows = [
        {
            "actor_user_id": p.get("added_by_user_id") or deal.get("owner_id"),
            "person_id": p["person_id"],
            "action": "added",
            "time": v1_time(p.get("add_time") or data_vocab.HISTORY_START),
        }
        for p in store.scan("participant")
        if p["deal_id"] == deal["id"]
    ]
    start, limit = offsets(request)
    page = rows[start : start + limit]
    return ok(page, {"start": start, "limit": limit, "more_items_in_collection": start + limit < len(rows)})


def routes() -> list[BaseRoute]:
    out: list[BaseRoute] = [
        Route("/api/v2/deals/installments", list_installments, methods=["GET"]),
        Route("/api/v2/deals/{id}/discounts", list_discounts, methods=["GET"]),
        Route("/api/v2/products/{id}/variations", list_variations, methods=["GET"]),
        Route("/api/v2/products/{id}/images", product_image, methods=["GET"]),
    ]
    for prefix in ("/api/v1", "/v1"):
        out.append(
            Route(f"{prefix}/deals/{{id}}/participantsChangelog", participants_changelog, methods=["GET"])
        )
    return out
