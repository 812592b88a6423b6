"""One process of the instruction-count row: warm up, then run N calls of one variant under a marker.

Run by bench/run.py as ``valgrind --tool=callgrind --collect-atstart=no --toggle-collect=_operator_call
python bench/callgrind_call.py VARIANT BASE_URL TOKEN_URL N``. Collection is off from the start, so the
interpreter start-up, the imports, building the clients and the warm-up calls (connections open, token
cached, code paths and caches hot) are not counted; only what runs inside ``operator.call(measured)``
is, because callgrind collects exactly while the C function behind ``operator.call`` is on the stack
(nothing in httpx or the SDK uses ``operator.call``). The server is another process and is not counted.
"""

from __future__ import annotations

import operator
import sys

import httpx

ENV_ID = "env-bench"
EVENTS_ID, SECRET = "bench-events", "bench-secret"
WARM_UP = 50


def main() -> int:
    variant, base_url, token_url, calls = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    from atomic_api.api.cards import list_cards
    from atomic_api.client import AuthenticatedClient
    from atomic_api.models.card_list import CardList
    from atomic_sdk import AtomicClient, Credentials, Role

    sdk = AtomicClient(
        base_url=base_url,
        token_url=token_url,
        credentials={Role.EVENTS: Credentials(EVENTS_ID, SECRET)},
        user_agent="atomic-bench/1",
    )
    token = httpx.post(token_url, auth=(EVENTS_ID, SECRET), data={"grant_type": "client_credentials"}).json()[
        "access_token"
    ]
    raw = httpx.Client(
        base_url=base_url, headers={"Authorization": f"Bearer {token}", "User-Agent": sdk.user_agent}, timeout=30
    )
    plain = AuthenticatedClient(
        base_url=base_url, token=token, headers={"User-Agent": sdk.user_agent}, timeout=httpx.Timeout(30)
    )
    path, params = f"/v1/{ENV_ID}/cards", {"limit": 100, "offset": 0}

    def sdk_call() -> None:
        response = list_cards.sync_detailed(client=sdk, environment_id=ENV_ID)
        assert response.status_code == 200 and isinstance(response.parsed, CardList)

    def raw_json_call() -> None:
        response = raw.get(path, params=params)
        assert response.status_code == 200
        response.json()

    def raw_model_call() -> None:
        response = raw.get(path, params=params)
        assert response.status_code == 200
        CardList.from_dict(response.json())

    def generated_static_call() -> None:
        response = list_cards.sync_detailed(client=plain, environment_id=ENV_ID)
        assert response.status_code == 200 and isinstance(response.parsed, CardList)

    call = {
        "sdk": sdk_call,
        "raw_json": raw_json_call,
        "raw_model": raw_model_call,
        "generated_static": generated_static_call,
    }[variant]
    for _ in range(WARM_UP):
        call()

    def measured() -> None:
        for _ in range(calls):
            call()

    operator.call(measured)
    sdk.close()
    raw.close()
    plain.get_httpx_client().close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
