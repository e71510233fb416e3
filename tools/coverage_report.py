"""Which of Pipedrive's GET operations the driver reads as tables, and why the others are not tables.

    .venv/bin/python tools/coverage_report.py            # print the report
    .venv/bin/python tools/coverage_report.py --write    # write docs/coverage.md
    .venv/bin/python tools/coverage_report.py --check    # exit 1 when a GET is neither covered nor explained,
                                                         # or docs/coverage.md is stale

Every GET operation of the three OpenAPI documents (``../shared/pipedrive-api``: v2, the current v1, and
the older v1 that still documents the endpoints Pipedrive removed in 2026) is one row. A row is

- **covered** when a built-in table reads it: the table's list endpoint, its GET-by-id path, or an
  endpoint a table declares in ``TableSpec.also_reads``;
- **replaced** when a table reads the same records elsewhere: a deprecated v1 operation's v2 successor,
  or the other side of a relation (a deal's files are the Files rows with that DealId, a user's role
  assignments the RolesAssignments rows with that UserId);
- **explained** when ``NOT_TABULAR`` says why it is not a table (a binary download, an OAuth redirect,
  a search that needs a term, ...);
- **missing** otherwise: ``tests/catalog/test_coverage.py`` fails on any such row.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from pipedrive_sandbox import spec  # noqa: E402
from pipedrive_sql.catalog.tables import BUILTIN_TABLES  # noqa: E402

REPORT = ROOT / "docs" / "coverage.md"
_PARAM = re.compile(r"\{[^}]*\}")

# Operations that are not tables, by normalised template ({} for every path parameter), and why.
SEARCH = (
    "search by a term (at least 2 characters, ranked by relevance): a question, not a collection; "
    "the table's own filters (WHERE Name LIKE ...) read the collection instead"
)
NOT_TABULAR: dict[str, str] = {
    "/api/v2/deals/search": SEARCH,
    "/api/v2/persons/search": SEARCH,
    "/api/v2/organizations/search": SEARCH,
    "/api/v2/products/search": SEARCH,
    "/api/v2/leads/search": SEARCH,
    "/api/v2/projects/search": SEARCH,
    "/api/v2/itemSearch": SEARCH + " (across entity types)",
    "/api/v2/itemSearch/field": SEARCH + " (the distinct values of one field)",
    "/api/v1/leads/search": SEARCH,
    "/api/v1/deals/search": SEARCH,
    "/api/v1/persons/search": SEARCH,
    "/api/v1/organizations/search": SEARCH,
    "/api/v1/products/search": SEARCH,
    "/api/v1/itemSearch": SEARCH + " (across entity types)",
    "/api/v1/itemSearch/field": SEARCH + " (the distinct values of one field)",
    "/api/v1/files/{}/download": "a binary download (the file's bytes), not records",
    "/api/v2/persons/{}/picture": "one picture's URLs per person (an image, not records); Persons.PictureId "
    "names it",
    "/api/v1/oauth/authorize": "the OAuth sign-in page (a browser redirect), used by AuthScheme=OAuth",
    "/api/v2/deals/{}/convert/status/{}": "the state of one asynchronous conversion job, known only to "
    "the caller that started it (no list of jobs exists)",
    "/api/v2/leads/{}/convert/status/{}": "the state of one asynchronous conversion job, known only to "
    "the caller that started it (no list of jobs exists)",
    "/api/v1/filters/helpers": "the operators and date macros the filter editor offers (static help "
    "text for building Filters.Conditions), not company data",
    "/api/v1/mailbox/mailMessages/{}": "one mail message with its body by id; the message rows (without "
    "bodies) are in MailMessages",
    "/api/v1/billing/subscriptions/addons": "the add-ons of the company's billing subscription: readable "
    "only by admins of the paying account, not CRM data",
    "/api/v1/deals/collection": "a deprecated v1 cursor list of deals; Deals reads /api/v2/deals",
    "/api/v1/persons/collection": "a deprecated v1 cursor list of persons; Persons reads /api/v2/persons",
    "/api/v1/organizations/collection": "a deprecated v1 cursor list; Organizations reads "
    "/api/v2/organizations",
    "/api/v1/activities/collection": "a deprecated v1 cursor list; Activities reads /api/v2/activities",
    "/api/v1/users/find": SEARCH + " (users by name or email; Users lists them all)",
    "/api/v1/goals/{}/results": "one goal's progress over a period the caller chooses (period.start and "
    "period.end required): a report with parameters, not a collection (not yet a procedure)",
    "/api/v1/deals/timeline/archived": "the archived deals' timeline (deprecated), a report with parameters "
    "as /v1/deals/timeline",
}

# Deprecated v1 operations and their v2 successors (other than the same path under /api/v2).
REPLACED_BY: dict[str, str] = {
    "/api/v1/deals/summary/archived": "/api/v1/deals/summary",
    "/api/v1/deals/timeline/archived": "/api/v1/deals/timeline",
    "/api/v1/deals/{}/activities": "/api/v2/activities",
    "/api/v1/deals/{}/persons": "/api/v1/deals/{}/participants",
    "/api/v1/organizations/{}/activities": "/api/v2/activities",
    "/api/v1/organizations/{}/deals": "/api/v2/deals",
    "/api/v1/organizations/{}/persons": "/api/v2/persons",
    "/api/v1/persons/{}/activities": "/api/v2/activities",
    "/api/v1/persons/{}/deals": "/api/v2/deals",
    "/api/v1/pipelines/{}/deals": "/api/v2/deals",
    "/api/v1/stages/{}/deals": "/api/v2/deals",
    "/api/v1/deals/{}/products": "/api/v2/deals/products",
    "/api/v2/deals/{}/products": "/api/v2/deals/products",
    "/api/v1/persons/{}/products": "/api/v2/deals/products",
    "/api/v1/products/{}/deals": "/api/v2/deals/products",
    "/api/v1/deals/{}/files": "/api/v1/files",
    "/api/v1/persons/{}/files": "/api/v1/files",
    "/api/v1/organizations/{}/files": "/api/v1/files",
    "/api/v1/products/{}/files": "/api/v1/files",
    "/api/v1/notes/{}/comments/{}": "/api/v1/notes/{}/comments",
    "/api/v1/projects/boards": "/api/v2/boards",
    "/api/v1/projects/boards/{}": "/api/v2/boards/{}",
    "/api/v1/projects/phases": "/api/v2/phases",
    "/api/v1/projects/phases/{}": "/api/v2/phases/{}",
    "/api/v1/projects/{}/tasks": "/api/v2/tasks",
    "/api/v1/projects/{}/activities": "/api/v2/activities",
    "/api/v1/users/{}/roleAssignments": "/api/v1/roles/{}/assignments",
    "/api/v1/users/{}/roleSettings": "/api/v1/roles/{}/settings",
}


@dataclass(frozen=True)
class Row:
    document: str
    template: str  # as the document spells it, with the version prefix
    tag: str
    token_cost: int
    deprecated: bool
    status: str  # covered, replaced, explained, missing
    detail: str  # table names, or the reason


def normalise(template: str) -> str:
    return _PARAM.sub("{}", template)


def _prefix(document: str) -> str:
    return "/api/v2" if document == "v2" else "/api/v1"


def served() -> dict[str, list[str]]:
    """Normalised template -> the tables reading it."""
    out: dict[str, list[str]] = {}
    for table in BUILTIN_TABLES:
        paths = {table.endpoint, table.get_path, *table.also_reads}
        for path in paths:
            if path:
                out.setdefault(normalise(path), []).append(table.name)
    return out


def rows() -> list[Row]:
    tables = served()
    out: list[Row] = []
    for document in ("v2", "v1", "v1-2026-01-14"):
        paths = spec.document(document)["paths"]
        for path, item in paths.items():
            operation = item.get("get")
            if operation is None:
                continue
            template = _prefix(document) + path
            key = normalise(template)
            tags = operation.get("tags") or [""]
            deprecated = bool(operation.get("deprecated"))
            status, detail = _classify(key, deprecated, tables)
            out.append(
                Row(
                    document,
                    template,
                    tags[0],
                    int(operation.get("x-token-cost") or 0),
                    deprecated,
                    status,
                    detail,
                )
            )
    return out


def _classify(key: str, deprecated: bool, tables: dict[str, list[str]]) -> tuple[str, str]:
    if key in tables:
        return "covered", ", ".join(sorted(set(tables[key])))
    if key in NOT_TABULAR:
        return "explained", NOT_TABULAR[key]
    successor = REPLACED_BY.get(key) or key.replace("/api/v1/", "/api/v2/", 1)
    if successor in tables:
        names = ", ".join(sorted(set(tables[successor])))
        verb = "reads" if "," not in names else "read"
        why = (
            "deprecated"
            if deprecated
            else (
                "v2 has it"
                if key.startswith("/api/v1/") and successor.startswith("/api/v2/")
                else "the same records"
            )
        )
        return "replaced", f"{why}; {names} {verb} `{successor}`"
    return "missing", ""


def render(report: list[Row]) -> str:
    counts = {
        s: sum(1 for r in report if r.status == s) for s in ("covered", "replaced", "explained", "missing")
    }
    lines = [
        "# Coverage of Pipedrive's GET operations",
        "",
        "Generated by `python tools/coverage_report.py --write` from Pipedrive's OpenAPI documents "
        "(`src/pipedrive_sandbox/openapi/`) and the built-in tables (`pipedrive_sql.catalog`); "
        "`tests/catalog/test_coverage.py` fails when a GET is neither covered nor explained, or when this "
        "file is stale.",
        "",
        f"{len(report)} GET operations: {counts['covered']} read by a table, {counts['replaced']} whose records "
        f"a table reads elsewhere (deprecated, or the other side of a relation), {counts['explained']} not "
        f"tabular (reason given), "
        f"{counts['missing']} missing.",
        "",
    ]
    titles = {
        "v2": "API v2",
        "v1": "API v1 (current document)",
        "v1-2026-01-14": "API v1 (document of 2026-01-14)",
    }
    for document, title in titles.items():
        lines += [
            f"## {title}",
            "",
            "| GET | Tag | Cost | Status | Table or reason |",
            "| --- | --- | --- | --- | --- |",
        ]
        for row in report:
            if row.document != document:
                continue
            status = row.status + (" (deprecated)" if row.deprecated and row.status == "covered" else "")
            lines.append(
                f"| `{row.template}` | {row.tag} | {row.token_cost} | {status} | {row.detail or '-'} |"
            )
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {REPORT.relative_to(ROOT)}")
    parser.add_argument("--check", action="store_true", help="fail on missing rows or a stale report")
    args = parser.parse_args(argv)
    report = rows()
    text = render(report)
    if args.write:
        REPORT.write_text(text)
    if args.check:
        missing = [r for r in report if r.status == "missing"]
        for row in missing:
            print(f"missing: GET {row.template} ({row.document})", file=sys.stderr)
        stale = not REPORT.exists() or REPORT.read_text() != text
        if stale:
            print(
                f"{REPORT.relative_to(ROOT)} is stale: run tools/coverage_report.py --write", file=sys.stderr
            )
        return 1 if missing or stale else 0
    if not args.write:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
