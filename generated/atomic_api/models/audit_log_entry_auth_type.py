from enum import StrEnum


class AuditLogEntryAuthType(StrEnum):
    CLIENT = "client"
    CLIENTCREDENTIALS = "clientCredentials"
    SIGNEDPAYLOAD = "signedPayload"
    WORKBENCH = "workbench"

    def __str__(self) -> str:
        return str(self.value)
