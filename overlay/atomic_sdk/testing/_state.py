"""What the Sandbox remembers per environment, in the API's JSON shapes, and the operations that use it.

Method ``on_<operation id in snake case>`` answers that operation (``listCards``: ``on_list_cards``; the caller
copies the answer); an operation without one gets its spec example (the docs give it no state).
"""

import base64
import copy
import json
import re
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
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")  # where camelCase words meet
_OPEN = frozenset({"active", "embargoed", "snoozed"})  # the closed states are final
Result = tuple[int, Any]


class EnvironmentData(TypedDict, total=False):
    """An environment's records, in the API's JSON shapes: what ``Sandbox.seed`` takes and ``data`` returns."""

    cards: list[dict[str, Any]]
    users: list[dict[str, Any]]
    webhooks: list[dict[str, Any]]
    notification_platforms: list[dict[str, Any]]
    audit_log: list[dict[str, Any]]


@define
class Call:
    """One admitted, valid request, as an operation handler sees it."""

    path: Mapping[str, str]
    query: Mapping[str, str]  # the last value of each parameter
    body: Any  # the parsed JSON body, or None
    keys: Mapping[str, str]  # the Sandbox's registered keys: client id -> role


def timestamp() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _new_id() -> str:
    return secrets.token_urlsafe(6)  # 8 characters, like Atomic's "2nBrJUjz"


def _with(record: Mapping[str, Any], **defaults: Any) -> dict[str, Any]:
    """A copy of ``record`` with the missing fields filled in (the given ones keep their order)."""
    return {**copy.deepcopy(dict(record)), **{key: value for key, value in defaults.items() if key not in record}}


def _card(fields: Mapping[str, Any]) -> dict[str, Any]:
    now = timestamp()
    return _with(
        fields, cardInstanceId=_new_id(), eventName="", eventSource="live", status="active", created=now, updated=now
    )


def _missing(what: str, value: str) -> Result:
    return 404, {"error": "not_found", "message": f"no {what} {value!r} in this environment"}


def _bad(message: str) -> Result:
    return 400, {"error": "bad_request", "message": message}


