"""The generated models' parse path: no imports per item, the input read in place and never
changed, the same results as before for extra fields, missing fields and unknown enum values."""

from __future__ import annotations

import builtins
import copy
import datetime
import json
import subprocess
import sys
from pathlib import Path
from types import MappingProxyType
from typing import Any

import atomic_api.models
import pytest
from atomic_api.errors import MissingFieldError
from atomic_api.models.action_flow_request import ActionFlowRequest
from atomic_api.models.card import Card
from atomic_api.models.card_list import CardList
from atomic_api.models.card_status import CardStatus
from atomic_api.models.flow import Flow
from atomic_api.models.user_target import UserTarget


def card(i: int, **extra: Any) -> dict[str, Any]:
    return {
        "cardInstanceId": f"card-{i}",
        "status": "active",
        "userId": "u1",
        "created": "2026-11-27T10:00:00.000Z",
        "definition": {"cardTemplateId": "t1"},
        **extra,
    }


def test_a_500_card_list_parses_without_a_single_import(monkeypatch: pytest.MonkeyPatch) -> None:
    body = {"data": [card(i) for i in range(500)]}
    CardList.from_dict(body)  # anything imported once on first use is in place now
    imports: list[str] = []
    real_import = builtins.__import__

    def counting_import(name: str, *args: Any, **kwargs: Any) -> Any:
        imports.append(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", counting_import)
    parsed = CardList.from_dict(body)
    monkeypatch.undo()
    assert imports == []  # the stock template ran 2 imports per card plus one per list
    assert isinstance(parsed.data, list) and len(parsed.data) == 500
    first = parsed.data[0]
    assert (first.card_instance_id, first.status, first.user_id) == ("card-0", CardStatus.ACTIVE, "u1")
    assert first.created == datetime.datetime(2026, 11, 27, 10, 0, tzinfo=datetime.UTC)
    assert first.definition is not None and first.definition.to_dict() == {"cardTemplateId": "t1"}  # type: ignore[union-attr]


def test_input_is_read_in_place_and_left_unchanged() -> None:
    body = {"data": [card(1, brandNew={"x": 1}), card(2)], "nextPage": "later"}
    before = copy.deepcopy(body)
    parsed = CardList.from_dict(body)
    assert body == before
    assert parsed.additional_properties == {"nextPage": "later"}
    assert isinstance(parsed.data, list)
    assert [c.additional_properties for c in parsed.data] == [{"brandNew": {"x": 1}}, {}]
    # The leftovers are the model's own dict: changing it does not reach the input, and vice versa.
    parsed.data[0].additional_properties["added"] = True
    assert "added" not in body["data"][0]  # type: ignore[operator]
    assert parsed.data[1].additional_properties is not parsed.data[0].additional_properties


def test_any_mapping_is_accepted_as_before() -> None:
    parsed = Card.from_dict(MappingProxyType(card(7, extra="kept")))
    assert parsed.card_instance_id == "card-7" and parsed.additional_properties == {"extra": "kept"}


def test_missing_required_fields_are_all_named_in_spec_order() -> None:
    with pytest.raises(MissingFieldError) as info:
        UserTarget.from_dict({"unrelated": 1})
    assert (info.value.model, info.value.fields) == ("UserTarget", ["type", "targetUserIds"])
    with pytest.raises(MissingFieldError) as info:
        UserTarget.from_dict({"targetUserIds": []})
    assert info.value.fields == ["type"]
    with pytest.raises(MissingFieldError) as info:
        Flow.from_dict(MappingProxyType({"payload": {}}))
    assert (info.value.model, info.value.fields) == ("Flow", ["target"])
    with pytest.raises(MissingFieldError, match="ActionFlowRequest is missing required field"):
        ActionFlowRequest.from_dict({})


def test_enum_fast_lookup_keeps_every_outcome_of_the_constructor() -> None:
    for member in CardStatus:
        assert CardStatus._from_json(member.value) is member
        assert CardStatus._from_json(member) is member
    unknown = CardStatus._from_json("archived")
    assert isinstance(unknown, CardStatus) and unknown.value == "archived" and unknown not in list(CardStatus)
    for bad in (1, None, ["active"], {"a": 1}):
        with pytest.raises(ValueError):
            CardStatus._from_json(bad)
        with pytest.raises(ValueError):
            CardStatus(bad)
    assert Card.from_dict({"cardInstanceId": "c1", "status": "archived"}).status == "archived"


_FRESH_IMPORTS = """
import importlib, json, pkgutil, sys
import atomic_api.models as models
names = sorted(info.name for info in pkgutil.iter_modules(models.__path__))
failed = []
for name in names:
    # Each model module imported first, in a package imported afresh: its end-of-module imports must
    # resolve whatever cycle it is part of.
    for loaded in [m for m in sys.modules if m.startswith("atomic_api")]:
        del sys.modules[loaded]
    try:
        module = importlib.import_module("atomic_api.models." + name)
    except Exception as exc:
        failed.append(f"{name}: {exc!r}")
print(json.dumps({"count": len(names), "failed": failed}))
"""


def test_every_model_module_imports_first_in_a_fresh_package() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _FRESH_IMPORTS], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["failed"] == []
    assert result["count"] == len(
        [p for p in Path(atomic_api.models.__file__).parent.glob("*.py") if p.stem != "__init__"]
    )
