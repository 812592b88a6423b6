from typing import Any

import httpx

from ... import errors
from ...client import ApiClient
from ...models.environment_list import EnvironmentList
from ...models.error import Error
from ...types import Response, http_status


def _get_kwargs() -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/environments",
        "extensions": {"atomic_operation_id": "listEnvironments"},
    }

    return _kwargs


def _parse_response(
    *, client: ApiClient, response: httpx.Response
) -> EnvironmentList | Error | None:
    if response.status_code == 200:
        response_200 = EnvironmentList.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Error.from_dict(response.json())

        return response_404

    if response.status_code == 429:
        response_429 = Error.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: ApiClient, response: httpx.Response
) -> Response[EnvironmentList | Error]:
    try:
        parsed = _parse_response(client=client, response=response)
    except Exception as error:
        # Atomic customisation: the client may replace a parsing failure (a body the spec does not
        # describe) or errors.UnexpectedStatus by its own typed error; None keeps the original.
        replacement = client.response_error(response, error)
        if replacement is None:
            raise
        raise replacement from error
    # Atomic customisation: status codes outside http.HTTPStatus (520, 599, 299) are kept, not refused. The
    # arguments go by position (status_code, content, headers, parsed): cheaper than keywords, once per call.
    return Response(
        http_status(response.status_code), response.content, response.headers, parsed
    )


def sync_detailed(
    *,
    client: ApiClient,
) -> Response[EnvironmentList | Error]:
    """List environments (token: any)

     Lists the environments the credential can access; normally the first call after authenticating. Any
    key works: a legacy `auth`, `workbench` or `events` key, or a fine-grained key. Results are filtered
    to what the credential can access. Use an environment `id` as `environmentId` in every other call.
    Source: https://documentation.atomic.io/api/environments-api

    Raises:
        atomic_sdk.AtomicError: With an atomic_sdk.AtomicClient, every failure: ApiError subclasses for error and undeclared statuses, ResponseValidationError for a body the spec does not describe, ApiConnectionError / ApiTimeoutError when no response arrived (see docs/errors.md, "Errors" on the documentation site).
        errors.UnexpectedStatus: With a plain generated Client, if the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: With a plain generated Client, if the request takes longer than Client.timeout.

    Returns:
        Response[EnvironmentList | Error]
    """

    kwargs = _get_kwargs()

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: ApiClient,
) -> EnvironmentList | Error | None:
    """List environments (token: any)

     Lists the environments the credential can access; normally the first call after authenticating. Any
    key works: a legacy `auth`, `workbench` or `events` key, or a fine-grained key. Results are filtered
    to what the credential can access. Use an environment `id` as `environmentId` in every other call.
    Source: https://documentation.atomic.io/api/environments-api

    Raises:
        atomic_sdk.AtomicError: With an atomic_sdk.AtomicClient, every failure: ApiError subclasses for error and undeclared statuses, ResponseValidationError for a body the spec does not describe, ApiConnectionError / ApiTimeoutError when no response arrived (see docs/errors.md, "Errors" on the documentation site).
        errors.UnexpectedStatus: With a plain generated Client, if the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: With a plain generated Client, if the request takes longer than Client.timeout.

    Returns:
        EnvironmentList | Error
    """

    return sync_detailed(
        client=client,
    ).parsed


async def asyncio_detailed(
    *,
    client: ApiClient,
) -> Response[EnvironmentList | Error]:
    """List environments (token: any)

     Lists the environments the credential can access; normally the first call after authenticating. Any
    key works: a legacy `auth`, `workbench` or `events` key, or a fine-grained key. Results are filtered
    to what the credential can access. Use an environment `id` as `environmentId` in every other call.
    Source: https://documentation.atomic.io/api/environments-api

    Raises:
        atomic_sdk.AtomicError: With an atomic_sdk.AtomicClient, every failure: ApiError subclasses for error and undeclared statuses, ResponseValidationError for a body the spec does not describe, ApiConnectionError / ApiTimeoutError when no response arrived (see docs/errors.md, "Errors" on the documentation site).
        errors.UnexpectedStatus: With a plain generated Client, if the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: With a plain generated Client, if the request takes longer than Client.timeout.

    Returns:
        Response[EnvironmentList | Error]
    """

    kwargs = _get_kwargs()

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: ApiClient,
) -> EnvironmentList | Error | None:
    """List environments (token: any)

     Lists the environments the credential can access; normally the first call after authenticating. Any
    key works: a legacy `auth`, `workbench` or `events` key, or a fine-grained key. Results are filtered
    to what the credential can access. Use an environment `id` as `environmentId` in every other call.
    Source: https://documentation.atomic.io/api/environments-api

    Raises:
        atomic_sdk.AtomicError: With an atomic_sdk.AtomicClient, every failure: ApiError subclasses for error and undeclared statuses, ResponseValidationError for a body the spec does not describe, ApiConnectionError / ApiTimeoutError when no response arrived (see docs/errors.md, "Errors" on the documentation site).
        errors.UnexpectedStatus: With a plain generated Client, if the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: With a plain generated Client, if the request takes longer than Client.timeout.

    Returns:
        EnvironmentList | Error
    """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed
