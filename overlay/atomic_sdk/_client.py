"""AtomicClient / AsyncAtomicClient: configuration, credentials, tokens and the request pipeline, composed.

A client owns a ``Pipeline`` (its httpx pools, retries, the error mapper and its closed state), an ``AtomicAuth``
and, unless it was derived from another client, its ``TokenProvider``. It implements the generated package's
``ApiClient`` protocol (so every ``atomic_api`` function accepts it, sync and async alike) and the resource
layer's hooks (``client.cards.list_cards(...)``).
"""

import ipaddress
import logging
import os
import re
import ssl
import time
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, NoReturn, Self, TypedDict, Unpack, overload

import httpx
from atomic_api.resources import (
    AsyncClientResources,
    AsyncResources,
    ClientResources,
    HttpResponse,
    Resources,
    ResponseT,
    Timeout,
)
from attrs import evolve, field, frozen

from . import _aio
from ._auth import AtomicAuth
from ._backend import HttpBackend, choose, twin
from ._credentials import Credentials, CredentialSet
from ._env import settings_from_env
from ._errors import ConfigurationError, RepeatedPageError
from ._http import Pipeline
from ._logging import watch as watch_hosts
from ._options import (
    DEFAULT_TIMEOUT,
    AsyncSleep,
    Clock,
    Sleep,
    check_bool,
    check_headers,
    check_int,
    check_timeout,
)
from ._retries import DEFAULT_MAX_RETRIES, MAX_RETRIES_EXTENSION, RetryPolicy
from ._roles import Role
from ._tokens.cache import TokenCache
from ._tokens.provider import DEFAULT_LEEWAY, DEFAULT_TOKEN_URL, TokenProvider
from ._user_agent import build_user_agent

if TYPE_CHECKING:
    import httpx2

    from ._webhook_resources import AsyncWebhooksResource, WebhooksResource

logger = logging.getLogger("atomic_sdk")

_ORG_ID = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?")
# httpx settings the client owns; letting httpx_args replace them would drop auth or the User-Agent.
_OWNED_HTTPX_ARGS = frozenset({"auth", "base_url", "headers", "cookies", "timeout", "verify", "follow_redirects"})


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


def _check_transports(httpx_args: Mapping[str, Any], package: str) -> None:
    """Refuse a transport of the other HTTP package (an httpx2 client cannot drive an httpx transport)."""
    given = [("['transport']", httpx_args.get("transport"))]
    mounts = httpx_args.get("mounts")
    if isinstance(mounts, Mapping):
        given += [(f"['mounts'][{pattern!r}]", transport) for pattern, transport in mounts.items()]
    for where, transport in given:
        origin = type(transport).__module__.partition(".")[0]
        if origin in ("httpx", "httpx2") and origin != package:
            raise ConfigurationError(
                f"httpx_args{where} is an {origin} transport, but this client runs on http_backend={package!r}; "
                f"pass an {package} transport (e.g. {package}.HTTPTransport(...)) or http_backend={origin!r}"
            )


CredentialsArgument = Credentials | Mapping[Role, Credentials] | Mapping[str, Credentials]


class Options(TypedDict, total=False):
    """The keyword arguments of ``AtomicClient`` / ``AsyncAtomicClient`` but ``credentials`` and
    ``http_backend`` (the constructors' overloads take those two by name)."""

    org_id: str | None
    environment_id: str | None
    user_agent: str | None
    base_url: str | None
    token_url: str | None
    timeout: Timeout
    token_leeway: float
    token_max_attempts: int | None
    max_retries: int
    raise_on_error: bool
    clock: Clock
    sleep: Sleep
    async_sleep: AsyncSleep
    verify_ssl: str | bool | ssl.SSLContext
    httpx_args: Mapping[str, Any] | None
    token_cache: TokenCache | None
    allow_insecure_http: bool


class OptionsWithCredentials(Options, total=False):
    """``Options`` and ``credentials``: what ``Sandbox.client`` takes besides ``http_backend``."""

    credentials: CredentialsArgument


