"""Conformance of the sandbox to Pipedrive's OpenAPI documents: schemas, route matching, probes.

This module deliberately does not use ``pipedrive_sandbox.spec``: the sandbox and the check that guards
it read the documents independently, so one misreading cannot hide in both (DESIGN.md).

Pieces, in the order a conformance run uses them:

- ``SpecIndex``: the three vendored documents (v2, current v1, the older v1 that still documents the
  endpoints Pipedrive removed in 2026), each operation under its canonical URL template
  (``/api/v2/deals/{id}``, ``/api/v1/leads``, ``/oauth/token``), with ``Allowance`` patches applied
  and the ``NullInPractice`` fields made nullable.
- ``to_json_schema``: an OpenAPI 3.0 schema object as a Draft 4 JSON Schema (``nullable`` becomes a
  ``null`` alternative, ``$ref`` to ``components`` becomes ``definitions``, OpenAPI-only keywords go).
- ``check_response``: one response (status, content type, body) against what the document says of
  that operation and status; for an error status the document does not describe, against Pipedrive's
  error envelope.
- ``app_routes`` / ``implemented_operations``: which documented operations the sandbox app serves.
- ``Prober``: realistic requests for one operation (a success case on ids that exist, and error cases:
  no token, unknown id, bad input), each checked with ``check_response``.
"""

from __future__ import annotations

import base64
import copy
import fnmatch
import functools
import hashlib
import json
import os
import re
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import yaml

import pipedrive_sandbox

OPENAPI_DIR = Path(pipedrive_sandbox.__file__).parent / "openapi"


@dataclass(frozen=True)
class Document:
    name: str
    filename: str
    prefixes: tuple[str, ...]  # URL prefixes the sandbox serves it under; the first is canonical
    legacy: bool = False  # only consulted for operations the current documents no longer have


DOCUMENTS = (
    Document("v2", "openapi-v2.yaml", ("/api/v2",)),
    Document("v1", "openapi-v1.yaml", ("/api/v1", "/v1")),
    Document("v1-2026-01-14", "openapi-v1-2026-01-14.yaml", ("/api/v1", "/v1"), legacy=True),
)
HTTP_METHODS = ("get", "post", "put", "patch", "delete")
JSON = "application/json"
_PARAM = re.compile(r"\{([^}:]*)(?::[^}]*)?\}")


def skeleton(template: str) -> str:
    """``/deals/{id:int}/products`` -> ``/deals/{}/products``: parameters match by position only."""
    return _PARAM.sub("{}", template)


def path_params(template: str) -> list[str]:
    return _PARAM.findall(template)


def template_matches(template: str, path: str) -> bool:
    """Whether ``path`` (concrete, or itself a template) is an instance of ``template``."""
    pattern = "[^/]+".join(re.escape(part) for part in skeleton(template).split("{}"))
    return re.fullmatch(pattern, path) is not None


# --------------------------------------------------------------------------------------------------
# Allowances: documented, reasoned patches to self-contradictory schemas
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Allowance:
    """A patch to one of Pipedrive's documents, where the document contradicts itself.

    ``operation`` is ``"METHOD /path"`` as the document spells the path (``"GET /deals/{id}"``) and
    ``pointer`` a JSON pointer inside that operation's ``status`` response schema; or ``operation`` is
    None and ``pointer`` is absolute in the document (``/components/schemas/...``). ``replace`` is the
    schema to put there (merged into the existing node when ``merge`` is true). ``reason`` says why
    the document is wrong, in a sentence a reviewer can check against the document itself.
    """

    document: str
    operation: str | None
    status: str
    pointer: str
    replace: Any
    reason: str
    merge: bool = False

    @property
    def label(self) -> str:
        where = f"{self.operation} {self.status}" if self.operation else ""
        return f"{self.document} {where} {self.pointer}".replace("  ", " ")


@dataclass(frozen=True)
class FormatAllowance:
    """A document-wide rewrite of one ``format``: where a document's own examples contradict the
    format it declares everywhere, every schema with that format gets ``replace`` instead."""

    document: str
    format: str
    replace: dict[str, Any]
    reason: str

    @property
    def label(self) -> str:
        return f"{self.document} format: {self.format}"


@dataclass(frozen=True)
class PropertyAllowance:
    """A change to every response-schema property called ``name`` (under a property called
    ``parent`` when given) of the operations whose document path matches one of ``paths`` (fnmatch
    patterns; all operations when empty): for a contradiction the document repeats in many places."""

    document: str
    name: str
    change: dict[str, Any]
    reason: str
    paths: tuple[str, ...] = ()
    parent: str | None = None
    replace: bool = False  # the property's schema becomes ``change`` (instead of ``change`` merged in)

    @property
    def label(self) -> str:
        where = f" in {', '.join(self.paths)}" if self.paths else ""
        under = f"{self.parent}." if self.parent else ""
        return f"{self.document} {under}{self.name}{where}"


AnyAllowance = Allowance | FormatAllowance | PropertyAllowance


def _change_property(node: Any, allowance: PropertyAllowance, under: str | None = None) -> int:
    count = 0
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict):
            target = properties.get(allowance.name)
            if isinstance(target, dict) and (allowance.parent is None or allowance.parent == under):
                if allowance.replace:
                    target.clear()
                target.update(copy.deepcopy(allowance.change))
                count += 1
            for name, sub in properties.items():
                count += _change_property(sub, allowance, name)
        for key, value in node.items():
            if key != "properties":
                count += _change_property(
                    value, allowance, under if key in _SUBSCHEMA_LISTS or key == "items" else None
                )
    elif isinstance(node, list):
        for value in node:
            count += _change_property(value, allowance, under)
    return count


def _apply_property_allowance(doc: dict[str, Any], allowance: PropertyAllowance) -> int:
    count = 0
    for path, item in doc.get("paths", {}).items():
        if allowance.paths and not any(fnmatch.fnmatchcase(path, p) for p in allowance.paths):
            continue
        for method in HTTP_METHODS:
            for response in item.get(method, {}).get("responses", {}).values():
                for media in (response.get("content") or {}).values():
                    if "schema" in media:
                        count += _change_property(media["schema"], allowance)
    return count


def _rewrite_format(node: Any, allowance: FormatAllowance) -> int:
    count = 0
    if isinstance(node, dict):
        if node.get("format") == allowance.format:
            del node["format"]
            node.update(copy.deepcopy(allowance.replace))
            count += 1
        for value in node.values():
            count += _rewrite_format(value, allowance)
    elif isinstance(node, list):
        for value in node:
            count += _rewrite_format(value, allowance)
    return count


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _response_schema_pointer(doc: Mapping[str, Any], allowance: Allowance) -> list[str]:
    if allowance.operation is None:
        return [_unescape(t) for t in allowance.pointer.split("/")[1:]]
    method, path = allowance.operation.split(" ", 1)
    op = doc["paths"][path][method.lower()]
    content = op["responses"][allowance.status]["content"]
    media = JSON if JSON in content else next(iter(content))
    base = ["paths", path, method.lower(), "responses", allowance.status, "content", media, "schema"]
    rest = [_unescape(t) for t in allowance.pointer.split("/")[1:]] if allowance.pointer else []
    return base + rest


