"""Build the docs site (scripts/docs): the guides are the files of docs/ (plus CHANGELOG.md and
CONTRIBUTING.md), the API reference and the model reference are generated from the spec, the role map and
the code, and mkdocs-material + mkdocstrings render it all.

README.md is not a source of the site: it is the package's front page and links into docs/. Every
Markdown file of docs/ is a page listed once in `NAV` (a file the navigation misses, or a navigation entry
without its file, stops the build). Links are written for GitHub (relative to the file that holds them)
and rewritten for the site: a link to a published page stays a link to that page, with its anchor checked
against the page's headings; any other relative path points at the repository; a path that does not exist
stops the build.

The reference lists every operation of the spec, found through openapi-python-client's own parse of the
spec (the same names as the generated modules), the role map `atomic_api._roles.OPERATIONS` (roles) and the
spec itself (summaries, parameter and response descriptions). Each operation's section carries the HTML id
`op-<operationId>`; tests/docsite counts them against the spec. Each tag page starts with every method of
its resource (the operations, their `iter_*` iterators, `with_raw_response` and hand-written methods of the
overlay) with its full signature. Each model of `atomic_api.models` has a page (`model-<ClassName>`) with its
fields, their types, whether they are required or may be `Unset`, and the spec's descriptions; every
"Returns" links to it.

Exit codes: 0 built, 1 the pages could not be assembled (navigation, links, spec), 2 mkdocs failed.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import os
import re
import shutil
import subprocess
import sys
import typing
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SPEC = ROOT / "spec" / "atomic-api.yaml"
CONFIG = ROOT / "tooling" / "generator-config.yaml"
MKDOCS_BASE = ROOT / "mkdocs.yml"
DEFAULT_WORK_DIR = ROOT / "build" / "docs"
DEFAULT_SITE_DIR = ROOT / "site"
REPO_URL = "https://github.com/atomic-sdk/atomic-sdk-python"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")

# Files of the repository root published as pages of the site (repository path -> site page).
ROOT_PAGES = {"CHANGELOG.md": "changelog.md", "CONTRIBUTING.md": "contributing.md"}
# The navigation: (section, site pages); an empty section is a top-level page. Every Markdown file of docs/
# (by its name there) and every page of ROOT_PAGES is listed exactly once; a page's title is its `# ` heading.
NAV: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("", ("index.md",)),
    (
        "Using the SDK",
        (
            "quickstart.md",
            "authentication.md",
            "resources-and-pagination.md",
            "errors.md",
            "retries-and-timeouts.md",
            "http-package.md",
            "logging.md",
            "sandbox.md",
            "many-processes.md",
            "cli.md",
        ),
    ),
    ("Project", ("versions.md", "changelog.md", "reliability.md", "benchmarks.md")),
    ("Contributing", ("contributing.md", "regenerating.md", "spec-changes.md", "coverage.md")),
)


class DocsError(Exception):
    """The site cannot be assembled; the message says what to fix."""


# ---------------------------------------------------------------------------------------------- markdown


def slugify(text: str) -> str:
    """The id Python-Markdown's toc extension gives a heading (GitHub gives the same for these headings)."""
    text = re.sub(r"`([^`]*)`", r"\1", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def outside_code(lines: Sequence[str]) -> Iterator[tuple[int, str]]:
    """(index, line) of every line that is not inside a fenced code block (nor a fence itself)."""
    fence: str | None = None
    for index, line in enumerate(lines):
        stripped = line.lstrip()
        marker = re.match(r"(`{3,}|~{3,})", stripped)
        if marker:
            if fence is None:
                fence = marker.group(1)[0] * len(marker.group(1))
                continue
            if stripped.startswith(fence) and not stripped[len(fence) :].strip():
                fence = None
                continue
        if fence is None:
            yield index, line


def headings(lines: Sequence[str]) -> Iterator[tuple[int, int, str]]:
    for index, line in outside_code(lines):
        match = re.match(r"(#{1,6}) (.+?)\s*$", line)
        if match:
            yield index, len(match.group(1)), match.group(2)


def anchors_of(path: Path) -> set[str]:
    """The ids the headings of a Markdown file get (an explicit `{ #id }` wins), as GitHub and the site give them."""
    found: set[str] = set()
    for _, _, text in headings(path.read_text(encoding="utf-8").splitlines()):
        explicit = re.search(r"\{\s*#([A-Za-z0-9_-]+)\s*\}\s*$", text)
        found.add(explicit.group(1) if explicit else slugify(text))
    return found


LINK = re.compile(r"(!?\[[^\]]*\])\(([^)\s]+)\)")


def links(line: str) -> Iterator[re.Match[str]]:
    """The Markdown links of a line that are not inside a code span (a link's label may hold one)."""
    spans = [match.span() for match in re.finditer(r"(`+)[^`]*?\1", line)]
    for match in LINK.finditer(line):
        if not any(start <= match.start() < end for start, end in spans):
            yield match


def relative_links(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, target) of every relative link of a Markdown file, code blocks and code spans aside."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for index, line in outside_code(lines):
        for match in links(line):
            target = match.group(2)
            if not re.match(r"[a-z][a-z0-9+.-]*:", target):
                yield index + 1, target


def broken_links(path: Path) -> list[str]:
    """Every relative link of a Markdown file of the repository that leads nowhere: a missing file, or an
    anchor that no heading of the target (a Markdown file) has. As GitHub resolves them."""
    problems = []
    for line, target in relative_links(path):
        where = f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{line}"
        file_part, _, anchor = target.partition("#")
        destination = (path.parent / file_part).resolve() if file_part else path
        if not destination.exists():
            problems.append(f"{where}: link to {target}, which does not exist")
        elif anchor and destination.suffix == ".md" and anchor not in anchors_of(destination):
            problems.append(f"{where}: link to {target}, but {destination.name} has no heading with that anchor")
    return problems


def site_pages() -> dict[Path, str]:
    """Source file -> site page (relative to the site's docs folder) of every published Markdown file."""
    pages = {ROOT / source: page for source, page in ROOT_PAGES.items()}
    for path in sorted(DOCS.rglob("*.md")):
        pages[path] = path.relative_to(DOCS).as_posix()
    return pages


def site_url() -> str:
    """Where the site is published (mkdocs.yml `site_url`), ending in `/`."""
    url = str(yaml.safe_load(MKDOCS_BASE.read_text(encoding="utf-8"))["site_url"])
    return url if url.endswith("/") else url + "/"


def rewrite_links(source: Path, page: str, pages: dict[Path, str], generated: Iterable[str] = ()) -> str:
    """The text of a published file with its links made right for the site (see the module docstring).

    A link to the published site (`site_url`, e.g. the API reference, which exists only in the built site)
    becomes a link to that page of the build, so mkdocs checks it; it must name a page of the build
    (`pages` or `generated`).
    """
    problems = broken_links(source)
    if problems:
        raise DocsError("\n  ".join(["broken links:", *problems]))
    by_path = {path.resolve(): name for path, name in pages.items()}
    page_dir = Path(page).parent
    built = {*pages.values(), *generated}
    published = site_url()

    def on_site(link: str) -> str:
        address, _, fragment = link[len(published) :].partition("#")
        address = address.rstrip("/")
        candidates = [f"{address}.md", f"{address}/index.md"] if address else ["index.md"]
        found = [name for name in candidates if name in built]
        if not found:
            raise DocsError(f"{source.relative_to(ROOT)}: link to {link}, which is no page of the site")
        return Path(os.path.relpath(found[0], page_dir)).as_posix() + (f"#{fragment}" if fragment else "")

    def target(match: re.Match[str]) -> str:
        label, link = match.group(1), match.group(2)
        if link.startswith(published):
            return f"{label}({on_site(link)})"
        if re.match(r"[a-z][a-z0-9+.-]*:", link) or link.startswith("#"):
            return match.group(0)
        path, _, fragment = link.partition("#")
        suffix = f"#{fragment}" if fragment else ""
        destination = (source.parent / path).resolve()
        if destination in by_path:
            return f"{label}({Path(os.path.relpath(by_path[destination], page_dir)).as_posix()}{suffix})"
        repo_path = destination.relative_to(ROOT.resolve()).as_posix()
        kind = "tree" if destination.is_dir() else "blob"
        return f"{label}({REPO_URL}/{kind}/main/{repo_path}{suffix})"

    lines = source.read_text(encoding="utf-8").splitlines()
    out = list(lines)
    for index, line in outside_code(lines):
        for match in reversed(list(links(line))):
            line = line[: match.start()] + target(match) + line[match.end() :]
        out[index] = line
    return "\n".join(out) + "\n"


def page_title(path: Path) -> str:
    for _, level, text in headings(path.read_text(encoding="utf-8").splitlines()):
        if level == 1:
            return re.sub(r"`", "", text)
        break
    raise DocsError(f"{path.relative_to(ROOT)}: a page starts with its `# ` title")


# --------------------------------------------------------------------------------------------- reference


@dataclass
class Parameter:
    python_name: str
    spec_name: str
    location: str
    type: str
    required: bool
    description: str


@dataclass
class ReferenceOperation:
    key: str  # operationId, or "METHOD /path"
    anchor: str
    tag_module: str
    module: str  # atomic_api.api.<tag>.<module>
    function: str
    method: str
    path: str
    roles: tuple[str, ...]
    summary: str
    description: str
    deprecated: bool
    parameters: list[Parameter]
    body: tuple[str, str, bool] | None  # (python type, content type, required)
    returns: list[tuple[str, str, str]]  # (status, python type, description) of the 2xx responses
    errors: list[tuple[str, str, str]]  # (status, exception, description) of the documented error responses


def _text(value: Any) -> str:
    """Plain text of the parser's wrappers; it goes into Markdown here, never into code."""
    if value is None:
        return ""
    if hasattr(value, "get_untrusted_value"):
        return str(value.get_untrusted_value())
    if hasattr(value, "as_unembedded_code"):
        return str(value.as_unembedded_code())
    return str(value)


def _resolve(document: dict[str, Any], node: Any) -> Any:
    seen = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        seen += 1
        if seen > 32:
            raise DocsError(f"reference cycle at {node['$ref']}")
        target: Any = document
        for part in node["$ref"][2:].split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(target, dict) else {}
        node = target
    return node


def _route(path: str) -> str:
    return re.sub(r"\{[^{}/]+\}", "{}", path)


def _operation_anchor(key: str) -> str:
    return "op-" + re.sub(r"[^A-Za-z0-9_-]+", "-", key).strip("-")


def _generator_data(spec_path: Path) -> Any:
    """openapi-python-client's own parse of the spec, with the generator's configuration."""
    from openapi_python_client import _get_document
    from openapi_python_client.config import Config, ConfigFile, MetaType
    from openapi_python_client.parser import GeneratorData
    from openapi_python_client.parser.errors import GeneratorError

    config = Config.from_sources(
        ConfigFile.load_from_path(CONFIG), MetaType.NONE, spec_path, "utf-8", overwrite=False, output_path=None
    )
    document = _get_document(source=spec_path, timeout=config.http_timeout)
    if isinstance(document, GeneratorError):
        raise DocsError(f"openapi-python-client could not read {spec_path}: {document.header}")
    data = GeneratorData.from_dict(document, config=config)
    if isinstance(data, GeneratorError):
        raise DocsError(f"openapi-python-client could not parse {spec_path}: {data.header}")
    return data


def _parameter_names(document: dict[str, Any]) -> set[str]:
    """The name of every parameter of every operation of the spec."""
    names: set[str] = set()
    for raw_item in (document.get("paths") or {}).values():
        item = _resolve(document, raw_item)
        operations = [item[m] for m in METHODS if isinstance(item.get(m), dict)]
        for raw in [*item.get("parameters", []), *(p for op in operations for p in op.get("parameters", []))]:
            name = _resolve(document, raw).get("name")
            if isinstance(name, str):
                names.add(name)
    return names


def _applicable(description: str, own: set[str], every: set[str]) -> str:
    """A shared response description without the sentences about parameters this operation does not have.

    A sentence that names a parameter in a code span (`multiple=1`, `multiple`) applies only where the operation
    takes that parameter: the shared 400 text about card actions without `multiple=1` is not about the others.
    """
    sentences = re.split(r"(?<=\.)\s+(?=[A-Z])", description)
    kept = []
    for sentence in sentences:
        named = {re.split(r"[=\s]", span, maxsplit=1)[0] for span in re.findall(r"`([^`]+)`", sentence)}
        if named & (every - own):
            continue
        kept.append(sentence)
    return " ".join(kept)


def reference_operations(spec_path: Path = SPEC) -> list[ReferenceOperation]:
    from atomic_api._roles import OPERATIONS
    from atomic_sdk._errors import error_class

    document = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    # The generator rewrites path templates to Python names ({siteId} -> {site_id}); match on the shape.
    by_route = {(method, _route(path)): (key, path) for key, (method, path, _) in OPERATIONS.items()}
    data = _generator_data(spec_path)
    spec_parameter_names = _parameter_names(document)
    found: list[ReferenceOperation] = []
    for tag, collection in sorted(data.endpoint_collections_by_tag.items(), key=lambda item: str(item[0])):
        for endpoint in collection.endpoints:
            method = endpoint.method.upper()
            route = by_route.get((method, _route(_text(endpoint.path))))
            if route is None:
                raise DocsError(
                    f"{method} {_text(endpoint.path)} is generated but not in atomic_api._roles; regenerate"
                )
            key, path = route
            item = _resolve(document, document["paths"][path])
            raw = item[endpoint.method.lower()]
            spec_params = {
                (p.get("in"), p.get("name")): p
                for p in (_resolve(document, r) for r in [*item.get("parameters", []), *raw.get("parameters", [])])
            }
            parameters = []
            for location, props in (
                ("path", endpoint.path_parameters),
                ("query", endpoint.query_parameters),
                ("header", endpoint.header_parameters),
                ("cookie", endpoint.cookie_parameters),
            ):
                for prop in props:
                    spec_param = spec_params.get((location, _text(prop.name)), {})
                    parameters.append(
                        Parameter(
                            python_name=_text(prop.python_name),
                            spec_name=_text(prop.name),
                            location=location,
                            type=_text(prop.get_type_string()),
                            required=bool(prop.required),
                            description=" ".join(_text(spec_param.get("description")).split()),
                        )
                    )
            body = None
            if endpoint.bodies:
                first = endpoint.bodies[0]
                body = (
                    " | ".join(sorted({_text(b.prop.get_type_string()) for b in endpoint.bodies})),
                    ", ".join(_text(b.content_type) for b in endpoint.bodies),
                    bool(_resolve(document, raw.get("requestBody", {})).get("required", False)) or first.prop.required,
                )
            responses = raw.get("responses", {})
            returns, errors = [], []
            for response in endpoint.responses.patterns:
                status = _text(response.status_code.pattern)
                raw_response = responses.get(status, {})
                described = " ".join(_text(_resolve(document, raw_response).get("description")).split())
                if isinstance(raw_response, dict) and "$ref" in raw_response:
                    # A shared response: its text was written for every operation that uses it.
                    described = _applicable(described, {name for _, name in spec_params}, spec_parameter_names)
                if status.startswith("2"):
                    returns.append((status, _text(response.prop.get_type_string()), described))
                elif status[:1] in {"4", "5"} and status.isdigit():
                    errors.append((status, error_class(int(status)).__name__, described))
            found.append(
                ReferenceOperation(
                    key=key,
                    anchor=_operation_anchor(key),
                    tag_module=str(tag),
                    module=f"atomic_api.api.{tag}.{endpoint.name}",
                    function=str(endpoint.name),
                    method=method,
                    path=path,
                    roles=OPERATIONS[key][2],
                    summary=_text(endpoint.summary),
                    description=_text(raw.get("description")).strip(),
                    deprecated=bool(raw.get("deprecated", False)),
                    parameters=parameters,
                    body=body,
                    returns=returns,
                    errors=errors,
                )
            )
    missing = sorted(set(OPERATIONS) - {op.key for op in found})
    if missing:
        raise DocsError(f"operations of the role map with no generated module: {', '.join(missing)}")
    return found


def spec_operation_keys(spec_path: Path = SPEC) -> list[str]:
    """Every operation of the spec (operationId, or 'METHOD /path'), straight from the document."""
    document = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    keys = []
    for path, raw_item in (document.get("paths") or {}).items():
        item = _resolve(document, raw_item)
        for method in METHODS:
            if isinstance(item.get(method), dict):
                keys.append(item[method].get("operationId") or f"{method.upper()} {path}")
    return keys


@dataclass
class ModelField:
    spec_name: str
    python_name: str
    type: str
    required: bool
    description: str


@dataclass
class ReferenceModel:
    name: str  # the class name, exported by atomic_api.models
    module: str  # atomic_api.models.<module>
    description: str
    fields: list[ModelField]
    values: dict[str, str] | None  # an enum's members (name -> value); None for a model
    additional_properties: bool  # other keys are kept (model.additional_properties)

    @property
    def page(self) -> str:
        return f"models/{self.module.rsplit('.', 1)[1]}.md"

    @property
    def anchor(self) -> str:
        return f"model-{self.name}"


def reference_models(spec_path: Path = SPEC) -> list[ReferenceModel]:
    """Every class of atomic_api.models, from openapi-python-client's parse (the generated names and types)."""
    import atomic_api.models

    data = _generator_data(spec_path)
    found: dict[str, ReferenceModel] = {}
    for model in data.models:
        fields = [
            ModelField(
                spec_name=_text(prop.name),
                python_name=_text(prop.python_name),
                type=_text(prop.get_type_string()),
                required=bool(prop.required),
                description=" ".join(_text(prop.description).split()),
            )
            for prop in [*model.required_properties, *model.optional_properties]
        ]
        name = str(model.class_info.name)
        found[name] = ReferenceModel(
            name=name,
            module=f"atomic_api.models.{model.class_info.module_name!s}",
            description=_text(model.description).strip(),
            fields=fields,
            values=None,
            additional_properties=model.additional_properties not in (None, False),
        )
    for enum in data.enums:
        name = str(enum.class_info.name)
        found[name] = ReferenceModel(
            name=name,
            module=f"atomic_api.models.{enum.class_info.module_name!s}",
            description=_text(enum.description).strip(),
            fields=[],
            values={str(key): str(value) for key, value in enum.values.items()},
            additional_properties=False,
        )
    exported = set(atomic_api.models.__all__)
    if exported != set(found):
        raise DocsError(
            "atomic_api.models and the spec disagree; regenerate: " + ", ".join(sorted(exported ^ set(found)))
        )
    return [found[name] for name in sorted(found)]


def _linked_type(text: str, models: dict[str, ReferenceModel], page_dir: str) -> str:
    """A type as Markdown, each model name in it a link to that model's page (from a page in page_dir)."""
    if not text:
        return "—"
    parts = re.split(r"([A-Za-z_][A-Za-z0-9_.]*)", text)
    out: list[str] = []
    plain = ""
    for part in parts:
        if part in models:
            if plain:
                out.append(f"`{plain}`")
                plain = ""
            target = Path(os.path.relpath(models[part].page, page_dir)).as_posix()
            out.append(f"[`{part}`]({target}#{models[part].anchor})")
        else:
            plain += part
    if plain:
        out.append(f"`{plain}`")
    return "".join(out)


def model_page(model: ReferenceModel, models: dict[str, ReferenceModel], used_by: list[ReferenceOperation]) -> str:
    lines = [f"# {model.name} {{ #{model.anchor} }}", ""]
    kind = "enum" if model.values is not None else "model"
    lines += [f"`from atomic_api.models import {model.name}` · {kind} · module `{model.module}`", ""]
    if model.description:
        lines += [_prose(model.description), ""]
    if model.values is not None:
        lines += [
            "| member | value |",
            "|---|---|",
            *(f"| `{model.name}.{key}` | `{value!r}` |" for key, value in model.values.items()),
            "",
            (
                f"A value the spec does not list is still accepted: it becomes a `{model.name}` whose `.value` is the "
                "string received, not listed by iterating the class (see "
                "[tolerant parsing](../../reliability.md#tolerant-parsing))."
            ),
            "",
        ]
    else:
        lines += ["**Fields**", ""]
        if model.fields:
            lines += ["| field | JSON key | type | required | description |", "|---|---|---|---|---|"]
            for f in model.fields:
                required = "yes" if f.required else "no (may be `Unset`)"
                lines.append(
                    f"| `{f.python_name}` | `{f.spec_name}` | {_linked_type(f.type, models, 'models')} "
                    f"| {required} | {_cell(f.description)} |"
                )
        else:
            lines.append("None declared.")
        lines.append("")
        if model.additional_properties:
            lines += [
                (
                    "Keys the spec does not declare are kept in `additional_properties` (a `dict`), and the model "
                    'also reads and writes them by item (`model["key"]`).'
                ),
                "",
            ]
        lines += [
            (
                "`Unset` (`from atomic_api.types import Unset`) marks a field the response did not carry; it is "
                "falsy. `to_dict()` and `from_dict()` convert to and from the JSON shape."
            ),
            "",
        ]
    if used_by:
        lines += ["**Returned by**", ""]
        lines += [f"- [`{op.function}`](../{op.tag_module}.md#{op.anchor})" for op in used_by]
        lines.append("")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class ResourceMethod:
    """Where the typed resource layer exposes an operation."""

    attribute: str  # "cards" or "resources.cards"
    class_path: str  # atomic_api.resources.cards.CardsResource
    async_class_path: str | None
    method: str


def resource_method(op: ReferenceOperation) -> ResourceMethod | None:
    if importlib.util.find_spec("atomic_api.resources") is None:
        return None
    module = importlib.import_module(f"atomic_api.resources.{op.tag_module}")
    sync_class = async_class = None
    for name, value in vars(module).items():
        if not isinstance(value, type) or value.__module__ != module.__name__ or "RawResponse" in name:
            continue
        if callable(getattr(value, op.function, None)):
            if name.startswith("Async"):
                async_class = name
            else:
                sync_class = name
    if sync_class is None:
        raise DocsError(f"atomic_api.resources.{op.tag_module} has no resource class with a method {op.function}")
    # A tag whose name the client itself uses is reachable only as client.resources.<tag>; the generated
    # layer lists those names.
    taken = getattr(importlib.import_module("atomic_api.resources"), "CLIENT_ATTRIBUTES", frozenset())
    attribute = f"resources.{op.tag_module}" if op.tag_module in taken else op.tag_module
    return ResourceMethod(
        attribute=attribute,
        class_path=f"{module.__name__}.{sync_class}",
        async_class_path=f"{module.__name__}.{async_class}" if async_class else None,
        method=op.function,
    )


def _prose(text: str) -> str:
    """Spec text as Markdown: its Markdown stays, raw HTML (an untrusted spec could carry any) is shown as text.

    Code spans are left alone: Markdown already shows their content literally.
    """
    parts = re.split(r"(`+[^`]*`+)", text)
    return "".join(part if part.startswith("`") else part.replace("<", "&lt;").replace(">", "&gt;") for part in parts)


def _annotation(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, type):
        return value.__name__
    return re.sub(r"\b(?:[a-z_][a-z0-9_]*\.)+([A-Za-z_][A-Za-z0-9_]*)", r"\1", str(value))


def _cell(text: str) -> str:
    return _prose(text).replace("|", "\\|").replace("\n", " ") or "—"


def _code(text: str) -> str:
    return f"`{text}`" if text else "—"


def operation_section(op: ReferenceOperation, models: dict[str, ReferenceModel]) -> list[str]:
    resource = resource_method(op)
    title = f"{resource.method}" if resource else op.function
    lines = [f"## `{title}` {{ #{op.anchor} }}", ""]
    flags = " · **deprecated**" if op.deprecated else ""
    lines += [
        f"**`{op.method} {op.path}`** · operation `{op.key}` · roles: "
        + ", ".join(f"`{role}`" for role in op.roles)
        + (" (the first with credentials configured is used)" if len(op.roles) > 1 else "")
        + flags,
        "",
    ]
    summary = re.sub(r"\s*\(token:[^)]*\)\s*$", "", op.summary).strip()
    if summary:
        lines += [f"*{_prose(summary)}{'' if summary.endswith('.') else '.'}*", ""]
    if op.description:
        lines += [_prose(op.description), ""]
    returns = " or ".join(_code(t) for _, t, _ in op.returns) or "`None`"
    required = [p.python_name for p in op.parameters if p.required and p.python_name != "environment_id"]
    optional = [p.python_name for p in op.parameters if not p.required or p.python_name == "environment_id"]
    if op.body:
        (required if op.body[2] else optional).append("body")
    # Every argument the call needs; the optional ones are named in a comment (and in the table below).
    call_args = ", ".join(f"{name}=..." for name in required)
    optional_note = f"; optional: {', '.join(optional)}" if optional else ""
    lines += ["```python"]
    if resource:
        lines += [
            f"client.{resource.attribute}.{resource.method}({call_args})  # AtomicClient -> {returns.strip('`')}"
            + optional_note,
            f"await client.{resource.attribute}.{resource.method}({call_args})  # AsyncAtomicClient",
        ]
    positional = ", ".join(p.python_name for p in op.parameters if p.location == "path")
    body_arg = ", body=..." if op.body else ""
    lines += [
        f"from {op.module.rsplit('.', 1)[0]} import {op.function}",
        (
            f"{op.function}.sync({positional + ', ' if positional else ''}client=client{body_arg})  # also sync_detailed,"
            " asyncio, asyncio_detailed"
        ),
        "```",
        "",
    ]
    if resource:
        # The resource method's own annotations (None for "not sent"), not the generated function's Unset.
        method = getattr(
            importlib.import_module(resource.class_path.rsplit(".", 1)[0]), resource.class_path.rsplit(".", 1)[1]
        )
        hints = inspect.signature(getattr(method, resource.method)).parameters
        for p in op.parameters:
            if p.python_name in hints and hints[p.python_name].annotation is not inspect.Parameter.empty:
                p.type = _annotation(hints[p.python_name].annotation)
    lines += ["**Parameters**", ""]
    if op.parameters or op.body:
        lines += ["| parameter | in | type | required | description |", "|---|---|---|---|---|"]
        for p in op.parameters:
            required = "yes" if p.required else "no"
            if p.python_name == "environment_id" and resource:
                required += " (default: the client's `environment_id`)"
            # The spec's own name when it differs: that is what goes on the wire and what the spec documents.
            name = f"`{p.python_name}`" + (f" (`{p.spec_name}`)" if p.spec_name != p.python_name else "")
            lines.append(f"| {name} | {p.location} | {_code(p.type)} | {required} | {_cell(p.description)} |")
        if op.body:
            lines.append(
                f"| `body` | body ({_cell(op.body[1])}) | {_code(op.body[0])} | {'yes' if op.body[2] else 'no'} "
                "| the request body |"
            )
    else:
        lines.append("None.")
    linked = " or ".join(_linked_type(t, models, ".") for _, t, _ in op.returns) or "`None`"
    lines += ["", f"**Returns** {linked}" + "".join(f" — {s}: {_cell(d)}" for s, _, d in op.returns if d), ""]
    lines += ["**Errors**", "", "| when | raised | the spec says |", "|---|---|---|"]
    for status, exception, described in op.errors:
        lines.append(f"| HTTP {status} | `{exception}` | {_cell(described)} |")
    lines.append("| any other 4xx / 5xx | the `ApiError` subclass for the status | — |")
    lines.append(
        "| no credentials for "
        + " / ".join(f"`{r}`" for r in op.roles)
        + " | `MissingCredentialsError` (before any request) | — |"
    )
    lines.append("| the token endpoint refuses the key | `TokenRequestError` / `TokenRateLimitedError` | — |")
    lines.append("")
    if resource:
        lines += [
            f"::: {resource.class_path}.{resource.method}",
            "    options:",
            "      show_root_heading: false",
            "      show_root_toc_entry: false",
            "      heading_level: 3",
            "",
        ]
    return lines


def _short(text: str) -> str:
    """Annotations without their module paths (`atomic_api.models.card.Card` -> `Card`)."""
    return re.sub(r"\b(?:[a-z_][a-z0-9_]*\.)+([A-Za-z_][A-Za-z0-9_]*)", r"\1", text)


def signature_lines(call: str, function: Any) -> list[str]:
    """`call(` one parameter a line `) -> return`, as the function declares it (self left out)."""
    signature = inspect.signature(function)
    params = [p for p in signature.parameters.values() if p.name != "self"]
    rendered: list[str] = []
    star = False
    for param in params:
        if param.kind is inspect.Parameter.KEYWORD_ONLY and not star:
            rendered.append("*")
            star = True
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            star = True
        rendered.append(_short(str(param)))
    returns = signature.return_annotation
    tail = "" if returns is inspect.Signature.empty else f" -> {_short(_annotation_text(returns))}"
    if not rendered:
        return [f"{call}(){tail}"]
    return [f"{call}(", *(f"    {text}," for text in rendered), f"){tail}"]


def _annotation_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, type) and not typing.get_args(value):
        return value.__qualname__
    return str(value)


