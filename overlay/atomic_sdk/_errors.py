"""Typed errors raised by atomic_sdk. None of them ever carries a secret or a token."""

import json
from collections.abc import Sequence
from http import HTTPStatus

import httpx

from ._retry_after import parse_retry_after
from ._roles import Role


class AtomicError(Exception):
    """Base class of every error raised by atomic_sdk."""


class ConfigurationError(AtomicError, ValueError):
    """The client was configured wrongly (bad constructor argument or missing environment variable)."""


class UnknownOperationError(AtomicError, LookupError):
    """A request or operation id matches no operation in the role map.

    The SDK never guesses a role, so a request it cannot match is not sent.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        path: str | None = None,
        operation_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.method = method
        self.path = path
        self.operation_id = operation_id


class MissingCredentialsError(AtomicError):
    """No configured credentials have a role the operation accepts. Raised before any network I/O."""

    def __init__(
        self,
        *,
        operation_id: str,
        method: str,
        path_template: str,
        allowed_roles: Sequence[Role],
        configured_roles: Sequence[Role],
    ) -> None:
        self.operation_id = operation_id
        self.method = method
        self.path_template = path_template
        self.allowed_roles = tuple(allowed_roles)
        self.configured_roles = tuple(configured_roles)
        allowed = " or ".join(role.value for role in self.allowed_roles)
        configured = ", ".join(role.value for role in self.configured_roles) or "none"
        first = self.allowed_roles[0] if self.allowed_roles else Role.EVENTS
        super().__init__(
            f"operation {operation_id} ({method} {path_template}) needs credentials for role {allowed}; "
            f"configured roles: {configured}. Pass credentials={{Role.{first.name}: Credentials(...)}} "
            f"or set ATOMIC_{first.name}_CLIENT_ID and ATOMIC_{first.name}_CLIENT_SECRET."
        )


class TokenRequestError(AtomicError):
    """The token endpoint refused the request or answered with something that is not a token.

    ``status`` is the HTTP status (None when no response arrived), ``error`` the OAuth ``error`` field.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error: str | None = None,
        error_description: str | None = None,
        client_id: str | None = None,
        token_url: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.error_description = error_description
        self.client_id = client_id
        self.token_url = token_url


class TokenRateLimitedError(TokenRequestError):
    """The token endpoint kept answering 429; ``retry_after`` is the last Retry-After in seconds (or None)."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None,
        attempts: int,
        client_id: str | None = None,
        token_url: str | None = None,
    ) -> None:
        super().__init__(message, status=429, client_id=client_id, token_url=token_url)
        self.retry_after = retry_after
        self.attempts = attempts


class ApiError(AtomicError):
    """The Atomic API answered a request with an error status (raised after any retries).

    ``status`` is the HTTP status, ``operation_id`` the spec operation, ``method`` and ``url`` the
    request (the query string is kept; headers, and so the bearer token, never are), ``body`` the
    parsed JSON body (or the text when it is not JSON; None when empty) and ``role`` the credential
    role whose token was sent (None when unknown).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        method: str,
        url: str,
        operation_id: str | None,
        body: object = None,
        role: Role | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.method = method
        self.url = url
        self.operation_id = operation_id
        self.body = body
        self.role = role

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, operation_id={self.operation_id!r}, "
            f"method={self.method!r}, url={self.url!r})"
        )


class BadRequestError(ApiError):
    """400: the API rejected the request's parameters or body; ``body`` usually says which."""


class AuthenticationError(ApiError):
    """401: the API rejected the bearer token, also a freshly fetched one (the SDK replays once)."""


class PermissionDeniedError(ApiError):
    """403: the key is valid but may not perform this operation; usually a key of the wrong role."""


class NotFoundError(ApiError):
    """404: the environment, resource or path does not exist (check the environment id)."""


class RateLimitedError(ApiError):
    """429 after every retry; ``retry_after`` is the server's Retry-After in seconds (None if absent)."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        method: str,
        url: str,
        operation_id: str | None,
        body: object = None,
        role: Role | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(
            message, status=status, method=method, url=url, operation_id=operation_id, body=body, role=role
        )
        self.retry_after = retry_after


class ServerError(ApiError):
    """5xx after every retry: the API failed; retrying later may succeed."""


# -- building the typed error for an error response ------------------------------------------------

# Enough of the body to say what went wrong without flooding a log line.
MAX_DETAIL = 300

_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
}


def error_class(status: int) -> type[ApiError]:
    """The ApiError subclass for an HTTP status."""
    if status == 429:
        return RateLimitedError
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, ApiError)


def parse_body(content: bytes, content_type: str | None) -> object:
    """The body as JSON when it parses, else as text; None when empty."""
    if not content:
        return None
    if content_type is None or "json" in content_type.lower():
        try:
            parsed: object = json.loads(content)
        except ValueError:
            pass
        else:
            return parsed
    return content.decode("utf-8", errors="replace")


def _detail(body: object) -> str:
    if body is None:
        return ""
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False, sort_keys=True)
    text = " ".join(text.split())
    if len(text) > MAX_DETAIL:
        text = text[:MAX_DETAIL] + " …"
    return f": {text}"


def api_error(
    *,
    status: int,
    method: str,
    url: str,
    operation_id: str | None,
    allowed_roles: tuple[Role, ...] = (),
    role: Role | None = None,
    content: bytes = b"",
    headers: httpx.Headers | None = None,
    now: float = 0.0,
) -> ApiError:
    """Build the typed error for an error response (never includes request headers, so never a token)."""
    headers = headers if headers is not None else httpx.Headers()
    body = parse_body(content, headers.get("content-type"))
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "error"
    name = operation_id or "request"
    message = f"{name} ({method} {url}) failed with {status} {reason}{_detail(body)}"
    cls = error_class(status)
    if cls is PermissionDeniedError:
        used = role.value if role is not None else "unknown"
        allowed = " or ".join(r.value for r in allowed_roles) or "unknown"
        message += (
            f". The request used a key for role {used!r}; {name} accepts roles: {allowed}. A key of the wrong role "
            "is the usual cause: configure credentials for an allowed role or check the key's permissions."
        )
    if cls is RateLimitedError:
        retry_after = parse_retry_after(headers.get("retry-after"), now)
        if retry_after is not None:
            message += f" (Retry-After: {retry_after:g} s)"
        return RateLimitedError(
            message,
            status=status,
            method=method,
            url=url,
            operation_id=operation_id,
            body=body,
            role=role,
            retry_after=retry_after,
        )
    return cls(message, status=status, method=method, url=url, operation_id=operation_id, body=body, role=role)
