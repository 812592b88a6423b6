"""The generated package's helpers give exactly what the plain ways would: path segments, status codes, enum
values, positional model construction and query parameters; the bearer token replaces a caller's
Authorization header."""

from __future__ import annotations

import datetime
import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import atomic_api.models
import atomic_api.types
import attrs
import pytest
from atomic_api.api.cards import list_cards
from atomic_api.models.card import Card
from atomic_api.models.card_status import CardStatus
from atomic_api.models.multiple_flag import MultipleFlag
from atomic_api.types import UNSET, enum_member, http_status, path_segment
from atomic_sdk import AtomicClient, Credentials, Role
from hypothesis import given
from hypothesis import strategies as st
from support.atomic_server import TOKEN_MARK, mock_token_endpoint, secret
from support.clock import FakeClock
from support.http_package import httpx
from support.mock_router import respx

BASE = "https://my-org.customer-api.atomic.io"
TOKEN_URL = "https://master-atomic-io.auth.us-east-1.amazoncognito.com/oauth2/token"


# -- path segments -------------------------------------------------------------------------------------


@given(st.text(max_size=40).filter(lambda value: value not in {".", ".."}))
def test_path_segment_is_quote_with_no_safe_characters(value: str) -> None:
    assert path_segment(value) == quote(value, safe="")
    assert path_segment(value) == quote(value, safe="")  # the second time from the memo


@pytest.mark.parametrize(("value", "expected"), [(".", "%2E"), ("..", "%2E%2E"), ("...", "..."), ("a..", "a..")])
def test_dot_segments_cannot_climb_out_of_their_path(value: str, expected: str) -> None:
    assert path_segment(value) == expected
    kwargs = list_cards._get_kwargs(value)
    sent = httpx.Client(base_url=BASE).build_request(kwargs["method"], kwargs["url"])
    assert sent.url.raw_path == f"/v1/{expected}/cards".encode()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("env-1_a.b~c", "env-1_a.b~c"),
        ("a/b", "a%2Fb"),
        ("../x", "..%2Fx"),
        ("..", "%2E%2E"),
        ("a?b#c", "a%3Fb%23c"),
        ("50%", "50%25"),
        ("é", "%C3%A9"),
        ("", ""),
        (42, "42"),
        (CardStatus.ACTIVE, "active"),
    ],
)
def test_path_segment_examples(value: object, expected: str) -> None:
    assert path_segment(value) == expected


def test_path_segment_memo_is_bounded_and_stays_correct_past_the_bound() -> None:
    values = [f"user/{i}" for i in range(atomic_api.types._SEGMENTS_MAX + 50)]
    assert [path_segment(v) for v in values] == [quote(v, safe="") for v in values]
    assert len(atomic_api.types._SEGMENTS) == atomic_api.types._SEGMENTS_MAX


def test_generated_url_is_the_encoded_path() -> None:
    kwargs = list_cards._get_kwargs("env/1 ä", limit=5)
    assert kwargs == {
        "method": "get",
        "url": "/v1/env%2F1%20%C3%A4/cards",
        "params": {"limit": 5, "offset": 0},
        "extensions": {"atomic_operation_id": "listCards"},
    }


# -- status codes and enums ------------------------------------------------------------------------------


def test_http_status_is_the_member_for_every_listed_code() -> None:
    for member in HTTPStatus:
        assert http_status(member.value) is member
        assert http_status(int(member)) is HTTPStatus(member.value)


def test_http_status_pseudo_members_are_kept_once_per_code() -> None:
    first, second = http_status(599), http_status(599)
    assert first is second and first == 599 and isinstance(first, HTTPStatus)
    assert (first.name, first.phrase) == ("UNKNOWN_599", "")
    assert http_status(520) is not first


def test_enum_member_matches_the_constructor_for_str_enums() -> None:
    for member in CardStatus:
        assert enum_member(CardStatus, member.value) is member
        assert enum_member(CardStatus, member) is member
    unknown = enum_member(CardStatus, "archived")
    assert isinstance(unknown, CardStatus) and unknown.value == "archived" and unknown not in list(CardStatus)
    for bad in (1, None, ["active"], {"a": 1}):
        with pytest.raises(ValueError):
            enum_member(CardStatus, bad)


