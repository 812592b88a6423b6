from typing import Any

import httpx

from ... import errors
from ...client import ApiClient
from ...models.audit_log_page import AuditLogPage
from ...models.error import Error
from ...types import UNSET, Response, Unset, http_status, path_segment


def _get_kwargs(
    environment_id: str,
    *,
    cursor: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    if cursor is not UNSET and cursor is not None:
        params["cursor"] = cursor

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": f"/v1/{path_segment(environment_id)}/audit-log",
        "params": params,
        "extensions": {"atomic_operation_id": "listAuditLogEntries"},
    }

    return _kwargs


def _parse_response(
    *, client: ApiClient, response: httpx.Response
) -> AuditLogPage | Error | None:
    if response.status_code == 200:
        response_200 = AuditLogPage.from_dict(response.json())

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
) -> Response[AuditLogPage | Error]:
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
    cursor: str | Unset = UNSET,
) -> Response[AuditLogPage | Error]:
    """List audit log entries (token: workbench)

     Lists HTTP requests made in the Workbench, to the API and from SDKs (beta). Only the last 7 days can
    be queried, and entries can lag because they pass through a queue. Filters exist (including one on
    authentication type) but their parameter names are unknown, so they are not modelled. The response
    carries a `cursor`; passing it back as the `cursor` query parameter is inferred, and so is that
    parameter's name. Source: https://documentation.atomic.io/api/audit-log

    Args:
        environment_id (str):
        cursor (str | Unset):

    Raises:
        atomic_sdk.AtomicError: With an atomic_sdk.AtomicClient, every failure: ApiError subclasses for error and undeclared statuses, ResponseValidationError for a body the spec does not describe, ApiConnectionError / ApiTimeoutError when no response arrived (see docs/errors.md, "Errors" on the documentation site).
        errors.UnexpectedStatus: With a plain generated Client, if the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: With a plain generated Client, if the request takes longer than Client.timeout.

    Returns:
        Response[AuditLogPage | Error]
    """

    kwargs = _get_kwargs(
        environment_id=environment_id,
        cursor=cursor,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    environment_id: str,
    *,
    client: ApiClient,
    cursor: str | Unset = UNSET,
) -> AuditLogPage | Error | None:
    """List audit log entries (token: workbench)

     Lists HTTP requests made in the Workbench, to the API and from SDKs (beta). Only the last 7 days can
    be queried, and entries can lag because they pass through a queue. Filters exist (including one on
    authentication type) but their parameter names are unknown, so they are not modelled. The response
    carries a `cursor`; passing it back as the `cursor` query parameter is inferred, and so is that
    parameter's name. Source: https://documentation.atomic.io/api/audit-log

    Args:
        environment_id (str):
        cursor (str | Unset):

    Raises:
        atomic_sdk.AtomicError: With an atomic_sdk.AtomicClient, every failure: ApiError subclasses for error and undeclared statuses, ResponseValidationError for a body the spec does not describe, ApiConnectionError / ApiTimeoutError when no response arrived (see docs/errors.md, "Errors" on the documentation site).
        errors.UnexpectedStatus: With a plain generated Client, if the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: With a plain generated Client, if the request takes longer than Client.timeout.

    Returns:
        AuditLogPage | Error
    """

    return sync_detailed(
        environment_id=environment_id,
        client=client,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    environment_id: str,
    *,
    client: ApiClient,
    cursor: str | Unset = UNSET,
) -> Response[AuditLogPage | Error]:
    """List audit log entries (token: workbench)

     Lists HTTP requests made in the Workbench, to the API and from SDKs (beta). Only the last 7 days can
    be queried, and entries can lag because they pass through a queue. Filters exist (including one on
    authentication type) but their parameter names are unknown, so they are not modelled. The response
    carries a `cursor`; passing it back as the `cursor` query parameter is inferred, and so is that
    parameter's name. Source: https://documentation.atomic.io/api/audit-log

    Args:
        environment_id (str):
        cursor (str | Unset):

    Raises:
        atomic_sdk.AtomicError: With an atomic_sdk.AtomicClient, every failure: ApiError subclasses for error and undeclared statuses, ResponseValidationError for a body the spec does not describe, ApiConnectionError / ApiTimeoutError when no response arrived (see docs/errors.md, "Errors" on the documentation site).
        errors.UnexpectedStatus: With a plain generated Client, if the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: With a plain generated Client, if the request takes longer than Client.timeout.

    Returns:
        Response[AuditLogPage | Error]
    """

    kwargs = _get_kwargs(
        environment_id=environment_id,
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    environment_id: str,
    *,
    client: ApiClient,
    cursor: str | Unset = UNSET,
) -> AuditLogPage | Error | None:
    """List audit log entries (token: workbench)

     Lists HTTP requests made in the Workbench, to the API and from SDKs (beta). Only the last 7 days can
    be queried, and entries can lag because they pass through a queue. Filters exist (including one on
    authentication type) but their parameter names are unknown, so they are not modelled. The response
    carries a `cursor`; passing it back as the `cursor` query parameter is inferred, and so is that
    parameter's name. Source: https://documentation.atomic.io/api/audit-log

    Args:
        environment_id (str):
        cursor (str | Unset):

    Raises:
        atomic_sdk.AtomicError: With an atomic_sdk.AtomicClient, every failure: ApiError subclasses for error and undeclared statuses, ResponseValidationError for a body the spec does not describe, ApiConnectionError / ApiTimeoutError when no response arrived (see docs/errors.md, "Errors" on the documentation site).
        errors.UnexpectedStatus: With a plain generated Client, if the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: With a plain generated Client, if the request takes longer than Client.timeout.

    Returns:
        AuditLogPage | Error
    """

    return (
        await asyncio_detailed(
            environment_id=environment_id,
            client=client,
            cursor=cursor,
        )
    ).parsed
