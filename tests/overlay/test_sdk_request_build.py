"""The SDK's httpx clients build requests with one URL parse (``atomic_sdk._request_build``), and every request
they build is the one httpx's own ``build_request`` builds: same method, URL (to the byte), headers in the
same order, extensions and body. Inputs the fast path does not take go to httpx unchanged."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx
from atomic_api.api.cards import list_cards
from atomic_api.models.card_list import CardList
from atomic_sdk import AsyncAtomicClient, AtomicClient, Credentials, Role
from atomic_sdk._client import _AsyncHttpxClient, _HttpxClient
from atomic_sdk._request_build import FastRequestBuild
from hypothesis import example, given, settings
from hypothesis import strategies as st
from support.atomic_server import mock_token_endpoint, secret

BASE = "https://my-org.customer-api.atomic.io"
TOKEN_URL = "https://master-atomic-io.auth.us-east-1.amazoncognito.com/oauth2/token"
BASES = [
    BASE,
    "http://127.0.0.1:8080",
    "https://api.example.com/sub/path",
    "https://api.example.com/sub/path/",
    "http://user:pa%20ss@[::1]:9000/x",
    "https://bücher.example/v",
    "http://example.com:80",
    "HTTPS://API.Example.COM:443/Base",
    "http://h/#",  # an empty fragment, then an empty query: httpx merges these itself
    "http://h/?",
]
HTTPX_BUILD = httpx.Client.build_request  # httpx's own (BaseClient's), not the SDK client's override


def _same(ours: httpx.Request, theirs: httpx.Request) -> None:
    assert ours.method == theirs.method
    assert str(ours.url) == str(theirs.url)
    assert ours.url.raw_path == theirs.url.raw_path
    assert ours.url.raw_host == theirs.url.raw_host and ours.url.port == theirs.url.port
    assert ours.headers.raw == theirs.headers.raw
    assert ours.extensions == theirs.extensions
    assert ours.content == theirs.content


@pytest.fixture
def httpx_builds(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The URLs that went through httpx's own build_request (the fallback), in order."""
    seen: list[str] = []
    original = httpx._client.BaseClient.build_request

    def counting(self: Any, method: str, url: Any, **kwargs: Any) -> httpx.Request:
        seen.append(str(url))
        return original(self, method, url, **kwargs)

    monkeypatch.setattr(httpx._client.BaseClient, "build_request", counting)
    yield seen


# -- the same request as httpx's ---------------------------------------------------------------------

# Characters URL encoders treat differently (reserved, space, %, unicode) are drawn as often as the rest.
_SPECIAL = st.sampled_from(list("/.%?#:@!$&'()*+,;= ~-_[]{}\\\"<>`|^aZ09é€"))
_TEXT = st.text(st.one_of(_SPECIAL, st.characters(codec="utf-8")), max_size=12)
_PATH_TEXT = st.text(st.one_of(_SPECIAL, st.characters(codec="utf-8")), max_size=30)
_CLIENTS: dict[tuple[str, bool], _HttpxClient] = {}
_VALUES = st.one_of(_TEXT, st.integers(), st.floats(allow_nan=False), st.booleans(), st.lists(_TEXT, max_size=2))


