"""Fixtures of the scale-out tests: a real redis-server and a Sandbox on 127.0.0.1, always stopped."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from atomic_sdk.testing import RedisServer, RedisServerError


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A fresh redis-server per test (no state leaks between tests); scripts/test installs the binary."""
    try:
        server = RedisServer()
    except RedisServerError as exc:
        pytest.fail(f"{exc} (the Redis lock semantics need a real server; fakeredis is not enough)")
    with server:
        yield server
