"""Rebuild generated/atomic_api from an OpenAPI spec, or check that the committed copy is current.

Steps, each of which stops the run before anything under the output folder is touched:
  1. read the spec (JSON with json, YAML with PyYAML's C loader when present, keys and string values as
     written: prepare.yaml_loader, normalize_keys, normalize_scalars, normalize_status_codes), refuse
     anything that is not OpenAPI 3.0/3.1 (Swagger 2.0 included); --strict (always for our own spec)
     validates it fully with openapi-spec-validator, in a forked child beside the generator; by default
     only what generation needs is checked (the generator's document model reads it; an operation that
     reaches a dangling local $ref is skipped);
  2. read every operation's `(token: <role>)` marker (see markers.py);
  3. prepare a working copy for the generator (prepare.py: `$ref` path items, dangling refs, colliding
     module names, colliding enum member names, unsupported media types, path parameter defaults) and run
     openapi-python-client on it, in this process, into a scratch folder with the committed config and
     templates; then ruff (finish_modules): one module that does not render, parse or format costs only
     its own operation;
  4. account for every operation: generated (a module with its method and path) or skipped (with the
     generator's reason in plain words); nothing is dropped silently;
  5. add `_roles.py` (the role map of the generated operations), `_markers.py` (a byte-for-byte copy of
     markers.py, so the installed package parses role markers with the very grammar that generated it),
     the spec in its own format and `GENERATED.json` (provenance, skipped and renamed operations);
  6. write: swap the scratch copy into place / check: compare it with the committed copy.

Exit codes: 0 ok, 1 drift found (--check), 2 spec unreadable, not OpenAPI 3.x or invalid, 3 role markers,
4 generator failed, 5 toolchain differs from the one recorded in GENERATED.json (--check),
6 --strict and at least one operation could not be generated.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml

from atomic_tooling import resources
from atomic_tooling.markers import ROLE_NAMES, Operation, PathItemRefError, RoleMarkerError, extract_operations

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SPEC = ROOT / "spec" / "atomic-api.yaml"
DEFAULT_OUTPUT = ROOT / "generated"
CONFIG = ROOT / "tooling" / "generator-config.yaml"
TEMPLATES = ROOT / "tooling" / "templates"
# The role-marker grammar; shipped verbatim as atomic_api/_markers.py (one source of truth).
MARKERS = Path(__file__).with_name("markers.py")
PREPARE = Path(__file__).with_name("prepare.py")
PACKAGE = "atomic_api"
TOOLS = ("openapi-python-client", "ruff", "openapi-spec-validator")
# Bump when _roles.py, _markers.py or GENERATED.json change shape, so a stale generation is detected.
# 2: atomic_api/_markers.py added. 3: GENERATED.json records skipped/renamed operations; the spec is
# packaged in its own format (openapi.json or openapi.yaml).
# 4: GENERATED.json records the spec's info.title and info.version (spec_title, spec_version).
FORMAT_VERSION = 4

EXIT_OK, EXIT_DRIFT, EXIT_SPEC, EXIT_MARKERS, EXIT_GENERATOR, EXIT_TOOLCHAIN, EXIT_SKIPPED = 0, 1, 2, 3, 4, 5, 6
SPEC_FILES = ("openapi.json", "openapi.yaml")


class GenerationError(Exception):
    """A step failed; `exit_code` says which kind of failure it was."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class LoadedSpec:
    path: Path
    raw: bytes
    document: dict[str, Any]
    """The parsed spec. The generator consumes it (prepares and then clears it): read it before."""
    format: str
    """"json" or "yaml": how the file was read, and the format it is packaged in."""
    title: str = ""
    version: str = ""
    """The spec's ``info.title`` and ``info.version``, read at load time (the document is consumed later)."""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    @property
    def packaged_name(self) -> str:
        return "openapi.json" if self.format == "json" else "openapi.yaml"


def _yaml_loader() -> type[yaml.SafeLoader]:
    # libyaml's loader is ~10x faster and much leaner on large specs; PyYAML without it still works. Mapping
    # keys are kept as written (`200:` is the status code "200", not the integer 200): see prepare.py.
    from atomic_tooling.prepare import yaml_loader

    return yaml_loader()


def load_spec(path: Path) -> LoadedSpec:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise GenerationError(f"cannot read spec {path}: {exc.strerror}", EXIT_SPEC) from exc
    looks_json = path.suffix.lower() == ".json" or raw.lstrip()[:1] in (b"{", b"[")
    document: Any = None
    fmt = "yaml"
    if looks_json:
        try:
            document, fmt = json.loads(raw), "json"
        except ValueError:
            document = None  # JSON-looking YAML (flow style) is still YAML; the YAML error is the useful one
    if document is None:
        try:
            document = yaml.load(raw, Loader=_yaml_loader())
        except yaml.YAMLError as exc:
            raise GenerationError(f"spec {path} is not valid YAML/JSON:\n{exc}", EXIT_SPEC) from exc
    if not isinstance(document, dict):
        raise GenerationError(f"spec {path} is not an OpenAPI document (top level is not a mapping)", EXIT_SPEC)
    from atomic_tooling.prepare import normalize_keys, normalize_scalars, normalize_status_codes

    # The first fixes of the prepare pass, before anything reads the document (the validator, the markers):
    # keys and the values OpenAPI requires as strings, as the author wrote them (`200:`, `version: 1.10`).
    normalize_keys(document)
    normalize_scalars(document)
    normalize_status_codes(document)
    check_version(path, document)
    info = document.get("info")
    info = info if isinstance(info, dict) else {}
    return LoadedSpec(
        path=path,
        raw=raw,
        document=document,
        format=fmt,
        title=str(info.get("title", "")),
        version=str(info.get("version", "")),  # a string by now (normalize_scalars)
    )


def check_version(path: Path, document: Mapping[str, Any]) -> None:
    """Only OpenAPI 3.0 and 3.1 go further; Swagger 2.0 and the rest stop with exit 2."""
    if "swagger" in document:
        raise GenerationError(
            f"spec {path} is Swagger {document.get('swagger')} (a 'swagger' field), not OpenAPI 3.x: convert it "
            "first (for example with the swagger2openapi npm package), then generate from the 3.0 result",
            EXIT_SPEC,
        )
    version = document.get("openapi")
    if not isinstance(version, str) or not re.fullmatch(r"3\.[01]\.\d+(-[\w.]+)?", version):
        shown = "no 'openapi' field" if version is None else f"'openapi: {version}'"
        raise GenerationError(
            f"spec {path} is not OpenAPI 3.x ({shown}); scripts/generate takes OpenAPI 3.0.x and 3.1.x documents", EXIT_SPEC
        )


