"""scripts/update-spec: the change report, its classification, --check, --format json and adoption."""

from __future__ import annotations

import http.server
import json
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from atomic_tooling import generate, update_spec

from .helpers import BASE, ROOT, Edit, current_copy, entries, tree_hashes, variant

CARDS = "/v1/{envId}/cards"


def op(doc: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    found: dict[str, Any] = doc["paths"][path][method]
    return found


def schemas(doc: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = doc["components"]["schemas"]
    return found


def add_operation(doc: dict[str, Any]) -> None:
    doc["paths"]["/v1/things"] = {"get": {"operationId": "listThings", "summary": "List things (token: events)",
                                          "responses": {"200": {"description": "ok"}}}}


def remove_operation(doc: dict[str, Any]) -> None:
    del doc["paths"]["/v1/{envId}/cards/{cardId}"]


def set_summary(path: str, method: str, summary: str) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        op(doc, path, method)["summary"] = summary
    return edit


def drop_limit(doc: dict[str, Any]) -> None:
    op(doc, CARDS, "get")["parameters"] = []


def require_limit(doc: dict[str, Any]) -> None:
    doc["components"]["parameters"]["Limit"]["required"] = True  # through the $ref


def add_cursor(doc: dict[str, Any]) -> None:
    op(doc, CARDS, "get")["parameters"].append({"name": "cursor", "in": "query", "schema": {"type": "string"}})


def add_required_header(doc: dict[str, Any]) -> None:
    op(doc, CARDS, "get")["parameters"].append({"name": "X-Trace", "in": "header", "required": True, "schema": {"type": "string"}})


def drop_priority(doc: dict[str, Any]) -> None:
    del schemas(doc)["CardCreate"]["allOf"][1]["properties"]["priority"]


def require_priority(doc: dict[str, Any]) -> None:
    schemas(doc)["CardCreate"]["allOf"][1]["required"] = ["priority"]


def created_at_integer(doc: dict[str, Any]) -> None:
    schemas(doc)["Card"]["properties"]["createdAt"] = {"type": "integer"}


def created_at_date(doc: dict[str, Any]) -> None:
    schemas(doc)["Card"]["properties"]["createdAt"]["format"] = "date"


def drop_expired(doc: dict[str, Any]) -> None:
    schemas(doc)["Card"]["properties"]["status"]["enum"] = ["active", "dismissed"]


def add_blue_tag(doc: dict[str, Any]) -> None:
    schemas(doc)["CardCreate"]["allOf"][1]["properties"]["tags"]["items"]["enum"].append("blue")


def add_subtitle(doc: dict[str, Any]) -> None:
    schemas(doc)["CardFields"]["properties"]["subtitle"] = {"type": "string"}


def add_total(doc: dict[str, Any]) -> None:
    schemas(doc)["CardList"]["properties"]["total"] = {"type": "integer"}


def status_optional(doc: dict[str, Any]) -> None:
    schemas(doc)["Card"]["required"] = ["id"]


def note_not_nullable(doc: dict[str, Any]) -> None:
    del schemas(doc)["Card"]["properties"]["note"]["nullable"]


def tree_200_to_204(doc: dict[str, Any]) -> None:
    responses = op(doc, "/v1/tree", "get")["responses"]
    responses["204"] = {"description": "empty tree"}
    del responses["200"]


def drop_404(doc: dict[str, Any]) -> None:
    del op(doc, CARDS, "get")["responses"]["404"]


def recursive_name_integer(doc: dict[str, Any]) -> None:
    schemas(doc)["Node"]["properties"]["name"] = {"type": "integer"}


def move_tree(doc: dict[str, Any]) -> None:
    doc["paths"]["/v2/tree"] = doc["paths"].pop("/v1/tree")


def descriptions_only(doc: dict[str, Any]) -> None:
    doc["info"]["description"] = "Now with prose."
    op(doc, CARDS, "get")["description"] = "Cards, oldest first."
    op(doc, CARDS, "get")["summary"] = "List the cards of an environment (token: events)"
    schemas(doc)["Card"]["properties"]["id"]["description"] = "The card's id."


BOTH_CARD_RESPONSES = ("listCards: response 200 body data[].{}", "createCard: response 201 body {}")


def on_card(field_and_detail: str) -> list[str]:
    return [template.format(field_and_detail) for template in BOTH_CARD_RESPONSES]


CASES: list[tuple[str, Edit, list[str], int]] = [
    ("operation added", add_operation, ["+ listThings: GET /v1/things (non-breaking)"], 0),
    ("operation removed", remove_operation, ["- dismissCard: DELETE /v1/{envId}/cards/{cardId} (breaking)"], 1),
    ("role changed", set_summary(CARDS, "get", "List cards (token: workbench)"), ["listCards: events -> workbench (breaking)"], 1),
    ("role alternative appended", set_summary("/v1/{envId}/cards/{cardId}", "delete", "Dismiss (token: events, workbench, auth)"),
     ["dismissCard: events or workbench -> events or workbench or auth (non-breaking)"], 0),
    ("role alternative removed", set_summary("/v1/{envId}/cards/{cardId}", "delete", "Dismiss (token: events)"),
     ["dismissCard: events or workbench -> events (breaking)"], 1),
    ("role alternative put first", set_summary("/v1/{envId}/cards/{cardId}", "delete", "Dismiss (token: auth or events or workbench)"),
     ["dismissCard: events or workbench -> auth or events or workbench (breaking)"], 1),
    ("operation without id matched by route", set_summary("/v1/ping", "get", "Ping (token: events)"),
     ["GET /v1/ping: events or workbench or auth -> events (breaking)"], 1),
    ("parameter removed", drop_limit, ["listCards: query parameter limit: parameter removed (breaking)"], 1),
    ("parameter newly required", require_limit, ["listCards: query parameter limit: parameter is now required (breaking)"], 1),
    ("optional parameter added", add_cursor, ["listCards: query parameter cursor: optional parameter added (non-breaking)"], 0),
    ("required parameter added", add_required_header, ["listCards: header parameter X-Trace: required parameter added (breaking)"], 1),
    ("body field removed", drop_priority, ["createCard: request body priority: field removed (breaking)"], 1),
    ("body field newly required", require_priority, ["createCard: request body priority: field is now required (breaking)"], 1),
    ("optional body field added", add_subtitle, ["createCard: request body subtitle: optional field added (non-breaking)"], 0),
    ("body enum value added", add_blue_tag, ["createCard: request body tags[]: enum value 'blue' added (non-breaking)"], 0),
    ("response field type changed", created_at_integer, on_card("createdAt: type changed from string to integer (breaking)"), 1),
    ("response field format changed", created_at_date, on_card("createdAt: format changed from date-time to date (breaking)"), 1),
    ("response enum value removed", drop_expired, on_card("status: enum value 'expired' removed (breaking)"), 1),
    ("response field added", add_total, ["listCards: response 200 body total: field added (non-breaking)"], 0),
    ("response field no longer required", status_optional, on_card("status: field is no longer required (breaking)"), 1),
    ("response field no longer nullable", note_not_nullable, on_card("note: no longer nullable (non-breaking)"), 0),
    ("2xx status removed", tree_200_to_204,
     ["getTree: response 200: response status removed (breaking)", "getTree: response 204: response status added (non-breaking)"], 1),
    ("error status removed", drop_404, ["listCards: response 404: response status removed (non-breaking)"], 0),
    ("recursive schema", recursive_name_integer, ["getTree: response 200 body name: type changed from string to integer (breaking)"], 1),
    ("operation moved", move_tree, ["getTree: operation: moved from GET /v1/tree to GET /v2/tree (breaking)"], 1),
    ("descriptions only", descriptions_only, [], 0),
]


@pytest.mark.parametrize(("edit", "expected", "exit_code"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_change_is_reported_and_classified(tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: Edit,
                                                expected: list[str], exit_code: int) -> None:
    new = variant(tmp_path, edit)
    code = update_spec.main(["--from", str(new), "--current", str(BASE), "--check"])
    out = capsys.readouterr().out
    assert entries(out) == expected, out
    assert code == exit_code
    assert out.rstrip().endswith("breaking changes found" if exit_code else "no breaking changes")


def test_text_report_layout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def several(doc: dict[str, Any]) -> None:
        add_operation(doc)
        remove_operation(doc)
        set_summary(CARDS, "get", "List cards (token: workbench)")(doc)
        drop_expired(doc)

    code = update_spec.main(["--from", str(variant(tmp_path, several)), "--current", str(BASE), "--check"])
    assert code == 1
    expected = [
        "operations added (1):",
        "  + listThings: GET /v1/things (non-breaking)",
        "operations removed (1):",
        "  - dismissCard: DELETE /v1/{envId}/cards/{cardId} (breaking)",
        "role changes (1):",
        "  listCards: events -> workbench (breaking)",
        "changes (2):",
        "  listCards: response 200 body data[].status: enum value 'expired' removed (breaking)",
        "  createCard: response 201 body status: enum value 'expired' removed (breaking)",
        "4 breaking, 1 non-breaking",
        "breaking changes found",
    ]
    assert capsys.readouterr().out.splitlines() == expected


def test_request_body_becoming_required_is_breaking(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def optional_body(doc: dict[str, Any]) -> None:
        op(doc, CARDS, "post")["requestBody"]["required"] = False

    old = variant(tmp_path, optional_body, "old.yaml")
    assert update_spec.main(["--from", str(BASE), "--current", str(old), "--check"]) == 1
    assert entries(capsys.readouterr().out) == ["createCard: request body: request body is now required (breaking)"]
    assert update_spec.main(["--from", str(old), "--current", str(BASE), "--check"]) == 0
    assert entries(capsys.readouterr().out) == ["createCard: request body: request body is no longer required (non-breaking)"]


def test_check_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    current = current_copy(tmp_path)
    new = variant(tmp_path, remove_operation)
    before = tree_hashes(tmp_path)
    assert update_spec.main(["--from", str(new), "--current", str(current), "--check", "--output", str(tmp_path / "out")]) == 1
    assert update_spec.main(["--from", str(variant(tmp_path, add_cursor, "other.yaml")), "--current", str(current), "--check",
                             "--output", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    after = tree_hashes(tmp_path)
    del after["other.yaml"]
    assert after == before


def test_json_report_structure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def several(doc: dict[str, Any]) -> None:
        add_operation(doc)
        remove_operation(doc)
        set_summary(CARDS, "get", "List cards (token: events or workbench)")(doc)
        add_cursor(doc)

    code = update_spec.main(["--from", str(variant(tmp_path, several)), "--current", str(BASE), "--check", "--format", "json"])
    assert code == 1
    report = json.loads(capsys.readouterr().out)
    assert report == {
        "added": [{"operation": "listThings", "method": "GET", "path": "/v1/things", "operationId": "listThings"}],
        "removed": [{"operation": "dismissCard", "method": "DELETE", "path": "/v1/{envId}/cards/{cardId}", "operationId": "dismissCard"}],
        "role_changes": [{"operation": "listCards", "old": ["events"], "new": ["events", "workbench"], "breaking": False}],
        "changes": [{"operation": "listCards", "location": "query parameter cursor", "kind": "parameter-added",
                     "detail": "optional parameter added", "breaking": False}],
        "breaking": True,
    }


def test_json_report_without_differences(capsys: pytest.CaptureFixture[str]) -> None:
    assert update_spec.main(["--from", str(BASE), "--current", str(BASE), "--check", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"added": [], "removed": [], "role_changes": [], "changes": [], "breaking": False}


def _roles_of(output: Path) -> str:
    return (output / "atomic_api" / "_roles.py").read_text(encoding="utf-8")


def test_update_replaces_the_spec_and_regenerates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    current = current_copy(tmp_path)
    new = variant(tmp_path, set_summary(CARDS, "get", "List cards (token: workbench)"))
    output = tmp_path / "generated"
    assert update_spec.main(["--from", str(new), "--current", str(current), "--output", str(output)]) == 0
    out = capsys.readouterr().out
    assert out.index("listCards: events -> workbench (breaking)") < out.index(f"generated {output / 'atomic_api'}")
    assert current.read_bytes() == new.read_bytes()
    assert '"listCards": ("GET", "/v1/{envId}/cards", ("workbench",)),' in _roles_of(output)


def test_json_update_keeps_stdout_machine_readable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    current = current_copy(tmp_path)
    new = variant(tmp_path, add_operation)
    output = tmp_path / "generated"
    assert update_spec.main(["--from", str(new), "--current", str(current), "--output", str(output), "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["added"][0]["operation"] == "listThings"
    assert "generated" in captured.err
    assert '"listThings": ("GET", "/v1/things", ("events",)),' in _roles_of(output)


def test_identical_spec_regenerates_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    current = current_copy(tmp_path)
    assert update_spec.main(["--from", str(BASE), "--current", str(current), "--output", str(tmp_path / "out")]) == 0
    assert "already identical" in capsys.readouterr().out
    assert not (tmp_path / "out").exists()


def test_generator_failure_restores_the_previous_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[bytes] = []

    def failing_generator(argv: list[str]) -> int:
        seen.append(Path(argv[argv.index("--spec") + 1]).read_bytes())
        return 4

    monkeypatch.setattr(generate, "main", failing_generator)
    current = current_copy(tmp_path)
    new = variant(tmp_path, add_operation)
    assert update_spec.main(["--from", str(new), "--current", str(current), "--output", str(tmp_path / "out")]) == 4
    assert seen == [new.read_bytes()]
    assert current.read_bytes() == BASE.read_bytes()
    assert "generation failed (exit 4)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("edit", "exit_code", "message"),
    [
        (lambda doc: op(doc, CARDS, "get").pop("responses"), 2, "is not a valid OpenAPI document"),
        (set_summary(CARDS, "get", "List cards"), 3, f"GET {CARDS}  summary='List cards': no '(token: <role>)' marker"),
        (set_summary(CARDS, "get", "List cards (token: admin)"), 3, "unknown role(s) 'admin'"),
    ],
    ids=["invalid", "missing marker", "unknown role"],
)
def test_bad_new_spec_is_refused_and_nothing_changes(tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: Edit,
                                                     exit_code: int, message: str) -> None:
    current = current_copy(tmp_path)
    new = variant(tmp_path, edit)
    before = tree_hashes(tmp_path)
    assert update_spec.main(["--from", str(new), "--current", str(current), "--output", str(tmp_path / "out")]) == exit_code
    err = capsys.readouterr().err
    assert message in err
    assert "nothing was changed" in err
    assert tree_hashes(tmp_path) == before


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert update_spec.main(["--from", str(tmp_path / "nope.yaml"), "--current", str(BASE), "--check"]) == 2
    assert "cannot read spec" in capsys.readouterr().err


# ---- URLs: a real loopback server started and stopped by the test


class _SpecHandler(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        if self.path != "/spec.yaml":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/yaml")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def spec_server(tmp_path: Path) -> Iterator[str]:
    _SpecHandler.body = variant(tmp_path, add_operation, "served.yaml").read_bytes()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SpecHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_spec_is_fetched_from_a_url(spec_server: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert update_spec.main(["--from", f"{spec_server}/spec.yaml", "--current", str(BASE), "--check"]) == 0
    assert "+ listThings: GET /v1/things (non-breaking)" in capsys.readouterr().out


def test_http_error_exits_2(spec_server: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert update_spec.main(["--from", f"{spec_server}/missing.yaml", "--current", str(BASE), "--check"]) == 2
    assert f"cannot download {spec_server}/missing.yaml: HTTP 404 Not Found" in capsys.readouterr().err


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_unreachable_url_through_the_script_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    current = current_copy(tmp_path)
    before = tree_hashes(tmp_path)
    url = f"http://127.0.0.1:{_closed_port()}/spec.yaml"
    result = subprocess.run([str(ROOT / "scripts" / "update-spec"), "--from", url, "--current", str(current)],
                            check=False, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert f"scripts/update-spec: cannot download {url}:" in result.stderr
    assert "pass --from FILE" in result.stderr
    assert "nothing was changed" in result.stderr
    assert result.stdout == ""
    assert tree_hashes(tmp_path) == before
