"""Mailbox (API v1): mail threads and their messages, and the messages of a deal, person or organization.

``GET /v1/mailbox/mailThreads?folder=inbox|drafts|sent|archive`` (offset paged), ``GET
/v1/mailbox/mailThreads/{id}``, ``GET /v1/mailbox/mailThreads/{id}/mailMessages``, ``GET
/v1/mailbox/mailMessages/{id}`` (``include_body=1`` adds the body), ``DELETE /v1/mailbox/mailThreads/{id}``,
and ``GET /v1/{deals,persons,organizations}/{id}/mailMessages`` (``{object: "mailMessage", timestamp,
data}`` items, newest first). Flags are 0/1 numbers, as the document draws them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from pipedrive_sandbox.responses import ok
from pipedrive_sandbox.store import Store
from pipedrive_sandbox.v1_base import bad_request, offset_list, offsets, path_id
from pipedrive_sandbox.v2_base import ApiError, endpoint, iso, store_of, user_of, v1_time

Record = dict[str, Any]
FOLDERS = ("inbox", "drafts", "sent", "archive")
ACCOUNT = "sandbox-mail-account"


def _party(store: Store, party: Record, index: int, message_id: int) -> Record:
    person = store.get("person", party.get("person_id")) if party.get("person_id") else None
    out: Record = {
        "id": index,
        "name": party.get("name") or "",
        "latest_sent": False,
        "email_address": party.get("email_address") or "",
        "message_time": 0,
        "mail_message_party_id": message_id * 10 + index,
        "linked_organization_id": (person or {}).get("org_id"),
    }
    if person is not None:  # an address that is no person's (the user's own) links to none
        out.update(linked_person_id=person["id"], linked_person_name=person["name"])
    return out


def _flags(**flags: bool) -> Record:
    return {key: int(bool(value)) for key, value in flags.items()}


def thread_v1(store: Store, record: Record) -> Record:
    deal = store.get("deal", record.get("deal_id")) if record.get("deal_id") else None
    them = _party(store, record["party"], 1, record["id"])
    me = _party(store, {"email_address": record["user_email"]}, 2, record["id"])
    sent = record["folder"] == "sent"
    return {
        "id": record["id"],
        "account_id": ACCOUNT,
        "user_id": record["user_id"],
        "subject": record["subject"],
        "snippet": record["subject"],
        "mail_tracking_status": None,
        **_flags(
            read_flag=record.get("read", True),
            has_attachments_flag=False,
            has_inline_attachments_flag=False,
            has_real_attachments_flag=False,
            deleted_flag=record.get("deleted", False),
            synced_flag=True,
            smart_bcc_flag=False,
            mail_link_tracking_enabled_flag=False,
        ),
        "parties": {"to": [me if not sent else them], "from": [them if not sent else me]},
        "drafts_parties": [],
        "folders": [record["folder"]],
        "version": 1,
        "snippet_draft": None,
        "snippet_sent": "",
        "message_count": record["message_count"],
        **_flags(
            has_draft_flag=False,
            has_sent_flag=sent,
            archived_flag=record["folder"] == "archive",
            shared_flag=True,
            external_deleted_flag=False,
            first_message_to_me_flag=not sent,
        ),
        "last_message_timestamp": iso(record["last_message_time"]),
        "first_message_timestamp": iso(record["first_message_time"]),
        "last_message_sent_timestamp": iso(record["last_message_time"]) if sent else None,
        "last_message_received_timestamp": iso(record["last_message_time"]),
        "add_time": iso(record["add_time"]),
        "update_time": iso(record["update_time"]),
        "deal_id": record.get("deal_id"),
        "deal_status": deal.get("status") if deal else None,
        "lead_id": None,
        **_flags(all_messages_sent_flag=sent),
    }


def message_v1(store: Store, record: Record, request: Request, *, body: bool = False) -> Record:
    def parties(key: str) -> list[Record]:
        return [_party(store, p, n, record["id"]) for n, p in enumerate(record[key], start=1)]

    out: Record = {
        "id": record["id"],
        "account_id": ACCOUNT,
        "user_id": record["user_id"],
        "subject": record["subject"],
        "snippet": record["snippet"],
        "mail_tracking_status": None,
        **_flags(
            read_flag=record.get("read", True),
            has_attachments_flag=False,
            has_inline_attachments_flag=False,
            has_real_attachments_flag=False,
            deleted_flag=False,
            synced_flag=True,
            smart_bcc_flag=False,
            mail_link_tracking_enabled_flag=False,
        ),
        "from": parties("from"),
        "to": parties("to"),
        "cc": parties("cc"),
        "bcc": parties("bcc"),
        "body_url": f"{str(request.base_url).rstrip('/')}/api/v1/mailbox/mailMessages/{record['id']}",
        "mail_thread_id": record["thread_id"],
        **_flags(has_body_flag=True, sent_flag=record["sent"], sent_from_pipedrive_flag=record["sent"]),
        "message_time": iso(record["message_time"]),
        "add_time": iso(record["add_time"]),
        "update_time": iso(record["update_time"]),
    }
    if body:
        out["body"] = f"<p>{record['snippet']}</p>"
    return out


def _thread_or_404(store: Store, request: Request) -> Record:
    record = store.get("mail_thread", path_id(request))
    if record is None or record.get("deleted"):
        raise ApiError(404, "Mail thread not found")
    return record


@endpoint
async def list_threads(request: Request) -> Response:
    store = store_of(request)
    folder = request.query_params.get("folder")
    if not folder:
        raise bad_request("folder is required (inbox, drafts, sent or archive)")
    if folder not in FOLDERS:
        raise bad_request(f"folder must be one of {', '.join(FOLDERS)}")
    me = user_of(request)
    rows = [
        t
        for t in store.scan("mail_thread")
        if t["folder"] == folder and not t.get("deleted") and (t["user_id"] == me or me == store.main_user_id)
    ]
    rows.sort(key=lambda t: (-t["last_message_time"], t["id"]))
    return offset_list(rows, request, lambda t: thread_v1(store, t))


@endpoint
async def get_thread(request: Request) -> Response:
    store = store_of(request)
    return ok(thread_v1(store, _thread_or_404(store, request)))


@endpoint
async def thread_messages(request: Request) -> Response:
    store = store_of(request)
    thread = _thread_or_404(store, request)
    rows = [m for m in store.scan("mail_message") if m["thread_id"] == thread["id"]]
    return ok([message_v1(store, m, request) for m in rows])


@endpoint
async def get_message(request: Request) -> Response:
    store = store_of(request)
    record = store.get("mail_message", path_id(request))
    if record is None:
        raise ApiError(404, "Mail message not found")
    include = request.query_params.get("include_body") in ("1", "true")
    return ok(message_v1(store, record, request, body=include))


LINKS = {"deals": ("deal", "deal_id", "Deal"), "persons": ("person", "person_id", "Person"),
         "organizations": ("organization", "org_id", "Organization")}  # fmt: skip


def make_item_messages(segment: str) -> Callable[[Request], Any]:
    kind, key, label = LINKS[segment]

    @endpoint
    async def handler(request: Request) -> Response:
        store = store_of(request)
        item = store.get(kind, path_id(request))
        if item is None or item.get("is_deleted"):
            raise ApiError(404, f"{label} not found")
        rows = [m for m in store.scan("mail_message") if m.get(key) == item["id"]]
        rows.sort(key=lambda m: (-m["message_time"], m["id"]))
        start, limit = offsets(request)
        page = rows[start : start + limit]
        include = request.query_params.get("include_body") in ("1", "true")
        return ok(
            [
                {
                    "object": "mailMessage",
                    "timestamp": v1_time(m["message_time"]),
                    "data": _item_message(store, m, request, include),
                }
                for m in page
            ],
            {"start": start, "limit": limit, "more_items_in_collection": start + limit < len(rows)},
        )

    return handler


def _item_message(store: Store, record: Record, request: Request, include: bool) -> Record:
    out = message_v1(store, record, request, body=True)
    if not include:
        out["body"] = ""
    out.update(
        draft="",
        **_flags(draft_flag=False),
        nylas_id="",
        s3_bucket="",
        s3_bucket_path="",
        external_deleted_flag=False,
        mua_message_id=f"<{record['id']}@sandbox.example>",
        timestamp=v1_time(record["message_time"]),
        item_type="mailMessage",
        company_id=store.company_id,
    )
    return out


def routes() -> list[BaseRoute]:
    out: list[BaseRoute] = []
    for prefix in ("/api/v1", "/v1"):
        out += [
            Route(f"{prefix}/mailbox/mailThreads", list_threads, methods=["GET"]),
            Route(f"{prefix}/mailbox/mailThreads/{{id}}", get_thread, methods=["GET"]),
            Route(f"{prefix}/mailbox/mailThreads/{{id}}/mailMessages", thread_messages, methods=["GET"]),
            Route(f"{prefix}/mailbox/mailMessages/{{id}}", get_message, methods=["GET"]),
        ]
        out += [
            Route(f"{prefix}/{segment}/{{id}}/mailMessages", make_item_messages(segment), methods=["GET"])
            for segment in LINKS
        ]
    return out
