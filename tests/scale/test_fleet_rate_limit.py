"""The whole fleet honours the token endpoint's 429: real worker processes (sync threads and asyncio tasks)
sharing one credential through a real Redis, against a loopback token endpoint that answers 429 with
Retry-After during a window. Windows are scaled down (Retry-After 2 s) so the rule is tested in seconds."""

from __future__ import annotations

from atomic_sdk.testing import RedisServer
from support.fleet import Fleet, TokenEndpoint, worker_config

PROCESSES = 8
CALLERS = 4
RETRY_AFTER = 2


def configs(endpoint: TokenEndpoint, redis_server: RedisServer, **overrides: object) -> list[dict[str, object]]:
    return [
        worker_config(endpoint, redis_server.url, callers=CALLERS, mode="async" if i % 2 else "sync", **overrides)
        for i in range(PROCESSES)
    ]


def test_during_a_429_window_only_the_lock_holder_asks_and_it_waits_out_each_retry_after(
    redis_server: RedisServer,
) -> None:
    with TokenEndpoint() as endpoint, Fleet(configs(endpoint, redis_server, timeout=5.0, lock_ttl=3.0)) as fleet:
        endpoint.rate_limit(5.0, RETRY_AFTER)  # 429 for 5 s; the holder's 4th attempt (at ~6 s) gets a token
        fleet.go()
        results = fleet.results()
    # 32 calls, one token request at a time: 3 answered 429 during the 5 s window, then one token for all.
    assert [r.errors for r in results] == [[]] * PROCESSES
    assert [r.tokens for r in results] == [["tok-4"] * CALLERS] * PROCESSES
    assert [r.status for r in endpoint.requests] == [429, 429, 429, 200]
    assert endpoint.max_in_flight == 1
    assert all(gap >= RETRY_AFTER - 0.1 for gap in endpoint.gaps_after_429()), endpoint.gaps_after_429()


def test_a_holder_that_gives_up_on_429_publishes_the_backoff_and_nobody_asks_before_it_ends(
    redis_server: RedisServer,
) -> None:
    # 429 for 7 s: the holder's 4 attempts (0, 2, 4, 6 s) all get 429; it raises TokenRateLimitedError and
    # publishes Retry-After in Redis before releasing the lock. The other processes wait it out (their bound is
    # timeout 10 s + lock_ttl 3 s) and then one of them asks, once.
    with TokenEndpoint() as endpoint, Fleet(configs(endpoint, redis_server, timeout=10.0, lock_ttl=3.0)) as fleet:
        endpoint.rate_limit(7.0, RETRY_AFTER)
        fleet.go()
        results = fleet.results()
    failed = [r for r in results if r.errors]
    assert len(failed) == 1, [r.errors for r in results]  # the holder's process: its caller and its waiters
    assert [kind for kind, _ in failed[0].errors] == ["TokenRateLimitedError"] * CALLERS
    assert [r.tokens for r in results if not r.errors] == [["tok-5"] * CALLERS] * (PROCESSES - 1)
    assert [r.status for r in endpoint.requests] == [429, 429, 429, 429, 200]
    assert endpoint.max_in_flight == 1
    assert all(gap >= RETRY_AFTER - 0.1 for gap in endpoint.gaps_after_429()), endpoint.gaps_after_429()
