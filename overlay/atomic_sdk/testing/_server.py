"""The Sandbox on a socket: h11 reads and writes HTTP/1.1, one thread per connection answers with the Sandbox.

Why h11 (python-hyper's sans-I/O HTTP/1.1, already installed with httpx through httpcore): it does the framing,
chunked decoding and the request-smuggling checks (conflicting lengths, bad chunk headers, obsolete folding,
illegal header bytes, a missing or repeated Host), and it reports a malformed request as an exception with a
status hint, so every refusal still goes out as JSON. uvicorn and hypercorn (both built on h11) answer such a
request with their own text/plain or empty 400, aiohttp with text/plain, and werkzeug's server is http.server's
parser with HTML error pages, so none of them keeps "every answer is JSON" through its public API. A thread per
connection also serves sync and async callers alike and starts in about a millisecond, with no event loop.
"""

import json
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import h11

# A request line or header section longer than this is refused (431, h11's hint). h11 limits what it buffers
# of an incomplete head, which can grow by one read before it is looked at: the two add up to the limit.
MAX_HEAD_BYTES, _READ_BYTES = 64 * 1024, 8 * 1024
IDLE_TIMEOUT = 30.0  # an idle keep-alive connection must not pin a thread forever
_LINGER_IDLE, _LINGER_TOTAL, _LINGER_BYTES = 0.2, 2.0, 64 * 1024 * 1024
# (method, target, headers, body) -> (status, JSON payload or None, extra headers); blocking is fine here.
Respond = Callable[[str, str, list[tuple[str, str]], bytes], tuple[int, Any, dict[str, str]]]


_FAILED = {"error": "internal_error", "message": "the Sandbox failed; see the atomic_sdk.testing log"}


class _Refused(Exception):
    def __init__(self, status: int, message: str, *, close: bool = True) -> None:
        super().__init__(message)
        self.status, self.message, self.close = status, message, close


def error_body(status: int, message: str) -> dict[str, str]:
    """``{"error": <slug of the status>, "message": ...}``: the Sandbox's error shape."""
    # 413's phrase changed in Python 3.13 ("Content Too Large"); the slug stays the same everywhere.
    phrase = "Payload Too Large" if status == 413 else HTTPStatus(status).phrase
    return {"error": phrase.lower().replace(" ", "_").replace("-", "_"), "message": message}


