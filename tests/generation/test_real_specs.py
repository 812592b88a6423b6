"""Regressions for the six ways real vendor specs broke generation (issue 20), on small fixtures.

Each generated package is imported in a child interpreter, so its `atomic_api` never meets the real one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from atomic_tooling import generate
from atomic_tooling.generate import tree_files

from .helpers import FIXTURES, ROOT, run_generate


def _probe(output: Path, code: str) -> object:
    """Run `code` (which prints one JSON value) against the package generated into `output`."""
    env = dict(os.environ, PYTHONPATH=str(output), PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, check=False, cwd=output
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def real_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    output = tmp_path_factory.mktemp("real-world")
    result = run_generate("--spec", FIXTURES / "real-world.yaml", "--output", output)
    return output, result


def _record(output: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((output / "atomic_api" / "GENERATED.json").read_text(encoding="utf-8"))
    return data


def test_one_unsupported_media_type_no_longer_fails_the_run(real_world: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    # Was: --fail-on-warning turned one skipped endpoint into a failed run (PayPal, Jira).
    output, result = real_world
    assert result.returncode == 0, result.stderr
    assert "6 generated, 1 skipped (generator" in result.stdout
    reason = "its request body is only available in a media type the generator cannot send: text/plain"
    assert f"  skipped   POST /v1/notes (addNote): {reason}" in result.stderr
    record = _record(output)
    assert record["skipped"] == [{"method": "POST", "operation": "addNote", "path": "/v1/notes", "reason": reason}]
    assert record["operations"] == 6
    roles = _probe(output, "import json, atomic_api._roles as r; print(json.dumps(sorted(r.OPERATIONS)))")
    assert roles == ["deleteThing", "getLogo", "getThing", "listEnvironments", "list_environments", "upload"]
    assert not (output / "atomic_api" / "api" / "default" / "add_note.py").exists()


def test_strict_refuses_a_skipped_operation_and_touches_nothing(tmp_path: Path) -> None:
    (tmp_path / "atomic_api").mkdir()
    (tmp_path / "atomic_api" / "__init__.py").write_text("# committed\n")
    before = tree_files(tmp_path)
    result = run_generate("--spec", FIXTURES / "real-world.yaml", "--output", tmp_path, "--strict")
    assert result.returncode == 6
    assert "  skipped   POST /v1/notes (addNote): " in result.stderr
    assert "--strict: 1 operation(s) of" in result.stderr
    assert f"{tmp_path} was not changed." in result.stderr
    assert tree_files(tmp_path) == before


def test_media_type_fallbacks_are_reported_and_generate_working_calls(real_world: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    output, result = real_world
    assert "  fallback  POST /v1/uploads: request body '*/*' is treated as JSON" in result.stderr
    assert "  fallback  GET /v1/logo: response 200 'image/png' is treated as raw bytes (File)" in result.stderr
    assert _record(output)["fallbacks"] == [
        {"content_type": "*/*", "method": "POST", "path": "/v1/uploads", "treated_as": "JSON", "where": "request body"},
        {"content_type": "image/png", "method": "GET", "path": "/v1/logo", "treated_as": "raw bytes (File)", "where": "response 200"},
    ]
    probe = _probe(output, """
import json, httpx
from atomic_api.api.default import get_logo, upload
from atomic_api.client import Client
from atomic_api.models.upload_body import UploadBody
kwargs = upload._get_kwargs(body=UploadBody(name="n"))
logo = get_logo._parse_response(client=Client("http://x"), response=httpx.Response(200, content=b"\\x89PNG"))
print(json.dumps([kwargs["json"], kwargs["headers"]["Content-Type"], logo.payload.read().decode("latin-1")]))
""")
    assert probe == [{"name": "n"}, "application/json", "\x89PNG"]


def test_enum_values_colliding_by_case_or_punctuation_get_distinct_members(real_world: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    # Was: exit 4 with a traceback ("Duplicate key ASC in enum"; Box, Stripe).
    output, _ = real_world
    members = _probe(output, """
import json
from atomic_api.models.order import Order
from atomic_api.models.zone import Zone
unknown = Order("Ascending")  # tolerant parsing: a value the spec does not list yet
print(json.dumps([{m.name: m.value for m in Order}, {m.name: m.value for m in Zone}, Order("asc").name, unknown.value, unknown.name]))
""")
    assert members == [
        {"ASC": "ASC", "ASC_2": "asc", "DESC": "DESC", "DESC_2": "desc"},
        {"GMT0": "GMT0", "GMT_0": "GMT-0", "GMT_0_2": "GMT_0", "VALUE_3": "+1", "VALUE_4": "-1"},
        "ASC_2",
        "Ascending",
        "Ascending",
    ]


def test_operation_ids_colliding_after_snake_casing_are_disambiguated_and_reported(
    real_world: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    # Was: one module silently overwrote the other, the role map still listed both.
    output, result = real_world
    assert (
        "  renamed   GET /v2/environments (list_environments): module renamed to environments.list_environments_2, "
        "'listEnvironments' has the original name"
    ) in result.stderr
    assert _record(output)["renamed"] == [
        {
            "method": "GET",
            "module": "environments.list_environments_2",
            "operation": "list_environments",
            "path": "/v2/environments",
            "reason": "'listEnvironments' has the original module name",
        }
    ]
    urls = _probe(output, """
