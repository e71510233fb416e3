"""The client against the sandbox over real HTTP: paging, pacing, 429s, faults, writes, redaction.

Every client here logs at Verbosity 5 into one file, and after each test the file is searched for every
secret in use so far (API tokens, OAuth client secret, codes, access and refresh tokens).
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from pipedrive_sandbox.config import FAULT_KINDS
from pipedrive_sandbox.server import Sandbox
from pipedrive_sql import errors
from pipedrive_sql.api import ApiClient, ParallelScan
from pipedrive_sql.auth import ApiTokenAuth
from pipedrive_sql.settings import build_settings

SECRETS: set[str] = set()


@pytest.fixture(scope="module")
def logfile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("api-log") / "verbosity5.log"


@pytest.fixture(autouse=True)
def log_has_no_secret(logfile: Path) -> Iterator[None]:
    yield
    if logfile.exists():
        text = logfile.read_text(encoding="utf-8")
        leaked = sorted(s[:6] + "..." for s in SECRETS if s in text)
        assert not leaked, f"secrets in the Verbosity 5 log: {leaked}"


@pytest.fixture
def connect(logfile: Path) -> Iterator[Callable[..., ApiClient]]:
    clients: list[ApiClient] = []

    def make(sandbox: Sandbox, auth: httpx.Auth | None = None, **settings: Any) -> ApiClient:
        SECRETS.update({sandbox.api_token, sandbox.oauth_client_secret})
        values = {"Verbosity": 5, "Logfile": str(logfile), "APIToken": sandbox.api_token, **settings}
        client = ApiClient(
            build_settings(values), auth or ApiTokenAuth(sandbox.api_token), base_url=sandbox.url
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def ids(pages: Iterator[list[dict[str, Any]]]) -> list[Any]:
    return [record["id"] for page in pages for record in page]


# ---- paging -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v2/deals", "/api/v2/persons", "/api/v1/leads", "/api/v1/notes"])
def test_paging_to_the_end(sandbox: Sandbox, connect: Callable[..., ApiClient], path: str) -> None:
    whole = ids(connect(sandbox).pages(path))
    client = connect(sandbox, Pagesize=17)
    small = ids(client.pages(path))
    assert small == whole and len(set(small)) == len(small) and len(small) > 17
    requests = client.counters.snapshot().requests
    assert requests in (math.ceil(len(small) / 17), math.ceil(len(small) / 17) + 1)  # +1: an empty last page


def test_max_records_costs_one_request(sandbox: Sandbox, connect: Callable[..., ApiClient]) -> None:
    client = connect(sandbox)
    assert len(ids(client.pages("/api/v2/deals", max_records=10))) == 10
    snapshot = client.counters.snapshot()
    assert snapshot.requests == 1 and dict(snapshot.by_operation) == {"GET /api/v2/deals": 1}
    assert snapshot.tokens == 10  # x-token-cost of GET /api/v2/deals


def test_parallel_scan_reads_what_one_cursor_reads(
    sandbox: Sandbox, connect: Callable[..., ApiClient]
) -> None:
    client = connect(sandbox, Pagesize=20, MaxConcurrency=4)
    sequential = ids(client.pages("/api/v2/deals"))
    scan = client.parallel_scan("/api/v2/deals")
    assert isinstance(scan, ParallelScan)
    parallel = ids(scan)
    assert sorted(parallel) == sorted(sequential) and len(set(parallel)) == len(parallel)
    assert not scan.stats.sequential and scan.stats.slices >= 4


# ---- rate limits --------------------------------------------------------------------------------------


def test_a_scan_past_the_burst_limit_is_paced_without_a_single_429(
    make_sandbox: Callable[..., Sandbox], connect: Callable[..., ApiClient]
) -> None:
    sandbox = make_sandbox(plan="lite", rate_limit=True)  # 20 requests per 2 s for an API token
    client = connect(sandbox, Pagesize=2, MaxConcurrency=8)
    records = ids(client.parallel_scan("/api/v2/deals"))
    stats = sandbox.stats()
    counters = client.counters.snapshot()
    assert counters.requests > 20  # more than one window allows: it had to be paced
    assert stats["total"] == counters.requests
    assert stats["rate_limited"] == 0 and counters.throttled == 0
    assert counters.rate_limit_waits > 0
    assert len(records) == len(set(records)) > 0


def test_a_429_is_waited_out_and_the_request_repeated(
    make_sandbox: Callable[..., Sandbox], connect: Callable[..., ApiClient]
) -> None:
    sandbox = make_sandbox(plan="lite", rate_limit=True)
    # Someone else spends the whole window on the same token: the governor cannot know.
    with httpx.Client(base_url=sandbox.url, headers={"x-api-token": sandbox.api_token}) as other:
        while other.get("/api/v2/pipelines").status_code != 429:
            pass
    client = connect(sandbox)
    assert client.get("/api/v2/deals", {"limit": 1}).status == 200
    created = client.request("POST", "/api/v2/deals", json={"title": "after a 429"})
    counters = client.counters.snapshot()
    assert counters.throttled >= 1 and counters.retries >= 1
    titles = [d["title"] for d in ids_and_titles(client)]
    assert titles.count("after a 429") == 1 and created.data["title"] == "after a 429"


def test_an_exhausted_daily_budget_is_reported_not_retried(
    make_sandbox: Callable[..., Sandbox], connect: Callable[..., ApiClient]
) -> None:
    sandbox = make_sandbox(rate_limit=True, daily_budget=25)  # GET /api/v2/deals costs 10
    client = connect(sandbox)
    client.get("/api/v2/deals", {"limit": 1})
    client.get("/api/v2/deals", {"limit": 1})
    with pytest.raises(errors.RateLimited, match="daily API token budget") as caught:
        client.get("/api/v2/deals", {"limit": 1})
    assert caught.value.daily and caught.value.retry_after
    assert sandbox.stats()["total"] == 3


def test_the_block_page_after_ignored_429s_is_reported_as_such(
    make_sandbox: Callable[..., Sandbox], connect: Callable[..., ApiClient]
) -> None:
    sandbox = make_sandbox(plan="lite", rate_limit=True, block_after=2)
    with httpx.Client(base_url=sandbox.url, headers={"x-api-token": sandbox.api_token}) as careless:
        while careless.get("/api/v2/pipelines").status_code != 403:
            pass
    with pytest.raises(errors.Blocked, match="blocked this client"):
        connect(sandbox).get("/api/v2/deals")


def ids_and_titles(client: ApiClient) -> list[dict[str, Any]]:
    return [{"id": r["id"], "title": r["title"]} for page in client.pages("/api/v2/deals") for r in page]


# ---- faults -------------------------------------------------------------------------------------------


def read_plan(client: ApiClient) -> list[tuple[str, dict[str, Any]]]:
    """200 reads, mostly one request each: lists in both paging styles, single records, filters."""
    deal_ids = ids(client.pages("/api/v2/deals"))
    lists = [
        ("/api/v2/deals", {"limit": 20}),  # several pages: cursors under faults
        ("/api/v2/persons", {}),
        ("/api/v2/organizations", {}),
        ("/api/v1/leads", {"limit": 10}),  # several pages: offsets under faults
        ("/api/v1/notes", {}),
        ("/api/v2/deals", {"status": "won"}),
        ("/api/v2/stages", {}),
    ]
    plan: list[tuple[str, dict[str, Any]]] = []
    while len(plan) < 200:
        plan.append(lists[len(plan) % len(lists)])
        for _ in range(3):
            plan.append((f"/api/v2/deals/{deal_ids[len(plan) % len(deal_ids)]}", {}))
    return plan[:200]


def perform(client: ApiClient, read: tuple[str, dict[str, Any]]) -> Any:
    path, params = read
    if path.rsplit("/", 1)[-1].isdigit():
        return client.get(path, params).data
    return [page for page in client.pages(path, params)]


def test_two_hundred_reads_under_every_fault_return_the_fault_free_results(
    make_sandbox: Callable[..., Sandbox], connect: Callable[..., ApiClient]
) -> None:
    sandbox = make_sandbox(rate_limit=False, slow_ms=150)
    clean = connect(sandbox, Pagesize=100)
    plan = read_plan(clean)
    expected = [perform(clean, read) for read in plan]
    sandbox.configure(fault_rate=0.1, faults=list(FAULT_KINDS))
    faulty = connect(sandbox, Pagesize=100)
    with ThreadPoolExecutor(max_workers=6) as pool:
        got = list(pool.map(lambda read: perform(faulty, read), plan))
    assert got == expected
    injected = sandbox.stats()["faults"]
    assert set(injected) == set(FAULT_KINDS), injected  # every kind was met, and survived
    assert faulty.counters.snapshot().retries >= sum(v for k, v in injected.items() if k != "slow")


def test_writes_under_faults_are_never_applied_twice(
    make_sandbox: Callable[..., Sandbox], connect: Callable[..., ApiClient]
) -> None:
    sandbox = make_sandbox(rate_limit=False, fault_rate=0.3, faults=list(FAULT_KINDS), slow_ms=50)
    client = connect(sandbox)
    outcomes: dict[str, str] = {}
    for n in range(40):
        title = f"fault-write-{n}"
        try:
            client.request("POST", "/api/v2/deals", json={"title": title})
            outcomes[title] = "ok"
        except errors.AmbiguousWrite as exc:
            assert exc.method == "POST" and title in str(exc)
            outcomes[title] = "ambiguous"
    sandbox.configure(fault_rate=0.0)
    counts = Counter(d["title"] for d in ids_and_titles(connect(sandbox)))
    for title, outcome in outcomes.items():
        assert counts[title] == 1 if outcome == "ok" else counts[title] <= 1, (title, outcome)
    assert "ambiguous" in outcomes.values() and "ok" in outcomes.values()
    # Nothing was sent blindly twice: every POST the server saw is one we meant, or the repeat of a 429.
    stats = sandbox.stats()
    posts = stats["by_operation"]["POST /api/v2/deals"]
    assert posts == client.counters.snapshot().by_operation["POST /api/v2/deals"]
    assert posts == 40 + client.counters.snapshot().throttled


# ---- redaction with OAuth secrets in play -------------------------------------------------------------


class Bearer(httpx.Auth):
    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request) -> Iterator[httpx.Request]:
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


def test_oauth_codes_and_tokens_never_reach_the_log(
    make_sandbox: Callable[..., Sandbox], connect: Callable[..., ApiClient], logfile: Path
) -> None:
    sandbox = make_sandbox(auto_approve=True, rate_limit=False)
    redirect = "http://localhost:33333/callback"
    answer = httpx.get(sandbox.authorize_url(redirect, state="s1"))
    code = parse_qs(urlparse(answer.headers["location"]).query)["code"][0]
    SECRETS.add(code)
    client = connect(sandbox, OAuthClientSecret=sandbox.oauth_client_secret)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect,
        "client_id": sandbox.oauth_client_id,
        "client_secret": sandbox.oauth_client_secret,
    }
    tokens = client.request("POST", "/oauth/token", data=form).raw
    SECRETS.update({tokens["access_token"], tokens["refresh_token"]})
    bearer = connect(sandbox, auth=Bearer(tokens["access_token"]))
    assert bearer.get("/api/v2/deals", {"limit": 1}).status == 200
    text = logfile.read_text(encoding="utf-8")
    assert "authorization': '[REDACTED]'" in text  # the Bearer header as sent, after the auth flow
    assert '"access_token":"[REDACTED]"' in text and "client_secret=[REDACTED]" in text


def test_a_parallel_scan_while_others_write_returns_the_state_as_of_its_catch_up(
    make_sandbox: Callable[..., Sandbox], connect: Callable[..., ApiClient]
) -> None:
    sandbox = make_sandbox(scale=300, rate_limit=False, latency_ms=5)
    reader = connect(sandbox, Pagesize=10, MaxConcurrency=4)
    writer = connect(sandbox)
    before = {r["id"]: r for page in reader.pages("/api/v2/deals") for r in page}
    order = sorted(before)
    deleted: set[int] = set()
    finished_at: list[tuple[float, set[int]]] = []  # when each round of writes was done, and its deals
    scanning, scan_over, stop = threading.Event(), threading.Event(), threading.Event()
    writes_during_scan = Counter[str]()
    catch_up_sent: list[float] = []  # when the catch-up's first request went out
    plain_get = reader.get

    def get(path: str, params: Any = None) -> Any:
        query = dict(params or {})
        if (
            "updated_since" in query
            and "sort_by" not in query
            and "status" not in query
            and not catch_up_sent
        ):
            catch_up_sent.append(time.monotonic())
        return plain_get(path, params)

    reader.get = get  # type: ignore[method-assign]

    def write(n: int) -> None:
        written = {writer.request("POST", "/api/v2/deals", json={"title": f"new {n}"}).data["id"]}
        target = order[(n * 37) % len(order)]
        if target not in deleted:
            writer.request("PATCH", f"/api/v2/deals/{target}", json={"title": f"changed {n}"})
            written.add(target)
        victim = order[(n * 53 + 11) % len(order)]
        if victim not in deleted and n % 2 == 0:
            writer.request("DELETE", f"/api/v2/deals/{victim}")
            deleted.add(victim)
            written.add(victim)
        finished_at.append((time.monotonic(), written))

    def keep_writing() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            write(n)
            if scanning.is_set() and not scan_over.is_set():
                writes_during_scan["n"] += 1

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        scanning.set()
        scan = reader.parallel_scan("/api/v2/deals")
        pages = list(scan)
        scan_over.set()
    finally:
        stop.set()
        thread.join()
    # The state read through the API right after the scan: as of the catch-up, but for later writes.
    after = {r["id"]: r for page in connect(sandbox).pages("/api/v2/deals") for r in page}
    got: dict[int, dict[str, Any]] = {}
    for page in pages:
        for record in page:
            assert record["id"] not in got, f"deal {record['id']} was yielded twice"
            got[record["id"]] = record
    assert writes_during_scan["n"] > 0, "the writer never overlapped the scan"
    assert catch_up_sent, "the scan had no catch-up pass"
    # Only writes that had not finished when the catch-up's first request went out may or may not show.
    late = {i for done, written in finished_at if done >= catch_up_sent[0] for i in written}
    settled = {i for done, written in finished_at if done < catch_up_sent[0] for i in written} - late
    assert settled & deleted and settled - deleted, "no write settled before the catch-up: nothing tested"
    missing = set(after) - set(got) - late
    assert not missing, f"deals live at the catch-up are missing: {sorted(missing)[:10]}"
    resurrected = set(got) - set(after) - late
    assert not resurrected, f"deals deleted before the catch-up came back: {sorted(resurrected)[:10]}"
    stale = sorted(i for i, record in got.items() if i not in late and record != after[i])
    assert not stale, f"deals not in their newest version as of the catch-up: {stale[:10]}"
    assert isinstance(scan, ParallelScan) and not scan.stats.sequential


@pytest.mark.parametrize(
    "path", ["/api/v2/deals", "/api/v2/persons", "/api/v2/organizations", "/api/v2/activities"]
)
def test_records_changed_or_deleted_after_their_slice_was_read_are_taken_back(
    make_sandbox: Callable[..., Sandbox], connect: Callable[..., ApiClient], path: str
) -> None:
    """Writes between the slices and the catch-up, on records the slices already read, show in the result.

    v2 lists of persons, organizations and activities never show deleted records: their deletions come from
    /v1/recents; deals' from ``status=deleted``.
    """
    sandbox = make_sandbox(scale=200, rate_limit=False)
    reader = connect(sandbox, Pagesize=25, MaxConcurrency=4)
    writer = connect(sandbox)
    everything = sorted(r["id"] for page in reader.pages(path) for r in page)
    victim, changed = everything[3], everything[len(everything) // 2]
    field = "subject" if path.endswith("activities") else "title" if path.endswith("deals") else "name"
    plain_get = reader.get

    scanned = path

    def get(path: str, params: Any = None) -> Any:
        query = dict(params or {})
        catch_up = "updated_since" in query and "sort_by" not in query and "status" not in query
        if catch_up and not writes_done:
            writer.request("DELETE", f"{scanned}/{victim}")
            writer.request("PATCH", f"{scanned}/{changed}", json={field: "changed after its slice"})
            writes_done.append(True)
        return plain_get(path, params)

    writes_done: list[bool] = []
    reader.get = get  # type: ignore[method-assign]
    scan = reader.parallel_scan(path)
    got = [r for page in scan for r in page]
    after = {r["id"]: r for page in connect(sandbox).pages(path) for r in page}
    assert writes_done and isinstance(scan, ParallelScan)
    by_id = {r["id"]: r for r in got}
    assert len(by_id) == len(got) and by_id == after
    assert victim not in by_id and by_id[changed][field] == "changed after its slice"
    assert scan.stats.removed_during_scan == 1 and scan.stats.changed_during_scan == 1