class ClientOptions(OptionsWithCredentials, total=False):
    """The keyword arguments of ``AtomicClient`` / ``AsyncAtomicClient``, for ``from_env(**options)`` and
    ``Sandbox.client(**options)``: a misspelt name is a type error, not a surprise at run time."""

    http_backend: HttpBackend | None


@frozen(kw_only=True)
class _Settings:
    """What a client was configured with; a derived client is built from a copy with a few fields replaced."""

    base_url: str
    cookies: dict[str, str] = field(factory=dict)
    environment_id: str | None
    headers: dict[str, str] = field(factory=dict)
    httpx_args: dict[str, Any]
    org_id: str | None
    policy: RetryPolicy
    raise_on_error: bool
    timeout: httpx.Timeout
    user_agent: str
    verify: str | bool | ssl.SSLContext


class _AtomicClientBase(Generic[ResponseT]):
    """Client for the Atomic customer API; what AtomicClient and AsyncAtomicClient share.

    Each request gets a bearer token for the first role its operation accepts that has credentials.
    Tokens are cached per key and refreshed ahead of expiry. One sync connection pool shared by every
    thread, and one async pool per event loop (made on first use in that loop, closed when the loop shuts
    down through ``asyncio.run``), so one client serves threads, tasks and successive ``asyncio.run`` calls,
    and either client serves the generated ``sync*`` and ``asyncio*`` functions. ``close()`` releases the
    sync side, ``aclose()`` the async side of the loop it runs on; each refuses new requests on that side
    afterwards (``ClientClosedError``). The context managers close everything the client owns. After
    ``os.fork()`` the child process builds pools of its own (the parent's are never reused).

    Arguments (all keyword-only):
        org_id: your organisation id; the API lives at ``https://{org_id}.customer-api.atomic.io``.
        credentials: one ``Credentials`` serving every role, or a mapping of ``Role`` to ``Credentials``.
        environment_id: the default environment of every resource call (``environment_id=`` overrides it).
        user_agent: your application's product token, sent before the SDK's own.
        base_url / token_url: override the API and token endpoints (for example a sandbox).
        timeout: seconds (or an ``httpx.Timeout`` with every part set); never unbounded.
        token_leeway: refresh a token this many seconds before it expires.
        max_retries: retries of a request (API and token requests alike) after 429, 502, 503, 504 or a
            connection failure; idempotent methods and token requests also after a connection that broke
            mid-request. 0 disables retries.
        token_max_attempts: deprecated; token requests follow ``max_retries`` (attempts = retries + 1).
        raise_on_error: raise ApiError subclasses for 4xx/5xx responses (default). False makes the generated
            ``*_detailed`` functions return the ``Response`` (``parsed`` is the error model or None)
            instead; resource methods, which return the success model, raise whatever this says.
        clock / sleep / async_sleep: time source and waits between retries, for tests.
        verify_ssl: as for httpx ``verify``.
        httpx_args: extra ``httpx.Client``/``httpx.AsyncClient`` arguments (transport, mounts, proxy,
            limits, ...); token requests use them too, except ``event_hooks`` and ``params``.
        token_cache: where tokens are kept; ``InMemoryTokenCache`` (this process) by default,
            ``RedisTokenCache`` to share them between processes. Closing the client closes it.
        allow_insecure_http: accept ``http://`` base and token URLs on hosts other than loopback.
        http_backend: the HTTP package every request goes through: ``"httpx"`` or ``"httpx2"`` (the extra
            ``atomic-sdk[httpx2]``); None reads ``ATOMIC_HTTP_BACKEND``, else httpx. ``timeout``, ``verify_ssl``
            and ``httpx_args`` (transports, mounts, proxies) are then that package's.
    """

    _RESOURCES: ClassVar[type[Any]]  # each client class's kind of resources (sync or async)
    _resources: Any

    def __init__(
        self,
        *,
        org_id: str | None = None,
        credentials: CredentialsArgument,
        environment_id: str | None = None,
        user_agent: str | None = None,
        base_url: str | None = None,
        token_url: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        token_leeway: float = DEFAULT_LEEWAY,
        token_max_attempts: int | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        raise_on_error: bool = True,
        clock: Clock = time.time,
        sleep: Sleep = time.sleep,
        async_sleep: AsyncSleep = _aio.sleep,
        verify_ssl: str | bool | ssl.SSLContext = True,
        httpx_args: Mapping[str, Any] | None = None,
        token_cache: TokenCache | None = None,
        allow_insecure_http: bool = False,
        http_backend: HttpBackend | None = None,
    ) -> None:
        http = choose(http_backend)
        if org_id is not None and (not isinstance(org_id, str) or not _ORG_ID.fullmatch(org_id)):
            raise ConfigurationError(f"org_id must be letters, digits and '-', got {org_id!r}")
        if base_url is None:
            if org_id is None:
                raise ConfigurationError("org_id is required (or pass base_url)")
            base_url = f"https://{org_id}.customer-api.atomic.io"
        check_bool("allow_insecure_http", allow_insecure_http)
        base_url = _check_url("base_url", base_url, allow_insecure_http=allow_insecure_http).rstrip("/")
        token_url = _check_url(
            "token_url", DEFAULT_TOKEN_URL if token_url is None else token_url, allow_insecure_http=allow_insecure_http
        )
        if environment_id is not None and (not isinstance(environment_id, str) or not environment_id):
            raise ConfigurationError("environment_id must be a non-empty string when given")
        checked_timeout = check_timeout(timeout, http)
        if isinstance(token_leeway, bool) or not isinstance(token_leeway, (int, float)) or not token_leeway >= 0:
            raise ConfigurationError(f"token_leeway must be a number of seconds >= 0, got {token_leeway!r}")
        check_int("max_retries", max_retries, 0)
        policy = RetryPolicy(max_retries=max_retries, clock=clock, sleep=sleep, async_sleep=async_sleep, http=http)
        token_policy = policy
        if token_max_attempts is not None:
            check_int("token_max_attempts", token_max_attempts, 1)
            warnings.warn(
                "token_max_attempts is deprecated: token requests follow the client's one retry policy, "
                f"max_retries (retries, not attempts: token_max_attempts={token_max_attempts} is "
                f"max_retries={token_max_attempts - 1})",
                DeprecationWarning,
                stacklevel=3,  # the caller of AtomicClient(...) (its __init__ calls this one)
            )
            token_policy = policy.with_max_retries(token_max_attempts - 1)
        if token_cache is not None and not isinstance(token_cache, TokenCache):
            raise ConfigurationError(
                f"token_cache must be a TokenCache (e.g. RedisTokenCache), got {type(token_cache).__name__}"
            )
        check_bool("raise_on_error", raise_on_error)
        # httpx's own INFO line would show query values (user ids, ...) of our requests; see _logging.
        watch_hosts(http, base_url, token_url)
        extra = dict(httpx_args or {})
        if owned := sorted(_OWNED_HTTPX_ARGS.intersection(extra)):
            raise ConfigurationError(f"httpx_args must not set {', '.join(owned)}; AtomicClient manages them")
        _check_transports(extra, http.name)
        user_agent = build_user_agent(user_agent, http)
        tokens = TokenProvider(
            token_url=token_url,
            user_agent=user_agent,
            timeout=checked_timeout,
            leeway=float(token_leeway),
            policy=token_policy,
            verify=verify_ssl,
            cache=token_cache,
            httpx_args=extra,
        )
        settings = _Settings(
            base_url=base_url,
            environment_id=environment_id,
            httpx_args=extra,
            org_id=org_id,
            policy=policy,
            raise_on_error=raise_on_error,
            timeout=checked_timeout,
            user_agent=user_agent,
            verify=verify_ssl,
        )
        self._compose(settings, CredentialSet(credentials), tokens, owner=None)

    def _compose(
        self, settings: _Settings, credentials: CredentialSet, tokens: TokenProvider, owner: Pipeline | None
    ) -> None:
        self._settings = settings
        self._credential_set = credentials
        self._tokens = tokens
        auth = twin(AtomicAuth, settings.policy.http.module.Auth)(
            credentials=credentials, tokens=tokens, base_url=settings.base_url
        )
        self._pipeline = Pipeline(
            httpx_kwargs={
                "base_url": settings.base_url,
                "cookies": settings.cookies,
                # Request headers are merged over these, so a caller's own User-Agent wins.
                "headers": {"User-Agent": settings.user_agent, **settings.headers},
                "timeout": settings.timeout,
                "verify": settings.verify,
                # Never follow a redirect with a bearer token attached.
                "follow_redirects": False,
                "auth": auth,
                **settings.httpx_args,
            },
            policy=settings.policy,
            raise_on_error=settings.raise_on_error,
            single_key=credentials.single,
            owner=owner,
            name=type(self).__name__,
        )
        # The client built by __init__ owns the token provider and cache; derived clients only use them.
        self._owns_tokens = owner is None
        self._resources = self._RESOURCES(self)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **kwargs: Unpack[ClientOptions]) -> Self:
        """Build a client from ATOMIC_* environment variables; ``kwargs`` override or add arguments.

        Reads ATOMIC_ORG_ID, ATOMIC_ENVIRONMENT_ID, ATOMIC_CLIENT_ID / ATOMIC_CLIENT_SECRET (one key)
        or ATOMIC_<ROLE>_CLIENT_ID / ATOMIC_<ROLE>_CLIENT_SECRET (ROLE in AUTH, WORKBENCH, EVENTS),
        ATOMIC_BASE_URL, ATOMIC_TOKEN_URL, ATOMIC_USER_AGENT, ATOMIC_ALLOW_INSECURE_HTTP (1/true: accept
        plain-HTTP URLs to other hosts than loopback), ATOMIC_REDIS_URL (share tokens
        between processes through a ``RedisTokenCache``) and ATOMIC_HTTP_BACKEND (``httpx`` or ``httpx2``).
        A missing variable raises ConfigurationError naming it.
        """
        environ = os.environ if environ is None else environ
        settings = settings_from_env(environ)
        settings.update(kwargs)
        if settings.get("http_backend") is None:  # ATOMIC_HTTP_BACKEND of ``environ``, not of the process
            settings["http_backend"] = choose(None, environ).name
        return cls(**settings)

    # -- read-only settings ------------------------------------------------------------------------

    @property
    def org_id(self) -> str | None:
        """The organisation id given at construction (None when only base_url was given)."""
        return self._settings.org_id

    @property
    def environment_id(self) -> str | None:
        """The default environment id given at construction, if any."""
        return self._settings.environment_id

    @property
    def base_url(self) -> str:
        """The API base URL requests are sent to."""
        return self._settings.base_url

    @property
    def token_url(self) -> str:
        """The OAuth2 token endpoint."""
        return self._tokens.token_url

    @property
    def user_agent(self) -> str:
        """The User-Agent sent by default on API and token requests."""
        return self._settings.user_agent

    @property
    def max_retries(self) -> int:
        """Retries of a request after a retryable failure (see ``with_options``)."""
        return self._settings.policy.max_retries

    @property
    def raise_on_error(self) -> bool:
        """Whether 4xx/5xx responses raise ApiError subclasses."""
        return self._settings.raise_on_error

    @property
    def raise_on_unexpected_status(self) -> bool:
        """For the generated functions: a status the spec does not declare raises (as ``raise_on_error``)."""
        return self._settings.raise_on_error

    @property
    def http_backend(self) -> HttpBackend:
        """The HTTP package every request of this client goes through: ``"httpx"`` or ``"httpx2"``."""
        return self._settings.policy.http.name

    @property
    def token_cache(self) -> TokenCache:
        """Where this client's tokens are kept (shared with clients derived from it)."""
        return self._tokens.cache

    @property
    def configured_roles(self) -> tuple[Role, ...]:
        """Roles that have credentials (every role for a single key)."""
        return self._credential_set.configured_roles

    def __repr__(self) -> str:
        settings = self._settings
        return (
            f"{type(self).__name__}(org_id={settings.org_id!r}, base_url={settings.base_url!r}, "
            f"environment_id={settings.environment_id!r}, credentials={self._credential_set!r})"
        )

    __str__ = __repr__

    # -- derived clients ---------------------------------------------------------------------------

    def _derive(self, **changes: Any) -> Self:
        # A derived client shares credentials and the token cache (owned by the original client, which alone
        # closes them) but has its own pipeline and pools (its headers, timeout and retries are its own).
        new = type(self).__new__(type(self))
        owner = self._pipeline if self._owns_tokens else self._pipeline.owner
        new._compose(evolve(self._settings, **changes), self._credential_set, self._tokens, owner=owner)
        return new

    def with_headers(self, headers: Mapping[str, str]) -> Self:
        """A new client with these headers added to every request; this client is unchanged."""
        return self._derive(headers={**self._settings.headers, **check_headers("with_headers", headers)})

    def with_cookies(self, cookies: Mapping[str, str]) -> Self:
        """A new client with these cookies added; this client is unchanged."""
        return self._derive(cookies={**self._settings.cookies, **cookies})

    def with_timeout(self, timeout: Timeout) -> Self:
        """A new client with another timeout (every part must be set); this client is unchanged."""
        return self._derive(timeout=check_timeout(timeout, self._settings.policy.http))

    def with_options(
        self,
        *,
        max_retries: int | None = None,
        raise_on_error: bool | None = None,
        timeout: Timeout | None = None,
    ) -> Self:
        """A new client with other retry, error or timeout settings; this client is unchanged.

        It shares credentials and the token cache (no new token requests) but has its own pools,
        so keep it around rather than deriving one per call when calls are frequent. Closing it closes
        only its own pools; the token cache stays with this client.

        Example::

            client.with_options(max_retries=0).cards.list_cards(user_id="u1")
        """
        changes: dict[str, Any] = {}
        if max_retries is not None:
            changes["policy"] = self._settings.policy.with_max_retries(check_int("max_retries", max_retries, 0))
        if raise_on_error is not None:
            changes["raise_on_error"] = check_bool("raise_on_error", raise_on_error)
        if timeout is not None:
            changes["timeout"] = check_timeout(timeout, self._settings.policy.http)
        return self._derive(**changes)

    # -- the generated package's ApiClient protocol -------------------------------------------------

    def get_httpx_client(self) -> httpx.Client:
        """The client's one httpx.Client (shared by every thread), made on first use.

        A request you send through it yourself gets what every SDK request gets: credentials for its operation
        (found by method and path in the role map; outside the base URL or matching no operation it fails
        before any I/O), the User-Agent, the retry policy and typed errors. On ``http_backend="httpx2"`` it is
        an ``httpx2.Client`` (typed ``httpx.Client``, as the generated functions' ``ApiClient`` protocol names it).
        """
        return self._pipeline.sync_client()

    def get_async_httpx_client(self) -> httpx.AsyncClient:
        """The httpx.AsyncClient of the running event loop, made on first use in that loop."""
        return self._pipeline.async_client()

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

    def response_error(self, response: HttpResponse, error: Exception) -> Exception | None:
        """The typed error for a response the generated code could not turn into its result.

        An undeclared status (``errors.UnexpectedStatus``) becomes the matching ApiError (a 3xx is a
        RedirectError); any parsing failure becomes a ResponseValidationError (MissingFieldError when
        required fields are missing). Called by every generated function and resource method.
        """
        received: Any = response  # the package's Response (httpx's or httpx2's)
        return self._pipeline.error(received, error)

    # -- the resource layer's hooks (atomic_api.resources.SyncResourceClient / AsyncResourceClient) ------

    def _resource_environment_id(self, operation: str) -> str:
        environment_id = self._settings.environment_id
        if environment_id is None:
            raise ConfigurationError(
                f"{operation} needs an environment id: pass environment_id=... to the call, or give the client "
                "a default (environment_id=... or ATOMIC_ENVIRONMENT_ID for from_env())"
            )
        return environment_id

    def _resource_invalid_argument(self, operation: str, message: str) -> NoReturn:
        raise ConfigurationError(f"{operation}: {message}")

    def _resource_repeated_page(self, operation: str, message: str) -> NoReturn:
        raise RepeatedPageError(f"{operation}: {message}", operation_id=operation)

    def _resource_error(self, operation: str, response: HttpResponse) -> NoReturn:
        received: Any = response
        raise self._pipeline.error(received)

    def _resource_send(
        self,
        operation: str,
        request: dict[str, Any],
        timeout: Timeout | None,
        extra_headers: Mapping[str, str] | None,
        max_retries: int | None,
    ) -> ResponseT:
        if timeout is not None or extra_headers or max_retries is not None:
            _apply_options(self._settings.policy, operation, request, timeout, extra_headers, max_retries)
        pool: Any = self._pipeline.sync_client()  # the chosen package's Client: its Response is ResponseT
        response: ResponseT = pool.request(**request)
        return response

    async def _resource_asend(
        self,
        operation: str,
        request: dict[str, Any],
        timeout: Timeout | None,
        extra_headers: Mapping[str, str] | None,
        max_retries: int | None,
    ) -> ResponseT:
        if timeout is not None or extra_headers or max_retries is not None:
            _apply_options(self._settings.policy, operation, request, timeout, extra_headers, max_retries)
        pool: Any = self._pipeline.async_client()
        response: ResponseT = await pool.request(**request)
        return response

    # -- lifecycle ---------------------------------------------------------------------------------

    def close(self) -> None:
        """Release the sync connection pool (and, for the client that owns them, the token endpoint's sync
        pool and the token cache's sync connections). Sync requests are refused afterwards; async ones are
        not affected, so requests in flight on the other side are never reset. Safe to call twice.
        """
        self._pipeline.close()
        if self._owns_tokens:
            self._tokens.close()

    async def aclose(self) -> None:
        """Release the running event loop's async pools (API, token endpoint, token cache); async requests
        are refused afterwards. The sync side is not affected (see ``close()``). Safe to call twice.
        """
        await self._pipeline.aclose()
        if self._owns_tokens:
            await self._tokens.aclose()

    def _release_async_pools(self) -> None:
        # Pools of other event loops cannot be awaited from here: each is closed on its own loop (or dropped
        # with its closed loop). The async side is not refused: only aclose() does that.
        self._pipeline.release_async()
        if self._owns_tokens:
            self._tokens.release_async()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *args: object) -> None:
        """``close()``, and every event loop's async pool released too (on its own loop)."""
        self.close()
        self._release_async_pools()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *args: object) -> None:
        """``aclose()`` and ``close()``, and the async pools of other event loops released (on their loop)."""
        await self.aclose()
        self.close()
        self._release_async_pools()


