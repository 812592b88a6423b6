"""bench/ stands alone: it imports nothing from tests/ (what both need lives in bench/ or the SDK)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _test_modules() -> set[str]:
    # Everything importable from tests/ while pytest's pythonpath holds "tests": its packages and modules.
    tests = ROOT / "tests"
    names = {"tests"}
    for entry in tests.iterdir():
        if entry.is_dir() and (entry / "__init__.py").exists():
            names.add(entry.name)
        elif entry.suffix == ".py":
            names.add(entry.stem)
    return names


def test_bench_imports_nothing_from_tests() -> None:
    forbidden = _test_modules()
    assert {"support", "conftest", "tests"} <= forbidden
    offending = []
    scripts = sorted((ROOT / "bench").glob("*.py"))
    assert len(scripts) >= 5  # run, server, peers, callgrind_call, scale_support, scale_worker
    for script in scripts:
        tree = ast.parse(script.read_text(encoding="utf-8"), filename=str(script))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                tops = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                tops = [node.module.split(".")[0]]
            else:
                continue
            offending += [f"{script.name}:{node.lineno} imports {top}" for top in tops if top in forbidden]
        # No sys.path games that would make tests/ importable either: no string naming the folder.
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                value = node.value
                if value == "tests" or value.startswith("tests/") or value.endswith("/tests"):
                    offending.append(f"{script.name}:{node.lineno} names the tests folder ({value!r})")
    assert offending == []
