"""Servers for the integration tests: the Sandbox and Prism, on free loopback ports, always stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# The plugin's fixture, imported rather than enabled with pytest_plugins (only the top-level conftest may).
from atomic_sdk.testing import Sandbox
from atomic_sdk.testing.pytest_plugin import atomic_sandbox, atomic_sandbox_in_process  # noqa: F401
from contract_calls import Call, build_calls, load_spec, spec_path
from support.http_package import httpx

ROOT = Path(__file__).resolve().parents[2]
PRISM = ROOT / "node_modules" / ".bin" / "prism"
PRISM_START_TIMEOUT = 60.0


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    return load_spec()


@pytest.fixture(scope="session")
def calls(spec: dict[str, Any], session_sandbox: Sandbox) -> list[Call]:
    # The Sandbox knows only the environments it lists; Prism accepts any id, so the same calls serve both.
    return build_calls(spec, environment_id=session_sandbox.environment_id)


@pytest.fixture(scope="session")
def spec_operation_ids(spec: dict[str, Any]) -> set[str]:
    return {
        operation["operationId"]
        for item in spec["paths"].values()
        for method, operation in item.items()
        if method in ("get", "put", "post", "delete", "patch")
    }


@pytest.fixture(scope="session")
def session_sandbox() -> Iterator[Sandbox]:
    with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(session_sandbox: Sandbox) -> Sandbox:
    """The session's Sandbox with its counters and tokens reset (keys stay)."""
    session_sandbox.reset()
    return session_sandbox


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a Prism mock server for the spec the client was generated from (strict: --errors)."""
    if not PRISM.exists():
        pytest.fail(f"{PRISM.relative_to(ROOT)} is missing: run `npm ci` at the repository root (scripts/test does)")
    port = _free_port()
    log = tmp_path_factory.mktemp("prism") / "prism.log"
    env = {**os.environ, "SCARF_ANALYTICS": "false", "DO_NOT_TRACK": "1", "NO_COLOR": "1"}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(PRISM), "mock", "--errors", "-h", "127.0.0.1", "-p", str(port), str(spec_path())],
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # its own process group, so stopping it stops node's children too
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + PRISM_START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"Prism exited with {process.returncode}:\n{log.read_text(errors='replace')}")
            try:
                httpx.get(base_url + "/", timeout=1.0)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    pytest.fail(f"Prism not ready after {PRISM_START_TIMEOUT}s:\n{log.read_text(errors='replace')}")
                time.sleep(0.2)
        yield base_url
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
