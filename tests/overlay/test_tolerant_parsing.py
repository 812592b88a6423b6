"""Tolerant parsing: unknown enum values and extra fields parse; a missing required field fails clearly."""

from __future__ import annotations

from typing import Any

import pytest
from atomic_api.api.cards import list_cards
from atomic_api.errors import MissingFieldError
from atomic_api.models.action_flow_request import ActionFlowRequest
from atomic_api.models.card import Card
from atomic_api.models.card_list import CardList
from atomic_api.models.card_status import CardStatus
from atomic_api.models.flow import Flow
from atomic_api.models.multiple_flag import MultipleFlag
from atomic_sdk import AtomicClient, Credentials
from support.atomic_server import AtomicServer, Reply, secret
from support.clock import FakeClock


def make(server: AtomicServer, clock: FakeClock, **kwargs: Any) -> AtomicClient:
    return AtomicClient(
        base_url=server.base_url,
        token_url=server.token_url,
        credentials=Credentials("ev-id", secret("ev")),
        clock=clock,
        timeout=10.0,
        **kwargs,
    )


def test_unknown_str_enum_value_is_kept() -> None:
    archived = CardStatus("archived")
    assert archived.value == "archived"
    assert archived == "archived" and str(archived) == "archived"
    assert isinstance(archived, CardStatus)
    assert archived not in list(CardStatus)  # not added to the declared members
    assert CardStatus("active") is CardStatus.ACTIVE


def test_unknown_int_enum_value_is_kept() -> None:
    seven = MultipleFlag(7)
    assert seven.value == 7 and seven == 7 and isinstance(seven, MultipleFlag)
    assert MultipleFlag(1) is MultipleFlag.VALUE_1


@pytest.mark.parametrize("bad", [None, 3.5, ["active"]])
def test_str_enum_still_rejects_non_strings(bad: object) -> None:
    with pytest.raises(ValueError):
        CardStatus(bad)  # type: ignore[arg-type]


def test_int_enum_still_rejects_non_ints() -> None:
    with pytest.raises(ValueError):
        MultipleFlag("7")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        MultipleFlag(False)  # a bool is not a new member (True == 1 still finds VALUE_1, as in IntEnum)


def test_response_with_unknown_enum_and_extra_field_parses(server: AtomicServer, clock: FakeClock) -> None:
    card = {"cardInstanceId": "c1", "status": "archived", "brandNewField": {"x": 1}}
    server.api_replies = [Reply.json(200, {"data": [card], "nextPage": "later"})]
    with make(server, clock) as client:
        result = list_cards.sync(client=client, environment_id="env1")
    assert isinstance(result, CardList)
    assert result.additional_properties == {"nextPage": "later"}
    assert isinstance(result.data, list)
    [parsed] = result.data
    assert isinstance(parsed, Card)
    assert isinstance(parsed.status, CardStatus) and parsed.status.value == "archived"
    assert parsed.additional_properties == {"brandNewField": {"x": 1}}
    assert parsed.to_dict() == card  # round-trips, unknown parts included


def test_missing_required_field_names_model_and_field() -> None:
    with pytest.raises(MissingFieldError) as info:
        Flow.from_dict({"payload": {}})
    assert str(info.value) == "Flow is missing required field(s): target"
    assert (info.value.model, info.value.fields) == ("Flow", ["target"])
    # Still a KeyError, as the generated parsing raised before.
    assert isinstance(info.value, KeyError)


def test_missing_required_field_in_nested_model() -> None:
    with pytest.raises(MissingFieldError, match="Flow is missing required field"):
        ActionFlowRequest.from_dict({"flows": [{"payload": {}}]})
    with pytest.raises(MissingFieldError, match="ActionFlowRequest is missing required field"):
        ActionFlowRequest.from_dict({})
