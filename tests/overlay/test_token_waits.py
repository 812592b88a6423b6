"""Waits on someone else's token fetch are bounded, and a gone holder is taken over.

Anything that could hang runs with a hard limit (a daemon thread joined with a timeout, or a
subprocess), so a regression fails the test instead of stalling the suite.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from atomic_api.api.environments import list_environments
from atomic_sdk import AccessToken, AtomicClient, Credentials, InMemoryTokenCache, TokenRequestError
from atomic_sdk.testing import Sandbox
from support.atomic_server import AtomicServer, Reply, raises_clean, secret
from support.http_package import httpx

T = TypeVar("T")
KEY = Credentials("one-id", secret("one"))


def make(server: AtomicServer, **kwargs: Any) -> AtomicClient:
    return AtomicClient(base_url=server.base_url, token_url=server.token_url, credentials=KEY, **kwargs)


def within(seconds: float, fn: Callable[[], T]) -> T:
    """Run ``fn`` in a daemon thread; fail if it has not finished after ``seconds``."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(("ok", fn()))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
            outcome.append(("error", exc))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still waiting after {seconds} s"
    kind, value = outcome[0]
    if kind == "error":
        raise value
    return value  # type: ignore[no-any-return]


def run_script(code: str, limit: float) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=limit,
        check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("ATOMIC_")},
    )
    assert completed.returncode == 0, completed.stderr
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


# -- a sync call on the thread of a running loop -----------------------------------------------------

SYNC_IN_LOOP = """
    import asyncio, json, time
    from atomic_api.api.environments import list_environments
    from atomic_sdk.testing import Sandbox

    TIMEOUT = 2.0
    with Sandbox(token_delay=1.0) as sb:
        client = sb.client(timeout=TIMEOUT)

        async def main():
            fetching = asyncio.create_task(list_environments.asyncio(client=client))
            await asyncio.sleep(0.3)  # that task is now waiting for the slow token endpoint
            started = time.monotonic()
            try:
                list_environments.sync(client=client)
                outcome, message = "completed", ""
            except Exception as exc:
                outcome, message = type(exc).__name__, str(exc)
            elapsed = time.monotonic() - started
            await fetching
            return outcome, message, elapsed

        outcome, message, elapsed = asyncio.run(main())
        client.close()
        print(json.dumps({"outcome": outcome, "message": message, "elapsed": elapsed, "timeout": TIMEOUT,
                          "tokens": sb.token_requests_by_role()}))
"""


def test_sync_call_inside_the_loop_that_fetches_raises_instead_of_hanging() -> None:
    result = run_script(SYNC_IN_LOOP, limit=30)
    assert result["outcome"] == "SyncCallInEventLoopError"
    assert result["elapsed"] < result["timeout"] + 1
    assert "asyncio" in result["message"] and "to_thread" in result["message"]
    assert result["tokens"] == {"events": 1}  # the async task's fetch still finished, once


def test_sync_call_on_a_loop_thread_waits_for_a_holder_elsewhere(server: AtomicServer) -> None:
    # The holder is a thread, not this loop: waiting is safe and bounded, and it gets the shared token.
    server.token_delay = 0.5
    client = make(server, timeout=5.0)
    holder = threading.Thread(target=lambda: list_environments.sync(client=client))
    holder.start()
    time.sleep(0.2)

    async def main() -> object:
        return list_environments.sync(client=client)

    assert within(10, lambda: asyncio.run(main())) is not None
    holder.join()
    assert len(server.token_requests()) == 1
    client.close()


# -- abandoned fetches -------------------------------------------------------------------------------


