from typing import Any

import httpx

from ... import errors
from ...client import ApiClient
from ...models.error import Error
from ...models.user_list import UserList
from ...types import UNSET, Response, Unset, http_status, path_segment


def _get_kwargs(
    environment_id: str,
    *,
    limit: int | Unset = UNSET,
    segment_id: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    if limit is not UNSET and limit is not None:
        params["limit"] = limit

    if segment_id is not UNSET and segment_id is not None:
        params["segmentId"] = segment_id

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": f"/v1/{path_segment(environment_id)}/users",
        "params": params,
        "extensions": {"atomic_operation_id": "listUsers"},
    }

    return _kwargs


def _parse_response(
    *, client: ApiClient, response: httpx.Response
) -> Error | UserList | None:
    if response.status_code == 200:
        response_200 = UserList.from_dict(response.json())

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
) -> Response[Error | UserList]:
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
    environment_id: str,
    *,
    client: ApiClient,
    limit: int | Unset = UNSET,
    segment_id: str | Unset = UNSET,
) -> Response[Error | UserList]:
    """List customers (token: events or workbench)

     Lists customers, optionally only those in a segment. The documentation heads this call "List all
    customers (token: events)", and the page says "A credential role of either events or workbench is
    required to interact with the Users API", so either key works; `events` is tried first. The type of
    `limit` is inferred; its default and maximum, other filters and any pagination are unknown. Source:
    https://documentation.atomic.io/api/users-api

    Args:
        environment_id (str):
        limit (int | Unset):
        segment_id (str | Unset):

    Raises:
        atomic_sdk.AtomicError: With an atomic_sdk.AtomicClient, every failure: ApiError subclasses for error and undeclared statuses, ResponseValidationError for a body the spec does not describe, ApiConnectionError / ApiTimeoutError when no response arrived (see docs/errors.md, "Errors" on the documentation site).
        errors.UnexpectedStatus: With a plain generated Client, if the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: With a plain generated Client, if the request takes longer than Client.timeout.

    Returns:
        Response[Error | UserList]
    """

    kwargs = _get_kwargs(
        environment_id=environment_id,
        limit=limit,
        segment_id=segment_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    environment_id: str,
    *,
    client: ApiClient,
    limit: int | Unset = UNSET,
    segment_id: str | Unset = UNSET,
) -> Error | UserList | None:
    """List customers (token: events or workbench)

     Lists customers, optionally only those in a segment. The documentation heads this call "List all
    customers (token: events)", and the page says "A credential role of either events or workbench is
    required to interact with the Users API", so either key works; `events` is tried first. The type of
    `limit` is inferred; its default and maximum, other filters and any pagination are unknown. Source:
    https://documentation.atomic.io/api/users-api

    Args:
        environment_id (str):
        limit (int | Unset):
        segment_id (str | Unset):

    Raises:
        atomic_sdk.AtomicError: With an atomic_sdk.AtomicClient, every failure: ApiError subclasses for error and undeclared statuses, ResponseValidationError for a body the spec does not describe, ApiConnectionError / ApiTimeoutError when no response arrived (see docs/errors.md, "Errors" on the documentation site).
        errors.UnexpectedStatus: With a plain generated Client, if the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: With a plain generated Client, if the request takes longer than Client.timeout.

    Returns:
        Error | UserList
    """

    return sync_detailed(
        environment_id=environment_id,
        client=client,
        limit=limit,
        segment_id=segment_id,
    ).parsed


async def asyncio_detailed(
    environment_id: str,
    *,
    client: ApiClient,
    limit: int | Unset = UNSET,
    segment_id: str | Unset = UNSET,
) -> Response[Error | UserList]:
    """List customers (token: events or workbench)

     Lists customers, optionally only those in a segment. The documentation heads this call "List all
    customers (token: events)", and the page says "A credential role of either events or workbench is
    required to interact with the Users API", so either key works; `events` is tried first. The type of
    `limit` is inferred; its default and maximum, other filters and any pagination are unknown. Source:
    https://documentation.atomic.io/api/users-api

    Args:
        environment_id (str):
        limit (int | Unset):
        segment_id (str | Unset):

    Raises:
        atomic_sdk.AtomicError: With an atomic_sdk.AtomicClient, every failure: ApiError subclasses for error and undeclared statuses, ResponseValidationError for a body the spec does not describe, ApiConnectionError / ApiTimeoutError when no response arrived (see docs/errors.md, "Errors" on the documentation site).
        errors.UnexpectedStatus: With a plain generated Client, if the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: With a plain generated Client, if the request takes longer than Client.timeout.

    Returns:
        Response[Error | UserList]
    """

    kwargs = _get_kwargs(
        environment_id=environment_id,
        limit=limit,
        segment_id=segment_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    environment_id: str,
    *,
    client: ApiClient,
    limit: int | Unset = UNSET,
    segment_id: str | Unset = UNSET,
) -> Error | UserList | None:
    """List customers (token: events or workbench)

     Lists customers, optionally only those in a segment. The documentation heads this call "List all
    customers (token: events)", and the page says "A credential role of either events or workbench is
    required to interact with the Users API", so either key works; `events` is tried first. The type of
    `limit` is inferred; its default and maximum, other filters and any pagination are unknown. Source:
    https://documentation.atomic.io/api/users-api

    Args:
        environment_id (str):
        limit (int | Unset):
        segment_id (str | Unset):

    Raises:
        atomic_sdk.AtomicError: With an atomic_sdk.AtomicClient, every failure: ApiError subclasses for error and undeclared statuses, ResponseValidationError for a body the spec does not describe, ApiConnectionError / ApiTimeoutError when no response arrived (see docs/errors.md, "Errors" on the documentation site).
        errors.UnexpectedStatus: With a plain generated Client, if the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: With a plain generated Client, if the request takes longer than Client.timeout.

    Returns:
        Error | UserList
    """

    return (
        await asyncio_detailed(
            environment_id=environment_id,
            client=client,
            limit=limit,
            segment_id=segment_id,
        )
    ).parsed
