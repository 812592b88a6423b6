"""The API description the Sandbox serves: routes, request validation and example responses, read from the spec."""

import json
import math
import re
from collections.abc import Mapping, Sequence
from email.parser import BytesParser
from email.policy import HTTP
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

import yaml
from atomic_api._markers import resolve_path_item
from atomic_api._roles import OPERATIONS
from attrs import frozen
from openapi_schema_validator import OAS30Validator

from .._errors import AtomicError
from ._formats import build_format_checker

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
_METHOD_ORDER = [method.upper() for method in _METHODS]
_PARAM = re.compile(r"\{([^{}/]+)\}")
# JSON's number grammar (RFC 8259), ASCII digits only: no "+5", "1_000", "00012", "٣" or " 5 ".
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
DEFAULT_MAX_JSON_DEPTH = 64
_FORMATS = build_format_checker()


class SpecError(AtomicError):
    """The spec cannot be served: a construct the Sandbox does not support, or a role map that disagrees."""


def bundled_spec_path() -> Path:
    """The spec the installed ``atomic_api`` package was generated from (kept in its own format)."""
    package = resources.files("atomic_api")
    return Path(
        str(
            next(
                (package / n for n in ("openapi.json", "openapi.yaml") if (package / n).is_file()),
                package / "openapi.yaml",
            )
        )
    )


