"""AtomicClient / AsyncAtomicClient: the generated AuthenticatedClient, configured for Atomic (base URL, auth,
User-Agent, pools), with the typed resources (``client.cards.list_cards(...)``)."""

import ipaddress
import logging
import math
import os
import re
import ssl
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self

import httpx
from atomic_api.client import AuthenticatedClient
from atomic_api.errors import UnexpectedStatus
from atomic_api.resources import AsyncClientResources, AsyncResources, ClientResources, Resources
from attrs import define, evolve, field

from . import _aio
from ._auth import AtomicAuth
from ._credentials import Credentials, CredentialSet
from ._env import settings_from_env
from ._errors import ClientClosedError, ConfigurationError, api_error, connection_error, response_validation_error
from ._logging import watch as watch_hosts
from ._loop_local import LoopLocal
from ._operations import DEFAULT_OPERATIONS
from ._request_build import FastRequestBuild
from ._resources import ResourceHooks
from ._retries import DEFAULT_MAX_RETRIES, RetryPolicy, transport_kwargs
from ._roles import Role
from ._tokens.cache import TokenCache
from ._tokens.provider import (
    DEFAULT_LEEWAY,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_TOKEN_URL,
    AsyncSleep,
    Clock,
    Sleep,
    TokenProvider,
)
from ._user_agent import build_user_agent

if TYPE_CHECKING:
    from ._webhook_resources import AsyncWebhooksResource, WebhooksResource

logger = logging.getLogger("atomic_sdk")

DEFAULT_TIMEOUT = 30.0
_ORG_ID = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?")
# httpx settings the client owns; letting httpx_args replace them would drop auth or the User-Agent.
_OWNED_HTTPX_ARGS = frozenset({"auth", "base_url", "headers", "cookies", "timeout", "verify", "follow_redirects"})


class _Lifecycle:
    """Which sides of a client are closed; a derived client also consults its owner's."""

    __slots__ = ("async_closed", "sync_closed")

    def __init__(self) -> None:
        self.sync_closed = False
        self.async_closed = False


def _check_timeout(timeout: object) -> httpx.Timeout:
    why = "a stalled connection would otherwise hang forever"
    if isinstance(timeout, httpx.Timeout):
        parts = (timeout.connect, timeout.read, timeout.write, timeout.pool)
        if any(part is None or part <= 0 for part in parts):
            raise ConfigurationError(f"every part of timeout must be a positive number of seconds; {why}")
        return timeout
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise ConfigurationError(
            f"timeout must be a positive number of seconds or an httpx.Timeout, got {timeout!r}; {why}"
        )
    if not math.isfinite(timeout) or timeout <= 0:
        raise ConfigurationError(f"timeout must be a positive, finite number of seconds, got {timeout!r}; {why}")
    return httpx.Timeout(float(timeout))


