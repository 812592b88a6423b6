"""httpx.Auth that picks the credentials for each request, attaches its bearer token and replays once on 401.

The operation comes with the request: the generated code attaches its id (``extensions["atomic_operation_id"]``),
and the role map says which roles it accepts. A request sent without one (a raw request through
``client.get_httpx_client()``) is matched by method and path against the role map instead; a request outside
the API base URL, or matching no operation, fails before any I/O. Statuses are left to the client's pipeline
(``_http``), which maps them to typed errors.
"""

import logging
from collections.abc import AsyncGenerator, Generator

import httpx

from ._credentials import Credentials, CredentialSet
from ._errors import UnknownOperationError
from ._operations import DEFAULT_OPERATIONS, Operation, OperationTable
from ._roles import Role
from ._tokens.provider import TokenProvider

logger = logging.getLogger("atomic_sdk")

OPERATION_EXTENSION = "atomic_operation_id"
REPLAYED_EXTENSION = "atomic_replayed"
_PREPARED = "atomic_prepared"  # (credentials, provider role, token) chosen before the attempt, see prepare()

# (role used, credentials, the role the token provider is told: None for a single key serving every role)
_Selected = tuple[Role, Credentials, Role | None]


class AtomicAuth(httpx.Auth):
    """Authorises requests sent through an AtomicClient's httpx clients (see the module docstring)."""

    def __init__(
        self,
        *,
        credentials: CredentialSet,
        tokens: TokenProvider,
        base_url: str,
        operations: OperationTable = DEFAULT_OPERATIONS,
    ) -> None:
        base = httpx.URL(base_url)
        self._origin = (base.scheme, base.host, base.port)
        self._prefix = base.raw_path.split(b"?", 1)[0].decode("ascii").rstrip("/")
        self._credentials = credentials
        self._tokens = tokens
        self._operations = operations
        # operation id -> selection: a handful of entries, one per operation the client calls.
        self._selected: dict[str, _Selected] = {}

    def __repr__(self) -> str:
        return f"AtomicAuth(credentials={self._credentials!r})"

    def _operation(self, request: httpx.Request) -> Operation:
        operation_id = request.extensions.get(OPERATION_EXTENSION)
        if isinstance(operation_id, str):
            return self._operations.get(operation_id)
        url = request.url
        path = url.raw_path.split(b"?", 1)[0].decode("ascii")
        if (url.scheme, url.host, url.port) != self._origin or (
            self._prefix and not path.startswith(self._prefix + "/")
        ):
            raise UnknownOperationError(
                f"{request.method} {url.copy_with(query=None)} is outside the API base URL; "
                "the SDK only authorises requests to the Atomic API",
                method=request.method,
                path=path,
            )
        operation = self._operations.match(request.method, path[len(self._prefix) :])
        request.extensions[OPERATION_EXTENSION] = operation.operation_id
        return operation

    def _select(self, request: httpx.Request) -> _Selected:
        """The credentials for this request; raises (before any I/O) when none are configured for its roles."""
        operation = self._operation(request)
        selected = self._selected.get(operation.operation_id)
        if selected is None:
            role, credentials = self._credentials.select(operation)
            selected = (role, credentials, None if self._credentials.single else role)
            self._selected[operation.operation_id] = selected
        role, credentials, _ = selected
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "operation %s uses role %s (client_id=%s)", operation.operation_id, role.value, credentials.client_id
            )
        # For log lines, the error mapper and anyone inspecting the request.
        request.extensions["atomic_role"] = role.value
        request.extensions["atomic_client_id"] = credentials.client_id
        return selected

    def prepare(self, request: httpx.Request) -> None:
        """Choose the credentials and get the token now, before the attempt's deadline starts (the token
        request has its own): the auth flow then uses them as they are."""
        _, credentials, key_role = self._select(request)
        request.extensions[_PREPARED] = (credentials, key_role, self._tokens.token(credentials, key_role))

    async def aprepare(self, request: httpx.Request) -> None:
        """``prepare`` for async callers."""
        _, credentials, key_role = self._select(request)
        request.extensions[_PREPARED] = (credentials, key_role, await self._tokens.atoken(credentials, key_role))

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if _PREPARED not in request.extensions:  # auth run outside the pools' send (which prepares first)
            self.prepare(request)
        credentials, key_role, token = request.extensions.pop(_PREPARED)
        request.headers["Authorization"] = "Bearer " + token.value
        response = yield request
        if response.status_code == 401:
            _log_replay(request)
            self._tokens.invalidate(credentials, token)
            fresh = self._tokens.token(credentials, key_role)
            request.headers["Authorization"] = "Bearer " + fresh.value
            request.extensions[REPLAYED_EXTENSION] = True
            yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if _PREPARED not in request.extensions:  # auth run outside the pools' send (which prepares first)
            await self.aprepare(request)
        credentials, key_role, token = request.extensions.pop(_PREPARED)
        request.headers["Authorization"] = "Bearer " + token.value
        response = yield request
        if response.status_code == 401:
            _log_replay(request)
            await self._tokens.ainvalidate(credentials, token)
            fresh = await self._tokens.atoken(credentials, key_role)
            request.headers["Authorization"] = "Bearer " + fresh.value
            request.extensions[REPLAYED_EXTENSION] = True
            yield request


def _log_replay(request: httpx.Request) -> None:
    if logger.isEnabledFor(logging.INFO):
        path = request.url.raw_path.split(b"?", 1)[0].decode("ascii", "replace")
        logger.info(
            "%s %s %s -> 401; replaying once with a freshly fetched token",
            request.extensions.get(OPERATION_EXTENSION),
            request.method,
            path,
        )
