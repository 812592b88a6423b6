"""The Sandbox keeps state per environment: what one call creates, the others list, fetch, change and delete.

Every test here runs against the Sandbox served on 127.0.0.1 (the session's, reset before each test) through
the SDK's resource layer. Iterators are read through ``islice`` with a bound well above the expected count, so
a Sandbox that pages wrongly fails the count instead of hanging the suite.
"""

from __future__ import annotations

from itertools import islice

import pytest
from atomic_api.models import (
    ActionFlowRequest,
    CardStatus,
    CreateCredentialRequest,
    CreateCredentialRequestRole,
    Flow,
    FlowTarget,
    MultipleFlag,
    NotificationPlatformCreate,
    NotificationPlatformCreatePlatform,
    UpsertUser,
    UserPreferencesUpdate,
    UserPreferencesUpdateData,
    WebhookSubscriptionRequest,
)
from atomic_sdk import AtomicClient, BadRequestError, Credentials, NotFoundError, PermissionDeniedError, Role
from atomic_sdk.testing import Sandbox
from support.http_package import httpx

BOUND = 1000  # far above any count below: a Sandbox that never ends a list fails, it does not hang


def hook(url: str = "https://example.com/hook") -> WebhookSubscriptionRequest:
    return WebhookSubscriptionRequest(types=["card-published"], url=url)


def start(client: AtomicClient, *users: str, flow: str = "af-1", invocation: str | None = None) -> str:
    target = FlowTarget(type_="user", target_user_ids=list(users))
    flows = [Flow(target=target) if invocation is None else Flow(target=target, flow_invocation_id=invocation)]
    response = client.action_flows.start_action_flow(flow, body=ActionFlowRequest(flows=flows))
    invocation_id: str = response.flow_invocation_id  # type: ignore[assignment]
    return invocation_id


# ---- webhooks --------------------------------------------------------------------------------------------


def test_webhooks_created_are_listed_and_deleted_ones_are_gone(sandbox: Sandbox) -> None:
    with sandbox.client() as client:
        created = [
            client.webhooks.create_webhook_subscription(body=hook(f"https://example.com/{n}")).data for n in range(3)
        ]
        listed = client.webhooks.list_webhook_subscriptions().data
        assert [w.id for w in listed] == [w.id for w in created]  # type: ignore[union-attr]
        assert [w.url for w in listed] == ["https://example.com/0", "https://example.com/1", "https://example.com/2"]  # type: ignore[union-attr]
        client.webhooks.delete_webhook_subscription(created[1].id)  # type: ignore[arg-type]
        assert [w.id for w in client.webhooks.list_webhook_subscriptions().data] == [created[0].id, created[2].id]  # type: ignore[union-attr]
        with pytest.raises(NotFoundError, match="no webhook subscription"):
            client.webhooks.delete_webhook_subscription(created[1].id)  # type: ignore[arg-type]
    assert len(sandbox.data()["webhooks"]) == 2


def test_a_created_webhook_shows_its_secret_once(sandbox: Sandbox) -> None:
    with sandbox.client() as client:
        created = client.webhooks.create_webhook_subscription(body=hook()).data
        listed = client.webhooks.list_webhook_subscriptions().data
    assert isinstance(created.secret, str) and len(created.secret) == 36
    assert listed[0].to_dict() == {k: v for k, v in created.to_dict().items() if k != "secret"}  # type: ignore[index]


def test_the_101st_webhook_is_refused(sandbox: Sandbox) -> None:
    sandbox.seed(webhooks=[{"types": ["card-published"], "url": f"https://example.com/{n}"} for n in range(100)])
    with sandbox.client() as client, pytest.raises(BadRequestError, match="at most 100 webhooks"):
        client.webhooks.create_webhook_subscription(body=hook())
    assert len(sandbox.data()["webhooks"]) == 100


def test_state_is_per_environment() -> None:
    with Sandbox(environments=["prod", "staging"]) as sb, sb.client() as client:
        client.webhooks.create_webhook_subscription(body=hook())
        assert len(client.webhooks.list_webhook_subscriptions().data) == 1  # type: ignore[arg-type]
        assert client.webhooks.list_webhook_subscriptions(environment_id="staging").data == []
        assert len(sb.data("prod")["webhooks"]) == 1 and sb.data("staging")["webhooks"] == []


