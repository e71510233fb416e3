"""Pipedrive API v1 routes: leads, lead labels and sources, notes, users, activity types, currencies,
filters, files, recents, deal participants, merges, and the v1 field endpoints (paths, parameters and
shapes from ``openapi/openapi-v1.yaml``). Every path answers under ``/api/v1`` and ``/v1``.
One module per resource (``v1_leads``, ``v1_notes``, ``v1_users``, ...); what they share is in ``v1_base``
(parameters, paging, flat custom fields) and ``v1_render`` (the v1 shapes of records).

Lists use offset paging: ``start`` (default 0) and ``limit`` (default 100; at most 500, files 100), and
``additional_data.pagination = {start, limit, more_items_in_collection, next_start}`` (``next_start`` only
when more items follow). Where the document draws those keys flat in ``additional_data`` (leads, the
field lists, participants) they are given both ways.

Custom fields are flat on v1 records: a monetary field is ``<key>`` (amount) and ``<key>_currency``, a
date or time range ``<key>`` and ``<key>_until``, a time ``<key>`` and ``<key>_timezone_id``, an address
``<key>`` and ``<key>_<part>`` for each part, a set a comma-separated string of option ids, a single
option the option id as a string, and user, person and organization references Pipedrive's small objects
with the id under ``value``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from pipedrive_sandbox import (
    followers,
    v1_admin,
    v1_calllogs,
    v1_deal_views,
    v1_goals,
    v1_history,
    v1_mailbox,
    v1_note_comments,
    v1_org_relationships,
    v1_pipeline_stats,
    v1_roles,
)
from pipedrive_sandbox.v1_fields import (
    add_field_v1,
    delete_field_v1,
    get_field_v1,
    list_fields_v1,
    list_note_fields,
    update_field_v1,
)
from pipedrive_sandbox.v1_files import download_file, get_file, list_files
from pipedrive_sandbox.v1_filters import add_filter, delete_filter, get_filter, list_filters, update_filter
from pipedrive_sandbox.v1_leads import (
    add_lead,
    add_lead_label,
    delete_lead,
    delete_lead_label,
    get_lead,
    list_lead_labels,
    list_lead_sources,
    make_list_leads,
    update_lead,
    update_lead_label,
)
from pipedrive_sandbox.v1_merges import make_merge
from pipedrive_sandbox.v1_notes import add_note, delete_note, get_note, list_notes, update_note
from pipedrive_sandbox.v1_participants import add_participant, delete_participant, list_participants
from pipedrive_sandbox.v1_recents import recents
from pipedrive_sandbox.v1_users import (
    find_users,
    get_me,
    get_user,
    list_activity_types,
    list_currencies,
    list_users,
)

# ---------------------------------------------------------------------------------------------------------
# Routes


def _routes(path: str, handler: Callable[[Request], Any], method: str) -> list[BaseRoute]:
    """The same handler under /api/v1 and /v1, as Pipedrive serves v1."""
    return [Route(f"{prefix}{path}", handler, methods=[method]) for prefix in ("/api/v1", "/v1")]


def routes() -> list[BaseRoute]:
    table: list[tuple[str, str, Callable[[Request], Any]]] = [
        ("GET", "/leads/archived", make_list_leads(archived=True)),
        ("GET", "/leads", make_list_leads(archived=False)),
        ("POST", "/leads", add_lead),
        ("GET", "/leads/{id}", get_lead),
        ("PATCH", "/leads/{id}", update_lead),
        ("DELETE", "/leads/{id}", delete_lead),
        ("GET", "/leadLabels", list_lead_labels),
        ("POST", "/leadLabels", add_lead_label),
        ("PATCH", "/leadLabels/{id}", update_lead_label),
        ("DELETE", "/leadLabels/{id}", delete_lead_label),
        ("GET", "/leadSources", list_lead_sources),
        ("GET", "/leadFields", list_fields_v1),
        ("GET", "/notes", list_notes),
        ("POST", "/notes", add_note),
        ("GET", "/notes/{id}", get_note),
        ("PUT", "/notes/{id}", update_note),
        ("DELETE", "/notes/{id}", delete_note),
        ("GET", "/noteFields", list_note_fields),
        ("GET", "/users", list_users),
        ("GET", "/users/me", get_me),
        ("GET", "/users/find", find_users),
        ("GET", "/users/{id}", get_user),
        ("GET", "/activityTypes", list_activity_types),
        ("GET", "/currencies", list_currencies),
        ("GET", "/filters", list_filters),
        ("POST", "/filters", add_filter),
        ("GET", "/filters/{id}", get_filter),
        ("PUT", "/filters/{id}", update_filter),
        ("DELETE", "/filters/{id}", delete_filter),
        ("GET", "/files", list_files),
        ("GET", "/files/{id}", get_file),
        ("GET", "/files/{id}/download", download_file),
        ("GET", "/recents", recents),
        ("GET", "/deals/{id}/participants", list_participants),
        ("POST", "/deals/{id}/participants", add_participant),
        ("DELETE", "/deals/{id}/participants/{deal_participant_id}", delete_participant),
        ("PUT", "/deals/{id}/merge", make_merge("deal")),
        ("PUT", "/persons/{id}/merge", make_merge("person")),
        ("PUT", "/organizations/{id}/merge", make_merge("organization")),
        ("GET", "/activityFields", list_fields_v1),
    ]
    for name in ("dealFields", "personFields", "organizationFields", "productFields"):
        table += [
            ("GET", f"/{name}", list_fields_v1),
            ("POST", f"/{name}", add_field_v1),
            ("GET", f"/{name}/{{id}}", get_field_v1),
            ("PUT", f"/{name}/{{id}}", update_field_v1),
            ("DELETE", f"/{name}/{{id}}", delete_field_v1),
        ]
    out: list[BaseRoute] = []
    for method, path, handler in table:
        out += _routes(path, handler, method)
    for module in (
        followers,
        v1_admin,
        v1_calllogs,
        v1_deal_views,
        v1_goals,
        v1_history,
        v1_mailbox,
        v1_note_comments,
        v1_org_relationships,
        v1_pipeline_stats,
        v1_roles,
    ):
        out += module.routes()
    return out
