"""The resource layer on AtomicClient / AsyncAtomicClient: environment defaulting, per-call options, raw access,
status handling and the generated structure (names, reserved attributes), against a local recording server."""

from __future__ import annotations

import asyncio
import inspect
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

import atomic_api.api
import pytest
from atomic_api import resources
from atomic_api._roles import OPERATIONS
from atomic_api.models.card_list import CardList
from atomic_api.models.environment_list import EnvironmentList
from atomic_sdk import (
    ApiError,
    ApiTimeoutError,
    AsyncAtomicClient,
    AtomicClient,
    ConfigurationError,
    Credentials,
    MissingCredentialsError,
    MissingFieldError,
    NotFoundError,
    RawResponse,
    RepeatedPageError,
    Role,
    ServerError,
)
from support.atomic_server import AtomicServer, Reply, raises_clean, secret
from support.clock import FakeClock, SleepRecorder
from support.http_package import httpx

KEY = Credentials("ev-id", secret("ev"))
CARD = {"cardInstanceId": "c1", "status": "active"}


def make(server: AtomicServer, cls: type[Any] = AtomicClient, **kwargs: Any) -> Any:
    clock = FakeClock()
    waits = SleepRecorder(clock)
    kwargs.setdefault("environment_id", "env-default")
    return cls(
        base_url=server.base_url,
        token_url=server.token_url,
        credentials=kwargs.pop("credentials", KEY),
        clock=clock,
        sleep=waits,
        async_sleep=waits.async_sleep,
        timeout=10.0,
        **kwargs,
    )


# -- environment id --------------------------------------------------------------------------------


def test_environment_id_defaults_to_the_clients(server: AtomicServer) -> None:
    server.api_replies = [Reply.json(200, {"data": [CARD]})]
    with make(server) as client:
        cards = client.cards.list_cards(user_id="u1")
    assert isinstance(cards, CardList)
    assert [c.card_instance_id for c in cards.data] == ["c1"]
    (request,) = server.api_requests()
    assert request.raw_path == "/v1/env-default/cards"
    # Only what the caller gave is sent: no default limit/offset (the generated functions send limit=100).
    assert request.query == {"userId": ["u1"]}


def test_an_explicit_environment_id_wins(server: AtomicServer) -> None:
    with make(server) as client:
        client.cards.list_cards(environment_id="env-other")
    assert [r.raw_path for r in server.api_requests()] == ["/v1/env-other/cards"]


def test_no_environment_id_raises_configuration_error_before_any_io(server: AtomicServer) -> None:
    with make(server, environment_id=None) as client, pytest.raises(ConfigurationError, match=r"^listCards needs"):
        client.cards.list_cards(user_id="u1")
    assert server.requests == []  # not even a token request


async def test_async_no_environment_id_raises_configuration_error_before_any_io(server: AtomicServer) -> None:
    async with make(server, AsyncAtomicClient, environment_id=None) as client:
        with pytest.raises(ConfigurationError, match=r"^getUser needs an environment id"):
            await client.users.get_user(id="u1")
    assert server.requests == []


def test_operations_outside_an_environment_need_none(server: AtomicServer) -> None:
    with make(server, environment_id=None) as client:
        environments = client.environments.list_environments()
    assert isinstance(environments, EnvironmentList)
    assert [e.id for e in environments.environments] == ["env1"]


def test_path_parameters_are_positional_in_path_order(server: AtomicServer) -> None:
    with make(server) as client:
        client.action_flows.start_action_flow("flow/1", body=_flow())
        client.webhooks.delete_webhook_subscription(webhook_id="wh-1")
    paths = [r.raw_path for r in server.api_requests()]
    assert paths == ["/v1/env-default/action-flow/flow%2F1/start", "/v1/env-default/webhook/wh-1"]


def test_missing_credentials_raise_before_any_io(server: AtomicServer) -> None:
    with make(server, credentials={Role.WORKBENCH: KEY}) as client, pytest.raises(MissingCredentialsError):
        client.cards.list_cards()
    assert server.requests == []


