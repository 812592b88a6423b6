"""The webhook test call, which the spec cannot describe as an operation of its own.

``POST /v1/{environmentId}/webhook?type=<event>`` shares method and path with createWebhookSubscription
(OpenAPI 3.0 allows one operation per method and path), so the generator has no function for it. It goes
through the client's own httpx pools, so it gets the same auth (the subscribe operation's role,
``workbench``), User-Agent, retries and error mapping as every generated call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

from ._client import AsyncAtomicClient, AtomicClient, _AtomicClientBase
from ._errors import ConfigurationError, api_error, parse_body, response_validation_error

if TYPE_CHECKING:
    from atomic_api.models.operation_result import OperationResult

#: The name the reference index gives this call; errors raised by the API name the operation whose
#: method and path it shares (createWebhookSubscription), as the role map knows only that one.
OPERATION_ID = "testWebhookSubscription"


def _check_event_type(event_type: object) -> str:
    if not isinstance(event_type, str) or not event_type.strip():
        raise ConfigurationError(
            f"event_type must be a non-empty analytics event name such as 'card-published', got {event_type!r}"
        )
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in event_type):
        raise ConfigurationError(f"event_type must not contain spaces or control characters, got {event_type!r}")
    return event_type


def request_kwargs(client: object, event_type: object, environment_id: str | None) -> dict[str, Any]:
    """The httpx request arguments of the test call (``method``, ``url``, ``params``); checks every argument."""
    path, params = _request(client, event_type, environment_id)
    return {"method": "POST", "url": path, "params": params}


def result_of(response: httpx.Response) -> OperationResult:
    """The test call's result from its response, or the typed error (errors always raise)."""
    return _result(response)


def _request(client: object, event_type: object, environment_id: str | None) -> tuple[str, dict[str, str]]:
    # Everything that can be wrong without I/O fails here, before a token is fetched.
    if not isinstance(client, _AtomicClientBase):
        raise ConfigurationError(
            f"client must be an AtomicClient or AsyncAtomicClient (it adds auth and the User-Agent), got {type(client).__name__}"
        )
    checked = _check_event_type(event_type)
    env = client.environment_id if environment_id is None else environment_id
    if not isinstance(env, str) or not env:
        raise ConfigurationError(
            "environment_id is required: pass environment_id=... or create the client with environment_id"
        )
    return f"/v1/{quote(env, safe='')}/webhook", {"type": checked}


def _sent_token(request: httpx.Request) -> list[str]:
    authorization = request.headers.get("authorization", "")
    return [authorization[7:]] if authorization[:7].lower() == "bearer " and authorization[7:] else []


def _result(response: httpx.Response) -> OperationResult:
    # Imported here: any atomic_api.models module loads the whole models package (every model), which
    # `import atomic_sdk` should not pay for a call most programs never make.
    from atomic_api.models.operation_result import OperationResult

    request = response.request
    if response.status_code >= 300:
        # Only reached when the client was built with raise_on_error=False (the auth layer raises first
        # otherwise): this call has no error model to return, so errors always raise.
        raise api_error(
            status=response.status_code,
            method=request.method,
            url=str(request.url),
            operation_id=OPERATION_ID,
            content=response.content,
            headers=response.headers,
            redacted=_sent_token(request),
        )
    body = parse_body(response.content, response.headers.get("content-type"))
    if body is None:
        return OperationResult()
    if not isinstance(body, dict):
        # A success status with a body that is not what the call returns: like every such body, a
        # ResponseValidationError (status, content type and an excerpt; never a token).
        raise response_validation_error(
            response,
            TypeError(f"the body is not a JSON object ({type(body).__name__}); the test call's response is undocumented"),
            operation_id=OPERATION_ID,
            redacted=_sent_token(request),
        )
    parsed: dict[str, Any] = body
    return OperationResult.from_dict(parsed)


def test_webhook_subscription(
    client: AtomicClient | AsyncAtomicClient, event_type: str, *, environment_id: str | None = None
) -> OperationResult:
    """Ask Atomic to send a test event of ``event_type`` to the environment's webhook subscriptions.

    Sends ``POST /v1/{environment_id}/webhook?type=<event_type>`` with no body and a ``workbench`` key (the
    role of the Webhooks API). What the call does is inferred from its name and a third-party client, and
    its response is undocumented: the JSON object it returns (empty when there is no body) comes back as
    an ``OperationResult``, whose ``additional_properties`` hold the fields.

    ``environment_id`` defaults to the client's. Errors raise, whatever the client's ``raise_on_error``:
    ``ApiError`` subclasses for error statuses (as for every call, an error the API returns names
    createWebhookSubscription, whose method and path this call shares), ``MissingCredentialsError``
    without a workbench key, ``ConfigurationError`` for a bad argument (before any request).

    Example::

        from atomic_sdk import AtomicClient, test_webhook_subscription

        with AtomicClient.from_env() as client:
            test_webhook_subscription(client, "card-published")
    """
    path, params = _request(client, event_type, environment_id)
    response = client.get_httpx_client().post(path, params=params)
    return _result(response)


async def atest_webhook_subscription(
    client: AtomicClient | AsyncAtomicClient, event_type: str, *, environment_id: str | None = None
) -> OperationResult:
    """The async twin of ``test_webhook_subscription`` (same request, result and errors).

    Example::

        async with AtomicClient.from_env() as client:
            await atest_webhook_subscription(client, "card-completed")
    """
    path, params = _request(client, event_type, environment_id)
    response = await client.get_async_httpx_client().post(path, params=params)
    return _result(response)


# Its name starts with "test", and users import it into test modules: keep pytest from collecting it.
test_webhook_subscription.__test__ = False  # type: ignore[attr-defined]
