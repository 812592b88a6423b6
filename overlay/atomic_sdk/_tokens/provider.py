"""OAuth2 client-credentials tokens: cache per key, refresh ahead of expiry, one fetch at a time, retries."""

import json
import logging
import math
import os
import threading
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import Any

import httpx

from .._credentials import Credentials
from .._errors import ClientClosedError, TokenRateLimitedError, TokenRequestError, redact, request_id_of, secret_forms
from .._loop_local import LoopLocal
from .._options import Clock
from .._retries import (
    ATTEMPTS_EXTENSION,
    LOG_NAME_EXTENSION,
    SAFE_TO_RETRY_EXTENSION,
    RetryPolicy,
    asend_with_retries,
    asend_within_deadline,
    send_with_retries,
    send_within_deadline,
)
from .._roles import Role
from .._transport import with_deadline_transport
from .cache import AccessToken, BoundedFetch, InMemoryTokenCache, TokenCache, report_rate_limited, token_cache_key

logger = logging.getLogger("atomic_sdk")

DEFAULT_TOKEN_URL = "https://master-atomic-io.auth.us-east-1.amazoncognito.com/oauth2/token"
DEFAULT_EXPIRES_IN = 3600.0
DEFAULT_LEEWAY = 60.0
# The largest token response read (decoded bytes). A token response is a few hundred bytes, a few KiB for a
# large JWT; a body far past that is a fault or an attack, and is refused before it is read whole.
MAX_TOKEN_RESPONSE = 64 * 1024
# The longest lifetime a token is kept for, whatever expires_in says: a year-long (or 1e17 s) token would
# otherwise overflow a cache's TTL (Redis PEXPIRE) or be kept for ever; refreshing daily costs nothing.
MAX_LIFETIME = 86400.0
# AtomicClient httpx_args that token requests do not take: hooks and params are for API calls (a hook would
# see the Basic credentials and the token), the rest (transport, mounts, proxy, cert, limits, ...) applies.
API_ONLY_HTTPX_ARGS = frozenset({"event_hooks", "params"})
# How much of the identity provider's error_description goes into a message.
MAX_DESCRIPTION = 200

# (credentials, cache key, fetch, afetch) for one credential object.
_Bound = tuple[Credentials, str, Callable[[], AccessToken], Callable[[], Awaitable[AccessToken]]]
_BOUND_MAX = 64


