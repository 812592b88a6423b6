"""A raw-socket HTTP/1.1 server on 127.0.0.1 that can break a connection at a chosen point.

http.server always finishes a response it has started; a connection dropped half-way through a body
needs a server that writes bytes itself. Each request is answered normally (a token for POST
/oauth2/token, a small JSON document for anything else) unless a fault is queued for it:

- ``"reset"``: close the connection (with a TCP RST) before sending anything;
- ``"mid_body"``: send the headers and half of the announced body, then close (FIN);
- ``"mid_body_reset"``: the same, then reset the connection (RST);
- ``"status:503"`` (any status): answer that status with a small JSON body; ``"status:503:mid_body"``
  breaks that body half-way;
- ``"silent"``: read the request and answer nothing (until the server stops), for timeouts.

One request per connection (``Connection: close``), so every attempt is a new connection.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
from dataclasses import dataclass
from typing import Self

TOKEN_PATH = "/oauth2/token"


@dataclass
class Seen:
    method: str
    path: str


class FaultServer:
    """Token endpoint + API with scripted faults; ``token_faults`` / ``api_faults`` are used in order."""

    def __init__(self) -> None:
        self.token_faults: list[str] = []
        self.api_faults: list[str] = []
        self.requests: list[Seen] = []
        self._issued = 0
        self._lock = threading.Lock()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.05)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._workers: list[threading.Thread] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def token_url(self) -> str:
        return self.base_url + TOKEN_PATH

    def token_requests(self) -> list[Seen]:
        with self._lock:
            return [r for r in self.requests if r.path == TOKEN_PATH]

    def api_requests(self) -> list[Seen]:
        with self._lock:
            return [r for r in self.requests if r.path != TOKEN_PATH]

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()
        for worker in self._workers:
            worker.join(timeout=5)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            worker = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            self._workers.append(worker)
            worker.start()

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        try:
            head, _body = _read_request(conn)
            if head is None:
                return
            method, target = head.split(b" ", 2)[:2]
            path = target.split(b"?", 1)[0].decode()
            with self._lock:
                self.requests.append(Seen(method.decode(), path))
                faults = self.token_faults if path == TOKEN_PATH else self.api_faults
                fault = faults.pop(0) if faults else None
                if path == TOKEN_PATH:
                    self._issued += 1
                    payload: object = {"access_token": f"tkn-{self._issued}", "expires_in": 3600}
                elif path.endswith("/environments"):
                    payload = {"environments": [{"id": "env1", "name": "production"}]}
                else:
                    payload = {"data": [], "pad": "x" * 200}
            status = 200
            if fault is not None and fault.startswith("status:"):
                _, code, *rest = fault.split(":")
                status, payload = int(code), {"error": "server_error", "pad": "x" * 100}
                fault = rest[0] if rest else None
            if fault == "reset":
                _reset(conn)
                return
            if fault == "silent":
                self._stop.wait()
                return
            content = json.dumps(payload).encode()
            headers = (
                f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(content)}\r\nConnection: close\r\n\r\n"
            ).encode()
            if fault in ("mid_body", "mid_body_reset"):
                conn.sendall(headers + content[: len(content) // 2])
                if fault == "mid_body_reset":
                    _reset(conn)
                return
            conn.sendall(headers + content)
        except OSError:
            pass
        finally:
            conn.close()


def _read_request(conn: socket.socket) -> tuple[bytes | None, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None, b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head.split(b"\r\n", 1)[0], body


def _reset(conn: socket.socket) -> None:
    # SO_LINGER with a zero timeout turns close() into a TCP RST: the client sees a connection reset.
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()
