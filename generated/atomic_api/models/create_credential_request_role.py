from enum import StrEnum


class CreateCredentialRequestRole(StrEnum):
    EVENTS = "events"
    WORKBENCH = "workbench"

    def __str__(self) -> str:
        return str(self.value)