@define
class EnvironmentState:
    """One environment's records; each ``on_<operation>`` method answers that operation."""

    cards: list[dict[str, Any]] = field(factory=list)
    users: dict[str, dict[str, Any]] = field(factory=dict)
    webhooks: dict[str, dict[str, Any]] = field(factory=dict)
    platforms: dict[str, dict[str, Any]] = field(factory=dict)
    audit_log: list[dict[str, Any]] = field(factory=list)
    # Keys created through createCredential: client id -> (secret, role); registered keys revoked here.
    credentials: dict[str, tuple[str, str]] = field(factory=dict)
    revoked: set[str] = field(factory=set)

    def seed(self, data: EnvironmentData) -> None:
        if any(not isinstance(user.get("id"), str) or not user["id"] for user in data.get("users", ())):
            raise ConfigurationError("every seeded user needs a non-empty string 'id'")
        self.cards += [_card(card) for card in data.get("cards", ())]
        for user in data.get("users", ()):
            self.users[user["id"]] = _with(user, created=timestamp(), preferences={}, profile={})
        for hook in data.get("webhooks", ()):
            record = _with(hook, id=_new_id(), headers={}, created=timestamp(), updated=timestamp())
            self.webhooks[record["id"]] = record
        for platform in data.get("notification_platforms", ()):
            record = _with(platform, id=_new_id(), type="sns-notification-platform")
            self.platforms[record["id"]] = record
        self.audit_log += copy.deepcopy(data.get("audit_log", []))

    def data(self) -> EnvironmentData:
        return copy.deepcopy(
            EnvironmentData(
                cards=self.cards,
                users=list(self.users.values()),
                webhooks=list(self.webhooks.values()),
                notification_platforms=list(self.platforms.values()),
                audit_log=self.audit_log,
            )
        )

    def user(self, user_id: str) -> dict[str, Any]:
        """The customer with this id; Atomic creates a profile the first time it sees an id."""
        return self.users.setdefault(user_id, {"id": user_id, "created": timestamp(), "preferences": {}, "profile": {}})

    # ---- cards and Action Flows: flows create cards; dismiss, complete and cancel close them ----------

    def _selected(self, query: Mapping[str, str]) -> list[dict[str, Any]]:
        wanted = {name: query[name] for name in _SELECTION if name in query}
        return [card for card in self.cards if all(card.get(name) == value for name, value in wanted.items())]

    def on_list_cards(self, call: Call) -> Result:
        offset, limit = int(call.query.get("offset", 0)), int(call.query.get("limit", 100))
        return 200, {"data": self._selected(call.query)[offset : offset + limit]}

    def _close_cards(self, call: Call, status: str, default_limit: int | None = None) -> Result:
        """The selected open cards move to ``status`` (final), at most ``limit`` of them."""
        matches = [card for card in self._selected(call.query) if card["status"] in _OPEN]
        if len(matches) > 1 and call.query.get("multiple") != "1":
            return _bad(f"the selection matches {len(matches)} cards; add multiple=1 to act on more than one")
        limit, now = call.query.get("limit", default_limit), timestamp()
        for card in matches if limit is None else matches[: int(limit)]:
            card.update(status=status, updated=now)
        return 200, {}

    def on_dismiss_cards(self, call: Call) -> Result:
        return self._close_cards(call, "dismissed")  # dismiss and complete document no default limit

    def on_complete_cards(self, call: Call) -> Result:
        return self._close_cards(call, "completed")

    def on_cancel_cards(self, call: Call) -> Result:
        return self._close_cards(call, "cancelled", 500)

    def _targets(self, target: Mapping[str, Any], test: bool) -> list[str]:
        # "user" targets; legacy usersById (a list or one string); bulk targets (tags, segments...) reach no one.
        ids = target.get("targetUserIds", []) if target.get("type") == "user" else target.get("usersById", [])
        ids = [ids] if isinstance(ids, str) else ids if isinstance(ids, list) else []
        ids = list(dict.fromkeys(user_id for user_id in ids if isinstance(user_id, str)))
        tester = {uid for uid, user in self.users.items() if user.get("profile", {}).get("user_type") == "test"}
        return [user_id for user_id in ids if user_id in tester] if test else ids  # test: others ignored

    def on_start_action_flow(self, call: Call, test: bool = False) -> Result:
        """One Action Flow instance and one active card per targeted user, for each flow object."""
        invocations = []
        for flow in call.body["flows"]:
            invocations.append(flow.get("flowInvocationId") or str(uuid.uuid4()))
            given = flow.get("payload") or {}
            for user_id in self._targets(flow["target"], test):
                self.user(user_id)
                payload = {"detail": given.get("variables", {}), "target": {"usersById": [user_id]}}
                payload.update(cardOptions=given.get("cardOptions", {}), metadata=given.get("metadata", {}))
                card = {"cardTemplateId": f"{call.path['flowConfigId']}-card", "lifecycleId": _new_id()}
                card.update(flowInstanceId=_new_id(), flowInvocationId=invocations[-1], userId=user_id)
                self.cards.append(_card({**card, "eventSource": "test" if test else "live", "payload": payload}))
        return 200, {"flowInvocationId": invocations[0]}

    def on_test_action_flow(self, call: Call) -> Result:
        return self.on_start_action_flow(call, test=True)

    # ---- users --------------------------------------------------------------------------------------

    def on_list_users(self, call: Call) -> Result:
        users = list(self.users.values())
        if "segmentId" in call.query:
            users = [user for user in users if call.query["segmentId"] in (user.get("segments") or {})]
        users = users[: int(call.query["limit"])] if "limit" in call.query else users
        return 200, {"data": {"users": [{k: v for k, v in user.items() if k != "segments"} for user in users]}}

    def on_get_user(self, call: Call) -> Result:
        user = self.users.get(call.query["id"])
        return _missing("user", call.query["id"]) if user is None else (200, {"data": {"segments": {}, **user}})

    def on_upsert_users(self, call: Call) -> Result:
        for item in call.body:
            self.user(item["id"])["profile"].update({key: value for key, value in item.items() if key != "id"})
        return 200, {}

    def on_update_user_preferences(self, call: Call) -> Result:
        for user_id, preferences in call.body["data"].items():
            user = self.user(user_id)
            user.update(preferences={**user.get("preferences", {}), **preferences}, preferencesUpdated=timestamp())
        return 200, {}

    def on_delete_users(self, call: Call) -> Result:
        for user_id in call.body:
            self.users.pop(user_id, None)
        return 200, {}

    # ---- webhooks, notification platforms, credentials, audit log ------------------------------------

    def on_create_webhook_subscription(self, call: Call) -> Result:
        if len(self.webhooks) >= MAX_WEBHOOKS:
            return _bad(f"an environment has at most {MAX_WEBHOOKS} webhooks")
        record = {"id": _new_id(), "headers": {}, **call.body, "created": timestamp(), "updated": timestamp()}
        self.webhooks[record["id"]] = record
        return 200, {"data": {**record, "secret": str(uuid.uuid4())}}  # the secret is shown once

    def on_list_webhook_subscriptions(self, call: Call) -> Result:
        return 200, {"data": list(self.webhooks.values())}

    def on_delete_webhook_subscription(self, call: Call) -> Result:
        found = self.webhooks.pop(call.path["webhookId"], None)
        return (200, {}) if found else _missing("webhook subscription", call.path["webhookId"])

    def on_create_notification_platform(self, call: Call) -> Result:
        # Uploaded credentials go to AWS SNS and cannot be read back: only the platform's kind is kept.
        record = {"id": _new_id(), "type": "sns-notification-platform", "platform": call.body["platform"]}
        self.platforms[record["id"]] = record
        return 200, {}

    def on_list_notification_platforms(self, call: Call) -> Result:
        return 200, {"data": list(self.platforms.values())}

    def on_delete_notification_platform(self, call: Call) -> Result:
        found = self.platforms.pop(call.path["platformId"], None)
        return (200, {}) if found else _missing("notification platform", call.path["platformId"])

    def on_create_credential(self, call: Call) -> Result:
        client_id, secret = f"sandbox-{secrets.token_hex(6)}", secrets.token_urlsafe(24)
        self.credentials[client_id] = (secret, call.body["role"])
        return 200, {"data": {"clientId": client_id, "clientSecret": secret}}

    def on_revoke_credential(self, call: Call) -> Result:
        """A key made by createCredential, or a registered workbench or events key (``reset()`` restores it)."""
        client_id = call.path["clientId"]
        if call.keys.get(client_id) in ("auth", "all"):
            return 403, {
                "error": "forbidden",
                "message": "auth keys cannot be revoked through the API (use the Workbench)",
            }
        if self.credentials.pop(client_id, None) is None:
            if client_id not in call.keys or client_id in self.revoked:
                return _missing("key with client id", client_id)
            self.revoked.add(client_id)
        return 200, {"data": {"clientId": client_id}}

    def on_list_audit_log_entries(self, call: Call) -> Result:
        """A page of entries and the ``cursor`` of the next; a cursor the Sandbox never gave reads as the end."""
        try:
            # No cursor decodes as "{}" ("e30="): the first page.
            start = max(0, int(json.loads(base64.urlsafe_b64decode(call.query.get("cursor", "e30="))).get("offset", 0)))
        except (ValueError, TypeError, AttributeError):
            start = len(self.audit_log)
        end = start + AUDIT_LOG_PAGE_SIZE
        page: dict[str, Any] = {"data": self.audit_log[start:end]}
        if end < len(self.audit_log):
            page["cursor"] = base64.urlsafe_b64encode(json.dumps({"offset": end}).encode()).decode("ascii")
        return 200, page

    def record(self, method: str, url: str, status: int, client_id: str, user_agent: str) -> None:
        """An audit-log entry for one API request (Atomic's fields, without the payload; the newest 10,000 kept)."""
        auth = {"type": "clientCredentials", "clientId": client_id}
        entry = {"url": url, "method": method, "status": status, "auth": auth, "userAgent": user_agent}
        del self.audit_log[:-9_999]  # a long run must not grow without bound
        self.audit_log.append({**entry, "source": "customer-api", "created": timestamp()})


def handler(state: EnvironmentState, operation_id: str) -> Callable[[Call], Result] | None:
    """The method that answers ``operation_id`` from ``state``, if the operation has state."""
    method: Callable[[Call], Result] | None = getattr(state, "on_" + _CAMEL.sub("_", operation_id).lower(), None)
    return method


def seed_items(items: Iterable[Any]) -> list[dict[str, Any]]:
    """Seed items as plain dicts: mappings as they are, generated models through their ``to_dict()``."""
    return [dict(item) if isinstance(item, Mapping) else dict(item.to_dict()) for item in items]
