"""Pipedrive's OpenAPI documents: operations, path templates, token costs and response schemas.

The documents are Pipedrive's own (vendored byte-for-byte in ``openapi/``). They are parsed once per
process and indexed by ``(METHOD, full path template)``:

- v2 operations under ``/api/v2`` + the document's path (``/api/v2/deals/{id}``);
- v1 operations under both ``/api/v1`` + path and ``/v1`` + path, as Pipedrive serves them;
- v1 operations Pipedrive removed from its current v1 document (``GET /v1/deals`` ...) come from the
  older v1 document, marked ``deprecated``, so an emulator that still serves them finds their costs;
- the OAuth operations (``/oauth/authorize``, ``/oauth/token``) under their own paths.

Path parameters are matched by position, not by name: ``/api/v2/deals/{deal_id}/products`` finds the
document's ``/deals/{id}/products``, and Starlette convertors (``{id:int}``) are ignored.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
import yaml

OPENAPI_DIR = Path(__file__).parent / "openapi"
DOCUMENTS = {
    "v2": "openapi-v2.yaml",
    "v1": "openapi-v1.yaml",
    "v1-2026-01-14": "openapi-v1-2026-01-14.yaml",
}
HTTP_METHODS = ("get", "post", "put", "patch", "delete")
_PARAM = re.compile(r"\{[^}]*\}")

# Pipedrive's published costs by kind of operation, for a template no document knows.
_FALLBACK_COSTS = {"get_one": 2, "get_list": 20, "write": 10, "delete": 6}


@dataclass(frozen=True)
class Operation:
    method: str  # upper case, e.g. "GET"
    template: str  # full path template, e.g. "/api/v2/deals/{id}"
    document: str  # key of DOCUMENTS
    path: str  # the path as the document spells it, e.g. "/deals/{id}"
    operation_id: str
    token_cost: int
    deprecated: bool
    raw: dict[str, Any] = field(repr=False, compare=False)

    @property
    def key(self) -> str:
        """``"GET /api/v2/deals/{id}"``: how stats and logs name the operation."""
        return f"{self.method} {self.template}"

    def response_schema(self, status: int | str) -> dict[str, Any] | None:
        """The OpenAPI schema of this operation's JSON response for ``status`` (or ``default``)."""
        responses = self.raw.get("responses", {})
        response = responses.get(str(status)) or responses.get("default")
        if not response:
            return None
        content = response.get("content") or {}
        for media_type, body in content.items():
            if "json" in media_type and "schema" in body:
                schema: dict[str, Any] = body["schema"]
                return schema
        return None

    @property
    def oauth_scopes(self) -> tuple[str, ...]:
        """The OAuth scopes of which an access token needs any one (empty: no OAuth requirement)."""
        security = self.raw.get("security") or []
        return tuple(scope for entry in security for scope in entry.get("oauth2", ()))

    def response_statuses(self) -> list[str]:
        return list(self.raw.get("responses", {}))


@functools.cache
def document(name: str) -> dict[str, Any]:
    """One OpenAPI document, parsed once per process.

    Parsing the YAML takes one to three seconds per document even with the C loader (the v1 file is
    37k lines), which every process that starts a sandbox would pay. The parsed document is therefore
    kept in the user's cache directory as ``marshal`` data (plain dicts, lists, strings and numbers; it
    loads in a few milliseconds), under a name made of the YAML's hash and the Python version.
    """
    raw = (OPENAPI_DIR / DOCUMENTS[name]).read_bytes()
    cached = _cache_file(name, raw)
    try:
        loaded = marshal.loads(cached.read_bytes())
        if isinstance(loaded, dict) and "paths" in loaded:
            return loaded
    except (OSError, EOFError, ValueError, TypeError):
        pass
    loaded = yaml.load(raw, Loader=yaml.CSafeLoader)
    _write_cache(cached, loaded)
    return loaded


def _cache_file(name: str, raw: bytes) -> Path:
    digest = hashlib.sha256(raw).hexdigest()[:20]
    version = f"py{sys.version_info[0]}{sys.version_info[1]}-m{marshal.version}"
    return (
        Path(platformdirs.user_cache_dir("pipedrive-sandbox")) / f"openapi-{name}-{digest}-{version}.marshal"
    )


