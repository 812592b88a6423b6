"""Issue 15 item 12: a corrupt Redis entry is repaired (delete, fetch, store, logged once), never an outage;
tokens are encrypted at rest. Against a real redis-server."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os

import pytest
import redis
from atomic_api.api.environments import list_sites
from atomic_sdk import Credentials, RedisTokenCache, token_cache_key
from atomic_sdk.testing import RedisServer, Sandbox

NS = "atomic-sdk"


def token_key(sb: Sandbox, role: str = "auth") -> str:
    return f"{NS}:{{{token_cache_key(sb.credentials[role].client_id, sb.token_url)}}}:token"


def sealed_entry(cache: RedisTokenCache, key: str, redis_key: str, plaintext: dict[str, object]) -> str:
    """An entry sealed with this key's secret but holding ``plaintext`` (e.g. an absurd leeway)."""
    sealer = cache._sealers[key]
    nonce = os.urandom(12)
    return base64.b64encode(nonce + sealer._aead.encrypt(nonce, json.dumps(plaintext).encode(), redis_key.encode())).decode()


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "atomic_sdk" and r.levelno == logging.WARNING]


CORRUPTIONS = {
    "string": lambda r, k: r.set(k, "garbage"),
    "list": lambda r, k: r.rpush(k, "a", "b"),
    "set": lambda r, k: r.sadd(k, "a"),
    "old-plaintext-format": lambda r, k: (r.hset(k, mapping={"access_token": "tkn-plain", "leeway": "60"}), r.pexpire(k, 60_000)),
    "no-expiry": lambda r, k: r.hset(k, mapping={"sealed": "AAAA", "fp": "x"}),
    "not-base64": lambda r, k: (r.hset(k, mapping={"sealed": "%%%", "fp": "x"}), r.pexpire(k, 60_000)),
    "tampered": lambda r, k: (r.hset(k, mapping={"sealed": base64.b64encode(os.urandom(64)).decode(), "fp": "x"}), r.pexpire(k, 60_000)),
    "missing-fp": lambda r, k: (r.hset(k, mapping={"sealed": "AAAA"}), r.pexpire(k, 60_000)),
}


