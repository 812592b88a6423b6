"""AtomicClient + AtomicAuth with respx: configuration, role per request, UA, 401 replay, pools."""

from __future__ import annotations

import asyncio
import platform
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from atomic_api.api.cards import list_cards
from atomic_api.api.environments import list_environments
from atomic_api.client import ApiClient, AuthenticatedClient
from atomic_sdk import (
    AtomicClient,
    AuthenticationError,
    ClientClosedError,
    ConfigurationError,
    Credentials,
    MissingCredentialsError,
    Role,
    UnknownOperationError,
)
from support.atomic_server import assert_clean, mock_token_endpoint, raises_clean, secret
from support.clock import FakeClock
from support.http_package import httpx
from support.mock_router import respx

BASE = "https://my-org.customer-api.atomic.io"
TOKEN_URL = "https://master-atomic-io.auth.us-east-1.amazoncognito.com/oauth2/token"
EVENTS = Credentials("ev-id", secret("ev"))
WORKBENCH = Credentials("wb-id", secret("wb"))


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
        mock_token_endpoint(router, TOKEN_URL)
        yield router


def make(clock: FakeClock, **kwargs: Any) -> AtomicClient:
    kwargs.setdefault("credentials", {Role.EVENTS: EVENTS, Role.WORKBENCH: WORKBENCH})
    return AtomicClient(org_id="my-org", clock=clock, **kwargs)


def bearer_client(request: httpx.Request) -> str:
    return request.headers["Authorization"].removeprefix("Bearer ").split("-", 2)[2]


def test_composes_instead_of_subclassing_the_generated_client(clock: FakeClock) -> None:
    client = make(clock, environment_id="env1")
    assert not isinstance(client, AuthenticatedClient)
    api_client: ApiClient = client  # the generated functions' protocol, checked by mypy
    assert api_client is client
    # Hashable and equal by identity: usable in sets and as dict keys.
    other = make(clock, environment_id="env1")
    same = client
    assert len({client, same, other}) == 2 and client != other and client == same
    other.close()
    assert client.environment_id == "env1"
    # True: an undeclared status reaches AtomicClient.response_error, which raises the matching ApiError.
    assert client.raise_on_unexpected_status is True
    assert client.with_options(raise_on_error=False).raise_on_unexpected_status is False
    assert "Authorization" not in client.get_httpx_client().headers
    assert_clean(client)
    assert "ev-id" in repr(client) and "secret=***" in repr(client)
    client.close()


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"timeout": None}, "timeout"),
        ({"timeout": 0}, "positive"),
        ({"timeout": -1.0}, "positive"),
        ({"timeout": float("inf")}, "finite"),
        ({"timeout": True}, "timeout"),
        ({"timeout": httpx.Timeout(5.0, read=None)}, "every part"),
        ({"org_id": "bad.org/x"}, "org_id"),
        ({"org_id": None}, "org_id is required"),
        ({"base_url": "ftp://x"}, "base_url"),
        ({"token_url": "not a url"}, "token_url"),
        ({"token_leeway": -1}, "token_leeway"),
        ({"token_max_attempts": 0}, "token_max_attempts"),
        ({"user_agent": "app\r\nX-Evil: 1"}, "printable ASCII"),
        ({"httpx_args": {"auth": None}}, "httpx_args must not set auth"),
        ({"environment_id": ""}, "environment_id"),
    ],
)
def test_constructor_rejects_bad_arguments(clock: FakeClock, kwargs: dict[str, Any], needle: str) -> None:
    kwargs = {"org_id": "my-org", "credentials": EVENTS, **kwargs}
    with raises_clean(ConfigurationError) as info:
        AtomicClient(clock=clock, **kwargs)
    assert needle in str(info.value)


def test_timeout_applies_to_api_and_token_clients(clock: FakeClock) -> None:
    client = make(clock, timeout=7.5)
    assert client.get_httpx_client().timeout == httpx.Timeout(7.5)
    assert client._tokens._sync_client().timeout == httpx.Timeout(7.5)
    client.close()


def test_user_agent_format(clock: FakeClock) -> None:
    suffix = f"atomic-sdk-python/0.0.0 {httpx.__name__}/{httpx.__version__} python/{platform.python_version()}"
    from atomic_sdk._version import sdk_version

    suffix = suffix.replace("0.0.0", sdk_version())
    assert make(clock).user_agent == suffix
    assert make(clock, user_agent="my-app/1.2").user_agent == f"my-app/1.2 {suffix}"


