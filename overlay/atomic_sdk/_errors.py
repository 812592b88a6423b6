"""Typed errors raised by atomic_sdk. None of them ever carries a secret or a token."""

import base64
import json
from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import TypeAlias
from urllib.parse import quote, quote_plus

import httpx
from atomic_api import errors as generated_errors

from ._retry_after import parse_retry_after
from ._roles import Role

JSONValue: TypeAlias = None | bool | int | float | str | list["JSONValue"] | dict[str, "JSONValue"]
"""A JSON document as ``json.loads`` returns it (an error's ``body``; text when the body is not JSON)."""


class AtomicError(Exception):
    """Base class of every error raised by atomic_sdk."""


class ConfigurationError(AtomicError, ValueError):
    """The client was configured wrongly (bad constructor argument or missing environment variable)."""


class RepeatedPageError(AtomicError, RuntimeError):
    """An ``iter_*`` iterator stopped because the server answered a page it had already sent (the same next
    cursor, or an offset page identical to the one before): it ignores the paging parameters, and iterating
    would never end. The items yielded before are correct; ``operation_id`` names the list operation.
    """

    def __init__(self, message: str, *, operation_id: str) -> None:
        super().__init__(message)
        self.operation_id = operation_id


class ClientClosedError(AtomicError, RuntimeError):
    """A request was made through a client (or one side of it: sync or async) that was closed.

    ``close()`` closes the sync side, ``aclose()`` the async side; a client derived with ``with_options`` /
    ``with_headers`` / ... also refuses requests once the client it was derived from is closed. Build a new
    client, or close it only when the program is done with it.
    """


class SyncCallInEventLoopError(ConfigurationError):
    """A synchronous call ran on the thread of an event loop and would have to wait for that same loop.

    The token it needs is being fetched by a task of the running loop, which cannot make progress while
    the sync call blocks the loop's thread, so waiting would hang. Inside ``async`` code use the async API
    (``await list_cards.asyncio(...)``), or run the sync call in a worker thread
    (``await asyncio.to_thread(...)``).
    """


class MissingExtraError(ConfigurationError, ModuleNotFoundError):
    """A feature was used without the extra that installs its dependencies; the message says what to install.

    Also a ``ModuleNotFoundError``, so ``except ImportError`` and ``pytest.importorskip`` keep working.
    ``name`` is the missing module, ``extra`` the extra that provides it.

    Example::

        try:
            from atomic_sdk.testing import Sandbox
        except MissingExtraError as exc:
            print(exc.extra)   # "testing"
    """

    def __init__(self, message: str, *, extra: str, module: str | None) -> None:
        super().__init__(message)
        # ImportError's own fields: BaseException.__init__ (reached through ValueError) does not set them.
        self.msg = message
        self.name = module
        self.extra = extra


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
    """The token endpoint refused the request, could not be reached, or answered something that is not a token.

    ``status`` is the HTTP status (None when no response arrived; ``__cause__`` is then the httpx
    exception), ``error`` / ``error_description`` the OAuth fields (with any echo of the secret
    redacted), ``client_id`` and ``role`` the key, ``request_id`` the identity provider's request id.
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
        role: Role | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.error_description = error_description
        self.client_id = client_id
        self.token_url = token_url
        self.role = role
        self.request_id = request_id


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
        role: Role | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(
            message, status=429, client_id=client_id, token_url=token_url, role=role, request_id=request_id
        )
        self.retry_after = retry_after
        self.attempts = attempts


class ApiConnectionError(AtomicError):
    """No response arrived: connecting, sending or reading failed, after any retries.

    ``__cause__`` is the httpx exception (``httpx.ConnectError``, ``httpx.ReadError``, ...);
    ``operation_id``, ``method`` and ``url`` (without its query) name the request, ``attempts`` counts
    the tries made. Retrying later may work; check the network, proxy and base URL.
    """

    def __init__(
        self, message: str, *, method: str, url: str, operation_id: str | None, attempts: int | None = None
    ) -> None:
        super().__init__(message)
        self.method = method
        self.url = url
        self.operation_id = operation_id
        self.attempts = attempts

    def __repr__(self) -> str:
        return f"{type(self).__name__}(operation_id={self.operation_id!r}, method={self.method!r}, url={self.url!r})"


class ApiTimeoutError(ApiConnectionError):
    """A connect, read, write or pool timeout (``timeout`` per attempt), after any retries."""


class ResponseValidationError(AtomicError):
    """A response whose body is not what the spec describes (not JSON, wrong type, missing field).

    Typically a proxy or captive portal answering 200 with an HTML page, or an API change the spec does
    not know yet. ``status``, ``content_type``, ``body_excerpt`` (at most 200 characters), ``reason``
    (what did not match), ``operation_id``, ``method``, ``url``, ``headers`` and ``request_id`` describe
    it; ``__cause__`` is the parsing error.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        content_type: str | None,
        body_excerpt: str,
        reason: str,
        method: str,
        url: str,
        operation_id: str | None,
        headers: httpx.Headers | None = None,
        request_id: str | None = None,
    ) -> None:
        Exception.__init__(self, message)
        self.status = status
        self.content_type = content_type
        self.body_excerpt = body_excerpt
        self.reason = reason
        self.method = method
        self.url = url
        self.operation_id = operation_id
        self.headers = headers if headers is not None else httpx.Headers()
        self.request_id = request_id

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, operation_id={self.operation_id!r}, "
            f"content_type={self.content_type!r})"
        )


