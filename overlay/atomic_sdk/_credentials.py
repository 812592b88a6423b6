"""API keys (client id + secret) and which role each one serves."""

from collections.abc import Mapping

from attrs import Attribute, field, frozen

from ._errors import ConfigurationError, MissingCredentialsError
from ._operations import Operation
from ._roles import Role


def _check_part(credentials: object, attribute: "Attribute[str]", value: object) -> None:
    if not isinstance(value, str) or not value:
        raise ConfigurationError(f"Credentials {attribute.name} must be a non-empty string")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise ConfigurationError(f"Credentials {attribute.name} must not contain control characters")


def _check_client_id(credentials: object, attribute: "Attribute[str]", value: str) -> None:
    _check_part(credentials, attribute, value)
    # HTTP Basic joins id and secret with ':', so an id containing one cannot be sent intact.
    if ":" in value:
        raise ConfigurationError("Credentials client_id must not contain ':'")


@frozen(repr=False)
class Credentials:
    """One Atomic API key: a client id and its secret. The secret never appears in repr or str.

    Example::

        Credentials("my-client-id", "my-client-secret")
    """

    client_id: str = field(validator=_check_client_id)
    client_secret: str = field(validator=_check_part)

    def __repr__(self) -> str:
        return f"Credentials(client_id={self.client_id!r}, secret=***)"

    __str__ = __repr__


class CredentialSet:
    """The keys an AtomicClient holds, by role; a single key serves every role."""

    __slots__ = ("_by_role", "_single")

    def __init__(self, credentials: "Credentials | Mapping[Role, Credentials] | Mapping[str, Credentials]") -> None:
        self._single: Credentials | None = None
        self._by_role: dict[Role, Credentials] = {}
        if isinstance(credentials, Credentials):
            self._single = credentials
            return
        if not isinstance(credentials, Mapping):
            raise ConfigurationError(
                "credentials must be a Credentials or a mapping of Role to Credentials, "
                f"got {type(credentials).__name__}"
            )
        if not credentials:
            raise ConfigurationError("credentials must name at least one role")
        for key, value in credentials.items():
            try:
                role = Role(key)
            except ValueError:
                valid = ", ".join(r.value for r in Role)
                raise ConfigurationError(f"unknown role {key!r} in credentials; valid roles: {valid}") from None
            if not isinstance(value, Credentials):
                raise ConfigurationError(
                    f"credentials for role {role.value} must be a Credentials, got {type(value).__name__}"
                )
            self._by_role[role] = value

    @property
    def single(self) -> bool:
        """Whether one key serves every role."""
        return self._single is not None

    @property
    def configured_roles(self) -> tuple[Role, ...]:
        if self._single is not None:
            return tuple(Role)
        return tuple(role for role in Role if role in self._by_role)

    def select(self, operation: Operation) -> tuple[Role, Credentials]:
        """The first role the operation allows (marker order) that has credentials."""
        for role in operation.roles:
            credentials = self._single or self._by_role.get(role)
            if credentials is not None:
                return role, credentials
        raise MissingCredentialsError(
            operation_id=operation.operation_id,
            method=operation.method,
            path_template=operation.path_template,
            allowed_roles=operation.roles,
            configured_roles=self.configured_roles,
        )

    def __repr__(self) -> str:
        if self._single is not None:
            return f"CredentialSet({self._single!r})"
        inner = ", ".join(f"{role.value}={cred!r}" for role, cred in self._by_role.items())
        return f"CredentialSet({inner})"
