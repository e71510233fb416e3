"""Spark schemas from the driver's catalog, and Arrow batches shaped to them.

A table's columns, custom fields included, come from the catalog of each company read: the Arrow schema of
the same query with no rows (which costs no API request beyond connecting). Several companies have different
custom fields; the Spark schema is their union by column name, in the order first seen, and a company without
a column gives NULL there. A column whose type differs between companies is an error that names both (the
user picks columns with a schema or a query). Types map one to one (pyspark's own Arrow mapping): BIGINT to
LongType, DOUBLE to DoubleType, DECIMAL(p, s) to DecimalType(p, s), TIMESTAMP WITH TIME ZONE to TimestampType,
DATE to DateType, TIME to TimeType, lists to ArrayType, structs to StructType.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
from pyspark.sql.pandas.types import from_arrow_type, to_arrow_type
from pyspark.sql.types import DataType, StringType, StructField, StructType

from pipedrive_sql.errors import ProgrammingError

__all__ = ["conform_batch", "quote", "spark_schema", "union_schemas"]


def quote(name: str) -> str:
    """A column or table name as a double-quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def union_schemas(named: Sequence[tuple[str, pa.Schema]]) -> pa.Schema:
    """The union of several companies' Arrow schemas by column name (first seen first)."""
    fields: dict[str, tuple[str, pa.Field]] = {}
    for company, schema in named:
        for arrow_field in schema:
            seen = fields.get(arrow_field.name)
            if seen is None:
                fields[arrow_field.name] = (company, arrow_field)
            elif not seen[1].type.equals(arrow_field.type):
                raise ProgrammingError(
                    f"Column {arrow_field.name!r} is {seen[1].type} in company {seen[0]!r} but "
                    f"{arrow_field.type} in company {company!r}: read them separately, or choose the columns "
                    "with .schema(...) or option query."
                )
    return pa.schema([entry[1] for entry in fields.values()])


def spark_schema(arrow: pa.Schema, company_column: str | None, *, time_type: bool = False) -> StructType:
    """The Spark schema for ``arrow`` (plus the company column first, when there is one).

    TIME columns (an activity's due time, custom time fields) become text ``HH:MM:SS``: Spark's TimeType
    exists only behind ``spark.sql.timeType.enabled``, and without it Spark refuses such columns in most
    operations. With ``time_type`` (option ``timeType=time``, for sessions that enable it) they are TimeType."""
    fields = []
    if company_column is not None:
        if company_column in arrow.names:
            raise ProgrammingError(
                f"The company column {company_column!r} clashes with a column of the table: "
                "name it otherwise with option companyColumn."
            )
        fields.append(StructField(company_column, StringType(), nullable=False))
    for arrow_field in arrow:
        if pa.types.is_time(arrow_field.type) and not time_type:
            fields.append(StructField(arrow_field.name, StringType(), nullable=True))
        else:
            fields.append(StructField(arrow_field.name, from_arrow_type(arrow_field.type), nullable=True))
    return StructType(fields)


def conform_batch(
    batch: pa.RecordBatch, schema: StructType, company_column: str | None, company: str
) -> pa.RecordBatch:
    """``batch`` with exactly the columns and Arrow types Spark expects for ``schema``."""
    arrays = []
    fields = []
    for spark_field in schema.fields:
        target = _arrow_type(spark_field.dataType)
        if spark_field.name == company_column:
            arrays.append(pa.array([company] * batch.num_rows, type=target))
        elif spark_field.name in batch.schema.names:
            column = batch.column(spark_field.name)
            if pa.types.is_time(column.type) and pa.types.is_string(target):
                column = _time_text(column)
            arrays.append(column if column.type.equals(target) else column.cast(target))
        else:
            arrays.append(pa.nulls(batch.num_rows, type=target))
        fields.append(pa.field(spark_field.name, target, nullable=spark_field.nullable))
    return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(fields))


def _arrow_type(data_type: DataType) -> pa.DataType:
    try:
        return to_arrow_type(data_type, timezone="UTC")
    except TypeError:  # pyspark before 4.2 takes no timezone (its timestamps are UTC)
        return to_arrow_type(data_type)


def _time_text(column: pa.Array) -> pa.Array:
    """Times as ``HH:MM:SS`` (with a fraction only where there is one)."""
    try:
        return column.cast(pa.time32("s")).cast(pa.string())
    except pa.ArrowInvalid:  # sub-second values: keep them
        return column.cast(pa.string())
