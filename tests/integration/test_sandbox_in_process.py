"""The Sandbox in-process: the same core as an httpx transport, sync and async, with no port and no thread."""

from __future__ import annotations

import asyncio
import json
import logging
import threading

import pytest
from atomic_api.models import WebhookSubscriptionRequest
from atomic_sdk import ServerError
from atomic_sdk.testing import IN_PROCESS_URL, TOKEN_PATH, Sandbox, SandboxTransport
from support.http_package import httpx

HOOK = WebhookSubscriptionRequest(types=["card-published"], url="https://example.com/hook")


def test_an_unstarted_sandbox_answers_in_process_without_a_port_or_a_thread() -> None:
    sb = Sandbox()
    threads = threading.active_count()
    with sb.client() as client:
        assert client.base_url == IN_PROCESS_URL
        client.webhooks.create_webhook_subscription(body=HOOK)
        assert len(client.webhooks.list_webhook_subscriptions().data) == 1  # type: ignore[arg-type]
        assert threading.active_count() == threads
    with pytest.raises(RuntimeError, match="not serving"):
        sb.base_url  # noqa: B018
    assert sb.api_requests == {"createWebhookSubscription": 1, "listWebhookSubscriptions": 1}
    assert sb.token_requests_by_role() == {"workbench": 1}  # the token request took the same transport


async def test_async_clients_answer_in_process_too(atomic_sandbox_in_process: Sandbox) -> None:
    sb = atomic_sandbox_in_process
    sb.seed(cards=[{"userId": "u1"}] * 3)
    async with sb.async_client() as client:
        pages = await asyncio.gather(*(client.cards.list_cards(user_id="u1", limit=2) for _ in range(5)))
        seen = [card async for card in client.cards.iter_list_cards(user_id="u1", page_size=1)]
    assert [len(page.data) for page in pages] == [2] * 5 and len(seen) == 3
    assert sb.token_requests_by_role() == {"events": 1}


def test_in_process_and_served_clients_share_one_state() -> None:
    sb = Sandbox()
    with sb.client() as in_process:
        in_process.webhooks.create_webhook_subscription(body=HOOK)
    with sb, sb.client() as served, sb.client(in_process=True) as beside:
        assert served.base_url.startswith("http://127.0.0.1:")
        served.webhooks.create_webhook_subscription(body=HOOK)
        assert len(beside.webhooks.list_webhook_subscriptions().data) == 2  # type: ignore[arg-type]


def test_the_transport_serves_plain_httpx_with_the_same_rules() -> None:
    sb = Sandbox(max_body_bytes=100)
    token = sb.issue_token("all")
    headers = {"Authorization": f"Bearer {token}", "User-Agent": "raw/1"}
    with httpx.Client(transport=sb.transport(), base_url="https://anything.invalid") as raw:
        not_allowed = raw.delete(f"/v1/{sb.environment_id}/cards", headers=headers)
        assert (not_allowed.status_code, not_allowed.headers["allow"]) == (405, "GET")
        assert not_allowed.json()["error"] == "method_not_allowed"
        too_big = raw.post(f"/v1/{sb.environment_id}/webhook", content=b"x" * 101, headers=headers)
        assert (too_big.status_code, too_big.json()["error"]) == (413, "payload_too_large")
        twice = raw.get("/v1/environments", headers=[*headers.items(), ("Authorization", "Bearer other")])
        assert (twice.status_code, twice.json()["message"]) == (400, "more than one Authorization header")
        bad_limit = raw.get(f"/v1/{sb.environment_id}/cards", params={"limit": "01"}, headers=headers)
        assert bad_limit.status_code == 400 and "query parameter 'limit'" in bad_limit.json()["message"]
        no_agent = raw.get("/v1/environments", headers={"Authorization": f"Bearer {token}", "User-Agent": ""})
        assert no_agent.status_code == 403
        wrong_method = raw.get(TOKEN_PATH)
        assert (wrong_method.status_code, wrong_method.headers["allow"]) == (405, "POST")
        for response in (not_allowed, too_big, twice, bad_limit, no_agent, wrong_method):
            assert response.headers["content-type"] == "application/json"
            json.loads(response.content)


async def test_a_slow_token_endpoint_does_not_block_the_event_loop() -> None:
    sb = Sandbox(token_delay=0.3)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        for _ in range(10):
            await asyncio.sleep(0.01)
            ticks += 1

    async with sb.async_client() as client:
        await asyncio.wait_for(asyncio.gather(client.environments.list_environments(), tick()), timeout=10)
    assert ticks == 10 and sb.token_requests_by_role() == {"events": 1}


async def test_a_paused_token_endpoint_holds_async_callers_until_resumed() -> None:
    sb = Sandbox()
    sb.pause_token_endpoint()
    async with sb.async_client() as client:
        call = asyncio.ensure_future(client.environments.list_environments())
        await asyncio.sleep(0.1)
        assert not call.done() and sb.token_requests == {"sandbox-events": 1}
        sb.resume_token_endpoint()
        environments = await asyncio.wait_for(call, timeout=10)
    assert [e.id for e in environments.environments] == [sb.environment_id]


def test_a_failure_inside_the_sandbox_is_a_logged_json_500(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    sb = Sandbox()

    def broken(*args: object) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr(sb, "_handle_api", broken)
    with (
        caplog.at_level(logging.ERROR, logger="atomic_sdk.testing"),
        sb.client(max_retries=0) as client,
        pytest.raises(ServerError, match="the Sandbox failed"),
    ):
        client.environments.list_environments()
    assert sb.internal_errors == ["GET /v1/environments: RuntimeError: boom"]
    assert not [value for value in sb.sensitive_values() if value in caplog.text]


def test_the_transport_is_one_object_for_sync_and_async() -> None:
    transport = Sandbox().transport()
    assert isinstance(transport, SandboxTransport)
    assert isinstance(transport, httpx.BaseTransport) and isinstance(transport, httpx.AsyncBaseTransport)
