from enum import StrEnum


class UserTargetType(StrEnum):
    USER = "user"

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def _missing_(cls, value: object) -> "UserTargetType | None":
        # A value the spec does not list yet (the API gained one): keep it as an unnamed member
        # instead of failing the whole response. Atomic customisation of the generator's template.
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member
