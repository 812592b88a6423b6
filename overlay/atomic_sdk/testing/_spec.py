"""The API description the Sandbox serves: routes, request validation and example responses, read from the spec."""

import json
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
from atomic_api._roles import OPERATIONS
from attrs import frozen
from openapi_schema_validator import OAS30Validator, oas30_format_checker

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
_PARAM = re.compile(r"\{([^{}/]+)\}")


class SpecError(Exception):
    """The spec cannot be served: a construct the Sandbox does not support, or a role map that disagrees."""


def bundled_spec_path() -> Path:
    """The spec the installed ``atomic_api`` package was generated from."""
    return Path(str(resources.files("atomic_api") / "openapi.yaml"))


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
    validator = OAS30Validator(dict(schema), format_checker=oas30_format_checker)
    # jsonschema (under openapi-schema-validator) ships no type information; errors are read duck-typed.
    error: Any = next(iter(sorted(validator.iter_errors(value), key=str)), None)
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path)
    return f"{error.message}" + (f" (at {where})" if where else "")


def _coerce(raw: str, schema: Mapping[str, Any]) -> Any:
    """A query/path/header string as the JSON value its schema describes (simple/form style, no explode)."""
    kind = schema.get("type")
    if kind == "integer":
        return int(raw)
    if kind == "number":
        return float(raw)
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

    def example_body(self) -> bytes:
        return json.dumps(self.example).encode() if self.has_body else b""

    def validate(
        self, path_params: Mapping[str, str], query: str, headers: Mapping[str, str], body: bytes
    ) -> list[str]:
        """Every way the request breaks the spec, as messages (empty when it conforms)."""
        problems: list[str] = []
        query_values = parse_qs(query, keep_blank_values=True)
        for param in self.parameters:
            name, where = param["name"], param["in"]
            schema = param.get("schema", {})
            raw: str | None
            if where == "path":
                raw = path_params.get(name)
            elif where == "query":
                values = query_values.get(name)
                raw = None if values is None else (",".join(values) if schema.get("type") == "array" else values[-1])
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
                problems.append(f"{where} parameter {name!r}: {raw!r} is not of type {schema.get('type')}")
                continue
            if (error := _first_error(schema, value)) is not None:
                problems.append(f"{where} parameter {name!r}: {error}")
        problems.extend(self._validate_body(headers.get("content-type", ""), body))
        return problems

    def _validate_body(self, content_type: str, body: bytes) -> list[str]:
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
                value = json.loads(body)
            except ValueError as exc:
                return [f"request body is not valid JSON: {exc}"]
            error = _first_error(schema, value)
            return [] if error is None else [f"request body: {error}"]
        if media_type == "multipart/form-data":
            return self._validate_multipart(content_type, body, schema)
        if media_type == "application/x-www-form-urlencoded":
            form = {key: values[-1] for key, values in parse_qs(body.decode("latin-1")).items()}
            error = _first_error(schema, form)
            return [] if error is None else [f"request body: {error}"]
        return []

    @staticmethod
    def _validate_multipart(content_type: str, body: bytes, schema: Mapping[str, Any]) -> list[str]:
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
        )
        if not message.is_multipart():
            return ["request body is not a valid multipart/form-data body (check the boundary)"]
        fields: dict[str, Any] = {}
        properties: Mapping[str, Any] = schema.get("properties", {})
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                return ["a multipart part has no name in its Content-Disposition"]
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            prop = properties.get(name, {})
            # Binary parts are opaque; other parts are text validated against their property schema.
            fields[name] = "<binary>" if prop.get("format") == "binary" else data.decode("utf-8", "replace")
        error = _first_error(schema, fields)
        return [] if error is None else [f"request body: {error}"]


def _template_regex(template: str) -> re.Pattern[str]:
    parts: list[str] = []
    last = 0
    for match in _PARAM.finditer(template):
        parts.append(re.escape(template[last : match.start()]))
        parts.append(f"(?P<{_group(match.group(1))}>[^/]+)")
        last = match.end()
    parts.append(re.escape(template[last:]))
    return re.compile("".join(parts))


def _group(name: str) -> str:
    return "p_" + "".join(ch if ch.isalnum() else "_" for ch in name)


class ApiDescription:
    """All operations of a spec, matched by method and path template (most literal segments first)."""

    def __init__(self, document: Mapping[str, Any], role_map: Mapping[str, tuple[str, str, tuple[str, ...]]]) -> None:
        operations: list[SpecOperation] = []
        paths: Mapping[str, Any] = document.get("paths", {})
        for template, item in paths.items():
            shared = list(item.get("parameters", []))
            for method in _METHODS:
                raw = item.get(method)
                if raw is None:
                    continue
                operations.append(self._operation(document, template, method, shared, raw, role_map))
        spec_ids = {op.operation_id for op in operations}
        if spec_ids != set(role_map):
            raise SpecError(
                "the spec and the generated role map disagree; regenerate atomic_api "
                f"(only in spec: {sorted(spec_ids - set(role_map))}, only in role map: {sorted(set(role_map) - spec_ids)})"
            )
        self.operations: tuple[SpecOperation, ...] = tuple(operations)
        self._by_id = {op.operation_id: op for op in operations}
        self._routes = sorted(
            (
                (_rank(op.path_template, index), _template_regex(op.path_template), op)
                for index, op in enumerate(operations)
            ),
            key=lambda entry: entry[0],
        )

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
        return SpecOperation(
            operation_id=operation_id,
            method=method.upper(),
            path_template=template,
            roles=tuple(roles),
            parameters=tuple(params.values()),
            request_body=body,
            status=int(success[0]),
            example=example,
            has_body=has_body,
        )

    def get(self, operation_id: str) -> SpecOperation:
        return self._by_id[operation_id]

    def match(self, method: str, raw_path: str) -> tuple[SpecOperation | None, dict[str, str], bool]:
        """(operation, decoded path parameters, whether the path exists for some other method)."""
        path_exists = False
        for _, regex, op in self._routes:
            found = regex.fullmatch(raw_path)
            if found is None:
                continue
            if op.method != method.upper():
                path_exists = True
                continue
            values = {name: unquote(found.group(_group(name))) for name in _PARAM.findall(op.path_template)}
            return op, values, True
        return None, {}, path_exists


def _rank(template: str, index: int) -> tuple[int, tuple[int, ...], int]:
    segments = template.strip("/").split("/")
    variable = tuple(1 if "{" in segment else 0 for segment in segments)
    return (-(len(segments) - sum(variable)), variable, index)


@lru_cache(maxsize=8)
def _load(path: str) -> ApiDescription:
    with open(path, "rb") as handle:
        document = yaml.safe_load(handle)
    return ApiDescription(document, OPERATIONS)


def load_description(path: str | Path | None = None) -> ApiDescription:
    """The parsed spec (cached per path); the bundled one by default."""
    return _load(str(bundled_spec_path() if path is None else Path(path).resolve()))
