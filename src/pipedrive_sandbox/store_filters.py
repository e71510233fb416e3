"""Stored filters applied to records: the condition structure, fields, operators and links the sandbox
evaluates (a subset of Pipedrive's filters, enough to push filters down).

``filter_predicate(store, filter_record, entity)`` answers a predicate over records of ``entity``;
``validate_filter_conditions(store, conditions, filter_type)`` says what is wrong with a filter, if anything.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipedrive_sandbox.store import Store

Record = dict[str, Any]
Predicate = Callable[[Record], bool]

FILTER_TYPES = {
    "deals": "deal",
    "people": "person",
    "org": "organization",
    "products": "product",
    "activity": "activity",
    "leads": "lead",
}
OBJECT_ENTITY = {
    "deal": "deal",
    "person": "person",
    "organization": "organization",
    "org": "organization",
    "product": "product",
    "activity": "activity",
    "lead": "lead",
}
LINKS = {
    ("deal", "person"): "person_id",
    ("deal", "organization"): "org_id",
    ("person", "organization"): "org_id",
    ("activity", "deal"): "deal_id",
    ("activity", "person"): "person_id",
    ("activity", "organization"): "org_id",
    ("lead", "person"): "person_id",
    ("lead", "organization"): "organization_id",
}
OPERATORS = frozenset(
    {
        "=",
        "!=",
        "<",
        ">",
        "<=",
        ">=",
        "IS NULL",
        "IS NOT NULL",
        "LIKE '$%'",
        "LIKE '%$%'",
        "NOT LIKE '$%'",
        "NOT LIKE '%$%'",
    }
)
NUMERIC_TYPES = frozenset(
    {"double", "int", "monetary", "user", "org", "people", "stage", "enum", "visible_to", "activity", "deal"}
)
TIMESTAMP_KEYS = frozenset(
    {
        "add_time",
        "update_time",
        "stage_change_time",
        "won_time",
        "lost_time",
        "close_time",
        "marked_as_done_time",
        "archive_time",
    }
)


def condition_values(definition: Record, record: Record) -> list[Any]:
    """The comparable values a record holds for a field (several for sets, e-mails and phones)."""
    key = definition["code"] or definition["v1_key"]
    value = record.get(key)
    if value is None:
        return []
    ftype = definition["field_type"]
    if key in TIMESTAMP_KEYS and isinstance(value, int):
        return [datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d")]
    if key in ("emails", "phones"):
        return [entry[0] for entry in value]
    if ftype == "monetary" and isinstance(value, tuple):
        return [value[0]]
    if ftype in ("daterange", "timerange", "time") and isinstance(value, tuple):
        return [value[0]]
    if ftype == "address" and isinstance(value, dict):
        return [value.get("value")]
    if isinstance(value, tuple | list):
        return list(value)
    if isinstance(value, bool):
        return [int(value)]
    return [value]


def _condition_test(definition: Record, operator: str, wanted: Any) -> Predicate:
    numeric = definition["field_type"] in NUMERIC_TYPES or definition["field_type"] == "boolean"
    if operator in ("IS NULL", "IS NOT NULL"):
        present = operator == "IS NOT NULL"
        return lambda record: bool(condition_values(definition, record)) == present
    if wanted is None:
        raise ValueError(f"operator {operator} needs a value")
    text = str(wanted).lower()
    target: Any = text
    if numeric and operator in ("=", "!=", "<", ">", "<=", ">="):
        if text in ("true", "false"):
            text = "1" if text == "true" else "0"
        target = float(text)  # ValueError for a non-number is what the caller reports

    def compare(value: Any) -> bool:
        if numeric and operator in ("=", "!=", "<", ">", "<=", ">="):
            try:
                left: Any = float(value)
            except (TypeError, ValueError):
                return False
        else:
            left = str(value).lower()
        if operator == "=":
            return bool(left == target)
        if operator == "!=":
            return bool(left != target)
        if operator == "<":
            return bool(left < target)
        if operator == ">":
            return bool(left > target)
        if operator == "<=":
            return bool(left <= target)
        if operator == ">=":
            return bool(left >= target)
        if operator == "LIKE '$%'":
            return str(left).startswith(text)
        if operator == "NOT LIKE '$%'":
            return not str(left).startswith(text)
        if operator == "LIKE '%$%'":
            return text in str(left)
        return text not in str(left)  # NOT LIKE '%$%'

    negative = operator in ("!=", "NOT LIKE '$%'", "NOT LIKE '%$%'")

    def test(record: Record) -> bool:
        values = condition_values(definition, record)
        if negative:
            return all(compare(value) for value in values)
        return any(compare(value) for value in values)

    return test


def filter_predicate(store: Store, flt: Record, entity: str) -> Predicate:
    """A predicate for the stored filter ``flt`` applied to records of ``entity``.

    Supported (a subset of Pipedrive's filters, enough to push filters down): the documented structure
    ``{"glue": "and", "conditions": [{"glue": "and", ...}, {"glue": "or", ...}]}``; conditions on any
    field of the filter's own entity or of a linked one (a deal's person and organization, a person's
    organization, an activity's deal/person/organization); operators ``=``, ``!=``, ``<``, ``>``,
    ``<=``, ``>=``, ``IS NULL``, ``IS NOT NULL``, ``LIKE '$%'`` (starts with), ``LIKE '%$%'``
    (contains), ``NOT LIKE '$%'``, ``NOT LIKE '%$%'``. Dates compare as ``YYYY-MM-DD``, option fields
    by option id, sets by membership, e-mails and phones by any of their values, texts case-insensitively.
    """
    groups = []
    for group in flt["conditions"].get("conditions", []):
        preds = [_condition(store, condition, entity) for condition in group.get("conditions") or []]
        groups.append((group.get("glue", "and"), preds))

    def match(record: Record) -> bool:
        for glue, preds in groups:
            if not preds:
                continue
            if glue == "or":
                if not any(p(record) for p in preds):
                    return False
            elif not all(p(record) for p in preds):
                return False
        return True

    return match


def validate_filter_conditions(store: Store, conditions: Any, filter_type: str) -> str | None:
    """None if ``conditions`` is a filter this store can apply, else what is wrong with it."""
    if not isinstance(conditions, dict) or not isinstance(conditions.get("conditions"), list):
        return "conditions must be an object with a conditions array"
    count = 0
    for group in conditions["conditions"]:
        if not isinstance(group, dict) or group.get("glue") not in ("and", "or"):
            return "each condition group needs glue 'and' or 'or'"
        if not isinstance(group.get("conditions") or [], list):
            return "a condition group's conditions must be an array"
        for condition in group.get("conditions") or []:
            if not isinstance(condition, dict):
                return "each condition must be an object"
            count += 1
            try:
                _condition(store, condition, FILTER_TYPES[filter_type])
            except (KeyError, TypeError, ValueError) as exc:
                return f"invalid condition {condition!r}: {exc}"
    if count > 16:
        return "a filter can have at most 16 conditions"
    return None


def _condition(store: Store, condition: Record, entity: str) -> Predicate:
    obj = OBJECT_ENTITY[condition["object"]]
    field_id = str(condition["field_id"])
    # Pipedrive's conditions name fields by numeric id; a field key is accepted too.
    definition = (
        store.field_by_id(obj, int(field_id))
        if field_id.isdigit()
        else (store.field_by_key(obj, field_id) or store.field_by_code(obj, field_id))
    )
    if definition is None:
        raise ValueError(f"unknown field {condition['field_id']} for {condition['object']}")
    operator = condition["operator"]
    if operator not in OPERATORS:
        raise ValueError(f"unknown operator {operator!r}")
    test = _condition_test(definition, operator, condition.get("value"))
    if obj == entity:
        return test
    link = LINKS.get((entity, obj))
    if link is None:
        raise ValueError(f"{condition['object']} conditions do not apply to {entity} filters")
    table = store.tables[obj]

    def linked(record: Record) -> bool:
        other = table.get(record.get(link))
        return other is not None and test(other)

    return linked
