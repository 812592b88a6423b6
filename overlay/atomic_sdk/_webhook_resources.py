"""``client.webhooks`` with the webhook test call, which the spec cannot describe as an operation of its own.

``POST /v1/{environmentId}/webhook?type=<event>`` shares method and path with createWebhookSubscription
(OpenAPI 3.0 allows one operation per method and path), so the generator has no function for it. The
generated ``WebhooksResource`` / ``AsyncWebhooksResource`` are subclassed here and the clients' ``webhooks``
property returns the subclass (a property may narrow its return type, so type checkers see the extra method).
The request goes through the same pipeline as every generated call: it carries createWebhookSubscription's
operation id (the role map's entry for that method and path: role ``workbench``), so it gets the same auth,
User-Agent, retries and error mapping. Errors name createWebhookSubscription.

This module imports the generated webhooks resource (and so its models): the clients import it on first use
of ``client.webhooks`` only.
"""

from collections.abc import Mapping
from typing import Any

from atomic_api.models.operation_result import OperationResult
from atomic_api.resources._base import HttpResponse, ResourceClient, ResponseT, Timeout
from atomic_api.resources.webhooks import AsyncWebhooksResource as _GeneratedAsyncWebhooksResource
from atomic_api.resources.webhooks import WebhooksResource as _GeneratedWebhooksResource
from atomic_api.types import path_segment

from ._errors import ConfigurationError

#: The name the reference index gives this call.
OPERATION_ID = "testWebhookSubscription"
#: The role-map operation it shares method and path with (its credentials and the name errors carry).
SHARED_OPERATION_ID = "createWebhookSubscription"


def _request(client: ResourceClient, event_type: object, environment_id: str | None) -> dict[str, Any]:
    # Everything that can be wrong without I/O fails here, before a token is fetched.
    if not isinstance(event_type, str) or not event_type.strip():
        raise ConfigurationError(
            f"event_type must be a non-empty analytics event name such as 'card-published', got {event_type!r}"
        )
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in event_type):
        raise ConfigurationError(f"event_type must not contain spaces or control characters, got {event_type!r}")
    if environment_id is None:
        environment_id = client._resource_environment_id(OPERATION_ID)
    elif not isinstance(environment_id, str) or not environment_id:
        raise ConfigurationError(f"{OPERATION_ID}: environment_id must be a non-empty string, got {environment_id!r}")
    return {
        "method": "post",
        "url": f"/v1/{path_segment(environment_id)}/webhook",
        "params": {"type": event_type},
        "extensions": {"atomic_operation_id": SHARED_OPERATION_ID},
    }


def _result(client: ResourceClient, response: HttpResponse) -> OperationResult:
    if not 200 <= response.status_code < 300:
        client._resource_error(OPERATION_ID, response)
    if not response.content.strip():
        return OperationResult()
    try:
        body = response.json()
        if not isinstance(body, dict):
            raise TypeError(f"the body is not a JSON object ({type(body).__name__}); the response is undocumented")
        return OperationResult.from_dict(body)
    except Exception as error:
        replacement = client.response_error(response, error)
        if replacement is None:
            raise
        raise replacement from error


_DOC = """Ask Atomic to send a test event of ``event_type`` to the environment's webhook subscriptions.

        ``POST /v1/{environmentId}/webhook?type=<event_type>``, no body; role workbench (the Webhooks API's).
        The call shares method and path with ``create_webhook_subscription``, so the spec cannot describe it
        and it is written by hand. Its response is undocumented: the JSON object returned (empty without a
        body) comes back as an ``OperationResult`` whose ``additional_properties`` hold the fields.

        Args:
            event_type (str): the analytics event to send, e.g. ``"card-published"``.
            environment_id (str | None): the environment; defaults to the client's ``environment_id``.
            timeout: this call's timeout (seconds or ``httpx.Timeout``); the client's when None.
            extra_headers: headers added to (or replacing) this request's headers.
            max_retries: retries for this call; the client's ``max_retries`` when None.

        Returns:
            OperationResult: the parsed response.

        Raises:
            ApiError: (``atomic_sdk``) any error status, as its subclass (errors name
                createWebhookSubscription, whose method and path this call shares).
            ConfigurationError: a bad ``event_type`` or no environment id (no request sent).
            MissingCredentialsError: no workbench credentials (no request sent).

        Example::

            client.webhooks.test_webhook_subscription(event_type="card-published")
        """


class WebhooksResource(_GeneratedWebhooksResource[ResponseT]):
    """The ``webhooks`` operations (sync), plus ``test_webhook_subscription``. Reached as ``client.webhooks``."""

    def test_webhook_subscription(
        self,
        *,
        event_type: str,
        environment_id: str | None = None,
        timeout: Timeout | None = None,
        extra_headers: Mapping[str, str] | None = None,
        max_retries: int | None = None,
    ) -> OperationResult:
        response = self._client._resource_send(
            OPERATION_ID, _request(self._client, event_type, environment_id), timeout, extra_headers, max_retries
        )
        return _result(self._client, response)

    test_webhook_subscription.__doc__ = _DOC


class AsyncWebhooksResource(_GeneratedAsyncWebhooksResource[ResponseT]):
    """The ``webhooks`` operations as coroutines, plus ``test_webhook_subscription``."""

    async def test_webhook_subscription(
        self,
        *,
        event_type: str,
        environment_id: str | None = None,
        timeout: Timeout | None = None,
        extra_headers: Mapping[str, str] | None = None,
        max_retries: int | None = None,
    ) -> OperationResult:
        response = await self._client._resource_asend(
            OPERATION_ID, _request(self._client, event_type, environment_id), timeout, extra_headers, max_retries
        )
        return _result(self._client, response)

    test_webhook_subscription.__doc__ = _DOC.replace(
        "client.webhooks.test_webhook_subscription", "await client.webhooks.test_webhook_subscription"
    )
