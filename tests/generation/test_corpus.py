"""Real vendor specs generate, every one of their operations is accounted for, and the packages type-check.

Each test: markers injected into a temporary copy (the corpus files stay as published, checked by
sha256), `scripts/generate` run on it, then every operation of the spec checked against the role map,
the generated modules (method and path read from each module's source) and GENERATED.json "skipped";
the package imports, and mypy (default settings) and pyright (basic) find no error in it. The type
checks of the specs of TYPE_CHECK_LOCALLY operations or more (a minute or two of mypy and pyright each)
run only with ATOMIC_CORPUS_TYPES=all: CI's "corpus-types" job, in parallel with the main one
(`ATOMIC_CORPUS_TYPES=all scripts/test tests/generation/test_corpus.py -n 2` locally).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from .helpers import ROOT, run_generate, type_check

CORPUS = Path(__file__).with_name("corpus")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# file -> (sha256 as published, operations generated, operations skipped)
EXPECTED = {
    "paypal-invoicing-v2.json": ("0ce17c89b5a547152553e69567530f4001d6d6529abd11cf44a1fc6292af72b1", 20, 0),
    "twilio-verify-v2.json": ("976da0a42d57ad5e9007770570062d3095513a693a3db9fb521d6dae79edf2da", 57, 0),
    "adyen-management-v3.yaml": ("c0d0fe2107b614b30bb3bd6ddb853e192d0d9267a91f7e56f9cdae39c455a68d", 134, 0),
    "box-platform.json": ("70adf696ed3955729f9c75d11f34658477c0ee143d9ff6252928f5bc0fa6d499", 290, 6),
    "discord-v10.json": ("8c1d0707ccdf8e380a86dfba04058820a66435c1b69d5ed82e04dd8c0520dd73", 242, 0),
    "okta-management.yaml": ("b3520baa5262a2d1ef5b2280731f2f54848922e0d6fde5da342c5580ecd6a027", 710, 22),
    "asana-v1.yaml": ("50705f125ecdacd17d30ab498709f3da54ba5a9426a1e4a05b494ff56481eb2f", 245, 2),
}
TYPE_CHECK_LOCALLY = 200
_URL = re.compile(r'"method":\s*"(?P<method>[a-z]+)",\s*"url":\s*f?"(?P<url>(?:[^"\\]|\\.)*)"')
_PARAM = re.compile(r"\{[^{}]*\}")


def _load(path: Path) -> dict[str, Any]:
    raw = path.read_bytes()
    document: dict[str, Any] = json.loads(raw) if path.suffix == ".json" else yaml.load(raw, Loader=yaml.CSafeLoader)
    return document


def _spec_operations(document: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """operation key -> (METHOD, path), read independently of the pipeline's own code."""
    found: dict[str, tuple[str, str]] = {}
    for path, item in document["paths"].items():
        if "$ref" in item:
            target: Any = document
            for part in item["$ref"][2:].split("/"):
                target = target[part]
            item = target
        for method in METHODS:
            if method in item:
                key = item[method].get("operationId") or f"{method.upper()} {path}"
                assert key not in found, f"duplicate key {key}"
                found[key] = (method.upper(), path)
    return found


def _modules(package: Path) -> dict[str, tuple[str, str]]:
    """module file -> (METHOD, path shape) that its _get_kwargs sends."""
    found = {}
    for file in sorted((package / "api").glob("*/*.py")):
        if file.name == "__init__.py":
            continue
        match = _URL.search(file.read_text(encoding="utf-8"))
        assert match is not None, f"{file} has no method/url in _get_kwargs"
        found[file.relative_to(package).as_posix()] = (match["method"].upper(), _PARAM.sub("{}", match["url"]))
    return found


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_spec_generates_with_every_operation_accounted_for(name: str, tmp_path: Path) -> None:
    digest, want_generated, want_skipped = EXPECTED[name]
    source = CORPUS / name
    assert hashlib.sha256(source.read_bytes()).hexdigest() == digest, f"{name} differs from the published file"
    marked = tmp_path / name
    subprocess.run([sys.executable, str(CORPUS / "inject_markers.py"), str(source), str(marked)], check=True, timeout=120)
    result = run_generate("--spec", marked, "--output", tmp_path / "out")
    assert result.returncode == 0, result.stderr[-4000:]
    package = tmp_path / "out" / "atomic_api"

    spec_ops = _spec_operations(_load(marked))
    roles: dict[str, tuple[str, str, tuple[str, ...]]] = runpy.run_path(str(package / "_roles.py"))["OPERATIONS"]
    record = json.loads((package / "GENERATED.json").read_text(encoding="utf-8"))
    skipped = {entry["operation"]: entry for entry in record["skipped"]}

    # Every operation exactly once: generated or skipped, never both, never neither.
    assert set(roles) & set(skipped) == set()
    assert set(roles) | set(skipped) == set(spec_ops)
    assert (len(roles), len(skipped)) == (want_generated, want_skipped)
    assert record["operations"] == want_generated
    assert f"{want_generated} generated, {want_skipped} skipped" in result.stdout
    for key, (method, path, allowed) in roles.items():
        assert (method, path) == spec_ops[key]
        assert allowed in (("events", "workbench", "auth"), ("workbench",))
    for key, entry in skipped.items():
        assert (entry["method"], entry["path"]) == spec_ops[key]
        assert len(entry["reason"]) > 20 and "gave no reason" not in entry["reason"], entry
        assert f"  skipped   {entry['method']} {entry['path']} ({key}): " in result.stderr

    # One module per generated operation, sending that operation's method to that operation's path.
    modules = _modules(package)
    assert len(modules) == len(roles)
    assert sorted(modules.values()) == sorted((method, _PARAM.sub("{}", path)) for method, path, _ in roles.values())
    assert (package / record["spec"]).read_bytes() == marked.read_bytes()

    # The package imports: every endpoint module and every model.
    env = dict(os.environ, PYTHONPATH=str(package.parent), PYTHONDONTWRITEBYTECODE="1")
    importer = (
        "import importlib, pkgutil, atomic_api, atomic_api.api, atomic_api.models\n"
        "names = [m.name for m in pkgutil.walk_packages(atomic_api.api.__path__, 'atomic_api.api.')]\n"
        "for name in names: importlib.import_module(name)\n"
        "print(len([n for n in names if n.count('.') == 3]))\n"
    )
    imported = subprocess.run(
        [sys.executable, "-c", importer], capture_output=True, text=True, env=env, timeout=300, cwd=ROOT, check=False
    )
    assert imported.returncode == 0, imported.stderr[-4000:]
    assert int(imported.stdout) == want_generated

    # Generated code that type-checks: mypy with its default settings and pyright basic, 0 errors.
    if want_generated + want_skipped < TYPE_CHECK_LOCALLY or os.environ.get("ATOMIC_CORPUS_TYPES") == "all":
        assert type_check(package.parent) == {"mypy": [], "pyright": []}
