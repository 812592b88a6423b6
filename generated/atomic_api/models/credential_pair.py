from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..errors import MissingFieldError

T = TypeVar("T", bound="CredentialPair")

_REQUIRED_ORDER: tuple[str, ...] = (
    "clientId",
    "clientSecret",
)
_REQUIRED_KEYS: frozenset[str] = frozenset(_REQUIRED_ORDER)
_KNOWN_KEYS: frozenset[str] = frozenset(
    (
        "clientId",
        "clientSecret",
    )
)


@_attrs_define
class CredentialPair:
    """
    Attributes:
        client_id (str):
        client_secret (str): The client secret. Store it at once; it cannot be retrieved later.
    """

    client_id: str
    client_secret: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        client_id = self.client_id

        client_secret = self.client_secret

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "clientId": client_id,
                "clientSecret": client_secret,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
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
        client_id = src_dict["clientId"]

        client_secret = src_dict["clientSecret"]

        # Atomic customisation: arguments by position, in the order the class declares its fields; a keyword
        # call costs attrs' __init__ about three times as much, once per item of a list.
        credential_pair = cls(
            client_id,
            client_secret,
        )

        credential_pair.additional_properties = d
        return credential_pair

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
