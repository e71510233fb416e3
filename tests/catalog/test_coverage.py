"""The coverage report (tools/coverage_report.py): every GET of Pipedrive's documents is a table or explained."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))

import coverage_report as cr


def test_every_get_of_every_document_is_a_row() -> None:
    from pipedrive_sandbox import spec

    report = cr.rows()
    expected = sum(
        1
        for name in ("v2", "v1", "v1-2026-01-14")
        for item in spec.document(name)["paths"].values()
        if "get" in item
    )
    assert len(report) == expected
    assert {r.status for r in report} <= {"covered", "replaced", "explained", "missing"}


def test_covered_rows_name_existing_tables() -> None:
    from pipedrive_sql.catalog.tables import builtin_table_names

    names = set(builtin_table_names())
    for row in cr.rows():
        if row.status == "covered":
            assert set(row.detail.split(", ")) <= names, row


def test_explanations_concern_documented_operations() -> None:
    """A stale explanation (an operation no document has any more) fails, so the list stays honest."""
    documented = {cr.normalise(r.template) for r in cr.rows()}
    assert set(cr.NOT_TABULAR) <= documented, set(cr.NOT_TABULAR) - documented
    assert set(cr.REPLACED_BY) <= documented, set(cr.REPLACED_BY) - documented


def test_the_committed_report_is_current() -> None:
    assert cr.REPORT.read_text() == cr.render(cr.rows()), "run: python tools/coverage_report.py --write"


def test_every_get_is_covered_or_explained() -> None:
    missing = [f"GET {r.template} ({r.document})" for r in cr.rows() if r.status == "missing"]
    assert not missing, "a table or a NOT_TABULAR reason is needed for: " + ", ".join(missing)


def test_main_check_passes() -> None:
    assert cr.main(["--check"]) == 0
