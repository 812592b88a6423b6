from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..errors import MissingFieldError
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.webhook_subscription_request_headers import (
        WebhookSubscriptionRequestHeaders,
    )


T = TypeVar("T", bound="WebhookSubscriptionRequest")

_refs_loaded = False


def _load_refs() -> None:
    # Atomic customisation: the models this one refers to are imported on first use, once per module.
    # Models refer to each other in cycles, which is why the stock template imports them inside every
    # from_dict/to_dict call (two imports per card of a list); importing them at the top would fail on a
    # cycle, and at the end of the module would make this model fail to import whenever one of them does.
    global WebhookSubscriptionRequestHeaders, _refs_loaded
    from ..models.webhook_subscription_request_headers import (
        WebhookSubscriptionRequestHeaders,
    )

    _refs_loaded = True


_REQUIRED_ORDER: tuple[str, ...] = (
    "types",
    "url",
)
_REQUIRED_KEYS: frozenset[str] = frozenset(_REQUIRED_ORDER)
_KNOWN_KEYS: frozenset[str] = frozenset(
    (
        "types",
        "url",
        "headers",
        "cardTemplateId",
        "actionFlowConfigId",
    )
)


@_attrs_define
class WebhookSubscriptionRequest:
    """
    Attributes:
        types (list[str]): Event types to deliver (required, inferred).
        url (str): Endpoint Atomic calls (required, inferred).
        headers (WebhookSubscriptionRequestHeaders | Unset): Extra headers sent with each call.
        card_template_id (str | Unset): Limit the subscription to one card template (older docs used a number).
        action_flow_config_id (str | Unset): Limit the subscription to one Action Flow.
    """

    types: list[str]
    url: str
    headers: WebhookSubscriptionRequestHeaders | Unset = UNSET
    card_template_id: str | Unset = UNSET
    action_flow_config_id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        if not _refs_loaded:
            _load_refs()
        types = self.types

        url = self.url

        headers: dict[str, Any] | Unset = UNSET
        if not isinstance(self.headers, Unset):
            headers = self.headers.to_dict()

        card_template_id = self.card_template_id

        action_flow_config_id = self.action_flow_config_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "types": types,
                "url": url,
            }
        )
        if headers is not UNSET:
            field_dict["headers"] = headers
        if card_template_id is not UNSET:
            field_dict["cardTemplateId"] = card_template_id
        if action_flow_config_id is not UNSET:
            field_dict["actionFlowConfigId"] = action_flow_config_id

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
        types = cast(list[str], src_dict["types"])

        url = src_dict["url"]

        _headers = src_dict.get("headers", UNSET)
        headers: WebhookSubscriptionRequestHeaders | Unset
        if isinstance(_headers, Unset):
            headers = UNSET
        else:
            headers = WebhookSubscriptionRequestHeaders.from_dict(_headers)

        card_template_id = src_dict.get("cardTemplateId", UNSET)

        action_flow_config_id = src_dict.get("actionFlowConfigId", UNSET)

        # Atomic customisation: arguments by position, in the order the class declares its fields; a keyword
        # call costs attrs' __init__ about three times as much, once per item of a list.
        webhook_subscription_request = cls(
            types,
            url,
            headers,
            card_template_id,
            action_flow_config_id,
        )

        webhook_subscription_request.additional_properties = d
        return webhook_subscription_request

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
