"""PostgreSQL's typing of operands and of a few functions, applied to the SQL clients send before DuckDB
reads it, where DuckDB's own rules would give another answer.

- Division: PostgreSQL's `a / b` divides integers as integers (`7 / 2` is 3, `-7 / 2` is -3) and anything
  else exactly; DuckDB's `/` always divides exactly. Where both operands are integers, the division becomes
  DuckDB's `//`, which truncates toward zero and refuses a zero divisor as PostgreSQL does. Other divisions
  refuse a zero divisor too (DuckDB would answer Infinity).
- Untyped parameters: a parameter bound with OID 0 (psycopg binds a Python `str` so; node-postgres and
  extended-protocol clients that leave the types unspecified do too) has PostgreSQL's `unknown` type, and
  an operator resolves it to the type of its other operand: `$1 * 1.5` multiplies numerics, `$1 + 1`
  integers, `"Probability" * $1` doubles. DuckDB would see a string literal and refuse the arithmetic (or
  pick double precision), so the parameter gets PostgreSQL's type as an explicit cast. Text PostgreSQL
  would refuse for that type is refused with its SQLSTATE (22P02). A float8 parameter computes in double
  precision (DuckDB would read the bound value as a decimal constant).
- Comparisons: text (a constant or an untyped parameter) compared with an integer or a numeric is read as
  that type; DuckDB would round it (`2 = '1.5'` is true there). Dates, text, booleans, LIKE and LIMIT need
  nothing: DuckDB casts the text to the other side's type there as PostgreSQL does.
- Bare `numeric` casts: PostgreSQL's unconstrained numeric keeps the digits it is given (`'3'::numeric`
  prints 3, `1.25::numeric` 1.25); DuckDB's `NUMERIC` is DECIMAL(18,3) and would print 3.000. A cast of a
  bound value or a constant gets the precision and scale of that value instead; one of an integer, the
  scale 0 an integer has.
- Functions: `generate_series` of dates is one of timestamptz, the seconds field keeps its fraction,
  `round` of a double rounds half to even, and `substr`/`substring` count a start before 1 as positions
  before the string (DuckDB counts a negative start from the end).

The types come from the SQL (literals, casts, arithmetic), the catalog's column types and the bound
parameters' OIDs; operands of other or unknown types are left to DuckDB as written.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlglot import expressions as exp

from .errors import PgError

#: PostgreSQL's integer types (int2, int4, int8), numeric and floating-point types, by OID
INTEGER_OIDS = frozenset({20, 21, 23})
NUMERIC_OIDS = frozenset({1700})
FLOAT_OIDS = frozenset({700, 701})
DATE_OID = 1082

#: where a parsed call keeps the function's name as the client wrote it (pgnames.ClientPostgres)
WRITTEN_NAME = "pg_written_name"

INTEGER = "integer"
NUMERIC = "numeric"
FLOAT = "float"
DATE = "date"
UNTYPED = "untyped"  # OID 0 text: PostgreSQL's `unknown`, typed where it is used
_NUMBERS = frozenset({INTEGER, NUMERIC, FLOAT})

_TYPE_KINDS = {
    exp.DataType.Type.TINYINT: INTEGER,
    exp.DataType.Type.SMALLINT: INTEGER,
    exp.DataType.Type.INT: INTEGER,
    exp.DataType.Type.BIGINT: INTEGER,
    exp.DataType.Type.DECIMAL: NUMERIC,
    exp.DataType.Type.FLOAT: FLOAT,
    exp.DataType.Type.DOUBLE: FLOAT,
    exp.DataType.Type.DATE: DATE,
}
#: how PostgreSQL names each kind in its errors
_TYPE_NAMES = {INTEGER: "integer", NUMERIC: "numeric", FLOAT: "double precision"}
#: the most digits DuckDB's DECIMAL holds
_MAX_DIGITS = 38
_INT8_MAX = 2**63 - 1
_INTEGER_TEXT = re.compile(r"\s*[+-]?\d+\s*")


def kind_of_oid(oid: int) -> str | None:
    """The kind of a PostgreSQL type (a number's, or a date), or None for types not typed here."""
    if oid == DATE_OID:
        return DATE
    if oid in INTEGER_OIDS:
        return INTEGER
    if oid in NUMERIC_OIDS:
        return NUMERIC
    if oid in FLOAT_OIDS:
        return FLOAT
    return None


#: table -> column -> its kind (INTEGER, NUMERIC, FLOAT, DATE, or None): the catalog's types
ColumnKinds = Mapping[str, Mapping[str, str | None]]


@dataclass(frozen=True)
class Bound:
    """How a `$n` parameter was bound: its kind (INTEGER, NUMERIC, FLOAT or UNTYPED) and its value."""

    kind: str
    value: Any


#: `$n` -> how it was bound; parameters of other types (and NULLs) are left out
ParameterKinds = Mapping[int, Bound]


def parameter_kinds(values: Sequence[Any], oids: Sequence[int]) -> dict[int, Bound]:
    """The kinds of bound parameters: numbers decoded from a numeric OID, and untyped text (OID 0, still a
    string), which PostgreSQL types from the operand it meets."""
    kinds: dict[int, Bound] = {}
    for n, value in enumerate(values, start=1):
        oid = oids[n - 1] if n - 1 < len(oids) else 0
        if value is None or isinstance(value, bool):
            continue
        if oid == 0 and isinstance(value, str):
            kinds[n] = Bound(UNTYPED, value)
        elif isinstance(value, (int, float, decimal.Decimal)) and kind_of_oid(oid) in _NUMBERS:
            kinds[n] = Bound(kind_of_oid(oid) or "", value)
    return kinds


def type_operands(tree: exp.Expr, columns: ColumnKinds, params: ParameterKinds | None = None) -> None:
    """Give the statement's arithmetic PostgreSQL's types (see the module's docstring): untyped parameters
    take the other operand's type, divisions of integers truncate, bare numeric casts keep the value's
    digits. Raises PgError where PostgreSQL refuses the statement (22P02, 42725)."""
    kinds = params or {}
    _fractional_seconds(tree)
    _substrings_from_the_start(tree, kinds)
    _series_of_dates(tree, columns, kinds)
    _compare_as_numbers(tree, columns, kinds)
    for cast in list(tree.find_all(exp.Cast)):
        _fit_numeric_cast(cast, columns, kinds)
    for neg in tree.find_all(exp.Neg):
        if _untyped(neg.this, kinds):
            raise PgError("42725", "operator is not unique: - unknown", hint=_CAST_HINT)
    # deepest first, so that `a / b / c` sees its inner division already typed
    for node in reversed(list(tree.find_all(*_ARITHMETIC))):
        left, right = node.this, node.expression
        if _untyped(left, kinds) and _untyped(right, kinds):
            raise PgError(
                "42725",
                f"operator is not unique: unknown {_SYMBOLS.get(type(node), '?')} unknown",
                hint=_CAST_HINT,
            )
        # a float8 parameter (psycopg binds a Python float so) computes in double precision, as in
        # PostgreSQL; DuckDB would read the bound value as a decimal constant
        left, right = _as_double(left, kinds), _as_double(right, kinds)
        node.set("this", left)
        node.set("expression", right)
        if _untyped(left, kinds):
            other = kind_of(right, columns, kinds)
            if other in _NUMBERS:
                left = _typed_parameter(left, other, kinds)
                node.set("this", left)
        elif _untyped(right, kinds):
            other = kind_of(left, columns, kinds)
            if other in _NUMBERS:
                right = _typed_parameter(right, other, kinds)
                node.set("expression", right)
        if (
            isinstance(node, exp.Div)
            and kind_of(left, columns, kinds) == INTEGER
            and kind_of(right, columns, kinds) == INTEGER
        ):
            node.replace(exp.IntDiv(this=left, expression=right))
        elif isinstance(node, exp.Div) and not _never_zero(right):
            # PostgreSQL refuses a zero divisor whatever the types (22012); DuckDB's exact division gives
            # Infinity or NULL
            node.set("expression", _refuse_zero(right))
    _round_half_even(tree, columns, kinds)


_CAST_HINT = "Could not choose a best candidate operator. You might need to add explicit type casts."
_ARITHMETIC = (exp.Add, exp.Sub, exp.Mul, exp.Mod, exp.Div)
_SYMBOLS = {exp.Add: "+", exp.Sub: "-", exp.Mul: "*", exp.Mod: "%", exp.Div: "/"}


def parameter_number(node: exp.Expr) -> int | None:
    """n for a `$n` node, else None."""
    if isinstance(node, (exp.Parameter, exp.Placeholder)):
        text = node.sql(dialect="postgres").lstrip("$")
        if text.isdigit():
            return int(text)
    return None


def _never_zero(node: exp.Expr) -> bool:
    """A divisor that cannot be zero: a non-zero number written out, or `nullif(x, 0)`."""
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Literal) and not node.is_string:
        try:
            return decimal.Decimal(node.name) != 0
        except decimal.InvalidOperation:
            return False
    return isinstance(node, exp.Nullif)


