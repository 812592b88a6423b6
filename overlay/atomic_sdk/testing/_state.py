"""What the Sandbox remembers per environment, and the operations that read and change it.

Records are kept in the API's own JSON shapes. An operation in ``HANDLERS`` is answered from the environment's
records (the caller copies the answer); any other operation gets its spec example (the docs give it no state).
"""

import base64
import copy
import json
import secrets
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TypedDict

from attrs import define, field

from .._errors import ConfigurationError

AUDIT_LOG_PAGE_SIZE = 50
MAX_WEBHOOKS = 100  # per environment, as the webhook docs say
_SELECTION = ("eventName", "lifecycleId", "cardTemplateId", "flowInstanceId", "flowInvocationId", "userId", "status")
_OPEN = frozenset({"active", "embargoed", "snoozed"})  # the closed states are final
_ACTIONS = {"dismissCards": "dismissed", "completeCards": "completed", "cancelCards": "cancelled"}
_DEFAULT_ACTION_LIMIT = {"cancelCards": 500}  # dismiss and complete document no default
Result = tuple[int, Any]


class EnvironmentData(TypedDict, total=False):
    """An environment's records, in the API's JSON shapes: what ``Sandbox.seed`` takes and ``data`` returns."""

    cards: list[dict[str, Any]]
    users: list[dict[str, Any]]
    webhooks: list[dict[str, Any]]
    notification_platforms: list[dict[str, Any]]
    custom_profile_fields: list[dict[str, Any]]
    audit_log: list[dict[str, Any]]


@define
class Call:
    """One admitted, valid request, as an operation handler sees it."""

    path: Mapping[str, str]
    query: Mapping[str, str]  # the last value of each parameter
    body: Any  # the parsed JSON body, or None
    operation_id: str
    keys: Mapping[str, str] = {}  # the Sandbox's registered keys: client id -> role


def timestamp() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _new_id() -> str:
    return secrets.token_urlsafe(6)  # 8 characters, like Atomic's "2nBrJUjz"


def _with(record: Mapping[str, Any], **defaults: Any) -> dict[str, Any]:
    """A copy of ``record`` with the missing fields filled in (the given ones keep their order)."""
    return {**copy.deepcopy(dict(record)), **{key: value for key, value in defaults.items() if key not in record}}


def _missing(what: str, value: str) -> Result:
    return 404, {"error": "not_found", "message": f"no {what} {value!r} in this environment"}


@define
class EnvironmentState:
    cards: list[dict[str, Any]] = field(factory=list)
    users: dict[str, dict[str, Any]] = field(factory=dict)
    webhooks: dict[str, dict[str, Any]] = field(factory=dict)
    platforms: dict[str, dict[str, Any]] = field(factory=dict)
    profile_fields: list[dict[str, Any]] = field(factory=list)
    audit_log: list[dict[str, Any]] = field(factory=list)
    # Keys created through createCredential: client id -> (secret, role); registered keys revoked here.
    credentials: dict[str, tuple[str, str]] = field(factory=dict)
    revoked: set[str] = field(factory=set)

    def seed(self, data: EnvironmentData) -> None:
        for user in data.get("users", ()):
            if not isinstance(user.get("id"), str) or not user["id"]:
                raise ConfigurationError(f"a seeded user needs a non-empty string 'id', got {user!r}")
        self.cards += [_card(card) for card in data.get("cards", ())]
        for user in data.get("users", ()):
            self.users[user["id"]] = _with(user, created=timestamp(), preferences={}, profile={})
        for hook in data.get("webhooks", ()):
            record = _with(hook, id=_new_id(), headers={}, created=timestamp(), updated=timestamp())
            self.webhooks[record["id"]] = record
        for platform in data.get("notification_platforms", ()):
            record = _with(platform, id=_new_id(), type="sns-notification-platform")
            self.platforms[record["id"]] = record
        self.profile_fields += copy.deepcopy(data.get("custom_profile_fields", []))
        self.audit_log += copy.deepcopy(data.get("audit_log", []))

    def data(self) -> EnvironmentData:
        return copy.deepcopy(
            EnvironmentData(
                cards=self.cards,
                users=list(self.users.values()),
                webhooks=list(self.webhooks.values()),
                notification_platforms=list(self.platforms.values()),
                custom_profile_fields=self.profile_fields,
                audit_log=self.audit_log,
            )
        )

    def user(self, user_id: str) -> dict[str, Any]:
        """The customer with this id; Atomic creates a profile the first time it sees an id."""
        return self.users.setdefault(user_id, {"id": user_id, "created": timestamp(), "preferences": {}, "profile": {}})


def _card(fields: Mapping[str, Any]) -> dict[str, Any]:
    stamp = timestamp()
    return _with(
        fields,
        cardInstanceId=_new_id(),
        eventName="",
        eventSource="live",
        status="active",
        created=stamp,
        updated=stamp,
    )


# ---- cards and Action Flows ------------------------------------------------------------------------


