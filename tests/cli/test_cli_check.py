"""`atomic-sdk check`: one fresh token request per configured key, reported without secrets or tokens."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime

import pytest
from atomic_sdk.testing import Sandbox

from .conftest import RunMain, RunScript, assert_no_secrets

WRONG_SECRET = "definitely-not-the-secret-7Yq"


def _rows(stdout: str) -> list[list[str]]:
    lines = stdout.splitlines()
    assert re.split(r"\s{2,}", lines[0].strip()) == [
        "ROLE",
        "CLIENT ID",
        "STATUS",
        "EXPIRES IN",
        "EXPIRES AT (UTC)",
        "LATENCY",
        "REASON",
    ]
    return [re.split(r"\s{2,}", line.strip()) for line in lines[1:]]


def test_per_role_keys_one_ok_line_and_one_token_request_each(sandbox: Sandbox, cli: RunScript) -> None:
    before = time.time()
    result = cli(["check"], env=sandbox.env())
    assert result.code == 0, result.stderr
    assert result.stderr == ""
    rows = _rows(result.stdout)
    assert [(row[0], row[1], row[2], row[3]) for row in rows] == [
        ("auth", "sandbox-auth", "ok", "3600s"),
        ("workbench", "sandbox-workbench", "ok", "3600s"),
        ("events", "sandbox-events", "ok", "3600s"),
    ]
    for row in rows:
        expires = datetime.fromisoformat(row[4])
        assert expires.tzinfo is not None and expires.utcoffset() == UTC.utcoffset(None)
        assert row[4].endswith("Z")
        assert before + 3600 - 2 <= expires.timestamp() <= time.time() + 3600 + 1
        assert re.fullmatch(r"\d+ ms", row[5])
    assert sandbox.token_requests_by_role() == {"auth": 1, "workbench": 1, "events": 1}
    assert sandbox.api_requests == {}
    assert len(sandbox.sensitive_values()) == 3 + 3  # three secrets, three issued tokens
    assert_no_secrets(sandbox, [result.output])


def test_one_wrong_secret_fails_that_key_only_and_exits_1(sandbox: Sandbox, cli: RunScript) -> None:
    env = {**sandbox.env(), "ATOMIC_WORKBENCH_CLIENT_SECRET": WRONG_SECRET}
    result = cli(["check", "--json"], env=env)
    assert result.code == 1, result.stderr
    reports = {report["role"]: report for report in json.loads(result.stdout)}
    assert list(reports) == ["auth", "workbench", "events"]
    assert reports["auth"]["status"] == reports["events"]["status"] == "ok"
    assert reports["auth"]["expires_in"] == 3600 and reports["auth"]["error"] is None
    failed = reports["workbench"]
    assert failed["status"] == "failed"
    assert failed["client_id"] == "sandbox-workbench"
    assert failed["expires_in"] is None and failed["expires_at"] is None
    assert "401" in failed["error"] and "invalid_client" in failed["error"]
    assert isinstance(failed["latency_ms"], float)
    assert sandbox.token_requests_by_role() == {"auth": 1, "workbench": 1, "events": 1}
    assert_no_secrets(sandbox, [result.output], extra_secrets=(WRONG_SECRET,))

    table = cli(["check"], env=env)
    assert table.code == 1
    statuses = {row[0]: row[2] for row in _rows(table.stdout)}
    assert statuses == {"auth": "ok", "workbench": "failed", "events": "ok"}
    assert "invalid_client" in table.stdout
    assert_no_secrets(sandbox, [table.output], extra_secrets=(WRONG_SECRET,))


def test_a_single_key_is_checked_once_as_role_all(run_main: RunMain, caplog: pytest.LogCaptureFixture) -> None:
    with Sandbox() as sb:
        creds = sb.add_credentials("one-key", "one-key-secret-Zz9", "all")
        env = {name: value for name, value in sb.env().items() if "_CLIENT_" not in name} | {
            "ATOMIC_CLIENT_ID": creds.client_id,
            "ATOMIC_CLIENT_SECRET": creds.client_secret,
        }
        result = run_main(["check", "--json"], env=env)
        assert result.code == 0, result.stderr
        (report,) = json.loads(result.stdout)
        assert (report["role"], report["client_id"], report["status"]) == ("all", "one-key", "ok")
        assert sb.token_requests == {"one-key": 1}
        assert_no_secrets(sb, [result.output, caplog.text])


def test_missing_configuration_exits_2_naming_the_variable(sandbox: Sandbox, cli: RunScript) -> None:
    nothing = cli(["check"], env={})
    assert nothing.code == 2
    assert "ATOMIC_CLIENT_ID" in nothing.stderr and "Traceback" not in nothing.stderr
    env = sandbox.env()
    del env["ATOMIC_EVENTS_CLIENT_SECRET"]
    half = cli(["check"], env=env)
    assert half.code == 2
    assert "ATOMIC_EVENTS_CLIENT_SECRET is missing" in half.stderr
    assert sandbox.token_requests == {}
