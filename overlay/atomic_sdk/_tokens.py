"""OAuth2 client-credentials tokens: cache per key, refresh ahead of expiry, one fetch at a time, 429 backoff."""

import asyncio
import logging
import math
import random
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from datetime import timezone
from typing import Any

import httpx
from attrs import field, frozen
from dateutil import parser as date_parser

from ._credentials import Credentials
from ._errors import TokenRateLimitedError, TokenRequestError

logger = logging.getLogger("atomic_sdk")

DEFAULT_TOKEN_URL = "https://master-atomic-io.auth.us-east-1.amazoncognito.com/oauth2/token"
DEFAULT_EXPIRES_IN = 3600.0
DEFAULT_LEEWAY = 60.0
DEFAULT_MAX_ATTEMPTS = 4
BACKOFF_BASE = 0.5
# A Retry-After longer than this is handed to the caller (TokenRateLimitedError) instead of blocking.
MAX_RETRY_AFTER = 60.0

Clock = Callable[[], float]
Sleep = Callable[[float], None]
AsyncSleep = Callable[[float], Awaitable[None]]


@frozen(repr=False)
class AccessToken:
    """A bearer token and when to stop using it (``clock`` seconds). Its value is never shown."""

    value: str
    expires_at: float
    refresh_at: float

    def __repr__(self) -> str:
        return f"AccessToken(value=***, expires_at={self.expires_at}, refresh_at={self.refresh_at})"

    __str__ = __repr__


class _Slot:
    """Cache state of one key; ``lock`` is held only to read or swap state, never during a fetch."""

    __slots__ = ("lock", "token", "inflight")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.token: AccessToken | None = None
        self.inflight: Future[AccessToken] | None = None


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent or invalid."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = date_parser.parse(value)
    except (ValueError, OverflowError):
        return None
    if when.tzinfo is None:
        # HTTP-dates are always GMT.
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - now)


@frozen
class _Outcome:
    token: AccessToken | None = None
    delay: float = field(default=0.0)