@settings(max_examples=400, deadline=None)
@example(  # a space, + and / in the query: 0.27 and 0.28 encode them differently
    base=BASE, path="v1/a b", params={"q": "a b+c/d", "n": 1e20}, method="get", body=None, headers=None,
    timeout=httpx.USE_CLIENT_DEFAULT, extensions=None, cookie=False, leading="/",
)
@given(
    base=st.sampled_from(BASES),
    path=_PATH_TEXT,
    params=st.one_of(st.none(), st.dictionaries(_TEXT, _VALUES, max_size=4)),
    method=st.sampled_from(["get", "PUT", "delete", "post"]),
    body=st.sampled_from([None, {"a": [1, "é"]}]),
    headers=st.sampled_from([None, {"Content-Type": "application/json"}, {"X-Extra": "1", "user-agent": "mine"}]),
    timeout=st.sampled_from([httpx.USE_CLIENT_DEFAULT, 5.0, None]),
    extensions=st.sampled_from([None, {"atomic_x": 1}, {"timeout": {"connect": 1.0}}]),
    cookie=st.booleans(),
    leading=st.sampled_from(["/", "//", ""]),
)
def test_every_request_is_the_one_httpx_builds(
    base: str,
    path: str,
    params: dict[str, Any] | None,
    method: str,
    body: Any,
    headers: dict[str, str] | None,
    timeout: Any,
    extensions: dict[str, Any] | None,
    cookie: bool,
    leading: str,
) -> None:
    client = _CLIENTS.get((base, cookie))
    if client is None:  # one client per base and cookie jar (building one loads the TLS settings)
        client = _HttpxClient(base_url=base, headers={"Authorization": "Bearer x", "User-Agent": "ua/1"}, timeout=30)
        if cookie:
            client.cookies.set("session", "abc")
        _CLIENTS[base, cookie] = client
    url = leading + path
    kwargs: dict[str, Any] = {"params": params, "json": body, "headers": headers, "timeout": timeout}
    kwargs["extensions"] = extensions
    try:
        theirs = HTTPX_BUILD(client, method, url, **kwargs)
    except (httpx.InvalidURL, TypeError, ValueError) as error:  # httpx refuses it: so must we, alike
        with pytest.raises(type(error)):
            client.build_request(method, url, **kwargs)
        return
    _same(client.build_request(method, url, **kwargs), theirs)


@pytest.mark.parametrize("base", [base for base in BASES if "?" not in base and "#" not in base])
def test_the_generated_requests_are_the_ones_httpx_builds(base: str, httpx_builds: list[str]) -> None:
    client = _HttpxClient(base_url=base)
    for kwargs in (
        list_cards._get_kwargs("env 1/ü", limit=5, offset=0),
        list_cards._get_kwargs("..", user_id="a b&c=d"),
        list_cards._get_kwargs("env"),
    ):
        ours = client.build_request(**kwargs)
        assert httpx_builds == []  # the fast path built it
        _same(ours, HTTPX_BUILD(client, **kwargs))
        httpx_builds.clear()


def test_a_generated_call_s_url_is_not_parsed_at_all(monkeypatch: pytest.MonkeyPatch) -> None:
    # Plain path and query: the URL is derived from the base's parsed form; a "." segment or a space in the
    # query sends it through the parser once; both give httpx's URL (the tests above).
    client = _HttpxClient(base_url=BASE)
    client.build_request("GET", "/warm")  # the base's one-time check parses
    parses: list[str] = []
    original = httpx._urlparse.urlparse

    def counting(url: str = "", **kwargs: Any) -> Any:
        parses.append(url)
        return original(url, **kwargs)

    monkeypatch.setattr(httpx._urls, "urlparse", counting)
    client.build_request(**list_cards._get_kwargs("env-1", limit=5))
    client.build_request(**list_cards._get_kwargs("a b%/ü", user_id="x_y.z~1"))
    assert parses == []
    client.build_request(**list_cards._get_kwargs("env", user_id="a b"))
    client.build_request("GET", "/v1/./cards")
    assert [url.split("?")[0] for url in parses] == [f"{BASE}/v1/env/cards", f"{BASE}/v1/./cards"]


def test_a_private_layout_that_does_not_check_out_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    import atomic_sdk._request_build as build

    assert build._Base(httpx.URL(BASE)).reference is not None
    # Another httpx whose parsed form differs: the once-per-base check fails, URLs are parsed from text.
    monkeypatch.setattr(build, "_from_reference", lambda reference: httpx.URL("https://wrong.example/"))
    assert build._Base(httpx.URL(BASE)).reference is None
    monkeypatch.setattr(build, "_REFERENCE_FIELDS", ("scheme", "host"))
    client = _HttpxClient(base_url=BASE)
    kwargs = list_cards._get_kwargs("env-1", limit=5)
    assert client._fast_base is None
    _same(client.build_request(**kwargs), HTTPX_BUILD(client, **kwargs))
    assert client._fast_base is not None and client._fast_base.reference is None


def test_a_replaced_base_url_is_used_from_the_next_request_on(httpx_builds: list[str]) -> None:
    client = _HttpxClient(base_url="https://one.example/a")
    assert str(client.build_request("GET", "/x").url) == "https://one.example/a/x"
    client.base_url = httpx.URL("https://two.example:8443")
    assert str(client.build_request("GET", "/x", params={"n": 1}).url) == "https://two.example:8443/x?n=1"
    assert httpx_builds == []


