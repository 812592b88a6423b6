"""Make a real-world spec digestible for openapi-python-client without losing or inventing operations.

scripts/generate hands the generator a *working copy* of the document (the committed/packaged spec is the
original bytes). Each fix here is one the generator would otherwise answer with a crash or a silently
missing operation; every fix that changes what a user sees is returned as a note so it can be reported:

- path items given as `$ref` (OpenAPI 3.1 `components/pathItems`) are inlined: the generator ignores them;
- operations whose Python module names collide after snake-casing (`listEnvironments` / `list_environments`
  in one tag) are disambiguated deterministically: the first in spec order keeps the name, later ones get
  `_2`, `_3`, … (reported as "renamed");
- enum values that collide after the generator derives member names (`ASC` / `asc`, `GMT0` / `GMT-0`) get
  explicit, distinct member names through `x-enum-varnames` (`ASC`, `ASC_2`); repeated identical values
  are listed once;
- media types the generator cannot handle fall back where that is safe (see `fallback_content_types`);
- component schemas whose `title`s give the same class name (Box: four schemas titled "AI agent basic
  text tool") make the generator drop all but one, and every operation using the others; the later ones
  are named after their component key instead (their title is set aside in the working copy);
- an empty `enum: []` (no value is valid, so nothing can be generated for it) is read as no enum;
- a path parameter without `required: true` is read as required (OpenAPI requires it; the generator
  would skip the operation); optional parameters whose Python names cannot be told apart (`StartTime`,
  `StartTime<`, `StartTime>`) are left out of the call after the first (reported as partial);
- a `default` that does not fit its own schema (`default: "ten"` on an integer, a default outside the
  enum) is dropped: the generator would otherwise skip the whole operation over it. The validator lists
  each one as a warning;
- keys as the author meant them: YAML reads `200:` as an integer and `on:` as a boolean (`yaml_loader`
  keeps every mapping key as written; `normalize_keys` turns any non-string key left into its text), and
  status codes are spelled as the generator reads them (`2xx` -> `2XX`, `Default` -> `default`); values
  OpenAPI requires as strings (`version: 1.10`, `required: [on]`) become their text. These run first, as
  the spec is loaded (generate.load_spec), so that the validator and the role markers read them too;
- a path parameter never has a default (it is always required; a default would make the generator
  reorder or default it);
- an operation that uses a `$ref` pointing nowhere (directly or through components) is set aside with
  the reference named (`dangling_refs`); the rest of the spec generates.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import yaml
from openapi_python_client.parser.openapi import generate_operation_id
from openapi_python_client.schema.untrusted_string import UntrustedString
from openapi_python_client.strings import ClassName, PythonIdentifier, get_content_type, snake_case

from atomic_tooling.markers import HTTP_METHODS, resolve_path_item

# Request bodies the generator sends, and response bodies it reads (0.29.1: bodies.py, responses.py).
_BODY_TYPES = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data", "application/octet-stream")
_WILDCARDS = ("*/*", "application/*")
BINARY = {"type": "string", "format": "binary"}


@dataclass(frozen=True)
class Renamed:
    """An operation whose module name had to change because another operation already had it."""

    key: str
    method: str
    path: str
    module: str
    collides_with: str

    def describe(self) -> str:
        return f"{self.method} {self.path} ({self.key}): module renamed to {self.module}, '{self.collides_with}' has the original name"


@dataclass(frozen=True)
class Fallback:
    """A body whose media type the generator does not support, and what it is generated as instead."""

    method: str
    path: str
    where: str
    content_type: str
    treated_as: str

    def describe(self) -> str:
        return f"{self.method} {self.path}: {self.where} {self.content_type!r} is treated as {self.treated_as}"


@dataclass
class Preparation:
    """What `prepare` changed in the working copy, and the content-type overrides for the generator's config."""

    renamed: list[Renamed]
    fallbacks: list[Fallback]
    content_type_overrides: dict[str, str]
    enum_renames: int
    defaults_dropped: list[str] = field(default_factory=list)
    parameters_dropped: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    titles_dropped: int = 0
    empty_enums: int = 0
    unusable: dict[tuple[str, str], str] = field(default_factory=dict)
    """Operations set aside before the generator runs: (METHOD, path) -> reason."""


