from enum import StrEnum
from typing import Any


class AuditLogEntrySource(StrEnum):
    CLIENT_API = "client-api"
    CUSTOMER_API = "customer-api"
    WORKBENCH_API = "workbench-api"

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def _missing_(cls, value: object) -> "AuditLogEntrySource | None":
        # A value the spec does not list yet (the API gained one): keep it as an unnamed member
        # instead of failing the whole response. Atomic customisation of the generator's template.
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member

    @classmethod
    def _from_json(cls, value: Any) -> "AuditLogEntrySource":
        # Atomic customisation: the generated from_dict parses values here. A listed value is one dict
        # lookup (calling the class runs several Python frames per value, per item of a list); anything
        # else takes the normal constructor path, so unknown values still go through _missing_.
        try:
            return _BY_VALUE[value]
        except (KeyError, TypeError):
            return cls(value)


_BY_VALUE: dict[Any, AuditLogEntrySource] = {
    member.value: member for member in AuditLogEntrySource
}