def validate_spec(spec: LoadedSpec) -> list[str]:
    """Stop on a structural fault; return the faults that cannot affect generation, as warnings.

    A `default` that does not match its schema is such a fault: real vendor specs have them, and the
    generator either ignores the default or reports the parameter (the operation is then accounted for).
    """
    from jsonschema_path import SchemaPath
    from openapi_spec_validator.shortcuts import get_validator_cls
    from openapi_spec_validator.validation.exceptions import ValidatorDetectError
    from openapi_spec_validator.validation.keywords import ValueValidator

    try:
        validator_cls = get_validator_cls(spec.document)
    except ValidatorDetectError as exc:
        raise GenerationError(f"spec {spec.path}: no 'openapi' version field, not an OpenAPI 3 document", EXIT_SPEC) from exc
    warnings: list[str] = []

    class DefaultsAsWarnings(validator_cls.keyword_validators["default"]):  # type: ignore[misc,name-defined]
        def __call__(self, schema: Any, value: Any) -> Iterator[Exception]:
            for error in ValueValidator.__call__(self, schema, value):
                warnings.append(f"a default value does not match its schema (the client ignores it): {_one_line(error)}")
            return iter(())

    lenient = type("Lenient", (validator_cls,), {"keyword_validators": {**validator_cls.keyword_validators, "default": DefaultsAsWarnings}})
    schema_path = SchemaPath.from_dict(spec.document, base_uri=spec.path.resolve().as_uri())
    try:
        errors: list[Exception] = list(lenient(schema_path).iter_errors())
    except Exception as exc:  # noqa: BLE001 - the validator raises instead of reporting some faults (a dangling $ref)
        errors = [exc]
    if errors:
        shown = "\n".join(f"  - {_one_line(err)}" for err in errors[:20])
        more = f"\n  … and {len(errors) - 20} more" if len(errors) > 20 else ""
        raise GenerationError(f"spec {spec.path} is not a valid OpenAPI document ({len(errors)} error(s)):\n{shown}{more}", EXIT_SPEC)
    return sorted(set(warnings))


class QuickValidation:
    """What generation itself needs of a spec: a warning for each local `$ref` that points nowhere."""

    def __init__(self, spec: LoadedSpec) -> None:
        dangling: list[str] = []
        cache: dict[str, bool] = {}
        stack: list[Any] = [spec.document]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str) and ref.startswith("#") and ref not in cache:
                    cache[ref] = _points_somewhere(spec.document, ref)
                    if not cache[ref]:
                        dangling.append(ref)
                stack.extend(value for value in node.values() if isinstance(value, dict | list))
            elif isinstance(node, list):
                stack.extend(value for value in node if isinstance(value, dict | list))
        # The generator never reads examples or links; a dangling one is a fault of the spec, not of the client.
        # Any other is set aside with the operations that use it (prepare.set_aside_dangling_refs).
        self._warnings = [
            f"$ref {ref!r} points nowhere (an example or link; the client does not use it)"
            if _harmless(ref)
            else f"$ref {ref!r} points nowhere in the document (the operations that use it are skipped)"
            for ref in sorted(dangling)
        ]

    def result(self) -> list[str]:
        return list(self._warnings)


def _harmless(ref: str) -> bool:
    return ref.startswith(("#/components/examples/", "#/components/links/"))


def _points_somewhere(document: Mapping[str, Any], ref: str) -> bool:
    """Whether the local reference `ref` ("#/a/b~1c", percent-encoding allowed) resolves in `document`."""
    if ref == "#":
        return True
    if not ref.startswith("#/"):
        return False
    target: Any = document
    for raw_part in ref[2:].split("/"):
        part = unquote(raw_part).replace("~1", "/").replace("~0", "~")
        if isinstance(target, Mapping) and part in target:
            target = target[part]
        elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
            target = target[int(part)]
        else:
            return False
    return True


class BackgroundValidation:
    """`validate_spec` in a forked child while this process generates (Linux; elsewhere it runs inline).

    Validation costs about as much as the generator itself on a large spec; run side by side the pipeline
    takes about as long as openapi-python-client alone. Nothing is installed before `result()` says the
    spec is valid, so a bad spec still stops the run before the output folder is touched.
    """

    def __init__(self, spec: LoadedSpec) -> None:
        self._inline: list[str] | GenerationError | None = None
        self._pid = 0
        self._read = -1
        if sys.platform != "linux" or os.environ.get("ATOMIC_GENERATE_SERIAL") == "1":
            self._inline = self._run(spec)
            return
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: validate, send the outcome, leave without running the parent's cleanups
            status = 0
            try:
                os.close(read)
                outcome = self._run(spec)
                payload = (
                    {"error": str(outcome), "exit": outcome.exit_code} if isinstance(outcome, GenerationError) else {"warnings": outcome}
                )
                with os.fdopen(write, "wb") as pipe:
                    pipe.write(json.dumps(payload).encode())
            except BaseException:  # noqa: BLE001 - whatever happens, the child must not return into the parent's code
                status = 1
            os._exit(status)
        os.close(write)
        self._pid, self._read = pid, read

    @staticmethod
    def _run(spec: LoadedSpec) -> list[str] | GenerationError:
        try:
            return validate_spec(spec)
        except GenerationError as exc:
            return exc

    def result(self) -> list[str]:
        """The warnings of a valid spec; raises the GenerationError (exit 2) of an invalid one."""
        if self._pid:
            with os.fdopen(self._read, "rb") as pipe:
                data = pipe.read()
            os.waitpid(self._pid, 0)
            self._pid = 0
            try:
                payload = json.loads(data)
            except ValueError:
                payload = {"error": "the spec validator stopped without an answer", "exit": EXIT_SPEC}
            self._inline = (
                GenerationError(payload["error"], int(payload["exit"])) if "error" in payload else list(payload["warnings"])
            )
        if isinstance(self._inline, GenerationError):
            raise self._inline
        return list(self._inline or [])