# -- per-call options --------------------------------------------------------------------------------


def test_extra_headers_arrive_and_the_user_agent_stays(server: AtomicServer) -> None:
    with make(server, user_agent="app/1") as client:
        client.cards.list_cards(extra_headers={"X-Request-Id": "req-42", "X-Other": "b"})
        client.cards.list_cards()
    first, second = server.api_requests()
    assert first.headers["x-request-id"] == "req-42" and first.headers["x-other"] == "b"
    assert first.headers["user-agent"].startswith("app/1 atomic-sdk-python/")
    assert first.headers["authorization"].startswith("Bearer ")
    assert "x-request-id" not in second.headers  # per call, not sticky


def test_max_retries_zero_sends_exactly_one_request(server: AtomicServer) -> None:
    server.api_replies = [Reply.json(503, {"error": "down"}) for _ in range(5)]
    with make(server, max_retries=3) as client, pytest.raises(ServerError) as caught:
        client.cards.list_cards(max_retries=0)
    assert caught.value.status == 503
    assert len(server.api_requests()) == 1


def test_per_call_max_retries_overrides_the_client_both_ways(server: AtomicServer) -> None:
    server.api_replies = [Reply.json(503, {}) for _ in range(3)] + [Reply.json(200, {"data": []})]
    with make(server, max_retries=0) as client:
        assert client.cards.list_cards(max_retries=3).data == []
    assert len(server.api_requests()) == 4


async def test_async_max_retries_zero_sends_exactly_one_request(server: AtomicServer) -> None:
    server.api_replies = [Reply.json(503, {}) for _ in range(3)]
    async with make(server, AsyncAtomicClient, max_retries=2) as client:
        with pytest.raises(ServerError):
            await client.cards.list_cards(max_retries=0)
    assert len(server.api_requests()) == 1


class _SlowServer:
    """Answers every request after `delay` seconds (token requests at once)."""

    def __init__(self, delay: float) -> None:
        outer = self
        self.delay = delay

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._send(b'{"access_token": "t", "expires_in": 3600}')

            def do_GET(self) -> None:
                time.sleep(outer.delay)
                self._send(b'{"data": []}')

            def _send(self, body: bytes) -> None:
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_a_per_call_timeout_fires() -> None:
    with _SlowServer(delay=2.0) as slow:
        client = AtomicClient(
            base_url=slow.url, token_url=slow.url + "/oauth2/token", credentials=KEY, environment_id="e", timeout=30.0
        )
        with client:
            started = time.monotonic()
            with pytest.raises(ApiTimeoutError) as caught:
                client.cards.list_cards(timeout=0.2)
            elapsed = time.monotonic() - started
    # The call gave up at its own 0.2 s, far below both the server's 2 s and the client's 30 s.
    assert elapsed < 1.5
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert caught.value.attempts == 1  # a read timeout is not retried


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), "5", True])
def test_a_bad_per_call_timeout_is_a_configuration_error(server: AtomicServer, bad: Any) -> None:
    with make(server) as client, pytest.raises(ConfigurationError, match="timeout"):
        client.cards.list_cards(timeout=bad)
    assert server.api_requests() == []


def test_a_bad_per_call_max_retries_is_a_configuration_error(server: AtomicServer) -> None:
    with make(server) as client, pytest.raises(ConfigurationError, match="max_retries"):
        client.cards.list_cards(max_retries=-1)
    assert server.api_requests() == []


# -- raw responses -------------------------------------------------------------------------------------


