"""MONEY (DECIMAL(18,4)): amounts are the exact decimals the API's JSON numbers write, on both paths."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from pipedrive_sql.catalog.types import MONEY, coerce_money
from pipedrive_sql.engine.write_values import BadValue, to_amount


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1234.5, 0.1, 16723473.23, 5, -3.25, None], ["1234.5", "0.1", "16723473.23", "5", "-3.25", None]),
        ([1e-05, 0.00015, 123456789012.3456], ["0", "0.0002", "123456789012.3456"]),  # half-even at 4 places
        (["12.5", " 7 ", "", "abc", None], ["12.5", "7", None, None, None]),
        ([{"value": 3.5}, float("nan"), float("inf"), 10**20], ["3.5", None, None, None]),
        ([None, None], [None, None]),
    ],
)
def test_build_gives_the_json_numbers_digits(values: list[Any], expected: list[str | None]) -> None:
    array = MONEY.build(values)
    assert array.type == pa.decimal128(18, 4)
    want = [None if e is None else Decimal(e).quantize(Decimal("0.0001")) for e in expected]
    assert array.to_pylist() == want
    assert [coerce_money(v) if not isinstance(v, bool) else None for v in values] == want


def test_fast_path_matches_the_per_value_path_on_many_amounts() -> None:
    amounts = [round(i * 0.37 + i / 7, places) for i in range(-500, 500) for places in (0, 1, 2, 3, 4)]
    assert MONEY.build(amounts).to_pylist() == [coerce_money(a) for a in amounts]


def test_writes_send_the_amount_as_a_number() -> None:
    assert to_amount(Decimal("1234.5000")) == 1234.5 and to_amount("8420") == 8420
    assert to_amount(0.1) == 0.1 and to_amount(7) == 7
    for bad in ("ten", float("nan"), True, 10**15):
        with pytest.raises(BadValue):
            to_amount(bad)