def _one_line(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    text = lines[0] if lines else type(error).__name__
    # Some validator messages embed the whole document; the start says what is wrong.
    return text if len(text) <= 240 else text[:240] + " …"


def tool_versions() -> dict[str, str]:
    return {name: metadata.version(name) for name in TOOLS}


def config_sha256() -> str:
    """Hash of everything besides the spec and the tools that shapes the output."""
    digest = hashlib.sha256()
    inputs = [CONFIG, Path(__file__), MARKERS, PREPARE]
    inputs += sorted(p for p in Path(__file__).parent.glob("*.py") if p not in inputs and p.name != "__init__.py")
    if TEMPLATES.is_dir():
        inputs += sorted(p for p in TEMPLATES.rglob("*") if p.is_file())
    for path in dict.fromkeys(inputs):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    digest.update(f"format={FORMAT_VERSION}".encode())
    return digest.hexdigest()


# --- accounting ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Generated:
    """An operation of the spec that has a module: atomic_api.api.<tag>.<module>."""

    operation: Operation
    tag: str
    module: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Skipped:
    """An operation of the spec that has no function, and why (in words a user can act on)."""

    key: str
    method: str
    path: str
    reason: str

    def record(self) -> dict[str, str]:
        return {"method": self.method, "operation": self.key, "path": self.path, "reason": self.reason}


@dataclass
class Accounting:
    """Every operation of the spec, either generated or skipped; renamed modules and fallbacks noted."""

    generated: list[Generated] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    renamed: list[Any] = field(default_factory=list)
    fallbacks: list[Any] = field(default_factory=list)
    spec_warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def operations(self) -> list[Operation]:
        """The operations that really have a function (what the role map and renderers may list)."""
        return [g.operation for g in self.generated]

    def summary(self) -> str:
        return f"{len(self.generated)} generated, {len(self.skipped)} skipped"


@dataclass
class GeneratorRun:
    """What openapi-python-client produced: endpoints by (METHOD, path), problems by (METHOD, path)."""

    endpoints: dict[tuple[str, str], tuple[str, str]]
    problems: dict[tuple[str, str], list[str]]
    warnings: dict[tuple[str, str], list[str]]
    general: list[str]
    seconds: float
    project: Any = None  # the generator's Project (its parse and Jinja environment), for our renderers
    parameter_docs: dict[tuple[str, str], dict[tuple[str, str], str]] = field(default_factory=dict)
    """(METHOD, path) -> parameter descriptions, read before the generator consumed the document."""
    broken: dict[str, str] = field(default_factory=dict)
    """Files that cannot run (do not parse, undefined names, ruff format failed), by path in the package."""


_ENDPOINT_HEADER = re.compile(r"^WARNING parsing (?P<method>[A-Z]+) (?P<path>.*) within (?P<tags>.*?)\.(?P<skipped> Endpoint will not be generated\.)?$")
_PATH_PARAM = re.compile(r"\{[^{}]*\}")


_SCHEMA_HEADER = re.compile(r"^Unable to (?:parse|process) schema (?P<name>/components/schemas/[^\s:]+)")
_OBJECT_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-fA-F]+>")


def _plain(detail: str | None, data: Any = None) -> str:
    """The generator's detail as one readable sentence (no object reprs: GENERATED.json is deterministic)."""
    text = _OBJECT_REPR.sub("(a value the generator does not show)", " ".join((detail or "").split()))
    ref = getattr(data, "ref", None)
    if ref is not None:
        ref_text = ref.get_untrusted_value() if hasattr(ref, "get_untrusted_value") else str(ref)
        if "Could not find reference" in text or not text:
            return f"it uses {ref_text}, a schema the generator could not build (see the schema warnings)"
        text = f"{text} ({ref_text})"
    replacements = {
        "Unable to parse this part of your OpenAPI document: : ": "",
        "Unsupported content type": "its request body is only available in a media type the generator cannot send:",
        "Endpoint requires a body, but none were parseable.": "its request body could not be generated:",
        "Cannot take allOf a non-object": "its schema combines (allOf) an object with a non-object schema, which openapi-python-client cannot express",
        "Invalid property in union (a value the generator does not show)": "one alternative of a oneOf/anyOf could not be built",
    }
    for old, new in replacements.items():
        text = text.replace(old, new)
    return text or "openapi-python-client could not generate it (no detail given)"


@contextlib.contextmanager
def _generator_environment() -> Iterator[None]:
    """PATH with this interpreter's tools (the ruff post-hooks) and no caches, for the generator's run."""
    saved = {name: os.environ.get(name) for name in ("PATH", "RUFF_NO_CACHE", "PYTHONDONTWRITEBYTECODE")}
    os.environ.update(_tool_env())
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_generator(
    spec: LoadedSpec, destination: Path, operations: list[Operation] | None = None
) -> tuple[GeneratorRun, Any]:
    """Prepare the working copy and run openapi-python-client in this process into `destination`.

    In-process (the generator's Python API, as its CLI uses it) rather than a subprocess: the document is
    parsed once, and the generator's own endpoint list and structured errors drive the accounting instead
    of scraped console output.
    """
    from openapi_python_client import Project
    from openapi_python_client.config import Config, ConfigFile, MetaType
    from openapi_python_client.parser import GeneratorData
    from openapi_python_client.parser.errors import GeneratorError
    from openapi_python_client.strings import PythonIdentifier

    from atomic_tooling.prepare import prepare

    config_file = ConfigFile.load_from_path(CONFIG)
    config = Config.from_sources(config_file, MetaType.NONE, spec.path.resolve(), "utf-8", False, destination)
    # ruff runs after the build (finish_modules), not as the generator's post-hooks: there, one module that
    # does not parse fails the hook for the whole package.
    config.post_hooks = []
    document = spec.document  # the working copy: build() no longer needs the original once markers are read
    preparation = prepare(document, config.field_prefix, dict(config.content_type_overrides))
    graph = SchemaGraph.of(document)
    config.content_type_overrides = preparation.content_type_overrides
    problems: dict[tuple[str, str], list[str]] = {}
    for (method, path), reason in preparation.unusable.items():
        problems.setdefault((method, _shape(path)), []).append(reason)
    general: list[str] = []
    started = time.perf_counter()
    console = io.StringIO()
    try:
        with contextlib.redirect_stdout(console), _generator_environment():
            openapi = GeneratorData.from_dict(document, config=config)
            if isinstance(openapi, GeneratorError):
                # The document model rejected parts of some operations: set exactly those aside, retry once.
                removed = _drop_unreadable_operations(spec.path, document)
                if not removed:
                    raise GenerationError(f"openapi-python-client cannot read the spec: {openapi.header}\n{openapi.detail}", EXIT_GENERATOR)
                for where, reason in removed.items():
                    problems.setdefault(where, []).append(reason)
                openapi = GeneratorData.from_dict(document, config=config)
                if isinstance(openapi, GeneratorError):
                    raise GenerationError(f"openapi-python-client cannot read the spec: {openapi.header}\n{openapi.detail}", EXIT_GENERATOR)
            # The generator keeps what it needs; dropping the document now keeps the peak where the stock
            # generator has it (its CLI lets the document go before it renders, too).
            parameter_docs = resources.parameter_docs(document)
            document.clear()
            project = Project(openapi=openapi, config=config, custom_template_path=TEMPLATES if TEMPLATES.is_dir() else None)
            project.env.globals["atomic_operation_key"] = _operation_key_literal(operations or [])
            project.env.template_class = _operation_template_class()
            errors = project.build()
            # ruff's lint fixes and the modules that cannot run; `ruff format` follows in build().
            broken = broken_files(destination, fix=True) if (destination / "__init__.py").is_file() else {}
    except GenerationError:
        raise
    except Exception as exc:  # a generator crash must become exit 4 with a readable message
        raise GenerationError(f"openapi-python-client failed: {type(exc).__name__}: {exc}", EXIT_GENERATOR) from exc
    seconds = time.perf_counter() - started
    if not (destination / "__init__.py").is_file():
        raise GenerationError(f"openapi-python-client wrote no package:\n{console.getvalue().strip()}", EXIT_GENERATOR)

    endpoints: dict[tuple[str, str], tuple[str, str]] = {}
    for tag, collection in openapi.endpoint_collections_by_tag.items():
        for endpoint in collection.endpoints:
            where = (endpoint.method.upper(), _shape(endpoint.path.get_untrusted_value()))
            endpoints.setdefault(where, (str(tag), str(PythonIdentifier(endpoint.name, config.field_prefix))))
    warnings: dict[tuple[str, str], list[str]] = {}
    broken_schemas: dict[str, str] = {}
    for error in errors:
        found = _SCHEMA_HEADER.match((error.header or "").strip())
        if found and f"#{found['name']}" not in broken_schemas:
            broken_schemas[f"#{found['name']}"] = _plain(error.detail).split(" Failure to process schema")[0]
    for error in errors:
        match = _ENDPOINT_HEADER.match((error.header or "").strip())
        reason = _plain(error.detail, getattr(error, "data", None))
        ref = getattr(getattr(error, "data", None), "ref", None)
        ref_text = str(ref.get_untrusted_value()) if ref is not None and hasattr(ref, "get_untrusted_value") else None
        if match is not None and ref_text in broken_schemas:
            reason = f"it uses {ref_text}, which the generator could not build: {broken_schemas[ref_text]}"
        elif match is not None and "Could not find reference" in reason:
            reason = graph.explain((match["method"], _shape(match["path"])), broken_schemas)
        if match is None:
            if getattr(error, "level", None) is not None and error.level.value == "ERROR" and error.header:
                raise GenerationError(f"openapi-python-client failed: {error.header}\n{error.detail or ''}".strip(), EXIT_GENERATOR)
            general.append(f"{error.header.strip()} {reason}".strip())
            continue
        where = (match["method"], _shape(match["path"]))
        target = problems if match["skipped"] else warnings
        if reason not in target.get(where, []):
            target.setdefault(where, []).append(reason)
    run = GeneratorRun(
        endpoints=endpoints, problems=problems, warnings=warnings, general=general, seconds=seconds, project=project,
        broken=broken,
        parameter_docs=parameter_docs,
    )
    return run, preparation


