"""`atomic-sdk roles`: the role map as a table or JSON, from the installed package or a spec file."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import atomic_api
import pytest
from atomic_api._roles import OPERATIONS

from .conftest import ROOT_MARKERS, RunMain, RunScript, run_script


def _rows(stdout: str) -> list[list[str]]:
    lines = stdout.splitlines()
    assert re.split(r"\s{2,}", lines[0]) == ["OPERATION", "METHOD", "PATH", "ROLES"]
    return [re.split(r"\s{2,}", line) for line in lines[1:]]


def _spec(operations: dict[str, str]) -> dict[str, object]:
    """A minimal OpenAPI document: one GET per operationId -> summary."""
    paths = {
        f"/v1/{name}": {"get": {"operationId": name, "summary": summary, "responses": {"200": {"description": "ok"}}}}
        for name, summary in operations.items()
    }
    return {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths}


def test_table_lists_every_operation_of_the_role_map(cli: RunScript) -> None:
    result = cli(["roles"])
    assert result.code == 0, result.stderr
    assert result.stderr == ""
    rows = _rows(result.stdout)
    assert len(rows) == len(OPERATIONS) == 33
    by_id = {row[0]: row for row in rows}
    assert by_id["listCards"] == ["listCards", "GET", "/v1/{environmentId}/cards", "events"]
    assert by_id["listEnvironments"] == ["listEnvironments", "GET", "/v1/environments", "events, workbench, auth"]
    assert by_id["revokeCredential"] == [
        "revokeCredential",
        "DELETE",
        "/v1/{environmentId}/credentials/{clientId}",
        "auth",
    ]
    assert [row[0] for row in rows] == list(OPERATIONS)
    # Aligned: every row starts its METHOD column at the same offset.
    offsets = {line.index(row[1], len(row[0])) for line, row in zip(result.stdout.splitlines()[1:], rows)}
    assert len(offsets) == 1


def test_json_equals_the_role_map(cli: RunScript) -> None:
    result = cli(["roles", "--json"])
    assert result.code == 0, result.stderr
    listed = json.loads(result.stdout)
    assert listed == [
        {"operation_id": key, "method": method, "path": path, "roles": list(roles)}
        for key, (method, path, roles) in OPERATIONS.items()
    ]


def test_the_bundled_yaml_spec_gives_the_same_map(run_main: RunMain) -> None:
    result = run_main(["roles", "--json", "--spec", str(Path(atomic_api.__file__).parent / "openapi.yaml")])
    assert result.code == 0, result.stderr
    assert {
        row["operation_id"]: (row["method"], row["path"], tuple(row["roles"])) for row in json.loads(result.stdout)
    } == OPERATIONS


def test_a_json_spec_with_marker_variants(tmp_path: Path, run_main: RunMain) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(_spec({"whoAmI": "Who (token: ANY)", "browse": "Browse (Token : workbench OR events)"})))
    result = run_main(["roles", "--spec", str(spec)])
    assert result.code == 0, result.stderr
    assert _rows(result.stdout) == [
        ["whoAmI", "GET", "/v1/whoAmI", "events, workbench, auth"],
        ["browse", "GET", "/v1/browse", "workbench, events"],
    ]


def test_a_spec_with_bad_markers_exits_2_naming_each_operation(tmp_path: Path, cli: RunScript) -> None:
    spec = tmp_path / "bad.json"
    spec.write_text(
        json.dumps(_spec({"good": "Fine (token: events)", "bad": "Bad (token: admin)", "bare": "No marker"}))
    )
    result = cli(["roles", "--spec", str(spec)])
    assert result.code == 2
    assert result.stdout == ""
    assert "2 operation(s) without a valid '(token: <role>)' marker:" in result.stderr
    assert "GET /v1/bad  summary='Bad (token: admin)': unknown role(s) 'admin'  [operationId bad]" in result.stderr
    assert "GET /v1/bare  summary='No marker': no '(token: <role>)' marker  [operationId bare]" in result.stderr
    assert "/v1/good" not in result.stderr
    assert "Traceback" not in result.stderr


def test_yaml_without_pyyaml_says_what_to_install(
    tmp_path: Path, run_main: RunMain, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("openapi: 3.0.3\npaths: {}\n")
    monkeypatch.setitem(sys.modules, "yaml", None)  # makes `import yaml` raise ImportError
    result = run_main(["roles", "--spec", str(spec)])
    assert result.code == 2
    assert "pip install 'atomic-sdk[cli]'" in result.stderr
    # JSON needs nothing extra.
    spec_json = tmp_path / "spec.json"
    spec_json.write_text(json.dumps(_spec({"one": "One (token: auth)"})))
    assert run_main(["roles", "--json", "--spec", str(spec_json)]).code == 0


def test_unreadable_and_malformed_specs_exit_2(tmp_path: Path, run_main: RunMain) -> None:
    missing = run_main(["roles", "--spec", str(tmp_path / "nope.json")])
    assert missing.code == 2 and "cannot read spec" in missing.stderr
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    bad_json = run_main(["roles", "--spec", str(broken)])
    assert bad_json.code == 2 and "is not valid JSON" in bad_json.stderr
    listing = tmp_path / "list.yaml"
    listing.write_text("- a\n- b\n")
    not_mapping = run_main(["roles", "--spec", str(listing)])
    assert not_mapping.code == 2 and "not an OpenAPI document" in not_mapping.stderr


def test_the_shipped_grammar_is_the_tooling_grammar_byte_for_byte() -> None:
    shipped = Path(atomic_api.__file__).parent / "_markers.py"
    assert shipped.read_bytes() == ROOT_MARKERS.read_bytes()


def test_version_usage_and_python_dash_m(cli: RunScript) -> None:
    from atomic_sdk import __version__

    version = cli(["--version"])
    assert (version.code, version.stdout.strip()) == (0, f"atomic-sdk {__version__}")
    as_module = subprocess.run(
        [sys.executable, "-m", "atomic_sdk", "--version"], capture_output=True, text=True, check=False
    )
    assert (as_module.returncode, as_module.stdout) == (0, version.stdout)
    usage = run_script([])
    assert usage.code == 2 and "usage: atomic-sdk" in usage.stderr
    unknown = run_script(["roles", "--nope"])
    assert unknown.code == 2 and "unrecognized arguments: --nope" in unknown.stderr
