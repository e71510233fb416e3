"""Body validation for the v2 writes: declarative per entity."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pipedrive_sandbox.store import Store
from pipedrive_sandbox.v2_base import _DATE, Record, check_date, check_time, invalid, parse_rfc3339
from pipedrive_sandbox.v2_custom import check_currency, check_ref, parse_address, parse_custom_fields

# ---------------------------------------------------------------------------------------------------------
# Body validation: declarative per entity


@dataclass(frozen=True)
class Rule:
    """How one body property is checked and turned into its canonical value."""

    kind: str  # str, int, num, bool, date, datetime, time, enum, ints, ref, address, contacts, prices, ...
    nullable: bool = False
    ref: str | None = None
    choices: tuple[Any, ...] = ()
    key: str | None = None  # canonical key when it differs from the property name


def parse_body(store: Store, rules: dict[str, Rule], body: Record, entity: str | None) -> Record:
    """The canonical changes a v2 body asks for; unknown properties are ignored, as Pipedrive's v2 does."""
    changes: Record = {}
    for name, value in body.items():
        if name == "custom_fields" and entity is not None:
            changes.update(parse_custom_fields(store, entity, value))
            continue
        rule = rules.get(name)
        if rule is None:
            continue
        changes[rule.key or name] = parse_value(store, rule, value, name)
    return changes


