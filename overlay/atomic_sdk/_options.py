"""Types and argument checks every other overlay module shares (it imports no overlay module but _errors, _backend).

Clock, sleep and the checks of the options a client and a call take (timeout, retries, headers) live here, so
the client, the resources, the retry policy and the token provider agree on them without importing each other.
"""

import math
import re
import sys
from collections.abc import Awaitable, Callable, Mapping

import httpx

from ._backend import HTTPX, HttpPackage
from ._errors import ConfigurationError

Clock = Callable[[], float]
"""Seconds since the epoch (``time.time``); injected by tests."""
Sleep = Callable[[float], None]
AsyncSleep = Callable[[float], Awaitable[None]]

DEFAULT_TIMEOUT = 30.0

# RFC 9110 field-name: a token (no spaces, separators or control characters).
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def check_timeout(timeout: object, http: HttpPackage = HTTPX) -> httpx.Timeout:
    """``timeout`` (seconds, or an ``httpx.Timeout`` or ``httpx2.Timeout`` with every part set) as a ``Timeout``
    of ``http``, the client's package."""
    why = "a stalled connection would otherwise hang forever"
    httpx2 = sys.modules.get("httpx2")  # an httpx2.Timeout exists only once httpx2 is imported
    if isinstance(timeout, httpx.Timeout) or (httpx2 is not None and isinstance(timeout, httpx2.Timeout)):
        parts = (timeout.connect, timeout.read, timeout.write, timeout.pool)
        if any(part is None or part <= 0 for part in parts):
            raise ConfigurationError(f"every part of timeout must be a positive number of seconds; {why}")
        converted: httpx.Timeout = (
            timeout
            if isinstance(timeout, http.module.Timeout)
            else http.module.Timeout(connect=timeout.connect, read=timeout.read, write=timeout.write, pool=timeout.pool)
        )
        return converted
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise ConfigurationError(
            f"timeout must be a positive number of seconds or an httpx.Timeout, got {timeout!r}; {why}"
        )
    if not math.isfinite(timeout) or timeout <= 0:
        raise ConfigurationError(f"timeout must be a positive, finite number of seconds, got {timeout!r}; {why}")
    seconds: httpx.Timeout = http.module.Timeout(float(timeout))
    return seconds


def check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigurationError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return value


def check_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ConfigurationError(f"{name} must be True or False, got {value!r}")
    return value


def check_headers(where: str, headers: object) -> dict[str, str]:
    """``headers`` as a dict, refusing what HTTP cannot carry before anything is sent.

    A name must be an RFC 9110 token; a value must be printable ASCII (tabs allowed) with no CR or LF, which
    would otherwise split the header into two (header injection) or fail deep inside httpx.
    """
    if not isinstance(headers, Mapping):
        raise ConfigurationError(f"{where} must be a mapping of header names to values, got {type(headers).__name__}")
    checked: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
            raise ConfigurationError(
                f"{where}: {name!r} is not a valid header name (letters, digits and !#$%&'*+.^_`|~- only)"
            )
        if not isinstance(value, str):
            raise ConfigurationError(
                f"{where}: the value of header {name} must be a string, got {type(value).__name__}"
            )
        if any(ch in "\r\n\0" or not (ch == "\t" or 0x20 <= ord(ch) <= 0x7E) for ch in value):
            raise ConfigurationError(
                f"{where}: the value of header {name} has a character HTTP headers cannot carry (a line break, a "
                "control character or non-ASCII text); percent-encode or base64-encode it"
            )
        checked[name] = value
    return checked
