from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.card_options_target_platforms import CardOptionsTargetPlatforms


T = TypeVar("T", bound="CardOptions")

_refs_loaded = False


def _load_refs() -> None:
    # Atomic customisation: the models this one refers to are imported on first use, once per module.
    # Models refer to each other in cycles, which is why the stock template imports them inside every
    # from_dict/to_dict call (two imports per card of a list); importing them at the top would fail on a
    # cycle, and at the end of the module would make this model fail to import whenever one of them does.
    global CardOptionsTargetPlatforms, _refs_loaded
    from ..models.card_options_target_platforms import CardOptionsTargetPlatforms

    _refs_loaded = True


_KNOWN_KEYS: frozenset[str] = frozenset(
    (
        "priority",
        "expires",
        "expiresInterval",
        "embargo",
        "targetStreamIds",
        "targetPlatforms",
    )
)


@_attrs_define
class CardOptions:
    """Delivery options for the cards created. In an Action Flow request, supplied options override the defaults of every
    card in the flow (the newer Action Flow API page; an older version said the flow's configuration wins). The card
    delivery guide warns against relying on this: cards sent by Action Flows "should not have their delivery settings
    overridden by metadata values you supply in Trigger events", because one trigger value is applied to every send-a-
    card step; Atomic still applies it (which works for single-card flows) but says "we will be deprecating this soon".
    Prefer delivery settings on each send-a-card step. For legacy cards, options in the request override the template's
    delivery settings. Sources: https://documentation.atomic.io/api/action-flow-api,
    https://documentation.atomic.io/guide/cards/delivery, https://documentation.atomic.io/advanced/card-sending

        Attributes:
            priority (int | Unset): Position of the card in the stream (1 to 10).
            expires (datetime.datetime | Unset): Absolute expiry time.
            expires_interval (str | Unset): Relative expiry as an ISO 8601 duration (e.g. `PT30M`, `P3D`, `P6Y5M4DT3H2M1S`),
                counted from when the request is sent. If `expires` is also set, the earlier of the two wins.
            embargo (datetime.datetime | Unset): The card stays hidden (Embargoed) until this time.
            target_stream_ids (list[str] | Unset): Streams to deliver to; by default cards go to the "All cards" stream.
            target_platforms (CardOptionsTargetPlatforms | Unset): Platforms to deliver to, e.g. `{"Web": true}`. Keys other
                than `Web` (such as `iOS` and `Android`) are inferred.
    """

    priority: int | Unset = UNSET
    expires: datetime.datetime | Unset = UNSET
    expires_interval: str | Unset = UNSET
    embargo: datetime.datetime | Unset = UNSET
    target_stream_ids: list[str] | Unset = UNSET
    target_platforms: CardOptionsTargetPlatforms | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        if not _refs_loaded:
            _load_refs()
        priority = self.priority

        expires: str | Unset = UNSET
        if not isinstance(self.expires, Unset):
            expires = self.expires.isoformat()

        expires_interval = self.expires_interval

        embargo: str | Unset = UNSET
        if not isinstance(self.embargo, Unset):
            embargo = self.embargo.isoformat()

        target_stream_ids: list[str] | Unset = UNSET
        if not isinstance(self.target_stream_ids, Unset):
            target_stream_ids = self.target_stream_ids

        target_platforms: dict[str, Any] | Unset = UNSET
        if not isinstance(self.target_platforms, Unset):
            target_platforms = self.target_platforms.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if priority is not UNSET:
            field_dict["priority"] = priority
        if expires is not UNSET:
            field_dict["expires"] = expires
        if expires_interval is not UNSET:
            field_dict["expiresInterval"] = expires_interval
        if embargo is not UNSET:
            field_dict["embargo"] = embargo
        if target_stream_ids is not UNSET:
            field_dict["targetStreamIds"] = target_stream_ids
        if target_platforms is not UNSET:
            field_dict["targetPlatforms"] = target_platforms

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
        # Atomic customisation: fields are read from src_dict in place (the stock template copies it and pops
        # each field); what is left over, usually nothing, is collected here in one pass.
        d = (
            {}
            if _KNOWN_KEYS.issuperset(src_dict)
            else {k: v for k, v in src_dict.items() if k not in _KNOWN_KEYS}
        )
        priority = src_dict.get("priority", UNSET)

        _expires = src_dict.get("expires", UNSET)
        expires: datetime.datetime | Unset
        if isinstance(_expires, Unset):
            expires = UNSET
        else:
            expires = datetime.datetime.fromisoformat(_expires)

        expires_interval = src_dict.get("expiresInterval", UNSET)

        _embargo = src_dict.get("embargo", UNSET)
        embargo: datetime.datetime | Unset
        if isinstance(_embargo, Unset):
            embargo = UNSET
        else:
            embargo = datetime.datetime.fromisoformat(_embargo)

        target_stream_ids = cast(list[str], src_dict.get("targetStreamIds", UNSET))

        _target_platforms = src_dict.get("targetPlatforms", UNSET)
        target_platforms: CardOptionsTargetPlatforms | Unset
        if isinstance(_target_platforms, Unset):
            target_platforms = UNSET
        else:
            target_platforms = CardOptionsTargetPlatforms.from_dict(_target_platforms)

        # Atomic customisation: arguments by position, in the order the class declares its fields; a keyword
        # call costs attrs' __init__ about three times as much, once per item of a list.
        card_options = cls(
            priority,
            expires,
            expires_interval,
            embargo,
            target_stream_ids,
            target_platforms,
        )

        card_options.additional_properties = d
        return card_options

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
