from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.environment import Environment


T = TypeVar("T", bound="EnvironmentList")


@_attrs_define
class EnvironmentList:
    """Environments under the top-level `environments` key (no `data` key).

    Attributes:
        environments (list[Environment] | Unset):
    """

    environments: list[Environment] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        environments: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.environments, Unset):
            environments = []
            for environments_item_data in self.environments:
                environments_item = environments_item_data.to_dict()
                environments.append(environments_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if environments is not UNSET:
            field_dict["environments"] = environments

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.environment import Environment

        # Atomic customisation: a JSON array or scalar where the spec has an object is refused, not half-read.
        if not isinstance(src_dict, Mapping):
            raise TypeError(
                f"{cls.__name__} expects a JSON object, got {type(src_dict).__name__}"
            )
        d = dict(src_dict)
        _environments = d.pop("environments", UNSET)
        environments: list[Environment] | Unset = UNSET
        if _environments is not UNSET:
            if not isinstance(_environments, list):
                raise TypeError(
                    f"field environments expects a JSON array, got {type(_environments).__name__}"
                )
            environments = []
            for environments_item_data in _environments:
                environments_item = Environment.from_dict(environments_item_data)

                environments.append(environments_item)

        environment_list = cls(
            environments=environments,
        )

        environment_list.additional_properties = d
        return environment_list

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
