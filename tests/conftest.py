"""Shared by every test folder: where the repository's parts live."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

# Property tests: no example database left in the checkout, the same examples on every run (CI is
# reproducible), and no per-example deadline (2 shared cores make timings meaningless).
settings.register_profile("atomic-sdk", database=None, derandomize=True, deadline=None)
settings.load_profile("atomic-sdk")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


# The longest tests (a generator run on a large vendor spec, the schemathesis run, package builds and
# installs, type checkers in subprocesses), by file. Under pytest-xdist (scripts/test runs the whole suite
# on two workers) they are handed out first, so that no worker ends the run alone on one of them; a
# serial run keeps pytest's own order.
LONG_RUNNING = (
    "tests/integration/test_sandbox_conformance.py",
    "tests/generation/test_corpus.py",
    "tests/generation/test_resources.py",
    "tests/typed_consumer/test_gate.py",
    "tests/scale/test_redis_topologies.py",
    "tests/scale/test_fleet_rate_limit.py",
    "tests/scale/test_fleet_holders.py",
    "tests/overlay/test_deadlines.py",
    "tests/release/",
    "tests/docsite/",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not hasattr(config, "workerinput"):  # not an xdist worker
        return
    items.sort(key=lambda item: not item.nodeid.startswith(LONG_RUNNING))
