from enum import StrEnum
from typing import Any

from ..types import enum_member


class BatchedAnalyticsFormat(StrEnum):
    CSV = "csv"
    NDJSON = "ndjson"
    PARQUET = "parquet"

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def _missing_(cls, value: object) -> "BatchedAnalyticsFormat | None":
        # A value the spec does not list yet (the API gained one): keep it as an unnamed member
        # instead of failing the whole response. Atomic customisation of the generator's template.
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member

    @classmethod
    def _from_json(cls, value: Any) -> "BatchedAnalyticsFormat":
        # Atomic customisation: a value read from JSON, as the generated from_dict parses it (types.enum_member:
        # one dict lookup for a listed value, the constructor and _missing_ for anything else).
        return enum_member(cls, value)
