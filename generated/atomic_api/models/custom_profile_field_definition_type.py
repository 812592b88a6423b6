from enum import StrEnum


class CustomProfileFieldDefinitionType(StrEnum):
    DATE = "date"
    TEXT = "text"

    def __str__(self) -> str:
        return str(self.value)