def _check_max_retries(max_retries: object) -> None:
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise ConfigurationError(f"max_retries must be an integer >= 0, got {max_retries!r}")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine: ``localhost`` (and ``*.localhost``, RFC 6761), 127.0.0.0/8 or ::1."""
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_url(name: str, url: object, *, allow_insecure_http: bool = False) -> str:
    if not isinstance(url, str):
        raise ConfigurationError(f"{name} must be a string URL, got {type(url).__name__}")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise ConfigurationError(f"{name} is not a valid URL: {exc}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConfigurationError(f"{name} must be an absolute http(s) URL, got {url!r}")
    if parsed.query or parsed.fragment:
        raise ConfigurationError(f"{name} must not have a query or fragment, got {url!r}")
    if parsed.username or parsed.password:
        raise ConfigurationError(f"{name} must not carry a user name or password")
    if parsed.scheme == "http" and not is_loopback(parsed.host):
        # The client secret (token_url) and every bearer token (base_url) would cross the network in clear text.
        if not allow_insecure_http:
            raise ConfigurationError(
                f"{name} {url!r} uses plain HTTP to {parsed.host}: client secrets and tokens would travel "
                "unencrypted. Use https://, or pass allow_insecure_http=True (ATOMIC_ALLOW_INSECURE_HTTP=1) "
                "if this really is a trusted network; loopback hosts (127.0.0.1, localhost) need neither"
            )
        logger.warning(
            "%s %s uses plain HTTP to %s (allow_insecure_http=True): client secrets and bearer tokens travel "
            "unencrypted",
            name,
            url,
            parsed.host,
        )
    return url


def _attempts(request: httpx.Request) -> int | None:
    attempts = request.extensions.get("atomic_attempts")
    return attempts if isinstance(attempts, int) else None


class _HttpxClient(FastRequestBuild, httpx.Client):
    """httpx.Client whose transport failures (after the retry transport gave up) are ApiConnectionError, and
    whose requests are built with one URL parse (see _request_build)."""

    def send(
        self,
        request: httpx.Request,
        *,
        stream: bool = False,
        auth: Any = httpx.USE_CLIENT_DEFAULT,
        follow_redirects: Any = httpx.USE_CLIENT_DEFAULT,
    ) -> httpx.Response:
        try:
            return super().send(request, stream=stream, auth=auth, follow_redirects=follow_redirects)
        except httpx.RequestError as exc:
            # Also covers a body that breaks off after the headers (read in send, above the transport).
            raise connection_error(request, exc, attempts=_attempts(request)) from exc


class _AsyncHttpxClient(FastRequestBuild, httpx.AsyncClient):
    """httpx.AsyncClient whose transport failures are ApiConnectionError (see _HttpxClient)."""

    async def send(
        self,
        request: httpx.Request,
        *,
        stream: bool = False,
        auth: Any = httpx.USE_CLIENT_DEFAULT,
        follow_redirects: Any = httpx.USE_CLIENT_DEFAULT,
    ) -> httpx.Response:
        try:
            return await super().send(request, stream=stream, auth=auth, follow_redirects=follow_redirects)
        except httpx.RequestError as exc:
            raise connection_error(request, exc, attempts=_attempts(request)) from exc


@define(init=False, repr=False, eq=False)
class _AtomicClientBase(AuthenticatedClient):
    """Configuration shared by AtomicClient and AsyncAtomicClient (they differ only in their resources).

    Client for the Atomic customer API; pass it as ``client=`` to any ``atomic_api`` function.

    Each request gets a bearer token for the first role the operation accepts that has credentials.
    Tokens are cached per key and refreshed ahead of expiry. One sync connection pool shared by every
    thread, and one async pool per event loop (built on first use in that loop, closed when the loop
    shuts down through ``asyncio.run``), so one client can serve threads, tasks and successive
    ``asyncio.run`` calls. ``close()`` releases the sync side, ``aclose()`` the async side of the loop it
    runs on; each refuses new requests on that side afterwards (``ClientClosedError``). The context
    managers close everything the client owns: ``with`` is ``close()`` plus every loop's async pool
    released, ``async with`` is ``aclose()`` plus ``close()``.

    Example::

        from atomic_sdk import AtomicClient, Credentials, Role
        from atomic_api.api.cards import list_cards

        with AtomicClient(org_id="my-org", credentials={Role.EVENTS: Credentials("id", "secret")}) as client:
            cards = list_cards.sync(client=client, environment_id="env1", user_id="u1")

    Arguments:
        org_id: your organisation id; the API lives at ``https://{org_id}.customer-api.atomic.io``.
        credentials: one ``Credentials`` serving every role, or a mapping of ``Role`` to ``Credentials``.
        environment_id: optional default environment id, available as ``client.environment_id``.
        user_agent: your application's product token, sent before the SDK's own.
        base_url: override the API endpoint (for example a sandbox).
        token_url: override the token endpoint.
        timeout: seconds (or an ``httpx.Timeout`` with every part set); never unbounded.
        token_leeway: refresh a token this many seconds before it expires.
        token_max_attempts: token requests tried while the token endpoint answers 429.
        max_retries: retries of an API request after 429/502/503/504 or a connection failure
            (idempotent methods; POST only after 429 or a failed connect). 0 disables retries.
        raise_on_error: raise ApiError subclasses for 4xx/5xx responses (default). False returns
            the generated ``Response`` (``parsed`` is the error model or None) instead.
        clock: time source (seconds since the epoch), for tests.
        sleep: the wait between retries (sync calls), for tests.
        async_sleep: the wait between retries (async calls), for tests.
        verify_ssl: as for httpx ``verify``.
        httpx_args: extra ``httpx.Client``/``httpx.AsyncClient`` arguments (transport, limits, proxy).
        token_cache: where tokens are kept; ``InMemoryTokenCache`` (this process) by default,
            ``RedisTokenCache`` to share them between worker processes. Closing the client closes it
            (clients derived with ``with_options`` / ``with_headers`` / ... share it and never close it).
        allow_insecure_http: accept ``http://`` base and token URLs on hosts other than loopback (logged
            at WARNING); without it they raise ConfigurationError, since secrets would travel in clear text.

    Token requests use the same connection settings as API calls (``verify_ssl`` and ``httpx_args`` such as
    ``transport``, ``mounts``, ``proxy``, ``cert``, ``limits``), except ``event_hooks`` and ``params``.
    """

    _org_id: str | None = field(init=False)
    _environment_id: str | None = field(init=False)
    _credential_set: CredentialSet = field(init=False)
    _tokens: TokenProvider = field(init=False)
    _auth: AtomicAuth = field(init=False)
    _user_agent: str = field(init=False)
    _pool_lock: threading.Lock = field(init=False)
    _async_pools: LoopLocal[httpx.AsyncClient] = field(init=False)
    _lifecycle: _Lifecycle = field(init=False)
    _owner_lifecycle: _Lifecycle = field(init=False)
    _owns_tokens: bool = field(init=False)
    _retry_policy: RetryPolicy = field(init=False)
    _raise_on_error: bool = field(init=False)

    def __init__(
        self,
        *,
        org_id: str | None = None,
        credentials: Credentials | Mapping[Role, Credentials] | Mapping[str, Credentials],
        environment_id: str | None = None,
        user_agent: str | None = None,
        base_url: str | None = None,
        token_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        token_leeway: float = DEFAULT_LEEWAY,
        token_max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        max_retries: int = DEFAULT_MAX_RETRIES,
        raise_on_error: bool = True,
        clock: Clock = time.time,
        sleep: Sleep = time.sleep,
        async_sleep: AsyncSleep = _aio.sleep,
        verify_ssl: str | bool | ssl.SSLContext = True,
        httpx_args: Mapping[str, Any] | None = None,
        token_cache: TokenCache | None = None,
        allow_insecure_http: bool = False,
    ) -> None:
        if org_id is not None and (not isinstance(org_id, str) or not _ORG_ID.fullmatch(org_id)):
            raise ConfigurationError(f"org_id must be letters, digits and '-', got {org_id!r}")
        if base_url is None:
            if org_id is None:
                raise ConfigurationError("org_id is required (or pass base_url)")
            base_url = f"https://{org_id}.customer-api.atomic.io"
        if not isinstance(allow_insecure_http, bool):
            raise ConfigurationError(f"allow_insecure_http must be True or False, got {allow_insecure_http!r}")
        base_url = _check_url("base_url", base_url, allow_insecure_http=allow_insecure_http).rstrip("/")
        token_url = _check_url(
            "token_url", DEFAULT_TOKEN_URL if token_url is None else token_url, allow_insecure_http=allow_insecure_http
        )
        if environment_id is not None and (not isinstance(environment_id, str) or not environment_id):
            raise ConfigurationError("environment_id must be a non-empty string when given")
        checked_timeout = _check_timeout(timeout)
        if isinstance(token_leeway, bool) or not isinstance(token_leeway, (int, float)) or not token_leeway >= 0:
            raise ConfigurationError(f"token_leeway must be a number of seconds >= 0, got {token_leeway!r}")
        if isinstance(token_max_attempts, bool) or not isinstance(token_max_attempts, int) or token_max_attempts < 1:
            raise ConfigurationError(f"token_max_attempts must be an integer >= 1, got {token_max_attempts!r}")
        _check_max_retries(max_retries)
        if token_cache is not None and not isinstance(token_cache, TokenCache):
            raise ConfigurationError(
                f"token_cache must be a TokenCache (e.g. RedisTokenCache), got {type(token_cache).__name__}"
            )
        if not isinstance(raise_on_error, bool):
            raise ConfigurationError(f"raise_on_error must be True or False, got {raise_on_error!r}")
        # httpx's own INFO line would show query values (user ids, ...) of our requests; see _logging.
        watch_hosts(base_url, token_url)
        extra = dict(httpx_args or {})
        if owned := sorted(_OWNED_HTTPX_ARGS.intersection(extra)):
            raise ConfigurationError(f"httpx_args must not set {', '.join(owned)}; AtomicClient manages them")
        ua = build_user_agent(user_agent)
        tokens = TokenProvider(
            token_url=token_url,
            user_agent=ua,
            timeout=checked_timeout,
            leeway=float(token_leeway),
            max_attempts=token_max_attempts,
            clock=clock,
            sleep=sleep,
            async_sleep=async_sleep,
            verify=verify_ssl,
            cache=token_cache,
            httpx_args=extra,
        )
        self._setup(
            base_url=base_url,
            headers={},
            cookies={},
            timeout=checked_timeout,
            verify_ssl=verify_ssl,
            httpx_args=extra,
            org_id=org_id,
            environment_id=environment_id,
            credentials=CredentialSet(credentials),
            tokens=tokens,
            user_agent=ua,
            retry_policy=RetryPolicy(max_retries=max_retries, clock=clock, sleep=sleep, async_sleep=async_sleep),
            raise_on_error=raise_on_error,
            owner=None,
        )

    def _setup(
        self,
        *,
        base_url: str,
        headers: dict[str, str],
        cookies: dict[str, str],
        timeout: httpx.Timeout,
        verify_ssl: str | bool | ssl.SSLContext,
        httpx_args: dict[str, Any],
        org_id: str | None,
        environment_id: str | None,
        credentials: CredentialSet,
        tokens: TokenProvider,
        user_agent: str,
        retry_policy: RetryPolicy,
        raise_on_error: bool,
        owner: _Lifecycle | None,
    ) -> None:
        AuthenticatedClient.__init__(
            self,
            base_url=base_url,
            headers=headers,
            cookies=cookies,
            timeout=timeout,
            verify_ssl=verify_ssl,
            follow_redirects=False,
            httpx_args=httpx_args,
            # An undeclared status then reaches response_error below, which raises the matching ApiError
            # instead of the generated code returning None.
            raise_on_unexpected_status=raise_on_error,
            # Tokens are per request (AtomicAuth); the static token slot stays empty.
            token="",
        )
        self._org_id = org_id
        self._environment_id = environment_id
        self._credential_set = credentials
        self._tokens = tokens
        self._user_agent = user_agent
        self._retry_policy = retry_policy
        self._raise_on_error = raise_on_error
        self._auth = AtomicAuth(
            credentials=credentials,
            tokens=tokens,
            base_url=base_url,
            raise_on_error=raise_on_error,
            clock=retry_policy.clock,
        )
        self._pool_lock = threading.Lock()
        self._async_pools = LoopLocal(
            lambda: _AsyncHttpxClient(**self._httpx_kwargs(is_async=True)),
            lambda client: client.aclose(),
            "API connection pool",
        )
        self._lifecycle = _Lifecycle()
        # The client built by __init__ owns the token provider and cache; derived clients only use them.
        self._owns_tokens = owner is None
        self._owner_lifecycle = self._lifecycle if owner is None else owner

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **kwargs: Any) -> Self:
        """Build a client from ATOMIC_* environment variables; ``kwargs`` override or add arguments.

        Reads ATOMIC_ORG_ID, ATOMIC_ENVIRONMENT_ID, ATOMIC_CLIENT_ID / ATOMIC_CLIENT_SECRET (one key)
        or ATOMIC_<ROLE>_CLIENT_ID / ATOMIC_<ROLE>_CLIENT_SECRET (ROLE in AUTH, WORKBENCH, EVENTS),
        ATOMIC_BASE_URL, ATOMIC_TOKEN_URL, ATOMIC_USER_AGENT, ATOMIC_ALLOW_INSECURE_HTTP (1/true: accept
        plain-HTTP URLs to other hosts than loopback) and ATOMIC_REDIS_URL (share tokens
        between processes through a ``RedisTokenCache``). A missing variable raises ConfigurationError
        naming it.
        """
        settings = settings_from_env(os.environ if environ is None else environ)
        settings.update(kwargs)
        return cls(**settings)

    # -- read-only settings ------------------------------------------------------------------------

    @property
    def org_id(self) -> str | None:
        """The organisation id given at construction (None when only base_url was given)."""
        return self._org_id

    @property
    def environment_id(self) -> str | None:
        """The default environment id given at construction, if any."""
        return self._environment_id

    @property
    def base_url(self) -> str:
        """The API base URL requests are sent to."""
        return self._base_url

    @property
    def token_url(self) -> str:
        """The OAuth2 token endpoint."""
        return self._tokens.token_url

    @property
    def user_agent(self) -> str:
        """The User-Agent sent by default on API and token requests."""
        return self._user_agent

    @property
    def max_retries(self) -> int:
        """Retries of an API request after a retryable failure (see ``with_options``)."""
        return self._retry_policy.max_retries

    @property
    def raise_on_error(self) -> bool:
        """Whether 4xx/5xx responses raise ApiError subclasses."""
        return self._raise_on_error

    @property
    def token_cache(self) -> TokenCache:
        """Where this client's tokens are kept (shared with clients derived from it)."""
        return self._tokens.cache

    @property
    def configured_roles(self) -> tuple[Role, ...]:
        """Roles that have credentials (every role for a single key)."""
        return self._credential_set.configured_roles

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(org_id={self._org_id!r}, base_url={self._base_url!r}, "
            f"environment_id={self._environment_id!r}, credentials={self._credential_set!r})"
        )

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        # Two clients are never interchangeable: each has its own pools and token cache.
        return self is other

    # -- derived clients ---------------------------------------------------------------------------

    def _derive(
        self,
        *,
        headers: dict[str, str] | None = None,
        cookies: dict[str, str] | None = None,
        timeout: httpx.Timeout | None = None,
        retry_policy: RetryPolicy | None = None,
        raise_on_error: bool | None = None,
    ) -> Self:
        # A derived client shares credentials and the token cache (owned by the original client, which alone
        # closes them) but has its own connection pools (its headers, timeout and retries are its own).
        new = object.__new__(type(self))
        new._setup(
            base_url=self._base_url,
            headers=dict(self._headers) if headers is None else headers,
            cookies=dict(self._cookies) if cookies is None else cookies,
            timeout=self._checked_timeout() if timeout is None else timeout,
            verify_ssl=self._verify_ssl,
            httpx_args=dict(self._httpx_args),
            org_id=self._org_id,
            environment_id=self._environment_id,
            credentials=self._credential_set,
            tokens=self._tokens,
            user_agent=self._user_agent,
            retry_policy=self._retry_policy if retry_policy is None else retry_policy,
            raise_on_error=self._raise_on_error if raise_on_error is None else raise_on_error,
            owner=self._owner_lifecycle,
        )
        return new

    def _checked_timeout(self) -> httpx.Timeout:
        return _check_timeout(self._timeout)

    def with_headers(self, headers: dict[str, str]) -> Self:
        """A new client with these headers added to every request; this client is unchanged."""
        return self._derive(headers={**self._headers, **headers})

    def with_cookies(self, cookies: dict[str, str]) -> Self:
        """A new client with these cookies added; this client is unchanged."""
        return self._derive(cookies={**self._cookies, **cookies})

    def with_timeout(self, timeout: httpx.Timeout) -> Self:
        """A new client with another timeout (every part must be set); this client is unchanged."""
        return self._derive(timeout=_check_timeout(timeout))

    def with_options(
        self,
        *,
        max_retries: int | None = None,
        raise_on_error: bool | None = None,
        timeout: float | httpx.Timeout | None = None,
    ) -> Self:
        """A new client with other retry, error or timeout settings; this client is unchanged.

        It shares credentials and the token cache (no new token requests) but has its own pools,
        so keep it around rather than deriving one per call when calls are frequent. Closing it (or
        leaving its ``with`` block) closes only its own pools; the token cache stays with this client.

        Example::

            list_cards.sync(client=client.with_options(max_retries=0), environment_id="env1")
        """
        policy = None
        if max_retries is not None:
            _check_max_retries(max_retries)
            policy = evolve(self._retry_policy, max_retries=max_retries)
        if raise_on_error is not None and not isinstance(raise_on_error, bool):
            raise ConfigurationError(f"raise_on_error must be True or False, got {raise_on_error!r}")
        return self._derive(
            timeout=None if timeout is None else _check_timeout(timeout),
            retry_policy=policy,
            raise_on_error=raise_on_error,
        )

    # -- errors ------------------------------------------------------------------------------------

    def response_error(self, response: httpx.Response, error: Exception) -> Exception | None:
        """The typed error for a response the generated code could not turn into its result.

        An undeclared status (``raise_on_unexpected_status``) becomes the matching ApiError (a 3xx is a
        RedirectError); any parsing failure becomes a ResponseValidationError (MissingFieldError when
        required fields are missing). Called by every generated ``sync``/``asyncio`` function.
        """
        request = response.request
        operation_id = request.extensions.get("atomic_operation_id")
        operation_id = operation_id if isinstance(operation_id, str) else None
        authorization = request.headers.get("authorization", "")
        sent_token = authorization[7:] if authorization[:7].lower() == "bearer " else ""
        redacted = [sent_token] if sent_token else []
        if isinstance(error, UnexpectedStatus):
            role_name = request.extensions.get("atomic_role")
            client_id = request.extensions.get("atomic_client_id")
            allowed: tuple[Role, ...] = ()
            if operation_id is not None:
                try:
                    allowed = DEFAULT_OPERATIONS.get(operation_id).roles
                except LookupError:
                    allowed = ()
            return api_error(
                status=response.status_code,
                method=request.method,
                url=str(request.url),
                operation_id=operation_id,
                allowed_roles=allowed,
                role=Role(role_name) if isinstance(role_name, str) else None,
                content=response.content,
                headers=response.headers,
                now=self._retry_policy.clock(),
                client_id=client_id if isinstance(client_id, str) else None,
                single_key=self._credential_set.single,
                redacted=redacted,
            )
        return response_validation_error(response, error, operation_id=operation_id, redacted=redacted)

    # -- connection pools --------------------------------------------------------------------------

    def _httpx_kwargs(self, *, is_async: bool) -> dict[str, Any]:
        # The retry transport wraps the real one, so it runs inside the auth flow (one token per request).
        extra = transport_kwargs(
            self._httpx_args,
            verify=self._verify_ssl,
            base_url=self._base_url,
            policy=self._retry_policy,
            is_async=is_async,
        )
        return {
            "base_url": self._base_url,
            "cookies": self._cookies,
            # Request headers are merged over these, so a caller's own User-Agent wins.
            "headers": {"User-Agent": self._user_agent, **self._headers},
            "timeout": self._timeout,
            "verify": self._verify_ssl,
            "follow_redirects": self._follow_redirects,
            "auth": self._auth,
            **extra,
        }

    def _refuse_if_closed(self, *, is_async: bool) -> None:
        side, how = ("async", "aclose()") if is_async else ("sync", "close()")
        own = self._lifecycle
        if own.async_closed if is_async else own.sync_closed:
            raise ClientClosedError(
                f"this {type(self).__name__}'s {side} side was closed ({how}); it refuses new requests. "
                "Close a client only when the program is done with it, or build a new one"
            )
        owner = self._owner_lifecycle
        if owner is not own and (owner.async_closed if is_async else owner.sync_closed):
            raise ClientClosedError(
                f"the {type(self).__name__} this client was derived from (with_options, with_headers, ...) was closed "
                f"({how}); its token cache is gone, so this client refuses new {side} requests too"
            )

    def get_httpx_client(self) -> httpx.Client:
        """The client's one httpx.Client (shared by every thread), built on first use."""
        client = self._client
        # The hot path: _refuse_if_closed's sync checks, written out.
        if client is not None and not self._lifecycle.sync_closed and not self._owner_lifecycle.sync_closed:
            return client
        self._refuse_if_closed(is_async=False)
        if client is None:
            with self._pool_lock:
                self._refuse_if_closed(is_async=False)
                client = self._client
                if client is None:
                    client = self._client = _HttpxClient(**self._httpx_kwargs(is_async=False))
        return client

    def get_async_httpx_client(self) -> httpx.AsyncClient:
        """The httpx.AsyncClient of the running event loop, built on first use in that loop.

        Async connections belong to the loop that opened them, so each loop gets its own pool; it is closed
        when the loop shuts down (``asyncio.run``) or by ``aclose()`` on that loop.
        """
        self._refuse_if_closed(is_async=True)
        try:
            return self._async_pools.get()
        except RuntimeError:
            raise ConfigurationError(
                "get_async_httpx_client() must be called from code running on an event loop "
                "(each event loop has its own connection pool)"
            ) from None

    def set_httpx_client(self, client: httpx.Client) -> Self:
        """Not supported: the client must own its httpx clients to attach auth and the User-Agent."""
        raise ConfigurationError(
            "AtomicClient builds its own httpx.Client (auth, User-Agent, one pool); "
            "pass httpx_args={'transport': ...} to AtomicClient instead"
        )

    def set_async_httpx_client(self, async_client: httpx.AsyncClient) -> Self:
        """Not supported: the client must own its httpx clients to attach auth and the User-Agent."""
        raise ConfigurationError(
            "AtomicClient builds its own httpx.AsyncClient (auth, User-Agent, one pool); "
            "pass httpx_args={'transport': ...} to AtomicClient instead"
        )

    def close(self) -> None:
        """Release the sync connection pool (and, for the client that owns them, the token endpoint's sync
        pool and the token cache's sync connections). Sync requests are refused afterwards; async ones are
        not affected. Safe to call twice.
        """
        with self._pool_lock:
            self._lifecycle.sync_closed = True
            client, self._client = self._client, None
        if client is not None:
            client.close()
        if self._owns_tokens:
            self._tokens.close()

    async def aclose(self) -> None:
        """Release the running event loop's async pools (API, token endpoint, token cache); async requests
        are refused afterwards. The sync side is not affected (see ``close()``). Safe to call twice.
        """
        self._lifecycle.async_closed = True
        await self._async_pools.aclose_current()
        if self._owns_tokens:
            await self._tokens.aclose()

    def _release_async_pools(self) -> None:
        # Pools of other event loops cannot be awaited from here: each is closed on its own loop (or dropped
        # with its closed loop). The async side is not refused: only aclose() does that.
        self._async_pools.release_all()
        if self._owns_tokens:
            self._tokens.release_async()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *args: object, **kwargs: Any) -> None:
        """``close()``, and every event loop's async pool released too (on its own loop)."""
        self.close()
        self._release_async_pools()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *args: object, **kwargs: Any) -> None:
        """``aclose()`` and ``close()``, and the async pools of other event loops released (on their loop)."""
        await self.aclose()
        self.close()
        self._release_async_pools()


