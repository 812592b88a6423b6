"""Rebuild generated/atomic_api from an OpenAPI spec, or check that the committed copy is current.

Steps, each of which stops the run before anything under the output folder is touched:
  1. read the spec (YAML or JSON) and validate it with openapi-spec-validator;
  2. read every operation's `(token: <role>)` marker (see markers.py);
  3. run openapi-python-client into a scratch folder with the committed config;
  4. add `_roles.py` (the role map), `_markers.py` (a byte-for-byte copy of markers.py, so the installed
     package parses role markers with the very grammar that generated it) and `GENERATED.json`
     (provenance) to the scratch copy;
  5. write: swap the scratch copy into place / check: compare it with the committed copy.

Exit codes: 0 ok, 1 drift found (--check), 2 spec unreadable or invalid, 3 role markers,
4 generator failed, 5 toolchain differs from the one recorded in GENERATED.json (--check).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from atomic_tooling.markers import ROLE_NAMES, Operation, RoleMarkerError, extract_operations

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SPEC = ROOT / "spec" / "atomic-api.yaml"
DEFAULT_OUTPUT = ROOT / "generated"
CONFIG = ROOT / "tooling" / "generator-config.yaml"
TEMPLATES = ROOT / "tooling" / "templates"
# The role-marker grammar; shipped verbatim as atomic_api/_markers.py (one source of truth).
MARKERS = Path(__file__).with_name("markers.py")
PACKAGE = "atomic_api"
TOOLS = ("openapi-python-client", "ruff", "openapi-spec-validator")
# Bump when _roles.py, _markers.py or GENERATED.json change shape, so a stale generation is detected.
# 2: atomic_api/_markers.py added.
FORMAT_VERSION = 2

EXIT_OK, EXIT_DRIFT, EXIT_SPEC, EXIT_MARKERS, EXIT_GENERATOR, EXIT_TOOLCHAIN = 0, 1, 2, 3, 4, 5


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

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()


def load_spec(path: Path) -> LoadedSpec:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise GenerationError(f"cannot read spec {path}: {exc.strerror}", EXIT_SPEC) from exc
    try:
        document = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise GenerationError(f"spec {path} is not valid YAML/JSON:\n{exc}", EXIT_SPEC) from exc
    if not isinstance(document, dict):
        raise GenerationError(f"spec {path} is not an OpenAPI document (top level is not a mapping)", EXIT_SPEC)
    return LoadedSpec(path=path, raw=raw, document=document)


def validate_spec(spec: LoadedSpec) -> None:
    from jsonschema_path import SchemaPath
    from openapi_spec_validator.shortcuts import get_validator_cls
    from openapi_spec_validator.validation.exceptions import ValidatorDetectError

    try:
        validator_cls = get_validator_cls(spec.document)
    except ValidatorDetectError as exc:
        raise GenerationError(f"spec {spec.path}: no 'openapi' version field, not an OpenAPI 3 document", EXIT_SPEC) from exc
    schema_path = SchemaPath.from_dict(spec.document, base_uri=spec.path.resolve().as_uri())
    try:
        errors: list[Exception] = list(validator_cls(schema_path).iter_errors())
    except Exception as exc:  # noqa: BLE001 - the validator raises instead of reporting some faults (a dangling $ref)
        errors = [exc]
    if errors:
        shown = "\n".join(f"  - {_one_line(err)}" for err in errors[:20])
        more = f"\n  … and {len(errors) - 20} more" if len(errors) > 20 else ""
        raise GenerationError(f"spec {spec.path} is not a valid OpenAPI document ({len(errors)} error(s)):\n{shown}{more}", EXIT_SPEC)


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
    inputs = [CONFIG, Path(__file__), MARKERS]
    if TEMPLATES.is_dir():
        inputs += sorted(p for p in TEMPLATES.rglob("*") if p.is_file())
    for path in inputs:
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    digest.update(f"format={FORMAT_VERSION}".encode())
    return digest.hexdigest()


def render_roles(operations: list[Operation]) -> str:
    lines = [
        '"""Role map: which credential roles each operation accepts.',
        "",
        "Generated by scripts/generate from the `(token: <role>)` marker in each operation's summary.",
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


