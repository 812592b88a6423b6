"""The installed version of the atomic-sdk distribution."""

from importlib.metadata import PackageNotFoundError, version

DISTRIBUTION = "atomic-sdk"


def sdk_version() -> str:
    # A source checkout on sys.path has no installed metadata; a placeholder keeps the
    # User-Agent well-formed instead of failing at import.
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "0.0.0"