@dataclass
class ResourceSurface:
    """The methods a client's resource attribute offers, as users reach them."""

    attribute: str
    sync_class: type
    async_class: type
    raw_class: type  # the class of with_raw_response
    methods: list[str]  # public methods of the sync resource, in definition order (MRO, base first)
    raw_methods: list[str]  # methods of with_raw_response


def resource_surface(tag: str) -> ResourceSurface | None:
    """What `client.<tag>` (or `client.resources.<tag>`) is on the client users build: generated or overlay."""
    if importlib.util.find_spec("atomic_api.resources") is None:
        return None
    from atomic_sdk import AsyncAtomicClient, AtomicClient, Credentials

    taken = getattr(importlib.import_module("atomic_api.resources"), "CLIENT_ATTRIBUTES", frozenset())
    attribute = f"resources.{tag}" if tag in taken else tag
    # No I/O: a client makes its pools and fetches tokens on first use only.
    sync_client = AtomicClient(org_id="docs", credentials=Credentials("docs", "docs"))
    async_client = AsyncAtomicClient(org_id="docs", credentials=Credentials("docs", "docs"))
    try:
        holder_sync: Any = sync_client
        holder_async: Any = async_client
        for part in attribute.split("."):
            holder_sync, holder_async = getattr(holder_sync, part), getattr(holder_async, part)
        sync_class, async_class = type(holder_sync), type(holder_async)
        raw_class = type(holder_sync.with_raw_response)
    finally:
        sync_client.close()

    def public(cls: type) -> list[str]:
        names: list[str] = []
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                if not name.startswith("_") and inspect.isfunction(value) and name not in names:
                    names.append(name)
        return names

    methods, async_methods = public(sync_class), public(async_class)
    if methods != async_methods:
        raise DocsError(f"{sync_class.__name__} and {async_class.__name__} have different methods")
    return ResourceSurface(attribute, sync_class, async_class, raw_class, methods, public(raw_class))


