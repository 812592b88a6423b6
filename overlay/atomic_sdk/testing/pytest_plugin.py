"""pytest plugin: the ``atomic_sandbox`` fixture, a running ``Sandbox`` per test.

Enable it in your top-level ``conftest.py``::

    pytest_plugins = ["atomic_sdk.testing.pytest_plugin"]

    def test_lists_cards(atomic_sandbox):
        with atomic_sandbox.client() as client:
            list_cards.sync(client=client, environment_id=atomic_sandbox.environment_id)
        assert atomic_sandbox.api_requests == {"listCards": 1}
"""

from collections.abc import Iterator

import pytest

from ._sandbox import Sandbox


@pytest.fixture
def atomic_sandbox() -> Iterator[Sandbox]:
    """A started ``Sandbox`` with one random key per role; stopped after the test."""
    with Sandbox() as sandbox:
        yield sandbox
