"""Hostile responses, transport failures and secrets. One section per numbered finding, each
against real servers on 127.0.0.1 (or a MockTransport where the point is that nothing leaves it)."""

from __future__ import annotations

import asyncio
import base64
import logging
import socket
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import pytest
from atomic_api import errors as generated_errors
from atomic_api.api.cards import list_cards
from atomic_api.api.environments import list_environments
from atomic_api.models.card_list import CardList
from atomic_sdk import (
    ApiConnectionError,
    ApiError,
    ApiTimeoutError,
    AtomicClient,
    AtomicError,
    ConfigurationError,
    Credentials,
    MissingFieldError,
    NotFoundError,
    PermissionDeniedError,
    RedirectError,
    ResponseValidationError,
    Role,
    ServerError,
    TokenRequestError,
    UnexpectedStatusError,
)
from atomic_sdk._tokens.provider import DEFAULT_TOKEN_URL
from support.atomic_server import TOKEN_MARK, AtomicServer, Reply, assert_clean, leaks, raises_clean, secret
from support.clock import FakeClock, SleepRecorder
from support.http_package import httpx

EVENTS = Credentials("ev-id", secret("ev"))
HTML = b"<html><head><title>Sign in to the guest Wi-Fi</title></head><body>Welcome!</body></html>"


def make(server: AtomicServer, clock: FakeClock, waits: SleepRecorder | None = None, **kwargs: Any) -> AtomicClient:
    kwargs.setdefault("credentials", {Role.EVENTS: EVENTS})
    waits = waits or SleepRecorder(clock)
    return AtomicClient(
        base_url=kwargs.pop("base_url", server.base_url),
        token_url=kwargs.pop("token_url", server.token_url),
        clock=clock,
        sleep=waits,
        async_sleep=waits.async_sleep,
        timeout=kwargs.pop("timeout", 10.0),
        **kwargs,
    )


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# -- 1. wrong-shaped responses are ResponseValidationError; non-standard statuses work -----------------


def test_html_200_is_a_response_validation_error(server: AtomicServer, clock: FakeClock) -> None:
    server.api_replies = [Reply(200, HTML, {"Content-Type": "text/html; charset=utf-8", "X-Request-Id": "req-7"})]
    with make(server, clock) as client, raises_clean(ResponseValidationError) as info:
        list_cards.sync(client=client, environment_id="env1", user_id="u1")
    error = info.value
    assert type(error) is ResponseValidationError
    assert isinstance(error, AtomicError) and not isinstance(error, ApiError)
    assert (error.status, error.content_type, error.reason) == (200, "text/html; charset=utf-8", "the body is not JSON")
    assert error.body_excerpt == HTML.decode()[:200]
    assert (error.operation_id, error.method, error.request_id) == ("listCards", "GET", "req-7")
    assert error.url == f"{server.base_url}/v1/env1/cards?userId=u1&limit=100&offset=0"
    assert error.headers["x-request-id"] == "req-7"
    assert str(error) == (
        f"listCards (GET {error.url}) answered 200 but the body is not what the spec describes: the body is not "
        f"JSON (content type text/html; charset=utf-8; body starts {HTML.decode()!r}) [request id req-7]"
    )
    assert isinstance(error.__cause__, ValueError)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"data": {}}, "TypeError: field data expects a JSON array, got dict"),
        ({"data": "cards"}, "TypeError: field data expects a JSON array, got str"),
        ([], "TypeError: CardList expects a JSON object, got list"),
        ("cards", "TypeError: CardList expects a JSON object, got str"),
        ({"data": [1]}, "TypeError: Card expects a JSON object, got int"),
        ({"data": [{"cardInstanceId": "c1", "status": 5}]}, "ValueError: 5 is not a valid CardStatus"),
    ],
    ids=["object-for-list", "string-for-list", "list-for-object", "string-for-object", "int-item", "int-enum"],
)
def test_wrong_shapes_are_response_validation_errors(
    server: AtomicServer, clock: FakeClock, payload: object, reason: str
) -> None:
    for raise_on_error in (True, False):
        server.api_replies = [Reply.json(200, payload)]
        with make(server, clock, raise_on_error=raise_on_error) as client, raises_clean(ResponseValidationError) as info:
            list_cards.sync_detailed(client=client, environment_id="env1")
        assert (info.value.status, info.value.reason, info.value.content_type) == (200, reason, "application/json")


