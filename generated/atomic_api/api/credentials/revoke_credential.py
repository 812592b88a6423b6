from typing import Any

import httpx

from ... import errors
from ...client import ApiClient
from ...models.error import Error
from ...models.revoked_credential_response import RevokedCredentialResponse
from ...types import Response, http_status, path_segment


def _get_kwargs(
    environment_id: str,
    client_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": f"/v1/{path_segment(environment_id)}/credentials/{path_segment(client_id)}",
        "extensions": {"atomic_operation_id": "revokeCredential"},
    }

    return _kwargs


def _parse_response(
    *, client: ApiClient, response: httpx.Response
) -> Error | RevokedCredentialResponse | None:
    if response.status_code == 200:
        response_200 = RevokedCredentialResponse.from_dict(response.json())

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
) -> Response[Error | RevokedCredentialResponse]:
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
    client_id: str,
    *,
    client: ApiClient,
) -> Response[Error | RevokedCredentialResponse]:
    """Revoke an API credential (token: auth)

     Revokes a non-auth API key. The response echoes the revoked client id. The success status code is
    not documented; 200 is inferred. Source: https://documentation.atomic.io/api/api-credentials

    Args:
        environment_id (str):
        client_id (str):

    Raises:
        atomic_sdk.AtomicError: With an atomic_sdk.AtomicClient, every failure: ApiError subclasses for error and undeclared statuses, ResponseValidationError for a body the spec does not describe, ApiConnectionError / ApiTimeoutError when no response arrived (see docs/errors.md, "Errors" on the documentation site).
        errors.UnexpectedStatus: With a plain generated Client, if the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: With a plain generated Client, if the request takes longer than Client.timeout.

    Returns:
        Response[Error | RevokedCredentialResponse]
    """

    kwargs = _get_kwargs(
        environment_id=environment_id,
        client_id=client_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    environment_id: str,
    client_id: str,
    *,
    client: ApiClient,
) -> Error | RevokedCredentialResponse | None:
    """Revoke an API credential (token: auth)

     Revokes a non-auth API key. The response echoes the revoked client id. The success status code is
    not documented; 200 is inferred. Source: https://documentation.atomic.io/api/api-credentials

    Args:
        environment_id (str):
        client_id (str):

    Raises:
        atomic_sdk.AtomicError: With an atomic_sdk.AtomicClient, every failure: ApiError subclasses for error and undeclared statuses, ResponseValidationError for a body the spec does not describe, ApiConnectionError / ApiTimeoutError when no response arrived (see docs/errors.md, "Errors" on the documentation site).
        errors.UnexpectedStatus: With a plain generated Client, if the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: With a plain generated Client, if the request takes longer than Client.timeout.

    Returns:
        Error | RevokedCredentialResponse
    """

    return sync_detailed(
        environment_id=environment_id,
        client_id=client_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    environment_id: str,
    client_id: str,
    *,
    client: ApiClient,
) -> Response[Error | RevokedCredentialResponse]:
    """Revoke an API credential (token: auth)

     Revokes a non-auth API key. The response echoes the revoked client id. The success status code is
    not documented; 200 is inferred. Source: https://documentation.atomic.io/api/api-credentials

    Args:
        environment_id (str):
        client_id (str):

    Raises:
        atomic_sdk.AtomicError: With an atomic_sdk.AtomicClient, every failure: ApiError subclasses for error and undeclared statuses, ResponseValidationError for a body the spec does not describe, ApiConnectionError / ApiTimeoutError when no response arrived (see docs/errors.md, "Errors" on the documentation site).
        errors.UnexpectedStatus: With a plain generated Client, if the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: With a plain generated Client, if the request takes longer than Client.timeout.

    Returns:
        Response[Error | RevokedCredentialResponse]
    """

    kwargs = _get_kwargs(
        environment_id=environment_id,
        client_id=client_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    environment_id: str,
    client_id: str,
    *,
    client: ApiClient,
) -> Error | RevokedCredentialResponse | None:
    """Revoke an API credential (token: auth)

     Revokes a non-auth API key. The response echoes the revoked client id. The success status code is
    not documented; 200 is inferred. Source: https://documentation.atomic.io/api/api-credentials

    Args:
        environment_id (str):
        client_id (str):

    Raises:
        atomic_sdk.AtomicError: With an atomic_sdk.AtomicClient, every failure: ApiError subclasses for error and undeclared statuses, ResponseValidationError for a body the spec does not describe, ApiConnectionError / ApiTimeoutError when no response arrived (see docs/errors.md, "Errors" on the documentation site).
        errors.UnexpectedStatus: With a plain generated Client, if the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: With a plain generated Client, if the request takes longer than Client.timeout.

    Returns:
        Error | RevokedCredentialResponse
    """

    return (
        await asyncio_detailed(
            environment_id=environment_id,
            client_id=client_id,
            client=client,
        )
    ).parsed
