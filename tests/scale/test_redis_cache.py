"""RedisTokenCache in one process against a real redis-server: keys, TTL, the lock, discard, outages, errors."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time

import pytest
import redis
from atomic_api.api.cards import list_cards
from atomic_api.api.environments import list_sites
from atomic_sdk import (
    AccessToken,
    AtomicClient,
    ConfigurationError,
    Credentials,
    InMemoryTokenCache,
    RedisTokenCache,
    TokenCache,
    TokenRequestError,
    token_cache_key,
)
from atomic_sdk.testing import RedisServer, Sandbox
from support.atomic_server import AtomicServer, Reply, secret
from support.clock import FakeClock, SleepRecorder

NS = "atomic-sdk"


def keys(server: RedisServer) -> dict[str, dict[str, str]]:
    r = redis.Redis.from_url(server.url, decode_responses=True)
    return {key: (r.hgetall(key) if r.type(key) == "hash" else {"": r.get(key) or ""}) for key in r.keys("*")}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def token(value: str, life: float = 3600.0, leeway: float = 60.0, now: float = 1_700_000_000.0) -> AccessToken:
    return AccessToken(value=value, expires_at=now + life, refresh_at=now + life - leeway)


KEY_CREDENTIALS = Credentials("scale-id", "scale-secret-Zq9")


def bound(cache: RedisTokenCache, *keys: str) -> RedisTokenCache:
    """A cache used directly (as TokenProvider would) needs the credentials that encrypt each key's entry."""
    for key in keys or ("k", "k1", "k2"):
        cache.bind_credentials(key, KEY_CREDENTIALS)
    return cache


def store_from_another_process(url: str, key: str, value: str, ttl_s: float = 120.0) -> None:
    """What another worker holding the same secret writes: the sealed token with its TTL."""
    other = bound(RedisTokenCache(url), key)
    clock = FakeClock()
    # Not under the lock: stored because it is newer (lives longer) than what Redis holds.
    other._store(other._sync(), key, token(value, life=ttl_s + 60.0, now=clock.now), clock, "")
    other.close()


def test_token_is_stored_under_a_hash_of_client_id_and_token_url_with_ttl_expiry_minus_leeway(
    redis_server: RedisServer,
) -> None:
    with Sandbox() as sb, sb.client(token_cache=RedisTokenCache(redis_server.url), token_leeway=60) as client:
        list_sites.sync_detailed(client=client)
        auth = sb.credentials["auth"]
        key = f"{NS}:{{{token_cache_key(auth.client_id, sb.token_url)}}}:token"
        stored = keys(redis_server)
        assert list(stored) == [key]
        assert set(stored[key]) == {"sealed", "fp"}
        # Encrypted at rest: neither the raw hash nor Redis's own serialisation of the key holds the token.
        raw = redis.Redis.from_url(redis_server.url)
        dumped = (raw.dump(key) or b"") + b"".join(k + v for k, v in raw.hgetall(key).items())
        issued = [value for value in sb.sensitive_values() if value.encode() not in b"".join(
            c.client_secret.encode() for c in sb.credentials.values())]
        assert len(issued) == 1
        for value in sb.sensitive_values():
            assert value.encode() not in dumped
        pttl = redis.Redis.from_url(redis_server.url).pttl(key)
        # expires_in 3600 - leeway 60, less the few milliseconds since the write.
        assert 3_540_000 - 5_000 < pttl <= 3_540_000
        for name, fields in stored.items():
            assert auth.client_id not in name and auth.client_secret not in name
            assert auth.client_secret not in repr(fields)
    assert token_cache_key("id", "https://a/token") != token_cache_key("id", "https://b/token")
    assert token_cache_key("id", "https://a/token") == token_cache_key("id", "https://a/token")


