"""The role-marker grammar of design.md, one case per rule."""

from __future__ import annotations

import pytest
from atomic_tooling.markers import MarkerError, RoleMarkerError, extract_operations, parse_marker


@pytest.mark.parametrize(
    ("summary", "roles"),
    [
        ("Retrieve cards (token: events)", ("events",)),
        ("Create credential (token: auth)", ("auth",)),
        ("List (Token:  Workbench )", ("workbench",)),
        ("List (TOKEN:events)", ("events",)),
        ("List users (token: events or workbench)", ("events", "workbench")),
        ("List users (token: workbench OR events)", ("workbench", "events")),
        ("List users (token: events, workbench)", ("events", "workbench")),
        ("List users (token: events | workbench / auth)", ("events", "workbench", "auth")),
        ("List users (token: events, events)", ("events",)),
        ("List environments (token: any)", ("events", "workbench", "auth")),
        ("List environments (token: ANY)", ("events", "workbench", "auth")),
        ("(token: events) Marker first", ("events",)),
    ],
)
def test_valid_markers(summary: str, roles: tuple[str, ...]) -> None:
    assert parse_marker(summary) == roles


@pytest.mark.parametrize(
    ("summary", "reason"),
    [
        ("Retrieve cards", "no '(token: <role>)' marker"),
        ("Retrieve cards (events)", "no '(token: <role>)' marker"),
        ("Retrieve (token: events) cards (token: auth)", "2 markers; exactly one is allowed"),
        ("Retrieve cards (token: admin)", "unknown role(s) 'admin'"),
        ("Retrieve cards (token: events or root)", "unknown role(s) 'root'"),
        ("Retrieve cards (token: )", "empty role marker"),
        ("Retrieve cards (token: any, events)", "'any' cannot be combined with other roles"),
    ],
)
def test_invalid_markers(summary: str, reason: str) -> None:
    with pytest.raises(MarkerError) as caught:
        parse_marker(summary)
    assert str(caught.value) == reason


def test_extract_lists_every_offending_operation_with_method_path_and_summary() -> None:
    spec = {
        "paths": {
            "/v1/a": {"get": {"operationId": "a", "summary": "A"}, "post": {"operationId": "b", "summary": "B (token: x)"}},
            "/v1/c": {"parameters": [], "delete": {"summary": "C (token: auth)"}},
            "/v1/d": {"put": {"operationId": "d"}},
        }
    }
    with pytest.raises(RoleMarkerError) as caught:
        extract_operations(spec)
    problems = [(p.method, p.path, p.summary) for p in caught.value.problems]
    assert problems == [("GET", "/v1/a", "A"), ("POST", "/v1/a", "B (token: x)"), ("PUT", "/v1/d", None)]
    message = str(caught.value)
    assert message.startswith("3 operation(s) without a valid '(token: <role>)' marker:")
    assert "GET /v1/a  summary='A': no '(token: <role>)' marker" in message
    assert "POST /v1/a  summary='B (token: x)': unknown role(s) 'x'" in message
    assert "PUT /v1/d  summary=<no summary>: no summary, so no role marker  [operationId d]" in message
    assert "DELETE" not in message  # /v1/c is fine; an operation without an id is named by method and path


def test_operation_without_operation_id_is_keyed_by_method_and_path() -> None:
    spec = {"paths": {"/v1/{id}/x": {"post": {"summary": "X (token: events)"}}}}
    [operation] = extract_operations(spec)
    assert (operation.key, operation.method, operation.path, operation.roles) == (
        "POST /v1/{id}/x", "POST", "/v1/{id}/x", ("events",))


def test_duplicate_operation_ids_are_reported() -> None:
    spec = {"paths": {"/a": {"get": {"operationId": "x", "summary": "A (token: auth)"}},
                      "/b": {"get": {"operationId": "x", "summary": "B (token: auth)"}}}}
    with pytest.raises(RoleMarkerError) as caught:
        extract_operations(spec)
    assert [p.reason for p in caught.value.problems] == ["duplicate operation key 'x' (also GET /a)"]
