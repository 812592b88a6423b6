"""`atomic-sdk call`: any operation through AtomicClient.from_env(), body printed as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import atomic_api
import pytest
import yaml
from atomic_sdk.testing import Sandbox
from atomic_sdk.testing._spec import load_description

from .conftest import RunMain, RunScript, assert_no_secrets

SPEC = yaml.safe_load((Path(atomic_api.__file__).parent / "openapi.yaml").read_text(encoding="utf-8"))


def _example(operation_id: str) -> object:
    return load_description().get(operation_id).example


def _seed_example_card(sandbox: Sandbox) -> dict[str, object]:
    """The spec's listCards example, with the card's user being u1, as the Sandbox's only card."""
    card = {**_example("listCards")["data"][0], "userId": "u1"}  # type: ignore[index]
    sandbox.seed(cards=[card])
    return {"data": [card]}


def _request_example(path: str, method: str) -> object:
    return SPEC["paths"][path][method]["requestBody"]["content"]["application/json"]["example"]


def test_list_cards_prints_the_sandbox_cards(sandbox: Sandbox, cli: RunScript) -> None:
    expected = _seed_example_card(sandbox)
    result = cli(["call", "listCards", "--param", "user_id=u1"], env=sandbox.env())
    assert result.code == 0, result.stderr
    assert result.stderr == ""
    assert json.loads(result.stdout) == expected
    assert result.stdout.startswith("{\n  ")  # pretty by default
    assert sandbox.api_requests == {"listCards": 1}
    assert sandbox.token_requests_by_role() == {"events": 1}
    headers = sandbox.last_request_headers
    assert headers is not None and headers["user-agent"].startswith("atomic-sdk-python/")
    assert_no_secrets(sandbox, [result.output])


def test_spec_names_explicit_environment_and_compact_output(
    sandbox: Sandbox, run_main: RunMain, caplog: pytest.LogCaptureFixture
) -> None:
    expected = _seed_example_card(sandbox)
    env = sandbox.env()
    del env["ATOMIC_ENVIRONMENT_ID"]
    args = [
        "call",
        "listCards",
        "-p",
        f"environmentId={sandbox.environment_id}",
        "-p",
        "userId=u1",
        "-p",
        "status=active",
        "-p",
        "limit=5",
        "--json-compact",
    ]
    result = run_main(args, env=env)
    assert result.code == 0, result.stderr
    assert result.stdout == json.dumps(expected, ensure_ascii=False, separators=(",", ":")) + "\n"
    assert sandbox.api_requests == {"listCards": 1}
    assert_no_secrets(sandbox, [result.output, caplog.text])


def test_body_from_a_file_goes_through_the_generated_model(sandbox: Sandbox, cli: RunScript, tmp_path: Path) -> None:
    body = tmp_path / "webhook.json"
    request = _request_example("/v1/{environmentId}/webhook", "post")
    body.write_text(json.dumps(request))
    result = cli(["call", "createWebhookSubscription", "--body", str(body)], env=sandbox.env())
    assert result.code == 0, result.stderr
    created = json.loads(result.stdout)["data"]
    assert {key: created[key] for key in request} == request  # type: ignore[union-attr]
    assert sandbox.data()["webhooks"] == [{key: value for key, value in created.items() if key != "secret"}]
    assert sandbox.api_requests == {"createWebhookSubscription": 1}
    assert sandbox.token_requests_by_role() == {"workbench": 1}


def test_body_from_stdin_as_a_list_of_models(sandbox: Sandbox, cli: RunScript) -> None:
    users = _request_example("/v1/{environmentId}/users", "post")
    result = cli(["call", "upsertUsers", "--body", "-"], env=sandbox.env(), stdin=json.dumps(users))
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout) == _example("upsertUsers")
    assert sandbox.api_requests == {"upsertUsers": 1}


def test_a_body_that_does_not_fit_the_model_exits_2_before_any_request(sandbox: Sandbox, cli: RunScript) -> None:
    result = cli(["call", "createWebhookSubscription", "--body", "-"], env=sandbox.env(), stdin='{"url": "https://x"}')
    assert result.code == 2
    assert "--body does not match the request body" in result.stderr and "types" in result.stderr
    not_json = cli(["call", "createWebhookSubscription", "--body", "-"], env=sandbox.env(), stdin="{oops")
    assert not_json.code == 2 and "--body stdin is not valid JSON" in not_json.stderr
    no_body = cli(["call", "createWebhookSubscription"], env=sandbox.env())
    assert no_body.code == 2 and "needs a request body (JSON object (WebhookSubscriptionRequest))" in no_body.stderr
    extra_body = cli(["call", "listCards", "--body", "-"], env=sandbox.env(), stdin="{}")
    assert extra_body.code == 2 and "listCards takes no request body" in extra_body.stderr
    assert sandbox.api_requests == {} and sandbox.token_requests == {}


