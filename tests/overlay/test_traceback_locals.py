"""No frame on a token failure's traceback holds a secret, a token or the Basic value in a local variable.

Error reporters that capture locals (Sentry does by default) render every frame of the traceback and of its
causes; ``traceback.TracebackException(..., capture_locals=True)`` renders the same.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable

import pytest
from atomic_sdk import AtomicClient, Credentials, TokenRequestError
from support.atomic_server import TOKEN_MARK, leaks, secret
from support.http_package import httpx

TOKEN_URL = "https://auth.example.test/oauth2/token"
SECRET = secret("locals")
ECHO = {"error": "invalid_client", "error_description": f"bad secret {SECRET}"}


def _token_response(kind: str) -> Callable[[httpx.Request], httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path != "/oauth2/token":
            return httpx.Response(200, json={"environments": []})
        basic = request.headers["authorization"]
        if kind == "400":
            return httpx.Response(400, json={**ECHO, "echo": basic})
        if kind == "401":
            return httpx.Response(401, json={**ECHO, "echo": basic})
        if kind == "429":
            return httpx.Response(429, headers={"Retry-After": "600"}, json={"echo": basic})
        if kind == "503":
            return httpx.Response(503, json={"echo": basic})
        if kind == "not-json":
            return httpx.Response(200, text=f"<html>{basic} {SECRET}</html>")
        if kind == "bad-type":
            return httpx.Response(200, json={"access_token": TOKEN_MARK + "x", "token_type": "mac", "echo": basic})
        if kind == "bad-expiry":
            return httpx.Response(200, json={"access_token": TOKEN_MARK + "x", "expires_in": "soon"})
        if kind == "too-large":
            return httpx.Response(200, content=(SECRET + basic).encode() * 10_000)
        raise httpx.ConnectError("connection refused", request=request)

    return answer


@pytest.mark.parametrize(
    "kind", ["400", "401", "429", "503", "not-json", "bad-type", "bad-expiry", "too-large", "connect-error"]
)
def test_no_secret_in_any_frame_of_a_token_failure(kind: str) -> None:
    client = AtomicClient(
        base_url="https://my-org.customer-api.atomic.io",
        token_url=TOKEN_URL,
        credentials=Credentials("locals-id", SECRET),
        max_retries=0,
        httpx_args={"transport": httpx.MockTransport(_token_response(kind))},
    )
    with client, pytest.raises(TokenRequestError) as info:
        client.environments.list_environments()
    rendered = "".join(
        traceback.TracebackException(
            type(info.value), info.value, info.value.__traceback__, capture_locals=True
        ).format()
    )
    assert "locals-id" in rendered  # the client id is no secret: the frames were rendered with their locals
    assert leaks(rendered) == []