async def test_async_html_200_is_a_response_validation_error(server: AtomicServer, clock: FakeClock) -> None:
    server.api_replies = [Reply(200, HTML, {"Content-Type": "text/html"})]
    async with make(server, clock) as client:
        with raises_clean(ResponseValidationError) as info:
            await list_cards.asyncio(client=client, environment_id="env1")
    assert (info.value.status, info.value.content_type) == (200, "text/html")


def test_missing_required_fields_become_the_sdk_missing_field_error(server: AtomicServer, clock: FakeClock) -> None:
    # No response model of the spec has required fields today; the mapping is what matters for the next one.
    server.api_replies = [Reply.json(200, {"data": []})]
    with make(server, clock) as client:
        response = client.get_httpx_client().get("/v1/env1/cards")
        mapped = client.response_error(response, generated_errors.MissingFieldError("CardList", ["data"]))
    assert isinstance(mapped, MissingFieldError)
    assert isinstance(mapped, ResponseValidationError) and isinstance(mapped, generated_errors.MissingFieldError)
    assert isinstance(mapped, KeyError) and isinstance(mapped, AtomicError)
    assert (mapped.model, mapped.fields, mapped.status) == ("CardList", ["data"], 200)
    assert "CardList is missing required field(s): data" in str(mapped)


@pytest.mark.parametrize("status", [520, 599, 299])
def test_non_standard_statuses_return_a_response_without_raise_on_error(
    server: AtomicServer, clock: FakeClock, status: int
) -> None:
    server.api_replies = [Reply.json(status, {"message": "edge"})] * 2
    with make(server, clock, raise_on_error=False, max_retries=0) as client:
        response = list_cards.sync_detailed(client=client, environment_id="env1")
        parsed = list_cards.sync(client=client, environment_id="env1")
    assert response.status_code == status
    assert isinstance(response.status_code, HTTPStatus) and int(response.status_code) == status
    assert response.status_code.name == f"UNKNOWN_{status}" and response.parsed is None and parsed is None
    assert response.content == b'{"message": "edge"}'


@pytest.mark.parametrize(("status", "error_type"), [(520, ServerError), (599, ServerError), (299, UnexpectedStatusError)])
def test_non_standard_statuses_raise_with_raise_on_error(
    server: AtomicServer, clock: FakeClock, status: int, error_type: type[ApiError]
) -> None:
    server.api_replies = [Reply.json(status, {"message": "edge"})]
    with make(server, clock, max_retries=0) as client, raises_clean(error_type) as info:
        list_cards.sync(client=client, environment_id="env1")
    assert type(info.value) is error_type
    assert (info.value.status, info.value.body) == (status, {"message": "edge"})
    assert f"failed with {status} (non-standard status)" in str(info.value)


def test_an_undeclared_2xx_raises_instead_of_returning_none(server: AtomicServer, clock: FakeClock) -> None:
    server.api_replies = [Reply(204)]
    with make(server, clock) as client, raises_clean(UnexpectedStatusError) as info:
        list_cards.sync(client=client, environment_id="env1")
    assert info.value.status == 204
    assert "The spec does not declare status 204 for listCards; the response was not parsed" in str(info.value)


