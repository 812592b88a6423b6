"""End to end against a real HTTP server on 127.0.0.1 (tokens + API), counting every request."""

from __future__ import annotations

import asyncio
import base64
import threading
from collections import Counter
from collections.abc import Callable
from email.utils import formatdate
from typing import Any

import pytest
from atomic_api.api.audit_log import list_audit_log_entries
from atomic_api.api.cards import list_cards
from atomic_api.api.environments import list_environments
from atomic_sdk import (
    AtomicClient,
    AuthenticationError,
    Credentials,
    MissingCredentialsError,
    Role,
    TokenRateLimitedError,
    TokenRequestError,
    UnknownOperationError,
)
from support.atomic_server import TOKEN_MARK, AtomicServer, Reply, assert_clean, raises_clean, secret
from support.clock import FakeClock, SleepRecorder

EVENTS = Credentials("ev-id", secret("ev"))
WORKBENCH = Credentials("wb-id", secret("wb"))


def make(server: AtomicServer, clock: FakeClock, **kwargs: Any) -> AtomicClient:
    kwargs.setdefault("credentials", {Role.EVENTS: EVENTS, Role.WORKBENCH: WORKBENCH})
    kwargs.setdefault("timeout", 10.0)
    return AtomicClient(base_url=server.base_url, token_url=server.token_url, clock=clock, **kwargs)


def test_token_request_shape(server: AtomicServer, clock: FakeClock) -> None:
    with make(server, clock, user_agent="my-app/1.2") as client:
        result = list_environments.sync(client=client)
    assert result is not None
    [token_request] = server.token_requests()
    assert token_request.method == "POST"
    assert token_request.query == {"grant_type": ["client_credentials"], "client_id": ["ev-id"]}
    basic = base64.b64encode(f"ev-id:{secret('ev')}".encode()).decode()
    assert token_request.headers["authorization"] == f"Basic {basic}"
    assert token_request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert token_request.headers["user-agent"] == client.user_agent
    assert client.user_agent.startswith("my-app/1.2 atomic-sdk-python/")
    [api_request] = server.api_requests()
    assert api_request.headers["authorization"] == f"Bearer {TOKEN_MARK}1-ev-id"
    assert api_request.headers["user-agent"] == client.user_agent


def test_cache_and_refresh_ahead(server: AtomicServer, clock: FakeClock) -> None:
    server.expires_in = 600
    with make(server, clock, token_leeway=120) as client:
        for _ in range(3):
            list_cards.sync(client=client, environment_id="env1")
        assert len(server.token_requests()) == 1
        clock.advance(600 - 120 - 1)
        list_cards.sync(client=client, environment_id="env1")
        assert len(server.token_requests()) == 1
        clock.advance(1)
        list_cards.sync(client=client, environment_id="env1")
        assert len(server.token_requests()) == 2
    authorizations = [r.headers["authorization"] for r in server.api_requests()]
    assert authorizations == [f"Bearer {TOKEN_MARK}1-ev-id"] * 4 + [f"Bearer {TOKEN_MARK}2-ev-id"]


def test_64_threads_and_64_tasks_fetch_one_token_per_key(server: AtomicServer, clock: FakeClock) -> None:
    server.token_delay = 0.3  # keep the first fetch in flight while everyone else arrives
    client = make(server, clock)
    go = threading.Event()
    errors: list[BaseException] = []

    def call(index: int) -> None:
        if index % 2:
            list_cards.sync(client=client, environment_id="env1")
        else:
            list_audit_log_entries.sync(client=client, environment_id="env1")

    def thread_main(index: int) -> None:
        go.wait()
        try:
            call(index)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    async def task(index: int) -> None:
        if index % 2:
            await list_cards.asyncio(client=client, environment_id="env1")
        else:
            await list_audit_log_entries.asyncio(client=client, environment_id="env1")

    def join_threads() -> None:
        for thread in threads:
            thread.join(timeout=30)

    async def main() -> None:
        go.set()
        await asyncio.gather(*(task(i) for i in range(64)))
        await asyncio.to_thread(join_threads)
        await client.aclose()

    threads = [threading.Thread(target=thread_main, args=(i,)) for i in range(64)]
    for thread in threads:
        thread.start()
    asyncio.run(main())
    client.close()
    assert errors == []
    token_ids = Counter(r.query["client_id"][0] for r in server.token_requests())
    assert token_ids == {"ev-id": 1, "wb-id": 1}
    api = server.api_requests()
    assert len(api) == 128
    assert Counter(r.client_id for r in api) == {"ev-id": 64, "wb-id": 64}


