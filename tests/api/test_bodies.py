"""Large answers' bodies are joined and decoded on the process's body thread (api/bodies.py), small ones where
they arrive; the client's answers are the same either way, and a body cut off mid-way is read again."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import orjson
import pytest

from pipedrive_sandbox.server import Sandbox
from pipedrive_sql.api import ApiClient, bodies
from pipedrive_sql.auth import ApiTokenAuth
from pipedrive_sql.settings import build_settings


@pytest.fixture
def connect() -> Iterator[Callable[..., ApiClient]]:
    clients: list[ApiClient] = []

    def make(sandbox: Sandbox, **settings: Any) -> ApiClient:
        values = {"APIToken": sandbox.api_token, **settings}
        client = ApiClient(build_settings(values), ApiTokenAuth(sandbox.api_token), base_url=sandbox.url)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def decoded_on(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """(thread name, body size) of every body the client decodes, as orjson.loads sees it."""
    seen: list[tuple[str, int]] = []

    def loads(content: bytes) -> Any:
        seen.append((threading.current_thread().name, len(content)))
        return orjson.loads(content)

    monkeypatch.setattr(bodies, "orjson", SimpleNamespace(loads=loads))
    return seen


def test_a_page_of_500_deals_is_decoded_on_the_body_thread_a_record_where_it_arrives(
    sandbox: Sandbox, connect: Callable[..., ApiClient], decoded_on: list[tuple[str, int]]
) -> None:
    client = connect(sandbox)
    page = client.get("/api/v2/deals", {"limit": 500})
    here = threading.current_thread().name
    ((name, size),) = decoded_on
    assert size >= bodies.LARGE and name.startswith(bodies.THREAD_NAME) and name != here
    decoded_on.clear()
    one = client.get(f"/api/v2/deals/{page.data[0]['id']}")
    assert decoded_on == [(here, decoded_on[0][1])] and decoded_on[0][1] < bodies.LARGE
    assert one.data == page.data[0]
    # the same records as pages small enough to be decoded where they arrive
    small = [record for records in client.pages("/api/v2/deals", {"limit": 20}) for record in records]
    assert small == page.data and len(page.data) > 100


def test_a_large_body_cut_off_mid_way_is_read_again(
    make_sandbox: Callable[..., Sandbox], connect: Callable[..., ApiClient]
) -> None:
    sandbox = make_sandbox(scale=200, rate_limit=False)
    expected = connect(sandbox).get("/api/v2/deals", {"limit": 500}).data
    sandbox.configure(fault_rate=1.0, faults=["reset"])  # every answer dropped after part of its body ...
    client = connect(sandbox)
    reader = threading.Thread(
        target=lambda: result.append(client.get("/api/v2/deals", {"limit": 500})), daemon=True
    )
    result: list[Any] = []
    reader.start()
    while sandbox.stats()["faults"].get("reset", 0) < 2:  # ... until two of them were
        reader.join(0.05)
        assert reader.is_alive()
    sandbox.configure(fault_rate=0.0)
    reader.join(60)
    assert not reader.is_alive()
    assert result[0].data == expected and client.counters.snapshot().retries >= 2


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX-only")
def test_a_forked_child_decodes_large_pages_on_a_body_thread_of_its_own(
    sandbox: Sandbox, connect: Callable[..., ApiClient]
) -> None:
    """multiprocessing forks by default on Linux: a child of a process that already used the body thread
    must not hand its pages to that thread, which does not exist in the child."""
    connect(sandbox).get("/api/v2/deals", {"limit": 500})  # the parent's body thread is running
    pid = os.fork()
    if pid == 0:  # the child: exit 0 only if a large page is read
        code = 1
        try:
            signal.alarm(60)  # a hang ends the child instead of the test run
            with ApiClient(
                build_settings({"APIToken": sandbox.api_token}),
                ApiTokenAuth(sandbox.api_token),
                base_url=sandbox.url,
            ) as client:
                code = 0 if len(client.get("/api/v2/deals", {"limit": 500}).data) > 100 else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
