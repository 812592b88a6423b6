import datetime
from typing import Any

import httpx

from ... import errors
from ...client import ApiClient
from ...models.batched_analytics import BatchedAnalytics
from ...models.batched_analytics_format import BatchedAnalyticsFormat
from ...models.error import Error
from ...types import UNSET, Response, Unset, http_status, path_segment


def _get_kwargs(
    environment_id: str,
    *,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    format_: BatchedAnalyticsFormat | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_from_: str | Unset = UNSET
    if not isinstance(from_, Unset):
        json_from_ = from_.isoformat()
    if json_from_ is not UNSET and json_from_ is not None:
        params["from"] = json_from_

    json_to: str | Unset = UNSET
    if not isinstance(to, Unset):
        json_to = to.isoformat()
    if json_to is not UNSET and json_to is not None:
        params["to"] = json_to

    json_format_: str | Unset = UNSET
    if not isinstance(format_, Unset):
        json_format_ = format_.value

    if json_format_ is not UNSET and json_format_ is not None:
        params["format"] = json_format_

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": f"/v1/{path_segment(environment_id)}/analytics/batched",
        "params": params,
        "extensions": {"atomic_operation_id": "getBatchedAnalytics"},
    }

    return _kwargs


def _parse_response(
    *, client: ApiClient, response: httpx.Response
) -> BatchedAnalytics | Error | None:
    if response.status_code == 200:
        response_200 = BatchedAnalytics.from_dict(response.json())

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
) -> Response[BatchedAnalytics | Error]:
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
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    format_: BatchedAnalyticsFormat | Unset = UNSET,
) -> Response[BatchedAnalytics | Error]:
    """Get batched analytics files (token: workbench)

     Returns links to hourly analytics export files. `from` is rounded down and `to` up to the hour; the
    range is at most 30 days. Response keys are the UTC hour that ended (`YYYY-MM-DDTHH`); values are
    pre-signed URLs that expire after 15 minutes, and an empty array means no events in that hour. An
    hour appears at most 1 h after it ends; partial hours cannot be fetched. The role is not documented:
    `workbench` is inferred by analogy with the audit log. `from` and `to` are optional: the
    documentation says "A time range may be specified via the from and to parameters"; which range the
    API uses when they are left out is undocumented. Source:
    https://documentation.atomic.io/guide/analytics/overview

    Args:
        environment_id (str):
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        format_ (BatchedAnalyticsFormat | Unset):

    Raises:
        atomic_sdk.AtomicError: With an atomic_sdk.AtomicClient, every failure: ApiError subclasses for error and undeclared statuses, ResponseValidationError for a body the spec does not describe, ApiConnectionError / ApiTimeoutError when no response arrived (see docs/errors.md, "Errors" on the documentation site).
        errors.UnexpectedStatus: With a plain generated Client, if the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: With a plain generated Client, if the request takes longer than Client.timeout.

    Returns:
        Response[BatchedAnalytics | Error]
    """

    kwargs = _get_kwargs(
        environment_id=environment_id,
        from_=from_,
        to=to,
        format_=format_,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    environment_id: str,
    *,
    client: ApiClient,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    format_: BatchedAnalyticsFormat | Unset = UNSET,
) -> BatchedAnalytics | Error | None:
    """Get batched analytics files (token: workbench)

     Returns links to hourly analytics export files. `from` is rounded down and `to` up to the hour; the
    range is at most 30 days. Response keys are the UTC hour that ended (`YYYY-MM-DDTHH`); values are
    pre-signed URLs that expire after 15 minutes, and an empty array means no events in that hour. An
    hour appears at most 1 h after it ends; partial hours cannot be fetched. The role is not documented:
    `workbench` is inferred by analogy with the audit log. `from` and `to` are optional: the
    documentation says "A time range may be specified via the from and to parameters"; which range the
    API uses when they are left out is undocumented. Source:
    https://documentation.atomic.io/guide/analytics/overview

    Args:
        environment_id (str):
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        format_ (BatchedAnalyticsFormat | Unset):

    Raises:
        atomic_sdk.AtomicError: With an atomic_sdk.AtomicClient, every failure: ApiError subclasses for error and undeclared statuses, ResponseValidationError for a body the spec does not describe, ApiConnectionError / ApiTimeoutError when no response arrived (see docs/errors.md, "Errors" on the documentation site).
        errors.UnexpectedStatus: With a plain generated Client, if the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: With a plain generated Client, if the request takes longer than Client.timeout.

    Returns:
        BatchedAnalytics | Error
    """

    return sync_detailed(
        environment_id=environment_id,
        client=client,
        from_=from_,
        to=to,
        format_=format_,
    ).parsed