def _refuse_zero(divisor: exp.Expr) -> exp.Expr:
    failure = exp.Anonymous(this="error", expressions=[exp.Literal.string("division by zero")])
    return exp.Case(
        ifs=[exp.If(this=exp.EQ(this=divisor.copy(), expression=exp.Literal.number(0)), true=failure)],
        default=divisor,
    )


def _round_half_even(tree: exp.Expr, columns: ColumnKinds, kinds: ParameterKinds) -> None:
    """`round(x)` of a double rounds half to even in PostgreSQL (`round(2.5::float8)` is 2; a numeric's
    2.5 rounds to 3 in both); DuckDB rounds a double's half away from zero."""
    for node in list(tree.find_all(exp.Round)):
        if node.args.get("decimals") is None and kind_of(node.this, columns, kinds) == FLOAT:
            node.replace(exp.Anonymous(this="round_even", expressions=[node.this, exp.Literal.number(0)]))


def _as_double(node: exp.Expr, kinds: ParameterKinds) -> exp.Expr:
    number = parameter_number(node)
    bound = kinds.get(number) if number is not None else None
    if bound is None or bound.kind != FLOAT:
        return node
    return exp.Cast(this=node, to=exp.DataType.build("DOUBLE"))


def _untyped(node: exp.Expr, kinds: ParameterKinds) -> bool:
    number = parameter_number(node)
    bound = kinds.get(number) if number is not None else None
    return bound is not None and bound.kind == UNTYPED


