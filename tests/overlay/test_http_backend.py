"""The HTTP package a client runs on: httpx by default, httpx2 when chosen, never because it is installed.

Every request of an httpx2 client (API and token requests, sync and async, retries, errors) must go through
httpx2: legacy httpx's ``send`` and transports are patched to fail in these tests.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sys

import httpx
import pytest
from atomic_sdk import (
    ApiConnectionError,
    ApiTimeoutError,
    AtomicClient,
    ConfigurationError,
    Credentials,
    MissingExtraError,
    RateLimitedError,
    ServerError,
)
from atomic_sdk._backend import load
from atomic_sdk.testing import Sandbox
from support.atomic_server import raises_clean, secret
from support.fault_server import FaultServer

httpx2 = pytest.importorskip("httpx2")

TOKEN = {"access_token": "tkn-1", "token_type": "Bearer", "expires_in": 3600}
BASE = "https://api.example.test"
TOKEN_URL = "https://auth.example.test/oauth2/token"


@pytest.fixture
def legacy_httpx_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any use of legacy httpx's clients or transports fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("legacy httpx was used")

    for owner, name in [
        (httpx.Client, "send"),
        (httpx.AsyncClient, "send"),
        (httpx.HTTPTransport, "handle_request"),
        (httpx.AsyncHTTPTransport, "handle_async_request"),
        (httpx.MockTransport, "handle_request"),
    ]:
        monkeypatch.setattr(owner, name, refuse)


@pytest.fixture
def no_backend_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ATOMIC_HTTP_BACKEND", raising=False)


def mocked(handler: object, **kwargs: object) -> AtomicClient:
    return AtomicClient(
        base_url=BASE,
        token_url=TOKEN_URL,
        credentials=Credentials("id", secret("a")),
        environment_id="env1",
        http_backend="httpx2",
        httpx_args={"transport": httpx2.MockTransport(handler)},
        **kwargs,  # type: ignore[arg-type]
    )


# -- the choice --------------------------------------------------------------------------------------------


def test_httpx_is_the_default_even_with_httpx2_imported(no_backend_env: None) -> None:
    assert "httpx2" in sys.modules
    with Sandbox().client() as client:
        pool = client.get_httpx_client()
        assert isinstance(pool, httpx.Client) and not isinstance(pool, httpx2.Client)
        assert " httpx/" in client.user_agent and "httpx2" not in client.user_agent


def test_the_environment_variable_chooses_and_an_explicit_argument_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATOMIC_HTTP_BACKEND", "httpx2")
    sb = Sandbox()
    with sb.client() as from_env, sb.client(http_backend="httpx") as explicit:
        assert isinstance(from_env.get_httpx_client(), httpx2.Client)
        assert isinstance(explicit.get_httpx_client(), httpx.Client)


def test_from_env_reads_the_package_from_the_mapping_it_is_given(no_backend_env: None) -> None:
    environ = {"ATOMIC_CLIENT_ID": "id", "ATOMIC_CLIENT_SECRET": secret("a"), "ATOMIC_BASE_URL": BASE}
    with AtomicClient.from_env({**environ, "ATOMIC_HTTP_BACKEND": "httpx2"}) as chosen:
        assert chosen.http_backend == "httpx2" and isinstance(chosen.get_httpx_client(), httpx2.Client)
    with AtomicClient.from_env(environ) as default, AtomicClient.from_env(
        {**environ, "ATOMIC_HTTP_BACKEND": "httpx2"}, http_backend="httpx"
    ) as explicit:
        assert (default.http_backend, explicit.http_backend) == ("httpx", "httpx")
    with pytest.raises(ConfigurationError, match="ATOMIC_HTTP_BACKEND must be 'httpx' or 'httpx2', got 'curl'"):
        AtomicClient.from_env({**environ, "ATOMIC_HTTP_BACKEND": "curl"})


@pytest.mark.parametrize(
    ("argument", "env", "named"),
    [("requests", None, "http_backend must be 'httpx' or 'httpx2', got 'requests'"),
     ("HTTPX2", None, "got 'HTTPX2'"),
     (None, "aiohttp", "ATOMIC_HTTP_BACKEND must be 'httpx' or 'httpx2', got 'aiohttp'")],
)
def test_an_unknown_package_is_a_configuration_error_before_any_request(
    monkeypatch: pytest.MonkeyPatch, argument: str | None, env: str | None, named: str
) -> None:
    if env is None:
        monkeypatch.delenv("ATOMIC_HTTP_BACKEND", raising=False)
    else:
        monkeypatch.setenv("ATOMIC_HTTP_BACKEND", env)
    with pytest.raises(ConfigurationError, match=named) as info:
        AtomicClient(base_url=BASE, credentials=Credentials("id", secret("a")), http_backend=argument)  # type: ignore[arg-type]
    assert "atomic-sdk[httpx2]" in str(info.value)


def test_httpx2_chosen_but_not_installed_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "httpx2", None)  # import httpx2 now raises ImportError
    load.cache_clear()
    try:
        with pytest.raises(MissingExtraError, match=r"pip install 'atomic-sdk\[httpx2\]'") as info:
            AtomicClient(base_url=BASE, credentials=Credentials("id", secret("a")), http_backend="httpx2")
        assert (info.value.extra, info.value.name) == ("httpx2", "httpx2")
        assert isinstance(info.value, ConfigurationError) and isinstance(info.value, ImportError)
    finally:
        load.cache_clear()


def test_a_transport_of_the_other_package_is_refused_by_name() -> None:
    with pytest.raises(ConfigurationError, match=r"httpx_args\['transport'\] is an httpx transport.*'httpx2'"):
        AtomicClient(
            base_url=BASE,
            credentials=Credentials("id", secret("a")),
            http_backend="httpx2",
            httpx_args={"transport": httpx.MockTransport(lambda request: httpx.Response(200))},
        )
    with pytest.raises(ConfigurationError, match=r"httpx_args\['mounts'\]\['all://'\] is an httpx2 transport"):
        AtomicClient(
            base_url=BASE,
            credentials=Credentials("id", secret("a")),
            http_backend="httpx",
            httpx_args={"mounts": {"all://": httpx2.HTTPTransport()}},
        )


# -- every request through httpx2 ----------------------------------------------------------------------------


@pytest.mark.parametrize("in_process", [True, False])
def test_sync_calls_run_on_httpx2_only(legacy_httpx_fails: None, in_process: bool) -> None:
    sb = Sandbox()
    sb.seed(cards=[{"userId": "u1"}] * 3)
    with sb if not in_process else _nothing(), sb.client(in_process=in_process, http_backend="httpx2") as client:
        raw = client.cards.with_raw_response.list_cards(user_id="u1", limit=2)
        pages = [card for card in client.cards.iter_list_cards(user_id="u1", page_size=2)]
        assert isinstance(raw.http_response, httpx2.Response) and len(raw.parsed.data) == 2  # type: ignore[arg-type]
        assert raw.http_response.request.headers["user-agent"].startswith("atomic-sdk-python/")
        assert f" httpx2/{httpx2.__version__} " in raw.http_response.request.headers["user-agent"]
    assert len(pages) == 3
    assert sb.token_requests_by_role() == {"events": 1}


@pytest.mark.parametrize("in_process", [True, False])
def test_async_calls_run_on_httpx2_only(legacy_httpx_fails: None, in_process: bool) -> None:
    sb = Sandbox()
    sb.seed(cards=[{"userId": "u1"}] * 3)

    async def main() -> list[int]:
        async with sb.async_client(in_process=in_process, http_backend="httpx2") as client:
            pages = await asyncio.gather(*(client.cards.list_cards(user_id="u1", limit=2) for _ in range(4)))
            assert isinstance(client.get_async_httpx_client(), httpx2.AsyncClient)
            return [len(page.data) for page in pages]  # type: ignore[arg-type]

    with sb if not in_process else _nothing():
        assert asyncio.run(main()) == [2, 2, 2, 2]
    assert sb.token_requests_by_role() == {"events": 1}


def test_the_sandbox_transport_serves_plain_httpx2_clients(legacy_httpx_fails: None) -> None:
    sb = Sandbox()
    token = sb.issue_token("all")
    headers = {"Authorization": f"Bearer {token}", "User-Agent": "raw/1"}
    with httpx2.Client(transport=sb.transport("httpx2"), base_url="https://sandbox.invalid") as plain:
        answer = plain.get("/v1/environments", headers=headers)
    assert isinstance(answer, httpx2.Response) and answer.status_code == 200

    async def main() -> int:
        async with httpx2.AsyncClient(transport=sb.transport("httpx2"), base_url="https://sandbox.invalid") as aio:
            return (await aio.get("/v1/environments", headers=headers)).status_code

    assert asyncio.run(main()) == 200
    assert sb.api_requests == {"listEnvironments": 2}


def test_retries_and_status_errors_on_httpx2(legacy_httpx_fails: None) -> None:
    answers = iter([503, 200, 500, 429, 429, 429])
    seen: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.url.path == "/oauth2/token":
            return httpx2.Response(200, json=TOKEN)
        seen.append(request.url.path)
        return httpx2.Response(next(answers), json={"data": []}, headers={"Retry-After": "0"})

    sleeps: list[float] = []
    with mocked(handler, sleep=sleeps.append) as client:
        assert client.cards.list_cards().data == []  # 503 retried, then 200
        with raises_clean(ServerError):
            client.cards.list_cards()  # 500: not retried
        with raises_clean(RateLimitedError) as info:
            client.cards.list_cards()  # 429 three times: max_retries=2
    assert len(seen) == 6  # 503 + 200, 500, 429 three times
    assert sleeps == [0.0, 0.0, 0.0]  # Retry-After: 0 before each retry
    assert info.value.retry_after == 0.0


def test_a_refused_connection_is_an_api_connection_error_caused_by_httpx2(legacy_httpx_fails: None) -> None:
    port = _free_port()
    client = AtomicClient(
        base_url=f"http://127.0.0.1:{port}",
        token_url=f"http://127.0.0.1:{port}/oauth2/token",
        credentials=Credentials("id", secret("a")),
        http_backend="httpx2",
        max_retries=1,
        sleep=lambda seconds: None,
    )
    with client, raises_clean(Exception) as info:
        client.environments.list_environments()
    error = info.value
    assert type(error).__name__ == "TokenRequestError" and "after 2 attempt(s): ConnectError" in str(error)
    assert isinstance(error.__cause__, httpx2.ConnectError)


def test_a_silent_server_is_an_api_timeout_error_on_httpx2(legacy_httpx_fails: None) -> None:
    with FaultServer() as server:
        server.api_faults.append("silent")
        client = AtomicClient(
            base_url=server.base_url,
            token_url=server.token_url,
            credentials=Credentials("id", secret("a")),
            http_backend="httpx2",
            timeout=httpx2.Timeout(0.3),
            max_retries=0,
        )
        with client, raises_clean(ApiTimeoutError) as info:
            client.environments.list_environments()
    assert isinstance(info.value.__cause__, httpx2.ReadTimeout)
    assert isinstance(info.value, ApiConnectionError)
    assert [seen.path for seen in server.api_requests()] == ["/v1/environments"]


def test_timeouts_of_either_package_are_taken_and_converted() -> None:
    with mocked(lambda request: httpx2.Response(200, json=TOKEN), timeout=httpx.Timeout(2.0, connect=1.0)) as client:
        timeout = client.get_httpx_client().timeout
        assert isinstance(timeout, httpx2.Timeout)
        assert (timeout.connect, timeout.read, timeout.write, timeout.pool) == (1.0, 2.0, 2.0, 2.0)
        assert client.with_timeout(httpx2.Timeout(4.0)).get_httpx_client().timeout == httpx2.Timeout(4.0)
    with Sandbox().client(http_backend="httpx", timeout=httpx2.Timeout(3.0)) as plain:
        assert plain.get_httpx_client().timeout == httpx.Timeout(3.0)
    with pytest.raises(ConfigurationError, match="every part of timeout"):
        Sandbox().client(http_backend="httpx2", timeout=httpx2.Timeout(None))


def test_httpx2s_request_line_shows_query_names_not_values(
    legacy_httpx_fails: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="httpx2")
    sb = Sandbox()
    with sb, sb.client(http_backend="httpx2") as client:
        client.cards.list_cards(user_id="secret-user-42")
        base_url = sb.base_url
    lines = [record.getMessage() for record in caplog.records if record.name == "httpx2"]
    assert f'HTTP Request: GET {base_url}/v1/{sb.environment_id}/cards?userId=*** "HTTP/1.1 200 OK"' in lines
    assert "secret-user-42" not in caplog.text


# -- helpers ------------------------------------------------------------------------------------------------


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *args: object) -> None:
        return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
