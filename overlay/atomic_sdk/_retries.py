"""The one retry policy, for API and token requests alike, and the loop that applies it around a send.

- ``max_retries`` counts retries, not attempts (0: one attempt).
- Retried statuses: 429, 502, 503 and 504. Retried failures: a connection that could not be made (any
  request), and one that broke after the request went out (read, write, protocol errors) only for a request
  that is safe to repeat: an idempotent method, or one marked safe (a token request: a second token is
  harmless). A read timeout is never retried: a slow server would make a call take (retries + 1) × timeout.
- A non-idempotent request is retried after a 429 (the server refused it unprocessed), never after a 5xx.
- The wait is the response's Retry-After (RFC 9110: seconds or an HTTP-date), else an exponential backoff
  (0.5 s, 1 s, 2 s, ... capped at 8 s) minus up to 25 % jitter. A Retry-After over ``max_retry_after`` is not
  waited out: the response goes back to the caller (``RateLimitedError`` / ``TokenRateLimitedError`` with
  the value), so a library call never blocks for minutes.

The loop sits above the auth flow: each attempt of a request goes through it (the cached token, or the one
fetched meanwhile), and the auth flow's replay after a 401 happens inside one attempt.
"""

import contextlib
import contextvars
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
from attrs import evolve, frozen

from . import _aio
from ._backend import HTTPX, HttpPackage, twin
from ._errors import request_id_of
from ._options import AsyncSleep, Clock, Sleep
from ._retry_after import parse_retry_after

logger = logging.getLogger("atomic_sdk")

DEFAULT_MAX_RETRIES = 2
RETRY_STATUSES = frozenset({429, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "PUT", "DELETE", "HEAD", "OPTIONS"})
BACKOFF_BASE = 0.5
MAX_BACKOFF = 8.0
MAX_RETRY_AFTER = 60.0

# Request extensions the loop reads and writes (httpx carries them on the request, untouched).
MAX_RETRIES_EXTENSION = "atomic_max_retries"  # a call's own max_retries
SAFE_TO_RETRY_EXTENSION = "atomic_safe_to_retry"  # a POST that may be repeated (the token request)
ATTEMPTS_EXTENSION = "atomic_attempts"  # how many attempts the request took (for errors)
LOG_NAME_EXTENSION = "atomic_log_name"  # what log lines call a request that is no API operation ("token")


@frozen
class RetryPolicy:
    """What is retried and how long to wait (see the module's docstring)."""

    max_retries: int = DEFAULT_MAX_RETRIES
    clock: Clock = time.time
    sleep: Sleep = time.sleep
    async_sleep: AsyncSleep = _aio.sleep
    jitter: Callable[[], float] = random.random
    backoff_base: float = BACKOFF_BASE
    max_backoff: float = MAX_BACKOFF
    max_retry_after: float = MAX_RETRY_AFTER
    http: HttpPackage = HTTPX  # whose exceptions are transport failures (httpx or httpx2)

    def with_max_retries(self, max_retries: int) -> "RetryPolicy":
        return self if max_retries == self.max_retries else evolve(self, max_retries=max_retries)

    def backoff(self, retry: int) -> float:
        """Wait before retry number ``retry`` (0-based): exponential, capped, minus up to 25 % jitter."""
        return min(self.max_backoff, self.backoff_base * 2.0**retry) * (1 - 0.25 * self.jitter())

    def retry_after(self, response: httpx.Response) -> float | None:
        """The response's Retry-After in seconds (None when absent or unreadable)."""
        return parse_retry_after(response.headers.get("retry-after"), self.clock())

    def wait_after_error(self, error: Exception, retry: int, *, safe: bool) -> float | None:
        """Seconds to wait before retry ``retry`` after a transport error; None to give up."""
        if isinstance(error, self.http.not_sent) or (safe and isinstance(error, self.http.maybe_sent)):
            return self.backoff(retry)
        return None

    def wait_after_response(self, response: httpx.Response, retry: int, *, safe: bool) -> float | None:
        """Seconds to wait before retry ``retry`` after ``response``; None to hand the response back."""
        status = response.status_code
        if status not in RETRY_STATUSES or not (safe or status == 429):
            return None
        retry_after = self.retry_after(response)
        if retry_after is None:
            return self.backoff(retry)
        return None if retry_after > self.max_retry_after else retry_after