# A loop closed with a pending fetch leaves coroutines that fail when garbage-collected (inside httpx), so
# these scenarios run in a subprocess: that also gives them a hard limit.
ABANDONED = """
    import asyncio, json, threading, time
    from atomic_api.api.environments import list_environments
    from atomic_sdk.testing import Sandbox

    TIMEOUT = 5.0
    MODE = {mode!r}

    def timed(fn):
        started = time.monotonic()
        result = fn()
        return result is not None, time.monotonic() - started

    def sent_so_far(settle):
        # Whether the abandoned request reached the server depends on timing (it may still have been
        # connecting when the loop stopped); once the loop is closed nothing more can be sent.
        deadline = time.monotonic() + settle
        while time.monotonic() < deadline and not sb.token_requests_by_role():
            time.sleep(0.01)
        return sb.token_requests_by_role().get("events", 0)

    with Sandbox(token_delay=1.0) as sb:
        client = sb.client(timeout=TIMEOUT)
        loop = asyncio.new_event_loop()
        outcomes = []
        if MODE == "wait_for":
            try:
                loop.run_until_complete(asyncio.wait_for(list_environments.asyncio(client=client), 0.2))
            except TimeoutError:
                outcomes.append("timed out")
            loop.close()  # the fetch task never finishes: its loop is gone
            abandoned_sent = sent_so_far(2.0)
        else:  # a thread is already waiting for the fetch when its loop goes away
            loop.create_task(list_environments.asyncio(client=client))
            loop.run_until_complete(asyncio.sleep(0.2))
            abandoned_sent = sent_so_far(2.0)  # the loop is stopped: its task sends nothing more
            waiter = []
            thread = threading.Thread(target=lambda: waiter.append(timed(lambda: list_environments.sync(client=client))))
            thread.start()
            time.sleep(0.2)
            loop.close()
            thread.join()
            outcomes.append(waiter[0])
        # Later calls for the same key: sync on another thread, async on a new loop.
        later = []
        thread = threading.Thread(target=lambda: later.append(timed(lambda: list_environments.sync(client=client))))
        thread.start()
        thread.join()

        async def again():
            return await list_environments.asyncio(client=client)

        later.append(timed(lambda: asyncio.run(again())))
        client.close()
        print(json.dumps({{"first": outcomes, "later": later, "timeout": TIMEOUT, "abandoned_sent": abandoned_sent,
                          "tokens": sb.token_requests_by_role().get("events", 0), "api": sb.api_requests}}))
"""


def test_fetch_abandoned_on_a_closed_private_loop_is_taken_over() -> None:
    result = run_script(ABANDONED.format(mode="wait_for"), limit=30)
    assert result["first"] == ["timed out"]
    for ok, elapsed in result["later"]:
        assert ok and elapsed < result["timeout"]
    assert result["abandoned_sent"] in (0, 1)
    # Exactly one more token request: the one that took over (the second later call reuses its token).
    assert result["tokens"] == result["abandoned_sent"] + 1
    assert result["api"] == {"listEnvironments": 2}


def test_fetch_abandoned_on_a_closed_loop_is_taken_over_by_a_waiter() -> None:
    result = run_script(ABANDONED.format(mode="waiter"), limit=30)
    [(ok, elapsed)] = result["first"]
    assert ok and elapsed < result["timeout"]
    for ok, elapsed in result["later"]:
        assert ok and elapsed < result["timeout"]
    assert result["abandoned_sent"] in (0, 1)
    assert result["tokens"] == result["abandoned_sent"] + 1  # the waiter's takeover; the later calls reuse it
    assert result["api"] == {"listEnvironments": 3}


def test_cancelled_holder_task_is_taken_over() -> None:
    # asyncio.run ends while its task fetches the token: the fetch is cancelled; a waiting thread takes over.
    results: list[object] = []
    threads: list[threading.Thread] = []
    with Sandbox(token_delay=0.5) as sb:
        client = sb.client(timeout=5.0)

        async def main() -> None:
            asyncio.get_running_loop().create_task(list_environments.asyncio(client=client))
            while not sb.token_requests_by_role():  # the holder's request has reached the token endpoint
                await asyncio.sleep(0.01)
            waiter = threading.Thread(target=lambda: results.append(list_environments.sync(client=client)))
            waiter.start()
            threads.append(waiter)
            await asyncio.sleep(0.1)

        asyncio.run(main())  # cancels the fetching task on exit
        threads[0].join(10)
        assert not threads[0].is_alive() and results and results[0] is not None
        assert sb.token_requests_by_role() == {"events": 2}
        client.close()


