"""Render the typed resource layer, ``atomic_api/resources/``, from the same parse the generator made.

The spec is parsed with openapi-python-client's own parser and the same configuration, so every name,
type and import matches the generated ``api/<tag>/<operation>.py`` modules exactly: one resource class
per tag module, one method per operation module, **with the same names** (never a heuristic rename).
The templates live in ``tooling/templates/atomic_resources/``.

Each method builds its request with the operation module's own ``_get_kwargs`` (so serialisation is the
generated one), sends it through the client's ``_resource_send`` hook (per-call options) and parses only
the success statuses the spec declares; any other status goes to the client's ``_resource_error`` hook,
which raises. The hooks are a Protocol declared in ``resources/_base.py``: the generated layer never
imports the overlay.

Naming rules (documented in the README, "The resource layer"):
- a spec parameter whose Python name is a per-call option (``timeout``, ``extra_headers``,
  ``max_retries``), ``self`` or ``page_size`` (iterators) gets a trailing ``_``;
- ``with_raw_response`` and ``iter_<operation>`` are added unless an operation module already has that
  name (then the helper gets a trailing ``_``; the operation keeps its name);
- a tag resource is an attribute of the client under the tag module's name unless the client already
  has an attribute of that name (``CLIENT_ATTRIBUTES``); every resource is also ``client.resources.<tag>``.
"""

from __future__ import annotations

import keyword
import re
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from atomic_tooling.markers import Operation

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "tooling" / "generator-config.yaml"
TEMPLATES = ROOT / "tooling" / "templates"
TEMPLATE_DIR = "atomic_resources"

# Names every AtomicClient / AsyncAtomicClient already has (the generated AuthenticatedClient's and the
# overlay's). A tag module with one of these names is reachable only as `client.resources.<name>`.
# tests/overlay/test_resources.py checks this list covers the real clients.
CLIENT_ATTRIBUTES: tuple[str, ...] = (
    "aclose",
    "auth_header_name",
    "base_url",
    "close",
    "configured_roles",
    "environment_id",
    "from_env",
    "get_async_httpx_client",
    "get_httpx_client",
    "http_backend",
    "max_retries",
    "org_id",
    "prefix",
    "raise_on_error",
    "raise_on_unexpected_status",
    "resources",
    "response_error",
    "set_async_httpx_client",
    "set_httpx_client",
    "token",
    "token_cache",
    "token_url",
    "user_agent",
    "with_cookies",
    "with_headers",
    "with_options",
    "with_timeout",
)
OPTION_NAMES = frozenset({"self", "timeout", "extra_headers", "max_retries"})
ITERATOR_OPTION_NAMES = OPTION_NAMES | {"page_size"}
ENVIRONMENT_PARAMETER = "environmentId"
OFFSET_PARAMETERS = ("limit", "offset")
CURSOR_PARAMETER = "cursor"
CURSOR_FIELDS = ("cursor", "nextCursor", "next_cursor")
DEFAULT_PAGE_SIZE = 100


class ResourceRenderError(Exception):
    """The spec parsed by openapi-python-client differs from what the role map recorded."""


@dataclass
class Param:
    name: str  # the resource method's parameter name
    generated: str  # the name `_get_kwargs` takes
    type: str
    required: bool
    doc: str

    @property
    def optional_type(self) -> str:
        parts = [part.strip() for part in self.type.split("|")]
        return self.type if "None" in parts else f"{self.type} | None"


@dataclass
class Pagination:
    kind: str  # "offset" or "cursor"
    imports: list[str]
    item_type: str
    items_field: str
    items_required: bool
    cursor_field: str = ""
    cursor_required: bool = False
    cursor_param: str = ""


@dataclass
class Method:
    name: str
    module: str
    alias: str
    key: str
    http_method: str
    path: str
    roles: tuple[str, ...]
    summary: str
    description: str
    path_params: list[Param]
    environment: Param | None
    keyword_params: list[Param]
    returns: str
    success: list[tuple[int, int, Any]]  # (low, high, generator Response)
    parsed_responses: bool
    success_doc: str
    pagination: Pagination | None = None
    iterator_name: str = ""

    @property
    def key_literal(self) -> str:
        return repr(self.key)

    @property
    def key_doc(self) -> str:
        return _doc(self.key)

    @property
    def path_doc(self) -> str:
        return _doc(self.path)

    def iterator_params(self) -> list[Param]:
        assert self.pagination is not None
        drop = set(OFFSET_PARAMETERS) if self.pagination.kind == "offset" else set()
        return [p for p in self.keyword_params if p.generated not in drop]