def test_role_per_operation_and_ua(mock: respx.MockRouter, clock: FakeClock) -> None:
    env_route = mock.get(f"{BASE}/v1/environments").mock(return_value=httpx.Response(200, json={"environments": []}))
    cards_route = mock.get(f"{BASE}/v1/env1/cards").mock(return_value=httpx.Response(200, json={"data": []}))
    audit_route = mock.get(f"{BASE}/v1/env1/audit-log").mock(return_value=httpx.Response(200, json={"data": []}))
    with make(clock, user_agent="my-app/1.2") as client:
        list_environments.sync(client=client)  # any: events comes first in marker order
        list_cards.sync(client=client, environment_id="env1", user_id="u1")
        client.get_httpx_client().get("/v1/env1/audit-log")  # workbench only
    assert bearer_client(env_route.calls.last.request) == "ev-id"
    assert bearer_client(cards_route.calls.last.request) == "ev-id"
    assert bearer_client(audit_route.calls.last.request) == "wb-id"
    assert cards_route.calls.last.request.url.params["userId"] == "u1"
    assert mock["token"].call_count == 2  # one per key, cached afterwards
    for call in [*mock.calls]:
        assert call.request.headers["User-Agent"] == client.user_agent


def test_any_operation_falls_back_to_configured_role(mock: respx.MockRouter, clock: FakeClock) -> None:
    route = mock.get(f"{BASE}/v1/environments").mock(return_value=httpx.Response(200, json={"environments": []}))
    auth_key = Credentials("au-id", secret("au"))
    with make(clock, credentials={Role.AUTH: auth_key}) as client:
        list_environments.sync(client=client)
    assert bearer_client(route.calls.last.request) == "au-id"


def test_single_key_serves_every_operation(mock: respx.MockRouter, clock: FakeClock) -> None:
    cards = mock.get(f"{BASE}/v1/env1/cards").mock(return_value=httpx.Response(200, json={"data": []}))
    audit = mock.get(f"{BASE}/v1/env1/audit-log").mock(return_value=httpx.Response(200, json={}))
    with make(clock, credentials=Credentials("one-id", secret("one"))) as client:
        list_cards.sync(client=client, environment_id="env1")
        client.get_httpx_client().get("/v1/env1/audit-log")
    assert bearer_client(cards.calls.last.request) == bearer_client(audit.calls.last.request) == "one-id"
    assert mock["token"].call_count == 1


def test_explicit_user_agent_wins(mock: respx.MockRouter, clock: FakeClock) -> None:
    route = mock.get(f"{BASE}/v1/environments").mock(return_value=httpx.Response(200, json={}))
    with make(clock) as client:
        client.get_httpx_client().get("/v1/environments", headers={"User-Agent": "x"})
    assert route.calls.last.request.headers["User-Agent"] == "x"


def test_missing_credentials_before_any_request(mock: respx.MockRouter, clock: FakeClock) -> None:
    with make(clock, credentials={Role.WORKBENCH: WORKBENCH}) as client, raises_clean(MissingCredentialsError) as info:
        list_cards.sync(client=client, environment_id="env1")
    assert info.value.operation_id == "listCards"  # type: ignore[attr-defined]
    assert len(mock.calls) == 0


def test_unknown_operation_is_not_sent(mock: respx.MockRouter, clock: FakeClock) -> None:
    with make(clock) as client:
        with raises_clean(UnknownOperationError) as info:
            client.get_httpx_client().get("/v1/env1/no-such-thing")
        assert "GET /v1/env1/no-such-thing" in str(info.value)
        with raises_clean(UnknownOperationError, match="outside the API base URL"):
            client.get_httpx_client().get("https://elsewhere.example/v1/environments")
    assert len(mock.calls) == 0


def test_401_replays_once_with_new_token(mock: respx.MockRouter, clock: FakeClock) -> None:
    route = mock.get(f"{BASE}/v1/env1/cards").mock(
        side_effect=[httpx.Response(401), httpx.Response(200, json={"data": []})]
    )
    with make(clock) as client:
        response = list_cards.sync_detailed(client=client, environment_id="env1")
    assert response.status_code == 200
    assert route.call_count == 2 and mock["token"].call_count == 2
    first, second = (call.request.headers["Authorization"] for call in route.calls)
    assert first != second


def test_second_401_raises_authentication_error(mock: respx.MockRouter, clock: FakeClock) -> None:
    route = mock.get(f"{BASE}/v1/env1/cards").mock(return_value=httpx.Response(401))
    with make(clock) as client, raises_clean(AuthenticationError) as info:
        list_cards.sync(client=client, environment_id="env1", user_id="u1")
    err = info.value
    assert isinstance(err, AuthenticationError)
    assert (err.status, err.method, err.operation_id) == (401, "GET", "listCards")
    assert err.url.startswith(f"{BASE}/v1/env1/cards?userId=u1")
    assert route.call_count == 2 and mock["token"].call_count == 2


