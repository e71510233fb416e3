"""Deals, persons, organizations, activities, products, pipelines and stages (API v2): list, get,
create, update, delete."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pipedrive_sandbox.responses import ok
from pipedrive_sandbox.store import Store
from pipedrive_sandbox.store_filters import filter_predicate
from pipedrive_sandbox.v2_base import (
    ApiError,
    Handler,
    Record,
    View,
    check_int_range,
    endpoint,
    invalid,
    json_body,
    list_response,
    not_found,
    paging,
    q_bool,
    q_csv,
    q_ids,
    q_int,
    q_time,
    remembered,
    store_of,
    user_of,
)
from pipedrive_sandbox.v2_render import (
    DEAL_INCLUDE,
    ORGANIZATION_INCLUDE,
    PERSON_INCLUDE,
    Renderer,
    activity_renderer,
    activity_v2,
    deal_renderer,
    deal_v2,
    organization_renderer,
    organization_v2,
    person_renderer,
    person_v2,
    pipeline_v2,
    product_renderer,
    product_v2,
    stage_v2,
)
from pipedrive_sandbox.v2_validation import (
    ACTIVITY_RULES,
    DEAL_RULES,
    ORGANIZATION_RULES,
    PERSON_RULES,
    PIPELINE_RULES,
    PRODUCT_RULES,
    STAGE_RULES,
    Rule,
    parse_body,
)

# ---------------------------------------------------------------------------------------------------------
# Entities: list, get, create, update, delete

DEFAULT_VIEW = View()


@dataclass(frozen=True)
class Entity:
    kind: str  # the store's kind
    path: str  # "deals"
    label: str  # "Deal" (for "Deal not found")
    render: Callable[[Store, Record, View], Record]
    rules: dict[str, Rule]
    required: tuple[str, ...] = ()
    fields_entity: str | None = None  # whose custom fields the records carry
    sort_fields: tuple[str, ...] = ("id", "update_time", "add_time")
    filters: dict[str, str] = field(default_factory=dict)  # query parameter -> record key (int equality)
    include: tuple[str, ...] = ()
    custom_fields_param: bool = False
    option_labels_param: bool = False
    has_status: bool = False  # deals: the status filter, deleted records with status=deleted
    filter_type: str | None = None  # the /v1/filters type its filter_id must have
    create_status: int = 200
    # render for a whole page (the store's lookups made once); None: ``render`` record by record
    renderer: Callable[[Store, View], Renderer] | None = None
    # what a record's default rendering depends on besides the record itself (see ``Store.memo``)
    render_depends: tuple[str, ...] = ()

    def page_renderer(self, store: Store, view: View) -> Renderer:
        """Renders the records of one list page. The default view (what scans ask for) is remembered per
        record as its JSON, until the record or what ``render_depends`` names changes."""
        if self.renderer is not None:
            render = self.renderer(store, view)
        else:
            one = self.render

            def render(record: Record) -> Record:
                return one(store, record, view)

        if view != DEFAULT_VIEW:
            return render
        return remembered(render, store.memo(self.kind, "v2", self.render_depends))


def _view(request: Request, entity: Entity) -> View:
    keys = q_csv(request, "custom_fields", maximum=15) if entity.custom_fields_param else []
    return View(
        custom_keys=set(keys) if keys else None,
        option_labels=bool(q_bool(request, "include_option_labels")) if entity.option_labels_param else False,
        include=tuple(q_csv(request, "include_fields", entity.include)) if entity.include else (),
        labels=bool(q_bool(request, "include_labels")) if entity.option_labels_param else False,
    )


def filter_for(store: Store, filter_id: int, filter_type: str | None) -> Record:
    flt = store.get("filter", filter_id)
    if flt is None or not flt.get("active_flag", True):
        raise ApiError(404, "Filter not found")
    if filter_type is not None and flt["type"] != filter_type:
        raise invalid("filter_id", f"Filter {filter_id} is not a {filter_type} filter")
    return flt


def list_predicate(
    request: Request, store: Store, entity: Entity, archived: bool | None = None
) -> tuple[Any, list[int] | None]:
    """The predicate of a v2 list request and the candidate ids (``ids=``), or None for a full scan."""
    preds: list[Callable[[Record], bool]] = []
    filter_id = q_int(request, "filter_id")
    ids = q_ids(request, "ids")
    statuses: list[str] = []
    if entity.has_status:
        statuses = q_csv(request, "status", ("open", "won", "lost", "deleted"))
    if filter_id is not None:
        flt = filter_for(store, filter_id, entity.filter_type)
        preds.append(filter_predicate(store, flt, entity.fields_entity or entity.kind))
        ids = None
        statuses = []
    else:
        for param, key in entity.filters.items():
            value = q_int(request, param) if param != "lead_id" else request.query_params.get(param) or None
            if value is not None:
                preds.append(_equals(key, value))
        if entity.kind == "activity":
            done = q_bool(request, "done")
            if done is not None:
                preds.append(_done_is(done))
        if entity.kind == "person":
            deal_id = q_int(request, "deal_id")
            if deal_id is not None:
                linked = persons_of_deal(store, deal_id)
                preds.append(lambda r: r["id"] in linked)
    since = q_time(request, "updated_since")
    until = q_time(request, "updated_until")
    wanted = frozenset(statuses) if statuses else None
    expired = None
    days = store.config.deleted_deal_days
    if wanted is not None and "deleted" in wanted and days is not None:
        expired = store.now_ts() - days * 86_400  # older deleted deals are no longer listed
    core = _core_predicate(since, until, wanted, expired, archived)
    if not preds:
        return core, ids

    def match(record: Record) -> bool:
        for pred in preds:
            if not pred(record):
                return False
        return core(record)

    return match, ids


def _core_predicate(
    since: int | None,
    until: int | None,
    wanted: frozenset[str] | None,
    expired: float | None,
    archived: bool | None,
) -> Callable[[Record], bool]:
    """What every v2 list checks, in one function (a scan calls it once per record): the update-time
    window, the statuses asked for (deleted records only with ``deleted`` among them, and only those not
    ``expired``; without statuses, no deleted records), and archived or not."""
    timed = since is not None or until is not None
    deleted_wanted = wanted is not None and "deleted" in wanted

    def match(record: Record) -> bool:
        get = record.get
        if timed:
            updated = get("update_time", 0)
            if since is not None and not updated >= since:
                return False
            if until is not None and not updated < until:
                return False
        deleted = get("is_deleted")
        if wanted is None:
            if deleted:
                return False
        else:
            if deleted:
                if not deleted_wanted:
                    return False
            elif get("status") not in wanted:
                return False
            if expired is not None and deleted and not get("update_time", 0) >= expired:
                return False
        return archived is None or bool(get("is_archived")) == archived

    return match


def _done_is(done: bool) -> Callable[[Record], bool]:
    return lambda record: bool(record.get("done")) == done


def _equals(key: str, value: Any) -> Callable[[Record], bool]:
    return lambda record: record.get(key) == value


def persons_of_deal(store: Store, deal_id: int) -> set[int]:
    """A deal's persons: its contact person and its participants."""
    deal = store.get("deal", deal_id)
    linked = {p["person_id"] for p in store.tables["participant"].values() if p["deal_id"] == deal_id}
    if deal is not None and deal.get("person_id"):
        linked.add(deal["person_id"])
    return linked


