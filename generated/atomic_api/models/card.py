from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..errors import MissingFieldError
from ..models.card_status import CardStatus
from ..types import UNSET, Unset, enum_member

if TYPE_CHECKING:
    from ..models.card_definition import CardDefinition
    from ..models.card_payload import CardPayload


T = TypeVar("T", bound="Card")

_refs_loaded = False


def _load_refs() -> None:
    # Atomic customisation: the models this one refers to are imported on first use, once per module.
    # Models refer to each other in cycles, which is why the stock template imports them inside every
    # from_dict/to_dict call (two imports per card of a list); importing them at the top would fail on a
    # cycle, and at the end of the module would make this model fail to import whenever one of them does.
    global CardDefinition, CardPayload, _refs_loaded
    from ..models.card_definition import CardDefinition
    from ..models.card_payload import CardPayload

    _refs_loaded = True


_REQUIRED_ORDER: tuple[str, ...] = (
    "cardInstanceId",
    "status",
)
_REQUIRED_KEYS: frozenset[str] = frozenset(_REQUIRED_ORDER)
_KNOWN_KEYS: frozenset[str] = frozenset(
    (
        "cardInstanceId",
        "status",
        "cardTemplateId",
        "cardTemplateName",
        "lifecycleId",
        "flowInstanceId",
        "flowInvocationId",
        "eventName",
        "eventSource",
        "definition",
        "payload",
        "userId",
        "created",
        "updated",
    )
)


