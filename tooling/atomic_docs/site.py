"""Build the docs site (scripts/docs): guides drawn from README.md, docs/*.md, CHANGELOG.md, and an API
reference generated from the spec, the role map and the code, rendered by mkdocs-material + mkdocstrings.

The README stays the single source of the guides: each of its `##` sections is assigned to exactly one page
(`GUIDES`), headings move up one level, and links are rewritten for the site (an in-README anchor points at
the page that now holds it; `docs/x.md` becomes `x.md`; any other relative path points at the repository).
A README section no page claims, or a page naming a section the README lacks, stops the build, so the site
cannot silently drop part of the README.

The reference lists every operation of the spec, found through openapi-python-client's own parse of the
spec (the same names as the generated modules), the role map `atomic_api._roles.OPERATIONS` (roles) and the
spec itself (summaries, parameter and response descriptions). Each operation's section carries the HTML id
`op-<operationId>`; tests/docs counts them against the spec. When the typed resource layer
(`atomic_api.resources`) is present, each section shows the resource method and renders its signature and
docstring with mkdocstrings; the generated operation module is documented either way.

Exit codes: 0 built, 1 the pages could not be assembled (README mapping, links, spec), 2 mkdocs failed.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import re
import shutil
import subprocess
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "spec" / "atomic-api.yaml"
CONFIG = ROOT / "tooling" / "generator-config.yaml"
MKDOCS_BASE = ROOT / "mkdocs.yml"
DEFAULT_WORK_DIR = ROOT / "build" / "docs"
DEFAULT_SITE_DIR = ROOT / "site"
REPO_URL = "https://github.com/atomic-sdk/atomic-sdk-python"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")

# page file -> (nav title, README `##` sections it holds, in README order). "" is the README's intro.
GUIDES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("index.md", "Overview", ("",)),
    ("quickstart.md", "Quickstart", ("Quickstart",)),
    ("resources.md", "The resource layer", ("The resource layer",)),
    ("credentials.md", "Credentials and roles", ("Credentials and roles",)),
    ("errors.md", "Errors", ("Errors",)),
    ("retries.md", "Retries and timeouts", ("Retries and timeouts",)),
    ("pagination.md", "Pagination", ("Pagination",)),
    ("sandbox.md", "The Sandbox", ("Testing your code with the Sandbox",)),
    ("many-processes.md", "Many processes", ("Many processes",)),
    ("cli.md", "Command line", ("Command line",)),
    ("regenerating.md", "Regenerating", ("Regenerating",)),
    ("drift.md", "When the spec changes", ("When the spec changes",)),
    ("coverage.md", "Coverage", ("Coverage",)),
    ("versions.md", "Versions and licence", ("Supported versions", "Versioning", "Licence")),
    ("development.md", "Development", ("Set up and test", "Layout")),
)
# Files of docs/ published as they are (nav title).
DOCS_FILES: tuple[tuple[str, str], ...] = (("reliability.md", "Reliability"), ("benchmarks.md", "Benchmarks"))
# The navigation: (section, pages); an empty section is a top-level page. Every page above is listed once.
NAV_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("", ("index.md",)),
    (
        "Using the SDK",
        (
            "quickstart.md",
            "resources.md",
            "credentials.md",
            "errors.md",
            "retries.md",
            "pagination.md",
            "sandbox.md",
            "many-processes.md",
            "cli.md",
        ),
    ),
    ("The spec and the generator", ("regenerating.md", "drift.md", "coverage.md")),
    ("Project", ("versions.md", "changelog.md", "development.md", "reliability.md", "benchmarks.md")),
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


@dataclass
class Section:
    title: str  # "" for the text before the first `##`
    lines: list[str] = field(default_factory=list)


def split_readme(text: str) -> list[Section]:
    lines = text.splitlines()
    starts = {index for index, line in outside_code(lines) if line.startswith("## ")}
    sections = [Section("")]
    for index, line in enumerate(lines):
        if index in starts:
            sections.append(Section(line[3:].strip()))
        sections[-1].lines.append(line)
    return sections


def headings(lines: Sequence[str]) -> Iterator[tuple[int, int, str]]:
    for index, line in outside_code(lines):
        match = re.match(r"(#{1,6}) (.+?)\s*$", line)
        if match:
            yield index, len(match.group(1)), match.group(2)


LINK = re.compile(r"(!?\[[^\]]*\])\(([^)\s]+)\)")


def rewrite_links(lines: list[str], page: str, anchors: dict[str, str], where: str) -> list[str]:
    """Links of a README-derived page, made right for the site (see the module docstring)."""

    def target(match: re.Match[str]) -> str:
        label, link = match.group(1), match.group(2)
        if re.match(r"[a-z][a-z0-9+.-]*:", link):
            return match.group(0)
        if link.startswith("#"):
            anchor = link[1:]
            if anchor not in anchors:
                raise DocsError(f"{where}: link to #{anchor}, but no README heading has that anchor")
            holder = anchors[anchor]
            return f"{label}({'' if holder == page else holder}#{anchor})"
        path, _, fragment = link.partition("#")
        suffix = f"#{fragment}" if fragment else ""
        if path.startswith("docs/") and path.endswith(".md"):
            return f"{label}({path[len('docs/') :]}{suffix})"
        if path == "CHANGELOG.md":
            return f"{label}(changelog.md{suffix})"
        if not (ROOT / path).exists():
            raise DocsError(f"{where}: link to {path}, which does not exist in the repository")
        kind = "tree" if (ROOT / path).is_dir() else "blob"
        return f"{label}({REPO_URL}/{kind}/main/{path}{suffix})"

    out = list(lines)
    for index, line in outside_code(lines):
        out[index] = LINK.sub(target, line)
    return out


def guide_pages(readme: str) -> dict[str, str]:
    """page file -> Markdown, from the README."""
    sections = {section.title: section for section in split_readme(readme)}
    claimed = [title for _, _, titles in GUIDES for title in titles]
    unclaimed = [title for title in sections if title not in claimed]
    missing = [title for title in claimed if title not in sections]
    if unclaimed or missing:
        raise DocsError(
            "README.md and the docs pages disagree (tooling/atomic_docs/site.py GUIDES):"
            + "".join(f"\n  README section '## {t}' is on no page" for t in unclaimed)
            + "".join(f"\n  page section '## {t}' is not in README.md" for t in missing)
        )
    anchors: dict[str, str] = {}
    for page, _, titles in GUIDES:
        for title in titles:
            for _, _, text in headings(sections[title].lines):
                anchors.setdefault(slugify(text), page)
    pages: dict[str, str] = {}
    for page, nav_title, titles in GUIDES:
        if titles == ("",):
            # The intro keeps its `# atomic-sdk` title; the rest of the README is one click away.
            lines = list(sections[""].lines)
        elif len(titles) == 1:
            # One README section is the whole page: `## X` becomes the page title, `### Y` its parts.
            lines = list(sections[titles[0]].lines)
            for index, _, _ in list(headings(lines)):
                lines[index] = lines[index][1:]
        else:
            # Several README sections share the page: one page title, the sections keep their levels.
            lines = [f"# {nav_title}", ""]
            for title in titles:
                lines += sections[title].lines
        lines = rewrite_links(lines, page, anchors, f"README.md (page {page})")
        if titles == ("",):
            lines += ["", "## Where to go next", ""]
            lines += [f"- [{name}]({file})" for file, name, _ in GUIDES[1:]]
            lines += ["- [API reference](reference/index.md)", "- [Changelog](changelog.md)", ""]
        pages[page] = "\n".join(lines) + "\n"
    return pages


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


def reference_operations(spec_path: Path = SPEC) -> list[ReferenceOperation]:
    from atomic_api._roles import OPERATIONS
    from atomic_sdk._errors import error_class

    document = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    # The generator rewrites path templates to Python names ({siteId} -> {site_id}); match on the shape.
    by_route = {(method, _route(path)): (key, path) for key, (method, path, _) in OPERATIONS.items()}
    data = _generator_data(spec_path)
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
                described = " ".join(_text(_resolve(document, responses.get(status, {})).get("description")).split())
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


def operation_section(op: ReferenceOperation) -> list[str]:
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
    call_args = ", ".join(
        f"{p.python_name}=..." for p in op.parameters if p.required and p.python_name != "environment_id"
    )
    lines += ["```python"]
    if resource:
        lines += [
            f"client.{resource.attribute}.{resource.method}({call_args})  # AtomicClient -> {returns.strip('`')}",
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
    lines += ["", f"**Returns** {returns}" + "".join(f" — {s}: {_cell(d)}" for s, _, d in op.returns if d), ""]
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


def reference_pages(operations: list[ReferenceOperation]) -> dict[str, tuple[str, str]]:
    """page file -> (nav title, Markdown) for reference/."""
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
            "test tools: [atomic_sdk.testing](testing.md)."
        ),
        "",
    ]
    pages: dict[str, tuple[str, str]] = {"index.md": ("Overview", "\n".join(index) + "\n")}
    for tag, ops in by_tag.items():
        lines = [f"# {tag}", ""]
        first = resource_method(ops[0])
        if first:
            lines += [
                f"`client.{first.attribute}` — `{first.class_path}`"
                + (f" (async: `{first.async_class_path}`)" if first.async_class_path else ""),
                "",
            ]
        lines += ["| operation | method | path | roles |", "|---|---|---|---|"]
        for op in ops:
            lines.append(f"| [`{op.function}`](#{op.anchor}) | {op.method} | `{op.path}` | {', '.join(op.roles)} |")
        lines.append("")
        for op in ops:
            lines += operation_section(op)
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
    return pages


# ------------------------------------------------------------------------------------------------- build


def assemble(work_dir: Path, site_dir: Path) -> Path:
    """Write the pages and the mkdocs config into work_dir; returns the config's path."""
    docs_dir = work_dir / "docs"
    if work_dir.exists():
        shutil.rmtree(work_dir)
    docs_dir.mkdir(parents=True)
    for page, text in guide_pages((ROOT / "README.md").read_text(encoding="utf-8")).items():
        (docs_dir / page).write_text(text, encoding="utf-8")
    titles = {page: title for page, title, _ in GUIDES} | {name: title for name, title in DOCS_FILES}
    titles["changelog.md"] = "Changelog"
    for name, _ in DOCS_FILES:
        shutil.copyfile(ROOT / "docs" / name, docs_dir / name)
    (docs_dir / "changelog.md").write_text(_changelog(), encoding="utf-8")
    listed = [page for _, pages in NAV_SECTIONS for page in pages]
    if sorted(listed) != sorted(titles):
        raise DocsError(f"NAV_SECTIONS and the pages disagree: {sorted(set(listed) ^ set(titles))}")
    nav: list[Any] = [
        {section: [{titles[page]: page} for page in pages]} if section else {titles[pages[0]]: pages[0]}
        for section, pages in NAV_SECTIONS
    ]
    reference_dir = docs_dir / "reference"
    reference_dir.mkdir()
    reference_nav: list[Any] = []
    for page, (title, text) in reference_pages(reference_operations()).items():
        (reference_dir / page).write_text(text, encoding="utf-8")
        reference_nav.append({title: f"reference/{page}"})
    nav.append({"API reference": reference_nav})
    config = yaml.safe_load(MKDOCS_BASE.read_text(encoding="utf-8"))
    config["docs_dir"] = str(docs_dir)
    config["site_dir"] = str(site_dir)
    config["nav"] = nav
    python = config["plugins"][1]["mkdocstrings"]["handlers"]["python"]
    python["paths"] = [str(ROOT / "generated"), str(ROOT / "overlay")]
    path = work_dir / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def _changelog() -> str:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    # Same rewriting as the guides: the README anchors it links to are on the site's pages.
    anchors: dict[str, str] = {}
    sections = {s.title: s for s in split_readme((ROOT / "README.md").read_text(encoding="utf-8"))}
    for page, _, titles in GUIDES:
        for title in titles:
            for _, _, heading in headings(sections[title].lines):
                anchors.setdefault(slugify(heading), page)

    def local(match: re.Match[str]) -> str:
        anchor = match.group(2)
        if anchor in anchors:
            return f"{match.group(1)}({anchors[anchor]}#{anchor})"
        return match.group(0)

    readme_link = re.compile(r"(\[[^\]]*\])\(" + re.escape(REPO_URL) + r"#([^)\s]+)\)")
    out = list(lines)
    for index, line in outside_code(lines):
        out[index] = readme_link.sub(local, line)
    return "\n".join(out) + "\n"


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
