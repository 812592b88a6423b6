# ruff: noqa: B018, F841 - deliberate misuse: each statement exists only to be rejected by the type checkers
"""Misuse the typed surface must reject: every line with an error comment must fail mypy --strict AND pyright strict.

Checked by tooling/atomic_tooling/typed_consumer.py (scripts/test), never run.
"""

import httpx
import httpx2
from atomic_api.models.card_status import CardStatus
from atomic_sdk import AsyncAtomicClient, AtomicClient, Credentials
from atomic_sdk.testing import Sandbox


def sync_misuse(client: AtomicClient) -> None:
    client.cards.list_cards(user_idd="u1")  # error: unknown parameter (a typo)
    client.cards.list_cards(user_id=123)  # error: wrong type
    client.cards.list_cards(status="active")  # error: a plain string is not a CardStatus
    client.cards.list_cards(CardStatus.ACTIVE)  # error: query parameters are keyword-only
    client.cards.list_card()  # error: unknown operation
    client.card.list_cards()  # error: unknown resource
    cards = client.cards.list_cards(status=CardStatus.ACTIVE)
    cards.dataa  # error: unknown attribute of a model
    cards.data[0].card_instance_idd  # error: unknown attribute of an item
    client.cards.list_cards(timeout="5")  # error: per-call timeout is a number or httpx.Timeout
    client.cards.list_cards(max_retries="2")  # error: per-call max_retries is an int
    client.environments.list_environments(environment_id="e")  # error: listEnvironments takes no environment
    client.cards.iter_list_cards(limit=5)  # error: iterators set limit themselves (page_size)
    raw = client.cards.with_raw_response.list_cards()
    raw.parsed.dataa  # error: the raw response's parsed model is typed too
    client.users.get_user()  # error: a required query parameter is missing
    client.webhooks.delete_webhook_subscription()  # error: a required path parameter is missing


def construction_misuse() -> None:
    AtomicClient.from_env(enviroment_id="e1")  # error: a misspelt option of from_env
    AsyncAtomicClient.from_env(user_agnet="app/1")  # error: a misspelt option of from_env (async)
    AtomicClient.from_env(max_retries="2")  # error: an option of the wrong type
    Sandbox().client(enviroment_id="e1")  # error: a misspelt option of Sandbox.client
    Sandbox().async_client(user_agnet="app/1")  # error: a misspelt option of Sandbox.async_client


async def async_misuse(client: AsyncAtomicClient) -> None:
    cards = client.cards.list_cards()
    cards.data  # error: a coroutine must be awaited before its fields are read
    listed = await client.cards.list_cards(user_idd="u1")  # error: unknown parameter, async too
    for card in client.cards.iter_list_cards():  # error: an async iterator needs `async for`
        pass


def http_package_misuse() -> None:
    credentials = Credentials("id", "secret")
    AtomicClient(credentials=credentials, http_backend="requests")  # error: only "httpx" or "httpx2"
    on_httpx2 = AtomicClient(credentials=credentials, http_backend="httpx2")
    wrong: httpx.Response = on_httpx2.environments.with_raw_response.list_environments().http_response  # error: an httpx2 client's responses are httpx2's
    on_httpx = AtomicClient(credentials=credentials)
    also_wrong: httpx2.Response = on_httpx.environments.with_raw_response.list_environments().http_response  # error: the default client's responses are httpx's
    Sandbox().client(http_backend="aiohttp")  # error: Sandbox.client takes the same two packages
    print(wrong, also_wrong)
