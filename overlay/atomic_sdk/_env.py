"""Reads AtomicClient settings from ATOMIC_* environment variables."""

from collections.abc import Mapping
from typing import Any

from ._credentials import Credentials
from ._errors import ConfigurationError, MissingExtraError
from ._roles import Role

_BOOLEANS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def _get(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name, "").strip()
    return value or None


def _pair(environ: Mapping[str, str], prefix: str) -> Credentials | None:
    id_name, secret_name = f"{prefix}_CLIENT_ID", f"{prefix}_CLIENT_SECRET"
    client_id, secret = _get(environ, id_name), _get(environ, secret_name)
    if client_id is None and secret is None:
        return None
    if client_id is None:
        raise ConfigurationError(f"{secret_name} is set but {id_name} is missing")
    if secret is None:
        raise ConfigurationError(f"{id_name} is set but {secret_name} is missing")
    return Credentials(client_id, secret)


def settings_from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    """AtomicClient keyword arguments from ``environ``; raises ConfigurationError naming what is missing."""
    by_role: dict[Role, Credentials] = {
        role: cred for role in Role if (cred := _pair(environ, f"ATOMIC_{role.name}")) is not None
    }
    single = _pair(environ, "ATOMIC")
    if single is not None and by_role:
        raise ConfigurationError(
            "set either ATOMIC_CLIENT_ID/ATOMIC_CLIENT_SECRET (one key for every role) or "
            "ATOMIC_<ROLE>_CLIENT_ID/ATOMIC_<ROLE>_CLIENT_SECRET per role, not both"
        )
    credentials: Credentials | dict[Role, Credentials] = single or by_role
    if not credentials:
        raise ConfigurationError(
            "no credentials in the environment: set ATOMIC_CLIENT_ID and ATOMIC_CLIENT_SECRET, or "
            "ATOMIC_<ROLE>_CLIENT_ID and ATOMIC_<ROLE>_CLIENT_SECRET with ROLE in AUTH, WORKBENCH, EVENTS"
        )
    org_id = _get(environ, "ATOMIC_ORG_ID")
    base_url = _get(environ, "ATOMIC_BASE_URL")
    if org_id is None and base_url is None:
        raise ConfigurationError("ATOMIC_ORG_ID is not set (or set ATOMIC_BASE_URL)")
    settings: dict[str, Any] = {
        "org_id": org_id,
        "credentials": credentials,
        "environment_id": _get(environ, "ATOMIC_ENVIRONMENT_ID"),
        "base_url": base_url,
        "token_url": _get(environ, "ATOMIC_TOKEN_URL"),
        "user_agent": _get(environ, "ATOMIC_USER_AGENT"),
    }
    insecure = _get(environ, "ATOMIC_ALLOW_INSECURE_HTTP")
    if insecure is not None:
        if insecure.lower() not in _BOOLEANS:
            raise ConfigurationError(f"ATOMIC_ALLOW_INSECURE_HTTP must be 1/true/yes or 0/false/no, got {insecure!r}")
        settings["allow_insecure_http"] = _BOOLEANS[insecure.lower()]
    redis_url = _get(environ, "ATOMIC_REDIS_URL")
    if redis_url is not None:
        # Imported here: the redis extra is optional and only needed when this variable is set.
        from ._tokens.redis import RedisTokenCache

        try:
            settings["token_cache"] = RedisTokenCache(redis_url)
        except MissingExtraError as exc:
            raise MissingExtraError(f"ATOMIC_REDIS_URL is set, but {exc}", extra=exc.extra, module=exc.name) from None
        except ConfigurationError as exc:
            raise ConfigurationError(f"ATOMIC_REDIS_URL is set, but {exc}") from None
    return settings
