"""Matching requests to operations of the role map."""

from __future__ import annotations

import pytest
from atomic_api._roles import OPERATIONS, ROLE_NAMES
from atomic_sdk import Role, UnknownOperationError, operation_roles
from atomic_sdk._operations import OperationTable
from support.atomic_server import raises_clean

TABLE = OperationTable(
    {
        "listThings": ("GET", "/v1/{env}/things", ("events",)),
        "getThing": ("GET", "/v1/{env}/things/{id}", ("workbench",)),
        "countThings": ("GET", "/v1/{env}/things/count", ("auth",)),
        "getRoot": ("GET", "/v1/{a}/x", ("auth",)),
        "getX": ("GET", "/v1/x/{a}", ("events",)),
        "webhookTest": ("POST", "/v1/{env}/webhook?type={t}", ("workbench",)),
        "POST /v1/{env}/things": ("post", "/v1/{env}/things", ("events", "workbench")),
    }
)


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/v1/e1/things", "listThings"),
        ("get", "/v1/e1/things", "listThings"),
        ("GET", "/v1/e1/things/abc", "getThing"),
        ("GET", "/v1/e1/things/count", "countThings"),  # more literal segments wins over {id}
        ("GET", "/v1/x/x", "getX"),  # same literal count: the earlier literal wins
        ("GET", "/v1/e1/things/a%2Fb", "getThing"),  # an encoded slash stays one segment
        ("POST", "/v1/e1/webhook", "webhookTest"),
        ("POST", "/v1/e1/things", "POST /v1/{env}/things"),
    ],
)
def test_match(method: str, path: str, expected: str) -> None:
    assert TABLE.match(method, path).operation_id == expected


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/e1/things/a/b"), ("GET", "/v1//things"), ("DELETE", "/v1/e1/things"), ("GET", "/v1/e1/things/"), ("GET", "/v2/e1/things")],
)
def test_no_match_is_unknown_operation(method: str, path: str) -> None:
    with raises_clean(UnknownOperationError) as info:
        TABLE.match(method, path)
    assert (info.value.method, info.value.path) == (method.upper(), path)  # type: ignore[attr-defined]
    assert f"{method.upper()} {path}" in str(info.value)


def test_operation_roles_real_map() -> None:
    assert set(ROLE_NAMES) == {r.value for r in Role}
    assert operation_roles("listEnvironments") == (Role.EVENTS, Role.WORKBENCH, Role.AUTH)
    assert operation_roles("listCards") == (Role.EVENTS,)
    for operation_id, (_, _, roles) in OPERATIONS.items():
        assert operation_roles(operation_id) == tuple(Role(r) for r in roles)


def test_operation_roles_unknown_id() -> None:
    with raises_clean(UnknownOperationError, match="listNothing") as info:
        operation_roles("listNothing")
    assert isinstance(info.value, LookupError)


def test_unknown_role_in_map_is_reported() -> None:
    with raises_clean(UnknownOperationError, match="badOp"):
        OperationTable({"badOp": ("GET", "/v1/x", ("admin",))})


def test_every_real_template_matches_itself() -> None:
    table = OperationTable(OPERATIONS)
    for operation_id, (method, template, _) in OPERATIONS.items():
        concrete = template.split("?")[0].replace("{", "v-").replace("}", "")
        assert table.match(method, concrete).operation_id == operation_id
