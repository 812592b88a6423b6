"""One worker process of the multi-process tests (and scripts/bench): many threads or tasks, one client.

Usage: python scale_worker.py CONFIG_JSON. Prints "ready", waits for a line on stdin (the start signal,
so every process begins at once), then each thread/task calls one operation per role (auth, workbench,
events) ``rounds`` times, or repeatedly for ``duration`` seconds, or until the file ``until_file`` exists. Prints one JSON line with what happened;
exits 1 if any call failed. Log records of atomic_sdk (WARNING and up) go to stderr.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import threading
import time
from typing import Any

from atomic_api.api.cards import list_cards
from atomic_api.api.environments import list_sites
from atomic_api.api.webhooks import list_webhook_subscriptions
from atomic_sdk import AtomicClient, Credentials, RedisTokenCache, Role


def build_client(config: dict[str, Any]) -> AtomicClient:
    cache = None
    if config.get("redis_url"):
        cache = RedisTokenCache(
            config["redis_url"],
            lock_ttl=config.get("lock_ttl", 10.0),
            poll_interval=config.get("poll_interval", 0.05),
            outage_retry=config.get("outage_retry", 5.0),
        )
    return AtomicClient(
        org_id="sandbox",
        base_url=config["base_url"],
        token_url=config["token_url"],
        credentials={Role(role): Credentials(cid, secret) for role, (cid, secret) in config["credentials"].items()},
        token_leeway=config.get("leeway", 60.0),
        max_retries=0,
        token_cache=cache,
    )


def one_round_sync(client: AtomicClient, environment_id: str) -> None:
    list_sites.sync_detailed(client=client)
    list_webhook_subscriptions.sync_detailed(environment_id, client=client)
    list_cards.sync_detailed(environment_id, client=client, user_id="u1")


async def one_round_async(client: AtomicClient, environment_id: str) -> None:
    await list_sites.asyncio_detailed(client=client)
    await list_webhook_subscriptions.asyncio_detailed(environment_id, client=client)
    await list_cards.asyncio_detailed(environment_id, client=client, user_id="u1")


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ok = 0
        self.failed: list[str] = []
        self.first_done_at: float | None = None

    def record(self, exc: BaseException | None) -> None:
        with self.lock:
            if exc is None:
                self.ok += 1
                if self.first_done_at is None:
                    self.first_done_at = time.time()
            else:
                self.failed.append(f"{type(exc).__name__}: {exc}")


def keep_going(config: dict[str, Any], started: float, rounds_done: int) -> bool:
    if config.get("until_file"):
        # Until the test says it has seen what it waits for (bounded by max_duration).
        return not os.path.exists(config["until_file"]) and time.monotonic() - started < config.get("max_duration", 60)
    if config.get("duration"):
        return time.monotonic() - started < config["duration"]
    return rounds_done < config.get("rounds", 1)


def run_threads(config: dict[str, Any], client: AtomicClient, tally: Tally) -> None:
    barrier = threading.Barrier(config["workers"])

    def work() -> None:
        barrier.wait()
        started, done = time.monotonic(), 0
        while keep_going(config, started, done):
            try:
                one_round_sync(client, config["environment_id"])
            except Exception as exc:  # noqa: BLE001 - the test reads every failure
                tally.record(exc)
            else:
                tally.record(None)
            done += 1
            if config.get("pause"):
                time.sleep(config["pause"])

    threads = [threading.Thread(target=work) for _ in range(config["workers"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    client.close()


async def run_tasks(config: dict[str, Any], client: AtomicClient, tally: Tally) -> None:
    barrier = asyncio.Barrier(config["workers"])

    async def work() -> None:
        await barrier.wait()
        started, done = time.monotonic(), 0
        while keep_going(config, started, done):
            try:
                await one_round_async(client, config["environment_id"])
            except Exception as exc:  # noqa: BLE001 - the test reads every failure
                tally.record(exc)
            else:
                tally.record(None)
            done += 1
            if config.get("pause"):
                await asyncio.sleep(config["pause"])

    await asyncio.gather(*(work() for _ in range(config["workers"])))
    await client.aclose()


def main() -> int:
    config = json.loads(sys.argv[1])
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    client = build_client(config)
    tally = Tally()
    print("ready", flush=True)
    sys.stdin.readline()
    if config.get("mode", "sync") == "async":
        asyncio.run(run_tasks(config, client, tally))
    else:
        run_threads(config, client, tally)
    print(json.dumps({"ok": tally.ok, "failed": tally.failed, "first_done_at": tally.first_done_at}), flush=True)
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
