"""TokenProvider against respx mocks: request shape, caching, refresh-ahead, 429, errors."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterator
from email.utils import formatdate

import pytest
from atomic_sdk import Credentials, TokenRateLimitedError, TokenRequestError
from atomic_sdk._backend import choose
from atomic_sdk._retries import RetryPolicy
from atomic_sdk._retry_after import parse_retry_after
from atomic_sdk._tokens.provider import MAX_LIFETIME, MAX_TOKEN_RESPONSE, TokenProvider
from support.atomic_server import TOKEN_MARK, assert_clean, raises_clean, secret
from support.clock import FakeClock, SleepRecorder
from support.http_package import httpx
from support.mock_router import respx

TOKEN_URL = "https://auth.example.test/oauth2/token"
UA = "test-app/1 atomic-sdk-python/0.0.0"
CRED = Credentials("client-a", secret("a"))


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
        yield router


def ok(value: str = "1", expires_in: object = 3600) -> httpx.Response:
    body: dict[str, object] = {"access_token": TOKEN_MARK + value, "token_type": "Bearer"}
    if expires_in is not None:
        body["expires_in"] = expires_in
    return httpx.Response(200, json=body)


def provider(
    clock: FakeClock,
    sleeps: SleepRecorder | None = None,
    *,
    max_retries: int = 3,
    jitter: float = 0.0,
    **kwargs: object,
) -> TokenProvider:
    sleeps = sleeps or SleepRecorder()
    policy = RetryPolicy(
        max_retries=max_retries,
        clock=clock,
        sleep=sleeps,
        async_sleep=sleeps.async_sleep,
        jitter=lambda: jitter,
        http=choose(),
    )
    return TokenProvider(
        token_url=TOKEN_URL,
        user_agent=UA,
        timeout=httpx.Timeout(5.0),
        policy=policy,
        **kwargs,  # type: ignore[arg-type]
    )


def test_request_shape(mock: respx.MockRouter, clock: FakeClock) -> None:
    route = mock.post(TOKEN_URL).mock(return_value=ok())
    token = provider(clock).token(CRED)
    assert token.value == TOKEN_MARK + "1"
    assert route.call_count == 1
    request = route.calls.last.request
    assert request.method == "POST"
    assert dict(request.url.params) == {"grant_type": "client_credentials", "client_id": "client-a"}
    expected_basic = base64.b64encode(f"client-a:{secret('a')}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected_basic}"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.headers["User-Agent"] == UA
    assert request.content == b"grant_type=client_credentials&client_id=client-a"
    assert_clean(token)


def test_cache_and_refresh_ahead_with_leeway(mock: respx.MockRouter, clock: FakeClock) -> None:
    route = mock.post(TOKEN_URL).mock(side_effect=[ok("1", 3600), ok("2", 3600), ok("3", 3600)])
    tokens = provider(clock, leeway=60.0)
    assert tokens.token(CRED).value == TOKEN_MARK + "1"
    clock.advance(3600 - 60 - 0.001)  # just before the refresh point
    assert tokens.token(CRED).value == TOKEN_MARK + "1"
    assert route.call_count == 1
    clock.advance(0.001)  # exactly at expires - leeway
    assert tokens.token(CRED).value == TOKEN_MARK + "2"
    assert route.call_count == 2
    clock.advance(100)
    assert tokens.token(CRED).value == TOKEN_MARK + "2"
    assert route.call_count == 2


def test_expires_in_absent_means_one_hour(mock: respx.MockRouter, clock: FakeClock) -> None:
    route = mock.post(TOKEN_URL).mock(side_effect=[ok("1", None), ok("2", None)])
    tokens = provider(clock, leeway=10.0)
    start = clock.now
    token = tokens.token(CRED)
    assert (token.expires_at, token.refresh_at) == (start + 3600, start + 3590)
    clock.advance(3589)
    tokens.token(CRED)
    assert route.call_count == 1
    clock.advance(1)
    tokens.token(CRED)
    assert route.call_count == 2


def test_short_lived_token_refreshes_half_way(mock: respx.MockRouter, clock: FakeClock) -> None:
    mock.post(TOKEN_URL).mock(return_value=ok("1", 30))
    token = provider(clock, leeway=60.0).token(CRED)
    assert token.refresh_at - clock.now == 15


def test_cache_is_per_client_id(mock: respx.MockRouter, clock: FakeClock) -> None:
    route = mock.post(TOKEN_URL).mock(side_effect=[ok("1"), ok("2")])
    tokens = provider(clock)
    other = Credentials("client-b", secret("b"))
    assert tokens.token(CRED).value == TOKEN_MARK + "1"
    assert tokens.token(other).value == TOKEN_MARK + "2"
    assert tokens.token(CRED).value == TOKEN_MARK + "1"
    assert route.call_count == 2


def test_invalidate_drops_exactly_that_token(mock: respx.MockRouter, clock: FakeClock) -> None:
    route = mock.post(TOKEN_URL).mock(side_effect=[ok("1"), ok("2")])
    tokens = provider(clock)
    first = tokens.token(CRED)
    tokens.invalidate(CRED, first)
    second = tokens.token(CRED)
    tokens.invalidate(CRED, first)  # stale: already replaced, must not drop the new one
    assert tokens.token(CRED) is second
    assert route.call_count == 2


def test_429_retry_after_seconds_then_success(mock: respx.MockRouter, clock: FakeClock) -> None:
    sleeps = SleepRecorder(clock)
    route = mock.post(TOKEN_URL).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "7"}),
            httpx.Response(429, headers={"Retry-After": "2"}),
            ok(),
        ]
    )
    assert provider(clock, sleeps).token(CRED).value == TOKEN_MARK + "1"
    assert sleeps.waits == [7.0, 2.0]
    assert route.call_count == 3


def test_429_retry_after_http_date(mock: respx.MockRouter, clock: FakeClock) -> None:
    sleeps = SleepRecorder()
    when = formatdate(clock.now + 12, usegmt=True)
    route = mock.post(TOKEN_URL).mock(side_effect=[httpx.Response(429, headers={"Retry-After": when}), ok()])
    provider(clock, sleeps).token(CRED)
    assert sleeps.waits == [12.0]
    assert route.call_count == 2


def test_429_without_retry_after_backs_off_exponentially(mock: respx.MockRouter, clock: FakeClock) -> None:
    sleeps = SleepRecorder()
    route = mock.post(TOKEN_URL).mock(side_effect=[httpx.Response(429)] * 3 + [ok()])
    provider(clock, sleeps).token(CRED)
    assert sleeps.waits == [0.5, 1.0, 2.0]  # no jitter: the backoff itself
    assert route.call_count == 4


def test_backoff_jitter_is_applied(mock: respx.MockRouter, clock: FakeClock) -> None:
    sleeps = SleepRecorder()
    mock.post(TOKEN_URL).mock(side_effect=[httpx.Response(429), ok()])
    provider(clock, sleeps, jitter=1.0).token(CRED)
    assert sleeps.waits == [0.375]  # the API's rule: up to 25 % off


def test_429_exhausted_raises_rate_limited(mock: respx.MockRouter, clock: FakeClock) -> None:
    sleeps = SleepRecorder()
    route = mock.post(TOKEN_URL).mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": str(n)}) for n in (1, 2, 3, 4)]
    )
    with raises_clean(TokenRateLimitedError) as info:
        provider(clock, sleeps, max_retries=3).token(CRED)
    err = info.value
    assert isinstance(err, TokenRateLimitedError) and isinstance(err, TokenRequestError)
    assert (err.retry_after, err.attempts, err.status) == (4.0, 4, 429)
    assert sleeps.waits == [1.0, 2.0, 3.0]
    assert route.call_count == 4


def test_429_retry_after_too_long_is_not_waited(mock: respx.MockRouter, clock: FakeClock) -> None:
    sleeps = SleepRecorder()
    route = mock.post(TOKEN_URL).mock(return_value=httpx.Response(429, headers={"Retry-After": "600"}))
    with raises_clean(TokenRateLimitedError) as info:
        provider(clock, sleeps).token(CRED)
    assert info.value.retry_after == 600.0  # type: ignore[attr-defined]
    assert sleeps.waits == []
    assert route.call_count == 1


@pytest.mark.parametrize("status", [400, 401])
def test_client_error_is_token_request_error_without_retry(
    mock: respx.MockRouter, clock: FakeClock, status: int
) -> None:
    route = mock.post(TOKEN_URL).mock(
        return_value=httpx.Response(status, json={"error": "invalid_client", "error_description": "bad key"})
    )
    with raises_clean(TokenRequestError) as info:
        provider(clock).token(CRED)
    err = info.value
    assert type(err) is TokenRequestError
    assert (err.status, err.error, err.error_description, err.client_id) == (
        status,
        "invalid_client",
        "bad key",
        "client-a",
    )
    assert "invalid_client" in str(err)
    assert route.call_count == 1


@pytest.mark.parametrize(
    ("response", "needle"),
    [
        (httpx.Response(200, text="<html>"), "not JSON"),
        (httpx.Response(200, json=["x"]), "not a JSON object"),
        (httpx.Response(200, json={"token_type": "Bearer"}), "no access_token"),
        (httpx.Response(200, json={"access_token": ""}), "no access_token"),
        (httpx.Response(200, json={"access_token": TOKEN_MARK + "x", "expires_in": "soon"}), "expires_in"),
        (httpx.Response(200, json={"access_token": TOKEN_MARK + "x", "expires_in": -5}), "expires_in"),
    ],
)
def test_malformed_token_response(
    mock: respx.MockRouter, clock: FakeClock, response: httpx.Response, needle: str
) -> None:
    route = mock.post(TOKEN_URL).mock(return_value=response)
    with raises_clean(TokenRequestError, match=needle):
        provider(clock).token(CRED)
    assert route.call_count == 1


def test_transport_error_is_token_request_error(mock: respx.MockRouter, clock: FakeClock) -> None:
    mock.post(TOKEN_URL).mock(side_effect=httpx.ConnectError("refused"))
    with raises_clean(TokenRequestError, match="ConnectError") as info:
        provider(clock).token(CRED)
    assert info.value.status is None  # type: ignore[attr-defined]


def test_failed_fetch_is_not_cached(mock: respx.MockRouter, clock: FakeClock) -> None:
    route = mock.post(TOKEN_URL).mock(side_effect=[httpx.Response(400, json={"error": "x"}), ok()])
    tokens = provider(clock)
    with raises_clean(TokenRequestError):
        tokens.token(CRED)
    assert tokens.token(CRED).value == TOKEN_MARK + "1"
    assert route.call_count == 2


async def test_async_429_uses_async_sleep(mock: respx.MockRouter, clock: FakeClock) -> None:
    sleeps = SleepRecorder()
    sync_sleeps: list[float] = []
    route = mock.post(TOKEN_URL).mock(side_effect=[httpx.Response(429, headers={"Retry-After": "3"}), ok()])
    tokens = TokenProvider(
        token_url=TOKEN_URL,
        user_agent=UA,
        timeout=httpx.Timeout(5.0),
        policy=RetryPolicy(clock=clock, sleep=sync_sleeps.append, async_sleep=sleeps.async_sleep, http=choose()),
    )
    token = await tokens.atoken(CRED)
    assert token.value == TOKEN_MARK + "1"
    assert (sleeps.waits, sync_sleeps, route.call_count) == ([3.0], [], 2)
    assert await tokens.atoken(CRED) is token
    assert route.call_count == 1 + 1
    await tokens.aclose()


async def test_async_errors_match_sync(mock: respx.MockRouter, clock: FakeClock) -> None:
    route = mock.post(TOKEN_URL).mock(return_value=httpx.Response(401, json={"error": "invalid_client"}))
    tokens = provider(clock)
    with raises_clean(TokenRequestError) as info:
        await tokens.atoken(CRED)
    assert (info.value.status, info.value.error) == (401, "invalid_client")  # type: ignore[attr-defined]
    assert route.call_count == 1
    await tokens.aclose()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("5", 5.0),
        (" 0 ", 0.0),
        ("-1", None),
        ("nan", None),
        ("banana", None),
        ("Tue, 14 Nov 2023 22:13:50 GMT", 30.0),
        ("Tue, 14 Nov 2023 22:12:00 GMT", 0.0),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=1_700_000_000.0) == expected


# -- the size of a token response ---------------------------------------------------------------------


class CountingStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body of ``total`` bytes in 8 KiB chunks that counts how much of it was read."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.read = 0

    def _chunks(self) -> Iterator[bytes]:
        while self.read < self.total:
            size = min(8192, self.total - self.read)
            self.read += size
            yield b"x" * size

    def __iter__(self) -> Iterator[bytes]:
        yield from self._chunks()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks():
            yield chunk


@pytest.mark.parametrize("announced", [True, False])
def test_an_oversized_token_response_is_refused_before_it_is_read_whole(
    mock: respx.MockRouter, clock: FakeClock, announced: bool
) -> None:
    body = CountingStream(200 * 1024 * 1024)
    headers = {"Content-Length": str(body.total)} if announced else {}
    mock.post(TOKEN_URL).mock(return_value=httpx.Response(200, headers=headers, stream=body))
    with raises_clean(TokenRequestError, match=r"with a body over 65536 bytes, refused unread") as info:
        provider(clock, max_retries=0).token(CRED)
    assert info.value.status == 200  # type: ignore[attr-defined]
    # Announced: nothing read; streamed: at most one chunk past the limit.
    assert body.read == (0 if announced else MAX_TOKEN_RESPONSE + 8192)


@pytest.mark.parametrize("announced", [True, False])
async def test_an_oversized_async_token_response_is_refused_too(
    mock: respx.MockRouter, clock: FakeClock, announced: bool
) -> None:
    body = CountingStream(50 * 1024 * 1024)
    headers = {"Content-Length": str(body.total)} if announced else {}
    mock.post(TOKEN_URL).mock(return_value=httpx.Response(200, headers=headers, stream=body))
    tokens = provider(clock, max_retries=0)
    with raises_clean(TokenRequestError, match="refused unread"):
        await tokens.atoken(CRED)
    assert body.read == (0 if announced else MAX_TOKEN_RESPONSE + 8192)
    await tokens.aclose()


def test_a_token_response_at_the_limit_is_read(mock: respx.MockRouter, clock: FakeClock) -> None:
    padding = " " * (MAX_TOKEN_RESPONSE - 200)
    content = ('{"access_token": "' + TOKEN_MARK + 'big", "token_type": "Bearer"' + padding + "}").encode()
    assert len(content) <= MAX_TOKEN_RESPONSE
    mock.post(TOKEN_URL).mock(return_value=httpx.Response(200, content=content))
    assert provider(clock).token(CRED).value == TOKEN_MARK + "big"


def test_an_absurd_lifetime_is_capped_at_a_day(mock: respx.MockRouter, clock: FakeClock) -> None:
    mock.post(TOKEN_URL).mock(return_value=ok(expires_in=1e17))
    token = provider(clock).token(CRED)
    assert token.expires_at == clock.now + MAX_LIFETIME
