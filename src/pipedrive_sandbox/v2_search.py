"""Search: /api/v2/{deals,persons,organizations,products,leads}/search and /api/v2/itemSearch."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pipedrive_sandbox.responses import ok
from pipedrive_sandbox.store import Store
from pipedrive_sandbox.v2_base import (
    MAX_LIMIT,
    Handler,
    Record,
    decode_cursor,
    encode_cursor,
    endpoint,
    invalid,
    q_bool,
    q_csv,
    q_enum,
    q_int,
    q_limit,
    store_of,
)
from pipedrive_sandbox.v2_entities import _equals

# ---------------------------------------------------------------------------------------------------------
# Search


SEARCHABLE_CUSTOM = frozenset({"address", "varchar", "text", "varchar_auto", "double", "monetary", "phone"})


def search_term(request: Request) -> tuple[str, bool]:
    term = request.query_params.get("term")
    exact = bool(q_bool(request, "exact_match"))
    if term is None or term == "":
        raise invalid("term", "Required")
    if len(term.strip()) < (1 if exact else 2):
        raise invalid("term", f"String must contain at least {1 if exact else 2} character(s)")
    return term.strip(), exact


def match_score(value: Any, term: str, exact: bool) -> float:
    """How well a field value matches: whole value 1, word start 0.6, anywhere 0.3, no match 0."""
    if value is None:
        return 0.0
    text = str(value).lower()
    if exact:
        return 1.0 if text == term else 0.0
    if text == term:
        return 1.0
    if text.startswith(term):
        return 0.8
    position = text.find(term)
    if position < 0:
        return 0.0
    return 0.6 if not text[position - 1].isalnum() else 0.3


def custom_search_texts(store: Store, entity: str, record: Record) -> list[str]:
    texts: list[str] = []
    for definition in store.custom_fields(entity):
        if definition["field_type"] not in SEARCHABLE_CUSTOM:
            continue
        value = record.get(definition["code"])
        if value is None:
            continue
        if definition["field_type"] == "monetary":
            value = value[0]
        elif definition["field_type"] == "address":
            value = value.get("value")
        texts.append(_plain_number(value))
    return texts


def _plain_number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def notes_by(store: Store, key: str) -> dict[Any, list[str]]:
    def compute() -> dict[Any, list[str]]:
        out: dict[Any, list[str]] = {}
        for note in store.tables["note"].values():
            if note.get("active_flag", True) and note.get(key) is not None:
                out.setdefault(note[key], []).append(note.get("content", ""))
        return out

    return store.cached(("notes_by", key), ("note",), compute)


@dataclass(frozen=True)
class SearchField:
    name: str  # the value of ``fields=``
    texts: Callable[[Store, Record], list[str]]


def _one(key: str) -> Callable[[Store, Record], list[str]]:
    return lambda store, record: [str(record[key])] if record.get(key) is not None else []


SEARCH_FIELDS: dict[str, tuple[SearchField, ...]] = {
    "deal": (
        SearchField("title", _one("title")),
        SearchField("custom_fields", lambda s, r: custom_search_texts(s, "deal", r)),
        SearchField("notes", lambda s, r: notes_by(s, "deal_id").get(r["id"], [])),
    ),
    "person": (
        SearchField("name", _one("name")),
        SearchField("email", lambda s, r: [e[0] for e in r.get("emails", ())]),
        SearchField("phone", lambda s, r: [p[0] for p in r.get("phones", ())]),
        SearchField("custom_fields", lambda s, r: custom_search_texts(s, "person", r)),
        SearchField("notes", lambda s, r: notes_by(s, "person_id").get(r["id"], [])),
    ),
    "organization": (
        SearchField("name", _one("name")),
        SearchField("address", lambda s, r: [r["address"]["value"]] if r.get("address") else []),
        SearchField("custom_fields", lambda s, r: custom_search_texts(s, "organization", r)),
        SearchField("notes", lambda s, r: notes_by(s, "org_id").get(r["id"], [])),
    ),
    "product": (
        SearchField("name", _one("name")),
        SearchField("code", _one("code")),
        SearchField("description", _one("description")),
        SearchField("custom_fields", lambda s, r: custom_search_texts(s, "product", r)),
    ),
    "lead": (
        SearchField("title", _one("title")),
        SearchField("custom_fields", lambda s, r: custom_search_texts(s, "lead", r)),
        SearchField("notes", lambda s, r: notes_by(s, "lead_id").get(r["id"], [])),
    ),
    "file": (SearchField("name", _one("name")),),
}
SEARCH_FIELD_NAMES = {
    "deal": ("custom_fields", "notes", "title"),
    "person": ("custom_fields", "email", "notes", "phone", "name"),
    "organization": ("address", "custom_fields", "notes", "name"),
    "product": ("code", "custom_fields", "name"),
    "lead": ("custom_fields", "notes", "title"),
}
FIELD_WEIGHT = {
    "title": 1.0,
    "name": 1.0,
    "code": 0.9,
    "email": 0.8,
    "phone": 0.8,
    "address": 0.5,
    "custom_fields": 0.4,
    "notes": 0.2,
    "description": 0.3,
}


def search_records(
    store: Store, kind: str, term: str, exact: bool, fields: set[str] | None, pred: Callable[[Record], bool]
) -> list[tuple[float, Record, dict[str, list[str]]]]:
    """(score, record, matched texts per field) of every live record that matches, best first."""
    lowered = term.lower()
    results: list[tuple[float, Record, dict[str, list[str]]]] = []
    search_fields = [f for f in SEARCH_FIELDS[kind] if fields is None or f.name in fields]
    for record in store.tables[kind].values():
        if record.get("is_deleted") or record.get("active_flag") is False or not pred(record):
            continue
        best = 0.0
        matched: dict[str, list[str]] = {}
        for search_field in search_fields:
            for text in search_field.texts(store, record):
                score = match_score(text, lowered, exact)
                if score:
                    matched.setdefault(search_field.name, []).append(text)
                    best = max(best, score * FIELD_WEIGHT.get(search_field.name, 0.3))
        if best:
            results.append((round(best, 4), record, matched))
    results.sort(key=lambda item: (-item[0], str(item[1]["id"])))
    return results


SEARCH_INCLUDES = {"product": ("product.price",), "lead": ("lead.was_seen",)}


def search_item(
    store: Store, kind: str, record: Record, matched: dict[str, list[str]], extra: Iterable[str] = ()
) -> Record:
    """One search hit in the shape of its type; ``extra`` are include_fields such as ``product.price``."""
    extra = set(extra)
    get = record.get
    if kind == "deal":
        stage = store.get("stage", get("stage_id")) or {}
        person = store.get("person", get("person_id"))
        org = store.get("organization", get("org_id"))
        return {
            "id": record["id"],
            "type": "deal",
            "title": get("title"),
            "value": get("value"),
            "currency": get("currency"),
            "status": get("status"),
            "visible_to": get("visible_to", 3),
            "owner": {"id": get("owner_id")},
            "stage": {"id": get("stage_id"), "name": stage.get("name")},
            "person": {"id": person["id"], "name": person["name"]} if person else None,
            "organization": _org_ref(org),
            "custom_fields": matched.get("custom_fields", []),
            "notes": matched.get("notes", []),
            "is_archived": bool(get("is_archived")),
        }
    if kind == "person":
        org = store.get("organization", get("org_id"))
        return {
            "id": record["id"],
            "type": "person",
            "name": get("name"),
            "phones": [p[0] for p in get("phones", ())],
            "emails": [e[0] for e in get("emails", ())],
            "visible_to": get("visible_to", 3),
            "owner": {"id": get("owner_id")},
            "organization": _org_ref(org),
            "custom_fields": matched.get("custom_fields", []),
            "notes": matched.get("notes", []),
        }
    if kind == "organization":
        return {
            "id": record["id"],
            "type": "organization",
            "name": get("name"),
            "address": (get("address") or {}).get("value"),
            "visible_to": get("visible_to", 3),
            "owner": {"id": get("owner_id")},
            "custom_fields": matched.get("custom_fields", []),
            "notes": matched.get("notes", []),
        }
    if kind == "product":
        item: Record = {
            "id": record["id"],
            "type": "product",
            "name": get("name"),
            "code": get("code"),
            "visible_to": get("visible_to", 3),
            "owner": {"id": get("owner_id")},
            "custom_fields": matched.get("custom_fields", []),
        }
        if "product.price" in extra:
            prices = get("prices", ())
            item["price"] = prices[0][1] if prices else None
        return item
    if kind == "lead":
        person = store.get("person", get("person_id"))
        org = store.get("organization", get("organization_id"))
        value = get("value")
        return {
            "id": record["id"],
            "type": "lead",
            "title": get("title"),
            "owner": {"id": get("owner_id")},
            "person": {"id": person["id"], "name": person["name"]} if person else None,
            "organization": _org_ref(org),
            "phones": [p[0] for p in person.get("phones", ())] if person else [],
            "emails": [e[0] for e in person.get("emails", ())] if person else [],
            "custom_fields": matched.get("custom_fields", []),
            "notes": matched.get("notes", []),
            # Pipedrive serializes from JavaScript: a whole amount is written 3140, never 3140.0 (and the
            # document types this field integer).
            "value": _whole_as_int(value[0]) if value else None,
            "currency": value[1] if value else None,
            "visible_to": int(get("visible_to", 3)),
            "is_archived": bool(get("is_archived")),
            **({"was_seen": bool(get("was_seen"))} if "lead.was_seen" in extra else {}),
        }
    deal = store.get("deal", get("deal_id"))
    person = store.get("person", get("person_id"))
    org = store.get("organization", get("org_id"))
    return {
        "id": record["id"],
        "type": "file",
        "name": get("name"),
        "url": f"/files/{record['id']}/download",
        "deal": {"id": deal["id"], "title": deal["title"]} if deal else None,
        "person": {"id": person["id"], "name": person["name"]} if person else None,
        "organization": _org_ref(org),
    }


def _org_ref(org: Record | None) -> Record | None:
    if org is None:
        return None
    return {"id": org["id"], "name": org["name"], "address": (org.get("address") or {}).get("value")}


def offset_cursor(raw: str | None) -> int:
    if not raw:
        return 0
    cursor = decode_cursor(raw)
    offset = cursor.get("fieldValue")
    if not isinstance(offset, int) or offset < 0:
        raise invalid("cursor", "Invalid cursor")
    return offset


def search_page(
    results: list[Any], request: Request, maximum: int = MAX_LIMIT
) -> tuple[list[Any], str | None]:
    limit = q_limit(request, maximum)
    start = offset_cursor(request.query_params.get("cursor"))
    page = results[start : start + limit]
    more = start + limit < len(results)
    # Search results have no stable sort key; the cursor carries the offset of the next result.
    return page, encode_cursor("offset", start + limit, "asc", start + limit) if more else None


def make_search(kind: str) -> Handler:
    @endpoint
    async def handler(request: Request) -> Response:
        store = store_of(request)
        term, exact = search_term(request)
        fields = set(q_csv(request, "fields", SEARCH_FIELD_NAMES[kind])) or None
        preds: list[Callable[[Record], bool]] = []
        if kind == "deal":
            person_id = q_int(request, "person_id")
            org_id = q_int(request, "organization_id")
            status = q_enum(request, "status", ("open", "won", "lost"))
            q_csv(request, "include_fields", ("deal.cc_email",))
            if person_id is not None:
                preds.append(_equals("person_id", person_id))
            if org_id is not None:
                preds.append(_equals("org_id", org_id))
            if status is not None:
                preds.append(_equals("status", status))
        elif kind == "person":
            org_id = q_int(request, "organization_id")
            q_csv(request, "include_fields", ("person.picture",))
            if org_id is not None:
                preds.append(_equals("org_id", org_id))
        elif kind == "lead":
            for param, key in (("person_id", "person_id"), ("organization_id", "organization_id")):
                value = q_int(request, param)
                if value is not None:
                    preds.append(_equals(key, value))
        extra = (
            set(q_csv(request, "include_fields", SEARCH_INCLUDES[kind])) if kind in SEARCH_INCLUDES else set()
        )
        results = search_records(store, kind, term, exact, fields, lambda r: all(p(r) for p in preds))
        page, next_cursor = search_page(results, request)
        items = [
            {"result_score": score, "item": search_item(store, kind, record, matched, extra)}
            for score, record, matched in page
        ]
        return ok({"items": items}, {"next_cursor": next_cursor})

    return handler


ITEM_TYPES = ("deal", "person", "organization", "product", "lead", "file", "mail_attachment", "project")
ITEM_SEARCH_FIELDS = (
    "address",
    "code",
    "custom_fields",
    "email",
    "name",
    "notes",
    "phone",
    "title",
    "description",
)


@endpoint
async def item_search(request: Request) -> Response:
    store = store_of(request)
    term, exact = search_term(request)
    types = q_csv(request, "item_types", ITEM_TYPES) or list(ITEM_TYPES)
    fields = set(q_csv(request, "fields", ITEM_SEARCH_FIELDS)) or None
    q_csv(request, "include_fields", ("deal.cc_email", "person.picture", "product.price"))
    related = bool(q_bool(request, "search_for_related_items"))
    results: list[tuple[float, str, Record, dict[str, list[str]]]] = []
    for kind in types:
        if kind not in SEARCH_FIELDS:
            continue  # mail attachments and projects: the sandbox has none
        for score, record, matched in search_records(store, kind, term, exact, fields, lambda r: True):
            results.append((score, kind, record, matched))
    results.sort(key=lambda item: (-item[0], item[1], str(item[2]["id"])))
    page, next_cursor = search_page(results, request, maximum=100)
    items = [
        {"result_score": score, "item": search_item(store, kind, record, matched)}
        for score, kind, record, matched in page
    ]
    related_items: list[Record] = []
    if related:
        related_items = related_search_items(store, [(kind, record) for _, kind, record, _ in page])
    return ok({"items": items, "related_items": related_items}, {"next_cursor": next_cursor})


def related_search_items(store: Store, found: list[tuple[str, Record]]) -> list[Record]:
    """Up to 100 newest deals (and persons, for organizations) related to the persons and organizations found."""
    out: list[Record] = []
    for kind, record in found:
        if kind not in ("person", "organization"):
            continue
        key = "person_id" if kind == "person" else "org_id"
        deals = [
            d for d in store.tables["deal"].values() if d.get(key) == record["id"] and not d.get("is_deleted")
        ]
        for deal in sorted(deals, key=lambda d: -d["add_time"])[:100]:
            out.append({"result_score": 0, "item": search_item(store, "deal", deal, {})})
        if kind == "organization":
            persons = [
                p
                for p in store.tables["person"].values()
                if p.get("org_id") == record["id"] and not p.get("is_deleted")
            ]
            for person in sorted(persons, key=lambda p: -p["add_time"])[:100]:
                out.append({"result_score": 0, "item": search_item(store, "person", person, {})})
    return out


def _whole_as_int(number: Any) -> Any:
    return int(number) if isinstance(number, float) and number.is_integer() else number