class SocketServer:
    """``respond`` served on ``(host, port)`` by a daemon thread; ``on_failure`` hears of its own bugs."""

    def __init__(
        self, host: str, port: int, respond: Respond, max_body_bytes: Callable[[], int], on_failure: Any
    ) -> None:
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                outer._serve(self.request)

        self._respond, self._max_body_bytes, self._on_failure = respond, max_body_bytes, on_failure
        self._server = socketserver.ThreadingTCPServer((host, port), Handler, bind_and_activate=False)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        # The default backlog of 5 resets connections when a worker pool of 64 threads connects at once.
        self._server.request_queue_size = 128
        self._server.allow_reuse_address = True
        self._server.server_bind()
        self._server.server_activate()
        self._thread = threading.Thread(target=self._server.serve_forever, name="atomic-sandbox", daemon=True)
        self._thread.start()

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # ---- one connection ----------------------------------------------------------------------------

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(IDLE_TIMEOUT)
        # Head and body go out in one write each; without this Nagle meets delayed ACK (~40 ms per request).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD_BYTES - _READ_BYTES)
        try:
            while self._one_request(sock, conn):
                conn.start_next_cycle()
        except (TimeoutError, ConnectionError):
            return
        except Exception as exc:  # noqa: BLE001 - no request may go unanswered; the Sandbox records it
            self._on_failure(exc, "-", "")
            self._send(sock, conn, "GET", 500, _FAILED, {"Connection": "close"})

    def _one_request(self, sock: socket.socket, conn: h11.Connection) -> bool:
        """Answer one request; True when the connection can take the next one."""
        method, target = "GET", "-"
        try:
            event = self._next(sock, conn)
            if isinstance(event, h11.ConnectionClosed):
                return False
            assert isinstance(event, h11.Request)
            method, target = event.method.decode("ascii"), event.target.decode("ascii")
            headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in event.headers]
            body = self._body(sock, conn, event, headers)
        except _Refused as refused:
            self._refuse(sock, conn, method, refused)
            return False
        except h11.RemoteProtocolError as exc:
            # Only h11's words before a colon: after it comes the offending bytes, which may hold a secret.
            reason = str(exc).split(":", 1)[0]
            self._refuse(sock, conn, method, _Refused(exc.error_status_hint, f"malformed request: {reason}"))
            return False
        try:
            status, payload, extra = self._respond(method, target, headers, body)
        except Exception as exc:  # noqa: BLE001 - a Sandbox bug: answered as a logged, recorded JSON 500
            self._on_failure(exc, method, target)
            status, payload, extra = 500, _FAILED, {"Connection": "close"}
        self._send(sock, conn, method, status, payload, extra)
        return conn.our_state is h11.DONE and conn.their_state is h11.DONE

    def _next(self, sock: socket.socket, conn: h11.Connection) -> Any:
        while True:
            event = conn.next_event()
            if event is not h11.NEED_DATA:
                return event
            conn.receive_data(sock.recv(_READ_BYTES))

    def _body(self, sock: socket.socket, conn: h11.Connection, request: h11.Request, headers: Any) -> bytes:
        if request.http_version not in (b"1.0", b"1.1"):
            raise _Refused(505, f"HTTP/{request.http_version.decode()} is not supported; use HTTP/1.1")
        names = [name.lower() for name, _ in headers]
        if "transfer-encoding" in names and "content-length" in names:
            raise _Refused(400, "Transfer-Encoding and Content-Length together are refused")
        limit = self._max_body_bytes()
        length = {name.lower(): value for name, value in headers}.get("content-length")
        if length is not None and int(length) > limit:
            raise _Refused(413, f"the body is larger than {limit} bytes")
        if conn.they_are_waiting_for_100_continue:
            sock.sendall(conn.send(h11.InformationalResponse(status_code=100, headers=[])) or b"")
        chunks, total = [], 0
        while not isinstance(event := self._next(sock, conn), h11.EndOfMessage):
            total += len(event.data)
            if total > limit:
                raise _Refused(413, f"the body is larger than {limit} bytes")
            chunks.append(bytes(event.data))
        return b"".join(chunks)

    def _refuse(self, sock: socket.socket, conn: h11.Connection, method: str, refused: _Refused) -> None:
        extra = {"Connection": "close"} if refused.close else {}
        self._send(sock, conn, method, refused.status, error_body(refused.status, refused.message), extra)
        if refused.close:
            _linger(sock)

    @staticmethod
    def _send(
        sock: socket.socket, conn: h11.Connection, method: str, status: int, payload: Any, extra: dict[str, str]
    ) -> None:
        if conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            return
        data = b"" if payload is None else json.dumps(payload).encode()
        headers = [("Content-Length", str(len(data)))] + [(k, v) for k, v in extra.items()]
        if payload is not None:
            headers.insert(0, ("Content-Type", "application/json"))
        reason = HTTPStatus(status).phrase.encode()
        out = conn.send(h11.Response(status_code=status, headers=headers, reason=reason)) or b""
        if method != "HEAD" and data:
            out += conn.send(h11.Data(data=data)) or b""
        sock.sendall(out + (conn.send(h11.EndOfMessage()) or b""))


def _linger(sock: socket.socket) -> None:
    """Read and drop what the client still sends, so that closing does not reset the refusal away.

    Closing a socket with unread input makes the kernel answer with a reset, which can destroy the answer
    before the client reads it (a 413 for a large upload would surface as a connection error). Bounded:
    stops after a short silence, 2 s or 64 MiB, whichever comes first.
    """
    try:
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(_LINGER_IDLE)
        deadline, drained = time.monotonic() + _LINGER_TOTAL, 0
        while time.monotonic() < deadline and drained < _LINGER_BYTES:
            chunk = sock.recv(65536)
            if not chunk:
                return
            drained += len(chunk)
    except OSError:
        return
