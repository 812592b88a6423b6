"""What users would build instead of atomic-sdk: authlib and httpx-auth clients for the bench server.

Each contender is set up the way its documentation shows for the OAuth2 client-credentials grant, with
one shared client for all calls (and threads), and parses the body with the same generated model the
SDK returns, so per-call figures compare like with like. Both libraries are dev-only dependencies
(pinned in pyproject's ``dev`` extra); nothing here is imported by the SDK or the tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

# One call of a contender: GET the cards, check the status, parse into a CardList.
Call = Callable[[], None]


class Contender:
    """A peer client: ``call()`` makes one listCards request; ``close()`` releases it."""

    name: str
    # How the contender gets its first token on a cold start, for the report.
    cold_start: str

    def call(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class AuthlibContender(Contender):
    """authlib's ``OAuth2Client`` (an httpx.Client subclass) with ``grant_type="client_credentials"``.

    authlib refreshes a client-credentials token by itself once it has one (``ensure_active_token``),
    but the first one must be fetched explicitly; a shared client does that on first use, the
    check-then-fetch its documentation shows, without a lock of its own.
    """

    name = "authlib `OAuth2Client`"
    cold_start = "each thread: `if not client.token: client.fetch_token()`"

    def __init__(self, base_url: str, token_url: str, client_id: str, secret: str, path: str, ua: str) -> None:
        from atomic_api.models.card_list import CardList
        from authlib.integrations.httpx_client import OAuth2Client

        self._client = OAuth2Client(
            client_id,
            secret,
            token_endpoint=token_url,
            grant_type="client_credentials",
            token_endpoint_auth_method="client_secret_basic",
            base_url=base_url,
            headers={"User-Agent": ua},
            timeout=30,
        )
        self._path = path
        self._params = {"limit": 100, "offset": 0}
        self._from_dict = CardList.from_dict

    def call(self) -> None:
        client = self._client
        if not client.token:
            client.fetch_token()
        response = client.get(self._path, params=self._params)
        assert response.status_code == 200, response.status_code
        self._from_dict(response.json())

    def close(self) -> None:
        self._client.close()


class HttpxAuthContender(Contender):
    """httpx-auth's ``OAuth2ClientCredentials`` as the ``auth`` of an ``httpx.Client``.

    Its token cache is process-wide (a class attribute), so it is emptied when a contender is built;
    token requests go through their own ``httpx.Client`` (``client=``) rather than a new one per token.
    """

    name = "httpx-auth `OAuth2ClientCredentials`"
    cold_start = "the auth fetches on first use (its cache holds a lock while it fetches)"

    def __init__(self, base_url: str, token_url: str, client_id: str, secret: str, path: str, ua: str) -> None:
        import httpx_auth
        from atomic_api.models.card_list import CardList

        httpx_auth.OAuth2.token_cache.clear()
        self._token_client = httpx.Client(headers={"User-Agent": ua})
        auth = httpx_auth.OAuth2ClientCredentials(token_url, client_id, secret, client=self._token_client)
        self._client = httpx.Client(base_url=base_url, auth=auth, headers={"User-Agent": ua}, timeout=30)
        self._path = path
        self._params = {"limit": 100, "offset": 0}
        self._from_dict = CardList.from_dict

    def call(self) -> None:
        response = self._client.get(self._path, params=self._params)
        assert response.status_code == 200, response.status_code
        self._from_dict(response.json())

    def close(self) -> None:
        self._client.close()
        self._token_client.close()


CONTENDERS: dict[str, type[Contender]] = {"authlib": AuthlibContender, "httpx_auth": HttpxAuthContender}


def build(name: str, **kwargs: Any) -> Contender:
    return CONTENDERS[name](**kwargs)