import json
from atomic_api.api.environments import list_environments, list_environments_2
print(json.dumps([list_environments._get_kwargs()["url"], list_environments_2._get_kwargs()["url"]]))
""")
    assert urls == ["/v1/environments", "/v2/environments"]


def test_ref_path_items_are_generated_and_in_the_role_map(real_world: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    # Was: a `$ref` path item (3.1 components/pathItems) vanished from client and role map, exit 0.
    output, _ = real_world
    probe = _probe(output, """
import json
import atomic_api._roles as r
from atomic_api.api.default import delete_thing, get_thing
print(json.dumps([r.OPERATIONS["getThing"], r.OPERATIONS["deleteThing"], get_thing._get_kwargs("a/b"), delete_thing._get_kwargs("c")["method"]]))
""")
    assert probe == [
        ["GET", "/v1/things/{thingId}", ["events"]],
        ["DELETE", "/v1/things/{thingId}", ["auth"]],
        {"method": "get", "url": "/v1/things/a%2Fb", "extensions": {"atomic_operation_id": "getThing"}},
        "delete",
    ]


def test_roles_cli_reads_ref_path_items_too(tmp_path: Path) -> None:
    from atomic_sdk.cli.roles import operations_of_spec

    rows = operations_of_spec(FIXTURES / "real-world.yaml")
    assert [(row["operation_id"], row["method"]) for row in rows if row["path"] == "/v1/things/{thingId}"] == [
        ("getThing", "GET"), ("deleteThing", "DELETE")]


def test_swagger_2_is_refused_with_exit_2_before_the_generator_runs(tmp_path: Path) -> None:
    # Was: passed validation, then exit 4 with a pydantic error from inside the generator.
    result = run_generate("--spec", FIXTURES / "swagger2.yaml", "--output", tmp_path)
    assert result.returncode == 2
    assert "is Swagger 2.0 (a 'swagger' field), not OpenAPI 3.x" in result.stderr
    assert list(tmp_path.iterdir()) == []
    other = tmp_path / "four.yaml"
    other.write_text(yaml.safe_dump({"openapi": "4.0.0", "info": {"title": "x", "version": "1"}, "paths": {}}))
    future = run_generate("--spec", other, "--output", tmp_path / "out")
    assert future.returncode == 2
    assert "is not OpenAPI 3.x ('openapi: 4.0.0')" in future.stderr


def test_json_spec_is_read_with_json_and_packaged_as_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Was: the pure-Python YAML loader parsed JSON too, and the package always got `openapi.yaml`.
    def no_yaml(*args: object, **kwargs: object) -> object:
        raise AssertionError("a JSON spec must not go through the YAML loader")

    monkeypatch.setattr(generate.yaml, "load", no_yaml)
    monkeypatch.setattr(generate.yaml, "safe_load", no_yaml)
    spec = generate.load_spec(FIXTURES / "large-style.json")
    assert (spec.format, spec.packaged_name) == ("json", "openapi.json")
    monkeypatch.undo()
    assert issubclass(generate._yaml_loader(), getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    assert generate.load_spec(FIXTURES / "real-world.yaml").format == "yaml"

    result = run_generate("--spec", FIXTURES / "large-style.json", "--output", tmp_path)
    assert result.returncode == 0, result.stderr
    package = tmp_path / "atomic_api"
    assert (package / "openapi.json").read_bytes() == (FIXTURES / "large-style.json").read_bytes()
    assert not (package / "openapi.yaml").exists()
    assert _record(tmp_path)["spec"] == "openapi.json"
    # A default that contradicts its schema is a warning and is ignored, not a lost operation.
    assert "2 generated, 0 skipped" in result.stdout
    assert "warning   a default value does not match its schema (the client ignores it): 'ten' is not of type 'integer'" in result.stderr


def test_sandbox_description_loads_a_json_packaged_spec(tmp_path: Path) -> None:
    from atomic_sdk.testing._spec import load_description

    as_json = tmp_path / "openapi.json"
    as_json.write_text(json.dumps(yaml.safe_load((ROOT / "spec" / "atomic-api.yaml").read_text(encoding="utf-8"))))
    description = load_description(as_json)
    assert len(description.operations) == 33
    assert description.get("listCards").path_template == "/v1/{environmentId}/cards"


def test_required_body_in_several_media_types_generates_importable_code(tmp_path: Path) -> None:
    # openapi-python-client 0.29.1 writes `| Unset` without importing it for such a body (Discord: 7 calls).
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/v1/messages": {"post": {
            "operationId": "createMessage",
            "summary": "Send (token: workbench)",
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Message"}},
                "multipart/form-data": {"schema": {"$ref": "#/components/schemas/Upload"}},
            }},
            "responses": {"204": {"description": "sent"}},
        }}},
        "components": {"schemas": {
            "Message": {"type": "object", "properties": {"text": {"type": "string"}}},
            "Upload": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}},
        }},
    }
    path = tmp_path / "multi.json"
    path.write_text(json.dumps(spec))
    result = run_generate("--spec", path, "--output", tmp_path / "out", "--strict")
    assert result.returncode == 0, result.stderr
    assert (
        "  fallback  POST /v1/messages: request body 'application/json, multipart/form-data' is treated as "
        "an optional argument (several media types)"
    ) in result.stderr
    sent = _probe(tmp_path / "out", """