@dataclass
class Resource:
    tag: str
    class_name: str
    methods: list[Method] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)
    raw_name: str = "with_raw_response"
    on_client: bool = True


def _resolve(document: Any, node: Any) -> Any:
    # Local references only (what the generator itself accepts); anything else is left as it is.
    seen = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/") and seen < 32:
        target: Any = document
        for part in node["$ref"][2:].split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(target, dict) else {}
        node, seen = target, seen + 1
    return node


def parameter_docs(document: Any) -> dict[tuple[str, str], dict[tuple[str, str], str]]:
    """(METHOD, path) -> the parameter descriptions of every operation (see `_parameter_docs`).

    Read from the generator's working copy before the generator consumes it (the parse keeps no parameter
    descriptions), so the spec need not be parsed a second time.
    """
    from atomic_tooling.markers import HTTP_METHODS

    docs: dict[tuple[str, str], dict[tuple[str, str], str]] = {}
    for path, item in (document.get("paths") or {}).items():
        item = _resolve(document, item)
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            if isinstance(item.get(method), dict):
                docs[(method.upper(), str(path))] = _parameter_docs(document, method, str(path))
    return docs


def _parameter_docs(document: Any, method: str, path: str) -> dict[tuple[str, str], str]:
    """(location, spec name) -> description of each parameter of one operation (path-level ones included)."""
    item = _resolve(document, (document.get("paths") or {}).get(path) or {})
    operation = item.get(method.lower()) or {}
    docs: dict[tuple[str, str], str] = {}
    for raw in [*(item.get("parameters") or []), *(operation.get("parameters") or [])]:
        parameter = _resolve(document, raw)
        if isinstance(parameter, dict) and parameter.get("description"):
            docs[(str(parameter.get("in")), str(parameter.get("name")))] = str(parameter["description"])
    return docs


def _code(value: Any) -> str:
    from openapi_python_client.strings import PythonCode

    return value.as_unembedded_code() if isinstance(value, PythonCode) else str(value)


def _doc(value: Any) -> str:
    from openapi_python_client.strings import safe_for_docstring

    if value is None:
        return ""
    return " ".join(safe_for_docstring(value).split())


def _untrusted(value: Any) -> str:
    getter = getattr(value, "get_untrusted_value", None)
    return str(getter() if getter else value)


def _free(name: str, taken: Iterable[str]) -> str:
    taken = set(taken)
    while name in taken or keyword.iskeyword(name):
        name += "_"
    return name


_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _route(path: str) -> str:
    return _PLACEHOLDER.sub("{}", path)


_MARKER = re.compile(r"\s*\(\s*token\s*:[^()]*\)\s*", re.IGNORECASE)


def _param(prop: Any, reserved: frozenset[str], taken: set[str], description: str | None = None) -> Param:
    name = str(prop.python_name)
    if name in reserved:
        name = _free(name, reserved | taken)
    taken.add(name)
    return Param(
        name=name,
        generated=str(prop.python_name),
        type=_code(prop.get_type_string(no_optional=True)),
        required=bool(prop.required),
        doc=_doc(prop.description or description),
    )


def _model_fields(prop: Any) -> list[Any]:
    return list(prop.required_properties or []) + list(prop.optional_properties or [])


def _item_imports(prop: Any) -> list[str]:
    from openapi_python_client.parser import import_string_from_class

    found = set(prop.get_imports(prefix=".."))
    class_info = getattr(prop, "class_info", None)
    if class_info is not None:
        # Models import their own item types lazily; the iterator's annotation needs them at import time.
        found.add(import_string_from_class(class_info, "..models"))
    return sorted(found)