def record_or_404(store: Store, entity: Entity, raw_id: str) -> Record:
    record_id = path_int(raw_id, "id")
    record = store.get(entity.kind, record_id)
    if record is None:
        raise not_found(entity.label)
    return record


def path_int(raw: str, name: str) -> int:
    try:
        value = int(raw)
    except ValueError as exc:
        raise invalid(name, "Expected number, received string") from exc
    if value < 1:
        raise invalid(name, "Number must be greater than or equal to 1")
    return check_int_range(value, name)


def make_list(entity: Entity, archived: bool | None = None) -> Handler:
    @endpoint
    async def handler(request: Request) -> Response:
        store = store_of(request)
        view = _view(request, entity)
        pg = paging(request, entity.sort_fields)
        since = until = None
        if entity.kind == "stage":
            pipeline_id = q_int(request, "pipeline_id")
            pred: Any = _stage_filter(pipeline_id)
            ids = None
        else:
            pred, ids = list_predicate(request, store, entity, archived)
            since, until = q_time(request, "updated_since"), q_time(request, "updated_until")
        page, more = store.page(
            entity.kind,
            pred,
            sort_by=pg.sort_by,
            descending=pg.descending,
            after=pg.after,
            limit=pg.limit,
            candidates=ids,
            since=since,
            until=until,
        )
        return list_response(store, page, more, pg, entity.page_renderer(store, view))

    return handler


