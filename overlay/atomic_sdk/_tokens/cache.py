"""Where access tokens live between requests: the TokenCache seam and the default in-process cache."""

# Annotations stay strings: asyncio and concurrent.futures are imported only when a token is fetched
# (see _aio), not by every ``import atomic_sdk``.
from __future__ import annotations

import abc
import hashlib
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from attrs import frozen

from .._errors import TokenRequestError

if TYPE_CHECKING:
    import asyncio
    from concurrent.futures import Future

    from .._credentials import Credentials

Clock = Callable[[], float]
Fetch = Callable[[], "AccessToken"]
AsyncFetch = Callable[[], Awaitable["AccessToken"]]


@frozen(repr=False)
class AccessToken:
    """A bearer token and when to stop using it (``clock`` seconds). Its value is never shown.

    ``refresh_at`` is when a new token should be fetched (expiry minus the leeway); the token stays
    usable until ``expires_at`` while that fetch runs.
    """

    value: str
    expires_at: float
    refresh_at: float

    def __repr__(self) -> str:
        return f"AccessToken(value=***, expires_at={self.expires_at}, refresh_at={self.refresh_at})"

    __str__ = __repr__


def token_cache_key(client_id: str, token_url: str) -> str:
    """The cache key of a credential: a SHA-256 of its client id and token URL (never the secret).

    The same id at two token endpoints gets two keys; the key reveals neither input.
    """
    return hashlib.sha256(f"{token_url}\n{client_id}".encode()).hexdigest()


class TokenCache(abc.ABC):
    """Stores access tokens per key and decides who fetches a missing or expiring one.

    ``TokenProvider`` calls ``get_or_fetch`` on every request; ``fetch`` requests a new token from the
    token endpoint and raises ``TokenRequestError`` on failure. An implementation returns a token that has
    not expired (``expires_at`` after ``clock()``; one past ``refresh_at`` only while a refresh is under
    way), otherwise calls ``fetch`` (at most once per call); it lets ``fetch``'s errors propagate. The default, ``InMemoryTokenCache``, shares tokens between the
    threads and asyncio tasks of one process; ``RedisTokenCache`` shares them between processes.

    Keys come from ``token_cache_key`` and never contain secrets.
    """

    @abc.abstractmethod
    def get_or_fetch(self, key: str, fetch: Fetch, clock: Clock) -> AccessToken:
        """A usable token for ``key``, calling ``fetch`` (blocking) when there is none."""

    @abc.abstractmethod
    async def aget_or_fetch(self, key: str, fetch: AsyncFetch, clock: Clock) -> AccessToken:
        """A usable token for ``key``, awaiting ``fetch`` when there is none; never blocks the loop."""

    @abc.abstractmethod
    def discard(self, key: str, token: AccessToken) -> None:
        """Forget ``token`` (the API rejected it) unless the cache already holds a newer one."""

    async def adiscard(self, key: str, token: AccessToken) -> None:
        """``discard`` for async callers; override when discarding does I/O."""
        self.discard(key, token)

    def bind_credentials(self, key: str, credentials: Credentials) -> None:
        """Called by ``TokenProvider`` once per key before that key is used (again if its secret changes).

        A cache that stores tokens outside the process can derive a key from the credentials' secret
        to encrypt them at rest (``RedisTokenCache`` does). The default does nothing.
        """

    def close(self) -> None:
        """Release connections the cache holds (it reconnects on next use)."""

    async def aclose(self) -> None:
        """Release connections, async ones included."""
        self.close()


class _Slot:
    """Cache state of one key; ``lock`` is held only to read or swap state, never during a fetch."""

    __slots__ = ("inflight", "lock", "token")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.token: AccessToken | None = None
        self.inflight: Future[AccessToken] | None = None


class InMemoryTokenCache(TokenCache):
    """The default cache: tokens in this process's memory, one fetch per key at a time.

    Threads and asyncio tasks (on any number of event loops) that need the same key while it is being
    fetched wait for that one fetch. A token past ``refresh_at`` but not yet expired is still handed out
    while the refresh runs, so requests do not stall at refresh time.
    """

    def __init__(self) -> None:
        self._slots: dict[str, _Slot] = {}
        self._lock = threading.Lock()
        self._tasks: set[asyncio.Task[None]] = set()

    def __repr__(self) -> str:
        return f"InMemoryTokenCache(keys={len(self._slots)})"

    def _slot(self, key: str) -> _Slot:
        # Hot path: a dict read is atomic, and slots are never removed, so no lock is needed to find one.
        slot = self._slots.get(key)
        if slot is not None:
            return slot
        with self._lock:
            slot = self._slots.get(key)
            if slot is None:
                slot = self._slots[key] = _Slot()
            return slot

    def _claim(self, slot: _Slot, clock: Clock) -> tuple[AccessToken | None, Future[AccessToken] | None, bool]:
        """(usable token, or the fetch to wait for and whether this caller must run it)."""
        # Hot path without the lock: tokens are immutable and swapped by a single attribute store.
        current = slot.token
        if current is not None and clock() < current.refresh_at:
            return current, None, False
        with slot.lock:
            now = clock()
            current = slot.token
            if current is not None and now < current.refresh_at:
                return current, None, False
            if slot.inflight is not None:
                # Someone is already refreshing; a token that has not expired yet is still good meanwhile.
                if current is not None and now < current.expires_at:
                    return current, None, False
                return None, slot.inflight, False
            # A fetch happens once per key and token lifetime: the import is off the hot path.
            from concurrent.futures import Future

            future: Future[AccessToken] = Future()
            # RUNNING futures cannot be cancelled, so one cancelled asyncio waiter cannot fail the others.
            future.set_running_or_notify_cancel()
            slot.inflight = future
            return None, future, True

    @staticmethod
    def _publish(
        slot: _Slot, future: Future[AccessToken], token: AccessToken | None, exc: BaseException | None
    ) -> None:
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

    def get_or_fetch(self, key: str, fetch: Fetch, clock: Clock) -> AccessToken:
        slot = self._slot(key)
        current, future, owner = self._claim(slot, clock)
        if current is not None:
            return current
        assert future is not None
        if owner:
            try:
                token = fetch()
            except BaseException as exc:
                self._publish(slot, future, None, exc)
                raise
            self._publish(slot, future, token, None)
        return future.result()

    async def aget_or_fetch(self, key: str, fetch: AsyncFetch, clock: Clock) -> AccessToken:
        slot = self._slot(key)
        current, future, owner = self._claim(slot, clock)
        if current is not None:
            return current
        assert future is not None
        import asyncio  # loaded by now in any async program; here only to keep it off `import atomic_sdk`

        if owner:
            # The fetch runs as its own task so cancelling this caller does not strand the other waiters.
            task = asyncio.get_running_loop().create_task(self._run_async_fetch(slot, future, fetch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await asyncio.wrap_future(future)

    async def _run_async_fetch(self, slot: _Slot, future: Future[AccessToken], fetch: AsyncFetch) -> None:
        try:
            token = await fetch()
        except BaseException as exc:
            self._publish(slot, future, None, exc)
            if not isinstance(exc, Exception):
                raise
            return
        self._publish(slot, future, token, None)

    def discard(self, key: str, token: AccessToken) -> None:
        slot = self._slots.get(key)
        if slot is None:
            return
        with slot.lock:
            if slot.token is token:
                slot.token = None
