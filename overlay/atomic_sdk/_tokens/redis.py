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
from collections.abc import Callable, Generator
from functools import partial
from typing import Any, TypeVar, cast

from .._credentials import Credentials
from .._errors import ConfigurationError, MissingExtraError, TokenRateLimitedError
from .._loop_local import LoopLocal
from .._options import Clock
from .cache import (
    AccessToken,
    AsyncFetch,
    BoundedFetch,
    Fetch,
    InMemoryTokenCache,
    TokenCache,
    WaitRateLimitedError,
    WaitTimeoutError,
    _rate_limit_listener,
    wait_timeout_of,
)
from .redis_topology import build_clients, describe_client, kind_of, parse_redis_url

logger = logging.getLogger("atomic_sdk")

DEFAULT_NAMESPACE = "atomic-sdk"
DEFAULT_LOCK_TTL = 10.0
DEFAULT_POLL_INTERVAL = 0.05
DEFAULT_SOCKET_TIMEOUT = 0.5
DEFAULT_OUTAGE_RETRY = 5.0

# Every script touches one credential's keys only, and they share a hash tag ({<key>}), so each runs on the
# one Redis Cluster node that owns that slot.

# Delete the key only while it still holds the caller's value: a lock is released by its owner only,
# and a rejected token is dropped only if no other process has stored a newer one meanwhile.
_RELEASE_LOCK = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
# Extend the lock while its owner is alive and still fetching (a slow or rate-limited token endpoint).
_RENEW_LOCK = (
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0"
)
# Take the fetch lock unless the fleet is backing off (a published 429): 0 taken, -1 held by someone else,
# or the backoff's remaining milliseconds. KEYS: lock, backoff; ARGV: owner, lock TTL in ms.
_CLAIM_LOCK = """
local backoff = redis.call('PTTL', KEYS[2])
if backoff > 0 then return backoff end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
return -1
"""
# Publish a backoff (the token endpoint answered 429) unless a longer one runs already. KEYS: backoff;
# ARGV: milliseconds.
_PUBLISH_BACKOFF = """
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
  return 1
end
return 0
"""
# Fenced store: the writer's token replaces the stored one only while the writer still holds the fetch lock,
# or when it lives longer than the stored one (it is newer). A holder that stalled past lock_ttl (a GC or VM
# pause) therefore cannot overwrite the newer token another process stored meanwhile. KEYS: token, lock;
# ARGV: sealed, fingerprint, TTL in ms, owner ('' for none). 1 stored, 0 refused.
_STORE_FENCED = """
local held = ARGV[4] ~= '' and redis.call('GET', KEYS[2]) == ARGV[4]
if not held and redis.call('TYPE', KEYS[1]).ok == 'hash' and redis.call('HEXISTS', KEYS[1], 'sealed') == 1 then
  if redis.call('PTTL', KEYS[1]) > tonumber(ARGV[3]) then return 0 end
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'sealed', ARGV[1], 'fp', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
"""
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
# The longest a token entry is kept in Redis: an absurd expires_in (1e17 s) must neither overflow PEXPIRE
# (which would look like an outage) nor pin a token for ever.
MAX_STORED_TTL = 86_400.0
# A 429 without Retry-After still stops the fleet for this long (the provider's own backoff is not known here).
DEFAULT_RATE_LIMIT_BACKOFF = 5.0
# The longest backoff published for the fleet, whatever Retry-After says.
MAX_PUBLISHED_BACKOFF = 3600.0

T = TypeVar("T")
# A step of an exchange with Redis: a command to send (a call without arguments: a sync client answers it, an
# async one returns an awaitable) or seconds to sleep. Each exchange is written once, as a generator of steps
# that receives the answers: _run drives it with blocking I/O, _arun on the event loop.
_Steps = Generator[Callable[[], Any] | float, Any, T]


class _Unusable(Exception):
    """A token entry that cannot be used: another type, missing fields, failed decryption, absurd values."""

    def __init__(self, reason: str, sealed: str = "") -> None:
        super().__init__(reason)
        self.sealed = sealed


