"""Retries of API requests, as httpx transports wrapping the real one (below the auth flow).

Because the auth flow sits above the transport, every attempt of one request carries the same
Authorization header, and a 401 reaches the auth flow (which replays once) instead of being retried here.

For idempotent methods the response body is read inside the retry loop: a connection dropped while the
body arrives is retried like one dropped before the headers. The body then goes up as an in-memory
stream (API responses are JSON documents, not downloads). POST bodies are left to httpx, never retried.
"""

import logging
import random
import time
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

import httpx
from attrs import evolve, frozen

from . import _aio
from ._errors import request_id_of
from ._retry_after import parse_retry_after
from ._tokens.provider import AsyncSleep, Clock, Sleep

logger = logging.getLogger("atomic_sdk")

DEFAULT_MAX_RETRIES = 2
RETRY_STATUSES = frozenset({429, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "PUT", "DELETE", "HEAD", "OPTIONS"})
BACKOFF_BASE = 0.5
MAX_BACKOFF = 8.0
# A Retry-After longer than this is not waited out: the response goes back to the caller
# (RateLimitedError / ServerError with the value) so a library call never blocks for minutes.
MAX_RETRY_AFTER = 60.0

# Failures where the request never reached the server: safe to retry for any method.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout)
# Failures where the request may have been processed: retried for idempotent methods only.
# Read timeouts are not retried: a slow server would make a call take (max_retries + 1) × timeout.
_MAYBE_SENT = (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)

# httpx.Client arguments that shape the default transport; they are applied to the wrapped transport.
TRANSPORT_ARGS = frozenset({"cert", "http1", "http2", "limits", "proxy", "trust_env"})


@frozen
class RetryPolicy:
    """What is retried and how long to wait; ``max_retries`` counts retries, not attempts."""

    max_retries: int = DEFAULT_MAX_RETRIES
    clock: Clock = time.time
    sleep: Sleep = time.sleep
    async_sleep: AsyncSleep = _aio.sleep
    jitter: Callable[[], float] = random.random
    backoff_base: float = BACKOFF_BASE
    max_backoff: float = MAX_BACKOFF
    max_retry_after: float = MAX_RETRY_AFTER

    def retries_status(self, method: str, status: int) -> bool:
        if status not in RETRY_STATUSES:
            return False
        return method in IDEMPOTENT_METHODS or status == 429

    @staticmethod
    def retries_error(method: str, error: Exception) -> bool:
        if isinstance(error, _NOT_SENT):
            return True
        return method in IDEMPOTENT_METHODS and isinstance(error, _MAYBE_SENT)

    def backoff(self, retry: int) -> float:
        """Wait before retry number ``retry`` (0-based): exponential, capped, minus up to 25 % jitter."""
        delay = min(self.max_backoff, self.backoff_base * 2.0**retry)
        return delay * (1 - 0.25 * self.jitter())

    def wait_after_error(self, method: str, error: Exception, retry: int) -> float | None:
        """Seconds to wait before retry ``retry`` after a transport error; None to give up."""
        if retry >= self.max_retries or not self.retries_error(method, error):
            return None
        return self.backoff(retry)

    def wait_after_response(self, method: str, response: httpx.Response, retry: int) -> float | None:
        """Seconds to wait before retry ``retry`` after ``response``; None to hand the response back."""
        if retry >= self.max_retries or not self.retries_status(method, response.status_code):
            return None
        return self.delay_for(retry, response)

    def delay_for(self, retry: int, response: httpx.Response) -> float | None:
        """Seconds to wait before retrying after ``response``; None when Retry-After exceeds the cap."""
        retry_after = parse_retry_after(response.headers.get("retry-after"), self.clock())
        if retry_after is None:
            return self.backoff(retry)
        if retry_after > self.max_retry_after:
            return None
        return retry_after


def _describe(request: httpx.Request) -> str:
    operation = request.extensions.get("atomic_operation_id")
    target = f"{request.method} {request.url.copy_with(query=None)}"
    return f"{operation} ({target})" if operation else target


