"""Iterate every item of a limit/offset list operation, fetching page after page."""

import inspect
from collections.abc import AsyncIterator, Iterator
from types import ModuleType
from typing import Any, TypeVar, overload

import attrs

from ._errors import ConfigurationError, api_error
from ._operations import DEFAULT_OPERATIONS, Operation

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 100


def _operation(module: ModuleType, params: dict[str, Any]) -> Operation:
    """The role-map operation a call of ``module`` with ``params`` targets, matched like a real request."""
    request = module._get_kwargs(**{name: value for name, value in params.items() if name != "client"})
    return DEFAULT_OPERATIONS.match(str(request["method"]), str(request["url"]))


def _check(module: object, function: str, page_size: object, filters: dict[str, Any]) -> Any:
    if not isinstance(module, ModuleType) or not callable(getattr(module, function, None)):
        raise TypeError(
            f"paginate needs a generated operation module such as atomic_api.api.cards.list_cards, got {module!r}"
        )
    detailed = getattr(module, function)
    parameters = inspect.signature(detailed).parameters
    if "limit" not in parameters or "offset" not in parameters:
        raise ConfigurationError(
            f"{_operation(module, filters).operation_id} does not page with limit and offset, so it cannot be paginated; "
            "call it directly (its limit, if any, caps the result)"
        )
    if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
        raise ConfigurationError(f"page_size must be an integer >= 1, got {page_size!r}")
    if "limit" in filters or "offset" in filters:
        raise ConfigurationError("paginate sets limit and offset itself; use page_size instead")
    return detailed


def _items(parsed: object) -> list[Any] | None:
    """The one list in a parsed page (``CardList.data``, ``UserList.data.users``); None if there is none."""
    if not attrs.has(type(parsed)):
        return None
    model: Any = type(parsed)
    values = [getattr(parsed, f.name) for f in attrs.fields(model) if f.name != "additional_properties"]
    lists = [value for value in values if isinstance(value, list)]
    if len(lists) == 1:
        return lists[0]
    if lists:
        raise TypeError(f"{type(parsed).__name__} has more than one list; cannot tell which holds the items")
    nested = [value for value in values if attrs.has(type(value))]
    if len(nested) == 1:
        return _items(nested[0])
    return None


def _page_items(module: ModuleType, response: Any, params: dict[str, Any]) -> list[Any]:
    status = int(response.status_code)
    if not 200 <= status < 300 or response.parsed is None:
        # raise_on_error=False still cannot yield an error page, a redirect or an undeclared status (parsed
        # is None): ending the iteration there would drop the remaining items silently. Raise what
        # raise_on_error=True would.
        operation = _operation(module, params)
        raise api_error(
            status=status,
            method=operation.method,
            url=operation.path_template,
            operation_id=operation.operation_id,
            allowed_roles=operation.roles,
            content=response.content,
            headers=response.headers,
        )
    return _items(response.parsed) or []


@overload
def paginate(operation: ModuleType, *, item_type: type[T], page_size: int = ..., **params: Any) -> Iterator[T]: ...
@overload
def paginate(operation: ModuleType, *, page_size: int = ..., **params: Any) -> Iterator[Any]: ...
def paginate(
    operation: ModuleType, *, item_type: type[Any] | None = None, page_size: int = DEFAULT_PAGE_SIZE, **params: Any
) -> Iterator[Any]:
    """Yield every item of a limit/offset list operation, fetching ``page_size`` items per request.

    ``params`` are the operation's arguments (``client=`` and path parameters included) except
    ``limit`` and ``offset``. Stops after a page shorter than ``page_size``. Pass ``item_type`` to
    have mypy know the items' type (each item is checked against it). Operations that page with
    ``limit`` only (listUsers) raise ConfigurationError.

    Example::

        from atomic_api.api.cards import list_cards
        from atomic_api.models import Card

        for card in paginate(list_cards, item_type=Card, client=client, environment_id="env1", user_id="u1"):
            print(card.card_instance_id)
    """
    detailed = _check(operation, "sync_detailed", page_size, params)
    return _iterate(operation, detailed, item_type, page_size, params)


def _iterate(
    module: ModuleType, detailed: Any, item_type: type[Any] | None, page_size: int, params: dict[str, Any]
) -> Iterator[Any]:
    offset = 0
    while True:
        items = _page_items(module, detailed(limit=page_size, offset=offset, **params), params)
        for item in items:
            yield _checked(item, item_type)
        if len(items) < page_size:
            return
        offset += len(items)


@overload
def apaginate(
    operation: ModuleType, *, item_type: type[T], page_size: int = ..., **params: Any
) -> AsyncIterator[T]: ...
@overload
def apaginate(operation: ModuleType, *, page_size: int = ..., **params: Any) -> AsyncIterator[Any]: ...
def apaginate(
    operation: ModuleType, *, item_type: type[Any] | None = None, page_size: int = DEFAULT_PAGE_SIZE, **params: Any
) -> AsyncIterator[Any]:
    """Async twin of ``paginate``: ``async for card in apaginate(list_cards, client=client, ...)``."""
    detailed = _check(operation, "asyncio_detailed", page_size, params)
    return _aiterate(operation, detailed, item_type, page_size, params)


async def _aiterate(
    module: ModuleType, detailed: Any, item_type: type[Any] | None, page_size: int, params: dict[str, Any]
) -> AsyncIterator[Any]:
    offset = 0
    while True:
        items = _page_items(module, await detailed(limit=page_size, offset=offset, **params), params)
        for item in items:
            yield _checked(item, item_type)
        if len(items) < page_size:
            return
        offset += len(items)


def _checked(item: object, item_type: type[Any] | None) -> Any:
    if item_type is not None and not isinstance(item, item_type):
        raise TypeError(f"expected {item_type.__name__} items, got {type(item).__name__}")
    return item