def _selected(state: EnvironmentState, query: Mapping[str, str]) -> list[dict[str, Any]]:
    wanted = {name: query[name] for name in _SELECTION if name in query}
    return [card for card in state.cards if all(card.get(name) == value for name, value in wanted.items())]


def list_cards(state: EnvironmentState, call: Call) -> Result:
    offset, limit = int(call.query.get("offset", 0)), int(call.query.get("limit", 100))
    return 200, {"data": _selected(state, call.query)[offset : offset + limit]}


def act_on_cards(state: EnvironmentState, call: Call) -> Result:
    """dismiss / complete / cancel: the selected open cards move to the final state, ``limit`` at a time."""
    matches = [card for card in _selected(state, call.query) if card["status"] in _OPEN]
    if len(matches) > 1 and call.query.get("multiple") != "1":
        message = f"the selection matches {len(matches)} cards; add multiple=1 to act on more than one"
        return 400, {"error": "bad_request", "message": message}
    limit = call.query.get("limit", _DEFAULT_ACTION_LIMIT.get(call.operation_id))
    stamp = timestamp()
    for card in matches if limit is None else matches[: int(limit)]:
        card.update(status=_ACTIONS[call.operation_id], updated=stamp)
    return 200, {}


def _is_test_user(state: EnvironmentState, user_id: str) -> bool:
    return bool(state.users.get(user_id, {}).get("profile", {}).get("user_type") == "test")


def _target_users(state: EnvironmentState, target: Mapping[str, Any], test: bool) -> list[str]:
    if target.get("type") == "user":
        ids = target.get("targetUserIds", [])
    elif target.get("type") == "allTestUsers":
        ids = [user_id for user_id in state.users if _is_test_user(state, user_id)]
    else:  # usersById (legacy, a list or one string); bulk targets (tags, segments, filters) reach no one here
        ids = target.get("usersById", [])
    ids = [ids] if isinstance(ids, str) else ids if isinstance(ids, list) else []
    ids = list(dict.fromkeys(user_id for user_id in ids if isinstance(user_id, str)))
    # A test start reaches only test users; other ids are ignored.
    return [user_id for user_id in ids if _is_test_user(state, user_id)] if test else ids


def start_flow(state: EnvironmentState, call: Call) -> Result:
    """One Action Flow instance and one active card per targeted user, for each flow object."""
    test = call.operation_id == "testActionFlow"
    invocations = []
    for flow in call.body["flows"]:
        invocations.append(flow.get("flowInvocationId") or str(uuid.uuid4()))
        payload = flow.get("payload") or {}
        for user_id in _target_users(state, flow["target"], test):
            state.user(user_id)
            card_payload = {
                "detail": payload.get("variables", {}),
                "target": {"usersById": [user_id]},
                "cardOptions": payload.get("cardOptions", {}),
                "metadata": payload.get("metadata", {}),
            }
            card = {"cardTemplateId": f"{call.path['flowConfigId']}-card", "lifecycleId": _new_id()}
            card.update(
                flowInstanceId=_new_id(), flowInvocationId=invocations[-1], eventSource="test" if test else "live"
            )
            state.cards.append(_card({**card, "userId": user_id, "definition": {}, "payload": card_payload}))
    return 200, {"flowInvocationId": invocations[0]}


# ---- users ------------------------------------------------------------------------------------------


def list_users(state: EnvironmentState, call: Call) -> Result:
    users = list(state.users.values())
    if "segmentId" in call.query:
        users = [user for user in users if call.query["segmentId"] in (user.get("segments") or {})]
    limit = int(call.query["limit"]) if "limit" in call.query else None
    return 200, {"data": {"users": [{k: v for k, v in user.items() if k != "segments"} for user in users[:limit]]}}


def get_user(state: EnvironmentState, call: Call) -> Result:
    user = state.users.get(call.query["id"])
    return _missing("user", call.query["id"]) if user is None else (200, {"data": {"segments": {}, **user}})


def upsert_users(state: EnvironmentState, call: Call) -> Result:
    for item in call.body:
        state.user(item["id"])["profile"].update({key: value for key, value in item.items() if key != "id"})
    return 200, {}


def update_preferences(state: EnvironmentState, call: Call) -> Result:
    for user_id, preferences in call.body["data"].items():
        user = state.user(user_id)
        user.update(preferences={**user.get("preferences", {}), **preferences}, preferencesUpdated=timestamp())
    return 200, {}


def delete_users(state: EnvironmentState, call: Call) -> Result:
    for user_id in call.body:
        state.users.pop(user_id, None)
    return 200, {}


def update_profile_fields(state: EnvironmentState, call: Call) -> Result:
    state.profile_fields[:] = call.body
    return 200, {}


# ---- webhooks, notification platforms, credentials --------------------------------------------------


def create_webhook(state: EnvironmentState, call: Call) -> Result:
    if len(state.webhooks) >= MAX_WEBHOOKS:
        return 400, {"error": "bad_request", "message": f"an environment has at most {MAX_WEBHOOKS} webhooks"}
    stamp = timestamp()
    record = {"id": _new_id(), "headers": {}, **call.body, "created": stamp, "updated": stamp}
    state.webhooks[record["id"]] = record
    return 200, {"data": {**record, "secret": str(uuid.uuid4())}}  # the secret is shown once