def test_with_raw_response_gives_status_headers_and_the_parsed_model(server: AtomicServer) -> None:
    server.api_replies = [Reply.json(200, {"data": [CARD]}, **{"X-Trace": "t-1"})]
    with make(server) as client:
        raw = client.cards.with_raw_response.list_cards(user_id="u1")
    assert isinstance(raw, RawResponse)
    assert raw.status_code == 200
    assert raw.headers["x-trace"] == "t-1"
    assert raw.content == b'{"data": [{"cardInstanceId": "c1", "status": "active"}]}'
    assert isinstance(raw.parsed, CardList) and raw.parsed.data[0].card_instance_id == "c1"
    assert raw.http_response.request.url.path == "/v1/env-default/cards"


async def test_async_with_raw_response(server: AtomicServer) -> None:
    server.api_replies = [Reply.json(200, {"environments": []}, **{"X-Trace": "t-2"})]
    async with make(server, AsyncAtomicClient) as client:
        raw = await client.environments.with_raw_response.list_environments()
    assert (raw.status_code, raw.headers["x-trace"], raw.parsed.environments) == (200, "t-2", [])


# -- statuses --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("raise_on_error", [True, False])
def test_an_error_status_raises_whatever_raise_on_error_says(server: AtomicServer, raise_on_error: bool) -> None:
    server.api_replies = [Reply.json(404, {"error": "no such environment"})]
    with make(server, raise_on_error=raise_on_error) as client, pytest.raises(NotFoundError) as caught:
        client.cards.list_cards()
    error = caught.value
    assert (error.status, error.operation_id, error.method) == (404, "listCards", "GET")
    assert error.body == {"error": "no such environment"}
    assert error.role is Role.EVENTS


@pytest.mark.parametrize("status", [201, 204, 302])
def test_an_undeclared_success_or_redirect_status_raises_api_error(server: AtomicServer, status: int) -> None:
    server.api_replies = [Reply(status, b"", {"Location": "/elsewhere"} if status == 302 else {})]
    with make(server) as client, pytest.raises(ApiError) as caught:
        client.cards.list_cards()
    assert caught.value.status == status and caught.value.operation_id == "listCards"


def test_a_missing_required_field_raises_missing_field_error(server: AtomicServer) -> None:
    server.api_replies = [Reply.json(200, {"data": [{"status": "active"}]})]
    with make(server) as client, pytest.raises(MissingFieldError):
        client.cards.list_cards()


# -- pagination ---------------------------------------------------------------------------------------------


def test_iter_list_cards_pages_with_limit_and_offset(server: AtomicServer) -> None:
    pages = [
        [{"cardInstanceId": f"c{i}", "status": "active"} for i in range(start, stop)]
        for start, stop in ((0, 2), (2, 4), (4, 5))
    ]
    server.api_replies = [Reply.json(200, {"data": page}) for page in pages]
    with make(server) as client:
        ids = [card.card_instance_id for card in client.cards.iter_list_cards(user_id="u1", page_size=2)]
    assert ids == ["c0", "c1", "c2", "c3", "c4"]
    queries = [r.query for r in server.api_requests()]
    assert queries == [
        {"userId": ["u1"], "limit": ["2"], "offset": ["0"]},
        {"userId": ["u1"], "limit": ["2"], "offset": ["2"]},
        {"userId": ["u1"], "limit": ["2"], "offset": ["4"]},
    ]


def test_iterators_are_lazy_and_stop_when_the_loop_does(server: AtomicServer) -> None:
    server.api_replies = [Reply.json(200, {"data": [CARD, CARD]}) for _ in range(3)]
    with make(server) as client:
        iterator = client.cards.iter_list_cards(page_size=2)
        assert server.api_requests() == []
        first = next(iterator)
        assert first.card_instance_id == "c1"
        iterator.close()
    assert len(server.api_requests()) == 1


def test_a_bad_page_size_is_a_configuration_error(server: AtomicServer) -> None:
    with make(server) as client, pytest.raises(ConfigurationError, match="page_size"):
        next(client.cards.iter_list_cards(page_size=0))
    assert server.api_requests() == []


