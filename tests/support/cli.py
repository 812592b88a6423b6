"""Running the `atomic-sdk` command line in tests: the installed console script, in a clean environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

BIN_DIR = Path(sys.executable).parent


@dataclass
class Result:
    """What one CLI run left behind."""

    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def console_script() -> str:
    """The installed `atomic-sdk` console script next to this interpreter."""
    found = shutil.which("atomic-sdk", path=str(BIN_DIR))
    assert found is not None, f"atomic-sdk is not installed in {BIN_DIR}; run scripts/test to set up .venv"
    return found


def clean_environ() -> dict[str, str]:
    """The process environment without any ATOMIC_* variable (the developer's own must not leak in)."""
    return {name: value for name, value in os.environ.items() if not name.startswith("ATOMIC_")}


def run_script(args: list[str], env: dict[str, str] | None = None, stdin: str | None = None) -> Result:
    """Run the real console script in a subprocess with exactly `env` as its ATOMIC_* variables."""
    completed = subprocess.run(
        [console_script(), *args],
        env={**clean_environ(), **(env or {})},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)
