from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..errors import MissingFieldError

if TYPE_CHECKING:
    from ..models.flow import Flow


T = TypeVar("T", bound="ActionFlowRequest")


@_attrs_define
class ActionFlowRequest:
    """
    Attributes:
        flows (list[Flow]): One flow object per target.
    """

    flows: list[Flow]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        flows = []
        for flows_item_data in self.flows:
            flows_item = flows_item_data.to_dict()
            flows.append(flows_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "flows": flows,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.flow import Flow

        # Atomic customisation: a JSON array or scalar where the spec has an object is refused, not half-read.
        if not isinstance(src_dict, Mapping):
            raise TypeError(
                f"{cls.__name__} expects a JSON object, got {type(src_dict).__name__}"
            )
        d = dict(src_dict)
        # Atomic customisation: name the model and every missing field instead of a bare KeyError.
        _missing = [key for key in ("flows",) if key not in d]
        if _missing:
            raise MissingFieldError(cls.__name__, _missing)
        flows = []
        _flows = d.pop("flows")
        if not isinstance(_flows, list):
            raise TypeError(
                f"field flows expects a JSON array, got {type(_flows).__name__}"
            )
        for flows_item_data in _flows:
            flows_item = Flow.from_dict(flows_item_data)

            flows.append(flows_item)

        action_flow_request = cls(
            flows=flows,
        )

        action_flow_request.additional_properties = d
        return action_flow_request

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
