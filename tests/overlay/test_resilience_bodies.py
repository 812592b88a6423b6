"""Issue 14 item 6: a connection dropped while the body is read is retried for idempotent methods only.

A raw-socket server (support.fault_server) sends the headers and half of the body, then closes or resets.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from atomic_api.api.cards import list_cards
from atomic_api.api.environments import list_environments
from atomic_api.api.users import upsert_users
from atomic_api.models.upsert_user import UpsertUser
from atomic_sdk import ApiConnectionError, AtomicClient, Credentials
from support.atomic_server import secret
from support.clock import SleepRecorder
from support.fault_server import FaultServer


@pytest.fixture
def faults() -> Iterator[FaultServer]:
    with FaultServer() as server:
        yield server


def make(server: FaultServer, sleeps: SleepRecorder, **kwargs: Any) -> AtomicClient:
    return AtomicClient(
        base_url=server.base_url,
        token_url=server.token_url,
        credentials=Credentials("one-id", secret("one")),
        timeout=5.0,
        sleep=sleeps,
        async_sleep=sleeps.async_sleep,
        **kwargs,
    )


@pytest.mark.parametrize("fault", ["mid_body", "mid_body_reset"])
def test_get_dropped_mid_body_is_retried_once(faults: FaultServer, fault: str) -> None:
    faults.api_faults = [fault]
    sleeps = SleepRecorder()
    with make(faults, sleeps) as client:
        result = list_environments.sync(client=client)
    assert result is not None and [env.id for env in result.environments] == ["env1"]
    assert [(r.method, r.path) for r in faults.api_requests()] == [("GET", "/v1/environments")] * 2
    assert len(sleeps.waits) == 1  # one backoff, one retry


@pytest.mark.parametrize("fault", ["mid_body", "mid_body_reset"])
async def test_get_dropped_mid_body_is_retried_once_async(faults: FaultServer, fault: str) -> None:
    faults.api_faults = [fault]
    sleeps = SleepRecorder()
    async with make(faults, sleeps) as client:
        result = await list_cards.asyncio(client=client, environment_id="env1")
    assert result is not None and result.data == []
    assert [(r.method, r.path) for r in faults.api_requests()] == [("GET", "/v1/env1/cards")] * 2
    assert len(sleeps.waits) == 1


def test_post_dropped_mid_body_is_not_retried(faults: FaultServer) -> None:
    faults.api_faults = ["mid_body"]
    sleeps = SleepRecorder()
    with make(faults, sleeps) as client, pytest.raises(ApiConnectionError) as info:
        upsert_users.sync_detailed("env1", client=client, body=[UpsertUser(id="u1")])
    assert info.value.attempts == 1
    assert [(r.method, r.path) for r in faults.api_requests()] == [("POST", "/v1/env1/users")]
    assert sleeps.waits == []


async def test_post_dropped_mid_body_is_not_retried_async(faults: FaultServer) -> None:
    faults.api_faults = ["mid_body_reset"]
    sleeps = SleepRecorder()
    async with make(faults, sleeps) as client:
        with pytest.raises(ApiConnectionError) as info:
            await upsert_users.asyncio_detailed("env1", client=client, body=[UpsertUser(id="u1")])
    assert info.value.attempts == 1
    assert [(r.method, r.path) for r in faults.api_requests()] == [("POST", "/v1/env1/users")]
    assert sleeps.waits == []


def test_get_drops_until_retries_run_out(faults: FaultServer) -> None:
    faults.api_faults = ["mid_body"] * 3
    sleeps = SleepRecorder()
    with make(faults, sleeps, max_retries=2) as client, pytest.raises(ApiConnectionError) as info:
        list_environments.sync(client=client)
    assert info.value.attempts == 3
    assert len(faults.api_requests()) == 3
    assert len(sleeps.waits) == 2


def test_no_retry_budget_no_retry(faults: FaultServer) -> None:
    faults.api_faults = ["mid_body"]
    sleeps = SleepRecorder()
    with make(faults, sleeps, max_retries=0) as client, pytest.raises(ApiConnectionError) as info:
        list_environments.sync(client=client)
    assert info.value.attempts == 1
    assert len(faults.api_requests()) == 1


def test_retryable_status_with_a_broken_body_is_still_retried(faults: FaultServer) -> None:
    # A 503 whose body is cut off: the retry decision is already made, the broken body must not end it.
    faults.api_faults = ["status:503:mid_body"]
    sleeps = SleepRecorder()
    with make(faults, sleeps) as client:
        assert list_environments.sync(client=client) is not None
    assert len(faults.api_requests()) == 2
