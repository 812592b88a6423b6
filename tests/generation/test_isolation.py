"""One bad operation never sinks a spec: it is skipped with a reason naming it, the others generate.

The render and parse failures are forced with a copy of the committed templates in which one operation's
module fails (an upstream template bug looks exactly like this to the pipeline); a dangling `$ref` comes
from a fixture.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from atomic_tooling import generate

from .helpers import FIXTURES, run_generate

SPEC = """\
openapi: 3.0.3
info: {title: Isolation, version: '1'}
paths:
  /v1/things:
    get: {operationId: listThings, summary: 'List (token: events)', responses: {'200': {description: ok}}}
    post: {operationId: renderBreaks, summary: 'Create (token: workbench)', responses: {'201': {description: ok}}}
  /v1/things/{id}:
    get:
      operationId: parseBreaks
      summary: 'Get (token: events)'
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}
    delete:
      operationId: deleteThing
      summary: 'Delete (token: workbench)'
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'204': {description: ok}}
"""
# Prepended to the endpoint module template: one operation's render raises, another's module does not parse.
SABOTAGE = (
    '{% if endpoint.name == "render_breaks" %}{{ endpoint.no_such_thing.deeper }}{% endif %}'
    '{% if endpoint.name == "parse_breaks" %}def broken(:\n{% endif %}'
)


@pytest.fixture
def sabotaged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    templates = tmp_path / "templates"
    shutil.copytree(generate.TEMPLATES, templates)
    module = templates / "endpoint_module.py.jinja"
    module.write_text(SABOTAGE + module.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(generate, "TEMPLATES", templates)
    monkeypatch.setattr(generate, "config_sha256", lambda: "sabotaged")  # it hashes files of the repository
    spec = tmp_path / "isolation.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    return spec


def test_a_module_that_fails_to_render_or_parse_costs_only_its_operation(
    sabotaged: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert generate.main(["--spec", str(sabotaged), "--output", str(tmp_path / "out")]) == 0
    out, err = capsys.readouterr()
    assert "2 generated, 2 skipped" in out
    package = tmp_path / "out" / "atomic_api"
    record = json.loads((package / "GENERATED.json").read_text(encoding="utf-8"))
    assert record["operations"] == 2
    skipped = {entry["operation"]: entry for entry in record["skipped"]}
    assert sorted(skipped) == ["parseBreaks", "renderBreaks"]
    assert skipped["renderBreaks"]["method"] == "POST" and skipped["renderBreaks"]["path"] == "/v1/things"
    assert skipped["renderBreaks"]["reason"].startswith(
        "its module api/default/render_breaks.py could not be rendered: UndefinedError: "
    )
    assert "no_such_thing" in skipped["renderBreaks"]["reason"]
    assert skipped["parseBreaks"] == {
        "method": "GET",
        "operation": "parseBreaks",
        "path": "/v1/things/{id}",
        "reason": "openapi-python-client wrote code for it that cannot run "
        "(api/default/parse_breaks.py line 1: does not parse: Expected a parameter or the end of the parameter list)",
    }
    assert f"  skipped   GET /v1/things/{{id}} (parseBreaks): {skipped['parseBreaks']['reason']}" in err
    assert f"  skipped   POST /v1/things (renderBreaks): {skipped['renderBreaks']['reason']}" in err
    assert sorted(p.name for p in (package / "api" / "default").glob("*.py")) == ["__init__.py", "delete_thing.py", "list_things.py"]


def test_strict_still_refuses_and_touches_nothing(sabotaged: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "out"
    assert generate.main(["--spec", str(sabotaged), "--output", str(output), "--strict"]) == generate.EXIT_SKIPPED
    _, err = capsys.readouterr()
    assert "--strict: 2 operation(s) of" in err
    assert not output.exists()


def test_finish_modules_names_files_that_do_not_parse_and_formats_the_rest(tmp_path: Path) -> None:
    package = tmp_path / "atomic_api"
    (package / "api" / "things").mkdir(parents=True)
    (package / "api" / "things" / "good.py").write_text("import os\nfrom typing import Any\ndef f(x: Any) -> Any:\n  return x\n")
    (package / "api" / "things" / "bad.py").write_text('def f(a: str = "x", b: str):\n    pass\n')
    broken = generate.finish_modules(package)
    assert broken == {
        "api/things/bad.py": "line 1: does not parse: Parameter without a default cannot follow a parameter with a default"
    }
    assert (package / "api" / "things" / "good.py").read_text() == "from typing import Any\n\n\ndef f(x: Any) -> Any:\n    return x\n"


def test_a_dangling_ref_skips_only_the_operations_that_use_it(tmp_path: Path) -> None:
    # Was: exit 2 for the whole spec (stock salvaged 275 of 316 operations of a real one).
    result = run_generate("--spec", FIXTURES / "dangling-ref.yaml", "--output", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1 generated, 2 skipped" in result.stdout
    record = json.loads((tmp_path / "atomic_api" / "GENERATED.json").read_text(encoding="utf-8"))
    assert record["skipped"] == [
        {
            "method": "POST",
            "operation": "createCard",
            "path": "/v1/cards",
            "reason": "it uses $ref '#/components/schemas/Team' (through #/components/schemas/NewCard), which points nowhere in the document",
        },
        {
            "method": "DELETE",
            "operation": "deleteCard",
            "path": "/v1/cards/{cardId}",
            "reason": "it uses $ref '#/components/responses/Gone', which points nowhere in the document",
        },
    ]
    assert "warning   $ref '#/components/schemas/Team' points nowhere in the document (the operations that use it are skipped)" in result.stderr
    assert sorted(p.name for p in (tmp_path / "atomic_api" / "api" / "default").glob("*.py")) == ["__init__.py", "list_cards.py"]


def test_strict_refuses_a_dangling_ref(tmp_path: Path) -> None:
    result = run_generate("--spec", FIXTURES / "dangling-ref.yaml", "--output", tmp_path / "out", "--strict")
    assert result.returncode == 2
    assert "is not a valid OpenAPI document" in result.stderr
    assert not (tmp_path / "out").exists()
