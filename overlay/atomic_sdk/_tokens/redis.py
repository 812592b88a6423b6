"""RedisTokenCache: one token request per credential across processes and hosts, via a Redis lock."""

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import logging
import math
import os
import random
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from .._credentials import Credentials
from .._errors import ConfigurationError, MissingExtraError
from .._loop_local import LoopLocal
from .._options import Clock
from .cache import AccessToken, AsyncFetch, BoundedFetch, Fetch, InMemoryTokenCache, TokenCache, wait_timeout_of

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
# Entries are matched by a keyed fingerprint of the token (the token itself is only stored encrypted).
_DISCARD_TOKEN = "if redis.call('HGET', KEYS[1], 'fp') == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
# Delete an unusable token entry, unless another process replaced it meanwhile: a key of another type goes,
# a hash goes while its sealed field is still the one read (ARGV[1], '' when it had none).
_DELETE_UNUSABLE = """
local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'none' then return 0 end
if kind ~= 'hash' then return redis.call('DEL', KEYS[1]) end
local sealed = redis.call('HGET', KEYS[1], 'sealed')
if (sealed == false and ARGV[1] == '') or sealed == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
# A fetch lock without expiry was not set by this SDK (it always sets PX); it would block every waiter forever.
_DELETE_IMMORTAL_LOCK = "if redis.call('PTTL', KEYS[1]) == -1 then return redis.call('DEL', KEYS[1]) end return 0"

# Encryption at rest: AES-256-GCM under a key derived (HKDF-SHA256) from the credential's client secret,
# so every worker holding that secret can read the entry and nobody else can.
_HKDF_SALT = b"atomic-sdk redis token cache v1"
_NONCE_BYTES = 12
# A stored leeway beyond this is not one the SDK wrote (tokens last hours, leeway is at most half of that).
MAX_STORED_LEEWAY = 86_400.0


class _Unusable(Exception):
    """A token entry that cannot be used: another type, missing fields, failed decryption, absurd values."""

    def __init__(self, reason: str, sealed: str = "") -> None:
        super().__init__(reason)
        self.sealed = sealed


class _Crypto:
    """The cryptography primitives, imported once the redis extra is known to be installed."""

    __slots__ = ("aead", "hkdf", "invalid_tag")

    def __init__(self) -> None:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        def hkdf(secret: bytes, info: bytes) -> bytes:
            return HKDF(algorithm=hashes.SHA256(), length=64, salt=_HKDF_SALT, info=info).derive(secret)

        self.aead: Callable[[bytes], Any] = AESGCM
        self.hkdf = hkdf
        self.invalid_tag: type[Exception] = InvalidTag


class _Sealer:
    """Encrypts and authenticates one credential's token entries; derived keys never leave memory."""

    __slots__ = ("_aead", "_invalid_tag", "_mac_key")

    def __init__(self, crypto: "_Crypto", secret: str, key: str) -> None:
        material = crypto.hkdf(secret.encode("utf-8"), b"token-entry " + key.encode("ascii"))
        self._aead = crypto.aead(material[:32])
        self._invalid_tag = crypto.invalid_tag
        self._mac_key = material[32:]

    def __repr__(self) -> str:
        return "_Sealer(***)"

    def fingerprint(self, value: str) -> str:
        return hmac.new(self._mac_key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    def seal(self, token: AccessToken, aad: bytes) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        leeway = token.expires_at - token.refresh_at
        plaintext = json.dumps({"access_token": token.value, "leeway": leeway}).encode("utf-8")
        return base64.b64encode(nonce + self._aead.encrypt(nonce, plaintext, aad)).decode("ascii")

    def open(self, sealed: str, aad: bytes) -> tuple[str, float]:
        try:
            raw = base64.b64decode(sealed.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raise _Unusable("the entry is not base64", sealed) from None
        if len(raw) <= _NONCE_BYTES + 16:
            raise _Unusable("the entry is too short", sealed)
        try:
            plaintext = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], aad)
        except self._invalid_tag:
            # Another secret (a rotated key), an entry moved from another key, or tampering.
            raise _Unusable("the entry does not decrypt with this key's secret", sealed) from None
        try:
            document = json.loads(plaintext)
            value, leeway = document["access_token"], float(document["leeway"])
        except (ValueError, KeyError, TypeError):
            raise _Unusable("the decrypted entry is not a token", sealed) from None
        if not isinstance(value, str) or not value:
            raise _Unusable("the decrypted entry has no token", sealed)
        if not math.isfinite(leeway) or not 0 <= leeway <= MAX_STORED_LEEWAY:
            raise _Unusable(
                f"the stored leeway {leeway!r} is not a number of seconds in [0, {MAX_STORED_LEEWAY:g}]", sealed
            )
        return value, leeway


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
    secrets, and the token is encrypted at rest (AES-256-GCM, key derived with HKDF-SHA256 from the
    credential's client secret): whoever can read Redis but does not hold the secret cannot use it. An
    entry that cannot be used (a value of another type, missing fields, failed decryption, an absurd
    leeway) is deleted and replaced by a fresh token, logged once; it never turns into an outage.

    If Redis is unreachable, the cache logs one WARNING and behaves like ``InMemoryTokenCache`` (API calls
    still succeed); it tries Redis again after ``outage_retry`` seconds and logs at INFO when it answers.

    Example::

        from atomic_sdk import AtomicClient, RedisTokenCache

        cache = RedisTokenCache("redis://127.0.0.1:6379/0")
        client = AtomicClient.from_env(token_cache=cache)

    Arguments:
        url: a redis-py URL (``redis://``, ``rediss://``, ``unix://``); the cache builds its own sync and
            (per event loop) async clients with short timeouts and no retries, so an outage is noticed fast.
        client: your own ``redis.Redis`` instead of ``url``.
        async_client: your own ``redis.asyncio.Redis``, with ``client``.
        namespace: prefix of every key.
        lock_ttl: seconds a fetch lock outlives its owner if the owner dies (a live owner renews it).
        wait_timeout: longest wait for another process's fetch before fetching here (default 2 × lock_ttl;
            never longer than the calling client's timeout: every wait on someone else's fetch is bounded).
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

            crypto = _Crypto()
        except ImportError as exc:
            raise MissingExtraError(
                f"RedisTokenCache needs the redis and cryptography packages ({exc.name} is missing): "
                "pip install 'atomic-sdk[redis]'",
                extra="redis",
                module=exc.name,
            ) from None
        self._crypto = crypto
        self._sealers: dict[str, _Sealer] = {}
        self._reported: set[str] = set()
        self._response_error: type[BaseException] = redis.ResponseError
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
        self._async_clients: LoopLocal[Any] | None = None
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
            # redis.asyncio connections belong to the event loop that opened them: one client per loop,
            # closed when that loop shuts down (or by aclose() on it).
            self._async_clients = LoopLocal(
                lambda: redis.asyncio.Redis.from_url(
                    url,
                    retry=redis.asyncio.retry.Retry(redis.backoff.NoBackoff(), 0),
                    socket_timeout=socket_timeout,
                    socket_connect_timeout=socket_timeout,
                ),
                lambda client: client.aclose(),
                "Redis token cache connection",
            )
        self._client = client
        self._async_client = async_client
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

    def bind_credentials(self, key: str, credentials: Credentials) -> None:
        """Derive this key's encryption keys from the credential's secret (the secret itself is not kept)."""
        self._sealers[key] = _Sealer(self._crypto, credentials.client_secret, key)

    def _sealer(self, key: str) -> _Sealer:
        sealer = self._sealers.get(key)
        if sealer is None:
            raise ConfigurationError(
                "RedisTokenCache has no credentials bound for this key (TokenProvider binds them); it never "
                "stores a token unencrypted"
            )
        return sealer

    def _decode(self, key: str, fields: Any, pttl: Any, clock: Clock) -> AccessToken | None:
        """The stored token, None when there is none; raises _Unusable for an entry that must be replaced."""
        if isinstance(fields, BaseException):
            if isinstance(fields, self._response_error) and "WRONGTYPE" in str(fields):
                raise _Unusable("the key holds another Redis type than a hash")
            raise _RedisDown(fields)
        if isinstance(pttl, BaseException):
            raise _RedisDown(pttl)
        sealed, fingerprint = (_text(item) for item in fields)
        if pttl == -2:
            return None
        if sealed is None or fingerprint is None:
            raise _Unusable("the entry lacks its sealed token or fingerprint", sealed or "")
        if not isinstance(pttl, int) or pttl == -1:
            raise _Unusable("the entry has no expiry", sealed)
        if pttl <= 0:
            return None
        value, leeway = self._sealer(key).open(sealed, self._token_key(key).encode())
        refresh_at = clock() + pttl / 1000
        return AccessToken(value=value, expires_at=refresh_at + leeway, refresh_at=refresh_at)

    def _report_unusable(self, key: str, exc: _Unusable) -> None:
        # Once per key and process at WARNING: a writer that keeps corrupting the key must not flood the log.
        first = key not in self._reported
        self._reported.add(key)
        (logger.warning if first else logger.debug)(
            "Redis token cache at %s: the entry %s was unusable (%s); deleted it, a fresh token replaces it",
            self._target,
            self._token_key(key),
            exc,
        )

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
        """Token fields, their TTL and the fetch lock's TTL: one round trip (sync or async client)."""
        pipe = client.pipeline(transaction=False)
        pipe.hmget(self._token_key(key), ["sealed", "fp"])
        pipe.pttl(self._token_key(key))
        pipe.pttl(self._lock_key(key))
        return pipe

    def _store_pipeline(self, client: Any, key: str, token: AccessToken, clock: Clock) -> Any:
        """The sealed token with a TTL of refresh time minus now, atomically; None if already due."""
        ttl_ms = self._ttl_ms(token, clock)
        if ttl_ms <= 0:
            return None
        sealer = self._sealer(key)
        token_key = self._token_key(key)
        pipe = client.pipeline(transaction=True)
        # DEL first: whatever the key held (even another type) is replaced, never an error.
        pipe.delete(token_key)
        pipe.hset(
            token_key,
            mapping={"sealed": sealer.seal(token, token_key.encode()), "fp": sealer.fingerprint(token.value)},
        )
        pipe.pexpire(token_key, ttl_ms)
        return pipe

    def _interpret(self, key: str, results: Any, clock: Clock) -> tuple[AccessToken | None, bool, str | None, bool]:
        """(token, lock held, sealed value of an unusable entry to delete or None, lock without expiry)."""
        fields, pttl, lock_pttl = results
        if isinstance(lock_pttl, BaseException):
            raise _RedisDown(lock_pttl)
        immortal_lock = lock_pttl == -1
        try:
            token = self._decode(key, fields, pttl, clock)
        except _Unusable as exc:
            self._report_unusable(key, exc)
            return None, lock_pttl not in (-2, -1), exc.sealed, immortal_lock
        return token, lock_pttl not in (-2, -1), None, immortal_lock

    def _read(self, key: str, clock: Clock) -> tuple[AccessToken | None, bool]:
        """(token stored for key, whether a fetch lock is held); repairs what it cannot use."""
        results = self._call(self._read_pipeline(self._client, key).execute, raise_on_error=False)
        token, locked, unusable, immortal_lock = self._interpret(key, results, clock)
        if unusable is not None:
            self._call(self._client.eval, _DELETE_UNUSABLE, 1, self._token_key(key), unusable)
        if immortal_lock:
            self._delete_immortal_lock(key)
            locked = False
        return token, locked

    def _delete_immortal_lock(self, key: str) -> None:
        if self._call(self._client.eval, _DELETE_IMMORTAL_LOCK, 1, self._lock_key(key)):
            self._report_immortal_lock(key)

    def _report_immortal_lock(self, key: str) -> None:
        logger.warning(
            "Redis token cache at %s: the fetch lock %s had no expiry (not set by atomic-sdk); deleted it",
            self._target,
            self._lock_key(key),
        )

    def _store(self, key: str, token: AccessToken, clock: Clock) -> None:
        pipe = self._store_pipeline(self._client, key, token, clock)
        if pipe is not None:
            self._call(pipe.execute)

    def get_or_fetch(self, key: str, fetch: Fetch, clock: Clock) -> AccessToken:
        # The local cache bounds its waits with the caller's timeout, as the caller's fetch asks.
        shared = BoundedFetch(lambda: self._shared_fetch(key, fetch, clock), wait_timeout_of(fetch))
        return self._local.get_or_fetch(key, shared, clock)

    def _shared_fetch(self, key: str, fetch: Fetch, clock: Clock) -> AccessToken:
        if not self._available():
            return fetch()
        try:
            token, owner = self._wait_or_lock(key, clock, wait_timeout_of(fetch))
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

    def _wait_or_lock(self, key: str, clock: Clock, caller_wait: float) -> tuple[AccessToken | None, str]:
        """(token stored by anyone, "") or (None, owner value of the lock this thread now holds, or "")."""
        wait = min(self._wait_timeout, caller_wait)
        deadline = time.monotonic() + wait
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
                self._waited_too_long(wait)
                return None, ""
            time.sleep(self._jittered_poll())
            token, locked = self._read(key, clock)
        return token, ""

    def _waited_too_long(self, wait: float) -> None:
        logger.warning(
            "waited %.1f s for another process to fetch an access token (Redis %s); fetching here",
            wait,
            self._target,
        )

    def discard(self, key: str, token: AccessToken) -> None:
        self._local.discard(key, token)
        if not self._available():
            return
        try:
            self._call(
                self._client.eval, _DISCARD_TOKEN, 1, self._token_key(key), self._sealer(key).fingerprint(token.value)
            )
        except _RedisDown as exc:
            self._mark_down(exc)

    def close(self) -> None:
        """Close the sync client (one built from ``url``; a client passed in stays open)."""
        if self._owns_clients:
            self._client.close()

    # -- async -------------------------------------------------------------------------------------

    def _aclient(self) -> Any:
        if self._async_client is not None:
            return self._async_client
        if self._async_clients is None:
            raise ConfigurationError(
                "RedisTokenCache was given only a sync client; pass async_client= as well (or url=) "
                "to share tokens from async code"
            )
        return self._async_clients.get()

    async def _acall(self, awaitable: Any) -> Any:
        try:
            return await awaitable
        except self._redis_errors as exc:
            raise _RedisDown(exc) from exc

    async def _aread(self, client: Any, key: str, clock: Clock) -> tuple[AccessToken | None, bool]:
        results = await self._acall(self._read_pipeline(client, key).execute(raise_on_error=False))
        token, locked, unusable, immortal_lock = self._interpret(key, results, clock)
        if unusable is not None:
            await self._acall(client.eval(_DELETE_UNUSABLE, 1, self._token_key(key), unusable))
        if immortal_lock:
            if await self._acall(client.eval(_DELETE_IMMORTAL_LOCK, 1, self._lock_key(key))):
                self._report_immortal_lock(key)
            locked = False
        return token, locked

    async def _astore(self, client: Any, key: str, token: AccessToken, clock: Clock) -> None:
        pipe = self._store_pipeline(client, key, token, clock)
        if pipe is not None:
            await self._acall(pipe.execute())

    async def aget_or_fetch(self, key: str, fetch: AsyncFetch, clock: Clock) -> AccessToken:
        shared = BoundedFetch(lambda: self._ashared_fetch(key, fetch, clock), wait_timeout_of(fetch))
        return await self._local.aget_or_fetch(key, shared, clock)

    async def _ashared_fetch(self, key: str, fetch: AsyncFetch, clock: Clock) -> AccessToken:
        if not self._available():
            return await fetch()
        client = self._aclient()
        try:
            token, owner = await self._await_or_lock(client, key, clock, wait_timeout_of(fetch))
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

    async def _await_or_lock(
        self, client: Any, key: str, clock: Clock, caller_wait: float
    ) -> tuple[AccessToken | None, str]:
        """(token stored by anyone, "") or (None, owner value of the lock this task now holds, or "")."""
        wait = min(self._wait_timeout, caller_wait)
        deadline = time.monotonic() + wait
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
                self._waited_too_long(wait)
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
            fingerprint = self._sealer(key).fingerprint(token.value)
            await self._acall(client.eval(_DISCARD_TOKEN, 1, self._token_key(key), fingerprint))
        except _RedisDown as exc:
            self._mark_down(exc)

    async def aclose(self) -> None:
        """Close this event loop's async client (one built from ``url``; clients passed in stay open)."""
        if self._async_clients is not None:
            await self._async_clients.aclose_current()


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
