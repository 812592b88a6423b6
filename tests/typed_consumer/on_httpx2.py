"""A typed consumer on httpx2 (checked by mypy --strict and pyright strict): no cast, no ignore."""

import asyncio
from typing import assert_type

import httpx2
from atomic_api.models import CardList, EnvironmentList
from atomic_sdk import AsyncAtomicClient, AtomicClient, Credentials, RawResponse
from atomic_sdk.testing import Sandbox


def sync_calls() -> None:
    with AtomicClient(
        org_id="my-org",
        credentials=Credentials("id", "secret"),
        http_backend="httpx2",
        timeout=httpx2.Timeout(10.0, connect=2.0),
        httpx_args={"transport": httpx2.HTTPTransport(retries=1)},
    ) as client:
        assert_type(client, AtomicClient[httpx2.Response])
        raw = client.cards.with_raw_response.list_cards(user_id="u1", timeout=httpx2.Timeout(5.0))
        assert_type(raw, RawResponse[CardList, httpx2.Response])
        response: httpx2.Response = raw.http_response
        print(response.http_version, len(raw.parsed.data or []))
        quick = client.with_options(timeout=httpx2.Timeout(2.0), max_retries=0)
        assert_type(quick, AtomicClient[httpx2.Response])
        listed: httpx2.Response = quick.resources.environments.with_raw_response.list_environments().http_response
        print(listed.status_code)


async def async_calls() -> None:
    async with AsyncAtomicClient(
        org_id="my-org", credentials=Credentials("id", "secret"), http_backend="httpx2"
    ) as client:
        raw = await client.environments.with_raw_response.list_environments()
        assert_type(raw, RawResponse[EnvironmentList, httpx2.Response])
        response: httpx2.Response = raw.http_response
        print(response.status_code)


def sandbox_and_env() -> None:
    with Sandbox() as sb, sb.client(http_backend="httpx2") as client:
        response: httpx2.Response = client.environments.with_raw_response.list_environments().http_response
        print(response.status_code)
    from_env = AtomicClient[httpx2.Response].from_env(http_backend="httpx2")
    print(from_env.environments.with_raw_response.list_environments().http_response.http_version)
    asyncio.run(async_calls())


def sandbox_transport() -> None:
    sb = Sandbox()
    with httpx2.Client(transport=sb.transport("httpx2")) as plain:
        print(plain.get("https://sandbox.invalid/v1/environments").status_code)
    print(httpx2.AsyncClient(transport=sb.transport("httpx2")))
