from enum import IntEnum


class MultipleFlag(IntEnum):
    VALUE_1 = 1

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def _missing_(cls, value: object) -> "MultipleFlag | None":
        # A value the spec does not list yet (the API gained one): keep it as an unnamed member
        # instead of failing the whole response. Atomic customisation of the generator's template.
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        member = int.__new__(cls, value)
        member._name_ = str(value)
        member._value_ = value
        return member
