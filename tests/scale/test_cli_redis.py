"""The atomic-sdk command with ATOMIC_REDIS_URL: separate invocations share one token through Redis."""

from __future__ import annotations

import json

from atomic_sdk.testing import RedisServer, Sandbox
from support.cli import run_script


def test_separate_cli_calls_share_one_token_and_check_still_fetches_fresh(redis_server: RedisServer) -> None:
    with Sandbox() as sb:
        env = {**sb.env(), "ATOMIC_REDIS_URL": redis_server.url}
        for _ in range(3):
            done = run_script(["call", "listSites", "--json-compact"], env)
            assert (done.code, done.stderr) == (0, "")
            assert isinstance(json.loads(done.stdout), (list, dict))
        assert sb.api_requests == {"listSites": 3}
        assert sb.token_requests_by_role() == {"auth": 1}
        checked = run_script(["check", "--json"], env)
        assert checked.code == 0, checked.stderr
        assert [row["status"] for row in json.loads(checked.stdout)] == ["ok", "ok", "ok"]
        # check tests the keys themselves: a fresh token request each, never the shared cache.
        assert sb.token_requests_by_role() == {"auth": 2, "workbench": 1, "events": 1}
