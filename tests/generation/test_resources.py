"""The generated resource layer for specs unlike ours: it type-checks under mypy --strict and behaves at run time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .helpers import FIXTURES, run_generate


@pytest.fixture(scope="module")
def variant_packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    built: dict[str, Path] = {}
    for name in ("variants", "resource-variants"):
        out = tmp_path_factory.mktemp(name)
        result = run_generate("--spec", FIXTURES / f"{name}.yaml", "--output", out)
        assert result.returncode == 0, result.stderr
        built[name] = out
    return built


def _run(code: str, path: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(path), PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env, cwd=path, timeout=120, check=False
    )


def test_variant_resource_layers_type_check_under_mypy_strict(variant_packages: dict[str, Path]) -> None:
    for name, out in variant_packages.items():
        env = dict(os.environ, MYPYPATH=str(out))
        result = subprocess.run(
            [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir=/dev/null",
             "-p", "atomic_api.resources"],
            capture_output=True, text=True, env=env, cwd=out, timeout=300, check=False,
        )
        assert result.returncode == 0, f"{name}:\n{result.stdout}{result.stderr}"


def test_names_follow_the_fixed_rules(variant_packages: dict[str, Path]) -> None:
    result = _run(
        """
        import inspect, json
        import atomic_api.resources as r
        from atomic_api.resources.close import CloseResource
        from atomic_api.resources.class_ import ClassResource
        out = {
            "names": list(r.RESOURCE_NAMES),
            "close_methods": sorted(n for n in vars(CloseResource) if not n.startswith("_")),
            "list_params": list(inspect.signature(CloseResource.get_v_1_shop_id_items).parameters),
            "clear_params": list(inspect.signature(CloseResource.with_raw_response).parameters),
            "class_methods": sorted(n for n in vars(ClassResource) if not n.startswith("_")),
            "mixin": sorted(n for n in vars(r.ClientResources) if not n.startswith("_")),
        }
        print(json.dumps(out))
        """,
        variant_packages["resource-variants"],
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["names"] == ["class_", "close", "default"]
    # The operation keeps its module name; the raw-response helper steps aside with a trailing underscore.
    assert found["close_methods"] == ["get_v_1_shop_id_items", "iter_get_v_1_shop_id_items", "with_raw_response", "with_raw_response_"]
    assert found["list_params"] == [
        "self", "shop_id", "limit", "offset", "timeout_", "x_trace", "timeout", "extra_headers", "max_retries",
    ]
    assert found["clear_params"] == ["self", "shop_id", "max_retries_", "timeout", "extra_headers", "max_retries"]
    assert found["class_methods"] == ["iter_list_events", "list_events", "with_raw_response"]
    # `close` is a client attribute, so that resource is only client.resources.close.
    assert found["mixin"] == ["class_", "default", "resources"]


def test_variant_resources_send_what_the_generated_functions_send(variant_packages: dict[str, Path]) -> None:
    result = _run(
        """
        import json
        from typing import Any, NoReturn
        import httpx
        from atomic_api.resources import Resources

        sent = []

        def handler(request: httpx.Request) -> httpx.Response:
            sent.append({"method": request.method, "path": request.url.raw_path.decode().split("?")[0], "query": dict(request.url.params),
                         "trace": request.headers.get("x-trace"), "extra": request.headers.get("x-extra")})
            if request.url.path == "/v1/events":
                cursor = request.url.params.get("cursor")
                page = {None: {"events": [{"id": "e1"}], "nextCursor": "c2"}, "c2": {"events": [{"id": "e2"}]}}[cursor]
                return httpx.Response(200, json=page)
            if request.method == "DELETE":
                return httpx.Response(204)
            offset = int(request.url.params.get("offset", "0"))
            return httpx.Response(200, json={"items": [{"id": f"i{offset}"}]} if offset < 2 else {})

        class Client:
            def __init__(self) -> None:
                self.http = httpx.Client(base_url="https://example.test", transport=httpx.MockTransport(handler))
            def _resource_environment_id(self, operation: str) -> str:
                raise AssertionError("no environmentId in this spec")
            def _resource_invalid_argument(self, operation: str, message: str) -> NoReturn:
                raise ValueError(message)
            def _resource_error(self, operation: str, response: httpx.Response) -> NoReturn:
                raise RuntimeError(f"{operation} {response.status_code}")
            def response_error(self, response: httpx.Response, error: Exception) -> Exception | None:
                return None
            def _resource_send(self, operation: str, request: dict[str, Any], timeout: Any, extra_headers: Any,
                               max_retries: Any) -> httpx.Response:
                if extra_headers:
                    request["headers"] = {**request.get("headers", {}), **extra_headers}
                return self.http.request(**request)

        r = Resources(Client())
        page = r.close.get_v_1_shop_id_items("s/1", timeout_=5, x_trace="t1", extra_headers={"X-Extra": "e"})
        items = [i.id for i in r.close.iter_get_v_1_shop_id_items("s", page_size=1)]
        cleared = r.close.with_raw_response_.with_raw_response("s", max_retries_=3)
        events = [e.id for e in r.class_.iter_list_events()]
        print(json.dumps({"page": [i.id for i in page.items], "items": items, "cleared": [cleared.status_code, cleared.parsed],
                          "events": events, "sent": sent}))
        """,
        variant_packages["resource-variants"],
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["page"] == ["i0"]
    assert found["items"] == ["i0", "i1"]  # the third page came back empty (absent list: an empty page)
    assert found["cleared"] == [204, None]
    assert found["events"] == ["e1", "e2"]
    sent = found["sent"]
    assert sent[0] == {"method": "GET", "path": "/v1/s%2F1/items", "query": {"timeout": "5"}, "trace": "t1", "extra": "e"}
    assert [s["query"] for s in sent[1:4]] == [{"limit": "1", "offset": str(n)} for n in range(3)]
    assert sent[4] == {"method": "DELETE", "path": "/v1/s/items", "query": {"max_retries": "3"}, "trace": None, "extra": None}
    assert [s["query"] for s in sent[5:]] == [{}, {"cursor": "c2"}]
