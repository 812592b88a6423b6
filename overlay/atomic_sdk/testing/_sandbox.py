"""Sandbox: a local HTTP server that behaves like Atomic where it matters to a client."""

import base64
import binascii
import collections
import json
import math
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, unquote, urlsplit

from .._client import AtomicClient
from .._credentials import Credentials
from .._roles import Role
from ._spec import ApiDescription, SpecOperation, load_description

TOKEN_PATH = "/oauth2/token"
ALL_ROLES = "all"
DEFAULT_ORG_ID = "sandbox"
DEFAULT_ENVIRONMENT_ID = "4dkLrv"
_MAX_BODY = 10 * 1024 * 1024
#: How the Sandbox counts the webhook test call, which has no operation of its own in the spec.
WEBHOOK_TEST_OPERATION = "testWebhookSubscription"
# The test call's documented URL shape; matched on the request, not on the spec's path template names.
_WEBHOOK_PATH = re.compile(r"/v1/([^/]+)/webhook")


class _Registered:
    __slots__ = ("role", "secret")

    def __init__(self, secret: str, role: str) -> None:
        self.secret = secret
        self.role = role


class _Token:
    __slots__ = ("client_id", "expires_at", "role")

    def __init__(self, client_id: str, role: str, expires_at: float) -> None:
        self.client_id = client_id
        self.role = role
        self.expires_at = expires_at


def _check_role(role: Role | str) -> str:
    value = str(role.value if isinstance(role, Role) else role)
    if value != ALL_ROLES and value not in {r.value for r in Role}:
        raise ValueError(f"role must be one of auth, workbench, events or 'all', got {role!r}")
    return value


