"""One async resource (an httpx.AsyncClient, a redis.asyncio client) per event loop.

Async connections belong to the event loop that opened them: reusing them from another loop fails
(``Event loop is closed``, or httpcore's pool state corrupted by two loops at once). So each loop gets its
own resource, built on first use in that loop and closed

- when the loop shuts down through ``asyncio.run`` / ``asyncio.Runner`` (an async generator started in the
  loop is finalised by the loop's ``shutdown_asyncgens``, which awaits the close while the loop still runs);
- by ``aclose_current()`` (the owner's ``aclose()``), for the loop it runs on;
- or dropped once its loop is found closed (a loop closed without ``shutdown_asyncgens`` can no longer
  run a close; dropping our reference lets its sockets be freed instead of keeping them for ever).
"""

# Annotations stay strings: asyncio is imported on first async use (see _aio), not by `import atomic_sdk`.
from __future__ import annotations

import logging
import sys
import threading
import weakref
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    import asyncio

logger = logging.getLogger("atomic_sdk")

T = TypeVar("T")


class _Entry(Generic[T]):
    __slots__ = ("lifetime", "resource")

    def __init__(self, resource: T, lifetime: AsyncGenerator[None, None] | None) -> None:
        self.resource = resource
        self.lifetime = lifetime


class LoopLocal(Generic[T]):
    """A lazily built ``T`` per running event loop; thread-safe."""

    def __init__(self, factory: Callable[[], T], close: Callable[[T], Awaitable[None]], what: str) -> None:
        self._factory = factory
        self._close = close
        self._what = what
        # Weak keys: a loop nobody references any more takes its entry with it (when the resource holds no
        # connection, which would reference the loop); closed loops are pruned explicitly.
        self._entries: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Entry[T]] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            self._prune()
            return len(self._entries)

    def get(self) -> T:
        """This loop's resource, built now if it has none. Must be called from code running on a loop."""
        import asyncio  # loaded by now in any async program; here only to keep it off `import atomic_sdk`

        loop = asyncio.get_running_loop()
        entry = self._entries.get(loop)
        if entry is not None:
            return entry.resource
        with self._lock:
            entry = self._entries.get(loop)
            if entry is None:
                self._prune()
                resource = self._factory()
                entry = self._entries[loop] = _Entry(resource, None)
                entry.lifetime = self._watch(loop, entry)
        return entry.resource

    def _prune(self) -> None:
        for loop in [loop for loop in self._entries if loop.is_closed()]:
            # Nothing can await a close on a closed loop; the resource's sockets are freed with it.
            del self._entries[loop]
            logger.debug("dropped the %s of a closed event loop", self._what)

    def _watch(self, loop: asyncio.AbstractEventLoop, entry: _Entry[T]) -> AsyncGenerator[None, None] | None:
        """Start an async generator on ``loop`` whose finalisation (loop shutdown) closes the resource."""
        if sys.get_asyncgen_hooks().firstiter is None:
            # A loop without asyncgen hooks would not finalise it: closing is left to aclose() and pruning.
            return None
        lifetime = self._lifetime(loop, entry)
        step = lifetime.__anext__()  # registers the generator with the running loop's asyncgen hooks
        try:
            step.send(None)  # runs to the first ``yield`` without suspending
        except StopIteration:
            return lifetime
        raise RuntimeError("loop-local lifetime generator suspended")  # pragma: no cover - cannot happen

    async def _lifetime(self, loop: asyncio.AbstractEventLoop, entry: _Entry[T]) -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            with self._lock:
                if self._entries.get(loop) is entry:
                    del self._entries[loop]
            await self._close_quietly(entry.resource)

    async def _close_quietly(self, resource: T) -> None:
        try:
            await self._close(resource)
        except Exception as exc:  # noqa: BLE001 - closing must not fail a shutdown; nothing is lost
            logger.debug("closing the %s failed: %s", self._what, type(exc).__name__)

    async def aclose_current(self) -> None:
        """Close the running loop's resource (if any) and forget closed loops' ones."""
        import asyncio

        loop = asyncio.get_running_loop()
        with self._lock:
            entry = self._entries.pop(loop, None)
            self._prune()
        if entry is None:
            return
        if entry.lifetime is not None:
            await entry.lifetime.aclose()  # its finally closes the resource
        else:
            await self._close_quietly(entry.resource)

    def release_all(self) -> None:
        """From sync code: close what can be closed without awaiting, forget everything.

        Resources of loops that still run are closed on their own loop (scheduled thread-safely); those of
        closed loops are dropped.
        """
        with self._lock:
            entries = list(self._entries.items())
            self._entries.clear()
        for loop, entry in entries:
            if loop.is_closed() or entry.lifetime is None:
                continue
            try:
                loop.call_soon_threadsafe(_schedule_aclose, loop, entry.lifetime)
            except RuntimeError:
                pass  # closed meanwhile


_pending: set[asyncio.Task[None]] = set()


async def _aclose(lifetime: AsyncGenerator[None, None]) -> None:
    await lifetime.aclose()


def _schedule_aclose(loop: asyncio.AbstractEventLoop, lifetime: AsyncGenerator[None, None]) -> None:
    task = loop.create_task(_aclose(lifetime))
    _pending.add(task)
    task.add_done_callback(_pending.discard)