def _stage_filter(pipeline_id: int | None) -> Callable[[Record], bool]:
    def match(record: Record) -> bool:
        return not record.get("is_deleted") and (pipeline_id is None or record["pipeline_id"] == pipeline_id)

    return match


def make_get(entity: Entity) -> Handler:
    @endpoint
    async def handler(request: Request) -> Response:
        store = store_of(request)
        view = _view(request, entity)
        record = record_or_404(store, entity, request.path_params["id"])
        return ok(entity.render(store, record, view))

    return handler


def make_create(entity: Entity) -> Handler:
    @endpoint
    async def handler(request: Request) -> Response:
        store = store_of(request)
        body = await json_body(request)
        for name in entity.required:
            if body.get(name) in (None, ""):
                raise invalid(name, "Required")
        changes = parse_body(store, entity.rules, body, entity.fields_entity)
        check_entity_rules(store, entity, None, changes)
        if changes.pop("is_deleted", False):
            changes["is_deleted"] = True
        record = store.create(entity.kind, changes, user_of(request))
        return ok(entity.render(store, record, View()), status=entity.create_status)

    return handler


def make_update(entity: Entity) -> Handler:
    @endpoint
    async def handler(request: Request) -> Response:
        store = store_of(request)
        record = record_or_404(store, entity, request.path_params["id"])
        body = await json_body(request)
        for name in entity.required:
            if name in body and body[name] in (None, ""):
                raise invalid(name, "Cannot be empty")
        changes = parse_body(store, entity.rules, body, entity.fields_entity)
        check_entity_rules(store, entity, record, changes)
        if changes.get("is_deleted") is False:
            changes["is_deleted"] = None
        store.update(entity.kind, record, changes, user_of(request))
        return ok(entity.render(store, record, View()))

    return handler


def make_delete(entity: Entity) -> Handler:
    @endpoint
    async def handler(request: Request) -> Response:
        store = store_of(request)
        record = record_or_404(store, entity, request.path_params["id"])
        if record.get("is_deleted"):
            raise not_found(entity.label)
        store.delete(entity.kind, record, user_of(request))
        return ok({"id": record["id"]})

    return handler


