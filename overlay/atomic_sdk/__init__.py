"""Atomic customer API SDK: a configured client for the generated ``atomic_api`` package.

Example::

    from atomic_sdk import AtomicClient, Credentials, Role

    with AtomicClient(org_id="my-org", environment_id="env1",
                      credentials={Role.EVENTS: Credentials("id", "secret")}) as client:
        cards = client.cards.list_cards(user_id="u1")     # -> CardList; errors raise
"""

from typing import TYPE_CHECKING, Any

from atomic_api.resources import RawResponse

from ._backend import HttpBackend
from ._client import AsyncAtomicClient, AtomicClient, ClientOptions
from ._credentials import Credentials
from ._errors import (
    REQUEST_ID_HEADERS,
    ApiConnectionError,
    ApiError,
    ApiTimeoutError,
    AtomicError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConfigurationError,
    JSONValue,
    MissingCredentialsError,
    MissingExtraError,
    MissingFieldError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    RedirectError,
    RepeatedPageError,
    ResponseValidationError,
    ServerError,
    SyncCallInEventLoopError,
    TokenRateLimitedError,
    TokenRequestError,
    UnexpectedStatusError,
    UnknownOperationError,
)
from ._logging import setup_from_env as _setup_logging
from ._operations import operation_roles
from ._pagination import apaginate, paginate
from ._roles import Role
from ._tokens.cache import AccessToken, InMemoryTokenCache, TokenCache, token_cache_key
from ._version import __version__
from ._webhooks import atest_webhook_subscription, test_webhook_subscription

if TYPE_CHECKING:
    from ._tokens.redis import RedisTokenCache

# ATOMIC_LOG=info|debug turns the SDK's logging on without code (like openai-python's OPENAI_LOG).
_setup_logging()

__all__ = [
    "REQUEST_ID_HEADERS",
    "AccessToken",
    "ApiConnectionError",
    "ApiError",
    "ApiTimeoutError",
    "AsyncAtomicClient",
    "AtomicClient",
    "AtomicError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ClientOptions",
    "ConfigurationError",
    "Credentials",
    "HttpBackend",
    "InMemoryTokenCache",
    "JSONValue",
    "MissingCredentialsError",
    "MissingExtraError",
    "MissingFieldError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitedError",
    "RawResponse",
    "RedirectError",
    "RedisTokenCache",
    "RepeatedPageError",
    "ResponseValidationError",
    "Role",
    "ServerError",
    "SyncCallInEventLoopError",
    "TokenCache",
    "TokenRateLimitedError",
    "TokenRequestError",
    "UnexpectedStatusError",
    "UnknownOperationError",
    "__version__",
    "apaginate",
    "atest_webhook_subscription",
    "operation_roles",
    "paginate",
    "test_webhook_subscription",
    "token_cache_key",
]


def __getattr__(name: str) -> Any:
    # Imported on first access (PEP 562): only programs that share tokens through Redis pay for that module.
    if name != "RedisTokenCache":
        raise AttributeError(f"module 'atomic_sdk' has no attribute {name!r}")
    from ._tokens.redis import RedisTokenCache

    globals()[name] = RedisTokenCache  # later lookups skip __getattr__
    return RedisTokenCache


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