class _Attempts:
    """One request's way through the policy: what is allowed, and the log lines of its attempts."""

    __slots__ = ("log", "max_retries", "on_wait", "policy", "request", "retry", "safe", "started")

    def __init__(
        self, request: httpx.Request, policy: RetryPolicy, on_wait: Callable[[httpx.Response, float], None] | None
    ) -> None:
        self.on_wait = on_wait
        extensions = request.extensions
        override = extensions.get(MAX_RETRIES_EXTENSION)
        self.request = request
        self.policy = policy
        self.max_retries = policy.max_retries if override is None else override
        self.safe = request.method in IDEMPOTENT_METHODS or extensions.get(SAFE_TO_RETRY_EXTENSION) is True
        self.log = logger.isEnabledFor(logging.INFO)
        self.retry = 0
        self.started = 0.0

    def begin(self) -> None:
        self.request.extensions[ATTEMPTS_EXTENSION] = self.retry + 1
        if self.log:
            self.started = time.perf_counter()

    def after_error(self, error: httpx.TransportError) -> float | None:
        if self.log:
            _log_attempt(self.request, self.retry + 1, self.started, error)
        if self.retry >= self.max_retries:
            return None
        wait = self.policy.wait_after_error(error, self.retry, safe=self.safe)
        if wait is not None:
            self._next(type(error).__name__, wait)
        return wait

    def after_response(self, response: httpx.Response) -> float | None:
        if self.log:
            _log_attempt(self.request, self.retry + 1, self.started, response)
        if self.retry >= self.max_retries or response.status_code not in RETRY_STATUSES:
            return None
        wait = self.policy.wait_after_response(response, self.retry, safe=self.safe)
        if wait is not None:
            if self.on_wait is not None:
                self.on_wait(response, wait)
            self._next(f"status {response.status_code}", wait)
        return wait

    def _next(self, reason: str, wait: float) -> None:
        self.retry += 1
        logger.debug(
            "retrying %s after %s in %.3f s (retry %d of %d)",
            _describe(self.request),
            reason,
            wait,
            self.retry,
            self.max_retries,
        )


def send_with_retries(
    send: Callable[[httpx.Request], httpx.Response],
    request: httpx.Request,
    policy: RetryPolicy,
    on_wait: Callable[[httpx.Response, float], None] | None = None,
) -> httpx.Response:
    """``send(request)`` until it succeeds or the policy gives up: the final response, or the last transport
    error raised (``request.extensions["atomic_attempts"]`` says how many attempts were made). ``on_wait`` hears
    of each response that will be retried and the wait before it (the token provider publishes a 429's)."""
    attempts = _Attempts(request, policy, on_wait)
    while True:
        attempts.begin()
        try:
            response = send(request)
        except policy.http.transport_error as exc:
            wait = attempts.after_error(exc)
            if wait is None:
                raise
        else:
            wait = attempts.after_response(response)
            if wait is None:
                return response
            response.close()
        policy.sleep(wait)


async def asend_with_retries(
    send: Callable[[httpx.Request], Awaitable[httpx.Response]],
    request: httpx.Request,
    policy: RetryPolicy,
    on_wait: Callable[[httpx.Response, float], None] | None = None,
) -> httpx.Response:
    """The async twin of ``send_with_retries`` (waits with the policy's ``async_sleep``)."""
    attempts = _Attempts(request, policy, on_wait)
    while True:
        attempts.begin()
        try:
            response = await send(request)
        except policy.http.transport_error as exc:
            wait = attempts.after_error(exc)
            if wait is None:
                raise
        else:
            wait = attempts.after_response(response)
            if wait is None:
                return response
            await response.aclose()
        await policy.async_sleep(wait)


# -- one deadline per attempt ------------------------------------------------------------------------------
#
# httpx applies a timeout to each read, so a server sending a byte at a time keeps a request alive for as long
# as it likes. Each attempt gets the largest part of its timeout as a deadline for all of it: the body is
# read against that deadline, and on asyncio the whole attempt (status line and headers too) is cancelled
# when it passes. A synchronous read cannot be interrupted: there the SDK's transport (_transport) cuts each
# connect, read and write to the time left before ATTEMPT_DEADLINE, which the attempt sets.

# The time.monotonic() the current synchronous attempt must end by; None outside an attempt.
ATTEMPT_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("atomic_deadline", default=None)


def attempt_budget(request: httpx.Request) -> float:
    """Seconds one attempt of ``request`` may take in all: the largest part of its timeout."""
    parts = request.extensions.get("timeout") or {}
    values = [value for value in parts.values() if isinstance(value, (int, float))]
    return max(values) if values else 30.0


def _timed_out(request: httpx.Request, budget: float, http: HttpPackage) -> httpx.ReadTimeout:
    return http.read_timeout(
        f"the response did not arrive in full within the timeout ({budget:g} s for the whole attempt)",
        request=request,
    )


