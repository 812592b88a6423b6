from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.card_options import CardOptions
    from ..models.legacy_event_request_detail import LegacyEventRequestDetail
    from ..models.legacy_event_request_metadata import LegacyEventRequestMetadata
    from ..models.users_by_id_target import UsersByIdTarget


T = TypeVar("T", bound="LegacyEventRequest")

_refs_loaded = False


def _load_refs() -> None:
    # Atomic customisation: the models this one refers to are imported on first use, once per module.
    # Models refer to each other in cycles, which is why the stock template imports them inside every
    # from_dict/to_dict call (two imports per card of a list); importing them at the top would fail on a
    # cycle, and at the end of the module would make this model fail to import whenever one of them does.
    global \
        CardOptions, \
        LegacyEventRequestDetail, \
        LegacyEventRequestMetadata, \
        UsersByIdTarget, \
        _refs_loaded
    from ..models.card_options import CardOptions
    from ..models.legacy_event_request_detail import LegacyEventRequestDetail
    from ..models.legacy_event_request_metadata import LegacyEventRequestMetadata
    from ..models.users_by_id_target import UsersByIdTarget

    _refs_loaded = True


_KNOWN_KEYS: frozenset[str] = frozenset(
    (
        "eventName",
        "lifecycleId",
        "target",
        "detail",
        "cardOptions",
        "metadata",
    )
)


@_attrs_define
class LegacyEventRequest:
    """Body of a legacy event (inferred shape, based on the fields stored on legacy card instances).

    Attributes:
        event_name (str | Unset):
        lifecycle_id (str | Unset):
        target (UsersByIdTarget | Unset): Legacy target shape seen in card payloads and the CSV template. One
            documentation example uses a single string instead of an array (`{"usersById": "user1"}`).
        detail (LegacyEventRequestDetail | Unset):
        card_options (CardOptions | Unset): Delivery options for the cards created. In an Action Flow request, supplied
            options override the defaults of every card in the flow (the newer Action Flow API page; an older version said
            the flow's configuration wins). The card delivery guide warns against relying on this: cards sent by Action
            Flows "should not have their delivery settings overridden by metadata values you supply in Trigger events",
            because one trigger value is applied to every send-a-card step; Atomic still applies it (which works for single-
            card flows) but says "we will be deprecating this soon". Prefer delivery settings on each send-a-card step. For
            legacy cards, options in the request override the template's delivery settings. Sources:
            https://documentation.atomic.io/api/action-flow-api, https://documentation.atomic.io/guide/cards/delivery,
            https://documentation.atomic.io/advanced/card-sending
        metadata (LegacyEventRequestMetadata | Unset):
    """

    event_name: str | Unset = UNSET
    lifecycle_id: str | Unset = UNSET
    target: UsersByIdTarget | Unset = UNSET
    detail: LegacyEventRequestDetail | Unset = UNSET
    card_options: CardOptions | Unset = UNSET
    metadata: LegacyEventRequestMetadata | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        if not _refs_loaded:
            _load_refs()
        event_name = self.event_name

        lifecycle_id = self.lifecycle_id

        target: dict[str, Any] | Unset = UNSET
        if not isinstance(self.target, Unset):
            target = self.target.to_dict()

        detail: dict[str, Any] | Unset = UNSET
        if not isinstance(self.detail, Unset):
            detail = self.detail.to_dict()

        card_options: dict[str, Any] | Unset = UNSET
        if not isinstance(self.card_options, Unset):
            card_options = self.card_options.to_dict()

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if event_name is not UNSET:
            field_dict["eventName"] = event_name
        if lifecycle_id is not UNSET:
            field_dict["lifecycleId"] = lifecycle_id
        if target is not UNSET:
            field_dict["target"] = target
        if detail is not UNSET:
            field_dict["detail"] = detail
        if card_options is not UNSET:
            field_dict["cardOptions"] = card_options
        if metadata is not UNSET:
            field_dict["metadata"] = metadata

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
        event_name = src_dict.get("eventName", UNSET)

        lifecycle_id = src_dict.get("lifecycleId", UNSET)

        _target = src_dict.get("target", UNSET)
        target: UsersByIdTarget | Unset
        if isinstance(_target, Unset):
            target = UNSET
        else:
            target = UsersByIdTarget.from_dict(_target)

        _detail = src_dict.get("detail", UNSET)
        detail: LegacyEventRequestDetail | Unset
        if isinstance(_detail, Unset):
            detail = UNSET
        else:
            detail = LegacyEventRequestDetail.from_dict(_detail)

        _card_options = src_dict.get("cardOptions", UNSET)
        card_options: CardOptions | Unset
        if isinstance(_card_options, Unset):
            card_options = UNSET
        else:
            card_options = CardOptions.from_dict(_card_options)

        _metadata = src_dict.get("metadata", UNSET)
        metadata: LegacyEventRequestMetadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = LegacyEventRequestMetadata.from_dict(_metadata)

        # Atomic customisation: arguments by position, in the order the class declares its fields; a keyword
        # call costs attrs' __init__ about three times as much, once per item of a list.
        legacy_event_request = cls(
            event_name,
            lifecycle_id,
            target,
            detail,
            card_options,
            metadata,
        )

        legacy_event_request.additional_properties = d
        return legacy_event_request

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
