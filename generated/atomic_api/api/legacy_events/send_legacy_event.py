from typing import Any

import httpx

from ... import errors
from ...client import ApiClient
from ...models.error import Error
from ...models.legacy_event_request import LegacyEventRequest
from ...models.operation_result import OperationResult
from ...types import Response, http_status, path_segment


def _get_kwargs(
    environment_id: str,
    *,
    body: LegacyEventRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": f"/v1/{path_segment(environment_id)}/event",
        "extensions": {"atomic_operation_id": "sendLegacyEvent"},
    }

    _kwargs["json"] = body.to_dict()

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
    body: LegacyEventRequest,
) -> Response[Error | OperationResult]:
    """Send a legacy event (token: events)

     Legacy: creates cards from a legacy event definition. Legacy events predate Action Flows;
    organisations created after 3 April 2024 use Action Flows (startActionFlow). Known only from an
    unofficial third-party client. The body is undocumented: the schema here is an inferred shape based
    on the fields stored on legacy card instances, and stays open to other fields. The response is
    unknown (free-form object). Source: old section "card-creation?id=atomic-events" referenced by the
    third-party client; see https://documentation.atomic.io/guide/action-flows/migration-guide

    Args:
        environment_id (str):
        body (LegacyEventRequest): Body of a legacy event (inferred shape, based on the fields
            stored on legacy card instances).

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
    body: LegacyEventRequest,
) -> Error | OperationResult | None:
    """Send a legacy event (token: events)

     Legacy: creates cards from a legacy event definition. Legacy events predate Action Flows;
    organisations created after 3 April 2024 use Action Flows (startActionFlow). Known only from an
    unofficial third-party client. The body is undocumented: the schema here is an inferred shape based
    on the fields stored on legacy card instances, and stays open to other fields. The response is
    unknown (free-form object). Source: old section "card-creation?id=atomic-events" referenced by the
    third-party client; see https://documentation.atomic.io/guide/action-flows/migration-guide

    Args:
        environment_id (str):
        body (LegacyEventRequest): Body of a legacy event (inferred shape, based on the fields
            stored on legacy card instances).

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
    body: LegacyEventRequest,
) -> Response[Error | OperationResult]:
    """Send a legacy event (token: events)

     Legacy: creates cards from a legacy event definition. Legacy events predate Action Flows;
    organisations created after 3 April 2024 use Action Flows (startActionFlow). Known only from an
    unofficial third-party client. The body is undocumented: the schema here is an inferred shape based
    on the fields stored on legacy card instances, and stays open to other fields. The response is
    unknown (free-form object). Source: old section "card-creation?id=atomic-events" referenced by the
    third-party client; see https://documentation.atomic.io/guide/action-flows/migration-guide

    Args:
        environment_id (str):
        body (LegacyEventRequest): Body of a legacy event (inferred shape, based on the fields
            stored on legacy card instances).

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
    body: LegacyEventRequest,
) -> Error | OperationResult | None:
    """Send a legacy event (token: events)

     Legacy: creates cards from a legacy event definition. Legacy events predate Action Flows;
    organisations created after 3 April 2024 use Action Flows (startActionFlow). Known only from an
    unofficial third-party client. The body is undocumented: the schema here is an inferred shape based
    on the fields stored on legacy card instances, and stays open to other fields. The response is
    unknown (free-form object). Source: old section "card-creation?id=atomic-events" referenced by the
    third-party client; see https://documentation.atomic.io/guide/action-flows/migration-guide

    Args:
        environment_id (str):
        body (LegacyEventRequest): Body of a legacy event (inferred shape, based on the fields
            stored on legacy card instances).

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
