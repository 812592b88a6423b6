"""The HTTP package a client runs on: httpx (the default) or httpx2, pydantic's fork of it, chosen explicitly.

Both have the same public API under different import names, with classes of their own: an httpx2 client only
takes httpx2 transports, auth objects and byte streams, and raises httpx2 exceptions. So everything the
pipeline hands to or catches from the package comes from one ``HttpPackage``: the module, its exceptions, and
our classes (auth, pools, deadline streams) rebased onto its base classes by ``twin``. The overlay's own code
is written (and type-checked) against httpx; at run time it is given the chosen package's objects.

The choice is explicit: ``http_backend=`` or ``ATOMIC_HTTP_BACKEND``, else httpx. An httpx2 installed for
another library never changes anything by itself.
"""

import functools
import os
from collections.abc import Mapping
from typing import Any, Literal, TypeVar

import httpx
from attrs import frozen

from ._errors import ConfigurationError, MissingExtraError

HttpBackend = Literal["httpx", "httpx2"]
BACKEND_ENV = "ATOMIC_HTTP_BACKEND"
BACKENDS: tuple[HttpBackend, ...] = ("httpx", "httpx2")

T = TypeVar("T")


@frozen(eq=False)
class HttpPackage:
    """One HTTP package and what the pipeline needs of it (its classes typed as httpx's: the same API)."""

    name: HttpBackend
    module: Any
    version: str
    http_error: type[httpx.HTTPError]
    transport_error: type[httpx.TransportError]
    timeout_error: type[httpx.TimeoutException]
    read_timeout: type[httpx.ReadTimeout]
    # Failures where the request never reached the server, and ones where it may have been processed.
    not_sent: tuple[type[Exception], ...]
    maybe_sent: tuple[type[Exception], ...]


def _describe(name: HttpBackend, module: Any) -> HttpPackage:
    return HttpPackage(
        name=name,
        module=module,
        version=module.__version__,
        http_error=module.HTTPError,
        transport_error=module.TransportError,
        timeout_error=module.TimeoutException,
        read_timeout=module.ReadTimeout,
        not_sent=(module.ConnectError, module.ConnectTimeout),
        maybe_sent=(module.ReadError, module.WriteError, module.RemoteProtocolError),
    )


HTTPX = _describe("httpx", httpx)


@functools.cache
def load(name: HttpBackend) -> HttpPackage:
    """The package named ``name``, imported on first use; ``MissingExtraError`` naming the extra if missing."""
    if name == "httpx":
        return HTTPX
    try:
        import httpx2
    except ImportError:
        raise MissingExtraError(
            f"http_backend={name!r} needs the {name} package, which is not installed: pip install 'atomic-sdk[{name}]'",
            extra=name,
            module=name,
        ) from None
    return _describe(name, httpx2)


def choose(http_backend: object = None, environ: Mapping[str, str] | None = None) -> HttpPackage:
    """The package for ``http_backend`` ("httpx" or "httpx2"); None reads ``ATOMIC_HTTP_BACKEND``, else httpx."""
    where = "http_backend"
    if http_backend is None:
        http_backend = (os.environ if environ is None else environ).get(BACKEND_ENV, "").strip() or "httpx"
        where = BACKEND_ENV
    if http_backend in BACKENDS:
        return load(http_backend)
    raise ConfigurationError(
        f"{where} must be 'httpx' or 'httpx2', got {http_backend!r} "
        "(httpx2 needs the extra: pip install 'atomic-sdk[httpx2]')"
    )


_twins: dict[tuple[type, type], type] = {}


def twin(cls: type[T], base: type) -> type[T]:
    """``cls`` made a subclass of ``base`` (a class of the chosen package): ``cls`` itself when it already is.

    ``cls`` holds the behaviour; ``base`` is what the package checks with ``isinstance`` (``Auth``,
    ``SyncByteStream``, ``Client``, ...). Made once per pair.
    """
    made = _twins.get((cls, base))
    if made is None:
        if issubclass(cls, base):
            made = cls
        else:
            made = type(cls.__name__, (cls, base), {"__module__": cls.__module__, "__qualname__": cls.__qualname__})
        made = _twins.setdefault((cls, base), made)
    return made
