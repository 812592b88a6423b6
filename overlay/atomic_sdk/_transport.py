"""The sync transport that holds an attempt to its deadline while the status line and headers arrive.

httpx bounds each read, not a response, and a synchronous read cannot be interrupted from outside: a server
sending a byte at a time would hold a sync request for as long as it likes before ``_retries`` sees the
headers. This transport is httpx's own ``HTTPTransport`` (an httpcore connection pool, its exceptions mapped
to httpx's) over httpcore's ``SyncBackend``, with every connect, TLS handshake, read and write timeout cut
to the time left before the attempt's deadline (``_retries.ATTEMPT_DEADLINE``); past it, a timeout is
raised. Outside an attempt it behaves as httpx's. It uses the public API of httpx and httpcore alone and
serves either package pair: (httpx, httpcore) or (httpx2, httpcore2). Async clients need none of this:
``asyncio.timeout`` bounds their whole attempt.
"""

import functools
import importlib
import time
import urllib.request
from collections.abc import Iterator, Mapping
from types import ModuleType
from typing import Any

from ._retries import ATTEMPT_DEADLINE

# The core package under each HTTP package.
CORE_PACKAGES = {"httpx": "httpcore", "httpx2": "httpcore2"}
# Client arguments that choose the way requests take (proxies and app: httpx 0.27's): with any of them,
# httpx's own transports stand.
OWN_WAY = frozenset({"transport", "mounts", "proxy", "proxies", "app"})
# The client arguments its default transport takes.
TRANSPORT_ARGS = ("verify", "cert", "trust_env", "http1", "http2", "limits")
# The exceptions a transport maps from the core package to the HTTP package (the same names in both).
_ERRORS = (
    *("TimeoutException", "ConnectTimeout", "ReadTimeout", "WriteTimeout", "PoolTimeout"),
    *("NetworkError", "ConnectError", "ReadError", "WriteError"),
    *("ProtocolError", "LocalProtocolError", "RemoteProtocolError", "ProxyError", "UnsupportedProtocol"),
)
DEADLINE_PASSED = "the attempt did not complete within its timeout, which bounds the whole attempt, not each read"


def with_deadline_transport(http: ModuleType, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """``kwargs`` for a sync ``http.Client``, with the deadline-aware transport unless httpx's own should
    stand: the caller chose the way (transport, mounts, proxy), or a proxy from the environment applies
    (httpx reads HTTP_PROXY and the like only when it makes its transports itself, so it decides them)."""
    kwargs = dict(kwargs)
    core = CORE_PACKAGES.get(http.__name__)
    if core is None or not OWN_WAY.isdisjoint(kwargs) or (kwargs.get("trust_env", True) and _environment_proxy()):
        return kwargs
    options = {name: kwargs[name] for name in TRANSPORT_ARGS if name in kwargs}
    kwargs["transport"] = deadline_transport(http, importlib.import_module(core), **options)
    return kwargs


def deadline_transport(http: ModuleType, core: ModuleType, **options: Any) -> Any:
    """An ``http.BaseTransport`` over ``core``'s connection pool, bounded by the attempt's deadline.
    ``options``: ``verify``, ``cert``, ``trust_env``, ``http1``, ``http2`` and ``limits``, as for the client."""
    return _transport_class(http, core)(**options)


def _environment_proxy() -> bool:
    proxies = urllib.request.getproxies()  # what httpx reads
    return any(proxies.get(scheme) for scheme in ("http", "https", "all"))


@functools.cache
def _transport_class(http: ModuleType, core: ModuleType) -> type["_Transport"]:
    # Subclasses of the package's own BaseTransport and SyncByteStream, which httpx checks a stream against.
    errors = {getattr(core, name): getattr(http, name) for name in _ERRORS}
    mapping = {"errors": errors, "caught": tuple(errors)}
    stream = type("ResponseStream", (_ResponseStream, http.SyncByteStream), mapping)
    namespace = {"http": http, "core": core, "stream": stream, **mapping}
    return type("DeadlineTransport", (_Transport, http.BaseTransport), namespace)


def _mapped(errors: Mapping[type, type[Exception]], exc: Exception) -> Exception:
    """The HTTP package's exception for a core one (its most specific match, as httpx maps them); a timeout
    once the attempt's deadline has passed says that the deadline ended it."""
    mapped = next(errors[klass] for klass in type(exc).__mro__ if klass in errors)
    deadline = ATTEMPT_DEADLINE.get()
    if deadline is not None and time.monotonic() >= deadline and mapped.__name__.endswith("Timeout"):
        return mapped(DEADLINE_PASSED)
    return mapped(str(exc))


def _left(timeout: float | None, timed_out: type[Exception]) -> float | None:
    """``timeout`` cut to the time left before the attempt's deadline; ``timed_out`` once it has passed."""
    deadline = ATTEMPT_DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise timed_out(DEADLINE_PASSED)
    return left if timeout is None or left < timeout else timeout


class _Transport:
    """The body of ``DeadlineTransport`` (``_transport_class`` adds the package's ``BaseTransport``)."""

    http: ModuleType
    core: ModuleType
    errors: Mapping[type, type[Exception]]
    caught: tuple[type[Exception], ...]
    stream: type["_ResponseStream"]

    def __init__(
        self,
        *,
        verify: Any = True,
        cert: Any = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: Any = None,
    ) -> None:
        # httpx.Client's default limits.
        limits = self.http.Limits(max_connections=100, max_keepalive_connections=20) if limits is None else limits
        self._pool = self.core.ConnectionPool(
            ssl_context=self.http.create_ssl_context(verify=verify, cert=cert, trust_env=trust_env),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=http1,
            http2=http2,
            network_backend=_Backend(self.core),
        )

    def handle_request(self, request: Any) -> Any:
        url = request.url
        core_request = self.core.Request(
            method=request.method,
            url=self.core.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,  # timeout, sni_hostname, trace, ...
        )
        try:
            response = self._pool.handle_request(core_request)
        except self.caught as exc:
            raise _mapped(self.errors, exc) from exc
        return self.http.Response(
            status_code=response.status,
            headers=response.headers,
            stream=self.stream(response.stream),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._pool.close()


class _ResponseStream:
    """A response body from the pool, its core exceptions mapped (the package's ``SyncByteStream`` is added)."""

    errors: Mapping[type, type[Exception]]
    caught: tuple[type[Exception], ...]

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._inner
        except self.caught as exc:
            raise _mapped(self.errors, exc) from exc

    def close(self) -> None:
        self._inner.close()


class _Backend:
    """httpcore's ``SyncBackend`` whose connections end each operation by the attempt's deadline."""

    def __init__(self, core: ModuleType) -> None:
        self._inner = core.SyncBackend()
        self._core = core

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> "_Stream":
        timeout = _left(timeout, self._core.ConnectTimeout)
        return _Stream(self._inner.connect_tcp(host, port, timeout, local_address, socket_options), self._core)


class _Stream:
    """A connection whose connect, reads and writes end by the attempt's deadline."""

    def __init__(self, inner: Any, core: ModuleType) -> None:
        self._inner = inner
        self._core = core

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data: bytes = self._inner.read(max_bytes, _left(timeout, self._core.ReadTimeout))
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(timeout, self._core.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> "_Stream":
        timeout = _left(timeout, self._core.ConnectTimeout)
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, timeout), self._core)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)
