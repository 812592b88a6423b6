"""Where access tokens live between requests: the TokenCache seam and the default in-process cache."""

# Annotations stay strings: asyncio and concurrent.futures are imported only when a token is fetched
# or waited for (see _aio), not by every ``import atomic_sdk``.
from __future__ import annotations

import abc
import contextvars
import hashlib
import logging
import os
import threading
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Generic, TypeVar

from attrs import frozen

from .._errors import SyncCallInEventLoopError, TokenRateLimitedError, TokenRequestError
from .._options import Clock

if TYPE_CHECKING:
    import asyncio
    from concurrent.futures import Future

    from .._credentials import Credentials

logger = logging.getLogger("atomic_sdk")

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


# How long a caller waits for a token fetch run by someone else (another thread or task) when its fetch
# callable does not say (TokenProvider's say: the client's timeout).
DEFAULT_WAIT_TIMEOUT = 30.0

R = TypeVar("R")


class BoundedFetch(Generic[R]):
    """A fetch callable that carries ``wait_timeout``: how long its caller may wait for someone else's fetch.

    TokenProvider builds one per credential (once, not per call) with the client's timeout, so a cache can
    bound its waits without a change to the ``get_or_fetch`` signature.
    """

    __slots__ = ("_fn", "give_up", "wait_timeout")

    def __init__(
        self,
        fn: Callable[[], R],
        wait_timeout: float,
        give_up: Callable[[float], BaseException | None] | None = None,
    ) -> None:
        self._fn = fn
        self.wait_timeout = wait_timeout
        # Asked while waiting, with the waiter's deadline: an error to end the wait now (e.g. the token
        # endpoint's Retry-After outlasts the deadline), or None to keep waiting.
        self.give_up = give_up

    def __call__(self) -> R:
        return self._fn()


def wait_timeout_of(fetch: object) -> float:
    """Seconds a cache may wait for another fetch on behalf of the caller that passed ``fetch``."""
    value = getattr(fetch, "wait_timeout", None)
    return float(value) if isinstance(value, (int, float)) and value > 0 else DEFAULT_WAIT_TIMEOUT


# Set by a cache around the fetch it runs (RedisTokenCache publishes the backoff for the whole fleet).
_rate_limit_listener: contextvars.ContextVar[Callable[[float], None] | None] = contextvars.ContextVar(
    "atomic_sdk_rate_limit_listener", default=None
)


