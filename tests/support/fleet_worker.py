"""One process of a fleet (see fleet.py): a TokenProvider on a RedisTokenCache, ``callers`` threads or asyncio
tasks each asking for one token at the same moment (or, with ``duration``, asking again every ``pause`` seconds
for that long). Prints ``ready``, waits for ``go`` on stdin, then prints one JSON line: the token each call got
and the error of each call that failed."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import threading
import time

import httpx
from atomic_sdk import Credentials, RedisTokenCache
from atomic_sdk._retries import RetryPolicy
from atomic_sdk._tokens.provider import TokenProvider


def main() -> None:
    config = json.loads(sys.argv[1])
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    cache = RedisTokenCache(config["redis_url"], lock_ttl=config["lock_ttl"], poll_interval=config["poll_interval"])
    provider = TokenProvider(
        token_url=config["token_url"],
        user_agent="fleet-test",
        timeout=httpx.Timeout(config["timeout"]),
        # 4 attempts in all (the windows below are sized for it): the client's max_retries=3.
        policy=RetryPolicy(max_retries=int(config.get("max_retries", 3))),
        cache=cache,
    )
    credentials = Credentials(config["client_id"], config["client_secret"])
    tokens: list[str] = []
    errors: list[list[str]] = []
    lock = threading.Lock()

    def record(value: str | None, exc: BaseException | None) -> None:
        with lock:
            if exc is None:
                assert value is not None
                tokens.append(value)
            else:
                errors.append([type(exc).__name__, str(exc)])

    duration = float(config.get("duration", 0.0))
    pause = float(config.get("pause", 0.2))
    print("ready", flush=True)
    sys.stdin.readline()
    until = time.monotonic() + duration
    if config["mode"] == "async":

        async def one() -> None:
            while True:
                try:
                    record((await provider.atoken(credentials)).value, None)
                except Exception as exc:  # noqa: BLE001 - every failure is reported
                    record(None, exc)
                if time.monotonic() >= until:
                    return
                await asyncio.sleep(pause)

        async def run() -> None:
            await asyncio.gather(*(one() for _ in range(config["callers"])))

        asyncio.run(run())
    else:

        def call() -> None:
            while True:
                try:
                    record(provider.token(credentials).value, None)
                except Exception as exc:  # noqa: BLE001 - every failure is reported
                    record(None, exc)
                if time.monotonic() >= until:
                    return
                time.sleep(pause)

        threads = [threading.Thread(target=call) for _ in range(config["callers"])]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    print(json.dumps({"tokens": tokens, "errors": errors}), flush=True)


if __name__ == "__main__":
    main()
