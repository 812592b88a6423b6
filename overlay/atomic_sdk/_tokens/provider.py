"""OAuth2 client-credentials tokens: cache per key, refresh ahead of expiry, one fetch at a time, retries."""

import logging
import math
import random
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import Any

import httpx
from attrs import field, frozen

from .. import _aio
from .._credentials import Credentials
from .._errors import ClientClosedError, TokenRateLimitedError, TokenRequestError, redact, request_id_of, secret_forms
from .._loop_local import LoopLocal
from .._retry_after import parse_retry_after
from .._roles import Role
from .cache import AccessToken, BoundedFetch, InMemoryTokenCache, TokenCache, report_rate_limited, token_cache_key

logger = logging.getLogger("atomic_sdk")

DEFAULT_TOKEN_URL = "https://master-atomic-io.auth.us-east-1.amazoncognito.com/oauth2/token"
DEFAULT_EXPIRES_IN = 3600.0
# A token is used for at most a day, whatever expires_in says: an absurd value (1e17) must not overflow a
# cache's TTL (Redis PEXPIRE) nor keep a token for ever.
MAX_EXPIRES_IN = 86_400.0
DEFAULT_LEEWAY = 60.0
DEFAULT_MAX_ATTEMPTS = 4
BACKOFF_BASE = 0.5
MAX_BACKOFF = 8.0
# A Retry-After longer than this is handed to the caller (TokenRateLimitedError) instead of blocking.
MAX_RETRY_AFTER = 60.0
# AtomicClient httpx_args that token requests do not take: hooks and params are for API calls (a hook would
# see the Basic credentials and the token), the rest (transport, mounts, proxy, cert, limits, ...) applies.
API_ONLY_HTTPX_ARGS = frozenset({"event_hooks", "params"})
# How much of the identity provider's error_description goes into a message.
MAX_DESCRIPTION = 200

# Failures after which the token request is tried again (it is safe to repeat: a second token is harmless).
# Timeouts other than connect are not: a stuck endpoint would make one call take attempts × timeout.
_RETRIED_ERRORS = (httpx.NetworkError, httpx.RemoteProtocolError, httpx.ConnectTimeout)

Clock = Callable[[], float]
# (credentials, cache key, fetch, afetch) for one credential object.
_Bound = tuple[Credentials, str, Callable[[], AccessToken], Callable[[], Awaitable[AccessToken]]]
_BOUND_MAX = 64
Sleep = Callable[[float], None]
AsyncSleep = Callable[[float], Awaitable[None]]


@frozen
class _Outcome:
    token: AccessToken | None = None
    delay: float = field(default=0.0)