def apply_allowances(doc: dict[str, Any], name: str, allowances: Iterable[AnyAllowance]) -> dict[str, Any]:
    """``doc`` with every allowance for document ``name`` applied (a copy when there are any).

    Raises if an allowance no longer points at anything: a stale entry must be noticed and removed,
    not linger as a silent exemption.
    """
    mine = [a for a in allowances if a.document == name]
    if not mine:
        return doc
    patched = copy.deepcopy(doc)
    for allowance in mine:
        if isinstance(allowance, FormatAllowance):
            if not _rewrite_format(patched.get("paths", {}), allowance):
                raise KeyError(f"stale allowance, {allowance.label}: the document has no such format")
            continue
        if isinstance(allowance, PropertyAllowance):
            if not _apply_property_allowance(patched, allowance):
                raise KeyError(f"stale allowance, {allowance.label}: no response schema has that property")
            continue
        tokens = _response_schema_pointer(patched, allowance)
        parent: Any = patched
        for token in tokens[:-1]:
            parent = parent[int(token)] if isinstance(parent, list) else parent[token]
        last = tokens[-1]
        if isinstance(parent, list):
            index = int(last)
            if allowance.merge:
                parent[index] = {**parent[index], **allowance.replace}
            else:
                parent[index] = copy.deepcopy(allowance.replace)
            continue
        if last not in parent:
            raise KeyError(f"stale allowance, {allowance.label} points at nothing")
        if allowance.merge:
            parent[last] = {**parent[last], **copy.deepcopy(allowance.replace)}
        else:
            parent[last] = copy.deepcopy(allowance.replace)
    return patched


# --------------------------------------------------------------------------------------------------
# Null in practice: optional properties the live API answers as null, where the documents omit `nullable`
# --------------------------------------------------------------------------------------------------

# On each property a ``NullInPractice`` entry made nullable (kept through ``to_json_schema``): which
# entry and field, "<entry label>: <field>", so that a validator can tell which entries admitted a null.
NULL_MARK = "x-null-in-practice"
_TAGGED = re.compile(r"(?P<name>[^\[\]]+)(?:\[(?P<tag>[^=\[\]]+)=(?P<value>[^\[\]]+)\])?")


@dataclass(frozen=True)
class NullInPractice:
    """Properties that may be null in the success responses of some operations of one document, though
    the document does not mark them ``nullable``: Pipedrive answers null for an optional value that is
    not set (an open deal's ``won_time``, a deal without ``person_id``), and a driver must cope with that.

    Exactly the listed properties, in exactly those places, become ``nullable``; a null anywhere else
    still fails. ``operations`` are ``"METHOD /path"`` as the document spells the path; ``under`` is
    where the record sits in their response bodies: property names joined by dots, arrays left out
    (``data`` is the record of ``data: {...}`` and of ``data: [{...}]``; ``data.items.item`` a search
    result's), and a name may pick, among ``anyOf`` alternatives, those whose property ``tag`` is
    ``value`` (``data.data[item=stage]``: the ``data`` of the alternatives whose ``item`` is
    ``stage``). ``fields`` are the record's properties, dotted when nested (``address.sublocality``).
    Every operation must have every field (a stale or mistyped entry raises), no field may already be
    nullable there, and ``reason`` says in one line why the null is real.
    """

    document: str
    operations: tuple[str, ...]
    under: str
    fields: frozenset[str]
    reason: str

    @property
    def key(self) -> tuple[str, tuple[str, ...], str]:
        return self.document, self.operations, self.under

    @property
    def label(self) -> str:
        return f"{self.document} {', '.join(self.operations)} @{self.under}"

    def mark(self, name: str) -> str:
        return f"{self.label}: {name}"

    def marks(self) -> set[str]:
        return {self.mark(name) for name in self.fields}


def _object_schemas(node: Any) -> Iterator[dict[str, Any]]:
    """The object schemas ``node`` stands for: itself, its array items, its ``allOf``/``anyOf``/``oneOf``
    parts, recursively."""
    if not isinstance(node, dict):
        return
    if isinstance(node.get("properties"), dict):
        yield node
    yield from _object_schemas(node.get("items"))
    for key in _SUBSCHEMA_LISTS:
        for part in node.get(key, []):
            yield from _object_schemas(part)


def property_schemas(node: Any, dotted: str) -> list[dict[str, Any]]:
    """The schemas of the properties at ``dotted`` (``NullInPractice.under`` syntax) below ``node``."""
    found: list[Any] = [node]
    for segment in dotted.split("."):
        match = _TAGGED.fullmatch(segment)
        if match is None:
            raise ValueError(f"bad property path {dotted!r}")
        name, tag, value = match.group("name", "tag", "value")
        below: dict[int, dict[str, Any]] = {}
        for schema in found:
            for obj in _object_schemas(schema):
                properties = obj["properties"]
                if tag is not None and value not in (properties.get(tag) or {}).get("enum", ()):
                    continue
                if isinstance(properties.get(name), dict):
                    below.setdefault(id(properties[name]), properties[name])
        found = list(below.values())
    return found


def _success_schemas(doc: Mapping[str, Any], operation: str) -> list[dict[str, Any]]:
    method, path = operation.split(" ", 1)
    op = doc.get("paths", {}).get(path, {}).get(method.lower())
    if op is None:
        raise KeyError(f"stale null-in-practice entry: the document has no {operation}")
    schemas = []
    for status, response in op.get("responses", {}).items():
        schema = ((response.get("content") or {}).get(JSON) or {}).get("schema")
        if str(status).startswith("2") and isinstance(schema, dict):
            schemas.append(schema)
    return schemas


def _make_nullable(node: dict[str, Any], mark: str) -> None:
    if "$ref" in node:  # OpenAPI 3.0 ignores a $ref's siblings: wrap it
        node["allOf"] = [{"$ref": node.pop("$ref")}]
    node["nullable"] = True
    node[NULL_MARK] = mark


def apply_null_in_practice(
    doc: dict[str, Any], name: str, entries: Iterable[NullInPractice]
) -> dict[str, Any]:
    """``doc`` with the fields of every entry for document ``name`` made nullable (a copy when there are
    any). Raises on an entry that names an operation, a record or a field the document does not have
    there, or a field it already marks nullable: a stale entry must be noticed and removed."""
    mine = [entry for entry in entries if entry.document == name]
    if not mine:
        return doc
    patched = copy.deepcopy(doc)
    for entry in mine:
        if not entry.fields or not entry.operations:
            raise ValueError(f"null-in-practice entry {entry.label} names no fields or no operations")
        for operation in entry.operations:
            records = [
                r for s in _success_schemas(patched, operation) for r in property_schemas(s, entry.under)
            ]
            if not records:
                raise KeyError(
                    f"stale null-in-practice entry {entry.label}: {operation} has no {entry.under}"
                )
            for field_name in sorted(entry.fields):
                targets = [t for record in records for t in property_schemas(record, field_name)]
                if not targets:
                    raise KeyError(
                        f"stale null-in-practice entry, {operation} has no {entry.under}.{field_name}"
                    )
                if all(t.get("nullable") is True for t in targets):
                    where = f"{operation} {entry.under}.{field_name}"
                    raise ValueError(f"needless null-in-practice entry: {where} is nullable already")
                for target in targets:
                    if target.get("nullable") is not True:
                        _make_nullable(target, entry.mark(field_name))
    return patched


