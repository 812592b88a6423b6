"""Deprecated: the module-level webhook test functions (use ``client.webhooks.test_webhook_subscription``)."""

import warnings
from typing import TYPE_CHECKING

from ._errors import ConfigurationError

if TYPE_CHECKING:
    from atomic_api.models.operation_result import OperationResult

    from ._client import AsyncAtomicClient, AtomicClient

_REPLACEMENT = "client.webhooks.test_webhook_subscription(event_type=...)"


def _deprecated(name: str, replacement: str, client: object) -> None:
    warnings.warn(f"atomic_sdk.{name}() is deprecated; use {replacement}", DeprecationWarning, stacklevel=3)
    if not hasattr(client, "_resource_send") or not hasattr(client, "_resource_asend"):
        raise ConfigurationError(
            "client must be an AtomicClient or AsyncAtomicClient (it adds auth and the User-Agent), "
            f"got {type(client).__name__}"
        )


def test_webhook_subscription(
    client: "AtomicClient | AsyncAtomicClient", event_type: str, *, environment_id: str | None = None
) -> "OperationResult":
    """Deprecated: ``client.webhooks.test_webhook_subscription(event_type=...)`` (same request, result, errors).

    Unlike before, a client built with ``raise_on_error=False`` behaves as every resource method: errors raise.
    """
    _deprecated("test_webhook_subscription", _REPLACEMENT, client)
    from ._webhook_resources import WebhooksResource

    return WebhooksResource(client).test_webhook_subscription(event_type=event_type, environment_id=environment_id)


async def atest_webhook_subscription(
    client: "AtomicClient | AsyncAtomicClient", event_type: str, *, environment_id: str | None = None
) -> "OperationResult":
    """Deprecated: ``await client.webhooks.test_webhook_subscription(event_type=...)`` on an AsyncAtomicClient."""
    _deprecated("atest_webhook_subscription", "await " + _REPLACEMENT, client)
    from ._webhook_resources import AsyncWebhooksResource

    return await AsyncWebhooksResource(client).test_webhook_subscription(
        event_type=event_type, environment_id=environment_id
    )


# Its name starts with "test", and users import it into test modules: keep pytest from collecting it.
test_webhook_subscription.__test__ = False  # type: ignore[attr-defined]