class Sandbox:
    """A local stand-in for Atomic: a token endpoint plus every operation of the spec, on 127.0.0.1.

    It checks what the real service checks and a client can get wrong, and counts what it saw:

    * ``POST /oauth2/token``: OAuth2 client credentials (HTTP Basic, ``grant_type=client_credentials``)
      checked against the registered keys; answers ``access_token`` + ``expires_in``; 400/401 with an
      OAuth error body (``{"error": "invalid_client"}`` ...) otherwise, 429 + ``Retry-After`` when more
      than ``token_rate_limit`` requests arrive within ``token_rate_window`` seconds.
    * every operation: a live bearer token (401 otherwise), whose role the operation accepts per the
      generated role map (403, naming the needed and the used role), a ``User-Agent`` (403 without), a
      request that conforms to the spec (400 with the validation messages); then the operation's example
      response from the spec.
    * the webhook test call, ``POST /v1/{env}/webhook?type=<event>`` (same method and path as the subscribe
      operation, so not an operation of the spec): the subscribe operation's token and role checks, exactly
      one non-empty ``type`` and no body (400 otherwise), then ``{}``. Counted in ``api_requests`` as
      ``testWebhookSubscription``; ``webhook_tests`` lists the ``(environment id, event type)`` pairs accepted.

    Tokens are random and never logged. The server runs in a daemon thread; use it as a context manager.

    Example::

        from atomic_api.api.cards import list_cards
        from atomic_sdk.testing import Sandbox

        with Sandbox() as sb, sb.client() as client:
            cards = list_cards.sync(client=client, environment_id="env1", user_id="u1")
            assert sb.api_requests == {"listCards": 1}
            assert sb.token_requests_by_role() == {"events": 1}

    Arguments:
        credentials: keys to register, as ``{role: Credentials}`` (role ``auth``/``workbench``/``events`` or
            ``"all"`` for a key that serves every role). By default one random key per role is registered.
        expires_in: lifetime of issued tokens, in seconds.
        token_rate_limit / token_rate_window: more than this many token requests within this many seconds
            are answered 429 (``None`` disables the limit).
        retry_after: the ``Retry-After`` seconds sent with a 429 (default: until the window frees up).
        token_delay: seconds the token endpoint waits before answering (a slow identity provider widens
            races between processes in tests). ``pause_token_endpoint()`` holds answers indefinitely.
        spec: path to an OpenAPI file; by default the one ``atomic_api`` was generated from.
        clock: seconds (monotonic) used for token expiry and the rate-limit window; inject one in tests.
        host / port: where to listen (port 0 picks a free one).
    """

    def __init__(
        self,
        credentials: Mapping[Role, Credentials] | Mapping[str, Credentials] | None = None,
        *,
        expires_in: int = 3600,
        token_rate_limit: int | None = None,
        token_rate_window: float = 1.0,
        retry_after: int | None = None,
        token_delay: float = 0.0,
        spec: str | Path | None = None,
        clock: Callable[[], float] = time.monotonic,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.expires_in = expires_in
        self.token_rate_limit = token_rate_limit
        self.token_rate_window = token_rate_window
        self.retry_after = retry_after
        self.token_delay = token_delay
        self._token_gate = threading.Event()
        self._token_gate.set()
        self._clock = clock
        self._host = host
        self._port = port
        self._description: ApiDescription = load_description(spec)
        self._lock = threading.Lock()
        self._keys: dict[str, _Registered] = {}
        self._tokens: dict[str, _Token] = {}
        self._token_times: collections.deque[float] = collections.deque()
        self._token_requests: collections.Counter[str] = collections.Counter()
        self._api_requests: collections.Counter[str] = collections.Counter()
        self._webhook_tests: list[tuple[str, str]] = []
        self._last_headers: dict[str, str] | None = None
        self._by_role: dict[str, Credentials] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        if credentials is None:
            for role in Role:
                self.add_credentials(f"sandbox-{role.value}", secrets.token_urlsafe(16), role)
        else:
            for role_key, creds in credentials.items():
                self.add_credentials(creds.client_id, creds.client_secret, role_key)

    # ---- lifecycle -------------------------------------------------------------------------------

    def start(self) -> Self:
        """Start serving (idempotent); ``with Sandbox() as sb`` does this for you."""
        if self._server is not None:
            return self
        server = ThreadingHTTPServer((self._host, self._port), _Handler)
        server.daemon_threads = True
        server.block_on_close = False
        server.sandbox = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="atomic-sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port (idempotent)."""
        self._token_gate.set()
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.base_url if self._server is not None else "stopped"
        return f"Sandbox({where}, keys={sorted(self._keys)})"

    # ---- where and how to connect -----------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The API base URL, e.g. ``http://127.0.0.1:54321`` (the Sandbox must be started)."""
        if self._server is None:
            raise RuntimeError("the Sandbox is not running; use `with Sandbox() as sb:` or sb.start()")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def token_url(self) -> str:
        """The OAuth2 token endpoint URL."""
        return self.base_url + TOKEN_PATH

    @property
    def environment_id(self) -> str:
        """An environment id that listEnvironments returns (from the spec's example)."""
        try:
            return str(self._description.get("listEnvironments").example["environments"][0]["id"])
        except (TypeError, KeyError, IndexError):
            return DEFAULT_ENVIRONMENT_ID

    @property
    def operation_ids(self) -> tuple[str, ...]:
        """Every operation the Sandbox serves, in spec order."""
        return tuple(op.operation_id for op in self._description.operations)

    @property
    def credentials(self) -> dict[str, Credentials]:
        """The first registered key for each role (``"all"`` for a key that serves every role)."""
        with self._lock:
            return dict(self._by_role)

    def add_credentials(self, client_id: str, client_secret: str, role: Role | str) -> Credentials:
        """Register a key; ``role`` is ``auth``, ``workbench``, ``events`` or ``"all"``."""
        value = _check_role(role)
        creds = Credentials(client_id, client_secret)
        with self._lock:
            self._keys[client_id] = _Registered(client_secret, value)
            self._by_role.setdefault(value, creds)
        return creds

    def client(self, **kwargs: Any) -> AtomicClient:
        """An ``AtomicClient`` pointed at this Sandbox, holding its keys unless ``credentials=`` is given.

        Other keyword arguments go to ``AtomicClient`` (e.g. ``user_agent``, ``environment_id``).
        """
        if "credentials" not in kwargs:
            by_role = self.credentials
            kwargs["credentials"] = (
                by_role[ALL_ROLES]
                if set(by_role) == {ALL_ROLES}
                else {Role(role): creds for role, creds in by_role.items() if role != ALL_ROLES}
            )
        kwargs.setdefault("base_url", self.base_url)
        kwargs.setdefault("token_url", self.token_url)
        kwargs.setdefault("org_id", DEFAULT_ORG_ID)
        return AtomicClient(**kwargs)

    def env(self) -> dict[str, str]:
        """``ATOMIC_*`` variables that make ``AtomicClient.from_env()`` use this Sandbox and its keys."""
        values = {
            "ATOMIC_ORG_ID": DEFAULT_ORG_ID,
            "ATOMIC_ENVIRONMENT_ID": self.environment_id,
            "ATOMIC_BASE_URL": self.base_url,
            "ATOMIC_TOKEN_URL": self.token_url,
        }
        for role, creds in self.credentials.items():
            prefix = "ATOMIC" if role == ALL_ROLES else f"ATOMIC_{role.upper()}"
            values[f"{prefix}_CLIENT_ID"] = creds.client_id
            values[f"{prefix}_CLIENT_SECRET"] = creds.client_secret
        return values

    def issue_token(self, role: Role | str, *, expires_in: float | None = None, client_id: str = "issued") -> str:
        """A bearer token for ``role`` without a token request (not counted); for raw-HTTP tests."""
        value = _check_role(role)
        token = secrets.token_urlsafe(32)
        lifetime = self.expires_in if expires_in is None else expires_in
        with self._lock:
            self._tokens[token] = _Token(client_id, value, self._clock() + lifetime)
        return token

    # ---- what the Sandbox saw ---------------------------------------------------------------------

    @property
    def token_requests(self) -> dict[str, int]:
        """Token requests received per client id (every attempt, answered or refused)."""
        with self._lock:
            return dict(self._token_requests)

    def token_requests_by_role(self) -> dict[str, int]:
        """Token requests received per role of the registered key (unknown ids are left out)."""
        counts: collections.Counter[str] = collections.Counter()
        with self._lock:
            for client_id, count in self._token_requests.items():
                key = self._keys.get(client_id)
                if key is not None:
                    counts[key.role] += count
        return dict(counts)

    def sensitive_values(self) -> list[str]:
        """Every client secret registered and every access token issued so far.

        For leak checks in your tests: none of them should appear in your logs, errors or output.
        ``reset()`` forgets issued tokens, so take this before resetting.
        """
        with self._lock:
            return [key.secret for key in self._keys.values()] + list(self._tokens)

    @property
    def api_requests(self) -> dict[str, int]:
        """API requests received per operation id (every attempt, answered or refused)."""
        with self._lock:
            return dict(self._api_requests)

    @property
    def webhook_tests(self) -> list[tuple[str, str]]:
        """``(environment id, event type)`` of every accepted webhook test call, in arrival order."""
        with self._lock:
            return list(self._webhook_tests)

    @property
    def last_request_headers(self) -> dict[str, str] | None:
        """Headers of the last API request (lower-case names), or None before the first one."""
        with self._lock:
            return None if self._last_headers is None else dict(self._last_headers)

    def pause_token_endpoint(self) -> None:
        """Hold every token request (counted on arrival) until ``resume_token_endpoint()``.

        Lets a test kill a client while its token request is in flight.
        """
        self._token_gate.clear()

    def resume_token_endpoint(self) -> None:
        """Answer held and new token requests again."""
        self._token_gate.set()

    def reset(self) -> None:
        """Forget counts, last headers, the rate-limit window and issued tokens (keys stay)."""
        with self._lock:
            self._token_requests.clear()
            self._api_requests.clear()
            self._last_headers = None
            self._token_times.clear()
            self._tokens.clear()
            self._webhook_tests.clear()

    # ---- request handling (called from server threads) -------------------------------------------

    def _handle_token(
        self, query: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        params = parse_qs(query)
        content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if content_type == "application/x-www-form-urlencoded":
            for name, values in parse_qs(body.decode("latin-1")).items():
                params.setdefault(name, values)
        basic_id, basic_secret = _basic(headers.get("authorization", ""))
        query_id = _last(params, "client_id")
        client_id = basic_id if basic_id is not None else (query_id or "")
        now = self._clock()
        with self._lock:
            self._token_requests[client_id] += 1
            if self.token_rate_limit is not None:
                while self._token_times and self._token_times[0] <= now - self.token_rate_window:
                    self._token_times.popleft()
                self._token_times.append(now)
                if len(self._token_times) > self.token_rate_limit:
                    wait = self.retry_after
                    if wait is None:
                        wait = max(1, math.ceil(self._token_times[0] + self.token_rate_window - now))
                    return 429, {"error": "too_many_requests"}, {"Retry-After": str(wait)}
            key = self._keys.get(basic_id) if basic_id is not None else None
        if self.token_delay > 0:
            time.sleep(self.token_delay)
        self._token_gate.wait()
        if content_type != "application/x-www-form-urlencoded":
            return 400, _oauth("invalid_request", "Content-Type must be application/x-www-form-urlencoded"), {}
        grant = _last(params, "grant_type")
        if grant is None:
            return 400, _oauth("invalid_request", "grant_type is required"), {}
        if grant != "client_credentials":
            return 400, _oauth("unsupported_grant_type", "only client_credentials is supported"), {}
        if basic_id is None or basic_secret is None:
            return 401, _oauth("invalid_client", "HTTP Basic client authentication is required"), _basic_challenge()
        if query_id is not None and query_id != basic_id:
            return 400, _oauth("invalid_request", "client_id does not match the authenticated client"), {}
        if key is None or not secrets.compare_digest(key.secret.encode(), basic_secret.encode()):
            return 401, _oauth("invalid_client", "unknown client or wrong secret"), _basic_challenge()
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = _Token(basic_id, key.role, now + self.expires_in)
        return (
            200,
            {"access_token": token, "expires_in": self.expires_in, "token_type": "Bearer"},
            {"Cache-Control": "no-store"},
        )

    def _handle_api(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        operation, path_params, path_exists = self._description.match(method, path)
        if operation is None:
            if path_exists:
                return 405, {"error": "method_not_allowed", "message": f"{method} is not allowed on {path}"}, {}
            return 404, {"error": "not_found", "message": f"no operation matches {method} {path}"}, {}
        if _is_webhook_test(operation, path, query):
            return self._handle_webhook_test(operation, path, query, headers, body)
        with self._lock:
            self._api_requests[operation.operation_id] += 1
            self._last_headers = dict(headers)
        if not headers.get("user-agent", "").strip():
            return 403, {"error": "forbidden", "message": "a User-Agent header is required"}, {}
        refusal = self._check_token(operation, headers.get("authorization", ""))
        if refusal is not None:
            return refusal
        problems = operation.validate(path_params, query, headers, body)
        if problems:
            return 400, {"error": "bad_request", "message": "; ".join(problems), "errors": problems}, {}
        return operation.status, operation.example if operation.has_body else None, {}

    def _check_token(self, operation: SpecOperation, authorization: str) -> tuple[int, Any, dict[str, str]] | None:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return 401, {"error": "unauthorized", "message": "a Bearer access token is required"}, _bearer_challenge()
        with self._lock:
            token = self._tokens.get(value.strip())
        if token is None:
            return 401, {"error": "unauthorized", "message": "unknown access token"}, _bearer_challenge()
        if self._clock() >= token.expires_at:
            return 401, {"error": "unauthorized", "message": "the access token has expired"}, _bearer_challenge()
        if token.role != ALL_ROLES and token.role not in operation.roles:
            needed = " or ".join(operation.roles)
            return (
                403,
                {
                    "error": "forbidden",
                    "message": f"{operation.operation_id} needs a token with role {needed}; "
                    f"this token has role {token.role}",
                    "requiredRoles": list(operation.roles),
                    "tokenRole": token.role,
                },
                {},
            )
        return None

    def _handle_webhook_test(
        self, operation: SpecOperation, path: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        """``POST /v1/{env}/webhook?type=<event>``: the subscribe route's auth, no body, one event type."""
        with self._lock:
            self._api_requests[WEBHOOK_TEST_OPERATION] += 1
            self._last_headers = dict(headers)
        if not headers.get("user-agent", "").strip():
            return 403, {"error": "forbidden", "message": "a User-Agent header is required"}, {}
        refusal = self._check_token(operation, headers.get("authorization", ""))
        if refusal is not None:
            return refusal
        types = parse_qs(query, keep_blank_values=True).get("type", [])
        problems = []
        if len(types) != 1 or not types[0].strip():
            problems.append(f"the webhook test call takes exactly one non-empty type parameter, got {types!r}")
        if body:
            problems.append("the webhook test call takes no request body")
        if problems:
            return 400, {"error": "bad_request", "message": "; ".join(problems), "errors": problems}, {}
        found = _WEBHOOK_PATH.fullmatch(path)
        environment_id = unquote(found.group(1)) if found else ""
        with self._lock:
            self._webhook_tests.append((environment_id, types[0]))
        # The real response is undocumented; an empty object is what the spec uses for such bodies.
        return 200, {}, {}


def _is_webhook_test(operation: SpecOperation, path: str, query: str) -> bool:
    # A spec that models `type` on the subscribe operation (merged into one) is served by that operation.
    declared = any(p.get("in") == "query" and p.get("name") == "type" for p in operation.parameters)
    return (
        operation.method == "POST"
        and _WEBHOOK_PATH.fullmatch(path) is not None
        and "type" in parse_qs(query, keep_blank_values=True)
        and not declared
    )


def _last(params: Mapping[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[-1] if values else None


def _oauth(error: str, description: str) -> dict[str, Any]:
    return {"error": error, "error_description": description}


def _basic_challenge() -> dict[str, str]:
    return {"WWW-Authenticate": 'Basic realm="atomic-sandbox"'}


def _bearer_challenge() -> dict[str, str]:
    return {"WWW-Authenticate": 'Bearer error="invalid_token"'}


def _basic(header: str) -> tuple[str | None, str | None]:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None, None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep else (None, None)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AtomicSandbox"
    timeout = 30  # an idle keep-alive connection must not pin a thread forever

    def _dispatch(self) -> None:
        sandbox: Sandbox = self.server.sandbox  # type: ignore[attr-defined]
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            length = int(headers.get("content-length", "0") or "0")
        except ValueError:
            self._send(400, {"error": "bad_request", "message": "invalid Content-Length"}, {})
            return
        if length > _MAX_BODY or length < 0:
            self._send(413, {"error": "payload_too_large"}, {})
            return
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        if parts.path == TOKEN_PATH:
            if self.command != "POST":
                self._send(405, _oauth("invalid_request", "use POST"), {"Allow": "POST"})
                return
            status, payload, extra = sandbox._handle_token(parts.query, headers, body)
        else:
            status, payload, extra = sandbox._handle_api(self.command, parts.path, parts.query, headers, body)
        self._send(status, payload, extra)

    def _send(self, status: int, payload: Any, extra: Mapping[str, str]) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status, HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else None)
        if payload is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _dispatch

    def log_message(self, format: str, *args: Any) -> None:
        # Silent on purpose: request lines and headers could carry tokens or secrets.
        return
