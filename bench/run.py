"""Benchmarks for atomic-sdk: per-call overhead, token reuse, cold start, import cost, regeneration, many processes.

Run through scripts/bench (it prepares .venv). Everything compared is measured side by side in one
run, repeats interleaved (A B A B, order rotated each round), and medians are reported, because the
machines this runs on are shared and noisy. Prints a markdown report; ``--write FILE`` also saves it.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import peers  # bench/ is on sys.path (this script's folder)
import variants
import yaml
from variants import ENV_ID, EVENTS_ID, SECRET, WORKBENCH_ID

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def fmt_ratio(value: float) -> str:
    return f"{value:.2f}×"


# -- the local server --------------------------------------------------------------------------------


class LocalServer:
    """bench/server.py in its own process on a free loopback port."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [PY, str(ROOT / "bench" / "server.py")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.proc.kill()
            raise RuntimeError(f"bench server did not start: {line!r}")
        self.base_url = f"http://127.0.0.1:{int(line.split()[1])}"
        self.token_url = f"{self.base_url}/oauth2/token"
        self._control = httpx.Client(base_url=self.base_url, timeout=30)

    def reset(self, token_delay_ms: float = 0, expires_in: int = 3600) -> None:
        params = {"token_delay_ms": token_delay_ms, "expires_in": expires_in}
        self._control.post("/_reset", params=params).raise_for_status()

    def token_requests(self) -> int:
        return sum(self.stats()["token_requests"].values())

    def stats(self) -> dict[str, Any]:
        response = self._control.get("/_stats")
        response.raise_for_status()
        stats: dict[str, Any] = response.json()
        return stats

    def close(self) -> None:
        self._control.close()
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def sdk_client(server: LocalServer, **credentials: tuple[str, str]) -> Any:
    return variants.sdk_client(server.base_url, server.token_url, **credentials)


# -- 1. per-call overhead ----------------------------------------------------------------------------


def _interleaved(calls: dict[str, Callable[[], None]], block: int, rounds: int) -> tuple[dict[str, list[float]], ...]:
    """Per round and contender: wall and client CPU seconds per call over ``block`` calls.

    Every round runs each contender's block once, in an order rotated each round, so the blocks compared
    within a round ran moments apart under the same machine load; short blocks and many rounds let the
    median of the per-round ratios shrug off a noisy moment.
    """
    names = list(calls)
    wall: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    gc.collect()
    for rep in range(rounds):
        for name in names[rep % len(names) :] + names[: rep % len(names)]:
            call = calls[name]
            started, cpu_started = time.perf_counter(), time.process_time()
            for _ in range(block):
                call()
            wall[name].append((time.perf_counter() - started) / block)
            # The server is another process, so this is the client's own CPU per call.
            cpu[name].append((time.process_time() - cpu_started) / block)
    return wall, cpu


def _paired(series: dict[str, list[float]], a: str, b: str) -> float:
    """Median over rounds of a's time over b's in the same round."""
    return median([x / y for x, y in zip(series[a], series[b], strict=True)])


def _spread(series: dict[str, list[float]], a: str, b: str) -> tuple[float, float]:
    """The per-round ratios' quartiles: how much the machine moved the figure during the run."""
    ratios = sorted(x / y for x, y in zip(series[a], series[b], strict=True))
    quartiles = statistics.quantiles(ratios, n=4)
    return quartiles[0], quartiles[2]


def bench_per_call(server: LocalServer, calls: int, repeats: int) -> dict[str, Any]:
    server.reset()
    contenders_ = variants.Variants(server.base_url, server.token_url)
    peer_contenders = {name: peer(server, name, contenders_.sdk.user_agent) for name in peers.CONTENDERS}
    # What users would otherwise build (the same GET and the same CardList parsing) runs in the same rounds.
    calls_by_name = {**contenders_.calls, **{name: contender.call for name, contender in peer_contenders.items()}}
    for call in calls_by_name.values():  # warm-up: connections open, token cached, code paths hot
        for _ in range(30):
            call()
    times, cpu = _interleaved(calls_by_name, calls, repeats)
    tokens = server.stats()["token_requests"]
    contenders_.close()
    for contender in peer_contenders.values():
        contender.close()
    return {
        "calls": calls,
        "repeats": repeats,
        "per_call": {name: median(values) for name, values in times.items()},
        "cpu_call": {name: median(values) for name, values in cpu.items()},
        "ratio_raw_json": _paired(times, "sdk", "raw_json"),
        "spread_raw_json": _spread(times, "sdk", "raw_json"),
        "ratio_raw_model": _paired(times, "sdk", "raw_model"),
        "ratio_generated_static": _paired(times, "sdk", "generated_static"),
        "ratio_raw_url": _paired(times, "sdk", "raw_url"),
        "cpu_ratio_raw_json": _paired(cpu, "sdk", "raw_json"),
        "cpu_ratio_raw_model": _paired(cpu, "sdk", "raw_model"),
        "cpu_ratio_generated_static": _paired(cpu, "sdk", "generated_static"),
        "cpu_ratio_raw_url": _paired(cpu, "sdk", "raw_url"),
        "peers": {
            name: {
                "ratio_raw_json": _paired(times, name, "raw_json"),
                "ratio_raw_model": _paired(times, name, "raw_model"),
                "sdk_ratio": _paired(times, "sdk", name),
            }
            for name in peer_contenders
        },
        "ratio_resource": _paired(times, "resource", "sdk"),
        "cpu_ratio_resource": _paired(cpu, "resource", "sdk"),
        "token_requests": sum(tokens.values()),
    }


# -- 1f. a 500-card body -------------------------------------------------------------------------------


BIG_ENV_ID, BIG_CARDS = "env-500", 500