def kind_of(node: exp.Expr, columns: ColumnKinds, kinds: ParameterKinds) -> str | None:
    """INTEGER, NUMERIC or FLOAT if PostgreSQL would type the expression so, else None (not a number, or
    not known here)."""
    if isinstance(node, (exp.Paren, exp.Neg, exp.Abs)):
        return kind_of(node.this, columns, kinds)
    number = parameter_number(node)
    if number is not None:
        bound = kinds.get(number)
        return bound.kind if bound is not None and bound.kind != UNTYPED else None
    if isinstance(node, exp.Literal):
        if node.is_string:
            return None
        # PostgreSQL: digits alone are an integer (numeric past int8), a point or an exponent numeric
        if node.is_int:
            return INTEGER if abs(int(node.name)) <= _INT8_MAX else NUMERIC
        return NUMERIC
    if isinstance(node, (exp.Cast, exp.TryCast)):
        to = node.to
        return _TYPE_KINDS.get(to.this) if isinstance(to, exp.DataType) else None
    if isinstance(node, (exp.Add, exp.Sub)) and kind_of(node.this, columns, kinds) == DATE:
        # date + integer and date - integer are dates (date - date an integer)
        other = kind_of(node.expression, columns, kinds)
        return DATE if other == INTEGER else INTEGER if other == DATE and isinstance(node, exp.Sub) else None
    if isinstance(node, (exp.Add, exp.Sub, exp.Mul, exp.Mod, exp.Div)):
        return _combined(kind_of(node.this, columns, kinds), kind_of(node.expression, columns, kinds))
    if isinstance(node, (exp.IntDiv, exp.Count)):
        return INTEGER
    if isinstance(node, (exp.CurrentDate, exp.Date)):
        return DATE
    if isinstance(node, (exp.Min, exp.Max)):
        return kind_of(node.this, columns, kinds)
    if isinstance(node, exp.Column):
        return _column_kind_of(node, columns)
    return None


def _combined(left: str | None, right: str | None) -> str | None:
    """The kind of arithmetic between two kinds: integer with integer stays integer, numeric wins over
    integer, double precision over both (PostgreSQL casts numeric to float8 implicitly, not back)."""
    if left not in _NUMBERS or right not in _NUMBERS:
        return None
    if FLOAT in (left, right):
        return FLOAT
    if NUMERIC in (left, right):
        return NUMERIC
    return INTEGER