# -- 2. an unfollowed 3xx raises RedirectError; nothing reaches the other host --------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirects_raise_and_are_not_followed(make_server: Any, clock: FakeClock, status: int) -> None:
    server, elsewhere = make_server(), make_server()
    target = f"{elsewhere.base_url}/v1/env1/cards?token=leak"
    server.api_replies = [Reply(status, b"", {"Location": target})]
    with make(server, clock) as client, raises_clean(RedirectError) as info:
        list_cards.sync(client=client, environment_id="env1")
    error = info.value
    assert isinstance(error, UnexpectedStatusError) and isinstance(error, ApiError)
    assert (error.status, error.location) == (status, target)
    assert f"a redirect to {elsewhere.base_url}/v1/env1/cards. The SDK does not follow redirects" in str(error)
    assert "token=leak" not in str(error)
    assert elsewhere.requests == []
    assert len(server.api_requests()) == 1


async def test_async_redirect_raises(server: AtomicServer, clock: FakeClock) -> None:
    server.api_replies = [Reply(302, b"", {"Location": "https://login.example.com/"})]
    async with make(server, clock) as client:
        with raises_clean(RedirectError) as info:
            await list_cards.asyncio(client=client, environment_id="env1")
    assert info.value.location == "https://login.example.com/"


def test_redirect_without_raise_on_error_returns_the_response(server: AtomicServer, clock: FakeClock) -> None:
    server.api_replies = [Reply(302, b"", {"Location": "https://login.example.com/"})]
    with make(server, clock, raise_on_error=False) as client:
        response = list_cards.sync_detailed(client=client, environment_id="env1")
    assert (response.status_code, response.parsed, response.headers["location"]) == (302, None, "https://login.example.com/")


# -- 3. transport failures are ApiConnectionError / ApiTimeoutError after retries -----------------------


def test_connection_refused_is_api_connection_error_after_retries(server: AtomicServer, clock: FakeClock) -> None:
    waits = SleepRecorder(clock)
    base = f"http://127.0.0.1:{closed_port()}"
    with make(server, clock, waits, base_url=base) as client, raises_clean(ApiConnectionError) as info:
        list_cards.sync(client=client, environment_id="env1")
    error = info.value
    assert type(error) is ApiConnectionError
    assert isinstance(error.__cause__, httpx.ConnectError)
    assert (error.operation_id, error.method, error.url, error.attempts) == ("listCards", "GET", f"{base}/v1/env1/cards", 3)
    assert len(waits.waits) == 2
    assert len(server.token_requests()) == 1


def test_a_reset_connection_is_api_connection_error(server: AtomicServer, clock: FakeClock) -> None:
    server.api_replies = [Reply.reset()] * 3
    with make(server, clock) as client, raises_clean(ApiConnectionError) as info:
        list_cards.sync(client=client, environment_id="env1")
    assert isinstance(info.value.__cause__, (httpx.RemoteProtocolError, httpx.ReadError))
    assert info.value.attempts == 3 and len(server.api_requests()) == 3


def test_a_body_cut_off_midway_is_api_connection_error(server: AtomicServer, clock: FakeClock) -> None:
    server.api_replies = [Reply.short()] * 3
    with make(server, clock) as client, raises_clean(ApiConnectionError) as info:
        list_cards.sync(client=client, environment_id="env1")
    assert isinstance(info.value.__cause__, httpx.RemoteProtocolError)


def test_a_read_timeout_is_api_timeout_error(server: AtomicServer, clock: FakeClock) -> None:
    server.api_replies = [Reply(200, b"{}", {"Content-Type": "application/json"}, delay=1.0)]
    with make(server, clock, timeout=0.2) as client, raises_clean(ApiTimeoutError) as info:
        list_cards.sync(client=client, environment_id="env1")
    assert isinstance(info.value, ApiConnectionError) and isinstance(info.value.__cause__, httpx.ReadTimeout)
    assert info.value.attempts == 1  # read timeouts are not retried


async def test_async_connection_refused_is_api_connection_error(server: AtomicServer, clock: FakeClock) -> None:
    base = f"http://127.0.0.1:{closed_port()}"
    async with make(server, clock, base_url=base, max_retries=0) as client:
        with raises_clean(ApiConnectionError) as info:
            await list_cards.asyncio(client=client, environment_id="env1")
    assert isinstance(info.value.__cause__, httpx.ConnectError) and info.value.attempts == 1


