"""The per-call contenders of rows 1, 1f and 8: the SDK call and its baselines, built one way for every row.

``bench/run.py`` times them in one process; ``bench/callgrind_call.py`` counts the instructions of one of
them per process. All send ``GET /v1/{environment}/cards?limit=N&offset=0`` to the bench server
(``bench/server.py``) and read the same body:

- ``sdk``: ``list_cards.sync_detailed`` on an ``AtomicClient`` (auth flow, cached token, retry transport,
  parse into ``CardList`` inside a ``Response``);
- ``resource``: the same request through the typed resource layer, ``client.cards.list_cards(...)``;
- ``generated_static``: ``list_cards.sync_detailed`` on the generator's own ``AuthenticatedClient`` with a
  static token (the difference to ``sdk`` is the overlay alone);
- ``raw_json``: one ``httpx.Client`` with a static bearer token and the same User-Agent: ``get``, status
  check, ``.json()``;
- ``raw_model``: ``raw_json`` plus ``CardList.from_dict`` (the difference to ``sdk`` is request building,
  auth and the response wrapper);
- ``raw_url``: ``raw_json`` with the whole URL written out as one string (query included), so httpx parses it
  once and merges no parameters: the cheapest way to make this request with httpx.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

ENV_ID = "env-bench"
EVENTS_ID, WORKBENCH_ID, SECRET = "bench-events", "bench-workbench", "bench-secret"
USER_AGENT = "atomic-bench/1"
# The generated function's default page size; the raw calls send the same query.
DEFAULT_LIMIT = 100


def sdk_client(base_url: str, token_url: str, **credentials: tuple[str, str]) -> Any:
    """An AtomicClient on the bench server, by default with the events key only."""
    from atomic_sdk import AtomicClient, Credentials, Role

    keys = credentials or {"events": (EVENTS_ID, SECRET)}
    return AtomicClient(
        base_url=base_url,
        token_url=token_url,
        credentials={Role(role): Credentials(cid, secret) for role, (cid, secret) in keys.items()},
        user_agent=USER_AGENT,
    )


def static_token(token_url: str) -> str:
    """A token for the events key, fetched once, for the baselines that send a fixed Authorization header."""
    response = httpx.post(token_url, auth=(EVENTS_ID, SECRET), data={"grant_type": "client_credentials"})
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


class Variants:
    """The contenders' clients and calls for one environment and page size; ``close()`` releases them.

    With ``cards``, the SDK and raw-JSON calls also check that the page holds exactly that many cards.
    """

    def __init__(
        self,
        base_url: str,
        token_url: str,
        *,
        env_id: str = ENV_ID,
        limit: int = DEFAULT_LIMIT,
        cards: int | None = None,
    ) -> None:
        from atomic_api.api.cards import list_cards
        from atomic_api.client import AuthenticatedClient
        from atomic_api.models.card_list import CardList

        self.sdk = sdk_client(base_url, token_url)
        token = static_token(token_url)
        # The baselines send the very User-Agent the SDK sends (yours, then the SDK's and httpx's product
        # tokens), so every request carries the same headers.
        ua = self.sdk.user_agent
        self.raw = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {token}", "User-Agent": ua}, timeout=30
        )
        self.plain = AuthenticatedClient(
            base_url=base_url, token=token, headers={"User-Agent": ua}, timeout=httpx.Timeout(30)
        )
        sdk, raw, plain = self.sdk, self.raw, self.plain
        path, params = f"/v1/{env_id}/cards", {"limit": limit, "offset": 0}
        # The very URL raw_json's request goes to, as one absolute string.
        url = str(raw.build_request("GET", path, params=params).url)

        def sdk_call() -> None:
            response = list_cards.sync_detailed(client=sdk, environment_id=env_id, limit=limit)
            assert response.status_code == 200 and isinstance(response.parsed, CardList)
            assert cards is None or len(response.parsed.data) == cards

        def resource_call() -> None:
            cards = sdk.cards.list_cards(environment_id=env_id, limit=limit, offset=0)
            assert isinstance(cards, CardList)

        def generated_static_call() -> None:
            response = list_cards.sync_detailed(client=plain, environment_id=env_id, limit=limit)
            assert response.status_code == 200 and isinstance(response.parsed, CardList)

        def raw_json_call() -> None:
            response = raw.get(path, params=params)
            assert response.status_code == 200
            body = response.json()
            assert cards is None or len(body["data"]) == cards

        def raw_url_call() -> None:
            response = raw.get(url)
            assert response.status_code == 200
            body = response.json()
            assert cards is None or len(body["data"]) == cards

        def raw_model_call() -> None:
            response = raw.get(path, params=params)
            assert response.status_code == 200
            CardList.from_dict(response.json())

        self.calls: dict[str, Callable[[], None]] = {
            "sdk": sdk_call,
            "resource": resource_call,
            "generated_static": generated_static_call,
            "raw_json": raw_json_call,
            "raw_model": raw_model_call,
            "raw_url": raw_url_call,
        }

    def close(self) -> None:
        self.sdk.close()
        self.raw.close()
        self.plain.get_httpx_client().close()