def bench_big_body(server: LocalServer, calls: int, repeats: int) -> dict[str, Any]:
    """Row 1's SDK call and raw baselines on a 500-card page, where parsing dominates."""
    server.reset()
    big = variants.Variants(server.base_url, server.token_url, env_id=BIG_ENV_ID, limit=BIG_CARDS, cards=BIG_CARDS)
    calls_by_name = {name: big.calls[name] for name in ("sdk", "raw_json", "raw_model")}
    for call in calls_by_name.values():
        for _ in range(5):
            call()
    times, _ = _interleaved(calls_by_name, calls, repeats)
    big.close()
    return {
        "calls": calls,
        "repeats": repeats,
        "cards": BIG_CARDS,
        "per_call": {name: median(values) for name, values in times.items()},
        "ratio_raw_json": _paired(times, "sdk", "raw_json"),
        "spread_raw_json": _spread(times, "sdk", "raw_json"),
        "ratio_raw_model": _paired(times, "sdk", "raw_model"),
        "model_raw_json": _paired(times, "raw_model", "raw_json"),
    }


# -- 1g. instructions per call (callgrind) -------------------------------------------------------------


def _callgrind_instructions(
    server: LocalServer, variant: str, calls: int, env_id: str = ENV_ID, limit: int = variants.DEFAULT_LIMIT
) -> int:
    out = Path(tempfile.mkdtemp(prefix="atomic-callgrind-")) / "callgrind.out"
    # A fixed hash seed: set and dict iteration orders (and so the instructions) repeat run to run.
    env = dict(os.environ, PYTHONHASHSEED="0")
    try:
        done = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--collect-atstart=no",
                "--toggle-collect=_operator_call",
                f"--callgrind-out-file={out}",
                PY,
                str(ROOT / "bench" / "callgrind_call.py"),
                variant,
                server.base_url,
                server.token_url,
                str(calls),
                env_id,
                str(limit),
            ],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"callgrind run of {variant} failed ({done.returncode}):\n{done.stderr[-2000:]}")
        match = re.search(r"^summary:\s+(\d+)", out.read_text(), re.MULTILINE)
        if not match:
            raise RuntimeError(f"no summary line in {out}")
        return int(match[1])
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)


