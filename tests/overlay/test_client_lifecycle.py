"""Who closes what. Derived clients never close their owner's token provider or cache;
close() is the sync side, aclose() the async side of its loop; closed sides refuse requests clearly."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
from atomic_api.api.cards import list_cards
from atomic_api.api.environments import list_environments
from atomic_sdk import AtomicClient, ClientClosedError, ConfigurationError, Credentials, InMemoryTokenCache
from support.atomic_server import AtomicServer, raises_clean, secret
from support.http_package import httpx

KEY = Credentials("one-id", secret("one"))


class TrackingCache(InMemoryTokenCache):
    """The default cache, counting how often it is closed."""

    def __init__(self) -> None:
        super().__init__()
        self.closes = 0
        self.acloses = 0

    def close(self) -> None:
        self.closes += 1

    async def aclose(self) -> None:
        self.acloses += 1


def make(server: AtomicServer, **kwargs: Any) -> AtomicClient:
    kwargs.setdefault("timeout", 5.0)
    return AtomicClient(base_url=server.base_url, token_url=server.token_url, credentials=KEY, **kwargs)


def test_derived_client_closed_while_the_parent_fetches(server: AtomicServer) -> None:
    server.token_delay = 0.5
    cache = TrackingCache()
    client = make(server, token_cache=cache)
    outcome: list[object] = []

    def parent_call() -> None:
        try:
            outcome.append(list_environments.sync(client=client))
        except BaseException as exc:  # noqa: BLE001 - asserted below
            outcome.append(exc)

    parent = threading.Thread(target=parent_call)
    parent.start()
    time.sleep(0.2)  # the parent's token request is in flight
    with client.with_options(max_retries=0) as derived:
        assert derived.max_retries == 0
    with client.with_headers({"X-Trace": "t"}):
        pass
    parent.join(10)
    assert len(outcome) == 1 and not isinstance(outcome[0], BaseException), outcome
    assert cache.closes == 0 and cache.acloses == 0
    # The parent keeps working with the same token, and so does a new derived client.
    list_cards.sync(client=client, environment_id="env1")
    list_cards.sync(client=client.with_options(raise_on_error=False), environment_id="env1")
    assert len(server.token_requests()) == 1 and len(server.api_requests()) == 3
    client.close()
    assert cache.closes == 1


async def test_derived_client_closed_while_the_parent_fetches_async(server: AtomicServer) -> None:
    server.token_delay = 0.5
    cache = TrackingCache()
    client = make(server, token_cache=cache)
    parent = asyncio.create_task(list_environments.asyncio(client=client))
    await asyncio.sleep(0.2)
    async with client.with_options(max_retries=0):
        pass
    assert await parent is not None
    assert (cache.closes, cache.acloses) == (0, 0)
    assert await list_environments.asyncio(client=client) is not None
    async with client:
        pass
    assert (cache.closes, cache.acloses) == (1, 1)
    assert len(server.token_requests()) == 1


def test_closed_derived_client_refuses_but_its_parent_does_not(server: AtomicServer) -> None:
    client = make(server)
    derived = client.with_options(max_retries=1)
    list_environments.sync(client=derived)
    derived.close()
    with raises_clean(ClientClosedError, match=r"this AtomicClient's sync side was closed \(close\(\)\)"):
        list_environments.sync(client=derived)
    assert list_environments.sync(client=client) is not None
    client.close()


def test_derived_client_refuses_once_its_owner_is_closed(server: AtomicServer) -> None:
    client = make(server)
    derived = client.with_headers({"X-Trace": "t"})
    list_environments.sync(client=derived)
    client.close()
    with raises_clean(ClientClosedError, match=r"derived from \(with_options, with_headers, ...\) was closed"):
        list_environments.sync(client=derived)
    assert len(server.api_requests()) == 1


async def test_aclose_leaves_the_sync_side_alone(server: AtomicServer) -> None:
    server.token_delay = 0.0
    client = make(server)
    list_environments.sync(client=client)  # the sync pool exists and holds a connection
    sync_pool = client.get_httpx_client()
    in_flight: list[object] = []
    go = threading.Event()

    def sync_calls() -> None:
        go.wait()
        for _ in range(20):
            in_flight.append(list_cards.sync(client=client, environment_id="env1"))

    worker = threading.Thread(target=sync_calls)
    worker.start()
    await list_environments.asyncio(client=client)
    async_pool = client.get_async_httpx_client()
    go.set()
    await client.aclose()  # while the sync thread sends requests
    await asyncio.to_thread(worker.join, 10)
    assert len(in_flight) == 20 and all(r is not None for r in in_flight)
    assert async_pool.is_closed and not sync_pool.is_closed
    with raises_clean(ClientClosedError, match=r"async side was closed \(aclose\(\)\)"):
        await list_environments.asyncio(client=client)
    assert list_environments.sync(client=client) is not None  # sync still works
    # Exactly the calls made: no request was reset and retried.
    assert len(server.api_requests()) == 1 + 1 + 20 + 1
    client.close()


async def test_close_leaves_the_async_side_alone(server: AtomicServer) -> None:
    client = make(server)
    await list_environments.asyncio(client=client)
    client.close()
    with raises_clean(ClientClosedError, match="sync side was closed"):
        list_environments.sync(client=client)
    assert await list_environments.asyncio(client=client) is not None
    await client.aclose()
    assert len(server.token_requests()) == 1


def test_context_manager_closes_everything_owned(server: AtomicServer) -> None:
    cache = TrackingCache()
    client = make(server, token_cache=cache)
    pools: list[httpx.AsyncClient] = []

    async def use_async() -> None:
        await list_environments.asyncio(client=client)
        pools.append(client.get_async_httpx_client())

    # A loop that keeps running in another thread: its pool can only be closed on that loop.
    other = asyncio.new_event_loop()
    runner = threading.Thread(target=other.run_forever, daemon=True)
    runner.start()
    try:
        with client:
            list_environments.sync(client=client)
            asyncio.run(use_async())
            asyncio.run_coroutine_threadsafe(use_async(), other).result(10)
            sync_pool = client.get_httpx_client()
            token_pool = client._tokens._sync_client()
        assert sync_pool.is_closed and token_pool.is_closed and pools[0].is_closed
        deadline = time.monotonic() + 10
        while not pools[1].is_closed and time.monotonic() < deadline:
            time.sleep(0.01)
        assert pools[1].is_closed  # closed on its own loop
        assert cache.closes == 1
        with raises_clean(ClientClosedError, match="sync side was closed"):
            list_environments.sync(client=client)
        # The async side was released, not refused (only aclose() refuses it): a loop gets a new pool.
        asyncio.run_coroutine_threadsafe(use_async(), other).result(10)
        assert pools[2] is not pools[1] and not pools[2].is_closed
        asyncio.run_coroutine_threadsafe(client.aclose(), other).result(10)
        assert pools[2].is_closed
    finally:
        other.call_soon_threadsafe(other.stop)
        runner.join(10)
        other.close()
    assert len(server.token_requests()) == 1


async def test_async_context_manager_closes_everything_owned(server: AtomicServer) -> None:
    cache = TrackingCache()
    async with make(server, token_cache=cache) as client:
        await list_environments.asyncio(client=client)
        await asyncio.to_thread(list_environments.sync, client=client)
        pools = (client.get_async_httpx_client(), client.get_httpx_client())
    assert all(pool.is_closed for pool in pools)
    assert (cache.closes, cache.acloses) == (1, 1)
    with raises_clean(ClientClosedError):
        await list_environments.asyncio(client=client)
    with raises_clean(ClientClosedError):
        list_environments.sync(client=client)


def test_outside_a_loop_get_async_httpx_client_says_why(server: AtomicServer) -> None:
    with make(server) as client, pytest.raises(ConfigurationError, match="running on an event loop"):
        client.get_async_httpx_client()

