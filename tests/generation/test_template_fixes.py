"""Our committed templates fix what openapi-python-client 0.29.1's own write wrong (tooling/templates/).

A nullable anyOf request body (a stray `else:`, a module that does not parse), a model with a field of its
own name (the instance rebound the field's value: mypy errors, wrong code) and binary responses in text
media types (`BytesIO(response.text)`, a TypeError at run time). The package type-checks clean.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import FIXTURES, run_generate, type_check


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("template-fixes")
    result = run_generate("--spec", FIXTURES / "template-bugs.yaml", "--output", output, "--strict")
    assert result.returncode == 0, result.stderr
    assert "5 generated, 0 skipped" in result.stdout
    return output


def _probe(output: Path, code: str) -> object:
    env = dict(os.environ, PYTHONPATH=str(output), PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, check=False, cwd=output)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_nullable_any_of_bodies_send_what_is_given(package: Path) -> None:
    sent = _probe(package, """
import json
from atomic_api.api.default import add_note, set_label
print(json.dumps([
    "json" in add_note._get_kwargs(),
    add_note._get_kwargs(body="n")["json"],
    add_note._get_kwargs(body=3)["json"],
    add_note._get_kwargs(body=None)["json"],
    set_label._get_kwargs(body=None)["json"],
    set_label._get_kwargs(body="l")["json"],
]))
""")
    assert sent == [False, "n", 3, None, None, "l"]


def test_a_field_named_like_its_model_keeps_its_value(package: Path) -> None:
    parsed = _probe(package, """
import json
from atomic_api.models.tax import Tax
from atomic_api.models.tax_object import TaxObject
tax = Tax.from_dict({"tax": {"amount": 5}, "rate": 0.2, "extra": 1})
print(json.dumps([type(tax).__name__, type(tax.tax).__name__, tax.tax.amount, tax.rate, tax.additional_properties]))
""")
    assert parsed == ["Tax", "TaxObject", 5, 0.2, {"extra": 1}]
    source = (package / "atomic_api" / "models" / "tax.py").read_text(encoding="utf-8")
    assert "tax_ = cls(" in source and "return tax_" in source


def test_binary_responses_are_files_of_the_response_bytes(package: Path) -> None:
    read = _probe(package, """
import json, httpx
from atomic_api.api.default import get_calendar, get_invoice_pdf
from atomic_api.client import Client
client = Client("http://x")
ics = get_calendar._parse_response(client=client, response=httpx.Response(200, content="BEGIN:VCALENDAR\\u00e9".encode()))
pdf = get_invoice_pdf._parse_response(client=client, response=httpx.Response(200, content=b"%PDF-1.7\\xff"))
print(json.dumps([type(ics).__name__, ics.payload.read().decode(), pdf.payload.read().decode("latin-1")]))
""")
    assert read == ["File", "BEGIN:VCALENDARé", "%PDF-1.7\xff"]
    for module in ("api/default/get_calendar.py", "resources/default.py"):
        source = (package / "atomic_api" / module).read_text(encoding="utf-8")
        assert "BytesIO(response.text)" not in source
        assert "BytesIO(response.content)" in source


def test_the_package_type_checks_clean(package: Path) -> None:
    assert type_check(package) == {"mypy": [], "pyright": []}


def test_a_model_the_generator_dropped_gets_a_stand_in_that_raises_type_error(tmp_path: Path) -> None:
    # Box, Okta: openapi-python-client drops a schema it cannot build and still writes models importing it.
    from atomic_tooling.generate import write_placeholder_models

    package = tmp_path / "atomic_api"
    (package / "models").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "models" / "__init__.py").write_text("")
    (package / "models" / "item.py").write_text(
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from ..models.file_full import (\n        FileFull,\n    )\n"
        "    from ..models.folder import Folder\n\n\ndef load() -> None:\n    from ..models.gone import Gone, Lost\n"
    )
    (package / "models" / "folder.py").write_text("class Folder: ...\n")
    written = write_placeholder_models(package)
    assert [p.name for p in written] == ["file_full.py", "gone.py"]
    probe = _probe(tmp_path, """
import json
from atomic_api.models.file_full import FileFull
from atomic_api.models.gone import Gone, Lost
errors = []
for call in (lambda: FileFull.from_dict({}), lambda: Lost().to_dict(), lambda: Gone.from_dict({"a": 1})):
    try:
        call()
    except TypeError as exc:
        errors.append(str(exc))
print(json.dumps(errors))
""")
    assert probe == [
        "FileFull: openapi-python-client could not build this schema",
        "Lost: openapi-python-client could not build this schema",
        "Gone: openapi-python-client could not build this schema",
    ]