class NullUses:
    """The ``NULL_MARK`` values of the properties at which validated responses held a null: which
    ``NullInPractice`` fields the responses needed. Within ``anyOf``/``oneOf``, only the alternative
    that matched counts (an alternative tried and rejected says nothing about the response)."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self._trials: list[set[str]] = []

    def add(self, mark: str) -> None:
        (self._trials[-1] if self._trials else self.seen).add(mark)

    def begin_trial(self) -> None:
        self._trials.append(set())

    def end_trial(self, keep: bool) -> None:
        marks = self._trials.pop()
        if keep:
            for mark in marks:
                self.add(mark)


def recording_validator_class(uses: NullUses) -> Any:
    """Draft 4 validation that also notes, in ``uses``, each marked property that held a null."""

    def null_mark(
        validator: Any, mark: str, instance: Any, schema: Any
    ) -> Iterator[jsonschema.ValidationError]:
        if instance is None:
            uses.add(mark)
        return iter(())

    def trial(validator: Any, instance: Any, subschema: Any, index: int) -> list[jsonschema.ValidationError]:
        uses.begin_trial()
        errors: list[jsonschema.ValidationError] = []
        try:
            errors = list(validator.descend(instance, subschema, schema_path=index))
        finally:
            uses.end_trial(keep=not errors)
        return errors

    def any_of(
        validator: Any, alternatives: Any, instance: Any, schema: Any
    ) -> Iterator[jsonschema.ValidationError]:
        all_errors: list[jsonschema.ValidationError] = []
        for index, subschema in enumerate(alternatives):
            errors = trial(validator, instance, subschema, index)
            if not errors:
                return
            all_errors.extend(errors)
        yield jsonschema.ValidationError(
            f"{instance!r} is not valid under any of the given schemas", context=all_errors
        )

    def one_of(
        validator: Any, alternatives: Any, instance: Any, schema: Any
    ) -> Iterator[jsonschema.ValidationError]:
        all_errors: list[jsonschema.ValidationError] = []
        valid: list[Any] = []
        for index, subschema in enumerate(alternatives):
            if valid:
                uses.begin_trial()
                try:
                    if validator.evolve(schema=subschema).is_valid(instance):
                        valid.append(subschema)
                finally:
                    uses.end_trial(keep=False)
                continue
            errors = trial(validator, instance, subschema, index)
            if errors:
                all_errors.extend(errors)
            else:
                valid.append(subschema)
        if not valid:
            yield jsonschema.ValidationError(
                f"{instance!r} is not valid under any of the given schemas", context=all_errors
            )
        elif len(valid) > 1:
            yield jsonschema.ValidationError(
                f"{instance!r} is valid under each of {', '.join(map(repr, valid))}"
            )

    def not_(
        validator: Any, negated: Any, instance: Any, schema: Any
    ) -> Iterator[jsonschema.ValidationError]:
        uses.begin_trial()
        try:
            matched = validator.evolve(schema=negated).is_valid(instance)
        finally:
            uses.end_trial(keep=False)
        if matched:
            yield jsonschema.ValidationError(f"{instance!r} should not be valid under {negated!r}")

    return jsonschema.validators.extend(
        jsonschema.Draft4Validator, {NULL_MARK: null_mark, "anyOf": any_of, "oneOf": one_of, "not": not_}
    )


# --------------------------------------------------------------------------------------------------
# OpenAPI 3.0 schema -> JSON Schema (Draft 4)
# --------------------------------------------------------------------------------------------------

_SUBSCHEMA = ("items", "not", "additionalProperties")
_SUBSCHEMA_LISTS = ("allOf", "oneOf", "anyOf")
_SUBSCHEMA_MAPS = ("properties", "patternProperties")
# Validation keywords OpenAPI 3.0 shares with JSON Schema Draft 4 (its "Wright draft 00" subset).
_KEEP = frozenset(
    {
        "type",
        "enum",
        "required",
        "format",
        "pattern",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "uniqueItems",
        "multipleOf",
        "minProperties",
        "maxProperties",
    }
)
_COMPONENT_REF = "#/components/schemas/"


def to_json_schema(node: Any) -> Any:
    """One OpenAPI 3.0 schema object as Draft 4 JSON Schema.

    ``nullable: true`` admits null (as a type, an enum member, or an ``anyOf`` alternative when the
    node has no ``type``); ``$ref`` into ``components/schemas`` points at ``definitions``; annotations
    (``example``, ``description``, ``x-*``, ``readOnly``...) are dropped, but for ``NULL_MARK`` (which
    validation ignores, and a recording validator reads). ``format`` is kept and, as in JSON Schema,
    not asserted: v1 answers timestamps as ``2024-01-31 10:00:00`` where the document says
    ``date-time``, and Pipedrive itself does so.
    """
    if isinstance(node, bool) or not isinstance(node, dict):
        return node
    if "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith(_COMPONENT_REF):
            raise ValueError(f"unsupported $ref {ref!r}")
        converted: dict[str, Any] = {"$ref": "#/definitions/" + ref[len(_COMPONENT_REF) :]}
        return converted
    converted = {}
    for key, value in node.items():
        if key in _SUBSCHEMA:
            converted[key] = to_json_schema(value)
        elif key in _SUBSCHEMA_LISTS:
            converted[key] = [to_json_schema(item) for item in value]
        elif key in _SUBSCHEMA_MAPS:
            converted[key] = {name: to_json_schema(sub) for name, sub in value.items()}
        elif key == "required" and not isinstance(value, list):
            # A Swagger-2-style ``required: true`` on a property; it constrains nothing in 3.0.
            continue
        elif key in _KEEP:
            converted[key] = copy.deepcopy(value)
    if node.get("nullable") is True:
        kind = converted.get("type")
        if isinstance(kind, str):
            converted["type"] = [kind, "null"]
            if "enum" in converted and None not in converted["enum"]:
                converted["enum"] = [*converted["enum"], None]
        elif kind is None:
            converted = {"anyOf": [converted, {"type": "null"}]}
    if NULL_MARK in node:
        converted[NULL_MARK] = node[NULL_MARK]
    return converted


def definitions_of(doc: Mapping[str, Any]) -> dict[str, Any]:
    schemas = doc.get("components", {}).get("schemas", {})
    return {name: to_json_schema(schema) for name, schema in schemas.items()}


# The formats Pipedrive's response schemas use, asserted (jsonschema alone would only annotate them;
# schemathesis asserts them too). An unknown format is not checked.
FORMATS = jsonschema.FormatChecker(formats=())
_DATE_TIME = re.compile(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


@FORMATS.checks("date-time")
def _is_date_time(value: object) -> bool:
    """RFC 3339 (``2024-01-31T10:00:00Z``), a real date and time."""
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return False
    return True


@FORMATS.checks("date")
def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        return len(value) == 10 and bool(date.fromisoformat(value))
    except ValueError:
        return False


@FORMATS.checks("uuid")
def _is_uuid(value: object) -> bool:
    return not isinstance(value, str) or _UUID.fullmatch(value) is not None


# Pipedrive's error body (DESIGN.md): what an error status the document does not describe must carry.
ERROR_ENVELOPE: dict[str, Any] = {
    "type": "object",
    "required": ["success", "error", "data", "additional_data"],
    "properties": {
        "success": {"enum": [False]},
        "error": {"type": "string"},
        "error_info": {"type": "string"},
        "data": {"type": "null"},
        "additional_data": {"type": "null"},
    },
}


# --------------------------------------------------------------------------------------------------
# The documents, indexed
# --------------------------------------------------------------------------------------------------


CACHE_DIR = Path(tempfile.gettempdir()) / "pipedrive-sql-openapi-cache"


@functools.cache
def load_document(filename: str) -> dict[str, Any]:
    """A vendored document, parsed. Parsing the YAML takes seconds (the v1 file has 37k lines), so the
    result is kept as JSON in a temporary directory, keyed by the file's hash."""
    raw = (OPENAPI_DIR / filename).read_bytes()
    cached = CACHE_DIR / f"{filename}.{hashlib.sha256(raw).hexdigest()[:20]}.json"
    try:
        loaded: dict[str, Any] = json.loads(cached.read_bytes())
        return loaded
    except (OSError, ValueError):
        pass
    loaded = yaml.load(raw, Loader=yaml.CSafeLoader)
    try:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(loaded))
        os.replace(partial, cached)  # atomic: parallel workers never read half a file
    except (OSError, TypeError, ValueError):
        pass  # no cache (or a value JSON cannot hold): only slower
    return loaded