def test_token_endpoint_unreachable_is_token_request_error_with_cause(clock: FakeClock) -> None:
    port = closed_port()
    client = AtomicClient(
        base_url=f"http://127.0.0.1:{port}", token_url=f"http://127.0.0.1:{port}/oauth2/token", credentials=EVENTS
    )
    with client, raises_clean(TokenRequestError) as info:
        list_cards.sync(client=client, environment_id="env1")
    assert info.value.status is None and isinstance(info.value.__cause__, httpx.ConnectError)
    assert "token request for the key serving every role (client_id=ev-id)" in str(info.value)
    assert info.value.role is None and info.value.client_id == "ev-id"


# -- 4. errors carry response headers and the request id -----------------------------------------------


@pytest.mark.parametrize(
    ("headers", "request_id"),
    [
        ({"X-Request-Id": "a1", "X-Amzn-RequestId": "b2", "CF-Ray": "c3"}, "a1"),
        ({"X-Amzn-RequestId": "b2", "CF-Ray": "c3"}, "b2"),
        ({"CF-Ray": "c3"}, "c3"),
        ({"Request-Id": "d4"}, "d4"),
        ({}, None),
    ],
)
def test_api_errors_keep_headers_and_request_id(
    server: AtomicServer, clock: FakeClock, headers: dict[str, str], request_id: str | None
) -> None:
    server.api_replies = [Reply.json(404, {"message": "no"}, **headers, **{"Set-Cookie": "session=abc"})]
    with make(server, clock) as client, raises_clean(NotFoundError) as info:
        list_cards.sync(client=client, environment_id="env1")
    error = info.value
    assert error.request_id == request_id
    assert error.headers["content-type"] == "application/json"
    assert "set-cookie" not in error.headers
    assert (f"[request id {request_id}]" in str(error)) is (request_id is not None)


def test_401_twice_keeps_the_request_id(server: AtomicServer, clock: FakeClock) -> None:
    server.api_replies = [Reply.json(401, {}, **{"X-Request-Id": "r1"}), Reply.json(401, {}, **{"X-Request-Id": "r2"})]
    with make(server, clock) as client, raises_clean(ApiError) as info:
        list_cards.sync(client=client, environment_id="env1")
    assert (info.value.status, info.value.request_id, info.value.client_id) == (401, "r2", "ev-id")


# -- 5. Retry-After is read strictly (more forms in test_sdk_retry_after.py) ----------------------------


@pytest.mark.parametrize("value", ["5m", "1 hour", "Wed", "23:59", "Tuesday 10am", "1_000", "١٢", "1.5", "-3"])
def test_garbage_retry_after_means_normal_backoff(server: AtomicServer, clock: FakeClock, value: str) -> None:
    waits = SleepRecorder(clock)
    server.api_replies = [Reply.json(503, {}, **{"Retry-After": value})]
    with make(server, clock, waits) as client:
        assert isinstance(list_cards.sync(client=client, environment_id="env1"), CardList)
    # The first backoff (0.5 s minus up to 25 % jitter): neither an immediate retry nor giving up.
    assert len(waits.waits) == 1 and 0.375 <= waits.waits[0] <= 0.5
    assert len(server.api_requests()) == 2


def test_garbage_retry_after_at_the_token_endpoint_means_backoff(server: AtomicServer, clock: FakeClock) -> None:
    waits = SleepRecorder(clock)
    server.token_replies = [Reply.json(429, {"error": "slow_down"}, **{"Retry-After": "1 hour"})]
    with make(server, clock, waits) as client:
        list_cards.sync(client=client, environment_id="env1")
    assert len(waits.waits) == 1 and 0.25 <= waits.waits[0] <= 0.5
    assert len(server.token_requests()) == 2


# -- 6. token_type must be Bearer ----------------------------------------------------------------------


