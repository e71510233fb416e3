"""A property-based run (schemathesis) over every operation the sandbox implements.

For each implemented operation, Hypothesis draws requests from the operation's documented parameters
and body (positive and negative data, and positive data on ids that exist) and sends them to a running
sandbox with a valid API token. Every response must be no 5xx, conform to the documented schema for its
status (schemathesis's own ``response_schema_conformance``, formats included), and pass the same checks
as the conformance test (``openapi_check.check_response``: an undocumented error status carries
Pipedrive's error envelope). The documents are the ones the conformance test uses, with its
allowances applied and its ``NULL_IN_PRACTICE`` fields made ``nullable`` (schemathesis reads that
patched copy of the OpenAPI documents, so both checks admit exactly the same nulls).

Operations that remove records (DELETE, merge) run on a sandbox of their own, so they cannot take away
what the other operations read. Examples are bounded (``MAX_EXAMPLES`` per operation that writes or
removes records, ``READ_EXAMPLES`` per GET, derandomized, no shrinking), so the run is reproducible
and takes about a minute.
"""

from __future__ import annotations

import copy
import functools
import importlib
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import hypothesis.strategies as st
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

try:
    import openapi_check as oc
    import test_conformance as tc
except ModuleNotFoundError:  # tests/sandbox made a package: import through it
    oc = importlib.import_module(f"{__package__}.openapi_check")
    tc = importlib.import_module(f"{__package__}.test_conformance")

MAX_EXAMPLES = 20  # per operation that writes or removes records
READ_EXAMPLES = 8  # per GET: its cases differ only in path ids and query strings
SCALE = 40
MAX_REPORTED = 5  # distinct failures reported per operation


def removes_records(op: oc.SpecOperation) -> bool:
    return op.method == "DELETE" or op.path.endswith("/merge")


def examples_for(op: oc.SpecOperation) -> int:
    return READ_EXAMPLES if op.method == "GET" else MAX_EXAMPLES


def failures_of(exc: Failure | FailureGroup) -> list[Failure]:
    return list(exc.exceptions) if isinstance(exc, FailureGroup) else [exc]


def describe(failure: Failure) -> str:
    """One line: the failure's code and title, its first message line and, for a schema violation,
    where in the body."""
    first = next((line.strip() for line in failure.message.splitlines() if line.strip()), "")
    where = getattr(failure, "instance_path", None)
    at = " at body/" + "/".join(map(str, where)) if where else ""
    return f"{failure.code} {failure.title}: {first[:200]}{at}"


def content_type(response: Any) -> str | None:
    """schemathesis's ``Response.headers`` maps lower-case names to lists of values."""
    values = response.headers.get("content-type")
    return values[0] if isinstance(values, list) and values else values


@functools.cache
def schema_of(document: str) -> Any:
    return schemathesis.openapi.from_dict(copy.deepcopy(tc.INDEX.docs[document]))


@pytest.fixture(scope="module")
def shared_sandbox() -> Iterator[Any]:
    from pipedrive_sandbox.server import Sandbox

    with Sandbox(scale=SCALE, rate_limit=False, seed=11) as sandbox:
        yield sandbox