def _apply_options(
    policy: RetryPolicy,
    operation: str,
    request: dict[str, Any],
    timeout: Timeout | None,
    extra_headers: Mapping[str, str] | None,
    max_retries: int | None,
) -> None:
    """A resource call's own options, checked (before any I/O) and written into its request arguments."""
    if timeout is not None:
        request["timeout"] = check_timeout(timeout, policy.http)
    if extra_headers:
        request["headers"] = {
            **(request.get("headers") or {}),
            **check_headers(f"{operation}: extra_headers", extra_headers),
        }
    if max_retries is not None:
        request["extensions"] = {
            **(request.get("extensions") or {}),
            MAX_RETRIES_EXTENSION: check_int("max_retries", max_retries, 0),
        }


# -- the resources: AtomicClient (sync) and AsyncAtomicClient (async) ----------------------------------


class _Resources(Resources[ResponseT]):
    # The webhooks resource with the hand-written test call (_webhook_resources.py), for client.webhooks and
    # client.resources.webhooks alike; imported on first use, as the generated resources are.
    __slots__ = ("_webhooks_with_test",)
    _webhooks_with_test: "WebhooksResource[ResponseT]"

    @property
    def webhooks(self) -> "WebhooksResource[ResponseT]":
        try:
            return self._webhooks_with_test
        except AttributeError:
            from ._webhook_resources import WebhooksResource

            resource = self._webhooks_with_test = WebhooksResource(self._client)
            return resource


