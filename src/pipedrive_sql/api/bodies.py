"""Large answers' bodies are put together and decoded on one thread for the whole process.

A page of 500 deals is about 0.7 MB of JSON, and decoding it with orjson takes several MB of working memory
besides the records it builds. When every scan worker did that on its own thread, glibc served each thread
from an arena of its own, and after the first multi-MB block was freed it raised its threshold for giving
large blocks back to the system: each worker's arena then kept some MB of freed memory, and a long scan's
peak RSS grew by 20-25 MB over its first pages (measured at 100k and 1M deals; ``MALLOC_ARENA_MAX=2`` gives
the same saving, but a library does not change its host process's allocator settings).

So the worker reads the body from the network in the chunks the connection delivers (small, short-lived),
and the joining and the decoding of a body larger than ``LARGE`` run on one thread shared by every client
of the process, so their large blocks come from one arena. Nothing is lost in speed: joining and decoding
hold the GIL, so two workers never did them at once anyway, and the hand-over costs some microseconds
against milliseconds of decoding. Smaller bodies (single records, error answers, pages of 50) are joined and
decoded where they arrive.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import httpx
import orjson

__all__ = ["LARGE", "decode_json", "read_body"]

LARGE = 128 * 1024  # glibc's initial mmap threshold: smaller blocks are served from an arena's heap anyway
THREAD_NAME = "pipedrive-bodies"

_T = TypeVar("_T")
_executor: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def _on_body_thread(call: Callable[..., _T], *args: Any) -> _T:
    global _executor
    if threading.current_thread().name.startswith(THREAD_NAME):  # never wait on the thread from itself
        return call(*args)
    if _executor is None:
        with _lock:
            if _executor is None:
                _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=THREAD_NAME)
    return _executor.submit(call, *args).result()


def _forget_after_fork() -> None:
    """In a forked child the body thread does not exist (only the thread that forked does): a new one is
    started on first use, or every large answer would wait forever for a thread that is gone."""
    global _executor, _lock
    _executor = None
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


def read_body(response: httpx.Response) -> bytes:
    """The whole body of an answer whose headers have arrived (decompressed, as ``response.read()`` gives
    it), read on the calling thread and joined on the body thread when it is large. The stream is closed
    at the end, or on an error while reading (the error propagates)."""
    try:
        chunks = list(response.iter_bytes())
    finally:
        response.close()
    if sum(map(len, chunks)) < LARGE:
        return b"".join(chunks)
    return _on_body_thread(b"".join, chunks)


def decode_json(content: bytes) -> Any:
    """``orjson.loads(content)``, on the body thread when ``content`` is large (orjson.JSONDecodeError
    propagates)."""
    if len(content) < LARGE:
        return orjson.loads(content)
    return _on_body_thread(orjson.loads, content)
