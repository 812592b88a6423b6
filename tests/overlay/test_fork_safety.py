"""After ``os.fork()`` parent and child each get their own answers: the child never reuses the parent's pooled
connections (inherited keep-alive sockets would interleave the two processes' responses)."""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from atomic_api.api.cards import list_cards
from atomic_sdk import AccessToken, AtomicClient, Credentials, InMemoryTokenCache
from support.atomic_server import secret
from support.clock import FakeClock

CALLS = 50


class EchoServer:
    """Answers every listCards call with the userId it was asked for (keep-alive HTTP/1.1); issues tokens."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._send({"access_token": "tkn-fork", "token_type": "Bearer", "expires_in": 3600})

            def do_GET(self) -> None:
                user = parse_qs(urlsplit(self.path).query)["userId"][0]
                self._send({"data": [{"cardInstanceId": user, "status": "active"}]})

            def _send(self, payload: object) -> None:
                body = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        class Server(ThreadingHTTPServer):
            daemon_threads = True

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def echo() -> Iterator[EchoServer]:
    server = EchoServer()
    yield server
    server.close()


def _mismatches(client: AtomicClient, who: str) -> int:
    wrong = 0
    for index in range(CALLS):
        user = f"{who}-{index}"
        page = list_cards.sync(client=client, environment_id="env1", user_id=user)
        assert page is not None
        if [card.card_instance_id for card in page.data] != [user]:  # type: ignore[union-attr]
            wrong += 1
    return wrong


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
def test_parent_and_child_each_get_their_own_answers_after_fork(echo: EchoServer) -> None:
    client = AtomicClient(
        base_url=echo.base_url, token_url=echo.base_url + "/oauth2/token", credentials=Credentials("id", secret("f"))
    )
    assert _mismatches(client, "warm") == 0  # the pool now holds a keep-alive connection
    pool = client.get_httpx_client()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report and leave without running the parent's cleanups
        code = 1
        try:
            os.close(read)
            result = {"wrong": _mismatches(client, "child"), "same_pool": client.get_httpx_client() is pool}
            os.write(write, json.dumps(result).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    wrong_in_parent = _mismatches(client, "parent")
    chunks = []
    while chunk := os.read(read, 4096):
        chunks.append(chunk)
    os.close(read)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    child = json.loads(b"".join(chunks))
    assert (wrong_in_parent, child["wrong"], child["same_pool"]) == (0, 0, False)
    assert client.get_httpx_client() is pool  # the parent keeps its own pool
    client.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
def test_a_lock_held_by_another_thread_at_fork_does_not_hang_the_child() -> None:
    cache = InMemoryTokenCache()
    clock = FakeClock()
    first = cache.get_or_fetch("k", lambda: AccessToken("tkn-a", clock.now + 3600, clock.now + 3000), clock)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:  # another thread inside the cache's critical section while the process forks
        with cache._slot("k").lock:
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    assert held.wait(5)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            signal.alarm(5)  # a hang ends the child instead of the test
            clock.advance(3500)  # past refresh_at: the child must take the slot's lock to refresh
            token = cache.get_or_fetch("k", lambda: AccessToken("tkn-b", clock.now + 3600, clock.now + 3000), clock)
            code = 0 if token.value == "tkn-b" else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    release.set()
    holder.join(5)
    assert os.waitstatus_to_exitcode(status) == 0
    assert first.value == "tkn-a"
