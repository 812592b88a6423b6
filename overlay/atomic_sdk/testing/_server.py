"""The Sandbox on a socket: h11 parses and writes HTTP/1.1; a thread per connection asks the Sandbox for answers.

Why h11 (python-hyper's sans-I/O HTTP/1.1, installed with httpx anyway): it does the framing, chunked decoding
and request-smuggling checks, and reports a malformed request as an exception with a status hint, so every
refusal is still JSON. uvicorn and hypercorn (on h11) answer those with their own text/plain or empty 400,
aiohttp with text/plain, werkzeug with http.server's HTML pages. Threads serve sync and async callers alike and
start in a millisecond (the comparison is in the guide, "Testing your code with the Sandbox").
"""

import json
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.client import responses
from typing import Any

import h11

# A head (request line and headers) longer than this gets 431. h11 bounds what it buffers of an incomplete
# head, which grows by one read before it is looked at: the two add up to the limit.
MAX_HEAD_BYTES, _READ_BYTES = 64 * 1024, 8 * 1024
Answer = tuple[int, Any, dict[str, str]]
Respond = Callable[[str, str, list[tuple[str, str]], bytes], Answer]  # (method, target, headers, body) -> answer
FAILED = {"error": "internal_error", "message": "the Sandbox failed; see the atomic_sdk.testing log"}
_CLOSE = {"Connection": "close"}


def error_body(status: int, message: str) -> dict[str, str]:
    """``{"error": <slug of the status>, "message": ...}``: the Sandbox's error shape."""
    phrase = "Payload Too Large" if status == 413 else HTTPStatus(status).phrase  # 3.13 renamed 413's phrase
    return {"error": phrase.lower().replace(" ", "_").replace("-", "_"), "message": message}


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.answer: Answer = (status, error_body(status, message), _CLOSE)


class SocketServer(socketserver.ThreadingTCPServer):
    """``respond(method, target, headers, body)`` served on ``address`` until ``close()``."""

    daemon_threads, block_on_close, allow_reuse_address = True, False, True
    request_queue_size = 128  # the default 5 resets connections when a pool of 64 threads connects at once

    def __init__(
        self, address: tuple[str, int], respond: Respond, max_body: Callable[[], int], on_failure: Any
    ) -> None:
        self.respond, self.max_body_bytes = respond, max_body
        self.on_failure: Callable[[BaseException, str, str], None] = on_failure
        super().__init__(address, _Connection)
        self._thread = threading.Thread(target=self.serve_forever, args=(0.05,), name="atomic-sandbox", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)


class _Connection(socketserver.BaseRequestHandler):
    server: SocketServer
    request: socket.socket

    def handle(self) -> None:
        self.request.settimeout(30)  # an idle keep-alive connection must not pin a thread forever
        # Head and body go out in one write each; without this Nagle meets delayed ACK (~40 ms per request).
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.conn = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD_BYTES - _READ_BYTES)
        try:
            while self._one_request():
                self.conn.start_next_cycle()
        except (TimeoutError, ConnectionError):
            return
        except Exception as exc:  # noqa: BLE001 - no request may go unanswered; the Sandbox records it
            self.server.on_failure(exc, "-", "")
            self._send("GET", (500, FAILED, _CLOSE))

    def _one_request(self) -> bool:
        """Answer one request; True when the connection can take the next one."""
        method = "GET"
        try:
            event = self._next()
            if isinstance(event, h11.ConnectionClosed):
                return False
            method, target = event.method.decode("ascii"), event.target.decode("ascii")
            headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in event.headers]
            body = self._body(event.http_version, headers)
        except (_Refused, h11.RemoteProtocolError) as exc:
            # Of h11's message only the words before a colon: after it come the offending bytes (maybe a secret).
            status = exc.answer[0] if isinstance(exc, _Refused) else exc.error_status_hint
            if status == 431 and b"\n" not in self.conn.trailing_data[0]:  # still in the request line
                status, exc = 414, _Refused(414, "the request line is longer than 64 KiB")
            refused = (
                exc if isinstance(exc, _Refused) else _Refused(status, "malformed request: " + str(exc).split(":")[0])
            )
            self._send(method, refused.answer)
            self._linger()
            return False
        try:
            answer = self.server.respond(method, target, headers, body)
        except Exception as exc:  # noqa: BLE001 - a Sandbox bug: answered as a logged, recorded JSON 500
            self.server.on_failure(exc, method, target)
            answer = (500, FAILED, _CLOSE)
        self._send(method, answer)
        return self.conn.our_state is h11.DONE and self.conn.their_state is h11.DONE

    def _next(self) -> Any:
        while (event := self.conn.next_event()) is h11.NEED_DATA:
            self.conn.receive_data(self.request.recv(_READ_BYTES))
        return event

    def _body(self, version: bytes, headers: list[tuple[str, str]]) -> bytes:
        if version not in (b"1.0", b"1.1"):
            raise _Refused(505, f"HTTP/{version.decode()} is not supported; use HTTP/1.1")
        fields, limit = dict(headers), self.server.max_body_bytes()
        if "transfer-encoding" in fields and "content-length" in fields:
            raise _Refused(400, "Transfer-Encoding and Content-Length together are refused")
        if int(fields.get("content-length", 0)) > limit:  # h11 checked its syntax
            raise _Refused(413, f"the body is larger than {limit} bytes")
        if self.conn.they_are_waiting_for_100_continue:
            self.request.sendall(self.conn.send(h11.InformationalResponse(status_code=100, headers=[])) or b"")
        body = bytearray()
        while not isinstance(event := self._next(), h11.EndOfMessage):
            body += event.data
            if len(body) > limit:
                raise _Refused(413, f"the body is larger than {limit} bytes")
        return bytes(body)

    def _send(self, method: str, answer: Answer) -> None:
        if self.conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            return
        status, payload, extra = answer
        data = b"" if payload is None else json.dumps(payload).encode()
        headers = [("Content-Type", "application/json")] if payload is not None else []
        headers += [("Content-Length", str(len(data))), *extra.items()]
        out = self.conn.send(h11.Response(status_code=status, headers=headers, reason=responses.get(status, "")))
        if method != "HEAD" and data:
            out = (out or b"") + (self.conn.send(h11.Data(data=data)) or b"")
        self.request.sendall((out or b"") + (self.conn.send(h11.EndOfMessage()) or b""))

    def _linger(self) -> None:
        """Drop what the client still sends (at most 2 s or 64 MiB) before closing: closing with unread input
        makes the kernel send a reset, which can destroy the refusal before the client reads it."""
        try:
            self.request.shutdown(socket.SHUT_WR)
            self.request.settimeout(0.2)
            deadline, drained = time.monotonic() + 2.0, 0
            while time.monotonic() < deadline and drained < 64 * 1024 * 1024 and (chunk := self.request.recv(65536)):
                drained += len(chunk)
        except OSError:
            return
