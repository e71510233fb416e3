"""Pipedrive API v2 routes: deals, persons, organizations, activities, products, pipelines, stages, deal
products, the field endpoints and search (paths, parameters and shapes from ``openapi/openapi-v2.yaml``).
One module per resource: ``v2_entities``, ``v2_deal_products``, ``v2_fields``, ``v2_search``; what they
share is in ``v2_base`` (errors, the handler wrapper, parameters, cursors, time formats), ``v2_custom``
(custom fields), ``v2_validation`` (bodies) and ``v2_render`` (record shapes).

Lists use cursor paging: the cursor is Pipedrive's own format, base64 of
``{"field": sort_by, "fieldValue": <sort value>, "sortDirection": "asc", "id": <id>}`` of the last record
returned; ``additional_data.next_cursor`` is null on the last page. ``limit`` defaults to 100; above 500
is a 400, as in the documents.

Errors follow Pipedrive's envelope (``responses.error``); validation errors read
``"Validation failed: <param>: <what>"`` with ``code: "ERR_SCHEMA_VALIDATION_FAILED"`` as v2 answers them.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from pipedrive_sandbox import v2_deal_extras, v2_projects
from pipedrive_sandbox.v2_deal_products import (
    add_deal_product,
    delete_deal_product,
    list_deal_products,
    list_products_of_deals,
    update_deal_product,
)
from pipedrive_sandbox.v2_entities import ENTITIES, make_create, make_delete, make_get, make_list, make_update
from pipedrive_sandbox.v2_fields import (
    FIELD_ENTITIES,
    create_field,
    delete_field,
    get_field,
    list_fields,
    update_field,
)
from pipedrive_sandbox.v2_search import item_search, make_search

# ---------------------------------------------------------------------------------------------------------
# Routes


def routes() -> list[BaseRoute]:
    prefix = "/api/v2"
    out: list[BaseRoute] = [
        *v2_deal_extras.routes(),  # /deals/installments too must not be read as /deals/{id}
        # Fixed paths first: /deals/archived must not be read as /deals/{id}.
        Route(f"{prefix}/deals/archived", make_list(ENTITIES["deals"], archived=True), methods=["GET"]),
        Route(f"{prefix}/deals/search", make_search("deal"), methods=["GET"]),
        Route(f"{prefix}/deals/products", list_products_of_deals, methods=["GET"]),
        Route(f"{prefix}/persons/search", make_search("person"), methods=["GET"]),
        Route(f"{prefix}/organizations/search", make_search("organization"), methods=["GET"]),
        Route(f"{prefix}/products/search", make_search("product"), methods=["GET"]),
        Route(f"{prefix}/leads/search", make_search("lead"), methods=["GET"]),
        Route(f"{prefix}/itemSearch", item_search, methods=["GET"]),
        Route(f"{prefix}/deals/{{id}}/products", list_deal_products, methods=["GET"]),
        Route(f"{prefix}/deals/{{id}}/products", add_deal_product, methods=["POST"]),
        Route(
            f"{prefix}/deals/{{id}}/products/{{product_attachment_id}}",
            update_deal_product,
            methods=["PATCH"],
        ),
        Route(
            f"{prefix}/deals/{{id}}/products/{{product_attachment_id}}",
            delete_deal_product,
            methods=["DELETE"],
        ),
    ]
    for path, entity in ENTITIES.items():
        archived = False if path == "deals" else None
        out += [
            Route(f"{prefix}/{path}", make_list(entity, archived), methods=["GET"]),
            Route(f"{prefix}/{path}", make_create(entity), methods=["POST"]),
            Route(f"{prefix}/{path}/{{id}}", make_get(entity), methods=["GET"]),
            Route(f"{prefix}/{path}/{{id}}", make_update(entity), methods=["PATCH"]),
            Route(f"{prefix}/{path}/{{id}}", make_delete(entity), methods=["DELETE"]),
        ]
    for path, entity_name in FIELD_ENTITIES.items():
        out += [
            Route(f"{prefix}/{path}", list_fields, methods=["GET"]),
            Route(f"{prefix}/{path}/{{field_code}}", get_field, methods=["GET"]),
        ]
        if entity_name != "activity":  # the v2 document has no writes for activity fields
            out += [
                Route(f"{prefix}/{path}", create_field, methods=["POST"]),
                Route(f"{prefix}/{path}/{{field_code}}", update_field, methods=["PATCH"]),
                Route(f"{prefix}/{path}/{{field_code}}", delete_field, methods=["DELETE"]),
            ]
    out += v2_projects.routes()
    return out