class _Sealer:
    """Encrypts and authenticates one credential's token entries; derived keys never leave memory."""

    __slots__ = ("_aead", "_invalid_tag", "_mac_key")

    def __init__(self, secret: str, key: str) -> None:
        # Installed: RedisTokenCache checks the redis extra when it is built.
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        hkdf = HKDF(algorithm=hashes.SHA256(), length=64, salt=_HKDF_SALT, info=b"token-entry " + key.encode("ascii"))
        material = hkdf.derive(secret.encode("utf-8"))
        self._aead = AESGCM(material[:32])
        self._invalid_tag: type[Exception] = InvalidTag
        self._mac_key = material[32:]

    def __repr__(self) -> str:
        return "_Sealer(***)"

    def fingerprint(self, value: str) -> str:
        return hmac.new(self._mac_key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    def seal(self, token: AccessToken, aad: bytes) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        leeway = min(token.expires_at - token.refresh_at, MAX_STORED_LEEWAY)
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


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


class RedisTokenCache(TokenCache):
    """Shares access tokens between processes and hosts through Redis (``pip install 'atomic-sdk[redis]'``).

    Each process keeps its own in-memory copy (no Redis round trip per request). When a token is missing or
    due for refresh, one process takes a Redis lock (``SET NX PX`` with a random owner value, renewed every
    ``lock_ttl / 3`` while the owner fetches, released only by its owner, expiring at most ``lock_ttl``
    after the owner dies) and requests a token; the others poll Redis every ``poll_interval`` until the token
    appears, and never request one themselves while the lock is alive. So a cold start of N processes sends
    one token request per credential, and a live holder is the only process asking the token endpoint.

    **The 429 rule.** When the token endpoint keeps answering 429 (the provider raises
    ``TokenRateLimitedError``), the holder publishes the backoff (the Retry-After, else
    ``DEFAULT_RATE_LIMIT_BACKOFF``; at most ``MAX_PUBLISHED_BACKOFF``) in Redis before it releases the lock;
    until it runs out nobody takes the lock. A caller whose wait bound ends before the backoff does fails at
    once with ``TokenRateLimitedError`` (``retry_after`` set, no request sent).

    **The deadline rule.** A call waits for someone else's token request (another process holding the lock,
    or a thread or task of its own process) for at most the client's timeout plus ``lock_ttl``
    (``wait_timeout`` when given), counted from the start of the call. A dead holder costs at most
    ``lock_ttl``: its lock expires and a waiter takes the request over, with the client's full timeout for its
    own request. A thread or task whose in-process leader died or gave up on its own deadline takes over in
    the same way, on its own deadline. So no call fails because another process or thread died, as long as
    the token endpoint answers within the client's timeout. A call that reaches its bound while a live
    holder still fetches fails with ``TokenRequestError`` instead of sending a second request.

    **Fenced writes.** A token is stored (one Lua script) only while its writer still holds the lock, or when
    it lives longer than the stored one: a holder that stalled past ``lock_ttl`` cannot overwrite the newer
    token of the process that took over (it uses that newer token too).

    Keys are ``{namespace}:{<sha256 of token URL and client id>}:token`` (and ``:lock``, ``:backoff``): one
    credential's keys share a Redis Cluster hash tag, so every script runs on one node. Keys never contain
    secrets, and the token is encrypted at rest (AES-256-GCM, key derived with HKDF-SHA256 from the
    credential's client secret). An entry that cannot be used (a value of another type, missing fields,
    failed decryption, an absurd leeway) is deleted and replaced by a fresh token, logged once. A token's
    TTL in Redis is at most ``MAX_STORED_TTL`` (a day).

    If Redis is unreachable, the cache logs one WARNING and behaves like ``InMemoryTokenCache`` (API calls
    still succeed); it tries Redis again after ``outage_retry`` seconds and logs at INFO when it answers.
    Outages are tracked per node: with a Cluster, a dead shard only affects the credentials whose slot it
    serves. A wrong topology is a ``ConfigurationError`` that says what to use (a ``MOVED`` answer to a
    ``redis://`` URL means the server is a Cluster node: use ``redis+cluster://``).

    Example::

        from atomic_sdk import AtomicClient, RedisTokenCache

        cache = RedisTokenCache("redis://127.0.0.1:6379/0")
        client = AtomicClient.from_env(token_cache=cache)

    Arguments:
        url: ``redis://[user:password@]host:port/db``, ``rediss://…`` (TLS), ``unix:///path``;
            ``redis+cluster://host:port[,host:port…]`` for a Redis Cluster (its startup nodes);
            ``redis+sentinel://host:port[,host:port…]/service_name[/db]`` for the master Sentinel names
            ``service_name``; ``rediss+cluster://`` and ``rediss+sentinel://`` for TLS. The cache builds its
            own sync and (per event loop) async clients with short timeouts and no retries, so an outage is
            noticed fast. Valkey serves every form.
        client: your own sync redis-py client instead of ``url``: ``redis.Redis``,
            ``redis.cluster.RedisCluster`` or ``redis.sentinel.Sentinel(...).master_for(...)``.
        async_client: the matching ``redis.asyncio`` client, with ``client``.
        namespace: prefix of every key (no ``{`` or ``}``: they would change the Cluster hash tag).
        lock_ttl: seconds a fetch lock outlives its owner if the owner dies (a live owner renews it).
        wait_timeout: longest wait for another caller's token request (default: the calling client's
            timeout plus ``lock_ttl``).
        poll_interval: seconds between checks while waiting (jittered ±50 %).
        socket_timeout: connect/read timeout of the clients built from ``url``.
        outage_retry: seconds to use memory only after a Redis node failed, before trying it again.
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
            import redis.exceptions

            # After redis, which is the one named when neither is installed; _Sealer imports the rest.
            import cryptography.hazmat.primitives.ciphers.aead  # noqa: F401  # isort: skip
        except ImportError as exc:
            raise MissingExtraError(
                f"RedisTokenCache needs the redis and cryptography packages ({exc.name} is missing): "
                "pip install 'atomic-sdk[redis]'",
                extra="redis",
                module=exc.name,
            ) from None
        self._sealers: dict[str, _Sealer] = {}
        self._reported: set[str] = set()
        self._response_error: type[BaseException] = redis.ResponseError
        self._ask_error: type[BaseException] = redis.exceptions.AskError  # MovedError is one
        self._cluster_error: type[BaseException] = redis.exceptions.RedisClusterException
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
        if not isinstance(namespace, str) or not namespace or "{" in namespace or "}" in namespace:
            raise ConfigurationError("namespace must be a non-empty string without { or } (the hash tag's braces)")
        self._redis_errors: tuple[type[BaseException], ...] = (
            redis.RedisError,
            redis.exceptions.RedisClusterException,
            OSError,
        )
        self._async_clients: LoopLocal[Any] | None = None
        self._make_client: Callable[[], Any] | None = None
        # Clients built here are closed here (by _close_client); clients passed in belong to the caller.
        self._close_client: Callable[[Any], None] | None = None
        if url is not None:
            target = parse_redis_url(url)
            make_sync, make_async, close_sync, close_async = build_clients(target, socket_timeout)
            self._kind = target.kind
            self._close_client = close_sync
            if target.kind == "cluster":
                # A Cluster client connects when built: built on first use, so a cache can start during an outage.
                client = None
                self._make_client = make_sync
                self._target = target.describe()
            else:
                try:
                    client = make_sync()
                except ValueError as exc:
                    # redis-py's message names the scheme problem; the URL itself may hold a password.
                    raise ConfigurationError(f"RedisTokenCache url is not a valid Redis URL: {exc}") from None
                self._target = target.describe() if target.kind == "sentinel" else describe_client(client)
            # redis.asyncio connections belong to the event loop that opened them: one client per loop,
            # closed when that loop shuts down (or by aclose() on it).
            self._async_clients = LoopLocal(make_async, close_async, "Redis token cache connection")
        else:
            self._kind = kind_of(client)
            self._target = describe_client(client)
        self._client: Any = client
        self._async_client = async_client
        self._namespace = namespace
        self._lock_ttl = lock_ttl
        self._lock_ttl_ms = max(1, round(lock_ttl * 1000))
        self._renew_interval = lock_ttl / 3
        self._wait_timeout = wait_timeout
        self._poll_interval = poll_interval
        self._outage_retry = outage_retry
        self._local = InMemoryTokenCache()
        self._state_lock = threading.Lock()
        # Outages per node ("" stands for the whole target: a single server, a Sentinel master, a Cluster
        # that could not be reached at all): node -> when to try it again.
        self._down: dict[str, float] = {}
        # key -> when the 429 wait this process's holder published ends (its local waiters check it).
        self._backoff_until: dict[str, float] = {}

    def __repr__(self) -> str:
        return f"RedisTokenCache(target={self._target!r}, namespace={self._namespace!r})"

    __str__ = __repr__

    # -- keys, clients and outage state ------------------------------------------------------------

    def _token_key(self, key: str) -> str:
        return f"{self._namespace}:{{{key}}}:token"

    def _lock_key(self, key: str) -> str:
        return f"{self._namespace}:{{{key}}}:lock"

    def _backoff_key(self, key: str) -> str:
        return f"{self._namespace}:{{{key}}}:backoff"

    def _sync(self) -> Any:
        client = self._client
        if client is not None:
            return client
        assert self._make_client is not None
        with self._state_lock:
            if self._client is None:
                try:
                    self._client = self._make_client()
                except self._redis_errors as exc:
                    raise self._outage(exc) from exc
            return self._client

    def _node(self, key: str, client: Any) -> str:
        """The node serving ``key`` (a Cluster's shard), "" for a single target: the unit of outage tracking."""
        if self._kind != "cluster":
            return ""
        token_key = self._token_key(key)
        try:
            node = client.get_node_from_key(token_key)
        except Exception:  # noqa: BLE001 - slots not known yet (an async client before its first command)
            node = None
        name = getattr(node, "name", None)
        if isinstance(name, str):
            return name
        from redis.crc import key_slot

        return f"slot {key_slot(token_key.encode())}"

    def _where(self, node: str) -> str:
        return self._target if not node else f"{self._target} (node {node})"

    def _available(self, node: str) -> bool:
        now = time.monotonic()
        return all(self._down.get(unit, now) <= now for unit in ("", node))

    def _reachable(self, key: str, get_client: Callable[[], Any]) -> tuple[Any, str] | None:
        """(client, node serving ``key``), or None while Redis or that node is marked down."""
        if not self._available(""):
            return None
        try:
            client = get_client()
        except _RedisDown as exc:
            self._mark_down("", exc)
            return None
        node = self._node(key, client)
        return (client, node) if self._available(node) else None

    def _mark_down(self, node: str, exc: _RedisDown) -> None:
        with self._state_lock:
            first = node not in self._down
            self._down[node] = time.monotonic() + self._outage_retry
        if first:
            logger.warning(
                "Redis token cache at %s is unavailable (%s); using this process's memory and retrying "
                "Redis in %.0f s. API calls continue; each process may request its own tokens meanwhile.",
                self._where(node),
                exc,
                self._outage_retry,
            )
        else:
            logger.debug("Redis token cache at %s still unavailable (%s)", self._where(node), exc)

    def _mark_up(self, node: str) -> None:
        if not self._down:
            return
        with self._state_lock:
            came_back = [unit for unit in ({"", node}) if self._down.pop(unit, None) is not None]
        for unit in came_back:
            logger.info("Redis token cache at %s is available again", self._where(unit))

    def _outage(self, exc: BaseException) -> _RedisDown:
        """The outage ``exc`` means; ConfigurationError when it shows the URL names the wrong kind of deployment."""
        text = str(exc)
        # redis-py before 6 parses MOVED/ASK into MovedError/AskError only for Cluster clients.
        moved = isinstance(exc, self._ask_error) or (
            isinstance(exc, self._response_error) and text.startswith(("MOVED ", "ASK "))
        )
        if moved and self._kind != "cluster":
            raise ConfigurationError(
                f"Redis at {self._target} answered MOVED: it is a Redis Cluster node, which a plain client cannot "
                "use (each process would fetch its own tokens). Use redis+cluster://host:port[,host:port…] "
                "(or client=redis.cluster.RedisCluster(...))"
            ) from None
        if isinstance(exc, self._cluster_error) and "not enabled" in text.lower():
            raise ConfigurationError(
                f"Redis at {self._target} is not a Cluster (cluster mode is not enabled): use redis://host:port/db "
                "for a single server, or redis+sentinel://host:port/service_name for a Sentinel-managed master"
            ) from None
        if isinstance(exc, self._response_error) and "unknown command" in text.lower() and self._kind == "single":
            raise ConfigurationError(
                f"Redis at {self._target} does not run the commands a token cache needs ({text.split(',')[0][:60]}); if it is a "
                "Sentinel, use redis+sentinel://host:port[,host:port…]/service_name"
            ) from None
        return _RedisDown(type(exc).__name__)

    def bind_credentials(self, key: str, credentials: Credentials) -> None:
        """Derive this key's encryption keys from the credential's secret (the secret itself is not kept)."""
        self._sealers[key] = _Sealer(credentials.client_secret, key)

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
            raise self._outage(fields)
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

    def _jittered_poll(self) -> float:
        return self._poll_interval * (0.5 + random.random())

    def _interpret(self, key: str, results: Any, clock: Clock) -> tuple[AccessToken | None, int, str | None, int]:
        """(token, lock PTTL (-2 none, -1 no expiry), sealed value of an unusable entry or None, backoff ms)."""
        fields, pttl, lock_pttl, backoff_pttl = results
        for item in (pttl, lock_pttl, backoff_pttl):
            if isinstance(item, BaseException):
                raise self._outage(item)
        lock = lock_pttl if isinstance(lock_pttl, int) else -2
        backoff = backoff_pttl if isinstance(backoff_pttl, int) and backoff_pttl > 0 else 0
        try:
            token = self._decode(key, fields, pttl, clock)
        except _Unusable as exc:
            # Once per key and process at WARNING: a writer that keeps corrupting the key must not flood the log.
            first = key not in self._reported
            self._reported.add(key)
            (logger.warning if first else logger.debug)(
                "Redis token cache at %s: the entry %s was unusable (%s); deleted it, a fresh token replaces it",
                self._target,
                self._token_key(key),
                exc,
            )
            return None, lock, exc.sealed, backoff
        return token, lock, None, backoff

    def _rate_limited(self, backoff_ms: int, budget: float) -> WaitRateLimitedError:
        seconds = backoff_ms / 1000
        return WaitRateLimitedError(
            f"the token endpoint is rate limiting this key: every process sharing Redis {self._target} waits "
            f"{seconds:.1f} s more before the next token request (its 429 Retry-After), longer than this call "
            f"may wait ({budget:g} s: the client's timeout plus lock_ttl); retry after that",
            retry_after=seconds,
            attempts=0,
        )

    def _gave_up(self, budget: float) -> WaitTimeoutError:
        return WaitTimeoutError(
            f"gave up after waiting {budget:g} s (the client's timeout plus lock_ttl) for another process's "
            f"token request for this key (Redis {self._target}); its holder is alive and still fetching, and "
            "only one process asks the token endpoint at a time. The token endpoint may be slow or rate "
            "limiting: check it, or raise the client's timeout"
        )

    def _bounded(self, key: str, fetch: object, clock: Clock, shared: Callable[..., Any]) -> BoundedFetch[Any]:
        """``shared`` as the fetch this process's threads and tasks share: they wait for it as long as it may
        wait for other processes' token requests (the deadline rule) and then fetch."""
        caller = wait_timeout_of(fetch)
        budget = self._wait_timeout if self._wait_timeout is not None else caller + self._lock_ttl
        deadline = time.monotonic() + budget
        return BoundedFetch(
            lambda: shared(key, fetch, clock, deadline, budget),
            budget + caller,
            lambda waiter_deadline: self._backoff_past(key, waiter_deadline, budget + caller),
        )

    # -- exchanges with Redis, written once for sync and async -------------------------------------

    def _run(self, steps: _Steps[T]) -> T:
        """Drive an exchange with blocking I/O (the sync client)."""
        answer = None
        try:
            while True:
                step = steps.send(answer)
                if isinstance(step, float):
                    time.sleep(step)
                    answer = None
                else:
                    answer = self._call(step)
        except StopIteration as done:
            return cast(T, done.value)

    async def _arun(self, steps: _Steps[T]) -> T:
        """``_run`` for async clients; never blocks the loop."""
        answer = None
        try:
            while True:
                step = steps.send(answer)
                if isinstance(step, float):
                    await asyncio.sleep(step)
                    answer = None
                else:
                    answer = await self._acall(step())
        except StopIteration as done:
            return cast(T, done.value)

    def _read_steps(self, client: Any, key: str, clock: Clock) -> _Steps[tuple[AccessToken | None, int, int]]:
        """(token stored for key, lock PTTL, backoff ms); repairs what it cannot use."""
        # Token fields, their TTL, the fetch lock's TTL and the backoff's TTL: one round trip.
        pipe = client.pipeline(transaction=False)
        pipe.hmget(self._token_key(key), ["sealed", "fp"])
        pipe.pttl(self._token_key(key))
        pipe.pttl(self._lock_key(key))
        pipe.pttl(self._backoff_key(key))
        results = yield partial(pipe.execute, raise_on_error=False)
        token, lock, unusable, backoff = self._interpret(key, results, clock)
        if unusable is not None:
            yield partial(client.eval, _DELETE_UNUSABLE, 1, self._token_key(key), unusable)
        if lock == -1:
            if (yield partial(client.eval, _DELETE_IMMORTAL_LOCK, 1, self._lock_key(key))):
                logger.warning(
                    "Redis token cache at %s: the fetch lock %s had no expiry (not set by atomic-sdk); deleted it",
                    self._target,
                    self._lock_key(key),
                )
            lock = -2
        return token, lock, backoff

    def _store_steps(self, client: Any, key: str, token: AccessToken, clock: Clock, owner: str) -> _Steps[AccessToken]:
        """Store ``token`` (fenced); the token to use: ours, or the newer one another process stored."""
        ttl_ms = min(int((token.refresh_at - clock()) * 1000), int(MAX_STORED_TTL * 1000))
        if ttl_ms <= 0:
            return token  # already due for refresh: not worth sharing
        sealer = self._sealer(key)
        token_key = self._token_key(key)
        sealed = sealer.seal(token, token_key.encode())
        fingerprint = sealer.fingerprint(token.value)
        stored = yield partial(
            client.eval, _STORE_FENCED, 2, token_key, self._lock_key(key), sealed, fingerprint, ttl_ms, owner
        )
        if stored:
            return token
        newer, _, _ = yield from self._read_steps(client, key, clock)
        logger.info(
            "Redis token cache at %s: a newer token was stored while this process fetched (its lock had "
            "expired); kept and using the newer one",
            self._target,
        )
        return newer if newer is not None else token

    def _publish_steps(self, client: Any, key: str, seconds: float | None) -> _Steps[None]:
        """Publish a 429 backoff to every process (this process's waiters see it at once)."""
        if seconds is None or not math.isfinite(seconds) or seconds <= 0:
            seconds = DEFAULT_RATE_LIMIT_BACKOFF
        backoff_ms = max(1, round(min(seconds, MAX_PUBLISHED_BACKOFF) * 1000))
        self._backoff_until[key] = time.monotonic() + backoff_ms / 1000
        if (yield partial(client.eval, _PUBLISH_BACKOFF, 1, self._backoff_key(key), backoff_ms)):
            # INFO: the caller that gives up on the 429s gets TokenRateLimitedError; this only explains the wait.
            logger.info(
                "the token endpoint rate-limited a key; every process sharing Redis %s waits %.1f s before its "
                "next token request for it",
                self._target,
                backoff_ms / 1000,
            )

    def _wait_or_lock_steps(
        self, client: Any, key: str, clock: Clock, deadline: float, budget: float
    ) -> _Steps[tuple[AccessToken | None, str]]:
        """(token stored by anyone, "") or (None, owner value of the lock the caller now holds).

        Raises WaitTimeoutError / WaitRateLimitedError when the call's deadline comes first.
        """
        while True:
            token, lock, backoff = yield from self._read_steps(client, key, clock)
            if token is not None:
                return token, ""
            if lock == -2 and not backoff:
                owner = secrets.token_hex(16)
                claimed = yield partial(
                    client.eval, _CLAIM_LOCK, 2, self._lock_key(key), self._backoff_key(key), owner, self._lock_ttl_ms
                )
                if claimed == 0:
                    # Someone may have stored a token between the read and the lock.
                    token, _, _ = yield from self._read_steps(client, key, clock)
                    if token is None:
                        return None, owner
                    yield partial(client.eval, _RELEASE_LOCK, 1, self._lock_key(key), owner)
                    return token, ""
                backoff = max(0, int(claimed))
            remaining = deadline - time.monotonic()
            if backoff:
                if backoff / 1000 > remaining:
                    raise self._rate_limited(backoff, budget)
                # Sleep through the backoff; the jitter spreads the processes that race for the lock after it.
                yield min(backoff / 1000 + self._jittered_poll(), remaining)
                continue
            if remaining <= 0:
                raise self._gave_up(budget)
            yield min(self._jittered_poll(), remaining)

    # -- sync --------------------------------------------------------------------------------------

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except self._redis_errors as exc:
            raise self._outage(exc) from exc

    def _store(self, client: Any, key: str, token: AccessToken, clock: Clock, owner: str) -> AccessToken:
        """``_store_steps`` with the sync client."""
        return self._run(self._store_steps(client, key, token, clock, owner))

    def get_or_fetch(self, key: str, fetch: Fetch, clock: Clock) -> AccessToken:
        token = self._local.peek(key, clock)
        if token is not None:
            return token
        return self._local.get_or_fetch(key, self._bounded(key, fetch, clock, self._shared_fetch), clock)

    def _shared_fetch(self, key: str, fetch: Fetch, clock: Clock, deadline: float, budget: float) -> AccessToken:
        reachable = self._reachable(key, self._sync)
        if reachable is None:
            return fetch()
        client, node = reachable
        try:
            token, owner = self._run(self._wait_or_lock_steps(client, key, clock, deadline, budget))
        except _RedisDown as exc:
            self._mark_down(node, exc)
            return fetch()
        self._mark_up(node)
        if token is not None:
            return token
        stopped = threading.Event()
        keeper = threading.Thread(
            target=self._keep_lock, args=(client, key, owner, stopped), name="atomic-sdk-lock-keeper", daemon=True
        )
        keeper.start()
        # A 429 the fetch waits out before its next attempt is published at once: other processes then know
        # the endpoint's deadline (and a caller that cannot wait that long fails at once, with retry_after).
        listening = _rate_limit_listener.set(lambda delay: self._publish_backoff(client, key, node, delay))
        try:
            try:
                token = fetch()
            except TokenRateLimitedError as exc:
                # Published before the lock goes, so no process slips in between.
                self._publish_backoff(client, key, node, exc.retry_after)
                raise
            try:
                return self._store(client, key, token, clock, owner)
            except _RedisDown as exc:
                self._mark_down(node, exc)
                return token
        finally:
            _rate_limit_listener.reset(listening)
            stopped.set()
            keeper.join(timeout=1.0)
            try:
                self._call(client.eval, _RELEASE_LOCK, 1, self._lock_key(key), owner)
            except _RedisDown as exc:
                # The lock expires by itself after lock_ttl.
                self._mark_down(node, exc)

    def _keep_lock(self, client: Any, key: str, owner: str, stopped: threading.Event) -> None:
        """Renew the fetch lock every third of its TTL until ``stopped`` (the fetch ended), from a daemon thread.

        A live owner keeps the lock however slow the token endpoint is; a dead one (the process is gone,
        thread included) stops renewing, so the lock expires at most ``lock_ttl`` later.
        """
        while not stopped.wait(self._renew_interval):
            try:
                client.eval(_RENEW_LOCK, 1, self._lock_key(key), owner, self._lock_ttl_ms)
            except self._redis_errors as exc:
                logger.debug("could not renew the token fetch lock on %s (%s)", self._target, type(exc).__name__)

    def _backoff_past(self, key: str, deadline: float, bound: float) -> WaitRateLimitedError | None:
        """For a thread or task of this process waiting on its leader: the 429 wait the leader published if it
        ends after ``deadline`` (the waiter fails now, as a waiter in another process would), else None."""
        until = self._backoff_until.get(key)
        if until is None or until <= deadline:
            return None
        return self._rate_limited(int((until - time.monotonic()) * 1000), bound)

    def _publish_backoff(self, client: Any, key: str, node: str, seconds: float | None) -> None:
        try:
            self._run(self._publish_steps(client, key, seconds))
        except _RedisDown as down:
            self._mark_down(node, down)

    def discard(self, key: str, token: AccessToken) -> None:
        self._local.discard(key, token)
        reachable = self._reachable(key, self._sync)
        if reachable is None:
            return
        client, node = reachable
        fingerprint = self._sealer(key).fingerprint(token.value)
        try:
            self._call(client.eval, _DISCARD_TOKEN, 1, self._token_key(key), fingerprint)
        except _RedisDown as exc:
            self._mark_down(node, exc)

    def close(self) -> None:
        """Close the sync client (one built from ``url``; a client passed in stays open)."""
        if self._client is not None and self._close_client is not None:
            self._close_client(self._client)

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
            raise self._outage(exc) from exc

    async def aget_or_fetch(self, key: str, fetch: AsyncFetch, clock: Clock) -> AccessToken:
        token = self._local.peek(key, clock)
        if token is not None:
            return token
        return await self._local.aget_or_fetch(key, self._bounded(key, fetch, clock, self._ashared_fetch), clock)

    async def _ashared_fetch(
        self, key: str, fetch: AsyncFetch, clock: Clock, deadline: float, budget: float
    ) -> AccessToken:
        reachable = self._reachable(key, self._aclient)
        if reachable is None:
            return await fetch()
        client, node = reachable
        try:
            token, owner = await self._arun(self._wait_or_lock_steps(client, key, clock, deadline, budget))
        except _RedisDown as exc:
            # A Cluster client learns its slots on its first command: name the node it turned out to be.
            node = self._node(key, client) if node.startswith("slot ") else node
            self._mark_down(node, exc)
            return await fetch()
        node = self._node(key, client)
        self._mark_up(node)
        if token is not None:
            return token
        loop = asyncio.get_running_loop()
        keeper = loop.create_task(self._akeep_lock(client, key, owner))
        publishing: set[asyncio.Task[None]] = set()

        def published_soon(delay: float) -> None:
            # Called from the fetch's sync code on this loop: publish without blocking it.
            task = loop.create_task(self._apublish_backoff(client, key, node, delay))
            publishing.add(task)
            task.add_done_callback(publishing.discard)

        listening = _rate_limit_listener.set(published_soon)
        try:
            try:
                token = await fetch()
            except TokenRateLimitedError as exc:
                await self._apublish_backoff(client, key, node, exc.retry_after)
                raise
            try:
                return await self._arun(self._store_steps(client, key, token, clock, owner))
            except _RedisDown as exc:
                self._mark_down(node, exc)
                return token
        finally:
            _rate_limit_listener.reset(listening)
            keeper.cancel()
            try:
                await self._acall(client.eval(_RELEASE_LOCK, 1, self._lock_key(key), owner))
            except _RedisDown as exc:
                self._mark_down(node, exc)

    async def _apublish_backoff(self, client: Any, key: str, node: str, seconds: float | None) -> None:
        try:
            await self._arun(self._publish_steps(client, key, seconds))
        except _RedisDown as down:
            self._mark_down(node, down)

    async def _akeep_lock(self, client: Any, key: str, owner: str) -> None:
        """Renew the fetch lock every third of its TTL until cancelled (the fetch ended)."""
        while True:
            await asyncio.sleep(self._renew_interval)
            try:
                await client.eval(_RENEW_LOCK, 1, self._lock_key(key), owner, self._lock_ttl_ms)
            except self._redis_errors as exc:
                logger.debug("could not renew the token fetch lock on %s (%s)", self._target, type(exc).__name__)

    async def adiscard(self, key: str, token: AccessToken) -> None:
        self._local.discard(key, token)
        reachable = self._reachable(key, self._aclient)
        if reachable is None:
            return
        client, node = reachable
        fingerprint = self._sealer(key).fingerprint(token.value)
        try:
            await self._acall(client.eval(_DISCARD_TOKEN, 1, self._token_key(key), fingerprint))
        except _RedisDown as exc:
            self._mark_down(node, exc)

    async def aclose(self) -> None:
        """Close this event loop's async client (one built from ``url``; clients passed in stay open)."""
        if self._async_clients is not None:
            await self._async_clients.aclose_current()


def _check_seconds(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ConfigurationError(f"{name} must be a positive number of seconds, got {value!r}")