def _pagination(endpoint: Any, returns_prop: Any | None) -> Pagination | None:
    """The paging scheme of an operation, from its parameters and its one success model; None if it has none."""
    from openapi_python_client.parser.properties import IntProperty, ListProperty, ModelProperty, StringProperty

    if returns_prop is None or not isinstance(returns_prop, ModelProperty):
        return None
    query = {_untrusted(p.name): p for p in endpoint.query_parameters}
    fields = _model_fields(returns_prop)
    lists = [f for f in fields if isinstance(f, ListProperty)]
    if len(lists) != 1:
        return None
    items = lists[0]
    base = Pagination(
        kind="",
        imports=_item_imports(items.inner_property),
        item_type=_code(items.inner_property.get_type_string(no_optional=True)),
        items_field=str(items.python_name),
        items_required=bool(items.required),
    )
    if all(isinstance(query.get(name), IntProperty) for name in OFFSET_PARAMETERS):
        base.kind = "offset"
        return base
    if isinstance(query.get(CURSOR_PARAMETER), StringProperty):
        by_name = {_untrusted(f.name): f for f in fields}
        for candidate in CURSOR_FIELDS:
            cursor = by_name.get(candidate)
            if isinstance(cursor, StringProperty):
                base.kind = "cursor"
                base.cursor_field = str(cursor.python_name)
                base.cursor_required = bool(cursor.required)
                base.cursor_param = str(query[CURSOR_PARAMETER].python_name)
                return base
    return None


def _method(endpoint: Any, operation: Operation, prefix: str, all_docs: dict[tuple[str, str], dict[tuple[str, str], str]]) -> Method:
    from openapi_python_client.strings import PythonIdentifier

    docs = all_docs.get((operation.method.upper(), operation.path), {})

    name = str(PythonIdentifier(endpoint.name, prefix))
    taken: set[str] = set()
    path_params: list[Param] = []
    environment: Param | None = None
    for prop in endpoint.path_parameters:
        param = _param(prop, frozenset(OPTION_NAMES), taken, docs.get(("path", _untrusted(prop.name))))
        if _untrusted(prop.name) == ENVIRONMENT_PARAMETER and environment is None:
            environment = param
        else:
            path_params.append(param)
    keyword_params: list[Param] = []
    if endpoint.bodies:
        types = [_code(body.prop.get_type_string(no_optional=True)) for body in endpoint.bodies]
        required = all(body.prop.required for body in endpoint.bodies)
        doc = _doc(endpoint.bodies[0].prop.description) if len(endpoint.bodies) == 1 else ""
        body = Param(name=_free("body", taken | OPTION_NAMES), generated="body", type=" | ".join(types), required=required, doc=doc)
        taken.add(body.name)
        keyword_params.append(body)
    located = [
        *(("query", p) for p in endpoint.query_parameters),
        *(("header", p) for p in endpoint.header_parameters),
        *(("cookie", p) for p in endpoint.cookie_parameters),
    ]
    for location, prop in located:
        keyword_params.append(_param(prop, frozenset(OPTION_NAMES), taken, docs.get((location, _untrusted(prop.name)))))
    if environment is not None and environment.name != "environment_id":
        raise ResourceRenderError(f"{operation.key}: environmentId has Python name {environment.name!r}")

    responses = list(endpoint.responses.patterns)
    success = [r for r in responses if r.status_code.range[0] >= 200 and r.status_code.range[1] < 400]
    if not success and endpoint.responses.default is not None:
        default = endpoint.responses.default
        success = [default]
        ranges = [(200, 299, default)]
    else:
        ranges = [(r.status_code.range[0], r.status_code.range[1], r) for r in success]
    from openapi_python_client.strings import PythonCode

    return_string = endpoint.response_type()
    parsed = bool(endpoint.responses.patterns or endpoint.responses.default) and return_string != PythonCode("Any")
    types: list[str] = []
    for response in success:
        text = _code(response.prop.get_type_string()) if parsed else "None"
        if text not in types:
            types.append(text)
    returns = " | ".join(types) if types else "None"
    returns_prop = success[0].prop if parsed and len(success) == 1 else None
    statuses = ", ".join(str(low) if low == high else f"{low}-{high}" for low, high, _ in ranges) or "none"
    method = Method(
        name=name,
        module=name,
        alias=f"_op_{name}",
        key=operation.key,
        http_method=operation.method,
        path=operation.path,
        roles=operation.roles,
        summary=_doc(_MARKER.sub(" ", _untrusted(endpoint.summary or "")).strip()),
        description=_doc(endpoint.description),
        path_params=path_params,
        environment=environment,
        keyword_params=keyword_params,
        returns=returns,
        success=ranges,
        parsed_responses=parsed,
        success_doc=statuses,
    )
    method.pagination = _pagination(endpoint, returns_prop)
    return method


