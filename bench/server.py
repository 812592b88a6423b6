"""A minimal Atomic look-alike for benchmarks: token endpoint + two API routes, on 127.0.0.1.

Run as a separate process (``python bench/server.py``) so its CPU time does not share a GIL with the
client being measured. Prints ``PORT <n>`` on stdout once it listens; stops on stdin EOF or SIGTERM.

Routes:
  POST /oauth2/token                 client-credentials grant (HTTP Basic) -> {"access_token", "expires_in": 3600}
  GET  /v1/env-500/cards             listCards (events role)              -> a CardList of 500 cards
  GET  /v1/{environmentId}/cards     listCards (events role)              -> a CardList of 2 cards
  GET  /v1/{environmentId}/webhook   listWebhookSubscriptions (workbench) -> a small WebhookSubscriptionList
  GET  /_stats                       token requests per client id, API requests, requests without a bearer
  POST /_reset?token_delay_ms=N&expires_in=S
                                     zero the counters, set the token endpoint's latency and token lifetime
"""

from __future__ import annotations

import base64
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def card_list(cards: int) -> bytes:
    """A listCards body with ``cards`` cards (every field the Card model parses: ids, enum, two dates)."""
    return json.dumps(
        {
            "data": [
                {
                    "cardInstanceId": f"card-{i}",
                    "cardTemplateId": "tmpl-1",
                    "cardTemplateName": "Welcome",
                    "lifecycleId": f"lc-{i}",
                    "eventName": "",
                    "eventSource": "live",
                    "status": "active",
                    "userId": "user-1",
                    "created": "2026-11-27T10:00:00.000Z",
                    "updated": "2026-11-27T10:05:00.000Z",
                }
                for i in range(cards)
            ]
        }
    ).encode()


CARDS = card_list(2)
BIG_CARDS = card_list(500)
WEBHOOKS = json.dumps({"data": [{"id": "wh-1", "types": ["card.created"], "url": "https://example.com/hook"}]}).encode()
# First match wins: the 500-card environment before the generic one.
ROUTES = {
    re.compile(r"/v1/env-500/cards"): BIG_CARDS,
    re.compile(r"/v1/[^/]+/cards"): CARDS,
    re.compile(r"/v1/[^/]+/webhook"): WEBHOOKS,
}


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset(0.0, 3600.0)

    def reset(self, token_delay: float, expires_in: float) -> None:
        with self.lock:
            self.expires_in = expires_in
            self.token_requests: dict[str, int] = {}
            self.api_requests = 0
            self.unauthorised = 0
            self.token_delay = token_delay
            self.issued = 0

    def snapshot(self) -> dict[str, object]:
        with self.lock:
            return {
                "token_requests": dict(self.token_requests),
                "api_requests": self.api_requests,
                "unauthorised": self.unauthorised,
            }


STATS = Stats()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real clients use it
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes) -> None:
        # One write per response: header and body together, so no Nagle/delayed-ACK stalls.
        head = (
            f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n"
            "\r\n"
        ).encode()
        self.wfile.write(head + body)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        self._read_body()
        if parts.path == "/oauth2/token":
            client_id = "?"
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Basic "):
                client_id = base64.b64decode(auth[6:]).decode().split(":", 1)[0]
            with STATS.lock:
                STATS.token_requests[client_id] = STATS.token_requests.get(client_id, 0) + 1
                STATS.issued += 1
                n, delay, expires_in = STATS.issued, STATS.token_delay, STATS.expires_in
            if delay:
                time.sleep(delay)
            body = json.dumps(
                {"access_token": f"tok-{client_id}-{n}", "expires_in": expires_in, "token_type": "Bearer"}
            )
            self._send(200, body.encode())
        elif parts.path == "/_reset":
            query = parse_qs(parts.query)
            delay_ms = float(query.get("token_delay_ms", ["0"])[0])
            # An integer lifetime: authlib only honours an integer expires_at.
            STATS.reset(delay_ms / 1000, int(query.get("expires_in", ["3600"])[0]))
            self._send(200, b"{}")
        else:
            self._send(404, b'{"message": "not found"}')

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/_stats":
            self._send(200, json.dumps(STATS.snapshot()).encode())
            return
        for pattern, body in ROUTES.items():
            if pattern.fullmatch(path):
                authorised = self.headers.get("Authorization", "").startswith("Bearer tok-")
                with STATS.lock:
                    STATS.api_requests += 1
                    STATS.unauthorised += not authorised
                if authorised:
                    self._send(200, body)
                else:
                    self._send(401, b'{"message": "unauthorised"}')
                return
        self._send(404, b'{"message": "not found"}')


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # 128 clients connect at once in the cold-start case

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients closing keep-alive connections are not news


def main() -> None:
    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"PORT {server.server_address[1]}", flush=True)
    sys.stdin.read()  # the parent closes our stdin (or dies) -> stop
    server.shutdown()


if __name__ == "__main__":
    main()