def iter_operations(document: MutableMapping[str, Any]) -> Iterator[tuple[str, str, MutableMapping[str, Any]]]:
    paths = document.get("paths") or {}
    for path, item in paths.items():
        if not isinstance(item, MutableMapping):
            continue
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, MutableMapping):
                yield method, str(path), operation


def prepare(document: MutableMapping[str, Any], field_prefix: str, config_overrides: dict[str, str]) -> Preparation:
    """Apply every fix to `document` in place (it is the generator's working copy)."""
    inline_path_items(document)
    unusable = set_aside_dangling_refs(document)
    titles = untitle_colliding_components(document, field_prefix)
    empty = drop_empty_enums(document)
    renamed = disambiguate_modules(document, field_prefix)
    enum_renames = name_enum_members(document)
    fallbacks, overrides = fallback_content_types(document, config_overrides)
    fallbacks += optional_multi_media_bodies(document, overrides)
    dropped = drop_unfit_defaults(document)
    require_path_parameters(document)
    parameters = drop_indistinguishable_parameters(document, field_prefix)
    return Preparation(
        renamed=renamed,
        fallbacks=fallbacks,
        content_type_overrides=overrides,
        enum_renames=enum_renames,
        defaults_dropped=dropped,
        parameters_dropped=parameters,
        titles_dropped=titles,
        empty_enums=empty,
        unusable=unusable,
    )


def require_path_parameters(document: MutableMapping[str, Any]) -> None:
    """A path parameter is always required (OpenAPI says so); specs that forget `required: true` still mean it."""
    found: list[Any] = list(((document.get("components") or {}).get("parameters") or {}).values())
    for item in (document.get("paths") or {}).values():
        if isinstance(item, MutableMapping):
            found += item.get("parameters") or []
            for method in HTTP_METHODS:
                if isinstance(item.get(method), MutableMapping):
                    found += item[method].get("parameters") or []
    for param in found:
        if not isinstance(param, MutableMapping) or param.get("in") != "path":
            continue
        if param.get("required") is not True:
            param["required"] = True
        # A default would make the generator give the parameter `= default` and move it after the required
        # ones (a module that does not parse when a required one follows); a path has no "left out" value.
        param.pop("default", None)
        schema = param.get("schema")
        if isinstance(schema, MutableMapping) and "default" in schema:
            param["schema"] = {k: v for k, v in schema.items() if k != "default"}
        elif isinstance(schema, MutableMapping) and isinstance(schema.get("$ref"), str):
            target = _resolve_local(document, schema)
            if isinstance(target, MutableMapping) and "default" in target and "$ref" not in target:
                # A shared component may be used elsewhere with its default: the parameter gets its own copy.
                param["schema"] = {k: v for k, v in target.items() if k != "default"}