import json
from atomic_api.api.default import create_message
from atomic_api.models.message import Message
print(json.dumps(create_message._get_kwargs(body=Message(text="hi"))["json"]))
""")
    assert sent == {"text": "hi"}


def test_generated_module_that_cannot_import_is_found(tmp_path: Path) -> None:
    package = tmp_path / "atomic_api"
    (package / "api" / "things").mkdir(parents=True)
    (package / "api" / "things" / "good.py").write_text("from typing import Any\n\n\ndef f(x: Any) -> Any:\n    return x\n")
    (package / "api" / "things" / "bad.py").write_text("def f(x: Unset) -> None:\n    pass\n")
    assert generate.broken_files(package) == {"api/things/bad.py": "line 1: Undefined name `Unset`"}


def test_vendor_quirks_keep_their_operations(tmp_path: Path) -> None:
    # Twilio: `StartTime`, `StartTime<`, `StartTime>` have one Python name (the generator skipped the call);
    # Okta: a path parameter without `required: true`, and `$ref`s to examples that were stripped out.
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/v1/calls": {"get": {
                "operationId": "listCalls",
                "summary": "Calls (token: events)",
                "parameters": [
                    {"name": "StartTime", "in": "query", "schema": {"type": "string"}},
                    {"name": "StartTime<", "in": "query", "schema": {"type": "string"}},
                    {"name": "StartTime>", "in": "query", "schema": {"type": "string"}},
                    {"name": "PageSize", "in": "query", "schema": {"type": "integer"}},
                ],
                "responses": {"200": {"description": "ok", "content": {"application/json": {
                    "schema": {"type": "object"}, "examples": {"one": {"$ref": "#/components/examples/Gone"}}}}}},
            }},
            "/v1/keys/{id}": {"get": {
                "operationId": "getKey",
                "summary": "Key (token: auth)",
                "parameters": [{"name": "id", "in": "path", "schema": {"type": "string"}}],
                "responses": {"200": {"description": "ok"}},
            }},
        },
    }
    path = tmp_path / "quirks.json"
    path.write_text(json.dumps(spec))
    result = run_generate("--spec", path, "--output", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert "2 generated, 0 skipped" in result.stdout
    assert "warning   $ref '#/components/examples/Gone' points nowhere (an example or link; the client does not use it)" in result.stderr
    assert _record(tmp_path / "out")["partial"] == [
        {"method": "GET", "operation": "listCalls", "path": "/v1/calls",
         "reason": f"query parameter {name!r} (its Python name collides with 'StartTime') is left out of the call"}
        for name in ("StartTime<", "StartTime>")
    ]
    sent = _probe(tmp_path / "out", """
import json
from atomic_api.api.default import get_key, list_calls
print(json.dumps([list_calls._get_kwargs(start_time="a", page_size=2)["params"], get_key._get_kwargs("k")["url"]]))
""")
    assert sent == [{"StartTime": "a", "PageSize": 2}, "/v1/keys/k"]


def test_modules_needing_a_model_the_generator_dropped_are_found(tmp_path: Path) -> None:
    # Okta: an inline `User.type` object and the `UserType` component share a class name; the generator
    # drops one and still writes endpoints importing it.
    package = tmp_path / "atomic_api"
    (package / "api" / "users").mkdir(parents=True)
    (package / "models").mkdir()
    (package / "models" / "user.py").write_text("def f():\n    from ..models.user_type import UserType\n")
    (package / "models" / "group.py").write_text("X = 1\n")
    (package / "api" / "users" / "get_type.py").write_text("from ...models.user_type import UserType\n")
    (package / "api" / "users" / "get_user.py").write_text("from ...models.user import User\n")
    (package / "api" / "users" / "get_group.py").write_text("from ...models.group import Group\n")
    broken, degraded = generate.missing_models(package)
    assert broken == {"api/users/get_type.py": "imports models/user_type.py, which the generator did not write"}
    assert degraded == {
        "api/users/get_user.py": "reading models/user.py needs a model the generator did not write; that part fails when used"
    }