class MissingFieldError(ResponseValidationError, generated_errors.MissingFieldError):
    """A response document lacks fields the spec marks required; ``model`` and ``fields`` name them.

    Also an ``atomic_api.errors.MissingFieldError`` (a ``KeyError``), which the generated models raise.
    """

    def __init__(self, message: str, *, model: str, fields: Sequence[str], **kwargs: object) -> None:
        ResponseValidationError.__init__(self, message, **kwargs)  # type: ignore[arg-type]
        self.model = model
        self.fields = list(fields)


class ApiError(AtomicError):
    """The Atomic API answered a request with an error status (raised after any retries).

    ``status`` is the HTTP status, ``operation_id`` the spec operation, ``method`` and ``url`` the
    request (the query string is kept; headers, and so the bearer token, never are), ``body`` the
    parsed JSON body (or the text when it is not JSON; None when empty), ``role`` the credential
    role whose token was sent (None when unknown), ``client_id`` that key's id, ``headers`` the response
    headers (without ``Set-Cookie``) and ``request_id`` the first request-id header present (see
    ``REQUEST_ID_HEADERS``): quote it in a support ticket.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        method: str,
        url: str,
        operation_id: str | None,
        body: JSONValue = None,
        role: Role | None = None,
        headers: httpx.Headers | None = None,
        request_id: str | None = None,
        client_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.method = method
        self.url = url
        self.operation_id = operation_id
        self.body = body
        self.role = role
        self.headers = headers if headers is not None else httpx.Headers()
        self.request_id = request_id
        self.client_id = client_id

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, operation_id={self.operation_id!r}, "
            f"method={self.method!r}, url={self.url!r})"
        )


class UnexpectedStatusError(ApiError):
    """A status below 400 that the spec does not declare for the operation (e.g. 204 or 299 for a 200)."""


class RedirectError(UnexpectedStatusError):
    """A 3xx the spec does not declare. The SDK never follows redirects, so no token goes to another host.

    ``location`` is the ``Location`` header (None when absent). Usually a wrong ``base_url`` (http instead
    of https, a missing path prefix) or a proxy sending you to a login page.
    """

    def __init__(self, message: str, *, location: str | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.location = location


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
        body: JSONValue = None,
        role: Role | None = None,
        retry_after: float | None = None,
        headers: httpx.Headers | None = None,
        request_id: str | None = None,
        client_id: str | None = None,
    ) -> None:
        super().__init__(
            message,
            status=status,
            method=method,
            url=url,
            operation_id=operation_id,
            body=body,
            role=role,
            headers=headers,
            request_id=request_id,
            client_id=client_id,
        )
        self.retry_after = retry_after


class ServerError(ApiError):
    """5xx after every retry: the API failed; retrying later may succeed."""


# -- building the typed errors -----------------------------------------------------------------------

# Enough of the body to say what went wrong without flooding a log line.
MAX_DETAIL = 300
MAX_EXCERPT = 200
REDACTED = "***"

# Where servers and the proxies in front of them put a request id, most specific first. The first one
# present becomes ``ApiError.request_id`` / ``ResponseValidationError.request_id``.
REQUEST_ID_HEADERS = (
    "x-request-id",
    "request-id",
    "x-amzn-requestid",
    "x-amz-request-id",
    "x-correlation-id",
    "x-amz-cf-id",
    "cf-ray",
)

_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
}


def error_class(status: int) -> type[ApiError]:
    """The ApiError subclass for an HTTP status (a status below 400 only reaches here when undeclared)."""
    if status == 429:
        return RateLimitedError
    if status >= 500:
        return ServerError
    if 300 <= status < 400:
        return RedirectError
    if status < 300:
        return UnexpectedStatusError
    return _BY_STATUS.get(status, ApiError)


def request_id_of(headers: Mapping[str, str] | None) -> str | None:
    """The first of ``REQUEST_ID_HEADERS`` present in ``headers`` (stripped, at most 200 characters)."""
    if not headers:
        return None
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value and value.strip():
            return value.strip()[:200]
    return None


def secret_forms(client_id: str, secret: str) -> tuple[str, ...]:
    """Every spelling of a client secret an identity provider might echo: as is, URL-encoded, and the
    base64 of the HTTP Basic value (``id:secret``) and of the secret alone, padded or not."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret)}
    for raw in (f"{client_id}:{secret}".encode(), secret.encode()):
        for encoded in (base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()):
            forms.add(encoded)
            forms.add(encoded.rstrip("="))
    # Longest first, so a form that contains another is replaced whole.
    return tuple(sorted((form for form in forms if form), key=len, reverse=True))


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each secret replaced by ``***``."""
    for value in secrets:
        # A one- or two-character "secret" would shred ordinary words; real secrets and tokens are longer.
        if len(value) >= 4 and value in text:
            text = text.replace(value, REDACTED)
    return text


def _redact_json(value: JSONValue, secrets: Sequence[str]) -> JSONValue:
    if not secrets:
        return value
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, list):
        return [_redact_json(item, secrets) for item in value]
    if isinstance(value, dict):
        return {redact(str(key), secrets): _redact_json(item, secrets) for key, item in value.items()}
    return value


def safe_headers(headers: Mapping[str, str], secrets: Sequence[str]) -> httpx.Headers:
    """A copy of response headers fit to keep on an error: no cookies, secrets redacted."""
    multi_items = getattr(headers, "multi_items", None)  # httpx's or httpx2's Headers: repeated names kept
    items = multi_items() if callable(multi_items) else list(headers.items())
    return httpx.Headers([(name, redact(value, secrets)) for name, value in items if name.lower() != "set-cookie"])


def parse_body(content: bytes, content_type: str | None) -> JSONValue:
    """The body as JSON when it parses, else as text; None when empty."""
    if not content:
        return None
    if content_type is None or "json" in content_type.lower():
        try:
            parsed: JSONValue = json.loads(content)
        except ValueError:
            pass
        else:
            return parsed
    return content.decode("utf-8", errors="replace")


def _one_line(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + " …"


def _detail(body: JSONValue) -> str:
    if body is None:
        return ""
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False, sort_keys=True)
    return f": {_one_line(text, MAX_DETAIL)}"


def without_query(url: str) -> str:
    """``url`` with its query string and fragment removed (query values may be personal data)."""
    return url.split("?", 1)[0].split("#", 1)[0]


def _permission_hint(
    name: str, role: Role | None, allowed_roles: tuple[Role, ...], client_id: str | None, single_key: bool
) -> str:
    allowed = " or ".join(r.value for r in allowed_roles) or "unknown roles"
    key = f" (client_id={client_id})" if client_id else ""
    if role is None:
        return f"{name} accepts roles: {allowed}; check that the key has one of them."
    if single_key:
        return (
            f"The SDK sent your single key{key}, which you configured to serve every role; {name} needs role "
            f"{allowed}. The server refused that key, so it probably lacks the role or permission: configure a "
            f"key with role {allowed_roles[0].value if allowed_roles else role.value} for this operation "
            f"(credentials={{Role.{(allowed_roles[0] if allowed_roles else role).name}: Credentials(...)}})."
        )
    return (
        f"The SDK sent the key you configured for role {role.value}{key}, the first role {name} accepts "
        f"({allowed}) that has credentials. The server refused it: check that this key really has the "
        f"{role.value} role and the permission for {name} (the key's role is set where it was created)."
    )


def api_error(
    response: httpx.Response,
    *,
    operation_id: str | None,
    allowed_roles: tuple[Role, ...],
    role: Role | None,
    client_id: str | None,
    single_key: bool,
    redacted: Sequence[str],
    replayed: bool,
    now: float,
) -> ApiError:
    """Build the typed error for a response (never includes request headers, so never a token).

    ``redacted`` are values (the bearer token sent) replaced by ``***`` wherever the server echoed them;
    ``replayed`` says the request was sent again with a fresh token after a first 401.
    """
    status = response.status_code
    method = response.request.method
    url = str(response.request.url)
    kept = safe_headers(response.headers, redacted)
    body = _redact_json(parse_body(response.content, kept.get("content-type")), redacted)
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "(non-standard status)"
    name = operation_id or "request"
    message = f"{name} ({method} {url}) failed with {status} {reason}{_detail(body)}"
    cls = error_class(status)
    common: dict[str, object] = {
        "status": status,
        "method": method,
        "url": url,
        "operation_id": operation_id,
        "body": body,
        "role": role,
        "headers": kept,
        "request_id": request_id_of(kept),
        "client_id": client_id,
    }
    if common["request_id"]:
        message += f" [request id {common['request_id']}]"
    if status == 401 and replayed:
        key = f"the {role.value} key" if role is not None else "the key"
        message += (
            f". The API answered 401 twice, also with a freshly fetched token for {key}"
            + (f" (client_id={client_id})" if client_id else "")
            + "; check that the key is valid, enabled and allowed for this operation"
        )
    if cls is PermissionDeniedError:
        message += ". " + _permission_hint(name, role, allowed_roles, client_id, single_key)
    if cls is RedirectError:
        location = kept.get("location")
        shown = without_query(location) if location else "nowhere (no Location header)"
        message = (
            f"{name} ({method} {url}) was answered with {status} {reason}, a redirect to {shown}. The SDK does not "
            "follow redirects (the bearer token must not reach another host); check base_url (https, the right "
            "host and path prefix) and any proxy in between"
        )
        return RedirectError(message, location=location, **common)
    if cls is UnexpectedStatusError:
        message += f". The spec does not declare status {status} for {name}; the response was not parsed"
    if cls is RateLimitedError:
        retry_after = parse_retry_after(kept.get("retry-after"), now)
        if retry_after is not None:
            message += f" (Retry-After: {retry_after:g} s)"
        return RateLimitedError(message, retry_after=retry_after, **common)  # type: ignore[arg-type]
    return cls(message, **common)  # type: ignore[arg-type]


def _reason(error: Exception) -> str:
    if isinstance(error, json.JSONDecodeError):
        return "the body is not JSON"
    if isinstance(error, UnicodeDecodeError):
        return "the body is not UTF-8 text"
    if isinstance(error, generated_errors.MissingFieldError):
        return str(error)
    return f"{type(error).__name__}: {error}"


def _scrub(error: BaseException, secrets: Sequence[str]) -> None:
    """Redact secrets from a parsing error that becomes ``__cause__`` (JSONDecodeError keeps the whole body)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen and secrets:
        seen.add(id(current))
        current.args = tuple(redact(arg, secrets) if isinstance(arg, str) else arg for arg in current.args)
        for name, value in list(vars(current).items()):
            if isinstance(value, str):
                setattr(current, name, redact(value, secrets))
        if isinstance(current, UnicodeDecodeError):
            current.object = redact(current.object.decode("utf-8", "replace"), secrets).encode()
        current = current.__cause__ or current.__context__