def create_platform(state: EnvironmentState, call: Call) -> Result:
    # Uploaded credentials go to AWS SNS and cannot be read back: only the platform's kind is kept.
    record = {"id": _new_id(), "type": "sns-notification-platform", "platform": call.body["platform"]}
    state.platforms[record["id"]] = record
    return 200, {}


def _deleting(records: Callable[[EnvironmentState], dict[str, Any]], parameter: str, what: str) -> Any:
    def delete(state: EnvironmentState, call: Call) -> Result:
        found = records(state).pop(call.path[parameter], None)
        return (200, {}) if found is not None else _missing(what, call.path[parameter])

    return delete


def create_credential(state: EnvironmentState, call: Call) -> Result:
    client_id, secret = f"sandbox-{secrets.token_hex(6)}", secrets.token_urlsafe(24)
    state.credentials[client_id] = (secret, call.body["role"])
    return 200, {"data": {"clientId": client_id, "clientSecret": secret}}


def revoke_credential(state: EnvironmentState, call: Call) -> Result:
    """A key made by createCredential, or a registered workbench or events key (``reset()`` restores those)."""
    client_id = call.path["clientId"]
    if call.keys.get(client_id) in ("auth", "all"):
        return 403, {"error": "forbidden", "message": "auth keys cannot be revoked through the API (use the Workbench)"}
    if state.credentials.pop(client_id, None) is None:
        if client_id not in call.keys or client_id in state.revoked:
            return _missing("key with client id", client_id)
        state.revoked.add(client_id)
    return 200, {"data": {"clientId": client_id}}


# ---- audit log ------------------------------------------------------------------------------------------


def list_audit_log(state: EnvironmentState, call: Call) -> Result:
    """A page of entries; ``cursor`` names the next page. A cursor the Sandbox never gave reads as the end."""
    start = 0
    if "cursor" in call.query:
        try:
            start = int(json.loads(base64.urlsafe_b64decode(call.query["cursor"].encode("ascii")))["offset"])
        except (ValueError, TypeError, KeyError, UnicodeEncodeError):
            start = len(state.audit_log)
    end = start + AUDIT_LOG_PAGE_SIZE
    page: dict[str, Any] = {"data": state.audit_log[start:end]}
    if end < len(state.audit_log):
        page["cursor"] = base64.urlsafe_b64encode(json.dumps({"offset": end}).encode()).decode("ascii")
    return 200, page


def audit_entry(environment: str, method: str, url: str, status: int, client_id: str, agent: str, call: Call) -> Any:
    body = copy.deepcopy(call.body)
    if isinstance(body, dict) and "platformCredential" in body:
        body["platformCredential"] = "<redacted>"  # a push credential is no business of a log
    return {
        "url": url,
        "method": method,
        "status": status,
        "auth": {"type": "clientCredentials", "clientId": client_id},
        "ip": "127.0.0.1",
        "userAgent": agent,
        "query": dict(call.query),
        "payload": "" if body is None else json.dumps(body),
        "source": "customer-api",
        "environmentId": environment,
        "time": 0.0,
        "resource": {"type": url.split("/")[3].replace("-", "_") if url.count("/") >= 3 else "environment"},
        "action": {"type": {"POST": "create", "PUT": "update", "DELETE": "delete"}.get(method, "read")},
        "created": timestamp(),
    }


HANDLERS: dict[str, Callable[[EnvironmentState, Call], Result]] = {
    "listCards": list_cards,
    **dict.fromkeys(_ACTIONS, act_on_cards),
    "startActionFlow": start_flow,
    "testActionFlow": start_flow,
    "listUsers": list_users,
    "getUser": get_user,
    "upsertUsers": upsert_users,
    "updateUserPreferences": update_preferences,
    "deleteUsers": delete_users,
    "updateCustomProfileFields": update_profile_fields,
    "createWebhookSubscription": create_webhook,
    "listWebhookSubscriptions": lambda state, call: (200, {"data": list(state.webhooks.values())}),
    "deleteWebhookSubscription": _deleting(lambda state: state.webhooks, "webhookId", "webhook subscription"),
    "createNotificationPlatform": create_platform,
    "listNotificationPlatforms": lambda state, call: (200, {"data": list(state.platforms.values())}),
    "deleteNotificationPlatform": _deleting(lambda state: state.platforms, "platformId", "notification platform"),
    "createCredential": create_credential,
    "revokeCredential": revoke_credential,
    "listAuditLogEntries": list_audit_log,
}


def seed_items(items: Iterable[Any]) -> list[dict[str, Any]]:
    """Seed items as plain dicts: mappings as they are, generated models through their ``to_dict()``."""
    return [dict(item) if isinstance(item, Mapping) else dict(item.to_dict()) for item in items]
