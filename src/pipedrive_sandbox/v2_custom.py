"""Custom fields: canonical <-> v2 <-> v1 (values as the store keeps them, as v2 and as v1 answer them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipedrive_sandbox.store import Store
from pipedrive_sandbox.v2_base import Record, View, check_date, check_time, invalid

# ---------------------------------------------------------------------------------------------------------
# Custom fields: canonical <-> v2 <-> v1


def custom_v2(definition: Record, value: Any, option_labels: bool = False) -> Any:
    """A canonical custom-field value as API v2 shows it."""
    if value is None:
        return None
    ftype = definition["field_type"]
    if ftype == "monetary":
        return {"value": value[0], "currency": value[1]}
    if ftype == "set":
        if option_labels:
            labels = {o["id"]: o["label"] for o in definition["options"] or []}
            return [{"id": v, "label": labels.get(v)} for v in value]
        return list(value)
    if ftype == "enum":
        if option_labels:
            labels = {o["id"]: o["label"] for o in definition["options"] or []}
            return {"id": value, "label": labels.get(value)}
        return value
    if ftype == "daterange":
        return {"start": value[0], "until": value[1]}
    if ftype == "time":
        return {"value": value[0], "timezone_id": value[1]}
    if ftype == "timerange":
        return {"start": value[0], "until": value[1], "timezone_id": value[2]}
    if ftype == "address":
        return dict(value)
    return value


# custom_v2 without option labels, by field type, for values that are not None (other types: the value).
_PLAIN_V2: dict[str, Callable[[Any], Any]] = {
    "monetary": lambda value: {"value": value[0], "currency": value[1]},
    "set": list,
    "daterange": lambda value: {"start": value[0], "until": value[1]},
    "time": lambda value: {"value": value[0], "timezone_id": value[1]},
    "timerange": lambda value: {"start": value[0], "until": value[1], "timezone_id": value[2]},
    "address": dict,
}


def custom_fields_renderer(store: Store, entity: str, view: View) -> Callable[[Record], Record]:
    """The ``custom_fields`` object of a record of ``entity`` as ``view`` asks for it; the definitions are
    looked up once, for all the records of a page."""
    chosen = [
        definition
        for definition in store.custom_fields(entity)
        if view.custom_keys is None or definition["code"] in view.custom_keys
    ]
    if view.option_labels:
        labelled = [(definition["code"], definition) for definition in chosen]
        return lambda record: {key: custom_v2(d, record.get(key), True) for key, d in labelled}
    plan = [(definition["code"], _PLAIN_V2.get(definition["field_type"])) for definition in chosen]

    def render(record: Record) -> Record:
        get = record.get
        out: Record = {}
        for key, convert in plan:
            value = get(key)
            out[key] = value if convert is None or value is None else convert(value)
        return out

    return render


def custom_fields_v2(store: Store, entity: str, record: Record, view: View) -> Record:
    return custom_fields_renderer(store, entity, view)(record)


ADDRESS_KEYS = (
    "value",
    "country",
    "admin_area_level_1",
    "admin_area_level_2",
    "locality",
    "sublocality",
    "route",
    "street_number",
    "subpremise",
    "postal_code",
    "formatted_address",
)


def parse_address(value: Any, name: str) -> Record:
    if not isinstance(value, dict):
        raise invalid(name, "Expected object")
    address: Record = {}
    for key in ADDRESS_KEYS:
        part = value.get(key)
        if part is not None and not isinstance(part, str):
            raise invalid(f"{name}.{key}", "Expected string")
        address[key] = part
    if not address.get("formatted_address"):
        address["formatted_address"] = address.get("value")
    return address


def parse_custom_value(store: Store, definition: Record, value: Any, name: str) -> Any:
    """A v2 custom-field value (as a client sends it) in canonical form; raises for a wrong type."""
    if value is None:
        return None
    ftype = definition["field_type"]
    if ftype in ("varchar", "text", "varchar_auto", "phone"):
        if not isinstance(value, str):
            raise invalid(name, "Expected string")
        return value
    if ftype in ("double",):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise invalid(name, "Expected number")
        return float(value)
    if ftype == "monetary":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return (float(value), store.default_currency)
        if (
            not isinstance(value, dict)
            or isinstance(value.get("value"), bool)
            or not isinstance(value.get("value"), int | float)
        ):
            raise invalid(name, "Expected object with a numeric value and a currency")
        currency = value.get("currency") or store.default_currency
        check_currency(store, currency, f"{name}.currency")
        return (float(value["value"]), currency)
    if ftype == "date":
        return check_date(value, name)
    if ftype == "daterange":
        if not isinstance(value, dict):
            raise invalid(name, "Expected object with start and until")
        return (
            check_date(value.get("start"), f"{name}.start"),
            check_date(value.get("until"), f"{name}.until"),
        )
    if ftype in ("time", "timerange"):
        if not isinstance(value, dict):
            raise invalid(name, "Expected object")
        timezone_id = value.get("timezone_id")
        if timezone_id is not None and (
            not isinstance(timezone_id, int) or timezone_id not in store.timezones
        ):
            raise invalid(f"{name}.timezone_id", "Unknown timezone")
        if ftype == "time":
            return (check_time(value.get("value"), f"{name}.value"), timezone_id)
        return (
            check_time(value.get("start"), f"{name}.start"),
            check_time(value.get("until"), f"{name}.until"),
            timezone_id,
        )
    if ftype in ("enum", "set"):
        option_ids = {o["id"] for o in definition["options"] or []}
        values = value if ftype == "set" else [value]
        if ftype == "set" and (not isinstance(value, list) or not value):
            raise invalid(name, "Expected a non-empty array of option ids (use null to clear)")
        for option in values:
            if isinstance(option, bool) or not isinstance(option, int):
                raise invalid(name, "Expected option id (number)")
            if option not in option_ids:
                raise invalid(name, f"Option {option} does not exist")
        return tuple(sorted(set(values))) if ftype == "set" else value
    if ftype == "address":
        return parse_address(value, name)
    if ftype in ("user", "people", "org"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid(name, "Expected number")
        kind = {"user": "user", "people": "person", "org": "organization"}[ftype]
        check_ref(store, kind, value, name)
        return value
    return value


def parse_custom_fields(store: Store, entity: str, value: Any) -> Record:
    if not isinstance(value, dict):
        raise invalid("custom_fields", "Expected object")
    by_key = {d["code"]: d for d in store.custom_fields(entity)}
    out: Record = {}
    for key, item in value.items():
        definition = by_key.get(key)
        if definition is None:
            raise invalid(f"custom_fields.{key}", "Custom field does not exist")
        out[key] = parse_custom_value(store, definition, item, f"custom_fields.{key}")
    return out


def check_currency(store: Store, code: Any, name: str) -> str:
    if not isinstance(code, str) or not any(c["code"] == code for c in store.tables["currency"].values()):
        raise invalid(name, f"Unknown currency '{code}'")
    return code


REF_LABEL = {
    "user": "User",
    "person": "Person",
    "organization": "Organization",
    "deal": "Deal",
    "pipeline": "Pipeline",
    "stage": "Stage",
    "product": "Product",
    "lead": "Lead",
    "activity": "Activity",
}


def check_ref(store: Store, kind: str, value: Any, name: str) -> Any:
    record = store.get(kind, value)
    if record is None or record.get("is_deleted"):
        raise invalid(name, f"{REF_LABEL.get(kind, kind)} with id {value} does not exist")
    return value