class TokenProvider:
    """Fetches and caches client-credentials tokens for any number of keys against one token URL.

    The ``cache`` (an ``InMemoryTokenCache`` by default) keeps tokens and lets at most one fetch per key
    run at a time; everyone else waits for its result, for at most the longest part of ``timeout``.
    A token request answered 429 or 5xx, or failed by a connection error, is tried again after a jittered
    exponential backoff (or the Retry-After) up to ``max_attempts`` times. ``clock`` is seconds since the
    epoch (it also dates HTTP-date Retry-After values).

    The sync HTTP client is shared by every thread; async ones are per event loop. ``close()`` /
    ``aclose()`` close the sync side / the running loop's async side, which refuse requests afterwards.
    """

    def __init__(
        self,
        *,
        token_url: str = DEFAULT_TOKEN_URL,
        user_agent: str,
        timeout: httpx.Timeout,
        leeway: float = DEFAULT_LEEWAY,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        clock: Clock = time.time,
        sleep: Sleep = time.sleep,
        async_sleep: AsyncSleep = _aio.sleep,
        jitter: Callable[[], float] = random.random,
        backoff_base: float = BACKOFF_BASE,
        max_retry_after: float = MAX_RETRY_AFTER,
        verify: Any = True,
        cache: TokenCache | None = None,
        httpx_args: Mapping[str, Any] | None = None,
    ) -> None:
        self.token_url = token_url
        self._user_agent = user_agent
        self._timeout = timeout
        self._leeway = leeway
        self._max_attempts = max_attempts
        self._clock = clock
        self._sleep = sleep
        self._async_sleep = async_sleep
        self._jitter = jitter
        self._backoff_base = backoff_base
        self._max_retry_after = max_retry_after
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
        self._async_clients: LoopLocal[httpx.AsyncClient] = LoopLocal(
            lambda: httpx.AsyncClient(**self._client_kwargs()),
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
        bound = self._bound.get(id(credentials))
        if bound is None or bound[0] is not credentials:
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
        # Hot path: the entry built for this credential object (see _bind), without a call to _bind.
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
        with self._lock:
            if self._sync_closed:
                raise ClientClosedError("the AtomicClient was closed (close()); its token requests are refused")
            if self._client is None:
                self._client = httpx.Client(**self._client_kwargs())
            return self._client

    def _async_http_client(self) -> httpx.AsyncClient:
        if self._async_closed:
            raise ClientClosedError("the AtomicClient was closed (aclose()); its token requests are refused")
        # Async connections belong to the loop that opened them: one pool per event loop.
        return self._async_clients.get()

    def _request_kwargs(self, credentials: Credentials) -> dict[str, Any]:
        form = {"grant_type": "client_credentials", "client_id": credentials.client_id}
        return {
            "params": form,
            "data": form,
            "auth": httpx.BasicAuth(credentials.client_id, credentials.client_secret),
            "headers": {"Content-Type": "application/x-www-form-urlencoded"},
        }

    def fetch(self, credentials: Credentials, *, role: Role | None = None) -> AccessToken:
        """Request a new token now (no cache), retrying 429, 5xx and connection errors."""
        client = self._sync_client()
        attempt = 1
        while True:
            started = self._clock()
            logger.debug("requesting access token for client_id=%s (attempt %d)", credentials.client_id, attempt)
            try:
                response = client.post(self.token_url, **self._request_kwargs(credentials))
            except httpx.HTTPError as exc:
                delay = self._after_transport_error(credentials, role, exc, attempt)
            else:
                outcome = self._outcome(response, credentials, role, started, attempt)
                if outcome.token is not None:
                    return outcome.token
                delay = outcome.delay
            self._sleep(delay)
            attempt += 1

    async def afetch(self, credentials: Credentials, *, role: Role | None = None) -> AccessToken:
        """Request a new token now (no cache) without blocking the event loop; retries like ``fetch``."""
        client = self._async_http_client()
        attempt = 1
        while True:
            started = self._clock()
            logger.debug("requesting access token for client_id=%s (attempt %d)", credentials.client_id, attempt)
            try:
                response = await client.post(self.token_url, **self._request_kwargs(credentials))
            except httpx.HTTPError as exc:
                delay = self._after_transport_error(credentials, role, exc, attempt)
            else:
                outcome = self._outcome(response, credentials, role, started, attempt)
                if outcome.token is not None:
                    return outcome.token
                delay = outcome.delay
            await self._async_sleep(delay)
            attempt += 1

    def _backoff(self, attempt: int) -> float:
        """Wait after attempt ``attempt`` (1-based): exponential, capped, minus up to 50 % jitter."""
        return min(MAX_BACKOFF, self._backoff_base * 2.0 ** (attempt - 1)) * (0.5 + 0.5 * self._jitter())

    def _after_transport_error(
        self, credentials: Credentials, role: Role | None, exc: httpx.HTTPError, attempt: int
    ) -> float:
        """Seconds to wait before the next attempt; raises TokenRequestError (from ``exc``) when giving up."""
        if isinstance(exc, _RETRIED_ERRORS) and attempt < self._max_attempts:
            delay = self._backoff(attempt)
            logger.debug(
                "token request for client_id=%s failed (%s); retrying in %.3f s (attempt %d of %d)",
                credentials.client_id,
                type(exc).__name__,
                delay,
                attempt,
                self._max_attempts,
            )
            return delay
        raise self._transport_error(credentials, role, exc, attempt) from exc

    def _transport_error(
        self, credentials: Credentials, role: Role | None, exc: httpx.HTTPError, attempt: int
    ) -> TokenRequestError:
        detail = redact(
            " ".join(str(exc).split())[:MAX_DESCRIPTION], secret_forms(credentials.client_id, credentials.client_secret)
        )
        return TokenRequestError(
            f"token request for {_key_name(credentials, role)} to {self.token_url} failed without a response "
            f"after {attempt} attempt(s): {type(exc).__name__}{': ' + detail if detail else ''}; check the "
            "network, any proxy and token_url",
            client_id=credentials.client_id,
            token_url=self.token_url,
            role=role,
        )

    def _outcome(
        self, response: httpx.Response, credentials: Credentials, role: Role | None, started: float, attempt: int
    ) -> _Outcome:
        client_id = credentials.client_id
        key = _key_name(credentials, role)
        request_id = request_id_of(response.headers)
        if response.status_code == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After"), self._clock())
            if attempt >= self._max_attempts or (retry_after is not None and retry_after > self._max_retry_after):
                raise TokenRateLimitedError(
                    f"token endpoint rate-limited {key} after {attempt} attempt(s); "
                    f"retry after {f'{retry_after:g}' if retry_after is not None else 'an unspecified time'} s",
                    retry_after=retry_after,
                    attempts=attempt,
                    client_id=client_id,
                    token_url=self.token_url,
                    role=role,
                    request_id=request_id,
                )
            if retry_after is None:
                retry_after = self._backoff(attempt)
            # Fleet-wide 429 (RedisTokenCache publishes this wait for every process sharing the credential).
            report_rate_limited(retry_after)
            logger.debug(
                "token endpoint rate-limited client_id=%s; waiting %.3f s (attempt %d of %d)",
                client_id,
                retry_after,
                attempt,
                self._max_attempts,
            )
            return _Outcome(delay=retry_after)
        if response.status_code != 200:
            # Some identity providers echo what they were sent; the secret must not reach a message or a log.
            forms = secret_forms(client_id, credentials.client_secret)
            error, description = _oauth_error(response)
            error = None if error is None else redact(error, forms)
            description = None if description is None else redact(description, forms)
            detail = f": {' '.join(error.split())[:MAX_DESCRIPTION]}" if error else ""
            if description:
                detail += f" ({' '.join(description.split())[:MAX_DESCRIPTION]})"
            if response.status_code >= 500:
                delay = self._after_server_error(response, attempt)
                if delay is not None:
                    logger.debug(
                        "token endpoint answered %d for client_id=%s; retrying in %.3f s (attempt %d of %d)",
                        response.status_code,
                        client_id,
                        delay,
                        attempt,
                        self._max_attempts,
                    )
                    return _Outcome(delay=delay)
                detail += f" after {attempt} attempt(s)"
            raise TokenRequestError(
                f"token endpoint answered {response.status_code} for {key}{detail}"
                + (f" [request id {request_id}]" if request_id else ""),
                status=response.status_code,
                error=error,
                error_description=description,
                client_id=client_id,
                token_url=self.token_url,
                role=role,
                request_id=request_id,
            )
        token = self._parse_token(response, credentials, role, started)
        logger.debug("received access token for client_id=%s, valid for %.0f s", client_id, token.expires_at - started)
        return _Outcome(token=token)

    def _after_server_error(self, response: httpx.Response, attempt: int) -> float | None:
        """Wait before retrying a 5xx (its Retry-After, else the backoff); None when out of attempts."""
        if attempt >= self._max_attempts:
            return None
        retry_after = parse_retry_after(response.headers.get("Retry-After"), self._clock())
        if retry_after is None:
            return self._backoff(attempt)
        return None if retry_after > self._max_retry_after else retry_after

    def _parse_token(
        self, response: httpx.Response, credentials: Credentials, role: Role | None, started: float
    ) -> AccessToken:
        def malformed(why: str) -> TokenRequestError:
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

        try:
            body = response.json()
        except ValueError:
            content_type = response.headers.get("content-type") or "none"
            raise malformed(f"the body is not JSON (content type {content_type})") from None
        if not isinstance(body, dict):
            raise malformed("the body is not a JSON object")
        value = body.get("access_token")
        if not isinstance(value, str) or not value:
            raise malformed("the body has no access_token string")
        token_type = body.get("token_type")
        # RFC 6749 §7.1: a client must not use a token whose type it does not understand; we only speak Bearer.
        if token_type is not None and (not isinstance(token_type, str) or token_type.lower() != "bearer"):
            shown = token_type if isinstance(token_type, str) and len(token_type) <= 40 else type(token_type).__name__
            raise malformed(f"token_type is {shown!r}, not Bearer; the SDK only sends bearer tokens")
        if any(not 0x21 <= ord(ch) <= 0x7E for ch in value):
            # It goes into an Authorization header: spaces, control or non-ASCII characters cannot.
            raise malformed("the access_token contains characters a header cannot carry")
        raw_expires = body.get("expires_in", DEFAULT_EXPIRES_IN)
        if isinstance(raw_expires, bool):
            # float(True) would pass as 1 second.
            raise malformed("expires_in is not a number")
        try:
            expires_in = float(raw_expires)
        except (TypeError, ValueError):
            raise malformed("expires_in is not a number") from None
        if not math.isfinite(expires_in) or expires_in <= 0:
            raise malformed("expires_in is not a positive number")
        expires_in = min(expires_in, MAX_EXPIRES_IN)
        # Never refresh earlier than half-way through a short-lived token.
        leeway = min(self._leeway, expires_in / 2)
        expires_at = started + expires_in
        return AccessToken(value=value, expires_at=expires_at, refresh_at=expires_at - leeway)

    # -- lifecycle ---------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the synchronous HTTP client and the cache's sync connections; sync fetches are refused after."""
        with self._lock:
            self._sync_closed = True
            client, self._client = self._client, None
        if client is not None:
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


def _key_name(credentials: Credentials, role: Role | None) -> str:
    role_text = f"the {role.value} key" if role is not None else "the key serving every role"
    return f"{role_text} (client_id={credentials.client_id})"


def _oauth_error(response: httpx.Response) -> tuple[str | None, str | None]:
    try:
        body = response.json()
    except ValueError:
        return None, None
    if not isinstance(body, dict):
        return None, None
    error = body.get("error")
    description = body.get("error_description")
    return (
        error if isinstance(error, str) else None,
        description if isinstance(description, str) else None,
    )
