"""RedisTokenCache: one token request per credential across processes and hosts, via a Redis lock."""

import asyncio
import logging
import random
import secrets
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

from .._errors import ConfigurationError
from .cache import AccessToken, AsyncFetch, Clock, Fetch, InMemoryTokenCache, TokenCache

logger = logging.getLogger("atomic_sdk")

DEFAULT_NAMESPACE = "atomic-sdk"
DEFAULT_LOCK_TTL = 10.0
DEFAULT_POLL_INTERVAL = 0.05
DEFAULT_SOCKET_TIMEOUT = 0.5
DEFAULT_OUTAGE_RETRY = 5.0

# Delete the key only while it still holds the caller's value: a lock is released by its owner only,
# and a rejected token is dropped only if no other process has stored a newer one meanwhile.
_RELEASE_LOCK = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
# Extend the lock while its owner is alive and still fetching (a slow or rate-limited token endpoint).
_RENEW_LOCK = (
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0"
)
_DISCARD_TOKEN = (
    "if redis.call('HGET', KEYS[1], 'access_token') == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
)


class _RedisDown(Exception):
    """Redis did not answer (or answered an error); the cache degrades to this process's memory."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(type(cause).__name__)
        self.cause = cause


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _describe_target(client: Any) -> str:
    """host:port/db of a redis-py client, never its password."""
    try:
        kwargs = client.connection_pool.connection_kwargs
    except AttributeError:
        return "redis"
    if kwargs.get("path"):
        return f"unix:{kwargs['path']}"
    return f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')}/{kwargs.get('db', 0)}"


class RedisTokenCache(TokenCache):
    """Shares access tokens between processes and hosts through Redis (``pip install 'atomic-sdk[redis]'``).

    Each process keeps its own in-memory copy (no Redis round trip per request). When a token is missing or
    due for refresh, one process takes a Redis lock (``SET NX PX`` with a random owner value, renewed every
    ``lock_ttl / 3`` while the owner fetches, released only by its owner, expiring at most ``lock_ttl``
    after the owner dies) and requests a token; the others
    poll Redis every ``poll_interval`` until the token appears or the lock goes, for at most
    ``wait_timeout`` seconds, after which they request a token themselves. So a cold start of N
    processes sends one token request per credential.

    Tokens are stored under ``{namespace}:token:<sha256 of token URL and client id>`` with a TTL of
    expiry minus the leeway, so Redis drops them when they are due for refresh. Keys never contain
    secrets; the stored value is the access token itself, so use a Redis only your workers can reach.

    If Redis is unreachable, the cache logs one WARNING and behaves like ``InMemoryTokenCache`` (API calls
    still succeed); it tries Redis again after ``outage_retry`` seconds and logs at INFO when it answers.

    Example::

        from atomic_sdk import AtomicClient, RedisTokenCache

        cache = RedisTokenCache("redis://127.0.0.1:6379/0")
        client = AtomicClient.from_env(token_cache=cache)

    Arguments:
        url: a redis-py URL (``redis://``, ``rediss://``, ``unix://``); the cache builds its own sync and
            (per event loop) async clients with short timeouts and no retries, so an outage is noticed fast.
        client / async_client: your own ``redis.Redis`` / ``redis.asyncio.Redis`` instead of ``url``.
        namespace: prefix of every key.
        lock_ttl: seconds a fetch lock outlives its owner if the owner dies (a live owner renews it).
        wait_timeout: longest wait for another process's fetch before fetching here (default 2 × lock_ttl).
        poll_interval: seconds between checks while waiting (jittered ±50 %).
        socket_timeout: connect/read timeout of the clients built from ``url``.
        outage_retry: seconds to use memory only after Redis failed, before trying Redis again.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        client: Any = None,
        async_client: Any = None,
        namespace: str = DEFAULT_NAMESPACE,
        lock_ttl: float = DEFAULT_LOCK_TTL,
        wait_timeout: float | None = None,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        socket_timeout: float = DEFAULT_SOCKET_TIMEOUT,
        outage_retry: float = DEFAULT_OUTAGE_RETRY,
    ) -> None:
        try:
            import redis
            import redis.asyncio
            import redis.asyncio.retry
            import redis.backoff
            import redis.retry
        except ImportError:
            raise ConfigurationError(
                "RedisTokenCache needs the redis package: pip install 'atomic-sdk[redis]'"
            ) from None
        if (url is None) == (client is None):
            raise ConfigurationError("RedisTokenCache needs exactly one of url= or client=")
        if url is not None and async_client is not None:
            raise ConfigurationError("pass async_client= together with client=, not with url=")
        for name, value in (
            ("lock_ttl", lock_ttl),
            ("poll_interval", poll_interval),
            ("socket_timeout", socket_timeout),
            ("outage_retry", outage_retry),
        ):
            _check_seconds(name, value)
        if wait_timeout is not None:
            _check_seconds("wait_timeout", wait_timeout)
        if not isinstance(namespace, str) or not namespace:
            raise ConfigurationError("namespace must be a non-empty string")
        self._redis_errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
        # Clients built here are closed here; clients passed in belong to the caller.
        self._owns_clients = url is not None
        self._new_async_client: Callable[[], Any] | None = None
        if url is not None:
            try:
                client = redis.Redis.from_url(
                    url,
                    retry=redis.retry.Retry(redis.backoff.NoBackoff(), 0),
                    socket_timeout=socket_timeout,
                    socket_connect_timeout=socket_timeout,
                )
            except ValueError as exc:
                # redis-py's message names the scheme problem; the URL itself may hold a password.
                raise ConfigurationError(f"RedisTokenCache url is not a valid Redis URL: {exc}") from None
            self._new_async_client = lambda: redis.asyncio.Redis.from_url(
                url,
                retry=redis.asyncio.retry.Retry(redis.backoff.NoBackoff(), 0),
                socket_timeout=socket_timeout,
                socket_connect_timeout=socket_timeout,
            )
        self._client = client
        self._async_client = async_client
        self._async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()
        self._target = _describe_target(client)
        self._namespace = namespace
        self._lock_ttl_ms = max(1, round(lock_ttl * 1000))
        self._renew_interval = lock_ttl / 3
        self._wait_timeout = 2 * lock_ttl if wait_timeout is None else wait_timeout
        self._poll_interval = poll_interval
        self._outage_retry = outage_retry
        self._local = InMemoryTokenCache()
        self._state_lock = threading.Lock()
        self._down_until: float | None = None

    def __repr__(self) -> str:
        return f"RedisTokenCache(target={self._target!r}, namespace={self._namespace!r})"

    __str__ = __repr__

    # -- keys and outage state ---------------------------------------------------------------------

    def _token_key(self, key: str) -> str:
        return f"{self._namespace}:token:{key}"

    def _lock_key(self, key: str) -> str:
        return f"{self._namespace}:lock:{key}"

    def _available(self) -> bool:
        down_until = self._down_until
        return down_until is None or time.monotonic() >= down_until

    def _mark_down(self, exc: _RedisDown) -> None:
        with self._state_lock:
            first = self._down_until is None
            self._down_until = time.monotonic() + self._outage_retry
        if first:
            logger.warning(
                "Redis token cache at %s is unavailable (%s); using this process's memory and retrying "
                "Redis in %.0f s. API calls continue; each process may request its own tokens meanwhile.",
                self._target,
                exc,
                self._outage_retry,
            )
        else:
            logger.debug("Redis token cache at %s still unavailable (%s)", self._target, exc)

    def _mark_up(self) -> None:
        if self._down_until is None:
            return
        with self._state_lock:
            was_down, self._down_until = self._down_until is not None, None
        if was_down:
            logger.info("Redis token cache at %s is available again", self._target)

    def _decode(self, fields: Any, pttl: Any, clock: Clock) -> AccessToken | None:
        value, leeway = (_text(item) for item in fields)
        if not value or not isinstance(pttl, int) or pttl <= 0:
            return None
        try:
            leeway_s = max(0.0, float(leeway or 0))
        except ValueError:
            leeway_s = 0.0
        refresh_at = clock() + pttl / 1000
        return AccessToken(value=value, expires_at=refresh_at + leeway_s, refresh_at=refresh_at)

    def _ttl_ms(self, token: AccessToken, clock: Clock) -> int:
        return int((token.refresh_at - clock()) * 1000)

    def _jittered_poll(self) -> float:
        return self._poll_interval * (0.5 + random.random())

    # -- sync --------------------------------------------------------------------------------------

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except self._redis_errors as exc:
            raise _RedisDown(exc) from exc

    def _read_pipeline(self, client: Any, key: str) -> Any:
        """Token fields, its TTL and whether a fetch lock is held: one round trip (sync or async client)."""
        pipe = client.pipeline(transaction=False)
        pipe.hmget(self._token_key(key), ["access_token", "leeway"])
        pipe.pttl(self._token_key(key))
        pipe.exists(self._lock_key(key))
        return pipe

    def _store_pipeline(self, client: Any, key: str, token: AccessToken, clock: Clock) -> Any:
        """Token and leeway with a TTL of refresh time minus now, atomically; None if already due."""
        ttl_ms = self._ttl_ms(token, clock)
        if ttl_ms <= 0:
            return None
        pipe = client.pipeline(transaction=True)
        pipe.hset(
            self._token_key(key),
            mapping={"access_token": token.value, "leeway": repr(token.expires_at - token.refresh_at)},
        )
        pipe.pexpire(self._token_key(key), ttl_ms)
        return pipe

    def _read(self, key: str, clock: Clock) -> tuple[AccessToken | None, bool]:
        """(token stored for key, whether a fetch lock is held)."""
        fields, pttl, locked = self._call(self._read_pipeline(self._client, key).execute)
        return self._decode(fields, pttl, clock), bool(locked)

    def _store(self, key: str, token: AccessToken, clock: Clock) -> None:
        pipe = self._store_pipeline(self._client, key, token, clock)
        if pipe is not None:
            self._call(pipe.execute)

    def get_or_fetch(self, key: str, fetch: Fetch, clock: Clock) -> AccessToken:
        return self._local.get_or_fetch(key, lambda: self._shared_fetch(key, fetch, clock), clock)

    def _shared_fetch(self, key: str, fetch: Fetch, clock: Clock) -> AccessToken:
        if not self._available():
            return fetch()
        try:
            token, owner = self._wait_or_lock(key, clock)
        except _RedisDown as exc:
            self._mark_down(exc)
            return fetch()
        if token is not None:
            self._mark_up()
            return token
        keeper = _LockKeeper(self, self._lock_key(key), owner) if owner else None
        try:
            token = fetch()
            try:
                self._store(key, token, clock)
            except _RedisDown as exc:
                self._mark_down(exc)
            return token
        finally:
            if keeper is not None:
                keeper.stop()
            if owner:
                try:
                    self._call(self._client.eval, _RELEASE_LOCK, 1, self._lock_key(key), owner)
                except _RedisDown as exc:
                    # The lock expires by itself after lock_ttl.
                    self._mark_down(exc)

    def _wait_or_lock(self, key: str, clock: Clock) -> tuple[AccessToken | None, str]:
        """(token stored by anyone, "") or (None, owner value of the lock this thread now holds, or "")."""
        deadline = time.monotonic() + self._wait_timeout
        token, locked = self._read(key, clock)
        while token is None:
            if not locked:
                owner = secrets.token_hex(16)
                if self._call(self._client.set, self._lock_key(key), owner, nx=True, px=self._lock_ttl_ms):
                    # Someone may have stored a token between the read and the lock.
                    token, _ = self._read(key, clock)
                    if token is None:
                        self._mark_up()
                        return None, owner
                    self._call(self._client.eval, _RELEASE_LOCK, 1, self._lock_key(key), owner)
                    return token, ""
            if time.monotonic() >= deadline:
                self._waited_too_long()
                return None, ""
            time.sleep(self._jittered_poll())
            token, locked = self._read(key, clock)
        return token, ""

    def _waited_too_long(self) -> None:
        logger.warning(
            "waited %.1f s for another process to fetch an access token (Redis %s); fetching here",
            self._wait_timeout,
            self._target,
        )

    def discard(self, key: str, token: AccessToken) -> None:
        self._local.discard(key, token)
        if not self._available():
            return
        try:
            self._call(self._client.eval, _DISCARD_TOKEN, 1, self._token_key(key), token.value)
        except _RedisDown as exc:
            self._mark_down(exc)

    def close(self) -> None:
        if self._owns_clients:
            self._client.close()

    # -- async -------------------------------------------------------------------------------------

    def _aclient(self) -> Any:
        if self._async_client is not None:
            return self._async_client
        if self._new_async_client is None:
            raise ConfigurationError(
                "RedisTokenCache was given only a sync client; pass async_client= as well (or url=) "
                "to share tokens from async code"
            )
        # redis.asyncio connections belong to the event loop that opened them.
        loop = asyncio.get_running_loop()
        with self._state_lock:
            client = self._async_clients.get(loop)
            if client is None:
                client = self._async_clients[loop] = self._new_async_client()
        return client

    async def _acall(self, awaitable: Any) -> Any:
        try:
            return await awaitable
        except self._redis_errors as exc:
            raise _RedisDown(exc) from exc

    async def _aread(self, client: Any, key: str, clock: Clock) -> tuple[AccessToken | None, bool]:
        fields, pttl, locked = await self._acall(self._read_pipeline(client, key).execute())
        return self._decode(fields, pttl, clock), bool(locked)

    async def _astore(self, client: Any, key: str, token: AccessToken, clock: Clock) -> None:
        pipe = self._store_pipeline(client, key, token, clock)
        if pipe is not None:
            await self._acall(pipe.execute())

    async def aget_or_fetch(self, key: str, fetch: AsyncFetch, clock: Clock) -> AccessToken:
        return await self._local.aget_or_fetch(key, lambda: self._ashared_fetch(key, fetch, clock), clock)

    async def _ashared_fetch(self, key: str, fetch: AsyncFetch, clock: Clock) -> AccessToken:
        if not self._available():
            return await fetch()
        client = self._aclient()
        try:
            token, owner = await self._await_or_lock(client, key, clock)
        except _RedisDown as exc:
            self._mark_down(exc)
            return await fetch()
        if token is not None:
            self._mark_up()
            return token
        keeper = asyncio.get_running_loop().create_task(self._akeep_lock(client, key, owner)) if owner else None
        try:
            token = await fetch()
            try:
                await self._astore(client, key, token, clock)
            except _RedisDown as exc:
                self._mark_down(exc)
            return token
        finally:
            if keeper is not None:
                keeper.cancel()
            if owner:
                try:
                    await self._acall(client.eval(_RELEASE_LOCK, 1, self._lock_key(key), owner))
                except _RedisDown as exc:
                    self._mark_down(exc)

    async def _akeep_lock(self, client: Any, key: str, owner: str) -> None:
        """Renew the fetch lock every third of its TTL until cancelled (the fetch ended)."""
        while True:
            await asyncio.sleep(self._renew_interval)
            try:
                await client.eval(_RENEW_LOCK, 1, self._lock_key(key), owner, self._lock_ttl_ms)
            except self._redis_errors as exc:
                logger.debug("could not renew the token fetch lock on %s (%s)", self._target, type(exc).__name__)

    async def _await_or_lock(self, client: Any, key: str, clock: Clock) -> tuple[AccessToken | None, str]:
        """(token stored by anyone, "") or (None, owner value of the lock this task now holds, or "")."""
        deadline = time.monotonic() + self._wait_timeout
        token, locked = await self._aread(client, key, clock)
        while token is None:
            if not locked:
                owner = secrets.token_hex(16)
                if await self._acall(client.set(self._lock_key(key), owner, nx=True, px=self._lock_ttl_ms)):
                    token, _ = await self._aread(client, key, clock)
                    if token is None:
                        self._mark_up()
                        return None, owner
                    await self._acall(client.eval(_RELEASE_LOCK, 1, self._lock_key(key), owner))
                    return token, ""
            if time.monotonic() >= deadline:
                self._waited_too_long()
                return None, ""
            await asyncio.sleep(self._jittered_poll())
            token, locked = await self._aread(client, key, clock)
        return token, ""

    async def adiscard(self, key: str, token: AccessToken) -> None:
        self._local.discard(key, token)
        if not self._available():
            return
        try:
            client = self._aclient()
            await self._acall(client.eval(_DISCARD_TOKEN, 1, self._token_key(key), token.value))
        except _RedisDown as exc:
            self._mark_down(exc)

    async def aclose(self) -> None:
        """Close the sync client and this event loop's async client (those built from ``url``)."""
        self.close()
        if not self._owns_clients:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        client = self._async_clients.pop(loop, None)
        if client is not None:
            await client.aclose()


class _LockKeeper:
    """Renews a fetch lock every third of its TTL from a daemon thread while its owner is fetching.

    A live owner keeps the lock however slow the token endpoint is; a dead one (the process is gone,
    thread included) stops renewing, so the lock expires at most ``lock_ttl`` later.
    """

    def __init__(self, cache: "RedisTokenCache", lock_key: str, owner: str) -> None:
        self._cache = cache
        self._lock_key = lock_key
        self._owner = owner
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="atomic-sdk-lock-keeper", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        cache = self._cache
        while not self._stopped.wait(cache._renew_interval):
            try:
                cache._client.eval(_RENEW_LOCK, 1, self._lock_key, self._owner, cache._lock_ttl_ms)
            except cache._redis_errors as exc:
                logger.debug("could not renew the token fetch lock on %s (%s)", cache._target, type(exc).__name__)

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=1.0)


def _check_seconds(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ConfigurationError(f"{name} must be a positive number of seconds, got {value!r}")
