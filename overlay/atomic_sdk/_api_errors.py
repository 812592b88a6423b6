"""Turns an error response of the API into the matching ApiError subclass."""

import json
from http import HTTPStatus

import httpx

from ._errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
)
from ._roles import Role
from ._tokens import parse_retry_after

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