class _AsyncResources(AsyncResources[ResponseT]):
    __slots__ = ("_webhooks_with_test",)
    _webhooks_with_test: "AsyncWebhooksResource[ResponseT]"

    @property
    def webhooks(self) -> "AsyncWebhooksResource[ResponseT]":
        try:
            return self._webhooks_with_test
        except AttributeError:
            from ._webhook_resources import AsyncWebhooksResource

            resource = self._webhooks_with_test = AsyncWebhooksResource(self._client)
            return resource


class AtomicClient(_AtomicClientBase[ResponseT], ClientResources[ResponseT]):
    """Client for the Atomic customer API (sync resources); also ``client=`` for any ``atomic_api`` function.

    Every operation is a method of its tag's resource, with the generated module names:
    ``atomic_api.api.cards.list_cards`` is ``client.cards.list_cards(...)``, returning the success model
    (``CardList``) and raising an ``ApiError`` subclass for anything else. ``environment_id`` defaults to
    the client's. ``client.cards.with_raw_response.list_cards(...)`` returns a ``RawResponse`` (status,
    headers, parsed); ``client.cards.iter_list_cards(...)`` pages by itself. Clients compare and hash by
    identity. See ``_AtomicClientBase`` for the arguments.

    Example::

        from atomic_sdk import AtomicClient

        with AtomicClient.from_env() as client:      # ATOMIC_ORG_ID, ATOMIC_ENVIRONMENT_ID, keys
            for card in client.cards.list_cards(user_id="u1").data:
                print(card.card_instance_id)
    """

    _resources: _Resources[ResponseT]
    _RESOURCES = _Resources

    # The type of ``RawResponse.http_response`` follows the package: httpx.Response unless http_backend="httpx2".
    @overload
    def __init__(
        self: "AtomicClient[httpx.Response]",
        *,
        credentials: CredentialsArgument,
        http_backend: Literal["httpx"] | None = None,
        **options: Unpack[Options],
    ) -> None: ...

    @overload
    def __init__(
        self: "AtomicClient[httpx2.Response]",
        *,
        credentials: CredentialsArgument,
        http_backend: Literal["httpx2"],
        **options: Unpack[Options],
    ) -> None: ...

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

    @property
    def webhooks(self) -> "WebhooksResource[ResponseT]":
        """The ``webhooks`` operations, plus the hand-written ``test_webhook_subscription``."""
        return self._resources.webhooks


class AsyncAtomicClient(_AtomicClientBase[ResponseT], AsyncClientResources[ResponseT]):
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

    _resources: _AsyncResources[ResponseT]
    _RESOURCES = _AsyncResources

    # The type of ``RawResponse.http_response`` follows the package: httpx.Response unless http_backend="httpx2".
    @overload
    def __init__(
        self: "AsyncAtomicClient[httpx.Response]",
        *,
        credentials: CredentialsArgument,
        http_backend: Literal["httpx"] | None = None,
        **options: Unpack[Options],
    ) -> None: ...

    @overload
    def __init__(
        self: "AsyncAtomicClient[httpx2.Response]",
        *,
        credentials: CredentialsArgument,
        http_backend: Literal["httpx2"],
        **options: Unpack[Options],
    ) -> None: ...

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

    @property
    def webhooks(self) -> "AsyncWebhooksResource[ResponseT]":
        """The ``webhooks`` operations as coroutines, plus the hand-written ``test_webhook_subscription``."""
        return self._resources.webhooks