class TokenProvider:
    """Fetches and caches client-credentials tokens for any number of keys against one token URL.

    The ``cache`` (an ``InMemoryTokenCache`` by default) keeps tokens and lets at most one fetch per key
    run at a time; everyone else waits for its result, for at most the longest part of ``timeout``.
    A token request is retried by ``policy``, the client's one retry policy (429, 502, 503, 504 and
    connection failures; a token request is safe to repeat). ``clock`` is seconds since the epoch.

    The sync HTTP client is shared by every thread; async ones are per event loop. ``close()`` /
    ``aclose()`` close them, and token requests are refused afterwards.
    """

    def __init__(
        self,
        *,
        token_url: str = DEFAULT_TOKEN_URL,
        user_agent: str,
        timeout: httpx.Timeout,
        leeway: float = DEFAULT_LEEWAY,
        policy: RetryPolicy | None = None,
        clock: Clock | None = None,
        verify: Any = True,
        cache: TokenCache | None = None,
        httpx_args: Mapping[str, Any] | None = None,
    ) -> None:
        self.token_url = token_url
        self._user_agent = user_agent
        self._timeout = timeout
        self._leeway = leeway
        self._policy = RetryPolicy() if policy is None else policy
        self._clock = self._policy.clock if clock is None else clock
        self._verify = verify
        self._httpx_args = {k: v for k, v in (httpx_args or {}).items() if k not in API_ONLY_HTTPX_ARGS}
        self._cache: TokenCache = InMemoryTokenCache() if cache is None else cache
        self._keys: dict[str, tuple[str, Credentials]] = {}
        # Per credential object: its cache key and the two fetch callables the cache may call, built once
        # so a request with a cached token allocates nothing here (no functools.partial per call). Keyed by
        # id() because hashing an attrs Credentials runs Python code; the entry holds the object itself,
        # so its id cannot be reused by another object while the entry exists.
        self._bound: dict[int, _Bound] = {}
        self._lock = threading.Lock()
        self._client: httpx.Client | None = None
        self._client_pid = 0
        self._async_clients: LoopLocal[httpx.AsyncClient] = LoopLocal(
            lambda: self._policy.http.module.AsyncClient(**self._client_kwargs()),
            lambda client: client.aclose(),
            "token endpoint connection pool",
        )
        self._sync_closed = False
        self._async_closed = False
        parts = (timeout.connect, timeout.read, timeout.write, timeout.pool)
        self._wait_timeout = max((part for part in parts if part is not None), default=30.0)

    def __repr__(self) -> str:
        return f"TokenProvider(token_url={self.token_url!r}, cache={self._cache!r})"

    @property
    def cache(self) -> TokenCache:
        """Where this provider keeps tokens."""
        return self._cache

    # -- cache -------------------------------------------------------------------------------------

    def _key(self, credentials: Credentials) -> str:
        client_id = credentials.client_id
        known = self._keys.get(client_id)
        if known is not None and (known[1] is credentials or known[1] == credentials):
            return known[0]
        key = token_cache_key(client_id, self.token_url)
        # The cache may derive an encryption key from the secret (RedisTokenCache); a new secret rebinds.
        self._cache.bind_credentials(key, credentials)
        self._keys[client_id] = (key, credentials)
        return key

    def _bind(self, credentials: Credentials, role: Role | None) -> _Bound:
        """The entry of a credential object that ``token`` / ``atoken`` did not find in ``_bound``."""
        # The role only names the key in errors; a key configured for one role is always used for it.
        bound = (
            credentials,
            self._key(credentials),
            # The fetchers carry the wait bound (the client's timeout) the cache applies to waiters.
            BoundedFetch(partial(self.fetch, credentials, role=role), self._wait_timeout),
            BoundedFetch(partial(self.afetch, credentials, role=role), self._wait_timeout),
        )
        # A client has a handful of credentials; callers passing fresh objects each time are not cached.
        if len(self._bound) < _BOUND_MAX:
            # Racing threads may each build one; they are equivalent and the last store wins harmlessly.
            self._bound[id(credentials)] = bound
        return bound

    def token(self, credentials: Credentials, role: Role | None = None) -> AccessToken:
        """A valid token for ``credentials``, fetching one (blocking) if the cache has none.

        ``role`` is the role the key serves (None for a key serving every role); it only names the key in
        errors, and the first call for a credential object fixes it.
        """
        # Hot path: the entry built for this credential object, without a call to _bind.
        bound = self._bound.get(id(credentials))
        if bound is None or bound[0] is not credentials:
            bound = self._bind(credentials, role)
        return self._cache.get_or_fetch(bound[1], bound[2], self._clock)

    async def atoken(self, credentials: Credentials, role: Role | None = None) -> AccessToken:
        """A valid token for ``credentials``; waiting never blocks the event loop."""
        bound = self._bound.get(id(credentials))
        if bound is None or bound[0] is not credentials:
            bound = self._bind(credentials, role)
        return await self._cache.aget_or_fetch(bound[1], bound[3], self._clock)

    def invalidate(self, credentials: Credentials, token: AccessToken) -> None:
        """Forget ``token`` (after the API rejected it) unless it was already replaced."""
        self._cache.discard(self._key(credentials), token)
        logger.debug("access token for client_id=%s was rejected; dropped from the cache", credentials.client_id)

    async def ainvalidate(self, credentials: Credentials, token: AccessToken) -> None:
        """``invalidate`` for async callers (a shared cache is updated without blocking the loop)."""
        await self._cache.adiscard(self._key(credentials), token)
        logger.debug("access token for client_id=%s was rejected; dropped from the cache", credentials.client_id)

    # -- HTTP --------------------------------------------------------------------------------------

    def _client_kwargs(self) -> dict[str, Any]:
        # The API client's connection settings (transport, mounts, proxy, cert, limits, ...): behind a proxy or
        # with a mock transport, token requests take the same way as API calls.
        return {
            **self._httpx_args,
            "timeout": self._timeout,
            "headers": {"User-Agent": self._user_agent},
            "verify": self._verify,
            # Never follow a redirect with credentials attached.
            "follow_redirects": False,
        }

    def _sync_client(self) -> httpx.Client:
        if self._client_pid and self._client_pid != os.getpid():
            # Forked: drop the parent's pool (left unclosed, never reused) and lock (maybe held by one of its threads).
            self._lock = threading.Lock()
            self._client = None
            self._client_pid = 0
        with self._lock:
            if self._sync_closed:
                raise ClientClosedError("the AtomicClient was closed (close()); its token requests are refused")
            if self._client is None:
                http = self._policy.http
                self._client = http.module.Client(**with_deadline_transport(http.module, self._client_kwargs()))
                self._client_pid = os.getpid()
            return self._client

    def _async_http_client(self) -> httpx.AsyncClient:
        if self._async_closed:
            raise ClientClosedError("the AtomicClient was closed (aclose()); its token requests are refused")
        # Async connections belong to the loop that opened them: one pool per event loop.
        return self._async_clients.get()

    def _request(self, client: httpx.Client | httpx.AsyncClient, credentials: Credentials) -> httpx.Request:
        form = {"grant_type": "client_credentials", "client_id": credentials.client_id}
        return client.build_request(
            "POST",
            self.token_url,
            params=form,
            data=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            extensions={SAFE_TO_RETRY_EXTENSION: True, LOG_NAME_EXTENSION: "token"},
        )

    def fetch(self, credentials: Credentials, *, role: Role | None = None) -> AccessToken:
        """Request a new token now (no cache), with the retry policy."""
        client = self._sync_client()
        request = self._request(client, credentials)
        # The Basic credentials stay inside the auth object (its repr shows nothing) and the request's headers.
        http = self._policy.http
        auth = http.module.BasicAuth(credentials.client_id, credentials.client_secret)
        bodies: list[bytes] = []

        def read(response: httpx.Response) -> None:
            # Inside the attempt (and its deadline): a connection that breaks while the body arrives is retried.
            size = self._announced_size(response, credentials, role)
            parts: list[bytes] = []
            for chunk in response.iter_bytes():
                size = self._counted(response, size + len(chunk), credentials, role)
                parts.append(chunk)
            bodies.append(b"".join(parts))
            response.close()

        def attempt(request: httpx.Request) -> httpx.Response:
            return send_within_deadline(client.send, request, http=http, read=read, auth=auth)

        started = self._clock()
        logger.debug("requesting access token for client_id=%s", credentials.client_id)
        try:
            response = send_with_retries(attempt, request, self._policy, _publish_rate_limit)
        except http.transport_error as exc:
            raise self._transport_error(credentials, role, exc, request) from _without_frames(exc)
        # Handed over without a local: no frame of this call keeps the body (see _outcome).
        return self._outcome(response, bodies.pop(), credentials, role, started)

    async def afetch(self, credentials: Credentials, *, role: Role | None = None) -> AccessToken:
        """Request a new token now (no cache) without blocking the event loop; retries like ``fetch``."""
        client = self._async_http_client()
        request = self._request(client, credentials)
        http = self._policy.http
        auth = http.module.BasicAuth(credentials.client_id, credentials.client_secret)
        bodies: list[bytes] = []

        async def aread(response: httpx.Response) -> None:
            size = self._announced_size(response, credentials, role)
            parts: list[bytes] = []
            async for chunk in response.aiter_bytes():
                size = self._counted(response, size + len(chunk), credentials, role)
                parts.append(chunk)
            bodies.append(b"".join(parts))
            await response.aclose()

        async def attempt(request: httpx.Request) -> httpx.Response:
            return await asend_within_deadline(client.send, request, http=http, aread=aread, auth=auth)

        started = self._clock()
        logger.debug("requesting access token for client_id=%s", credentials.client_id)
        try:
            response = await asend_with_retries(attempt, request, self._policy, _publish_rate_limit)
        except http.transport_error as exc:
            raise self._transport_error(credentials, role, exc, request) from _without_frames(exc)
        return self._outcome(response, bodies.pop(), credentials, role, started)

    def _announced_size(self, response: httpx.Response, credentials: Credentials, role: Role | None) -> int:
        """0, after refusing (unread) a body whose Content-Length is over ``MAX_TOKEN_RESPONSE``."""
        length = response.headers.get("content-length", "")
        if length.isdigit():
            self._counted(response, int(length), credentials, role)
        return 0

    def _counted(self, response: httpx.Response, size: int, credentials: Credentials, role: Role | None) -> int:
        """``size``, the (decoded) bytes of the body so far; refused once it passes ``MAX_TOKEN_RESPONSE``."""
        if size > MAX_TOKEN_RESPONSE:
            raise TokenRequestError(
                f"token endpoint answered {response.status_code} for {_key_name(credentials, role)} with a body "
                f"over {MAX_TOKEN_RESPONSE} bytes, refused unread (a token response is a few hundred bytes); "
                "check token_url",
                status=response.status_code,
                client_id=credentials.client_id,
                token_url=self.token_url,
                role=role,
                request_id=request_id_of(response.headers),
            )
        return size

    def _transport_error(
        self, credentials: Credentials, role: Role | None, exc: httpx.TransportError, request: httpx.Request
    ) -> TokenRequestError:
        detail = redact(
            " ".join(str(exc).split())[:MAX_DESCRIPTION], secret_forms(credentials.client_id, credentials.client_secret)
        )
        return TokenRequestError(
            f"token request for {_key_name(credentials, role)} to {self.token_url} failed without a response "
            f"after {_attempts(request)} attempt(s): {type(exc).__name__}{': ' + detail if detail else ''}; check "
            "the network, any proxy and token_url",
            client_id=credentials.client_id,
            token_url=self.token_url,
            role=role,
        )

    def _outcome(
        self, response: httpx.Response, body: bytes, credentials: Credentials, role: Role | None, started: float
    ) -> AccessToken:
        # Errors are built by helpers and raised here only after ``body`` (which may echo the secret, or hold a
        # token) is deleted: error reporters that capture frame locals (Sentry does) must find no secret.
        if response.status_code != 200:
            error = self._status_error(response, body, credentials, role)
            del body
            raise error
        parsed = _read_token(body, self._leeway, started)
        del body
        if isinstance(parsed, str):
            raise self._malformed(response, parsed, credentials, role)
        logger.debug(
            "received access token for client_id=%s, valid for %.0f s",
            credentials.client_id,
            parsed.expires_at - started,
        )
        return parsed

    def _status_error(
        self, response: httpx.Response, body: bytes, credentials: Credentials, role: Role | None
    ) -> TokenRequestError:
        key = _key_name(credentials, role)
        request_id = request_id_of(response.headers)
        attempts = _attempts(response.request)
        if response.status_code == 429:
            retry_after = self._policy.retry_after(response)
            return TokenRateLimitedError(
                f"token endpoint rate-limited {key} after {attempts} attempt(s); "
                f"retry after {f'{retry_after:g}' if retry_after is not None else 'an unspecified time'} s",
                retry_after=retry_after,
                attempts=attempts,
                client_id=credentials.client_id,
                token_url=self.token_url,
                role=role,
                request_id=request_id,
            )
        # Some identity providers echo what they were sent; the secret must not reach a message or a log.
        error, description = _oauth_error(body, secret_forms(credentials.client_id, credentials.client_secret))
        detail = f": {' '.join(error.split())[:MAX_DESCRIPTION]}" if error else ""
        if description:
            detail += f" ({' '.join(description.split())[:MAX_DESCRIPTION]})"
        if response.status_code >= 500:
            detail += f" after {attempts} attempt(s)"
        return TokenRequestError(
            f"token endpoint answered {response.status_code} for {key}{detail}"
            + (f" [request id {request_id}]" if request_id else ""),
            status=response.status_code,
            error=error,
            error_description=description,
            client_id=credentials.client_id,
            token_url=self.token_url,
            role=role,
            request_id=request_id,
        )

    def _malformed(
        self, response: httpx.Response, why: str, credentials: Credentials, role: Role | None
    ) -> TokenRequestError:
        if why == "not JSON":
            why = f"the body is not JSON (content type {response.headers.get('content-type') or 'none'})"
        # ``why`` may quote the answer (token_type); an endpoint echoing the secret must not leak it.
        why = redact(why, secret_forms(credentials.client_id, credentials.client_secret))
        return TokenRequestError(
            f"token endpoint answered 200 for {_key_name(credentials, role)} but {why}",
            status=response.status_code,
            client_id=credentials.client_id,
            token_url=self.token_url,
            role=role,
            request_id=request_id_of(response.headers),
        )

    # -- lifecycle ---------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the synchronous HTTP client and the cache's sync connections; sync fetches are refused after."""
        with self._lock:
            self._sync_closed = True
            client, self._client = self._client, None
        if client is not None and self._client_pid == os.getpid():
            client.close()
        self._cache.close()

    async def aclose(self) -> None:
        """Close the running loop's async HTTP client and cache connections; async fetches are refused after."""
        self._async_closed = True
        await self._async_clients.aclose_current()
        await self._cache.aclose()

    def release_async(self) -> None:
        """From sync code: close every loop's async HTTP client on its own loop (they are rebuilt on use)."""
        self._async_clients.release_all()