def report_rate_limited(delay: float) -> None:
    """Called by a token fetch that got a 429 and waits ``delay`` seconds (Retry-After or its backoff) before
    its next attempt; the cache running that fetch may tell other processes (RedisTokenCache does). Never raises.
    """
    listener = _rate_limit_listener.get()
    if listener is None:
        return
    try:
        listener(delay)
    except Exception:  # a cache's bookkeeping must never fail the fetch
        logger.debug("reporting a token endpoint backoff to the cache failed", exc_info=True)


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
    way, or when the refresh failed: stale-while-error), otherwise calls ``fetch`` (at most once per call);
    it lets ``fetch``'s errors propagate when it has no unexpired token. A wait for someone else's fetch
    should be bounded by ``fetch.wait_timeout`` when present (the calling client's timeout). The default,
    ``InMemoryTokenCache``, shares tokens between the threads and asyncio tasks of one process;
    ``RedisTokenCache`` shares them between processes.

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
        """Release the synchronous connections the cache holds (it reconnects on next use)."""

    async def aclose(self) -> None:
        """Release the async connections of the running event loop (none by default).

        An ``AtomicClient`` calls ``close()`` from its own ``close()`` and ``aclose()`` from its ``aclose()``;
        its context managers call both.
        """


# While a holder is alive, a waiter checks this often whether the fetch finished or its holder went away.
_POLL_INTERVAL = 0.05
# After a refresh ahead of expiry failed, the cached token is used for this long (at most half its remaining
# life) before the next refresh attempt, so a failing token endpoint is not hit on every API call.
REFRESH_RETRY = 5.0


class _Abandoned(Exception):
    """The holder of a fetch went away without a result; waiters claim the fetch again."""


class GaveUpWaiting(Exception):
    """Mixin of the errors a caller raises when *its own* wait bound ran out (not when a fetch failed).

    A caller's deadline is its own: when the thread or task running a key's fetch raises one of these, the
    callers waiting for it are not failed with it; each claims the fetch again and waits on its own bound.
    """


class WaitTimeoutError(TokenRequestError, GaveUpWaiting):
    """A caller waited as long as its bound allows for another caller's token request, which is still running."""


class WaitRateLimitedError(TokenRateLimitedError, GaveUpWaiting):
    """The fleet is backing off (a published 429 Retry-After) past this caller's wait bound."""


class _Holder:
    """Who runs a fetch: a thread (sync) or a task on an event loop (async)."""

    __slots__ = ("loop", "task", "thread")

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.thread = threading.current_thread()
        self.loop = loop
        self.task: asyncio.Task[None] | None = None

    def gone(self) -> bool:
        """True when the fetch can no longer finish: its loop is closed or stopped, its task or thread ended."""
        loop = self.loop
        if loop is None:
            return not self.thread.is_alive()
        if loop.is_closed() or not loop.is_running():
            return True
        task = self.task
        return task is not None and task.done()

    def __str__(self) -> str:
        if self.loop is None:
            return f"thread {self.thread.name!r}"
        return f"an asyncio task on the event loop of thread {self.thread.name!r}"


class _Flight:
    """One fetch under way: its result, who runs it, and the token it refreshes (if any)."""

    __slots__ = ("future", "holder", "own_error", "refreshing")

    def __init__(self, holder: _Holder, refreshing: AccessToken | None) -> None:
        # A fetch happens once per key and token lifetime: the import is off the hot path.
        from concurrent.futures import Future

        self.future: Future[AccessToken] = Future()
        # RUNNING futures cannot be cancelled, so one cancelled asyncio waiter cannot fail the others.
        self.future.set_running_or_notify_cancel()
        self.holder = holder
        self.refreshing = refreshing
        # Set when the fetching caller gave up on its own bound: raised to that caller only.
        self.own_error: BaseException | None = None


class _Slot:
    """Cache state of one key; ``lock`` is held only to read or swap state, never during a fetch."""

    __slots__ = ("inflight", "lock", "retry_refresh_at", "token", "warned_for")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.token: AccessToken | None = None
        self.inflight: _Flight | None = None
        # Stale-while-error: no new refresh attempt before this time; the failure was logged for this token.
        self.retry_refresh_at = 0.0
        self.warned_for: AccessToken | None = None


_in_memory_caches: weakref.WeakSet[InMemoryTokenCache] = weakref.WeakSet()


def _reset_after_fork() -> None:
    for cache in list(_in_memory_caches):
        cache._after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


class InMemoryTokenCache(TokenCache):
    """The default cache: tokens in this process's memory, one fetch per key at a time.

    Threads and asyncio tasks (on any number of event loops) that need the same key while it is being
    fetched wait for that one fetch, for at most the client's timeout; when the fetching thread or task is
    gone (its loop closed, the task cancelled, the thread ended) a waiter takes the fetch over. A token past
    ``refresh_at`` but not yet expired is still handed out while the refresh runs, and when the refresh
    fails (stale-while-error, one WARNING); only an expired token makes a call fail.
    """

    def __init__(self) -> None:
        self._slots: dict[str, _Slot] = {}
        self._lock = threading.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        _in_memory_caches.add(self)

    def _after_fork(self) -> None:
        # In a child process only the forking thread exists: a lock another thread held stays held for ever,
        # and a fetch it ran never finishes. New locks, no fetch in flight; the tokens themselves stay valid.
        self._lock = threading.Lock()
        self._tasks = set()
        for slot in self._slots.values():
            slot.lock = threading.Lock()
            slot.inflight = None

    def __repr__(self) -> str:
        return f"InMemoryTokenCache(keys={len(self._slots)})"

    def peek(self, key: str, clock: Clock) -> AccessToken | None:
        """The cached token for ``key`` if it needs no refresh yet; no locking, no fetch."""
        # The hot path: a dict read is atomic, slots are never removed, and tokens are immutable and swapped
        # by a single attribute store.
        slot = self._slots.get(key)
        if slot is None:
            return None
        current = slot.token
        return current if current is not None and clock() < current.refresh_at else None

    def _slot(self, key: str) -> _Slot:
        # Slots are never removed, so one found needs no lock (as in peek).
        slot = self._slots.get(key)
        if slot is not None:
            return slot
        with self._lock:
            slot = self._slots.get(key)
            if slot is None:
                slot = self._slots[key] = _Slot()
            return slot

    def _claim(
        self, slot: _Slot, clock: Clock, loop: asyncio.AbstractEventLoop | None
    ) -> tuple[AccessToken | None, _Flight | None, bool]:
        """(usable token, or the fetch to wait for and whether this caller must run it)."""
        with slot.lock:
            now = clock()
            current = slot.token
            if current is not None and now < current.refresh_at:
                return current, None, False
            usable = current is not None and now < current.expires_at
            if usable and now < slot.retry_refresh_at:
                # The last refresh failed moments ago; keep using the token before trying again.
                return current, None, False
            flight = slot.inflight
            if flight is not None and flight.holder.gone():
                logger.warning(
                    "a token request started by %s was abandoned (its event loop closed or stopped, its task "
                    "ended, or its thread is gone); requesting the token again",
                    flight.holder,
                )
                slot.inflight = None
                _settle(flight.future, _Abandoned())
                flight = None
            if flight is not None:
                # Someone is already refreshing; a token that has not expired yet is still good meanwhile.
                if usable:
                    return current, None, False
                return None, flight, False
            flight = slot.inflight = _Flight(_Holder(loop), current if usable else None)
            return None, flight, True

    def _succeeded(self, slot: _Slot, flight: _Flight, token: AccessToken) -> None:
        with slot.lock:
            if slot.inflight is flight:
                slot.inflight = None
            slot.token = token
            slot.retry_refresh_at = 0.0
            slot.warned_for = None
        _settle(flight.future, token)

    def _failed(self, slot: _Slot, flight: _Flight, exc: BaseException, clock: Clock) -> AccessToken | None:
        """Settle a failed fetch; returns the still-valid token to use instead (stale-while-error), if any."""
        with slot.lock:
            if slot.inflight is flight:
                slot.inflight = None
            if not isinstance(exc, Exception):
                # Interrupts and cancellations belong to the fetching caller: its waiters take the fetch over.
                _settle(flight.future, _Abandoned())
                return None
            now = clock()
            stale = flight.refreshing
            if stale is None or slot.token is not stale or now >= stale.expires_at:
                if isinstance(exc, GaveUpWaiting):
                    # The fetching caller's own wait bound ran out: its waiters are not failed with it, each
                    # takes the fetch over with its own deadline (a shared deadline would fail them all).
                    flight.own_error = exc
                    _settle(flight.future, _Abandoned())
                else:
                    _settle(flight.future, exc)
                return None
            slot.retry_refresh_at = now + min(REFRESH_RETRY, (stale.expires_at - now) / 2)
            first = slot.warned_for is not stale
            slot.warned_for = stale
        if first:
            logger.warning(
                "refreshing an access token ahead of expiry failed (%s); using the cached token, valid for "
                "%.0f s more, and retrying the refresh meanwhile",
                exc,
                stale.expires_at - now,
            )
        else:
            logger.debug("refreshing an access token failed again (%s); still using the cached token", exc)
        _settle(flight.future, stale)
        return stale

    # -- sync --------------------------------------------------------------------------------------

    def get_or_fetch(self, key: str, fetch: Fetch, clock: Clock) -> AccessToken:
        # peek, written out: every AtomicClient request with a cached token comes here, and a call costs.
        slot = self._slots.get(key)
        if slot is not None:
            current = slot.token
            if current is not None and clock() < current.refresh_at:
                return current
        else:
            slot = self._slot(key)
        deadline = time.monotonic() + wait_timeout_of(fetch)
        while True:
            current, flight, owner = self._claim(slot, clock, None)
            if current is not None:
                return current
            assert flight is not None
            if owner:
                # A call of its own: every local here is paid for by the hot path's frame.
                return self._run_sync_fetch(slot, flight, fetch, clock)
            _refuse_waiting_on_own_loop(flight)
            token = self._wait(flight, deadline, fetch)
            if token is not None:
                return token

    def _run_sync_fetch(self, slot: _Slot, flight: _Flight, fetch: Fetch, clock: Clock) -> AccessToken:
        try:
            token = fetch()
        except BaseException as exc:
            stale = self._failed(slot, flight, exc, clock)
            if stale is None:
                raise
            return stale
        self._succeeded(slot, flight, token)
        return token

    @staticmethod
    def _wait(flight: _Flight, deadline: float, fetch: object) -> AccessToken | None:
        """The fetch's token; None when its holder went away (claim again); its error; or a timeout error."""
        from concurrent.futures import TimeoutError as FutureTimeout

        while True:
            timeout = _poll_timeout(flight, deadline, fetch)
            try:
                return flight.future.result(timeout=timeout)
            except _Abandoned:
                return None
            except FutureTimeout:
                # A holder that settled the fetch and then ended left its outcome: the next pass reads it.
                if flight.holder.gone() and not flight.future.done():
                    return None

    # -- async -------------------------------------------------------------------------------------

    async def aget_or_fetch(self, key: str, fetch: AsyncFetch, clock: Clock) -> AccessToken:
        current = self.peek(key, clock)
        if current is not None:
            return current
        slot = self._slot(key)

        import asyncio  # loaded by now in any async program; here only to keep it off `import atomic_sdk`

        loop = asyncio.get_running_loop()
        deadline: float | None = None
        while True:
            current, flight, owner = self._claim(slot, clock, loop)
            if current is not None:
                return current
            assert flight is not None
            if owner:
                # The fetch runs as its own task so cancelling this caller does not strand the other waiters.
                task = loop.create_task(self._run_async_fetch(slot, flight, fetch, clock))
                flight.holder.task = task
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            elif deadline is None:
                # A waiter's bound starts when it first waits (its own fetch, abandoned, may have run before).
                deadline = time.monotonic() + wait_timeout_of(fetch)
            # The fetching caller waits on no bound beyond its fetch's own (timeouts, attempts).
            token = await _await_flight(flight, None if owner else deadline, fetch)
            if token is not None:
                return token
            if owner and flight.own_error is not None:
                raise flight.own_error

    async def _run_async_fetch(self, slot: _Slot, flight: _Flight, fetch: AsyncFetch, clock: Clock) -> None:
        try:
            token = await fetch()
        except BaseException as exc:
            self._failed(slot, flight, exc, clock)
            if not isinstance(exc, Exception):
                raise
            return
        self._succeeded(slot, flight, token)

    def discard(self, key: str, token: AccessToken) -> None:
        slot = self._slots.get(key)
        if slot is None:
            return
        with slot.lock:
            if slot.token is token:
                slot.token = None


async def _await_flight(flight: _Flight, deadline: float | None, fetch: object) -> AccessToken | None:
    """Async ``_wait``: never blocks the loop; ``deadline`` None waits for as long as the fetch runs."""
    import asyncio

    waiter = asyncio.wrap_future(flight.future)
    try:
        while True:
            done, _ = await asyncio.wait({waiter}, timeout=_poll_timeout(flight, deadline, fetch))
            if not done:
                if not flight.holder.gone():
                    continue
                if not flight.future.done():
                    return None
                # A holder task that failed and ended in this very turn has settled the shared future, but its
                # outcome has not reached the wrapper yet: read it there (the wrapper is cancelled below).
            try:
                # The wrapper's own result when it has one: an exception left unread is logged when it is freed.
                return (waiter if done else flight.future).result()
            except _Abandoned:
                return None
    finally:
        if not waiter.done():
            # Cancels only this wrapper; the shared (RUNNING) future cannot be cancelled.
            waiter.cancel()


def _settle(future: Future[AccessToken], outcome: AccessToken | BaseException) -> None:
    # A flight taken over from a vanished holder may be settled twice; the first outcome stands.
    from concurrent.futures import InvalidStateError

    try:
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)
    except InvalidStateError:
        pass


