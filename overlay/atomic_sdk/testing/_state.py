"""What the Sandbox remembers per environment, and the operations that read and change it.

Records are kept in the API's own JSON shapes. An operation listed in ``HANDLERS`` is answered from the
environment's records; any other operation gets its spec example (they have no state the docs describe).
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


def new_id() -> str:
    return secrets.token_urlsafe(6)  # 8 characters, like Atomic's "2nBrJUjz"


def _missing(what: str, value: str) -> tuple[int, Any]:
    return 404, {"error": "not_found", "message": f"no {what} {value!r} in this environment"}


def _bad(message: str) -> tuple[int, Any]:
    return 400, {"error": "bad_request", "message": message}


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
        for card in data.get("cards", ()):
            self.cards.append(_card(card))
        for user in data.get("users", ()):
            if not isinstance(user.get("id"), str) or not user["id"]:
                raise ConfigurationError(f"a seeded user needs a non-empty string 'id', got {user!r}")
            self.users[user["id"]] = {"created": timestamp(), "preferences": {}, "profile": {}, **copy.deepcopy(user)}
        for hook in data.get("webhooks", ()):
            stamp = timestamp()
            record = {"id": new_id(), "headers": {}, "created": stamp, "updated": stamp, **copy.deepcopy(hook)}
            self.webhooks[record["id"]] = record
        for platform in data.get("notification_platforms", ()):
            record = {"id": new_id(), "type": "sns-notification-platform", **copy.deepcopy(platform)}
            self.platforms[record["id"]] = record
        self.profile_fields.extend(copy.deepcopy(list(data.get("custom_profile_fields", ()))))
        self.audit_log.extend(copy.deepcopy(list(data.get("audit_log", ()))))

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
    card, stamp = copy.deepcopy(dict(fields)), timestamp()
    defaults = {"cardInstanceId": new_id(), "eventName": "", "eventSource": "live", "status": "active"}
    for key, value in {**defaults, "created": stamp, "updated": stamp}.items():
        card.setdefault(key, value)  # the given fields keep their order; defaults come after them
    return card


# ---- cards and Action Flows ------------------------------------------------------------------------


def _selected(state: EnvironmentState, query: Mapping[str, str]) -> list[dict[str, Any]]:
    wanted = {name: query[name] for name in _SELECTION if name in query}
    return [card for card in state.cards if all(card.get(name) == value for name, value in wanted.items())]


def list_cards(state: EnvironmentState, call: Call) -> tuple[int, Any]:
    offset, limit = int(call.query.get("offset", 0)), int(call.query.get("limit", 100))
    return 200, {"data": copy.deepcopy(_selected(state, call.query)[offset : offset + limit])}


def act_on_cards(state: EnvironmentState, call: Call) -> tuple[int, Any]:
    """dismiss / complete / cancel: the selected open cards move to the final state, ``limit`` at a time."""
    matches = [card for card in _selected(state, call.query) if card["status"] in _OPEN]
    if len(matches) > 1 and call.query.get("multiple") != "1":
        return _bad(f"the selection matches {len(matches)} cards; add multiple=1 to act on more than one")
    limit = call.query.get("limit", _DEFAULT_ACTION_LIMIT.get(call.operation_id))
    stamp = timestamp()
    for card in matches if limit is None else matches[: int(limit)]:
        card.update(status=_ACTIONS[call.operation_id], updated=stamp)
    return 200, {}


def _target_users(state: EnvironmentState, target: Mapping[str, Any], test: bool) -> list[str]:
    if target.get("type") == "user":
        ids = target.get("targetUserIds", [])
    elif target.get("type") == "allTestUsers":
        ids = [uid for uid, user in state.users.items() if user.get("profile", {}).get("user_type") == "test"]
    else:  # usersById (legacy, a list or one string); bulk targets (tags, segments, filters) reach no one here
        ids = target.get("usersById", [])
    ids = [ids] if isinstance(ids, str) else ids if isinstance(ids, list) else []
    ids = list(dict.fromkeys(uid for uid in ids if isinstance(uid, str)))
    if test:  # a test start reaches only test users; other ids are ignored
        return [uid for uid in ids if state.users.get(uid, {}).get("profile", {}).get("user_type") == "test"]
    return ids


def start_flow(state: EnvironmentState, call: Call) -> tuple[int, Any]:
    """One Action Flow instance and one active card per targeted user, for each flow object."""
    test = call.operation_id == "testActionFlow"
    invocations = []
    for flow in call.body["flows"]:
        invocation = flow.get("flowInvocationId") or str(uuid.uuid4())
        invocations.append(invocation)
        payload = flow.get("payload") or {}
        for user_id in _target_users(state, flow["target"], test):
            state.user(user_id)
            card = {
                "cardTemplateId": f"{call.path['flowConfigId']}-card",
                "lifecycleId": new_id(),
                "flowInstanceId": new_id(),
                "flowInvocationId": invocation,
                "eventSource": "test" if test else "live",
                "userId": user_id,
                "definition": {},
                "payload": {
                    "detail": copy.deepcopy(payload.get("variables", {})),
                    "target": {"usersById": [user_id]},
                    "cardOptions": copy.deepcopy(payload.get("cardOptions", {})),
                    "metadata": copy.deepcopy(payload.get("metadata", {})),
                },
            }
            state.cards.append(_card(card))
    return 200, {"flowInvocationId": invocations[0]}


# ---- users ------------------------------------------------------------------------------------------


def list_users(state: EnvironmentState, call: Call) -> tuple[int, Any]:
    users = list(state.users.values())
    if "segmentId" in call.query:
        users = [user for user in users if call.query["segmentId"] in (user.get("segments") or {})]
    limit = int(call.query["limit"]) if "limit" in call.query else None
    listed = [{key: value for key, value in user.items() if key != "segments"} for user in users[:limit]]
    return 200, {"data": {"users": copy.deepcopy(listed)}}


def get_user(state: EnvironmentState, call: Call) -> tuple[int, Any]:
    user = state.users.get(call.query["id"])
    if user is None:
        return _missing("user", call.query["id"])
    return 200, {"data": copy.deepcopy({"segments": {}, **user})}


def upsert_users(state: EnvironmentState, call: Call) -> tuple[int, Any]:
    for item in call.body:
        profile = state.user(item["id"])["profile"]
        profile.update({key: value for key, value in copy.deepcopy(item).items() if key != "id"})
    return 200, {}


def update_preferences(state: EnvironmentState, call: Call) -> tuple[int, Any]:
    for user_id, preferences in call.body["data"].items():
        user = state.user(user_id)
        user["preferences"] = {**user.get("preferences", {}), **copy.deepcopy(preferences)}
        user["preferencesUpdated"] = timestamp()
    return 200, {}


def delete_users(state: EnvironmentState, call: Call) -> tuple[int, Any]:
    for user_id in call.body:
        state.users.pop(user_id, None)
    return 200, {}


def update_profile_fields(state: EnvironmentState, call: Call) -> tuple[int, Any]:
    state.profile_fields[:] = copy.deepcopy(call.body)
    return 200, {}


# ---- webhooks, notification platforms, credentials --------------------------------------------------


def create_webhook(state: EnvironmentState, call: Call) -> tuple[int, Any]:
    if len(state.webhooks) >= MAX_WEBHOOKS:
        return _bad(f"an environment has at most {MAX_WEBHOOKS} webhook subscriptions")
    stamp = timestamp()
    record = {"id": new_id(), "headers": {}, **copy.deepcopy(call.body), "created": stamp, "updated": stamp}
    state.webhooks[record["id"]] = record
    return 200, {"data": {**copy.deepcopy(record), "secret": str(uuid.uuid4())}}


def list_webhooks(state: EnvironmentState, call: Call) -> tuple[int, Any]:
    return 200, {"data": copy.deepcopy(list(state.webhooks.values()))}


def delete_webhook(state: EnvironmentState, call: Call) -> tuple[int, Any]:
    if state.webhooks.pop(call.path["webhookId"], None) is None:
        return _missing("webhook subscription", call.path["webhookId"])
    return 200, {}


def create_platform(state: EnvironmentState, call: Call) -> tuple[int, Any]:
    # Uploaded credentials go to AWS SNS and cannot be read back: only the platform's kind is kept.
    record = {"id": new_id(), "type": "sns-notification-platform", "platform": call.body["platform"]}
    state.platforms[record["id"]] = record
    return 200, {}


def list_platforms(state: EnvironmentState, call: Call) -> tuple[int, Any]:
    return 200, {"data": copy.deepcopy(list(state.platforms.values()))}


def delete_platform(state: EnvironmentState, call: Call) -> tuple[int, Any]:
    if state.platforms.pop(call.path["platformId"], None) is None:
        return _missing("notification platform", call.path["platformId"])
    return 200, {}


def create_credential(state: EnvironmentState, call: Call) -> tuple[int, Any]:
    client_id, secret = f"sandbox-{secrets.token_hex(6)}", secrets.token_urlsafe(24)
    state.credentials[client_id] = (secret, call.body["role"])
    return 200, {"data": {"clientId": client_id, "clientSecret": secret}}


def revoke_credential(state: EnvironmentState, call: Call) -> tuple[int, Any]:
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


def list_audit_log(state: EnvironmentState, call: Call) -> tuple[int, Any]:
    """A page of entries; ``cursor`` names the next page. A cursor the Sandbox never gave reads as the end."""
    start = 0
    if "cursor" in call.query:
        try:
            start = int(json.loads(base64.urlsafe_b64decode(call.query["cursor"].encode("ascii")))["offset"])
        except (ValueError, TypeError, KeyError, UnicodeEncodeError):
            start = len(state.audit_log)
    end = start + AUDIT_LOG_PAGE_SIZE
    page: dict[str, Any] = {"data": copy.deepcopy(state.audit_log[start:end])}
    if end < len(state.audit_log):
        page["cursor"] = base64.urlsafe_b64encode(json.dumps({"offset": end}).encode()).decode("ascii")
    return 200, page


def audit_entry(
    environment_id: str, method: str, path: str, status: int, client_id: str, user_agent: str, call: Call
) -> dict[str, Any]:
    body = copy.deepcopy(call.body)
    if isinstance(body, dict) and "platformCredential" in body:
        body["platformCredential"] = "<redacted>"  # a push credential is no business of a log
    segment = path.split("/")[3] if path.count("/") >= 3 else path.strip("/")
    return {
        "url": path,
        "method": method,
        "status": status,
        "auth": {"type": "clientCredentials", "clientId": client_id},
        "ip": "127.0.0.1",
        "userAgent": user_agent,
        "query": dict(call.query),
        "payload": "" if body is None else json.dumps(body),
        "source": "customer-api",
        "environmentId": environment_id,
        "time": 0.0,
        "resource": {"type": segment.replace("-", "_")},
        "action": {"type": _ACTION_TYPES.get(method, "read"), "description": call.operation_id},
        "created": timestamp(),
    }


_ACTION_TYPES = {"POST": "create", "PUT": "update", "DELETE": "delete"}

HANDLERS: dict[str, Callable[[EnvironmentState, Call], tuple[int, Any]]] = {
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
    "listWebhookSubscriptions": list_webhooks,
    "deleteWebhookSubscription": delete_webhook,
    "createNotificationPlatform": create_platform,
    "listNotificationPlatforms": list_platforms,
    "deleteNotificationPlatform": delete_platform,
    "createCredential": create_credential,
    "revokeCredential": revoke_credential,
    "listAuditLogEntries": list_audit_log,
}


def seed_items(items: Iterable[Any]) -> list[dict[str, Any]]:
    """Seed items as plain dicts: mappings as they are, generated models through their ``to_dict()``."""
    return [dict(item) if isinstance(item, Mapping) else dict(item.to_dict()) for item in items]
