"""schemathesis fuzzes a Sandbox started here: every operation, valid and invalid data, zero failures.

The Sandbox must be as strict as the spec in both directions: a conforming request always gets the
documented success, a non-conforming one always a 400 (not the 4xx/5xx lottery schemathesis tolerates
by default), every answer has a documented status, content type and body shape, an undeclared method gets
405 with ``Allow``, and a request without a valid token never succeeds.

Bounded: a fixed seed and ``--max-examples`` per operation, and a hard wall-clock limit on the subprocess
(it fails instead of stalling the suite). ``--workers 1`` on purpose: schemathesis 4.32's coverage phase
is not thread-safe (workers=2 raised KeyErrors from inside hypothesis).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from atomic_sdk.testing import Sandbox
from atomic_sdk.testing._spec import SpecOperation, bundled_spec_path

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "unsupported_method",
    "missing_required_header",
    "ignored_auth",
)
MAX_EXAMPLES = 25
SEED = 18
WALL_LIMIT = 240.0  # seconds; a normal run takes ~15-30 s on 2 cores

# Tighter than schemathesis' defaults (which also accept 401/403/404/5xx for valid data and
# 401/403/404/405/409/415/422/429/5xx for invalid data): with a token for every role and an environment
# the Sandbox knows, valid data must succeed and invalid data must be a 400.
CONFIG = """\
[parameters]
"path.environmentId" = "{environment}"

[checks.positive_data_acceptance]
expected-statuses = ["2xx"]

[checks.negative_data_rejection]
expected-statuses = ["400"]

# The Sandbox keeps state, so some valid requests meet a documented refusal that depends on it: an id the
# environment does not have (404), a card selection matching several cards without multiple=1, the 101st
# webhook (400). Exact tests of each are in test_sandbox_state.py.
[[operations]]
include-operation-id = ["revokeCredential", "deleteNotificationPlatform", "deleteWebhookSubscription", "getUser"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "404"]

[[operations]]
include-operation-id = ["cancelCards", "completeCards", "dismissCards", "createWebhookSubscription"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "400"]
"""


@pytest.fixture
def fuzzed_sandbox() -> Iterator[Sandbox]:
    with Sandbox() as sandbox:
        yield sandbox


def run_schemathesis(
    sandbox: Sandbox, workdir: Path, *extra: str, max_examples: int = MAX_EXAMPLES
) -> tuple[dict[str, Any], str]:
    config = workdir / "schemathesis.toml"
    config.write_text(CONFIG.format(environment=sandbox.environment_id), encoding="utf-8")
    report = workdir / "report.json"
    token = sandbox.issue_token("all", expires_in=3600)
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config),
        "run",
        str(bundled_spec_path()),
        "--url",
        sandbox.base_url,
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        ",".join(CHECKS),
        "--mode",
        "all",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(max_examples),
        "--seed",
        str(SEED),
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--request-timeout",
        "10",
        "--no-color",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        *extra,
    ]
    completed = subprocess.run(
        command,
        check=False,  # the exit code is asserted after the report is read, so a failure shows its findings
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=WALL_LIMIT,
        stdin=subprocess.DEVNULL,
    )
    output = completed.stdout + completed.stderr
    assert report.exists(), f"schemathesis wrote no report (exit {completed.returncode}):\n{output[-4000:]}"
    result: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    result["process_exit_code"] = completed.returncode
    return result, output


def test_schemathesis_finds_nothing(fuzzed_sandbox: Sandbox, tmp_path: Path) -> None:
    started = time.monotonic()
    result, output = run_schemathesis(fuzzed_sandbox, tmp_path)
    elapsed = time.monotonic() - started
    tail = output[-6000:]

    assert result["schemathesis_version"] == "4.32.5"
    assert result["failures"] == [], tail
    assert result["errors"] == [], tail
    assert result["test_cases"]["with_failures"] == 0, tail
    assert result["process_exit_code"] == 0, tail
    assert result["complete"] is True and result["stop_reason"] == "completed"
    phases = {name: phase["status"] for name, phase in result["phases"].items()}
    assert phases == {"examples": "success", "coverage": "success", "fuzzing": "success", "stateful": "skip"}, tail

    # Every operation was generated for and reached the Sandbox's operation logic, not just its router.
    operation_ids = set(fuzzed_sandbox.operation_ids)
    assert result["operations"]["total"] == result["operations"]["tested"] == len(operation_ids)
    assert set(fuzzed_sandbox.api_requests) == operation_ids
    # Examples + coverage + fuzzing: well over MAX_EXAMPLES cases per operation on average.
    assert result["test_cases"]["generated"] >= len(operation_ids) * MAX_EXAMPLES
    # The catch-all never had to answer: no request made the Sandbox itself fail.
    assert fuzzed_sandbox.internal_errors == []
    print(f"schemathesis: {result['test_cases']['generated']} cases in {elapsed:.1f}s")


def test_the_run_catches_a_sandbox_that_lets_invalid_data_pass(
    fuzzed_sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same run against a Sandbox that skips request validation must fail: the zero above means something.
    monkeypatch.setattr(SpecOperation, "validate", lambda self, *args, **kwargs: [])
    result, output = run_schemathesis(
        fuzzed_sandbox, tmp_path, "--include-operation-id", "cancelCards", "--phases", "coverage", max_examples=5
    )
    assert result["process_exit_code"] == 1, output[-4000:]
    assert result["operations"]["tested"] == 1
    found = {(failure["type"], tuple(failure["operations"])) for failure in result["failures"]}
    assert found == {("AcceptedNegativeData", ("PUT /v1/{environmentId}/cards/cancel",))}, result["failures"]
