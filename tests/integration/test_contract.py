"""Contract suite: every operation of the spec, called through AtomicClient, sync and async, against the
Sandbox and against Prism (an independent validator of our requests)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from atomic_sdk import AsyncAtomicClient, AtomicClient
from atomic_sdk.testing import Sandbox
from contract_calls import Call, resolve
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from support.http_package import httpx

EXPECTED_OPERATIONS = 33  # spec/atomic-api.yaml today; the suite itself counts from the spec


def _check(call: Call, response: Any, failures: list[str], *, prism: bool) -> None:
    where = f"{call.operation_id} ({call.method} {call.path})"
    if not 200 <= response.status_code < 300 or response.status_code != call.success_status:
        failures.append(f"{where}: HTTP {response.status_code}: {response.content[:500]!r}")
        return
    if prism and "sl-violations" in response.headers:
        failures.append(f"{where}: Prism reports violations: {response.headers['sl-violations']}")
    if call.success_model is not None and not isinstance(response.parsed, call.success_model):
        failures.append(f"{where}: parsed {type(response.parsed).__name__}, expected {call.success_model.__name__}")


def run_sync(client: AtomicClient, calls: list[Call], *, prism: bool = False) -> tuple[set[str], list[str]]:
    exercised: set[str] = set()
    failures: list[str] = []
    for call in calls:
        response = call.module.sync_detailed(client=client, **call.fresh_kwargs())
        exercised.add(call.operation_id)
        _check(call, response, failures, prism=prism)
    return exercised, failures


async def run_async(client: AtomicClient, calls: list[Call], *, prism: bool = False) -> tuple[set[str], list[str]]:
    exercised: set[str] = set()
    failures: list[str] = []
    for call in calls:
        response = await call.module.asyncio_detailed(client=client, **call.fresh_kwargs())
        exercised.add(call.operation_id)
        _check(call, response, failures, prism=prism)
    return exercised, failures


# -- through the resource layer: client.<tag>.<operation>(...), the environment id from the client ----------


def _resource_method(client: Any, call: Call, raw: bool) -> Any:
    tag, operation = call.module.__name__.split(".")[-2:]
    resource = getattr(client, tag)
    return getattr(resource.with_raw_response if raw else resource, operation)


def _resource_kwargs(call: Call) -> dict[str, Any]:
    kwargs = call.fresh_kwargs()
    kwargs.pop("environment_id", None)  # defaulted from the client: every call exercises that path too
    return kwargs


def _check_result(call: Call, result: Any, failures: list[str], raw: bool) -> None:
    if raw:
        # Through with_raw_response: the same parse, plus the headers (Prism reports violations there).
        if "sl-violations" in result.headers:
            failures.append(f"{call.operation_id}: Prism reports violations: {result.headers['sl-violations']}")
        if result.status_code != call.success_status:
            failures.append(f"{call.operation_id}: status {result.status_code}")
        result = result.parsed
    expected = call.success_model
    if expected is None and result is not None or expected is not None and not isinstance(result, expected):
        failures.append(f"{call.operation_id}: returned {type(result).__name__}, expected {expected}")


def run_resources_sync(client: AtomicClient, calls: list[Call], *, raw: bool = False) -> tuple[set[str], list[str]]:
    exercised: set[str] = set()
    failures: list[str] = []
    for call in calls:
        try:
            result = _resource_method(client, call, raw)(**_resource_kwargs(call))
        except Exception as exc:  # noqa: BLE001 - collect every failing operation, not just the first
            failures.append(f"{call.operation_id}: {exc!r}")
        else:
            _check_result(call, result, failures, raw)
        exercised.add(call.operation_id)
    return exercised, failures


async def run_resources_async(
    client: AsyncAtomicClient, calls: list[Call], *, raw: bool = False
) -> tuple[set[str], list[str]]:
    exercised: set[str] = set()
    failures: list[str] = []
    for call in calls:
        try:
            result = await _resource_method(client, call, raw)(**_resource_kwargs(call))
        except Exception as exc:  # noqa: BLE001
            failures.append(f"{call.operation_id}: {exc!r}")
        else:
            _check_result(call, result, failures, raw)
        exercised.add(call.operation_id)
    return exercised, failures


@pytest.fixture
def sandbox(calls: list[Call]) -> Iterator[Sandbox]:
    """A Sandbox of its own holding the records the calls name by id (so fetching and deleting them succeeds)."""
    args = {call.operation_id: call.kwargs for call in calls}
    with Sandbox() as sb:
        hook = {"id": args["deleteWebhookSubscription"]["webhook_id"], "types": [], "url": "https://example.com/h"}
        platform = {"id": args["deleteNotificationPlatform"]["platform_id"]}
        sb.seed(users=[{"id": args["getUser"]["id"]}], webhooks=[hook], notification_platforms=[platform])
        sb.add_credentials(args["revokeCredential"]["client_id"], "contract-secret", "events")
        yield sb


def test_every_operation_through_the_resources_sync_against_sandbox(
    sandbox: Sandbox, calls: list[Call], spec_operation_ids: set[str]
) -> None:
    with sandbox.client(user_agent="contract-suite/1") as client:
        exercised, failures = run_resources_sync(client, calls)
    assert failures == []
    assert exercised == spec_operation_ids and len(exercised) == EXPECTED_OPERATIONS
    assert sandbox.api_requests == {operation_id: 1 for operation_id in spec_operation_ids}
    assert sandbox.token_requests_by_role() == {"auth": 1, "workbench": 1, "events": 1}


async def test_every_operation_through_the_resources_async_against_sandbox(
    sandbox: Sandbox, calls: list[Call], spec_operation_ids: set[str]
) -> None:
    async with sandbox.async_client(user_agent="contract-suite/1") as client:
        exercised, failures = await run_resources_async(client, calls)
    assert failures == []
    assert exercised == spec_operation_ids and len(exercised) == EXPECTED_OPERATIONS
    assert sandbox.api_requests == {operation_id: 1 for operation_id in spec_operation_ids}
    assert sandbox.token_requests_by_role() == {"auth": 1, "workbench": 1, "events": 1}


def test_every_operation_through_the_resources_sync_against_prism(
    prism: str, sandbox: Sandbox, calls: list[Call], spec_operation_ids: set[str]
) -> None:
    # Prism answers the spec's examples and fails (sl-violations → 4xx) any request that breaks the spec.
    with sandbox.client(base_url=prism, user_agent="contract-suite/1") as client:
        exercised, failures = run_resources_sync(client, calls, raw=True)
    assert failures == []
    assert exercised == spec_operation_ids and len(exercised) == EXPECTED_OPERATIONS
    assert sandbox.api_requests == {}


async def test_every_operation_through_the_resources_async_against_prism(
    prism: str, sandbox: Sandbox, calls: list[Call], spec_operation_ids: set[str]
) -> None:
    async with sandbox.async_client(base_url=prism, user_agent="contract-suite/1") as client:
        exercised, failures = await run_resources_async(client, calls, raw=True)
    assert failures == []
    assert exercised == spec_operation_ids and len(exercised) == EXPECTED_OPERATIONS
    assert sandbox.api_requests == {}


def test_suite_covers_the_spec(calls: list[Call], spec_operation_ids: set[str]) -> None:
    assert len(spec_operation_ids) == EXPECTED_OPERATIONS
    assert {call.operation_id for call in calls} == spec_operation_ids
    assert len(calls) == len(spec_operation_ids)


def test_every_operation_sync_against_sandbox(
    sandbox: Sandbox, calls: list[Call], spec_operation_ids: set[str]
) -> None:
    with sandbox.client(user_agent="contract-suite/1") as client:
        exercised, failures = run_sync(client, calls)
    assert failures == []
    assert exercised == spec_operation_ids and len(exercised) == len(spec_operation_ids)
    # The server routed every call to the operation it was meant for, exactly once.
    assert sandbox.api_requests == {operation_id: 1 for operation_id in spec_operation_ids}
    # One token per role for the whole run: the client picked each operation's role and cached tokens.
    assert sandbox.token_requests_by_role() == {"auth": 1, "workbench": 1, "events": 1}


async def test_every_operation_async_against_sandbox(
    sandbox: Sandbox, calls: list[Call], spec_operation_ids: set[str]
) -> None:
    async with sandbox.client(user_agent="contract-suite/1") as client:
        exercised, failures = await run_async(client, calls)
    assert failures == []
    assert exercised == spec_operation_ids and len(exercised) == len(spec_operation_ids)
    assert sandbox.api_requests == {operation_id: 1 for operation_id in spec_operation_ids}
    assert sandbox.token_requests_by_role() == {"auth": 1, "workbench": 1, "events": 1}


def test_every_operation_sync_against_prism(
    prism: str, sandbox: Sandbox, calls: list[Call], spec_operation_ids: set[str]
) -> None:
    with sandbox.client(base_url=prism, user_agent="contract-suite/1") as client:
        exercised, failures = run_sync(client, calls, prism=True)
    assert failures == []
    assert exercised == spec_operation_ids and len(exercised) == len(spec_operation_ids)
    assert sandbox.api_requests == {}  # the API calls went to Prism; only tokens came from the Sandbox
    assert sandbox.token_requests_by_role() == {"auth": 1, "workbench": 1, "events": 1}


async def test_every_operation_async_against_prism(
    prism: str, sandbox: Sandbox, calls: list[Call], spec_operation_ids: set[str]
) -> None:
    async with sandbox.client(base_url=prism, user_agent="contract-suite/1") as client:
        exercised, failures = await run_async(client, calls, prism=True)
    assert failures == []
    assert exercised == spec_operation_ids and len(exercised) == len(spec_operation_ids)
    assert sandbox.api_requests == {}


def test_prism_rejects_a_nonconforming_request(prism: str, sandbox: Sandbox) -> None:
    """Guards the Prism check itself: it must refuse what the spec forbids, or the suite proves nothing."""
    token = sandbox.issue_token("events")
    response = httpx.put(
        f"{prism}/v1/env1/cards/cancel",
        params={"multiple": "2"},
        headers={"Authorization": f"Bearer {token}", "User-Agent": "contract-suite/1"},
    )
    # Prism answers a violation with the spec's 400 example (422 where no 4xx is declared) and says why.
    assert 400 <= response.status_code < 500, response.text
    assert "multiple" in response.headers.get("sl-violations", "")


def _examples(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any], Any]]:
    found: list[tuple[str, dict[str, Any], Any]] = []
    for item in spec["paths"].values():
        for method, operation in item.items():
            if method == "parameters":
                continue
            where = f"{operation['operationId']}"
            body = operation.get("requestBody")
            if body is not None:
                for media_type, media in resolve(body, spec)["content"].items():
                    if "example" in media:
                        found.append((f"{where} request {media_type}", media["schema"], media["example"]))
            for code, response in operation["responses"].items():
                for media_type, media in (resolve(response, spec).get("content") or {}).items():
                    if "example" in media:
                        found.append((f"{where} {code} {media_type}", media["schema"], media["example"]))
    return found


def test_every_example_validates_against_its_schema(spec: dict[str, Any]) -> None:
    """The Sandbox answers with these examples and the suite sends them, so each must fit its schema."""
    failures = []
    examples = _examples(spec)
    for where, schema, example in examples:
        validator = OAS30Validator(resolve(schema, spec), format_checker=oas30_format_checker)
        errors = sorted(str(error.message) for error in validator.iter_errors(example))
        if errors:
            failures.append(f"{where}: {errors[0]} in {json.dumps(example)[:200]}")
    assert failures == []
    assert len(examples) > 0


@pytest.mark.parametrize("operation_id", ["listEnvironments", "startActionFlowCsvTask", "getBatchedAnalytics"])
def test_sandbox_saw_the_spec_shape(sandbox: Sandbox, calls: list[Call], operation_id: str) -> None:
    """Spot-check a plain GET, a multipart upload and a call with date-time query parameters by headers."""
    call = next(c for c in calls if c.operation_id == operation_id)
    with sandbox.client(user_agent="contract-suite/1") as client:
        response = call.module.sync_detailed(client=client, **call.fresh_kwargs())
    assert response.status_code == call.success_status
    headers = sandbox.last_request_headers
    assert headers is not None
    assert headers["user-agent"].startswith("contract-suite/1 atomic-sdk-python/")
    assert headers["authorization"].startswith("Bearer ")
    if operation_id == "startActionFlowCsvTask":
        assert headers["content-type"].startswith("multipart/form-data")