def _typed_parameter(node: exp.Expr, kind: str, kinds: ParameterKinds) -> exp.Expr:
    """An untyped parameter as PostgreSQL resolves it against an operand of `kind`: cast to that type, or
    refused as PostgreSQL refuses text that is no such value."""
    number = parameter_number(node)
    assert number is not None
    text = str(kinds[number].value)
    if kind == INTEGER:
        if not _INTEGER_TEXT.fullmatch(text):
            raise _invalid(INTEGER, number)
        return exp.Cast(this=node.copy(), to=exp.DataType.build("BIGINT"))
    if kind == FLOAT:
        try:
            float(text.strip().replace("_", "x"))
        except ValueError:
            raise _invalid(FLOAT, number) from None
        return exp.Cast(this=node.copy(), to=exp.DataType.build("DOUBLE"))
    return exp.Cast(this=node.copy(), to=_numeric_type_of(text, number))


def _invalid(kind: str, number: int) -> PgError:
    return PgError("22P02", f"invalid input syntax for type {_TYPE_NAMES[kind]} (parameter ${number})")


def _numeric_type_of(text: str, number: int | None) -> exp.DataType:
    """DECIMAL(p, s) holding the numeric text exactly, as PostgreSQL's numeric keeps its digits; NaN and
    infinities (numeric has them, DECIMAL not) as DOUBLE."""
    try:
        value = decimal.Decimal(text.strip().replace("_", "x"))
    except decimal.InvalidOperation:
        if number is None:
            raise PgError("22P02", f'invalid input syntax for type numeric: "{text[:100]}"') from None
        raise _invalid(NUMERIC, number) from None
    if not value.is_finite():
        return exp.DataType.build("DOUBLE")
    shape = value.as_tuple()
    exponent = int(shape.exponent)
    digits = len(shape.digits)
    scale = max(-exponent, 0)
    precision = max(digits + max(exponent, 0), scale, 1)
    if precision > _MAX_DIGITS:
        where = f"parameter ${number}" if number is not None else "a constant"
        raise PgError(
            "22003",
            f"numeric value out of range: {where} has {precision} digits, the server computes "
            f"numerics of up to {_MAX_DIGITS} exactly",
            hint="cast it to float8 (double precision) to compute with it approximately",
        )
    return exp.DataType.build(f"DECIMAL({precision}, {scale})")


def _fit_numeric_cast(cast: exp.Cast, columns: ColumnKinds, kinds: ParameterKinds) -> None:
    """`x::numeric` (no precision) as PostgreSQL prints it: a bound value or a constant keeps its digits,
    an integer scale 0; anything else keeps DuckDB's DECIMAL(18,3)."""
    to = cast.to
    if not isinstance(to, exp.DataType) or to.this != exp.DataType.Type.DECIMAL or to.expressions:
        return
    inner = cast.this
    while isinstance(inner, exp.Paren):  # EXECUTE name('1.5') puts the value in parentheses
        inner = inner.this
    number = parameter_number(inner)
    if number is not None:
        bound = kinds.get(number)
        if bound is not None and bound.kind in (UNTYPED, NUMERIC, INTEGER):
            cast.set("to", _numeric_type_of(str(bound.value), number))
        return
    if isinstance(inner, exp.Literal):
        cast.set("to", _numeric_type_of(inner.name, None))
    elif kind_of(inner, columns, kinds) == INTEGER:
        # int8's 19 digits: exact, and scale 0 as PostgreSQL prints an integer made numeric
        cast.set("to", exp.DataType.build("DECIMAL(19, 0)"))


def _column_kind_of(column: exp.Column, columns: ColumnKinds) -> str | None:
    found = [_column_kind(s, column.this, columns) for s in column_sources(column)]
    known = [k for k in found if k is not MISSING]
    return known[0] if len(known) == 1 and isinstance(known[0], str) else None


