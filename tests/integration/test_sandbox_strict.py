"""The Sandbox is as strict as Atomic (issue 18): one test group per loophole found by fuzzing and probing.

Raw sockets where the point is what goes over the wire (framing, methods, duplicate headers), httpx elsewhere.
Every answer is JSON with a status the spec documents, and the connection is either in sync or closed.
"""

from __future__ import annotations

import json
import logging
import socket
import sys
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from atomic_api.api.cards import list_cards
from atomic_sdk import AtomicError, ConfigurationError, NotFoundError
from atomic_sdk.testing import Sandbox
from atomic_sdk.testing._formats import CHECKED_FORMATS, FormatDependencyError, build_format_checker
from atomic_sdk.testing._spec import BodyError, _coerce, load_description, parse_json
from support.http_package import httpx

UA = "strict-tests/1"
FLOW = {"flows": [{"target": {"type": "user", "targetUserIds": ["u1"]}}]}


class Raw:
    """One kept-alive connection to the Sandbox, reading answers by their Content-Length."""

    def __init__(self, sandbox: Sandbox) -> None:
        host, port = sandbox.base_url.removeprefix("http://").split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.file = self.sock.makefile("rb")
        self.host = f"{host}:{port}"

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def request(self, method: str, target: str, headers: dict[str, str] | None = None, body: bytes = b"") -> None:
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.host}", f"User-Agent: {UA}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        self.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)

    def response(self, *, head: bool = False) -> tuple[int, dict[str, str], bytes]:
        status_line = self.file.readline()
        assert status_line.startswith(b"HTTP/1.1 "), status_line
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while (line := self.file.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = b"" if head else self.file.read(int(headers.get("content-length", "0")))
        return status, headers, body

    def closed_by_server(self) -> bool:
        return self.file.read(1) == b""

    def close(self) -> None:
        self.file.close()
        self.sock.close()


@pytest.fixture
def raw(sandbox: Sandbox) -> Iterator[Raw]:
    connection = Raw(sandbox)
    yield connection
    connection.close()


@pytest.fixture
def token(sandbox: Sandbox) -> str:
    return sandbox.issue_token("all")


def auth(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "User-Agent": UA, **extra}


def assert_json_error(headers: dict[str, str], body: bytes, error: str) -> dict[str, Any]:
    assert headers["content-type"] == "application/json"
    payload: dict[str, Any] = json.loads(body)
    assert payload["error"] == error
    assert isinstance(payload["message"], str) and payload["message"]
    return payload


# ---- methods: 405 with Allow for anything the spec does not list; never an HTML page ---------------


@pytest.mark.parametrize("method", ["TRACE", "PROPFIND", "DELETE", "PATCH", "HEAD", "OPTIONS", "BREW"])
def test_any_undeclared_method_gets_json_405_with_allow(raw: Raw, sandbox: Sandbox, token: str, method: str) -> None:
    raw.request(method, f"/v1/{sandbox.environment_id}/cards", auth(token))
    status, headers, body = raw.response(head=method == "HEAD")
    assert status == 405
    assert headers["allow"] == "GET"
    assert headers["content-type"] == "application/json"
    if method == "HEAD":
        assert int(headers["content-length"]) > 0  # the length of the body a GET-like answer would have
    else:
        payload = assert_json_error(headers, body, "method_not_allowed")
        assert method in payload["message"] and "GET" in payload["message"]
    # The connection stays usable.
    raw.request("GET", f"/v1/{sandbox.environment_id}/cards", auth(token))
    assert raw.response()[0] == 200


def test_allow_lists_every_method_of_a_path_in_spec_order(raw: Raw, sandbox: Sandbox, token: str) -> None:
    raw.request("PATCH", f"/v1/{sandbox.environment_id}/card/c1", auth(token))
    status, headers, _ = raw.response()
    assert (status, headers["allow"]) == (405, "GET, PUT")
    raw.request("TRACE", "/oauth2/token")
    status, headers, body = raw.response()
    assert (status, headers["allow"]) == (405, "POST")
    assert json.loads(body)["error"] == "invalid_request"


def test_unknown_path_is_json_404_for_any_method(raw: Raw, sandbox: Sandbox) -> None:
    for method in ("GET", "PROPFIND"):
        raw.request(method, "/v2/nothing")
        status, headers, body = raw.response()
        assert status == 404
        assert_json_error(headers, body, "not_found")


@pytest.mark.parametrize(
    ("request_bytes", "status", "error"),
    [
        (b"GARBAGE\r\n\r\n", 400, "bad_request"),
        (b"GET /v1/environments HTTP/2.0\r\n\r\n", 505, "http_version_not_supported"),
        (b"GET /v1/environments HTTP/x\r\n\r\n", 400, "bad_request"),
        (b"GET /v1/environments\r\n\r\n", 400, "bad_request"),  # HTTP/0.9: no version, no headers
        (b"G(T /v1/environments HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request"),
        (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", 414, "request_uri_too_long"),
        (b"GET / HTTP/1.1\r\nX-Long: " + b"a" * 70000 + b"\r\n\r\n", 431, "request_header_fields_too_large"),
    ],
)
def test_malformed_requests_get_json_and_a_closed_connection(
    raw: Raw, request_bytes: bytes, status: int, error: str
) -> None:
    raw.send(request_bytes)
    got, headers, body = raw.response()
    assert got == status
    assert headers["connection"] == "close"
    assert_json_error(headers, body, error)
    assert raw.closed_by_server()


# ---- environments: only the ones listEnvironments lists --------------------------------------------


def test_unknown_environment_is_404_in_the_spec_error_shape(sandbox: Sandbox, token: str) -> None:
    response = httpx.get(f"{sandbox.base_url}/v1/no-such-env/cards", headers=auth(token))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "error": "not_found",
        "message": "unknown environment 'no-such-env'; this Sandbox knows 4dkLrv",
    }
    assert sandbox.api_requests == {"listCards": 1}


def test_unknown_environment_without_a_token_is_still_401(sandbox: Sandbox) -> None:
    response = httpx.get(f"{sandbox.base_url}/v1/no-such-env/cards", headers={"User-Agent": UA})
    assert response.status_code == 401


def test_default_environments_are_the_spec_example(sandbox: Sandbox, token: str) -> None:
    assert sandbox.environments == ("4dkLrv",) and sandbox.environment_id == "4dkLrv"
    listed = httpx.get(f"{sandbox.base_url}/v1/environments", headers=auth(token)).json()
    assert listed == {
        "environments": [
            {
                "id": "4dkLrv",
                "name": "production",
                "created": "2020-01-16T10:00:00.000Z",
                "organisationName": "My Organisation",
            }
        ]
    }


def test_configured_environments_are_listed_and_are_the_only_ones_known() -> None:
    with Sandbox(environments=["prod", "staging", "prod"]) as sb:
        assert sb.environments == ("prod", "staging")
        assert sb.environment_id == "prod" == sb.env()["ATOMIC_ENVIRONMENT_ID"]
        token = sb.issue_token("all")
        listed = httpx.get(f"{sb.base_url}/v1/environments", headers=auth(token)).json()
        assert [entry["id"] for entry in listed["environments"]] == ["prod", "staging"]
        # Every other field keeps the spec example's shape.
        assert all(entry["name"] == "production" for entry in listed["environments"])
        assert all(entry["created"] == "2020-01-16T10:00:00.000Z" for entry in listed["environments"])
        codes = {
            env: httpx.get(f"{sb.base_url}/v1/{env}/cards", headers=auth(token)).status_code
            for env in ("prod", "staging", "4dkLrv")
        }
        assert codes == {"prod": 200, "staging": 200, "4dkLrv": 404}


def test_a_client_with_the_wrong_environment_fails_its_tests() -> None:
    with Sandbox() as sb, sb.client(environment_id="wrong-env") as client:
        with pytest.raises(NotFoundError) as raised:
            list_cards.sync(client=client, environment_id="wrong-env")
        assert "unknown environment 'wrong-env'" in str(raised.value)
        assert list_cards.sync_detailed(client=client, environment_id=sb.environment_id).status_code == 200


@pytest.mark.parametrize(
    ("environments", "error"),
    [
        ([], "at least one environment"),
        (["a/b"], "without '/', got 'a/b'"),
        ([""], "non-empty string"),
        ("prod", "not a single string"),
        ([1], "got 1"),
    ],
)
def test_bad_environment_lists_are_refused(environments: Any, error: str) -> None:
    with pytest.raises(ConfigurationError, match=error):
        Sandbox(environments=environments)


# ---- bodies: chunked, limits, hostile JSON ------------------------------------------------------------


def test_chunked_body_from_httpx_generator_is_read(sandbox: Sandbox, token: str) -> None:
    data = json.dumps(FLOW).encode()

    def chunks() -> Iterator[bytes]:
        yield data[:7]
        yield data[7:]

    url = f"{sandbox.base_url}/v1/{sandbox.environment_id}/action-flow/f1/start"
    with httpx.Client() as client:
        first = client.post(url, content=chunks(), headers=auth(token, **{"Content-Type": "application/json"}))
        assert first.request.headers["transfer-encoding"] == "chunked"
        assert first.status_code == 200, first.text
        # Same kept-alive connection: nothing was left over to be misread as the next request.
        second = client.get(f"{sandbox.base_url}/v1/environments", headers=auth(token))
        assert second.status_code == 200
    assert sandbox.api_requests == {"startActionFlow": 1, "listEnvironments": 1}


def test_chunked_body_with_extensions_and_trailers_keeps_the_connection_in_sync(
    raw: Raw, sandbox: Sandbox, token: str
) -> None:
    data = json.dumps(FLOW).encode()
    body = b"%x;name=value\r\n%s\r\n%x\r\n%s\r\n0\r\nX-Trailer: 1\r\n\r\n" % (5, data[:5], len(data) - 5, data[5:])
    headers = auth(token, **{"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    path = f"/v1/{sandbox.environment_id}/action-flow/f1/start"
    raw.request("POST", path, headers, body)
    raw.request("POST", path, headers, body)  # pipelined
    assert [raw.response()[0], raw.response()[0]] == [200, 200]


@pytest.mark.parametrize(
    ("chunked", "status"),
    [
        (b"zz\r\nabc\r\n0\r\n\r\n", 400),  # not hex
        (b"3\r\nabcXY0\r\n\r\n", 400),  # chunk not followed by CRLF
        (b"+3\r\nabc\r\n0\r\n\r\n", 400),
        (b"3\nabc\r\n0\r\n\r\n", 400),  # bare LF
        (b"f" * 21 + b"\r\n", 400),  # more hex digits than any length needs
        (b"f" * 17 + b"\r\n" + b"a" * 2001, 413),  # a huge declared chunk is refused once the data passes the limit
        (b"7d1\r\n" + b"a" * 2001 + b"\r\n0\r\n\r\n", 413),  # over max_body_bytes=2000
    ],
)
def test_bad_chunked_bodies_get_json_and_close(chunked: bytes, status: int) -> None:
    with Sandbox(max_body_bytes=2000) as sb:
        raw = Raw(sb)
        try:
            raw.request("POST", f"/v1/{sb.environment_id}/event", {"Transfer-Encoding": "chunked"}, chunked)
            got, headers, body = raw.response()
            assert got == status
            assert headers["connection"] == "close"
            assert json.loads(body)["error"] in ("bad_request", "payload_too_large")
            assert raw.closed_by_server()
        finally:
            raw.close()


@pytest.mark.parametrize(
    ("headers", "status", "error"),
    [
        ({"Content-Length": "-1"}, 400, "bad_request"),
        ({"Content-Length": "+5"}, 400, "bad_request"),
        ({"Content-Length": "5x"}, 400, "bad_request"),
        ({"Content-Length": "1_0"}, 400, "bad_request"),
        ({"Content-Length": "3, 4"}, 400, "bad_request"),
        ({"Content-Length": "99999999999999999999999"}, 400, "bad_request"),
        ({"Content-Length": "2001"}, 413, "payload_too_large"),
        ({"Content-Length": "3", "Transfer-Encoding": "chunked"}, 400, "bad_request"),
        ({"Transfer-Encoding": "chunked, gzip"}, 501, "not_implemented"),
        ({"Transfer-Encoding": "gzip, chunked"}, 501, "not_implemented"),
    ],
)
def test_bad_framing_headers_get_json_and_close(headers: dict[str, str], status: int, error: str) -> None:
    with Sandbox(max_body_bytes=2000) as sb:
        raw = Raw(sb)
        try:
            raw.request("POST", f"/v1/{sb.environment_id}/event", headers)
            got, answer_headers, body = raw.response()
            assert got == status
            assert answer_headers["connection"] == "close"
            assert_json_error(answer_headers, body, error)
            assert raw.closed_by_server()
        finally:
            raw.close()


def test_body_shorter_than_its_content_length_gets_400(sandbox: Sandbox, token: str) -> None:
    raw = Raw(sandbox)
    try:
        raw.request("POST", f"/v1/{sandbox.environment_id}/event", auth(token, **{"Content-Length": "10"}), b"{}")
        raw.sock.shutdown(socket.SHUT_WR)
        status, headers, body = raw.response()
        assert status == 400
        message = assert_json_error(headers, body, "bad_request")["message"]
        assert message.startswith("malformed request: peer closed connection without sending complete message body")
    finally:
        raw.close()


def test_body_at_the_size_limit_is_read_and_over_it_is_413() -> None:
    with Sandbox(max_body_bytes=80) as sb:
        token = sb.issue_token("all")
        url = f"{sb.base_url}/v1/{sb.environment_id}/action-flow/f1/start"
        fits = json.dumps(FLOW).encode().ljust(80)
        assert (
            httpx.post(url, content=fits, headers=auth(token, **{"Content-Type": "application/json"})).status_code
            == 200
        )
        over = httpx.post(url, content=fits + b" ", headers=auth(token, **{"Content-Type": "application/json"}))
        assert over.status_code == 413
        assert over.json()["error"] == "payload_too_large"
        assert sb.internal_errors == []


@pytest.mark.parametrize("depth", [983, 5000, 200_000])
@pytest.mark.parametrize("valid", [True, False])
def test_deeply_nested_json_is_a_400_not_a_dropped_connection(
    sandbox: Sandbox, token: str, depth: int, valid: bool
) -> None:
    # A free-form value deep inside a valid body, or an invalid body that the old error text pretty-printed.
    nested = "[" * depth + "]" * depth
    body = '{"flows": [{"target": {"type": "user", "targetUserIds": ["u1"]}, "payload": ' + nested + "}]}"
    if not valid:
        body = nested
    response = httpx.post(
        f"{sandbox.base_url}/v1/{sandbox.environment_id}/action-flow/f1/start",
        content=body.encode(),
        headers=auth(token, **{"Content-Type": "application/json"}),
    )
    assert response.status_code == 400
    assert "nests arrays/objects more than 64 levels deep" in response.json()["message"]
    assert sandbox.internal_errors == []


def test_nesting_limit_is_exact_and_configurable() -> None:
    assert parse_json(b"[" * 64 + b"]" * 64) is not None
    with pytest.raises(BodyError, match="more than 64 levels"):
        parse_json(b"[" * 65 + b"]" * 65)
    assert parse_json(b'{"a": {"b": 1}}', max_depth=2) == {"a": {"b": 1}}
    with pytest.raises(BodyError, match="more than 1 levels"):
        parse_json(b'{"a": {"b": 1}}', max_depth=1)


@pytest.mark.parametrize(
    ("raw_body", "message"),
    [
        (b'{"flows": NaN}', "NaN is not a JSON value"),
        (b'{"flows": Infinity}', "Infinity is not a JSON value"),
        (b'{"flows": -Infinity}', "-Infinity is not a JSON value"),
        (b'{"flows": 1e999}', "the number 1e999 is out of range"),
        (b'{"flows": "\xff"}', "request body is not valid UTF-8 (bad byte at offset 11)"),
        (b'\xef\xbb\xbf{"flows": []}', "byte order mark"),
        (b'{"flows": \x00}', "request body is not valid JSON"),
    ],
)
def test_non_json_values_and_bad_utf8_are_400(sandbox: Sandbox, token: str, raw_body: bytes, message: str) -> None:
    response = httpx.post(
        f"{sandbox.base_url}/v1/{sandbox.environment_id}/action-flow/f1/start",
        content=raw_body,
        headers=auth(token, **{"Content-Type": "application/json"}),
    )
    assert response.status_code == 400
    assert message in response.json()["message"]


def test_bad_utf8_in_query_and_path_is_400(sandbox: Sandbox, token: str) -> None:
    base = f"{sandbox.base_url}/v1/{sandbox.environment_id}"
    query = httpx.get(f"{base}/cards?userId=%FF", headers=auth(token))
    assert query.status_code == 400 and "UTF-8" in query.json()["message"]
    path = httpx.get(f"{base}/card/%FF", headers=auth(token))
    assert path.status_code == 400 and "UTF-8" in path.json()["message"]


# ---- the catch-all: a handler failure is a logged JSON 500, never a dropped connection -----------------


def test_a_handler_failure_is_a_json_500_logged_and_recorded(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, token: str
) -> None:
    with Sandbox() as sb:
        secret_token = sb.issue_token("all")

        def broken(*args: object) -> Any:
            raise RuntimeError("boom")

        monkeypatch.setattr(sb, "_handle_api", broken)
        with caplog.at_level(logging.ERROR, logger="atomic_sdk.testing"):
            response = httpx.get(f"{sb.base_url}/v1/environments?x=1", headers=auth(secret_token))
        assert response.status_code == 500
        assert response.headers["connection"] == "close"
        assert response.json() == {
            "error": "internal_error",
            "message": "the Sandbox failed; see the atomic_sdk.testing log",
        }
        assert sb.internal_errors == ["GET /v1/environments: RuntimeError: boom"]
        records = [r for r in caplog.records if r.name == "atomic_sdk.testing"]
        assert len(records) == 1 and records[0].exc_info is not None
        assert secret_token not in caplog.text


# ---- parameters: JSON's number grammar, formats always checked -------------------------------------------


@pytest.mark.parametrize(
    "value", ["1_000", "+5", "00012", "\u0663", "\u0661\u0662", " 5", "5 ", "1.0", "1e2", "0x10", "", "-"]
)
def test_integer_parameters_follow_the_json_grammar(sandbox: Sandbox, token: str, value: str) -> None:
    response = httpx.get(
        f"{sandbox.base_url}/v1/{sandbox.environment_id}/cards", params={"limit": value}, headers=auth(token)
    )
    assert response.status_code == 400
    assert "query parameter 'limit'" in response.json()["message"]


@pytest.mark.parametrize(("value", "status"), [("12", 200), ("1", 200), ("0", 400), ("-3", 400)])
def test_plain_integers_pass_and_bounds_apply(sandbox: Sandbox, token: str, value: str, status: int) -> None:
    response = httpx.get(
        f"{sandbox.base_url}/v1/{sandbox.environment_id}/cards", params={"limit": value}, headers=auth(token)
    )
    assert response.status_code == status


def test_number_coercion_follows_the_json_grammar() -> None:
    number = {"type": "number"}
    assert [_coerce(v, number) for v in ("0", "-0", "12", "1.5", "-2.5e3", "1E+2")] == [0, 0, 12, 1.5, -2500.0, 100.0]
    for bad in ("01", "+1", "1.", ".5", "1_0", "NaN", "Infinity", "1e999", "\u0661", "1 "):
        with pytest.raises(ValueError):
            _coerce(bad, number)
    assert _coerce("-7", {"type": "integer"}) == -7
    with pytest.raises(ValueError):
        _coerce("9" * 5000, {"type": "integer"})


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("https://example.com/hook", 200),
        ("not a url", 400),
        ("example.com/hook", 400),
        ("https://example.com/hook\n", 400),
        ("https://exa mple.com/", 400),
    ],
)
def test_uri_format_is_always_checked(sandbox: Sandbox, token: str, url: str, status: int) -> None:
    response = httpx.post(
        f"{sandbox.base_url}/v1/{sandbox.environment_id}/webhook",
        json={"types": ["card-published"], "url": url},
        headers=auth(token),
    )
    assert response.status_code == status, response.text
    if status == 400:
        assert "is not a 'uri'" in response.json()["message"]


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("2020-03-27T01:00:00Z", 200),
        ("2020-03-27T01:00:00z", 200),
        ("2020-03-27T01:00:00Z\n", 400),
        ("2020-02-30T01:00:00Z", 400),
        ("2020-03-27", 400),
    ],
)
def test_date_time_format_is_strict(sandbox: Sandbox, token: str, value: str, status: int) -> None:
    response = httpx.get(
        f"{sandbox.base_url}/v1/{sandbox.environment_id}/analytics/batched",
        params={"from": value, "to": "2020-03-28T01:00:00Z"},
        headers=auth(token),
    )
    assert response.status_code == status, response.text