def _direct_refs(node: Any) -> tuple[str, ...]:
    names: list[str] = []
    stack: list[Any] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Mapping):
            ref = current.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/") and ref not in names:
                names.append(ref)
            stack.extend(v for k, v in current.items() if k not in ("example", "examples"))
        elif isinstance(current, list):
            stack.extend(current)
    return tuple(sorted(names))


@dataclass(frozen=True)
class SchemaGraph:
    """Which component schemas each operation and each schema names: to say *which* schema broke a skip."""

    operations: dict[tuple[str, str], tuple[str, ...]]
    schemas: dict[str, tuple[str, ...]]

    @classmethod
    def of(cls, document: Mapping[str, Any]) -> SchemaGraph:
        operations: dict[tuple[str, str], tuple[str, ...]] = {}
        for path, item in (document.get("paths") or {}).items():
            if isinstance(item, Mapping):
                for method in _METHODS:
                    if isinstance(item.get(method), Mapping):
                        operations[(method.upper(), _shape(str(path)))] = _direct_refs(item[method])
        components = (document.get("components") or {}).get("schemas") or {}
        schemas = {f"#/components/schemas/{name}": _direct_refs(schema) for name, schema in components.items()}
        return cls(operations, schemas)

    def explain(self, where: tuple[str, str], broken: Mapping[str, str]) -> str:
        direct = self.operations.get(where, ())
        seen: dict[str, str | None] = dict.fromkeys(direct)  # schema -> the operation's schema it was reached from
        queue = list(direct)
        origin = {ref: ref for ref in direct}
        while queue:
            ref = queue.pop(0)
            for child in self.schemas.get(ref, ()):
                if child not in seen:
                    seen[child] = ref
                    origin[child] = origin[ref]
                    queue.append(child)
        found = [ref for ref in seen if ref in broken]
        if not found:
            return "a schema it uses could not be built by the generator (see the schema warnings)"
        parts = []
        for ref in found[:3]:
            via = "" if origin[ref] == ref else f" (through {origin[ref]})"
            parts.append(f"it uses {ref}{via}, which the generator could not build: {broken[ref]}")
        more = f"; and {len(found) - 3} more such schema(s)" if len(found) > 3 else ""
        return "; ".join(parts) + more


def _drop_unreadable_operations(spec_path: Path, document: dict[str, Any]) -> dict[tuple[str, str], str]:
    """Remove the operations the generator's document model rejects; returns (METHOD, path) -> reason.

    A fault outside any operation (info, components, a path item's own fields) makes the whole document
    unreadable: that stops the run with exit 2, listing every fault.
    """
    from openapi_python_client import schema as oai
    from pydantic import ValidationError

    try:
        oai.OpenAPI.model_validate(document)
    except ValidationError as exc:
        located: dict[tuple[str, str], str] = {}
        outside: list[str] = []
        for error in exc.errors():
            loc = error.get("loc", ())
            inner = ".".join(str(part) for part in loc[3:] if part not in ("other", "Reference"))
            if len(loc) < 3 or loc[0] != "paths" or str(loc[2]).lower() not in _METHODS:
                where_text = ".".join(str(part) for part in loc if part not in ("other", "Reference")) or "(top level)"
                outside.append(f"{where_text}: {error.get('msg')}")
                continue
            where = (str(loc[2]).upper(), str(loc[1]))
            located.setdefault(where, f"the generator cannot read this operation's {inner or 'definition'}: {error.get('msg')}")
        if outside:
            shown = "\n".join(f"  - {line}" for line in outside[:20])
            more = f"\n  … and {len(outside) - 20} more" if len(outside) > 20 else ""
            raise GenerationError(f"spec {spec_path} is not a valid OpenAPI document ({len(outside)} error(s)):\n{shown}{more}", EXIT_SPEC)
        for method, path in located:
            document["paths"][path].pop(method.lower(), None)
        return {(method, _shape(path)): reason for (method, path), reason in located.items()}
    return {}