def column_sources(column: exp.Column) -> list[exp.Expr]:
    """The tables and sub-selects of the column's SELECT (FROM and JOINs) it may come from: the one its
    qualifier names, else all of them (none for a column outside a SELECT)."""
    select = column.find_ancestor(exp.Select)
    if select is None or not isinstance(column.this, exp.Identifier):
        return []
    sources = _sources(select)
    if column.table:
        return [s for alias, s in sources if alias.lower() == column.table.lower()]
    return [s for _alias, s in sources]


def _sources(select: exp.Select) -> list[tuple[str, exp.Expr]]:
    """(alias or name, table or sub-select) of the select's FROM and JOINs."""
    found: list[exp.Expr] = []
    from_ = select.args.get("from_") or select.args.get("from")
    if isinstance(from_, exp.From):
        found.append(from_.this)
    for join in select.args.get("joins") or []:
        found.append(join.this)
    return [(s.alias_or_name, s) for s in found if isinstance(s, (exp.Table, exp.Subquery))]


#: what `column_in` gives for a column the table does not have
MISSING = object()


def column_in(table: Mapping[str, object] | None, name: exp.Identifier) -> object:
    """What `table` (column name -> anything) holds for the column `name`, matched as PostgreSQL matches
    names (a quoted name exactly, another folded), or MISSING."""
    if table is None:
        return MISSING
    if name.quoted:
        return table.get(name.name, MISSING)
    matches = [value for column, value in table.items() if column.lower() == name.name.lower()]
    return matches[0] if len(matches) == 1 else MISSING


def _column_kind(source: exp.Expr, name: exp.Identifier, columns: ColumnKinds) -> object:
    """The column's kind in `source` (None: not a number), or MISSING if the source has no such column."""
    if isinstance(source, exp.Table):
        return column_in(columns.get(source.name), name)
    inner = source.this
    if not isinstance(inner, exp.Select):
        return MISSING
    for projection in inner.expressions:
        alias = projection.alias_or_name
        if alias == name.name or (not name.quoted and alias.lower() == name.name.lower()):
            return kind_of(projection.unalias(), columns, {})
    return MISSING


def _series_of_dates(tree: exp.Expr, columns: ColumnKinds, kinds: ParameterKinds) -> None:
    """`generate_series` of dates is one of timestamptz in PostgreSQL: there is no date version, and a date
    (or an untyped string) goes to timestamptz, the preferred type of its category; DuckDB's answers
    timestamps. A timestamp among the bounds keeps the timestamp version, as in PostgreSQL."""
    for node in tree.find_all(exp.GenerateSeries, exp.ExplodingGenerateSeries):
        bounds = [node.args.get("start"), node.args.get("end")]
        step = node.args.get("step")
        if not all(isinstance(b, exp.Expr) for b in bounds) or step is None:
            continue
        dates = [kind_of(b, columns, kinds) == DATE for b in bounds if isinstance(b, exp.Expr)]
        strings = [isinstance(b, exp.Literal) and b.is_string for b in bounds]
        interval = isinstance(step, exp.Interval) or (
            isinstance(step, exp.Cast)
            and isinstance(step.to, exp.DataType)
            and step.to.this == exp.DataType.Type.INTERVAL
        )
        if all(d or s for d, s in zip(dates, strings, strict=True)) and (any(dates) or interval):
            for key in ("start", "end"):
                node.set(key, exp.Cast(this=node.args[key], to=exp.DataType.build("TIMESTAMPTZ")))


_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ, exp.NullSafeNEQ)


def _compare_as_numbers(tree: exp.Expr, columns: ColumnKinds, kinds: ParameterKinds) -> None:
    """A string constant or an untyped parameter compared with an integer or a numeric (`"Id" = '7'`,
    `"Value" > $1`, `"Id" IN ('1', '2')`, `BETWEEN`) is read as that type, as PostgreSQL reads it: text that
    is no such number is 22P02, and a numeric compares with all its digits. DuckDB would round the text to
    the other side's type (`2 = '1.5'` is true there, `1.2346::decimal(18,4) = '1.23456'` too). Integers
    stay as written, so that the API can still be asked for them (`"Id" = '7'`)."""
    pairs: list[tuple[exp.Expr, exp.Expr]] = []
    for node in tree.find_all(*_COMPARISONS):
        pairs += [(node.this, node.expression), (node.expression, node.this)]
    for within in tree.find_all(exp.In):
        pairs += [(within.this, item) for item in within.expressions]
    for between in tree.find_all(exp.Between):
        pairs += [(between.this, between.args["low"]), (between.this, between.args["high"])]
    for typed, text_side in pairs:
        text, number = _text_of(text_side, kinds)
        if text is None:
            continue
        kind = kind_of(typed, columns, kinds)
        if kind == INTEGER and not _INTEGER_TEXT.fullmatch(text):
            if number is None:
                raise PgError("22P02", f'invalid input syntax for type integer: "{text[:100]}"')
            raise _invalid(INTEGER, number)
        if kind == NUMERIC:
            try:
                to = _numeric_type_of(text, number)
            except PgError as exc:
                if exc.sqlstate != "22003":
                    raise
                # more digits than DECIMAL holds: no numeric column equals it, and a double orders it
                to = exp.DataType.build("DOUBLE")
            text_side.replace(exp.Cast(this=text_side.copy(), to=to))


