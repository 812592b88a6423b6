"""test_webhook_subscription / atest_webhook_subscription against a recording server: the exact request,
tolerant parsing of the undocumented response, and errors that fail before any I/O."""

from __future__ import annotations

import asyncio

import pytest
from atomic_api.models.operation_result import OperationResult
from atomic_sdk import (
    ApiError,
    AtomicClient,
    ConfigurationError,
    Credentials,
    MissingCredentialsError,
    PermissionDeniedError,
    RateLimitedError,
    ResponseValidationError,
    Role,
    atest_webhook_subscription,
    test_webhook_subscription,
)
from support.atomic_server import AtomicServer, Reply, assert_clean, raises_clean, secret


def _client(server: AtomicServer, *, role: Role = Role.WORKBENCH, **kwargs: object) -> AtomicClient:
    return AtomicClient(
        credentials={role: Credentials("wb-id", secret("wb"))},
        base_url=server.base_url,
        token_url=server.token_url,
        environment_id="env1",
        **kwargs,  # type: ignore[arg-type]
    )


def test_sends_post_with_type_and_no_body(server: AtomicServer) -> None:
    server.api_replies.append(Reply.json(200, {"sent": 2}))
    with _client(server) as client:
        result = test_webhook_subscription(client, "card-published")
    assert isinstance(result, OperationResult)
    assert result.additional_properties == {"sent": 2}
    [request] = server.api_requests()
    assert (request.method, request.raw_path, request.query) == ("POST", "/v1/env1/webhook", {"type": ["card-published"]})
    assert request.body == b""
    assert "content-type" not in request.headers
    assert request.headers["user-agent"].split(" ")[0].startswith("atomic-sdk-python/")
    assert request.client_id == "wb-id"
    assert len(server.token_requests()) == 1


def test_environment_and_event_are_encoded(server: AtomicServer) -> None:
    with _client(server) as client:
        test_webhook_subscription(client, "card-völlig&x=1", environment_id="env/2")
    [request] = server.api_requests()
    assert request.raw_path == "/v1/env%2F2/webhook"
    assert request.query == {"type": ["card-völlig&x=1"]}


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (Reply(200), {}),  # no body at all
        (Reply(204), {}),
        (Reply.json(202, {"queued": True}), {"queued": True}),
    ],
    ids=["200-empty", "204", "202-json"],
)
def test_undocumented_success_bodies_are_tolerated(server: AtomicServer, reply: Reply, expected: dict[str, object]) -> None:
    server.api_replies.append(reply)
    with _client(server) as client:
        assert test_webhook_subscription(client, "card-completed").additional_properties == expected


def test_a_success_body_that_is_not_an_object_raises_response_validation_error(server: AtomicServer) -> None:
    server.api_replies.append(Reply.json(200, ["not", "an", "object"]))
    with _client(server) as client, raises_clean(ResponseValidationError, match="not a JSON object") as caught:
        test_webhook_subscription(client, "card-completed")
    error = caught.value
    assert type(error) is ResponseValidationError and not isinstance(error, ApiError)
    assert (error.status, error.operation_id, error.body_excerpt) == (200, "createWebhookSubscription", '["not", "an", "object"]')
    assert error.content_type == "application/json"


def test_api_errors_raise_as_for_the_subscribe_route(server: AtomicServer) -> None:
    server.api_replies.append(Reply.json(403, {"message": "nope"}))
    with _client(server) as client, raises_clean(PermissionDeniedError) as caught:
        test_webhook_subscription(client, "card-published")
    error = caught.value
    assert isinstance(error, PermissionDeniedError)
    assert error.operation_id == "createWebhookSubscription"  # the role map's operation for this method and path
    assert error.role is Role.WORKBENCH
    assert error.url.endswith("/v1/env1/webhook?type=card-published")


def test_errors_raise_even_when_the_client_returns_error_responses(server: AtomicServer) -> None:
    server.api_replies.append(Reply.json(429, {"message": "slow down"}, **{"Retry-After": "7"}))
    with _client(server, raise_on_error=False, max_retries=0) as client, raises_clean(RateLimitedError) as caught:
        test_webhook_subscription(client, "card-published")
    error = caught.value
    assert isinstance(error, RateLimitedError)
    assert (error.status, error.operation_id, error.body) == (429, "createWebhookSubscription", {"message": "slow down"})
    assert len(server.api_requests()) == 1


def test_without_a_workbench_key_nothing_is_sent(server: AtomicServer) -> None:
    with _client(server, role=Role.EVENTS) as client, raises_clean(MissingCredentialsError) as caught:
        test_webhook_subscription(client, "card-published")
    assert isinstance(caught.value, MissingCredentialsError)
    assert caught.value.allowed_roles == (Role.WORKBENCH,)
    assert server.requests == []


@pytest.mark.parametrize("event_type", ["", "   ", "card published", "card-\npublished", None, 3])
def test_bad_event_types_fail_before_any_request(server: AtomicServer, event_type: object) -> None:
    with _client(server) as client, pytest.raises(ConfigurationError, match="event_type"):
        test_webhook_subscription(client, event_type)  # type: ignore[arg-type]
    assert server.requests == []


def test_missing_environment_and_wrong_client_fail_before_any_request(server: AtomicServer) -> None:
    client = AtomicClient(credentials=Credentials("wb-id", secret("wb")), base_url=server.base_url,
                          token_url=server.token_url)
    with client, pytest.raises(ConfigurationError, match="needs an environment id"):
        test_webhook_subscription(client, "card-published")
    with pytest.raises(ConfigurationError, match="must be an AtomicClient"):
        test_webhook_subscription(object(), "card-published")  # type: ignore[arg-type]
    assert server.requests == []


def test_async_twin_sends_the_same_request_with_one_token_for_many_calls(server: AtomicServer) -> None:
    async def run() -> list[OperationResult]:
        async with _client(server) as client:
            return await asyncio.gather(*(atest_webhook_subscription(client, f"card-{n}") for n in range(16)))

    results = asyncio.run(run())
    assert [r.additional_properties for r in results] == [{"data": []}] * 16
    requests = server.api_requests()
    assert sorted(r.query["type"][0] for r in requests) == sorted(f"card-{n}" for n in range(16))
    assert {(r.method, r.raw_path, r.body) for r in requests} == {("POST", "/v1/env1/webhook", b"")}
    assert len(server.token_requests()) == 1


def test_not_collected_by_pytest() -> None:
    # Users import it into test modules; its name must not turn it into a test there.
    assert test_webhook_subscription.__test__ is False  # type: ignore[attr-defined]
    assert_clean(test_webhook_subscription)