def build_resources(
    project: Any, generated: list[Any], package: Path, docs: dict[tuple[str, str], dict[tuple[str, str], str]]
) -> list[Resource]:
    """One Resource per tag module, for the operations that were generated (``Accounting.generated``)."""
    from openapi_python_client.strings import pascal_case

    data = project.openapi
    prefix = project.config.field_prefix
    # The generator rewrites path templates to Python names ({siteId} -> {site_id}); match on the shape.
    by_route = {(g.operation.method.upper(), _route(g.operation.path)): g for g in generated}
    resources: list[Resource] = []
    seen: set[tuple[str, str]] = set()
    class_names: set[str] = set()
    for tag, collection in sorted(data.endpoint_collections_by_tag.items(), key=lambda item: str(item[0])):
        methods: list[Method] = []
        imports: set[str] = set()
        for endpoint in collection.endpoints:
            route = (endpoint.method.upper(), _route(_untrusted(endpoint.path)))
            entry = by_route.get(route)
            # Skipped operations (no module, or one removed because it could not import) get no method.
            if entry is None or route in seen or (entry.tag, entry.module) != (str(tag), _module_name(endpoint, prefix)):
                continue
            if not (package / "api" / entry.tag / f"{entry.module}.py").is_file():
                continue
            seen.add(route)
            methods.append(_method(endpoint, entry.operation, prefix, docs))
            for line in endpoint.relative_imports:
                # Operation modules live one package deeper (api/<tag>/) than resources/.
                imports.add("from .." + line[len("from ...") :] if line.startswith("from ...") else line)
        if not methods:
            continue
        class_name = _free(pascal_case(str(tag)) + "Resource", class_names)
        class_names.add(class_name)
        resource = Resource(tag=str(tag), class_name=class_name, methods=methods)
        for method in resource.methods:
            imports.update(method.pagination.imports if method.pagination else ())
        names = {m.name for m in resource.methods}
        resource.raw_name = _free("with_raw_response", names)
        for method in resource.methods:
            if method.pagination is not None:
                method.iterator_name = _free(f"iter_{method.name}", names | {resource.raw_name})
                names.add(method.iterator_name)
        resource.imports = sorted(imports)
        resource.on_client = resource.tag not in CLIENT_ATTRIBUTES
        resources.append(resource)
    missing = sorted(set(by_route) - seen)
    if missing:
        listed = ", ".join(f"{m} {p}" for m, p in missing)
        raise ResourceRenderError(f"generated operations without an endpoint in the generator's parse: {listed}")
    return resources


def _module_name(endpoint: Any, prefix: str) -> str:
    from openapi_python_client.strings import PythonIdentifier

    return str(PythonIdentifier(endpoint.name, prefix))


def render(
    project: Any,
    generated: list[Any],
    package: Path,
    docs: dict[tuple[str, str], dict[tuple[str, str], str]],
    format_too: tuple[Path, ...] = (),
    into: Path | None = None,
) -> list[Path]:
    """Write ``package/resources/``; returns the files written (already formatted).

    ``project`` is the generator's ``Project`` (its parse of the prepared spec and its Jinja environment),
    ``generated`` the operations that have a module (``Accounting.generated``), ``docs`` the parameter
    descriptions the parse does not keep (``parameter_docs`` of the working copy); ``format_too`` other
    files of ours that ruff formats in the same run (one ruff process less); ``into`` the folder to write
    (default ``package/resources``; generate.build renders beside the package while ruff formats it).
    """
    resources = build_resources(project, generated, package, docs)
    env = project.env
    out = into if into is not None else package / "resources"
    out.mkdir(parents=True)
    written: list[Path] = []
    context = {"resources": resources, "client_attributes": CLIENT_ATTRIBUTES, "default_page_size": DEFAULT_PAGE_SIZE}
    base = out / "_base.py"
    base.write_text(env.get_template(f"{TEMPLATE_DIR}/base.py.jinja").render(**context), encoding="utf-8")
    written.append(base)
    for resource in resources:
        path = out / f"{resource.tag}.py"
        text = env.get_template(f"{TEMPLATE_DIR}/resource.py.jinja").render(resource=resource, **context)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    init = out / "__init__.py"
    init.write_text(env.get_template(f"{TEMPLATE_DIR}/init.py.jinja").render(**context), encoding="utf-8")
    written.append(init)
    _format(written, format_too)
    return written


def _format(paths: list[Path], format_too: tuple[Path, ...] = ()) -> None:
    ruff = str(Path(sys.executable).parent / "ruff")
    files = [str(p) for p in paths]
    common = ["--isolated", "--no-cache", "--quiet"]
    subprocess.run([ruff, "check", *common, "--fix-only", "--select=F401,I,RUF100", *files], check=True)
    subprocess.run([ruff, "format", *common, *files, *map(str, format_too)], check=True)