def _text_of(node: exp.Expr, kinds: ParameterKinds) -> tuple[str | None, int | None]:
    """(text, parameter number) of a string constant (number None) or an untyped parameter; (None, None)
    for anything else."""
    if isinstance(node, exp.Literal) and node.is_string:
        return node.name, None
    number = parameter_number(node)
    if number is not None and _untyped(node, kinds):
        return str(kinds[number].value), number
    return None, None


def _fractional_seconds(tree: exp.Expr) -> None:
    """PostgreSQL's seconds field has the fraction (`extract(second from '03:04:05.5')` is 5.500000, a
    numeric; `date_part('second', ...)` 5.5, a double); DuckDB's is whole seconds. Both come from the
    microseconds instead (DuckDB's `microsecond` counts them within the minute, seconds included)."""
    for node in list(tree.find_all(exp.Extract)):
        part = node.this
        if not isinstance(part, (exp.Var, exp.Column, exp.Identifier)) or part.name.upper() not in (
            "SECOND",
            "SECONDS",
        ):
            continue
        micros = exp.Anonymous(this="microsecond", expressions=[node.expression.copy()])
        if str(node.meta.get(WRITTEN_NAME, "")).lower() == "date_part":
            value: exp.Expr = exp.Div(
                this=exp.Cast(this=micros, to=exp.DataType.build("DOUBLE")),
                expression=exp.Literal.number(1_000_000),
            )
        else:
            value = exp.Mul(
                this=exp.Cast(this=micros, to=exp.DataType.build("DECIMAL(18, 0)")),
                expression=exp.Literal.number("0.000001"),
            )
        node.replace(exp.Paren(this=value))


def _substrings_from_the_start(tree: exp.Expr, kinds: ParameterKinds) -> None:
    """PostgreSQL's `substr(s, start, n)` is the characters at positions start .. start+n-1 that exist:
    `substr('abc', -1, 3)` is 'a', `substr('abc', -1)` the whole string, and a negative length 22011.
    DuckDB counts a negative start from the end ('c'). A start that is a positive number written out
    means the same to both and stays as written."""
    for node in list(tree.find_all(exp.Substring)):
        start, length = node.args.get("start"), node.args.get("length")
        if start is None:
            continue
        if length is not None and not (isinstance(length, exp.Literal) and length.is_int):
            if isinstance(length, exp.Neg) and isinstance(length.this, exp.Literal):
                raise PgError("22011", "negative substring length not allowed")
            if _untyped(length, kinds):
                length = _typed_parameter(length, INTEGER, kinds)
            # DuckDB takes a negative length backward from the start
            failure = exp.Anonymous(
                this="error", expressions=[exp.Literal.string("negative substring length not allowed")]
            )
            length = exp.Case(
                ifs=[exp.If(this=exp.LT(this=length.copy(), expression=exp.Literal.number(0)), true=failure)],
                default=length,
            )
            node.set("length", length)
        if isinstance(start, exp.Literal) and start.is_int and int(start.name) >= 1:
            continue
        if _untyped(start, kinds):
            start = _typed_parameter(start, INTEGER, kinds)
        first = exp.Greatest(this=start.copy(), expressions=[exp.Literal.number(1)])
        node.set("start", first)
        if length is not None:
            span = exp.Sub(this=exp.Add(this=start.copy(), expression=length.copy()), expression=first.copy())
            node.set("length", exp.Greatest(this=span, expressions=[exp.Literal.number(0)]))