def fuzz(sandbox: Any, impl: oc.Implemented) -> list[str]:
    """Run the examples for one operation against ``sandbox``; the distinct failures found."""
    op = impl.op
    api_operation = schema_of(op.document)[op.path][op.method]
    prober = oc.Prober(
        sandbox.url,
        sandbox.api_token,
        tc.INDEX,
        tc.IMPLEMENTED,
        tc.BODY_OVERRIDES,
        # Plain HTTP on loopback: no TLS context to build (that alone costs ~50 ms per operation).
        client=httpx.Client(base_url=sandbox.url, timeout=60.0, verify=False, trust_env=False),
        oauth_client=(sandbox.oauth_client_id, sandbox.oauth_client_secret),
    )
    served = prober.served_url(op)
    base_url = sandbox.url + served[: len(served) - len(op.path)]
    strategies = [
        api_operation.as_strategy(),
        api_operation.as_strategy(schemathesis.GenerationMode.NEGATIVE),
    ]
    if not removes_records(op):
        # Drawn data rarely names records that exist or passes the rules the documents state only in
        # prose; these strategies reach the success paths: real ids, and the conformance test's body.
        try:
            existing = prober.fill(op) if oc.path_params(op.path) else {}
            realistic = prober.body_for(op, update=op.method in ("PATCH", "PUT"))
        except oc.SetupError:
            existing, realistic = {}, None
        if existing:
            strategies.append(api_operation.as_strategy(path_parameters=existing))
        if realistic is not None and realistic[0] == oc.JSON:
            strategies.append(
                api_operation.as_strategy(
                    path_parameters=existing or None, body=realistic[1], media_type=oc.JSON
                )
            )
    prober.client.close()

    failures: dict[str, str] = {}
    session = requests.Session()
    session.trust_env = False  # no proxy or .netrc look-ups on each request to the loopback sandbox
    auth = {"x-api-token": sandbox.api_token}

    @given(case=st.one_of(strategies))
    @settings(
        max_examples=examples_for(op),
        phases=[Phase.explicit, Phase.generate],
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        response = case.call(base_url=base_url, headers=auth, session=session)
        found: list[str] = []
        try:
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
        except (Failure, FailureGroup) as exc:
            found += [f"schemathesis: {describe(failure)}" for failure in failures_of(exc)]
        found += oc.check_response(
            tc.INDEX,
            op,
            response.status_code,
            content_type(response),
            response.content,
            expected=(),
        )
        if found and len(failures) < MAX_REPORTED:
            summary = f"{response.status_code}: " + found[0].splitlines()[0][:200]
            if summary not in failures:
                request = response.request
                body = request.body if isinstance(request.body, str | bytes) else None
                failures[summary] = (
                    f"{request.method} {request.url}"
                    + (f" body={body[:300]!r}" if body else "")
                    + f" -> {response.status_code}\n    "
                    + "\n    ".join(found)
                )

    try:
        run()
    finally:
        session.close()
    return list(failures.values())


def _issue16_operations() -> set[str]:
    """The operations of the resources added for the catalog's coverage (issue 16): their property runs
    are marked slow (CI runs them; ``-m "not slow"`` leaves them to it)."""
    from pipedrive_sandbox import (
        followers,
        v1_admin,
        v1_calllogs,
        v1_deal_views,
        v1_goals,
        v1_history,
        v1_mailbox,
        v1_note_comments,
        v1_org_relationships,
        v1_pipeline_stats,
        v1_roles,
        v2_deal_extras,
        v2_projects,
    )
    from pipedrive_sandbox.app import route_operations

    modules = (followers, v1_admin, v1_calllogs, v1_deal_views, v1_goals, v1_history, v1_mailbox,
               v1_note_comments, v1_org_relationships, v1_pipeline_stats, v1_roles, v2_deal_extras, v2_projects)  # fmt: skip
    return {
        f"{method} {template}" for module in modules for method, template in route_operations(module.routes())
    }


_SLOW = _issue16_operations()


@pytest.mark.parametrize(
    "key",
    [pytest.param(k, marks=pytest.mark.slow) if k in _SLOW else k for k in tc.IMPLEMENTED]
    or ["(none discovered)"],
)
def test_property_based(key: str, shared_sandbox: Any, make_sandbox: Callable[..., Any]) -> None:
    if key not in tc.IMPLEMENTED:
        pytest.fail(f"no implemented operation discovered: {tc.DISCOVERY_ERROR}")
    impl = tc.IMPLEMENTED[key]
    if removes_records(impl.op):
        failures = fuzz(make_sandbox(scale=SCALE, rate_limit=False, seed=11), impl)
    else:
        failures = fuzz(shared_sandbox, impl)
    if failures:
        pytest.fail(f"{key}: {len(failures)} distinct failures:\n" + "\n".join(failures), pytrace=False)


def test_schemathesis_admits_exactly_the_null_in_practice_fields(shared_sandbox: Any) -> None:
    """schemathesis validates against the patched documents: an open deal's ``won_time`` may be null
    (listed in ``NULL_IN_PRACTICE``), its ``title`` may not."""
    from schemathesis.core.transport import Response

    operation = schema_of("v2")["/deals/{id}"]["GET"]
    auth = {"x-api-token": shared_sandbox.api_token}
    with requests.Session() as session:
        session.trust_env = False
        listed = session.get(shared_sandbox.url + "/api/v2/deals", params={"status": "open"}, headers=auth)
        case = operation.Case(path_parameters={"id": listed.json()["data"][0]["id"]})
        response = case.call(base_url=shared_sandbox.url + "/api/v2", headers=auth, session=session)
    assert response.status_code == 200 and response.json()["data"]["won_time"] is None

    def violations(**changes: Any) -> list[str]:
        body = response.json()
        body["data"].update(changes)
        changed = Response(
            response.status_code, response.headers, json.dumps(body).encode(), response.request, 0.0, True
        )
        try:
            operation.validate_response(changed, case=case)
        except (Failure, FailureGroup) as exc:
            return [describe(failure) for failure in failures_of(exc)]
        return []

    assert violations(won_time=None, lost_time=None, person_id=None) == []
    assert any("title" in violation for violation in violations(title=None))