def check_entity_rules(store: Store, entity: Entity, old: Record | None, changes: Record) -> None:
    """Cross-field checks Pipedrive makes before a write."""
    if entity.kind == "deal":
        stage_id = changes.get("stage_id")
        pipeline_id = changes.get("pipeline_id")
        if (
            stage_id is not None
            and pipeline_id is not None
            and store.tables["stage"][stage_id]["pipeline_id"] != pipeline_id
        ):
            raise invalid("stage_id", f"Stage {stage_id} does not belong to pipeline {pipeline_id}")
        if changes.get("status") == "lost" and "lost_reason" not in changes and old is not None:
            changes.setdefault("lost_reason", old.get("lost_reason"))
    if entity.kind == "activity" and "type" in changes:
        types = {
            t["key_string"] for t in store.tables["activity_type"].values() if t.get("active_flag", True)
        }
        if changes["type"] not in types:
            raise invalid("type", f"Activity type '{changes['type']}' does not exist")
    if entity.kind == "activity" and old is None and not changes.get("subject"):
        names = {t["key_string"]: t["name"] for t in store.tables["activity_type"].values()}
        changes["subject"] = names.get(changes.get("type", "task"), "Task")
    if entity.kind == "stage" and old is None:
        siblings = [s for s in store.tables["stage"].values() if s["pipeline_id"] == changes["pipeline_id"]]
        changes.setdefault("order_nr", max((s["order_nr"] for s in siblings), default=-1) + 1)
        changes.setdefault("deal_probability", 100)
        changes.setdefault("is_deal_rot_enabled", False)
    if entity.kind == "pipeline" and old is None:
        changes.setdefault(
            "order_nr", max((p["order_nr"] for p in store.tables["pipeline"].values()), default=-1) + 1
        )
        changes.setdefault("is_deal_probability_enabled", False)


ENTITIES: dict[str, Entity] = {
    "deals": Entity(
        kind="deal",
        path="deals",
        label="Deal",
        render=deal_v2,
        renderer=deal_renderer,
        render_depends=("fields:deal",),
        rules=DEAL_RULES,
        required=("title",),
        fields_entity="deal",
        filters={
            "owner_id": "owner_id",
            "person_id": "person_id",
            "org_id": "org_id",
            "pipeline_id": "pipeline_id",
            "stage_id": "stage_id",
        },
        include=DEAL_INCLUDE,
        custom_fields_param=True,
        option_labels_param=True,
        has_status=True,
        filter_type="deals",
    ),
    "persons": Entity(
        kind="person",
        path="persons",
        label="Person",
        render=person_v2,
        renderer=person_renderer,
        render_depends=("fields:person",),
        rules=PERSON_RULES,
        required=("name",),
        fields_entity="person",
        filters={"owner_id": "owner_id", "org_id": "org_id"},
        include=PERSON_INCLUDE,
        custom_fields_param=True,
        option_labels_param=True,
        filter_type="people",
    ),
    "organizations": Entity(
        kind="organization",
        path="organizations",
        label="Organization",
        render=organization_v2,
        renderer=organization_renderer,
        render_depends=("fields:organization",),
        rules=ORGANIZATION_RULES,
        required=("name",),
        fields_entity="organization",
        filters={"owner_id": "owner_id"},
        include=ORGANIZATION_INCLUDE,
        custom_fields_param=True,
        option_labels_param=True,
        filter_type="org",
    ),
    "activities": Entity(
        kind="activity",
        path="activities",
        label="Activity",
        render=activity_v2,
        renderer=activity_renderer,
        render_depends=(),
        rules=ACTIVITY_RULES,
        fields_entity=None,
        sort_fields=("id", "update_time", "add_time", "due_date"),
        filters={
            "owner_id": "owner_id",
            "deal_id": "deal_id",
            "lead_id": "lead_id",
            "person_id": "person_id",
            "org_id": "org_id",
        },
        include=("attendees",),
        filter_type="activity",
    ),
    "products": Entity(
        kind="product",
        path="products",
        label="Product",
        render=product_v2,
        renderer=product_renderer,
        render_depends=("fields:product",),
        rules=PRODUCT_RULES,
        required=("name",),
        fields_entity="product",
        sort_fields=("id", "name", "add_time", "update_time"),
        filters={"owner_id": "owner_id"},
        custom_fields_param=True,
        filter_type="products",
        create_status=201,
    ),
    "pipelines": Entity(
        kind="pipeline",
        path="pipelines",
        label="Pipeline",
        render=pipeline_v2,
        rules=PIPELINE_RULES,
        required=("name",),
    ),
    "stages": Entity(
        kind="stage",
        path="stages",
        label="Stage",
        render=stage_v2,
        rules=STAGE_RULES,
        required=("name", "pipeline_id"),
        sort_fields=("id", "update_time", "add_time", "order_nr"),
    ),
}