def _resolve(node: Any, root: Mapping[str, Any], stack: tuple[str, ...] = ()) -> Any:
    """Inline every local ``$ref`` (the spec has no recursive schemas; one would be reported)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if not ref.startswith("#/"):
                raise SpecError(f"only local $ref values are supported, got {ref!r}")
            if ref in stack:
                raise SpecError(f"recursive $ref {ref!r} is not supported by the Sandbox")
            target: Any = root
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            return _resolve(target, root, (*stack, ref))
        return {key: _resolve(value, root, stack) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve(item, root, stack) for item in node]
    return node


def _first_error(schema: Mapping[str, Any], value: Any) -> str | None:
    validator = OAS30Validator(dict(schema), format_checker=_FORMATS)
    # jsonschema ships no types (errors are read duck-typed). Only the first error: all of a million bad items
    # would cost seconds.
    error: Any = next(iter(validator.iter_errors(value)), None)
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path)
    return f"{_shorten(error.message)}" + (f" (at {where})" if where else "")


def _shorten(message: str, limit: int = 300) -> str:
    # jsonschema quotes the offending value; a 10 MB string must not come back in the answer.
    return message if len(message) <= limit else message[: limit - 3] + "..."


class BodyError(ValueError):
    """The request body cannot be read as the value it claims to be (the message says why)."""


def _refuse_constant(name: str) -> Any:
    raise BodyError(f"{name} is not a JSON value (RFC 8259 has no NaN or Infinity)")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BodyError(f"the number {_shorten(text, 40)} is out of range")
    return value


def _depth(value: Any) -> int:
    """How deeply arrays and objects nest in ``value`` (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def parse_json(body: bytes, max_depth: int = DEFAULT_MAX_JSON_DEPTH) -> Any:
    """The JSON value of a request body: UTF-8, RFC 8259 numbers only, at most ``max_depth`` levels deep."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyError(f"request body is not valid UTF-8 (bad byte at offset {exc.start})") from None
    if text.startswith("\ufeff"):
        raise BodyError("request body starts with a byte order mark; JSON text must not")
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise BodyError(f"request body nests arrays/objects more than {max_depth} levels deep") from None
    except BodyError as exc:
        raise BodyError(f"request body is not valid JSON: {exc}") from None
    except ValueError as exc:
        raise BodyError(f"request body is not valid JSON: {_shorten(str(exc))}") from None
    if _depth(value) > max_depth:
        raise BodyError(f"request body nests arrays/objects more than {max_depth} levels deep")
    return value


def _coerce(raw: str, schema: Mapping[str, Any]) -> Any:
    """A query/path/header string as the JSON value its schema describes (simple/form style, no explode);
    numbers in JSON's grammar exactly (see ``_INTEGER``), an integer without fraction or exponent."""
    kind = schema.get("type")
    if kind == "integer":
        if _INTEGER.fullmatch(raw) is None:
            raise ValueError(raw)
        return int(raw)  # more than 4300 digits raises ValueError too
    if kind == "number":
        if _NUMBER.fullmatch(raw) is None:
            raise ValueError(raw)
        if _INTEGER.fullmatch(raw) is not None:
            return int(raw)  # exact, so minimum/maximum compare without float rounding
        value = float(raw)
        if not math.isfinite(value):
            raise ValueError(raw)
        return value
    if kind == "boolean":
        if raw not in ("true", "false"):
            raise ValueError(f"{raw!r} is not true or false")
        return raw == "true"
    if kind == "array":
        return [_coerce(item, schema.get("items", {})) for item in raw.split(",")]
    return raw


def _example(media: Mapping[str, Any]) -> tuple[bool, Any]:
    if "example" in media:
        return True, media["example"]
    examples = media.get("examples")
    if isinstance(examples, Mapping):
        for entry in examples.values():
            if isinstance(entry, Mapping) and "value" in entry:
                return True, entry["value"]
    schema = media.get("schema")
    if isinstance(schema, Mapping) and "example" in schema:
        return True, schema["example"]
    return False, None


@frozen
class SpecOperation:
    """One operation of the spec, resolved: how to match it, validate it and answer it."""

    operation_id: str
    method: str
    path_template: str
    roles: tuple[str, ...]
    parameters: tuple[Mapping[str, Any], ...]
    request_body: Mapping[str, Any] | None
    status: int
    example: Any
    has_body: bool
    responses: Mapping[str, Mapping[str, Any]]

    def error_body(self, status: int, body: Mapping[str, Any]) -> Any:
        """``body`` if it fits the schema the spec documents for ``status``, else that response's example."""
        response = self.responses.get(str(status)) or self.responses.get(f"{str(status)[0]}XX")
        media = (response or self.responses.get("default") or {}).get("content", {}).get("application/json")
        if not isinstance(media, Mapping) or not isinstance(media.get("schema"), Mapping):
            return dict(body)
        if _first_error(media["schema"], dict(body)) is None:
            return dict(body)
        has_example, example = _example(media)
        return example if has_example else dict(body)

    def validate(
        self, path: Mapping[str, str], query: str, headers: Mapping[str, str], body: bytes, max_depth: int = 64
    ) -> list[str]:
        """Every way the request breaks the spec, as messages (empty when it conforms)."""
        problems: list[str] = []
        try:
            query_values = parse_qs(query, keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            return ["the query string is not valid UTF-8 once percent-decoded"]
        for param in self.parameters:
            name, where = param["name"], param["in"]
            schema = param.get("schema", {})
            raw: str | None
            if where == "path":
                raw = path.get(name)
            elif where == "query":
                values = query_values.get(name)
                if values is not None and len(values) > 1 and schema.get("type") != "array":
                    problems.append(f"query parameter {name!r} is given {len(values)} times; it takes one value")
                    continue
                raw = None if values is None else (",".join(values) if schema.get("type") == "array" else values[0])
            elif where == "header":
                raw = headers.get(name.lower())
            else:
                continue
            if raw is None:
                if param.get("required"):
                    problems.append(f"missing required {where} parameter {name!r}")
                continue
            try:
                value = _coerce(raw, schema)
            except ValueError:
                problems.append(
                    f"{where} parameter {name!r}: {_shorten(repr(raw), 80)} is not of type {schema.get('type')}"
                )
                continue
            if (error := _first_error(schema, value)) is not None:
                problems.append(f"{where} parameter {name!r}: {error}")
        problems.extend(self._validate_body(headers.get("content-type", ""), body, max_depth))
        return problems

    def _validate_body(self, content_type: str, body: bytes, max_json_depth: int) -> list[str]:
        if self.request_body is None:
            return []
        if not body:
            return ["request body is required"] if self.request_body.get("required") else []
        content: Mapping[str, Any] = self.request_body.get("content", {})
        media_type = content_type.split(";", 1)[0].strip().lower()
        media = content.get(media_type)
        if media is None:
            wanted = ", ".join(content) or "none"
            return [f"request body has content type {media_type or '(none)'!r}; the operation accepts {wanted}"]
        schema: Mapping[str, Any] = media.get("schema", {})
        if media_type == "application/json" or media_type.endswith("+json"):
            try:
                value = parse_json(body, max_json_depth)
            except BodyError as exc:
                return [str(exc)]
            error = _first_error(schema, value)
            return [] if error is None else [f"request body: {error}"]
        if media_type == "multipart/form-data":
            return self._validate_multipart(content_type, body, schema)
        if media_type == "application/x-www-form-urlencoded":
            try:
                pairs = parse_qs(body.decode("utf-8"), keep_blank_values=True, errors="strict")
            except UnicodeDecodeError:
                return ["request body is not valid UTF-8 (raw or once percent-decoded)"]
            form = {key: values[-1] for key, values in pairs.items()}
            error = _first_error(schema, form)
            return [] if error is None else [f"request body: {error}"]
        return []

    @staticmethod
    def _validate_multipart(content_type: str, body: bytes, schema: Mapping[str, Any]) -> list[str]:
        head = b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n"
        message = BytesParser(policy=HTTP).parsebytes(head + body)
        if not message.is_multipart():
            return ["request body is not a valid multipart/form-data body (check the boundary)"]
        fields: dict[str, Any] = {}
        for part in message.iter_parts():
            name, data = part.get_param("name", header="content-disposition"), part.get_payload(decode=True)
            if not isinstance(name, str):
                return ["a multipart part has no name in its Content-Disposition"]
            # Binary parts are opaque; other parts are UTF-8 text validated against their property schema.
            if schema.get("properties", {}).get(name, {}).get("format") == "binary":
                fields[name] = "<binary>"
                continue
            try:
                fields[name] = (data if isinstance(data, bytes) else b"").decode("utf-8")
            except UnicodeDecodeError:
                return [f"multipart part {name!r} is not valid UTF-8 text"]
        error = _first_error(schema, fields)
        return [] if error is None else [f"request body: {error}"]


def _template_regex(template: str) -> re.Pattern[str]:
    pieces = _PARAM.split(template)  # literal, parameter name, literal, ..., literal
    return re.compile("".join(f"(?P<{_group(p)}>[^/]+)" if i % 2 else re.escape(p) for i, p in enumerate(pieces)))


def _group(name: str) -> str:
    return "p_" + "".join(ch if ch.isalnum() else "_" for ch in name)


class ApiDescription:
    """All operations of a spec, matched by method and path template (most literal segments first)."""

    def __init__(
        self,
        document: Mapping[str, Any],
        role_map: Mapping[str, tuple[str, str, tuple[str, ...]]],
        skipped: frozenset[str] = frozenset(),
    ) -> None:
        operations: list[SpecOperation] = []
        paths: Mapping[str, Any] = document.get("paths", {})
        for template, item in paths.items():
            if "$ref" in item:  # an OpenAPI 3.1 path item in components/pathItems
                item = resolve_path_item(document, item)
            shared = list(item.get("parameters", []))
            for method in _METHODS:
                raw = item.get(method)
                if raw is None:
                    continue
                operations.append(self._operation(document, template, method, shared, raw, role_map))
        spec_ids = {op.operation_id for op in operations}
        # Operations the generator skipped (GENERATED.json) are in the spec but, having no function, not in the
        # role map; the Sandbox still serves them (with no role to check).
        if spec_ids - skipped != set(role_map):
            raise SpecError(
                "the spec and the generated role map disagree; regenerate atomic_api "
                f"(only in spec: {sorted(spec_ids - skipped - set(role_map))}, only in role map: {sorted(set(role_map) - spec_ids)})"
            )
        self.operations: tuple[SpecOperation, ...] = tuple(operations)
        self._by_id = {op.operation_id: op for op in operations}
        ranked = [
            (_rank(op.path_template, i), _template_regex(op.path_template), op) for i, op in enumerate(operations)
        ]
        self._routes = sorted(ranked, key=lambda entry: entry[0])

    @staticmethod
    def _operation(
        document: Mapping[str, Any],
        template: str,
        method: str,
        shared: Sequence[Any],
        raw: Mapping[str, Any],
        role_map: Mapping[str, tuple[str, str, tuple[str, ...]]],
    ) -> SpecOperation:
        operation_id = raw.get("operationId") or f"{method.upper()} {template}"
        params: dict[tuple[str, str], Mapping[str, Any]] = {}
        for param in [*shared, *raw.get("parameters", [])]:
            resolved = _resolve(param, document)
            params[(resolved["name"], resolved["in"])] = resolved  # operation level overrides path level
        body = _resolve(raw["requestBody"], document) if "requestBody" in raw else None
        responses: Mapping[str, Any] = raw.get("responses", {})
        success = sorted(code for code in responses if str(code).isdigit() and 200 <= int(code) < 300)
        if not success:
            raise SpecError(f"{operation_id} has no 2xx response to answer with")
        response = _resolve(responses[success[0]], document)
        content: Mapping[str, Any] = response.get("content") or {}
        media = content.get("application/json")
        has_body, example = (False, None) if media is None else _example(media)
        if media is not None and not has_body:
            has_body, example = True, {}
        roles = role_map[operation_id][2] if operation_id in role_map else ()
        # Keys as the spec writes them, with ranges in one case ("4xx" -> "4XX"); "default" stays lower-case.
        resolved_responses = {
            (str(code) if str(code) == "default" else str(code).upper()): _resolve(value, document)
            for code, value in responses.items()
            if isinstance(value, Mapping)
        }
        parameters, status = tuple(params.values()), int(success[0])
        fields = (operation_id, method.upper(), template, tuple(roles), parameters, body, status, example, has_body)
        return SpecOperation(*fields, responses=resolved_responses)

    def get(self, operation_id: str) -> SpecOperation:
        return self._by_id[operation_id]

    def match(self, method: str, raw_path: str) -> tuple[SpecOperation | None, dict[str, str], tuple[str, ...]]:
        """(operation, decoded path parameters, the methods the spec allows on this path).

        Raises ``UnicodeDecodeError`` when a path parameter is not UTF-8 once percent-decoded.
        """
        allowed: list[str] = []
        found_op: SpecOperation | None = None
        values: dict[str, str] = {}
        for _, regex, op in self._routes:
            found = regex.fullmatch(raw_path)
            if found is None:
                continue
            if op.method not in allowed:
                allowed.append(op.method)
            # Methods are case-sensitive (RFC 9110 9.1): "get" is not GET.
            if found_op is None and op.method == method:
                found_op = op
                values = {
                    name: unquote(found.group(_group(name)), errors="strict")
                    for name in _PARAM.findall(op.path_template)
                }
        return found_op, values, tuple(sorted(allowed, key=_METHOD_ORDER.index))


def _rank(template: str, index: int) -> tuple[int, tuple[int, ...], int]:
    segments = template.strip("/").split("/")
    variable = tuple(1 if "{" in segment else 0 for segment in segments)
    return (-(len(segments) - sum(variable)), variable, index)


@lru_cache(maxsize=8)
def _load(path: str) -> ApiDescription:
    raw = Path(path).read_bytes()
    is_json = path.endswith(".json") or raw.lstrip()[:1] == b"{"
    document = json.loads(raw) if is_json else yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return ApiDescription(document, OPERATIONS, _skipped_operations())


def _skipped_operations() -> frozenset[str]:
    """Keys of the operations the installed atomic_api was generated without (GENERATED.json "skipped")."""
    record = resources.files("atomic_api") / "GENERATED.json"
    try:
        skipped = json.loads(record.read_text(encoding="utf-8")).get("skipped", [])
    except (OSError, ValueError):
        return frozenset()
    return frozenset(str(entry["operation"]) for entry in skipped if isinstance(entry, dict) and "operation" in entry)


def load_description(path: str | Path | None = None) -> ApiDescription:
    """The parsed spec (cached per path); the bundled one by default."""
    return _load(str(bundled_spec_path() if path is None else Path(path).resolve()))
