"""The pipeline every API request of a client goes through, and the connection pools it runs on.

A request reaches ``send`` from a resource method, a generated function (``client.get_httpx_client().request``)
or a raw request on ``get_httpx_client()``, always with the same steps:

1. auth (``AtomicAuth``, inside httpx's ``send``): credentials for the operation, the bearer token, one replay
   after a 401;
2. the retry policy (``_retries``) around each attempt;
3. the one error mapper (``Pipeline.error``): a transport failure, an error status (when the client raises on
   errors) or a body the parser refuses becomes its ``AtomicError``.

The pools: one ``httpx.Client`` shared by every thread, and one ``httpx.AsyncClient`` per event loop (async
connections belong to the loop that opened them), each made on first use. After ``os.fork()`` the child never
touches the parent's pools: they are dropped (not closed: their sockets are the parent's) and rebuilt.
"""

import contextlib
import functools
import logging
import os
import threading
from collections.abc import Mapping
from typing import Any

import httpx
from atomic_api.errors import UnexpectedStatus

from ._auth import OPERATION_EXTENSION, REPLAYED_EXTENSION, AtomicAuth
from ._backend import twin
from ._errors import (
    AtomicError,
    ClientClosedError,
    ConfigurationError,
    api_error,
    connection_error,
    response_validation_error,
)
from ._loop_local import LoopLocal
from ._operations import DEFAULT_OPERATIONS
from ._retries import (
    ATTEMPTS_EXTENSION,
    RetryPolicy,
    asend_with_retries,
    asend_within_deadline,
    send_with_retries,
    send_within_deadline,
)
from ._roles import Role
from ._transport import with_deadline_transport

logger = logging.getLogger("atomic_sdk")


def sent_token(request: httpx.Request) -> list[str]:
    """The bearer token a request carried (to redact wherever a server echoes it), as a list of 0 or 1."""
    authorization = request.headers.get("authorization", "")
    token = authorization[7:] if authorization[:7].lower() == "bearer " else ""
    return [token] if token else []


# A client's lifecycle state: which of its sides are closed (one value; both set means closed for good).
SYNC_CLOSED = 1
ASYNC_CLOSED = 2


