from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.user_preferences_notifications import UserPreferencesNotifications


T = TypeVar("T", bound="UserPreferences")

_refs_loaded = False


def _load_refs() -> None:
    # Atomic customisation: the models this one refers to are imported on first use, once per module.
    # Models refer to each other in cycles, which is why the stock template imports them inside every
    # from_dict/to_dict call (two imports per card of a list); importing them at the top would fail on a
    # cycle, and at the end of the module would make this model fail to import whenever one of them does.
    global UserPreferencesNotifications, _refs_loaded
    from ..models.user_preferences_notifications import UserPreferencesNotifications

    _refs_loaded = True


_KNOWN_KEYS: frozenset[str] = frozenset(
    (
        "timezone",
        "notificationsEnabled",
        "notifications",
    )
)


@_attrs_define
class UserPreferences:
    """Notification preferences of a customer.

    Attributes:
        timezone (str | Unset): Time zone name, e.g. `Pacific/Auckland` (IANA name, inferred).
        notifications_enabled (bool | Unset):
        notifications (UserPreferencesNotifications | Unset): Notification windows per day key. Documented keys are
            `default`, `sat` and `sun`; `mon` to `fri` are inferred. An empty array probably means no notifications that
            day.
    """

    timezone: str | Unset = UNSET
    notifications_enabled: bool | Unset = UNSET
    notifications: UserPreferencesNotifications | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        if not _refs_loaded:
            _load_refs()
        timezone = self.timezone

        notifications_enabled = self.notifications_enabled

        notifications: dict[str, Any] | Unset = UNSET
        if not isinstance(self.notifications, Unset):
            notifications = self.notifications.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if timezone is not UNSET:
            field_dict["timezone"] = timezone
        if notifications_enabled is not UNSET:
            field_dict["notificationsEnabled"] = notifications_enabled
        if notifications is not UNSET:
            field_dict["notifications"] = notifications

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
        timezone = src_dict.get("timezone", UNSET)

        notifications_enabled = src_dict.get("notificationsEnabled", UNSET)

        _notifications = src_dict.get("notifications", UNSET)
        notifications: UserPreferencesNotifications | Unset
        if isinstance(_notifications, Unset):
            notifications = UNSET
        else:
            notifications = UserPreferencesNotifications.from_dict(_notifications)

        # Atomic customisation: arguments by position, in the order the class declares its fields; a keyword
        # call costs attrs' __init__ about three times as much, once per item of a list.
        user_preferences = cls(
            timezone,
            notifications_enabled,
            notifications,
        )

        user_preferences.additional_properties = d
        return user_preferences

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