class DeadlineStream(httpx.SyncByteStream):
    """A response body that fails with a ``ReadTimeout`` once its attempt's deadline has passed."""

    def __init__(self, inner: Any, request: httpx.Request, deadline: float, budget: float, http: HttpPackage) -> None:
        self._inner = inner
        self._request = request
        self._deadline = deadline
        self._budget = budget
        self._http = http

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            if time.monotonic() > self._deadline:
                raise _timed_out(self._request, self._budget, self._http)
            yield chunk
        if time.monotonic() > self._deadline:
            raise _timed_out(self._request, self._budget, self._http)

    def close(self) -> None:
        self._inner.close()


class AsyncDeadlineStream(httpx.AsyncByteStream):
    """The async twin of ``DeadlineStream``."""

    def __init__(self, inner: Any, request: httpx.Request, deadline: float, budget: float, http: HttpPackage) -> None:
        self._inner = inner
        self._request = request
        self._deadline = deadline
        self._budget = budget
        self._http = http

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            if time.monotonic() > self._deadline:
                raise _timed_out(self._request, self._budget, self._http)
            yield chunk
        if time.monotonic() > self._deadline:
            raise _timed_out(self._request, self._budget, self._http)

    async def aclose(self) -> None:
        await self._inner.aclose()


def send_within_deadline(
    send: Callable[..., httpx.Response],
    request: httpx.Request,
    *,
    http: HttpPackage,
    read: Callable[[httpx.Response], object] = lambda response: response.read(),
    **kwargs: Any,
) -> httpx.Response:
    """One attempt: ``send(request, stream=True, **kwargs)`` and ``read(response)`` (the whole body by default; the
    token provider reads it its own way), both against the attempt's deadline. ``http``: the package of ``send``."""
    budget = attempt_budget(request)
    deadline = time.monotonic() + budget
    token = ATTEMPT_DEADLINE.set(deadline)
    try:
        response = send(request, stream=True, **kwargs)
        response.stream = twin(DeadlineStream, http.module.SyncByteStream)(
            response.stream, request, deadline, budget, http
        )
        try:
            read(response)
        except BaseException:
            response.close()
            raise
    finally:
        ATTEMPT_DEADLINE.reset(token)
    return response


async def asend_within_deadline(
    send: Callable[..., Awaitable[httpx.Response]],
    request: httpx.Request,
    *,
    http: HttpPackage,
    aread: Callable[[httpx.Response], Awaitable[object]] = lambda response: response.aread(),
    **kwargs: Any,
) -> httpx.Response:
    """The async twin of ``send_within_deadline``; on asyncio the whole attempt (status line, headers and the
    body ``aread`` reads) is bounded."""
    budget = attempt_budget(request)
    deadline = time.monotonic() + budget
    async with _asyncio_deadline(request, budget, http):
        response = await send(request, stream=True, **kwargs)
        response.stream = twin(AsyncDeadlineStream, http.module.AsyncByteStream)(
            response.stream, request, deadline, budget, http
        )
        try:
            await aread(response)
        except BaseException:
            await response.aclose()
            raise
    return response


@contextlib.asynccontextmanager
async def _asyncio_deadline(request: httpx.Request, budget: float, http: HttpPackage) -> AsyncIterator[None]:
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:  # another event loop library (trio): the body is still bounded by the stream
        yield
        return
    try:
        async with asyncio.timeout(budget):
            yield
    except TimeoutError:
        raise _timed_out(request, budget, http) from None


def _describe(request: httpx.Request) -> str:
    operation = request.extensions.get("atomic_operation_id") or request.extensions.get(LOG_NAME_EXTENSION)
    target = f"{request.method} {request.url.copy_with(query=None)}"
    return f"{operation} ({target})" if operation else target


def _log_attempt(request: httpx.Request, attempt: int, started: float, outcome: httpx.Response | Exception) -> None:
    """The one INFO line per attempt: operation, method, path (never the query), status, time, attempt, id."""
    elapsed_ms = (time.perf_counter() - started) * 1000
    extensions = request.extensions
    operation = extensions.get("atomic_operation_id") or extensions.get(LOG_NAME_EXTENSION) or "-"
    path = request.url.raw_path.split(b"?", 1)[0].decode("ascii", "replace")
    if not isinstance(outcome, Exception):
        request_id = request_id_of(outcome.headers)
        logger.info(
            "%s %s %s -> %d in %.0f ms (attempt %d%s)",
            operation,
            request.method,
            path,
            outcome.status_code,
            elapsed_ms,
            attempt,
            f", request id {request_id}" if request_id else "",
        )
    else:
        logger.info(
            "%s %s %s -> %s after %.0f ms (attempt %d)",
            operation,
            request.method,
            path,
            type(outcome).__name__,
            elapsed_ms,
            attempt,
        )
