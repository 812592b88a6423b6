"""The per-call fast paths: the credentials chosen per operation are cached without loosening any check,
token lookups reuse their fetch callables, and `import atomic_sdk` leaves out what only some users need."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import atomic_sdk
import pytest
from atomic_api.api.cards import list_cards
from atomic_sdk import (
    AtomicClient,
    Credentials,
    InMemoryTokenCache,
    MissingCredentialsError,
    Role,
    UnknownOperationError,
)
from atomic_sdk._options import Clock
from atomic_sdk._tokens.cache import AccessToken, AsyncFetch, Fetch
from support.atomic_server import mock_token_endpoint, raises_clean, secret
from support.clock import FakeClock
from support.http_package import httpx
from support.mock_router import respx

ROOT = Path(__file__).resolve().parents[2]
BASE = "https://my-org.customer-api.atomic.io"
TOKEN_URL = "https://master-atomic-io.auth.us-east-1.amazoncognito.com/oauth2/token"
EVENTS = Credentials("ev-id", secret("ev"))
WORKBENCH = Credentials("wb-id", secret("wb"))


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
        mock_token_endpoint(router, TOKEN_URL)
        router.get(url__regex=rf"{BASE}/v1/[^/]+/cards").mock(return_value=httpx.Response(200, json={"data": []}))
        router.get(url__regex=rf"{BASE}/v1/[^/]+/card/[^/]+").mock(return_value=httpx.Response(404, json={}))
        yield router


def make(clock: FakeClock, **kwargs: Any) -> AtomicClient:
    kwargs.setdefault("credentials", {Role.EVENTS: EVENTS, Role.WORKBENCH: WORKBENCH})
    return AtomicClient(org_id="my-org", clock=clock, **kwargs)


def api_calls(mock: respx.MockRouter) -> list[httpx.Request]:
    return [call.request for call in mock.calls if call.request.url.host != httpx.URL(TOKEN_URL).host]


# -- the operation travels with the request ----------------------------------------------------------


def test_the_operation_id_selects_the_credentials_once_per_operation(mock: respx.MockRouter, clock: FakeClock) -> None:
    with make(clock) as client:
        for user in ("u1", "u2", "u3"):
            list_cards.sync(client=client, environment_id="env1", user_id=user)
        selected = dict(client.get_httpx_client().auth._selected)  # type: ignore[attr-defined]
    requests = api_calls(mock)
    # One entry per operation id, whatever the path and query; each request sent with its own query.
    assert list(selected) == ["listCards"]
    assert [r.url.params["userId"] for r in requests] == ["u1", "u2", "u3"]
    assert [r.extensions["atomic_operation_id"] for r in requests] == ["listCards"] * 3
    assert [r.extensions["atomic_role"] for r in requests] == ["events"] * 3
    assert all(r.headers["Authorization"].endswith("-ev-id") for r in requests)
    assert mock["token"].call_count == 1


def test_a_raw_request_is_matched_by_method_and_path(mock: respx.MockRouter, clock: FakeClock) -> None:
    with make(clock) as client:
        response = client.get_httpx_client().get("/v1/env1/cards", params={"userId": "u1"})
    assert response.status_code == 200
    [request] = api_calls(mock)
    assert (request.extensions["atomic_operation_id"], request.extensions["atomic_role"]) == ("listCards", "events")


def test_an_operation_id_not_in_the_role_map_is_refused_unsent(mock: respx.MockRouter, clock: FakeClock) -> None:
    with make(clock) as client, raises_clean(UnknownOperationError, match="no operation with id 'madeUp'"):
        client.get_httpx_client().get("/v1/env1/cards", extensions={"atomic_operation_id": "madeUp"})
    assert len(mock.calls) == 0


def test_cache_never_lets_another_origin_through(mock: respx.MockRouter, clock: FakeClock) -> None:
    with make(clock) as client:
        http = client.get_httpx_client()
        assert http.get("/v1/env1/cards").status_code == 200
        # Same method and path as the cached entry, but another host, scheme or port: still refused, unsent.
        for url in (
            "https://elsewhere.example/v1/env1/cards",
            "http://my-org.customer-api.atomic.io/v1/env1/cards",
            "https://my-org.customer-api.atomic.io:8443/v1/env1/cards",
        ):
            with raises_clean(UnknownOperationError, match="outside the API base URL"):
                http.get(url)
        # And another method on the same path is matched on its own (no POST listCards).
        with raises_clean(UnknownOperationError, match="no operation in the role map matches DELETE"):
            http.delete("/v1/env1/cards")
    assert len(api_calls(mock)) == 1


def test_missing_credentials_are_not_cached(mock: respx.MockRouter, clock: FakeClock) -> None:
    with make(clock, credentials={Role.WORKBENCH: WORKBENCH}) as client:
        for _ in range(2):
            with raises_clean(MissingCredentialsError):
                list_cards.sync(client=client, environment_id="env1")
        assert client.get_httpx_client().auth._selected == {}  # type: ignore[attr-defined]
    assert len(mock.calls) == 0


# -- token lookups -------------------------------------------------------------------------------------


class RecordingCache(InMemoryTokenCache):
    """Records the fetch callables the provider hands over."""

    def __init__(self) -> None:
        super().__init__()
        self.fetches: list[object] = []

    def get_or_fetch(self, key: str, fetch: Fetch, clock: Clock) -> AccessToken:
        self.fetches.append(fetch)
        return super().get_or_fetch(key, fetch, clock)

    async def aget_or_fetch(self, key: str, fetch: AsyncFetch, clock: Clock) -> AccessToken:
        self.fetches.append(fetch)
        return await super().aget_or_fetch(key, fetch, clock)


def test_token_lookup_reuses_one_fetch_callable_per_credential(mock: respx.MockRouter, clock: FakeClock) -> None:
    cache = RecordingCache()
    with make(clock, token_cache=cache) as client:
        for _ in range(3):
            list_cards.sync(client=client, environment_id="env1")
        tokens = client._tokens
        tokens.token(EVENTS)
        tokens.token(WORKBENCH)
    assert len(cache.fetches) == 5
    events_fetch = cache.fetches[0]
    assert all(f is events_fetch for f in cache.fetches[:4])  # built once, not a partial per call
    assert cache.fetches[4] is not events_fetch
    assert mock["token"].call_count == 2  # one per key


def test_equal_but_distinct_credentials_get_their_own_binding(mock: respx.MockRouter, clock: FakeClock) -> None:
    with make(clock) as client:
        tokens = client._tokens
        first = tokens.token(EVENTS)
        # An equal Credentials object maps to the same cache key, so it shares the cached token.
        twin = Credentials("ev-id", EVENTS.client_secret)
        assert tokens.token(twin) is first
    assert mock["token"].call_count == 1


async def test_async_token_lookup_reuses_its_fetch_callable(mock: respx.MockRouter, clock: FakeClock) -> None:
    cache = RecordingCache()
    async with make(clock, token_cache=cache) as client:
        for _ in range(3):
            await list_cards.asyncio(client=client, environment_id="env1")
    assert len(cache.fetches) == 3 and cache.fetches[0] is cache.fetches[1] is cache.fetches[2]
    assert mock["token"].call_count == 1


# -- import cost -----------------------------------------------------------------------------------------

_PROBE = """
import json, sys
import httpx  # what the HTTP package loads itself (some anyio releases load concurrent.futures) is not ours
already = set(sys.modules)
import atomic_sdk
after_import = sorted(m for m in {names} if m in sys.modules and m not in already)
from atomic_sdk._operations import DEFAULT_OPERATIONS
from atomic_sdk._retry_after import _date_forms
compiled_at_import = [sorted(DEFAULT_OPERATIONS._compiled), _date_forms.cache_info().currsize]
from atomic_api.api.cards import list_cards
from atomic_sdk import AccessToken, AtomicClient, Credentials, InMemoryTokenCache, token_cache_key

