from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..errors import MissingFieldError
from ..models.notification_platform_create_platform import (
    NotificationPlatformCreatePlatform,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.notification_platform_create_platform_properties import (
        NotificationPlatformCreatePlatformProperties,
    )


T = TypeVar("T", bound="NotificationPlatformCreate")


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
        from ..models.notification_platform_create_platform_properties import (
            NotificationPlatformCreatePlatformProperties,
        )

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
                "platform",
                "platformCredential",
            )
            if key not in d
        ]
        if _missing:
            raise MissingFieldError(cls.__name__, _missing)
        platform = NotificationPlatformCreatePlatform(d.pop("platform"))

        platform_credential = d.pop("platformCredential")

        platform_principal = d.pop("platformPrincipal", UNSET)

        _platform_properties = d.pop("platformProperties", UNSET)
        platform_properties: NotificationPlatformCreatePlatformProperties | Unset
        if isinstance(_platform_properties, Unset):
            platform_properties = UNSET
        else:
            platform_properties = (
                NotificationPlatformCreatePlatformProperties.from_dict(
                    _platform_properties
                )
            )

        notification_platform_create = cls(
            platform=platform,
            platform_credential=platform_credential,
            platform_principal=platform_principal,
            platform_properties=platform_properties,
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
