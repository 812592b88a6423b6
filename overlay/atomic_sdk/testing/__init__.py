"""Test tools for code that uses atomic-sdk (the ``testing`` extra): a local Atomic ``Sandbox`` with state.

Example::

    with Sandbox() as sb, sb.client() as client:  # a server on 127.0.0.1
        client.environments.list_environments()
        assert sb.token_requests_by_role() == {"events": 1}

    sb = Sandbox()  # not started: sb.client() answers in-process through sb.transport(), no port

With pytest, enable the plugin (``pytest_plugins = ["atomic_sdk.testing.pytest_plugin"]`` in your top-level
``conftest.py``) and ask for the ``atomic_sandbox`` (served) or ``atomic_sandbox_in_process`` fixture.

``RedisServer`` starts a throwaway ``redis-server`` (installed separately) for tests of code that shares
tokens between processes with ``RedisTokenCache``; ``RedisClusterServers`` a Redis Cluster with replicas,
``RedisSentinelServers`` a master with replicas and Sentinels.
"""

from .._errors import MissingExtraError

try:
    from ._formats import CHECKED_FORMATS, FormatDependencyError
    from ._redis import RedisClusterServers, RedisSentinelServers, RedisServer, RedisServerError
    from ._sandbox import IN_PROCESS_URL, TOKEN_PATH, Sandbox, SandboxTransport
    from ._spec import SpecError
    from ._state import EnvironmentData
except ModuleNotFoundError as exc:
    # Only a third-party module is the extra's business; a missing part of the SDK itself is a real bug,
    # and an error that already names the extra stays as it is.
    if isinstance(exc, MissingExtraError) or (exc.name or "atomic_sdk").partition(".")[0] in {
        "atomic_sdk",
        "atomic_api",
    }:
        raise
    raise MissingExtraError(
        f"atomic_sdk.testing needs the 'testing' extra (no module named {exc.name!r}):"
        " pip install 'atomic-sdk[testing]'",
        extra="testing",
        module=exc.name,
    ) from None

__all__ = [
    "CHECKED_FORMATS",
    "IN_PROCESS_URL",
    "TOKEN_PATH",
    "EnvironmentData",
    "FormatDependencyError",
    "RedisClusterServers",
    "RedisSentinelServers",
    "RedisServer",
    "RedisServerError",
    "Sandbox",
    "SandboxTransport",
    "SpecError",
]
