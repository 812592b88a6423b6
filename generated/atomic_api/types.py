"""Contains some shared types for properties"""

from collections.abc import Mapping, MutableMapping
from enum import Enum
from http import HTTPStatus
from typing import IO, Any, BinaryIO, Generic, Literal, TypeVar
from urllib.parse import quote

from attrs import define


class Unset:
    def __bool__(self) -> Literal[False]:
        return False


UNSET: Unset = Unset()

# The types that `httpx.Client(files=)` can accept, copied from that library.
FileContent = IO[bytes] | bytes | str
FileTypes = (
    # (filename, file (or bytes), content_type)
    tuple[str | None, FileContent, str | None]
    # (filename, file (or bytes), content_type, headers)
    | tuple[str | None, FileContent, str | None, Mapping[str, str]]
)
RequestFiles = list[tuple[str, FileTypes]]


@define
class File:
    """Contains information for file uploads"""

    payload: BinaryIO
    file_name: str | None = None
    mime_type: str | None = None

    def to_tuple(self) -> FileTypes:
        """Return a tuple representation that httpx will accept for multipart/form-data"""
        return self.file_name, self.payload, self.mime_type


T = TypeVar("T")

# Atomic customisation: every HTTPStatus by its code, and one pseudo-member per non-standard code once seen, so
# identity and equality hold across responses. A dict lookup, because calling ``HTTPStatus(code)`` runs several
# Python frames of the enum machinery once per response.
_STATUSES: dict[int, HTTPStatus] = {status.value: status for status in HTTPStatus}


def http_status(code: int) -> HTTPStatus:
    """``HTTPStatus(code)``, also for codes the standard library does not list (520, 599, 299, ...).

    Proxies and CDNs answer with such codes; ``HTTPStatus(520)`` raises ValueError. For them this returns an
    ``HTTPStatus`` pseudo-member (as ``enum`` builds for flags) named ``UNKNOWN_<code>`` with an empty
    ``phrase``: it compares equal to the integer and keeps ``Response.status_code`` an ``HTTPStatus``.
    """
    status = _STATUSES.get(code)
    if status is None:
        status = int.__new__(HTTPStatus, code)
        status._name_ = f"UNKNOWN_{code}"
        status._value_ = code
        status.phrase = ""  # type: ignore[misc]
        status.description = ""  # type: ignore[misc]
        status = _STATUSES.setdefault(code, status)
    return status


EnumT = TypeVar("EnumT", bound=Enum)

# Each enum's members by value, built on first use: the generated from_dict looks values up here.
_ENUM_MEMBERS: dict[type[Enum], dict[Any, Any]] = {}


def enum_member(enum_class: type[EnumT], value: Any) -> EnumT:
    """``enum_class(value)`` for a value read from JSON.

    Atomic customisation: a listed value is one dict lookup. Calling the class runs several Python frames,
    and on Python 3.11 even reading an attribute of an enum class (``CardStatus._from_json``) goes through
    ``EnumType.__getattr__``; this runs once per value, per item of a list. Anything else takes the
    constructor, so a value the spec does not list goes through the enum's ``_missing_`` as before.
    """
    members = _ENUM_MEMBERS.get(enum_class)
    if members is None:
        members = _ENUM_MEMBERS.setdefault(
            enum_class, {member.value: member for member in enum_class}
        )
    try:
        member: EnumT = members[value]
    except (KeyError, TypeError):
        return enum_class(value)
    return member


# What ``quote(..., safe="")`` never encodes: the unreserved characters of RFC 3986.
_UNRESERVED = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
)
# Values already encoded (ids recur: the same environment on every call); bounded, past the bound values are
# encoded each time.
_SEGMENTS: dict[str, str] = {}
_SEGMENTS_MAX = 1024


def path_segment(value: object) -> str:
    """``quote(str(value), safe="")``: a path parameter as one percent-encoded path segment.

    Atomic customisation: a value made of unreserved characters only (most ids) comes back as it is, without
    the cost of ``quote``, and a value seen before is one dict lookup; anything else (``/``, ``?``, ``%``,
    spaces, non-ASCII) is encoded, so a value can never reach another path. So are the dots of a value that
    is exactly ``.`` or ``..``: ``quote`` leaves them, and a URL's dot segments are resolved away (httpx sends
    ``/v1/../cards`` as ``/cards``).
    """
    text = str(value)
    segment = _SEGMENTS.get(text)
    if segment is None:
        if text == "." or text == "..":
            segment = text.replace(".", "%2E")
        else:
            segment = text if _UNRESERVED.issuperset(text) else quote(text, safe="")
        if len(_SEGMENTS) < _SEGMENTS_MAX:
            _SEGMENTS[text] = segment
    return segment


@define
class Response(Generic[T]):
    """A response from an endpoint"""

    status_code: HTTPStatus
    content: bytes
    headers: MutableMapping[str, str]
    parsed: T | None


__all__ = [
    "UNSET",
    "File",
    "FileTypes",
    "RequestFiles",
    "Response",
    "Unset",
    "enum_member",
    "http_status",
    "path_segment",
]
