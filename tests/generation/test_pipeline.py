"""scripts/generate end to end: refusals leave the output untouched, success is deterministic."""

from __future__ import annotations

import importlib
import shutil
import sys
from pathlib import Path

import pytest
from atomic_tooling.generate import compare_trees, tree_files

from .helpers import FIXTURES, ROOT, run_generate

SENTINEL = {"atomic_api/__init__.py": b"# committed\n", "atomic_api/_roles.py": b"OPERATIONS = {}\n"}


def _seed(output: Path) -> dict[str, bytes]:
    for name, content in SENTINEL.items():
        (output / name).parent.mkdir(parents=True, exist_ok=True)
        (output / name).write_bytes(content)
    return tree_files(output)


@pytest.mark.parametrize(
    ("fixture", "exit_code", "expected_lines"),
    [
        ("invalid.yaml", 2, ["is not a valid OpenAPI document (1 error(s))", "responses"]),
        ("missing-marker.yaml", 3, [
            "2 operation(s) without a valid '(token: <role>)' marker:",
            "GET /v1/a  summary='Get A': no '(token: <role>)' marker",
            "GET /v1/b  summary=<no summary>: no summary, so no role marker",
        ]),
        ("unknown-role.yaml", 3, [
            "2 operation(s) without a valid '(token: <role>)' marker:",
            "GET /v1/a  summary='Get A (token: admin)': unknown role(s) 'admin'",
            "POST /v1/b  summary='Post B (token: events or root)': unknown role(s) 'root'",
        ]),
        ("two-markers.yaml", 3, [
            "GET /v1/a  summary='Get A (token: events) (token: workbench)': 2 markers; exactly one is allowed",
        ]),
    ],
)
def test_bad_spec_is_refused_and_output_is_untouched(tmp_path: Path, fixture: str, exit_code: int, expected_lines: list[str]) -> None:
    before = _seed(tmp_path)
    # --strict: openapi-spec-validator's full check (the default checks what generation needs, see below).
    result = run_generate("--spec", FIXTURES / fixture, "--output", tmp_path, "--strict")
    assert result.returncode == exit_code, result.stderr
    for line in expected_lines:
        assert line in result.stderr
    assert f"{tmp_path} was not changed." in result.stderr
    assert tree_files(tmp_path) == before


def test_without_strict_an_operation_the_generator_cannot_read_is_skipped_not_fatal(tmp_path: Path) -> None:
    before = _seed(tmp_path)
    result = run_generate("--spec", FIXTURES / "invalid.yaml", "--output", tmp_path)
    # Its only operation has no responses: skipped with the reason, and a package of nothing is refused.
    assert "  skipped   GET /v1/a (getA): the generator cannot read this operation's responses: Field required" in result.stderr
    assert result.returncode == 4
    assert "none of the 1 operation(s) of" in result.stderr
    assert tree_files(tmp_path) == before


def test_without_strict_a_dangling_ref_skips_its_operation_and_nothing_is_left_is_exit_4(tmp_path: Path) -> None:
    # A dangling $ref costs the operations that use it (tests/generation/test_isolation.py); here that is all.
    spec = tmp_path / "dangling.yaml"
    spec.write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /v1/a:\n    get:\n"
        "      summary: 'A (token: events)'\n      responses:\n        '200':\n          description: ok\n"
        "          content: {application/json: {schema: {$ref: '#/components/schemas/Nope'}}}\n"
    )
    result = run_generate("--spec", spec, "--output", tmp_path / "out")
    assert result.returncode == 4
    assert "  skipped   GET /v1/a (GET /v1/a): it uses $ref '#/components/schemas/Nope', which points nowhere in the document" in result.stderr
    assert not (tmp_path / "out").exists()


def test_unreadable_and_non_yaml_specs_exit_2(tmp_path: Path) -> None:
    before = _seed(tmp_path)
    missing = run_generate("--spec", tmp_path / "nope.yaml", "--output", tmp_path)
    assert missing.returncode == 2
    assert "cannot read spec" in missing.stderr
    garbage = tmp_path / "garbage.yaml"
    garbage.write_text("openapi: [unclosed\n")
    broken = run_generate("--spec", garbage, "--output", tmp_path)
    assert broken.returncode == 2
    assert "is not valid YAML/JSON" in broken.stderr
    before["garbage.yaml"] = garbage.read_bytes()
    assert tree_files(tmp_path) == before


