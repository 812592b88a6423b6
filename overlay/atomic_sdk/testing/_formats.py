"""The ``format`` checks the Sandbox applies, the same on every machine.

jsonschema's default checker is as strict as the packages that happen to be importable. Here each known format
has exactly one check, backed by a dependency of the ``testing`` extra (missing: an error, never a skipped
check); formats not in ``CHECKED_FORMATS`` are annotations only, as JSON Schema defines unknown formats.
"""

import base64
import importlib
import ipaddress
import re
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from .._errors import MissingExtraError

# Each module here is a dependency of the `testing` extra (pyproject.toml), pinned for the dev venv.
_REQUIRED = {"date-time": "rfc3339_validator", "uri": "rfc3986_validator", "uri-reference": "rfc3986_validator"}
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# One "@", something on each side, no whitespace: what a mail gateway accepts at the very least.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_NO_SCOPE = re.compile(r"[^%]+")  # an address, without an IPv6 zone ("%eth0")
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


class FormatDependencyError(MissingExtraError):
    """A package the Sandbox's format checks need is not installed (install the ``testing`` extra).

    A ``MissingExtraError`` (so an ``AtomicError`` and an ``ImportError``) with ``extra == "testing"``.
    """


def _module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise FormatDependencyError(
            f"the Sandbox checks formats with {name.replace('_', '-')}, which is not installed; "
            'install the testing extra: pip install "atomic-sdk[testing]"',
            extra="testing",
            module=name,
        ) from exc


def _strings_only(check: Callable[[str], bool]) -> Callable[[object], bool]:
    # A format constrains strings only; other types are the `type` keyword's business.
    return lambda instance: not isinstance(instance, str) or check(instance)


def _integers_within(bits: int) -> Callable[[object], bool]:
    low, high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return lambda value: isinstance(value, bool) or not isinstance(value, int) or low <= value <= high


def _parses(
    parse: Callable[[str], object], pattern: re.Pattern[str] = re.compile(".*", re.DOTALL)
) -> Callable[[str], bool]:
    """A check: the value matches ``pattern`` and ``parse`` takes it without an error."""

    def check(value: str) -> bool:
        try:
            return pattern.fullmatch(value) is not None and bool(parse(value) or True)  # parsed: valid
        except (ValueError, re.error):
            return False

    return check


def build_format_checker() -> Any:
    """A FormatChecker with exactly the checks in ``CHECKED_FORMATS`` (raises if a dependency is missing)."""
    rfc3339 = _module(_REQUIRED["date-time"])
    rfc3986 = _module(_REQUIRED["uri"])

    # Both validators anchor with `$`, which also matches before a final newline: refuse newlines first.
    def is_date_time(value: str) -> bool:
        return "\n" not in value and bool(rfc3339.validate_rfc3339(value.upper()))

    def is_uri(value: str) -> bool:
        return "\n" not in value and bool(rfc3986.validate_rfc3986(value, rule="URI"))

    def is_uri_reference(value: str) -> bool:
        return "\n" not in value and bool(rfc3986.validate_rfc3986(value, rule="URI_reference"))

    checks: dict[str, Callable[[object], bool]] = {
        "date-time": _strings_only(is_date_time),
        "date": _strings_only(_parses(date.fromisoformat, _DATE)),
        "uri": _strings_only(is_uri),
        "uri-reference": _strings_only(is_uri_reference),
        "email": _strings_only(lambda value: _EMAIL.fullmatch(value) is not None),
        "uuid": _strings_only(_parses(uuid.UUID, _UUID)),
        "ipv4": _strings_only(_parses(ipaddress.IPv4Address, _NO_SCOPE)),
        "ipv6": _strings_only(_parses(ipaddress.IPv6Address, _NO_SCOPE)),
        "byte": _strings_only(_parses(lambda value: base64.b64decode(value, validate=True), _BASE64)),
        "regex": _strings_only(_parses(re.compile)),
        "int32": _integers_within(32),
        "int64": _integers_within(64),
    }
    # jsonschema ships no type information; its FormatChecker is used through this one call.
    checker = importlib.import_module("jsonschema").FormatChecker(formats=())
    for name, check in checks.items():
        checker.checks(name)(check)
    return checker


#: The ``format`` values the Sandbox checks; any other format is an annotation only.
CHECKED_FORMATS = tuple("date-time date uri uri-reference email uuid ipv4 ipv6 byte regex int32 int64".split())  # noqa: SIM905