@dataclass(frozen=True)
class SpecOperation:
    document: str
    method: str  # upper case
    path: str  # as the document spells it: "/deals/{id}"
    prefixes: tuple[str, ...]  # "" for operations on their own server (OAuth)
    raw: dict[str, Any] = field(repr=False, compare=False, hash=False)
    path_item: dict[str, Any] = field(repr=False, compare=False, hash=False)

    @property
    def template(self) -> str:
        """The canonical full URL template: ``/api/v2/deals/{id}``, ``/api/v1/leads``, ``/oauth/token``."""
        return self.prefixes[0] + self.path

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"

    @property
    def spec_key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def deprecated(self) -> bool:
        return bool(self.raw.get("deprecated"))

    @property
    def own_server(self) -> bool:
        return self.prefixes == ("",)

    def parameters(self) -> list[dict[str, Any]]:
        """Path-item and operation parameters, the operation's winning on (name, in)."""
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for param in [*self.path_item.get("parameters", []), *self.raw.get("parameters", [])]:
            merged[(param["name"], param["in"])] = param
        return list(merged.values())

    def query_parameters(self) -> dict[str, dict[str, Any]]:
        return {p["name"]: p for p in self.parameters() if p["in"] == "query"}

    def documented_statuses(self) -> list[str]:
        return [str(s) for s in self.raw.get("responses", {})]

    def success_statuses(self) -> list[int]:
        return sorted(int(s) for s in self.documented_statuses() if s.isdigit() and 200 <= int(s) < 400)

    def request_body(self) -> tuple[str, dict[str, Any]] | None:
        """The request body's media type and schema (JSON preferred), or None."""
        body = self.raw.get("requestBody")
        if not body:
            return None
        content = body.get("content", {})
        for media in (JSON, "application/x-www-form-urlencoded", "multipart/form-data"):
            if media in content:
                return media, content[media].get("schema", {})
        media = next(iter(content))
        return media, content[media].get("schema", {})


class SpecIndex:
    """The documents' operations by canonical key and by (METHOD, skeleton of full path), with the
    allowances and then the ``NullInPractice`` entries applied. ``null_uses`` collects which entries'
    fields the responses checked so far held a null in."""

    def __init__(
        self, allowances: Iterable[AnyAllowance] = (), null_in_practice: Iterable[NullInPractice] = ()
    ) -> None:
        self.allowances = tuple(allowances)
        self.null_in_practice = tuple(null_in_practice)
        self.null_uses = NullUses()
        self._validator_class = recording_validator_class(self.null_uses)
        self.docs: dict[str, dict[str, Any]] = {}
        self.definitions: dict[str, dict[str, Any]] = {}
        self.operations: dict[str, SpecOperation] = {}
        self._by_skeleton: dict[tuple[str, str], list[SpecOperation]] = {}
        for document in DOCUMENTS:
            doc = apply_allowances(load_document(document.filename), document.name, self.allowances)
            doc = apply_null_in_practice(doc, document.name, self.null_in_practice)
            self.docs[document.name] = doc
            self.definitions[document.name] = definitions_of(doc)
            for path, item in doc.get("paths", {}).items():
                for method in HTTP_METHODS:
                    raw = item.get(method)
                    if raw is None:
                        continue
                    servers = raw.get("servers") or item.get("servers")
                    prefixes = ("",) if servers else document.prefixes
                    op = SpecOperation(document.name, method.upper(), path, prefixes, raw, item)
                    for prefix in prefixes:
                        found = self._by_skeleton.setdefault((op.method, skeleton(prefix + path)), [])
                        found.append(op)
                    if not document.legacy or op.key not in self.operations:
                        self.operations.setdefault(op.key, op)
        self._validators: dict[tuple[str, str, str], jsonschema.protocols.Validator] = {}

    def match(self, method: str, template: str) -> SpecOperation | None:
        """The documented operation a served ``METHOD template`` is; current documents first."""
        found = self._by_skeleton.get((method.upper(), skeleton(template)), [])
        current = [op for op in found if op.document != "v1-2026-01-14"]
        candidates = current or found
        return candidates[0] if candidates else None

    def response_content(self, op: SpecOperation, status: int) -> dict[str, Any] | None:
        """The documented ``content`` for ``status`` (exact, then ``4XX``-style, then ``default``)."""
        responses = op.raw.get("responses", {})
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in responses:
                content: dict[str, Any] = responses[key].get("content") or {}
                return content
        return None

    def validator(self, op: SpecOperation, status: str, media: str) -> jsonschema.protocols.Validator:
        cache_key = (op.key, status, media)
        if cache_key not in self._validators:
            schema = op.raw["responses"][status]["content"][media]["schema"]
            converted = to_json_schema(schema)
            if not isinstance(converted, dict):
                converted = {}
            converted = {**converted, "definitions": self.definitions[op.document]}
            self._validators[cache_key] = self._validator_class(converted, format_checker=FORMATS)
        return self._validators[cache_key]


ENVELOPE_VALIDATOR = jsonschema.Draft4Validator(ERROR_ENVELOPE)


# --------------------------------------------------------------------------------------------------
# Checking one response
# --------------------------------------------------------------------------------------------------


