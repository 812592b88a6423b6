from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..errors import MissingFieldError
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.user_preferences import UserPreferences
    from ..models.user_profile import UserProfile
    from ..models.user_segments import UserSegments


T = TypeVar("T", bound="User")

_refs_loaded = False


def _load_refs() -> None:
    # Atomic customisation: the models this one refers to are imported on first use, once per module.
    # Models refer to each other in cycles, which is why the stock template imports them inside every
    # from_dict/to_dict call (two imports per card of a list); importing them at the top would fail on a
    # cycle, and at the end of the module would make this model fail to import whenever one of them does.
    global UserPreferences, UserProfile, UserSegments, _refs_loaded
    from ..models.user_preferences import UserPreferences
    from ..models.user_profile import UserProfile
    from ..models.user_segments import UserSegments

    _refs_loaded = True


_REQUIRED_ORDER: tuple[str, ...] = ("id",)
_REQUIRED_KEYS: frozenset[str] = frozenset(_REQUIRED_ORDER)
_KNOWN_KEYS: frozenset[str] = frozenset(
    (
        "id",
        "preferences",
        "preferencesUpdated",
        "created",
        "profile",
        "segments",
    )
)


@_attrs_define
class User:
    """A customer.

    Attributes:
        id (str):
        preferences (UserPreferences | Unset): Notification preferences of a customer.
        preferences_updated (datetime.datetime | Unset):
        created (datetime.datetime | Unset):
        profile (UserProfile | Unset): Flat profile with snake_case keys: standard fields, analytics fields maintained
            by Atomic (e.g. `user_type`, `first_seen_at`, `last_seen_at`) and custom fields at the same level.
        segments (UserSegments | Unset): Segment membership; returned by getUser only, shape unknown.
    """

    id: str
    preferences: UserPreferences | Unset = UNSET
    preferences_updated: datetime.datetime | Unset = UNSET
    created: datetime.datetime | Unset = UNSET
    profile: UserProfile | Unset = UNSET
    segments: UserSegments | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        if not _refs_loaded:
            _load_refs()
        id = self.id

        preferences: dict[str, Any] | Unset = UNSET
        if not isinstance(self.preferences, Unset):
            preferences = self.preferences.to_dict()

        preferences_updated: str | Unset = UNSET
        if not isinstance(self.preferences_updated, Unset):
            preferences_updated = self.preferences_updated.isoformat()

        created: str | Unset = UNSET
        if not isinstance(self.created, Unset):
            created = self.created.isoformat()

        profile: dict[str, Any] | Unset = UNSET
        if not isinstance(self.profile, Unset):
            profile = self.profile.to_dict()

        segments: dict[str, Any] | Unset = UNSET
        if not isinstance(self.segments, Unset):
            segments = self.segments.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
            }
        )
        if preferences is not UNSET:
            field_dict["preferences"] = preferences
        if preferences_updated is not UNSET:
            field_dict["preferencesUpdated"] = preferences_updated
        if created is not UNSET:
            field_dict["created"] = created
        if profile is not UNSET:
            field_dict["profile"] = profile
        if segments is not UNSET:
            field_dict["segments"] = segments

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
        id = src_dict["id"]

        _preferences = src_dict.get("preferences", UNSET)
        preferences: UserPreferences | Unset
        if isinstance(_preferences, Unset):
            preferences = UNSET
        else:
            preferences = UserPreferences.from_dict(_preferences)

        _preferences_updated = src_dict.get("preferencesUpdated", UNSET)
        preferences_updated: datetime.datetime | Unset
        if isinstance(_preferences_updated, Unset):
            preferences_updated = UNSET
        else:
            preferences_updated = datetime.datetime.fromisoformat(_preferences_updated)

        _created = src_dict.get("created", UNSET)
        created: datetime.datetime | Unset
        if isinstance(_created, Unset):
            created = UNSET
        else:
            created = datetime.datetime.fromisoformat(_created)

        _profile = src_dict.get("profile", UNSET)
        profile: UserProfile | Unset
        if isinstance(_profile, Unset):
            profile = UNSET
        else:
            profile = UserProfile.from_dict(_profile)

        _segments = src_dict.get("segments", UNSET)
        segments: UserSegments | Unset
        if isinstance(_segments, Unset):
            segments = UNSET
        else:
            segments = UserSegments.from_dict(_segments)

        # Atomic customisation: arguments by position, in the order the class declares its fields; a keyword
        # call costs attrs' __init__ about three times as much, once per item of a list.
        user = cls(
            id,
            preferences,
            preferences_updated,
            created,
            profile,
            segments,
        )

        user.additional_properties = d
        return user

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
