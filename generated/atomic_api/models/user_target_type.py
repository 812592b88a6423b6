from enum import StrEnum


class UserTargetType(StrEnum):
    USER = "user"

    def __str__(self) -> str:
        return str(self.value)
