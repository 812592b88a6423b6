"""The committed generated/atomic_api agrees with the spec: one module and one role-map entry per operation."""

from __future__ import annotations

import importlib
import json
import pkgutil
from pathlib import Path

import atomic_api
import atomic_api._roles as roles
import yaml
from atomic_tooling.generate import tool_versions
from atomic_tooling.markers import extract_operations
from openapi_python_client.strings import PythonIdentifier

ROOT = Path(__file__).resolve().parents[2]
SPEC = yaml.safe_load((ROOT / "spec" / "atomic-api.yaml").read_text(encoding="utf-8"))


def _endpoint_modules() -> set[str]:
    api = importlib.import_module("atomic_api.api")
    names = set()
    for info in pkgutil.walk_packages(api.__path__, "atomic_api.api."):
        if not info.ispkg:
            names.add(info.name)
    return names


def test_role_map_has_exactly_the_spec_operations() -> None:
    expected = {op.key: (op.method, op.path, op.roles) for op in extract_operations(SPEC)}
    assert roles.OPERATIONS == expected
    assert roles.ROLE_NAMES == ("auth", "workbench", "events")


def test_one_generated_module_per_operation_and_nothing_extra() -> None:
    expected = set()
    for op in extract_operations(SPEC):
        raw = SPEC["paths"][op.path][op.method.lower()]
        tag = (raw.get("tags") or ["default"])[0]
        expected.add(f"atomic_api.api.{PythonIdentifier(tag, 'tag')}.{PythonIdentifier(op.key, 'field_')}")
    assert _endpoint_modules() == expected


def test_every_generated_module_imports_and_has_the_four_calls() -> None:
    for name in sorted(_endpoint_modules()):
        module = importlib.import_module(name)
        for call in ("sync_detailed", "asyncio_detailed"):
            assert callable(getattr(module, call)), f"{name}.{call}"
    for info in pkgutil.walk_packages(atomic_api.__path__, "atomic_api."):
        importlib.import_module(info.name)


def test_provenance_records_spec_hash_tools_and_count() -> None:
    import hashlib

    record = json.loads((Path(atomic_api.__file__).parent / "GENERATED.json").read_text(encoding="utf-8"))
    assert record["spec_sha256"] == hashlib.sha256((ROOT / "spec" / "atomic-api.yaml").read_bytes()).hexdigest()
    info = yaml.safe_load((ROOT / "spec" / "atomic-api.yaml").read_text(encoding="utf-8"))["info"]
    assert (record["spec_title"], record["spec_version"]) == (info["title"], info["version"]) == (
        "Atomic Customer API",
        "1.0.0",
    )
    assert record["tools"] == tool_versions()
    assert record["operations"] == len(roles.OPERATIONS)
    assert (Path(atomic_api.__file__).parent / "py.typed").is_file()