def drop_indistinguishable_parameters(document: MutableMapping[str, Any], field_prefix: str) -> dict[tuple[str, str], list[str]]:
    """Optional parameters the generator cannot give a Python name of their own are left out of the call.

    openapi-python-client tells parameters of one location apart by snake-cased name, then by raw name;
    past that (Twilio: `StartTime`, `StartTime<`, `StartTime>`) it skips the whole operation. Leaving out
    the later, optional ones keeps the operation (reported as partial); a required one is kept, and the
    generator's skip (with its reason) stands.
    """
    dropped: dict[tuple[str, str], list[str]] = {}
    paths = document.get("paths") or {}
    for path, item in paths.items():
        if not isinstance(item, MutableMapping):
            continue
        shared: list[Any] = item["parameters"] if isinstance(item.get("parameters"), list) else []
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, MutableMapping):
                continue
            own: list[Any] = operation["parameters"] if isinstance(operation.get("parameters"), list) else []
            resolved = [(p, _resolve_local(document, p)) for p in own]
            names = {(r.get("in"), r.get("name")) for _, r in resolved if isinstance(r, MutableMapping)}
            # Path-level parameters apply unless the operation redefines them (same name and location).
            inherited = [r for r in (_resolve_local(document, p) for p in shared) if isinstance(r, MutableMapping) and (r.get("in"), r.get("name")) not in names]
            seen_raw: dict[tuple[str, str], str] = {}
            keep: list[Any] = []
            lost: list[str] = []
            for original, param in [*resolved, *((None, r) for r in inherited)]:
                if not isinstance(param, MutableMapping) or not isinstance(param.get("name"), str):
                    if original is not None:
                        keep.append(original)
                    continue
                raw = str(PythonIdentifier(param["name"], field_prefix, skip_snake_case=True))
                key = (str(param.get("in")), raw)
                if key in seen_raw and not param.get("required") and original is not None:
                    lost.append(f"{param.get('in')} parameter {param['name']!r} (its Python name collides with {seen_raw[key]!r})")
                    continue
                seen_raw.setdefault(key, param["name"])
                if original is not None:
                    keep.append(original)
            if lost:
                operation["parameters"] = keep
                dropped[(method.upper(), str(path))] = lost
    return dropped


def optional_multi_media_bodies(document: MutableMapping[str, Any], overrides: dict[str, str]) -> list[Fallback]:
    """A required request body offered in several media types becomes an optional argument.

    openapi-python-client 0.29.1 types such a body `A | B | Unset = UNSET` whatever `required` says, and
    imports `Unset` only for an optional body: a required one yields a module that does not import.
    """
    config = _Overrides(overrides)
    notes: list[Fallback] = []
    seen: set[int] = set()
    for method, path, operation in iter_operations(document):
        body = _resolve_local(document, operation.get("requestBody"))
        if not isinstance(body, MutableMapping) or not body.get("required") or not isinstance(body.get("content"), MutableMapping):
            continue
        usable = []
        for ct in body["content"]:
            simple = get_content_type(str(ct), config)  # type: ignore[arg-type]
            if simple is not None and (simple in _BODY_TYPES or simple.endswith("+json")):
                usable.append(str(ct))
        if len(usable) < 2:
            continue
        if id(body) not in seen:
            seen.add(id(body))
            body["required"] = False
        notes.append(Fallback(method.upper(), path, "request body", ", ".join(usable), "an optional argument (several media types)"))
    return notes


def untitle_colliding_components(document: MutableMapping[str, Any], field_prefix: str) -> int:
    """Give component schemas whose class names collide (by title or key) distinct names; returns how many.

    The generator names a component's class after its `title`, else its key; two components with one class
    name make it drop the later one. The later one is named after its key, or its key plus a number.
    """
    schemas = (document.get("components") or {}).get("schemas")
    if not isinstance(schemas, MutableMapping):
        return 0
    taken: set[str] = set()
    renamed = 0
    for key, schema in schemas.items():
        if not isinstance(schema, MutableMapping):
            continue
        title = schema.get("title") if isinstance(schema.get("title"), str) and schema.get("title") else None
        name = str(ClassName(title or str(key), field_prefix))
        if name in taken:
            base = str(ClassName(str(key), field_prefix))
            name, number = base, 2
            while name in taken:
                name, number = f"{base}{number}", number + 1
            schema["title"] = name
            renamed += 1
        taken.add(name)
    return renamed


def drop_empty_enums(document: MutableMapping[str, Any]) -> int:
    dropped = 0
    for schema in _iter_schemas(document):
        if schema["enum"] == []:
            del schema["enum"]
            dropped += 1
    return dropped


_FITS = {
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
}