_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _operation_key_literal(operations: list[Operation]) -> Any:
    """For the templates: an endpoint's operation key (its operationId, or 'METHOD /path') as a Python literal.

    The generated request carries it (``extensions["atomic_operation_id"]``), so the client finds the
    operation's roles in the role map without matching the URL.
    """
    keys = {(op.method.upper(), _shape(op.path)): op.key for op in operations}

    def literal(endpoint: Any) -> str:
        path = endpoint.path
        path = str(path.get_untrusted_value() if hasattr(path, "get_untrusted_value") else path)
        method = str(endpoint.method).upper()
        return repr(keys.get((method, _shape(path)), f"{method} {path}"))

    return literal


def _shape(path: str) -> str:
    """A path template with its parameter names blanked: the generator renames them to Python names."""
    return _PATH_PARAM.sub("{}", path)


def _module_matches(source: str, method: str, path: str) -> bool:
    """The module's _get_kwargs sends `method` to `path` (path parameters renamed to Python names).

    The URL is a string literal, with ``.format`` for path parameters, or an f-string whose replacement fields
    are the parameters (``{path_segment(card_id)}``); either way each field counts as one parameter.
    """
    wanted = _PATH_PARAM.sub("{}", path)
    for found in re.finditer(r'"url":\s*f?"((?:[^"\\]|\\.)*)"', source):
        url = found.group(1).encode().decode("unicode_escape") if "\\" in found.group(1) else found.group(1)
        if _PATH_PARAM.sub("{}", url) == wanted:
            return f'"method": "{method.lower()}"' in source
    return False


def broken_files(package: Path, fix: bool = False) -> dict[str, str]:
    """Generated files that cannot run: syntax errors or undefined names (ruff F821), by relative path.

    openapi-python-client occasionally writes a module that does not import (0.29.1: a request body offered
    in several media types annotates `Unset` without importing it) or does not even parse; such a module is
    no function at all. With `fix`, the same ruff run applies the lint fixes of the generator's post-hook
    (LINT_FIXES) to every file that parses, so the package is read once.
    """
    ruff = str(Path(sys.executable).parent / "ruff")
    rules = ["--fix", f"--select={LINT_FIXES},F821"] if fix else ["--select=F821"]
    result = subprocess.run(
        [ruff, "check", "--isolated", "--no-cache", *rules, "--output-format", "json", "--exit-zero", str(package)],
        capture_output=True, text=True, env=_tool_env(), check=True,
    )
    broken: dict[str, str] = {}
    for finding in json.loads(result.stdout or "[]"):
        if finding.get("code") not in ("F821", "invalid-syntax", None):
            continue  # a lint finding without a fix (F401 in an __init__ re-export): harmless
        name = Path(finding["filename"]).resolve().relative_to(package.resolve()).as_posix()
        line = finding.get("location", {}).get("row", "?")
        what = "does not parse: " if finding.get("code") != "F821" else ""
        broken.setdefault(name, f"line {line}: {what}{finding.get('message', finding.get('code'))}")
    if not fix:
        for name, problem in missing_models(package)[0].items():
            broken.setdefault(name, problem)
    return broken


# The generator's lint post-hook, as an explicit list (unused/redefined imports, import order, stale noqa)
# rather than ruff's default set, which grows between ruff releases and, in 0.17, rewrites
# `__exit__(*args: Any)` to `*args: object` (PYI036) — a change that breaks mypy --strict for every
# consumer of atomic_api.
LINT_FIXES = "F401,F811,I,RUF100"
_FORMAT_FAILURE = re.compile(r"^error: Failed to (?:parse|format) (?P<path>.+?\.py)(?::\d+:\d+)?: (?P<why>.*)$")


def finish_modules(package: Path) -> dict[str, str]:
    """The generator's post-hooks (ruff's lint fixes, then ruff format), run so that a module that cannot
    be read costs only its own operation; returns the files that cannot run, by path in the package.

    Hermetic: --isolated ignores any ruff configuration around the scratch folder, --no-cache leaves no
    .ruff_cache behind, so the output is byte-identical wherever it runs. (build() runs the two halves
    apart: broken_files(fix=True) before the accounting, PackageFormat while it renders the resources.)
    """
    broken = broken_files(package, fix=True)
    for name, problem in PackageFormat(package).wait().items():
        broken.setdefault(name, problem)
    return broken


