"""The User-Agent sent on every API and token request."""

import sys

import httpx

from ._errors import ConfigurationError
from ._version import sdk_version

# What platform.python_version() answers ("3.11.7", "3.13.0rc1"), without importing platform.
_PYTHON_VERSION = sys.version.split(" ", 1)[0]


def build_user_agent(app_token: str | None = None) -> str:
    """``"<app_token> atomic-sdk-python/<v> httpx/<v> python/<v>"``; the app's token comes first."""
    sdk = f"atomic-sdk-python/{sdk_version()} httpx/{httpx.__version__} python/{_PYTHON_VERSION}"
    if app_token is None:
        return sdk
    if not isinstance(app_token, str):
        raise ConfigurationError(f"user_agent must be a string, got {type(app_token).__name__}")
    app_token = app_token.strip()
    if not app_token:
        return sdk
    # A header value with control characters could split the request (header injection).
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in app_token):
        raise ConfigurationError("user_agent must not contain control characters such as newlines")
    return f"{app_token} {sdk}"
