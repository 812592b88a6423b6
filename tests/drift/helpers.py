from __future__ import annotations

import copy
import hashlib
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).with_name("fixtures")
BASE = FIXTURES / "base.yaml"

Edit = Callable[[dict[str, Any]], None]


def base_document() -> dict[str, Any]:
    document = yaml.safe_load(BASE.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def variant(tmp_path: Path, edit: Edit, name: str = "new.yaml") -> Path:
    """Write the base spec with `edit` applied to tmp_path/name."""
    document = copy.deepcopy(base_document())
    edit(document)
    target = tmp_path / name
    target.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return target


def current_copy(tmp_path: Path) -> Path:
    """A byte copy of the base spec that a test may let update-spec replace."""
    target = tmp_path / "current.yaml"
    target.write_bytes(BASE.read_bytes())
    return target


def entries(report: str) -> list[str]:
    """The indented entry lines of a text report, without the indentation."""
    return [line.strip() for line in report.splitlines() if line.startswith("  ")]


def tree_hashes(root: Path) -> dict[str, str]:
    if root.is_file():
        return {root.name: hashlib.sha256(root.read_bytes()).hexdigest()}
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def run_module(module: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run an atomic_tooling module as the scripts do, inside the current (.venv) interpreter."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tooling"), PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(
        [sys.executable, "-m", f"atomic_tooling.{module}", *map(str, args)],
        check=False, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
    )
