"""RedisTokenCache's fleet rules, one process against a real redis-server: the published 429 backoff, each
caller's own wait deadline (with takeover inside a process), fenced writes and clamped lifetimes."""

from __future__ import annotations

import asyncio
import logging
import threading
import time

import httpx
import pytest
import redis
from atomic_sdk import AccessToken, Credentials, RedisTokenCache, TokenRateLimitedError, TokenRequestError
from atomic_sdk._tokens.cache import BoundedFetch, report_rate_limited
from atomic_sdk._tokens.provider import TokenProvider
from atomic_sdk.testing import RedisServer

NS = "atomic-sdk"
CREDENTIALS = Credentials("rules-id", "rules-secret-Zq9")


def token(value: str, life: float = 3600.0) -> AccessToken:
    now = time.time()
    return AccessToken(value=value, expires_at=now + life, refresh_at=now + life - 60.0)


def cache_at(server: RedisServer, **kwargs: object) -> RedisTokenCache:
    cache = RedisTokenCache(server.url, poll_interval=0.02, **kwargs)  # type: ignore[arg-type]
    cache.bind_credentials("k", CREDENTIALS)
    return cache


def rate_limited(retry_after: float | None) -> TokenRateLimitedError:
    return TokenRateLimitedError("429", retry_after=retry_after, attempts=4)


def test_a_429_the_fetch_gives_up_on_is_published_for_the_fleet_with_its_retry_after(redis_server: RedisServer) -> None:
    r = redis.Redis.from_url(redis_server.url)
    cache = cache_at(redis_server)

    def limited() -> AccessToken:
        raise rate_limited(7.0)

    with pytest.raises(TokenRateLimitedError):
        cache.get_or_fetch("k", limited, time.time)
    assert 6_500 < r.pttl(f"{NS}:{{k}}:backoff") <= 7_000
    assert r.exists(f"{NS}:{{k}}:lock") == 0  # released after the backoff was published


def test_a_429_without_retry_after_is_published_with_the_default_backoff(redis_server: RedisServer) -> None:
    r = redis.Redis.from_url(redis_server.url)

    async def limited() -> AccessToken:
        raise rate_limited(None)

    async def run() -> None:
        cache = cache_at(redis_server)
        with pytest.raises(TokenRateLimitedError):
            await cache.aget_or_fetch("k", limited, time.time)
        await cache.aclose()

    asyncio.run(run())
    assert 4_500 < r.pttl(f"{NS}:{{k}}:backoff") <= 5_000


def test_a_backoff_longer_than_the_callers_bound_fails_at_once_without_a_request(redis_server: RedisServer) -> None:
    redis.Redis.from_url(redis_server.url).set(f"{NS}:{{k}}:backoff", "1", px=30_000)
    cache = cache_at(redis_server, lock_ttl=1.0)
    fetches: list[int] = []
    started = time.monotonic()
    with pytest.raises(TokenRateLimitedError) as raised:
        cache.get_or_fetch("k", BoundedFetch(lambda: fetches.append(1) or token("x"), 2.0), time.time)
    assert time.monotonic() - started < 1.0  # no pointless wait
    assert fetches == []
    assert raised.value.retry_after is not None and 29 < raised.value.retry_after <= 30
    assert raised.value.attempts == 0
    assert "waits 30.0 s more before the next token request" in str(raised.value)
    assert "longer than this call may wait (3 s: the client's timeout plus lock_ttl)" in str(raised.value)


def test_a_backoff_within_the_bound_is_waited_out_then_one_request_is_made(redis_server: RedisServer) -> None:
    redis.Redis.from_url(redis_server.url).set(f"{NS}:{{k}}:backoff", "1", px=600)
    cache = cache_at(redis_server)
    fetched_at: list[float] = []
    started = time.monotonic()

    def fetch() -> AccessToken:
        fetched_at.append(time.monotonic() - started)
        return token("after-backoff")

    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_fetch("k", fetch, time.time).value))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert results == ["after-backoff"] * 4
    assert len(fetched_at) == 1 and fetched_at[0] >= 0.55


