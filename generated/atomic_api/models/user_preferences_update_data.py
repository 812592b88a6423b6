from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.user_preferences import UserPreferences


T = TypeVar("T", bound="UserPreferencesUpdateData")

_refs_loaded = False


def _load_refs() -> None:
    # Atomic customisation: the models this one refers to are imported on first use, once per module.
    # Models refer to each other in cycles, which is why the stock template imports them inside every
    # from_dict/to_dict call (two imports per card of a list); importing them at the top would fail on a
    # cycle, and at the end of the module would make this model fail to import whenever one of them does.
    global UserPreferences, UserPreferencesNotifications, _refs_loaded
    from ..models.user_preferences import UserPreferences
    from ..models.user_preferences_notifications import UserPreferencesNotifications

    _refs_loaded = True


_KNOWN_KEYS: frozenset[str] = frozenset(())


@_attrs_define
class UserPreferencesUpdateData:
    """Preferences keyed by user id."""

    additional_properties: dict[str, UserPreferences] = _attrs_field(
        init=False, factory=dict
    )

    def to_dict(self) -> dict[str, Any]:
        if not _refs_loaded:
            _load_refs()

        field_dict: dict[str, Any] = {}
        for prop_name, prop in self.additional_properties.items():
            field_dict[prop_name] = prop.to_dict()

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
        # Atomic customisation: arguments by position, in the order the class declares its fields; a keyword
        # call costs attrs' __init__ about three times as much, once per item of a list.
        user_preferences_update_data = cls()

        additional_properties = {}
        for prop_name, prop_dict in d.items():
            additional_property = UserPreferences.from_dict(prop_dict)

            additional_properties[prop_name] = additional_property

        user_preferences_update_data.additional_properties = additional_properties
        return user_preferences_update_data

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> UserPreferences:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: UserPreferences) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