class Pipeline:
    """Sends a client's requests (retries, error mapping) and owns its pools and its lifecycle state.

    ``close()`` closes the sync side (the sync pool), ``aclose()`` the async side of the running loop; each
    refuses new requests on its side afterwards and leaves the other side alone, so closing one never resets
    requests in flight on the other. A derived client (``with_options``, ...) also refuses a side once the
    client it came from closed it.
    """

    def __init__(
        self,
        *,
        httpx_kwargs: Mapping[str, Any],
        policy: RetryPolicy,
        raise_on_error: bool,
        single_key: bool,
        owner: "Pipeline | None",
        name: str,
    ) -> None:
        self._httpx_kwargs = dict(httpx_kwargs)
        self.auth = httpx_kwargs.get("auth")
        self.policy = policy
        self.raise_on_error = raise_on_error
        self._single_key = single_key
        self.owner = owner
        self._name = name
        self.state = 0  # SYNC_CLOSED | ASYNC_CLOSED bits
        self._lock = threading.Lock()
        self._sync: httpx.Client | None = None
        self._pid = os.getpid()
        self._async = self._async_pools()

    def _pool(self, mixin: "type[_SyncPool | _AsyncPool]", base: type, kwargs: Mapping[str, Any]) -> Any:
        # The package's Client (or AsyncClient) with the pipeline's send, for this client's settings.
        pool = twin(mixin, base)(**kwargs)
        pool._atomic = self
        return pool

    def _async_pools(self) -> LoopLocal[httpx.AsyncClient]:
        return LoopLocal(
            lambda: self._pool(_AsyncPool, self.policy.http.module.AsyncClient, self._httpx_kwargs),
            lambda client: client.aclose(),
            "API connection pool",
        )

    # -- pools -------------------------------------------------------------------------------------

    def refuse_if_closed(self, side: int) -> None:
        name, how = ("sync", "close()") if side == SYNC_CLOSED else ("async", "aclose()")
        if self.state & side:
            raise ClientClosedError(
                f"this {self._name}'s {name} side was closed ({how}); it refuses new requests. "
                "Close a client only when the program is done with it, or build a new one"
            )
        owner = self.owner
        if owner is not None and owner.state & side:
            raise ClientClosedError(
                f"the {self._name} this client was derived from (with_options, with_headers, ...) was closed "
                f"({how}); its token cache is gone, so this client refuses new {name} requests too"
            )

    def _after_fork(self) -> None:
        # Pools inherited through fork hold the parent's connections: left alone (never closed, never reused).
        # The lock too may have been held by a thread that does not exist here: the child takes a new one.
        self._lock = threading.Lock()
        self._sync = None
        self._async = self._async_pools()
        self._pid = os.getpid()

    def sync_client(self) -> httpx.Client:
        client = self._sync
        owner = self.owner
        if (
            client is not None
            and not self.state & SYNC_CLOSED
            and not (owner is not None and owner.state & SYNC_CLOSED)
            and self._pid == os.getpid()
        ):
            return client
        if self._pid != os.getpid():
            self._after_fork()
        self.refuse_if_closed(SYNC_CLOSED)
        with self._lock:
            self.refuse_if_closed(SYNC_CLOSED)
            if self._sync is None:
                # The SDK's transport, unless httpx_args or the environment choose the way (see _transport).
                module = self.policy.http.module
                self._sync = self._pool(_SyncPool, module.Client, with_deadline_transport(module, self._httpx_kwargs))
            return self._sync

    def async_client(self) -> httpx.AsyncClient:
        if self._pid != os.getpid():
            self._after_fork()
        self.refuse_if_closed(ASYNC_CLOSED)
        try:
            return self._async.get()
        except RuntimeError:
            raise ConfigurationError(
                "get_async_httpx_client() must be called from code running on an event loop "
                "(each event loop has its own connection pool)"
            ) from None

    def close(self) -> None:
        """Close the sync side: the sync pool, and refuse sync requests from now on."""
        with self._lock:
            self.state |= SYNC_CLOSED
            client, self._sync = self._sync, None
        if client is not None and self._pid == os.getpid():
            client.close()

    async def aclose(self) -> None:
        """Close the async side: the running loop's pool now, and refuse async requests from now on."""
        self.state |= ASYNC_CLOSED
        await self._async.aclose_current()

    def release_async(self) -> None:
        """From sync code: close every loop's async pool on its own loop (a new one is made on next use)."""
        self._async.release_all()

    def send_options(self, auth: Any, follow_redirects: Any) -> tuple[dict[str, Any], Any]:
        """The package's ``send`` options for a pool's ``send(auth=, follow_redirects=)`` (``_DEFAULT``: the
        client's, the package's own sentinel), and the auth that will run."""
        default = self.policy.http.module.USE_CLIENT_DEFAULT
        options = {
            "auth": default if auth is _DEFAULT else auth,
            "follow_redirects": default if follow_redirects is _DEFAULT else follow_redirects,
        }
        return options, self.auth if options["auth"] is default else options["auth"]

    # -- errors ------------------------------------------------------------------------------------

    def error(self, response: httpx.Response, cause: Exception | None = None) -> AtomicError:
        """The one error mapper for a response: its ``ApiError`` subclass for a status the call does not accept
        (``cause`` None or ``UnexpectedStatus``), else the ``ResponseValidationError`` for a body its parser
        refused (``cause``)."""
        request = response.request
        extensions = request.extensions
        operation_id = extensions.get(OPERATION_EXTENSION)
        operation_id = operation_id if isinstance(operation_id, str) else None
        redacted = sent_token(request)
        if cause is not None and not isinstance(cause, UnexpectedStatus):
            return response_validation_error(response, cause, operation_id=operation_id, redacted=redacted)
        role_name = extensions.get("atomic_role")
        client_id = extensions.get("atomic_client_id")
        allowed: tuple[Role, ...] = ()
        if operation_id is not None:
            with contextlib.suppress(LookupError):
                allowed = DEFAULT_OPERATIONS.get(operation_id).roles
        return api_error(
            response,
            operation_id=operation_id,
            allowed_roles=allowed,
            role=Role(role_name) if isinstance(role_name, str) else None,
            client_id=client_id if isinstance(client_id, str) else None,
            single_key=self._single_key,
            redacted=redacted,
            replayed=extensions.get(REPLAYED_EXTENSION) is True,
            now=self.policy.clock(),
        )

    def transport_error(self, request: httpx.Request, exc: httpx.TransportError) -> AtomicError:
        attempts = request.extensions.get(ATTEMPTS_EXTENSION)
        return connection_error(
            request,
            exc,
            attempts=attempts if isinstance(attempts, int) else None,
            timeout=self.policy.http.timeout_error,
        )