@pytest.mark.parametrize("token_type", ["mac", "DPoP", "", 5, ["Bearer"], secret("ev")])
def test_a_token_of_another_type_is_refused(server: AtomicServer, clock: FakeClock, token_type: object) -> None:
    server.token_replies = [Reply.json(200, {"access_token": TOKEN_MARK + "x", "token_type": token_type})]
    with make(server, clock) as client, raises_clean(TokenRequestError) as info:
        list_cards.sync(client=client, environment_id="env1")
    assert "not Bearer; the SDK only sends bearer tokens" in str(info.value)
    assert "for the events key (client_id=ev-id)" in str(info.value)
    assert server.api_requests() == []


@pytest.mark.parametrize("token_type", ["Bearer", "bearer", "BEARER", "absent"])
def test_bearer_in_any_case_or_absent_is_accepted(server: AtomicServer, clock: FakeClock, token_type: str) -> None:
    payload: dict[str, object] = {"access_token": TOKEN_MARK + "x", "expires_in": 60}
    if token_type != "absent":
        payload["token_type"] = token_type
    server.token_replies = [Reply.json(200, payload)]
    with make(server, clock) as client:
        assert isinstance(list_cards.sync(client=client, environment_id="env1"), CardList)
    assert server.api_requests()[0].headers["authorization"] == f"Bearer {TOKEN_MARK}x"


# -- 7. user_agent is validated at construction ------------------------------------------------------


@pytest.mark.parametrize("user_agent", ["mön-app/1.0", "app/1.0 ✓", "app\t1", "app\x7f"])
def test_a_non_ascii_user_agent_is_refused_at_construction(user_agent: str) -> None:
    with raises_clean(ConfigurationError, match="user_agent must be printable ASCII"):
        AtomicClient(org_id="my-org", credentials=EVENTS, user_agent=user_agent)
    with raises_clean(ConfigurationError, match="user_agent must be printable ASCII"):
        AtomicClient.from_env(
            {"ATOMIC_ORG_ID": "o", "ATOMIC_CLIENT_ID": "i", "ATOMIC_CLIENT_SECRET": secret("x"), "ATOMIC_USER_AGENT": user_agent}
        )


# -- 8. plain HTTP only to loopback unless allowed ---------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"base_url": "http://api.example.com"}, "base_url"),
        ({"org_id": "o", "token_url": "http://auth.example.com/oauth2/token"}, "token_url"),
        ({"base_url": "http://10.0.0.8:8080"}, "base_url"),
        ({"base_url": "http://localhost.example.com"}, "base_url"),
    ],
)
def test_plain_http_to_another_host_is_refused(kwargs: dict[str, str], name: str) -> None:
    with raises_clean(ConfigurationError) as info:
        AtomicClient(credentials=EVENTS, **kwargs)
    assert str(info.value).startswith(f"{name} '{kwargs[name]}' uses plain HTTP to ")
    assert "allow_insecure_http=True (ATOMIC_ALLOW_INSECURE_HTTP=1)" in str(info.value)


@pytest.mark.parametrize(
    "base_url", ["http://127.0.0.1:8080", "http://127.9.9.9", "http://localhost:1", "http://api.localhost", "http://[::1]:5"]
)
def test_plain_http_to_loopback_is_fine(base_url: str, caplog: pytest.LogCaptureFixture) -> None:
    client = AtomicClient(credentials=EVENTS, base_url=base_url, token_url=f"{base_url}/oauth2/token")
    assert client.base_url == base_url
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_allow_insecure_http_accepts_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="atomic_sdk"):
        AtomicClient(
            credentials=EVENTS,
            base_url="http://api.example.com",
            token_url="http://auth.example.com/oauth2/token",
            allow_insecure_http=True,
        )
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [
        f"{name} {url} uses plain HTTP to {host} (allow_insecure_http=True): client secrets and bearer tokens "
        "travel unencrypted"
        for name, url, host in [
            ("base_url", "http://api.example.com", "api.example.com"),
            ("token_url", "http://auth.example.com/oauth2/token", "auth.example.com"),
        ]
    ]


