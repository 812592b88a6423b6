"""Builds one valid call of every operation in the spec, from the spec's examples and the generated functions.

Nothing here is written per operation: the module, argument names, argument types, body model and expected
response model are all found by introspection, so a new operation in the spec is exercised automatically.
atomic_api is looked up when the calls are built, never at import: tests/generation re-imports it, and
classes from a stale import would fail every isinstance check.
"""

from __future__ import annotations

import datetime
import enum
import importlib
import inspect
import io
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from dateutil.parser import isoparse
from openapi_python_client.strings import ClassName, PythonIdentifier, snake_case

METHODS = ("get", "put", "post", "delete", "patch")
CSV = b"payload.target.usersById\nuser-123|user-456\n"


def spec_path() -> Path:
    return Path(str(resources.files("atomic_api") / "openapi.yaml"))


def load_spec() -> dict[str, Any]:
    with spec_path().open("rb") as handle:
        document: dict[str, Any] = yaml.safe_load(handle)
    return document


def resolve(node: Any, root: Mapping[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            target: Any = root
            for part in ref[2:].split("/"):
                target = target[part]
            return resolve(target, root)
        return {key: resolve(value, root) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(item, root) for item in node]
    return node


def synthesize(schema: Mapping[str, Any], name: str = "value") -> Any:
    """A value valid for ``schema``: its example, default or first enum value, else a minimal one."""
    for key in ("example", "default"):
        if key in schema:
            return schema[key]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return True
    if kind == "array":
        return [synthesize(schema.get("items", {}), name)] * int(schema.get("minItems", 1))
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {key: synthesize(props[key], key) for key in schema.get("required", [])}
    fmt = schema.get("format")
    if fmt == "date-time":
        return "2020-03-27T01:00:00Z"
    if fmt == "date":
        return "2020-03-27"
    if fmt == "binary":
        return CSV
    if fmt == "uri":
        return "https://example.com/hook"
    return f"{name}-1"


def _unwrap(annotation: Any) -> Any:
    """The annotation without ``Unset`` / ``None`` members."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        members = [arg for arg in typing.get_args(annotation) if arg is not type(None) and not _is(arg, "Unset")]
        return members[0] if len(members) == 1 else typing.Union[tuple(members)]  # noqa: UP007
    return annotation


def _is(value: Any, class_name: str) -> bool:
    """Whether value is atomic_api's ``class_name`` class (by module and name, whichever import it came from)."""
    return getattr(value, "__name__", None) == class_name and getattr(value, "__module__", "") == "atomic_api.types"


def _is_file(value: Any) -> bool:
    return _is(type(value), "File")


def to_python(raw: Any, annotation: Any) -> Any:
    """A JSON value as the generated function wants it (enums, datetimes, models)."""
    target = _unwrap(annotation)
    origin = typing.get_origin(target)
    if origin is list:
        (item,) = typing.get_args(target)
        return [to_python(value, item) for value in raw]
    if inspect.isclass(target):
        if issubclass(target, enum.Enum):
            return target(raw)
        if target is datetime.datetime:
            return isoparse(raw)
        if target is datetime.date:
            return datetime.date.fromisoformat(raw)
        if hasattr(target, "from_dict"):
            return target.from_dict(raw)
    return raw


@dataclass
class Call:
    operation_id: str
    method: str
    path: str
    module: Any
    kwargs: dict[str, Any]
    success_status: int
    success_model: type | None

    def fresh_kwargs(self) -> dict[str, Any]:
        # File payloads are streams: give every call its own.
        return {key: (_fresh_files(value) if key == "body" else value) for key, value in self.kwargs.items()}


def _fresh_files(body: Any) -> Any:
    if hasattr(body, "__attrs_attrs__"):
        for attribute in body.__attrs_attrs__:
            value = getattr(body, attribute.name)
            if _is_file(value):
                value.payload = io.BytesIO(CSV)
    return body


def _media_example(media: Mapping[str, Any]) -> Any:
    if "example" in media:
        return media["example"]
    for entry in (media.get("examples") or {}).values():
        if "value" in entry:
            return entry["value"]
    return synthesize(media.get("schema", {}))


def _body(operation_id: str, request_body: Mapping[str, Any], annotation: Any) -> Any:
    content = request_body["content"]
    if "multipart/form-data" in content:
        schema = content["multipart/form-data"]["schema"]
        raw = {key: synthesize(prop, key) for key, prop in schema.get("properties", {}).items()}
        body = to_python(raw, annotation)
        for attribute in body.__attrs_attrs__:
            value = getattr(body, attribute.name)
            if _is_file(value):
                value.file_name, value.mime_type = f"{attribute.name}.csv", "text/csv"
        return body
    media = content.get("application/json")
    if media is None:
        raise AssertionError(f"{operation_id}: no request content type the suite knows how to build: {list(content)}")
    return to_python(_media_example(media), annotation)


def build_calls(spec: Mapping[str, Any], environment_id: str | None = None) -> list[Call]:
    """One call per operation; ``environmentId`` path parameters get ``environment_id`` when it is given
    (an id the server knows: the Sandbox answers 404 for any other), else a synthesized value."""
    calls: list[Call] = []
    for path, item in spec["paths"].items():
        shared = item.get("parameters", [])
        for method in METHODS:
            if method not in item:
                continue
            raw = item[method]
            operation_id = raw["operationId"]
            tag = snake_case(raw["tags"][0])
            module = importlib.import_module(f"atomic_api.api.{tag}.{snake_case(operation_id)}")
            hints = typing.get_type_hints(module._get_kwargs)
            accepted = set(inspect.signature(module.sync_detailed).parameters)
            kwargs: dict[str, Any] = {}
            for param in [resolve(p, spec) for p in [*shared, *raw.get("parameters", [])]]:
                python_name = str(PythonIdentifier(param["name"], prefix="field"))
                assert python_name in accepted, f"{operation_id}: no argument {python_name} for {param['name']}"
                if environment_id is not None and (param["name"], param["in"]) == ("environmentId", "path"):
                    value: Any = environment_id
                else:
                    value = synthesize(param.get("schema", {}), param["name"])
                kwargs[python_name] = to_python(value, hints[python_name])
            if "requestBody" in raw:
                kwargs["body"] = _body(operation_id, resolve(raw["requestBody"], spec), hints["body"])
            status, model = _success(raw, spec)
            calls.append(Call(operation_id, method.upper(), path, module, kwargs, status, model))
    return calls


def _success(raw: Mapping[str, Any], spec: Mapping[str, Any]) -> tuple[int, type | None]:
    codes = sorted(int(code) for code in raw["responses"] if str(code).isdigit() and 200 <= int(code) < 300)
    status = codes[0]
    response = raw["responses"][str(status)]
    if "$ref" in response:
        response = resolve(response, spec)
    media = (response.get("content") or {}).get("application/json")
    if media is None:
        return status, None
    ref = media["schema"].get("$ref")
    assert ref, f"{raw['operationId']}: inline 2xx schemas are not mapped to a model by this suite"
    models = importlib.import_module("atomic_api.models")
    model = getattr(models, str(ClassName(ref.rsplit("/", 1)[1], "")))
    assert isinstance(model, type)
    return status, model
