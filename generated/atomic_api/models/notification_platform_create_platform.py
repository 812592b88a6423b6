from enum import StrEnum


class NotificationPlatformCreatePlatform(StrEnum):
    APNS = "APNS"
    APNS_SANDBOX = "APNS_SANDBOX"
    GCM = "GCM"

    def __str__(self) -> str:
        return str(self.value)
