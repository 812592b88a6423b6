from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..errors import MissingFieldError
from ..models.notification_platform_create_platform import (
    NotificationPlatformCreatePlatform,
)
from ..types import UNSET, Unset, enum_member

if TYPE_CHECKING:
    from ..models.notification_platform_create_platform_properties import (
        NotificationPlatformCreatePlatformProperties,
    )


T = TypeVar("T", bound="NotificationPlatformCreate")

_refs_loaded = False


def _load_refs() -> None:
    # Atomic customisation: the models this one refers to are imported on first use, once per module.
    # Models refer to each other in cycles, which is why the stock template imports them inside every
    # from_dict/to_dict call (two imports per card of a list); importing them at the top would fail on a
    # cycle, and at the end of the module would make this model fail to import whenever one of them does.
    global NotificationPlatformCreatePlatformProperties, _refs_loaded
    from ..models.notification_platform_create_platform_properties import (
        NotificationPlatformCreatePlatformProperties,
    )

    _refs_loaded = True


_REQUIRED_ORDER: tuple[str, ...] = (
    "platform",
    "platformCredential",
)
_REQUIRED_KEYS: frozenset[str] = frozenset(_REQUIRED_ORDER)
_KNOWN_KEYS: frozenset[str] = frozenset(
    (
        "platform",
        "platformCredential",
        "platformPrincipal",
        "platformProperties",
    )
)


@_attrs_define
class NotificationPlatformCreate:
    """
    Attributes:
        platform (NotificationPlatformCreatePlatform): `GCM` for Android (FCM), `APNS` or `APNS_SANDBOX` for iOS.
        platform_credential (str): FCM HTTP v1: the JSON-encoded service-account key; legacy FCM: the API key; APNs
            certificate: the private key (PEM).
        platform_principal (str | Unset): FCM HTTP v1 must send an empty string; for an APNs certificate send the SSL
            certificate (PEM); omit for legacy FCM.
        platform_properties (NotificationPlatformCreatePlatformProperties | Unset): Android options. Property names for
            the APNs token team ID and bundle ID are unknown.
    """

    platform: NotificationPlatformCreatePlatform
    platform_credential: str
    platform_principal: str | Unset = UNSET
    platform_properties: NotificationPlatformCreatePlatformProperties | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        if not _refs_loaded:
            _load_refs()
        platform = self.platform.value

        platform_credential = self.platform_credential

        platform_principal = self.platform_principal

        platform_properties: dict[str, Any] | Unset = UNSET
        if not isinstance(self.platform_properties, Unset):
            platform_properties = self.platform_properties.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "platform": platform,
                "platformCredential": platform_credential,
            }
        )
        if platform_principal is not UNSET:
            field_dict["platformPrincipal"] = platform_principal
        if platform_properties is not UNSET:
            field_dict["platformProperties"] = platform_properties

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
        platform = enum_member(NotificationPlatformCreatePlatform, src_dict["platform"])

        platform_credential = src_dict["platformCredential"]

        platform_principal = src_dict.get("platformPrincipal", UNSET)

        _platform_properties = src_dict.get("platformProperties", UNSET)
        platform_properties: NotificationPlatformCreatePlatformProperties | Unset
        if isinstance(_platform_properties, Unset):
            platform_properties = UNSET
        else:
            platform_properties = (
                NotificationPlatformCreatePlatformProperties.from_dict(
                    _platform_properties
                )
            )

        # Atomic customisation: arguments by position, in the order the class declares its fields; a keyword
        # call costs attrs' __init__ about three times as much, once per item of a list.
        notification_platform_create = cls(
            platform,
            platform_credential,
            platform_principal,
            platform_properties,
        )

        notification_platform_create.additional_properties = d
        return notification_platform_create

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