def test_format_checks_are_the_same_everywhere_and_need_their_dependencies(monkeypatch: pytest.MonkeyPatch) -> None:
    checker = build_format_checker()
    assert sorted(checker.checkers) == sorted(CHECKED_FORMATS)
    assert not checker.conforms("not a url", "uri") and checker.conforms("https://x.example/a", "uri")
    assert not checker.conforms("no-at-sign", "email") and checker.conforms("a@b.example", "email")
    assert not checker.conforms("2020-13-01", "date") and checker.conforms("2020-12-01", "date")
    assert not checker.conforms(2**31, "int32") and checker.conforms(2**31 - 1, "int32")
    monkeypatch.setitem(sys.modules, "rfc3986_validator", None)  # as if the package were not installed
    with pytest.raises(
        FormatDependencyError, match=r"rfc3986-validator.*pip install \"atomic-sdk\[testing\]\""
    ) as raised:
        build_format_checker()
    assert isinstance(raised.value, AtomicError) and isinstance(raised.value, ImportError)


# ---- duplicate credentials-bearing headers -----------------------------------------------------------


def test_duplicate_authorization_headers_are_400(raw: Raw, sandbox: Sandbox, token: str) -> None:
    other = sandbox.issue_token("all")
    raw.send(
        (
            f"GET /v1/environments HTTP/1.1\r\nHost: {raw.host}\r\nUser-Agent: {UA}\r\n"
            f"Authorization: Bearer {token}\r\nAuthorization: Bearer {other}\r\n\r\n"
        ).encode()
    )
    status, headers, body = raw.response()
    assert status == 400
    assert assert_json_error(headers, body, "bad_request")["message"] == "more than one Authorization header"
    assert token not in body.decode() and other not in body.decode()
    assert sandbox.api_requests == {}
    raw.request("GET", "/v1/environments", auth(token))  # the connection is still in sync
    assert raw.response()[0] == 200


