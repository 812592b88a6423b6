"""One client used from several event loops (sequential asyncio.run, a loop per thread)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from typing import Any

from atomic_api.api.audit_log import list_audit_log_entries
from atomic_api.api.cards import list_cards
from atomic_api.api.environments import list_environments
from atomic_sdk import AsyncAtomicClient, AtomicClient, Credentials, Role
from support.atomic_server import AtomicServer, secret
from support.http_package import httpx

EVENTS = Credentials("ev-id", secret("ev"))
WORKBENCH = Credentials("wb-id", secret("wb"))


def make(server: AtomicServer, **kwargs: Any) -> AtomicClient:
    kwargs.setdefault("credentials", {Role.EVENTS: EVENTS, Role.WORKBENCH: WORKBENCH})
    kwargs.setdefault("timeout", 10.0)
    return AtomicClient(base_url=server.base_url, token_url=server.token_url, **kwargs)


def test_one_client_three_sequential_asyncio_runs(server: AtomicServer) -> None:
    client = make(server)  # module-level style: built once, outside any loop
    pools: list[httpx.AsyncClient] = []
    token_pools: list[httpx.AsyncClient] = []
    errors: list[BaseException] = []

    async def job() -> None:
        await list_cards.asyncio(client=client, environment_id="env1")
        await list_environments.asyncio(client=client)
        pools.append(client.get_async_httpx_client())
        token_pools.append(client._tokens._async_http_client())

    for _ in range(3):
        try:
            asyncio.run(job())
        except Exception as exc:  # noqa: BLE001 - counted below
            errors.append(exc)
    assert errors == []
    assert len(server.token_requests()) == 1
    assert len(server.api_requests()) == 6
    # Each run had its own pools, and each was closed when its loop shut down.
    assert len({id(p) for p in pools}) == 3 and all(p.is_closed for p in pools)
    assert len({id(p) for p in token_pools}) == 3 and all(p.is_closed for p in token_pools)
    client.close()


def test_8_threads_with_own_loops_and_8_sync_threads_cold(server: AtomicServer) -> None:
    server.token_delay = 0.3  # keep the first fetch of each key in flight while everyone arrives
    client = make(server)
    start = threading.Barrier(16)
    errors: list[BaseException] = []

    async def async_job() -> None:
        await asyncio.gather(
            *(list_cards.asyncio(client=client, environment_id="env1") for _ in range(3)),
            *(list_audit_log_entries.asyncio(client=client, environment_id="env1") for _ in range(3)),
        )

    def async_thread() -> None:
        start.wait()
        try:
            asyncio.run(async_job())
        except BaseException as exc:  # noqa: BLE001 - counted below
            errors.append(exc)

    def sync_thread() -> None:
        start.wait()
        try:
            for _ in range(3):
                list_cards.sync(client=client, environment_id="env1")
                list_audit_log_entries.sync(client=client, environment_id="env1")
        except BaseException as exc:  # noqa: BLE001 - counted below
            errors.append(exc)

    # Daemon threads and one overall deadline: a wedged pool fails the test instead of stalling the suite.
    threads = [threading.Thread(target=async_thread, daemon=True) for _ in range(8)]
    threads += [threading.Thread(target=sync_thread, daemon=True) for _ in range(8)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not any(thread.is_alive() for thread in threads), errors
    client.close()
    assert errors == []
    assert Counter(r.query["client_id"][0] for r in server.token_requests()) == {"ev-id": 1, "wb-id": 1}
    api = server.api_requests()
    assert len(api) == 16 * 6
    assert Counter(r.client_id for r in api) == {"ev-id": 48, "wb-id": 48}


def test_loop_closed_without_shutdown_is_dropped_and_the_next_loop_works(server: AtomicServer) -> None:
    client = make(server)
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(list_environments.asyncio(client=client))
    finally:
        loop.close()  # no shutdown_asyncgens: its pool cannot be closed on it any more
    assert len(client._pipeline._async) == 0  # a closed loop's pool is not kept

    async def job() -> None:
        await list_environments.asyncio(client=client)

    asyncio.run(job())
    assert len(server.token_requests()) == 1 and len(server.api_requests()) == 2
    client.close()


async def test_tasks_of_one_loop_share_its_pool(server: AtomicServer) -> None:
    async with make(server) as client:
        seen: list[httpx.AsyncClient] = []

        async def call() -> None:
            await list_cards.asyncio(client=client, environment_id="env1")
            seen.append(client.get_async_httpx_client())

        await asyncio.gather(*(call() for _ in range(8)))
        assert len({id(p) for p in seen}) == 1
    assert seen[0].is_closed
    assert len(server.token_requests()) == 1


def test_async_atomic_client_three_sequential_asyncio_runs_and_a_derived_client(server: AtomicServer) -> None:
    # The same rules for AsyncAtomicClient: a pool per loop, and a derived client that never closes the owner's.
    client = AsyncAtomicClient(
        base_url=server.base_url,
        token_url=server.token_url,
        credentials={Role.EVENTS: EVENTS, Role.WORKBENCH: WORKBENCH},
        environment_id="env1",
        timeout=10.0,
    )
    pools: list[httpx.AsyncClient] = []

    async def job() -> None:
        await client.cards.list_cards()
        async with client.with_options(max_retries=0) as derived:
            await derived.environments.list_environments()
        await client.environments.list_environments()
        pools.append(client.get_async_httpx_client())

    for _ in range(3):
        asyncio.run(job())
    assert len(server.token_requests()) == 1
    assert len(server.api_requests()) == 9
    assert len({id(p) for p in pools}) == 3 and all(p.is_closed for p in pools)

    async def last() -> None:
        async with client:
            await client.cards.list_cards()

    asyncio.run(last())
    assert len(server.token_requests()) == 1
