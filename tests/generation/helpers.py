from __future__ import annotations

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
