"""Stale-while-error, and token endpoint retries of 5xx and connection errors."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from atomic_api.api.environments import list_environments
from atomic_sdk import AtomicClient, Credentials, TokenRateLimitedError, TokenRequestError
from support.atomic_server import TOKEN_MARK, AtomicServer, Reply, raises_clean, secret
from support.clock import FakeClock, SleepRecorder
from support.fault_server import FaultServer
from support.http_package import httpx

KEY = Credentials("one-id", secret("one"))


def make(server: AtomicServer | FaultServer, clock: FakeClock, sleeps: SleepRecorder, **kwargs: Any) -> AtomicClient:
    kwargs.setdefault("timeout", 5.0)
    return AtomicClient(
        base_url=server.base_url,
        token_url=server.token_url,
        credentials=KEY,
        clock=clock,
        sleep=sleeps,
        async_sleep=sleeps.async_sleep,
        **kwargs,
    )


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "atomic_sdk" and r.levelno == logging.WARNING]


@pytest.fixture
def faults() -> Iterator[FaultServer]:
    with FaultServer() as server:
        yield server


# -- stale-while-error -------------------------------------------------------------------------------


def test_failed_refresh_ahead_of_expiry_uses_the_valid_token(
    server: AtomicServer, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    # 100 s token, refresh due at 50 s; at 60 s the token endpoint fails (503 on every attempt).
    server.expires_in = 100
    sleeps = SleepRecorder()
    with make(server, clock, sleeps, token_leeway=50, max_retries=1) as client:
        list_environments.sync(client=client)
        clock.advance(60)
        server.token_replies = [Reply.json(503, {"error": "unavailable"})] * 2
        assert list_environments.sync(client=client) is not None
        assert len(server.token_requests()) == 1 + 2
        # Further calls inside the retry pause use the token without asking the failing endpoint again.
        assert list_environments.sync(client=client) is not None
        assert len(server.token_requests()) == 3
        assert [r.headers["authorization"] for r in server.api_requests()] == [f"Bearer {TOKEN_MARK}1-one-id"] * 3
        [warning] = warnings_of(caplog)
        assert "using the cached token, valid for 40 s more" in warning and "503" in warning
        # A later refresh attempt that fails again logs no second WARNING ...
        clock.advance(20)
        server.token_replies = [Reply.json(502, {})] * 2
        assert list_environments.sync(client=client) is not None
        assert len(server.token_requests()) == 5
        assert len(warnings_of(caplog)) == 1
        # ... and only an expired token makes the call fail.
        clock.advance(21)
        server.token_replies = [Reply.json(503, {})] * 2
        with raises_clean(TokenRequestError, match="503") as info:
            list_environments.sync(client=client)
        assert info.value.status == 503  # type: ignore[attr-defined]
    assert len(server.api_requests()) == 4


async def test_failed_refresh_ahead_of_expiry_uses_the_valid_token_async(
    server: AtomicServer, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    server.expires_in = 100
    sleeps = SleepRecorder()
    async with make(server, clock, sleeps, token_leeway=50, max_retries=0) as client:
        await list_environments.asyncio(client=client)
        clock.advance(60)
        server.token_replies = [Reply.json(500, {"error": "boom"})]
        assert await list_environments.asyncio(client=client) is not None
        assert len(server.token_requests()) == 2
        assert len(warnings_of(caplog)) == 1
        clock.advance(41)
        server.token_replies = [Reply.json(500, {})]
        with raises_clean(TokenRequestError, match="500"):
            await list_environments.asyncio(client=client)


def test_successful_refresh_after_a_failure_resets_the_warning(
    server: AtomicServer, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    server.expires_in = 100
    sleeps = SleepRecorder()
    with make(server, clock, sleeps, token_leeway=50, max_retries=0) as client:
        list_environments.sync(client=client)
        clock.advance(60)
        server.token_replies = [Reply.json(503, {})]
        list_environments.sync(client=client)
        clock.advance(6)  # past the retry pause: the refresh is tried again and succeeds
        list_environments.sync(client=client)
        assert len(server.token_requests()) == 3
        assert server.api_requests()[-1].headers["authorization"] == f"Bearer {TOKEN_MARK}2-one-id"
        clock.advance(60)  # the new token is due in its turn; its failed refresh warns again
        server.token_replies = [Reply.json(503, {})]
        list_environments.sync(client=client)
    assert len(warnings_of(caplog)) == 2


def test_cold_start_failure_is_not_hidden(server: AtomicServer, clock: FakeClock) -> None:
    server.token_replies = [Reply.json(503, {})]
    with make(server, clock, SleepRecorder(), max_retries=0) as client, raises_clean(TokenRequestError):
        list_environments.sync(client=client)
    assert server.api_requests() == []


# -- token endpoint retries ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", [502, 503, 504])
def test_token_5xx_then_success(server: AtomicServer, clock: FakeClock, status: int) -> None:
    server.token_replies = [Reply.json(status, {"error": "temporarily_unavailable"})]
    sleeps = SleepRecorder()
    with make(server, clock, sleeps) as client:
        assert list_environments.sync(client=client) is not None
    assert len(server.token_requests()) == 2
    assert len(server.api_requests()) == 1
    [wait] = sleeps.waits
    assert 0.375 <= wait <= 0.5  # first backoff: 0.5 s minus up to 25 % jitter (the API's rule)


def test_token_500_is_not_retried_as_for_api_requests(server: AtomicServer, clock: FakeClock) -> None:
    server.token_replies = [Reply.json(500, {"error": "server_error"})]
    sleeps = SleepRecorder()
    with make(server, clock, sleeps) as client, raises_clean(TokenRequestError, match="answered 500"):
        list_environments.sync(client=client)
    assert (len(server.token_requests()), len(server.api_requests()), sleeps.waits) == (1, 0, [])


@pytest.mark.parametrize("status", [502, 503])
async def test_token_5xx_then_success_async(server: AtomicServer, clock: FakeClock, status: int) -> None:
    server.token_replies = [Reply.json(status, {})]
    sleeps = SleepRecorder()
    async with make(server, clock, sleeps) as client:
        assert await list_environments.asyncio(client=client) is not None
    assert len(server.token_requests()) == 2
    assert len(sleeps.waits) == 1


def test_token_503_retry_after_is_honoured(server: AtomicServer, clock: FakeClock) -> None:
    server.token_replies = [Reply.json(503, {}, **{"Retry-After": "3"})]
    sleeps = SleepRecorder()
    with make(server, clock, sleeps) as client:
        list_environments.sync(client=client)
    assert sleeps.waits == [3.0]
    assert len(server.token_requests()) == 2


@pytest.mark.parametrize("fault", ["reset", "mid_body"])
def test_token_connection_failure_then_success(faults: FaultServer, clock: FakeClock, fault: str) -> None:
    faults.token_faults = [fault]
    sleeps = SleepRecorder()
    with make(faults, clock, sleeps) as client:
        assert list_environments.sync(client=client) is not None
    assert len(faults.token_requests()) == 2
    assert len(faults.api_requests()) == 1
    assert len(sleeps.waits) == 1


async def test_token_reset_then_success_async(faults: FaultServer, clock: FakeClock) -> None:
    faults.token_faults = ["reset"]
    sleeps = SleepRecorder()
    async with make(faults, clock, sleeps) as client:
        assert await list_environments.asyncio(client=client) is not None
    assert len(faults.token_requests()) == 2


def test_token_5xx_until_attempts_run_out(server: AtomicServer, clock: FakeClock) -> None:
    server.token_replies = [Reply.json(502, {"error": "bad_gateway"})] * 3
    sleeps = SleepRecorder()
    with (
        make(server, clock, sleeps, max_retries=2) as client,
        raises_clean(TokenRequestError, match="answered 502 .* after 3 attempt") as info,
    ):
        list_environments.sync(client=client)
    err = info.value
    assert isinstance(err, TokenRequestError) and not isinstance(err, TokenRateLimitedError)
    assert (err.status, err.error) == (502, "bad_gateway")
    assert len(server.token_requests()) == 3 and len(sleeps.waits) == 2
    assert sleeps.waits[0] <= 0.5 < sleeps.waits[1] <= 1.0  # exponential: 0.5 s, then 1 s, each jittered
    assert server.api_requests() == []


def test_token_resets_until_attempts_run_out_carry_the_cause(faults: FaultServer, clock: FakeClock) -> None:
    faults.token_faults = ["reset"] * 2
    sleeps = SleepRecorder()
    with (
        make(faults, clock, sleeps, max_retries=1) as client,
        raises_clean(TokenRequestError, match="after 2 attempt") as info,
    ):
        list_environments.sync(client=client)
    assert isinstance(info.value.__cause__, httpx.TransportError)
    assert len(faults.token_requests()) == 2
    assert faults.api_requests() == []


def test_token_4xx_is_not_retried(server: AtomicServer, clock: FakeClock) -> None:
    server.token_replies = [Reply.json(401, {"error": "invalid_client"})]
    sleeps = SleepRecorder()
    with make(server, clock, sleeps) as client, raises_clean(TokenRequestError, match="invalid_client"):
        list_environments.sync(client=client)
    assert len(server.token_requests()) == 1 and sleeps.waits == []


def test_429_and_5xx_share_the_attempt_budget(server: AtomicServer, clock: FakeClock) -> None:
    server.token_replies = [Reply.json(429, {}), Reply.json(503, {}), Reply.json(429, {})]
    sleeps = SleepRecorder()
    with make(server, clock, sleeps, max_retries=2) as client, raises_clean(TokenRateLimitedError):
        list_environments.sync(client=client)
    assert len(server.token_requests()) == 3
