"""Every hostile case through `atomic-sdk call` exits 1 (2 for configuration) with one line on
stderr and no traceback, using the real console script against a recording server on 127.0.0.1."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from support.atomic_server import AtomicServer, Reply, leaks, secret

from .conftest import RunScript


@pytest.fixture
def server() -> Iterator[AtomicServer]:
    with AtomicServer() as srv:
        yield srv


def env_for(server: AtomicServer, **extra: str) -> dict[str, str]:
    return {
        "ATOMIC_BASE_URL": server.base_url,
        "ATOMIC_TOKEN_URL": server.token_url,
        "ATOMIC_EVENTS_CLIENT_ID": "ev-id",
        "ATOMIC_EVENTS_CLIENT_SECRET": secret("ev"),
        "ATOMIC_ENVIRONMENT_ID": "env1",
        **extra,
    }


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


CASES = {
    "html-200": (
        [Reply(200, b"<html>portal</html>", {"Content-Type": "text/html"})],
        "atomic-sdk: listCards failed: ResponseValidationError: listCards (GET ",
    ),
    "object-for-list": ([Reply.json(200, {"data": {}})], "ResponseValidationError: "),
    "redirect": ([Reply(302, b"", {"Location": "https://login.example.com/"})], "failed: HTTP 302: "),
    "cloudflare-520": ([Reply.json(520, {})], "failed: HTTP 520: listCards (GET "),
    "nonstandard-299": ([Reply.json(299, {})], "failed: HTTP 299: "),
    "reset": ([Reply.reset()] * 3, "failed: ApiConnectionError: listCards (GET "),
    "mac-token": ([], "failed: TokenRequestError: token endpoint answered 200 for the events key (client_id=ev-id)"),
    "echoed-secret": ([], "failed: TokenRequestError: token endpoint answered 400 for the events key"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_responses_exit_1_in_one_line(server: AtomicServer, cli: RunScript, case: str) -> None:
    replies, needle = CASES[case]
    server.api_replies = list(replies)
    if case == "mac-token":
        server.token_replies = [Reply.json(200, {"access_token": "tkn-m", "token_type": "mac"})]
    if case == "echoed-secret":
        server.token_replies = [Reply.json(400, {"error": "invalid_client", "error_description": f"bad {secret('ev')}"})]
    result = cli(["call", "listCards"], env=env_for(server))
    assert result.code == 1, result.output
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert needle in result.stderr
    assert "Traceback" not in result.stderr
    assert not leaks(result.output)


def test_connection_refused_exits_1_in_one_line(server: AtomicServer, cli: RunScript) -> None:
    env = env_for(server, ATOMIC_BASE_URL=f"http://127.0.0.1:{closed_port()}")
    result = cli(["call", "listCards"], env=env)
    assert (result.code, result.stdout, result.stderr.count("\n")) == (1, "", 1)
    assert "failed: ApiConnectionError: listCards (GET " in result.stderr
    assert "after 3 attempt(s) (ConnectError" in result.stderr


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ({"ATOMIC_USER_AGENT": "mön-app/1"}, "configuration: user_agent must be printable ASCII"),
        ({"ATOMIC_TOKEN_URL": "http://auth.example.com/oauth2/token"}, "configuration: token_url "),
        ({"ATOMIC_ALLOW_INSECURE_HTTP": "perhaps"}, "configuration: ATOMIC_ALLOW_INSECURE_HTTP must be"),
    ],
)
def test_bad_configuration_exits_2_in_one_line(server: AtomicServer, cli: RunScript, extra: dict[str, str], needle: str) -> None:
    result = cli(["call", "listCards"], env=env_for(server, **extra))
    assert (result.code, result.stdout, result.stderr.count("\n")) == (2, "", 1), result.output
    assert result.stderr.startswith(f"atomic-sdk: {needle}")
    assert server.requests == []


def test_atomic_log_info_adds_the_request_line(server: AtomicServer, cli: RunScript) -> None:
    result = cli(["call", "listCards", "-p", "user_id=private-42"], env=env_for(server, ATOMIC_LOG="info"))
    assert result.code == 0, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert " INFO atomic_sdk: token POST /oauth2/token -> 200 in " in lines[0]
    assert " INFO atomic_sdk: listCards GET /v1/env1/cards -> 200 in " in lines[1]
    assert "private-42" not in result.stderr
