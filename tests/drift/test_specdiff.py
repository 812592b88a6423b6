"""specdiff on its own: the less common schema shapes, matching rules and the role rule."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from atomic_tooling.markers import RoleMarkerError
from atomic_tooling.specdiff import diff_specs, role_change_is_breaking

from .helpers import base_document


def spec_with(schema: dict[str, Any], *, request: bool = False, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """A one-operation spec whose response (or request) body is `schema`; `extra` goes to components/schemas."""
    body = {"content": {"application/json": {"schema": schema}}}
    operation: dict[str, Any] = {"operationId": "op", "summary": "Op (token: events)", "responses": {"200": {"description": "ok", **body}}}
    if request:
        operation = {"operationId": "op", "summary": "Op (token: events)", "requestBody": body,
                     "responses": {"200": {"description": "ok"}}}
    return {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/op": {"post": operation}},
            "components": {"schemas": extra or {}}}


def lines(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return [change.describe() for change in diff_specs(old, new).changes]


def test_one_of_variants_are_matched_by_ref_name() -> None:
    extra: dict[str, Any] = {"A": {"type": "object", "properties": {"a": {"type": "string"}}}, "B": {"type": "object"}, "C": {"type": "object"}}
    old = spec_with({"oneOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}]}, extra=extra)
    new_extra = copy.deepcopy(extra)
    new_extra["A"]["properties"]["a"] = {"type": "integer"}
    new = spec_with({"oneOf": [{"$ref": "#/components/schemas/C"}, {"$ref": "#/components/schemas/A"}]}, extra=new_extra)
    assert lines(old, new) == [
        "op: response 200 body: oneOf variant B removed (breaking)",
        "op: response 200 body: oneOf variant C added (non-breaking)",
        "op: response 200 body <oneOf A>.a: type changed from string to integer (breaking)",
    ]


def test_additional_properties_are_walked() -> None:
    old = spec_with({"type": "object", "properties": {"meta": {"type": "object", "additionalProperties": {"type": "string", "enum": ["x", "y"]}}}})
    new = copy.deepcopy(old)
    new["paths"]["/op"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["meta"][
        "additionalProperties"]["enum"] = ["x"]
    assert lines(old, new) == ["op: response 200 body meta{}: enum value 'y' removed (breaking)"]


@pytest.mark.parametrize(("request_side", "breaking"), [(False, True), (True, False)], ids=["response", "request"])
def test_nullable_added_breaks_readers_not_senders(request_side: bool, breaking: bool) -> None:
    old = spec_with({"type": "object", "properties": {"n": {"type": "string"}}}, request=request_side)
    new = spec_with({"type": "object", "properties": {"n": {"type": "string", "nullable": True}}}, request=request_side)
    side = "request body" if request_side else "response 200 body"
    assert lines(old, new) == [f"op: {side} n: now nullable ({'breaking' if breaking else 'non-breaking'})"]


def test_response_field_becoming_required_is_not_breaking() -> None:
    old = spec_with({"type": "object", "properties": {"n": {"type": "string"}}})
    new = spec_with({"type": "object", "required": ["n"], "properties": {"n": {"type": "string"}}})
    assert lines(old, new) == ["op: response 200 body n: field is now required (non-breaking)"]


def test_media_type_and_request_body_removal() -> None:
    old = spec_with({"type": "string"}, request=True)
    new = copy.deepcopy(old)
    content = new["paths"]["/op"]["post"]["requestBody"]["content"]
    content["text/csv"] = content.pop("application/json")
    assert lines(old, new) == [
        "op: request body: media type application/json removed (breaking)",
        "op: request body: media type text/csv added (non-breaking)",
    ]
    del new["paths"]["/op"]["post"]["requestBody"]
    assert lines(old, new) == ["op: request body: request body removed (breaking)"]


def test_renamed_operation_id_at_the_same_route_is_one_breaking_change() -> None:
    old = base_document()
    new = copy.deepcopy(old)
    new["paths"]["/v1/tree"]["get"]["operationId"] = "fetchTree"
    diff = diff_specs(old, new)
    assert diff.added == [] and diff.removed == []
    assert [c.describe() for c in diff.changes] == ["fetchTree: operation: operationId changed from 'getTree' to 'fetchTree' (breaking)"]


def test_operation_id_added_to_an_operation_without_one_matches_by_route() -> None:
    old = base_document()
    new = copy.deepcopy(old)
    new["paths"]["/v1/ping"]["get"]["operationId"] = "ping"
    assert [c.describe() for c in diff_specs(old, new).changes] == ["ping: operation: operationId changed from None to 'ping' (breaking)"]


def test_unresolvable_refs_are_compared_by_name() -> None:
    old = spec_with({"$ref": "other.yaml#/Thing"})
    new = spec_with({"$ref": "other.yaml#/Thing2"})
    assert lines(old, old) == []
    assert lines(old, new) == ["op: response 200 body: schema reference changed from 'other.yaml#/Thing' to 'other.yaml#/Thing2' (breaking)"]


def test_cyclic_inline_schema_from_yaml_aliases_terminates() -> None:
    text = """
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /op:
    get:
      operationId: op
      summary: "Op (token: events)"
      responses:
        "200":
          description: ok
          content: {application/json: {schema: &node {type: object, properties: {kid: *node, name: {type: string}}}}}