@pytest.mark.parametrize("poll", [0.0, 0.05], ids=["poll-times-out-in-the-fetch-turn", "poll-sees-the-outcome"])
def test_an_async_fetch_failure_reaches_its_caller_once_and_is_read(
    poll: float, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # With a zero poll the fetching task fails and ends in the turn in which the caller's poll times out, before
    # the failure has reached the caller's wrapper of the shared future: the caller must read that failure, not
    # take the "holder gone" path and fetch again (a second token request, and the error hidden). Either way
    # the failure is read where it was delivered: asyncio logs a future whose exception nobody read when it is
    # freed (and on Python 3.11 that log, run by the garbage collector inside a compile, can break the compile).
    from atomic_sdk._tokens import cache as cache_module

    monkeypatch.setattr(cache_module, "_POLL_INTERVAL", poll)
    calls: list[int] = []

    async def fetch() -> AccessToken:
        calls.append(1)
        await asyncio.sleep(0)  # one turn, as a response arriving does
        if len(calls) == 1:
            raise TokenRequestError("token endpoint answered 500")
        return AccessToken("second", expires_at=1e12, refresh_at=1e12)

    async def main() -> None:
        with pytest.raises(TokenRequestError, match="answered 500"):
            await InMemoryTokenCache().aget_or_fetch("key", fetch, time.time)

    asyncio.run(asyncio.wait_for(main(), 10))
    gc.collect()
    assert len(calls) == 1
    assert [r.getMessage() for r in caplog.records if r.name == "asyncio"] == []


def test_interrupted_sync_holder_is_taken_over(server: AtomicServer) -> None:
    # A holder thread interrupted mid-fetch (KeyboardInterrupt-like BaseException): its waiters take over.
    server.token_delay = 0.3
    client = make(server, timeout=5.0)
    original = client._tokens.fetch
    interrupted = threading.Event()

    def fetch_then_interrupt(credentials: Credentials, **kwargs: Any) -> Any:
        if not interrupted.is_set():
            interrupted.set()
            time.sleep(0.3)
            raise KeyboardInterrupt
        return original(credentials, **kwargs)

    client._tokens.fetch = fetch_then_interrupt  # type: ignore[method-assign]

    def holder() -> None:
        with pytest.raises(KeyboardInterrupt):
            list_environments.sync(client=client)

    first = threading.Thread(target=holder)
    first.start()
    interrupted.wait(5)
    assert within(5, lambda: list_environments.sync(client=client)) is not None
    first.join()
    assert len(server.token_requests()) == 1
    client.close()


def test_wait_on_a_live_but_stuck_holder_is_bounded_by_the_timeout(server: AtomicServer) -> None:
    # The holder backs off for 3 s (503 + Retry-After); a waiter gives up after the client's 1 s timeout.
    server.token_replies = [Reply.json(503, {}, **{"Retry-After": "3"})]
    client = make(server, timeout=httpx.Timeout(1.0))
    holder_result: list[object] = []
    holder = threading.Thread(target=lambda: holder_result.append(list_environments.sync(client=client)))
    holder.start()
    deadline = time.monotonic() + 10
    while not server.token_requests() and time.monotonic() < deadline:
        time.sleep(0.01)  # until the holder has its 503 and is backing off
    with raises_clean(TokenRequestError, match=r"waiting 1 s \(the client's timeout\)"):
        within(4, lambda: list_environments.sync(client=client))
    holder.join(10)
    assert holder_result and holder_result[0] is not None  # the holder itself finished fine
    assert len(server.token_requests()) == 2  # the 503 and the retry: the waiter sent none
    client.close()


async def test_async_wait_on_a_stuck_holder_is_bounded(server: AtomicServer) -> None:
    server.token_replies = [Reply.json(503, {}, **{"Retry-After": "2"})]
    client = make(server, timeout=0.5)
    holder = asyncio.create_task(list_environments.asyncio(client=client))
    await asyncio.sleep(0.2)
    with raises_clean(TokenRequestError, match="waiting 0.5 s"):
        await asyncio.wait_for(list_environments.asyncio(client=client), 5)
    assert await holder is not None
    await client.aclose()
    client.close()


FORK = """
    import json, os, threading, time
    from atomic_api.api.environments import list_environments
    from atomic_sdk.testing import Sandbox

    with Sandbox() as sb:
        client = sb.client(timeout=5.0)
        sb.pause_token_endpoint()
        holder = threading.Thread(target=lambda: list_environments.sync(client=client), daemon=True)
        holder.start()
        deadline = time.monotonic() + 10
        while not sb.token_requests_by_role() and time.monotonic() < deadline:
            time.sleep(0.01)  # until the holder thread's request is held by the paused endpoint
        pid = os.fork()
        if pid == 0:  # the child: the holder thread does not exist here
            try:
                list_environments.sync(client=client)
                os._exit(0)
            except BaseException:
                os._exit(1)
        time.sleep(0.2)
        sb.resume_token_endpoint()  # the Sandbox serves from this (the parent) process
        _, status = os.waitpid(pid, 0)
        holder.join(10)
        print(json.dumps({"child": os.waitstatus_to_exitcode(status), "tokens": sb.token_requests_by_role()}))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_holder_thread_gone_after_fork_is_taken_over_in_the_child() -> None:
    result = run_script(FORK, limit=30)
    assert result["child"] == 0
    # The parent's held request, and the child's own (the Sandbox counts requests in this process).
    assert result["tokens"] == {"events": 2}
