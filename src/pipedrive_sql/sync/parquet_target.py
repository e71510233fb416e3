"""Replication into a folder of Parquet files, with a manifest.

Layout::

    FOLDER/_manifest.json                     the commit point: per table its current version folder,
                                              files, rows, columns, key, references, mark and signature
    FOLDER/Deals/v000003/part-00000.parquet   the table, in parts of PART_ROWS rows

A sync of a table writes a whole new version folder next to the current one, then replaces the manifest
atomically (write, fsync, rename): readers that follow the manifest see the old version or the new one,
never half of one. Old versions, and versions a killed sync left unfinished, are removed on the next sync.
Read with DuckDB (``read_parquet('FOLDER/Deals/v000003/*.parquet')``), pandas (``pd.read_parquet`` of the
version folder), polars or Spark; ``manifest_paths`` in ``pipedrive_sql.sync`` gives the current folders.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipedrive_sql.catalog.spec import TableSpec
from pipedrive_sql.sync.base import DELETED_COLUMN, Batch, Target, TargetState, deleted_filter

__all__ = ["ParquetTarget", "read_manifest"]

MANIFEST = "_manifest.json"
PART_ROWS = 50_000


def read_manifest(folder: str | Path) -> dict[str, Any]:
    path = Path(folder) / MANIFEST
    if not path.exists():
        return {"format": 1, "tables": {}}
    return dict(json.loads(path.read_text()))


class ParquetTarget(Target):
    kind = "parquet"

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder).expanduser()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.manifest = read_manifest(self.folder)
        self._clean()

    def describe(self) -> str:
        return f"Parquet folder {self.folder}"

    def state(self, table: str) -> TargetState | None:
        entry = self.manifest["tables"].get(table)
        if entry is None:
            return None
        mark = datetime.fromisoformat(entry["mark"]) if entry.get("mark") else None
        return TargetState(table, mark, entry.get("signature", ""), int(entry.get("rows", 0)))

    def held_deleted(self, spec: TableSpec, cutoff: datetime) -> list[Any]:
        columns = deleted_filter(spec)
        key = spec.key_column
        entry = self.manifest["tables"].get(spec.name)
        if columns is None or key is None or entry is None or not entry["files"]:
            return []
        table = pa.concat_tables([pq.read_table(self.folder / f) for f in entry["files"]])
        if not {*columns, key.name} <= set(table.column_names):
            return []
        status, updated = table.column(columns[0]), table.column(columns[1])
        old = pc.fill_null(pc.less(updated, pa.scalar(cutoff, updated.type)), True)
        wanted = pc.and_(pc.fill_null(pc.equal(status, "deleted"), False), old)
        if DELETED_COLUMN in table.column_names:
            wanted = pc.and_(wanted, pc.invert(pc.fill_null(table.column(DELETED_COLUMN), False)))
        return list(table.filter(wanted).column(key.name).to_pylist())

    def apply(self, batch: Batch, synced: Sequence[str]) -> int:
        rows = batch.rows
        if batch.soft_delete:
            rows = rows.append_column(DELETED_COLUMN, pa.array([False] * rows.num_rows, pa.bool_()))
        entry = self.manifest["tables"].get(batch.name)
        state = self.state(batch.name)
        rebuild = (
            (batch.full and not batch.soft_delete) or state is None or state.signature != batch.signature
        )
        if not rebuild and entry is not None:
            current = self._read(entry, rows.schema)
            key = batch.key
            replaced = pa.array(
                list(rows.column(key).to_pylist()) + list(batch.deleted), rows.schema.field(key).type
            )
            if batch.soft_delete:
                gone = pa.array(batch.deleted, rows.schema.field(key).type)
                if batch.full:
                    flag = pc.invert(pc.is_in(current.column(key), value_set=rows.column(key)))
                else:
                    flag = pc.is_in(current.column(key), value_set=gone)
                deleted = pc.or_(pc.fill_null(current.column(DELETED_COLUMN), False), flag)
                current = current.set_column(
                    current.schema.get_field_index(DELETED_COLUMN), DELETED_COLUMN, deleted
                )
                replaced = (
                    rows.column(key).combine_chunks()
                    if rows.num_rows
                    else pa.array([], rows.schema.field(key).type)
                )
            keep = pc.invert(pc.is_in(current.column(key), value_set=replaced))
            rows = pa.concat_tables([current.filter(keep), rows])
        version = int(entry["version"]) + 1 if entry else 1
        relative = f"{_safe(batch.name)}/v{version:06d}"
        target = self.folder / relative
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        files = []
        for part, start in enumerate(range(0, max(rows.num_rows, 1), PART_ROWS)):
            name = f"part-{part:05d}.parquet"
            pq.write_table(rows.slice(start, PART_ROWS), target / name)
            files.append(f"{relative}/{name}")
        _fsync_folder(target)
        tables = dict(self.manifest["tables"])
        tables[batch.name] = {
            "version": version,
            "path": relative,
            "files": files,
            "rows": rows.num_rows,
            "primary_key": batch.key,
            "columns": [{"name": f.name, "type": str(f.type)} for f in rows.schema],
            "foreign_keys": [
                {"column": fk.column, "table": fk.table, "references": fk.references}
                for fk in batch.foreign_keys(synced)
            ],
            "mark": batch.mark.astimezone(UTC).isoformat() if batch.mark else None,
            "signature": batch.signature,
            "soft_delete": batch.soft_delete,
            "synced_at": datetime.now(UTC).isoformat(),
        }
        manifest = {"format": 1, "tables": tables}
        self._write_manifest(manifest)
        self.manifest = manifest
        if entry is not None and entry["path"] != relative:
            shutil.rmtree(self.folder / entry["path"], ignore_errors=True)
        return rows.num_rows

    def _read(self, entry: dict[str, Any], schema: pa.Schema) -> pa.Table:
        tables = [pq.read_table(self.folder / f) for f in entry["files"]]
        table = pa.concat_tables(tables) if tables else schema.empty_table()
        return table.cast(schema) if table.schema != schema else table

    def _write_manifest(self, manifest: dict[str, Any]) -> None:
        path = self.folder / MANIFEST
        temporary = path.with_suffix(".json.tmp")
        with open(temporary, "w") as handle:
            json.dump(manifest, handle, indent=2, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        _fsync_folder(self.folder)

    def _clean(self) -> None:
        """Remove version folders the manifest does not name (old ones, or a killed sync's)."""
        current = {entry["path"] for entry in self.manifest["tables"].values()}
        for table_dir in self.folder.iterdir():
            if not table_dir.is_dir():
                continue
            for version in table_dir.glob("v*"):
                if version.is_dir() and f"{table_dir.name}/{version.name}" not in current:
                    shutil.rmtree(version, ignore_errors=True)


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in name)


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