# A token already in the cache (no token endpoint here); the API answers through a MockTransport.
cache = InMemoryTokenCache()
cache.get_or_fetch(token_cache_key("id", "https://auth.example/token"), lambda: AccessToken("t", 4e9, 4e9), lambda: 0.0)
client = AtomicClient(
    base_url="https://api.example", token_url="https://auth.example/token", token_cache=cache,
    credentials=Credentials("id", "secret"), http_backend="httpx",
    httpx_args={{"transport": httpx.MockTransport(lambda request: httpx.Response(200, json={{"data": []}}))}},
)
assert list_cards.sync(client=client, environment_id="env1").data == []
# The first token fetch creates a concurrent.futures.Future (for waiters); asyncio stays out.
# (and calling list_cards needs its models: every atomic_api.models module is loaded by then).
after_call = sorted(
    m for m in {names} if m in sys.modules and m not in already and m not in ("concurrent.futures", "atomic_api.models")
)
from atomic_sdk import RedisTokenCache
compiled_after_call = [sorted(DEFAULT_OPERATIONS._compiled), _date_forms.cache_info().currsize]
print(json.dumps([after_import, after_call, RedisTokenCache.__module__, compiled_at_import, compiled_after_call]))
"""

# Loaded by `import atomic_sdk` once; none of them is needed by a synchronous program.
# atomic_api.models: its package loads every model module; only the operations a program calls need them.
_LAZY = [
    "asyncio",
    "concurrent.futures",
    "importlib.metadata",
    "atomic_api.models",
    "atomic_sdk._tokens.redis",
    "atomic_sdk.cli",
]


def test_import_and_a_sync_call_leave_out_what_only_some_users_need() -> None:
    code = _PROBE.format(names=repr(_LAZY))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    after_import, after_call, redis_module, compiled_at_import, compiled_after_call = json.loads(done.stdout)
    assert after_import == []
    assert after_call == []
    # Regular expressions for rare paths are compiled on first use: the role map's path patterns (none: the
    # generated call names its operation), the three HTTP-date forms of Retry-After (none seen here).
    assert compiled_at_import == [[], 0]
    assert compiled_after_call == [[], 0]
    # Asking for RedisTokenCache loads its module on demand (PEP 562).
    assert redis_module == "atomic_sdk._tokens.redis"


def test_lazy_exports_behave_like_attributes() -> None:
    assert "RedisTokenCache" in dir(atomic_sdk)
    assert atomic_sdk.RedisTokenCache.__name__ == "RedisTokenCache"
    with pytest.raises(AttributeError, match="no attribute 'NoSuchThing'"):
        atomic_sdk.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018


def test_version_is_one_constant_and_matches_the_installed_metadata() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in pyproject["project"] and "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["hatch"]["version"]["path"] == "overlay/atomic_sdk/_version.py"
    assert atomic_sdk.__version__ == version("atomic-sdk")
    assert atomic_sdk.__version__.count(".") == 2
