"""The package's shape: no import cycle between overlay modules, no private attribute of httpx or httpcore used
anywhere in overlay/ or generated/, one definition of the shared types."""

from __future__ import annotations

import ast
from pathlib import Path

import httpcore
import httpx

ROOT = Path(__file__).resolve().parents[2]
OVERLAY = ROOT / "overlay" / "atomic_sdk"
GENERATED = ROOT / "generated" / "atomic_api"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(OVERLAY.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _runtime_imports(tree: ast.Module, module: str, is_package: bool) -> set[str]:
    """Every overlay module ``module`` imports when it runs (function-level imports too; ``TYPE_CHECKING`` not)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for inner in node.body for child in ast.walk(inner))
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _overlay_graph() -> dict[str, set[str]]:
    paths = {_module_name(path): path for path in OVERLAY.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        imports = _runtime_imports(ast.parse(path.read_text()), name, path.name == "__init__.py")
        graph[name] = {target for target in imports if target in paths and target != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                found.append([*stack[stack.index(target) :], target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_no_import_cycle_between_overlay_modules() -> None:
    graph = _overlay_graph()
    assert len(graph) > 20
    # A package importing its own submodules is no cycle of modules (a submodule loads its package first).
    modules = {name: {t for t in targets if not name.startswith(t + ".")} for name, targets in graph.items()}
    assert _cycles(modules) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c", "a"]]


def _private_names(*packages: object) -> set[str]:
    """Names starting with one underscore that httpx's and httpcore's own code defines or sets on its objects
    (read from their source: their public classes say ``__module__ = "httpx"``, which hides where they live)."""
    names: set[str] = set()
    for package in packages:
        for path in Path(str(getattr(package, "__file__", ""))).parent.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
                    name = node.attr
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    name = node.name
                else:
                    continue
                if name.startswith("_") and not name.startswith("__"):
                    names.add(name)
    return names


def _private_uses(path: Path, private: set[str]) -> list[str]:
    uses: list[tuple[int, str]] = []
    tree = ast.parse(path.read_text())
    # In a class deriving from an httpx or httpcore class: the private names it does not set itself.
    inherited: dict[int, set[str]] = {}
    for klass in ast.walk(tree):
        if isinstance(klass, ast.ClassDef) and any(
            ast.unparse(base).startswith(("httpx.", "httpcore.")) for base in klass.bases
        ):
            own = {
                target.attr
                for node in ast.walk(klass)
                if isinstance(node, ast.Assign)
                for target in node.targets
                if isinstance(target, ast.Attribute)
            }
            for node in ast.walk(klass):
                inherited[id(node)] = private - own
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in ("httpx", "httpcore"):
            if any(part.startswith("_") for part in node.module.split(".")) or any(
                alias.name.startswith("_") for alias in node.names
            ):
                uses.append((node.lineno, f"{path.name}:{node.lineno} from {node.module} import ..."))
        elif isinstance(node, ast.Attribute) and node.attr in private:
            # Our own objects' attributes (self._x, cls._x) are ours, whatever httpx calls its own; in a subclass
            # of an httpx class only those the subclass itself sets.
            if not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")) or (
                node.attr in inherited.get(id(node), ())
            ):
                uses.append((node.lineno, f"{path.name}:{node.lineno} .{node.attr}"))
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in ("httpx", "httpcore")
            and node.attr.startswith("_")
            and not node.attr.endswith("__")
        ):
            uses.append((node.lineno, f"{path.name}:{node.lineno} {node.value.id}.{node.attr}"))
    return [use for _, use in sorted(uses)]


def test_no_private_attribute_of_httpx_or_httpcore_is_used() -> None:
    private = _private_names(httpx, httpcore)
    # The names the package once reached for are among those the scan knows.
    assert {"_uri_reference", "_list", "_merge_headers", "_merge_cookies", "_params", "_base_url"} <= private
    files = [*OVERLAY.rglob("*.py"), *GENERATED.rglob("*.py")]
    assert len(files) > 100
    uses = [use for path in files for use in _private_uses(path, private)]
    assert uses == []


def test_the_private_attribute_scan_finds_a_use(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from httpx._client import BaseClient\nimport httpx\nurl = httpx.URL('x')\nprint(url._uri_reference)\n"
        "httpx._config\nself._list = 1\nhttpx.__version__\n"
        "class Mine(httpx.Client):\n    def send(self):\n        self._mine = 1\n        return self._transport, self._mine\n"
    )
    assert _private_uses(sample, {"_uri_reference", "_list", "_transport", "_mine"}) == [
        "sample.py:1 from httpx._client import ...",
        "sample.py:4 ._uri_reference",
        "sample.py:5 httpx._config",
        "sample.py:11 ._transport",
    ]


def test_clock_and_sleep_types_are_defined_once() -> None:
    definitions = [
        f"{path.relative_to(OVERLAY)}:{target.id}"
        for path in sorted(OVERLAY.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name) and target.id in ("Clock", "Sleep", "AsyncSleep")
    ]
    assert definitions == ["_options.py:Clock", "_options.py:Sleep", "_options.py:AsyncSleep"]


# The import name of each distribution the package declares (runtime dependencies and extras).
IMPORT_NAMES = {
    "httpx": "httpx",
    "httpx2": "httpx2",
    "typing-extensions": "typing_extensions",
    "attrs": "attrs",
    "redis": "redis",
    "cryptography": "cryptography",
    "pyyaml": "yaml",
    "openapi-schema-validator": "openapi_schema_validator",
    "jsonschema": "jsonschema",
    "rfc3339-validator": "rfc3339_validator",
    "rfc3986-validator": "rfc3986_validator",
    "h11": "h11",
}


def _imported_top_level_names() -> set[str]:
    """Modules imported by an import statement, or by name through importlib (``import_module("jsonschema")``,
    or a constant the module passes to it, as ``_formats`` does)."""
    names: set[str] = set()
    for path in [*OVERLAY.rglob("*.py"), *GENERATED.rglob("*.py")]:
        tree = ast.parse(path.read_text())
        if "importlib" in ast.unparse(tree):
            names.update(
                node.value.split(".")[0]
                for node in ast.walk(tree)
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier()
            )
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    return names


def test_every_declared_dependency_is_imported_by_the_package() -> None:
    import re
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        declared.extend(extra)
    names = {re.split(r"[<>=!~ ;\[]", requirement, maxsplit=1)[0].lower() for requirement in declared}
    assert names <= set(IMPORT_NAMES), f"add the import name of {sorted(names - set(IMPORT_NAMES))} above"
    imported = _imported_top_level_names()
    assert sorted(name for name in names if IMPORT_NAMES[name] not in imported) == []
    assert "dateutil" not in imported  # python-dateutil is not a dependency: nothing may need it
