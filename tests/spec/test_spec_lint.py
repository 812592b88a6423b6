"""Lint of spec/atomic-api.yaml: markers, evidence, validity, and agreement with the reference index."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from atomic_tooling.generate import GenerationError, load_spec, validate_spec
from atomic_tooling.markers import ANY_ORDER, iter_raw_operations, parse_marker

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "spec" / "atomic-api.yaml"
# The reference lives in the shared folder beside the repository (CI gets a copy); users' clones may not have it.
REFERENCE = ROOT.parent / "shared" / "reference" / "atomic-api.md"
EVIDENCE = {"doc", "3p", "sdk", "inferred"}
# Index rows that are deliberately not operations (reasons in spec/README.md).
OMITTED = {"getAccessToken": "security scheme", "testWebhookSubscription": "same method and path as createWebhookSubscription"}
EXPECTED_OPERATIONS = 33
USERS_API = "https://documentation.atomic.io/api/users-api"
# Roles the spec adds to the reference index's, each with the page that states it. The index's role stays
# first (a correction only ever adds an alternative) and the description must quote the source.
ROLE_CORRECTIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    op_id: (("events", "workbench"), USERS_API,
            "A credential role of either events or workbench is required to interact with the Users API")
    for op_id in ("listUsers", "upsertUsers", "updateCustomProfileFields", "deleteUsers")
}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return list(iter_raw_operations(spec))


def test_spec_validates() -> None:
    validate_spec(load_spec(SPEC_PATH))


def test_spec_is_openapi_303_with_org_server_and_oauth(spec: dict[str, Any]) -> None:
    assert spec["openapi"] == "3.0.3"
    [server] = spec["servers"]
    assert server["url"] == "https://{orgId}.customer-api.atomic.io"
    assert set(server["variables"]) == {"orgId"}
    schemes = spec["components"]["securitySchemes"]
    [(name, scheme)] = schemes.items()
    assert scheme["type"] == "oauth2"
    assert scheme["flows"]["clientCredentials"]["tokenUrl"] == (
        "https://master-atomic-io.auth.us-east-1.amazoncognito.com/oauth2/token")
    assert spec["security"] == [{name: []}]


def test_operation_count(operations: list[tuple[str, str, dict[str, Any]]]) -> None:
    assert len(operations) == EXPECTED_OPERATIONS


def test_every_operation_has_exactly_one_valid_marker_at_the_end(operations: list[tuple[str, str, dict[str, Any]]]) -> None:
    for method, path, op in operations:
        summary = op["summary"]
        assert parse_marker(summary), (method, path)
        assert re.search(r"\(token: [a-z ,]+\)$", summary), f"{method} {path}: marker not at the end: {summary!r}"


def test_every_operation_has_an_evidence_tag(operations: list[tuple[str, str, dict[str, Any]]]) -> None:
    tags = {f"{m} {p}": op.get("x-atomic-evidence") for m, p, op in operations}
    assert {k: v for k, v in tags.items() if v not in EVIDENCE} == {}


def test_operation_ids_are_unique_and_present(operations: list[tuple[str, str, dict[str, Any]]]) -> None:
    ids = Counter(op.get("operationId") for _, _, op in operations)
    assert None not in ids
    assert [i for i, n in ids.items() if n > 1] == []


def test_every_operation_has_an_example_success_response_and_error_responses(
    spec: dict[str, Any], operations: list[tuple[str, str, dict[str, Any]]]
) -> None:
    shared = spec["components"]["responses"]
    for method, path, op in operations:
        responses = op["responses"]
        success = [code for code in responses if str(code).startswith("2")]
        assert success, f"{method} {path} has no 2xx response"
        media = responses[success[0]]["content"]["application/json"]
        assert "example" in media or "examples" in media, f"{method} {path} has no example"
        for code in ("400", "401", "403", "404", "429"):
            ref = responses[code]["$ref"]
            target = shared[ref.rsplit("/", 1)[1]]
            assert target["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def _index_rows() -> list[dict[str, str]]:
    rows = []
    for line in REFERENCE.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 7 and cells[0].isdigit():
            _number, method, path, op_id, tag, role, evidence = cells
            path = path.split("`")[1] if "`" in path else path  # cells may add a note: `/v1/x` (query `id`)
            rows.append({"method": method, "path": path, "operationId": op_id, "tag": tag,
                         "role": role, "evidence": evidence})
    return rows


def _first_evidence(cell: str) -> str:
    found = re.search(r"\[(doc|3p|sdk)\]|\((inferred)\)", cell)
    assert found, cell
    return found.group(1) or found.group(2)


def _index_role(cell: str) -> tuple[str, ...] | None:
    if cell.startswith("any"):
        return ANY_ORDER
    found = re.search(r"\b(auth|workbench|events)\b", cell)
    return (found.group(1),) if found else None


@pytest.mark.skipif(not REFERENCE.is_file(), reason="the shared reference is not beside this clone")
def test_spec_matches_the_reference_index(operations: list[tuple[str, str, dict[str, Any]]]) -> None:
    rows = _index_rows()
    assert len(rows) == 35
    by_id = {op["operationId"]: (method, path, op) for method, path, op in operations}
    expected = [row for row in rows if row["operationId"] not in OMITTED]
    assert len(expected) == len(by_id) == EXPECTED_OPERATIONS
    for row in expected:
        method, path, op = by_id[row["operationId"]]
        assert (method, path, op["tags"]) == (row["method"], row["path"], [row["tag"]]), row["operationId"]
        assert op["x-atomic-evidence"] == _first_evidence(row["evidence"]), row["operationId"]
        assert op.get("deprecated", False) == ("legacy" in row["evidence"]), row["operationId"]
        role = _index_role(row["role"])
        if role is None:
            continue
        corrected = ROLE_CORRECTIONS.get(row["operationId"])
        if corrected is None:
            assert parse_marker(op["summary"]) == role, row["operationId"]
        else:
            roles, source, quote = corrected
            assert parse_marker(op["summary"]) == roles, row["operationId"]
            assert roles[: len(role)] == role, f"{row['operationId']}: a correction may only add roles after the index's"
            description = " ".join(op["description"].split())
            assert source in description and quote in description, row["operationId"]


def test_role_corrections_touch_only_the_users_api_page(operations: list[tuple[str, str, dict[str, Any]]]) -> None:
    """The Users API page allows workbench; the User preferences page (getUser, updateUserPreferences) does not."""
    markers = {op["operationId"]: parse_marker(op["summary"]) for _, _, op in operations}
    assert {op_id for op_id, roles in markers.items() if roles == ("events", "workbench")} == set(ROLE_CORRECTIONS)
    assert markers["getUser"] == ("events",)
    assert markers["updateUserPreferences"] == ("events",)
    # Role evidence is never upgraded by a correction: the third-party rows keep their tag.
    evidence = {op["operationId"]: op["x-atomic-role-evidence"] for _, _, op in operations}
    assert {op_id: evidence[op_id] for op_id in ROLE_CORRECTIONS} == {
        "listUsers": "doc", "upsertUsers": "3p", "updateCustomProfileFields": "3p", "deleteUsers": "3p"}


def test_spec_readme_explains_the_omissions() -> None:
    readme = (ROOT / "spec" / "README.md").read_text(encoding="utf-8")
    for op_id in OMITTED:
        assert op_id in readme
    assert "https://01.customer-api.atomic.io/spec.yaml" in readme


def test_generation_refuses_without_touching_anything_when_validation_fails(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(SPEC_PATH.read_text(encoding="utf-8").replace("openapi: 3.0.3", "openapi: 3.0.3\nbogus: 1", 1))
    with pytest.raises(GenerationError) as caught:
        validate_spec(load_spec(broken))
    assert caught.value.exit_code == 2