# What the pools' ``send`` takes for "as the client was configured" (each package has its own sentinel).
_DEFAULT: Any = object()


class _SyncPool:
    """The sync pool's ``send``: the pipeline around the package's own (auth, redirects, the transport).

    A mixin: the pool is ``twin(_SyncPool, <package>.Client)``, the chosen package's ``Client`` with this ``send``.
    """

    _atomic: Pipeline

    def send(
        self,
        request: httpx.Request,
        *,
        stream: bool = False,
        auth: Any = _DEFAULT,
        follow_redirects: Any = _DEFAULT,
    ) -> httpx.Response:
        pipeline = self._atomic
        http = pipeline.policy.http
        options, chosen = pipeline.send_options(auth, follow_redirects)
        send = functools.partial(http.module.Client.send, self)

        def attempt(request: httpx.Request) -> httpx.Response:
            if isinstance(chosen, AtomicAuth):
                chosen.prepare(request)  # a token fetch is not part of the attempt's deadline
            if stream:  # the caller reads the body at its own pace: only each read is bounded
                response: httpx.Response = send(request, stream=True, **options)
                return response
            return send_within_deadline(send, request, http=http, **options)

        try:
            response = send_with_retries(attempt, request, pipeline.policy)
        except http.transport_error as exc:
            # Also a body that broke off after the headers (the package reads it inside send).
            raise pipeline.transport_error(request, exc) from exc
        if pipeline.raise_on_error and response.status_code >= 400:
            response.read()
            raise pipeline.error(response)
        return response


class _AsyncPool:
    """The async twin of ``_SyncPool`` (the pool is ``twin(_AsyncPool, <package>.AsyncClient)``)."""

    _atomic: Pipeline

    async def send(
        self,
        request: httpx.Request,
        *,
        stream: bool = False,
        auth: Any = _DEFAULT,
        follow_redirects: Any = _DEFAULT,
    ) -> httpx.Response:
        pipeline = self._atomic
        http = pipeline.policy.http
        options, chosen = pipeline.send_options(auth, follow_redirects)
        send = functools.partial(http.module.AsyncClient.send, self)

        async def attempt(request: httpx.Request) -> httpx.Response:
            if isinstance(chosen, AtomicAuth):
                await chosen.aprepare(request)
            if stream:
                response: httpx.Response = await send(request, stream=True, **options)
                return response
            return await asend_within_deadline(send, request, http=http, **options)

        try:
            response = await asend_with_retries(attempt, request, pipeline.policy)
        except http.transport_error as exc:
            raise pipeline.transport_error(request, exc) from exc
        if pipeline.raise_on_error and response.status_code >= 400:
            await response.aread()
            raise pipeline.error(response)
        return response