def _where(error: jsonschema.ValidationError) -> str:
    return "body" + "".join(f"[{p!r}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)


def _discriminator_mismatch(error: jsonschema.ValidationError) -> bool:
    """An alternative rejected for its tag (``item: {enum: [activity]}``), not for its content."""
    return error.validator == "enum" and len(error.validator_value) == 1 and len(error.relative_path) == 1


def _closest_alternative(
    errors: Iterable[jsonschema.ValidationError],
) -> tuple[int, list[jsonschema.ValidationError]]:
    """The ``anyOf``/``oneOf`` alternative the instance meant (its tag matches), else the one with the
    fewest errors: its index and its errors."""
    by_alternative: dict[int, list[jsonschema.ValidationError]] = {}
    for error in errors:
        by_alternative.setdefault(int(error.relative_schema_path[0]), []).append(error)
    ranked = sorted(
        by_alternative.items(),
        key=lambda item: (any(_discriminator_mismatch(e) for e in item[1]), len(item[1]), item[0]),
    )
    return ranked[0]


def _describe(error: jsonschema.ValidationError) -> str:
    if error.context and error.validator in ("anyOf", "oneOf"):
        index, inner = _closest_alternative(error.context)
        details = "; ".join(f"{_where(e)}: {e.message[:160]}" for e in inner[:4])
        more = f"; ... {len(inner) - 4} more" if len(inner) > 4 else ""
        return f"{_where(error)} matches no {error.validator} alternative; closest ({error.validator}[{index}]): {details}{more}"
    message = error.message if len(error.message) <= 240 else error.message[:240] + "..."
    return f"{_where(error)}: {message}"


def schema_errors(validator: jsonschema.protocols.Validator, body: Any, limit: int = 8) -> list[str]:
    errors = sorted(validator.iter_errors(body), key=lambda e: [str(p) for p in e.absolute_path])
    described = [_describe(e) for e in errors[:limit]]
    if len(errors) > limit:
        described.append(f"... and {len(errors) - limit} more")
    return described


def _media(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def check_response(
    index: SpecIndex,
    op: SpecOperation,
    status: int,
    content_type: str | None,
    body: bytes,
    *,
    expected: Iterable[int] | None = None,
) -> list[str]:
    """Everything wrong with one response of ``op``; empty when it conforms.

    ``expected``: the statuses the request should get (None: any documented success status).
    """
    problems: list[str] = []
    if status >= 500:
        problems.append(f"server error {status}: {body[:300]!r}")
        return problems
    wanted = sorted(expected) if expected is not None else op.success_statuses()
    if wanted and status not in wanted:
        problems.append(f"status {status}, expected {' or '.join(map(str, wanted))}")
    content = index.response_content(op, status)
    media = _media(content_type)
    if content is None:
        if status < 400:
            problems.append(f"status {status} is not documented (documented: {op.documented_statuses()})")
            return problems
        if op.own_server:
            # The OAuth documents describe no error bodies; RFC 6749 errors are checked by the OAuth tests.
            return problems
        return problems + _check_json(ENVELOPE_VALIDATOR, media, body, "error envelope")
    if not content:
        return problems
    if JSON in content and "schema" in content[JSON]:
        return problems + _check_json(
            index.validator(op, _status_key(op, status), JSON), media, body, "schema"
        )
    if media not in content and not any(m.endswith("/*") and media.startswith(m[:-1]) for m in content):
        problems.append(f"content type {content_type!r}, documented: {sorted(content)}")
    return problems


def _status_key(op: SpecOperation, status: int) -> str:
    responses = op.raw.get("responses", {})
    for key in (str(status), f"{str(status)[0]}XX", "default"):
        if key in responses:
            return key
    raise KeyError(status)


def _check_json(validator: jsonschema.protocols.Validator, media: str, body: bytes, what: str) -> list[str]:
    if media != JSON:
        return [f"content type {media!r}, expected {JSON} ({what})"]
    try:
        parsed = json.loads(body)
    except ValueError as exc:
        return [f"body is not JSON: {exc}: {body[:200]!r}"]
    return [f"{what}: {e}" for e in schema_errors(validator, parsed)]


# --------------------------------------------------------------------------------------------------
# Which operations the sandbox implements
# --------------------------------------------------------------------------------------------------


def app_routes(app: Any) -> list[tuple[str, str]]:
    """Every ``(METHOD, full path template)`` a Starlette app routes, mounts flattened, HEAD left out."""
    while not hasattr(app, "routes") and hasattr(app, "app"):
        app = app.app  # unwrap middleware
    found: list[tuple[str, str]] = []

    def walk(routes: Iterable[Any], prefix: str) -> None:
        for route in routes:
            path = prefix + getattr(route, "path", "")
            sub = getattr(route, "routes", None)
            if sub is not None and not getattr(route, "methods", None):
                walk(sub, path)
                continue
            for method in sorted(getattr(route, "methods", None) or ()):
                if method not in ("HEAD", "OPTIONS"):
                    found.append((method, path))

    walk(app.routes, "")
    return found


@dataclass
class Implemented:
    op: SpecOperation
    served: list[str] = field(default_factory=list)  # the full templates the app routes for it


def implemented_operations(
    index: SpecIndex, routes: Iterable[tuple[str, str]]
) -> tuple[dict[str, Implemented], list[tuple[str, str]]]:
    """The documented operations the routes serve (keyed by canonical key), and the routes that match
    no documented operation (the sandbox's own ``/__sandbox/...``, for instance)."""
    implemented: dict[str, Implemented] = {}
    unmatched: list[tuple[str, str]] = []
    for method, template in routes:
        op = index.match(method, template)
        if op is None:
            unmatched.append((method, template))
            continue
        implemented.setdefault(op.key, Implemented(op)).served.append(template)
    return dict(sorted(implemented.items(), key=lambda kv: (kv[1].op.template, kv[1].op.method))), unmatched


# --------------------------------------------------------------------------------------------------
# Requests: realistic success cases and error cases for one operation
# --------------------------------------------------------------------------------------------------


@dataclass
class Request:
    method: str
    url: str  # full path with the prefix, parameters filled in
    params: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    data: dict[str, Any] | None = None
    files: dict[str, Any] | None = None
    auth: bool = True
    headers: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        text = f"{self.method} {self.url}"
        if self.params:
            text += "?" + "&".join(f"{k}={v}" for k, v in self.params.items())
        if self.json is not None:
            text += " json=" + json.dumps(self.json, default=str)[:300]
        if self.data is not None:
            text += " form=" + json.dumps(self.data, default=str)[:300]
        if not self.auth:
            text += " (no API token)"
        return text


@dataclass
class Case:
    label: str  # "success", "no token", "unknown id", "bad input: ..."
    request: Request
    expected: tuple[int, ...] | None  # None: a documented success status
    path_values: dict[str, Any] = field(default_factory=dict)


@dataclass
class CaseResult:
    label: str
    request: str
    status: int | None
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class OperationResult:
    key: str
    document: str
    cases: list[CaseResult] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        return bool(self.cases) and all(c.ok for c in self.cases)

    def failures(self) -> list[str]:
        lines = []
        for case in self.cases:
            for problem in case.problems:
                lines.append(f"[{case.label}] {case.request} -> {case.status}: {problem}")
        return lines


class SetupError(Exception):
    """The probe could not build a realistic request (no record to act on, a prerequisite failed)."""


# Foreign keys in request bodies, by property name: the collection to take an existing id from.
REFERENCES: dict[str, tuple[str, str]] = {
    "deal_id": ("v2", "/deals"),
    "person_id": ("v2", "/persons"),
    "org_id": ("v2", "/organizations"),
    "organization_id": ("v2", "/organizations"),
    "product_id": ("v2", "/products"),
    "stage_id": ("v2", "/stages"),
    "pipeline_id": ("v2", "/pipelines"),
    "activity_id": ("v2", "/activities"),
    "owner_id": ("v1", "/users"),
    "user_id": ("v1", "/users"),
    "creator_user_id": ("v1", "/users"),
    "lead_id": ("v1", "/leads"),
    "project_id": ("v2", "/projects"),
    "board_id": ("v2", "/boards"),
}
# Collections whose records are not listed by a plain GET of their own path: where to list them
# (path, query parameters, the key of the list inside ``data``); a pattern's "*" is any one segment.
ListParams = dict[str, Any] | Callable[["Prober"], dict[str, Any]]
LIST_SOURCES: dict[str, tuple[str, ListParams, str]] = {
    "/organizationRelationships": (
        "/organizationRelationships",
        lambda prober: {"org_id": prober.reference("org_id")},
        "",
    ),
    "/goals": ("/goals/find", {}, "goals"),
    "/mailbox/mailThreads": ("/mailbox/mailThreads", {"folder": "inbox"}, ""),
    "/mailbox/mailMessages": ("/mailbox/mailThreads/1/mailMessages", {}, ""),
    "/phases": ("/phases", {"board_id": 1}, ""),
    "/legacyTeams/user": ("/users", {}, ""),
}
# Collections whose POST answers the new record inside ``data`` under a key (``{goal: {...}}``).
CREATED_UNDER = {"/goals": "goal"}
# Path parameters naming a record by another key than ``id`` (v2 followers are named by user id).
PARAM_KEYS: dict[tuple[str, str], str] = {
    ("v1", "commentId"): "uuid",
    ("v2", "follower_id"): "user_id",
}
_WRITE_FIELDS = ("title", "name", "subject", "content", "description", "note")
UNKNOWN_INT = 987654321
UNKNOWN_UUID = "00000000-0000-4000-8000-00000000dead"
UNKNOWN_FIELD_CODE = "0000000000000000000000000000000000000000"


def merged_object_schema(schema: Mapping[str, Any], definitions: Mapping[str, Any]) -> dict[str, Any]:
    """Properties and required names of an object schema, through ``allOf`` and ``$ref``."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return merged_object_schema(definitions[name], definitions)
    properties: dict[str, Any] = dict(schema.get("properties", {}))
    required: list[str] = list(schema.get("required", []) if isinstance(schema.get("required"), list) else [])
    for part in schema.get("allOf", []):
        merged = merged_object_schema(part, definitions)
        properties.update(merged["properties"])
        required += [r for r in merged["required"] if r not in required]
    return {"properties": properties, "required": required}


BodyOverride = Callable[["Prober", SpecOperation], dict[str, Any]]


class Prober:
    """Builds and sends the conformance cases for one operation at a time, against a running sandbox.

    ``body_overrides`` (keyed by canonical operation key) supply what a document only says in prose
    ("a note needs one of deal_id, person_id, ..."); everything else comes from the documents.
    """

    def __init__(
        self,
        base_url: str,
        api_token: str,
        index: SpecIndex,
        implemented: Mapping[str, Implemented],
        body_overrides: Mapping[str, BodyOverride] | None = None,
        client: httpx.Client | None = None,
        oauth_client: tuple[str, str] | None = None,
    ) -> None:
        self.oauth_client = oauth_client
        self.index = index
        self.implemented = implemented
        self.body_overrides = dict(body_overrides or {})
        self.client = client or httpx.Client(base_url=base_url, timeout=60.0)
        self.token = api_token
        self._lists: dict[str, list[Any]] = {}
        self._counter = 0

    # ------------------------------------------------------------------ sending

    def send(self, request: Request) -> httpx.Response:
        headers = {"x-api-token": self.token} if request.auth else {}
        headers.update(request.headers)
        return self.client.request(
            request.method,
            request.url,
            params=request.params or None,
            json=request.json,
            data=request.data,
            files=request.files,
            headers=headers,
        )

    def run_case(self, op: SpecOperation, case: Case) -> CaseResult:
        try:
            response = self.send(case.request)
        except httpx.HTTPError as exc:
            return CaseResult(case.label, case.request.describe(), None, [f"transport error: {exc!r}"])
        problems = check_response(
            self.index,
            op,
            response.status_code,
            response.headers.get("content-type"),
            response.content,
            expected=case.expected,
        )
        return CaseResult(case.label, case.request.describe(), response.status_code, problems)

    def run(self, key: str) -> OperationResult:
        impl = self.implemented[key]
        result = OperationResult(key, impl.op.document)
        for case in self.cases(impl):
            if isinstance(case, CaseResult):
                result.cases.append(case)
            else:
                result.cases.append(self.run_case(impl.op, case))
        return result

    # ------------------------------------------------------------------ looking things up

    def unique(self, stem: str = "Conformance") -> str:
        self._counter += 1
        return f"{stem} {self._counter} {uuid.uuid4().hex[:6]}"

    def served_url(self, op: SpecOperation) -> str:
        """The URL template the sandbox serves ``op`` under (canonical prefix first)."""
        served = self.implemented[op.key].served if op.key in self.implemented else []
        for prefix in op.prefixes:
            for template in served:
                if template.startswith(prefix) and skeleton(template) == skeleton(prefix + op.path):
                    return prefix + op.path
        return op.template

    def find(self, method: str, document: str, path: str) -> SpecOperation | None:
        """The implemented operation of ``document``'s family (v1 falls back to the legacy v1) whose
        template matches ``path`` (a template or a concrete path)."""
        for name in (document,) if document == "v2" else ("v1", "v1-2026-01-14"):
            for impl in self.implemented.values():
                op = impl.op
                if op.document == name and op.method == method and template_matches(op.path, path):
                    return op
        return None

    def find_any(self, method: str, document: str, path: str) -> SpecOperation | None:
        """``find`` in ``document``'s family, then in the other API version."""
        return self.find(method, document, path) or self.find(
            method, "v1" if document == "v2" else "v2", path
        )

    def list_items(self, document: str, path: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        """The records a GET on a collection returns (its first page), cached; [] when not served."""
        inner = ""
        if path in LIST_SOURCES:
            path, extra, inner = LIST_SOURCES[path]
            params = {**(extra(self) if callable(extra) else extra), **(params or {})}
        op = self.find_any("GET", document, path)
        if op is None:
            return []
        url = self.served_url(op)[: -len(op.path)] + path if op.path else path
        cache_key = url + json.dumps(params or {}, sort_keys=True)
        if cache_key not in self._lists:
            response = self.client.get(url, params=dict(params or {}), headers={"x-api-token": self.token})
            data = response.json().get("data") if response.status_code == 200 else None
            if inner and isinstance(data, dict):
                data = data.get(inner)
            self._lists[cache_key] = data if isinstance(data, list) else []
        return self._lists[cache_key]

    def forget(self) -> None:
        self._lists.clear()

    def existing_id(self, document: str, path: str, key: str = "id") -> Any:
        """The ``key`` of the first record the collection lists."""
        items = [item for item in self.list_items(document, path) if isinstance(item, dict) and key in item]
        if not items:
            raise SetupError(f"no record at {path} to take a {key} from")
        return items[0][key]

    def reference(self, name: str) -> Any:
        document, path = REFERENCES[name]
        return self.existing_id(document, path)

    # ------------------------------------------------------------------ bodies

    def value_for(self, name: str, schema: Mapping[str, Any]) -> Any:
        if name in REFERENCES:
            with_ref = self._try(lambda: self.reference(name))
            if with_ref is not None:
                return [with_ref] if schema.get("type") == "array" else with_ref
        enum = [v for v in schema.get("enum", []) if v is not None]
        if enum:
            return enum[0]
        kind = schema.get("type")
        example = schema.get("example")
        if kind == "string":
            if schema.get("format") == "date":
                return "2024-06-01"
            if schema.get("format") == "date-time":
                return "2024-06-01T10:00:00Z"
            return example if isinstance(example, str) else self.unique()
        if kind in ("integer", "number"):
            return example if isinstance(example, int | float) and not isinstance(example, bool) else 1
        if kind == "boolean":
            return True
        if kind == "array":
            return example if isinstance(example, list) else []
        if kind == "object" or "properties" in schema:
            return example if isinstance(example, dict) else {}
        return example if example is not None else self.unique()

    @staticmethod
    def _try(fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except SetupError:
            return None

    def body_for(self, op: SpecOperation, *, update: bool = False) -> tuple[str, dict[str, Any]] | None:
        """A body with the required fields (and, for an update, one harmless change)."""
        found = op.request_body()
        if found is None:
            return None
        media, schema = found
        definitions = self.index.docs[op.document].get("components", {}).get("schemas", {})
        merged = merged_object_schema(schema, definitions)
        body: dict[str, Any] = {}
        override = self.body_overrides.get(op.key)
        if override is not None:
            body.update(override(self, op))
        for name in merged["required"]:
            if name not in body:
                body[name] = self.value_for(name, merged["properties"].get(name, {}))
        if update and not body:
            for name in _WRITE_FIELDS:
                if merged["properties"].get(name, {}).get("type") == "string":
                    body[name] = self.unique("Conformance update")
                    break
        return media, body

    def body_request(self, op: SpecOperation, url: str, *, update: bool = False) -> Request:
        request = Request(op.method, url)
        found = self.body_for(op, update=update)
        if found is None:
            return request
        media, body = found
        if media == JSON:
            request.json = body
        elif media == "multipart/form-data":
            files = {k: v for k, v in body.items() if isinstance(v, tuple)}
            request.files = files or None
            request.data = {k: v for k, v in body.items() if not isinstance(v, tuple)}
        else:
            request.data = body
        return request

    # ------------------------------------------------------------------ creating records to act on

    def create(self, document: str, path: str, key: str = "id") -> Any:
        """Create a record in the collection ``path`` through its POST; its ``key``."""
        op = self.find_any("POST", document, path)
        if op is None:
            raise SetupError(f"POST {path} is not served, so there is nothing to create a record with")
        request = self.body_request(op, self.served_url(op)[: -len(op.path)] + path)
        response = self.send(request)
        if response.status_code not in (200, 201):
            raise SetupError(
                f"creating a record failed: {request.describe()} -> {response.status_code} {response.text[:300]}"
            )
        data = response.json().get("data")
        self.forget()
        if isinstance(data, dict) and path in CREATED_UNDER:
            data = data.get(CREATED_UNDER[path])
        if isinstance(data, dict) and key in data:
            return data[key]
        raise SetupError(f"{request.describe()} answered no {key}")

    # ------------------------------------------------------------------ filling path templates

    def url_for(self, op: SpecOperation, values: Mapping[str, Any]) -> str:
        """The URL of ``op`` (under the prefix the sandbox serves it) with ``values`` filled in."""
        return _PARAM.sub(lambda m: str(values[m.group(1)]), self.served_url(op))

    def fill(self, op: SpecOperation, *, fresh: bool = False) -> dict[str, Any]:
        """An existing id for each path parameter, parents first, trying further parents when one has
        no children (a deal without products); with ``fresh``, a record created for the last
        parameter, so that a DELETE does not take away what other cases read."""
        names = path_params(op.path)
        document = "v2" if op.document == "v2" else "v1"

        def descend(segments: list[str], filled: list[str], used: dict[str, Any]) -> dict[str, Any]:
            if not segments:
                return used
            segment, rest = segments[0], segments[1:]
            match = _PARAM.fullmatch(segment)
            if not match:
                return descend(rest, [*filled, segment], used)
            name = match.group(1)
            collection = "/".join(filled)
            key = "field_code" if name == "field_code" else PARAM_KEYS.get((document, name), "id")
            if fresh and name == names[-1]:
                value = self.create(document, collection, key)
                return descend(rest, [*filled, str(value)], {**used, name: value})
            candidates = self.candidates(op, collection, key)
            if not candidates:
                raise SetupError(f"no record at {collection} to take a {key} from")
            failure: SetupError | None = None
            for value in candidates[:25] if name != names[-1] else candidates[:1]:
                try:
                    return descend(rest, [*filled, str(value)], {**used, name: value})
                except SetupError as exc:
                    failure = exc
            assert failure is not None
            raise failure

        return descend(op.path.split("/"), [], {})

    def candidates(self, op: SpecOperation, collection: str, key: str) -> list[Any]:
        document = "v2" if op.document == "v2" else "v1"
        items = [i for i in self.list_items(document, collection) if isinstance(i, dict) and key in i]
        if collection.endswith("Fields") and op.method != "GET":
            # Only custom fields can be changed.
            custom = [i for i in items if i.get("is_custom_field") or i.get("edit_flag")]
            items = custom or items
        return [i[key] for i in items]

    # ------------------------------------------------------------------ the cases

    def cases(self, impl: Implemented) -> Iterator[Case | CaseResult]:
        op = impl.op
        try:
            success = self.success_case(op)
        except SetupError as exc:
            yield CaseResult("success", op.key, None, [f"setup: {exc}"])
            return
        yield success
        if op.method == "GET" and "limit" in op.query_parameters() and not path_params(op.path):
            paged = copy.deepcopy(success)
            paged.label = "success, page size 2"
            paged.request.params["limit"] = 2
            yield paged
        if op.method == "GET":
            canonical = self.served_url(op)
            for prefix in op.prefixes:
                if prefix + op.path != canonical and any(
                    skeleton(prefix + op.path) == skeleton(t) for t in impl.served
                ):
                    other = copy.deepcopy(success)
                    other.label = f"success under {prefix}"
                    other.request.url = prefix + other.request.url[len(canonical) - len(op.path) :]
                    yield other
        if not op.own_server:
            unauthenticated = copy.deepcopy(success)
            unauthenticated.label = "no token"
            unauthenticated.request.auth = False
            unauthenticated.expected = (401,)
            yield unauthenticated
        unknown = self.unknown_id_case(op, success)
        if unknown is not None:
            yield unknown
        if len(path_params(op.path)) > 1:
            inner = self.unknown_id_case(op, success, which=-1)
            if inner is not None:
                yield inner
        bad = self.bad_input_case(op, success)
        if bad is not None:
            yield bad
        extra = getattr(self, "extra_" + _slug(op), None)
        if extra is not None:
            yield from extra(op, success)

    def extra_post_oauth_token(self, op: SpecOperation, success: Case) -> Iterator[Case]:
        # The success case has used its code; a code works once.
        reused = copy.deepcopy(success)
        reused.label = "bad input: authorization code used twice"
        reused.expected = (400,)
        yield reused

    def success_case(self, op: SpecOperation) -> Case:
        special = getattr(self, "success_" + _slug(op), None)
        if special is not None:
            case: Case = special(op)
            return case
        if op.path.endswith("/merge"):
            return self.merge_case(op)
        fresh = op.method == "DELETE" and bool(path_params(op.path))
        values = self.fill(op, fresh=fresh)
        request = self.body_request(op, self.url_for(op, values), update=op.method in ("PATCH", "PUT"))
        for name, param in op.query_parameters().items():
            if param.get("required"):
                request.params[name] = self.query_value(op, name, param)
        return Case("success", request, None, values)

    def merge_case(self, op: SpecOperation) -> Case:
        """``PUT /{deals,persons,organizations}/{id}/merge``: two fresh records, the first merged into
        the second, so that no other case loses the record it reads."""
        collection = op.path.split("/{")[0]
        document = "v2" if op.document == "v2" else "v1"
        merged, survivor = self.create(document, collection), self.create(document, collection)
        values = {path_params(op.path)[0]: merged}
        request = self.body_request(op, self.url_for(op, values))
        request.json = {**(request.json or {}), "merge_with_id": survivor}
        return Case("success", request, None, values)

    # The OAuth server's operations (``servers: oauth.pipedrive.com`` in the v1 document).

    REDIRECT_URI = "http://127.0.0.1:9/callback"

    def success_get_oauth_authorize(self, op: SpecOperation) -> Case:
        if self.oauth_client is None:
            raise SetupError("no OAuth client given to the prober")
        params = {
            "client_id": self.oauth_client[0],
            "redirect_uri": self.REDIRECT_URI,
            "state": "conformance",
        }
        return Case("success", Request("GET", op.template, params=params, auth=False), None)

    def authorization_code(self) -> str:
        """A fresh code: the authorize request answered at once (``auto_approve`` switched on for it)."""
        if self.oauth_client is None:
            raise SetupError("no OAuth client given to the prober")
        before = self.client.get("/__sandbox/config").json().get("auto_approve", False)
        self.client.post("/__sandbox/config", json={"auto_approve": True})
        try:
            params = {"client_id": self.oauth_client[0], "redirect_uri": self.REDIRECT_URI, "state": "s"}
            response = self.client.get("/oauth/authorize", params=params)
        finally:
            self.client.post("/__sandbox/config", json={"auto_approve": before})
        query = httpx.URL(response.headers.get("location", "")).params
        if response.status_code != 302 or "code" not in query:
            raise SetupError(f"the authorize request gave no code: {response.status_code}")
        return str(query["code"])

    def success_post_oauth_token(self, op: SpecOperation) -> Case:
        assert self.oauth_client is not None
        authorization = "Basic " + base64.b64encode(":".join(self.oauth_client).encode()).decode()
        form = {
            "grant_type": "authorization_code",
            "code": self.authorization_code(),
            "redirect_uri": self.REDIRECT_URI,
        }
        request = Request(
            "POST", op.template, data=form, auth=False, headers={"authorization": authorization}
        )
        return Case("success", request, None)

    def query_value(self, op: SpecOperation, name: str, param: Mapping[str, Any]) -> Any:
        schema = param.get("schema", {})
        if name == "ids" and op.method == "DELETE":
            # Bulk delete (v1 ``DELETE /dealFields?ids=``): of records made for the purpose.
            document = "v2" if op.document == "v2" else "v1"
            return ",".join(str(self.create(document, op.path)) for _ in range(2))
        if name == "term":
            return self.search_term(op)
        if name == "deal_ids":
            ids = [i["id"] for i in self.list_items("v2", "/deals")[:3] if isinstance(i, dict)]
            return ",".join(map(str, ids))
        if name == "since_timestamp":
            return "2000-01-01 00:00:00"
        if "default" in schema:
            return schema["default"]
        return self.value_for(name, schema)

    def search_term(self, op: SpecOperation) -> str:
        """A word from an existing record's name, so that a search finds something."""
        entity = op.path.strip("/").split("/")[0]
        collection = "/deals" if entity == "itemSearch" else "/" + entity
        document = "v1" if entity == "leads" else "v2"
        for item in self.list_items(document, collection):
            text = (item.get("title") or item.get("name")) if isinstance(item, dict) else None
            if isinstance(text, str):
                words = [w for w in re.split(r"\W+", text) if len(w) >= 3]
                if words:
                    return words[0]
        return "Conformance"

    def unknown_id_case(self, op: SpecOperation, success: Case, *, which: int = 0) -> Case | None:
        """The success request with one path parameter unknown: the first (the top-level record) by
        default, ``which=-1`` for the last (a deal's participant that does not exist)."""
        params = path_params(op.path)
        if not params:
            return None
        name = params[which]
        spec_param = next((p for p in op.parameters() if p["in"] == "path" and p["name"] == name), {})
        schema = spec_param.get("schema", {})
        if name == "field_code":
            unknown: Any = UNKNOWN_FIELD_CODE
        elif schema.get("format") == "uuid" or (
            isinstance(success.path_values.get(name), str) and "-" in str(success.path_values.get(name))
        ):
            unknown = UNKNOWN_UUID  # lead and lead-label ids
        elif schema.get("type") == "string":
            unknown = "unknown"
        else:
            unknown = UNKNOWN_INT
        case = copy.deepcopy(success)
        case.label = "unknown id" if which == 0 else f"unknown {name}"
        case.path_values = {**success.path_values, name: unknown}
        case.request.url = self.url_for(op, case.path_values)
        # v1 answers a removed product field with 410 Gone, and documents it on that path.
        gone = any(
            "410" in other.documented_statuses()
            for other in self.index.operations.values()
            if other.document == op.document and other.path == op.path
        )
        case.expected = (404, 410) if gone else (404,)
        return case

    def bad_input_case(self, op: SpecOperation, success: Case) -> Case | None:
        """The success request with one documented constraint broken: a required query parameter or
        body field left out, or (v2, which validates types) a number that is not one."""
        case = copy.deepcopy(success)
        case.expected = (400,)
        request = case.request
        required_query = [n for n, p in op.query_parameters().items() if p.get("required")]
        if required_query:
            request.params.pop(required_query[0], None)
            case.label = f"bad input: without required {required_query[0]}"
            return case
        body = request.json if request.json is not None else request.data
        found = op.request_body()
        if isinstance(body, dict) and found is not None:
            definitions = self.index.docs[op.document].get("components", {}).get("schemas", {})
            merged = merged_object_schema(found[1], definitions)
            if merged["required"]:
                missing = merged["required"][0]
                body.pop(missing, None)
                case.label = f"bad input: without required {missing}"
                return case
            if op.document == "v2" and request.json is not None:
                for name, prop in merged["properties"].items():
                    if prop.get("type") in ("integer", "number") and not prop.get("nullable"):
                        body[name] = "not-a-number"
                        case.label = f"bad input: {name} not a number"
                        return case
        if op.document == "v2" and op.method == "GET" and "limit" in op.query_parameters():
            request.params["limit"] = "not-a-number"
            case.label = "bad input: limit not a number"
            return case
        return None


def _slug(op: SpecOperation) -> str:
    """``PUT /deals/{id}/merge`` -> ``put_deals_id_merge``: the name of a special-case method."""
    words = re.sub(r"[^a-zA-Z0-9]+", "_", op.path).strip("_")
    return f"{op.method.lower()}_{words}".lower()


def summarize(results: Iterable[OperationResult]) -> tuple[int, int, int]:
    """(operations probed, operations conforming, cases checked)."""
    results = list(results)
    return len(results), sum(r.conforms for r in results), sum(len(r.cases) for r in results)