def test_a_second_process_cache_reuses_the_stored_token(redis_server: RedisServer) -> None:
    with Sandbox() as sb:
        with sb.client(token_cache=RedisTokenCache(redis_server.url)) as first:
            list_cards.sync_detailed(sb.environment_id, client=first, user_id="u1")
        with sb.client(token_cache=RedisTokenCache(redis_server.url)) as second:
            list_cards.sync_detailed(sb.environment_id, client=second, user_id="u1")

        async def third() -> None:
            async with sb.client(token_cache=RedisTokenCache(redis_server.url)) as client:
                await asyncio.gather(
                    *(list_cards.asyncio_detailed(sb.environment_id, client=client, user_id="u1") for _ in range(16))
                )

        asyncio.run(third())
        assert sb.token_requests_by_role() == {"events": 1}
        assert sb.api_requests == {"listCards": 18}


def test_the_lock_is_released_by_its_owner_only(redis_server: RedisServer) -> None:
    cache = bound(RedisTokenCache(redis_server.url))
    r = redis.Redis.from_url(redis_server.url, decode_responses=True)
    lock = f"{NS}:{{k1}}:lock"
    seen_during_fetch: list[str | None] = []

    def fetch_while_lock_is_taken_over() -> AccessToken:
        seen_during_fetch.append(r.get(lock))
        # Our lock expired and another process took it: our release must leave theirs alone.
        r.set(lock, "another-owner", px=60_000)
        return token("v1")

    got = cache.get_or_fetch("k1", fetch_while_lock_is_taken_over, FakeClock())
    assert got.value == "v1"
    assert len(seen_during_fetch) == 1 and len(seen_during_fetch[0] or "") == 32  # our random owner value
    assert r.get(lock) == "another-owner"

    other = bound(RedisTokenCache(redis_server.url))
    calls: list[int] = []
    got = other.get_or_fetch("k2", lambda: calls.append(1) or token("v2"), FakeClock())
    assert (got.value, calls) == ("v2", [1])
    assert r.exists(f"{NS}:{{k2}}:lock") == 0  # released after a normal fetch


def test_a_waiter_takes_the_token_the_lock_holder_stores(redis_server: RedisServer) -> None:
    r = redis.Redis.from_url(redis_server.url, decode_responses=True)
    r.set(f"{NS}:{{k}}:lock", "holder", px=10_000)
    cache = bound(RedisTokenCache(redis_server.url, poll_interval=0.02))
    fetched: list[int] = []
    result: list[AccessToken] = []
    waiter = threading.Thread(
        target=lambda: result.append(cache.get_or_fetch("k", lambda: fetched.append(1) or token("mine"), FakeClock()))
    )
    waiter.start()
    time.sleep(0.3)
    assert result == []  # still waiting on the holder
    store_from_another_process(redis_server.url, "k", "theirs", ttl_s=120.0)
    waiter.join(timeout=5)
    assert fetched == []
    assert [t.value for t in result] == ["theirs"]
    # The local copy expires with the Redis entry: refresh at TTL, expiry a leeway later.
    assert 119.0 < result[0].refresh_at - 1_700_000_000.0 <= 120.0
    assert result[0].expires_at - result[0].refresh_at == 60.0


def test_a_live_holder_slower_than_lock_ttl_keeps_the_lock(redis_server: RedisServer) -> None:
    # Two caches = two processes. The holder's fetch takes 4 lock TTLs (a rate-limited token endpoint);
    # its lock is renewed meanwhile, so the other waits for its token instead of fetching a second one.
    holder = bound(RedisTokenCache(redis_server.url, lock_ttl=0.25, poll_interval=0.02))
    other = bound(RedisTokenCache(redis_server.url, lock_ttl=0.25, wait_timeout=5.0, poll_interval=0.02))
    r = redis.Redis.from_url(redis_server.url)
    fetches: list[str] = []
    got: dict[str, AccessToken] = {}

    def slow_fetch() -> AccessToken:
        fetches.append("holder")
        time.sleep(1.0)
        return token("from-holder")

    thread = threading.Thread(target=lambda: got.update(holder=holder.get_or_fetch("k", slow_fetch, FakeClock())))
    thread.start()
    deadline = time.monotonic() + 5
    while not r.exists(f"{NS}:{{k}}:lock"):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    got["other"] = other.get_or_fetch("k", lambda: fetches.append("other") or token("from-other"), FakeClock())
    thread.join(timeout=5)
    assert fetches == ["holder"]
    assert (got["holder"].value, got["other"].value) == ("from-holder", "from-holder")
    assert r.exists(f"{NS}:{{k}}:lock") == 0  # released, and the keeper thread no longer renews it
    time.sleep(0.3)
    assert r.exists(f"{NS}:{{k}}:lock") == 0
    assert [t.name for t in threading.enumerate() if t.name == "atomic-sdk-lock-keeper"] == []


