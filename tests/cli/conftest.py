"""Fixtures for the `atomic-sdk` command-line tests: a Sandbox and ways to run the CLI against it."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from atomic_sdk.cli import main
from atomic_sdk.testing import Sandbox
from support.cli import Result, run_script

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
