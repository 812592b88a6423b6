"""Compare two OpenAPI 3.0 documents the way an SDK user feels the difference.

The unit of comparison is the operation. Operations are matched by operationId; an operation without
one (on either side) is matched by "METHOD /path". For every matched pair the report lists:

  * a move (same operationId, other method or path) or a renamed operationId at the same method and path;
  * a role change, read from the `(token: <role>)` markers with markers.extract_operations;
  * parameter, request-body and response changes, walking the schemas after resolving local `$ref`s.

Classification follows what the regenerated SDK does to code written against the previous one:
anything removed, narrowed or made mandatory for the caller is breaking; additions and relaxations are
not. Required-ness and nullability depend on direction: a request field becoming required breaks the
caller, a response field becoming optional breaks the reader (its attribute may now be unset).
Value constraints (bounds, lengths, item counts, pattern) are reported too: narrowing what a caller may
send is breaking, widening it is not; in responses they only describe what the server sends (the
generated models do not enforce them), so there they are never breaking.
Descriptions, summaries (except for their role marker) and examples are ignored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from atomic_tooling.markers import Operation, extract_operations, iter_raw_operations

Direction = Literal["request", "response"]
Schema = Mapping[str, Any]
# (old schema, new schema) identities being compared on the way down; stops recursive schemas.
_Stack = frozenset[tuple[int, int]]

# Nesting limit, a backstop behind the recursion guard for absurdly deep input.
_MAX_DEPTH = 64


@dataclass(frozen=True)
class OperationRef:
    """An operation that exists on one side only."""

    operation: str
    method: str
    path: str
    operationId: str | None

    def describe(self) -> str:
        where = f"{self.method} {self.path}"
        return f"{self.operationId}: {where}" if self.operationId else where


@dataclass(frozen=True)
class RoleChange:
    """The allowed roles of one operation changed."""

    operation: str
    old: tuple[str, ...]
    new: tuple[str, ...]
    breaking: bool

    def describe(self) -> str:
        return f"{self.operation}: {' or '.join(self.old)} -> {' or '.join(self.new)} ({_label(self.breaking)})"


@dataclass(frozen=True)
class Change:
    """One structural change inside a matched operation."""

    operation: str
    location: str
    kind: str
    detail: str
    breaking: bool

    def describe(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{self.operation}: {where}{self.detail} ({_label(self.breaking)})"


@dataclass
class SpecDiff:
    """Everything that differs between an old and a new spec, in the new spec's order."""

    added: list[OperationRef] = field(default_factory=list)
    removed: list[OperationRef] = field(default_factory=list)
    role_changes: list[RoleChange] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    @property
    def breaking(self) -> bool:
        return bool(self.removed) or any(c.breaking for c in self.role_changes) or any(c.breaking for c in self.changes)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.role_changes or self.changes)

    def counts(self) -> tuple[int, int]:
        """(breaking, non-breaking) entries."""
        flags = [False] * len(self.added) + [True] * len(self.removed)
        flags += [c.breaking for c in self.role_changes] + [c.breaking for c in self.changes]
        return sum(flags), len(flags) - sum(flags)

    def to_json(self) -> dict[str, Any]:
        return {
            "added": [asdict(op) for op in self.added],
            "removed": [asdict(op) for op in self.removed],
            "role_changes": [
                {"operation": c.operation, "old": list(c.old), "new": list(c.new), "breaking": c.breaking}
                for c in self.role_changes
            ],
            "changes": [asdict(c) for c in self.changes],
            "breaking": self.breaking,
        }

    def render_json(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=True)

    def render_text(self) -> str:
        if self.empty:
            return "no changes to operations, roles, parameters, request bodies or responses"
        lines: list[str] = []
        if self.added:
            lines.append(f"operations added ({len(self.added)}):")
            lines += [f"  + {op.describe()} (non-breaking)" for op in self.added]
        if self.removed:
            lines.append(f"operations removed ({len(self.removed)}):")
            lines += [f"  - {op.describe()} (breaking)" for op in self.removed]
        if self.role_changes:
            lines.append(f"role changes ({len(self.role_changes)}):")
            lines += [f"  {c.describe()}" for c in self.role_changes]
        if self.changes:
            lines.append(f"changes ({len(self.changes)}):")
            lines += [f"  {c.describe()}" for c in self.changes]
        breaking, other = self.counts()
        lines.append(f"{breaking} breaking, {other} non-breaking")
        return "\n".join(lines)