async def test_async_live_holder_slower_than_lock_ttl_keeps_the_lock(redis_server: RedisServer) -> None:
    holder = bound(RedisTokenCache(redis_server.url, lock_ttl=0.25, poll_interval=0.02))
    other = bound(RedisTokenCache(redis_server.url, lock_ttl=0.25, wait_timeout=5.0, poll_interval=0.02))
    fetches: list[str] = []

    async def slow() -> AccessToken:
        fetches.append("holder")
        await asyncio.sleep(1.0)
        return token("from-holder")

    async def fast() -> AccessToken:
        fetches.append("other")
        return token("from-other")

    async def later() -> AccessToken:
        await asyncio.sleep(0.1)  # the holder has the lock by now
        return await other.aget_or_fetch("k", fast, FakeClock())

    first, second = await asyncio.gather(holder.aget_or_fetch("k", slow, FakeClock()), later())
    await holder.aclose()
    await other.aclose()
    assert fetches == ["holder"]
    assert (first.value, second.value) == ("from-holder", "from-holder")


def test_a_waiter_never_fetches_beside_a_live_holder_and_fails_at_its_wait_bound(redis_server: RedisServer) -> None:
    r = redis.Redis.from_url(redis_server.url)
    r.set(f"{NS}:{{k}}:lock", "stuck-holder", px=60_000)
    cache = bound(RedisTokenCache(redis_server.url, wait_timeout=0.3, poll_interval=0.02))
    calls: list[int] = []
    started = time.monotonic()
    with pytest.raises(TokenRequestError) as raised:
        cache.get_or_fetch("k", lambda: calls.append(1) or token("mine"), FakeClock())
    assert 0.3 <= time.monotonic() - started < 2.0
    assert calls == []  # a second request beside a live holder is what stampedes a rate-limited endpoint
    assert str(raised.value).startswith(
        f"gave up after waiting 0.3 s (the client's timeout plus lock_ttl) for another process's token request "
        f"for this key (Redis 127.0.0.1:{redis_server.port}/0); its holder is alive"
    )


async def test_async_waiter_recovers_when_a_dead_holders_lock_expires(redis_server: RedisServer) -> None:
    r = redis.Redis.from_url(redis_server.url)
    r.set(f"{NS}:{{k}}:lock", "dead-holder", px=400)
    cache = bound(RedisTokenCache(redis_server.url, poll_interval=0.02))
    calls: list[int] = []

    async def fetch() -> AccessToken:
        calls.append(1)
        return token("mine")

    started = time.monotonic()
    got = await asyncio.gather(*(cache.aget_or_fetch("k", fetch, FakeClock()) for _ in range(8)))
    waited = time.monotonic() - started
    await cache.aclose()
    assert [t.value for t in got] == ["mine"] * 8
    assert calls == [1]
    assert waited >= 0.3  # nobody fetched while the lock was alive
    reader = bound(RedisTokenCache(redis_server.url))
    assert reader.get_or_fetch("k", lambda: token("unused"), FakeClock()).value == "mine"


def test_discard_drops_the_rejected_token_only(redis_server: RedisServer) -> None:
    cache = bound(RedisTokenCache(redis_server.url))
    r = redis.Redis.from_url(redis_server.url, decode_responses=True)
    clock = FakeClock()
    first = cache.get_or_fetch("k", lambda: token("first"), clock)
    store_from_another_process(redis_server.url, "k", "newer-from-another-process", ttl_s=7200.0)
    newer = r.hgetall(f"{NS}:{{k}}:token")
    cache.discard("k", first)  # stale: Redis already holds a newer token
    assert r.hgetall(f"{NS}:{{k}}:token") == newer
    clock.now += 3600  # past the local copy's refresh time: read Redis again
    current = cache.get_or_fetch("k", lambda: token("unused", now=clock.now), clock)
    assert current.value == "newer-from-another-process"
    asyncio.run(cache.adiscard("k", current))
    assert r.exists(f"{NS}:{{k}}:token") == 0
    assert cache.get_or_fetch("k", lambda: token("third", now=clock.now), clock).value == "third"