def test_one_sync_pool_for_32_threads_one_async_pool_per_loop(clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []
    original_sync, original_async = httpx.Client.__init__, httpx.AsyncClient.__init__

    def counting_sync(self: httpx.Client, *args: Any, **kwargs: Any) -> None:
        built.append("sync")
        original_sync(self, *args, **kwargs)

    def counting_async(self: httpx.AsyncClient, *args: Any, **kwargs: Any) -> None:
        built.append("async")
        original_async(self, *args, **kwargs)

    monkeypatch.setattr(httpx.Client, "__init__", counting_sync)
    monkeypatch.setattr(httpx.AsyncClient, "__init__", counting_async)
    client = make(clock)
    barrier = threading.Barrier(32)
    seen: list[object] = []

    seen_async: list[object] = []

    async def grab_async() -> None:
        # Twice in one loop: the same pool.
        seen_async.append(client.get_async_httpx_client())
        seen_async.append(client.get_async_httpx_client())

    def grab() -> None:
        barrier.wait()
        seen.append(client.get_httpx_client())
        asyncio.run(grab_async())

    threads = [threading.Thread(target=grab) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(built) == ["async"] * 32 + ["sync"]
    assert len({id(c) for c in seen}) == 1 and len(seen) == 32
    assert len(seen_async) == 64 and len({id(c) for c in seen_async}) == 32
    assert all(seen_async[i] is seen_async[i + 1] for i in range(0, 64, 2))
    # Each loop's pool was closed when its asyncio.run ended.
    assert all(c.is_closed for c in seen_async)  # type: ignore[attr-defined]
    client.close()


def test_with_headers_timeout_cookies_return_working_clients(mock: respx.MockRouter, clock: FakeClock) -> None:
    route = mock.get(f"{BASE}/v1/environments").mock(return_value=httpx.Response(200, json={}))
    client = make(clock, environment_id="env1")
    derived = client.with_headers({"X-Trace": "t1"}).with_cookies({"c": "1"}).with_timeout(httpx.Timeout(3.0))
    assert isinstance(derived, AtomicClient) and derived is not client
    assert derived.environment_id == "env1"
    derived.get_httpx_client().get("/v1/environments")
    client.get_httpx_client().get("/v1/environments")
    with_header, without = (call.request for call in route.calls)
    assert with_header.headers["X-Trace"] == "t1" and with_header.headers["Cookie"] == "c=1"
    assert "X-Trace" not in without.headers
    assert derived.get_httpx_client().timeout == httpx.Timeout(3.0)
    assert client.get_httpx_client().timeout == httpx.Timeout(30.0)
    assert mock["token"].call_count == 1  # the token cache is shared
    with raises_clean(ConfigurationError):
        client.with_timeout(httpx.Timeout(None))
    client.close()
    derived.close()


def test_set_httpx_client_is_refused(clock: FakeClock) -> None:
    client = make(clock)
    with raises_clean(ConfigurationError, match="httpx_args"):
        client.set_httpx_client(httpx.Client())
    with raises_clean(ConfigurationError, match="httpx_args"):
        client.set_async_httpx_client(httpx.AsyncClient())


def test_close_releases_pools(clock: FakeClock) -> None:
    client = make(clock)
    api = client.get_httpx_client()
    token_client = client._tokens._sync_client()
    with client:
        pass
    assert api.is_closed and token_client.is_closed
    client.close()  # twice is fine
    with raises_clean(ClientClosedError, match=r"sync side was closed \(close\(\)\)"):
        client.get_httpx_client()
    with raises_clean(ClientClosedError, match="derived from .* refuses new sync requests"):
        client.with_options(max_retries=0).get_httpx_client()  # a derived client: its owner is closed
    client.close()


async def test_aclose_releases_pools(clock: FakeClock) -> None:
    client = make(clock)
    api, api_async = client.get_httpx_client(), client.get_async_httpx_client()
    token_async = client._tokens._async_http_client()
    async with client:
        pass
    assert api.is_closed and api_async.is_closed and token_async.is_closed


async def test_async_role_selection_and_replay(mock: respx.MockRouter, clock: FakeClock) -> None:
    route = mock.get(f"{BASE}/v1/env1/cards").mock(
        side_effect=[httpx.Response(401), httpx.Response(200, json={"data": []})]
    )
    async with make(clock) as client:
        result = await list_cards.asyncio(client=client, environment_id="env1")
        with raises_clean(MissingCredentialsError):
            await client.get_async_httpx_client().post("/v1/env1/credentials", json={})
    assert result is not None
    assert route.call_count == 2 and mock["token"].call_count == 2
    assert bearer_client(route.calls.last.request) == "ev-id"
