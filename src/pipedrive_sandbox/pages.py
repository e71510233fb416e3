"""HTML pages the sandbox serves (``templates/``): the OAuth consent page, Cloudflare's block and 5xx pages.

``string.Template`` rather than a template engine: the pages have a handful of ``$placeholders`` and the
sandbox should not need Jinja. Every value is HTML-escaped unless passed in ``raw``.
"""

from __future__ import annotations

import functools
import html
import secrets
from datetime import UTC, datetime
from pathlib import Path
from string import Template

from starlette.responses import HTMLResponse

TEMPLATES_DIR = Path(__file__).parent / "templates"


@functools.cache
def _template(name: str) -> Template:
    return Template((TEMPLATES_DIR / name).read_text(encoding="utf-8"))


def render(name: str, raw: dict[str, str] | None = None, **values: object) -> str:
    """The template ``name`` with escaped ``values`` and already-safe ``raw`` markup substituted."""
    mapping = {key: html.escape(str(value)) for key, value in values.items()}
    mapping.update(raw or {})
    return _template(name).substitute(mapping)


def page(
    name: str, status: int = 200, headers: dict[str, str] | None = None, **values: object
) -> HTMLResponse:
    return HTMLResponse(render(name, None, **values), status_code=status, headers=headers)


def ray_id() -> str:
    """A Cloudflare-like Ray ID (16 hex digits and a colo code)."""
    return f"{secrets.token_hex(8)}-TLL"


def utc_stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def cloudflare_blocked(host: str, client_ip: str) -> HTMLResponse:
    """The 403 page Pipedrive's Cloudflare serves to API-token clients that ignore 429s."""
    return page(
        "cloudflare_blocked.html",
        status=403,
        headers={"cf-ray": ray_id(), "server": "cloudflare"},
        host=host,
        client_ip=client_ip,
        ray_id=ray_id(),
        timestamp=utc_stamp(),
    )


def cloudflare_5xx(status: int, reason: str, host: str) -> HTMLResponse:
    """Cloudflare's error page for an origin that failed (502 Bad Gateway and friends)."""
    return page(
        "cloudflare_5xx.html",
        status=status,
        headers={"cf-ray": ray_id(), "server": "cloudflare"},
        host=host,
        code=status,
        reason=reason,
        ray_id=ray_id(),
        timestamp=utc_stamp(),
    )
