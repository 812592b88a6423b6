"""Sandbox: a local HTTP server that behaves like Atomic where it matters to a client."""

import base64
import binascii
import collections
import copy
import json
import logging
import math
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from .._client import AsyncAtomicClient, AtomicClient
from .._credentials import Credentials
from .._errors import ConfigurationError
from .._roles import Role
from ._spec import DEFAULT_MAX_JSON_DEPTH, ApiDescription, SpecOperation, load_description

TOKEN_PATH = "/oauth2/token"
ALL_ROLES = "all"
DEFAULT_ORG_ID = "sandbox"
DEFAULT_ENVIRONMENT_ID = "4dkLrv"
DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024
# The path parameter that names an environment, and the operation that lists them (fixed Atomic names).
ENVIRONMENT_PARAMETER = "environmentId"
LIST_ENVIRONMENTS = "listEnvironments"
_MAX_TRAILERS = 100
_LINGER_IDLE, _LINGER_TOTAL, _LINGER_BYTES = 0.2, 2.0, 64 * 1024 * 1024
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 token: what a method name may be
_TARGET = re.compile(r"[\x21-\x7e]+")  # a request target is visible ASCII (RFC 3986 / RFC 9112 3.2)
_SINGLETON_HEADERS = ("Authorization", "Host", "Content-Type")
_DIGITS = re.compile(r"[0-9]{1,19}")
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")
_log = logging.getLogger("atomic_sdk.testing")
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

    It is as strict as the real service where a client can get something wrong, and counts what it saw:

    * ``POST /oauth2/token``: OAuth2 client credentials (HTTP Basic, ``grant_type=client_credentials``)
      checked against the registered keys; answers ``access_token`` + ``expires_in``; 400/401 with an
      OAuth error body (``{"error": "invalid_client"}`` ...) otherwise, 429 + ``Retry-After`` when more
      than ``token_rate_limit`` requests arrive within ``token_rate_window`` seconds.
    * every operation, in this order: a ``User-Agent`` (403 without); a live bearer token (401); a known
      environment (the ``environmentId`` path parameter must be one of ``environments``, 404 otherwise);
      a token role the operation accepts per the generated role map (403, naming the needed and the used
      role); a request that conforms to the spec (400 with the validation messages): parameters parsed as
      JSON defines numbers and booleans, the formats in ``CHECKED_FORMATS`` always checked, JSON bodies in
      UTF-8 without ``NaN``/``Infinity`` and at most ``max_json_depth`` levels deep. Then the operation's
      example response from the spec (``listEnvironments`` lists exactly ``environments``).
    * the webhook test call, ``POST /v1/{env}/webhook?type=<event>`` (same method and path as the subscribe
      operation, so not an operation of the spec): the subscribe operation's token, environment and role
      checks, exactly one non-empty ``type`` and no body (400 otherwise), then ``{}``. Counted in
      ``api_requests`` as ``testWebhookSubscription``; ``webhook_tests`` lists the ``(environment id, event
      type)`` pairs accepted.
    * HTTP itself: a method the spec does not list for a path gets 405 with ``Allow``; bodies may be sent
      with ``Content-Length`` or chunked; a body over ``max_body_bytes`` gets 413; bad framing (negative or
      conflicting lengths, a bad chunk) gets 400 and a closed connection; more than one ``Authorization``,
      ``Host`` or ``Content-Type`` header gets 400; methods are case-sensitive; the request target must be
      ASCII. Every answer is JSON; error bodies take the shape the spec documents.
      A failure inside the Sandbox itself is answered with a JSON 500, logged to ``atomic_sdk.testing``
      and listed in ``internal_errors``.

    It does not keep state: every call of an operation gets the same example answer (a created webhook
    is not listed afterwards, a deleted user still exists).

    Tokens are random and never logged. The server runs in a daemon thread; use it as a context manager.

    Example::

        from atomic_api.api.cards import list_cards
        from atomic_sdk.testing import Sandbox

        with Sandbox() as sb, sb.client() as client:
            cards = list_cards.sync(client=client, environment_id=sb.environment_id, user_id="u1")
            assert sb.api_requests == {"listCards": 1}
            assert sb.token_requests_by_role() == {"events": 1}

    Arguments:
        credentials: keys to register, as ``{role: Credentials}`` (role ``auth``/``workbench``/``events`` or
            ``"all"`` for a key that serves every role). By default one random key per role is registered.
        expires_in: lifetime of issued tokens, in seconds.
        token_rate_limit: more than this many token requests within ``token_rate_window`` seconds are
            answered 429 (``None`` disables the limit).
        token_rate_window: the window of ``token_rate_limit``, in seconds.
        retry_after: the ``Retry-After`` seconds sent with a 429 (default: until the window frees up).
        token_delay: seconds the token endpoint waits before answering (a slow identity provider widens
            races between processes in tests). ``pause_token_endpoint()`` holds answers indefinitely.
        spec: path to an OpenAPI file; by default the one ``atomic_api`` was generated from.
        environments: the environment ids the Sandbox knows, first one = ``environment_id``; by default
            the ids of the spec's ``listEnvironments`` example (``4dkLrv`` for Atomic's).
        max_body_bytes: larger request bodies get 413 (default 10 MiB).
        max_json_depth: JSON bodies nesting arrays/objects deeper than this get 400 (default 64).
        clock: seconds (monotonic) used for token expiry and the rate-limit window; inject one in tests.
        host: the address to listen on.
        port: the port to listen on (0 picks a free one).
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
        environments: Iterable[str] | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_json_depth: int = DEFAULT_MAX_JSON_DEPTH,
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
        if max_body_bytes < 0 or max_json_depth < 1:
            raise ConfigurationError("max_body_bytes must be >= 0 and max_json_depth >= 1")
        self.max_body_bytes = max_body_bytes
        self.max_json_depth = max_json_depth
        self._environments, self._environment_list = _environments(self._description, environments)
        self._lock = threading.Lock()
        self._internal_errors: list[str] = []
        self._keys: dict[str, _Registered] = {}
        self._tokens: dict[str, _Token] = {}
        self._token_times: collections.deque[float] = collections.deque()
        self._token_requests: collections.Counter[str] = collections.Counter()
        self._api_requests: collections.Counter[str] = collections.Counter()
        self._webhook_tests: list[tuple[str, str]] = []
        self._last_headers: dict[str, str] | None = None
        self._by_role: dict[str, Credentials] = {}
        self._server: _Server | None = None
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
        server = _Server((self._host, self._port), _Handler)
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
        """The first environment the Sandbox knows (the first one ``listEnvironments`` returns)."""
        return self._environments[0]

    @property
    def environments(self) -> tuple[str, ...]:
        """Every environment id the Sandbox knows, in ``listEnvironments`` order; other ids get 404."""
        return self._environments

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

        Its default environment is ``environment_id``. Other keyword arguments go to ``AtomicClient``
        (e.g. ``user_agent``, or ``environment_id`` to try one the Sandbox does not know).
        """
        return AtomicClient(**self._client_kwargs(kwargs))

    def async_client(self, **kwargs: Any) -> AsyncAtomicClient:
        """An ``AsyncAtomicClient`` pointed at this Sandbox (arguments as for ``client()``)."""
        return AsyncAtomicClient(**self._client_kwargs(kwargs))

    def _client_kwargs(self, kwargs: dict[str, Any]) -> dict[str, Any]:
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
        kwargs.setdefault("environment_id", self.environment_id)
        return kwargs

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
    def internal_errors(self) -> list[str]:
        """Failures inside the Sandbox itself (each answered with a JSON 500 and logged); empty if all is well.

        A Sandbox bug, never your code's fault: assert it stays empty in tests that throw odd requests at it.
        ``reset()`` keeps them.
        """
        with self._lock:
            return list(self._internal_errors)

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
        try:
            operation, path_params, allowed = self._description.match(method, path)
        except UnicodeDecodeError:
            return 400, _error("bad_request", "the path is not valid UTF-8 once percent-decoded"), {}
        if operation is None:
            if allowed:
                return (
                    405,
                    _error("method_not_allowed", f"{method} is not allowed on {path}; allowed: {', '.join(allowed)}"),
                    {"Allow": ", ".join(allowed)},
                )
            return 404, _error("not_found", f"no operation matches {method} {path}"), {}
        webhook_test = _is_webhook_test(operation, path, query)
        with self._lock:
            self._api_requests[WEBHOOK_TEST_OPERATION if webhook_test else operation.operation_id] += 1
            self._last_headers = dict(headers)
        answer = self._handle_webhook_test if webhook_test else self._answer
        status, payload, extra = answer(operation, path_params, query, headers, body)
        if status >= 400 and isinstance(payload, Mapping):
            payload = operation.error_body(status, payload)
        return status, payload, extra

    def _answer(
        self,
        operation: SpecOperation,
        path_params: Mapping[str, str],
        query: str,
        headers: Mapping[str, str],
        body: bytes,
    ) -> tuple[int, Any, dict[str, str]]:
        refusal = self._admit(operation, path_params, headers)
        if refusal is not None:
            return refusal
        problems = operation.validate(path_params, query, headers, body, max_json_depth=self.max_json_depth)
        if problems:
            return 400, {"error": "bad_request", "message": "; ".join(problems), "errors": problems}, {}
        if operation.operation_id == LIST_ENVIRONMENTS and self._environment_list is not None:
            return operation.status, copy.deepcopy(self._environment_list), {}
        return operation.status, operation.example if operation.has_body else None, {}

    def _admit(
        self, operation: SpecOperation, path_params: Mapping[str, str], headers: Mapping[str, str]
    ) -> tuple[int, Any, dict[str, str]] | None:
        """The refusal a request gets before its content is looked at, or None to go on."""
        # The order a gateway works in: client identity, credentials, the resource, permission.
        if not headers.get("user-agent", "").strip():
            return 403, _error("forbidden", "a User-Agent header is required"), {}
        token = self._authenticate(headers.get("authorization", ""))
        if not isinstance(token, _Token):
            return token
        environment = path_params.get(ENVIRONMENT_PARAMETER)
        if environment is not None and environment not in self._environments:
            known = ", ".join(self._environments)
            return 404, _error("not_found", f"unknown environment {environment!r}; this Sandbox knows {known}"), {}
        return self._check_role(operation, token.role)

    def _handle_webhook_test(
        self,
        operation: SpecOperation,
        path_params: Mapping[str, str],
        query: str,
        headers: Mapping[str, str],
        body: bytes,
    ) -> tuple[int, Any, dict[str, str]]:
        """``POST /v1/{env}/webhook?type=<event>``: the subscribe route's admission, no body, one event type."""
        refusal = self._admit(operation, path_params, headers)
        if refusal is not None:
            return refusal
        try:
            types = parse_qs(query, keep_blank_values=True, errors="strict").get("type", [])
        except UnicodeDecodeError:
            return 400, _error("bad_request", "the query string is not valid UTF-8 once percent-decoded"), {}
        problems = []
        if len(types) != 1 or not types[0].strip():
            problems.append(f"the webhook test call takes exactly one non-empty type parameter, got {types!r}")
        if body:
            problems.append("the webhook test call takes no request body")
        if problems:
            return 400, {"error": "bad_request", "message": "; ".join(problems), "errors": problems}, {}
        environment_id = path_params.get(ENVIRONMENT_PARAMETER, "")
        with self._lock:
            self._webhook_tests.append((environment_id, types[0]))
        # The real response is undocumented; an empty object is what the spec uses for such bodies.
        return 200, {}, {}

    def _authenticate(self, authorization: str) -> "_Token | tuple[int, Any, dict[str, str]]":
        """The live token the header carries, or the 401 answer."""
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return 401, _error("unauthorized", "a Bearer access token is required"), _bearer_challenge()
        with self._lock:
            token = self._tokens.get(value.strip())
        if token is None:
            return 401, _error("unauthorized", "unknown access token"), _bearer_challenge()
        if self._clock() >= token.expires_at:
            return 401, _error("unauthorized", "the access token has expired"), _bearer_challenge()
        return token

    def _check_role(self, operation: SpecOperation, role: str) -> tuple[int, Any, dict[str, str]] | None:
        if role != ALL_ROLES and role not in operation.roles:
            needed = " or ".join(operation.roles)
            return (
                403,
                {
                    "error": "forbidden",
                    "message": f"{operation.operation_id} needs a token with role {needed}; this token has role {role}",
                    "requiredRoles": list(operation.roles),
                    "tokenRole": role,
                },
                {},
            )
        return None

    def _record_internal_error(self, description: str) -> None:
        with self._lock:
            self._internal_errors.append(description)


