"""The Users API takes an events or a workbench key (issue 16), against the Sandbox's role checks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from atomic_api.api.user_preferences import update_user_preferences
from atomic_api.api.users import delete_users, get_user, list_users, update_custom_profile_fields, upsert_users
from atomic_api.models import (
    CustomProfileFieldDefinition,
    CustomProfileFieldDefinitionType,
    UpsertUser,
    UserList,
    UserPreferencesUpdate,
    UserPreferencesUpdateData,
)
from atomic_sdk import Credentials, MissingCredentialsError, Role, operation_roles
from atomic_sdk.testing import Sandbox
from support.http_package import httpx

WORKBENCH = Credentials("wb-only-id", "wb-only-secret")
EVENTS = Credentials("events-id", "events-secret")


@pytest.fixture
def keys_sandbox() -> Iterator[Sandbox]:
    with Sandbox({Role.WORKBENCH: WORKBENCH, Role.EVENTS: EVENTS}) as sandbox:
        yield sandbox


def test_role_map_lists_events_first_then_workbench() -> None:
    for operation_id in ("listUsers", "upsertUsers", "updateCustomProfileFields", "deleteUsers"):
        assert operation_roles(operation_id) == (Role.EVENTS, Role.WORKBENCH), operation_id
    assert operation_roles("getUser") == (Role.EVENTS,)
    assert operation_roles("updateUserPreferences") == (Role.EVENTS,)


def test_workbench_only_key_lists_users_with_one_workbench_token(keys_sandbox: Sandbox) -> None:
    keys_sandbox.seed(users=[{"id": "123"}])
    with keys_sandbox.client(credentials={Role.WORKBENCH: WORKBENCH}) as client:
        users = list_users.sync(keys_sandbox.environment_id, client=client, limit=50)
    assert isinstance(users, UserList)
    assert users.data.users[0].id == "123"  # the seeded user, served after the Sandbox's role check
    assert keys_sandbox.api_requests == {"listUsers": 1}
    assert keys_sandbox.token_requests == {"wb-only-id": 1}
    assert keys_sandbox.token_requests_by_role() == {"workbench": 1}


def test_workbench_only_key_serves_every_users_api_call_with_the_same_token(keys_sandbox: Sandbox) -> None:
    env = keys_sandbox.environment_id
    with keys_sandbox.client(credentials={Role.WORKBENCH: WORKBENCH}) as client:
        responses = [
            list_users.sync_detailed(env, client=client),
            upsert_users.sync_detailed(env, client=client, body=[UpsertUser(id="123")]),
            update_custom_profile_fields.sync_detailed(
                env,
                client=client,
                body=[
                    CustomProfileFieldDefinition(name="tier", label="Tier", type_=CustomProfileFieldDefinitionType.TEXT)
                ],
            ),
            delete_users.sync_detailed(env, client=client, body=["123"]),
        ]
    assert [r.status_code for r in responses] == [200, 200, 200, 200]
    assert keys_sandbox.api_requests == {
        "listUsers": 1,
        "upsertUsers": 1,
        "updateCustomProfileFields": 1,
        "deleteUsers": 1,
    }
    assert keys_sandbox.token_requests_by_role() == {"workbench": 1}


async def test_workbench_only_key_lists_users_async(keys_sandbox: Sandbox) -> None:
    async with keys_sandbox.client(credentials={Role.WORKBENCH: WORKBENCH}) as client:
        users = await list_users.asyncio(keys_sandbox.environment_id, client=client)
    assert isinstance(users, UserList)
    assert keys_sandbox.api_requests == {"listUsers": 1}
    assert keys_sandbox.token_requests_by_role() == {"workbench": 1}


def test_user_preferences_page_calls_still_need_events(keys_sandbox: Sandbox) -> None:
    env = keys_sandbox.environment_id
    with keys_sandbox.client(credentials={Role.WORKBENCH: WORKBENCH}) as client:
        with pytest.raises(MissingCredentialsError) as caught:
            get_user.sync(env, client=client, id="123")
        assert caught.value.allowed_roles == (Role.EVENTS,)
        assert caught.value.configured_roles == (Role.WORKBENCH,)
        with pytest.raises(MissingCredentialsError, match="updateUserPreferences"):
            update_user_preferences.sync(
                env, client=client, body=UserPreferencesUpdate(data=UserPreferencesUpdateData())
            )
    # Refused before any I/O: no token, no API request.
    assert keys_sandbox.token_requests == {}
    assert keys_sandbox.api_requests == {}


def test_with_both_keys_the_events_key_is_used(keys_sandbox: Sandbox) -> None:
    with keys_sandbox.client() as client:
        list_users.sync(keys_sandbox.environment_id, client=client)
        delete_users.sync(keys_sandbox.environment_id, client=client, body=["123"])
    assert keys_sandbox.token_requests == {"events-id": 1}


def test_sandbox_enforces_the_roles_itself(keys_sandbox: Sandbox) -> None:
    """Raw HTTP with a workbench token: the Users API answers, the preferences page refuses with 403."""
    token = keys_sandbox.issue_token("workbench")
    headers = {"Authorization": f"Bearer {token}", "User-Agent": "roles-test/1"}
    base = f"{keys_sandbox.base_url}/v1/{keys_sandbox.environment_id}"
    assert httpx.get(f"{base}/users", headers=headers).status_code == 200
    refused = httpx.get(f"{base}/user", params={"id": "123"}, headers=headers)
    assert refused.status_code == 403
    assert refused.json()["requiredRoles"] == ["events"]
    assert refused.json()["tokenRole"] == "workbench"
    assert keys_sandbox.api_requests == {"listUsers": 1, "getUser": 1}
