"""Credentials, Role, credential selection and from_env."""

from __future__ import annotations

import pytest
from atomic_sdk import AtomicClient, ConfigurationError, Credentials, MissingCredentialsError, Role
from atomic_sdk._credentials import CredentialSet
from atomic_sdk._operations import Operation
from support.atomic_server import assert_clean, raises_clean, secret


def test_role_values() -> None:
    assert [r.value for r in Role] == ["auth", "workbench", "events"]
    assert Role("events") is Role.EVENTS
    assert f"{Role.WORKBENCH}" == "workbench"


def test_credentials_repr_hides_secret() -> None:
    cred = Credentials("my-id", secret("a"))
    assert repr(cred) == "Credentials(client_id='my-id', secret=***)"
    assert str(cred) == repr(cred)
    assert_clean(cred, [cred], {"k": cred})
    assert cred == Credentials("my-id", secret("a"))
    assert cred != Credentials("my-id", secret("b"))
    with pytest.raises(AttributeError):
        cred.client_id = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("client_id", "client_secret", "needle"),
    [("", "s", "client_id"), ("a:b", "s", "':'"), ("id", "", "client_secret"), ("id\n", "s", "control")],
)
def test_credentials_validation(client_id: str, client_secret: str, needle: str) -> None:
    with raises_clean(ConfigurationError) as info:
        Credentials(client_id, client_secret)
    assert needle in str(info.value)


def _op(*roles: Role) -> Operation:
    return Operation("op", "GET", "/v1/x", roles)


def test_select_first_allowed_role_with_credentials() -> None:
    events, workbench = Credentials("ev", secret("e")), Credentials("wb", secret("w"))
    creds = CredentialSet({Role.WORKBENCH: workbench, "events": events})
    assert creds.select(_op(Role.EVENTS, Role.WORKBENCH, Role.AUTH)) == (Role.EVENTS, events)
    assert creds.select(_op(Role.AUTH, Role.WORKBENCH)) == (Role.WORKBENCH, workbench)
    assert creds.configured_roles == (Role.WORKBENCH, Role.EVENTS)


def test_single_key_serves_every_role() -> None:
    key = Credentials("one", secret("one"))
    creds = CredentialSet(key)
    for role in Role:
        assert creds.select(_op(role)) == (role, key)
    assert creds.configured_roles == tuple(Role)


def test_missing_credentials_names_operation_and_roles() -> None:
    creds = CredentialSet({Role.WORKBENCH: Credentials("wb", secret("w"))})
    with raises_clean(MissingCredentialsError) as info:
        creds.select(Operation("listCards", "GET", "/v1/{environmentId}/cards", (Role.EVENTS,)))
    err = info.value
    assert isinstance(err, MissingCredentialsError)
    assert (err.operation_id, err.allowed_roles, err.configured_roles) == ("listCards", (Role.EVENTS,), (Role.WORKBENCH,))
    assert "listCards" in str(err) and "events" in str(err) and "configured roles: workbench" in str(err)
    assert "ATOMIC_EVENTS_CLIENT_ID" in str(err)


@pytest.mark.parametrize(
    ("value", "needle"),
    [({}, "at least one role"), ({"admin": Credentials("a", "b")}, "unknown role 'admin'"), ({Role.AUTH: ("a", "b")}, "must be a Credentials"), ("id", "got str")],
)
def test_credential_set_rejects_bad_input(value: object, needle: str) -> None:
    with raises_clean(ConfigurationError) as info:
        CredentialSet(value)  # type: ignore[arg-type]
    assert needle in str(info.value)


ENV_BASE = {"ATOMIC_ORG_ID": "my-org"}


def test_from_env_per_role() -> None:
    env = {
        **ENV_BASE,
        "ATOMIC_ENVIRONMENT_ID": "env9",
        "ATOMIC_EVENTS_CLIENT_ID": "ev",
        "ATOMIC_EVENTS_CLIENT_SECRET": secret("ev"),
        "ATOMIC_AUTH_CLIENT_ID": "au",
        "ATOMIC_AUTH_CLIENT_SECRET": secret("au"),
        "ATOMIC_USER_AGENT": "my-app/1.2",
        "ATOMIC_TOKEN_URL": "http://127.0.0.1:9/oauth2/token",
    }
    client = AtomicClient.from_env(env)
    assert client.environment_id == "env9"
    assert client.org_id == "my-org"
    assert client.base_url == "https://my-org.customer-api.atomic.io"
    assert client.token_url == "http://127.0.0.1:9/oauth2/token"
    assert client.configured_roles == (Role.AUTH, Role.EVENTS)
    assert client.user_agent.startswith("my-app/1.2 atomic-sdk-python/")
    assert_clean(client)


def test_from_env_single_key_and_base_url() -> None:
    env = {"ATOMIC_BASE_URL": "http://127.0.0.1:9/prefix/", "ATOMIC_CLIENT_ID": "one", "ATOMIC_CLIENT_SECRET": secret("1")}
    client = AtomicClient.from_env(env, timeout=5.0)
    assert client.base_url == "http://127.0.0.1:9/prefix"
    assert client.org_id is None
    assert client.configured_roles == tuple(Role)


def test_from_env_reads_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATOMIC_ORG_ID", "org-from-env")
    monkeypatch.setenv("ATOMIC_CLIENT_ID", "one")
    monkeypatch.setenv("ATOMIC_CLIENT_SECRET", secret("os"))
    assert AtomicClient.from_env().org_id == "org-from-env"


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"ATOMIC_CLIENT_ID": "one", "ATOMIC_CLIENT_SECRET": "x"}, "ATOMIC_ORG_ID is not set"),
        (ENV_BASE, "ATOMIC_CLIENT_ID and ATOMIC_CLIENT_SECRET"),
        ({**ENV_BASE, "ATOMIC_EVENTS_CLIENT_ID": "ev"}, "ATOMIC_EVENTS_CLIENT_SECRET is missing"),
        ({**ENV_BASE, "ATOMIC_WORKBENCH_CLIENT_SECRET": "x"}, "ATOMIC_WORKBENCH_CLIENT_ID is missing"),
        ({**ENV_BASE, "ATOMIC_CLIENT_ID": "one"}, "ATOMIC_CLIENT_SECRET is missing"),
        (
            {**ENV_BASE, "ATOMIC_CLIENT_ID": "a", "ATOMIC_CLIENT_SECRET": "b", "ATOMIC_AUTH_CLIENT_ID": "c", "ATOMIC_AUTH_CLIENT_SECRET": "d"},
            "not both",
        ),
    ],
)
def test_from_env_names_missing_variable(env: dict[str, str], needle: str) -> None:
    with raises_clean(ConfigurationError) as info:
        AtomicClient.from_env(env)
    assert needle in str(info.value)