@_attrs_define
class Card:
    """A card instance.

    Attributes:
        card_instance_id (str):
        status (CardStatus): Card lifecycle state, lowercase. Open states: active, embargoed, snoozed. Final states:
            dismissed, completed, cancelled, expired. Only `active` has been seen in API output; the other spellings are
            inferred from the documented state names.
        card_template_id (str | Unset):
        card_template_name (str | Unset):
        lifecycle_id (str | Unset):
        flow_instance_id (str | Unset):
        flow_invocation_id (str | Unset):
        event_name (str | Unset): Legacy event name; an empty string for Action Flow cards.
        event_source (str | Unset): `live` has been seen; a test value probably exists (inferred).
        definition (CardDefinition | Unset): The card definition. Its schema is private.
        payload (CardPayload | Unset): The payload a card was created with.
        user_id (str | Unset):
        created (datetime.datetime | Unset):
        updated (datetime.datetime | Unset):
    """

    card_instance_id: str
    status: CardStatus
    card_template_id: str | Unset = UNSET
    card_template_name: str | Unset = UNSET
    lifecycle_id: str | Unset = UNSET
    flow_instance_id: str | Unset = UNSET
    flow_invocation_id: str | Unset = UNSET
    event_name: str | Unset = UNSET
    event_source: str | Unset = UNSET
    definition: CardDefinition | Unset = UNSET
    payload: CardPayload | Unset = UNSET
    user_id: str | Unset = UNSET
    created: datetime.datetime | Unset = UNSET
    updated: datetime.datetime | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        if not _refs_loaded:
            _load_refs()
        card_instance_id = self.card_instance_id

        status = self.status.value

        card_template_id = self.card_template_id

        card_template_name = self.card_template_name

        lifecycle_id = self.lifecycle_id

        flow_instance_id = self.flow_instance_id

        flow_invocation_id = self.flow_invocation_id

        event_name = self.event_name

        event_source = self.event_source

        definition: dict[str, Any] | Unset = UNSET
        if not isinstance(self.definition, Unset):
            definition = self.definition.to_dict()

        payload: dict[str, Any] | Unset = UNSET
        if not isinstance(self.payload, Unset):
            payload = self.payload.to_dict()

        user_id = self.user_id

        created: str | Unset = UNSET
        if not isinstance(self.created, Unset):
            created = self.created.isoformat()

        updated: str | Unset = UNSET
        if not isinstance(self.updated, Unset):
            updated = self.updated.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "cardInstanceId": card_instance_id,
                "status": status,
            }
        )
        if card_template_id is not UNSET:
            field_dict["cardTemplateId"] = card_template_id
        if card_template_name is not UNSET:
            field_dict["cardTemplateName"] = card_template_name
        if lifecycle_id is not UNSET:
            field_dict["lifecycleId"] = lifecycle_id
        if flow_instance_id is not UNSET:
            field_dict["flowInstanceId"] = flow_instance_id
        if flow_invocation_id is not UNSET:
            field_dict["flowInvocationId"] = flow_invocation_id
        if event_name is not UNSET:
            field_dict["eventName"] = event_name
        if event_source is not UNSET:
            field_dict["eventSource"] = event_source
        if definition is not UNSET:
            field_dict["definition"] = definition
        if payload is not UNSET:
            field_dict["payload"] = payload
        if user_id is not UNSET:
            field_dict["userId"] = user_id
        if created is not UNSET:
            field_dict["created"] = created
        if updated is not UNSET:
            field_dict["updated"] = updated

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        if not _refs_loaded:
            _load_refs()
        # Atomic customisation: a JSON array or scalar where the spec has an object is refused, not half-read.
        # A JSON object arrives as a dict: checking its exact type first skips the ABC check (several times
        # dearer) on the hot path.
        if type(src_dict) is not dict and not isinstance(src_dict, Mapping):
            raise TypeError(
                f"{cls.__name__} expects a JSON object, got {type(src_dict).__name__}"
            )
        # Atomic customisation: name the model and every missing field instead of a bare KeyError.
        if not src_dict.keys() >= _REQUIRED_KEYS:
            raise MissingFieldError(
                cls.__name__, [key for key in _REQUIRED_ORDER if key not in src_dict]
            )
        # Atomic customisation: fields are read from src_dict in place (the stock template copies it and pops
        # each field); what is left over, usually nothing, is collected here in one pass.
        d = (
            {}
            if _KNOWN_KEYS.issuperset(src_dict)
            else {k: v for k, v in src_dict.items() if k not in _KNOWN_KEYS}
        )
        card_instance_id = src_dict["cardInstanceId"]

        status = enum_member(CardStatus, src_dict["status"])

        card_template_id = src_dict.get("cardTemplateId", UNSET)

        card_template_name = src_dict.get("cardTemplateName", UNSET)

        lifecycle_id = src_dict.get("lifecycleId", UNSET)

        flow_instance_id = src_dict.get("flowInstanceId", UNSET)

        flow_invocation_id = src_dict.get("flowInvocationId", UNSET)

        event_name = src_dict.get("eventName", UNSET)

        event_source = src_dict.get("eventSource", UNSET)

        _definition = src_dict.get("definition", UNSET)
        definition: CardDefinition | Unset
        if isinstance(_definition, Unset):
            definition = UNSET
        else:
            definition = CardDefinition.from_dict(_definition)

        _payload = src_dict.get("payload", UNSET)
        payload: CardPayload | Unset
        if isinstance(_payload, Unset):
            payload = UNSET
        else:
            payload = CardPayload.from_dict(_payload)

        user_id = src_dict.get("userId", UNSET)

        _created = src_dict.get("created", UNSET)
        created: datetime.datetime | Unset
        if isinstance(_created, Unset):
            created = UNSET
        else:
            created = datetime.datetime.fromisoformat(_created)

        _updated = src_dict.get("updated", UNSET)
        updated: datetime.datetime | Unset
        if isinstance(_updated, Unset):
            updated = UNSET
        else:
            updated = datetime.datetime.fromisoformat(_updated)

        # Atomic customisation: arguments by position, in the order the class declares its fields; a keyword
        # call costs attrs' __init__ about three times as much, once per item of a list.
        card = cls(
            card_instance_id,
            status,
            card_template_id,
            card_template_name,
            lifecycle_id,
            flow_instance_id,
            flow_invocation_id,
            event_name,
            event_source,
            definition,
            payload,
            user_id,
            created,
            updated,
        )

        card.additional_properties = d
        return card

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
