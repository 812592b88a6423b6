"""Header mistakes in ``extra_headers`` and ``with_headers`` are a ConfigurationError naming the header, raised
before any I/O (no token request, no API request)."""

from __future__ import annotations

from typing import Any

import pytest
from atomic_sdk import AsyncAtomicClient, AtomicClient, ConfigurationError, Credentials
from support.atomic_server import raises_clean, secret
from support.mock_router import respx

BAD = [
    ({"X-Note": "café"}, "the value of header X-Note has a character HTTP headers cannot carry"),
    ({"X-Note": "a\r\nX-Injected: 1"}, "the value of header X-Note has a character"),
    ({"X-Note": "a\nb"}, "the value of header X-Note has a character"),
    ({"X-Note": "nul\0"}, "the value of header X-Note has a character"),
    ({"X Note": "v"}, "'X Note' is not a valid header name"),
    ({"X-Nöte": "v"}, "'X-Nöte' is not a valid header name"),
    ({"": "v"}, "'' is not a valid header name"),
    ({"X-Count": 3}, "the value of header X-Count must be a string, got int"),
]


def _client(cls: Any = AtomicClient) -> Any:
    return cls(org_id="my-org", environment_id="env1", credentials=Credentials("id", secret("h")))


@pytest.mark.parametrize(("headers", "needle"), BAD)
def test_extra_headers_mistakes_fail_before_any_request(headers: dict[str, Any], needle: str) -> None:
    with (
        respx.mock(assert_all_mocked=True) as router,
        _client() as client,
        raises_clean(ConfigurationError, match=f"listCards: extra_headers: {needle}"),
    ):
        client.cards.list_cards(extra_headers=headers)
    assert router.calls.call_count == 0


@pytest.mark.parametrize(("headers", "needle"), BAD[:3])
async def test_async_extra_headers_mistakes_fail_before_any_request(headers: dict[str, Any], needle: str) -> None:
    with respx.mock(assert_all_mocked=True) as router:
        async with _client(AsyncAtomicClient) as client:
            with raises_clean(ConfigurationError, match=needle):
                await client.cards.list_cards(extra_headers=headers)
    assert router.calls.call_count == 0


@pytest.mark.parametrize(("headers", "needle"), BAD)
def test_with_headers_mistakes_fail_when_the_client_is_derived(headers: dict[str, Any], needle: str) -> None:
    with _client() as client, raises_clean(ConfigurationError, match=f"with_headers: {needle}"):
        client.with_headers(headers)


def test_good_headers_are_sent_as_given() -> None:
    with respx.mock(assert_all_mocked=True) as router, _client() as client:
        router.post(client.token_url).respond(200, json={"access_token": "t", "token_type": "Bearer"})
        api = router.get("https://my-org.customer-api.atomic.io/v1/env1/cards").respond(200, json={"data": []})
        client.with_headers({"X-Trace": "abc\tdef"}).cards.list_cards(extra_headers={"X-Note": "plain ~!"})
        sent = api.calls.last.request.headers
    assert (sent["x-trace"], sent["x-note"]) == ("abc\tdef", "plain ~!")
