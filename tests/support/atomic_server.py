"""A recording local Atomic server (canned replies, every request kept) and secret scanning for the tests."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

import pytest
import respx

from support.http_package import httpx

# Every secret in these tests contains SECRET_MARK and every issued token TOKEN_MARK, so one
# substring search finds a leak of any of them.
SECRET_MARK = "sek-"
TOKEN_MARK = "tkn-"
TOKEN_PATH = "/oauth2/token"


def secret(name: str) -> str:
    return f"{SECRET_MARK}{name}-Zq9"


def _base64_fragments(mark: str) -> list[str]:
    """The base64 characters that encode ``mark`` whatever precedes it (e.g. inside ``id:secret``).

    Each 3-byte alignment of the mark encodes to a few characters that depend on the mark's bytes only;
    a leaked Basic value (or any base64 of a secret) contains one of them.
    """
    fragments = []
    data = mark.encode()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + data).decode()
        # Characters whose 6 bits all come from the mark: from the first full sextet after the offset bytes
        # up to the last one before the padding.
        start = -(-offset * 8 // 6)
        end = (offset + len(data)) * 8 // 6
        fragments.append(encoded[start:end])
    return fragments


LEAK_MARKS = [SECRET_MARK, TOKEN_MARK, *_base64_fragments(SECRET_MARK)]


def leaks(text: str) -> list[str]:
    """Which secret or token marks (plain or base64) ``text`` contains."""
    return [mark for mark in LEAK_MARKS if mark in text]


def assert_clean(*objects: object) -> None:
    """No secret or token (nor a base64 form of a secret) in the repr/str of the objects.

    Exceptions: also their args, attributes and causes.
    """
    seen: set[int] = set()
    todo = list(objects)
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        for text in (repr(obj), str(obj)):
            assert not leaks(text), text
        if isinstance(obj, BaseException):
            todo.extend(obj.args)
            todo.extend(v for v in vars(obj).values())
            todo.extend(x for x in (obj.__cause__, obj.__context__) if x is not None)
        elif isinstance(obj, dict):
            todo.extend(obj.keys())
            todo.extend(obj.values())
        elif isinstance(obj, (list, tuple)):
            todo.extend(obj)
        elif hasattr(obj, "multi_items"):  # httpx.Headers
            todo.extend(value for _, value in obj.multi_items())


@contextmanager
def raises_clean(exc_type: type[BaseException], **match: Any) -> Iterator[pytest.ExceptionInfo[BaseException]]:
    """pytest.raises that also scans the raised error for secrets and tokens."""
    with pytest.raises(exc_type, **match) as info:
        yield info
    assert_clean(info.value)


@dataclass
class Recorded:
    method: str
    raw_path: str  # as sent, before any decoding, without the query
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    client_id: str | None = None  # API requests: the key whose token authorised it


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # How the connection ends: "" answers normally, "reset" closes it before any answer, "short" sends the
    # headers and half the body and then closes (a drop mid-body); delay waits before answering.
    fail: str = ""
    delay: float = 0.0

    @classmethod
    def reset(cls) -> Reply:
        return cls(0, fail="reset")

    @classmethod
    def short(cls, status: int = 200, body: bytes = b'{"data": [1, 2, 3, 4, 5, 6, 7, 8]}') -> Reply:
        return cls(status, body, {"Content-Type": "application/json"}, fail="short")

    @classmethod
    def json(cls, status: int, payload: object, **headers: str) -> Reply:
        return cls(status, json.dumps(payload).encode(), {"Content-Type": "application/json", **headers})


class AtomicServer:
    """A local token endpoint + API on 127.0.0.1 that records every request.

    Tokens are issued as ``tkn-<n>-<client_id>``. ``token_replies`` / ``api_replies`` are consumed
    in order before falling back to the defaults (a fresh token; 200 with an empty list).
    """

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.requests: list[Recorded] = []
        self.token_replies: list[Reply] = []
        self.api_replies: list[Reply] = []
        self.token_delay = 0.0
        self.expires_in: float | None = 3600
        self._issued: dict[str, str] = {}
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                split = urlsplit(self.path)
                rec = Recorded(
                    self.command,
                    split.path,
                    parse_qs(split.query),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                reply = server._respond(rec)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.fail == "reset":
                    self.close_connection = True
                    # RST instead of FIN: the client sees a reset connection, as behind a failing proxy.
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if reply.fail == "short":
                    self.wfile.write(reply.body[: len(reply.body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(reply.body)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 256

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return self.origin + self.prefix

    @property
    def token_url(self) -> str:
        return self.origin + TOKEN_PATH

    def token_requests(self) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.raw_path == TOKEN_PATH]

    def api_requests(self) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.raw_path != TOKEN_PATH]

    def _respond(self, rec: Recorded) -> Reply:
        if rec.raw_path == TOKEN_PATH:
            if self.token_delay:
                time.sleep(self.token_delay)
            with self._lock:
                self.requests.append(rec)
                if self.token_replies:
                    return self.token_replies.pop(0)
                client_id = (rec.query.get("client_id") or ["?"])[0]
                token = f"{TOKEN_MARK}{len(self._issued) + 1}-{client_id}"
                self._issued[token] = client_id
            payload: dict[str, object] = {"access_token": token, "token_type": "Bearer"}
            if self.expires_in is not None:
                payload["expires_in"] = self.expires_in
            return Reply.json(200, payload)
        with self._lock:
            auth = rec.headers.get("authorization", "")
            rec.client_id = self._issued.get(auth.removeprefix("Bearer "))
            self.requests.append(rec)
            if self.api_replies:
                return self.api_replies.pop(0)
        if rec.raw_path.endswith("/environments"):
            return Reply.json(200, {"environments": [{"id": "env1", "name": "production"}]})
        return Reply.json(200, {"data": []})

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def mock_token_endpoint(router: respx.MockRouter, token_url: str) -> None:
    """Answer client-credentials requests at ``token_url`` on a respx router with numbered tokens.

    Each token is ``TOKEN_MARK<n>-<client_id>``, n counting up from 1, valid for an hour, so a test can
    tell which key and which fetch a request's bearer token came from.
    """
    counter = iter(range(1, 1_000_000))

    def issue(request: httpx.Request) -> httpx.Response:
        client_id = request.url.params["client_id"]
        return httpx.Response(200, json={"access_token": f"{TOKEN_MARK}{next(counter)}-{client_id}", "expires_in": 3600})

    router.post(token_url, name="token").mock(side_effect=issue)
