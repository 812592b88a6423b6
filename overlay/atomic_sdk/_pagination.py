"""Deprecated: ``paginate`` / ``apaginate`` (use the resources' ``iter_*`` methods, which are typed).

Both now run the resource's iterator for the operation module they are given (``atomic_api.api.cards.list_cards``
is ``client.cards.iter_list_cards``), so they page, raise and stop exactly as the resources do.
"""

import inspect
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from types import ModuleType
from typing import Any, TypeVar, overload

from atomic_api.resources import AsyncResources, Resources

from ._errors import ConfigurationError
from ._options import check_int

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 100


def _iterator(operation: object, resources: Callable[[Any], Any], params: dict[str, Any], page_size: object) -> Any:
    client = params.pop("client", None)
    if not hasattr(client, "_resource_send"):
        raise ConfigurationError(f"paginate needs client= an AtomicClient or AsyncAtomicClient, got {client!r}")
    name = getattr(operation, "__name__", "")
    parts = name.split(".")
    if not isinstance(operation, ModuleType) or len(parts) != 4 or parts[:2] != ["atomic_api", "api"]:
        raise TypeError(
            f"paginate needs a generated operation module such as atomic_api.api.cards.list_cards, got {operation!r}"
        )
    tag, module = parts[2], parts[3]
    iterate = getattr(getattr(resources(client), tag, None), f"iter_{module}", None)
    if iterate is None or "page_size" not in inspect.signature(iterate).parameters:
        raise ConfigurationError(
            f"{tag}.{module} does not page with limit and offset, so it cannot be paginated; call it directly "
            "(its limit, if any, caps the result)"
        )
    if "limit" in params or "offset" in params:
        raise ConfigurationError("paginate sets limit and offset itself; use page_size instead")
    check_int("page_size", page_size, 1)
    warnings.warn(
        f"paginate()/apaginate() are deprecated; use client.{tag}.iter_{module}(...), which is typed",
        DeprecationWarning,
        stacklevel=3,
    )
    return iterate(page_size=page_size, **params)


@overload
def paginate(operation: ModuleType, *, item_type: type[T], page_size: int = ..., **params: Any) -> Iterator[T]: ...
@overload
def paginate(operation: ModuleType, *, page_size: int = ..., **params: Any) -> Iterator[Any]: ...
def paginate(
    operation: ModuleType, *, item_type: type[Any] | None = None, page_size: int = DEFAULT_PAGE_SIZE, **params: Any
) -> Iterator[Any]:
    """Deprecated: ``client.<tag>.iter_<operation>(...)``. Yields every item of a limit/offset list operation.

    Example::

        for card in client.cards.iter_list_cards(user_id="u1"):   # instead of paginate(list_cards, client=...)
            print(card.card_instance_id)
    """
    items = _iterator(operation, Resources, params, page_size)
    return (_checked(item, item_type) for item in items)


@overload
def apaginate(
    operation: ModuleType, *, item_type: type[T], page_size: int = ..., **params: Any
) -> AsyncIterator[T]: ...
@overload
def apaginate(operation: ModuleType, *, page_size: int = ..., **params: Any) -> AsyncIterator[Any]: ...
def apaginate(
    operation: ModuleType, *, item_type: type[Any] | None = None, page_size: int = DEFAULT_PAGE_SIZE, **params: Any
) -> AsyncIterator[Any]:
    """Deprecated: ``client.<tag>.iter_<operation>(...)`` on an AsyncAtomicClient (``async for``)."""
    items = _iterator(operation, AsyncResources, params, page_size)
    return _achecked(items, item_type)


async def _achecked(items: AsyncIterator[Any], item_type: type[Any] | None) -> AsyncIterator[Any]:
    async for item in items:
        yield _checked(item, item_type)


def _checked(item: object, item_type: type[Any] | None) -> Any:
    if item_type is not None and not isinstance(item, item_type):
        raise TypeError(f"expected {item_type.__name__} items, got {type(item).__name__}")
    return item
