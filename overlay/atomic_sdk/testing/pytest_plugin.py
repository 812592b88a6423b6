"""pytest plugin: ``atomic_sandbox`` (a Sandbox serving on 127.0.0.1) and ``atomic_sandbox_in_process``.

Enable it in your top-level ``conftest.py``: ``pytest_plugins = ["atomic_sdk.testing.pytest_plugin"]``.
"""

from collections.abc import Iterator

import pytest

from ._sandbox import Sandbox


@pytest.fixture
def atomic_sandbox() -> Iterator[Sandbox]:
    """A Sandbox serving on a free port of 127.0.0.1, one random key per role; stopped after the test."""
    with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def atomic_sandbox_in_process() -> Sandbox:
    """A Sandbox that does not serve: its ``client()`` and ``async_client()`` answer in-process (no port)."""
    return Sandbox()