def _log_retry(request: httpx.Request, reason: str, retry: int, max_retries: int, delay: float) -> None:
    logger.debug(
        "retrying %s after %s in %.3f s (retry %d of %d)", _describe(request), reason, delay, retry, max_retries
    )


# Attempts are counted on the request, so the auth flow's replay after a 401 is attempt 2, not a second attempt 1.
ATTEMPTS_EXTENSION = "atomic_attempts"


def _log_attempt(request: httpx.Request, attempt: int, started: float, outcome: httpx.Response | Exception) -> None:
    """The one INFO line per HTTP request: operation, method, path (never the query), status, time, attempt, id.

    Callers check ``logger.isEnabledFor(logging.INFO)`` once per request, before the first attempt.
    """
    elapsed_ms = (time.perf_counter() - started) * 1000
    operation = request.extensions.get("atomic_operation_id") or "-"
    path = request.url.raw_path.split(b"?", 1)[0].decode("ascii", "replace")
    if isinstance(outcome, httpx.Response):
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
# A resource call's max_retries= travels on the request (see _resources.py), so one client serves both.
MAX_RETRIES_EXTENSION = "atomic_max_retries"


def _policy_for(request: httpx.Request, policy: RetryPolicy) -> RetryPolicy:
    override = request.extensions.get(MAX_RETRIES_EXTENSION)
    if override is None or override == policy.max_retries:
        return policy
    return evolve(policy, max_retries=override)


def _buffer(response: httpx.Response) -> None:
    """Read the raw (still encoded) body into memory; httpx decodes it above, as it would have.

    The stream is swapped in place rather than wrapped in a new Response: the network stream is read
    once, straight (no chunker, no second Response), and the connection goes back to the pool here.
    """
    stream = response.stream
    assert isinstance(stream, httpx.SyncByteStream)
    try:
        raw = b"".join(stream)
    finally:
        stream.close()
    response.stream = httpx.ByteStream(raw)


async def _abuffer(response: httpx.Response) -> None:
    stream = response.stream
    assert isinstance(stream, httpx.AsyncByteStream)
    try:
        raw = b"".join([chunk async for chunk in stream])
    finally:
        await stream.aclose()
    response.stream = httpx.ByteStream(raw)


def _discard(response: httpx.Response) -> None:
    try:
        response.read()
    except httpx.TransportError:
        pass  # the response is thrown away; a broken body changes nothing
    finally:
        response.close()


async def _adiscard(response: httpx.Response) -> None:
    try:
        await response.aread()
    except httpx.TransportError:
        pass
    finally:
        await response.aclose()


class RetryTransport(httpx.BaseTransport):
    """Wraps a sync transport; retries 429/502/503/504 and connection failures (see RetryPolicy)."""

    def __init__(self, inner: httpx.BaseTransport, policy: RetryPolicy) -> None:
        self._inner = inner
        self._policy = policy

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        # The common case, one attempt answered with a final status, runs only the checks written out here.
        extensions = request.extensions
        policy = self._policy
        if extensions.get(MAX_RETRIES_EXTENSION) is not None:
            policy = _policy_for(request, policy)
        method = request.method
        log = logger.isEnabledFor(logging.INFO)
        retry = 0
        while True:
            attempt = extensions.get(ATTEMPTS_EXTENSION, 0) + 1
            extensions[ATTEMPTS_EXTENSION] = attempt
            started = time.perf_counter() if log else 0.0
            try:
                response = self._inner.handle_request(request)
                status = response.status_code
                wait = policy.wait_after_response(method, response, retry) if status in RETRY_STATUSES else None
                if wait is None:
                    # While a retry is left, an idempotent request's body is read here, so that a connection
                    # dropped while it arrives is retried; a response built in memory (a MockTransport's) has
                    # nothing left to drop.
                    if retry < policy.max_retries and method in IDEMPOTENT_METHODS and not response.is_stream_consumed:
                        _buffer(response)
                    if log:
                        _log_attempt(request, attempt, started, response)
                    return response
            except httpx.TransportError as exc:
                # Before the headers or while the body was read: one log line for the attempt either way.
                if log:
                    _log_attempt(request, attempt, started, exc)
                wait = policy.wait_after_error(method, exc, retry)
                if wait is None:
                    raise
                reason = type(exc).__name__
            else:
                if log:
                    _log_attempt(request, attempt, started, response)
                _discard(response)
                reason = f"status {status}"
            retry += 1
            _log_retry(request, reason, retry, policy.max_retries, wait)
            policy.sleep(wait)

    def close(self) -> None:
        self._inner.close()