def test_duplicate_authorization_on_the_token_endpoint_is_400(raw: Raw, sandbox: Sandbox) -> None:
    raw.send(
        (
            f"POST /oauth2/token?grant_type=client_credentials HTTP/1.1\r\nHost: {raw.host}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 0\r\n"
            "Authorization: Basic YTpi\r\nAuthorization: Basic Yzpk\r\n\r\n"
        ).encode()
    )
    status, _, body = raw.response()
    assert status == 400 and json.loads(body)["message"] == "more than one Authorization header"
    assert sandbox.token_requests == {}


@pytest.mark.parametrize(
    ("head", "message"),
    [
        (b"GET /v1/environments HTTP/1.1\r\nUser-Agent: x\r\n\r\n", "malformed request: Missing mandatory Host"),
        (b"GET /v1/environments HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "malformed request: Found multiple Host"),
    ],
)
def test_missing_or_duplicate_host_is_400_and_closes(raw: Raw, head: bytes, message: str) -> None:
    raw.send(head)
    status, headers, body = raw.response()
    assert (status, headers["connection"], json.loads(body)["message"]) == (400, "close", message)
    assert raw.closed_by_server()


# ---- error bodies follow the spec, whatever it documents ------------------------------------------------


def test_error_bodies_take_the_shape_the_spec_documents() -> None:
    listed = load_description().get("listCards")
    ours = {"error": "not_found", "message": "unknown environment"}
    assert listed.error_body(404, ours) == ours  # Atomic's Error schema is a free-form object
    coded = {
        "content": {
            "application/json": {
                "schema": {"type": "object", "required": ["code"], "properties": {"code": {"type": "integer"}}},
                "example": {"code": 404},
            }
        }
    }
    strict = attrs.evolve(listed, responses={"404": coded})
    assert strict.error_body(404, ours) == {"code": 404}
    assert attrs.evolve(listed, responses={"4XX": coded}).error_body(403, ours) == {"code": 404}
    assert attrs.evolve(listed, responses={"default": coded}).error_body(400, ours) == {"code": 404}
    assert attrs.evolve(listed, responses={}).error_body(400, ours) == ours
    # The keys are read from the spec as written: a range in any case, "default" in lower case.
    assert set(listed.responses) == {"200", "400", "401", "403", "404", "429"}


def test_webhook_test_call_checks_the_environment_too(sandbox: Sandbox, token: str) -> None:
    url = f"{sandbox.base_url}/v1/no-such-env/webhook?type=card-published"
    response = httpx.post(url, headers=auth(token))
    assert response.status_code == 404
    assert response.json()["message"] == "unknown environment 'no-such-env'; this Sandbox knows 4dkLrv"
    assert sandbox.api_requests == {"testWebhookSubscription": 1} and sandbox.webhook_tests == []


# ---- more of what a real server refuses -----------------------------------------------------------------


def test_methods_are_case_sensitive(raw: Raw, sandbox: Sandbox, token: str) -> None:
    raw.request("get", f"/v1/{sandbox.environment_id}/cards", auth(token))
    status, headers, _ = raw.response()
    assert (status, headers["allow"]) == (405, "GET")
    assert sandbox.api_requests == {}


def test_raw_non_ascii_in_the_request_target_is_400(raw: Raw, sandbox: Sandbox, token: str) -> None:
    raw.send(f"GET /v1/{sandbox.environment_id}/card/caf\u00e9 HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    status, headers, body = raw.response()
    assert status == 400
    assert assert_json_error(headers, body, "bad_request")["message"] == "malformed request: illegal request line"
    assert raw.closed_by_server()
    # Percent-encoded, the same id is fine.
    ok = httpx.get(f"{sandbox.base_url}/v1/{sandbox.environment_id}/card/caf%C3%A9", headers=auth(token))
    assert ok.status_code == 200


def test_a_single_valued_query_parameter_given_twice_is_400(sandbox: Sandbox, token: str) -> None:
    response = httpx.get(f"{sandbox.base_url}/v1/{sandbox.environment_id}/cards?limit=5&limit=6", headers=auth(token))
    assert response.status_code == 400
    assert response.json()["message"] == "query parameter 'limit' is given 2 times; it takes one value"


def test_duplicate_content_type_is_400(raw: Raw, sandbox: Sandbox, token: str) -> None:
    body = json.dumps(FLOW).encode()
    raw.send(
        (
            f"POST /v1/{sandbox.environment_id}/action-flow/f1/start HTTP/1.1\r\nHost: x\r\nUser-Agent: {UA}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Type: text/plain\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        + body
    )
    status, _, answer = raw.response()
    assert status == 400 and json.loads(answer)["message"] == "more than one Content-Type header"


def test_expect_continue_for_an_oversized_body_gets_413_instead_of_100() -> None:
    with Sandbox(max_body_bytes=100) as sb:
        raw = Raw(sb)
        try:
            raw.request("POST", f"/v1/{sb.environment_id}/event", {"Content-Length": "101", "Expect": "100-continue"})
            status, headers, body = raw.response()  # the first line is the final answer, not "100 Continue"
            assert status == 413 and headers["connection"] == "close"
            assert json.loads(body)["error"] == "payload_too_large"
        finally:
            raw.close()


@pytest.mark.parametrize("chunked", [False, True])
def test_a_large_upload_reads_its_413_instead_of_a_reset(chunked: bool) -> None:
    # The Sandbox stops reading at the limit; draining the rest before closing keeps the answer readable.
    with Sandbox(max_body_bytes=1000) as sb:
        token = sb.issue_token("all")
        body = b"x" * 8_000_000

        def pieces() -> Iterator[bytes]:
            for start in range(0, len(body), 65536):
                yield body[start : start + 65536]

        response = httpx.post(
            f"{sb.base_url}/v1/{sb.environment_id}/event",
            content=pieces() if chunked else body,
            headers=auth(token, **{"Content-Type": "application/json"}),
            timeout=20,
        )
        assert response.status_code == 413
        assert response.json() == {"error": "payload_too_large", "message": "the body is larger than 1000 bytes"}


def test_a_failure_while_reading_the_request_is_a_json_500_too(monkeypatch: pytest.MonkeyPatch) -> None:
    from atomic_sdk.testing import _server

    def broken(*args: object) -> bytes:
        raise ValueError("reader broke")

    with Sandbox() as sb:
        monkeypatch.setattr(_server._Connection, "_body", broken)
        response = httpx.get(f"{sb.base_url}/v1/environments", headers={"User-Agent": UA})
        assert response.status_code == 500
        assert response.json()["error"] == "internal_error"
        assert sb.internal_errors == ["- : ValueError: reader broke"]
