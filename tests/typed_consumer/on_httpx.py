"""A typed consumer on httpx, the default (checked by mypy --strict and pyright strict): no cast, no ignore."""

from typing import assert_type

import httpx
from atomic_api.models import CardList
from atomic_sdk import AtomicClient, Credentials, RawResponse
from atomic_sdk.testing import Sandbox


def calls() -> None:
    with AtomicClient(
        org_id="my-org",
        credentials=Credentials("id", "secret"),
        timeout=httpx.Timeout(10.0, connect=2.0),
        httpx_args={"transport": httpx.HTTPTransport(retries=1)},
    ) as client:
        assert_type(client, AtomicClient[httpx.Response])
        raw = client.cards.with_raw_response.list_cards(user_id="u1")
        assert_type(raw, RawResponse[CardList])
        response: httpx.Response = raw.http_response
        print(response.http_version)
    with Sandbox() as sb, sb.client() as sandboxed, AtomicClient.from_env() as from_env:
        assert_type(sandboxed, AtomicClient[httpx.Response])
        assert_type(from_env, AtomicClient[httpx.Response])
        explicit: httpx.Response = sb.client(http_backend="httpx").environments.with_raw_response.list_environments().http_response
        print(explicit.status_code)


def sandbox_transport() -> None:
    sb = Sandbox()
    with httpx.Client(transport=sb.transport()) as plain:
        print(plain.get("https://sandbox.invalid/v1/environments").status_code)
    print(httpx.AsyncClient(transport=sb.transport("httpx")))