def response_validation_error(
    response: httpx.Response, error: Exception, *, operation_id: str | None, redacted: Sequence[str] = ()
) -> ResponseValidationError:
    """The typed error for a response whose body the generated parser refused (``error``, scrubbed of ``redacted``)."""
    _scrub(error, redacted)
    request = response.request
    kept = safe_headers(response.headers, redacted)
    content_type = kept.get("content-type")
    excerpt = redact(_one_line(response.content[: 2 * MAX_EXCERPT].decode("utf-8", "replace"), MAX_EXCERPT), redacted)
    reason = redact(_one_line(_reason(error), MAX_DETAIL), redacted)
    url = str(request.url)
    name = operation_id or "request"
    message = (
        f"{name} ({request.method} {url}) answered {response.status_code} but the body is not what the spec "
        f"describes: {reason} (content type {content_type or 'none'}; body starts {excerpt!r})"
    )
    request_id = request_id_of(kept)
    if request_id:
        message += f" [request id {request_id}]"
    common: dict[str, object] = {
        "status": response.status_code,
        "content_type": content_type,
        "body_excerpt": excerpt,
        "reason": reason,
        "method": request.method,
        "url": url,
        "operation_id": operation_id,
        "headers": kept,
        "request_id": request_id,
    }
    if isinstance(error, generated_errors.MissingFieldError):
        return MissingFieldError(message, model=error.model, fields=error.fields, **common)
    return ResponseValidationError(message, **common)  # type: ignore[arg-type]


def connection_error(
    request: httpx.Request,
    error: httpx.RequestError,
    *,
    attempts: int | None = None,
    timeout: type[Exception] = httpx.TimeoutException,
) -> ApiConnectionError:
    """The typed error for a request that got no response (``error`` becomes its ``__cause__``); ``timeout``:
    the HTTP package's timeout exception (httpx's or httpx2's)."""
    operation_id = request.extensions.get("atomic_operation_id")
    name = operation_id if isinstance(operation_id, str) else None
    target = f"{request.method} {without_query(str(request.url))}"
    tries = f" after {attempts} attempt(s)" if attempts else ""
    detail = _one_line(str(error), MAX_DETAIL)
    what = f"{type(error).__name__}: {detail}" if detail else type(error).__name__
    cls = ApiTimeoutError if isinstance(error, timeout) else ApiConnectionError
    verb = "timed out" if cls is ApiTimeoutError else "failed without a response"
    return cls(
        f"{name or 'request'} ({target}) {verb}{tries} ({what}); check the network, any proxy and the base URL, "
        "or retry later",
        method=request.method,
        url=without_query(str(request.url)),
        operation_id=name,
        attempts=attempts,
    )
