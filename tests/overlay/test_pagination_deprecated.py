"""paginate / apaginate over limit/offset list operations, counting requests and offsets."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from atomic_api.api.audit_log import list_audit_log_entries
from atomic_api.api.cards import list_cards
from atomic_api.api.users import list_users
from atomic_api.models.card import Card
from atomic_sdk import ApiError, AtomicClient, ConfigurationError, Credentials, NotFoundError, apaginate, paginate
from support.atomic_server import AtomicServer, Reply, raises_clean, secret
from support.clock import FakeClock, SleepRecorder

KEY = Credentials("ev-id", secret("ev"))


def make(server: AtomicServer, clock: FakeClock, **kwargs: Any) -> AtomicClient:
    waits = SleepRecorder(clock)
    return AtomicClient(
        base_url=server.base_url,
        token_url=server.token_url,
        credentials=KEY,
        clock=clock,
        sleep=waits,
        async_sleep=waits.async_sleep,
        timeout=10.0,
        **kwargs,
    )


def card_pages(total: int, size: int) -> list[Reply]:
    ids = [f"card-{n}" for n in range(total)]
    pages = [ids[start : start + size] for start in range(0, total, size)]
    if total % size == 0:
        pages.append([])
    return [Reply.json(200, {"data": [{"cardInstanceId": i, "status": "active"} for i in page]}) for page in pages]


def pages_requested(server: AtomicServer) -> list[tuple[str, str]]:
    return [(r.query["limit"][0], r.query["offset"][0]) for r in server.api_requests()]


def test_250_items_in_pages_of_100(server: AtomicServer, clock: FakeClock) -> None:
    server.api_replies = card_pages(250, 100)
    with make(server, clock) as client:
        cards = list(paginate(list_cards, client=client, environment_id="env1", page_size=100, user_id="u1"))
    assert len(cards) == 250
    assert all(isinstance(card, Card) for card in cards)
    assert [card.card_instance_id for card in cards] == [f"card-{n}" for n in range(250)]
    assert pages_requested(server) == [("100", "0"), ("100", "100"), ("100", "200")]
    assert {r.query["userId"][0] for r in server.api_requests()} == {"u1"}


def test_exact_multiple_stops_on_the_empty_page(server: AtomicServer, clock: FakeClock) -> None:
    server.api_replies = card_pages(200, 100)
    with make(server, clock) as client:
        cards = list(paginate(list_cards, item_type=Card, client=client, environment_id="env1"))
    assert len(cards) == 200
    assert pages_requested(server) == [("100", "0"), ("100", "100"), ("100", "200")]


def test_pages_are_fetched_lazily(server: AtomicServer, clock: FakeClock) -> None:
    server.api_replies = card_pages(25, 10)
    with make(server, clock) as client:
        iterator = paginate(list_cards, client=client, environment_id="env1", page_size=10)
        assert server.api_requests() == []
        first = [next(iterator) for _ in range(10)]
        assert len(first) == 10 and len(server.api_requests()) == 1
        rest = list(iterator)
    assert len(rest) == 15
    assert pages_requested(server) == [("10", "0"), ("10", "10"), ("10", "20")]


def test_apaginate_250_items(server: AtomicServer, clock: FakeClock) -> None:
    server.api_replies = card_pages(250, 100)

    async def run() -> list[Card]:
        async with make(server, clock) as client:
            return [c async for c in apaginate(list_cards, item_type=Card, client=client, environment_id="env1")]

    cards = asyncio.run(run())
    assert len(cards) == 250
    assert pages_requested(server) == [("100", "0"), ("100", "100"), ("100", "200")]


def test_cursor_operation_is_refused(server: AtomicServer, clock: FakeClock) -> None:
    with make(server, clock) as client, pytest.raises(ConfigurationError, match="audit_log.list_audit_log_entries does not page with limit and offset"):
        paginate(list_audit_log_entries, client=client, environment_id="env1")


def test_limit_only_operation_is_refused(server: AtomicServer, clock: FakeClock) -> None:
    with make(server, clock) as client:
        with pytest.raises(ConfigurationError, match="users.list_users does not page with limit and offset"):
            paginate(list_users, client=client, environment_id="env1")
        with pytest.raises(ConfigurationError, match="users.list_users"):
            apaginate(list_users, client=client, environment_id="env1")
    assert server.api_requests() == []


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_page_size_is_validated(bad: Any, server: AtomicServer, clock: FakeClock) -> None:
    with make(server, clock) as client, pytest.raises(ConfigurationError, match="page_size"):
        paginate(list_cards, client=client, environment_id="env1", page_size=bad)


def test_limit_and_offset_are_owned_by_paginate(server: AtomicServer, clock: FakeClock) -> None:
    with make(server, clock) as client, pytest.raises(ConfigurationError, match="page_size"):
        paginate(list_cards, client=client, environment_id="env1", offset=5)


def test_not_a_module(server: AtomicServer, clock: FakeClock) -> None:
    with make(server, clock) as client, pytest.raises(TypeError, match="operation module"):
        paginate(list_cards.sync, client=client, environment_id="env1")  # type: ignore[arg-type]


def test_error_page_raises(server: AtomicServer, clock: FakeClock) -> None:
    server.api_replies = card_pages(100, 100)[:1] + [Reply.json(404, {"message": "gone"})]
    seen: list[Card] = []
    with make(server, clock) as client, raises_clean(NotFoundError):
        for card in paginate(list_cards, item_type=Card, client=client, environment_id="env1"):
            seen.append(card)  # noqa: PERF402 -- collects what was yielded before the error
    assert len(seen) == 100


def test_error_page_raises_without_raise_on_error(server: AtomicServer, clock: FakeClock) -> None:
    server.api_replies = [Reply.json(404, {"message": "gone"})]
    with make(server, clock, raise_on_error=False) as client, raises_clean(ApiError) as info:
        list(paginate(list_cards, client=client, environment_id="env1"))
    assert type(info.value) is NotFoundError
    assert info.value.operation_id == "listCards"


def test_item_type_is_checked(server: AtomicServer, clock: FakeClock) -> None:
    server.api_replies = card_pages(1, 100)
    with make(server, clock) as client, pytest.raises(TypeError, match="expected str items, got Card"):
        list(paginate(list_cards, item_type=str, client=client, environment_id="env1"))
