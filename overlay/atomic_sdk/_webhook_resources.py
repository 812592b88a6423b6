"""``client.webhooks`` with the webhook test call, which the generator cannot produce (see _webhooks.py).

The generated ``WebhooksResource`` / ``AsyncWebhooksResource`` are subclassed here, the extension point
_resources.py describes: the extra method is written the way the generated ones are (the client's
``_resource_send`` with the per-call options) and the clients' ``webhooks`` property returns the subclass.
This module imports the generated webhooks resource (and so its models): the clients import it on first
use of ``client.webhooks`` only.
"""

from collections.abc import Mapping

import httpx
from atomic_api.models.operation_result import OperationResult
from atomic_api.resources.webhooks import AsyncWebhooksResource as _GeneratedAsyncWebhooksResource
from atomic_api.resources.webhooks import WebhooksResource as _GeneratedWebhooksResource

from ._webhooks import OPERATION_ID, request_kwargs, result_of


class WebhooksResource(_GeneratedWebhooksResource):
    """The ``webhooks`` operations (sync), plus ``test_webhook_subscription``. Reached as ``client.webhooks``."""

    def test_webhook_subscription(
        self,
        *,
        event_type: str,
        environment_id: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        extra_headers: Mapping[str, str] | None = None,
        max_retries: int | None = None,
    ) -> OperationResult:
        """Ask Atomic to send a test event of ``event_type`` to the environment's webhook subscriptions.

        ``POST /v1/{environmentId}/webhook?type=<event_type>``, no body; role workbench (the Webhooks
        API's). The call shares method and path with ``create_webhook_subscription``, so the spec cannot
        describe it and it is written by hand; ``atomic_sdk.test_webhook_subscription`` is the same call
        as a function. Its response is undocumented: the JSON object returned (empty without a body)
        comes back as an ``OperationResult`` whose ``additional_properties`` hold the fields.

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
        response = self._client._resource_send(
            OPERATION_ID,
            request_kwargs(self._client, event_type, environment_id),
            timeout,
            extra_headers,
            max_retries,
        )
        return result_of(response)


class AsyncWebhooksResource(_GeneratedAsyncWebhooksResource):
    """The ``webhooks`` operations as coroutines, plus ``test_webhook_subscription``."""

    async def test_webhook_subscription(
        self,
        *,
        event_type: str,
        environment_id: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        extra_headers: Mapping[str, str] | None = None,
        max_retries: int | None = None,
    ) -> OperationResult:
        """The async twin of ``WebhooksResource.test_webhook_subscription`` (same request, result, errors).

        Example::

            await client.webhooks.test_webhook_subscription(event_type="card-published")
        """
        response = await self._client._resource_asend(
            OPERATION_ID,
            request_kwargs(self._client, event_type, environment_id),
            timeout,
            extra_headers,
            max_retries,
        )
        return result_of(response)
