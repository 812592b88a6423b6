"""The User-Agent sent on every API and token request."""

import sys

from ._backend import HTTPX, HttpPackage
from ._errors import ConfigurationError
from ._version import sdk_version

# What platform.python_version() answers ("3.11.7", "3.13.0rc1"), without importing platform.
_PYTHON_VERSION = sys.version.split(" ", 1)[0]


def build_user_agent(app_token: str | None = None, http: HttpPackage = HTTPX) -> str:
    """``"<app_token> atomic-sdk-python/<v> httpx/<v> python/<v>"`` (``httpx2/<v>`` on httpx2); the app's
    token comes first. It replaces the package's own default User-Agent (``python-httpx/…``)."""
    sdk = f"atomic-sdk-python/{sdk_version()} {http.name}/{http.version} python/{_PYTHON_VERSION}"
    if app_token is None:
        return sdk
    if not isinstance(app_token, str):
        raise ConfigurationError(f"user_agent must be a string, got {type(app_token).__name__}")
    app_token = app_token.strip()
    if not app_token:
        return sdk
    # Header values travel as ASCII: anything else fails only at the first request (UnicodeEncodeError),
    # and control characters could split the request (header injection). So refuse both here.
    bad = sorted({ch for ch in app_token if not 0x20 <= ord(ch) <= 0x7E})
    if bad:
        shown = ", ".join(f"U+{ord(ch):04X}" for ch in bad[:5])
        raise ConfigurationError(
            f"user_agent must be printable ASCII (letters, digits, spaces and punctuation), found {shown}; "
            "e.g. user_agent='my-app/1.2'"
        )
    return f"{app_token} {sdk}"