def drop_unfit_defaults(document: MutableMapping[str, Any]) -> list[str]:
    """Remove defaults that contradict their schema's type or enum; returns a warning for each."""
    dropped: list[str] = []
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, MutableMapping):
            if "default" in node and node["default"] is not None and isinstance(node.get("type"), str):
                fits = _FITS.get(node["type"])
                enum = node.get("enum")
                value = node["default"]
                if fits is not None and not fits(value):
                    dropped.append(f"a default value does not match its schema (the client ignores it): {value!r} is not of type {node['type']!r}")
                    del node["default"]
                elif isinstance(enum, list) and value not in enum:
                    dropped.append(f"a default value does not match its schema (the client ignores it): {value!r} is not one of {enum!r}")
                    del node["default"]
            stack.extend(v for k, v in node.items() if k not in ("example", "examples", "default", "const") and isinstance(v, MutableMapping | list))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, MutableMapping | list))
    return dropped


def inline_path_items(document: MutableMapping[str, Any]) -> None:
    paths = document.get("paths")
    if not isinstance(paths, MutableMapping):
        return
    for path, item in list(paths.items()):
        if isinstance(item, MutableMapping) and "$ref" in item:
            paths[path] = resolve_path_item(document, item)


def module_of(method: str, path: str, operation: MutableMapping[str, Any], field_prefix: str) -> tuple[str, str]:
    """(tag package, module) the generator writes this operation to: api/<tag>/<module>.py."""
    tags = operation.get("tags") or ["default"]
    tag = PythonIdentifier(str(tags[0]), "tag")
    operation_id = operation.get("operationId")
    if operation_id:
        name = PythonIdentifier(str(operation_id), field_prefix)
    else:
        name = generate_operation_id(path=UntrustedString(path), method=method, prefix=field_prefix)
    return str(tag), str(PythonIdentifier(str(name), field_prefix))


def disambiguate_modules(document: MutableMapping[str, Any], field_prefix: str) -> list[Renamed]:
    taken: dict[tuple[str, str], str] = {}
    planned: list[tuple[str, str, MutableMapping[str, Any], str, str]] = []
    for method, path, operation in iter_operations(document):
        tag, module = module_of(method, path, operation, field_prefix)
        key = str(operation.get("operationId") or f"{method.upper()} {path}")
        if (tag, module) not in taken:
            taken[(tag, module)] = key
        else:
            planned.append((method, path, operation, tag, module))
    renamed: list[Renamed] = []
    for method, path, operation, tag, module in planned:
        key = str(operation.get("operationId") or f"{method.upper()} {path}")
        number = 2
        while (tag, f"{module}_{number}") in taken:
            number += 1
        new = f"{module}_{number}"
        taken[(tag, new)] = key
        operation["operationId"] = new
        renamed.append(Renamed(key, method.upper(), path, f"{tag}.{new}", taken[(tag, module)]))
    return renamed


def _default_member_name(value: str | int, index: int, var_name: str | None) -> str:
    # openapi-python-client 0.29.1 EnumProperty.values_from_list, which raises on (or, after sanitising,
    # silently merges) duplicates; the names computed here are what it would produce.
    if isinstance(value, int):
        if var_name is not None:
            return snake_case(var_name).upper()
        return f"VALUE_NEGATIVE_{-value}" if value < 0 else f"VALUE_{value}"
    if var_name is not None:
        key = var_name
    elif value and value[0].isalpha():
        key = value.upper()
    else:
        key = f"VALUE_{index}"
    return snake_case(key).upper()


def _iter_schemas(node: Any) -> Iterator[MutableMapping[str, Any]]:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, MutableMapping):
            if isinstance(current.get("enum"), list):
                yield current
            for key, value in current.items():
                # Examples are data, not schemas: an example object may well have an "enum" field.
                if key not in ("example", "examples", "default", "const") and isinstance(value, MutableMapping | list):
                    stack.append(value)
        elif isinstance(current, list):
            stack.extend(item for item in current if isinstance(item, MutableMapping | list))