async def test_async_iter_audit_log_follows_the_cursor(server: AtomicServer) -> None:
    entry = {"url": "/v1/x"}
    server.api_replies = [
        Reply.json(200, {"data": [entry, entry], "cursor": "p2"}),
        Reply.json(200, {"data": [entry], "cursor": "p3"}),
        Reply.json(200, {"data": []}),
    ]
    async with make(server, AsyncAtomicClient) as client:
        entries = [e async for e in client.audit_log.iter_list_audit_log_entries()]
    assert len(entries) == 3
    assert [r.query for r in server.api_requests()] == [{}, {"cursor": ["p2"]}, {"cursor": ["p3"]}]


def test_a_repeated_cursor_stops_the_iteration_with_a_named_error(server: AtomicServer) -> None:
    server.api_replies = [Reply.json(200, {"data": [{"url": "/a"}], "cursor": "same"}) for _ in range(4)]
    entries: list[object] = []
    with (
        make(server) as client,
        raises_clean(RepeatedPageError, match="the next cursor 'same' was followed before") as info,
    ):
        entries.extend(client.audit_log.iter_list_audit_log_entries())  # keeps what came before the error
    assert info.value.operation_id == "listAuditLogEntries"  # type: ignore[attr-defined]
    assert len(entries) == 2 and len(server.api_requests()) == 2


@pytest.mark.parametrize("is_async", [False, True])
def test_an_offset_page_equal_to_the_one_before_stops_the_iteration(server: AtomicServer, is_async: bool) -> None:
    # A server that ignores offset answers the first page for ever.
    server.api_replies = [Reply.json(200, {"data": [CARD, CARD]}) for _ in range(5)]
    seen: list[str] = []

    async def iterate_async() -> None:
        async with make(server, AsyncAtomicClient) as client:
            async for card in client.cards.iter_list_cards(page_size=2):
                seen.append(card.card_instance_id)

    with raises_clean(RepeatedPageError, match=r"listCards: offset 2 answered the same 2 items as offset 0"):
        if is_async:
            asyncio.run(iterate_async())
        else:
            with make(server) as client:
                for card in client.cards.iter_list_cards(page_size=2):
                    seen.append(card.card_instance_id)
    assert seen == ["c1", "c1"]
    assert len(server.api_requests()) == 2


def test_an_offset_iteration_over_distinct_pages_ends_with_every_item(server: AtomicServer) -> None:
    other = {**CARD, "cardInstanceId": "c2"}
    server.api_replies = [
        Reply.json(200, {"data": [CARD, other]}),
        Reply.json(200, {"data": [other, CARD]}),
        Reply.json(200, {"data": []}),
    ]
    with make(server) as client:
        ids = [card.card_instance_id for card in client.cards.iter_list_cards(page_size=2)]
    assert ids == ["c1", "c2", "c2", "c1"]
    assert len(server.api_requests()) == 3


def test_an_error_page_raises_after_the_items_already_yielded(server: AtomicServer) -> None:
    server.api_replies = [Reply.json(200, {"data": [CARD, CARD]}), Reply.json(500, {"error": "x"})]
    seen: list[str] = []
    with make(server, max_retries=0) as client, pytest.raises(ServerError):
        for card in client.cards.iter_list_cards(page_size=2):
            seen.append(card.card_instance_id)
    assert seen == ["c1", "c1"]


# -- structure: names, reserved attributes, docstrings ------------------------------------------------------


def _tag_modules() -> dict[str, set[str]]:
    import pkgutil

    found: dict[str, set[str]] = {}
    for tag in pkgutil.iter_modules(atomic_api.api.__path__):
        package = __import__(f"atomic_api.api.{tag.name}", fromlist=["_"])
        found[tag.name] = {m.name for m in pkgutil.iter_modules(package.__path__)}
    return found