def test_role_selection_per_operation(server: AtomicServer, clock: FakeClock) -> None:
    with make(server, clock) as client:
        list_environments.sync(client=client)
        list_cards.sync(client=client, environment_id="env1")
        list_audit_log_entries.sync(client=client, environment_id="env1")
    assert [r.client_id for r in server.api_requests()] == ["ev-id", "ev-id", "wb-id"]
    assert len(server.token_requests()) == 2


def test_any_role_uses_first_configured(server: AtomicServer, clock: FakeClock) -> None:
    with make(server, clock, credentials={Role.AUTH: Credentials("au-id", secret("au")), Role.WORKBENCH: WORKBENCH}) as c:
        list_environments.sync(client=c)
    assert [r.client_id for r in server.api_requests()] == ["wb-id"]


def test_single_key_serves_every_operation(server: AtomicServer, clock: FakeClock) -> None:
    with make(server, clock, credentials=Credentials("one-id", secret("one"))) as client:
        list_environments.sync(client=client)
        list_cards.sync(client=client, environment_id="env1")
        list_audit_log_entries.sync(client=client, environment_id="env1")
    assert [r.client_id for r in server.api_requests()] == ["one-id"] * 3
    assert len(server.token_requests()) == 1


def test_missing_credentials_sends_nothing(server: AtomicServer, clock: FakeClock) -> None:
    with (
        make(server, clock, credentials={Role.WORKBENCH: WORKBENCH}) as client,
        raises_clean(MissingCredentialsError) as info,
    ):
        list_cards.sync(client=client, environment_id="env1")
    err = info.value
    assert isinstance(err, MissingCredentialsError)
    assert (err.operation_id, err.allowed_roles, err.configured_roles) == ("listCards", (Role.EVENTS,), (Role.WORKBENCH,))
    assert server.requests == []


async def test_missing_credentials_sends_nothing_async(server: AtomicServer, clock: FakeClock) -> None:
    async with make(server, clock, credentials={Role.EVENTS: EVENTS}) as client:
        with raises_clean(MissingCredentialsError, match="listAuditLogEntries"):
            await list_audit_log_entries.asyncio(client=client, environment_id="env1")
    assert server.requests == []


def test_unknown_operation_sends_nothing(server: AtomicServer, clock: FakeClock) -> None:
    with make(server, clock) as client, raises_clean(UnknownOperationError) as info:
        client.get_httpx_client().delete("/v1/env1/cards")
    assert (info.value.method, info.value.path) == ("DELETE", "/v1/env1/cards")  # type: ignore[attr-defined]
    assert server.requests == []


def test_base_url_with_path_prefix(make_server: Callable[[str], AtomicServer], clock: FakeClock) -> None:
    server = make_server("/prefix")
    with make(server, clock) as client:
        list_cards.sync(client=client, environment_id="env1")
        list_environments.sync(client=client)
    assert [r.raw_path for r in server.api_requests()] == ["/prefix/v1/env1/cards", "/prefix/v1/environments"]
    assert [r.client_id for r in server.api_requests()] == ["ev-id", "ev-id"]


def test_percent_encoded_path_value(server: AtomicServer, clock: FakeClock) -> None:
    with make(server, clock) as client:
        list_cards.sync(client=client, environment_id="a/b")
    [request] = server.api_requests()
    assert request.raw_path == "/v1/a%2Fb/cards"
    assert request.client_id == "ev-id"


def test_explicit_user_agent_wins(server: AtomicServer, clock: FakeClock) -> None:
    with make(server, clock, user_agent="my-app/1.2") as client:
        client.get_httpx_client().get("/v1/environments", headers={"User-Agent": "x"})
        list_environments.sync(client=client)
    assert [r.headers["user-agent"] for r in server.api_requests()] == ["x", client.user_agent]
    assert server.token_requests()[0].headers["user-agent"] == client.user_agent


def test_401_replays_once(server: AtomicServer, clock: FakeClock) -> None:
    server.api_replies = [Reply(401)]
    with make(server, clock) as client:
        response = list_cards.sync_detailed(client=client, environment_id="env1")
    assert response.status_code == 200
    assert len(server.api_requests()) == 2 and len(server.token_requests()) == 2
    assert [r.headers["authorization"] for r in server.api_requests()] == [
        f"Bearer {TOKEN_MARK}1-ev-id",
        f"Bearer {TOKEN_MARK}2-ev-id",
    ]


