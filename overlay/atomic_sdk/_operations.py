"""Matches an outgoing request (method + path) to an operation of the generated role map."""

import re
from collections.abc import Mapping

from atomic_api._roles import OPERATIONS
from attrs import frozen

from ._errors import UnknownOperationError
from ._roles import Role

_PARAM = re.compile(r"\{[^{}/]+\}")


@frozen
class Operation:
    """One API operation: its id, HTTP method, path template and the roles it accepts (marker order)."""

    operation_id: str
    method: str
    path_template: str
    roles: tuple[Role, ...]


def _template_regex(template: str) -> str:
    # Each {name} matches exactly one non-empty raw segment, so "a%2Fb" stays one value.
    return "[^/]+".join(re.escape(literal) for literal in _PARAM.split(template))


def _rank(template: str, index: int) -> tuple[int, tuple[int, ...], int]:
    # Most literal segments wins; on a tie the template whose literals come first, then spec order.
    segments = template.strip("/").split("/")
    variable = tuple(1 if "{" in segment else 0 for segment in segments)
    return (variable.count(1) - len(segments), variable, index)


class OperationTable:
    """All operations of a role map, indexed for matching requests."""

    __slots__ = ("_by_id", "_compiled", "_ranked")

    def __init__(self, operations: Mapping[str, tuple[str, str, tuple[str, ...]]]) -> None:
        self._by_id: dict[str, Operation] = {}
        # method -> (rank, path regex, operation); the ranks are unique (they end with the spec index).
        self._ranked: dict[str, list[tuple[tuple[int, tuple[int, ...], int], str, Operation]]] = {}
        for index, (operation_id, (method, template, role_names)) in enumerate(operations.items()):
            try:
                roles = tuple(Role(name) for name in role_names)
            except ValueError as exc:
                raise UnknownOperationError(
                    f"role map entry {operation_id} names an unknown role ({exc}); regenerate atomic_api",
                    operation_id=operation_id,
                ) from None
            # A template carrying a query ("/webhook?type={t}") is matched on its path part.
            path_template = template.split("?", 1)[0]
            operation = Operation(operation_id, method.upper(), template, roles)
            self._by_id[operation_id] = operation
            entry = (_rank(path_template, index), _template_regex(path_template), operation)
            self._ranked.setdefault(operation.method, []).append(entry)
        # A method's patterns are sorted and compiled on its first match, not at import (a large spec has hundreds, and
        # matching happens once per route: _auth caches the result). Two threads racing compile the same list.
        self._compiled: dict[str, list[tuple[re.Pattern[str], Operation]]] = {}

    def get(self, operation_id: str) -> Operation:
        try:
            return self._by_id[operation_id]
        except KeyError:
            raise UnknownOperationError(
                f"no operation with id {operation_id!r} in the role map", operation_id=operation_id
            ) from None

    def match(self, method: str, raw_path: str) -> Operation:
        """The operation for ``method`` and a raw (still percent-encoded) path relative to the base URL."""
        method = method.upper()
        compiled = self._compiled.get(method)
        if compiled is None:
            compiled = [(re.compile(regex), op) for _, regex, op in sorted(self._ranked.get(method, ()))]
            self._compiled[method] = compiled
        for pattern, operation in compiled:
            if pattern.fullmatch(raw_path):
                return operation
        raise UnknownOperationError(
            f"no operation in the role map matches {method} {raw_path}; the SDK does not guess a role "
            "for unknown requests (regenerate atomic_api if the spec gained this endpoint)",
            method=method,
            path=raw_path,
        )


DEFAULT_OPERATIONS = OperationTable(OPERATIONS)


def operation_roles(operation_id: str) -> tuple[Role, ...]:
    """The roles an operation accepts, in the order the SDK tries them.

    Raises UnknownOperationError for an id that is not in the role map.

    Example::

        operation_roles("listEnvironments")  # (Role.EVENTS, Role.WORKBENCH, Role.AUTH)
    """
    return DEFAULT_OPERATIONS.get(operation_id).roles