def _is_webhook_test(operation: SpecOperation, path: str, query: str) -> bool:
    # A spec that models `type` on the subscribe operation (merged into one) is served by that operation.
    declared = any(p.get("in") == "query" and p.get("name") == "type" for p in operation.parameters)
    return (
        operation.method == "POST"
        and _WEBHOOK_PATH.fullmatch(path) is not None
        and "type" in parse_qs(query, keep_blank_values=True)
        and not declared
    )


def _environments(description: ApiDescription, configured: Iterable[str] | None) -> tuple[tuple[str, ...], Any | None]:
    """The environment ids the Sandbox knows, and the listEnvironments answer that lists exactly them.

    The answer is the spec's example with its list of ``{"id": ...}`` entries rewritten: entry *i* of the
    example (or its last entry) with ``id`` replaced, so every other field keeps the spec's shape.
    """
    try:
        example = description.get(LIST_ENVIRONMENTS).example
    except KeyError:
        example = None
    listed = _id_list(example)
    spec_ids = tuple(str(entry["id"]) for entry in listed[1]) if listed is not None else ()
    if configured is None:
        ids = spec_ids or (DEFAULT_ENVIRONMENT_ID,)
    else:
        if isinstance(configured, str):
            raise ConfigurationError("environments must be a list of environment ids, not a single string")
        ids = tuple(dict.fromkeys(configured))
        for value in ids:
            if not isinstance(value, str) or not value or "/" in value:
                raise ConfigurationError(f"an environment id must be a non-empty string without '/', got {value!r}")
        if not ids:
            raise ConfigurationError("environments must name at least one environment")
    if listed is None:
        return ids, None
    key, entries = listed
    rewritten = [dict(copy.deepcopy(entries[min(i, len(entries) - 1)]), id=value) for i, value in enumerate(ids)]
    answer = copy.deepcopy(example)
    if key is None:
        return ids, rewritten
    answer[key] = rewritten
    return ids, answer