class PackageFormat:
    """`ruff format` of the package in a background process, while this one renders the resource layer.

    Only files present when it starts are formatted (the resource layer is rendered into a folder of its
    own, then moved in); `_markers.py` is a verbatim copy and never formatted.
    """

    def __init__(self, package: Path) -> None:
        ruff = str(Path(sys.executable).parent / "ruff")
        self._package = package
        self._process = subprocess.Popen(
            [ruff, "format", "--isolated", "--no-cache", "--exclude", "_markers.py", str(package)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_tool_env(),
        )

    def wait(self) -> dict[str, str]:
        """Files ruff could not format (by path in the package), with why; raises when it failed otherwise."""
        _, stderr = self._process.communicate()
        if self._process.returncode == 0:
            return {}
        failed: dict[str, str] = {}
        for line in stderr.splitlines():
            found = _FORMAT_FAILURE.match(line.strip())
            if found is None:
                continue
            try:
                name = Path(found["path"]).resolve().relative_to(self._package.resolve()).as_posix()
            except ValueError:
                continue
            failed.setdefault(name, f"ruff format failed: {found['why']}")
        if not failed:
            raise GenerationError(f"ruff format failed on the generated package:\n{stderr.strip()}", EXIT_GENERATOR)
        return failed


RENDER_FAILED = "# atomic-tooling: this module could not be rendered: "


def _operation_template_class() -> type[Any]:
    import jinja2

    class OperationTemplate(jinja2.Template):
        """A template whose failure to render one operation's module costs that operation only.

        The generator renders every endpoint module with `endpoint=`; should that raise, the module gets a
        one-line marker instead (valid Python), and the accounting reports the operation as skipped with
        the error. Any other template (models, client) still fails the run.
        """

        def render(self, *args: Any, **kwargs: Any) -> str:
            if "endpoint" not in kwargs:
                return super().render(*args, **kwargs)
            try:
                return super().render(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - whatever the template raises, it is this operation's
                detail = " ".join(str(exc).split())[:300] or "no detail"
                return f"{RENDER_FAILED}{type(exc).__name__}: {detail}\n"

    return OperationTemplate


_TOP_MODEL_IMPORT = re.compile(r"^from \.\.\.models\.(\w+) import", re.MULTILINE)
_ANY_MODEL_IMPORT = {
    "api": re.compile(r"^\s*from \.\.\.models\.(\w+) import", re.MULTILINE),
    "models": re.compile(r"^\s*from \.\.models\.(\w+) import", re.MULTILINE),
}


def missing_models(package: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Endpoint modules that need a model module the generator did not write: (cannot import, degraded).

    openapi-python-client 0.29.1 can drop a component (an inline schema's class name collides with it)
    and still write code that imports it. A module importing it at the top fails on import (no function at
    all); one that needs it only lazily, or through another model, fails when that model is parsed.
    """
    models = package / "models"
    files = sorted(models.glob("*.py")) if models.is_dir() else []
    written = {p.stem for p in files}
    needs = {p.stem: set(_ANY_MODEL_IMPORT["models"].findall(p.read_text(encoding="utf-8"))) for p in files}
    unusable = {name for name, refs in needs.items() if refs - written}
    while more := {name for name, refs in needs.items() if name not in unusable and refs & unusable}:
        unusable |= more
    broken: dict[str, str] = {}
    degraded: dict[str, str] = {}
    for file in sorted((package / "api").glob("*/*.py")):
        text = file.read_text(encoding="utf-8")
        name = file.relative_to(package).as_posix()
        absent_top = sorted(set(_TOP_MODEL_IMPORT.findall(text)) - written)
        refs = set(_ANY_MODEL_IMPORT["api"].findall(text))
        if absent_top:
            broken[name] = f"imports models/{absent_top[0]}.py, which the generator did not write"
        elif lacking := sorted((refs - written) | (refs & unusable)):
            degraded[name] = (
                f"reading models/{lacking[0]}.py needs a model the generator did not write; that part fails when used"
            )
    return broken, degraded


_MODEL_IMPORT = re.compile(r"^\s*from \.{2,3}models\.(\w+) import (?:\(([^)]*)\)|(\w+(?:, \w+)*))", re.MULTILINE)


def write_placeholder_models(package: Path) -> list[Path]:
    """A stand-in module for each model the generator dropped but other models still refer to.

    openapi-python-client 0.29.1 drops a schema it cannot build (a class name two inline schemas share) and
    still writes models that import it: such a package does not type-check, and reading that part fails
    with ImportError. The stand-in class has the model's interface and raises TypeError on use, so the
    package type-checks, and a oneOf/anyOf that offers the dropped schema among others tries the others.
    Which operations it affects is recorded (as partial) before this runs. Returns the files written.
    """
    models = package / "models"
    if not models.is_dir():
        return []
    written = {p.stem for p in models.glob("*.py")}
    wanted: dict[str, set[str]] = {}
    for file in sorted(models.glob("*.py")):
        for module, grouped, plain in _MODEL_IMPORT.findall(file.read_text(encoding="utf-8")):
            if module not in written:
                names = (grouped or plain).replace("\n", " ").split(",")
                wanted.setdefault(module, set()).update(name.strip() for name in names if name.strip())
    files = []
    for module, names in sorted(wanted.items()):
        parts = [
            f'"""Stand-in for the schema behind `{module}`, which openapi-python-client could not build.',
            "",
            "Written by scripts/generate (see GENERATED.json, partial): the models referring to it still",
            "type-check; reading or writing a value of it raises TypeError.",
            '"""',
            "",
            "from collections.abc import Mapping",
            "from typing import Any, TypeVar",
            "",
        ]
        for name in sorted(names):
            parts += [
                f'_T{name} = TypeVar("_T{name}", bound="{name}")',
                "",
                "",
                f"class {name}:",
                '    """openapi-python-client could not build this schema; it has no fields."""',
                "",
                "    additional_properties: dict[str, Any]",
                "",
                "    def to_dict(self) -> dict[str, Any]:",
                f'        raise TypeError("{name}: openapi-python-client could not build this schema")',
                "",
                "    @classmethod",
                f"    def from_dict(cls: type[_T{name}], src_dict: Mapping[str, Any]) -> _T{name}:",
                f'        raise TypeError("{name}: openapi-python-client could not build this schema")',
                "",
            ]
        path = models / f"{module}.py"
        path.write_text("\n".join(parts).rstrip("\n") + "\n", encoding="utf-8")
        files.append(path)
    return files


def account(operations: list[Operation], run: GeneratorRun, package: Path, preparation: Any) -> Accounting:
    """Every spec operation is generated (a module with its method and path) or skipped with a reason."""
    result = Accounting(renamed=list(preparation.renamed), fallbacks=list(preparation.fallbacks))
    if preparation.enum_renames:
        result.notes.append(f"{preparation.enum_renames} enum(s) whose member names collided got distinct names (ASC, ASC_2)")
    if preparation.titles_dropped:
        result.notes.append(f"{preparation.titles_dropped} component schema(s) whose class names collided got distinct names")
    if preparation.empty_enums:
        result.notes.append(f"{preparation.empty_enums} empty enum(s) read as no enum")
    broken = dict(run.broken)
    cannot_import, degraded = missing_models(package)
    for name, problem in cannot_import.items():
        broken.setdefault(name, problem)
    elsewhere = {name: problem for name, problem in broken.items() if not re.fullmatch(r"api/[^/]+/[^/]+\.py", name)}
    if elsewhere:
        shown = "\n".join(f"  - {name} {problem}" for name, problem in sorted(elsewhere.items()))
        raise GenerationError(f"openapi-python-client wrote a package that cannot be imported:\n{shown}", EXIT_GENERATOR)
    claimed: dict[Path, str] = {}
    for op in operations:
        where = (op.method, _shape(op.path))
        target = run.endpoints.get(where)
        if target is None:
            reasons = run.problems.get(where) or ["openapi-python-client did not generate it and gave no reason"]
            result.skipped.append(Skipped(op.key, op.method, op.path, "; ".join(reasons)))
            continue
        tag, module = target
        file = package / "api" / tag / f"{module}.py"
        if not file.is_file():
            result.skipped.append(Skipped(op.key, op.method, op.path, f"its module api/{tag}/{module}.py was not written"))
            continue
        source = file.read_text(encoding="utf-8")
        if source.startswith(RENDER_FAILED):
            file.unlink()
            reason = source[len(RENDER_FAILED) :].splitlines()[0]
            result.skipped.append(Skipped(op.key, op.method, op.path, f"its module api/{tag}/{module}.py could not be rendered: {reason}"))
            continue
        if f"api/{tag}/{module}.py" in broken:
            problem = broken[f"api/{tag}/{module}.py"]
            file.unlink()  # a module that fails on import must not ship (importing the tag would fail too)
            result.skipped.append(
                Skipped(op.key, op.method, op.path, f"openapi-python-client wrote code for it that cannot run (api/{tag}/{module}.py {problem})")
            )
            continue
        if file in claimed or not _module_matches(source, op.method, op.path):
            other = claimed.get(file, "another operation")
            result.skipped.append(Skipped(op.key, op.method, op.path, f"its module api/{tag}/{module}.py was overwritten by {other}"))
            continue
        claimed[file] = op.key
        notes = list(run.warnings.get(where, ()))
        if f"api/{tag}/{module}.py" in degraded:
            notes.append(degraded[f"api/{tag}/{module}.py"])
        result.generated.append(Generated(op, tag, module, tuple(notes)))
    return result


def render_roles(operations: list[Operation]) -> str:
    lines = [
        '"""Role map: which credential roles each operation accepts.',
        "",
        "Generated by scripts/generate from the `(token: <role>)` marker in each operation's summary.",
        "Only operations that have a generated function are listed (GENERATED.json names the skipped ones).",
        "Do not edit: change the spec and regenerate.",
        '"""',
        "",
        "from typing import Final",
        "",
        f"ROLE_NAMES: Final[tuple[str, ...]] = {ROLE_NAMES!r}",
        "",
        "# operation key (operationId, or 'METHOD /path' without one)",
        "#   -> (HTTP method, path template as written in the spec, allowed roles in marker order)",
        "OPERATIONS: Final[dict[str, tuple[str, str, tuple[str, ...]]]] = {",
    ]
    for op in operations:
        lines.append(f"    {op.key!r}: ({op.method!r}, {op.path!r}, {op.roles!r}),")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_provenance(spec: LoadedSpec, accounting: Accounting) -> str:
    record = {
        "config_sha256": config_sha256(),
        "format": FORMAT_VERSION,
        "generator": "openapi-python-client",
        "operations": len(accounting.generated),
        "renamed": [
            {"method": r.method, "module": r.module, "operation": r.key, "path": r.path, "reason": f"'{r.collides_with}' has the original module name"}
            for r in accounting.renamed
        ],
        "fallbacks": [
            {"content_type": f.content_type, "method": f.method, "path": f.path, "treated_as": f.treated_as, "where": f.where}
            for f in accounting.fallbacks
        ],
        "partial": [
            {"method": g.operation.method, "operation": g.operation.key, "path": g.operation.path, "reason": warning}
            for g in accounting.generated
            for warning in g.warnings
        ],
        "skipped": [s.record() for s in accounting.skipped],
        "spec": spec.packaged_name,
        "spec_sha256": spec.sha256,
        # The spec's own version (info.version): the SDK's changelog and version policy refer to it.
        "spec_title": spec.title,
        "spec_version": spec.version,
        "tools": tool_versions(),
    }
    return json.dumps(record, indent=2, sort_keys=True) + "\n"


def _tool_env() -> dict[str, str]:
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env["RUFF_NO_CACHE"] = "true"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


# Tool caches: never part of a generation, and (like git, see .gitignore) never compared.
CACHE_DIRS = ("__pycache__", ".ruff_cache", ".mypy_cache", ".pytest_cache")
CACHE_DIRS_SET = frozenset(CACHE_DIRS)


def _remove_caches(tree: Path) -> None:
    for pattern in CACHE_DIRS:
        for found in tree.rglob(pattern):
            shutil.rmtree(found, ignore_errors=True)


def build(spec: LoadedSpec, scratch: Path, strict: bool = True) -> tuple[Path, Accounting, float]:
    """Validate, extract roles, generate into `scratch`/atomic_api and account for every operation.

    Touches nothing outside `scratch`.
    """
    # Strict runs (Atomic's own spec, CI) get openapi-spec-validator's full check; by default a vendor spec
    # is checked for what generation needs (local $refs here, the document model in run_generator), which
    # costs almost nothing next to the generator, and an operation the model rejects is skipped, with why.
    validation = BackgroundValidation(spec) if strict else QuickValidation(spec)
    try:
        try:
            operations = extract_operations(spec.document)
        except RoleMarkerError as exc:
            raise GenerationError(str(exc), EXIT_MARKERS) from exc
        except PathItemRefError as exc:
            raise GenerationError(f"spec {spec.path}: {exc}", EXIT_SPEC) from exc
        if not operations:
            raise GenerationError(f"spec {spec.path} has no operations", EXIT_SPEC)
        package = scratch / PACKAGE
        run, preparation = run_generator(spec, package, operations)
    except GenerationError:
        validation.result()  # an invalid spec is the first thing to report (exit 2), whatever failed after
        raise
    spec_warnings = validation.result()
    for (method, path), lost in preparation.parameters_dropped.items():
        where = (method, _shape(path))
        run.warnings.setdefault(where, []).extend(f"{what} is left out of the call" for what in lost)
    accounting = account(operations, run, package, preparation)
    accounting.spec_warnings = sorted(set(spec_warnings) | set(preparation.defaults_dropped)) + run.general
    write_package_files(spec, package, accounting)
    write_placeholder_models(package)  # after the accounting: it reads what is missing
    # ruff format runs on the package (the generator's modules, _roles.py, stand-ins) while the typed
    # resource layer (atomic_api/resources/) is rendered, from the generator's own parse, for what was
    # generated, into a folder of its own that is moved in afterwards.
    staging = scratch / "resources"
    formatting = PackageFormat(package)
    try:
        _render_resources(run, accounting, package, staging, ())
    finally:
        failed = formatting.wait()
    unformattable = {name: why for name, why in failed.items() if name not in run.broken}
    if unformattable:
        # Rare: a module that parses but ruff cannot format. Its operation is skipped like any module that
        # cannot run, and what lists the generated operations is written again.
        _skip_unformattable(accounting, package, unformattable)
        write_package_files(spec, package, accounting)
        shutil.rmtree(staging)
        _render_resources(run, accounting, package, staging, (package / "_roles.py",))
    staging.rename(package / "resources")
    _remove_caches(scratch)
    return package, accounting, run.seconds


def _render_resources(run: GeneratorRun, accounting: Accounting, package: Path, into: Path, format_too: tuple[Path, ...]) -> None:
    try:
        resources.render(run.project, accounting.generated, package, run.parameter_docs, into=into, format_too=format_too)
    except resources.ResourceRenderError as exc:
        raise GenerationError(f"resource layer: {exc}", EXIT_GENERATOR) from exc


def _skip_unformattable(accounting: Accounting, package: Path, failed: dict[str, str]) -> None:
    elsewhere = {name: why for name, why in failed.items() if not re.fullmatch(r"api/[^/]+/[^/]+\.py", name)}
    if elsewhere:
        shown = "\n".join(f"  - {name} {why}" for name, why in sorted(elsewhere.items()))
        raise GenerationError(f"openapi-python-client wrote a package that cannot be imported:\n{shown}", EXIT_GENERATOR)
    for generated in list(accounting.generated):
        name = f"api/{generated.tag}/{generated.module}.py"
        if name in failed:
            (package / name).unlink()
            accounting.generated.remove(generated)
            op = generated.operation
            accounting.skipped.append(
                Skipped(op.key, op.method, op.path, f"openapi-python-client wrote code for it that cannot run ({name} {failed[name]})")
            )


def write_package_files(spec: LoadedSpec, package: Path, accounting: Accounting) -> None:
    """Our additions to the generated package. Renderers of our own plug in here, after the accounting,
    and take `accounting.generated` (never the spec's operations: a skipped one has no function)."""
    (package / "_roles.py").write_text(render_roles(accounting.operations), encoding="utf-8")
    # Verbatim (not reformatted): the drift check then also catches a grammar edit without regeneration.
    (package / "_markers.py").write_bytes(MARKERS.read_bytes())
    # openapi-python-client writes py.typed only with project metadata; typed consumers need it.
    (package / "py.typed").write_text("", encoding="utf-8")
    # The exact spec this client was made from (its own bytes and format), for atomic_sdk.testing.Sandbox
    # and other tools; GENERATED.json names the file.
    (package / spec.packaged_name).write_bytes(spec.raw)
    (package / "GENERATED.json").write_text(render_provenance(spec, accounting), encoding="utf-8")
    # _roles.py is formatted with the resource layer (resources.render), in one ruff run.


def tree_files(root: Path) -> dict[str, bytes]:
    if not root.is_dir():
        return {}
    # Importing the package writes __pycache__ into it; that is not a change to the generated code.
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not CACHE_DIRS_SET.intersection(p.relative_to(root).parts)
    }


def compare_trees(expected: Path, actual: Path) -> list[str]:
    """Lines naming each file that differs, is missing from `actual`, or is extra in `actual`."""
    want, have = tree_files(expected), tree_files(actual)
    report = []
    for name in sorted(set(want) | set(have)):
        if name not in have:
            report.append(f"missing  {name}")
        elif name not in want:
            report.append(f"extra    {name}")
        elif want[name] != have[name]:
            report.append(f"differs  {name}")
    return report


def toolchain_mismatch(committed: Path) -> list[str]:
    provenance = committed / "GENERATED.json"
    if not provenance.is_file():
        return []
    try:
        recorded = json.loads(provenance.read_text(encoding="utf-8")).get("tools", {})
    except json.JSONDecodeError:
        return []
    current = tool_versions()
    return [
        f"{name}: generated/ was made with {recorded.get(name, 'an unknown version')}, this toolchain has {version}"
        for name, version in current.items()
        if recorded.get(name) != version
    ]


def install(package: Path, output: Path) -> None:
    """Replace output/atomic_api with `package` as the very last step."""
    output.mkdir(parents=True, exist_ok=True)
    target = output / PACKAGE
    staged = output / f".{PACKAGE}.new"
    retired = output / f".{PACKAGE}.old"
    for leftover in (staged, retired):
        shutil.rmtree(leftover, ignore_errors=True)
    try:
        package.rename(staged)  # the scratch folder is usually on the same file system: no copy
    except OSError:
        shutil.copytree(package, staged)
    if target.exists():
        target.rename(retired)
    staged.rename(target)
    shutil.rmtree(retired, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/generate", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="OpenAPI file to generate from (default: spec/atomic-api.yaml)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="folder that holds atomic_api/ (default: generated/)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if the output folder differs from a fresh generation")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="validate fully (openapi-spec-validator, exit 2) and exit 6 when any operation cannot be generated; "
        "nothing is written then (always on for the default spec)",
    )
    args = parser.parse_args(argv)
    strict = args.strict or args.spec.resolve() == DEFAULT_SPEC.resolve()
    try:
        spec = load_spec(args.spec)
        with tempfile.TemporaryDirectory(prefix="atomic-gen-") as scratch:
            package, accounting, seconds = build(spec, Path(scratch), strict)
            report(accounting, sys.stderr)
            if not accounting.generated:
                raise GenerationError(
                    f"none of the {len(accounting.skipped)} operation(s) of {args.spec} could be generated (listed above)",
                    EXIT_GENERATOR,
                )
            if strict and accounting.skipped:
                raise GenerationError(
                    f"--strict: {len(accounting.skipped)} operation(s) of {args.spec} cannot be generated (listed above)",
                    EXIT_SKIPPED,
                )
            if args.check:
                return _check(package, args.output / PACKAGE)
            install(package, args.output)
    except GenerationError as exc:
        print(f"scripts/generate: {exc}", file=sys.stderr)
        print(f"scripts/generate: {args.output} was not changed.", file=sys.stderr)
        return exc.exit_code
    print(f"generated {args.output / PACKAGE} from {args.spec}: {accounting.summary()} (generator {seconds:.2f}s)")
    return EXIT_OK


def report(accounting: Accounting, stream: Any) -> None:
    """Name every skipped and renamed operation, every fallback and every warning."""
    for warning in accounting.spec_warnings:
        print(f"  warning   {warning}", file=stream)
    for note in accounting.notes:
        print(f"  note      {note}", file=stream)
    for fallback in accounting.fallbacks:
        print(f"  fallback  {fallback.describe()}", file=stream)
    for renamed in accounting.renamed:
        print(f"  renamed   {renamed.describe()}", file=stream)
    for generated in accounting.generated:
        for warning in generated.warnings:
            print(f"  partial   {generated.operation.method} {generated.operation.path} ({generated.operation.key}): {warning}", file=stream)
    for skipped in accounting.skipped:
        print(f"  skipped   {skipped.method} {skipped.path} ({skipped.key}): {skipped.reason}", file=stream)
    if accounting.skipped:
        print(f"scripts/generate: {accounting.summary()}", file=stream)


def _check(fresh: Path, committed: Path) -> int:
    mismatch = toolchain_mismatch(committed)
    if mismatch:
        print("check-drift: the toolchain differs from the one recorded in GENERATED.json:", file=sys.stderr)
        for line in mismatch:
            print(f"  {line}", file=sys.stderr)
        print("Reinstall the pinned toolchain (scripts/generate does) or regenerate and commit.", file=sys.stderr)
        return EXIT_TOOLCHAIN
    report = compare_trees(fresh, committed)
    if report:
        print(f"check-drift: {committed} differs from a fresh generation ({len(report)} file(s)):", file=sys.stderr)
        for line in report:
            print(f"  {line}", file=sys.stderr)
        print("Run scripts/generate and commit the result; never edit generated/ by hand.", file=sys.stderr)
        return EXIT_DRIFT
    print(f"check-drift: {committed} matches a fresh generation")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
