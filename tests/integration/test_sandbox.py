"""The Sandbox behaves like Atomic where it matters to a client, and the SDK's role selection is what passes."""

from __future__ import annotations

import threading

import pytest
from atomic_api.api.cards import cancel_cards, list_cards
from atomic_api.api.environments import list_environments
from atomic_api.api.webhooks import list_webhook_subscriptions
from atomic_sdk import (
    AtomicClient,
    Credentials,
    MissingCredentialsError,
    PermissionDeniedError,
    Role,
    TokenRateLimitedError,
)
from atomic_sdk.testing import Sandbox
from support.clock import FakeClock
from support.http_package import httpx

UA = {"User-Agent": "sandbox-tests/1"}


def fetch_token(sandbox: Sandbox, role: str) -> str:
    creds = sandbox.credentials[role]
    response = httpx.post(
        sandbox.token_url,
        params={"grant_type": "client_credentials", "client_id": creds.client_id},
        auth=(creds.client_id, creds.client_secret),
        headers={"Content-Type": "application/x-www-form-urlencoded", **UA},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["expires_in"] == sandbox.expires_in
    token: str = body["access_token"]
    return token


# ---- token endpoint ------------------------------------------------------------------------------


def test_token_endpoint_issues_tokens_for_registered_keys(sandbox: Sandbox) -> None:
    first, second = fetch_token(sandbox, "events"), fetch_token(sandbox, "events")
    assert first != second and len(first) >= 32
    assert sandbox.token_requests == {"sandbox-events": 2}
    assert sandbox.token_requests_by_role() == {"events": 2}


def test_sensitive_values_are_the_secrets_and_issued_tokens(sandbox: Sandbox) -> None:
    secrets = sorted(c.client_secret for c in sandbox.credentials.values())
    assert sorted(sandbox.sensitive_values()) == secrets
    first, second = fetch_token(sandbox, "events"), fetch_token(sandbox, "auth")
    assert sorted(sandbox.sensitive_values()) == sorted([*secrets, first, second])


def test_paused_token_endpoint_counts_and_holds_requests_until_resumed(sandbox: Sandbox) -> None:
    sandbox.pause_token_endpoint()
    got: list[str] = []
    caller = threading.Thread(target=lambda: got.append(fetch_token(sandbox, "events")))
    caller.start()
    caller.join(timeout=0.5)
    assert caller.is_alive() and got == []
    assert sandbox.token_requests == {"sandbox-events": 1}  # counted on arrival, answer held
    sandbox.resume_token_endpoint()
    caller.join(timeout=5)
    assert len(got) == 1 and len(got[0]) >= 32


@pytest.mark.parametrize(
    ("auth", "params", "status", "error"),
    [
        (None, {"grant_type": "client_credentials"}, 401, "invalid_client"),
        (("sandbox-events", "wrong"), {"grant_type": "client_credentials"}, 401, "invalid_client"),
        (("nobody", "x"), {"grant_type": "client_credentials"}, 401, "invalid_client"),
        ("events", {"grant_type": "password"}, 400, "unsupported_grant_type"),
        ("events", {}, 400, "invalid_request"),
    ],
)
def test_token_endpoint_refuses_bad_requests(
    sandbox: Sandbox, auth: object, params: dict[str, str], status: int, error: str
) -> None:
    if auth == "events":
        creds = sandbox.credentials["events"]
        auth = (creds.client_id, creds.client_secret)
    response = httpx.post(
        sandbox.token_url,
        params=params,
        auth=auth,  # type: ignore[arg-type]
        headers={"Content-Type": "application/x-www-form-urlencoded", **UA},
    )
    assert response.status_code == status
    assert response.json()["error"] == error
    assert "access_token" not in response.text


def test_token_endpoint_rate_limits_with_retry_after() -> None:
    clock = FakeClock()
    with Sandbox(token_rate_limit=2, token_rate_window=10.0, clock=clock) as sb:
        fetch_token(sb, "events")
        fetch_token(sb, "events")
        creds = sb.credentials["events"]
        refused = httpx.post(
            sb.token_url,
            params={"grant_type": "client_credentials"},
            auth=(creds.client_id, creds.client_secret),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "10"
        clock.now += 10.0
        fetch_token(sb, "events")  # the window moved on
        assert sb.token_requests == {"sandbox-events": 4}


def test_sdk_surfaces_a_long_rate_limit_as_a_typed_error() -> None:
    with Sandbox(token_rate_limit=0, retry_after=3600) as sb, sb.client() as client:
        with pytest.raises(TokenRateLimitedError):
            list_environments.sync_detailed(client=client)
        assert sb.api_requests == {}


# ---- API requests: token, role, User-Agent, validation ---------------------------------------------


def test_wrong_role_token_gets_403_naming_both_roles(sandbox: Sandbox) -> None:
    token = fetch_token(sandbox, "workbench")
    response = httpx.get(
        f"{sandbox.base_url}/v1/{sandbox.environment_id}/cards", headers={"Authorization": f"Bearer {token}", **UA}
    )
    assert response.status_code == 403
    body = response.json()
    assert body["requiredRoles"] == ["events"] and body["tokenRole"] == "workbench"
    assert "events" in body["message"] and "workbench" in body["message"]
    assert sandbox.api_requests == {"listCards": 1}


def test_right_role_token_passes(sandbox: Sandbox) -> None:
    sandbox.seed(cards=[{"userId": "u1"}])
    token = fetch_token(sandbox, "events")
    response = httpx.get(
        f"{sandbox.base_url}/v1/{sandbox.environment_id}/cards", headers={"Authorization": f"Bearer {token}", **UA}
    )
    assert response.status_code == 200
    assert response.json()["data"][0]["status"] == "active"


def test_any_role_operation_accepts_every_role(sandbox: Sandbox) -> None:
    for role in ("auth", "workbench", "events"):
        token = fetch_token(sandbox, role)
        response = httpx.get(f"{sandbox.base_url}/v1/environments", headers={"Authorization": f"Bearer {token}", **UA})
        assert response.status_code == 200, role


def test_missing_user_agent_gets_403(sandbox: Sandbox) -> None:
    token = fetch_token(sandbox, "events")
    with httpx.Client() as raw:
        raw.headers.pop("User-Agent")
        response = raw.get(
            f"{sandbox.base_url}/v1/{sandbox.environment_id}/cards", headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 403
    assert "User-Agent" in response.json()["message"]
    headers = sandbox.last_request_headers
    assert headers is not None and "user-agent" not in headers


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic abc"])
def test_missing_or_unknown_token_gets_401(sandbox: Sandbox, authorization: str | None) -> None:
    headers = dict(UA) if authorization is None else {"Authorization": authorization, **UA}
    response = httpx.get(f"{sandbox.base_url}/v1/environments", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_expired_token_gets_401() -> None:
    clock = FakeClock()
    with Sandbox(expires_in=60, clock=clock) as sb:
        token = fetch_token(sb, "events")
        url, headers = f"{sb.base_url}/v1/environments", {"Authorization": f"Bearer {token}", **UA}
        clock.now += 59.0
        assert httpx.get(url, headers=headers).status_code == 200
        clock.now += 1.0
        response = httpx.get(url, headers=headers)
        assert response.status_code == 401
        assert "expired" in response.json()["message"]


def test_sdk_fetches_a_new_token_after_expiry() -> None:
    clock = FakeClock()
    with Sandbox(expires_in=120, clock=clock) as sb, sb.client() as client:
        assert list_environments.sync_detailed(client=client).status_code == 200
        clock.now += 121.0  # the server's clock only: the SDK still trusts its token, gets 401 and replays
        assert list_environments.sync_detailed(client=client).status_code == 200
        assert sb.token_requests_by_role() == {"events": 2}
        assert sb.api_requests == {"listEnvironments": 3}


def test_nonconforming_request_gets_400_with_the_reason(sandbox: Sandbox) -> None:
    token = fetch_token(sandbox, "events")
    headers = {"Authorization": f"Bearer {token}", **UA}
    response = httpx.put(
        f"{sandbox.base_url}/v1/{sandbox.environment_id}/cards/cancel", params={"multiple": "2"}, headers=headers
    )
    assert response.status_code == 400
    assert "multiple" in response.json()["message"]
    response = httpx.post(
        f"{sandbox.base_url}/v1/{sandbox.environment_id}/action-flow/f1/start", json={"flows": []}, headers=headers
    )
    assert response.status_code == 400
    assert "flows" in response.json()["message"] or "[]" in response.json()["message"]
    response = httpx.get(f"{sandbox.base_url}/v1/{sandbox.environment_id}/user", headers=headers)
    assert response.status_code == 400
    assert "id" in response.json()["message"]


def test_unknown_path_and_method(sandbox: Sandbox) -> None:
    assert httpx.get(f"{sandbox.base_url}/v1/{sandbox.environment_id}/nothing-here", headers=UA).status_code == 404
    assert httpx.delete(f"{sandbox.base_url}/v1/{sandbox.environment_id}/cards", headers=UA).status_code == 405


def test_most_literal_route_wins(sandbox: Sandbox) -> None:
    token = fetch_token(sandbox, "events")
    response = httpx.put(
        f"{sandbox.base_url}/v1/{sandbox.environment_id}/card/c1/archive",
        headers={"Authorization": f"Bearer {token}", **UA},
    )
    assert response.status_code == 200
    assert sandbox.api_requests == {"archiveCardConfiguration": 1}


# ---- the SDK's role selection is what makes the suite pass ------------------------------------------


def test_client_without_a_credential_for_the_role_fails_before_any_request(sandbox: Sandbox) -> None:
    with sandbox.client(credentials={Role.WORKBENCH: sandbox.credentials["workbench"]}) as client:
        with pytest.raises(MissingCredentialsError) as raised:
            list_cards.sync_detailed(client=client, environment_id=sandbox.environment_id)
        assert "events" in str(raised.value)
    assert sandbox.token_requests == {} and sandbox.api_requests == {}


def test_misdeclared_role_gets_403(sandbox: Sandbox) -> None:
    # A workbench key declared as the events key: the SDK sends its token, the service refuses it.
    misdeclared = {Role.EVENTS: sandbox.credentials["workbench"]}
    with sandbox.client(credentials=misdeclared) as client, pytest.raises(PermissionDeniedError) as raised:
        cancel_cards.sync_detailed(client=client, environment_id=sandbox.environment_id)
    assert "workbench" in str(raised.value)
    with sandbox.client(credentials=misdeclared, raise_on_error=False) as client:
        response = cancel_cards.sync_detailed(client=client, environment_id=sandbox.environment_id)
    assert response.status_code == 403
    assert b"this token has role workbench" in response.content
    assert sandbox.api_requests == {"cancelCards": 2}


def test_client_picks_the_role_per_operation(sandbox: Sandbox) -> None:
    with sandbox.client() as client:
        assert list_cards.sync_detailed(client=client, environment_id=sandbox.environment_id).status_code == 200
        assert (
            list_webhook_subscriptions.sync_detailed(client=client, environment_id=sandbox.environment_id).status_code
            == 200
        )
        assert list_environments.sync_detailed(client=client).status_code == 200
    # listEnvironments accepts any role and reuses the events token (first allowed role with a key).
    assert sandbox.token_requests_by_role() == {"events": 1, "workbench": 1}


def test_single_key_for_every_role() -> None:
    with Sandbox({"all": Credentials("one-key", "one-secret")}) as sb, sb.client() as client:
        assert list_cards.sync_detailed(client=client, environment_id=sb.environment_id).status_code == 200
        assert (
            list_webhook_subscriptions.sync_detailed(client=client, environment_id=sb.environment_id).status_code == 200
        )
        assert sb.token_requests == {"one-key": 1}


# ---- convenience surface ---------------------------------------------------------------------------


def test_plugin_fixture_runs_a_sandbox(atomic_sandbox: Sandbox) -> None:
    assert atomic_sandbox.base_url.startswith("http://127.0.0.1:")
    with atomic_sandbox.client() as client:
        response = list_environments.sync_detailed(client=client)
    assert response.status_code == 200
    assert atomic_sandbox.api_requests == {"listEnvironments": 1}


def test_env_points_from_env_at_the_sandbox(sandbox: Sandbox) -> None:
    with AtomicClient.from_env(sandbox.env()) as client:
        assert client.base_url == sandbox.base_url
        assert list_environments.sync_detailed(client=client).status_code == 200
    assert sandbox.env()["ATOMIC_ENVIRONMENT_ID"] == sandbox.environment_id == "4dkLrv"


def test_stop_releases_the_port() -> None:
    sb = Sandbox().start()
    url = sb.base_url
    sb.stop()
    with pytest.raises(httpx.TransportError):
        httpx.get(url + "/v1/environments", timeout=2.0)
    with pytest.raises(RuntimeError):
        sb.base_url  # noqa: B018


def test_repr_shows_no_secrets(sandbox: Sandbox) -> None:
    text = repr(sandbox) + repr(sandbox.credentials)
    for creds in sandbox.credentials.values():
        assert creds.client_secret not in text
