from typing import Any

import httpx

from ... import errors
from ...client import ApiClient
from ...models.card_status import CardStatus
from ...models.error import Error
from ...models.multiple_flag import MultipleFlag
from ...models.operation_result import OperationResult
from ...types import UNSET, Response, Unset, http_status, path_segment


def _get_kwargs(
    environment_id: str,
    *,
    event_name: str | Unset = UNSET,
    lifecycle_id: str | Unset = UNSET,
    card_template_id: str | Unset = UNSET,
    flow_instance_id: str | Unset = UNSET,
    flow_invocation_id: str | Unset = UNSET,
    user_id: str | Unset = UNSET,
    status: CardStatus | Unset = UNSET,
    multiple: MultipleFlag | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    if event_name is not UNSET and event_name is not None:
        params["eventName"] = event_name

    if lifecycle_id is not UNSET and lifecycle_id is not None:
        params["lifecycleId"] = lifecycle_id

    if card_template_id is not UNSET and card_template_id is not None:
        params["cardTemplateId"] = card_template_id

    if flow_instance_id is not UNSET and flow_instance_id is not None:
        params["flowInstanceId"] = flow_instance_id

    if flow_invocation_id is not UNSET and flow_invocation_id is not None:
        params["flowInvocationId"] = flow_invocation_id

    if user_id is not UNSET and user_id is not None:
        params["userId"] = user_id

    json_status: str | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = status.value

    if json_status is not UNSET and json_status is not None:
        params["status"] = json_status

    json_multiple: int | Unset = UNSET
    if not isinstance(multiple, Unset):
        json_multiple = multiple.value

    if json_multiple is not UNSET and json_multiple is not None:
        params["multiple"] = json_multiple

    if limit is not UNSET and limit is not None:
        params["limit"] = limit

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": f"/v1/{path_segment(environment_id)}/cards/complete",
        "params": params,
        "extensions": {"atomic_operation_id": "completeCards"},
    }

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
    event_name: str | Unset = UNSET,
    lifecycle_id: str | Unset = UNSET,
    card_template_id: str | Unset = UNSET,
    flow_instance_id: str | Unset = UNSET,
    flow_invocation_id: str | Unset = UNSET,
    user_id: str | Unset = UNSET,
    status: CardStatus | Unset = UNSET,
    multiple: MultipleFlag | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> Response[Error | OperationResult]:
    """Complete cards (token: events)

     Moves the selected cards to Completed. Known from an unofficial third-party client, which sends e.g.
    `?lifecycleId=abc&multiple=1`. Inferred: the `limit` parameter, by analogy with cancelCards; that no
    body is sent; the response (unknown, modelled as a free-form object). Source:
    https://documentation.atomic.io/api/card-api (section "complete").

    Args:
        environment_id (str):
        event_name (str | Unset):
        lifecycle_id (str | Unset):
        card_template_id (str | Unset):
        flow_instance_id (str | Unset):
        flow_invocation_id (str | Unset):
        user_id (str | Unset):
        status (CardStatus | Unset): Card lifecycle state, lowercase. Open states: active,
            embargoed, snoozed. Final states: dismissed, completed, cancelled, expired. Only `active`
            has been seen in API output; the other spellings are inferred from the documented state
            names.
        multiple (MultipleFlag | Unset): Flag that allows a card action to affect more than one
            card; the only value is 1.
        limit (int | Unset):

    Raises:
        atomic_sdk.AtomicError: With an atomic_sdk.AtomicClient, every failure: ApiError subclasses for error and undeclared statuses, ResponseValidationError for a body the spec does not describe, ApiConnectionError / ApiTimeoutError when no response arrived (see docs/errors.md, "Errors" on the documentation site).
        errors.UnexpectedStatus: With a plain generated Client, if the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: With a plain generated Client, if the request takes longer than Client.timeout.

    Returns:
        Response[Error | OperationResult]
    """

    kwargs = _get_kwargs(
        environment_id=environment_id,
        event_name=event_name,
        lifecycle_id=lifecycle_id,
        card_template_id=card_template_id,
        flow_instance_id=flow_instance_id,
        flow_invocation_id=flow_invocation_id,
        user_id=user_id,
        status=status,
        multiple=multiple,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    environment_id: str,
    *,
    client: ApiClient,
    event_name: str | Unset = UNSET,
    lifecycle_id: str | Unset = UNSET,
    card_template_id: str | Unset = UNSET,
    flow_instance_id: str | Unset = UNSET,
    flow_invocation_id: str | Unset = UNSET,
    user_id: str | Unset = UNSET,
    status: CardStatus | Unset = UNSET,
    multiple: MultipleFlag | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> Error | OperationResult | None:
    """Complete cards (token: events)

     Moves the selected cards to Completed. Known from an unofficial third-party client, which sends e.g.
    `?lifecycleId=abc&multiple=1`. Inferred: the `limit` parameter, by analogy with cancelCards; that no
    body is sent; the response (unknown, modelled as a free-form object). Source:
    https://documentation.atomic.io/api/card-api (section "complete").

    Args:
        environment_id (str):
        event_name (str | Unset):
        lifecycle_id (str | Unset):
        card_template_id (str | Unset):
        flow_instance_id (str | Unset):
        flow_invocation_id (str | Unset):
        user_id (str | Unset):
        status (CardStatus | Unset): Card lifecycle state, lowercase. Open states: active,
            embargoed, snoozed. Final states: dismissed, completed, cancelled, expired. Only `active`
            has been seen in API output; the other spellings are inferred from the documented state
            names.
        multiple (MultipleFlag | Unset): Flag that allows a card action to affect more than one
            card; the only value is 1.
        limit (int | Unset):

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
        event_name=event_name,
        lifecycle_id=lifecycle_id,
        card_template_id=card_template_id,
        flow_instance_id=flow_instance_id,
        flow_invocation_id=flow_invocation_id,
        user_id=user_id,
        status=status,
        multiple=multiple,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    environment_id: str,
    *,
    client: ApiClient,
    event_name: str | Unset = UNSET,
    lifecycle_id: str | Unset = UNSET,
    card_template_id: str | Unset = UNSET,
    flow_instance_id: str | Unset = UNSET,
    flow_invocation_id: str | Unset = UNSET,
    user_id: str | Unset = UNSET,
    status: CardStatus | Unset = UNSET,
    multiple: MultipleFlag | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> Response[Error | OperationResult]:
    """Complete cards (token: events)

     Moves the selected cards to Completed. Known from an unofficial third-party client, which sends e.g.
    `?lifecycleId=abc&multiple=1`. Inferred: the `limit` parameter, by analogy with cancelCards; that no
    body is sent; the response (unknown, modelled as a free-form object). Source:
    https://documentation.atomic.io/api/card-api (section "complete").

    Args:
        environment_id (str):
        event_name (str | Unset):
        lifecycle_id (str | Unset):
        card_template_id (str | Unset):
        flow_instance_id (str | Unset):
        flow_invocation_id (str | Unset):
        user_id (str | Unset):
        status (CardStatus | Unset): Card lifecycle state, lowercase. Open states: active,
            embargoed, snoozed. Final states: dismissed, completed, cancelled, expired. Only `active`
            has been seen in API output; the other spellings are inferred from the documented state
            names.
        multiple (MultipleFlag | Unset): Flag that allows a card action to affect more than one
            card; the only value is 1.
        limit (int | Unset):

    Raises:
        atomic_sdk.AtomicError: With an atomic_sdk.AtomicClient, every failure: ApiError subclasses for error and undeclared statuses, ResponseValidationError for a body the spec does not describe, ApiConnectionError / ApiTimeoutError when no response arrived (see docs/errors.md, "Errors" on the documentation site).
        errors.UnexpectedStatus: With a plain generated Client, if the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: With a plain generated Client, if the request takes longer than Client.timeout.

    Returns:
        Response[Error | OperationResult]
    """

    kwargs = _get_kwargs(
        environment_id=environment_id,
        event_name=event_name,
        lifecycle_id=lifecycle_id,
        card_template_id=card_template_id,
        flow_instance_id=flow_instance_id,
        flow_invocation_id=flow_invocation_id,
        user_id=user_id,
        status=status,
        multiple=multiple,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    environment_id: str,
    *,
    client: ApiClient,
    event_name: str | Unset = UNSET,
    lifecycle_id: str | Unset = UNSET,
    card_template_id: str | Unset = UNSET,
    flow_instance_id: str | Unset = UNSET,
    flow_invocation_id: str | Unset = UNSET,
    user_id: str | Unset = UNSET,
    status: CardStatus | Unset = UNSET,
    multiple: MultipleFlag | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> Error | OperationResult | None:
    """Complete cards (token: events)

     Moves the selected cards to Completed. Known from an unofficial third-party client, which sends e.g.
    `?lifecycleId=abc&multiple=1`. Inferred: the `limit` parameter, by analogy with cancelCards; that no
    body is sent; the response (unknown, modelled as a free-form object). Source:
    https://documentation.atomic.io/api/card-api (section "complete").

    Args:
        environment_id (str):
        event_name (str | Unset):
        lifecycle_id (str | Unset):
        card_template_id (str | Unset):
        flow_instance_id (str | Unset):
        flow_invocation_id (str | Unset):
        user_id (str | Unset):
        status (CardStatus | Unset): Card lifecycle state, lowercase. Open states: active,
            embargoed, snoozed. Final states: dismissed, completed, cancelled, expired. Only `active`
            has been seen in API output; the other spellings are inferred from the documented state
            names.
        multiple (MultipleFlag | Unset): Flag that allows a card action to affect more than one
            card; the only value is 1.
        limit (int | Unset):

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
            event_name=event_name,
            lifecycle_id=lifecycle_id,
            card_template_id=card_template_id,
            flow_instance_id=flow_instance_id,
            flow_invocation_id=flow_invocation_id,
            user_id=user_id,
            status=status,
            multiple=multiple,
            limit=limit,
        )
    ).parsed