def methods_section(
    surface: ResourceSurface, ops: list[ReferenceOperation], models: dict[str, ReferenceModel]
) -> tuple[list[str], list[str]]:
    """(the "Methods" section of a tag page, the names of the methods no operation section documents)."""
    by_function = {op.function: op for op in ops}
    prefix = f"client.{surface.attribute}"
    lines = [
        "## Methods { #methods }",
        "",
        (
            f"Every method of `{prefix}`. On `AsyncAtomicClient` the same methods are coroutines "
            f"(`await {prefix}.<method>(...)`) and the `iter_*` methods are async iterators (`async for`). "
            f"`{prefix}.with_raw_response.<operation>(...)` takes the same arguments and returns a `RawResponse` "
            "(`status_code`, `headers`, `content`, `parsed`, `http_response`)."
        ),
        "",
        "| method | what it does | returns |",
        "|---|---|---|",
    ]
    own: list[str] = []
    for name in surface.methods:
        function = getattr(surface.sync_class, name)
        hints = inspect.signature(function).return_annotation
        returns = _short(_annotation_text(hints)) if hints is not inspect.Signature.empty else "None"
        linked = _linked_type(returns, models, ".")
        if name in by_function:
            target, what = by_function[name].anchor, "calls the operation"
        elif name.startswith("iter_") and name[len("iter_") :] in by_function:
            target, what = by_function[name[len("iter_") :]].anchor, "yields the items of every page"
        else:
            target, what = f"method-{name}", "hand-written (not a spec operation)"
            own.append(name)
        lines.append(f"| [`{prefix}.{name}`](#{target}) | {what} | {linked} |")
    for name in surface.raw_methods:
        target = by_function[name].anchor if name in by_function else f"method-{name}"
        annotation = inspect.signature(getattr(surface.raw_class, name)).return_annotation
        returns = _linked_type(_short(_annotation_text(annotation)), models, ".")
        lines.append(
            f"| [`{prefix}.with_raw_response.{name}`](#{target}) | the same call, the whole response | {returns} |"
        )
    lines += ["", "Signatures (`AtomicClient`):", "", "```python"]
    for name in surface.methods:
        lines += signature_lines(f"{prefix}.{name}", getattr(surface.sync_class, name)) + [""]
    for name in surface.raw_methods:
        lines += signature_lines(f"{prefix}.with_raw_response.{name}", getattr(surface.raw_class, name)) + [""]
    if lines[-1] == "":
        lines.pop()
    lines += ["```", ""]
    return lines, own


