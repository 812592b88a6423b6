"""The version of the atomic-sdk distribution: the one place it is written.

pyproject.toml reads it from here (hatch's ``[tool.hatch.version]``), so the installed metadata and
this constant cannot disagree. A constant instead of ``importlib.metadata.version()``: importing
``importlib.metadata`` costs several milliseconds on every ``import atomic_sdk``, and a source
checkout on ``sys.path`` (no installed metadata) reports the real version too.
"""

__version__ = "0.1.0"

DISTRIBUTION = "atomic-sdk"


def sdk_version() -> str:
    """The SDK's version, as sent in the User-Agent and shown by ``atomic-sdk --version``."""
    return __version__