def _label(breaking: bool) -> str:
    return "breaking" if breaking else "non-breaking"


def role_change_is_breaking(old: tuple[str, ...], new: tuple[str, ...]) -> bool:
    """Breaking when the preferred (first) role changes or any allowed role disappears.

    The SDK sends the first allowed role it has credentials for, so appending an alternative keeps
    every existing configuration working with the same credential.
    """
    return not old or not new or old[0] != new[0] or not set(old) <= set(new)


# --------------------------------------------------------------------------- $ref resolution


class RefResolver:
    """Resolves local `#/...` references of one document; anything else stays opaque."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self._document = document

    def lookup(self, ref: str) -> Any | None:
        if not ref.startswith("#"):
            return None
        node: Any = self._document
        for raw in ref[1:].split("/")[1:]:
            part = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return None
        return node

    def deref(self, node: Any) -> Any:
        """Follow a chain of `$ref`s to its target; an unresolvable or cyclic chain yields the last `$ref` object."""
        followed: set[str] = set()
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            target = self.lookup(ref)
            if target is None or ref in followed:
                break
            followed.add(ref)
            node = target
        return node


# --------------------------------------------------------------------------- operations


@dataclass(frozen=True)
class _Side:
    """One spec: its operations with markers, raw operation objects and ref resolver."""

    operations: list[Operation]
    raw: dict[tuple[str, str], tuple[Mapping[str, Any], Mapping[str, Any]]]  # (METHOD, path) -> (path item, op)
    resolver: RefResolver

    @classmethod
    def read(cls, document: Mapping[str, Any]) -> _Side:
        raw: dict[tuple[str, str], tuple[Mapping[str, Any], Mapping[str, Any]]] = {}
        paths = document.get("paths") or {}
        for method, path, operation in iter_raw_operations(document):
            raw[(method, path)] = (paths[path], operation)
        return cls(extract_operations(document), raw, RefResolver(document))

    def operation_id(self, op: Operation) -> str | None:
        value = self.raw[(op.method, op.path)][1].get("operationId")
        return str(value) if value else None

    def ref(self, op: Operation) -> OperationRef:
        return OperationRef(op.key, op.method, op.path, self.operation_id(op))


def _match(old: _Side, new: _Side) -> tuple[list[tuple[Operation, Operation]], list[Operation], list[Operation]]:
    """Pair operations by operationId, then by METHOD+path among the rest; returns (pairs, added, removed)."""
    old_by_id = {old.operation_id(op): op for op in old.operations if old.operation_id(op)}
    paired: dict[str, Operation] = {}  # new key -> old operation
    for op in new.operations:
        op_id = new.operation_id(op)
        if op_id and op_id in old_by_id:
            paired[op.key] = old_by_id[op_id]
    taken = {o.key for o in paired.values()}
    old_by_route = {(op.method, op.path): op for op in old.operations if op.key not in taken}
    for op in new.operations:
        if op.key not in paired and (op.method, op.path) in old_by_route:
            paired[op.key] = old_by_route.pop((op.method, op.path))
    taken = {o.key for o in paired.values()}
    pairs = [(paired[op.key], op) for op in new.operations if op.key in paired]
    added = [op for op in new.operations if op.key not in paired]
    removed = [op for op in old.operations if op.key not in taken]
    return pairs, added, removed


def diff_specs(old_document: Mapping[str, Any], new_document: Mapping[str, Any]) -> SpecDiff:
    """Compare two parsed OpenAPI 3.0 documents.

    Raises markers.RoleMarkerError when either side has an operation without a valid role marker.
    Example: `print(diff_specs(old, new).render_text())`.
    """
    old, new = _Side.read(old_document), _Side.read(new_document)
    pairs, added, removed = _match(old, new)
    result = SpecDiff(added=[new.ref(op) for op in added], removed=[old.ref(op) for op in removed])
    for old_op, new_op in pairs:
        if old_op.roles != new_op.roles:
            breaking = role_change_is_breaking(old_op.roles, new_op.roles)
            result.role_changes.append(RoleChange(new_op.key, old_op.roles, new_op.roles, breaking))
        result.changes += _OperationDiff(old, new, old_op, new_op).run()
    return result


class _OperationDiff:
    """Collects the changes of one matched operation pair."""

    def __init__(self, old: _Side, new: _Side, old_op: Operation, new_op: Operation) -> None:
        self.old, self.new = old, new
        self.old_op, self.new_op = old_op, new_op
        self.old_item, self.old_raw = old.raw[(old_op.method, old_op.path)]
        self.new_item, self.new_raw = new.raw[(new_op.method, new_op.path)]
        self.changes: list[Change] = []

    def add(self, location: str, kind: str, detail: str, breaking: bool) -> None:
        self.changes.append(Change(self.new_op.key, location, kind, detail, breaking))

    def run(self) -> list[Change]:
        self._identity()
        self._parameters()
        self._request_body()
        self._responses()
        return self.changes

    def _identity(self) -> None:
        old_route = f"{self.old_op.method} {self.old_op.path}"
        new_route = f"{self.new_op.method} {self.new_op.path}"
        if old_route != new_route:
            self.add("operation", "operation-moved", f"moved from {old_route} to {new_route}", True)
        old_id, new_id = self.old.operation_id(self.old_op), self.new.operation_id(self.new_op)
        if old_id != new_id:
            self.add("operation", "operation-id", f"operationId changed from {old_id!r} to {new_id!r}", True)
        if not self.old_raw.get("deprecated") and self.new_raw.get("deprecated"):
            self.add("operation", "deprecated", "operation deprecated", False)

    # ---- parameters

    def _parameters(self) -> None:
        old_params = _effective_parameters(self.old_item, self.old_raw, self.old.resolver)
        new_params = _effective_parameters(self.new_item, self.new_raw, self.new.resolver)
        for key, removed in old_params.items():
            if key not in new_params:
                self.add(_param_location(key, removed), "parameter-removed", "parameter removed", True)
        for key, new_param in new_params.items():
            location = _param_location(key, new_param)
            old_param = old_params.get(key)
            if old_param is None:
                required = bool(new_param.get("required"))
                detail = "required parameter added" if required else "optional parameter added"
                self.add(location, "parameter-added", detail, required)
                continue
            was, now = bool(old_param.get("required")), bool(new_param.get("required"))
            if was != now:
                self.add(location, "required", "parameter is now required" if now else "parameter is no longer required", now)
            walker = _SchemaWalker(self, self.old.resolver, self.new.resolver, "request", location)
            walker.compare(_parameter_schema(old_param), _parameter_schema(new_param))

    # ---- request body

    def _request_body(self) -> None:
        old_body = self.old.resolver.deref(self.old_raw.get("requestBody"))
        new_body = self.new.resolver.deref(self.new_raw.get("requestBody"))
        old_body = old_body if isinstance(old_body, Mapping) else None
        new_body = new_body if isinstance(new_body, Mapping) else None
        if old_body is None and new_body is None:
            return
        if new_body is None:
            self.add("request body", "request-body", "request body removed", True)
            return
        now = bool(new_body.get("required"))
        if old_body is None:
            self.add("request body", "request-body", "required request body added" if now else "optional request body added", now)
            return
        if bool(old_body.get("required")) != now:
            self.add("request body", "required", "request body is now required" if now else "request body is no longer required", now)
        self._content("request body", old_body.get("content"), new_body.get("content"), "request", True)

    # ---- responses

    def _responses(self) -> None:
        old_responses = self.old_raw.get("responses") or {}
        new_responses = self.new_raw.get("responses") or {}
        for code in old_responses:
            if code not in new_responses:
                success = str(code).startswith("2")
                self.add(f"response {code}", "response-removed", "response status removed", success)
        for code, new_response in new_responses.items():
            if code not in old_responses:
                self.add(f"response {code}", "response-added", "response status added", False)
                continue
            old_resolved = self.old.resolver.deref(old_responses[code])
            new_resolved = self.new.resolver.deref(new_response)
            if isinstance(old_resolved, Mapping) and isinstance(new_resolved, Mapping):
                success = str(code).startswith("2")
                self._content(f"response {code} body", old_resolved.get("content"), new_resolved.get("content"), "response", success)

    def _content(self, label: str, old: Any, new: Any, direction: Direction, removal_breaks: bool) -> None:
        old_media = old if isinstance(old, Mapping) else {}
        new_media = new if isinstance(new, Mapping) else {}
        for media in old_media:
            if media not in new_media:
                self.add(label, "media-type-removed", f"media type {media} removed", removal_breaks)
        for media, new_entry in new_media.items():
            if media not in old_media:
                self.add(label, "media-type-added", f"media type {media} added", False)
                continue
            location = label if media == "application/json" or len(new_media) == 1 else f"{label} [{media}]"
            old_schema = (old_media[media] or {}).get("schema")
            new_schema = (new_entry or {}).get("schema")
            _SchemaWalker(self, self.old.resolver, self.new.resolver, direction, location).compare(old_schema, new_schema)


def _effective_parameters(item: Mapping[str, Any], operation: Mapping[str, Any], resolver: RefResolver) -> dict[tuple[str, str], Mapping[str, Any]]:
    """Path-level parameters overridden by operation-level ones, keyed by (in, name)."""
    merged: dict[tuple[str, str], Mapping[str, Any]] = {}
    for source in (item.get("parameters") or [], operation.get("parameters") or []):
        for entry in source:
            param = resolver.deref(entry)
            if not isinstance(param, Mapping) or "name" not in param:
                continue
            where = str(param.get("in", ""))
            name = str(param["name"])
            merged[(where, name.lower() if where == "header" else name)] = param
    return merged


def _param_location(key: tuple[str, str], param: Mapping[str, Any]) -> str:
    return f"{key[0]} parameter {param.get('name', key[1])}"


def _parameter_schema(param: Mapping[str, Any]) -> Any:
    if "schema" in param:
        return param["schema"]
    content = param.get("content")
    if isinstance(content, Mapping):
        for entry in content.values():
            if isinstance(entry, Mapping):
                return entry.get("schema")
    return None


# --------------------------------------------------------------------------- schemas


class _SchemaWalker:
    """Walks an old and a new schema side by side, reporting into an _OperationDiff."""

    def __init__(self, sink: _OperationDiff, old: RefResolver, new: RefResolver, direction: Direction, base: str) -> None:
        self.sink = sink
        self.old, self.new = old, new
        self.direction = direction
        self.base = base

    def report(self, pointer: str, kind: str, detail: str, breaking: bool) -> None:
        location = f"{self.base} {pointer}" if pointer else self.base
        self.sink.add(location, kind, detail, breaking)

    def compare(self, old: Any, new: Any, pointer: str = "", stack: _Stack = frozenset(), depth: int = 0) -> None:
        old_schema = self.old.deref(old)
        new_schema = self.new.deref(new)
        # Both documents stay alive during the walk, so object identity names a schema; it catches
        # recursion through $ref (a ref resolves to the same object) and through YAML aliases alike.
        pair = (id(old_schema), id(new_schema))
        if pair in stack or depth > _MAX_DEPTH:
            return
        stack = stack | {pair}
        if not isinstance(old_schema, Mapping) or not isinstance(new_schema, Mapping):
            self._presence(old_schema, new_schema, pointer)
            return
        if "$ref" in old_schema or "$ref" in new_schema:  # unresolvable (external) reference: compare by name
            if old_schema.get("$ref") != new_schema.get("$ref"):
                self.report(pointer, "ref", f"schema reference changed from {old_schema.get('$ref')!r} to {new_schema.get('$ref')!r}", True)
            return
        old_flat = _flatten(old_schema, self.old)
        new_flat = _flatten(new_schema, self.new)
        if not self._scalars(old_flat, new_flat, pointer):
            return  # the type changed: what lies below is not comparable
        self._constraints(old_flat, new_flat, pointer)
        deeper = depth + 1
        self._properties(old_flat, new_flat, pointer, stack, deeper)
        if "items" in old_flat or "items" in new_flat:
            self.compare(old_flat.get("items"), new_flat.get("items"), f"{pointer}[]", stack, deeper)
        self._additional(old_flat.get("additionalProperties"), new_flat.get("additionalProperties"), pointer, stack, deeper)
        for keyword in ("oneOf", "anyOf"):
            self._variants(keyword, old_flat.get(keyword), new_flat.get(keyword), pointer, stack, deeper)

    def _presence(self, old: Any, new: Any, pointer: str) -> None:
        if isinstance(old, Mapping) and not isinstance(new, Mapping):
            self.report(pointer, "schema-removed", "schema removed", True)
        elif isinstance(new, Mapping) and not isinstance(old, Mapping):
            self.report(pointer, "schema-added", "schema added", True)

    def _scalars(self, old: Schema, new: Schema, pointer: str) -> bool:
        """Type, format, enum and nullable; returns False when the type changed."""
        if old.get("type") != new.get("type"):
            self.report(pointer, "type", f"type changed from {_show(old.get('type'))} to {_show(new.get('type'))}", True)
            return False
        if old.get("format") != new.get("format"):
            self.report(pointer, "format", f"format changed from {_show(old.get('format'))} to {_show(new.get('format'))}", True)
        self._enum(old.get("enum"), new.get("enum"), pointer)
        was, now = bool(old.get("nullable")), bool(new.get("nullable"))
        if was != now:
            # A request may now send null (fine); a response may now hold null (readers break).
            breaking = now == (self.direction == "response")
            self.report(pointer, "nullable", "now nullable" if now else "no longer nullable", breaking)
        return True

    def _constraints(self, old: Schema, new: Schema, pointer: str) -> None:
        """Bounds and pattern: a request constraint that admits fewer values breaks the caller."""
        for keyword, upper in _BOUNDS:
            before, after = old.get(keyword), new.get(keyword)
            if before == after:
                continue
            if isinstance(before, bool) or isinstance(after, bool):
                # OpenAPI 3.0's exclusiveMinimum/exclusiveMaximum flag: true excludes the bound itself.
                narrower = bool(after) and not bool(before)
                detail = f"{keyword} {'set' if after else 'cleared'}"
            elif not _is_number(before) and not _is_number(after):
                continue  # neither side is a usable number: nothing to compare
            elif not _is_number(before):
                narrower, detail = True, f"{keyword} {_show(after)} added"
            elif not _is_number(after):
                narrower, detail = False, f"{keyword} {_show(before)} removed"
            else:
                narrower = after < before if upper else after > before
                detail = f"{keyword} changed from {_show(before)} to {_show(after)}"
            self.report(pointer, "constraint", detail, narrower and self.direction == "request")
        before, after = old.get("pattern"), new.get("pattern")
        if before != after:
            if before is None:
                detail, narrower = f"pattern {after!r} added", True
            elif after is None:
                detail, narrower = f"pattern {before!r} removed", False
            else:  # two regular expressions cannot be compared; assume the new one may refuse old values
                detail, narrower = f"pattern changed from {before!r} to {after!r}", True
            self.report(pointer, "constraint", detail, narrower and self.direction == "request")

    def _enum(self, old: Any, new: Any, pointer: str) -> None:
        if old is None and new is None:
            return
        if old is None or new is None:
            detail = "enum constraint added" if old is None else "enum constraint removed"
            self.report(pointer, "enum", detail, True)
            return
        for value in old:
            if value not in new:
                self.report(pointer, "enum-removed", f"enum value {value!r} removed", True)
        for value in new:
            if value not in old:
                self.report(pointer, "enum-added", f"enum value {value!r} added", False)

    def _properties(self, old: Schema, new: Schema, pointer: str, stack: _Stack, depth: int) -> None:
        old_props = old.get("properties") or {}
        new_props = new.get("properties") or {}
        old_required, new_required = set(old.get("required") or []), set(new.get("required") or [])
        for name in old_props:
            if name not in new_props:
                self.report(_child(pointer, name), "field-removed", "field removed", True)
        for name in new_props:
            child = _child(pointer, name)
            if name not in old_props:
                self._added_field(child, name in new_required)
                continue
            was, now = name in old_required, name in new_required
            if was != now:
                # Callers must now send it (request) / readers may now miss it (response).
                breaking = now if self.direction == "request" else was
                self.report(child, "required", "field is now required" if now else "field is no longer required", breaking)
            self.compare(old_props[name], new_props[name], child, stack, depth)

    def _added_field(self, pointer: str, required: bool) -> None:
        if self.direction == "response":
            self.report(pointer, "field-added", "field added", False)
        elif required:
            self.report(pointer, "field-added", "required field added", True)
        else:
            self.report(pointer, "field-added", "optional field added", False)

    def _additional(self, old: Any, new: Any, pointer: str, stack: _Stack, depth: int) -> None:
        old_is_schema, new_is_schema = isinstance(old, Mapping), isinstance(new, Mapping)
        if old_is_schema and new_is_schema:
            self.compare(old, new, f"{pointer}{{}}", stack, depth)
        elif old_is_schema != new_is_schema and (old is not None or new is not None):
            detail = "additionalProperties schema removed" if old_is_schema else "additionalProperties schema added"
            self.report(pointer, "additional-properties", detail, old_is_schema)

    def _variants(self, keyword: str, old: Any, new: Any, pointer: str, stack: _Stack, depth: int) -> None:
        old_list = list(old) if isinstance(old, list) else []
        new_list = list(new) if isinstance(new, list) else []
        if not old_list and not new_list:
            return
        old_keys, new_keys = _variant_keys(old_list), _variant_keys(new_list)
        for key in old_keys:
            if key not in new_keys:
                self.report(pointer, "variant-removed", f"{keyword} variant {key} removed", True)
        for key, schema in new_keys.items():
            if key not in old_keys:
                self.report(pointer, "variant-added", f"{keyword} variant {key} added", False)
            else:
                self.compare(old_keys[key], schema, f"{pointer}<{keyword} {key}>", stack, depth)


# (keyword, whether it is an upper bound): a lower upper bound or a higher lower bound admits fewer values.
_BOUNDS: tuple[tuple[str, bool], ...] = (
    ("minimum", False),
    ("exclusiveMinimum", False),
    ("maximum", True),
    ("exclusiveMaximum", True),
    ("minLength", False),
    ("maxLength", True),
    ("minItems", False),
    ("maxItems", True),
    ("minProperties", False),
    ("maxProperties", True),
)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _variant_keys(variants: list[Any]) -> dict[str, Any]:
    """Name oneOf/anyOf members by their $ref target when they all have one, else by position."""
    if variants and all(isinstance(v, Mapping) and isinstance(v.get("$ref"), str) for v in variants):
        return {str(v["$ref"]).rsplit("/", 1)[-1]: v for v in variants}
    return {f"#{index}": v for index, v in enumerate(variants)}


def _flatten(schema: Schema, resolver: RefResolver) -> dict[str, Any]:
    """Merge `allOf` members into one schema: properties and required are unioned, the rest kept first-wins."""
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    for member in _all_of_members(schema, resolver, frozenset({id(schema)})):
        for key, value in member.items():
            if key == "properties" and isinstance(value, Mapping):
                merged["properties"] = {**value, **(merged.get("properties") or {})}
            elif key == "required" and isinstance(value, list):
                merged["required"] = list(dict.fromkeys([*(merged.get("required") or []), *value]))
            elif key != "allOf":
                merged.setdefault(key, value)
    return merged


def _all_of_members(schema: Schema, resolver: RefResolver, seen: frozenset[int]) -> Iterator[Schema]:
    """Every (nested) allOf member, each cycle cut at its first repetition."""
    for raw in schema.get("allOf") or []:
        member = resolver.deref(raw)
        if not isinstance(member, Mapping) or id(member) in seen:
            continue
        yield member
        yield from _all_of_members(member, resolver, seen | {id(member)})


def _child(pointer: str, name: str) -> str:
    return f"{pointer}.{name}" if pointer else name


def _show(value: Any) -> str:
    return "none" if value is None else str(value)