def reference_pages(operations: list[ReferenceOperation], models: list[ReferenceModel]) -> dict[str, tuple[str, str]]:
    """page file -> (nav title, Markdown) for reference/ (models/ included)."""
    import atomic_sdk

    by_tag: dict[str, list[ReferenceOperation]] = {}
    for op in operations:
        by_tag.setdefault(op.tag_module, []).append(op)
    has_resources = importlib.util.find_spec("atomic_api.resources") is not None
    index = [
        "# API reference",
        "",
        (
            f"Every operation of the spec ({len(operations)}), by tag, with its HTTP method and path, the roles whose "
            "keys it accepts (in the order the SDK tries them), its parameters, what it returns and what it raises. "
            "Generated by `scripts/docs` from `spec/atomic-api.yaml`, the role map (`atomic_api._roles`) and the code."
        ),
        "",
    ]
    if has_resources:
        index += [
            (
                "Each operation is a method of a resource: `client.<tag>.<operation>(...)` on `AtomicClient`, "
                "the same names as coroutines on `AsyncAtomicClient`. The generated module "
                "`atomic_api.api.<tag>.<operation>` (`sync`, `sync_detailed`, `asyncio`, `asyncio_detailed`) is "
                "the lower level underneath."
            ),
            "",
        ]
    else:
        index += [
            (
                "Each operation is a generated module `atomic_api.api.<tag>.<operation>` with `sync`, `sync_detailed`, "
                "`asyncio` and `asyncio_detailed`; pass an `AtomicClient` as `client=`."
            ),
            "",
        ]
    index += [
        "| operation | tag | method | path | roles |",
        "|---|---|---|---|---|",
    ]
    for op in operations:
        index.append(
            f"| [`{op.key}`]({op.tag_module}.md#{op.anchor}) | {op.tag_module} | {op.method} | `{op.path}` "
            f"| {', '.join(op.roles)} |"
        )
    index += [
        "",
        (
            "The hand-written surface (`atomic_sdk`): [client, errors, tokens](sdk.md); "
            "test tools: [atomic_sdk.testing](testing.md); every request and response body: [models](models/index.md)."
        ),
        "",
    ]
    pages: dict[str, tuple[str, str]] = {"index.md": ("Overview", "\n".join(index) + "\n")}
    by_name = {model.name: model for model in models}
    for tag, ops in by_tag.items():
        lines = [f"# {tag}", ""]
        surface = resource_surface(tag)
        if surface:
            lines += [
                (
                    f"`client.{surface.attribute}` — `{surface.sync_class.__module__}.{surface.sync_class.__name__}` "
                    f"(async: `{surface.async_class.__module__}.{surface.async_class.__name__}`)"
                ),
                "",
            ]
        lines += ["| operation | method | path | roles |", "|---|---|---|---|"]
        for op in ops:
            lines.append(f"| [`{op.function}`](#{op.anchor}) | {op.method} | `{op.path}` | {', '.join(op.roles)} |")
        lines.append("")
        own: list[str] = []
        if surface:
            section, own = methods_section(surface, ops, by_name)
            lines += section
        for op in ops:
            lines += operation_section(op, by_name)
        for name in own:
            assert surface is not None
            lines += [
                f"## `{name}` {{ #method-{name} }}",
                "",
                f"Hand-written in the overlay (`{surface.sync_class.__module__}`): not an operation of the spec.",
                "",
                f"::: {surface.sync_class.__module__}.{surface.sync_class.__name__}.{name}",
                "    options:",
                "      show_root_heading: false",
                "      show_root_toc_entry: false",
                "      heading_level: 3",
                "",
            ]
        pages[f"{tag}.md"] = (tag, "\n".join(lines) + "\n")
    surface = ["# atomic_sdk", "", "The public surface of the hand-written overlay (`atomic_sdk.__all__`).", ""]
    for name in atomic_sdk.__all__:
        if name.startswith("__"):
            continue
        surface += [f"::: atomic_sdk.{name}", ""]
    pages["sdk.md"] = ("atomic_sdk", "\n".join(surface) + "\n")
    testing = [
        "# atomic_sdk.testing",
        "",
        "::: atomic_sdk.testing",
        "    options:",
        "      show_root_heading: false",
        "",
    ]
    pages["testing.md"] = ("atomic_sdk.testing", "\n".join(testing) + "\n")
    returned_by: dict[str, list[ReferenceOperation]] = {}
    for op in operations:
        for _, type_text, _ in op.returns:
            for name in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", type_text):
                if name in by_name and op not in returned_by.setdefault(name, []):
                    returned_by[name].append(op)
    overview = [
        "# Models",
        "",
        (
            f"Every class of `atomic_api.models` ({len(models)}): the request and response bodies and their parts, "
            "and the enums. Import them from `atomic_api.models`. A field the spec marks required is a plain "
            "type; any other field is `T | Unset` and is `UNSET` when the response left it out."
        ),
        "",
        "| model | kind | description |",
        "|---|---|---|",
    ]
    for model in models:
        first = re.split(r"(?<=\.)\s", " ".join(model.description.split()), maxsplit=1)[0]
        kind = "enum" if model.values is not None else "model"
        overview.append(f"| [`{model.name}`]({model.page.split('/', 1)[1]}#{model.anchor}) | {kind} | {_cell(first)} |")
    pages["models/index.md"] = ("Models", "\n".join(overview) + "\n")
    for model in models:
        pages[model.page] = (model.name, model_page(model, by_name, returned_by.get(model.name, [])))
    return pages