@pytest.mark.parametrize("kind", list(CORRUPTIONS))
def test_a_corrupt_entry_is_replaced_once_and_shared_again(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    r = redis.Redis.from_url(redis_server.url, decode_responses=True)
    with Sandbox() as sb:
        key = token_key(sb)
        CORRUPTIONS[kind](r, key)
        with caplog.at_level(logging.WARNING, logger="atomic_sdk"):
            for _ in range(3):  # three processes, one after the other
                with sb.client(token_cache=RedisTokenCache(redis_server.url)) as client:
                    assert list_sites.sync_detailed(client=client).status_code == 200
        # Repaired by the first process; the next two reuse its token: one token request in all.
        assert sb.token_requests_by_role() == {"auth": 1}
        assert r.type(key) == "hash" and set(r.hgetall(key)) == {"sealed", "fp"} and r.pttl(key) > 0
    found = warnings(caplog)
    assert len(found) == 1, found
    assert found[0].startswith(f"Redis token cache at 127.0.0.1:{redis_server.port}/0: the entry {key} was unusable (")
    assert found[0].endswith("); deleted it, a fresh token replaces it")
    assert "is unavailable" not in caplog.text  # never treated as an outage


@pytest.mark.parametrize("leeway", [float("inf"), float("nan"), -5.0, 10**9, "soon"])
def test_an_absurd_stored_leeway_is_not_trusted(redis_server: RedisServer, caplog: pytest.LogCaptureFixture, leeway: object) -> None:
    r = redis.Redis.from_url(redis_server.url)
    with Sandbox() as sb:
        key = token_key(sb)
        cache = RedisTokenCache(redis_server.url)
        with sb.client(token_cache=cache) as client:
            list_sites.sync_detailed(client=client)  # binds the key, stores a good entry
            cache_key = key.split("{", 1)[1].split("}", 1)[0]
            forged = sealed_entry(cache, cache_key, key, {"access_token": sb.issue_token("auth"), "leeway": leeway})
        r.hset(key, mapping={"sealed": forged})
        with caplog.at_level(logging.WARNING, logger="atomic_sdk"), sb.client(token_cache=RedisTokenCache(redis_server.url)) as other:
            assert list_sites.sync_detailed(client=other).status_code == 200
        assert sb.token_requests_by_role() == {"auth": 2}  # the forged entry was replaced, not used
    found = warnings(caplog)
    assert len(found) == 1
    assert ("the stored leeway" in found[0]) or ("the decrypted entry is not a token" in found[0])


def test_an_entry_sealed_with_another_secret_is_treated_as_absent(redis_server: RedisServer) -> None:
    r = redis.Redis.from_url(redis_server.url)
    with Sandbox() as sb:
        with sb.client(token_cache=RedisTokenCache(redis_server.url)) as first:
            list_sites.sync_detailed(client=first)
        key = token_key(sb)
        before = r.hget(key, "sealed")
        # The same client id with another secret (a rotated key): it cannot read the entry, so it fetches.
        auth = sb.credentials["auth"]
        sb.add_credentials(auth.client_id, auth.client_secret + "-rotated", "auth")
        with sb.client(
            credentials=Credentials(auth.client_id, auth.client_secret + "-rotated"),
            token_cache=RedisTokenCache(redis_server.url),
        ) as rotated:
            assert list_sites.sync_detailed(client=rotated).status_code == 200
        assert sb.token_requests_by_role() == {"auth": 2}
        assert r.hget(key, "sealed") != before


def test_a_lock_without_expiry_is_deleted(redis_server: RedisServer, caplog: pytest.LogCaptureFixture) -> None:
    r = redis.Redis.from_url(redis_server.url)
    with Sandbox() as sb:
        lock = token_key(sb).removesuffix(":token") + ":lock"
        r.set(lock, "someone-without-px")
        cache = RedisTokenCache(redis_server.url, wait_timeout=30.0)
        with caplog.at_level(logging.WARNING, logger="atomic_sdk"), sb.client(token_cache=cache) as client:
            assert list_sites.sync_detailed(client=client).status_code == 200
        assert sb.token_requests_by_role() == {"auth": 1}
        assert r.exists(lock) == 0
    expected = (
        f"Redis token cache at 127.0.0.1:{redis_server.port}/0: the fetch lock {lock} had no expiry "
        "(not set by atomic-sdk); deleted it"
    )
    assert warnings(caplog) == [expected]


def test_async_wrongtype_is_repaired(redis_server: RedisServer) -> None:
    r = redis.Redis.from_url(redis_server.url, decode_responses=True)

    async def run(sb: Sandbox) -> None:
        async with sb.client(token_cache=RedisTokenCache(redis_server.url)) as client:
            replies = await asyncio.gather(*(list_sites.asyncio_detailed(client=client) for _ in range(8)))
        assert [reply.status_code for reply in replies] == [200] * 8

    with Sandbox() as sb:
        key = token_key(sb)
        r.lpush(key, "not", "a", "hash")
        asyncio.run(run(sb))
        assert sb.token_requests_by_role() == {"auth": 1}
        assert r.type(key) == "hash"


def test_the_raw_entry_holds_no_token_bytes(redis_server: RedisServer) -> None:
    raw = redis.Redis.from_url(redis_server.url)
    with Sandbox() as sb:
        with sb.client(token_cache=RedisTokenCache(redis_server.url)) as client:
            list_sites.sync_detailed(client=client)
        secrets = {c.client_secret for c in sb.credentials.values()}
        tokens = [value for value in sb.sensitive_values() if value not in secrets]
        assert len(tokens) == 1
        stored = b"".join((raw.dump(key) or b"") + b"".join(raw.hgetall(key).values()) for key in raw.keys("*"))
        assert stored
        for value in [*tokens, *secrets]:
            assert value.encode() not in stored
            assert base64.b64encode(value.encode()) not in stored