# ---- notification platforms and credentials ----------------------------------------------------------------


def test_notification_platforms_cycle_without_keeping_the_credential(sandbox: Sandbox) -> None:
    body = NotificationPlatformCreate(
        platform=NotificationPlatformCreatePlatform.GCM, platform_credential="fcm-key-secret"
    )
    with sandbox.client() as client:
        for _ in range(2):
            client.notification_platforms.create_notification_platform(body=body)
        listed = client.notification_platforms.list_notification_platforms().data
        assert [p.type_ for p in listed] == ["sns-notification-platform"] * 2
        client.notification_platforms.delete_notification_platform(listed[0].id)  # type: ignore[arg-type]
        assert [p.id for p in client.notification_platforms.list_notification_platforms().data] == [listed[1].id]
        with pytest.raises(NotFoundError):
            client.notification_platforms.delete_notification_platform(listed[0].id)  # type: ignore[arg-type]
    assert "fcm-key-secret" not in repr(sandbox.data())  # neither in the records nor in the audit log


def test_a_created_credential_works_until_revoked(sandbox: Sandbox) -> None:
    with sandbox.client() as client:
        pair = client.credentials.create_credential(
            body=CreateCredentialRequest(role=CreateCredentialRequestRole.EVENTS)
        ).data
    new_key = Credentials(pair.client_id, pair.client_secret)  # type: ignore[arg-type]
    assert new_key.client_secret in sandbox.sensitive_values()
    with sandbox.client(credentials={Role.EVENTS: new_key}) as other:
        assert other.cards.list_cards().data == []
    with sandbox.client() as client:
        assert client.credentials.revoke_credential(new_key.client_id).data.client_id == new_key.client_id
        with pytest.raises(NotFoundError):
            client.credentials.revoke_credential(new_key.client_id)
    token = httpx.post(
        sandbox.token_url,
        params={"grant_type": "client_credentials"},
        auth=(new_key.client_id, new_key.client_secret),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (token.status_code, token.json()["error"]) == (401, "invalid_client")


def test_revoking_a_registered_key_lasts_until_reset_and_auth_keys_are_refused(sandbox: Sandbox) -> None:
    with sandbox.client() as client:
        client.credentials.revoke_credential("sandbox-workbench")
        with pytest.raises(PermissionDeniedError, match="auth keys cannot be revoked"):
            client.credentials.revoke_credential("sandbox-auth")
    with sandbox.client() as client, pytest.raises(Exception, match="invalid_client"):
        client.webhooks.list_webhook_subscriptions()
    sandbox.reset()
    with sandbox.client() as client:
        assert client.webhooks.list_webhook_subscriptions().data == []


# ---- users ---------------------------------------------------------------------------------------------------


def test_users_are_upserted_fetched_listed_and_deleted(sandbox: Sandbox) -> None:
    with sandbox.client() as client:
        client.users.upsert_users(body=[UpsertUser.from_dict({"id": "u1", "name": "Sam"}), UpsertUser(id="u2")])
        client.users.upsert_users(body=[UpsertUser.from_dict({"id": "u1", "email": "sam@example.com"})])
        fetched = client.users.get_user(id="u1").data
        assert fetched.profile.to_dict() == {"name": "Sam", "email": "sam@example.com"}  # type: ignore[union-attr]
        assert [u.id for u in client.users.list_users().data.users] == ["u1", "u2"]
        assert [u.id for u in client.users.list_users(limit=1).data.users] == ["u1"]
        client.users.delete_users(body=["u1"])
        assert [u.id for u in client.users.list_users().data.users] == ["u2"]
        with pytest.raises(NotFoundError, match="no user 'u1'"):
            client.users.get_user(id="u1")


def test_preferences_create_the_user_and_are_returned(sandbox: Sandbox) -> None:
    data = UserPreferencesUpdateData.from_dict({"u9": {"timezone": "Pacific/Auckland", "notificationsEnabled": True}})
    with sandbox.client() as client:
        client.user_preferences.update_user_preferences(body=UserPreferencesUpdate(data=data))
        user = client.users.get_user(id="u9").data
    assert user.preferences.to_dict() == {"timezone": "Pacific/Auckland", "notificationsEnabled": True}  # type: ignore[union-attr]
    assert isinstance(user.preferences_updated, object) and user.segments is not None


def test_list_users_filters_by_segment(sandbox: Sandbox) -> None:
    sandbox.seed(users=[{"id": "a", "segments": {"vip": {}}}, {"id": "b"}, {"id": "c", "segments": {"vip": {}}}])
    with sandbox.client() as client:
        assert [u.id for u in client.users.list_users(segment_id="vip").data.users] == ["a", "c"]


# ---- cards: Action Flows create them, dismiss / complete / cancel close them, listCards pages -------------------


def test_starting_a_flow_gives_each_target_an_active_card(sandbox: Sandbox) -> None:
    with sandbox.client() as client:
        invocation = start(client, "u1", "u2", invocation="inv-1")
        assert invocation == "inv-1"
        generated = start(client, "u1")
        cards = client.cards.list_cards().data
        assert [(c.user_id, c.status, c.flow_invocation_id) for c in cards] == [
            ("u1", CardStatus.ACTIVE, "inv-1"),
            ("u2", CardStatus.ACTIVE, "inv-1"),
            ("u1", CardStatus.ACTIVE, generated),
        ]
        assert [u.id for u in client.users.list_users().data.users] == ["u1", "u2"]  # a trigger creates the profile
        assert len({c.card_instance_id for c in cards}) == 3


def test_a_test_start_reaches_only_test_users(sandbox: Sandbox) -> None:
    sandbox.seed(users=[{"id": "tester", "profile": {"user_type": "test"}}, {"id": "customer"}])
    flows = [Flow(target=FlowTarget(type_="user", target_user_ids=["tester", "customer", "stranger"]))]
    with sandbox.client() as client:
        client.action_flows.test_action_flow("af-1", body=ActionFlowRequest(flows=flows))
        cards = client.cards.list_cards().data
    assert [(c.user_id, c.event_source) for c in cards] == [("tester", "test")]


@pytest.mark.parametrize(
    ("action", "final"),
    [
        ("dismiss_cards", CardStatus.DISMISSED),
        ("complete_cards", CardStatus.COMPLETED),
        ("cancel_cards", CardStatus.CANCELLED),
    ],
)
def test_card_actions_close_the_selected_open_cards(sandbox: Sandbox, action: str, final: CardStatus) -> None:
    with sandbox.client() as client:
        start(client, "u1", "u2")
        start(client, "u1")
        act = getattr(client.cards, action)
        with pytest.raises(BadRequestError, match="matches 2 cards; add multiple=1"):
            act(user_id="u1")
        act(user_id="u1", multiple=MultipleFlag.VALUE_1)
        statuses = [(c.user_id, c.status) for c in client.cards.list_cards().data]
        assert statuses == [("u1", final), ("u2", CardStatus.ACTIVE), ("u1", final)]
        act(user_id="u1")  # nothing open matches any more: fine, and nothing changes
        act(user_id="u2")  # exactly one match needs no multiple=1
        assert [c.status for c in client.cards.list_cards(status=CardStatus.ACTIVE).data] == []
        assert len(client.cards.list_cards(status=final).data) == 3


def test_card_actions_take_at_most_limit_cards(sandbox: Sandbox) -> None:
    sandbox.seed(cards=[{"userId": "u1"}] * 5)
    with sandbox.client() as client:
        client.cards.cancel_cards(user_id="u1", multiple=MultipleFlag.VALUE_1, limit=2)
        assert len(client.cards.list_cards(status=CardStatus.CANCELLED).data) == 2
        client.cards.cancel_cards(user_id="u1", multiple=MultipleFlag.VALUE_1, limit=2)
        client.cards.cancel_cards(user_id="u1", multiple=MultipleFlag.VALUE_1, limit=2)
        assert len(client.cards.list_cards(status=CardStatus.CANCELLED).data) == 5


@pytest.mark.parametrize("page_size", [1, 2, 3, 7, 100])
def test_iter_list_cards_ends_with_exactly_the_cards_there_are(sandbox: Sandbox, page_size: int) -> None:
    sandbox.seed(cards=[{"userId": "u1", "lifecycleId": f"lc-{n}"} for n in range(7)] + [{"userId": "other"}] * 3)
    with sandbox.client() as client:
        cards = list(islice(client.cards.iter_list_cards(user_id="u1", page_size=page_size), BOUND))
    assert [c.lifecycle_id for c in cards] == [f"lc-{n}" for n in range(7)]
    expected_pages = 7 // page_size + 1  # the last page is short (or empty), which ends the iteration
    assert sandbox.api_requests == {"listCards": expected_pages}


async def test_async_iter_list_cards_ends_too(sandbox: Sandbox) -> None:
    sandbox.seed(cards=[{"userId": "u1"}] * 4)
    async with sandbox.async_client() as client:
        seen = 0
        async for _ in client.cards.iter_list_cards(user_id="u1", page_size=1):
            seen += 1
            assert seen <= BOUND
    assert seen == 4 and sandbox.api_requests == {"listCards": 5}


def test_list_cards_honours_limit_and_offset(sandbox: Sandbox) -> None:
    sandbox.seed(cards=[{"userId": "u1", "lifecycleId": f"lc-{n}"} for n in range(150)])
    with sandbox.client() as client:
        assert len(client.cards.list_cards().data) == 100  # Atomic's default page
        page = client.cards.list_cards(limit=3, offset=148).data
    assert [c.lifecycle_id for c in page] == ["lc-148", "lc-149"]


# ---- audit log: cursor paging ---------------------------------------------------------------------------------


def test_the_audit_log_records_calls_and_pages_by_cursor(sandbox: Sandbox) -> None:
    sandbox.seed(audit_log=[{"url": f"/seeded/{n}", "method": "GET", "status": 200} for n in range(120)])
    with sandbox.client() as client:
        client.webhooks.create_webhook_subscription(body=hook())
        entries = list(islice(client.audit_log.iter_list_audit_log_entries(), BOUND))
        first_page = client.audit_log.list_audit_log_entries()
    assert len(entries) == 121 and len(first_page.data) == 50 and isinstance(first_page.cursor, str)
    last = entries[-1]
    assert (last.url, last.method, last.status, last.auth.client_id) == (  # type: ignore[union-attr]
        f"/v1/{sandbox.environment_id}/webhook",
        "POST",
        200,
        "sandbox-workbench",
    )
    assert sandbox.api_requests["listAuditLogEntries"] == 4  # 50 + 50 + 21, then the extra call above


def test_an_unknown_cursor_reads_as_the_end(sandbox: Sandbox) -> None:
    sandbox.seed(audit_log=[{"url": "/x"}])
    with sandbox.client() as client:
        page = client.audit_log.list_audit_log_entries(cursor="not-one-of-ours")
    assert page.data == [] and not isinstance(page.cursor, str)


# ---- seed, data, reset --------------------------------------------------------------------------------------------


def test_seed_fills_in_ids_and_timestamps_and_accepts_models(sandbox: Sandbox) -> None:
    sandbox.seed(users=[UpsertUser(id="m1")], cards=[{"userId": "m1", "status": "snoozed"}])
    data = sandbox.data()
    assert [u["id"] for u in data["users"]] == ["m1"]
    (card,) = data["cards"]
    assert card["status"] == "snoozed" and card["cardInstanceId"] and card["created"].endswith("Z")
    data["cards"].clear()  # a copy: the Sandbox's own records are untouched
    assert len(sandbox.data()["cards"]) == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"users": [{"name": "no id"}]}, "needs a non-empty string 'id'"),
        ({"environment_id": "nope"}, "unknown environment 'nope'"),
    ],
)
def test_bad_seeds_are_configuration_errors(sandbox: Sandbox, kwargs: dict[str, object], message: str) -> None:
    from atomic_sdk import ConfigurationError

    with pytest.raises(ConfigurationError, match=message):
        sandbox.seed(**kwargs)  # type: ignore[arg-type]
    assert sandbox.data()["users"] == []


def test_reset_forgets_every_record(sandbox: Sandbox) -> None:
    sandbox.seed(
        users=[{"id": "u1"}], cards=[{"userId": "u1"}], webhooks=[{"id": "w1", "types": [], "url": "https://e.x"}]
    )
    with sandbox.client() as client:
        client.webhooks.create_webhook_subscription(body=hook())
    sandbox.reset()
    assert sandbox.data() == {
        "cards": [],
        "users": [],
        "webhooks": [],
        "notification_platforms": [],
        "audit_log": [],
    }
    assert sandbox.api_requests == {} and sandbox.token_requests == {}