def parse_value(store: Store, rule: Rule, value: Any, name: str) -> Any:
    if value is None:
        if rule.nullable:
            return None
        raise invalid(name, "Expected value, received null")
    kind = rule.kind
    if kind == "str":
        if not isinstance(value, str):
            raise invalid(name, f"Expected string, received {_type_name(value)}")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid(name, f"Expected number, received {_type_name(value)}")
        return value
    if kind == "num":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise invalid(name, f"Expected number, received {_type_name(value)}")
        return float(value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise invalid(name, f"Expected boolean, received {_type_name(value)}")
        return value
    if kind == "date":
        return check_date(value, name)
    if kind == "datetime":
        if not isinstance(value, str):
            raise invalid(name, "Expected string")
        if _DATE.match(value):
            return parse_rfc3339(value + "T00:00:00Z", name)
        return parse_rfc3339(
            value.replace(" ", "T") + ("" if value.endswith("Z") or "+" in value else "Z"), name
        )
    if kind == "time":
        return check_time(value, name)
    if kind == "duration":
        if not isinstance(value, str) or not re.match(r"^\d\d:[0-5]\d(:[0-5]\d)?$", value):
            raise invalid(name, "Invalid duration, expected HH:MM or HH:MM:SS")
        return value if len(value) == 8 else value + ":00"
    if kind == "enum":
        if value not in rule.choices:
            options = " | ".join(f"'{c}'" for c in rule.choices)
            raise invalid(name, f"Invalid enum value. Expected {options}, received '{value}'")
        return value
    if kind == "ints":
        if not isinstance(value, list) or any(isinstance(v, bool) or not isinstance(v, int) for v in value):
            raise invalid(name, "Expected array of numbers")
        return tuple(value)
    if kind == "ref":
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid(name, f"Expected number, received {_type_name(value)}")
        assert rule.ref is not None
        return check_ref(store, rule.ref, value, name)
    if kind == "lead_ref":
        if not isinstance(value, str):
            raise invalid(name, "Expected string (uuid)")
        return check_ref(store, "lead", value, name)
    if kind == "currency":
        return check_currency(store, value, name)
    if kind == "address":
        return parse_address(value, name)
    if kind == "contacts":
        return parse_contacts(value, name)
    if kind == "participants":
        return parse_participants(store, value, name)
    if kind == "prices":
        return parse_prices(store, value, name)
    if kind == "list":
        if not isinstance(value, list):
            raise invalid(name, "Expected array")
        return tuple(value)
    raise AssertionError(kind)


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if value is None:
        return "null"
    return "object"


def parse_contacts(value: Any, name: str) -> tuple[tuple[str, str, bool], ...]:
    """``[{value, primary, label}]`` as canonical ``(value, label, primary)`` tuples, one primary."""
    if not isinstance(value, list):
        raise invalid(name, "Expected array")
    out: list[tuple[str, str, bool]] = []
    for index, item in enumerate(value):
        if not isinstance(item, dict) or not isinstance(item.get("value"), str):
            raise invalid(f"{name}.{index}.value", "Expected string")
        label = item.get("label") or "work"
        primary = item.get("primary", False)
        if not isinstance(label, str) or not isinstance(primary, bool):
            raise invalid(f"{name}.{index}", "Expected label string and primary boolean")
        out.append((item["value"], label, primary))
    if out and not any(entry[2] for entry in out):
        out[0] = (out[0][0], out[0][1], True)
    return tuple(out)


def parse_participants(store: Store, value: Any, name: str) -> tuple[tuple[int, bool], ...]:
    if not isinstance(value, list):
        raise invalid(name, "Expected array")
    out: list[tuple[int, bool]] = []
    for index, item in enumerate(value):
        if (
            not isinstance(item, dict)
            or isinstance(item.get("person_id"), bool)
            or not isinstance(item.get("person_id"), int)
        ):
            raise invalid(f"{name}.{index}.person_id", "Expected number")
        check_ref(store, "person", item["person_id"], f"{name}.{index}.person_id")
        out.append((item["person_id"], bool(item.get("primary", False))))
    return tuple(out)


def parse_prices(store: Store, value: Any, name: str) -> tuple[tuple[str, float, float, float | None], ...]:
    if not isinstance(value, list):
        raise invalid(name, "Expected array")
    out: list[tuple[str, float, float, float | None]] = []
    seen: set[str] = set()
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise invalid(f"{name}.{index}", "Expected object")
        currency = check_currency(store, item.get("currency"), f"{name}.{index}.currency")
        if currency in seen:
            raise invalid(f"{name}.{index}.currency", "Only one price per currency is allowed")
        seen.add(currency)
        numbers = []
        for part in ("price", "cost", "direct_cost"):
            number = item.get(part, 0 if part != "direct_cost" else None)
            if number is not None and (isinstance(number, bool) or not isinstance(number, int | float)):
                raise invalid(f"{name}.{index}.{part}", "Expected number")
            numbers.append(None if number is None else float(number))
        out.append((currency, numbers[0] or 0.0, numbers[1] or 0.0, numbers[2]))
    return tuple(out)


VISIBLE_TO = (1, 3, 5, 7)

DEAL_RULES = {
    "title": Rule("str"),
    "owner_id": Rule("ref", ref="user"),
    "person_id": Rule("ref", nullable=True, ref="person"),
    "org_id": Rule("ref", nullable=True, ref="organization"),
    "pipeline_id": Rule("ref", ref="pipeline"),
    "stage_id": Rule("ref", ref="stage"),
    "value": Rule("num"),
    "currency": Rule("currency"),
    "is_deleted": Rule("bool"),
    "is_archived": Rule("bool"),
    "archive_time": Rule("datetime", nullable=True),
    "status": Rule("enum", choices=("open", "won", "lost")),
    "probability": Rule("num", nullable=True),
    "lost_reason": Rule("str", nullable=True),
    "visible_to": Rule("enum", choices=VISIBLE_TO),
    "close_time": Rule("datetime", nullable=True),
    "won_time": Rule("datetime", nullable=True),
    "lost_time": Rule("datetime", nullable=True),
    "expected_close_date": Rule("date", nullable=True),
    "label_ids": Rule("ints"),
    "add_time": Rule("datetime"),
}
PERSON_RULES = {
    "name": Rule("str"),
    "owner_id": Rule("ref", ref="user"),
    "org_id": Rule("ref", nullable=True, ref="organization"),
    "add_time": Rule("datetime"),
    "emails": Rule("contacts"),
    "phones": Rule("contacts"),
    "visible_to": Rule("enum", choices=VISIBLE_TO),
    "label_ids": Rule("ints"),
    "postal_address": Rule("address", nullable=True),
    "notes": Rule("str", nullable=True),
    "im": Rule("contacts"),
    "birthday": Rule("date", nullable=True),
    "job_title": Rule("str", nullable=True),
    "marketing_status": Rule("enum", choices=("no_consent", "unsubscribed", "subscribed", "archived")),
}
ORGANIZATION_RULES = {
    "name": Rule("str"),
    "owner_id": Rule("ref", ref="user"),
    "add_time": Rule("datetime"),
    "visible_to": Rule("enum", choices=VISIBLE_TO),
    "label_ids": Rule("ints"),
    "address": Rule("address", nullable=True),
    "website": Rule("str", nullable=True),
    "linkedin": Rule("str", nullable=True),
    "industry": Rule("int", nullable=True),
    "annual_revenue": Rule("int", nullable=True),
    "employee_count": Rule("int", nullable=True),
}
ACTIVITY_RULES = {
    "subject": Rule("str"),
    "type": Rule("str"),
    "owner_id": Rule("ref", ref="user"),
    "deal_id": Rule("ref", nullable=True, ref="deal"),
    "lead_id": Rule("lead_ref", nullable=True),
    "person_id": Rule("ref", nullable=True, ref="person"),
    "org_id": Rule("ref", nullable=True, ref="organization"),
    "project_id": Rule("int", nullable=True),
    "due_date": Rule("date", nullable=True),
    "due_time": Rule("time", nullable=True),
    "duration": Rule("duration", nullable=True),
    "busy": Rule("bool"),
    "done": Rule("bool"),
    "location": Rule("address", nullable=True),
    "participants": Rule("participants"),
    "attendees": Rule("list"),
    "public_description": Rule("str", nullable=True),
    "priority": Rule("int", nullable=True),
    "note": Rule("str", nullable=True),
}
BILLING = ("one-time", "annually", "semi-annually", "quarterly", "monthly", "weekly")
PRODUCT_RULES = {
    "name": Rule("str"),
    "code": Rule("str", nullable=True),
    "description": Rule("str", nullable=True),
    "unit": Rule("str", nullable=True),
    "tax": Rule("num"),
    "category": Rule("int", nullable=True),
    "owner_id": Rule("ref", ref="user"),
    "is_linkable": Rule("bool"),
    "visible_to": Rule("enum", choices=VISIBLE_TO),
    "prices": Rule("prices"),
    "billing_frequency": Rule("enum", choices=BILLING),
    "billing_frequency_cycles": Rule("int", nullable=True),
}
PIPELINE_RULES = {"name": Rule("str"), "is_deal_probability_enabled": Rule("bool")}
STAGE_RULES = {
    "name": Rule("str"),
    "pipeline_id": Rule("ref", ref="pipeline"),
    "deal_probability": Rule("int"),
    "is_deal_rot_enabled": Rule("bool"),
    "days_to_rotten": Rule("int", nullable=True),
}
DEAL_PRODUCT_RULES = {
    "product_id": Rule("ref", ref="product"),
    "item_price": Rule("num"),
    "quantity": Rule("num"),
    "tax": Rule("num"),
    "comments": Rule("str", nullable=True),
    "discount": Rule("num"),
    "is_enabled": Rule("bool"),
    "tax_method": Rule("enum", choices=("exclusive", "inclusive", "none")),
    "discount_type": Rule("enum", choices=("percentage", "amount")),
    "product_variation_id": Rule("int", nullable=True),
    "billing_frequency": Rule("enum", choices=BILLING),
    "billing_frequency_cycles": Rule("int", nullable=True),
    "billing_start_date": Rule("date", nullable=True),
}
