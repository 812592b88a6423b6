from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..errors import MissingFieldError
from ..models.user_target_type import UserTargetType

T = TypeVar("T", bound="UserTarget")


@_attrs_define
class UserTarget:
    """Targets explicit users (current Action Flow shape, seen in the audit log).

    Attributes:
        type_ (UserTargetType):
        target_user_ids (list[str]):
    """

    type_: UserTargetType
    target_user_ids: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_.value

        target_user_ids = self.target_user_ids

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "targetUserIds": target_user_ids,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        # Atomic customisation: a JSON array or scalar where the spec has an object is refused, not half-read.
        if not isinstance(src_dict, Mapping):
            raise TypeError(
                f"{cls.__name__} expects a JSON object, got {type(src_dict).__name__}"
            )
        d = dict(src_dict)
        # Atomic customisation: name the model and every missing field instead of a bare KeyError.
        _missing = [
            key
            for key in (
                "type",
                "targetUserIds",
            )
            if key not in d
        ]
        if _missing:
            raise MissingFieldError(cls.__name__, _missing)
        type_ = UserTargetType(d.pop("type"))

        target_user_ids = cast(list[str], d.pop("targetUserIds"))

        user_target = cls(
            type_=type_,
            target_user_ids=target_user_ids,
        )

        user_target.additional_properties = d
        return user_target

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