def name_enum_members(document: MutableMapping[str, Any]) -> int:
    """Give enums whose derived member names collide explicit distinct names; returns how many enums changed."""
    changed = 0
    for schema in _iter_schemas(document):
        values = schema["enum"]
        kinds = {type(v) for v in values if v is not None}
        if not values or len(kinds) != 1 or not kinds <= {str, int}:
            continue
        unique: list[Any] = []
        for value in values:
            if value not in unique:
                unique.append(value)
        given = schema.get("x-enum-varnames")
        var_names = [str(v) for v in given] if isinstance(given, list) and len(given) == len(values) else None
        if var_names is not None and len(unique) != len(values):
            var_names = [var_names[values.index(v)] for v in unique]
        concrete = [v for v in unique if v is not None]
        names = [_default_member_name(v, i, None if var_names is None else var_names[unique.index(v)]) for i, v in enumerate(concrete)]
        if len(set(names)) == len(names) and len(unique) == len(values):
            continue
        if len(unique) != len(values):
            schema["enum"] = unique
        if len(set(names)) != len(names):
            used: set[str] = set()
            distinct: list[str] = []
            for name in names:
                base = name or "VALUE"
                candidate, number = base, 2
                while candidate in used:
                    candidate, number = f"{base}_{number}", number + 1
                used.add(candidate)
                distinct.append(candidate)
            by_value = dict(zip(concrete, distinct, strict=True))
            # x-enum-varnames is positional over `enum`; a null entry never becomes a member.
            schema["x-enum-varnames"] = [by_value.get(v, "NONE") for v in unique]
        changed += 1
    return changed


def _is_binary(schema: Any) -> bool:
    return not isinstance(schema, MutableMapping) or not schema or (
        schema.get("type") == "string" and schema.get("format") in ("binary", "byte")
    )


def _resolve_local(document: MutableMapping[str, Any], node: Any) -> Any:
    seen = 0
    while isinstance(node, MutableMapping) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/") and seen < 32:
        target: Any = document
        for part in node["$ref"][2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, MutableMapping) or part not in target:
                return node
            target = target[part]
        node, seen = target, seen + 1
    return node


