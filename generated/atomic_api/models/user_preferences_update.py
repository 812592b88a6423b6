from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..errors import MissingFieldError

if TYPE_CHECKING:
    from ..models.user_preferences_update_data import UserPreferencesUpdateData


T = TypeVar("T", bound="UserPreferencesUpdate")


@_attrs_define
class UserPreferencesUpdate:
    """
    Attributes:
        data (UserPreferencesUpdateData): Preferences keyed by user id.
    """

    data: UserPreferencesUpdateData
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = self.data.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "data": data,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.user_preferences_update_data import UserPreferencesUpdateData

        # Atomic customisation: a JSON array or scalar where the spec has an object is refused, not half-read.
        if not isinstance(src_dict, Mapping):
            raise TypeError(
                f"{cls.__name__} expects a JSON object, got {type(src_dict).__name__}"
            )
        d = dict(src_dict)
        # Atomic customisation: name the model and every missing field instead of a bare KeyError.
        _missing = [key for key in ("data",) if key not in d]
        if _missing:
            raise MissingFieldError(cls.__name__, _missing)
        data = UserPreferencesUpdateData.from_dict(d.pop("data"))

        user_preferences_update = cls(
            data=data,
        )

        user_preferences_update.additional_properties = d
        return user_preferences_update

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
