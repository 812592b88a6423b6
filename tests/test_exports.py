"""Typed consumer: uses the public surface exactly as an application would; must pass ``mypy --strict``."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar, assert_type

import atomic_sdk
import pytest
from atomic_api.api.cards import list_cards
from atomic_api.api.environments import list_environments
from atomic_api.models.card import Card
from atomic_api.models.card_list import CardList
from atomic_api.models.card_status import CardStatus
from atomic_api.models.create_credential_request import CreateCredentialRequest
from atomic_api.models.create_credential_request_role import CreateCredentialRequestRole
from atomic_api.models.environment_list import EnvironmentList
from atomic_api.models.operation_result import OperationResult
from atomic_api.models.webhook_subscription_request import WebhookSubscriptionRequest
from atomic_api.resources import AsyncCardsResource, CardsResource
from atomic_sdk import (
    REQUEST_ID_HEADERS,
    AccessToken,
    ApiConnectionError,
    ApiError,
    ApiTimeoutError,
    AsyncAtomicClient,
    AtomicClient,
    AtomicError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConfigurationError,
    Credentials,
    InMemoryTokenCache,
    MissingCredentialsError,
    MissingExtraError,
    MissingFieldError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    RawResponse,
    RedirectError,
    RedisTokenCache,
    ResponseValidationError,
    Role,
    ServerError,
    SyncCallInEventLoopError,
    TokenCache,
    TokenRateLimitedError,
    TokenRequestError,
    UnexpectedStatusError,
    UnknownOperationError,
    apaginate,
    atest_webhook_subscription,
    operation_roles,
    paginate,
    test_webhook_subscription,
    token_cache_key,
)

PUBLIC = {
    "REQUEST_ID_HEADERS",
    "AccessToken",
    "ApiConnectionError",
    "ApiError",
    "ApiTimeoutError",
    "AsyncAtomicClient",
    "AtomicClient",
    "AtomicError",
    "AuthenticationError",
    "BadRequestError",
    "ClientOptions",
    "HttpBackend",
    "ClientClosedError",
    "ConfigurationError",
    "Credentials",
    "InMemoryTokenCache",
    "JSONValue",
    "MissingCredentialsError",
    "MissingExtraError",
    "MissingFieldError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitedError",
    "RedirectError",
    "RepeatedPageError",
    "RawResponse",
    "RedisTokenCache",
    "ResponseValidationError",
    "Role",
    "ServerError",
    "SyncCallInEventLoopError",
    "TokenCache",
    "TokenRateLimitedError",
    "TokenRequestError",
    "UnexpectedStatusError",
    "UnknownOperationError",
    "__version__",
    "apaginate",
    "atest_webhook_subscription",
    "operation_roles",
    "paginate",
    "test_webhook_subscription",
    "token_cache_key",
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    user_agents: ClassVar[list[str]] = []

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _reply(self, payload: object) -> None:
        body = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._reply({"access_token": "consumer-token", "expires_in": 3600})

    def do_GET(self) -> None:
        self.user_agents.append(self.headers.get("User-Agent", ""))
        if self.path.startswith("/v1/environments"):
            self._reply({"environments": [{"id": "env1", "name": "production"}]})
        elif "/cards" in self.path and ("userId=u1" in self.path or "limit=10&offset=0" in self.path):
            self._reply({"data": [{"cardInstanceId": "c1", "status": "active"}]})
        else:
            self._reply({"data": []})


@pytest.fixture
def base_url() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_all_is_the_public_surface() -> None:
    assert set(atomic_sdk.__all__) == PUBLIC
    for name in atomic_sdk.__all__:
        assert getattr(atomic_sdk, name) is not None
    assert isinstance(atomic_sdk.__version__, str)


def test_error_hierarchy() -> None:
    errors: list[type[AtomicError]] = [
        ConfigurationError,
        MissingCredentialsError,
        UnknownOperationError,
        TokenRequestError,
        TokenRateLimitedError,
        ApiError,
        AuthenticationError,
        BadRequestError,
        PermissionDeniedError,
        NotFoundError,
        RateLimitedError,
        ServerError,
    ]
    assert all(issubclass(e, AtomicError) for e in errors)
    assert all(issubclass(e, ApiError) for e in errors[5:])
    assert issubclass(TokenRateLimitedError, TokenRequestError)
    assert issubclass(AuthenticationError, ApiError)
    others: list[type[AtomicError]] = [ApiConnectionError, ApiTimeoutError, ResponseValidationError, MissingFieldError]
    assert all(not issubclass(e, ApiError) for e in others)
    assert issubclass(ApiTimeoutError, ApiConnectionError)
    assert issubclass(MissingFieldError, ResponseValidationError) and issubclass(MissingFieldError, KeyError)
    assert issubclass(RedirectError, UnexpectedStatusError) and issubclass(UnexpectedStatusError, ApiError)
    assert REQUEST_ID_HEADERS[0] == "x-request-id"
    assert issubclass(ClientClosedError, AtomicError) and issubclass(ClientClosedError, RuntimeError)
    assert issubclass(SyncCallInEventLoopError, ConfigurationError)


def test_consumer_sync_and_async(base_url: str) -> None:
    roles: tuple[Role, ...] = operation_roles("listEnvironments")
    assert roles[0] is Role.EVENTS
    client: AtomicClient = AtomicClient(
        org_id="my-org",
        credentials={Role.EVENTS: Credentials("consumer-id", "consumer-secret")},
        environment_id="env1",
        user_agent="consumer/1.0",
        base_url=base_url,
        token_url=f"{base_url}/oauth2/token",
        timeout=5.0,
    )
    env_id: str | None = client.environment_id
    assert env_id == "env1"
    with client:
        result = list_environments.sync(client=client)
    assert isinstance(result, EnvironmentList)
    try:
        list_environments.sync(client=client)
    except ClientClosedError as exc:  # the closed sync side refuses new requests; the async side is separate
        assert "close()" in str(exc)
    else:
        raise AssertionError("a closed client must refuse sync requests")

    async def run() -> EnvironmentList | None:
        async with client:
            parsed = await list_environments.asyncio(client=client)
        return parsed if isinstance(parsed, EnvironmentList) else None

    async_result = asyncio.run(run())
    assert async_result is not None
    assert _Handler.user_agents[-1].startswith("consumer/1.0 atomic-sdk-python/")


def test_missing_extra_error_is_a_configuration_error_and_an_import_error() -> None:
    try:
        RedisTokenCache("redis://127.0.0.1:1/0")  # redis-py is installed here, so no error is the normal case
    except MissingExtraError as exc:
        extra: str = exc.extra
        raise AssertionError(f"the {extra} extra is installed in the test environment") from exc
    assert issubclass(MissingExtraError, ConfigurationError)
    assert issubclass(MissingExtraError, ModuleNotFoundError)
    error = MissingExtraError("x needs the 'cli' extra", extra="cli", module="yaml")
    assert (str(error), error.extra, error.name) == ("x needs the 'cli' extra", "cli", "yaml")


def test_configuration_error_is_catchable_as_atomic_error() -> None:
    try:
        AtomicClient(org_id="my-org", credentials=Credentials("id", "secret"), timeout=0)
    except AtomicError as exc:
        assert isinstance(exc, ConfigurationError)
    else:
        raise AssertionError("timeout=0 must be rejected")


def test_consumer_paginate_and_options(base_url: str) -> None:
    client = AtomicClient(
        credentials=Credentials("consumer-id", "consumer-secret"),
        base_url=base_url,
        token_url=f"{base_url}/oauth2/token",
        max_retries=1,
        raise_on_error=True,
    )
    quiet: AtomicClient = client.with_options(max_retries=0, raise_on_error=False)
    assert (quiet.max_retries, quiet.raise_on_error) == (0, False)
    with client:
        cards: list[Card] = list(paginate(list_cards, item_type=Card, client=client, environment_id="env1"))
    assert cards == []

    async def run() -> list[Card]:
        async with client:
            return [card async for card in apaginate(list_cards, item_type=Card, client=client, environment_id="e")]

    assert asyncio.run(run()) == []


def test_consumer_reads_error_attributes() -> None:
    error = RateLimitedError("x", status=429, method="GET", url="u", operation_id="listCards", retry_after=2.0)
    retry_after: float | None = error.retry_after
    status: int = error.status
    assert (retry_after, status, error.operation_id) == (2.0, 429, "listCards")
    request_id: str | None = error.request_id
    client_id: str | None = error.client_id
    assert (request_id, client_id, error.headers.get("x")) == (None, None, None)
    invalid = ResponseValidationError(
        "bad", status=200, content_type="text/html", body_excerpt="<html>", reason="the body is not JSON",
        method="GET", url="u", operation_id="listCards",
    )
    content_type: str | None = invalid.content_type
    excerpt: str = invalid.body_excerpt
    assert (content_type, excerpt, invalid.status) == ("text/html", "<html>", 200)
    down = ApiTimeoutError("slow", method="GET", url="u", operation_id=None, attempts=3)
    attempts: int | None = down.attempts
    assert attempts == 3
    moved = RedirectError("moved", location="https://elsewhere", status=302, method="GET", url="u", operation_id=None)
    location: str | None = moved.location
    assert location == "https://elsewhere"


class _DictCache(TokenCache):
    """A user-written cache: the seam must be implementable with full types."""

    def __init__(self) -> None:
        self.tokens: dict[str, AccessToken] = {}
        self.fetches = 0

    def get_or_fetch(self, key: str, fetch: Callable[[], AccessToken], clock: Callable[[], float]) -> AccessToken:
        current = self.tokens.get(key)
        if current is None or clock() >= current.refresh_at:
            self.fetches += 1
            current = self.tokens[key] = fetch()
        return current

    async def aget_or_fetch(
        self, key: str, fetch: Callable[[], Awaitable[AccessToken]], clock: Callable[[], float]
    ) -> AccessToken:
        current = self.tokens.get(key)
        if current is None or clock() >= current.refresh_at:
            self.fetches += 1
            current = self.tokens[key] = await fetch()
        return current

    def discard(self, key: str, token: AccessToken) -> None:
        if self.tokens.get(key) is token:
            del self.tokens[key]


def test_consumer_token_caches(base_url: str) -> None:
    cache = _DictCache()
    client = AtomicClient(
        credentials=Credentials("consumer-id", "consumer-secret"),
        base_url=base_url,
        token_url=f"{base_url}/oauth2/token",
        token_cache=cache,
    )
    with client:
        list_environments.sync(client=client)
        list_environments.sync(client=client)
    stored: TokenCache = client.token_cache
    assert stored is cache and cache.fetches == 1
    assert list(cache.tokens) == [token_cache_key("consumer-id", f"{base_url}/oauth2/token")]
    default: TokenCache = InMemoryTokenCache()
    shared: TokenCache = RedisTokenCache("redis://127.0.0.1:6379/0", lock_ttl=5.0)  # connects on first use
    assert isinstance(default, TokenCache) and isinstance(shared, TokenCache)


def test_consumer_webhook_test_call(base_url: str) -> None:
    client = AtomicClient(
        credentials=Credentials("consumer-id", "consumer-secret"),
        environment_id="env1",
        base_url=base_url,
        token_url=f"{base_url}/oauth2/token",
    )
    with client:
        result: OperationResult = test_webhook_subscription(client, "card-published")
        on_resource = client.webhooks.test_webhook_subscription(event_type="card-published", max_retries=0)
        assert_type(on_resource, OperationResult)
    assert isinstance(result, OperationResult)

    async def run() -> OperationResult:
        async with client:
            return await atest_webhook_subscription(client, "card-completed", environment_id="env2")

    assert isinstance(asyncio.run(run()), OperationResult)


def test_consumer_resources_are_precisely_typed(base_url: str) -> None:
    with AtomicClient(
        credentials=Credentials("consumer-id", "consumer-secret"),
        environment_id="env1",
        base_url=base_url,
        token_url=f"{base_url}/oauth2/token",
    ) as client:
        resource: CardsResource = client.cards
        environments = client.environments.list_environments()
        assert_type(environments, EnvironmentList)
        env_id = environments.environments[0].id
        assert_type(env_id, str)
        cards = resource.list_cards(environment_id=env_id, user_id="u1", status=CardStatus.ACTIVE, timeout=5.0)
        assert_type(cards, CardList)
        assert_type(cards.data, list[Card])
        first_id: str = cards.data[0].card_instance_id
        raw = client.cards.with_raw_response.list_cards(user_id="u1", extra_headers={"X-Id": "1"}, max_retries=0)
        assert_type(raw, RawResponse[CardList])
        assert_type(raw.parsed, CardList)
        status: int = raw.status_code
        iterator = client.cards.iter_list_cards(page_size=10)
        assert_type(iterator, Iterator[Card])
        listed = [card.card_instance_id for card in iterator]
    assert (env_id, first_id, status, listed) == ("env1", "c1", 200, ["c1"])


def test_consumer_async_resources_are_precisely_typed(base_url: str) -> None:
    async def run() -> tuple[list[Card], list[str]]:
        async with AsyncAtomicClient(
            credentials=Credentials("consumer-id", "consumer-secret"),
            environment_id="env1",
            base_url=base_url,
            token_url=f"{base_url}/oauth2/token",
        ) as client:
            resource: AsyncCardsResource = client.cards
            environments = await client.environments.list_environments()
            assert_type(environments, EnvironmentList)
            cards = await resource.list_cards(user_id="u1")
            assert_type(cards, CardList)
            raw = await client.cards.with_raw_response.list_cards(user_id="u1")
            assert_type(raw, RawResponse[CardList])
            iterator = client.cards.iter_list_cards(page_size=10)
            assert_type(iterator, AsyncIterator[Card])
            return cards.data, [card.card_instance_id async for card in iterator]

    data, listed = asyncio.run(run())
    assert [card.card_instance_id for card in data] == ["c1"] and listed == ["c1"]


def created_ids_feed_deletes_without_narrowing(client: AtomicClient) -> None:
    # Type-checked only (mypy --strict and pyright strict): the ids a create returns are plain str.
    created = client.webhooks.create_webhook_subscription(
        body=WebhookSubscriptionRequest(types=["card-published"], url="https://example.com/hook")
    )
    assert_type(created.data.id, str)
    client.webhooks.delete_webhook_subscription(created.data.id)
    key = client.credentials.create_credential(body=CreateCredentialRequest(role=CreateCredentialRequestRole.EVENTS))
    assert_type(key.data.client_id, str)
    client.credentials.revoke_credential(key.data.client_id)
    user = client.users.get_user(id="u1")
    assert_type(user.data.id, str)


def test_missing_field_error_is_exported() -> None:
    assert issubclass(MissingFieldError, KeyError)