def test_api_401_drops_the_shared_token_so_other_processes_do_not_reuse_it(redis_server: RedisServer) -> None:
    with Sandbox() as sb:
        with sb.client(token_cache=RedisTokenCache(redis_server.url)) as client:
            list_sites.sync_detailed(client=client)
            sb.reset()  # forgets issued tokens: the cached one is now rejected with 401
            assert list_sites.sync_detailed(client=client).status_code == 200
        assert sb.token_requests_by_role() == {"auth": 1}
        with sb.client(token_cache=RedisTokenCache(redis_server.url)) as other:
            assert list_sites.sync_detailed(client=other).status_code == 200
        assert sb.token_requests_by_role() == {"auth": 1}  # the replacement was shared


def test_redis_outage_degrades_to_memory_with_one_warning_then_recovers(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    cache = RedisTokenCache(redis_server.url, outage_retry=0.2)
    with Sandbox() as sb, sb.client(token_cache=cache, clock=clock, token_leeway=60) as client:
        with caplog.at_level(logging.INFO, logger="atomic_sdk"):
            list_sites.sync_detailed(client=client)
            redis_server.stop()
            for _ in range(3):
                clock.now += 3600  # every call needs a new token, and Redis is gone
                assert list_sites.sync_detailed(client=client).status_code == 200
            assert sb.token_requests_by_role() == {"auth": 4}
            warnings = [rec for rec in caplog.records if rec.levelno == logging.WARNING]
            assert [rec.getMessage().split(";")[0] for rec in warnings] == [
                f"Redis token cache at 127.0.0.1:{redis_server.port}/0 is unavailable (ConnectionError)"
            ]
            redis_server.start()
            time.sleep(0.25)  # past outage_retry
            clock.now += 3600
            assert list_sites.sync_detailed(client=client).status_code == 200
        infos = [
            rec.getMessage()
            for rec in caplog.records
            if rec.levelno == logging.INFO and rec.name == "atomic_sdk" and "Redis" in rec.getMessage()
        ]
        assert infos == [f"Redis token cache at 127.0.0.1:{redis_server.port}/0 is available again"]
        assert sb.token_requests_by_role() == {"auth": 5}
        assert len(keys(redis_server)) == 1  # the fresh token is shared again


async def test_redis_down_from_the_start_async_calls_succeed_with_one_fetch(caplog: pytest.LogCaptureFixture) -> None:
    cache = RedisTokenCache(f"redis://127.0.0.1:{closed_port()}/0")
    with Sandbox() as sb:
        async with sb.client(token_cache=cache) as client:
            with caplog.at_level(logging.WARNING, logger="atomic_sdk"):
                replies = await asyncio.gather(
                    *(list_cards.asyncio_detailed(sb.environment_id, client=client, user_id="u1") for _ in range(16))
                )
        assert [r.status_code for r in replies] == [200] * 16
        assert sb.token_requests_by_role() == {"events": 1}  # the in-process single flight still holds
    assert len([rec for rec in caplog.records if "is unavailable" in rec.getMessage()]) == 1


def test_secrets_and_tokens_never_reach_logs_or_reprs(caplog: pytest.LogCaptureFixture) -> None:
    with RedisServer(extra_args=["--requirepass", "pa55-word"]) as server, Sandbox() as sb:
        good = RedisTokenCache(f"redis://:pa55-word@127.0.0.1:{server.port}/0")
        wrong = RedisTokenCache(f"redis://:wr0ng-word@127.0.0.1:{server.port}/0")
        with caplog.at_level(logging.DEBUG):
            with sb.client(token_cache=good) as client:
                assert list_sites.sync_detailed(client=client).status_code == 200
            # A wrong password: Redis refuses, the cache degrades, the call still succeeds.
            with sb.client(token_cache=wrong) as other:
                assert list_sites.sync_detailed(client=other).status_code == 200
        r = redis.Redis.from_url(f"redis://:pa55-word@127.0.0.1:{server.port}/0", decode_responses=True)
        secrets = [c.client_secret for c in sb.credentials.values()]
        issued = [value for value in sb.sensitive_values() if value not in secrets]
        assert len(r.keys(f"{NS}:*:token")) == 1
        assert sb.token_requests_by_role() == {"auth": 2}
    assert len(issued) == 2 and all(issued)
    text = caplog.text + repr(client) + repr(good) + str(good) + repr(wrong)
    for value in [*issued, *secrets, "pa55-word", "wr0ng-word"]:
        assert value not in text
    assert "is unavailable (AuthenticationError)" in caplog.text


def test_your_own_redis_clients_sync_and_async(redis_server: RedisServer) -> None:
    import redis.asyncio

    sync_client = redis.Redis.from_url(redis_server.url, decode_responses=True)  # decoded replies work too

    async def run() -> None:
        async_client = redis.asyncio.Redis.from_url(redis_server.url)
        cache = RedisTokenCache(client=sync_client, async_client=async_client, namespace="tenant-a")
        assert repr(cache) == f"RedisTokenCache(target='127.0.0.1:{redis_server.port}/0', namespace='tenant-a')"
        with Sandbox() as sb:
            async with sb.client(token_cache=cache) as client:
                await list_sites.asyncio_detailed(client=client)
            with sb.client(token_cache=RedisTokenCache(client=sync_client, namespace="tenant-a")) as other:
                list_sites.sync_detailed(client=other)
            assert sb.token_requests_by_role() == {"auth": 1}
            key = token_cache_key(sb.credentials["auth"].client_id, sb.token_url)
        # The cache never closes clients it did not build.
        assert await async_client.ping() is True
        assert sync_client.ping() is True
        await async_client.aclose()
        assert list(keys(redis_server)) == [f"tenant-a:{{{key}}}:token"]

    asyncio.run(run())


def test_configuration_errors_are_named(redis_server: RedisServer) -> None:
    with pytest.raises(ConfigurationError, match="exactly one of url= or client="):
        RedisTokenCache()
    with pytest.raises(ConfigurationError, match="exactly one of url= or client="):
        RedisTokenCache(redis_server.url, client=redis.Redis())
    with pytest.raises(ConfigurationError, match=r"url must be one of redis://.* \(the scheme given is 'http'\)"):
        RedisTokenCache("http://127.0.0.1:1")
    with pytest.raises(ConfigurationError, match="lock_ttl must be a positive number of seconds, got 0"):
        RedisTokenCache(redis_server.url, lock_ttl=0)
    with pytest.raises(ConfigurationError, match="token_cache must be a TokenCache"):
        AtomicClient(org_id="o", credentials=_creds(), token_cache=object())  # type: ignore[arg-type]
    sync_only = bound(RedisTokenCache(client=redis.Redis.from_url(redis_server.url)))

    async def use() -> None:
        await sync_only.aget_or_fetch("k", _never, FakeClock())

    with pytest.raises(ConfigurationError, match="given only a sync client; pass async_client="):
        asyncio.run(use())


def test_from_env_builds_a_redis_cache_from_atomic_redis_url(redis_server: RedisServer) -> None:
    with Sandbox() as sb:
        client = AtomicClient.from_env({**sb.env(), "ATOMIC_REDIS_URL": redis_server.url})
        plain = AtomicClient.from_env(sb.env())
        assert isinstance(client.token_cache, RedisTokenCache)
        assert isinstance(plain.token_cache, InMemoryTokenCache)
        assert client.with_options(max_retries=0).token_cache is client.token_cache
        list_sites.sync_detailed(client=client)
        client.close()
        assert len(keys(redis_server)) == 1


def test_a_custom_token_cache_plugs_in() -> None:
    class Counting(InMemoryTokenCache):
        def __init__(self) -> None:
            super().__init__()
            self.fetches = 0

        def get_or_fetch(self, key, fetch, clock):  # type: ignore[no-untyped-def]
            def counted() -> AccessToken:
                self.fetches += 1
                return fetch()

            return super().get_or_fetch(key, counted, clock)

    cache = Counting()
    assert isinstance(cache, TokenCache)
    with Sandbox() as sb, sb.client(token_cache=cache) as client:
        for _ in range(3):
            list_sites.sync_detailed(client=client)
    assert cache.fetches == 1


def _creds():  # type: ignore[no-untyped-def]
    from atomic_sdk import Credentials

    return Credentials("id", "secret")


async def _never() -> AccessToken:
    raise AssertionError("fetch must not run")


def test_without_redis_py_the_sdk_imports_and_says_what_to_install() -> None:
    import subprocess
    import sys

    code = """
import sys
sys.modules["redis"] = None  # as if the redis extra were not installed
import atomic_sdk
from atomic_sdk import AtomicClient, ConfigurationError, RedisTokenCache
try:
    RedisTokenCache("redis://127.0.0.1:6379/0")
except ConfigurationError as exc:
    print(exc)
try:
    AtomicClient.from_env({"ATOMIC_ORG_ID": "o", "ATOMIC_CLIENT_ID": "i", "ATOMIC_CLIENT_SECRET": "s",
                           "ATOMIC_REDIS_URL": "redis://127.0.0.1:6379/0"})
except ConfigurationError as exc:
    print(exc)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == [
        "RedisTokenCache needs the redis and cryptography packages (redis is missing): pip install 'atomic-sdk[redis]'",
        (
            "ATOMIC_REDIS_URL is set, but RedisTokenCache needs the redis and cryptography packages "
            "(redis is missing): pip install 'atomic-sdk[redis]'"
        ),
    ]


def test_stale_while_error_keeps_the_cached_token_when_the_refresh_fails(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    # Issue 14: a refresh ahead of expiry that fails (503) uses the still-valid token, with one WARNING.
    clock = FakeClock()
    sleeps = SleepRecorder()
    with AtomicServer() as server:
        server.expires_in = 100
        cache = RedisTokenCache(redis_server.url)
        client = AtomicClient(
            base_url=server.base_url,
            token_url=server.token_url,
            credentials=Credentials("one-id", secret("one")),
            token_cache=cache,
            token_leeway=50,
            token_max_attempts=2,
            clock=clock,
            sleep=sleeps,
            async_sleep=sleeps.async_sleep,
        )
        with client:
            list_sites.sync_detailed(client=client)
            # Redis drops the entry at refresh time (its TTL is expiry minus leeway); the injected clock
            # cannot move Redis's, so the expiry is done by hand.
            r = redis.Redis.from_url(redis_server.url)
            token_key = f"{NS}:{{{token_cache_key('one-id', server.token_url)}}}:token"
            assert r.delete(token_key) == 1
            clock.advance(60)
            server.token_replies = [Reply.json(503, {"error": "unavailable"})] * 2
            with caplog.at_level(logging.WARNING, logger="atomic_sdk"):
                assert list_sites.sync_detailed(client=client).status_code == 200
                assert list_sites.sync_detailed(client=client).status_code == 200

                async def async_call() -> int:
                    return (await list_sites.asyncio_detailed(client=client)).status_code

                assert asyncio.run(async_call()) == 200
            assert len(server.token_requests()) == 1 + 2
            assert [r.headers["authorization"] for r in server.api_requests()] == [
                server.api_requests()[0].headers["authorization"]
            ] * 4
            warnings = [rec.getMessage() for rec in caplog.records if rec.levelno == logging.WARNING]
            assert len(warnings) == 1 and "using the cached token" in warnings[0]
            assert r.exists(f"{NS}:{{{token_cache_key('one-id', server.token_url)}}}:lock") == 0  # lock released
            clock.advance(41)  # expired: now the failure is the caller's
            server.token_replies = [Reply.json(503, {})] * 2
            with pytest.raises(TokenRequestError):
                list_sites.sync_detailed(client=client)
