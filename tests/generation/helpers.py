from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).with_name("fixtures")


def run_generate(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run the generator exactly as scripts/generate does, inside the current (.venv) interpreter."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tooling"), PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(
        [sys.executable, "-m", "atomic_tooling.generate", *map(str, args)],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=300, check=False,
    )


PYRIGHT = ROOT / "node_modules" / ".bin" / "pyright"


def type_check(root: Path, package: str = "atomic_api") -> dict[str, list[str]]:
    """mypy (default settings) and pyright (basic) on the generated `root/package`, side by side.

    Returns each checker's error lines (empty lists: clean). pyright comes from package.json (npm ci).
    """
    (root / "pyrightconfig.json").write_text(json.dumps({"typeCheckingMode": "basic", "include": [package]}), encoding="utf-8")
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", NODE_OPTIONS="--max-old-space-size=1024")
    mypy = subprocess.Popen(
        [sys.executable, "-m", "mypy", "--no-incremental", "--cache-dir=/dev/null", "--no-error-summary", package],
        cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    pyright = subprocess.Popen(
        [str(PYRIGHT), "--outputjson", "--pythonpath", sys.executable, "-p", str(root / "pyrightconfig.json")],
        cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    mypy_out, _ = mypy.communicate(timeout=900)
    pyright_out, pyright_err = pyright.communicate(timeout=900)
    try:
        report = json.loads(pyright_out)
    except json.JSONDecodeError:
        raise AssertionError(f"pyright did not run:\n{pyright_out}{pyright_err}") from None
    return {
        "mypy": [line for line in mypy_out.splitlines() if ": error:" in line],
        "pyright": [
            f"{d['file']}:{d['range']['start']['line'] + 1}: {d['message'].splitlines()[0]}"
            for d in report.get("generalDiagnostics", [])
            if d.get("severity") == "error"
        ],
    }
