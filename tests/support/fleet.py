"""A fleet of real worker processes sharing tokens through Redis, and a token endpoint that counts requests.

``TokenEndpoint`` is a loopback OAuth2 token endpoint (its own thread) that records every request (start,
end, status, how many were in flight), can answer 429 with a Retry-After during a window, can hold a
request until released, and can run a hook when a request arrives (e.g. to SIGSTOP the process that sent
it). ``Fleet`` starts ``fleet_worker.py`` processes (each a TokenProvider on a RedisTokenCache with its own
threads or asyncio tasks), releases them together and collects what each call got; every process has a
hard time limit and is killed (by PID) on the way out.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

from scale_support import WorkerProcesses  # bench/ is on pytest's pythonpath

WORKER = Path(__file__).with_name("fleet_worker.py")
READY_TIMEOUT = 30.0
CLIENT_ID = "fleet-client"
CLIENT_SECRET = "fleet-secret-Zq9"


@dataclass
class TokenRequest:
    number: int
    started: float  # time.monotonic() of the test process
    ended: float = 0.0
    status: int = 0


class TokenEndpoint:
    """``POST /oauth2/token`` on 127.0.0.1; tokens are ``tok-<request number>``."""

    def __init__(self, *, expires_in: float = 3600.0) -> None:
        self.expires_in = expires_in
        self.requests: list[TokenRequest] = []
        self.max_in_flight = 0
        self._in_flight = 0
        self._lock = threading.Lock()
        self._rate_limited_until = 0.0
        self._rate_limit_pending: float | None = None  # seconds, counted from the next request
        self._retry_after = 0
        self._hold: set[int] = set()
        self._released = threading.Event()
        self.on_request: Callable[[int], None] | None = None
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                endpoint._serve(self)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="token-endpoint", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/oauth2/token"

    def rate_limit(self, seconds: float, retry_after: int) -> None:
        """Answer 429 with ``Retry-After: retry_after`` for ``seconds`` from the next request on (counted from the
        request, not from this call: a fleet slow to start on a loaded machine gets the same window)."""
        with self._lock:
            self._rate_limit_pending = seconds
            self._retry_after = retry_after

    def hold(self, number: int) -> None:
        """Keep request ``number`` (1-based) waiting until ``release()``."""
        self._hold.add(number)

    def release(self) -> None:
        self._released.set()

    def wait_for_requests(self, count: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count:
            assert time.monotonic() < deadline, f"{len(self.requests)} token requests, waited for {count}"
            time.sleep(0.01)

    def gaps_after_429(self) -> list[float]:
        """Seconds between each 429 answer and the next request's arrival."""
        done = sorted(self.requests, key=lambda r: r.started)
        return [b.started - a.ended for a, b in itertools.pairwise(done) if a.status == 429]

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            request = TokenRequest(number=len(self.requests) + 1, started=time.monotonic())
            self.requests.append(request)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            if self.on_request is not None:
                self.on_request(request.number)
            if request.number in self._hold:
                self._released.wait(30)
            with self._lock:
                if self._rate_limit_pending is not None:
                    self._rate_limited_until = time.monotonic() + self._rate_limit_pending
                    self._rate_limit_pending = None
                limited = time.monotonic() < self._rate_limited_until
                retry_after = self._retry_after
            if limited:
                body, status, headers = b'{"error":"rate_limited"}', 429, {"Retry-After": str(retry_after)}
            else:
                document = {"access_token": f"tok-{request.number}", "token_type": "Bearer"}
                document["expires_in"] = self.expires_in  # type: ignore[assignment]
                body, status, headers = json.dumps(document).encode(), 200, {}
            request.status = status
            try:
                handler.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    handler.send_header(name, value)
                handler.send_header("Content-Length", str(len(body)))
                handler.end_headers()
                handler.wfile.write(body)
            except OSError:
                request.status = -1  # the client went away (killed)
        finally:
            with self._lock:
                request.ended = time.monotonic()
                self._in_flight -= 1

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()


@dataclass
class WorkerResult:
    pid: int
    returncode: int | None
    tokens: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    stderr: str = ""


def worker_config(endpoint: TokenEndpoint, redis_url: str, **overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "token_url": endpoint.url,
        "redis_url": redis_url,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "callers": 4,
        "mode": "sync",
        "timeout": 5.0,
        "lock_ttl": 3.0,
        "poll_interval": 0.05,
    }
    config.update(overrides)
    return config


class Fleet(WorkerProcesses):
    """``fleet_worker.py`` processes started together (see ``WorkerProcesses``), each bounded by ``time_limit``."""

    worker = WORKER
    ready_timeout = READY_TIMEOUT

    def __init__(self, configs: list[dict[str, Any]], *, time_limit: float = 60.0) -> None:
        super().__init__(configs)
        self.time_limit = time_limit

    def signal(self, index: int, signum: signal.Signals) -> None:
        os.kill(self.processes[index].pid, signum)

    def results(self, indexes: list[int] | None = None) -> list[WorkerResult]:
        """Each worker's calls; a worker past the fleet's time limit is killed and reported as such."""
        chosen = range(len(self.processes)) if indexes is None else indexes
        out: list[WorkerResult] = []
        deadline = time.monotonic() + self.time_limit
        try:
            for index in chosen:
                process = self.processes[index]
                try:
                    stdout, stderr = process.communicate(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    process.kill()
                    stdout, stderr = process.communicate()
                    stderr += "\n(killed: over the time limit)"
                lines = stdout.strip().splitlines()
                summary = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
                out.append(
                    WorkerResult(
                        pid=process.pid,
                        returncode=process.returncode,
                        tokens=summary.get("tokens", []),
                        errors=[tuple(e) for e in summary.get("errors", [["NoSummary", stderr[-2000:]]])],
                        stderr=stderr,
                    )
                )
        finally:
            self.kill_all()
        return out