def _simple(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def fallback_content_types(
    document: MutableMapping[str, Any], config_overrides: dict[str, str]
) -> tuple[list[Fallback], dict[str, str]]:
    """Media types openapi-python-client cannot handle, turned into ones it can where that is safe.

    Only a body with *no* supported media type is touched (otherwise the generator uses the supported one):
    - a wildcard (`*/*`, `application/*`) with a structured schema is JSON; with a binary or no schema, bytes;
    - a response in any other type (`image/png`, `application/pdf`, `multipart/mixed`, `application/xml`, …)
      is returned as raw bytes (a `File`), never parsed;
    - a request body in another non-text type is sent as raw bytes that the caller supplies (a `File`),
      with the spec's own Content-Type header (via the generator's `content_type_overrides`);
    - a request body only in `text/*` stays unsupported: the override would also turn that type's text
      responses into bytes. The operation is then skipped with the generator's reason.
    """
    fallbacks: list[Fallback] = []
    overrides = dict(config_overrides)
    config = _Overrides(overrides)

    def request_supported(ct: str) -> bool:
        simple = get_content_type(ct, config)  # type: ignore[arg-type]
        return simple is not None and (simple in _BODY_TYPES or simple.endswith("+json"))

    def response_supported(ct: str) -> bool:
        simple = get_content_type(ct, config)  # type: ignore[arg-type]
        return simple is not None and (
            simple in ("application/json", "application/octet-stream") or simple.endswith("+json") or simple.startswith("text/")
        )

    bodies: list[tuple[str, str, str, MutableMapping[str, Any]]] = []
    for method, path, operation in iter_operations(document):
        body = _resolve_local(document, operation.get("requestBody"))
        if isinstance(body, MutableMapping) and isinstance(body.get("content"), MutableMapping):
            bodies.append((method.upper(), path, "request body", body["content"]))
        responses = operation.get("responses")
        if isinstance(responses, MutableMapping):
            for code, response in responses.items():
                resolved = _resolve_local(document, response)
                if isinstance(resolved, MutableMapping) and isinstance(resolved.get("content"), MutableMapping):
                    bodies.append((method.upper(), path, f"response {code}", resolved["content"]))

    done: set[int] = set()
    for method, path, where, content in bodies:
        if id(content) in done or not content:
            continue
        done.add(id(content))
        is_request = where == "request body"
        supported = request_supported if is_request else response_supported
        if any(supported(str(ct)) for ct in content):
            continue
        for ct in list(content):
            media = content[ct] if isinstance(content[ct], MutableMapping) else {}
            simple = _simple(str(ct))
            schema = _resolve_local(document, media.get("schema"))
            if simple in _WILDCARDS:
                target = "application/octet-stream" if _is_binary(schema) else "application/json"
                if target not in content:
                    content[target] = content.pop(ct)
                    fallbacks.append(Fallback(method, path, where, str(ct), "JSON" if target == "application/json" else "raw bytes"))
                    break
            elif is_request and simple.startswith("text/"):
                continue
            else:
                if not is_request and simple.startswith("text/"):
                    continue
                content[ct] = {**media, "schema": dict(BINARY)}
                overrides.setdefault(str(ct), "application/octet-stream")
                fallbacks.append(Fallback(method, path, where, str(ct), "raw bytes (File)"))
                break
    # An override applies to every use of that media type; elsewhere it must describe bytes as well.
    added = set(overrides) - set(config_overrides)
    for _, _, _, content in bodies:
        for ct in content:
            if ct in added and isinstance(content[ct], MutableMapping):
                content[ct] = {**content[ct], "schema": dict(BINARY)}
    return fallbacks, overrides


class _Overrides:
    """The one attribute of the generator's Config that `get_content_type` reads."""

    def __init__(self, content_type_overrides: dict[str, str]) -> None:
        self.content_type_overrides = content_type_overrides


# --- keys as the author meant them ----------------------------------------------------------------------

# YAML 1.1 resolves plain scalars like `200`, `on`, `null`, `1.0` or `2024-01-01` to non-strings; as a
# mapping key in an OpenAPI document every one of them is a name (a status code, a property, a path).
_NON_STRING_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("int", "bool", "float", "null", "timestamp")
)


def yaml_loader() -> type[yaml.SafeLoader]:
    """PyYAML's safe loader (libyaml's when present), read as OpenAPI means YAML (1.2, the core schema).

    - every plain mapping key is kept as written (`200:` is the status code "200");
    - only `true` / `false` are booleans (YAML 1.1 also reads `on`, `off`, `yes`, `no` as booleans: enum
      values, property names and `required` entries of real specs);
    - a float remembers how it was written (`version: 1.10` is "1.10" where a string is meant).
    """
    base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    if base not in _LOADERS:
        resolvers = {
            first: [(tag, regexp) for tag, regexp in entries if tag != _BOOL_TAG]
            for first, entries in base.yaml_implicit_resolvers.items()
        }
        for first in "tTfF":
            resolvers.setdefault(first, []).insert(0, (_BOOL_TAG, _YAML12_BOOL))
        loader = type(
            "OpenAPIYamlLoader",
            (base,),
            {"construct_mapping": _construct_mapping, "yaml_implicit_resolvers": resolvers},
        )
        loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
        _LOADERS[base] = loader
    return _LOADERS[base]


_BOOL_TAG = "tag:yaml.org,2002:bool"
_YAML12_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_LOADERS: dict[type[yaml.SafeLoader], type[yaml.SafeLoader]] = {}