@pytest.mark.parametrize(
    ("base", "url", "params", "client_params"),
    [
        (BASE, "https://elsewhere.example/x", None, None),  # absolute URL
        (BASE, httpx.URL("/v1/x"), None, None),  # a URL object
        (BASE, "//elsewhere.example/x", None, None),  # network-path reference
        (BASE, "v1/x", None, None),  # no leading slash
        (BASE, "/v1/x?a=1", {"b": 2}, None),  # query in the path
        (BASE, "/v1/x#frag", None, None),
        (BASE, "/v1/x", {"flag": True}, None),  # bool: "true" in httpx
        (BASE, "/v1/x", {"ids": ["a", "b"]}, None),  # a list: repeated keys
        (BASE, "/v1/x", [("a", "1")], None),  # not a dict
        (BASE, "/v1/x", {"a": None}, None),  # None: "" in httpx
        (BASE, "/v1/x", None, {"api": "1"}),  # client-level params
        (f"{BASE}/?v=1", "/v1/x", None, None),  # a query on the base URL
        (BASE, "/v1/x", {"q": "a" * 65530}, None),  # longer than httpx's limit for a whole URL string
    ],
)
def test_other_inputs_take_httpx_s_path_unchanged(
    base: str, url: Any, params: Any, client_params: Any, httpx_builds: list[str]
) -> None:
    client = _HttpxClient(base_url=base, params=client_params)
    ours = client.build_request("GET", url, params=params)
    assert httpx_builds == [str(url)]
    _same(ours, HTTPX_BUILD(client, "GET", url, params=params))


def test_the_sdk_s_clients_use_the_fast_build() -> None:
    assert issubclass(_HttpxClient, FastRequestBuild) and issubclass(_AsyncHttpxClient, FastRequestBuild)
    assert _HttpxClient.build_request is FastRequestBuild.build_request


# -- end to end ----------------------------------------------------------------------------------------

PAGE = {"data": [], "pagination": {"limit": 5, "offset": 0, "total": 0}}


def _client(cls: Any) -> Any:
    return cls(
        base_url=BASE,
        token_url=TOKEN_URL,
        credentials={Role.EVENTS: Credentials("events-id", secret("events"))},
        user_agent="build-test/1",
    )


@respx.mock(assert_all_called=True)
def test_a_sync_call_sends_the_url_httpx_would(respx_mock: respx.MockRouter, httpx_builds: list[str]) -> None:
    mock_token_endpoint(respx_mock, TOKEN_URL)
    route = respx_mock.get(f"{BASE}/v1/env%201/cards").respond(200, json=PAGE)
    with _client(AtomicClient) as client:
        page = list_cards.sync(client=client, environment_id="env 1", limit=5, user_id="ü é")
    assert isinstance(page, CardList)
    assert route.call_count == 1
    sent = route.calls.last.request
    assert [u for u in httpx_builds if not u.startswith(TOKEN_URL)] == []  # the API call took the fast path
    expected = httpx.Client(base_url=BASE).build_request(
        "GET", "/v1/env%201/cards", params={"userId": "ü é", "limit": 5, "offset": 0}
    )
    assert sent.url.raw_path == expected.url.raw_path
    assert sent.url.raw_path.startswith(b"/v1/env%201/cards?userId=%C3%BC")  # a space: + or %20 by version
    assert sent.headers["authorization"].startswith("Bearer ")


@respx.mock(assert_all_called=True)
def test_an_async_call_sends_the_url_httpx_would(respx_mock: respx.MockRouter, httpx_builds: list[str]) -> None:
    mock_token_endpoint(respx_mock, TOKEN_URL)
    route = respx_mock.get(f"{BASE}/v1/env/cards").respond(200, json=PAGE)

    async def main() -> CardList | None:
        async with _client(AsyncAtomicClient) as client:
            result = await list_cards.asyncio(client=client, environment_id="env", limit=5)
            return result if isinstance(result, CardList) else None

    assert isinstance(asyncio.run(main()), CardList)
    assert route.calls.last.request.url.raw_path == b"/v1/env/cards?limit=5&offset=0"
    assert [u for u in httpx_builds if not u.startswith(TOKEN_URL)] == []
