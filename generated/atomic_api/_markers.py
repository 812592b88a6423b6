"""Role markers: the `(token: <role>)` suffix of every operation summary.

The marker is the only place the spec records which credential role an operation needs, so it is
parsed strictly: one marker per summary, known roles only. Grammar (case and spacing are free):

    marker    := "(" "token" ":" role-set ")"
    role-set  := "any" | role ( separator role )*
    separator := "," | "or" | "|" | "/"
    role      := "auth" | "workbench" | "events"

`any` expands to every role, least privileged first (events, workbench, auth), because the SDK
uses the first allowed role that has credentials configured.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

ROLE_NAMES: tuple[str, ...] = ("auth", "workbench", "events")
ANY_ORDER: tuple[str, ...] = ("events", "workbench", "auth")
HTTP_METHODS: tuple[str, ...] = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

_MARKER = re.compile(r"\(\s*token\s*:\s*([^()]*?)\s*\)", re.IGNORECASE)
_SEPARATOR = re.compile(r"\s*(?:,|\||/|\bor\b)\s*", re.IGNORECASE)


class MarkerError(ValueError):
    """A summary's role marker is missing, repeated or names an unknown role."""


@dataclass(frozen=True)
class Operation:
    """One operation of a spec, with the roles its marker allows."""

    key: str
    """operationId, or "METHOD /path" where the spec gives none."""
    method: str
    path: str
    summary: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class MarkerProblem:
    method: str
    path: str
    summary: str | None
    reason: str
    operation_id: str | None = None

    def describe(self) -> str:
        summary = "<no summary>" if self.summary is None else repr(self.summary)
        named = f"  [operationId {self.operation_id}]" if self.operation_id else ""
        return f"{self.method} {self.path}  summary={summary}: {self.reason}{named}"


class RoleMarkerError(Exception):
    """Raised when one or more operations carry no valid role marker."""

    def __init__(self, problems: list[MarkerProblem]) -> None:
        self.problems = problems
        lines = [f"{len(problems)} operation(s) without a valid '(token: <role>)' marker:"]
        lines += [f"  - {p.describe()}" for p in problems]
        lines.append(f"Known roles: {', '.join(ROLE_NAMES)}; sets: '(token: events or workbench)', '(token: any)'.")
        super().__init__("\n".join(lines))


def parse_marker(summary: str) -> tuple[str, ...]:
    """Return the allowed roles, in marker order, of one summary.

    >>> parse_marker("Retrieve cards (token: events)")
    ('events',)
    >>> parse_marker("List environments (Token: Events OR workbench)")
    ('events', 'workbench')
    """
    found = _MARKER.findall(summary)
    if not found:
        raise MarkerError("no '(token: <role>)' marker")
    if len(found) > 1:
        raise MarkerError(f"{len(found)} markers; exactly one is allowed")
    words = [w.lower() for w in _SEPARATOR.split(found[0]) if w.strip()]
    if not words:
        raise MarkerError("empty role marker")
    if "any" in words:
        if len(words) > 1:
            raise MarkerError("'any' cannot be combined with other roles")
        return ANY_ORDER
    unknown = [w for w in words if w not in ROLE_NAMES]
    if unknown:
        raise MarkerError(f"unknown role(s) {', '.join(repr(w) for w in unknown)}")
    roles: list[str] = []
    for word in words:
        if word not in roles:
            roles.append(word)
    return tuple(roles)


class PathItemRefError(ValueError):
    """A path item's `$ref` cannot be followed (not local, or pointing nowhere)."""


def resolve_path_item(spec: Mapping[str, Any], item: Mapping[str, Any]) -> dict[str, Any]:
    """The path item `item` stands for: a `$ref` (OpenAPI 3.1 `components/pathItems`) is followed.

    Sibling fields of the `$ref` (3.1 allows `summary`, `description`) win over the referenced ones.
    """
    resolved: dict[str, Any] = dict(item)
    seen: list[str] = []
    while isinstance(resolved.get("$ref"), str):
        ref = resolved.pop("$ref")
        if not ref.startswith("#/"):
            raise PathItemRefError(f"path item $ref {ref!r} is not local to the document ('#/...')")
        if ref in seen:
            raise PathItemRefError(f"path item $ref {ref!r} refers to itself")
        seen.append(ref)
        target: Any = spec
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, Mapping) or part not in target:
                raise PathItemRefError(f"path item $ref {ref!r} points nowhere")
            target = target[part]
        if not isinstance(target, Mapping):
            raise PathItemRefError(f"path item $ref {ref!r} is not a path item")
        resolved = {**target, **resolved}
    return resolved


def iter_raw_operations(spec: Mapping[str, Any]) -> Iterable[tuple[str, str, Mapping[str, Any]]]:
    """Yield (METHOD, path, operation object) in the spec's own order; `$ref` path items are followed."""
    paths = spec.get("paths") or {}
    for path, item in paths.items():
        if not isinstance(item, Mapping):
            continue
        if "$ref" in item:
            item = resolve_path_item(spec, item)
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, Mapping):
                yield method.upper(), str(path), operation


def extract_operations(spec: Mapping[str, Any]) -> list[Operation]:
    """Every operation of `spec` with its allowed roles; raises RoleMarkerError listing all problems."""
    operations: list[Operation] = []
    problems: list[MarkerProblem] = []
    seen: dict[str, str] = {}
    for method, path, raw in iter_raw_operations(spec):
        summary = raw.get("summary")
        operation_id = str(raw["operationId"]) if raw.get("operationId") else None
        key = operation_id or f"{method} {path}"
        if key in seen:
            problems.append(
                MarkerProblem(method, path, summary, f"duplicate operation key {key!r} (also {seen[key]})", operation_id)
            )
            continue
        seen[key] = f"{method} {path}"
        if not isinstance(summary, str) or not summary.strip():
            problems.append(MarkerProblem(method, path, None, "no summary, so no role marker", operation_id))
            continue
        try:
            roles = parse_marker(summary)
        except MarkerError as exc:
            problems.append(MarkerProblem(method, path, summary, str(exc), operation_id))
            continue
        operations.append(Operation(key=key, method=method, path=path, summary=summary, roles=roles))
    if problems:
        raise RoleMarkerError(problems)
    return operations
