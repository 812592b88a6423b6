"""httpx.Auth that picks the role for each request, attaches its bearer token and replays once on 401."""

import logging
import time
from collections.abc import AsyncGenerator, Generator

import httpx

from ._credentials import Credentials, CredentialSet
from ._errors import ApiError, AuthenticationError, UnknownOperationError, api_error, request_id_of, safe_headers
from ._operations import DEFAULT_OPERATIONS, Operation, OperationTable
from ._roles import Role
from ._tokens.cache import AccessToken
from ._tokens.provider import Clock, TokenProvider

logger = logging.getLogger("atomic_sdk")

# Resolved (method, scheme, host, port, path) entries kept per client. Paths carry ids (users, cards), so the
# cache is bounded; past the bound new paths are resolved every time (correct, just not cached).
_RESOLVED_MAX = 1024


class AtomicAuth(httpx.Auth):
    """Authorises requests sent through an AtomicClient's httpx clients.

    The operation is found from method + raw path (relative to the base URL); credentials for the
    first allowed role are used. Everything that can fail without I/O fails before any request.
    With ``raise_on_error`` the final response of a request (after transport retries and the 401
    replay) raises the matching ApiError subclass when its status is 4xx/5xx.
    """

    def __init__(
        self,
        *,
        credentials: CredentialSet,
        tokens: TokenProvider,
        base_url: str,
        operations: OperationTable = DEFAULT_OPERATIONS,
        raise_on_error: bool = True,
        clock: Clock = time.time,
    ) -> None:
        base = httpx.URL(base_url)
        # raw_host avoids decoding the host on every request.
        self._origin = (base.scheme, base.raw_host, base.port)
        self._prefix = base.raw_path.split(b"?", 1)[0].decode("ascii").rstrip("/")
        self._credentials = credentials
        self._tokens = tokens
        self._operations = operations
        self._raise_on_error = raise_on_error
        self._clock = clock
        self._resolved: dict[tuple[str, str, bytes, int | None, bytes], tuple[Operation, Role, Credentials]] = {}

    def __repr__(self) -> str:
        return f"AtomicAuth(credentials={self._credentials!r})"

    def _resolve(self, request: httpx.Request) -> tuple[Operation, Role, Credentials]:
        # The hot path: the same few paths are called over and over, and matching one (origin check,
        # regex scan of the role map, role pick) costs several times this dict lookup. The key has the
        # path without its query; scheme, host and port keep requests to other origins out of the entry
        # (the cheapest public URL attributes: ``netloc`` and ``str(url)`` rebuild strings each time).
        url = request.url
        key = (request.method, url.scheme, url.raw_host, url.port, url.raw_path.split(b"?", 1)[0])
        resolved = self._resolved.get(key)
        if resolved is None:
            resolved = self._match(request)
            if len(self._resolved) < _RESOLVED_MAX:
                self._resolved[key] = resolved
        operation, role, credentials = resolved
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "operation %s uses role %s (client_id=%s)", operation.operation_id, role.value, credentials.client_id
            )
        # For the retry transport's log lines, the client's error mapping and anyone inspecting the request.
        extensions = request.extensions
        extensions["atomic_operation_id"] = operation.operation_id
        extensions["atomic_role"] = role.value
        extensions["atomic_client_id"] = credentials.client_id
        return resolved

    def _match(self, request: httpx.Request) -> tuple[Operation, Role, Credentials]:
        """Operation, role and credentials for a request not seen before; raises before any I/O."""
        url = request.url
        path = url.raw_path.split(b"?", 1)[0].decode("ascii")
        if (url.scheme, url.raw_host, url.port) != self._origin or not (
            path.startswith(self._prefix + "/") or not self._prefix
        ):
            raise UnknownOperationError(
                f"{request.method} {url.copy_with(query=None)} is outside the API base URL; "
                "the SDK only authorises requests to the Atomic API",
                method=request.method,
                path=path,
            )
        operation = self._operations.match(request.method, path[len(self._prefix) :])
        role, credentials = self._credentials.select(operation)
        return operation, role, credentials

    def _key_role(self, role: Role) -> Role | None:
        # A single key serves every role: token errors then name the key, not the role of one operation.
        return None if self._credentials.single else role

    @staticmethod
    def _authorise(request: httpx.Request, token: AccessToken) -> None:
        request.headers["Authorization"] = f"Bearer {token.value}"

    def _rejected(
        self,
        request: httpx.Request,
        response: httpx.Response,
        operation: Operation,
        role: Role,
        credentials: Credentials,
        tokens: tuple[AccessToken, ...],
    ) -> AuthenticationError:
        headers = safe_headers(response.headers, [token.value for token in tokens])
        request_id = request_id_of(headers)
        return AuthenticationError(
            f"the API answered 401 twice for {operation.operation_id} ({request.method} "
            f"{request.url.copy_with(query=None)}), also with a freshly fetched token for the {role.value} key "
            f"(client_id={credentials.client_id}); check that the key is valid, enabled and allowed for this "
            "operation" + (f" [request id {request_id}]" if request_id else ""),
            status=response.status_code,
            method=request.method,
            url=str(request.url),
            operation_id=operation.operation_id,
            role=role,
            headers=headers,
            request_id=request_id,
            client_id=credentials.client_id,
        )

    def _failed(
        self,
        request: httpx.Request,
        response: httpx.Response,
        operation: Operation,
        role: Role,
        credentials: Credentials,
        tokens: tuple[AccessToken, ...],
    ) -> ApiError:
        return api_error(
            status=response.status_code,
            method=request.method,
            url=str(request.url),
            operation_id=operation.operation_id,
            allowed_roles=operation.roles,
            role=role,
            content=response.content,
            headers=response.headers,
            now=self._clock(),
            client_id=credentials.client_id,
            single_key=self._credentials.single,
            # A hostile or buggy server may echo the Authorization header back.
            redacted=[token.value for token in tokens],
        )

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        operation, role, credentials = self._resolve(request)
        token = self._tokens.token(credentials, self._key_role(role))
        sent: tuple[AccessToken, ...] = (token,)
        self._authorise(request, token)
        response = yield request
        if response.status_code == 401:
            self._tokens.invalidate(credentials, token)
            fresh = self._tokens.token(credentials, self._key_role(role))
            sent += (fresh,)
            self._authorise(request, fresh)
            response = yield request
            if response.status_code == 401:
                response.read()
                raise self._rejected(request, response, operation, role, credentials, sent)
        if self._raise_on_error and response.status_code >= 400:
            response.read()
            raise self._failed(request, response, operation, role, credentials, sent)

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        operation, role, credentials = self._resolve(request)
        token = await self._tokens.atoken(credentials, self._key_role(role))
        sent: tuple[AccessToken, ...] = (token,)
        self._authorise(request, token)
        response = yield request
        if response.status_code == 401:
            await self._tokens.ainvalidate(credentials, token)
            fresh = await self._tokens.atoken(credentials, self._key_role(role))
            sent += (fresh,)
            self._authorise(request, fresh)
            response = yield request
            if response.status_code == 401:
                await response.aread()
                raise self._rejected(request, response, operation, role, credentials, sent)
        if self._raise_on_error and response.status_code >= 400:
            await response.aread()
            raise self._failed(request, response, operation, role, credentials, sent)
