"""Typed API errors raised for 4xx/5xx responses, against a real local server."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from atomic_api.api.cards import list_cards
from atomic_api.api.environments import list_environments
from atomic_api.models.error import Error
from atomic_sdk import (
    ApiError,
    AtomicClient,
    AtomicError,
    AuthenticationError,
    BadRequestError,
    Credentials,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    Role,
    ServerError,
)
from support.atomic_server import TOKEN_MARK, AtomicServer, Reply, assert_clean, raises_clean, secret
from support.clock import FakeClock, SleepRecorder

EVENTS = Credentials("ev-id", secret("ev"))
WORKBENCH = Credentials("wb-id", secret("wb"))


def make(server: AtomicServer, clock: FakeClock, **kwargs: Any) -> AtomicClient:
    kwargs.setdefault("credentials", {Role.EVENTS: EVENTS})
    waits = SleepRecorder(clock)
    return AtomicClient(
        base_url=server.base_url,
        token_url=server.token_url,
        clock=clock,
        sleep=waits,
        async_sleep=waits.async_sleep,
        timeout=10.0,
        **kwargs,
    )


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (400, BadRequestError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ApiError),
        (418, ApiError),
        (429, RateLimitedError),
        (500, ServerError),
        (503, ServerError),
    ],
)
def test_status_maps_to_error_class(
    server: AtomicServer, clock: FakeClock, status: int, error_type: type[ApiError]
) -> None:
    server.api_replies = [Reply.json(status, {"message": f"nope {status}"})]
    with make(server, clock, max_retries=0) as client, raises_clean(error_type) as info:
        list_cards.sync(client=client, environment_id="env1", user_id="u1")
    error = info.value
    assert type(error) is error_type
    assert isinstance(error, ApiError) and isinstance(error, AtomicError)
    assert error.status == status
    assert error.operation_id == "listCards"
    assert error.method == "GET"
    assert error.url == f"{server.base_url}/v1/env1/cards?userId=u1&limit=100&offset=0"
    assert error.body == {"message": f"nope {status}"}
    assert error.role is Role.EVENTS
    assert f"listCards (GET {error.url}) failed with {status}" in str(error)
    assert f"nope {status}" in str(error)
    assert len(server.api_requests()) == 1


def test_401_twice_is_authentication_error(server: AtomicServer, clock: FakeClock) -> None:
    server.api_replies = [Reply.json(401, {}), Reply.json(401, {})]
    with make(server, clock) as client, raises_clean(AuthenticationError) as info:
        list_cards.sync(client=client, environment_id="env1")
    assert info.value.status == 401
    assert info.value.operation_id == "listCards"
    assert len(server.api_requests()) == 2


def test_permission_denied_names_operation_and_role(server: AtomicServer, clock: FakeClock) -> None:
    # listEnvironments accepts events, workbench or auth; with only a workbench key, workbench is used.
    server.api_replies = [Reply.json(403, {"message": "Forbidden"})]
    with (
        make(server, clock, credentials={Role.WORKBENCH: WORKBENCH}) as client,
        raises_clean(PermissionDeniedError) as info,
    ):
        list_environments.sync(client=client)
    message = str(info.value)
    assert message.startswith(
        f"listEnvironments (GET {server.base_url}/v1/environments) failed with 403 Forbidden: "
        '{"message": "Forbidden"}. The SDK sent the key you configured for role workbench (client_id=wb-id), '
        "the first role listEnvironments accepts (events or workbench or auth) that has credentials."
    )
    assert info.value.role is Role.WORKBENCH
    assert info.value.client_id == "wb-id"


def test_rate_limited_error_carries_retry_after(server: AtomicServer, clock: FakeClock) -> None:
    server.api_replies = [Reply.json(429, {}, **{"Retry-After": "30"})]
    with make(server, clock, max_retries=0) as client, raises_clean(RateLimitedError) as info:
        list_cards.sync(client=client, environment_id="env1")
    assert isinstance(info.value, RateLimitedError)
    assert info.value.retry_after == 30.0
    assert "Retry-After: 30 s" in str(info.value)


def test_text_body_and_truncation(server: AtomicServer, clock: FakeClock) -> None:
    server.api_replies = [Reply(500, ("x" * 5000).encode(), {"Content-Type": "text/plain"})]
    with make(server, clock, max_retries=0) as client, raises_clean(ServerError) as info:
        list_cards.sync(client=client, environment_id="env1")
    assert info.value.body == "x" * 5000
    assert len(str(info.value)) < 600
    assert str(info.value).endswith("…")


def test_empty_body(server: AtomicServer, clock: FakeClock) -> None:
    server.api_replies = [Reply(404)]
    with make(server, clock) as client, raises_clean(NotFoundError) as info:
        list_cards.sync(client=client, environment_id="env1")
    assert info.value.body is None
    assert str(info.value).endswith("failed with 404 Not Found")


def test_errors_never_show_the_token(server: AtomicServer, clock: FakeClock) -> None:
    # The error keeps method, URL and body only; request headers (the bearer token) never.
    server.api_replies = [Reply.json(403, {"message": "denied"})]
    with make(server, clock) as client, raises_clean(PermissionDeniedError) as info:
        list_cards.sync(client=client, environment_id="env1")
    assert TOKEN_MARK not in repr(info.value)
    assert repr(info.value).startswith("PermissionDeniedError(status=403, operation_id='listCards'")
    assert_clean(info.value, info.value.body)


@pytest.mark.parametrize("status", [400, 404, 500])
def test_raise_on_error_false_returns_the_response(server: AtomicServer, clock: FakeClock, status: int) -> None:
    server.api_replies = [Reply.json(status, {"message": "nope"})]
    with make(server, clock, raise_on_error=False, max_retries=0) as client:
        response = list_cards.sync_detailed(client=client, environment_id="env1")
    assert response.status_code == status
    if status == 500:
        assert response.parsed is None
    else:
        assert isinstance(response.parsed, Error)
        assert response.parsed.additional_properties == {"message": "nope"}


def test_with_options_can_turn_raising_off(server: AtomicServer, clock: FakeClock) -> None:
    server.api_replies = [Reply.json(404, {}), Reply.json(404, {})]
    with make(server, clock) as client:
        with client.with_options(raise_on_error=False) as quiet:
            assert quiet.raise_on_error is False
            assert list_cards.sync_detailed(client=quiet, environment_id="env1").status_code == 404
        with raises_clean(NotFoundError):
            list_cards.sync(client=client, environment_id="env1")


def test_async_raises_the_same_errors(server: AtomicServer, clock: FakeClock) -> None:
    server.api_replies = [Reply.json(403, {}), Reply.json(404, {})]

    async def run() -> list[BaseException]:
        caught: list[BaseException] = []
        async with make(server, clock) as client:
            for _ in range(2):
                try:
                    await list_cards.asyncio(client=client, environment_id="env1")
                except ApiError as exc:
                    caught.append(exc)
        return caught

    first, second = asyncio.run(run())
    assert type(first) is PermissionDeniedError and type(second) is NotFoundError
    assert_clean(first, second)