def _id_list(example: Any) -> tuple[str | None, list[Mapping[str, Any]]] | None:
    """Where the example lists environments: (its key, or None for a bare list; the entries), if anywhere."""

    def entries(value: Any) -> list[Mapping[str, Any]] | None:
        if (
            isinstance(value, list)
            and value
            and all(isinstance(e, Mapping) and isinstance(e.get("id"), str) for e in value)
        ):
            return value
        return None

    if (found := entries(example)) is not None:
        return None, found
    if isinstance(example, Mapping):
        for key, value in example.items():
            if (found := entries(value)) is not None:
                return str(key), found
    return None


def _error(error: str, message: str) -> dict[str, Any]:
    return {"error": error, "message": message}


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


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    # socketserver's default listen backlog is 5: a cold start of 64 threads (the tests', a user's worker
    # pool) then sees connection resets from the kernel before the accept loop catches up.
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Reached only outside a request's handling (a client that went away while its answer was flushed):
        # not worth socketserver's traceback on stderr.
        _log.debug("connection from %s ended with an error", client_address, exc_info=True)


class _Refused(Exception):
    """A request answered with an error before it reached the API logic (framing, headers, size)."""

    def __init__(self, status: int, error: str, message: str, *, close: bool) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.close = close  # the body was not (fully) read: the connection is out of sync and must close


