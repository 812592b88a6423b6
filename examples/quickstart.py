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

from atomic_api.models import ActionFlowRequest, Flow, FlowTarget, MultipleFlag, WebhookSubscriptionRequest
from atomic_sdk import AtomicClient, AtomicError


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
    # 1. Environments: any key works; the SDK uses the first configured role the call accepts.
    environments = client.environments.list_environments().environments
    print(f"environments: {', '.join(f'{env.name} ({env.id})' for env in environments) or 'none'}")
    environment_id = client.environment_id or (environments[0].id if environments else None)
    if environment_id is None:
        print("no environment to work in", file=sys.stderr)
        return 1
    print(f"using environment {environment_id}")

    # 2. Start an Action Flow for one user (events key). Every call below raises an ApiError subclass
    #    (with the operation, status and body) if the API refuses it.
    flow_id = os.environ.get("QUICKSTART_FLOW_CONFIG_ID", "").strip()
    user_id = os.environ.get("QUICKSTART_USER_ID", "").strip() or "quickstart-user"
    if flow_id:
        body = ActionFlowRequest(flows=[Flow(target=FlowTarget(type_="user", target_user_ids=[user_id]))])
        started = client.action_flows.start_action_flow(flow_id, environment_id=environment_id, body=body)
        print(f"started flow {flow_id} for user {user_id}: invocation {started.flow_invocation_id}")

        # 3. The user's cards, then dismiss them (events key).
        cards = client.cards.list_cards(environment_id=environment_id, user_id=user_id).data
        print(f"user {user_id} has {len(cards)} card(s): {', '.join(card.card_instance_id for card in cards)}")
        client.cards.dismiss_cards(environment_id=environment_id, user_id=user_id, multiple=MultipleFlag.VALUE_1)
        print(f"dismissed the cards of user {user_id}")
    else:
        print("QUICKSTART_FLOW_CONFIG_ID not set: skipping the Action Flow and card steps")

    # 4. Subscribe a webhook to card-published events, then remove it again (workbench key).
    webhook_url = os.environ.get("QUICKSTART_WEBHOOK_URL", "").strip()
    if webhook_url:
        request = WebhookSubscriptionRequest(types=["card-published"], url=webhook_url)
        subscription = client.webhooks.create_webhook_subscription(environment_id=environment_id, body=request).data
        print(f"subscribed {webhook_url} to card-published: subscription {subscription.id}")
        client.webhooks.delete_webhook_subscription(subscription.id, environment_id=environment_id)
        print(f"removed subscription {subscription.id}")
    else:
        print("QUICKSTART_WEBHOOK_URL not set: skipping the webhook step")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