async def asyncio_detailed(
    environment_id: str,
    *,
    client: ApiClient,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    format_: BatchedAnalyticsFormat | Unset = UNSET,
) -> Response[BatchedAnalytics | Error]:
    """Get batched analytics files (token: workbench)

     Returns links to hourly analytics export files. `from` is rounded down and `to` up to the hour; the
    range is at most 30 days. Response keys are the UTC hour that ended (`YYYY-MM-DDTHH`); values are
    pre-signed URLs that expire after 15 minutes, and an empty array means no events in that hour. An
    hour appears at most 1 h after it ends; partial hours cannot be fetched. The role is not documented:
    `workbench` is inferred by analogy with the audit log. `from` and `to` are optional: the
    documentation says "A time range may be specified via the from and to parameters"; which range the
    API uses when they are left out is undocumented. Source:
    https://documentation.atomic.io/guide/analytics/overview

    Args:
        environment_id (str):
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        format_ (BatchedAnalyticsFormat | Unset):

    Raises:
        atomic_sdk.AtomicError: With an atomic_sdk.AtomicClient, every failure: ApiError subclasses for error and undeclared statuses, ResponseValidationError for a body the spec does not describe, ApiConnectionError / ApiTimeoutError when no response arrived (see docs/errors.md, "Errors" on the documentation site).
        errors.UnexpectedStatus: With a plain generated Client, if the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: With a plain generated Client, if the request takes longer than Client.timeout.

    Returns:
        Response[BatchedAnalytics | Error]
    """

    kwargs = _get_kwargs(
        environment_id=environment_id,
        from_=from_,
        to=to,
        format_=format_,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    environment_id: str,
    *,
    client: ApiClient,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    format_: BatchedAnalyticsFormat | Unset = UNSET,
) -> BatchedAnalytics | Error | None:
    """Get batched analytics files (token: workbench)

     Returns links to hourly analytics export files. `from` is rounded down and `to` up to the hour; the
    range is at most 30 days. Response keys are the UTC hour that ended (`YYYY-MM-DDTHH`); values are
    pre-signed URLs that expire after 15 minutes, and an empty array means no events in that hour. An
    hour appears at most 1 h after it ends; partial hours cannot be fetched. The role is not documented:
    `workbench` is inferred by analogy with the audit log. `from` and `to` are optional: the
    documentation says "A time range may be specified via the from and to parameters"; which range the
    API uses when they are left out is undocumented. Source:
    https://documentation.atomic.io/guide/analytics/overview

    Args:
        environment_id (str):
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        format_ (BatchedAnalyticsFormat | Unset):

    Raises:
        atomic_sdk.AtomicError: With an atomic_sdk.AtomicClient, every failure: ApiError subclasses for error and undeclared statuses, ResponseValidationError for a body the spec does not describe, ApiConnectionError / ApiTimeoutError when no response arrived (see docs/errors.md, "Errors" on the documentation site).
        errors.UnexpectedStatus: With a plain generated Client, if the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: With a plain generated Client, if the request takes longer than Client.timeout.

    Returns:
        BatchedAnalytics | Error
    """

    return (
        await asyncio_detailed(
            environment_id=environment_id,
            client=client,
            from_=from_,
            to=to,
            format_=format_,
        )
    ).parsed
