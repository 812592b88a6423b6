from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..errors import MissingFieldError
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.flow_payload import FlowPayload
    from ..models.flow_target import FlowTarget


T = TypeVar("T", bound="Flow")

_refs_loaded = False


def _load_refs() -> None:
    # Atomic customisation: the models this one refers to are imported on first use, once per module.
    # Models refer to each other in cycles, which is why the stock template imports them inside every
    # from_dict/to_dict call (two imports per card of a list); importing them at the top would fail on a
    # cycle, and at the end of the module would make this model fail to import whenever one of them does.
    global FlowPayload, FlowTarget, _refs_loaded
    from ..models.flow_payload import FlowPayload
    from ..models.flow_target import FlowTarget

    _refs_loaded = True


_REQUIRED_ORDER: tuple[str, ...] = ("target",)
_REQUIRED_KEYS: frozenset[str] = frozenset(_REQUIRED_ORDER)
_KNOWN_KEYS: frozenset[str] = frozenset(
    (
        "target",
        "payload",
        "flowInvocationId",
    )
)


@_attrs_define
class Flow:
    """One flow to start, for one target.

    Attributes:
        target (FlowTarget): Target of one flow object. Covers UserTarget (`{"type": "user", "targetUserIds": [...]}`)
            and the other target kinds the documentation names: all test users (`allTestUsers`) and the bulk targets tags,
            segment and filter. Only the `user` shape is documented; the others' shapes, and whether `allTestUsers`, `tags`,
            `segment` and `filter` are also their `type` spellings, are not confirmed (they are probably told apart by
            `type`, inferred). Bulk targets (tags, segment, filter; not user or allTestUsers) count toward the Action Flow
            limit of 5 running bulk-target tasks (429 beyond it). Kept open so any variant can be sent. Sources:
            https://documentation.atomic.io/api/action-flow-api, https://documentation.atomic.io/api/api-and-system-limits
        payload (FlowPayload | Unset):
        flow_invocation_id (str | Unset): Your id for this request; generated when absent, and returned and recorded in
            analytics.
    """

    target: FlowTarget
    payload: FlowPayload | Unset = UNSET
    flow_invocation_id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        if not _refs_loaded:
            _load_refs()
        target = self.target.to_dict()

        payload: dict[str, Any] | Unset = UNSET
        if not isinstance(self.payload, Unset):
            payload = self.payload.to_dict()

        flow_invocation_id = self.flow_invocation_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "target": target,
            }
        )
        if payload is not UNSET:
            field_dict["payload"] = payload
        if flow_invocation_id is not UNSET:
            field_dict["flowInvocationId"] = flow_invocation_id

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
        target = FlowTarget.from_dict(src_dict["target"])

        _payload = src_dict.get("payload", UNSET)
        payload: FlowPayload | Unset
        if isinstance(_payload, Unset):
            payload = UNSET
        else:
            payload = FlowPayload.from_dict(_payload)

        flow_invocation_id = src_dict.get("flowInvocationId", UNSET)

        # Atomic customisation: arguments by position, in the order the class declares its fields; a keyword
        # call costs attrs' __init__ about three times as much, once per item of a list.
        flow = cls(
            target,
            payload,
            flow_invocation_id,
        )

        flow.additional_properties = d
        return flow

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