class AsyncRetryTransport(httpx.AsyncBaseTransport):
    """Async twin of RetryTransport; waits with the policy's ``async_sleep``."""

    def __init__(self, inner: httpx.AsyncBaseTransport, policy: RetryPolicy) -> None:
        self._inner = inner
        self._policy = policy

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        extensions = request.extensions
        policy = self._policy
        if extensions.get(MAX_RETRIES_EXTENSION) is not None:
            policy = _policy_for(request, policy)
        method = request.method
        log = logger.isEnabledFor(logging.INFO)
        retry = 0
        while True:
            attempt = extensions.get(ATTEMPTS_EXTENSION, 0) + 1
            extensions[ATTEMPTS_EXTENSION] = attempt
            started = time.perf_counter() if log else 0.0
            try:
                response = await self._inner.handle_async_request(request)
                status = response.status_code
                wait = policy.wait_after_response(method, response, retry) if status in RETRY_STATUSES else None
                if wait is None:
                    if retry < policy.max_retries and method in IDEMPOTENT_METHODS and not response.is_stream_consumed:
                        await _abuffer(response)
                    if log:
                        _log_attempt(request, attempt, started, response)
                    return response
            except httpx.TransportError as exc:
                if log:
                    _log_attempt(request, attempt, started, exc)
                wait = policy.wait_after_error(method, exc, retry)
                if wait is None:
                    raise
                reason = type(exc).__name__
            else:
                if log:
                    _log_attempt(request, attempt, started, response)
                await _adiscard(response)
                reason = f"status {status}"
            retry += 1
            _log_retry(request, reason, retry, policy.max_retries, wait)
            await policy.async_sleep(wait)

    async def aclose(self) -> None:
        await self._inner.aclose()


def _env_proxy(base_url: str) -> str | None:
    # httpx only reads proxy variables when it builds the transport itself; we build it, so read them here.
    url = httpx.URL(base_url)
    if urllib.request.proxy_bypass(url.host):
        return None
    proxies = urllib.request.getproxies()
    return proxies.get(url.scheme) or proxies.get("all")


def transport_kwargs(
    httpx_args: Mapping[str, Any],
    *,
    verify: Any,
    base_url: str,
    policy: RetryPolicy,
    is_async: bool,
) -> dict[str, Any]:
    """httpx client arguments with ``transport`` (and any ``mounts``) wrapped in the retry transport."""
    args = dict(httpx_args)
    shaping = {name: args.pop(name) for name in TRANSPORT_ARGS if name in args}
    inner = args.pop("transport", None)
    if inner is None:
        proxy = shaping.pop("proxy", None)
        if proxy is None and shaping.get("trust_env", True):
            proxy = _env_proxy(base_url)
        factory = httpx.AsyncHTTPTransport if is_async else httpx.HTTPTransport
        inner = factory(verify=verify, proxy=proxy, **shaping)
    else:
        shaping.pop("proxy", None)
    if "trust_env" in shaping:
        args["trust_env"] = shaping["trust_env"]
    mounts = args.pop("mounts", None)
    if is_async:
        args["transport"] = AsyncRetryTransport(inner, policy)
        if mounts:
            args["mounts"] = {
                key: None if value is None else AsyncRetryTransport(value, policy) for key, value in mounts.items()
            }
    else:
        args["transport"] = RetryTransport(inner, policy)
        if mounts:
            args["mounts"] = {
                key: None if value is None else RetryTransport(value, policy) for key, value in mounts.items()
            }
    return args
