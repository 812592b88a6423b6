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

# Resolved (method, URL without query) entries kept per client. Paths carry ids (users, cards), so the cache is
# bounded; past the bound new paths are resolved every time (correct, just not cached).
_RESOLVED_MAX = 1024

_Resolved = tuple[Operation, Role, Credentials, Role | None]


def _route_key(request: httpx.Request) -> tuple[object, ...]:
    """The request's method, scheme, user info, host, port and path (not the query): what selects a credential.

    Read from the parsed form httpx keeps on every URL (a named tuple), which costs a fraction of the public
    properties (``raw_path`` and ``raw_host`` encode, ``port`` normalises, on every access). An httpx
    without it gets the same fields from the public properties.
    """
    url = request.url
    try:
        return (request.method, url._uri_reference[:5])
    except (AttributeError, TypeError):
        return (request.method, url.scheme, url.userinfo, url.raw_host, url.port, url.raw_path.split(b"?", 1)[0])


def _set_authorization(headers: httpx.Headers, value: str) -> None:
    """``headers["Authorization"] = value``, without Headers.__setitem__'s cost when the header is not there yet.

    ``__setitem__`` encodes, lower-cases and rebuilds the list of every header to replace one; a request
    going out for the first time has no Authorization header, so appending to the (bytes) header list httpx
    keeps is the same result. Anything else (the 401 replay, a caller's own Authorization header, a token
    that is not ASCII, an httpx without that list) takes the public path.
    """
    entries = getattr(headers, "_list", None)
    if type(entries) is list and value.isascii():
        for entry in entries:
            if entry[1] == b"authorization":
                break
        else:
            entries.append((b"Authorization", b"authorization", value.encode("ascii")))
            return
    headers["Authorization"] = value


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
        self._resolved: dict[tuple[object, ...], _Resolved] = {}

    def __repr__(self) -> str:
        return f"AtomicAuth(credentials={self._credentials!r})"

    def _resolve(self, request: httpx.Request) -> _Resolved:
        # The hot path: the same few paths are called over and over, and matching one (origin check, regex
        # scan of the role map, role pick) costs several times this dict lookup. The key has the URL without
        # its query; scheme, host and port keep requests to other origins out of the entry.
        key = _route_key(request)
        resolved = self._resolved.get(key)
        if resolved is None:
            resolved = self._match(request)
            if len(self._resolved) < _RESOLVED_MAX:
                self._resolved[key] = resolved
        operation, role, credentials, _ = resolved
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

    def _match(self, request: httpx.Request) -> _Resolved:
        """Operation, role, credentials and token-provider role for a request not seen before; raises before
        any I/O."""
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
        # The role the token provider is told (it names the key in token errors): none for a single key
        # serving every role, so errors name the key, not the role of one operation.
        return operation, role, credentials, None if self._credentials.single else role

    @staticmethod
    def _authorise(request: httpx.Request, token: AccessToken) -> None:
        _set_authorization(request.headers, "Bearer " + token.value)

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
        operation, role, credentials, key_role = self._resolve(request)
        token = self._tokens.token(credentials, key_role)
        sent: tuple[AccessToken, ...] = (token,)
        self._authorise(request, token)
        response = yield request
        if response.status_code == 401:
            self._tokens.invalidate(credentials, token)
            fresh = self._tokens.token(credentials, key_role)
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
        operation, role, credentials, key_role = self._resolve(request)
        token = await self._tokens.atoken(credentials, key_role)
        sent: tuple[AccessToken, ...] = (token,)
        self._authorise(request, token)
        response = yield request
        if response.status_code == 401:
            await self._tokens.ainvalidate(credentials, token)
            fresh = await self._tokens.atoken(credentials, key_role)
            sent += (fresh,)
            self._authorise(request, fresh)
            response = yield request
            if response.status_code == 401:
                await response.aread()
                raise self._rejected(request, response, operation, role, credentials, sent)
        if self._raise_on_error and response.status_code >= 400:
            await response.aread()
            raise self._failed(request, response, operation, role, credentials, sent)
