"""The one retry policy on API requests: which statuses and failures, how many attempts, how long the waits
are, and a connection dropped while the body is read (retried for idempotent methods only; a raw-socket server,
support.fault_server, sends the headers and half of the body, then closes or resets)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from email.utils import formatdate
from typing import Any

import pytest
from atomic_api.api.action_flows import start_action_flow
from atomic_api.api.cards import cancel_cards, list_cards
from atomic_api.models.action_flow_request import ActionFlowRequest
from atomic_api.models.flow import Flow
from atomic_api.models.flow_target import FlowTarget
from atomic_sdk import (
    ApiConnectionError,
    ApiTimeoutError,
    AtomicClient,
    AtomicError,
    ConfigurationError,
    Credentials,
    RateLimitedError,
    ServerError,
)
from support.atomic_server import TOKEN_MARK, AtomicServer, Reply, raises_clean, secret
from support.clock import FakeClock, SleepRecorder
from support.http_package import httpx

KEY = Credentials("ev-id", secret("ev"))

from collections.abc import Iterator

from atomic_api.api.environments import list_environments
from atomic_api.api.users import upsert_users
from atomic_api.models.upsert_user import UpsertUser
from atomic_sdk import Credentials
from support.atomic_server import secret
from support.fault_server import FaultServer


def make(server: AtomicServer, clock: FakeClock, waits: SleepRecorder, **kwargs: Any) -> AtomicClient:
    return AtomicClient(
        base_url=server.base_url,
        token_url=server.token_url,
        credentials=KEY,
        clock=clock,
        sleep=waits,
        async_sleep=waits.async_sleep,
        timeout=10.0,
        **kwargs,
    )


def flow_request() -> ActionFlowRequest:
    return ActionFlowRequest(flows=[Flow(target=FlowTarget(type_="user", target_user_ids=["u1"]))])


def start_flow(client: AtomicClient) -> Any:
    return start_action_flow.sync_detailed(
        environment_id="env1", flow_config_id="f1", client=client, body=flow_request()
    )


@pytest.fixture
def waits(clock: FakeClock) -> SleepRecorder:
    return SleepRecorder(clock)


@pytest.mark.parametrize("failures", [[503], [502, 504], [429, 503, 502]])
def test_n_retryable_failures_take_n_plus_one_attempts(
    server: AtomicServer, clock: FakeClock, waits: SleepRecorder, failures: list[int]
) -> None:
    server.api_replies = [Reply.json(status, {"error": "busy"}) for status in failures]
    with make(server, clock, waits, max_retries=3) as client:
        result = list_cards.sync(client=client, environment_id="env1")
    assert result is not None
    requests = server.api_requests()
    assert len(requests) == len(failures) + 1
    assert len(waits.waits) == len(failures)
    # The auth flow wraps the transport: every attempt carries the same token, fetched once.
    assert {r.headers["authorization"] for r in requests} == {f"Bearer {TOKEN_MARK}1-ev-id"}
    assert len(server.token_requests()) == 1


def test_exhausted_retries_raise_the_typed_error(server: AtomicServer, clock: FakeClock, waits: SleepRecorder) -> None:
    server.api_replies = [Reply.json(503, {"error": "down"}) for _ in range(5)]
    with make(server, clock, waits) as client, raises_clean(ServerError) as info:
        list_cards.sync(client=client, environment_id="env1")
    assert info.value.status == 503
    assert len(server.api_requests()) == 3  # default max_retries=2
    assert len(waits.waits) == 2


def test_exhausted_429_carries_retry_after(server: AtomicServer, clock: FakeClock, waits: SleepRecorder) -> None:
    server.api_replies = [Reply.json(429, {"error": "slow down"}, **{"Retry-After": "3"}) for _ in range(3)]
    with make(server, clock, waits) as client, raises_clean(RateLimitedError) as info:
        list_cards.sync(client=client, environment_id="env1")
    assert isinstance(info.value, RateLimitedError)
    assert (info.value.status, info.value.retry_after) == (429, 3.0)
    assert waits.waits == [3.0, 3.0]
    assert len(server.api_requests()) == 3


def test_backoff_is_exponential_with_bounded_jitter(
    server: AtomicServer, clock: FakeClock, waits: SleepRecorder
) -> None:
    server.api_replies = [Reply.json(503, {}) for _ in range(4)]
    with make(server, clock, waits, max_retries=4) as client:
        list_cards.sync(client=client, environment_id="env1")
    assert len(waits.waits) == 4
    for retry, waited in enumerate(waits.waits):
        full = 0.5 * 2**retry
        assert 0.75 * full <= waited <= full


def test_post_is_not_retried_on_503(server: AtomicServer, clock: FakeClock, waits: SleepRecorder) -> None:
    server.api_replies = [Reply.json(503, {}), Reply.json(200, {})]
    with make(server, clock, waits) as client, raises_clean(ServerError):
        start_flow(client)
    assert [r.method for r in server.api_requests()] == ["POST"]
    assert waits.waits == []


def test_post_is_retried_on_429(server: AtomicServer, clock: FakeClock, waits: SleepRecorder) -> None:
    server.api_replies = [Reply.json(429, {}, **{"Retry-After": "1"}), Reply.json(200, {"flowInstanceId": "x"})]
    with make(server, clock, waits) as client:
        response = start_flow(client)
    assert response.status_code == 200
    requests = server.api_requests()
    assert [r.method for r in requests] == ["POST", "POST"]
    assert requests[0].body == requests[1].body != b""
    assert waits.waits == [1.0]


def test_put_is_retried_on_503(server: AtomicServer, clock: FakeClock, waits: SleepRecorder) -> None:
    server.api_replies = [Reply.json(503, {})]
    with make(server, clock, waits) as client:
        response = cancel_cards.sync_detailed(environment_id="env1", client=client, user_id="u1")
    assert response.status_code == 200
    assert [r.method for r in server.api_requests()] == ["PUT", "PUT"]


def failing_transport(failures: list[Exception], log: list[str]) -> httpx.MockTransport:
    # Token requests take the same transport as API calls (httpx_args apply to both); they succeed here.
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth2/token":
            return httpx.Response(200, json={"access_token": TOKEN_MARK + "mock", "token_type": "Bearer"})
        log.append(request.method)
        if failures:
            raise failures.pop(0)
        return httpx.Response(200, json={"data": []})

    return httpx.MockTransport(handler)


def test_post_is_retried_when_connect_fails(server: AtomicServer, clock: FakeClock, waits: SleepRecorder) -> None:
    log: list[str] = []
    transport = failing_transport([httpx.ConnectError("refused"), httpx.ConnectTimeout("slow")], log)
    with make(server, clock, waits, httpx_args={"transport": transport}) as client:
        response = start_flow(client)
    assert response.status_code == 200
    assert log == ["POST", "POST", "POST"]
    assert len(waits.waits) == 2


def test_post_is_not_retried_when_the_request_may_have_arrived(
    server: AtomicServer, clock: FakeClock, waits: SleepRecorder
) -> None:
    log: list[str] = []
    transport = failing_transport([httpx.RemoteProtocolError("server hung up")], log)
    with (
        make(server, clock, waits, httpx_args={"transport": transport}) as client,
        raises_clean(ApiConnectionError) as info,
    ):
        start_flow(client)
    assert log == ["POST"]
    assert isinstance(info.value.__cause__, httpx.RemoteProtocolError)
    assert info.value.attempts == 1


def test_get_is_retried_on_connection_errors(server: AtomicServer, clock: FakeClock, waits: SleepRecorder) -> None:
    log: list[str] = []
    transport = failing_transport([httpx.ReadError("reset"), httpx.ConnectError("refused")], log)
    with make(server, clock, waits, httpx_args={"transport": transport}) as client:
        list_cards.sync(client=client, environment_id="env1")
    assert log == ["GET", "GET", "GET"]


def test_connection_errors_exhaust_to_api_connection_error(
    server: AtomicServer, clock: FakeClock, waits: SleepRecorder
) -> None:
    log: list[str] = []
    transport = failing_transport([httpx.ConnectError("refused") for _ in range(5)], log)
    with (
        make(server, clock, waits, max_retries=1, httpx_args={"transport": transport}) as client,
        raises_clean(ApiConnectionError) as info,
    ):
        list_cards.sync(client=client, environment_id="env1")
    assert log == ["GET", "GET"]
    error = info.value
    assert type(error) is ApiConnectionError and isinstance(error, AtomicError)
    assert isinstance(error.__cause__, httpx.ConnectError)
    assert (error.operation_id, error.method, error.attempts) == ("listCards", "GET", 2)
    assert error.url == f"{server.base_url}/v1/env1/cards"
    assert str(error).startswith(f"listCards (GET {server.base_url}/v1/env1/cards) failed without a response after 2")


def test_read_timeout_is_not_retried(server: AtomicServer, clock: FakeClock, waits: SleepRecorder) -> None:
    log: list[str] = []
    transport = failing_transport([httpx.ReadTimeout("slow")], log)
    with (
        make(server, clock, waits, httpx_args={"transport": transport}) as client,
        raises_clean(ApiTimeoutError) as info,
    ):
        list_cards.sync(client=client, environment_id="env1")
    assert log == ["GET"]
    assert isinstance(info.value, ApiConnectionError) and isinstance(info.value.__cause__, httpx.ReadTimeout)
    assert "timed out after 1 attempt(s)" in str(info.value)


def test_retry_after_http_date_is_honoured(server: AtomicServer, clock: FakeClock, waits: SleepRecorder) -> None:
    when = formatdate(clock.now + 12, usegmt=True)
    server.api_replies = [Reply.json(503, {}, **{"Retry-After": when})]
    with make(server, clock, waits) as client:
        list_cards.sync(client=client, environment_id="env1")
    assert waits.waits == [12.0]
    assert len(server.api_requests()) == 2


def test_retry_after_beyond_the_cap_is_handed_to_the_caller(
    server: AtomicServer, clock: FakeClock, waits: SleepRecorder
) -> None:
    server.api_replies = [Reply.json(429, {}, **{"Retry-After": "61"})]
    with make(server, clock, waits) as client, raises_clean(RateLimitedError) as info:
        list_cards.sync(client=client, environment_id="env1")
    assert isinstance(info.value, RateLimitedError)
    assert info.value.retry_after == 61.0
    assert waits.waits == []
    assert len(server.api_requests()) == 1


def test_retry_after_at_the_cap_is_waited(server: AtomicServer, clock: FakeClock, waits: SleepRecorder) -> None:
    server.api_replies = [Reply.json(429, {}, **{"Retry-After": "60"})]
    with make(server, clock, waits) as client:
        list_cards.sync(client=client, environment_id="env1")
    assert waits.waits == [60.0]


def test_401_is_replayed_by_auth_not_retried_by_transport(
    server: AtomicServer, clock: FakeClock, waits: SleepRecorder
) -> None:
    server.api_replies = [Reply.json(401, {})]
    with make(server, clock, waits) as client:
        list_cards.sync(client=client, environment_id="env1")
    requests = server.api_requests()
    assert [r.headers["authorization"] for r in requests] == [
        f"Bearer {TOKEN_MARK}1-ev-id",
        f"Bearer {TOKEN_MARK}2-ev-id",
    ]
    assert waits.waits == []


def test_with_options_overrides_max_retries(server: AtomicServer, clock: FakeClock, waits: SleepRecorder) -> None:
    server.api_replies = [Reply.json(503, {}) for _ in range(3)]
    with make(server, clock, waits) as client:
        once = client.with_options(max_retries=0)
        assert (client.max_retries, once.max_retries) == (2, 0)
        with once, raises_clean(ServerError):
            list_cards.sync(client=once, environment_id="env1")
        assert len(server.api_requests()) == 1
        list_cards.sync(client=client, environment_id="env1")  # two 503s left, then 200
    assert len(server.api_requests()) == 4
    assert len(server.token_requests()) == 1  # the derived client shares the token cache


@pytest.mark.parametrize("bad", [-1, 1.5, True, "2"])
def test_max_retries_is_validated(bad: Any, clock: FakeClock) -> None:
    with pytest.raises(ConfigurationError, match="max_retries"):
        AtomicClient(base_url="http://127.0.0.1:9", credentials=KEY, max_retries=bad)


def test_each_retry_is_logged_at_debug(
    server: AtomicServer, clock: FakeClock, waits: SleepRecorder, caplog: pytest.LogCaptureFixture
) -> None:
    server.api_replies = [Reply.json(503, {}), Reply.json(429, {}, **{"Retry-After": "2"})]
    with make(server, clock, waits) as client:
        list_cards.sync(client=client, environment_id="env1", user_id="u1")
    lines = [r.getMessage() for r in caplog.records if r.name == "atomic_sdk" and "retrying" in r.message]
    assert len(lines) == 2
    assert all(r.levelno == logging.DEBUG for r in caplog.records if "retrying" in r.getMessage())
    assert "listCards (GET " in lines[0] and "status 503" in lines[0] and "retry 1 of 2" in lines[0]
    assert "status 429" in lines[1] and "in 2.000 s" in lines[1]
    assert all("u1" not in line for line in lines)  # query strings stay out of the log


def test_async_retries(server: AtomicServer, clock: FakeClock, waits: SleepRecorder) -> None:
    server.api_replies = [Reply.json(502, {}), Reply.json(429, {}, **{"Retry-After": "5"})]

    async def run() -> None:
        async with make(server, clock, waits) as client:
            await list_cards.asyncio(client=client, environment_id="env1")

    asyncio.run(run())
    assert len(server.api_requests()) == 3
    assert len(waits.waits) == 2 and waits.waits[1] == 5.0


def test_async_exhaustion_and_post_rules(server: AtomicServer, clock: FakeClock, waits: SleepRecorder) -> None:
    server.api_replies = [Reply.json(503, {}) for _ in range(3)] + [Reply.json(503, {})]

    async def run(call: Callable[[AtomicClient], Any]) -> None:
        async with make(server, clock, waits) as client:
            await call(client)

    with raises_clean(ServerError):
        asyncio.run(run(lambda c: list_cards.asyncio(client=c, environment_id="env1")))
    assert len(server.api_requests()) == 3
    with raises_clean(ServerError):
        asyncio.run(
            run(
                lambda c: start_action_flow.asyncio(
                    environment_id="env1", flow_config_id="f1", client=c, body=flow_request()
                )
            )
        )
    assert len(server.api_requests()) == 4


def test_async_post_retried_when_connect_fails(server: AtomicServer, clock: FakeClock, waits: SleepRecorder) -> None:
    log: list[str] = []
    transport = failing_transport([httpx.ConnectError("refused")], log)

    async def run() -> int:
        async with make(server, clock, waits, httpx_args={"transport": transport}) as client:
            response = await start_action_flow.asyncio_detailed(
                environment_id="env1", flow_config_id="f1", client=client, body=flow_request()
            )
        return int(response.status_code)

    assert asyncio.run(run()) == 200
    assert log == ["POST", "POST"]
    assert len(waits.waits) == 1


# -- a connection dropped while the body arrives --------------------------------------------------------


@pytest.fixture
def faults() -> Iterator[FaultServer]:
    with FaultServer() as server:
        yield server


def make_on_faults(server: FaultServer, sleeps: SleepRecorder, **kwargs: Any) -> AtomicClient:
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
    with make_on_faults(faults, sleeps) as client:
        result = list_environments.sync(client=client)
    assert result is not None and [env.id for env in result.environments] == ["env1"]
    assert [(r.method, r.path) for r in faults.api_requests()] == [("GET", "/v1/environments")] * 2
    assert len(sleeps.waits) == 1  # one backoff, one retry


@pytest.mark.parametrize("fault", ["mid_body", "mid_body_reset"])
async def test_get_dropped_mid_body_is_retried_once_async(faults: FaultServer, fault: str) -> None:
    faults.api_faults = [fault]
    sleeps = SleepRecorder()
    async with make_on_faults(faults, sleeps) as client:
        result = await list_cards.asyncio(client=client, environment_id="env1")
    assert result is not None and result.data == []
    assert [(r.method, r.path) for r in faults.api_requests()] == [("GET", "/v1/env1/cards")] * 2
    assert len(sleeps.waits) == 1


def test_post_dropped_mid_body_is_not_retried(faults: FaultServer) -> None:
    faults.api_faults = ["mid_body"]
    sleeps = SleepRecorder()
    with make_on_faults(faults, sleeps) as client, pytest.raises(ApiConnectionError) as info:
        upsert_users.sync_detailed("env1", client=client, body=[UpsertUser(id="u1")])
    assert info.value.attempts == 1
    assert [(r.method, r.path) for r in faults.api_requests()] == [("POST", "/v1/env1/users")]
    assert sleeps.waits == []


async def test_post_dropped_mid_body_is_not_retried_async(faults: FaultServer) -> None:
    faults.api_faults = ["mid_body_reset"]
    sleeps = SleepRecorder()
    async with make_on_faults(faults, sleeps) as client:
        with pytest.raises(ApiConnectionError) as info:
            await upsert_users.asyncio_detailed("env1", client=client, body=[UpsertUser(id="u1")])
    assert info.value.attempts == 1
    assert [(r.method, r.path) for r in faults.api_requests()] == [("POST", "/v1/env1/users")]
    assert sleeps.waits == []


def test_get_drops_until_retries_run_out(faults: FaultServer) -> None:
    faults.api_faults = ["mid_body"] * 3
    sleeps = SleepRecorder()
    with make_on_faults(faults, sleeps, max_retries=2) as client, pytest.raises(ApiConnectionError) as info:
        list_environments.sync(client=client)
    assert info.value.attempts == 3
    assert len(faults.api_requests()) == 3
    assert len(sleeps.waits) == 2


def test_no_retry_budget_no_retry(faults: FaultServer) -> None:
    faults.api_faults = ["mid_body"]
    sleeps = SleepRecorder()
    with make_on_faults(faults, sleeps, max_retries=0) as client, pytest.raises(ApiConnectionError) as info:
        list_environments.sync(client=client)
    assert info.value.attempts == 1
    assert len(faults.api_requests()) == 1


def test_retryable_status_with_a_broken_body_is_still_retried(faults: FaultServer) -> None:
    # A 503 whose body is cut off: the retry decision is already made, the broken body must not end it.
    faults.api_faults = ["status:503:mid_body"]
    sleeps = SleepRecorder()
    with make_on_faults(faults, sleeps) as client:
        assert list_environments.sync(client=client) is not None
    assert len(faults.api_requests()) == 2