class TokenProvider:
    """Fetches and caches client-credentials tokens for any number of keys against one token URL.

    At most one fetch per key is in flight across threads and asyncio tasks; everyone else waits
    for its result. ``clock`` is seconds since the epoch (it also dates HTTP-date Retry-After values).
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
        async_sleep: AsyncSleep = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
        backoff_base: float = BACKOFF_BASE,
        max_retry_after: float = MAX_RETRY_AFTER,
        verify: Any = True,
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
        self._slots: dict[tuple[str, str], _Slot] = {}
        self._lock = threading.Lock()
        self._client: httpx.Client | None = None
        self._async_client: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def __repr__(self) -> str:
        return f"TokenProvider(token_url={self.token_url!r}, keys={len(self._slots)})"

    # -- cache -------------------------------------------------------------------------------------

    def _slot(self, credentials: Credentials) -> _Slot:
        key = (credentials.client_id, self.token_url)
        # Hot path: a dict read is atomic, and slots are never removed, so no lock is needed to find one.
        slot = self._slots.get(key)
        if slot is not None:
            return slot
        with self._lock:
            slot = self._slots.get(key)
            if slot is None:
                slot = self._slots[key] = _Slot()
            return slot

    def _claim(self, slot: _Slot) -> tuple[AccessToken | None, Future[AccessToken] | None, bool]:
        """(usable token, or the fetch to wait for and whether this caller must run it)."""
        # Hot path without the lock: tokens are immutable and swapped by a single attribute store.
        current = slot.token
        if current is not None and self._clock() < current.refresh_at:
            return current, None, False
        with slot.lock:
            now = self._clock()
            current = slot.token
            if current is not None and now < current.refresh_at:
                return current, None, False
            if slot.inflight is not None:
                # Someone is already refreshing; a token that has not expired yet is still good meanwhile.
                if current is not None and now < current.expires_at:
                    return current, None, False
                return None, slot.inflight, False
            future: Future[AccessToken] = Future()
            # RUNNING futures cannot be cancelled, so one cancelled asyncio waiter cannot fail the others.
            future.set_running_or_notify_cancel()
            slot.inflight = future
            return None, future, True

    @staticmethod
    def _publish(slot: _Slot, future: Future[AccessToken], token: AccessToken | None, exc: BaseException | None) -> None:
        with slot.lock:
            slot.inflight = None
            if token is not None:
                slot.token = token
        if token is not None:
            future.set_result(token)
        else:
            assert exc is not None
            if not isinstance(exc, Exception):
                # Interrupts and cancellations belong to the fetching caller, not to its waiters.
                exc = TokenRequestError("token fetch was interrupted; retry the request")
            future.set_exception(exc)

    def token(self, credentials: Credentials) -> AccessToken:
        """A valid token for ``credentials``, fetching one (blocking) if needed."""
        slot = self._slot(credentials)
        current, future, owner = self._claim(slot)
        if current is not None:
            return current
        assert future is not None
        if owner:
            try:
                token = self._fetch_sync(credentials)
            except BaseException as exc:
                self._publish(slot, future, None, exc)
                raise
            self._publish(slot, future, token, None)
        return future.result()

    async def atoken(self, credentials: Credentials) -> AccessToken:
        """A valid token for ``credentials``; waiting never blocks the event loop."""
        slot = self._slot(credentials)
        current, future, owner = self._claim(slot)
        if current is not None:
            return current
        assert future is not None
        if owner:
            # The fetch runs as its own task so cancelling this caller does not strand the other waiters.
            task = asyncio.get_running_loop().create_task(self._run_async_fetch(slot, future, credentials))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await asyncio.wrap_future(future)

    async def _run_async_fetch(self, slot: _Slot, future: Future[AccessToken], credentials: Credentials) -> None:
        try:
            token = await self._fetch_async(credentials)
        except BaseException as exc:
            self._publish(slot, future, None, exc)
            if not isinstance(exc, Exception):
                raise
            return
        self._publish(slot, future, token, None)

    def invalidate(self, credentials: Credentials, token: AccessToken) -> None:
        """Forget ``token`` (after the API rejected it) unless it was already replaced."""
        slot = self._slot(credentials)
        with slot.lock:
            if slot.token is token:
                slot.token = None
                logger.debug("dropped rejected access token for client_id=%s", credentials.client_id)

    # -- HTTP --------------------------------------------------------------------------------------

    def _client_kwargs(self) -> dict[str, Any]:
        return {
            "timeout": self._timeout,
            "headers": {"User-Agent": self._user_agent},
            "verify": self._verify,
            # Never follow a redirect with credentials attached.
            "follow_redirects": False,
        }

    def _sync_client(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(**self._client_kwargs())
            return self._client

    def _async_http_client(self) -> httpx.AsyncClient:
        with self._lock:
            if self._async_client is None:
                self._async_client = httpx.AsyncClient(**self._client_kwargs())
            return self._async_client

    def _request_kwargs(self, credentials: Credentials) -> dict[str, Any]:
        form = {"grant_type": "client_credentials", "client_id": credentials.client_id}
        return {
            "params": form,
            "data": form,
            "auth": httpx.BasicAuth(credentials.client_id, credentials.client_secret),
            "headers": {"Content-Type": "application/x-www-form-urlencoded"},
        }

    def _fetch_sync(self, credentials: Credentials) -> AccessToken:
        client = self._sync_client()
        attempt = 1
        while True:
            started = self._clock()
            logger.debug("requesting access token for client_id=%s (attempt %d)", credentials.client_id, attempt)
            try:
                response = client.post(self.token_url, **self._request_kwargs(credentials))
            except httpx.HTTPError as exc:
                raise self._transport_error(credentials, exc) from exc
            outcome = self._outcome(response, credentials, started, attempt)
            if outcome.token is not None:
                return outcome.token
            self._sleep(outcome.delay)
            attempt += 1

    async def _fetch_async(self, credentials: Credentials) -> AccessToken:
        client = self._async_http_client()
        attempt = 1
        while True:
            started = self._clock()
            logger.debug("requesting access token for client_id=%s (attempt %d)", credentials.client_id, attempt)
            try:
                response = await client.post(self.token_url, **self._request_kwargs(credentials))
            except httpx.HTTPError as exc:
                raise self._transport_error(credentials, exc) from exc
            outcome = self._outcome(response, credentials, started, attempt)
            if outcome.token is not None:
                return outcome.token
            await self._async_sleep(outcome.delay)
            attempt += 1

    def _transport_error(self, credentials: Credentials, exc: httpx.HTTPError) -> TokenRequestError:
        return TokenRequestError(
            f"token request for client_id={credentials.client_id} to {self.token_url} failed: "
            f"{type(exc).__name__}",
            client_id=credentials.client_id,
            token_url=self.token_url,
        )

    def _outcome(self, response: httpx.Response, credentials: Credentials, started: float, attempt: int) -> _Outcome:
        client_id = credentials.client_id
        if response.status_code == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After"), self._clock())
            if attempt >= self._max_attempts or (retry_after is not None and retry_after > self._max_retry_after):
                raise TokenRateLimitedError(
                    f"token endpoint rate-limited client_id={client_id} after {attempt} attempt(s); "
                    f"retry after {retry_after if retry_after is not None else 'an unspecified time'} s",
                    retry_after=retry_after,
                    attempts=attempt,
                    client_id=client_id,
                    token_url=self.token_url,
                )
            if retry_after is None:
                retry_after = self._backoff_base * 2 ** (attempt - 1) * (0.5 + 0.5 * self._jitter())
            logger.debug(
                "token endpoint rate-limited client_id=%s; waiting %.3f s (attempt %d of %d)",
                client_id,
                retry_after,
                attempt,
                self._max_attempts,
            )
            return _Outcome(delay=retry_after)
        if response.status_code != 200:
            error, description = _oauth_error(response)
            detail = f": {error}" if error else ""
            if description:
                detail += f" ({description[:200]})"
            raise TokenRequestError(
                f"token endpoint answered {response.status_code} for client_id={client_id}{detail}",
                status=response.status_code,
                error=error,
                error_description=description,
                client_id=client_id,
                token_url=self.token_url,
            )
        token = self._parse_token(response, client_id, started)
        logger.debug(
            "received access token for client_id=%s, valid for %.0f s", client_id, token.expires_at - started
        )
        return _Outcome(token=token)

    def _parse_token(self, response: httpx.Response, client_id: str, started: float) -> AccessToken:
        def malformed(why: str) -> TokenRequestError:
            return TokenRequestError(
                f"token endpoint answered 200 for client_id={client_id} but {why}",
                status=response.status_code,
                client_id=client_id,
                token_url=self.token_url,
            )

        try:
            body = response.json()
        except ValueError:
            raise malformed("the body is not JSON") from None
        if not isinstance(body, dict):
            raise malformed("the body is not a JSON object")
        value = body.get("access_token")
        if not isinstance(value, str) or not value:
            raise malformed("the body has no access_token string")
        raw_expires = body.get("expires_in", DEFAULT_EXPIRES_IN)
        try:
            if isinstance(raw_expires, bool):
                raise ValueError
            expires_in = float(raw_expires)
        except (TypeError, ValueError):
            raise malformed("expires_in is not a number") from None
        if not math.isfinite(expires_in) or expires_in <= 0:
            raise malformed("expires_in is not a positive number")
        # Never refresh earlier than half-way through a short-lived token.
        leeway = min(self._leeway, expires_in / 2)
        expires_at = started + expires_in
        return AccessToken(value=value, expires_at=expires_at, refresh_at=expires_at - leeway)

    # -- lifecycle ---------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the synchronous HTTP client; it is rebuilt on next use."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    async def aclose(self) -> None:
        """Close both HTTP clients; they are rebuilt on next use."""
        self.close()
        with self._lock:
            client, self._async_client = self._async_client, None
        if client is not None:
            await client.aclose()


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