def _publish_rate_limit(response: httpx.Response, wait: float) -> None:
    # A 429 the fetch waits out: the cache tells the fleet (RedisTokenCache publishes the backoff, so other
    # processes wait instead of asking the token endpoint themselves).
    if response.status_code == 429:
        report_rate_limited(wait)


def _attempts(request: httpx.Request) -> int:
    attempts = request.extensions.get(ATTEMPTS_EXTENSION)
    return attempts if isinstance(attempts, int) else 1


def _key_name(credentials: Credentials, role: Role | None) -> str:
    role_text = f"the {role.value} key" if role is not None else "the key serving every role"
    return f"{role_text} (client_id={credentials.client_id})"


def _oauth_error(content: bytes, secrets: tuple[str, ...]) -> tuple[str | None, str | None]:
    """The OAuth ``error`` and ``error_description`` of an error body, redacted of ``secrets``."""
    try:
        body = json.loads(content)
    except ValueError:
        return None, None
    if not isinstance(body, dict):
        return None, None
    error = body.get("error")
    description = body.get("error_description")
    return (
        redact(error, secrets) if isinstance(error, str) else None,
        redact(description, secrets) if isinstance(description, str) else None,
    )


def _read_token(content: bytes, leeway: float, started: float) -> AccessToken | str:
    """The token in a 200 body, or why it is unusable (``"not JSON"`` for a body that does not parse)."""
    try:
        body = json.loads(content)
    except ValueError:
        return "not JSON"
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    value = body.get("access_token")
    if not isinstance(value, str) or not value:
        return "the body has no access_token string"
    token_type = body.get("token_type")
    # RFC 6749 §7.1: a client must not use a token whose type it does not understand; we only speak Bearer.
    if token_type is not None and (not isinstance(token_type, str) or token_type.lower() != "bearer"):
        shown = token_type if isinstance(token_type, str) and len(token_type) <= 40 else type(token_type).__name__
        return f"token_type is {shown!r}, not Bearer; the SDK only sends bearer tokens"
    if any(not 0x21 <= ord(ch) <= 0x7E for ch in value):
        # It goes into an Authorization header: spaces, control or non-ASCII characters cannot.
        return "the access_token contains characters a header cannot carry"
    raw_expires = body.get("expires_in", DEFAULT_EXPIRES_IN)
    # float(True) would pass as 1 second.
    if isinstance(raw_expires, bool) or not isinstance(raw_expires, (int, float, str)):
        return "expires_in is not a number"
    try:
        expires_in = float(raw_expires)
    except ValueError:
        return "expires_in is not a number"
    if not math.isfinite(expires_in) or expires_in <= 0:
        return "expires_in is not a positive number"
    expires_in = min(expires_in, MAX_LIFETIME)
    # Never refresh earlier than half-way through a short-lived token.
    expires_at = started + expires_in
    return AccessToken(value=value, expires_at=expires_at, refresh_at=expires_at - min(leeway, expires_in / 2))


def _without_frames(error: BaseException) -> BaseException:
    """``error`` and the exceptions it chains, without their tracebacks: httpx's and httpcore's frames hold the
    request's headers (the Basic credentials) in locals, which error reporters that capture locals would
    upload. The type and message stay, as the ``__cause__`` of the TokenRequestError."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.__traceback__ = None
        current = current.__cause__ or current.__context__
    return error