def test_from_env_reads_atomic_allow_insecure_http() -> None:
    env = {"ATOMIC_ORG_ID": "o", "ATOMIC_CLIENT_ID": "i", "ATOMIC_CLIENT_SECRET": secret("x")}
    typo = {**env, "ATOMIC_TOKEN_URL": "http://auth.example.com/oauth2/token"}
    with raises_clean(ConfigurationError, match="token_url 'http://auth.example.com/oauth2/token' uses plain HTTP"):
        AtomicClient.from_env(typo)
    assert AtomicClient.from_env({**typo, "ATOMIC_ALLOW_INSECURE_HTTP": "1"}).token_url == typo["ATOMIC_TOKEN_URL"]
    with raises_clean(ConfigurationError, match="ATOMIC_ALLOW_INSECURE_HTTP must be"):
        AtomicClient.from_env({**typo, "ATOMIC_ALLOW_INSECURE_HTTP": "maybe"})
    with raises_clean(ConfigurationError, match="uses plain HTTP"):
        AtomicClient.from_env({**typo, "ATOMIC_ALLOW_INSECURE_HTTP": "0"})


# -- 9. token requests take the same httpx_args as API calls -------------------------------------------


def test_a_mock_transport_sees_the_token_request_too(clock: FakeClock) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.copy_with(query=None)}")
        if request.url.path == "/oauth2/token":
            return httpx.Response(200, json={"access_token": TOKEN_MARK + "m", "token_type": "Bearer"})
        return httpx.Response(200, json={"data": []})

    transport = httpx.MockTransport(handler)
    with AtomicClient(org_id="my-org", credentials=EVENTS, httpx_args={"transport": transport}) as client:
        list_cards.sync(client=client, environment_id="env1")

        async def call() -> None:
            await list_cards.asyncio(client=client, environment_id="env1")
            await client.aclose()

        asyncio.run(call())
    assert seen == [
        f"POST {DEFAULT_TOKEN_URL}",
        "GET https://my-org.customer-api.atomic.io/v1/env1/cards",
        "GET https://my-org.customer-api.atomic.io/v1/env1/cards",
    ]


def test_token_requests_go_through_the_configured_proxy(server: AtomicServer, clock: FakeClock) -> None:
    # The recording server plays a forward proxy: plain-HTTP requests arrive with absolute URIs.
    with make(
        server,
        clock,
        base_url="http://api.test",
        token_url="http://auth.test/oauth2/token",
        allow_insecure_http=True,
        httpx_args={"proxy": server.origin},
    ) as client:
        list_cards.sync(client=client, environment_id="env1")
    assert [(r.method, r.raw_path, r.headers["host"]) for r in server.requests] == [
        ("POST", "/oauth2/token", "auth.test"),
        ("GET", "/v1/env1/cards", "api.test"),
    ]


def test_event_hooks_and_params_stay_on_api_calls(server: AtomicServer, clock: FakeClock) -> None:
    hooked: list[str] = []
    hooks = {"request": [lambda request: hooked.append(request.url.path)]}
    with make(server, clock, httpx_args={"event_hooks": hooks}) as client:
        list_cards.sync(client=client, environment_id="env1")
    assert hooked == ["/v1/env1/cards"]


# -- 10. token endpoint text is redacted; messages name the role and the client id ---------------------


def _echoes(client_id: str, client_secret: str) -> list[str]:
    basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    return [
        f"client secret {client_secret} is not valid",
        f"bad header Authorization: Basic {basic}",
        f"got client_secret={quote(client_secret, safe='')}",
        f"secret {base64.b64encode(client_secret.encode()).decode()} unknown",
        "x" * 190 + client_secret,  # cut at 200 characters right inside the secret
    ]


@pytest.mark.parametrize("index", range(5))
def test_token_errors_redact_echoed_secrets(server: AtomicServer, clock: FakeClock, index: int) -> None:
    echo = _echoes(EVENTS.client_id, EVENTS.client_secret)[index]
    server.token_replies = [Reply.json(400, {"error": f"invalid_client {echo}", "error_description": echo})]
    with make(server, clock) as client, raises_clean(TokenRequestError) as info:
        list_cards.sync(client=client, environment_id="env1")
    error = info.value
    assert str(error).startswith("token endpoint answered 400 for the events key (client_id=ev-id): invalid_client ")
    assert "***" in str(error) and "***" in (error.error_description or "")
    assert (error.role, error.client_id, error.status) == (Role.EVENTS, "ev-id", 400)