def test_missing_required_param_exits_2_listing_the_parameters(sandbox: Sandbox, cli: RunScript) -> None:
    result = cli(["call", "getUser"], env=sandbox.env())
    assert result.code == 2
    assert result.stdout == ""
    assert "getUser: missing required parameter id" in result.stderr
    assert "getUser parameters:\n" in result.stderr
    assert "  environment_id (environmentId): str, required, defaults to $ATOMIC_ENVIRONMENT_ID\n" in result.stderr
    assert "  id: str, required" in result.stderr
    assert "Traceback" not in result.stderr
    assert sandbox.api_requests == {} and sandbox.token_requests == {}


def test_unknown_and_badly_typed_params_exit_2(sandbox: Sandbox, run_main: RunMain) -> None:
    result = run_main(
        ["call", "listCards", "-p", "limit=ten", "-p", "colour=red", "-p", "status=actve", "-p", "junk"],
        env=sandbox.env(),
    )
    assert result.code == 2
    assert "--param 'junk' is not NAME=VALUE" in result.stderr
    assert "unknown parameter 'colour'" in result.stderr
    assert "parameter limit: expected an integer, got 'ten'" in result.stderr
    assert (
        "parameter status: expected one of active, cancelled, completed, dismissed, embargoed, expired, snoozed"
        in result.stderr
    )
    assert "  limit: int, optional, default 100" in result.stderr
    analytics = run_main(
        ["call", "getBatchedAnalytics", "-p", "from=yesterday", "-p", "to=2024-05-02T00:00:00Z"], env=sandbox.env()
    )
    assert analytics.code == 2
    assert "parameter from_: expected an ISO 8601 datetime" in analytics.stderr
    assert sandbox.api_requests == {}


def test_datetime_and_enum_params_reach_the_api(sandbox: Sandbox, run_main: RunMain) -> None:
    result = run_main(
        [
            "call",
            "getBatchedAnalytics",
            "-p",
            "from=2024-05-01T00:00:00Z",
            "-p",
            "to=2024-05-02T00:00:00+00:00",
            "-p",
            "format=ndjson",
        ],
        env=sandbox.env(),
    )
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout) == _example("getBatchedAnalytics")
    assert sandbox.api_requests == {"getBatchedAnalytics": 1}


def test_unknown_operation_exits_2_with_close_matches(sandbox: Sandbox, cli: RunScript) -> None:
    result = cli(["call", "listCard"], env=sandbox.env())
    assert result.code == 2
    assert "unknown operation 'listCard'; did you mean listCards" in result.stderr
    assert sandbox.api_requests == {} and sandbox.token_requests == {}
    snake = cli(["call", "list_cards"], env=sandbox.env())
    assert snake.code == 0, snake.stderr  # the generated module's name works too


def test_an_api_4xx_exits_1_with_status_and_message(sandbox: Sandbox, cli: RunScript) -> None:
    # A workbench key configured as the events key: the Sandbox answers listCards with 403.
    sandbox.add_credentials("mislabelled", "mislabelled-secret-Qp3", "workbench")
    env = {
        **sandbox.env(),
        "ATOMIC_EVENTS_CLIENT_ID": "mislabelled",
        "ATOMIC_EVENTS_CLIENT_SECRET": "mislabelled-secret-Qp3",
    }
    result = cli(["call", "listCards", "-p", "user_id=u1"], env=env)
    assert result.code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("atomic-sdk: listCards failed: HTTP 403: listCards (GET ")
    assert "needs a token with role events; this token has role workbench" in result.stderr
    assert sandbox.api_requests == {"listCards": 1}
    assert_no_secrets(sandbox, [result.output])


def test_no_key_for_the_role_and_no_configuration_exit_2(sandbox: Sandbox, cli: RunScript) -> None:
    env = {name: value for name, value in sandbox.env().items() if "_EVENTS_" not in name}
    missing_role = cli(["call", "listCards"], env=env)
    assert missing_role.code == 2
    assert "needs credentials for role events" in missing_role.stderr
    nothing = cli(["call", "listCards", "-p", "environment_id=e1"], env={})
    assert nothing.code == 2 and "configuration: no credentials in the environment" in nothing.stderr
    assert sandbox.api_requests == {} and sandbox.token_requests == {}


def test_an_undeclared_204_fails_in_one_line(tmp_path: Path, run_main: RunMain) -> None:
    # The installed atomic_api declares 200 for deleteWebhookSubscription; this Sandbox answers 204.
    spec = json.loads(json.dumps(SPEC))
    operation = spec["paths"]["/v1/{environmentId}/webhook/{webhookId}"]["delete"]
    operation["responses"] = {
        "204": {"description": "deleted"},
        **{status: response for status, response in operation["responses"].items() if not status.startswith("2")},
    }
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec))
    with Sandbox(spec=path) as sb:
        sb.seed(webhooks=[{"id": "w1", "types": ["card-published"], "url": "https://example.com/h"}])
        result = run_main(["call", "deleteWebhookSubscription", "-p", "webhookId=w1"], env=sb.env())
        assert (result.code, result.stdout) == (1, "")
        assert result.stderr.count("\n") == 1
        assert result.stderr.startswith("atomic-sdk: deleteWebhookSubscription failed: HTTP 204: ")
        assert "does not declare status 204 for deleteWebhookSubscription" in result.stderr
        assert sb.api_requests == {"deleteWebhookSubscription": 1}
