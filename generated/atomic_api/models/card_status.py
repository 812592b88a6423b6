from enum import StrEnum


class CardStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    DISMISSED = "dismissed"
    EMBARGOED = "embargoed"
    EXPIRED = "expired"
    SNOOZED = "snoozed"

    def __str__(self) -> str:
        return str(self.value)
