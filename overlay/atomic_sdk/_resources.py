"""The hooks the generated resource layer (``atomic_api.resources``) calls on a client.

The generated layer builds each request with the operation module's own ``_get_kwargs`` and parses the
success statuses the spec declares; everything a client decides is here: the default environment id,
per-call options and the typed error for any other status. ``AtomicClient`` and ``AsyncAtomicClient``
inherit these hooks (see _client.py).

Adding a hand-written method to a generated resource: subclass the generated class (e.g.
``class WebhooksResource(atomic_api.resources.WebhooksResource)``), write the method with the same
shape as the generated ones (``self._client._resource_send(...)``, then raise through
``self._client._resource_error`` for any status it does not accept), and override the client's
property for that tag (``webhooks``) to return the subclass; a property may narrow its return type
to a subclass, so type checkers see the extra method.
"""

from collections.abc import Mapping
from typing import Any, NoReturn, Protocol

import httpx
from atomic_api.errors import UnexpectedStatus

from ._errors import ConfigurationError, api_error
from ._operations import DEFAULT_OPERATIONS
from ._retries import MAX_RETRIES_EXTENSION, RetryPolicy


class _Pools(Protocol):
    @property
    def environment_id(self) -> str | None: ...

    def get_httpx_client(self) -> httpx.Client: ...

    def get_async_httpx_client(self) -> httpx.AsyncClient: ...

    @property
    def _retry_policy(self) -> RetryPolicy: ...

    def response_error(self, response: httpx.Response, error: Exception) -> Exception | None: ...


def _check_options(
    operation: str,
    request: dict[str, Any],
    timeout: float | httpx.Timeout | None,
    extra_headers: Mapping[str, str] | None,
    max_retries: int | None,
) -> dict[str, Any]:
    # Imported here: _client imports this module.
    from ._client import _check_max_retries, _check_timeout

    if timeout is not None:
        request["timeout"] = _check_timeout(timeout)
    if extra_headers:
        if not isinstance(extra_headers, Mapping):
            raise ConfigurationError(f"{operation}: extra_headers must be a mapping of header names to values")
        headers = dict(request.get("headers") or {})
        headers.update(extra_headers)
        request["headers"] = headers
    if max_retries is not None:
        _check_max_retries(max_retries)
        request["extensions"] = {MAX_RETRIES_EXTENSION: max_retries}
    return request


class ResourceHooks:
    """Implements ``atomic_api.resources.SyncResourceClient`` and ``AsyncResourceClient`` for a client."""

    __slots__ = ()

    def _resource_environment_id(self: _Pools, operation: str) -> str:
        environment_id = self.environment_id
        if environment_id is None:
            raise ConfigurationError(
                f"{operation} needs an environment id: pass environment_id=... to the call, or give the client "
                "a default (environment_id=... or ATOMIC_ENVIRONMENT_ID for from_env())"
            )
        return environment_id

    def _resource_invalid_argument(self, operation: str, message: str) -> NoReturn:
        raise ConfigurationError(f"{operation}: {message}")

    def _resource_error(self: _Pools, operation: str, response: httpx.Response) -> NoReturn:
        # The same typed error as the generated functions raise for an undeclared status (a 3xx is a
        # RedirectError, a 2xx the spec does not declare an UnexpectedStatusError, 4xx/5xx their ApiError).
        error = UnexpectedStatus(response.status_code, response.content)
        replacement = self.response_error(response, error)
        if replacement is not None:
            raise replacement from None
        entry = DEFAULT_OPERATIONS.get(operation)
        raise api_error(
            status=response.status_code,
            method=response.request.method,
            url=str(response.request.url),
            operation_id=entry.operation_id,
            allowed_roles=entry.roles,
            content=response.content,
            headers=response.headers,
            now=self._retry_policy.clock(),
        )

    def _resource_send(
        self: _Pools,
        operation: str,
        request: dict[str, Any],
        timeout: float | httpx.Timeout | None,
        extra_headers: Mapping[str, str] | None,
        max_retries: int | None,
    ) -> httpx.Response:
        if timeout is not None or extra_headers or max_retries is not None:
            request = _check_options(operation, request, timeout, extra_headers, max_retries)
        return self.get_httpx_client().request(**request)

    async def _resource_asend(
        self: _Pools,
        operation: str,
        request: dict[str, Any],
        timeout: float | httpx.Timeout | None,
        extra_headers: Mapping[str, str] | None,
        max_retries: int | None,
    ) -> httpx.Response:
        if timeout is not None or extra_headers or max_retries is not None:
            request = _check_options(operation, request, timeout, extra_headers, max_retries)
        return await self.get_async_httpx_client().request(**request)