"""
    old = yaml.safe_load(text)
    new = yaml.safe_load(text.replace("name: {type: string}", "name: {type: integer}"))
    assert lines(old, new) == ["op: response 200 body name: type changed from string to integer (breaking)"]


def test_marker_problems_in_either_spec_raise() -> None:
    old = base_document()
    new = copy.deepcopy(old)
    new["paths"]["/v1/tree"]["get"]["summary"] = "Get the tree"
    with pytest.raises(RoleMarkerError, match="GET /v1/tree"):
        diff_specs(old, new)


@pytest.mark.parametrize(
    ("old", "new", "breaking"),
    [
        (("events",), ("events", "workbench"), False),
        (("events", "auth"), ("events", "workbench", "auth"), False),
        (("events",), ("workbench",), True),
        (("events",), ("workbench", "events"), True),
        (("events", "workbench"), ("events",), True),
        (("events", "workbench"), ("workbench", "events"), True),
    ],
)
def test_role_rule(old: tuple[str, ...], new: tuple[str, ...], breaking: bool) -> None:
    assert role_change_is_breaking(old, new) is breaking


# (schema before, schema after, expected detail, breaking when in a request)
CONSTRAINT_CASES: list[tuple[dict[str, Any], dict[str, Any], str, bool]] = [
    ({"type": "integer", "maximum": 1000}, {"type": "integer"}, "maximum 1000 removed", False),
    ({"type": "integer"}, {"type": "integer", "maximum": 10}, "maximum 10 added", True),
    ({"type": "integer", "maximum": 10}, {"type": "integer", "maximum": 5}, "maximum changed from 10 to 5", True),
    ({"type": "integer", "maximum": 5}, {"type": "integer", "maximum": 10}, "maximum changed from 5 to 10", False),
    ({"type": "integer", "minimum": 1}, {"type": "integer", "minimum": 0}, "minimum changed from 1 to 0", False),
    ({"type": "integer", "minimum": 0}, {"type": "integer", "minimum": 1}, "minimum changed from 0 to 1", True),
    ({"type": "integer", "maximum": 9}, {"type": "integer", "maximum": 9, "exclusiveMaximum": True}, "exclusiveMaximum set", True),
    ({"type": "number", "exclusiveMinimum": 0}, {"type": "number", "exclusiveMinimum": 1}, "exclusiveMinimum changed from 0 to 1", True),
    ({"type": "string"}, {"type": "string", "maxLength": 64}, "maxLength 64 added", True),
    ({"type": "string", "minLength": 3}, {"type": "string"}, "minLength 3 removed", False),
    ({"type": "array", "items": {"type": "string"}, "maxItems": 5}, {"type": "array", "items": {"type": "string"}, "maxItems": 50},
     "maxItems changed from 5 to 50", False),
    ({"type": "string"}, {"type": "string", "pattern": "^[a-z]+$"}, "pattern '^[a-z]+$' added", True),
    ({"type": "string", "pattern": "^a"}, {"type": "string", "pattern": "^b"}, "pattern changed from '^a' to '^b'", True),
    ({"type": "string", "pattern": "^a"}, {"type": "string"}, "pattern '^a' removed", False),
]


@pytest.mark.parametrize(("before", "after", "detail", "narrower"), CONSTRAINT_CASES, ids=[c[2] for c in CONSTRAINT_CASES])
@pytest.mark.parametrize("request_side", [True, False], ids=["request", "response"])
def test_value_constraints_break_callers_only_when_narrowed(
    before: dict[str, Any], after: dict[str, Any], detail: str, narrower: bool, request_side: bool
) -> None:
    old = spec_with({"type": "object", "properties": {"v": before}}, request=request_side)
    new = spec_with({"type": "object", "properties": {"v": after}}, request=request_side)
    side = "request body" if request_side else "response 200 body"
    breaking = narrower and request_side  # response constraints describe the server; readers never break
    [change] = diff_specs(old, new).changes
    assert change.describe() == f"op: {side} v: {detail} ({'breaking' if breaking else 'non-breaking'})"
    assert change.kind == "constraint"


def test_unchanged_constraints_are_not_reported() -> None:
    schema = {"type": "object", "properties": {"v": {"type": "integer", "minimum": 1, "maximum": 9, "pattern": "x"}}}
    assert diff_specs(spec_with(schema, request=True), spec_with(copy.deepcopy(schema), request=True)).empty
