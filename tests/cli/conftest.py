"""Fixtures for the `atomic-sdk` command-line tests: a Sandbox and ways to run the CLI against it."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from atomic_sdk._cli import main
from atomic_sdk.testing import Sandbox

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


RunScript = Callable[..., Result]
RunMain = Callable[..., Result]


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as sb:
        yield sb


@pytest.fixture
def cli() -> RunScript:
    return run_script


@pytest.fixture
def run_main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> RunMain:
    """Call `main([...])` in-process with exactly `env` as the ATOMIC_* variables."""

    def run(args: list[str], env: dict[str, str] | None = None) -> Result:
        for name in list(os.environ):
            if name.startswith("ATOMIC_"):
                monkeypatch.delenv(name)
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        code = main(args)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture(autouse=True)
def _debug_logs(caplog: pytest.LogCaptureFixture) -> None:
    # In-process runs log at DEBUG too, so the secret scans below also cover log records.
    caplog.set_level(logging.DEBUG, logger="atomic_sdk")
    caplog.set_level(logging.DEBUG, logger="httpx")


def assert_no_secrets(sb: Sandbox, texts: list[str], extra_secrets: tuple[str, ...] = ()) -> None:
    """No client secret the Sandbox knows and no token it issued appears in any of `texts`."""
    values = sb.sensitive_values() + list(extra_secrets)
    for text in texts:
        for value in values:
            assert value not in text, "a client secret or access token was printed"


ROOT_MARKERS = Path(__file__).resolve().parents[2] / "tooling" / "atomic_tooling" / "markers.py"
