from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..errors import MissingFieldError
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.webhook_subscription_headers import WebhookSubscriptionHeaders


T = TypeVar("T", bound="WebhookSubscription")

_refs_loaded = False


def _load_refs() -> None:
    # Atomic customisation: the models this one refers to are imported on first use, once per module.
    # Models refer to each other in cycles, which is why the stock template imports them inside every
    # from_dict/to_dict call (two imports per card of a list); importing them at the top would fail on a
    # cycle, and at the end of the module would make this model fail to import whenever one of them does.
    global WebhookSubscriptionHeaders, _refs_loaded
    from ..models.webhook_subscription_headers import WebhookSubscriptionHeaders

    _refs_loaded = True


_REQUIRED_ORDER: tuple[str, ...] = ("id",)
_REQUIRED_KEYS: frozenset[str] = frozenset(_REQUIRED_ORDER)
_KNOWN_KEYS: frozenset[str] = frozenset(
    (
        "id",
        "types",
        "url",
        "headers",
        "secret",
        "cardTemplateId",
        "actionFlowConfigId",
        "created",
        "updated",
    )
)


@_attrs_define
class WebhookSubscription:
    """
    Attributes:
        id (str):
        types (list[str] | Unset):
        url (str | Unset):
        headers (WebhookSubscriptionHeaders | Unset):
        secret (str | Unset): A UUID returned at creation; its use is undocumented.
        card_template_id (str | Unset):
        action_flow_config_id (str | Unset):
        created (datetime.datetime | Unset):
        updated (datetime.datetime | Unset):
    """

    id: str
    types: list[str] | Unset = UNSET
    url: str | Unset = UNSET
    headers: WebhookSubscriptionHeaders | Unset = UNSET
    secret: str | Unset = UNSET
    card_template_id: str | Unset = UNSET
    action_flow_config_id: str | Unset = UNSET
    created: datetime.datetime | Unset = UNSET
    updated: datetime.datetime | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        if not _refs_loaded:
            _load_refs()
        id = self.id

        types: list[str] | Unset = UNSET
        if not isinstance(self.types, Unset):
            types = self.types

        url = self.url

        headers: dict[str, Any] | Unset = UNSET
        if not isinstance(self.headers, Unset):
            headers = self.headers.to_dict()

        secret = self.secret

        card_template_id = self.card_template_id

        action_flow_config_id = self.action_flow_config_id

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
                "id": id,
            }
        )
        if types is not UNSET:
            field_dict["types"] = types
        if url is not UNSET:
            field_dict["url"] = url
        if headers is not UNSET:
            field_dict["headers"] = headers
        if secret is not UNSET:
            field_dict["secret"] = secret
        if card_template_id is not UNSET:
            field_dict["cardTemplateId"] = card_template_id
        if action_flow_config_id is not UNSET:
            field_dict["actionFlowConfigId"] = action_flow_config_id
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
        id = src_dict["id"]

        types = cast(list[str], src_dict.get("types", UNSET))

        url = src_dict.get("url", UNSET)

        _headers = src_dict.get("headers", UNSET)
        headers: WebhookSubscriptionHeaders | Unset
        if isinstance(_headers, Unset):
            headers = UNSET
        else:
            headers = WebhookSubscriptionHeaders.from_dict(_headers)

        secret = src_dict.get("secret", UNSET)

        card_template_id = src_dict.get("cardTemplateId", UNSET)

        action_flow_config_id = src_dict.get("actionFlowConfigId", UNSET)

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
        webhook_subscription = cls(
            id,
            types,
            url,
            headers,
            secret,
            card_template_id,
            action_flow_config_id,
            created,
            updated,
        )

        webhook_subscription.additional_properties = d
        return webhook_subscription

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
