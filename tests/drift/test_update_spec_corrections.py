"""scripts/update-spec on the documentation-audit corrections, from the spec as it was before them.

`fixtures/spec-before-doc-audit.yaml` is `git show main:spec/atomic-api.yaml` from just before the corrections.
Two views: the corrections alone, re-applied to that file (an exact, frozen report), and the live spec
(the corrections must still be there and classified the same, whatever else changes later).
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from atomic_tooling import update_spec

from .helpers import FIXTURES, ROOT, entries, tree_hashes

BEFORE = FIXTURES / "spec-before-doc-audit.yaml"
LIVE = ROOT / "spec" / "atomic-api.yaml"
USERS_OPS = {  # operationId -> (path, method)
    "listUsers": ("/v1/{environmentId}/users", "get"),
    "upsertUsers": ("/v1/{environmentId}/users", "post"),
    "updateCustomProfileFields": ("/v1/{environmentId}/custom-profile-fields", "put"),
    "deleteUsers": ("/v1/{environmentId}/deleteUsers", "put"),
}
ANALYTICS = "/v1/{environmentId}/analytics/batched"
EXPECTED_ROLE_LINES = [f"{op_id}: events -> events or workbench (non-breaking)" for op_id in USERS_OPS]
EXPECTED_LIMIT_LINES = [
    f"{op_id}: query parameter limit: maximum 1000 removed (non-breaking)" for op_id in ("dismissCards", "completeCards")
]
EXPECTED_ANALYTICS_LINES = [
    "getBatchedAnalytics: query parameter from: parameter is no longer required (non-breaking)",
    "getBatchedAnalytics: query parameter to: parameter is no longer required (non-breaking)",
]


def _load(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def _apply_corrections(document: dict[str, Any]) -> dict[str, Any]:
    """The audit's structural corrections (the rest are descriptions, which the report ignores)."""
    corrected = copy.deepcopy(document)
    for path, method in USERS_OPS.values():
        operation = corrected["paths"][path][method]
        assert operation["summary"].endswith("(token: events)")
        operation["summary"] = operation["summary"].replace("(token: events)", "(token: events or workbench)")
    for param in corrected["paths"][ANALYTICS]["get"]["parameters"]:
        if param.get("name") in ("from", "to"):
            assert param["required"] is True
            param["required"] = False
    del corrected["components"]["parameters"]["CardActionLimit"]["schema"]["maximum"]
    return corrected


@pytest.fixture
def corrected(tmp_path: Path) -> Path:
    target = tmp_path / "corrected.yaml"
    target.write_text(yaml.safe_dump(_apply_corrections(_load(BEFORE)), sort_keys=False), encoding="utf-8")
    return target


def test_fixture_is_the_spec_before_the_corrections() -> None:
    before = _load(BEFORE)
    assert before["paths"]["/v1/{environmentId}/users"]["get"]["summary"] == "List customers (token: events)"
    assert before["components"]["parameters"]["CardActionLimit"]["schema"]["maximum"] == 1000


def test_the_corrections_alone_are_eight_non_breaking_changes(
    corrected: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    current = tmp_path / "current.yaml"
    shutil.copyfile(BEFORE, current)
    before = tree_hashes(tmp_path)
    code = update_spec.main(["--current", str(current), "--from", str(corrected), "--check"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert entries(out) == EXPECTED_ROLE_LINES + EXPECTED_LIMIT_LINES + EXPECTED_ANALYTICS_LINES
    assert "role changes (4):" in out and "changes (4):" in out
    assert out.rstrip().splitlines()[-2:] == ["0 breaking, 8 non-breaking", "no breaking changes"]
    assert tree_hashes(tmp_path) == before  # --check writes nothing


def test_the_reverse_direction_is_breaking(corrected: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Taking the old spec as the newer one removes a role, caps two limits and makes two parameters required."""
    code = update_spec.main(["--current", str(corrected), "--from", str(BEFORE), "--check"])
    out = capsys.readouterr().out
    assert code == 1, out
    assert entries(out) == [f"{op_id}: events or workbench -> events (breaking)" for op_id in USERS_OPS] + [
        f"{op_id}: query parameter limit: maximum 1000 added (breaking)" for op_id in ("dismissCards", "completeCards")
    ] + [
        "getBatchedAnalytics: query parameter from: parameter is now required (breaking)",
        "getBatchedAnalytics: query parameter to: parameter is now required (breaking)",
    ]
    assert "8 breaking, 0 non-breaking" in out


def test_live_spec_against_the_previous_spec_through_the_script(tmp_path: Path) -> None:
    """The acceptance run: scripts/update-spec --check, the previous spec as current, the live spec as new."""
    current = tmp_path / "previous.yaml"
    shutil.copyfile(BEFORE, current)
    result = subprocess.run(
        [str(ROOT / "scripts" / "update-spec"), "--current", str(current), "--from", str(LIVE), "--check",
         "--format", "json"],
        check=False, capture_output=True, text=True, timeout=300,
    )
    report = json.loads(result.stdout)
    users = {c["operation"]: c for c in report["role_changes"] if c["operation"] in USERS_OPS}
    assert users == {
        op_id: {"operation": op_id, "old": ["events"], "new": ["events", "workbench"], "breaking": False}
        for op_id in USERS_OPS
    }
    # getUser and updateUserPreferences are on the User preferences page and keep events only.
    assert {c["operation"] for c in report["role_changes"]} & {"getUser", "updateUserPreferences"} == set()
    analytics = [c for c in report["changes"] if c["operation"] == "getBatchedAnalytics"
                 and c["location"] in ("query parameter from", "query parameter to")]
    assert analytics == [
        {"operation": "getBatchedAnalytics", "location": f"query parameter {name}", "kind": "required",
         "detail": "parameter is no longer required", "breaking": False}
        for name in ("from", "to")
    ]
    limits = [c for c in report["changes"] if c["operation"] in ("dismissCards", "completeCards")
              and c["location"] == "query parameter limit"]
    assert limits == [
        {"operation": op_id, "location": "query parameter limit", "kind": "constraint",
         "detail": "maximum 1000 removed", "breaking": False}
        for op_id in ("dismissCards", "completeCards")
    ]
    assert result.returncode == (1 if report["breaking"] else 0), result.stderr
    assert current.read_bytes() == BEFORE.read_bytes()
