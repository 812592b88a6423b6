"""The roles an Atomic API key can carry."""

from enum import StrEnum


class Role(StrEnum):
    """The role of a legacy Atomic API key; each operation accepts one or more roles.

    Example::

        credentials = {Role.EVENTS: Credentials("id", "secret")}
    """

    AUTH = "auth"
    WORKBENCH = "workbench"
    EVENTS = "events"
