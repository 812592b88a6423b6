"""Spec keys and values as their authors meant them, and path parameters that stay required.

Hand-written YAML specs write `200:` (PyYAML reads an integer), `on:` (YAML 1.1 reads a boolean) and
`version: 1.10` (a float); the prepare pass reads them as the strings OpenAPI requires.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml
from atomic_tooling import generate
from atomic_tooling.prepare import WrittenFloat, normalize_keys, normalize_scalars, normalize_status_codes, yaml_loader

from .helpers import FIXTURES, run_generate


def _probe(output: Path, code: str) -> object:
    env = dict(os.environ, PYTHONPATH=str(output), PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, check=False, cwd=output)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_yaml_loader_keeps_keys_as_written_and_reads_yaml_1_2_booleans() -> None:
    text = "a: {200: x, on: 1, '201': 2, 1.50: y, 2020-01-01: d, null: n, <<: {m: 1}}\nb: [on, off, yes, true, False, 1.10, 3]\n"
    document = yaml.load(text, Loader=yaml_loader())
    assert document == {
        "a": {"m": 1, "200": "x", "on": 1, "201": 2, "1.50": "y", "2020-01-01": "d", "null": "n"},
        "b": ["on", "off", "yes", True, False, 1.1, 3],
    }
    assert list(document["a"]) == ["m", "200", "on", "201", "1.50", "2020-01-01", "null"]
    assert isinstance(document["b"][5], WrittenFloat) and document["b"][5].written == "1.10"


def test_normalize_keys_and_scalars_for_documents_read_otherwise() -> None:
    document = {
        "info": {"version": 2},
        "paths": {"/a": {"get": {"responses": {200: {"description": "ok"}, "2xx": {}, " Default ": {}}}}},
        "components": {"schemas": {"S": {"required": [True, 7], "properties": {True: {"type": "string", "enum": [1, 2.5, None]}}}}},
    }
    assert normalize_keys(document) == 2
    assert normalize_scalars(document) == 3
    normalize_status_codes(document)
    assert document == {
        "info": {"version": "2"},
        "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}, "2XX": {}, "default": {}}}}},
        "components": {"schemas": {"S": {"required": ["true", "7"], "properties": {"true": {"type": "string", "enum": ["1", "2.5", None]}}}}},
    }


def test_yaml_status_codes_and_boolean_like_names_generate(tmp_path: Path) -> None:
    # Was: every operation with `200:` skipped (one real spec generated 0 of 247).
    result = run_generate("--spec", FIXTURES / "yaml-quirks.yaml", "--output", tmp_path, "--strict")
    assert result.returncode == 0, result.stderr
    assert "2 generated, 0 skipped" in result.stdout
    record = json.loads((tmp_path / "atomic_api" / "GENERATED.json").read_text(encoding="utf-8"))
    assert (record["spec_version"], record["skipped"]) == ("1.0", [])
    probe = _probe(tmp_path, """
import json, httpx
from atomic_api.api.default import get_switch
from atomic_api.client import Client
from atomic_api.models.switch import Switch
client = Client("http://x")
ok = get_switch._parse_response(client=client, response=httpx.Response(200, json={"on": True, "off": "no", "1080": 3}))
problem = get_switch._parse_response(client=client, response=httpx.Response(404, json={"title": "gone"}))
print(json.dumps([ok.to_dict(), type(problem).__name__, problem.title, Switch(on=False).to_dict()]))
""")
    assert probe == [{"on": True, "off": "no", "1080": 3}, "Problem", "gone", {"on": False}]
    assert generate.load_spec(FIXTURES / "yaml-quirks.yaml").version == "1.0"


def test_path_parameters_with_defaults_stay_required_in_path_order(tmp_path: Path) -> None:
    # Was: `region: str = "eu"` before the required `account_id` — a module that does not parse.
    result = run_generate("--spec", FIXTURES / "path-defaults.yaml", "--output", tmp_path, "--strict")
    assert result.returncode == 0, result.stderr
    probe = _probe(tmp_path, """
import inspect, json
from atomic_api.api.default import get_item
params = inspect.signature(get_item.sync_detailed).parameters.values()
print(json.dumps([[p.name, p.kind.name, p.default is inspect.Parameter.empty] for p in params if p.name != "client"]
                 + [get_item._get_kwargs("us", "a1", 5)["url"]]))
""")
    assert probe == [
        ["region", "POSITIONAL_OR_KEYWORD", True],
        ["account_id", "POSITIONAL_OR_KEYWORD", True],
        ["item_id", "POSITIONAL_OR_KEYWORD", True],
        ["limit", "KEYWORD_ONLY", False],
        "/v1/us/accounts/a1/items/5",
    ]
