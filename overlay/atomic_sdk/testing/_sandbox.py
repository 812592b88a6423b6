"""Sandbox: a local Atomic that keeps state, served on 127.0.0.1 or in-process as an httpx transport."""

import asyncio
import base64
import collections
import copy
import json
import logging
import math
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, Self, Unpack, overload
from urllib.parse import parse_qs

import httpx

from .._backend import HttpBackend, choose, twin
from .._client import AsyncAtomicClient, AtomicClient, ClientOptions, OptionsWithCredentials
from .._credentials import Credentials
from .._errors import ConfigurationError
from .._roles import Role
from ._server import FAILED, SocketServer, error_body
from ._spec import DEFAULT_MAX_JSON_DEPTH, ApiDescription, SpecOperation, load_description
from ._state import Call, EnvironmentData, EnvironmentState, handler, seed_items

if TYPE_CHECKING:
    import httpx2

    class Httpx2SandboxTransport(httpx2.BaseTransport, httpx2.AsyncBaseTransport):
        """What ``Sandbox.transport("httpx2")`` returns: a transport httpx2's clients take, sync and async."""


TOKEN_PATH = "/oauth2/token"
ALL_ROLES = "all"
DEFAULT_ORG_ID = "sandbox"
DEFAULT_ENVIRONMENT_ID = "4dkLrv"
DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024
#: The base URL of in-process clients: no port, never resolved (the transport answers every request).
IN_PROCESS_URL = "https://atomic-sandbox.invalid"
# The path parameter that names an environment, and the operation that lists them (fixed Atomic names).
ENVIRONMENT_PARAMETER = "environmentId"
LIST_ENVIRONMENTS = "listEnvironments"
_log = logging.getLogger("atomic_sdk.testing")
#: How the Sandbox counts the webhook test call, which has no operation of its own in the spec.
WEBHOOK_TEST_OPERATION = "testWebhookSubscription"
Answer = tuple[int, Any, dict[str, str]]
_BASIC_CHALLENGE = {"WWW-Authenticate": 'Basic realm="atomic-sandbox"'}
_BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


class _Token(NamedTuple):
    client_id: str
    role: str
    expires_at: float


def _check_role(role: Role | str) -> str:
    value = str(role.value if isinstance(role, Role) else role)
    if value != ALL_ROLES and value not in {r.value for r in Role}:
        raise ValueError(f"role must be one of auth, workbench, events or 'all', got {role!r}")
    return value