# ------------------------------------------------------------------------------------------------- build


def guide_pages(generated: Iterable[str] = ()) -> dict[str, tuple[str, str]]:
    """site page -> (nav title, Markdown) of every guide: docs/ and the published root files."""
    pages = site_pages()
    listed = [page for _, names in NAV for page in names]
    duplicated = sorted({page for page in listed if listed.count(page) > 1})
    unlisted = sorted(set(pages.values()) - set(listed))
    missing = sorted(set(listed) - set(pages.values()))
    if duplicated or unlisted or missing:
        raise DocsError(
            "docs/ and the navigation (tooling/atomic_docs/site.py NAV) disagree:"
            + "".join(f"\n  {page} is in no navigation section" for page in unlisted)
            + "".join(f"\n  {page} is in the navigation but has no file" for page in missing)
            + "".join(f"\n  {page} is in the navigation more than once" for page in duplicated)
        )
    generated = list(generated)
    return {page: (page_title(source), rewrite_links(source, page, pages, generated)) for source, page in pages.items()}


def assemble(work_dir: Path, site_dir: Path) -> Path:
    """Write the pages and the mkdocs config into work_dir; returns the config's path."""
    docs_dir = work_dir / "docs"
    if work_dir.exists():
        shutil.rmtree(work_dir)
    docs_dir.mkdir(parents=True)
    reference_dir = docs_dir / "reference"
    (reference_dir / "models").mkdir(parents=True)
    reference_nav: list[Any] = []
    reference = reference_pages(reference_operations(), reference_models())
    guides = guide_pages(f"reference/{page}" for page in reference)
    for page, (_, text) in guides.items():
        (docs_dir / page).parent.mkdir(parents=True, exist_ok=True)
        (docs_dir / page).write_text(text, encoding="utf-8")
    nav: list[Any] = [
        {section: [{guides[page][0]: page} for page in pages]} if section else {guides[pages[0]][0]: pages[0]}
        for section, pages in NAV
    ]
    for page, (title, text) in reference.items():
        (reference_dir / page).write_text(text, encoding="utf-8")
        if page.startswith("models/"):
            if page == "models/index.md":
                reference_nav.append({"Models": [{"Overview": f"reference/{page}"}]})
            else:
                reference_nav[-1]["Models"].append({title: f"reference/{page}"})
        else:
            reference_nav.append({title: f"reference/{page}"})
    nav.append({"API reference": reference_nav})
    (docs_dir / "stylesheets").mkdir()
    shutil.copyfile(Path(__file__).with_name("extra.css"), docs_dir / "stylesheets" / "extra.css")
    config = yaml.safe_load(MKDOCS_BASE.read_text(encoding="utf-8"))
    config["docs_dir"] = str(docs_dir)
    config["site_dir"] = str(site_dir)
    config["nav"] = nav
    config["extra_css"] = ["stylesheets/extra.css"]
    python = config["plugins"][1]["mkdocstrings"]["handlers"]["python"]
    python["paths"] = [str(ROOT / "generated"), str(ROOT / "overlay")]
    path = work_dir / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def build(work_dir: Path, site_dir: Path, quiet: bool) -> int:
    try:
        config = assemble(work_dir, site_dir)
    except DocsError as exc:
        print(f"docs: {exc}", file=sys.stderr)
        return 1
    args = [sys.executable, "-m", "mkdocs", "build", "--strict", "--clean", "-f", str(config)]
    if quiet:
        args.append("--quiet")
    done = subprocess.run(args, check=False)
    if done.returncode != 0:
        print(
            f"docs: mkdocs build --strict failed (exit {done.returncode}); the warnings above say where",
            file=sys.stderr,
        )
        return 2
    if not quiet:
        print(f"docs: built {site_dir}")
    return 0


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/docs", description=__doc__.split("\n\n")[0])
    parser.add_argument("--site-dir", type=Path, default=DEFAULT_SITE_DIR, help="output folder (default: site/)")
    parser.add_argument(
        "--work-dir", type=Path, default=DEFAULT_WORK_DIR, help="where the pages are assembled (default: build/docs/)"
    )
    parser.add_argument("--quiet", action="store_true", help="only warnings and errors")
    args = parser.parse_args(list(argv) if argv is not None else None)
    return build(args.work_dir.resolve(), args.site_dir.resolve(), args.quiet)
