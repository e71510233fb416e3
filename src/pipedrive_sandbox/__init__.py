"""A local emulator of the Pipedrive API (v2 and v1 endpoints, OAuth server, rate limits, faults, generated data).

Built from Pipedrive's own OpenAPI documents (``openapi/`` beside this file). It knows nothing of the
driver: ``pipedrive_sandbox`` never imports ``pipedrive_sql``.

Modules:
    config      SandboxConfig: every server option (seed, scale, plan, latency, faults, OAuth client...)
    spec        the OpenAPI documents: operations, path templates, token costs, response schemas
    data        deterministic generation of a company's data from a seed (data_* hold its parts)
    store       the in-memory state of one company: records, custom fields, soft deletes, recents
    v2, v1      the API routes (v2 cursor paging; v1 offset paging, under /api/v1 and /v1)
    oauth       the OAuth server (authorize consent page, token, revoke)
    limits      burst and daily rate limits, as Pipedrive's
    faults      reproducible latency and fault injection
    app         the ASGI application: authentication, stats, limits and faults around the routes
    server      Sandbox: run it on a free port in a background thread; the ``serve`` entry point
"""

from __future__ import annotations

from pipedrive_sandbox.config import SandboxConfig

__all__ = ["SandboxConfig"]