def test_bad_spec_leaves_the_real_generated_folder_byte_identical() -> None:
    before = tree_files(ROOT / "generated")
    result = run_generate("--spec", FIXTURES / "unknown-role.yaml")
    assert result.returncode == 3
    assert tree_files(ROOT / "generated") == before


def test_any_spec_using_the_markers_generates(tmp_path: Path) -> None:
    result = run_generate("--spec", FIXTURES / "variants.yaml", "--output", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "4 generated, 0 skipped" in result.stdout
    sys.path.insert(0, str(tmp_path))
    # Put the real package back afterwards: tests collected earlier hold its classes (isinstance checks).
    saved = {m: mod for m, mod in sys.modules.items() if m == "atomic_api" or m.startswith("atomic_api.")}
    try:
        for name in saved:
            del sys.modules[name]
        roles = importlib.import_module("atomic_api._roles")
        assert roles.OPERATIONS == {
            "whoAmI": ("GET", "/v1/whoami", ("events", "workbench", "auth")),
            "browseThings": ("GET", "/v1/{siteId}/things", ("events", "workbench")),
            "POST /v1/{siteId}/things": ("POST", "/v1/{siteId}/things", ("workbench", "events")),
            "dropThing": ("DELETE", "/v1/{siteId}/things/{thingId}", ("auth",)),
        }
        browse = importlib.import_module("atomic_api.api.things_catalogue.browse_things")
        kwargs = browse._get_kwargs("s/1", page=2)
        assert kwargs == {
            "method": "get",
            "url": "/v1/s%2F1/things",
            "params": {"page": 2},
            "extensions": {"atomic_operation_id": "browseThings"},
        }
        drop = importlib.import_module("atomic_api.api.default.drop_thing")
        assert drop._get_kwargs("s", "t")["url"] == "/v1/s/things/t"
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in list(sys.modules) if m == "atomic_api" or m.startswith("atomic_api.")]:
            del sys.modules[name]
        sys.modules.update(saved)


def test_generation_is_deterministic_and_leaves_no_caches(tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    for output in (first, second):
        result = run_generate("--output", output)
        assert result.returncode == 0, result.stderr
    assert compare_trees(first, second) == []
    caches = [p for p in first.rglob("*") if p.name in {"__pycache__", ".ruff_cache", ".mypy_cache", ".pytest_cache"}]
    assert caches == []
    assert sorted(p.name for p in (first / "atomic_api").iterdir() if p.is_file()) == [
        "GENERATED.json", "__init__.py", "_markers.py", "_roles.py", "client.py", "errors.py", "openapi.yaml", "py.typed", "types.py"]


def test_check_mode_names_a_hand_edited_file_and_writes_nothing(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "generated", tmp_path / "generated")
    clean = run_generate("--check", "--output", tmp_path / "generated")
    assert clean.returncode == 0, clean.stderr
    edited = tmp_path / "generated" / "atomic_api" / "client.py"
    edited.write_text(edited.read_text() + "# hand edit\n")
    (tmp_path / "generated" / "atomic_api" / "stray.py").write_text("x = 1\n")
    (tmp_path / "generated" / "atomic_api" / "types.py").unlink()
    # What importing the package leaves behind is not drift.
    (tmp_path / "generated" / "atomic_api" / "__pycache__").mkdir(exist_ok=True)
    (tmp_path / "generated" / "atomic_api" / "__pycache__" / "client.cpython-311.pyc").write_bytes(b"\0")
    before = tree_files(tmp_path / "generated")
    drift = run_generate("--check", "--output", tmp_path / "generated")
    assert drift.returncode == 1
    assert "differs from a fresh generation (3 file(s))" in drift.stderr
    for line in ("differs  client.py", "extra    stray.py", "missing  types.py"):
        assert line in drift.stderr
    assert tree_files(tmp_path / "generated") == before
