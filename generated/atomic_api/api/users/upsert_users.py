from typing import Any

import httpx

from ... import errors
from ...client import ApiClient
from ...models.error import Error
from ...models.operation_result import OperationResult
from ...models.upsert_user import UpsertUser
from ...types import Response, http_status, path_segment


def _get_kwargs(
    environment_id: str,
    *,
    body: list[UpsertUser],
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": f"/v1/{path_segment(environment_id)}/users",
        "extensions": {"atomic_operation_id": "upsertUsers"},
    }

    _kwargs["json"] = []
    for body_item_data in body:
        body_item = body_item_data.to_dict()
        _kwargs["json"].append(body_item)

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: ApiClient, response: httpx.Response
) -> Error | OperationResult | None:
    if response.status_code == 200:
        response_200 = OperationResult.from_dict(response.json())

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
) -> Response[Error | OperationResult]:
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
    body: list[UpsertUser],
) -> Response[Error | OperationResult]:
    """Create or update customers (token: events or workbench)

     Creates or updates customers in bulk from a JSON array. The capability is documented; the method,
    path and array body come from an unofficial third-party client. The item schema is inferred from the
    Workbench CSV importer: only `id` is required, other keys are profile and custom-field values that
    overwrite those of an existing customer with the same id. Role: the third-party client sends an
    `events` key; the Users API page says "A credential role of either events or workbench is required
    to interact with the Users API", so a `workbench` key is accepted too (that this call belongs to
    that API rests on the third-party path). The response is unknown (free-form object). Sources:
    https://documentation.atomic.io/api/users-api,
    https://documentation.atomic.io/guide/customers/creating-and-updating

    Args:
        environment_id (str):
        body (list[UpsertUser]):

    Raises:
        atomic_sdk.AtomicError: With an atomic_sdk.AtomicClient, every failure: ApiError subclasses for error and undeclared statuses, ResponseValidationError for a body the spec does not describe, ApiConnectionError / ApiTimeoutError when no response arrived (see docs/errors.md, "Errors" on the documentation site).
        errors.UnexpectedStatus: With a plain generated Client, if the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: With a plain generated Client, if the request takes longer than Client.timeout.

    Returns:
        Response[Error | OperationResult]
    """

    kwargs = _get_kwargs(
        environment_id=environment_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    environment_id: str,
    *,
    client: ApiClient,
    body: list[UpsertUser],
) -> Error | OperationResult | None:
    """Create or update customers (token: events or workbench)

     Creates or updates customers in bulk from a JSON array. The capability is documented; the method,
    path and array body come from an unofficial third-party client. The item schema is inferred from the
    Workbench CSV importer: only `id` is required, other keys are profile and custom-field values that
    overwrite those of an existing customer with the same id. Role: the third-party client sends an
    `events` key; the Users API page says "A credential role of either events or workbench is required
    to interact with the Users API", so a `workbench` key is accepted too (that this call belongs to
    that API rests on the third-party path). The response is unknown (free-form object). Sources:
    https://documentation.atomic.io/api/users-api,
    https://documentation.atomic.io/guide/customers/creating-and-updating

    Args:
        environment_id (str):
        body (list[UpsertUser]):

    Raises:
        atomic_sdk.AtomicError: With an atomic_sdk.AtomicClient, every failure: ApiError subclasses for error and undeclared statuses, ResponseValidationError for a body the spec does not describe, ApiConnectionError / ApiTimeoutError when no response arrived (see docs/errors.md, "Errors" on the documentation site).
        errors.UnexpectedStatus: With a plain generated Client, if the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: With a plain generated Client, if the request takes longer than Client.timeout.

    Returns:
        Error | OperationResult
    """

    return sync_detailed(
        environment_id=environment_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    environment_id: str,
    *,
    client: ApiClient,
    body: list[UpsertUser],
) -> Response[Error | OperationResult]:
    """Create or update customers (token: events or workbench)

     Creates or updates customers in bulk from a JSON array. The capability is documented; the method,
    path and array body come from an unofficial third-party client. The item schema is inferred from the
    Workbench CSV importer: only `id` is required, other keys are profile and custom-field values that
    overwrite those of an existing customer with the same id. Role: the third-party client sends an
    `events` key; the Users API page says "A credential role of either events or workbench is required
    to interact with the Users API", so a `workbench` key is accepted too (that this call belongs to
    that API rests on the third-party path). The response is unknown (free-form object). Sources:
    https://documentation.atomic.io/api/users-api,
    https://documentation.atomic.io/guide/customers/creating-and-updating

    Args:
        environment_id (str):
        body (list[UpsertUser]):

    Raises:
        atomic_sdk.AtomicError: With an atomic_sdk.AtomicClient, every failure: ApiError subclasses for error and undeclared statuses, ResponseValidationError for a body the spec does not describe, ApiConnectionError / ApiTimeoutError when no response arrived (see docs/errors.md, "Errors" on the documentation site).
        errors.UnexpectedStatus: With a plain generated Client, if the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: With a plain generated Client, if the request takes longer than Client.timeout.

    Returns:
        Response[Error | OperationResult]
    """

    kwargs = _get_kwargs(
        environment_id=environment_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    environment_id: str,
    *,
    client: ApiClient,
    body: list[UpsertUser],
) -> Error | OperationResult | None:
    """Create or update customers (token: events or workbench)

     Creates or updates customers in bulk from a JSON array. The capability is documented; the method,
    path and array body come from an unofficial third-party client. The item schema is inferred from the
    Workbench CSV importer: only `id` is required, other keys are profile and custom-field values that
    overwrite those of an existing customer with the same id. Role: the third-party client sends an
    `events` key; the Users API page says "A credential role of either events or workbench is required
    to interact with the Users API", so a `workbench` key is accepted too (that this call belongs to
    that API rests on the third-party path). The response is unknown (free-form object). Sources:
    https://documentation.atomic.io/api/users-api,
    https://documentation.atomic.io/guide/customers/creating-and-updating

    Args:
        environment_id (str):
        body (list[UpsertUser]):

    Raises:
        atomic_sdk.AtomicError: With an atomic_sdk.AtomicClient, every failure: ApiError subclasses for error and undeclared statuses, ResponseValidationError for a body the spec does not describe, ApiConnectionError / ApiTimeoutError when no response arrived (see docs/errors.md, "Errors" on the documentation site).
        errors.UnexpectedStatus: With a plain generated Client, if the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: With a plain generated Client, if the request takes longer than Client.timeout.

    Returns:
        Error | OperationResult
    """

    return (
        await asyncio_detailed(
            environment_id=environment_id,
            client=client,
            body=body,
        )
    ).parsed