def _refuse_waiting_on_own_loop(flight: _Flight) -> None:
    if flight.holder.loop is None:
        return  # a thread fetches: waiting for it cannot block it
    import asyncio  # loaded already: the holder runs on an event loop

    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        return
    if flight.holder.loop is running:
        raise SyncCallInEventLoopError(
            "a synchronous AtomicClient call on the thread of a running event loop needs a token that a task "
            "of that same loop is fetching; waiting would block the loop and hang for ever. In async code use "
            "the async API (await list_cards.asyncio(...)), or move the sync call to a worker thread "
            "(await asyncio.to_thread(...))"
        )


def _poll_timeout(flight: _Flight, deadline: float | None, fetch: object) -> float:
    """How long to wait for ``flight`` before checking on its holder; raises when the waiter must stop waiting
    (its deadline passed, or the fetch's ``give_up`` says so)."""
    if deadline is None:
        return _POLL_INTERVAL
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TokenRequestError(
            f"gave up after waiting {wait_timeout_of(fetch):g} s (the client's timeout) for a token request "
            f"started by {flight.holder} to finish; the token endpoint may be slow or stuck: check it, or raise "
            "the client's timeout"
        )
    give_up = getattr(fetch, "give_up", None)
    exc = give_up(deadline) if give_up is not None else None
    if exc is not None:
        raise exc
    return min(_POLL_INTERVAL, remaining)