# -- the resources: AtomicClient (sync) and AsyncAtomicClient (async) ----------------------------------


class _Resources(Resources):
    # The webhooks resource with the hand-written test call (_webhook_resources.py), for client.webhooks and
    # client.resources.webhooks alike; imported on first use, as the generated resources are.
    __slots__ = ("_webhooks_with_test",)
    _webhooks_with_test: "WebhooksResource"

    @property
    def webhooks(self) -> "WebhooksResource":
        try:
            return self._webhooks_with_test
        except AttributeError:
            from ._webhook_resources import WebhooksResource

            resource = self._webhooks_with_test = WebhooksResource(self._client)
            return resource


class _AsyncResources(AsyncResources):
    __slots__ = ("_webhooks_with_test",)
    _webhooks_with_test: "AsyncWebhooksResource"

    @property
    def webhooks(self) -> "AsyncWebhooksResource":
        try:
            return self._webhooks_with_test
        except AttributeError:
            from ._webhook_resources import AsyncWebhooksResource

            resource = self._webhooks_with_test = AsyncWebhooksResource(self._client)
            return resource


@define(init=False, repr=False, eq=False)
class AtomicClient(_AtomicClientBase, ResourceHooks, ClientResources):
    """Client for the Atomic customer API (sync resources); also ``client=`` for any ``atomic_api`` function.

    Every operation is a method of its tag's resource, with the generated module names:
    ``atomic_api.api.cards.list_cards`` is ``client.cards.list_cards(...)``, returning the success model
    (``CardList``) and raising an ``ApiError`` subclass for anything else. ``environment_id`` defaults to
    the client's. ``client.cards.with_raw_response.list_cards(...)`` returns a ``RawResponse`` (status,
    headers, parsed); ``client.cards.iter_list_cards(...)`` pages by itself.

    Example::

        from atomic_sdk import AtomicClient

        with AtomicClient.from_env() as client:      # ATOMIC_ORG_ID, ATOMIC_ENVIRONMENT_ID, keys
            for card in client.cards.list_cards(user_id="u1").data:
                print(card.card_instance_id)

    Arguments (all keyword-only):
        org_id: your organisation id; the API lives at ``https://{org_id}.customer-api.atomic.io``.
        credentials: one ``Credentials`` serving every role, or a mapping of ``Role`` to ``Credentials``.
        environment_id: the default environment of every resource call (``environment_id=`` overrides it).
        user_agent: your application's product token, sent before the SDK's own.
        base_url / token_url: override the API and token endpoints (for example a sandbox).
        timeout: seconds (or an ``httpx.Timeout`` with every part set); never unbounded.
        token_leeway / token_max_attempts: token refresh ahead of expiry; token requests tried on 429.
        max_retries: retries of an API request after 429/502/503/504 or a connection failure.
        raise_on_error: raise ApiError subclasses for 4xx/5xx from the generated functions (resource
            methods always raise).
        clock / sleep / async_sleep, verify_ssl, httpx_args, token_cache: see ``_AtomicClientBase``.
    """

    _resources: "_Resources" = field(init=False)

    def _setup(self, **kwargs: Any) -> None:
        super()._setup(**kwargs)
        self._resources = _Resources(self)

    @property
    def webhooks(self) -> "WebhooksResource":
        """The ``webhooks`` operations, plus the hand-written ``test_webhook_subscription``."""
        return self._resources.webhooks


@define(init=False, repr=False, eq=False)
class AsyncAtomicClient(_AtomicClientBase, ResourceHooks, AsyncClientResources):
    """Client for the Atomic customer API whose resource methods are coroutines.

    Same constructor and ``from_env()`` as ``AtomicClient``; use it with ``async with`` (or
    ``await client.aclose()``). It is also accepted as ``client=`` by every generated function.

    Example::

        from atomic_sdk import AsyncAtomicClient

        async with AsyncAtomicClient.from_env() as client:
            cards = await client.cards.list_cards(user_id="u1")
            async for card in client.cards.iter_list_cards(user_id="u1"):
                print(card.card_instance_id)
    """

    _resources: "_AsyncResources" = field(init=False)

    def _setup(self, **kwargs: Any) -> None:
        super()._setup(**kwargs)
        self._resources = _AsyncResources(self)

    @property
    def webhooks(self) -> "AsyncWebhooksResource":
        """The ``webhooks`` operations as coroutines, plus the hand-written ``test_webhook_subscription``."""
        return self._resources.webhooks