class _Handler(BaseHTTPRequestHandler):
    """Every answer is JSON: http.server's HTML error pages and its 501 for unknown methods never go out."""

    protocol_version = "HTTP/1.1"
    server_version = "AtomicSandbox"
    timeout = 30  # an idle keep-alive connection must not pin a thread forever

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this, Nagle's algorithm meets the client's delayed
        # ACK and every kept-alive request waits ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def handle_one_request(self) -> None:
        # Replaces http.server's version, which answers any method without a do_<METHOD> with an HTML 501:
        # here every method reaches _serve, which knows which ones the spec allows on the path.
        self._responded = False
        # What an answer needs even when parsing fails half-way (parse_request sets them as it goes).
        self.command, self.path, self.requestline, self.request_version = "", "", "", self.protocol_version
        try:
            self._handle_one()
        except (TimeoutError, ConnectionError):
            self.close_connection = True
        except Exception as exc:  # noqa: BLE001 - the catch-all is the point: no request may go unanswered
            self._fail(exc)

    def _handle_one(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.requestline = self.request_version = self.command = ""
            self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG, "the request line is longer than 65536 bytes")
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        if not self.parse_request():
            return
        if self.request_version == "HTTP/0.9":  # a bare "GET /path" line
            self.send_error(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, "HTTP/0.9 requests are not supported")
            return
        self._serve(self.server.sandbox)  # type: ignore[attr-defined]
        self.wfile.flush()

    def _fail(self, exc: Exception) -> None:
        # A Sandbox bug: answer (never drop the connection), log, and keep it for tests to assert on.
        sandbox: Sandbox = self.server.sandbox  # type: ignore[attr-defined]
        where = urlsplit(self.path or "").path  # no query string: it may carry a client secret
        command = self.command or "-"
        _log.error("atomic_sdk.testing.Sandbox failed on %s %s", command, where, exc_info=exc)
        sandbox._record_internal_error(f"{command} {where}: {type(exc).__name__}: {exc}")
        self.close_connection = True
        if self._responded:
            return
        if self.request_version == "HTTP/0.9":
            self.request_version = self.protocol_version
        try:
            self._send(
                500,
                _error("internal_error", "the Sandbox failed; see the atomic_sdk.testing log"),
                {"Connection": "close"},
            )
            self.wfile.flush()
        except Exception:  # noqa: BLE001 - nothing more can be done for this connection; it is closed
            return

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (bad request line, header too long, bad version) as JSON; closes."""
        self.close_connection = True
        # http.server assumes HTTP/0.9 until it has parsed a version, and sends 0.9 answers without a
        # status line or headers: always answer as HTTP/1.1.
        if self.request_version == "HTTP/0.9":
            self.request_version = self.protocol_version
        status = HTTPStatus(code)
        text = message or explain or status.description or status.phrase
        self._send(code, _error(_slug(status), text), {"Connection": "close"})

    def _serve(self, sandbox: "Sandbox") -> None:
        try:
            if _TOKEN.fullmatch(self.command) is None:
                raise _Refused(400, "bad_request", "the method is not a valid HTTP token", close=True)
            if _TARGET.fullmatch(self.path) is None:
                raise _Refused(
                    400, "bad_request", "the request target must be ASCII (percent-encode the rest)", close=True
                )
            body = self._read_body(sandbox.max_body_bytes)
            self._check_headers()
        except _Refused as refused:
            extra = {"Connection": "close"} if refused.close else {}
            if refused.close:
                self.close_connection = True
            self._send(refused.status, _error(refused.error, refused.message), extra)
            if refused.close:
                self._linger()
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        parts = urlsplit(self.path)
        if parts.path == TOKEN_PATH:
            if self.command != "POST":
                self._send(405, _oauth("invalid_request", "use POST"), {"Allow": "POST"})
                return
            status, payload, extra = sandbox._handle_token(parts.query, headers, body)
        else:
            status, payload, extra = sandbox._handle_api(self.command, parts.path, parts.query, headers, body)
        self._send(status, payload, extra)

    def _check_headers(self) -> None:
        for name in _SINGLETON_HEADERS:
            if len(self.headers.get_all(name) or []) > 1:
                raise _Refused(400, "bad_request", f"more than one {name} header", close=False)
        if self.headers.get("Host") is None and self.request_version == "HTTP/1.1":
            raise _Refused(400, "bad_request", "an HTTP/1.1 request needs a Host header (RFC 9112 3.2)", close=False)

    def handle_expect_100(self) -> bool:
        # Refuse a body that will be refused before the client sends it, instead of "100 Continue".
        sandbox: Sandbox = self.server.sandbox  # type: ignore[attr-defined]
        length = (self.headers.get("Content-Length") or "").strip()
        if _DIGITS.fullmatch(length) is not None and int(length) > sandbox.max_body_bytes:
            self.close_connection = True
            message = f"the body is larger than {sandbox.max_body_bytes} bytes"
            self._send(413, _error("payload_too_large", message), {"Connection": "close"})
            return False
        return super().handle_expect_100()

    def _linger(self) -> None:
        """Read and drop what the client is still sending before the connection closes.

        Closing a socket with unread input makes the kernel answer with a reset, which can destroy the
        refusal before the client reads it (a 413 for a large upload would surface as a connection error).
        Bounded: stops after a short silence, 2 s or 64 MiB, whichever comes first.
        """
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(_LINGER_IDLE)
            deadline, drained = time.monotonic() + _LINGER_TOTAL, 0
            while time.monotonic() < deadline and drained < _LINGER_BYTES:
                chunk = self.connection.recv(65536)
                if not chunk:
                    return
                drained += len(chunk)
        except OSError:
            return

    # ---- request bodies (RFC 9112 section 6) ------------------------------------------------------

    def _read_body(self, limit: int) -> bytes:
        encodings = self.headers.get_all("Transfer-Encoding") or []
        lengths = [part.strip() for value in self.headers.get_all("Content-Length") or [] for part in value.split(",")]
        if encodings:
            codings = [part.strip().lower() for value in encodings for part in value.split(",") if part.strip()]
            if lengths:
                raise _Refused(
                    400, "bad_request", "Transfer-Encoding and Content-Length together are refused", close=True
                )
            if self.request_version != "HTTP/1.1":
                raise _Refused(400, "bad_request", "Transfer-Encoding needs HTTP/1.1", close=True)
            if not codings or codings[-1] != "chunked":
                raise _Refused(400, "bad_request", "chunked must be the final transfer coding", close=True)
            if codings != ["chunked"]:
                raise _Refused(501, "not_implemented", "only the chunked transfer coding is supported", close=True)
            return self._read_chunked(limit)
        if not lengths:
            return b""
        if len(set(lengths)) != 1 or _DIGITS.fullmatch(lengths[0]) is None:
            raise _Refused(400, "bad_request", "invalid Content-Length", close=True)
        length = int(lengths[0])
        if length > limit:
            raise _Refused(413, "payload_too_large", f"the body is larger than {limit} bytes", close=True)
        return self._read_exactly(length)

    def _read_exactly(self, length: int) -> bytes:
        data = self.rfile.read(length) if length else b""
        if len(data) < length:
            raise _Refused(400, "bad_request", "the body is shorter than its Content-Length", close=True)
        return data

    def _read_chunked(self, limit: int) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(4098)
            if not line.endswith(b"\r\n"):
                raise _Refused(400, "bad_request", "malformed chunk-size line", close=True)
            size_text = line[:-2].split(b";", 1)[0].rstrip(b" \t")
            if _CHUNK_SIZE.fullmatch(size_text) is None:
                raise _Refused(400, "bad_request", "invalid chunk size", close=True)
            size = int(size_text, 16)
            if size == 0:
                break
            total += size
            if total > limit:
                raise _Refused(413, "payload_too_large", f"the body is larger than {limit} bytes", close=True)
            chunks.append(self._read_exactly(size))
            if self.rfile.read(2) != b"\r\n":
                raise _Refused(400, "bad_request", "a chunk is not followed by CRLF", close=True)
        for _ in range(_MAX_TRAILERS + 1):
            line = self.rfile.readline(65537)
            if line == b"\r\n":
                return b"".join(chunks)
            if not line.endswith(b"\r\n"):
                raise _Refused(400, "bad_request", "malformed trailer section", close=True)
        raise _Refused(431, "request_header_fields_too_large", "too many trailer fields", close=True)

    # ---- answers ------------------------------------------------------------------------------

    def _send(self, status: int, payload: Any, extra: Mapping[str, str]) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self._responded = True
        self.send_response(status, HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else None)
        if payload is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        # Silent on purpose: request lines and headers could carry tokens or secrets.
        return


def _slug(status: HTTPStatus) -> str:
    return status.phrase.lower().replace(" ", "_").replace("-", "_")