def test_one_resource_per_tag_module_and_one_method_per_operation_module_with_the_same_names() -> None:
    modules = _tag_modules()
    assert set(resources.RESOURCE_NAMES) == set(modules)
    assert sum(len(ops) for ops in modules.values()) == len(OPERATIONS) == 33
    with AtomicClient(base_url="https://x.test", credentials=KEY) as client:
        for tag, operations in modules.items():
            resource = getattr(client, tag)
            assert resource is client.resources.__getattribute__(tag)
            for operation in operations:
                assert callable(getattr(resource, operation)), f"{tag}.{operation}"
                assert callable(getattr(resource.with_raw_response, operation))
            generated = next(cls for cls in type(resource).__mro__ if cls.__module__.startswith("atomic_api."))
            assert {name for name in vars(generated) if not name.startswith("_")} - operations == {
                "with_raw_response",
                *(f"iter_{op}" for op in operations if hasattr(resource, f"iter_{op}")),
            }
            # Hand-written additions (the overlay subclasses the generated resource): only the webhook test call.
            hand_written = {
                n for c in type(resource).__mro__ if c is not generated and c is not object for n in vars(c)
            }
            hand_written = {name for name in hand_written if not name.startswith("_")}
            assert hand_written == ({"test_webhook_subscription"} if tag == "webhooks" else set())


def test_iterators_exist_exactly_for_the_paged_operations() -> None:
    with AtomicClient(base_url="https://x.test", credentials=KEY) as client:
        found = sorted(
            f"{tag}.{name}"
            for tag in resources.RESOURCE_NAMES
            for name in vars(type(getattr(client, tag)))
            if name.startswith("iter_")
        )
    assert found == ["audit_log.iter_list_audit_log_entries", "cards.iter_list_cards"]


def test_async_resources_are_coroutines_and_iterators_async_generators() -> None:
    client = AsyncAtomicClient(base_url="https://x.test", credentials=KEY)
    assert inspect.iscoroutinefunction(client.cards.list_cards)
    assert inspect.iscoroutinefunction(client.cards.with_raw_response.list_cards)
    assert inspect.isasyncgenfunction(client.cards.iter_list_cards)
    assert not inspect.iscoroutinefunction(AtomicClient(base_url="https://x.test", credentials=KEY).cards.list_cards)


def test_client_attributes_list_covers_every_attribute_of_both_clients() -> None:
    # A tag module named like one of these would be shadowed; the generator keeps it off the client.
    for cls in (AtomicClient, AsyncAtomicClient):
        public = {name for name in dir(cls) if not name.startswith("_")}
        assert public - set(resources.RESOURCE_NAMES) <= resources.CLIENT_ATTRIBUTES, cls


def test_docstrings_carry_method_path_roles_parameters_and_errors() -> None:
    doc = inspect.getdoc(resources.CardsResource.list_cards) or ""
    assert doc.startswith("List cards\n")
    assert "``GET /v1/{environmentId}/cards``, operation ``listCards``; accepted roles: events" in doc
    assert "user_id (str | None): Card selection. The end user's id. Not sent when None." in doc
    assert "CardList: the parsed 200 response." in doc
    assert "NotFoundError 404" in doc and "ConfigurationError" in doc
    env_doc = inspect.getdoc(resources.EnvironmentsResource.list_environments) or ""
    assert "accepted roles: events, workbench, auth" in env_doc and "ConfigurationError" not in env_doc


def test_generated_functions_still_accept_both_clients(server: AtomicServer) -> None:
    from atomic_api.api.cards import list_cards

    with make(server) as client:
        assert isinstance(list_cards.sync("env1", client=client), CardList)


async def test_generated_async_functions_accept_the_async_client(server: AtomicServer) -> None:
    from atomic_api.api.cards import list_cards

    async with make(server, AsyncAtomicClient) as client:
        assert isinstance(await list_cards.asyncio("env1", client=client), CardList)
    assert [r.raw_path for r in server.api_requests()] == ["/v1/env1/cards"]


def _flow() -> Any:
    from atomic_api.models import ActionFlowRequest, Flow, FlowTarget

    return ActionFlowRequest(flows=[Flow(target=FlowTarget(type_="user", target_user_ids=["u1"]))])
