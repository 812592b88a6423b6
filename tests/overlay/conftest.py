"""Fixtures for overlay tests (helpers live in tests/support: atomic_server.py, clock.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest
from support.atomic_server import AtomicServer, leaks
from support.clock import FakeClock


@pytest.fixture(autouse=True)
def _scan_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.DEBUG, logger="atomic_sdk")
    caplog.set_level(logging.DEBUG, logger="httpx")
    caplog.set_level(logging.DEBUG, logger="httpcore")
    caplog.set_level(logging.DEBUG, logger="httpx2")  # on httpx2 (ATOMIC_HTTP_BACKEND): its lines are scanned too
    caplog.set_level(logging.DEBUG, logger="httpcore2")
    yield
    for record in caplog.records:
        # Every line, INFO request lines and httpx's own included: no secret, Basic value or token.
        text = record.getMessage()
        assert not leaks(text), text


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server() -> Iterator[AtomicServer]:
    with AtomicServer() as srv:
        yield srv


@pytest.fixture
def make_server() -> Iterator[Callable[[str], AtomicServer]]:
    started: list[AtomicServer] = []

    def make(prefix: str = "") -> AtomicServer:
        srv = AtomicServer(prefix).__enter__()
        started.append(srv)
        return srv

    yield make
    for srv in started:
        srv.__exit__(None, None, None)
