"""Test tools for code that uses atomic-sdk: a local Atomic ``Sandbox`` and a pytest fixture.

Needs the ``testing`` extra (``pip install atomic-sdk[testing]``).

Example::

    from atomic_api.api.environments import list_environments
    from atomic_sdk.testing import Sandbox

    with Sandbox() as sb, sb.client() as client:
        environments = list_environments.sync(client=client)
        assert sb.token_requests_by_role() == {"events": 1}

With pytest, enable the plugin (``pytest_plugins = ["atomic_sdk.testing.pytest_plugin"]`` in your top-level
``conftest.py``) and ask for the ``atomic_sandbox`` fixture.

``RedisServer`` starts a throwaway ``redis-server`` (installed separately) for tests of code that shares
tokens between processes with ``RedisTokenCache``.
"""

from ._formats import CHECKED_FORMATS, FormatDependencyError
from ._redis import RedisServer, RedisServerError
from ._sandbox import TOKEN_PATH, Sandbox
from ._spec import SpecError

__all__ = [
    "CHECKED_FORMATS",
    "TOKEN_PATH",
    "FormatDependencyError",
    "RedisServer",
    "RedisServerError",
    "Sandbox",
    "SpecError",
]