def test_each_thread_keeps_its_own_deadline_and_takes_over_when_its_leader_gives_up(redis_server: RedisServer) -> None:
    # Another process holds the lock (renewed: alive) and stores its token 0.65 s in. Thread A (bound 0.5 s)
    # gives up first; thread B, which started 0.3 s later, takes the wait over on its own bound and gets it.
    r = redis.Redis.from_url(redis_server.url)
    r.set(f"{NS}:{{k}}:lock", "other-process", px=10_000)
    cache = cache_at(redis_server, wait_timeout=0.5)
    writer = cache_at(redis_server)
    outcomes: dict[str, tuple[str, float]] = {}
    started = time.monotonic()

    def call(name: str) -> None:
        try:
            value = cache.get_or_fetch("k", lambda: token(f"own-{name}"), time.time).value
        except TokenRequestError as exc:
            value = type(exc).__name__
        outcomes[name] = (value, time.monotonic() - started)

    a = threading.Thread(target=call, args=("a",))
    b = threading.Thread(target=call, args=("b",))
    a.start()
    time.sleep(0.3)
    b.start()
    time.sleep(0.35)
    writer._store(writer._sync(), "k", token("from-the-other-process"), time.time, "other-process")
    a.join(5)
    b.join(5)
    assert outcomes["a"][0] == "WaitTimeoutError" and 0.5 <= outcomes["a"][1] < 0.65
    assert outcomes["b"][0] == "from-the-other-process" and outcomes["b"][1] >= 0.65


def test_async_tasks_keep_their_own_deadlines_too(redis_server: RedisServer) -> None:
    r = redis.Redis.from_url(redis_server.url)
    r.set(f"{NS}:{{k}}:lock", "other-process", px=10_000)

    async def run() -> list[tuple[str, float]]:
        cache = cache_at(redis_server, wait_timeout=0.4)
        started = time.monotonic()

        async def never() -> AccessToken:
            raise AssertionError("nobody fetches beside a live holder")

        async def call(delay: float) -> tuple[str, float]:
            await asyncio.sleep(delay)
            try:
                value = (await cache.aget_or_fetch("k", never, time.time)).value
            except TokenRequestError as exc:
                value = type(exc).__name__
            return value, time.monotonic() - started

        try:
            return list(await asyncio.gather(call(0.0), call(0.3)))
        finally:
            await cache.aclose()

    (first, at_first), (second, at_second) = asyncio.run(run())
    assert (first, second) == ("WaitTimeoutError", "WaitTimeoutError")
    assert 0.4 <= at_first < 0.6 and 0.7 <= at_second < 0.95  # the second task's own bound, not the first's


def test_an_older_token_never_replaces_a_newer_one_unless_its_writer_holds_the_lock(redis_server: RedisServer) -> None:
    r = redis.Redis.from_url(redis_server.url)
    cache = cache_at(redis_server)
    client = cache._sync()
    assert cache._store(client, "k", token("newer", life=3600), time.time, "").value == "newer"
    # A stalled holder resuming with an older token (shorter life left) and no lock: refused, gets the newer.
    assert cache._store(client, "k", token("older", life=1800), time.time, "").value == "newer"
    reader = cache_at(redis_server)
    assert reader.get_or_fetch("k", lambda: token("unused"), time.time).value == "newer"
    # The lock's current owner may replace it (e.g. after the API rejected the stored token).
    r.set(f"{NS}:{{k}}:lock", "owner-1", px=5_000)
    assert cache._store(client, "k", token("replacement", life=1800), time.time, "owner-1").value == "replacement"
    assert 1_700_000 < r.pttl(f"{NS}:{{k}}:token") <= 1_740_000


