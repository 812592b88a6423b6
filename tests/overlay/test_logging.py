"""One INFO line per request on `atomic_sdk`, DEBUG for retries and tokens, ATOMIC_LOG,
and httpx's own request line without query values for the SDK's hosts."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from typing import Any

import pytest
from atomic_api.api.cards import list_cards
from atomic_sdk import AtomicClient, Credentials, Role, _logging
from support.atomic_server import AtomicServer, Reply, leaks, secret
from support.clock import FakeClock, SleepRecorder
from support.http_package import httpx

EVENTS = Credentials("ev-id", secret("ev"))


def make(server: AtomicServer, clock: FakeClock, **kwargs: Any) -> AtomicClient:
    waits = SleepRecorder(clock)
    return AtomicClient(
        base_url=server.base_url,
        token_url=server.token_url,
        credentials={Role.EVENTS: EVENTS},
        clock=clock,
        sleep=waits,
        async_sleep=waits.async_sleep,
        timeout=10.0,
        **kwargs,
    )


def sdk_lines(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    """The SDK's lines at ``level``, without the token requests' (see test_token_requests_are_logged_as_token)."""
    return [
        message
        for r in caplog.records
        if r.name == "atomic_sdk" and r.levelno == level and not (message := r.getMessage()).startswith("token POST ")
    ]


def test_one_info_line_per_request_with_attempts_and_request_id(
    server: AtomicServer, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    server.api_replies = [
        Reply.json(503, {}, **{"X-Request-Id": "first"}),
        Reply.json(200, {"data": []}, **{"X-Request-Id": "second"}),
    ]
    with make(server, clock) as client:
        list_cards.sync(client=client, environment_id="env1", user_id="secret-user-42")
    infos = sdk_lines(caplog, logging.INFO)
    assert len(infos) == 2
    pattern = r"listCards GET /v1/env1/cards -> {status} in \d+ ms \(attempt {attempt}, request id {rid}\)"
    assert re.fullmatch(pattern.format(status=503, attempt=1, rid="first"), infos[0]), infos[0]
    assert re.fullmatch(pattern.format(status=200, attempt=2, rid="second"), infos[1]), infos[1]
    debug = sdk_lines(caplog, logging.DEBUG)
    assert any(line.startswith("retrying listCards (GET ") and "after status 503" in line for line in debug)
    assert any(line.startswith("requesting access token for client_id=ev-id") for line in debug)
    assert any(line == "operation listCards uses role events (client_id=ev-id)" for line in debug)
    everything = caplog.text
    assert "secret-user-42" not in "\n".join(infos + debug)
    assert not leaks(everything)


def test_the_401_replay_is_attempt_two_and_failures_are_logged(
    server: AtomicServer, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    server.api_replies = [Reply.json(401, {}), Reply.json(200, {"data": []})]
    with make(server, clock) as client:
        list_cards.sync(client=client, environment_id="env1")
    infos = sdk_lines(caplog, logging.INFO)
    assert [re.sub(r"in \d+ ms", "in N ms", line) for line in infos] == [
        "listCards GET /v1/env1/cards -> 401; replaying once with a freshly fetched token",
        "listCards GET /v1/env1/cards -> 200 in N ms (attempt 1)",
    ]


def test_token_requests_are_logged_as_token(
    server: AtomicServer, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    server.token_replies = [Reply.json(503, {})]
    with make(server, clock) as client:
        list_cards.sync(client=client, environment_id="env1")
    lines = [r.getMessage() for r in caplog.records if r.name == "atomic_sdk" and r.levelno == logging.INFO]
    tokens = [re.sub(r"in \d+ ms", "in N ms", line) for line in lines if line.startswith("token ")]
    assert tokens == [
        "token POST /oauth2/token -> 503 in N ms (attempt 1)",
        "token POST /oauth2/token -> 200 in N ms (attempt 2)",
    ]


def test_a_transport_failure_is_one_info_line_per_attempt(clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth2/token":
            return httpx.Response(200, json={"access_token": "t", "token_type": "Bearer"})
        raise httpx.ConnectError("refused")

    client = AtomicClient(
        org_id="my-org", credentials=EVENTS, max_retries=1, sleep=lambda _: None,
        httpx_args={"transport": httpx.MockTransport(handler)},
    )
    with client, pytest.raises(Exception, match="failed without a response after 2 attempt"):
        list_cards.sync(client=client, environment_id="env1")
    infos = [re.sub(r"after \d+ ms", "after N ms", line) for line in sdk_lines(caplog, logging.INFO)]
    assert infos == [
        "listCards GET /v1/env1/cards -> ConnectError after N ms (attempt 1)",
        "listCards GET /v1/env1/cards -> ConnectError after N ms (attempt 2)",
    ]


def test_httpx_request_line_shows_query_names_not_values(
    server: AtomicServer, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    with make(server, clock) as client:
        list_cards.sync(client=client, environment_id="env1", user_id="secret-user-42")
    lines = [r.getMessage() for r in caplog.records if r.name == httpx.__name__]
    assert f'HTTP Request: GET {server.base_url}/v1/env1/cards?userId=***&limit=***&offset=*** "HTTP/1.1 200 OK"' in lines
    assert f'HTTP Request: POST {server.token_url}?grant_type=***&client_id=*** "HTTP/1.1 200 OK"' in lines
    assert "secret-user-42" not in caplog.text


def test_other_httpx_clients_keep_their_log_line(
    make_server: Any, clock: FakeClock, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only this test's client is watched: an earlier test's client may have had the port `theirs` gets now.
    monkeypatch.setattr(_logging, "_origins", set())
    ours, theirs = make_server(), make_server()
    with make(ours, clock) as client:
        list_cards.sync(client=client, environment_id="env1")
    with httpx.Client() as plain:
        plain.get(f"{theirs.base_url}/v1/env1/cards?userId=u9")
    lines = [r.getMessage() for r in caplog.records if r.name == httpx.__name__]
    assert f'HTTP Request: GET {theirs.base_url}/v1/env1/cards?userId=u9 "HTTP/1.1 200 OK"' in lines


def _run(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], env={**env, "PATH": ""}, capture_output=True, text=True, timeout=60, check=False
    )


SCRIPT = """
import sys
sys.path.insert(0, {tests!r})
from support.atomic_server import AtomicServer
from atomic_api.api.cards import list_cards
from atomic_sdk import AtomicClient, Credentials
with AtomicServer() as server, AtomicClient(base_url=server.base_url, token_url=server.token_url,
                                            credentials=Credentials("ev-id", "sek-ev-Zq9")) as client:
    list_cards.sync(client=client, environment_id="env1", user_id="u1")
"""


@pytest.mark.parametrize("level", ["info", "DEBUG", "", "verbose"])
def test_atomic_log_turns_logging_on_without_code(repo_root: Any, level: str) -> None:
    done = _run(SCRIPT.format(tests=str(repo_root / "tests")), {"ATOMIC_LOG": level})
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    request_lines = [line for line in lines if "listCards GET /v1/env1/cards -> 200 in" in line]
    debug_lines = [line for line in lines if "DEBUG atomic_sdk: requesting access token for client_id=ev-id" in line]
    if level == "":
        assert lines == []
    elif level == "verbose":
        assert lines == ["ATOMIC_LOG='verbose' is not one of info, debug; ignored"]
    else:
        assert len(request_lines) == 1 and " INFO atomic_sdk: " in request_lines[0]
        assert len(debug_lines) == (1 if level == "DEBUG" else 0)
    assert not leaks(done.stderr)
