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