def test_an_absurd_expires_in_is_clamped_to_a_day_and_never_reported_as_an_outage(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    transport = httpx.MockTransport(
        lambda request: httpx.Response(200, json={"access_token": "tkn-forever", "expires_in": 1e17})
    )
    cache = RedisTokenCache(redis_server.url)
    provider = TokenProvider(
        token_url="https://idp.example/oauth2/token",
        user_agent="t",
        timeout=httpx.Timeout(5.0),
        cache=cache,
        httpx_args={"transport": transport},
    )
    with caplog.at_level(logging.DEBUG, logger="atomic_sdk"):
        got = provider.token(CREDENTIALS)
    assert got.expires_at - time.time() <= 86_400
    assert "unavailable" not in caplog.text
    r = redis.Redis.from_url(redis_server.url)
    (key,) = r.keys(f"{NS}:*:token")
    assert 86_000_000 < r.pttl(key) <= 86_400_000
    # The cache clamps on its own too, for any TokenCache caller.
    cache.bind_credentials("k", CREDENTIALS)
    now = time.time()
    forever = AccessToken(value="tkn-raw", expires_at=now + 1e17, refresh_at=now + 1e17 - 60)
    with caplog.at_level(logging.DEBUG, logger="atomic_sdk"):
        assert cache.get_or_fetch("k", lambda: forever, time.time) is forever
    assert 86_000_000 < r.pttl(f"{NS}:{{k}}:token") <= 86_400_000
    assert "unavailable" not in caplog.text


def test_a_429_the_holder_waits_out_mid_fetch_is_published_at_once(redis_server: RedisServer) -> None:
    # The holder's fetch got a 429 with Retry-After 5 and sleeps before its next attempt: a process that may
    # wait 1 s fails at once (TokenRateLimitedError, retry_after), one that may wait 10 s gets the holder's token.
    r = redis.Redis.from_url(redis_server.url)
    holder, short, patient = cache_at(redis_server), cache_at(redis_server, wait_timeout=1.0), cache_at(redis_server)
    reported = threading.Event()

    def limited_then_ok() -> AccessToken:
        report_rate_limited(5.0)
        reported.set()
        time.sleep(0.5)  # stands for the Retry-After sleep
        return token("after-the-wait")

    got: list[str] = []
    thread = threading.Thread(target=lambda: got.append(holder.get_or_fetch("k", limited_then_ok, time.time).value))
    thread.start()
    assert reported.wait(5)
    assert 4_000 < r.pttl(f"{NS}:{{k}}:backoff") <= 5_000
    started = time.monotonic()
    with pytest.raises(TokenRateLimitedError) as raised:
        short.get_or_fetch("k", lambda: token("never"), time.time)
    # At once: well before the caller's own 1 s bound, let alone the 5 s backoff.
    assert time.monotonic() - started < 0.9 and raised.value.retry_after is not None and raised.value.retry_after > 4
    assert patient.get_or_fetch("k", BoundedFetch(lambda: token("never"), 10.0), time.time).value == "after-the-wait"
    thread.join(5)
    assert got == ["after-the-wait"]


def test_an_async_holder_publishes_its_429_wait_without_blocking_the_loop(redis_server: RedisServer) -> None:
    r = redis.Redis.from_url(redis_server.url)

    async def run() -> tuple[str, int]:
        cache = cache_at(redis_server)
        seen: list[int] = []

        async def limited_then_ok() -> AccessToken:
            report_rate_limited(3.0)
            await asyncio.sleep(0.3)
            seen.append(r.pttl(f"{NS}:{{k}}:backoff"))
            return token("async-after-the-wait")

        try:
            value = (await cache.aget_or_fetch("k", limited_then_ok, time.time)).value
        finally:
            await cache.aclose()
        return value, seen[0]

    value, backoff_ms = asyncio.run(run())
    assert value == "async-after-the-wait" and 2_000 < backoff_ms <= 3_000


def test_threads_of_the_holders_own_process_also_fail_at_once_past_a_429_wait(redis_server: RedisServer) -> None:
    cache = cache_at(redis_server, wait_timeout=0.5)
    reported = threading.Event()

    def limited_then_ok() -> AccessToken:
        report_rate_limited(5.0)
        reported.set()
        time.sleep(1.0)
        return token("after-the-wait")

    got: list[str] = []
    leader = threading.Thread(
        target=lambda: got.append(cache.get_or_fetch("k", BoundedFetch(limited_then_ok, 1.0), time.time).value)
    )
    leader.start()
    assert reported.wait(5)
    started = time.monotonic()
    with pytest.raises(TokenRateLimitedError) as raised:
        cache.get_or_fetch("k", BoundedFetch(lambda: token("never"), 1.0), time.time)
    assert time.monotonic() - started < 0.9  # before the caller's 1 s bound
    assert raised.value.retry_after is not None and 4 < raised.value.retry_after <= 5
    leader.join(5)
    assert got == ["after-the-wait"]
