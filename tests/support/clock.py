"""Injected time for tests: a clock that moves only when told, and sleeps that never wait."""

from __future__ import annotations

import threading


class FakeClock:
    """Injected ``clock`` (seconds since the epoch) that only moves when told; safe to read from threads."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    @property
    def now(self) -> float:
        with self._lock:
            return self._now

    @now.setter
    def now(self, value: float) -> None:
        with self._lock:
            self._now = value

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


class SleepRecorder:
    """Injected ``sleep``/``async_sleep``: records the waits, never waits, optionally moves a clock."""

    def __init__(self, clock: FakeClock | None = None) -> None:
        self.waits: list[float] = []
        self._clock = clock

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self._clock is not None:
            self._clock.advance(seconds)

    async def async_sleep(self, seconds: float) -> None:
        self(seconds)
