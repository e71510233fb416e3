"""Custom fields as typed columns, from the field definitions of ``/api/v2/{entity}Fields``.

A field becomes a column named from the field's name in PascalCase. Options are shown by label (enum as
VARCHAR, set as VARCHAR[]); a monetary field is two columns, the amount and ``<Name>Currency``; date and
time ranges are ``<Name>`` and ``<Name>Until``; references to users, persons, organizations, deals and
stages are BIGINT ids. Values are read from the record's ``custom_fields`` object (API v2).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pipedrive_sql.catalog.naming import pascal_case, unique_names
from pipedrive_sql.catalog.spec import Column, CustomField
from pipedrive_sql.catalog.types import (
    BIGINT,
    BOOLEAN,
    DATE,
    DOUBLE,
    JSON,
    MONEY,
    TIME,
    VARCHAR,
    VARCHAR_LIST,
    ColumnType,
)

__all__ = ["custom_columns", "field_sql_type"]

_SIMPLE: dict[str, ColumnType] = {
    "int": BIGINT,
    "double": DOUBLE,
    "boolean": BOOLEAN,
    "varchar": VARCHAR,
    "text": VARCHAR,
    "phone": VARCHAR,
    "varchar_auto": VARCHAR,
    "varchar_options": VARCHAR,
    "date": DATE,
    "time": TIME,
    "enum": VARCHAR,
    "set": VARCHAR_LIST,
    "address": VARCHAR,
    "user": BIGINT,
    "org": BIGINT,
    "people": BIGINT,
    "deal": BIGINT,
    "stage": BIGINT,
    "project": BIGINT,
    "activity": BIGINT,
    "lead": VARCHAR,
    "json": JSON,
    "status": VARCHAR,
    "visible_to": BIGINT,
}

_REFERENCES = {
    "user": ("Users", "Id"),
    "org": ("Organizations", "Id"),
    "people": ("Persons", "Id"),
    "deal": ("Deals", "Id"),
    "stage": ("Stages", "Id"),
    "lead": ("Leads", "Id"),
    "activity": ("Activities", "Id"),
}

# Extra columns a field type makes beyond its value: (suffix, part, type).
_RANGE_PARTS = {"daterange": DATE, "timerange": TIME}


def field_sql_type(field_type: str) -> ColumnType:
    """The column type of a custom field's value column."""
    if field_type == "monetary":
        return MONEY
    if field_type in _RANGE_PARTS:
        return _RANGE_PARTS[field_type]
    return _SIMPLE.get(field_type, VARCHAR)


def custom_columns(definitions: Iterable[Mapping[str, Any]], builtin_names: Iterable[str]) -> list[Column]:
    """Columns for the custom fields among ``definitions`` (the API's field objects), named without
    colliding with ``builtin_names`` or with each other."""
    fields = [d for d in definitions if d.get("is_custom_field") and d.get("field_code")]
    fields.sort(key=lambda d: str(d["field_code"]))
    wanted = [
        (
            str(d["field_code"]),
            pascal_case(str(d.get("field_name") or "")),
            _suffixes(str(d.get("field_type"))),
        )
        for d in fields
    ]
    bases = unique_names(wanted, builtin_names)
    columns: list[Column] = []
    for definition in fields:
        columns.extend(_columns_for(definition, bases[str(definition["field_code"])]))
    return columns


def _suffixes(field_type: str) -> tuple[str, ...]:
    if field_type == "monetary":
        return ("", "Currency")
    if field_type in _RANGE_PARTS:
        return ("", "Until")
    return ("",)


def _columns_for(definition: Mapping[str, Any], base: str) -> list[Column]:
    key = str(definition["field_code"])
    field_type = str(definition.get("field_type") or "varchar")
    field_name = str(definition.get("field_name") or key)
    options = _options(definition)
    info = CustomField(key=key, field_type=field_type, field_name=field_name, options=options)
    path = ("custom_fields", key)
    about = f"Custom field {field_name!r} ({field_type}); key {key}."
    if field_type == "monetary":
        return [
            Column(base, MONEY, path, transform=_money_amount, description=about, custom=info),
            Column(
                base + "Currency",
                VARCHAR,
                path,
                transform=_money_currency,
                description=f"Currency of {base}. {about}",
                custom=_part(info, "currency"),
            ),
        ]
    if field_type in _RANGE_PARTS:
        ctype = _RANGE_PARTS[field_type]
        return [
            Column(base, ctype, path, transform=_range_start, description=about, custom=info),
            Column(
                base + "Until",
                ctype,
                path,
                transform=_range_end,
                description=f"End of {base}. {about}",
                custom=_part(info, "until"),
            ),
        ]
    transform: Callable[[Any], Any] | None = None
    if field_type == "enum":
        transform = _enum_label(options)
    elif field_type == "set":
        transform = _set_labels(options)
    elif field_type == "address":
        transform = _address_text
    return [
        Column(
            base,
            field_sql_type(field_type),
            path,
            transform=transform,
            description=about,
            references=_REFERENCES.get(field_type),
            custom=info,
        )
    ]


def _part(info: CustomField, part: str) -> CustomField:
    return CustomField(info.key, info.field_type, info.field_name, info.options, part)


def _options(definition: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for option in definition.get("options") or ():
        if isinstance(option, dict) and option.get("id") is not None:
            out[str(option["id"])] = str(option.get("label") or "")
    return out


# ---- value transforms (applied to non-null raw values) ----------------------------------------------------


def _option_id(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("id", value.get("value"))
    return str(value)


def _enum_label(options: Mapping[str, str]) -> Callable[[Any], Any]:
    def label(value: Any) -> Any:
        if isinstance(value, dict) and "label" in value:
            return value["label"]
        option = _option_id(value)
        return options.get(option, option)

    return label


def _set_labels(options: Mapping[str, str]) -> Callable[[Any], Any]:
    enum = _enum_label(options)

    def labels(value: Any) -> Any:
        if isinstance(value, str):
            value = [v for v in value.split(",") if v.strip()]
        if not isinstance(value, list | tuple):
            value = [value]
        return [enum(v.strip() if isinstance(v, str) else v) for v in value]

    return labels


def _money_amount(value: Any) -> Any:
    if isinstance(value, dict):
        return value.get("value", value.get("amount"))
    return value


def _money_currency(value: Any) -> Any:
    return value.get("currency") if isinstance(value, dict) else None


def _range_start(value: Any) -> Any:
    if isinstance(value, dict):
        for key in ("start", "start_date", "start_time", "value", "from"):
            if key in value:
                return value[key]
        return None
    return value


def _range_end(value: Any) -> Any:
    if isinstance(value, dict):
        for key in ("end", "end_date", "end_time", "until", "to"):
            if key in value:
                return value[key]
    return None


def _address_text(value: Any) -> Any:
    if isinstance(value, dict):
        return value.get("value") or value.get("formatted_address")
    return value
