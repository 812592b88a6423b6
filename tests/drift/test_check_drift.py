"""check-drift (`generate --check`) on a stale generation and on a different toolchain.

A hand-edited, extra or missing file is covered by tests/generation/test_pipeline.py. These tests
generate from the drift fixture instead of copying generated/, so they do not depend on
spec/atomic-api.yaml and generated/ being in step while the spec is being edited.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from .helpers import BASE, current_copy, run_module, tree_hashes


@pytest.fixture(scope="module")
def committed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generation of the base fixture, standing in for a committed generated/."""
    output = tmp_path_factory.mktemp("committed") / "generated"
    result = run_module("generate", "--spec", BASE, "--output", output)
    assert result.returncode == 0, result.stderr
    return output


@pytest.fixture
def checkout(committed: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "generated"
    shutil.copytree(committed, copy)
    return copy


def test_current_generation_passes(checkout: Path) -> None:
    result = run_module("generate", "--check", "--spec", BASE, "--output", checkout)
    assert result.returncode == 0, result.stderr
    assert f"check-drift: {checkout / 'atomic_api'} matches a fresh generation" in result.stdout


def test_spec_edited_without_regenerating_is_drift(checkout: Path, tmp_path: Path) -> None:
    spec = current_copy(tmp_path)
    text = spec.read_text(encoding="utf-8")
    assert text.count("(token: auth)") == 1
    spec.write_text(text.replace("(token: auth)", "(token: workbench)"), encoding="utf-8")
    before = tree_hashes(checkout)
    result = run_module("generate", "--check", "--spec", spec, "--output", checkout)
    assert result.returncode == 1, result.stderr
    assert "differs  _roles.py" in result.stderr
    assert "differs  GENERATED.json" in result.stderr
    assert "Run scripts/generate and commit the result" in result.stderr
    assert tree_hashes(checkout) == before


def test_different_toolchain_exits_5_naming_the_tool(checkout: Path) -> None:
    provenance = checkout / "atomic_api" / "GENERATED.json"
    record = json.loads(provenance.read_text(encoding="utf-8"))
    real = record["tools"]["ruff"]
    record["tools"]["ruff"] = "0.0.1"
    provenance.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    result = run_module("generate", "--check", "--spec", BASE, "--output", checkout)
    assert result.returncode == 5, result.stderr
    assert f"ruff: generated/ was made with 0.0.1, this toolchain has {real}" in result.stderr
    assert "openapi-python-client:" not in result.stderr
