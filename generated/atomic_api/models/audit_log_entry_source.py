from enum import StrEnum


class AuditLogEntrySource(StrEnum):
    CLIENT_API = "client-api"
    CUSTOMER_API = "customer-api"
    WORKBENCH_API = "workbench-api"

    def __str__(self) -> str:
        return str(self.value)