def test_enum_member_matches_the_constructor_for_int_enums() -> None:
    for member in MultipleFlag:
        assert enum_member(MultipleFlag, member.value) is member is MultipleFlag(member.value)
    unknown = enum_member(MultipleFlag, 7)
    assert isinstance(unknown, MultipleFlag) and unknown.value == 7
    for bad in ("0", None, [0]):
        with pytest.raises(ValueError):
            enum_member(MultipleFlag, bad)
        with pytest.raises(ValueError):
            MultipleFlag(bad)


# -- positional construction --------------------------------------------------------------------------


def _models() -> Iterator[type[Any]]:
    for info in pkgutil.iter_modules(atomic_api.models.__path__):
        module = importlib.import_module(f"atomic_api.models.{info.name}")
        for value in vars(module).values():
            if inspect.isclass(value) and attrs.has(value) and value.__module__ == module.__name__:
                yield value


def test_every_from_dict_passes_its_fields_in_the_order_attrs_expects() -> None:
    checked = 0
    for model in _models():
        source = inspect.getsource(model.from_dict)
        call = re.search(r"= cls\(\s*(.*?)\s*\)\n", source, re.DOTALL)
        assert call is not None, model.__name__
        passed = [name.strip() for name in call[1].split(",") if name.strip()]
        assert passed == [field.name for field in attrs.fields(model) if field.init], model.__name__
        checked += 1
    assert checked == 65


def test_card_fields_land_on_their_own_attributes() -> None:
    body = {
        "cardInstanceId": "ci",
        "status": "snoozed",
        "cardTemplateId": "ct",
        "cardTemplateName": "cn",
        "lifecycleId": "lc",
        "flowInstanceId": "fi",
        "flowInvocationId": "fv",
        "eventName": "en",
        "eventSource": "es",
        "definition": {"d": 1},
        "payload": {"metadata": {"m": 1}},
        "userId": "u",
        "created": "2026-11-27T10:00:00Z",
        "updated": "2026-11-28T10:00:00+01:00",
        "extra": True,
    }
    card = Card.from_dict(body)
    assert (card.card_instance_id, card.status, card.card_template_id, card.card_template_name) == (
        "ci",
        CardStatus.SNOOZED,
        "ct",
        "cn",
    )
    assert (card.lifecycle_id, card.flow_instance_id, card.flow_invocation_id) == ("lc", "fi", "fv")
    assert (card.event_name, card.event_source, card.user_id) == ("en", "es", "u")
    assert card.created == datetime.datetime(2026, 11, 27, 10, tzinfo=datetime.UTC)
    assert card.updated == datetime.datetime(2026, 11, 28, 9, tzinfo=datetime.UTC)
    assert card.additional_properties == {"extra": True}
    assert card.to_dict() == {**body, "created": "2026-11-27T10:00:00+00:00"}
    sparse = Card.from_dict({"cardInstanceId": "c2", "status": "active"})
    assert sparse.user_id is UNSET and sparse.created is UNSET and sparse.definition is UNSET


# -- query parameters --------------------------------------------------------------------------------


def test_query_parameters_leave_out_unset_and_none_only() -> None:
    params = list_cards._get_kwargs(
        "env1", event_name="", user_id=None, status=CardStatus.ACTIVE, limit=0, offset=UNSET
    )["params"]
    assert params == {"eventName": "", "status": "active", "limit": 0}


# -- the Authorization header ---------------------------------------------------------------------------


def test_a_callers_authorization_header_is_replaced_by_the_token(clock: FakeClock) -> None:
    with respx.mock(assert_all_mocked=True) as router:
        mock_token_endpoint(router, TOKEN_URL)
        api = router.get(f"{BASE}/v1/env1/cards").mock(return_value=httpx.Response(200, json={"data": []}))
        client = AtomicClient(org_id="my-org", credentials={Role.EVENTS: Credentials("ev-id", secret("ev"))}, clock=clock)
        with client:
            client.cards.list_cards(environment_id="env1", extra_headers={"Authorization": "Bearer mine"})
        sent = api.calls.last.request
    assert sent.headers.get_list("authorization") == [f"Bearer {TOKEN_MARK}1-ev-id"]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
