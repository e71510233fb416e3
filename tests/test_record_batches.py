"""Cursor.fetch_record_batch: the rest of a result as Arrow batches, read from the API as they are consumed."""

from __future__ import annotations

from typing import Any

import pytest

import pipedrive_sql
from pipedrive_sql.errors import ProgrammingError


def test_batches_hold_the_same_rows_as_fetch_arrow_table(sandbox: Any) -> None:
    with pipedrive_sql.connect(BaseURL=sandbox.url, APIToken=sandbox.api_token, Pagesize=50) as connection:
        cursor = connection.cursor()
        whole = cursor.execute("SELECT * FROM Deals ORDER BY Id").fetch_arrow_table()
        reader = cursor.execute("SELECT * FROM Deals ORDER BY Id").fetch_record_batch(64)
        batches = list(reader)
        assert max(b.num_rows for b in batches) <= 64
        assert reader.schema.equals(whole.schema)
        assert sum(b.num_rows for b in batches) == whole.num_rows == cursor.rowcount
        assert pa_table(batches).equals(whole)


def pa_table(batches: list[Any]) -> Any:
    import pyarrow as pa

    return pa.Table.from_batches(batches)


def test_max_rows_and_empty_results(sandbox: Any) -> None:
    with pipedrive_sql.connect(BaseURL=sandbox.url, APIToken=sandbox.api_token, MaxRows=7) as connection:
        cursor = connection.cursor()
        assert sum(b.num_rows for b in cursor.execute("SELECT Id FROM Deals").fetch_record_batch(3)) == 7
        empty = cursor.execute("SELECT Id, Title FROM Deals WHERE Id < 0").fetch_record_batch()
        assert empty.schema.names == ["Id", "Title"] and list(empty) == []
        with pytest.raises(ProgrammingError, match="rows_per_batch"):
            cursor.execute("SELECT Id FROM Deals").fetch_record_batch(0)
