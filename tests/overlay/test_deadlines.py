"""One deadline per attempt: a server that sends one byte at a time cannot keep a call alive past its timeout.

httpx bounds each read, not a response: a byte every 0.2 s would keep a ``timeout=1`` call alive for as long as
the server likes. Each attempt (API or token request) must end within its timeout, status line and headers
included: on asyncio the attempt is cancelled, in sync code the SDK's transport cuts each read to the time
left. Every call runs on a daemon thread joined with a hard limit, so a regression fails instead of stalling
the suite.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from atomic_sdk import ApiTimeoutError, AsyncAtomicClient, AtomicClient, Credentials, TokenRequestError
from support.atomic_server import secret

TOKEN_BODY = b'{"access_token": "tkn-1", "token_type": "Bearer", "expires_in": 3600}'
API_BODY = b'{"environments": [{"id": "env1", "name": "production"}]}'
DRIP = 0.15  # seconds between bytes


class DripServer:
    """Answers each request on 127.0.0.1, sending the part named in ``drip`` ("token-body", "token-head",
    "api-body", "api-head") one byte every ``DRIP`` seconds; everything else at once. "token-body-stall" sends
    three bytes of the token body 0.3 s apart, then nothing."""

    def __init__(self, drip: str) -> None:
        self.drip = drip
        self.requests: list[str] = []
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, rest = data.partition(b"\r\n\r\n")
            length = next(
                (
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                ),
                0,
            )
            while len(rest) < length:
                rest += conn.recv(65536)
            is_token = b"/oauth2/token" in head.split(b"\r\n")[0]
            self.requests.append("token" if is_token else "api")
            body = TOKEN_BODY if is_token else API_BODY
            status = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
            head_bytes = status + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
            part = "token" if is_token else "api"
            try:
                self._send(conn, head_bytes, self.drip == f"{part}-head")
                if self.drip == f"{part}-body-stall":  # 3 bytes 0.3 s apart, then nothing more
                    for index in range(3):
                        conn.sendall(body[index : index + 1])
                        time.sleep(0.3)
                    self._stop.wait()
                    return
                self._send(conn, body, self.drip == f"{part}-body")
            except OSError:
                return

    def _send(self, conn: socket.socket, data: bytes, drip: bool) -> None:
        if not drip:
            conn.sendall(data)
            return
        for index in range(len(data)):
            if self._stop.is_set():
                return
            conn.sendall(data[index : index + 1])
            time.sleep(DRIP)

    def close(self) -> None:
        self._stop.set()
        self._sock.close()


@pytest.fixture
def drip_server(request: pytest.FixtureRequest) -> Iterator[DripServer]:
    server = DripServer(request.param)
    yield server
    server.close()


def _client(cls: Any, server: DripServer) -> Any:
    return cls(
        base_url=server.base_url,
        token_url=server.base_url + "/oauth2/token",
        credentials=Credentials("one-id", secret("one")),
        timeout=1.0,
        max_retries=0,
    )


def _run_with_limit(call: Callable[[], object], limit: float = 15.0) -> tuple[BaseException | None, float]:
    outcome: list[BaseException | None] = []
    started = time.monotonic()

    def run() -> None:
        try:
            call()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome.append(exc)
        else:
            outcome.append(None)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(limit)
    assert not worker.is_alive(), f"the call was still running after {limit} s"
    return outcome[0], time.monotonic() - started


@pytest.mark.parametrize("drip_server", ["api-body"], indirect=True)
def test_a_dripping_body_ends_the_sync_call_at_its_timeout(drip_server: DripServer) -> None:
    def call() -> None:
        with _client(AtomicClient, drip_server) as client:
            client.environments.list_environments()

    error, elapsed = _run_with_limit(call)
    assert isinstance(error, ApiTimeoutError), error
    assert "the whole attempt" in str(error)
    assert elapsed < 1.0 + 4 * DRIP + 1.0  # the timeout, a byte or two, and the token request
    assert drip_server.requests == ["token", "api"]


@pytest.mark.parametrize("drip_server", ["api-body", "api-head"], indirect=True)
def test_a_dripping_response_ends_the_async_call_at_its_timeout(drip_server: DripServer) -> None:
    async def calls() -> None:
        async with _client(AsyncAtomicClient, drip_server) as client:
            await client.environments.list_environments()

    error, elapsed = _run_with_limit(lambda: asyncio.run(calls()))
    assert isinstance(error, ApiTimeoutError), error
    assert elapsed < 1.0 + 4 * DRIP + 1.0
    assert drip_server.requests == ["token", "api"]


@pytest.mark.parametrize("drip_server", ["api-head"], indirect=True)
def test_a_dripping_status_line_ends_the_sync_call_at_its_timeout(drip_server: DripServer) -> None:
    # The head takes ~16 s to drip in; each read alone is well within the 1 s timeout.
    def call() -> None:
        with _client(AtomicClient, drip_server) as client:
            client.environments.list_environments()

    error, elapsed = _run_with_limit(call, limit=10.0)
    assert isinstance(error, ApiTimeoutError), error
    assert "ReadTimeout" in str(error) and "the whole attempt" in str(error)
    assert elapsed < 2.5
    assert drip_server.requests == ["token", "api"]


# "token-body-stall": the last byte comes at ~0.6 s; a read bounded only by the 1 s read timeout would wait
# until ~1.6 s, so the bound says the read was cut at the deadline.
@pytest.mark.parametrize(
    ("drip_server", "bound"),
    [("token-body", 1.0 + 4 * DRIP + 0.5), ("token-head", 1.0 + 4 * DRIP + 0.5), ("token-body-stall", 1.4)],
    indirect=["drip_server"],
)
def test_a_dripping_token_response_ends_the_call_at_its_timeout(drip_server: DripServer, bound: float) -> None:
    def sync_call() -> None:
        with _client(AtomicClient, drip_server) as client:
            client.environments.list_environments()

    async def async_calls() -> None:
        async with _client(AsyncAtomicClient, drip_server) as client:
            await client.environments.list_environments()

    for call in (sync_call, lambda: asyncio.run(async_calls())):
        error, elapsed = _run_with_limit(call, limit=10.0)
        assert isinstance(error, TokenRequestError), error
        assert "ReadTimeout" in str(error)
        assert elapsed < bound, elapsed
    assert drip_server.requests == ["token", "token"]