def _write_cache(path: Path, loaded: dict[str, Any]) -> None:
    """Best effort: a read-only or missing cache directory only costs the next process the parse."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        temporary.write_bytes(marshal.dumps(loaded))
        os.replace(temporary, path)  # atomic: a concurrent reader sees the old file or the whole new one
    except (OSError, ValueError):
        pass


def skeleton(template: str) -> str:
    """The template with every path parameter blanked, so names and convertors do not matter."""
    return _PARAM.sub("{}", template)


def _operations_of(name: str, prefixes: tuple[str, ...], deprecated: bool) -> Iterator[Operation]:
    for path, item in document(name).get("paths", {}).items():
        for method in HTTP_METHODS:
            op = item.get(method)
            if op is None:
                continue
            # OAuth operations live on oauth.pipedrive.com, not under the API prefix.
            on_oauth_server = path.startswith("/oauth/")
            for prefix in ("",) if on_oauth_server else prefixes:
                yield Operation(
                    method=method.upper(),
                    template=prefix + path,
                    document=name,
                    path=path,
                    operation_id=op.get("operationId", ""),
                    token_cost=int(op.get("x-token-cost", 0)),
                    deprecated=deprecated or bool(op.get("deprecated", False)),
                    raw=op,
                )


@functools.cache
def _index(name: str) -> dict[tuple[str, str], Operation]:
    prefixes = ("/api/v2",) if name == "v2" else ("/api/v1", "/v1")
    deprecated = name == "v1-2026-01-14"
    return {(op.method, skeleton(op.template)): op for op in _operations_of(name, prefixes, deprecated)}


def _documents_for(template: str) -> tuple[str, ...]:
    if template.startswith("/api/v2/"):
        return ("v2",)
    # The older v1 document is only consulted for what the current one no longer has.
    return ("v1", "v1-2026-01-14")


def operation(method: str, template: str) -> Operation | None:
    """The documented operation for ``METHOD template`` (full path), or None."""
    key = (method.upper(), skeleton(template))
    for name in _documents_for(template):
        found = _index(name).get(key)
        if found is not None:
            return found
    return None


def operations(include_deprecated: bool = False) -> list[Operation]:
    """Every documented operation with its full template (v2, then v1 under both prefixes)."""
    found = list(_index("v2").values()) + list(_index("v1").values())
    if include_deprecated:
        current = {(op.method, skeleton(op.template)) for op in found}
        found += [op for k, op in _index("v1-2026-01-14").items() if k not in current]
    return found


def token_cost(method: str, template: str) -> int:
    """What Pipedrive charges for one call (``x-token-cost``); its published defaults when undocumented."""
    op = operation(method, template)
    if op is not None:
        return op.token_cost
    method = method.upper()
    if method == "GET":
        return _FALLBACK_COSTS["get_one" if template.endswith("}") else "get_list"]
    if method == "DELETE":
        return _FALLBACK_COSTS["delete"]
    return _FALLBACK_COSTS["write"]


def response_schema(method: str, template: str, status: int | str = 200) -> dict[str, Any] | None:
    """The OpenAPI (3.0) schema of the JSON response, or None when undocumented."""
    op = operation(method, template)
    return op.response_schema(status) if op is not None else None


def json_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """An OpenAPI 3.0 schema as JSON Schema: ``nullable: true`` becomes an explicit ``null`` alternative.

    jsonschema ignores the other OpenAPI-only keywords (``example``, ``x-*``), so only ``nullable``
    changes meaning.
    """
    return _convert(schema)


def _convert(node: Any) -> Any:
    if isinstance(node, list):
        return [_convert(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _convert(value) for key, value in node.items() if key != "nullable"}
    if not node.get("nullable"):
        return converted
    if isinstance(converted.get("type"), str):
        converted["type"] = [converted["type"], "null"]
        if "enum" in converted and None not in converted["enum"]:
            converted["enum"] = [*converted["enum"], None]
        return converted
    return {"anyOf": [converted, {"type": "null"}]}


def oauth_scopes() -> dict[str, str]:
    """Pipedrive's OAuth scopes and what each grants (from the v2 document's security scheme)."""
    schemes = document("v2").get("components", {}).get("securitySchemes", {})
    flows = schemes.get("oauth2", {}).get("flows", {})
    scopes: dict[str, str] = flows.get("authorizationCode", {}).get("scopes", {})
    return scopes
