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
        from ..models.flow_payload import FlowPayload
        from ..models.flow_target import FlowTarget

        # Atomic customisation: a JSON array or scalar where the spec has an object is refused, not half-read.
        if not isinstance(src_dict, Mapping):
            raise TypeError(
                f"{cls.__name__} expects a JSON object, got {type(src_dict).__name__}"
            )
        d = dict(src_dict)
        # Atomic customisation: name the model and every missing field instead of a bare KeyError.
        _missing = [key for key in ("target",) if key not in d]
        if _missing:
            raise MissingFieldError(cls.__name__, _missing)
        target = FlowTarget.from_dict(d.pop("target"))

        _payload = d.pop("payload", UNSET)
        payload: FlowPayload | Unset
        if isinstance(_payload, Unset):
            payload = UNSET
        else:
            payload = FlowPayload.from_dict(_payload)

        flow_invocation_id = d.pop("flowInvocationId", UNSET)

        flow = cls(
            target=target,
            payload=payload,
            flow_invocation_id=flow_invocation_id,
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
