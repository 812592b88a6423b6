"""Many worker processes sharing tokens through a real Redis: cold start, a dead lock holder, an outage.

Each worker process is scale_worker.py with its own AtomicClient; the Sandbox counts token requests.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import redis
from atomic_sdk import token_cache_key
from atomic_sdk.testing import RedisServer, Sandbox
from scale_support import WorkerGroup, worker_config

ROLES = ("auth", "workbench", "events")


def test_cold_start_of_8_processes_x_8_threads_and_tasks_requests_one_token_per_role(
    redis_server: RedisServer,
) -> None:
    # A slow token endpoint keeps every process racing for the same tokens at the same time.
    with Sandbox(token_delay=0.3) as sb:
        configs = [worker_config(sb, redis_url=redis_server.url, mode="async" if i % 2 else "sync") for i in range(8)]
        with WorkerGroup(configs) as group:
            group.go()
            results = group.results()
        assert [(r.returncode, r.failed, r.ok) for r in results] == [(0, [], 8)] * 8
        assert sb.token_requests_by_role() == {role: 1 for role in ROLES}
        assert sb.api_requests == {"listSites": 64, "listWebhookSubscriptions": 64, "listCards": 64}


def test_control_without_redis_every_process_requests_its_own_tokens() -> None:
    # The same start without a shared cache: proves the test above can fail.
    with Sandbox(token_delay=0.3) as sb:
        with WorkerGroup([worker_config(sb) for _ in range(8)]) as group:
            group.go()
            results = group.results()
        assert [(r.returncode, r.failed) for r in results] == [(0, [])] * 8
        assert sb.token_requests_by_role() == {role: 8 for role in ROLES}


def test_lock_holder_killed_mid_fetch_others_recover_when_the_lock_expires(redis_server: RedisServer) -> None:
    lock_ttl = 3.0
    with Sandbox() as sb:
        auth = sb.credentials["auth"]
        lock_key = f"atomic-sdk:{{{token_cache_key(auth.client_id, sb.token_url)}}}:lock"
        shared = {"redis_url": redis_server.url, "lock_ttl": lock_ttl}
        sb.pause_token_endpoint()
        holder = WorkerGroup([worker_config(sb, workers=1, **shared)]).start()
        waiters = WorkerGroup([worker_config(sb, workers=4, mode=mode, **shared) for mode in ("sync", "async", "sync")])
        try:
            holder.go()
            deadline = time.monotonic() + 30
            # The holder's auth token request has arrived and is held: it owns the lock, mid-fetch.
            while sb.token_requests_by_role() != {"auth": 1}:
                assert time.monotonic() < deadline, sb.token_requests_by_role()
                time.sleep(0.01)
            waiters.start()
            waiters.go()
            time.sleep(0.5)  # the waiters are now polling the held lock
            pttl = redis.Redis.from_url(redis_server.url).pttl(lock_key)
            lock_expires_at = time.time() + pttl / 1000
            holder.kill(0)
            sb.resume_token_endpoint()
            results = waiters.results(timeout=60)
        finally:
            holder.kill_all()
            waiters.kill_all()
        assert 0 < pttl <= lock_ttl * 1000
        assert [(r.returncode, r.failed, r.ok) for r in results] == [(0, [], 4)] * 3
        # One request died with the holder; exactly one process fetched again once its lock expired.
        assert sb.token_requests_by_role() == {"auth": 2, "workbench": 1, "events": 1}
        for result in results:
            assert result.first_done_at is not None
            # Nobody fetched while the dead holder's lock was alive, and everyone recovered right after it.
            assert lock_expires_at - 0.1 <= result.first_done_at <= lock_expires_at + lock_ttl


def test_redis_stopped_mid_run_calls_still_succeed(redis_server: RedisServer, tmp_path: Path) -> None:
    # Tokens live 2 s and are refreshed every second, so every process needs tokens during the outage. No fixed
    # sleeps: each step waits for what it needs to see (bounded), and the workers run until told to stop.
    done = tmp_path / "done"
    with Sandbox(expires_in=2) as sb:
        configs = [
            worker_config(
                sb,
                workers=4,
                rounds=None,
                until_file=str(done),
                max_duration=90.0,
                pause=0.05,
                mode=mode,
                redis_url=redis_server.url,
                outage_retry=1.0,
            )
            for mode in ("sync", "async", "sync", "async")
        ]
        with WorkerGroup(configs) as group:
            group.go()
            _wait_for(lambda: all(sb.token_requests_by_role().get(role, 0) >= 1 for role in ROLES), "first tokens")
            before = sb.token_requests_by_role()
            redis_server.stop()
            # During the outage each of the 4 processes fetches its own tokens, for every role.
            _wait_for(
                lambda: all(sb.token_requests_by_role()[role] >= before[role] + 4 for role in ROLES),
                "every process fetching its own tokens",
            )
            done.touch()
            results = group.results()
        after = sb.token_requests_by_role()
    assert [(r.returncode, r.failed) for r in results] == [(0, [])] * 4
    assert all(r.ok >= 1 for r in results), [r.ok for r in results]
    # With Redis up, the first tokens were shared: one request per role (two if a refresh came due meanwhile).
    assert all(before[role] <= 2 for role in ROLES), before
    assert all(after[role] >= before[role] + 4 for role in ROLES), (before, after)
    for result in results:
        warnings = [line for line in result.stderr.splitlines() if "is unavailable" in line]
        assert len(warnings) == 1, result.stderr
        assert warnings[0].startswith("WARNING atomic_sdk: Redis token cache at 127.0.0.1:")


def _wait_for(condition: Callable[[], bool], what: str, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what} after {limit} s"
        time.sleep(0.02)