class Sandbox:
    """A local Atomic: a token endpoint and every operation of the spec, as strict as the real service, with state.

    One core (``respond``: a request in, an answer out) served two ways: on 127.0.0.1 (``with Sandbox() as sb``,
    an HTTP/1.1 server for other processes and languages) or in-process (``sb.client(in_process=True)``,
    ``sb.transport()``: an httpx transport, no port, no thread). Its rules, its state per environment (``seed``,
    ``data``, ``reset``) and its paging are described in the guide, "Testing your code with the Sandbox".
    It counts what it saw (``api_requests``, ``token_requests``) and never logs a token or secret.

    Example::

        with Sandbox() as sb, sb.client() as client:
            client.webhooks.create_webhook_subscription(body=WebhookSubscriptionRequest(types=[...], url=...))
            assert len(client.webhooks.list_webhook_subscriptions().data) == 1
            assert sb.token_requests_by_role() == {"workbench": 1}

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
        if max_body_bytes < 0 or max_json_depth < 1:
            raise ConfigurationError("max_body_bytes must be >= 0 and max_json_depth >= 1")
        self.expires_in, self.token_rate_limit, self.token_rate_window = expires_in, token_rate_limit, token_rate_window
        self.retry_after, self.token_delay = retry_after, token_delay
        self.max_body_bytes, self.max_json_depth = max_body_bytes, max_json_depth
        self._clock, self._host, self._port = clock, host, port
        self._token_gate = threading.Event()
        self._token_gate.set()
        self._description: ApiDescription = load_description(spec)
        self._environments, self._environment_list = _environments(self._description, environments)
        self._lock = threading.RLock()
        self._keys: dict[str, tuple[str, str]] = {}  # client id -> (secret, role)
        self._by_role: dict[str, Credentials] = {}
        self._internal_errors: list[str] = []
        self._server: SocketServer | None = None
        self.reset()  # counters, tokens and state start empty
        for role_key, creds in (credentials or {}).items():
            self.add_credentials(creds.client_id, creds.client_secret, role_key)
        if credentials is None:
            for role in Role:
                self.add_credentials(f"sandbox-{role.value}", secrets.token_urlsafe(16), role)

    def start(self) -> Self:
        """Serve on ``host``:``port`` (idempotent); ``with Sandbox() as sb`` does this for you."""
        if self._server is None:
            limit = lambda: self.max_body_bytes  # read per request: it may change while the Sandbox serves
            self._server = SocketServer((self._host, self._port), self.respond, limit, self._failed)
        return self

    def stop(self) -> None:
        """Stop serving and release the port (idempotent); state and counts stay."""
        self._token_gate.set()
        server, self._server = self._server, None
        if server is not None:
            server.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.base_url if self._server is not None else "not serving"
        return f"Sandbox({where}, keys={sorted(self._keys)})"

    @property
    def base_url(self) -> str:
        """The API base URL, e.g. ``http://127.0.0.1:54321`` (the Sandbox must be started)."""
        if self._server is None:
            raise RuntimeError("the Sandbox is not serving; use `with Sandbox() as sb:` or sb.start()")
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
            self._keys[client_id] = (client_secret, value)
            self._by_role.setdefault(value, creds)
        return creds

    @overload
    def transport(self, http_backend: Literal["httpx"] | None = None) -> "SandboxTransport": ...

    @overload
    def transport(self, http_backend: Literal["httpx2"]) -> "Httpx2SandboxTransport": ...

    def transport(self, http_backend: HttpBackend | None = None) -> "SandboxTransport | Httpx2SandboxTransport":
        """This Sandbox as a transport (sync and async) of httpx, or of httpx2 with ``http_backend="httpx2"``
        (None: ``ATOMIC_HTTP_BACKEND``, else httpx): requests are answered in-process."""
        http = choose(http_backend)
        sync_base: type[SandboxTransport] = twin(SandboxTransport, http.module.BaseTransport)
        return twin(sync_base, http.module.AsyncBaseTransport)(self, http.module.Response)

    @overload
    def client(
        self,
        *,
        in_process: bool | None = None,
        http_backend: Literal["httpx"] | None = None,
        **kwargs: Unpack[OptionsWithCredentials],
    ) -> AtomicClient[httpx.Response]: ...

    @overload
    def client(
        self,
        *,
        in_process: bool | None = None,
        http_backend: Literal["httpx2"],
        **kwargs: Unpack[OptionsWithCredentials],
    ) -> "AtomicClient[httpx2.Response]": ...

    def client(self, *, in_process: bool | None = None, **kwargs: Unpack[ClientOptions]) -> AtomicClient[Any]:
        """An ``AtomicClient`` for this Sandbox with its keys and ``environment_id`` (other arguments: AtomicClient's).

        ``in_process=True`` answers through ``transport()`` (no socket); ``False`` uses the running server;
        the default is the server when the Sandbox is started, in-process otherwise. ``http_backend="httpx2"``
        makes it an httpx2 client (the in-process transport too).
        """
        return AtomicClient(**self._client_kwargs(in_process, dict(kwargs)))

    @overload
    def async_client(
        self,
        *,
        in_process: bool | None = None,
        http_backend: Literal["httpx"] | None = None,
        **kwargs: Unpack[OptionsWithCredentials],
    ) -> AsyncAtomicClient[httpx.Response]: ...

    @overload
    def async_client(
        self,
        *,
        in_process: bool | None = None,
        http_backend: Literal["httpx2"],
        **kwargs: Unpack[OptionsWithCredentials],
    ) -> "AsyncAtomicClient[httpx2.Response]": ...

    def async_client(
        self, *, in_process: bool | None = None, **kwargs: Unpack[ClientOptions]
    ) -> AsyncAtomicClient[Any]:
        """An ``AsyncAtomicClient`` for this Sandbox (arguments as for ``client()``)."""
        return AsyncAtomicClient(**self._client_kwargs(in_process, dict(kwargs)))

    def _client_kwargs(self, in_process: bool | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        by_role = self.credentials
        keys = by_role.get(ALL_ROLES) if set(by_role) == {ALL_ROLES} else None  # a single key serves every role
        kwargs.setdefault("credentials", keys or {Role(r): c for r, c in by_role.items() if r != ALL_ROLES})
        if in_process if in_process is not None else self._server is None:
            transport = self.transport(kwargs.get("http_backend"))
            kwargs["httpx_args"] = {"transport": transport, **(kwargs.get("httpx_args") or {})}
            kwargs.setdefault("base_url", IN_PROCESS_URL)
            kwargs.setdefault("token_url", IN_PROCESS_URL + TOKEN_PATH)
        else:
            kwargs.setdefault("base_url", self.base_url)
            kwargs.setdefault("token_url", self.token_url)
        kwargs.setdefault("org_id", DEFAULT_ORG_ID)
        kwargs.setdefault("environment_id", self.environment_id)
        return kwargs

    def env(self) -> dict[str, str]:
        """``ATOMIC_*`` variables that make ``AtomicClient.from_env()`` use this (running) Sandbox and its keys."""
        values = {"ATOMIC_ORG_ID": DEFAULT_ORG_ID, "ATOMIC_ENVIRONMENT_ID": self.environment_id}
        values.update(ATOMIC_BASE_URL=self.base_url, ATOMIC_TOKEN_URL=self.token_url)
        for role, creds in self.credentials.items():
            prefix = "ATOMIC" if role == ALL_ROLES else f"ATOMIC_{role.upper()}"
            values[f"{prefix}_CLIENT_ID"] = creds.client_id
            values[f"{prefix}_CLIENT_SECRET"] = creds.client_secret
        return values

    def seed(
        self,
        *,
        environment_id: str | None = None,
        cards: Iterable[Any] = (),
        users: Iterable[Any] = (),
        webhooks: Iterable[Any] = (),
        notification_platforms: Iterable[Any] = (),
        audit_log: Iterable[Any] = (),
    ) -> None:
        """Add records to an environment (``environment_id`` by default), in the API's JSON shapes.

        Each item is a mapping (``{"userId": "u1"}``) or a generated model (``atomic_api.models.Card``).
        Missing ids, timestamps and a card's ``status`` (``active``) are filled in; a user needs its ``id``.

        Example: ``sb.seed(users=[{"id": "u1", "profile": {"user_type": "test"}}], cards=[{"userId": "u1"}] * 3)``.
        """
        data = EnvironmentData(
            cards=seed_items(cards),
            users=seed_items(users),
            webhooks=seed_items(webhooks),
            notification_platforms=seed_items(notification_platforms),
            audit_log=seed_items(audit_log),
        )
        with self._lock:
            self._environment_state(environment_id).seed(data)

    def data(self, environment_id: str | None = None) -> EnvironmentData:
        """A copy of an environment's records (``environment_id`` by default), in the API's JSON shapes."""
        with self._lock:
            return self._environment_state(environment_id).data()

    def _environment_state(self, environment_id: str | None) -> EnvironmentState:
        key = self.environment_id if environment_id is None else environment_id
        if key not in self._state:
            raise ConfigurationError(f"unknown environment {key!r}; this Sandbox knows {', '.join(self._environments)}")
        return self._state[key]

    def issue_token(self, role: Role | str, *, expires_in: float | None = None, client_id: str = "issued") -> str:
        """A bearer token for ``role`` without a token request (not counted); for raw-HTTP tests."""
        value = _check_role(role)
        token = secrets.token_urlsafe(32)
        lifetime = self.expires_in if expires_in is None else expires_in
        with self._lock:
            self._tokens[token] = _Token(client_id, value, self._clock() + lifetime)
        return token

    @property
    def token_requests(self) -> dict[str, int]:
        """Token requests received per client id (every attempt, answered or refused)."""
        with self._lock:
            return dict(self._token_requests)

    def token_requests_by_role(self) -> dict[str, int]:
        """Token requests received per role of the registered key (unknown ids are left out)."""
        with self._lock:
            pairs = [(self._keys[key][1], n) for key, n in self._token_requests.items() if key in self._keys]
        return dict(sum((collections.Counter({role: n}) for role, n in pairs), collections.Counter[str]()))

    def sensitive_values(self) -> list[str]:
        """Every client secret known and access token issued so far (``reset()`` forgets the tokens), for leak
        checks: none of them should appear in your logs, errors or output."""
        with self._lock:
            created = [secret for state in self._state.values() for secret, _ in state.credentials.values()]
            return [secret for secret, _ in self._keys.values()] + created + list(self._tokens)

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
        """The Sandbox's own failures (each a logged JSON 500; ``reset()`` keeps them): assert none in your tests."""
        with self._lock:
            return list(self._internal_errors)

    @property
    def last_request_headers(self) -> dict[str, str] | None:
        """Headers of the last API request (lower-case names), or None before the first one."""
        with self._lock:
            return None if self._last_headers is None else dict(self._last_headers)

    def pause_token_endpoint(self) -> None:
        """Hold every token request (counted on arrival) until ``resume_token_endpoint()``."""
        self._token_gate.clear()

    def resume_token_endpoint(self) -> None:
        """Answer held and new token requests again."""
        self._token_gate.set()

    def reset(self) -> None:
        """Forget every environment's records, the counts, the rate-limit window and issued tokens (keys stay)."""
        with self._lock:
            self._state = {environment: EnvironmentState() for environment in self._environments}
            self._tokens: dict[str, _Token] = {}
            self._token_times: collections.deque[float] = collections.deque()
            self._token_requests: collections.Counter[str] = collections.Counter()
            self._api_requests: collections.Counter[str] = collections.Counter()
            self._webhook_tests: list[tuple[str, str]] = []
            self._last_headers: dict[str, str] | None = None

    def respond(self, method: str, target: str, headers: Iterable[tuple[str, str]], body: bytes) -> Answer:
        """(status, JSON payload or None, extra headers) for one request; waits only on a slow or paused token
        endpoint."""
        pairs = [(name.lower(), value) for name, value in headers]
        if len(body) > self.max_body_bytes:
            return 413, error_body(413, f"the body is larger than {self.max_body_bytes} bytes"), {}
        for name in ("authorization", "content-type"):
            if sum(1 for key, _ in pairs if key == name) > 1:
                return 400, error_body(400, f"more than one {name.title()} header"), {}
        lowered = dict(pairs)
        path, _, query = target.partition("?")
        if path == TOKEN_PATH:
            if method != "POST":
                return 405, _oauth("invalid_request", "use POST"), {"Allow": "POST"}
            return self._handle_token(query, lowered, body)
        return self._handle_api(method, path, query, lowered, body)

    def _failed(self, exc: BaseException, method: str, target: str) -> None:
        where = target.partition("?")[0]  # no query string: it may carry a client id or worse
        _log.error("atomic_sdk.testing.Sandbox failed on %s %s", method, where, exc_info=exc)
        with self._lock:
            self._internal_errors.append(f"{method} {where}: {type(exc).__name__}: {exc}")

    def _handle_token(self, query: str, headers: Mapping[str, str], body: bytes) -> Answer:
        params = parse_qs(query)
        content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if content_type == "application/x-www-form-urlencoded":
            for name, values in parse_qs(body.decode("latin-1")).items():
                params.setdefault(name, values)
        basic_id, basic_secret = _basic(headers.get("authorization", ""))
        query_id = params.get("client_id", [None])[-1]
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
        if self.token_delay > 0:
            time.sleep(self.token_delay)
        self._token_gate.wait()
        if content_type != "application/x-www-form-urlencoded":
            return 400, _oauth("invalid_request", "Content-Type must be application/x-www-form-urlencoded"), {}
        grant = params.get("grant_type", [None])[-1]
        if grant is None:
            return 400, _oauth("invalid_request", "grant_type is required"), {}
        if grant != "client_credentials":
            return 400, _oauth("unsupported_grant_type", "only client_credentials is supported"), {}
        if basic_id is None or basic_secret is None:
            return 401, _oauth("invalid_client", "HTTP Basic client authentication is required"), _BASIC_CHALLENGE
        if query_id is not None and query_id != basic_id:
            return 400, _oauth("invalid_request", "client_id does not match the authenticated client"), {}
        key = self._key(basic_id)
        if key is None or not secrets.compare_digest(key[0].encode(), basic_secret.encode()):
            return 401, _oauth("invalid_client", "unknown client or wrong secret"), _BASIC_CHALLENGE
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = _Token(basic_id, key[1], now + self.expires_in)
        issued = {"access_token": token, "expires_in": self.expires_in, "token_type": "Bearer"}
        return 200, issued, {"Cache-Control": "no-store"}

    def _key(self, client_id: str) -> tuple[str, str] | None:
        """(secret, role) of a registered key no environment revoked, or of one createCredential made."""
        with self._lock:
            if any(client_id in state.revoked for state in self._state.values()):
                return None
            made = [state.credentials[client_id] for state in self._state.values() if client_id in state.credentials]
            return made[0] if made else self._keys.get(client_id)

    def _handle_api(self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes) -> Answer:
        try:
            operation, path_params, allowed = self._description.match(method, path)
        except UnicodeDecodeError:
            return 400, error_body(400, "the path is not valid UTF-8 once percent-decoded"), {}
        if operation is None:
            if allowed:
                message = f"{method} is not allowed on {path}; allowed: {', '.join(allowed)}"
                return 405, error_body(405, message), {"Allow": ", ".join(allowed)}
            return 404, error_body(404, f"no operation matches {method} {path}"), {}
        with self._lock:
            self._api_requests[
                WEBHOOK_TEST_OPERATION if _is_webhook_test(operation, query) else operation.operation_id
            ] += 1
            self._last_headers = dict(headers)
        status, payload, extra = self._answer(operation, path_params, query, headers, body)
        if status >= 400 and isinstance(payload, Mapping):
            payload = operation.error_body(status, payload)
        return status, payload, extra

    def _answer(
        self, operation: SpecOperation, path: Mapping[str, str], query: str, headers: Mapping[str, str], body: bytes
    ) -> Answer:
        token = self._admit(operation, path, headers)
        if not isinstance(token, _Token):
            return token
        if _is_webhook_test(operation, query):
            return self._webhook_test(path, query, body)
        problems = operation.validate(path, query, headers, body, self.max_json_depth)
        if problems:
            return 400, {**error_body(400, "; ".join(problems)), "errors": problems}, {}
        if operation.operation_id == LIST_ENVIRONMENTS and self._environment_list is not None:
            return operation.status, self._environment_list, {}
        environment = path.get(ENVIRONMENT_PARAMETER, "")
        state = self._state.get(environment)
        answer = None if state is None else handler(state, operation.operation_id)
        if state is None or answer is None:
            return operation.status, operation.example if operation.has_body else None, {}
        parsed = {name: values[-1] for name, values in parse_qs(query, keep_blank_values=True).items()}
        is_json = headers.get("content-type", "").split(";", 1)[0].strip().lower().endswith("json")
        with self._lock:
            keys = {client_id: role for client_id, (_, role) in self._keys.items()}
            status, payload = answer(Call(path, parsed, json.loads(body) if body and is_json else None, keys))
            payload = copy.deepcopy(payload)  # answered outside the lock, while other requests change the state
            if operation.operation_id == "revokeCredential" and status < 400:
                self._tokens = {key: t for key, t in self._tokens.items() if t.client_id != path["clientId"]}
            if operation.operation_id != "listAuditLogEntries":
                url, agent = operation.path_template.format_map(path), headers.get("user-agent", "")
                state.record(operation.method, url, status, token.client_id, agent)
        if status < 400:  # the success status and body presence the spec documents
            status, payload = operation.status, payload if operation.has_body else None
        return status, payload, {}

    def _admit(self, operation: SpecOperation, path: Mapping[str, str], headers: Mapping[str, str]) -> _Token | Answer:
        """The caller's token, or the refusal a request gets before its content is looked at."""
        # The order a gateway works in: client identity, credentials, the resource, permission.
        if not headers.get("user-agent", "").strip():
            return 403, error_body(403, "a User-Agent header is required"), {}
        token = self._authenticate(headers.get("authorization", ""))
        if not isinstance(token, _Token):
            return token
        environment = path.get(ENVIRONMENT_PARAMETER)
        if environment is not None and environment not in self._environments:
            known = ", ".join(self._environments)
            return 404, error_body(404, f"unknown environment {environment!r}; this Sandbox knows {known}"), {}
        if token.role != ALL_ROLES and token.role not in operation.roles:
            needed = " or ".join(operation.roles)
            message = f"{operation.operation_id} needs a token with role {needed}; this token has role {token.role}"
            return (
                403,
                {**error_body(403, message), "requiredRoles": list(operation.roles), "tokenRole": token.role},
                {},
            )
        return token

    def _webhook_test(self, path: Mapping[str, str], query: str, body: bytes) -> Answer:
        """``POST /v1/{env}/webhook?type=<event>`` (admitted as the subscribe call): one event type, no body."""
        try:
            types = parse_qs(query, keep_blank_values=True, errors="strict").get("type", [])
        except UnicodeDecodeError:
            return 400, error_body(400, "the query string is not valid UTF-8 once percent-decoded"), {}
        problems = (
            []
            if len(types) == 1 and types[0].strip()
            else [f"the webhook test call takes exactly one non-empty type parameter, got {types!r}"]
        )
        problems += ["the webhook test call takes no request body"] if body else []
        if problems:
            return 400, {**error_body(400, "; ".join(problems)), "errors": problems}, {}
        with self._lock:
            self._webhook_tests.append((path.get(ENVIRONMENT_PARAMETER, ""), types[0]))
        return 200, {}, {}  # the real body is undocumented; {} is what the spec uses for such bodies

    def _authenticate(self, authorization: str) -> _Token | Answer:
        """The live token the header carries, or the 401 answer."""
        scheme, _, value = authorization.partition(" ")
        with self._lock:
            token = self._tokens.get(value.strip()) if scheme.lower() == "bearer" else None
        if scheme.lower() != "bearer" or not value.strip():
            return 401, error_body(401, "a Bearer access token is required"), _BEARER_CHALLENGE
        if token is None:
            return 401, error_body(401, "unknown access token"), _BEARER_CHALLENGE
        if self._clock() >= token.expires_at:
            return 401, error_body(401, "the access token has expired"), _BEARER_CHALLENGE
        return token


class SandboxTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """A ``Sandbox`` as an httpx transport, sync and async: every request is answered in-process.

    No socket, no thread: pass it as ``httpx_args={"transport": sb.transport()}`` to ``AtomicClient`` (token
    requests take the same transport), or to any ``httpx.Client`` / ``httpx.AsyncClient``
    (``sb.transport("httpx2")`` for httpx2's clients).
    """

    def __init__(self, sandbox: Sandbox, response: type[httpx.Response] = httpx.Response) -> None:
        self._sandbox = sandbox
        self._response = response  # httpx's or httpx2's Response

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        return self._answer(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        sandbox = self._sandbox
        # A slowed or paused token endpoint would block the event loop: only its answer waits in a worker thread.
        if request.url.path == TOKEN_PATH and (sandbox.token_delay > 0 or not sandbox._token_gate.is_set()):
            return await asyncio.to_thread(self._answer, request)
        return self._answer(request)

    def _answer(self, request: httpx.Request) -> httpx.Response:
        headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in request.headers.raw]
        target = request.url.raw_path.decode("ascii")
        try:
            status, payload, extra = self._sandbox.respond(request.method, target, headers, request.content)
        except Exception as exc:  # noqa: BLE001 - a Sandbox bug: a recorded JSON 500, as on the socket
            self._sandbox._failed(exc, request.method, target)
            status, payload, extra = 500, FAILED, {}
        data = b"" if payload is None or request.method == "HEAD" else json.dumps(payload).encode()
        content_type = {"Content-Type": "application/json"} if payload is not None else {}
        return self._response(status, headers={**content_type, **extra}, content=data, request=request)


def _is_webhook_test(operation: SpecOperation, query: str) -> bool:
    # Same method and path as the subscribe operation; a spec that declares `type` on it serves both itself.
    declared = any(p.get("in") == "query" and p.get("name") == "type" for p in operation.parameters)
    subscribe = operation.method == "POST" and operation.path_template == "/v1/{environmentId}/webhook"
    return subscribe and not declared and "type" in parse_qs(query, keep_blank_values=True)


def _environments(description: ApiDescription, configured: Iterable[str] | None) -> tuple[tuple[str, ...], Any | None]:
    """The environment ids the Sandbox knows, and the listEnvironments answer listing them: the spec's example
    with its ``{"id": ...}`` entries rewritten (entry *i*, or the last, with ``id`` replaced)."""
    example = next((op.example for op in description.operations if op.operation_id == LIST_ENVIRONMENTS), None)
    candidates = [(None, example), *(example.items() if isinstance(example, Mapping) else ())]
    key, entries = next(((k, v) for k, v in candidates if _is_id_list(v)), (None, None))
    if configured is None:
        ids = tuple(str(entry["id"]) for entry in entries or ()) or (DEFAULT_ENVIRONMENT_ID,)
    else:
        if isinstance(configured, str):
            raise ConfigurationError("environments must be a list of environment ids, not a single string")
        ids = tuple(dict.fromkeys(configured))
        for value in ids:
            if not isinstance(value, str) or not value or "/" in value:
                raise ConfigurationError(f"an environment id must be a non-empty string without '/', got {value!r}")
        if not ids:
            raise ConfigurationError("environments must name at least one environment")
    if entries is None:
        return ids, None
    listed = [{**entries[min(i, len(entries) - 1)], "id": value} for i, value in enumerate(ids)]
    return ids, copy.deepcopy(listed if key is None else {**(example or {}), key: listed})


def _is_id_list(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(e, Mapping) and isinstance(e.get("id"), str) for e in value)
    )


def _oauth(error: str, description: str) -> dict[str, Any]:
    return {"error": error, "error_description": description}


def _basic(header: str) -> tuple[str | None, str | None]:
    """(client id, secret) of an HTTP Basic ``Authorization`` header, or (None, None)."""
    scheme, _, value = header.partition(" ")
    try:
        client_id, sep, secret = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except ValueError:  # binascii.Error and UnicodeDecodeError
        return None, None
    return (client_id, secret) if scheme.lower() == "basic" and value and sep else (None, None)