class WrittenFloat(float):
    """A YAML float that keeps its text: `1.10` where the spec means the string "1.10"."""

    written: str

    def __reduce__(self) -> tuple[Any, ...]:
        return (float, (float(self),))  # pickles (and deep-copies) as a plain float


def _construct_float(loader: Any, node: yaml.ScalarNode) -> float:
    value = WrittenFloat(loader.construct_yaml_float(node))
    value.written = str(node.value)
    return value


def _construct_mapping(self: Any, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    if isinstance(node, yaml.MappingNode):
        self.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.tag in _NON_STRING_TAGS and not key_node.style:
            key: Any = key_node.value
        else:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str | int | float | bool | tuple) and key is not None:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark, "found an unhashable key", key_node.start_mark
                )
        mapping[key] = self.construct_object(value_node, deep=deep)
    return mapping


def _key_text(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    return key.written if isinstance(key, WrittenFloat) else str(key)


def normalize_scalars(document: MutableMapping[str, Any]) -> int:
    """Values OpenAPI requires as strings, given as YAML numbers or booleans; returns how many changed.

    `info.version: 1.0`, `required: [on, 200]`, and the `enum` / `default` / `const` of a `type: string`
    schema (`enum: [1.0, 2.0]`) become their text as written.
    """
    changed = 0
    info = document.get("info")
    if isinstance(info, MutableMapping) and "version" in info and not isinstance(info["version"], str):
        info["version"] = _key_text(info["version"])
        changed += 1
    stack: list[Any] = [document.get("paths"), document.get("components"), document.get("webhooks")]
    while stack:
        node = stack.pop()
        if isinstance(node, MutableMapping):
            required = node.get("required")
            if isinstance(required, list) and any(not isinstance(v, str) for v in required):
                node["required"] = [v if isinstance(v, str) else _key_text(v) for v in required]
                changed += 1
            if node.get("type") == "string":
                for keyword in ("enum", "default", "const"):
                    value = node.get(keyword)
                    if isinstance(value, list) and any(v is not None and not isinstance(v, str) for v in value):
                        node[keyword] = [v if v is None or isinstance(v, str) else _key_text(v) for v in value]
                        changed += 1
                    elif value is not None and not isinstance(value, str | list | MutableMapping):
                        node[keyword] = _key_text(value)
                        changed += 1
            stack.extend(v for k, v in node.items() if k not in ("example", "examples") and isinstance(v, MutableMapping | list))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, MutableMapping | list))
    return changed


def normalize_keys(document: Any) -> int:
    """Turn every non-string mapping key into its text (`200` -> "200", `True` -> "true"); returns how many.

    `yaml_loader` already keeps keys as written; this covers documents read otherwise (a plain YAML loader,
    a document built in code). A key whose text another key already has is left as it is.
    """
    changed = 0
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, MutableMapping):
            odd = [key for key in node if not isinstance(key, str)]
            for key in odd:
                text = _key_text(key)
                if text not in node:
                    # Rebuilding keeps the author's order (a status code's place among its siblings).
                    items = [(text if k is key else k, v) for k, v in node.items()]
                    node.clear()
                    node.update(items)
                    changed += 1
            stack.extend(v for v in node.values() if isinstance(v, MutableMapping | list))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, MutableMapping | list))
    return changed


def normalize_status_codes(document: MutableMapping[str, Any]) -> None:
    """Status-code keys as the generator reads them: `2xx` -> `2XX`, `Default` -> `default`, no spaces."""
    responses_seen: set[int] = set()
    candidates: list[Any] = [operation.get("responses") for _, _, operation in iter_operations(document)]
    for responses in candidates:
        if not isinstance(responses, MutableMapping) or id(responses) in responses_seen:
            continue
        responses_seen.add(id(responses))
        wanted = {key: _status_key(key) for key in responses if isinstance(key, str)}
        if all(key == new for key, new in wanted.items()):
            continue
        items = list(responses.items())
        taken = {wanted.get(k, k) for k, _ in items}
        if len(taken) != len(items):  # two spellings of one code: leave them for the generator to report
            continue
        responses.clear()
        responses.update((wanted.get(k, k), v) for k, v in items)