def render_provenance(spec: LoadedSpec, operations: list[Operation]) -> str:
    record = {
        "config_sha256": config_sha256(),
        "format": FORMAT_VERSION,
        "generator": "openapi-python-client",
        "operations": len(operations),
        "spec_sha256": spec.sha256,
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


def run_generator(spec: LoadedSpec, destination: Path) -> float:
    """Generate the package into `destination` (must not exist); returns seconds spent."""
    command = [
        str(Path(sys.executable).parent / "openapi-python-client"),
        "generate",
        "--path", str(spec.path.resolve()),
        "--config", str(CONFIG),
        "--meta", "none",
        "--output-path", str(destination),
        "--fail-on-warning",
    ]
    if TEMPLATES.is_dir():
        command += ["--custom-template-path", str(TEMPLATES)]
    started = time.perf_counter()
    result = subprocess.run(
        command, capture_output=True, text=True, env=_tool_env(), cwd=destination.parent, check=False
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0 or not (destination / "__init__.py").is_file():
        output = (result.stdout + result.stderr).strip()
        raise GenerationError(f"openapi-python-client failed (exit {result.returncode}):\n{output}", EXIT_GENERATOR)
    return elapsed


def _format(paths: list[Path]) -> None:
    ruff = str(Path(sys.executable).parent / "ruff")
    subprocess.run([ruff, "format", "--isolated", "--no-cache", "--quiet", *map(str, paths)], check=True, env=_tool_env())


# Tool caches: never part of a generation, and (like git, see .gitignore) never compared.
CACHE_DIRS = ("__pycache__", ".ruff_cache", ".mypy_cache", ".pytest_cache")
CACHE_DIRS_SET = frozenset(CACHE_DIRS)


def _remove_caches(tree: Path) -> None:
    for pattern in CACHE_DIRS:
        for found in tree.rglob(pattern):
            shutil.rmtree(found, ignore_errors=True)


def build(spec: LoadedSpec, scratch: Path) -> tuple[Path, list[Operation], float]:
    """Validate, extract roles and generate into `scratch`/atomic_api. Touches nothing else."""
    validate_spec(spec)
    try:
        operations = extract_operations(spec.document)
    except RoleMarkerError as exc:
        raise GenerationError(str(exc), EXIT_MARKERS) from exc
    if not operations:
        raise GenerationError(f"spec {spec.path} has no operations", EXIT_SPEC)
    package = scratch / PACKAGE
    seconds = run_generator(spec, package)
    (package / "_roles.py").write_text(render_roles(operations), encoding="utf-8")
    # Verbatim (not reformatted): the drift check then also catches a grammar edit without regeneration.
    (package / "_markers.py").write_bytes(MARKERS.read_bytes())
    # openapi-python-client writes py.typed only with project metadata; typed consumers need it.
    (package / "py.typed").write_text("", encoding="utf-8")
    # The exact spec this client was made from, for atomic_sdk.testing.Sandbox and other tools.
    (package / "openapi.yaml").write_bytes(spec.raw)
    (package / "GENERATED.json").write_text(render_provenance(spec, operations), encoding="utf-8")
    _format([package / "_roles.py"])
    _remove_caches(scratch)
    return package, operations, seconds


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
    args = parser.parse_args(argv)
    try:
        spec = load_spec(args.spec)
        with tempfile.TemporaryDirectory(prefix="atomic-gen-") as scratch:
            package, operations, seconds = build(spec, Path(scratch))
            if args.check:
                return _check(package, args.output / PACKAGE)
            install(package, args.output)
    except GenerationError as exc:
        print(f"scripts/generate: {exc}", file=sys.stderr)
        print(f"scripts/generate: {args.output} was not changed.", file=sys.stderr)
        return exc.exit_code
    print(f"generated {args.output / PACKAGE} from {args.spec}: {len(operations)} operations, generator {seconds:.2f}s")
    return EXIT_OK


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
