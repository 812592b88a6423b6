"""A lock holder that dies or stalls mid-fetch, with real worker processes sharing one credential through a
real Redis: the deadline rule (a dead holder costs at most lock_ttl and fails no call) and fenced writes (a
holder that resumes after its lock expired never makes anyone use its older token)."""

from __future__ import annotations

import signal
import time

from atomic_sdk.testing import RedisServer
from support.fleet import Fleet, TokenEndpoint, worker_config

LOCK_TTL = 3.0


def test_a_holder_killed_mid_fetch_fails_no_call_even_with_a_client_timeout_below_lock_ttl(
    redis_server: RedisServer,
) -> None:
    # The client timeout (1.5 s) is half the lock_ttl (3 s): waiters must outlast the dead holder's lock
    # instead of giving up (or all fetching) when their timeout passes, and the threads of one process must
    # not fail with their leader's deadline.
    shared = {"timeout": 1.5, "lock_ttl": LOCK_TTL}
    with TokenEndpoint() as endpoint:
        endpoint.hold(1)
        # The holder's own timeout is long: its request stays held (mid-fetch) until it is killed.
        holder = Fleet([worker_config(endpoint, redis_server.url, callers=1, timeout=60.0, lock_ttl=LOCK_TTL)]).start()
        waiters = Fleet(
            [worker_config(endpoint, redis_server.url, mode="async" if i % 2 else "sync", **shared) for i in range(7)],
            time_limit=30,
        )
        try:
            holder.go()
            endpoint.wait_for_requests(1)  # the holder owns the lock and its request is held: mid-fetch
            waiters.start()
            waiters.go()
            time.sleep(0.5)  # every waiter is now waiting on the lock
            holder.kill(0)
            killed_at = time.monotonic()
            endpoint.release()
            results = waiters.results()
        finally:
            holder.kill_all()
            waiters.kill_all()
    assert [r.errors for r in results] == [[]] * 7
    assert [r.tokens for r in results] == [["tok-2"] * 4] * 7
    # One request died with its holder; exactly one process asked again, once the dead holder's lock expired.
    assert len(endpoint.requests) == 2
    assert killed_at - 0.1 <= endpoint.requests[1].started <= killed_at + LOCK_TTL + 0.5
    assert endpoint.max_in_flight == 1


def test_a_holder_stalled_past_lock_ttl_never_gets_its_older_token_served(redis_server: RedisServer) -> None:
    shared = {"timeout": 20.0, "lock_ttl": LOCK_TTL}
    with TokenEndpoint() as endpoint:
        stalled = Fleet([worker_config(endpoint, redis_server.url, callers=2, **shared)]).start()
        # Stop the holder (all its threads: a GC or VM pause) the moment its token request arrives; the
        # endpoint then answers tok-1 into a socket nobody reads.
        endpoint.on_request = lambda number: stalled.signal(0, signal.SIGSTOP) if number == 1 else None
        try:
            stalled.go()
            endpoint.wait_for_requests(1)
            time.sleep(LOCK_TTL + 0.5)  # its lock expires: it is no longer renewed
            with Fleet([worker_config(endpoint, redis_server.url, **shared)]) as taker:
                taker.go()
                took = taker.results()
            assert [(r.errors, r.tokens) for r in took] == [([], ["tok-2"] * 4)]
            stalled.signal(0, signal.SIGCONT)  # resumes with tok-1, older than the stored tok-2
            resumed = stalled.results()
            with Fleet([worker_config(endpoint, redis_server.url, callers=2, **shared)]) as fresh:
                fresh.go()
                later = fresh.results()
        finally:
            stalled.signal(0, signal.SIGCONT) if stalled.processes[0].poll() is None else None
            stalled.kill_all()
    # The resumed holder's write was refused (tok-2 lives longer) and it took tok-2 itself; Redis kept tok-2.
    assert [(r.errors, r.tokens) for r in resumed] == [([], ["tok-2"] * 2)]
    assert [(r.errors, r.tokens) for r in later] == [([], ["tok-2"] * 2)]
    assert [r.status for r in endpoint.requests] == [200, 200]
