"""Quickstart: list environments, start an Action Flow, list and dismiss its cards, subscribe a webhook.

Runs unchanged against the real Atomic or the local Sandbox (`scripts/demo`); everything comes from the
environment:

    ATOMIC_ORG_ID                  your organisation (the API host is https://$ATOMIC_ORG_ID.customer-api.atomic.io)
    ATOMIC_EVENTS_CLIENT_ID / ATOMIC_EVENTS_CLIENT_SECRET        an events key (flows, cards)
    ATOMIC_WORKBENCH_CLIENT_ID / ATOMIC_WORKBENCH_CLIENT_SECRET  a workbench key (webhooks)
    ATOMIC_ENVIRONMENT_ID          optional: the environment to use (default: the first one listed)
    QUICKSTART_FLOW_CONFIG_ID      optional: an Action Flow to start (its "API start trigger" id);
                                   without it the flow and card steps are skipped
    QUICKSTART_USER_ID             the user the flow targets (default: quickstart-user)
    QUICKSTART_WEBHOOK_URL         optional: subscribe this URL to card-published events, then unsubscribe

    python examples/quickstart.py
"""

from __future__ import annotations

import os
import sys
from typing import Any

from atomic_api.api.action_flows import start_action_flow
from atomic_api.api.cards import dismiss_cards, list_cards
from atomic_api.api.environments import list_environments
from atomic_api.api.webhooks import create_webhook_subscription, delete_webhook_subscription
from atomic_api.models import (
    ActionFlowRequest,
    ActionFlowResponse,
    CardList,
    EnvironmentList,
    Flow,
    FlowTarget,
    MultipleFlag,
    WebhookSubscriptionRequest,
    WebhookSubscriptionResponse,
)
from atomic_api.types import Response
from atomic_sdk import AtomicClient, AtomicError


def _ok(step: str, response: Response[Any]) -> bool:
    if 200 <= response.status_code < 300:
        return True
    print(f"  ! {step} failed: HTTP {int(response.status_code)} {response.content[:200]!r}")
    return False


def main() -> int:
    try:
        client = AtomicClient.from_env(user_agent="atomic-quickstart/1.0")
    except AtomicError as exc:
        print(f"configuration problem: {exc}", file=sys.stderr)
        return 2
    try:
        with client:
            return _run(client)
    except AtomicError as exc:  # an API or token error the SDK raised, with what to do about it
        print(f"  ! {exc}", file=sys.stderr)
        return 1


def _run(client: AtomicClient) -> int:
    failed = False
    # 1. Environments: any key works; the SDK uses the first configured role the call accepts.
    response = list_environments.sync_detailed(client=client)
    if not _ok("list environments", response) or not isinstance(response.parsed, EnvironmentList):
        return 1
    environments = response.parsed.environments or []
    print(f"environments: {', '.join(f'{env.name} ({env.id})' for env in environments) or 'none'}")
    environment_id = client.environment_id or (str(environments[0].id) if environments else None)
    if environment_id is None:
        print("no environment to work in", file=sys.stderr)
        return 1
    print(f"using environment {environment_id}")

    # 2. Start an Action Flow for one user (events key).
    flow_id = os.environ.get("QUICKSTART_FLOW_CONFIG_ID", "").strip()
    user_id = os.environ.get("QUICKSTART_USER_ID", "").strip() or "quickstart-user"
    if flow_id:
        body = ActionFlowRequest(flows=[Flow(target=FlowTarget(type_="user", target_user_ids=[user_id]))])
        started = start_action_flow.sync_detailed(environment_id, flow_id, client=client, body=body)
        invocation = None
        if _ok("start action flow", started) and isinstance(started.parsed, ActionFlowResponse):
            invocation = started.parsed.flow_invocation_id
            print(f"started flow {flow_id} for user {user_id}: invocation {invocation}")
        else:
            failed = True

        # 3. The user's active cards, then dismiss them (events key).
        cards = list_cards.sync_detailed(environment_id, client=client, user_id=user_id)
        if _ok("list cards", cards) and isinstance(cards.parsed, CardList):
            listed = cards.parsed.data or []
            print(f"user {user_id} has {len(listed)} card(s): {', '.join(str(c.card_instance_id) for c in listed)}")
            dismissed = dismiss_cards.sync_detailed(
                environment_id, client=client, user_id=user_id, multiple=MultipleFlag.VALUE_1
            )
            if _ok("dismiss cards", dismissed):
                print(f"dismissed the cards of user {user_id}")
            else:
                failed = True
        else:
            failed = True
    else:
        print("QUICKSTART_FLOW_CONFIG_ID not set: skipping the Action Flow and card steps")

    # 4. Subscribe a webhook to card-published events, then remove it again (workbench key).
    webhook_url = os.environ.get("QUICKSTART_WEBHOOK_URL", "").strip()
    if webhook_url:
        request = WebhookSubscriptionRequest(types=["card-published"], url=webhook_url)
        created = create_webhook_subscription.sync_detailed(environment_id, client=client, body=request)
        if _ok("subscribe webhook", created) and isinstance(created.parsed, WebhookSubscriptionResponse):
            subscription = created.parsed.data
            webhook_id = str(subscription.id) if subscription else ""
            print(f"subscribed {webhook_url} to card-published: subscription {webhook_id}")
            if webhook_id:
                removed = delete_webhook_subscription.sync_detailed(environment_id, webhook_id, client=client)
                if _ok("remove webhook", removed):
                    print(f"removed subscription {webhook_id}")
                else:
                    failed = True
        else:
            failed = True
    else:
        print("QUICKSTART_WEBHOOK_URL not set: skipping the webhook step")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
