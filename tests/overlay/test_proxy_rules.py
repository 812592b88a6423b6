"""API and token requests take the same way: httpx's own proxy rules (HTTP_PROXY, NO_PROXY with host and port,
trust_env), decided once for both."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from atomic_sdk import AtomicClient, Credentials
from support.atomic_server import AtomicServer, secret


@pytest.fixture
def proxy() -> Iterator[AtomicServer]:
    # A forward proxy that answers itself: it records the absolute-form requests sent to it.
    with AtomicServer() as server:
        yield server


def _call(origin: AtomicServer, **kwargs: object) -> None:
    with AtomicClient(
        base_url=origin.base_url,
        token_url=origin.token_url,
        credentials=Credentials("proxy-id", secret("p")),
        max_retries=0,
        **kwargs,  # type: ignore[arg-type]
    ) as client:
        client.environments.list_environments()


def _seen(server: AtomicServer) -> list[str]:
    return [request.raw_path for request in server.requests]


def _clear_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "NO_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "no_proxy",
    ):
        monkeypatch.delenv(name, raising=False)


def test_both_requests_use_the_environments_proxy(
    server: AtomicServer, proxy: AtomicServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _clear_proxy_env(monkeypatch)
    monkeypatch.setenv("HTTP_PROXY", proxy.origin)
    _call(server)
    assert (_seen(proxy), _seen(server)) == (["/oauth2/token", "/v1/environments"], [])


def test_no_proxy_with_host_and_port_sends_both_directly(
    server: AtomicServer, proxy: AtomicServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _clear_proxy_env(monkeypatch)
    monkeypatch.setenv("HTTP_PROXY", proxy.origin)
    monkeypatch.setenv("NO_PROXY", f"127.0.0.1:{server.port}")
    _call(server)
    assert (_seen(proxy), _seen(server)) == ([], ["/oauth2/token", "/v1/environments"])


def test_no_proxy_for_another_port_still_proxies_both(
    server: AtomicServer, proxy: AtomicServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _clear_proxy_env(monkeypatch)
    monkeypatch.setenv("HTTP_PROXY", proxy.origin)
    monkeypatch.setenv("NO_PROXY", f"127.0.0.1:{server.port + 1}")
    _call(server)
    assert (_seen(proxy), _seen(server)) == (["/oauth2/token", "/v1/environments"], [])


def test_trust_env_false_ignores_the_environment_for_both(
    server: AtomicServer, proxy: AtomicServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _clear_proxy_env(monkeypatch)
    monkeypatch.setenv("HTTP_PROXY", proxy.origin)
    _call(server, httpx_args={"trust_env": False})
    assert (_seen(proxy), _seen(server)) == ([], ["/oauth2/token", "/v1/environments"])
