"""The webhook test call (POST …/webhook?type=<event>) through the SDK and the Sandbox's route for it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from atomic_api.api.webhooks import create_webhook_subscription
from atomic_api.models import WebhookSubscriptionRequest
from atomic_sdk import (
    Credentials,
    MissingCredentialsError,
    PermissionDeniedError,
    Role,
    atest_webhook_subscription,
    test_webhook_subscription,
)
from atomic_sdk.testing import Sandbox
from support.http_package import httpx

WORKBENCH = Credentials("wb-id", "wb-secret")
EVENTS = Credentials("events-id", "events-secret")


@pytest.fixture
def keys_sandbox() -> Iterator[Sandbox]:
    # Two known environments: the Sandbox answers 404 for any environment it does not list.
    with Sandbox({Role.WORKBENCH: WORKBENCH, Role.EVENTS: EVENTS}, environments=["4dkLrv", "other-env"]) as sandbox:
        yield sandbox


def test_sync_call_uses_one_workbench_token(keys_sandbox: Sandbox) -> None:
    env = keys_sandbox.environment_id
    with keys_sandbox.client(environment_id=env) as client:
        first = test_webhook_subscription(client, "card-published")
        second = test_webhook_subscription(client, "card-completed", environment_id="other-env")
    assert first.additional_properties == {} and second.additional_properties == {}
    assert keys_sandbox.api_requests == {"testWebhookSubscription": 2}
    assert keys_sandbox.webhook_tests == [(env, "card-published"), ("other-env", "card-completed")]
    assert keys_sandbox.token_requests == {"wb-id": 1}
    assert keys_sandbox.token_requests_by_role() == {"workbench": 1}


async def test_async_calls_share_one_token(keys_sandbox: Sandbox) -> None:
    env = keys_sandbox.environment_id
    events = [f"card-{n}" for n in range(12)]
    async with keys_sandbox.client(environment_id=env) as client:
        results = await asyncio.gather(*(atest_webhook_subscription(client, event) for event in events))
    assert [r.additional_properties for r in results] == [{}] * 12
    assert keys_sandbox.api_requests == {"testWebhookSubscription": 12}
    assert sorted(keys_sandbox.webhook_tests) == sorted((env, event) for event in events)
    assert keys_sandbox.token_requests_by_role() == {"workbench": 1}


def test_subscribe_and_test_are_told_apart(keys_sandbox: Sandbox) -> None:
    env = keys_sandbox.environment_id
    with keys_sandbox.client() as client:
        created = create_webhook_subscription.sync(
            env, client=client, body=WebhookSubscriptionRequest(types=["card-published"], url="https://example.com/h")
        )
        test_webhook_subscription(client, "card-published", environment_id=env)
    assert created is not None
    assert keys_sandbox.api_requests == {"createWebhookSubscription": 1, "testWebhookSubscription": 1}
    assert keys_sandbox.webhook_tests == [(env, "card-published")]
    assert keys_sandbox.token_requests_by_role() == {"workbench": 1}


def test_events_only_client_is_refused_before_any_request(keys_sandbox: Sandbox) -> None:
    with keys_sandbox.client(credentials={Role.EVENTS: EVENTS}) as client, pytest.raises(MissingCredentialsError):
        test_webhook_subscription(client, "card-published", environment_id=keys_sandbox.environment_id)
    assert keys_sandbox.token_requests == {}
    assert keys_sandbox.api_requests == {}


def test_a_key_of_the_wrong_role_gets_403_from_the_sandbox(keys_sandbox: Sandbox) -> None:
    # The events key configured as if it were the workbench key: the Sandbox checks the token's real role.
    with keys_sandbox.client(credentials={Role.WORKBENCH: EVENTS}) as client, pytest.raises(PermissionDeniedError) as caught:
        test_webhook_subscription(client, "card-published", environment_id=keys_sandbox.environment_id)
    assert caught.value.body == {
        "error": "forbidden",
        "message": "createWebhookSubscription needs a token with role workbench; this token has role events",
        "requiredRoles": ["workbench"],
        "tokenRole": "events",
    }
    assert keys_sandbox.api_requests == {"testWebhookSubscription": 1}
    assert keys_sandbox.webhook_tests == []


@pytest.mark.parametrize(
    ("query", "body", "problem"),
    [
        ("type=", b"", "exactly one non-empty type parameter, got ['']"),
        ("type=card-published&type=card-completed", b"", "got ['card-published', 'card-completed']"),
        ("type=card-published", b'{"types": []}', "takes no request body"),
    ],
    ids=["empty-type", "two-types", "with-body"],
)
def test_sandbox_route_validates_the_request(keys_sandbox: Sandbox, query: str, body: bytes, problem: str) -> None:
    token = keys_sandbox.issue_token("workbench")
    response = httpx.post(
        f"{keys_sandbox.base_url}/v1/{keys_sandbox.environment_id}/webhook?{query}",
        content=body,
        headers={"Authorization": f"Bearer {token}", "User-Agent": "route-test/1", "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert problem in response.json()["message"]
    assert keys_sandbox.api_requests == {"testWebhookSubscription": 1}
    assert keys_sandbox.webhook_tests == []


def test_sandbox_route_checks_user_agent_and_token(keys_sandbox: Sandbox) -> None:
    url = f"{keys_sandbox.base_url}/v1/{keys_sandbox.environment_id}/webhook"
    token = keys_sandbox.issue_token("workbench")
    no_agent = httpx.post(url, params={"type": "card-published"},
                          headers={"Authorization": f"Bearer {token}", "User-Agent": ""})
    no_token = httpx.post(url, params={"type": "card-published"}, headers={"User-Agent": "route-test/1"})
    assert (no_agent.status_code, no_token.status_code) == (403, 401)
    assert keys_sandbox.api_requests == {"testWebhookSubscription": 2}
    # Without `type` the request is the subscribe call, validated against the spec (its body is required).
    subscribe = httpx.post(url, headers={"Authorization": f"Bearer {token}", "User-Agent": "route-test/1"})
    assert subscribe.status_code == 400
    assert keys_sandbox.api_requests == {"testWebhookSubscription": 2, "createWebhookSubscription": 1}
    keys_sandbox.reset()
    assert keys_sandbox.webhook_tests == [] and keys_sandbox.api_requests == {}


def test_resource_method_sends_the_test_call_with_per_call_options(keys_sandbox: Sandbox) -> None:
    env = keys_sandbox.environment_id
    with keys_sandbox.client(environment_id=env) as client:
        first = client.webhooks.test_webhook_subscription(event_type="card-published")
        second = client.webhooks.test_webhook_subscription(
            event_type="card-completed", environment_id="other-env", extra_headers={"X-Trace": "t-1"}, max_retries=0
        )
        headers = keys_sandbox.last_request_headers
        # The generated operations are still there on the same resource.
        listed = client.webhooks.list_webhook_subscriptions()
    assert first.additional_properties == {} and second.additional_properties == {}
    assert headers is not None and headers.get("x-trace") == "t-1"
    assert keys_sandbox.webhook_tests == [(env, "card-published"), ("other-env", "card-completed")]
    assert keys_sandbox.api_requests == {"testWebhookSubscription": 2, "listWebhookSubscriptions": 1}
    assert keys_sandbox.token_requests_by_role() == {"workbench": 1}
    assert listed.data is not None


async def test_async_resource_method_shares_one_token(keys_sandbox: Sandbox) -> None:
    from atomic_sdk import AsyncAtomicClient

    env = keys_sandbox.environment_id
    events = [f"card-{n}" for n in range(6)]
    async with AsyncAtomicClient(
        credentials={Role.WORKBENCH: WORKBENCH},
        environment_id=env,
        base_url=keys_sandbox.base_url,
        token_url=keys_sandbox.token_url,
    ) as client:
        results = await asyncio.gather(*(client.webhooks.test_webhook_subscription(event_type=e) for e in events))
    assert [r.additional_properties for r in results] == [{}] * 6
    assert sorted(keys_sandbox.webhook_tests) == sorted((env, e) for e in events)
    assert keys_sandbox.token_requests_by_role() == {"workbench": 1}


def test_resource_method_refuses_bad_arguments_before_any_request(keys_sandbox: Sandbox) -> None:
    from atomic_sdk import ConfigurationError

    with keys_sandbox.client() as client:
        with pytest.raises(ConfigurationError, match="event_type"):
            client.webhooks.test_webhook_subscription(event_type=" ")
        with pytest.raises(ConfigurationError, match="max_retries"):
            client.webhooks.test_webhook_subscription(event_type="card-published", max_retries=-1)
    assert keys_sandbox.api_requests == {}
    assert keys_sandbox.token_requests == {}