def bench_instructions(server: LocalServer, calls: int) -> dict[str, Any]:
    if shutil.which("valgrind") is None:
        return {"skipped": "valgrind is not installed (apt-get install valgrind)"}
    server.reset()
    names = ("sdk", "raw_json", "raw_model", "generated_static", "raw_url")
    counts = {name: _callgrind_instructions(server, name, calls) / calls for name in names}
    # The 500-card page: where parsing dominates (fewer calls: each is ten times the work).
    big_calls = max(1, calls // 4)
    big = {
        name: _callgrind_instructions(server, name, big_calls, BIG_ENV_ID, BIG_CARDS) / big_calls
        for name in ("sdk", "raw_json")
    }
    return {
        "calls": calls,
        "per_call": counts,
        "big_calls": big_calls,
        "big_per_call": big,
        "big_ratio": big["sdk"] / big["raw_json"],
        "ratio": counts["sdk"] / counts["raw_json"],
        "ratio_raw_model": counts["sdk"] / counts["raw_model"],
        "ratio_generated_static": counts["sdk"] / counts["generated_static"],
        "ratio_raw_url": counts["sdk"] / counts["raw_url"],
    }


# -- 7. peers: authlib and httpx-auth ------------------------------------------------------------------


class SdkContender(peers.Contender):
    """The SDK in the peer rows: the generated function on an AtomicClient, as in row 1."""

    name = "atomic-sdk `AtomicClient`"
    cold_start = "nothing: the first call fetches (one fetch per key, everyone else waits for it)"

    def __init__(self, server: LocalServer, ua: str) -> None:
        from atomic_api.api.cards import list_cards
        from atomic_api.models.card_list import CardList

        self._client = sdk_client(server)
        self._sync = list_cards.sync
        self._model = CardList

    def call(self) -> None:
        assert isinstance(self._sync(client=self._client, environment_id=ENV_ID), self._model)

    def close(self) -> None:
        self._client.close()


def peer(server: LocalServer, name: str, ua: str = "atomic-bench/1") -> peers.Contender:
    if name == "sdk":
        return SdkContender(server, ua)
    return peers.build(
        name,
        base_url=server.base_url,
        token_url=server.token_url,
        client_id=EVENTS_ID,
        secret=SECRET,
        path=f"/v1/{ENV_ID}/cards",
        ua=ua,
    )


PEER_NAMES = ("sdk", *peers.CONTENDERS)


def _peer_tokens(server: LocalServer, name: str, calls: int, expires_in: int) -> int:
    server.reset(expires_in=expires_in)
    contender = peer(server, name)
    try:
        for _ in range(calls):
            contender.call()
    finally:
        contender.close()
    return server.token_requests()


def _peer_cold(server: LocalServer, name: str, threads: int, token_delay_ms: float) -> dict[str, Any]:
    server.reset(token_delay_ms)
    contender = peer(server, name)
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []
    ok = 0
    lock = threading.Lock()

    def worker() -> None:
        nonlocal ok
        try:
            barrier.wait()
            contender.call()
            with lock:
                ok += 1
        except BaseException as exc:  # noqa: BLE001 - reported in the table
            with lock:
                errors.append(exc)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    started = time.perf_counter()
    for t in pool:
        t.start()
    _join_all(pool)
    wall = time.perf_counter() - started
    contender.close()
    return {"tokens": server.token_requests(), "ok": ok, "wall": wall, "errors": [_describe(e) for e in errors][:3]}


def bench_peers(server: LocalServer, calls: int, threads: int, runs: int, token_delay_ms: float) -> dict[str, Any]:
    """Token requests per contender: 1,000 calls (1 h and 20 s token lifetime) and a many-thread cold start."""
    results: dict[str, dict[str, list[Any]]] = {
        name: {"tokens_hour": [], "tokens_20s": [], "cold": []} for name in PEER_NAMES
    }
    names = list(PEER_NAMES)
    for rep in range(runs):
        # Interleaved, order rotated each round, like every other side-by-side row.
        for name in names[rep % len(names) :] + names[: rep % len(names)]:
            results[name]["tokens_hour"].append(_peer_tokens(server, name, calls, 3600))
            results[name]["tokens_20s"].append(_peer_tokens(server, name, calls, 20))
            results[name]["cold"].append(_peer_cold(server, name, threads, token_delay_ms))
    return {"calls": calls, "threads": threads, "runs": runs, "token_delay_ms": token_delay_ms, "by_name": results}


# -- 2. token requests for 1,000 calls ------------------------------------------------------------------


def bench_token_reuse(server: LocalServer, calls: int, repeats: int) -> dict[str, Any]:
    from atomic_api.api.cards import list_cards
    from atomic_api.models.card_list import CardList

    path = f"/v1/{ENV_ID}/cards"
    params = {"limit": 100, "offset": 0}

    def ours() -> int:
        server.reset()
        with sdk_client(server) as client:
            for _ in range(calls):
                assert isinstance(list_cards.sync(client=client, environment_id=ENV_ID), CardList)
        return sum(server.stats()["token_requests"].values())

    def naive() -> int:
        # The pattern Atomic's docs warn against: a new token for every API call.
        server.reset()
        with httpx.Client(base_url=server.base_url, headers={"User-Agent": "naive/1"}, timeout=30) as client:
            for _ in range(calls):
                token = client.post(
                    server.token_url,
                    auth=(EVENTS_ID, SECRET),
                    data={"grant_type": "client_credentials", "client_id": EVENTS_ID},
                ).json()["access_token"]
                response = client.get(path, params=params, headers={"Authorization": f"Bearer {token}"})
                assert response.status_code == 200
                CardList.from_dict(response.json())
        return sum(server.stats()["token_requests"].values())

    walls: dict[str, list[float]] = {"ours": [], "naive": []}
    counts: dict[str, list[int]] = {"ours": [], "naive": []}
    for rep in range(repeats):
        order = [("ours", ours), ("naive", naive)]
        if rep % 2:
            order.reverse()
        for name, run in order:
            started = time.perf_counter()
            counts[name].append(run())
            walls[name].append(time.perf_counter() - started)
    return {
        "calls": calls,
        "repeats": repeats,
        "tokens_ours": counts["ours"],
        "tokens_naive": counts["naive"],
        "wall_ours": median(walls["ours"]),
        "wall_naive": median(walls["naive"]),
        "ratio": median([n / o for n, o in zip(walls["naive"], walls["ours"])]),
    }


def _describe(exc: BaseException) -> str:
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    where = " <- ".join(f"{Path(f.filename).name}:{f.lineno}" for f in reversed(frames[-4:]))
    return f"{exc!r} at {where}"


# -- 3. cold start ---------------------------------------------------------------------------------------


def _join_all(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.join()


def _cold_run(server: LocalServer, threads: int, tasks: int, token_delay_ms: float) -> dict[str, Any]:
    from atomic_api.api.cards import list_cards
    from atomic_api.api.webhooks import list_webhook_subscriptions

    server.reset(token_delay_ms)
    client = sdk_client(server, events=(EVENTS_ID, SECRET), workbench=(WORKBENCH_ID, SECRET))
    barrier = threading.Barrier(threads + 1)
    statuses: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def pair(index: int) -> tuple[Any, Any]:
        # Half the callers start with the events operation, half with the workbench one.
        return (list_cards, list_webhook_subscriptions) if index % 2 else (list_webhook_subscriptions, list_cards)

    def thread_worker(index: int) -> None:
        try:
            barrier.wait()
            got = [op.sync_detailed(client=client, environment_id=ENV_ID).status_code for op in pair(index)]
            with lock:
                statuses.extend(got)
        except BaseException as exc:  # noqa: BLE001 - reported in the table
            with lock:
                errors.append(exc)

    pool = [threading.Thread(target=thread_worker, args=(i,)) for i in range(threads)]

    async def async_side() -> None:
        go = asyncio.Event()

        async def task_worker(index: int) -> None:
            await go.wait()
            got = [(await op.asyncio_detailed(client=client, environment_id=ENV_ID)).status_code for op in pair(index)]
            with lock:
                statuses.extend(got)

        workers = [asyncio.create_task(task_worker(i)) for i in range(tasks)]
        await asyncio.sleep(0)  # every task is now parked on `go`
        barrier.wait()  # released together with the threads
        go.set()
        done = await asyncio.gather(*workers, return_exceptions=True)
        errors.extend(d for d in done if isinstance(d, BaseException))
        # Wait for the threads, then release this loop's pools (aclose() leaves the sync side alone).
        await asyncio.to_thread(_join_all, pool)
        await client.aclose()

    for t in pool:
        t.start()
    started = time.perf_counter()
    loop_thread = threading.Thread(target=asyncio.run, args=(async_side(),))
    loop_thread.start()
    for t in pool:
        t.join()
    loop_thread.join()
    wall = time.perf_counter() - started
    stats = server.stats()
    return {
        "events": stats["token_requests"].get(EVENTS_ID, 0),
        "workbench": stats["token_requests"].get(WORKBENCH_ID, 0),
        "api_requests": stats["api_requests"],
        "ok": sum(1 for s in statuses if s == 200),
        "errors": [_describe(e) for e in errors][:3],
        "wall": wall,
    }


def bench_cold_start(server: LocalServer, threads: int, tasks: int, runs: int, token_delay_ms: float) -> dict[str, Any]:
    results = [_cold_run(server, threads, tasks, token_delay_ms) for _ in range(runs)]
    return {"threads": threads, "tasks": tasks, "token_delay_ms": token_delay_ms, "runs": results}


# -- 6. many processes ---------------------------------------------------------------------------------


def _processes_run(processes: int, workers: int, redis_url: str | None, token_delay: float) -> dict[str, Any]:
    from atomic_sdk.testing import Sandbox
    from scale_support import WorkerGroup, worker_config  # bench/ is on sys.path; tests/scale runs it too

    with Sandbox(token_delay=token_delay) as sb:
        configs = [
            worker_config(sb, workers=workers, redis_url=redis_url, mode="async" if i % 2 else "sync")
            for i in range(processes)
        ]
        with WorkerGroup(configs) as group:
            started = time.perf_counter()
            group.go()
            results = group.results()
            wall = time.perf_counter() - started
        by_role = sb.token_requests_by_role()
    return {
        "by_role": {role: by_role.get(role, 0) for role in ("auth", "workbench", "events")},
        "ok": sum(r.ok for r in results),
        "failed": [f for r in results for f in r.failed][:3],
        "wall": wall,
    }


def bench_processes(processes: int, workers: int, runs: int, token_delay: float) -> dict[str, Any]:
    from atomic_sdk.testing import RedisServer

    shared: list[dict[str, Any]] = []
    alone: list[dict[str, Any]] = []
    with RedisServer() as redis_server:
        for index in range(runs):
            # Interleaved, order rotated; a fresh Redis database each run (the cached tokens would be reused).
            order = [True, False] if index % 2 == 0 else [False, True]
            for use_redis in order:
                if use_redis:
                    redis_server.stop()
                    redis_server.start()
                    shared.append(_processes_run(processes, workers, redis_server.url, token_delay))
                else:
                    alone.append(_processes_run(processes, workers, None, token_delay))
    return {
        "processes": processes,
        "workers": workers,
        "token_delay_ms": token_delay * 1000,
        "redis": shared,
        "memory": alone,
    }


# -- 4. import cost --------------------------------------------------------------------------------------

_IMPORTTIME = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)\s*$")


def _importtime(module: str) -> tuple[int, dict[str, int], float]:
    """(cumulative µs of `module`'s top-level import, self µs of each module it pulled in, process wall s)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    started = time.perf_counter()
    done = subprocess.run(
        [PY, "-X", "importtime", "-c", f"import {module}"], capture_output=True, text=True, env=env, check=True
    )
    wall = time.perf_counter() - started
    block: dict[str, int] = {}
    for line in done.stderr.splitlines():
        match = _IMPORTTIME.match(line)
        if not match:
            continue
        self_us, cumulative, indent, name = int(match[1]), int(match[2]), match[3], match[4]
        # Children are printed before their parent; a top-level line closes a block.
        block[name] = self_us
        if len(indent) == 1:  # top level: "| name" has exactly one space
            if name == module:
                return cumulative, block, wall
            block = {}
    raise RuntimeError(f"{module} not found in -X importtime output")


def bench_imports(repeats: int) -> dict[str, Any]:
    _importtime("atomic_sdk")  # warm-up: bytecode caches written, files in page cache
    _importtime("httpx")
    cums: dict[str, list[int]] = {"atomic_sdk": [], "httpx": []}
    walls: dict[str, list[float]] = {"atomic_sdk": [], "httpx": []}
    selfs: dict[str, list[int]] = {}
    ratios = []
    for rep in range(repeats):
        order = ["atomic_sdk", "httpx"] if rep % 2 == 0 else ["httpx", "atomic_sdk"]
        got = {}
        for module in order:
            cumulative, block, wall = _importtime(module)
            cums[module].append(cumulative)
            walls[module].append(wall)
            got[module] = cumulative
            if module == "atomic_sdk":
                for name, value in block.items():
                    selfs.setdefault(name, []).append(value)
        ratios.append(got["atomic_sdk"] / got["httpx"])
    top = sorted(((median(v), k) for k, v in selfs.items()), reverse=True)[:5]
    return {
        "repeats": repeats,
        "sdk_us": median(cums["atomic_sdk"]),
        "httpx_us": median(cums["httpx"]),
        "ratio": median(ratios),
        "sdk_wall": median(walls["atomic_sdk"]),
        "httpx_wall": median(walls["httpx"]),
        "top_self": top,
        "modules": len(selfs),
    }


# -- 5. regeneration -------------------------------------------------------------------------------------


def synthetic_spec(operations: int = 150) -> dict[str, Any]:
    """A valid OpenAPI 3.0.3 document: `operations` operations over 30 resources, role markers, 4 schemas."""
    roles = ["events", "workbench", "auth", "events or workbench", "any"]
    item = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "count": {"type": "integer"},
            "enabled": {"type": "boolean"},
            "created": {"type": "string", "format": "date-time"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "state": {"type": "string", "enum": ["active", "paused", "archived"]},
        },
        "required": ["id"],
    }
    schemas = {
        "Item": item,
        "ItemInput": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "count": {"type": "integer"}},
            "required": ["name"],
        },
        "ItemList": {
            "type": "object",
            "properties": {"data": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}},
        },
        "Error": {"type": "object", "properties": {"message": {"type": "string"}, "code": {"type": "integer"}}},
    }

    def ok(ref: str) -> dict[str, Any]:
        return {
            "description": "OK",
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
        }

    error = {
        "description": "Error",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    env_param = {"name": "environmentId", "in": "path", "required": True, "schema": {"type": "string"}}
    id_param = {"name": "itemId", "in": "path", "required": True, "schema": {"type": "string"}}
    body = {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ItemInput"}}}}
    paths: dict[str, Any] = {}
    tags = []
    count = 0
    resource = 0
    while count < operations:
        name = f"resource{resource}"
        tag = f"group{resource % 10}"
        if tag not in tags:
            tags.append(tag)
        collection: dict[str, Any] = {"parameters": [env_param]}
        member: dict[str, Any] = {"parameters": [env_param, id_param]}
        ops: list[tuple[dict[str, Any], str, str, dict[str, Any]]] = [
            (
                collection,
                "get",
                "list",
                {
                    "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "default": 100}}],
                    "responses": {"200": ok("ItemList"), "401": error},
                },
            ),
            (collection, "post", "create", {"requestBody": body, "responses": {"201": ok("Item"), "400": error}}),
            (member, "get", "get", {"responses": {"200": ok("Item"), "404": error}}),
            (member, "put", "update", {"requestBody": body, "responses": {"200": ok("Item"), "400": error}}),
            (member, "delete", "delete", {"responses": {"204": {"description": "Deleted"}, "404": error}}),
        ]
        for target, method, verb, spec in ops:
            if count >= operations:
                break
            role = roles[count % len(roles)]
            target[method] = {
                "operationId": f"{verb}{name.capitalize()}",
                "tags": [tag],
                "summary": f"{verb.capitalize()} {name} (token: {role})",
                **spec,
            }
            count += 1
        paths[f"/v1/{{environmentId}}/{name}"] = collection
        if len(member) > 1:
            paths[f"/v1/{{environmentId}}/{name}/{{itemId}}"] = member
        resource += 1
    return {
        "openapi": "3.0.3",
        "info": {"title": "Synthetic benchmark API", "version": "1.0.0"},
        "servers": [{"url": "https://example.invalid"}],
        "tags": [{"name": t} for t in tags],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


def _generate(spec: Path, scratch: Path) -> tuple[float, float, int]:
    """(generator seconds as reported, whole command wall seconds, operations)."""
    output = Path(tempfile.mkdtemp(prefix="gen-", dir=scratch))
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tooling"))
    started = time.perf_counter()
    done = subprocess.run(
        [PY, "-m", "atomic_tooling.generate", "--spec", str(spec), "--output", str(output)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"generation of {spec} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    match = re.search(r"(\d+) generated, \d+ skipped \(generator ([\d.]+)s\)", done.stdout)
    if not match:
        raise RuntimeError(f"unexpected generate output: {done.stdout!r}")
    shutil.rmtree(output, ignore_errors=True)
    return float(match[2]), wall, int(match[1])


# -- 9. generation against stock openapi-python-client -----------------------------------------------------


def _tree(pid: int) -> list[int]:
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as handle:
                    queue.extend(int(child) for child in handle.read().split())
        except OSError:
            continue
    return found


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _measured_run(command: list[str]) -> tuple[float, int, int, int]:
    """(wall s, peak RSS of the largest process of the tree in KB, peak summed PSS of the tree in KB, exit)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    peak_pss = 0
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        # PSS splits pages shared between processes (the forked validator shares the parsed spec with its
        # parent), so the sum is the tree's real footprint; RSS would count shared pages twice.
        peak_pss = max(peak_pss, sum(_pss_kb(child) for child in _tree(process.pid)))
        time.sleep(0.02)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return wall, int(usage.ru_maxrss), peak_pss, process.returncode


def bench_generation(specs: list[Path], repeats: int) -> dict[str, Any]:
    """Ours (scripts/generate pipeline) and stock openapi-python-client, same spec/config/templates, interleaved."""
    scratch = Path(tempfile.mkdtemp(prefix="atomic-bench-gen-"))
    tool_bin = Path(PY).parent
    results: dict[str, Any] = {"repeats": repeats, "specs": {}}
    try:
        if not specs:
            synthetic = scratch / "synthetic-450.yaml"
            synthetic.write_text(yaml.safe_dump(synthetic_spec(450), sort_keys=False), encoding="utf-8")
            specs = [synthetic]
        for spec in specs:
            sides: dict[str, list[tuple[float, int, int, int]]] = {"stock": [], "ours": []}
            for rep in range(repeats):
                for side in (("stock", "ours") if rep % 2 == 0 else ("ours", "stock")):
                    out = scratch / f"{side}-{rep}"
                    if side == "stock":
                        command = [
                            str(tool_bin / "openapi-python-client"), "generate", "--path", str(spec), "--meta", "none",
                            "--output-path", str(out), "--config", str(ROOT / "tooling" / "generator-config.yaml"),
                            "--custom-template-path", str(ROOT / "tooling" / "templates"),
                        ]
                    else:
                        command = [PY, "-m", "atomic_tooling.generate", "--spec", str(spec), "--output", str(out)]
                    env_command = ["env", f"PATH={tool_bin}:{os.environ.get('PATH', '')}", f"PYTHONPATH={ROOT / 'tooling'}", *command]
                    wall, rss, pss, code = _measured_run(env_command)
                    shutil.rmtree(out, ignore_errors=True)
                    if code != 0 and side == "ours":
                        raise RuntimeError(f"generation of {spec} failed (exit {code}): {' '.join(command)}")
                    sides[side].append((wall, rss, pss, code))
            results["specs"][spec.name] = {
                side: {
                    "wall": median([v[0] for v in values]),
                    "rss_kb": median([v[1] for v in values]),
                    "pss_kb": median([v[2] for v in values]),
                    "exit": max(v[3] for v in values),
                }
                for side, values in sides.items()
            }
        return results
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def bench_regeneration(repeats: int) -> dict[str, Any]:
    scratch = Path(tempfile.mkdtemp(prefix="atomic-bench-"))
    try:
        synthetic = scratch / "synthetic-150.yaml"
        synthetic.write_text(yaml.safe_dump(synthetic_spec(150), sort_keys=False), encoding="utf-8")
        specs = {"ours": ROOT / "spec" / "atomic-api.yaml", "synthetic": synthetic}
        runs: dict[str, list[tuple[float, float, int]]] = {name: [] for name in specs}
        for rep in range(repeats):
            order = list(specs) if rep % 2 == 0 else list(reversed(specs))
            for name in order:
                runs[name].append(_generate(specs[name], scratch))
        return {
            name: {
                "operations": values[0][2],
                "generator": median([v[0] for v in values]),
                "wall": median([v[1] for v in values]),
            }
            for name, values in runs.items()
        } | {"repeats": repeats}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# -- report ----------------------------------------------------------------------------------------------


def machine() -> list[str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    import atomic_sdk

    return [
        f"- Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- CPU: {cpu}; nproc {os.cpu_count()}; memory {mem}",
        f"- OS: {platform.system()} {platform.release()}",
        (
            f"- Python {platform.python_version()} ({platform.python_implementation()}), "
            f"httpx {httpx.__version__}, atomic-sdk {atomic_sdk.__version__}"
        ),
    ]


def goal(ok: bool) -> str:
    return "met" if ok else "**missed**"


def peer_table(results: dict[str, Any]) -> list[str]:
    """The peer table: the SDK against authlib and httpx-auth, all measured in this run."""
    per_call = results.get("per_call", {})
    token_rows = results.get("peers")
    out = ["### Peers (same server, same run)", ""]
    head = "| Client | per call vs raw httpx + `.json()` | per call vs raw + `CardList.from_dict` | SDK / this |"
    cols = "| --- | --- | --- | --- |"
    if token_rows:
        calls, threads = token_rows["calls"], token_rows["threads"]
        head += (
            f" token requests for {calls} calls (1 h token), per run | the same with a 20 s token lifetime "
            f"| {threads}-thread cold start ({token_rows['token_delay_ms']:.0f} ms token endpoint): token requests; "
            "calls OK; wall |"
        )
        cols += " --- | --- | --- |"
    out += [head, cols]
    names = [("sdk", SdkContender.name, SdkContender.cold_start)] + [
        (key, cls.name, cls.cold_start) for key, cls in peers.CONTENDERS.items()
    ]
    for key, label, _ in names:
        if key == "sdk":
            ratios = (
                fmt_ratio(per_call["ratio_raw_json"]) if per_call else "—",
                fmt_ratio(per_call["ratio_raw_model"]) if per_call else "—",
                "1.00×",
            )
        elif per_call and key in per_call.get("peers", {}):
            p = per_call["peers"][key]
            ratios = (fmt_ratio(p["ratio_raw_json"]), fmt_ratio(p["ratio_raw_model"]), fmt_ratio(p["sdk_ratio"]))
        else:
            ratios = ("—", "—", "—")
        row = f"| {label} | " + " | ".join(ratios) + " |"
        if token_rows:
            r = token_rows["by_name"][key]
            cold = r["cold"]
            row += (
                f" {r['tokens_hour']} | {r['tokens_20s']} | {[c['tokens'] for c in cold]}; "
                f"{min(c['ok'] for c in cold)}/{token_rows['threads']}; {median([c['wall'] for c in cold]):.2f} s |"
            )
        out.append(row)
    out += ["", "How each contender gets its first token on the cold start:", ""]
    out += [f"- {label}: {how}" for _, label, how in names]
    if token_rows:
        errs = [e for r in token_rows["by_name"].values() for c in r["cold"] for e in c["errors"]]
        if errs:
            out += ["", "Peer cold-start errors: " + "; ".join(errs[:3])]
    return out + [""]


def report(results: dict[str, Any], elapsed: float) -> str:
    out = ["### Machine", "", *machine(), ""]
    out += [
        "### Results",
        "",
        "Command: `scripts/bench` (from the repository root).",
        "",
        "| # | Measure | Ours | Baseline | Ratio | Goal |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    if "per_call" in results:
        r = results["per_call"]
        pc = r["per_call"]

        def us(seconds: float) -> str:
            return f"{seconds * 1e6:.0f} µs"

        def spread(quartiles: tuple[float, float]) -> str:
            return f" (rounds' quartiles {quartiles[0]:.2f}–{quartiles[1]:.2f})"

        cc = r["cpu_call"]

        rows = [
            (
                "1",
                "per-call wall time",
                pc,
                "ratio_raw_json",
                "raw_json",
                "raw httpx + `.json()`",
                "≤ 1.10: " + goal(r["ratio_raw_json"] <= 1.10) + spread(r["spread_raw_json"]),
            ),
            ("1a", "per-call client CPU", cc, "cpu_ratio_raw_json", "raw_json", "raw httpx + `.json()`", "(info)"),
            (
                "1b",
                "per-call wall time, same parsing",
                pc,
                "ratio_raw_model",
                "raw_model",
                "raw httpx + `.json()` + `CardList.from_dict`",
                "(info)",
            ),
            (
                "1c",
                "per-call client CPU, same parsing",
                cc,
                "cpu_ratio_raw_model",
                "raw_model",
                "raw httpx + `.json()` + `CardList.from_dict`",
                "(info)",
            ),
            (
                "1d",
                "per-call wall time, overlay alone",
                pc,
                "ratio_generated_static",
                "generated_static",
                "generated `AuthenticatedClient` (static token) `sync_detailed`",
                "(info)",
            ),
            (
                "1e",
                "per-call client CPU, overlay alone",
                cc,
                "cpu_ratio_generated_static",
                "generated_static",
                "generated `AuthenticatedClient` (static token) `sync_detailed`",
                "(info)",
            ),
            (
                "1j",
                "per-call wall time, URL written out",
                pc,
                "ratio_raw_url",
                "raw_url",
                "raw httpx `get(absolute URL with query)` + `.json()`",
                "(info)",
            ),
            (
                "1k",
                "per-call client CPU, URL written out",
                cc,
                "cpu_ratio_raw_url",
                "raw_url",
                "raw httpx `get(absolute URL with query)` + `.json()`",
                "(info)",
            ),
        ]
        for num, what, series, ratio, base, base_name, verdict in rows:
            out.append(
                f"| {num} | {what} (median of {r['repeats']} rounds × {r['calls']} calls) | SDK `sync_detailed`: {us(series['sdk'])} "
                f"| {base_name}: {us(series[base])} | {fmt_ratio(r[ratio])} | {verdict} |"
            )
        # The resource layer against the generated function it wraps, on the same client and request.
        for num, what, series, ratio, verdict in (
            ("1h", "resource layer, wall time", pc, "ratio_resource", "≤ 1.01: " + goal(r["ratio_resource"] <= 1.01)),
            ("1i", "resource layer, client CPU", cc, "cpu_ratio_resource", "(info)"),
        ):
            out.append(
                f"| {num} | {what} (median of {r['repeats']} rounds × {r['calls']} calls) | `client.cards.list_cards`: "
                f"{us(series['resource'])} | SDK `list_cards.sync_detailed`: {us(series['sdk'])} "
                f"| {r[ratio]:.3f}× | {verdict} |"
            )
    if "big_body" in results:
        r = results["big_body"]
        pc = r["per_call"]
        out.append(
            f"| 1f | per-call wall time, {r['cards']}-card body (median of {r['repeats']} rounds × {r['calls']} calls) "
            f"| SDK `sync_detailed`: {pc['sdk'] * 1e6:.0f} µs | raw httpx + `.json()`: {pc['raw_json'] * 1e6:.0f} µs "
            f"| {fmt_ratio(r['ratio_raw_json'])} | ≤ 2.0: {goal(r['ratio_raw_json'] <= 2.0)} (rounds' quartiles "
            f"{r['spread_raw_json'][0]:.2f}–{r['spread_raw_json'][1]:.2f}) |"
        )
        out.append(
            f"| 1g | the same, same parsing | SDK `sync_detailed`: {pc['sdk'] * 1e6:.0f} µs "
            f"| raw httpx + `.json()` + `CardList.from_dict`: {pc['raw_model'] * 1e6:.0f} µs "
            f"| {fmt_ratio(r['ratio_raw_model'])} | (info; parsing alone costs {fmt_ratio(r['model_raw_json'])} raw JSON) |"
        )
    if "instructions" in results:
        r = results["instructions"]
        if "skipped" in r:
            out.append(f"| 8 | instructions per call (callgrind) | skipped: {r['skipped']} | — | — | (info) |")
        else:
            n = r["per_call"]
            what = f"instructions per call (callgrind, {r['calls']} calls after warm-up), 2-card body"
            sdk_k = f"SDK `sync_detailed`: {n['sdk'] / 1000:.0f} k"
            for num, base, ratio, label in (
                ("8", "raw_json", "ratio", "raw httpx + `.json()`"),
                ("8a", "raw_model", "ratio_raw_model", "raw httpx + `.json()` + `CardList.from_dict`"),
                ("8b", "generated_static", "ratio_generated_static", "generated `AuthenticatedClient` (static token)"),
                ("8d", "raw_url", "ratio_raw_url", "raw httpx `get(absolute URL with query)` + `.json()`"),
            ):
                out.append(
                    f"| {num} | {what} | {sdk_k} | {label}: {n[base] / 1000:.0f} k | {r[ratio]:.3f}× "
                    "| (info; noise-free) |"
                )
            b = r["big_per_call"]
            out.append(
                f"| 8c | instructions per call (callgrind, {r['big_calls']} calls after warm-up), {BIG_CARDS}-card body "
                f"| SDK `sync_detailed`: {b['sdk'] / 1000:.0f} k | raw httpx + `.json()`: {b['raw_json'] / 1000:.0f} k "
                f"| {r['big_ratio']:.3f}× | (info; noise-free) |"
            )
    if "tokens" in results:
        r = results["tokens"]
        out.append(
            f"| 2 | token requests for {r['calls']} calls (one token lifetime) | {max(r['tokens_ours'])} "
            f"| naive, token per call: {max(r['tokens_naive'])} | {max(r['tokens_naive']) // max(1, max(r['tokens_ours']))}× fewer | 1: {goal(max(r['tokens_ours']) == 1)} |"
        )
        out.append(
            f"| 2b | wall time for those {r['calls']} calls, median of {r['repeats']} | {r['wall_ours']:.2f} s "
            f"| naive: {r['wall_naive']:.2f} s | naive/ours {fmt_ratio(r['ratio'])} | (info) |"
        )
    if "cold" in results:
        r = results["cold"]
        ev = [x["events"] for x in r["runs"]]
        wb = [x["workbench"] for x in r["runs"]]
        calls = 2 * (r["threads"] + r["tasks"])
        ok = [x["ok"] for x in r["runs"]]
        out.append(
            f"| 3 | cold start: {r['threads']} threads + {r['tasks']} asyncio tasks, 2 calls each (events + workbench), "
            f"token endpoint {r['token_delay_ms']:.0f} ms, {len(r['runs'])} fresh clients | token requests per run: events {ev}, workbench {wb} "
            f"| — | {min(ok)}/{calls} calls OK; wall {median([x['wall'] for x in r['runs']]):.2f} s | 1 per role: {goal(max(ev + wb) == 1 and min(ok) == calls)} |"
        )
    if "imports" in results:
        r = results["imports"]
        out.append(
            f"| 4 | import time (`-X importtime` cumulative), median of {r['repeats']} fresh interpreters | "
            f"`import atomic_sdk`: {r['sdk_us'] / 1000:.1f} ms | `import httpx`: {r['httpx_us'] / 1000:.1f} ms "
            f"| {fmt_ratio(r['ratio'])} | ≤ 1.30: {goal(r['ratio'] <= 1.30)} |"
        )
        out.append(
            f"| 4b | whole interpreter wall (start + import + exit) | {r['sdk_wall'] * 1000:.0f} ms | {r['httpx_wall'] * 1000:.0f} ms "
            f"| {fmt_ratio(r['sdk_wall'] / r['httpx_wall'])} | (info) |"
        )
    if "regen" in results:
        r = results["regen"]
        o, s = r["ours"], r["synthetic"]
        out.append(
            f"| 5 | regeneration, median of {r['repeats']}: generator / whole command | "
            f"spec/atomic-api.yaml ({o['operations']} ops): {o['generator']:.2f} s / {o['wall']:.2f} s "
            f"| synthetic ({s['operations']} ops): {s['generator']:.2f} s / {s['wall']:.2f} s "
            f"| {fmt_ratio(s['wall'] / o['wall'])} (synthetic/ours, wall) | (info) |"
        )
    if "generation" in results:
        r = results["generation"]
        for name, sides in r["specs"].items():
            st, mine = sides["stock"], sides["ours"]
            if st["exit"] != 0:
                out.append(
                    f"| 9 | `{name}`, median of {r['repeats']}: wall / peak RSS / peak PSS | stock openapi-python-client "
                    f"fails (exit {st['exit']}) after {st['wall']:.2f} s | scripts/generate: {mine['wall']:.2f} s / "
                    f"{mine['rss_kb'] / 1024:.0f} MB / {mine['pss_kb'] / 1024:.0f} MB | (no ratio) | (info) |"
                )
                continue
            out.append(
                f"| 9 | `{name}`, median of {r['repeats']}: wall / peak RSS (largest process) / peak PSS (process tree) | "
                f"stock openapi-python-client: {st['wall']:.2f} s / {st['rss_kb'] / 1024:.0f} MB / {st['pss_kb'] / 1024:.0f} MB "
                f"| scripts/generate: {mine['wall']:.2f} s / {mine['rss_kb'] / 1024:.0f} MB / {mine['pss_kb'] / 1024:.0f} MB "
                f"| {fmt_ratio(mine['wall'] / st['wall'])} wall, {fmt_ratio(mine['rss_kb'] / st['rss_kb'])} RSS, "
                f"{fmt_ratio(mine['pss_kb'] / max(st['pss_kb'], 1))} PSS | {goal(mine['wall'] <= 1.1 * st['wall'] and mine['rss_kb'] <= 1.1 * st['rss_kb'])} |"
            )
    if "processes" in results:
        r = results["processes"]
        calls = r["processes"] * r["workers"]

        def per_role(runs: list[dict[str, Any]]) -> str:
            return ", ".join(f"{role} {[x['by_role'][role] for x in runs]}" for role in ("auth", "workbench", "events"))

        redis_max = max(v for x in r["redis"] for v in x["by_role"].values())
        memory_min = min(v for x in r["memory"] for v in x["by_role"].values())
        all_ok = all(x["ok"] == calls and not x["failed"] for x in r["redis"] + r["memory"])
        out.append(
            f"| 6 | cold start of {r['processes']} processes × {r['workers']} threads/tasks (half sync, half async), "
            f"3 calls each (auth, workbench, events), token endpoint {r['token_delay_ms']:.0f} ms, {len(r['redis'])} runs "
            f"| `RedisTokenCache`: token requests per role per run: {per_role(r['redis'])}; "
            f"wall {median([x['wall'] for x in r['redis']]):.2f} s "
            f"| in-memory cache: {per_role(r['memory'])}; wall {median([x['wall'] for x in r['memory']]):.2f} s "
            f"| {memory_min // max(1, redis_max)}× fewer; all calls OK: {'yes' if all_ok else 'NO'} "
            f"| 1 per role: {goal(redis_max == 1 and all_ok)} |"
        )
    out += [""]
    if "peers" in results or ("per_call" in results and "peers" in results["per_call"]):
        out += peer_table(results)
    if "imports" in results:
        out += ["Top 5 modules by self import time under `import atomic_sdk` (median µs):", ""]
        out += [f"{i}. `{name}` — {value:.0f} µs" for i, (value, name) in enumerate(results["imports"]["top_self"], 1)]
        out += [""]
    if "processes" in results:
        errs = [e for x in results["processes"]["redis"] + results["processes"]["memory"] for e in x["failed"]]
        if errs:
            out += ["Many-process errors: " + "; ".join(errs[:3]), ""]
    if "cold" in results:
        errs = [e for x in results["cold"]["runs"] for e in x["errors"]]
        if errs:
            out += ["Cold-start errors: " + "; ".join(errs[:3]), ""]
    out += [f"Total benchmark run time: {elapsed:.0f} s.", ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="1,2,3,4,5,6,7,8,9", help="comma-separated sections to run (default: all)")
    parser.add_argument("--processes", type=int, default=8, help="worker processes in section 6")
    parser.add_argument("--calls", type=int, default=40, help="calls per contender and round in section 1")
    parser.add_argument("--repeats", type=int, default=41, help="interleaved rounds in section 1 (and 1f)")
    parser.add_argument("--big-calls", type=int, default=6, help="calls per contender and round of the 500-card row (1f)")
    parser.add_argument("--callgrind-calls", type=int, default=20, help="calls counted in section 8")
    parser.add_argument("--import-runs", type=int, default=9, help="fresh interpreters per side in section 4")
    parser.add_argument("--regen-runs", type=int, default=3, help="generations per spec in section 5")
    parser.add_argument(
        "--generation-spec",
        type=Path,
        action="append",
        default=[],
        help="section 9: a spec (with role markers) to generate with stock openapi-python-client and with "
        "scripts/generate (repeatable; default: a synthetic 450-operation spec)",
    )
    parser.add_argument("--write", type=Path, help="also write the report into this markdown file")
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    started = time.perf_counter()
    results: dict[str, Any] = {}
    server = LocalServer()
    try:
        if "1" in only:
            print("==> 1. per-call overhead", file=sys.stderr, flush=True)
            results["per_call"] = bench_per_call(server, args.calls, args.repeats)
            print("==> 1f. a 500-card body", file=sys.stderr, flush=True)
            results["big_body"] = bench_big_body(server, args.big_calls, args.repeats)
        if "2" in only:
            print("==> 2. token requests for 1,000 calls", file=sys.stderr, flush=True)
            results["tokens"] = bench_token_reuse(server, 1000, 3)
        if "3" in only:
            print("==> 3. cold start", file=sys.stderr, flush=True)
            results["cold"] = bench_cold_start(server, 64, 64, 3, token_delay_ms=50)
        if "7" in only:
            print("==> 7. peers: authlib, httpx-auth", file=sys.stderr, flush=True)
            results["peers"] = bench_peers(server, 1000, 64, 3, token_delay_ms=50)
        if "8" in only:
            print("==> 8. instructions per call (callgrind)", file=sys.stderr, flush=True)
            results["instructions"] = bench_instructions(server, args.callgrind_calls)
    finally:
        server.close()
    if "6" in only:
        print("==> 6. many processes (Redis token cache)", file=sys.stderr, flush=True)
        results["processes"] = bench_processes(args.processes, 8, 3, token_delay=0.1)
    if "4" in only:
        print("==> 4. import cost", file=sys.stderr, flush=True)
        results["imports"] = bench_imports(args.import_runs)
    if "5" in only:
        print("==> 5. regeneration", file=sys.stderr, flush=True)
        results["regen"] = bench_regeneration(args.regen_runs)
    if "9" in only:
        print("==> 9. generation against stock openapi-python-client", file=sys.stderr, flush=True)
        results["generation"] = bench_generation(args.generation_spec, args.regen_runs)
    text = report(results, time.perf_counter() - started)
    print(text)
    if args.write:
        doc = args.write.read_text(encoding="utf-8") if args.write.exists() else ""
        begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
        if begin in doc and end in doc:
            doc = doc.split(begin)[0] + begin + "\n" + text + end + doc.split(end, 1)[1]
        else:
            doc = doc + f"\n{begin}\n{text}{end}\n"
        args.write.write_text(doc, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