def _status_key(key: str) -> str:
    text = key.strip()
    if text.lower() == "default":
        return "default"
    if len(text) == 3 and text[0].isdigit() and text[1:].lower() == "xx":
        return text[0] + "XX"
    return text


# --- dangling references --------------------------------------------------------------------------------


def _points_to(document: Any, ref: str) -> tuple[bool, Any]:
    if ref == "#":
        return True, document
    if not ref.startswith("#/"):
        return True, None  # not a local reference: not ours to judge
    target: Any = document
    for raw_part in ref[2:].split("/"):
        part = unquote(raw_part).replace("~1", "/").replace("~0", "~")
        if isinstance(target, MutableMapping) and part in target:
            target = target[part]
        elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
            target = target[int(part)]
        else:
            return False, None
    return True, target


def _refs_in(node: Any) -> list[str]:
    found: list[str] = []
    stack: list[Any] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, MutableMapping):
            ref = current.get("$ref")
            if isinstance(ref, str):
                found.append(ref)
            # Examples and links are never read by the generator; a dangling one costs the client nothing.
            stack.extend(v for k, v in current.items() if k not in ("example", "examples", "links") and isinstance(v, MutableMapping | list))
        elif isinstance(current, list):
            stack.extend(v for v in current if isinstance(v, MutableMapping | list))
    return found


def set_aside_dangling_refs(document: MutableMapping[str, Any]) -> dict[tuple[str, str], str]:
    """Remove the operations that reach a `$ref` pointing nowhere; returns (METHOD, path) -> reason.

    Reached means directly or through the components it names, transitively. Components with a dangling
    reference stay (the generator reports a schema it cannot build as a warning); nothing else depends
    on an operation that is set aside.
    """
    edges: dict[str, list[str]] = {}  # every reference reached from an operation -> the references its target holds
    dangling: set[str] = set()

    def visit(refs: list[str]) -> None:
        queue = [ref for ref in refs if ref not in edges]
        while queue:
            ref = queue.pop()
            if ref in edges:
                continue
            ok, target = _points_to(document, ref)
            if not ok and not _harmless_ref(ref):
                dangling.add(ref)
            edges[ref] = [] if target is None or _harmless_ref(ref) else _refs_in(target)
            queue.extend(inner for inner in edges[ref] if inner not in edges)

    per_operation: list[tuple[str, str, list[str]]] = []
    unusable: dict[tuple[str, str], str] = {}
    paths = document.get("paths")
    if not isinstance(paths, MutableMapping):
        return unusable
    for path, item in paths.items():
        if not isinstance(item, MutableMapping):
            continue
        shared = item.get("parameters")
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, MutableMapping):
                continue
            refs = _refs_in([operation, shared])
            visit(refs)
            per_operation.append((method, str(path), refs))
    if not dangling:
        return unusable
    # A reference is broken when it dangles or leads to one that does: the first dangling one it reaches.
    broken: dict[str, str] = {ref: ref for ref in dangling}
    changed = True
    while changed:
        changed = False
        for ref, inner in edges.items():
            if ref not in broken:
                hit = next((broken[i] for i in inner if i in broken), None)
                if hit is not None:
                    broken[ref], changed = hit, True
    for method, path, refs in per_operation:
        ref = next((r for r in refs if r in broken), None)
        if ref is not None:
            target = broken[ref]
            through = "" if target == ref else f" (through {ref})"
            unusable[(method.upper(), path)] = f"it uses $ref {target!r}{through}, which points nowhere in the document"
    for method, path in unusable:
        paths[path].pop(method.lower(), None)
    return unusable


def _harmless_ref(ref: str) -> bool:
    return ref.startswith(("#/components/examples/", "#/components/links/"))