@pytest.mark.parametrize("use_async", [False, True])
async def test_second_401_is_authentication_error(server: AtomicServer, clock: FakeClock, use_async: bool) -> None:
    server.api_replies = [Reply(401), Reply(401)]
    async with make(server, clock) as client:
        with raises_clean(AuthenticationError) as info:
            if use_async:
                await list_cards.asyncio(client=client, environment_id="env1")
            else:
                list_cards.sync(client=client, environment_id="env1")
    err = info.value
    assert isinstance(err, AuthenticationError)
    assert (err.status, err.method, err.operation_id) == (401, "GET", "listCards")
    assert err.url.startswith(f"{server.base_url}/v1/env1/cards")
    assert len(server.api_requests()) == 2 and len(server.token_requests()) == 2


def test_429_retry_after_seconds_and_http_date(server: AtomicServer, clock: FakeClock) -> None:
    sleeps = SleepRecorder()
    server.token_replies = [
        Reply(429, headers={"Retry-After": "3"}),
        Reply(429, headers={"Retry-After": formatdate(clock.now + 8, usegmt=True)}),
    ]
    with make(server, clock, sleep=sleeps, async_sleep=sleeps.async_sleep) as client:
        list_cards.sync(client=client, environment_id="env1")
    assert sleeps.waits == [3.0, 8.0]
    assert len(server.token_requests()) == 3 and len(server.api_requests()) == 1


async def test_429_async_uses_async_sleep(server: AtomicServer, clock: FakeClock) -> None:
    sleeps = SleepRecorder()
    server.token_replies = [Reply(429, headers={"Retry-After": "2"})]
    async with make(server, clock, sleep=lambda s: pytest.fail("blocking sleep"), async_sleep=sleeps.async_sleep) as client:
        await list_cards.asyncio(client=client, environment_id="env1")
    assert sleeps.waits == [2.0]
    assert len(server.token_requests()) == 2


def test_429_exhausted(server: AtomicServer, clock: FakeClock) -> None:
    sleeps = SleepRecorder()
    server.token_replies = [Reply(429, headers={"Retry-After": str(n)}) for n in (1, 2, 5)]
    with (
        make(server, clock, sleep=sleeps, token_max_attempts=3) as client,
        raises_clean(TokenRateLimitedError) as info,
    ):
        list_cards.sync(client=client, environment_id="env1")
    assert info.value.retry_after == 5.0  # type: ignore[attr-defined]
    assert sleeps.waits == [1.0, 2.0]
    assert len(server.token_requests()) == 3 and server.api_requests() == []


@pytest.mark.parametrize("status", [400, 401])
def test_token_client_error(server: AtomicServer, clock: FakeClock, status: int) -> None:
    server.token_replies = [Reply.json(status, {"error": "invalid_client"})]
    with make(server, clock) as client, raises_clean(TokenRequestError) as info:
        list_cards.sync(client=client, environment_id="env1")
    assert (info.value.status, info.value.error) == (status, "invalid_client")  # type: ignore[attr-defined]
    assert len(server.token_requests()) == 1 and server.api_requests() == []


@pytest.mark.parametrize("reply", [Reply(200, b"not json"), Reply.json(200, {"token_type": "Bearer"})])
def test_malformed_token_response(server: AtomicServer, clock: FakeClock, reply: Reply) -> None:
    server.token_replies = [reply]
    with make(server, clock) as client, raises_clean(TokenRequestError, match="answered 200"):
        list_cards.sync(client=client, environment_id="env1")
    assert len(server.token_requests()) == 1 and server.api_requests() == []


def test_no_secret_or_token_anywhere(server: AtomicServer, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    with make(server, clock) as client:
        list_cards.sync(client=client, environment_id="env1")
        assert_clean(client, EVENTS, WORKBENCH, client._tokens, client.get_httpx_client().auth)
    assert any("ev-id" in r.getMessage() for r in caplog.records)  # the logs are there, without secrets
    assert server.token_requests()[0].headers["authorization"].startswith("Basic ")


def test_close_releases_connections(server: AtomicServer, clock: FakeClock) -> None:
    client = make(server, clock)
    list_cards.sync(client=client, environment_id="env1")
    api, token = client.get_httpx_client(), client._tokens._sync_client()
    client.close()
    assert api.is_closed and token.is_closed


async def test_aclose_releases_connections(server: AtomicServer, clock: FakeClock) -> None:
    client = make(server, clock)
    await list_cards.asyncio(client=client, environment_id="env1")
    api, token = client.get_async_httpx_client(), client._tokens._async_http_client()
    await client.aclose()
    assert api.is_closed and token.is_closed