# -- 11. the 403 message says what the server said, which key was used and why ------------------------


def test_403_with_a_single_key_names_it_without_contradiction(server: AtomicServer, clock: FakeClock) -> None:
    server.api_replies = [Reply.json(403, {"message": "token has role workbench; listCards needs events"})]
    single = Credentials("all-id", secret("all"))
    with make(server, clock, credentials=single) as client, raises_clean(PermissionDeniedError) as info:
        list_cards.sync(client=client, environment_id="env1")
    assert str(info.value) == (
        f"listCards (GET {server.base_url}/v1/env1/cards?limit=100&offset=0) failed with 403 Forbidden: "
        '{"message": "token has role workbench; listCards needs events"}. The SDK sent your single key '
        "(client_id=all-id), which you configured to serve every role; listCards needs role events. The server "
        "refused that key, so it probably lacks the role or permission: configure a key with role events for this "
        "operation (credentials={Role.EVENTS: Credentials(...)})."
    )
    assert (info.value.role, info.value.client_id) == (Role.EVENTS, "all-id")


def test_403_with_role_keys_names_the_key_and_why(server: AtomicServer, clock: FakeClock) -> None:
    server.api_replies = [Reply.json(403, {"message": "Forbidden"})]
    workbench = Credentials("wb-id", secret("wb"))
    keys = {Role.WORKBENCH: workbench, Role.AUTH: Credentials("au", secret("au"))}
    with make(server, clock, credentials=keys) as client, raises_clean(PermissionDeniedError) as info:
        list_environments.sync(client=client)
    message = str(info.value)
    assert "The SDK sent the key you configured for role workbench (client_id=wb-id)" in message
    assert "the first role listEnvironments accepts (events or workbench or auth) that has credentials" in message


# -- secrets: every new error and log line is clean --------------------------------------------------


def test_a_server_echoing_the_bearer_token_has_it_redacted(server: AtomicServer, clock: FakeClock) -> None:
    # The default token is tkn-1-ev-id; a hostile API echoes it in the body, a header and an HTML page.
    echoed = TOKEN_MARK + "1-ev-id"
    server.api_replies = [
        Reply.json(400, {"message": f"bad token Bearer {echoed}", echoed: [echoed]}, **{"X-Echo": echoed}),
        Reply(200, f"<p>{echoed}</p>".encode(), {"Content-Type": "text/html", "X-Echo": echoed}),
        Reply(302, b"", {"Location": f"https://elsewhere/?t={echoed}"}),
    ]
    with make(server, clock) as client:
        for expected in (ApiError, ResponseValidationError, RedirectError):
            with raises_clean(expected) as info:
                list_cards.sync(client=client, environment_id="env1")
            assert_clean(info.value, getattr(info.value, "body", None), info.value.headers)
    assert len(server.api_requests()) == 3


def test_leak_detector_sees_base64_secrets() -> None:
    # The scanner itself: a Basic value of any client id with a marked secret is caught.
    for client_id in ("a", "ab", "abc", "ev-id"):
        assert leaks(base64.b64encode(f"{client_id}:{secret('x')}".encode()).decode())


def test_paginate_never_ends_silently_on_a_redirect_or_undeclared_status(server: AtomicServer, clock: FakeClock) -> None:
    from atomic_api.models.card import Card
    from atomic_sdk import paginate

    for reply, error_type in ((Reply(302, b"", {"Location": "https://x/"}), RedirectError), (Reply(299), UnexpectedStatusError)):
        server.api_replies = [reply]
        with make(server, clock, raise_on_error=False) as client, raises_clean(error_type):
            list(paginate(list_cards, item_type=Card, client=client, environment_id="env1"))
