"""Contains some shared types for properties"""

from collections.abc import Mapping, MutableMapping
from http import HTTPStatus
from typing import IO, BinaryIO, Generic, Literal, TypeVar

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

# Atomic customisation: one HTTPStatus per non-standard code, so identity and equality hold across responses.
_EXTRA_STATUSES: dict[int, HTTPStatus] = {}


def http_status(code: int) -> HTTPStatus:
    """``HTTPStatus(code)``, also for codes the standard library does not list (520, 599, 299, ...).

    Proxies and CDNs answer with such codes; ``HTTPStatus(520)`` raises ValueError. For them this returns an
    ``HTTPStatus`` pseudo-member (as ``enum`` builds for flags) named ``UNKNOWN_<code>`` with an empty
    ``phrase``: it compares equal to the integer and keeps ``Response.status_code`` an ``HTTPStatus``.
    """
    try:
        return HTTPStatus(code)
    except ValueError:
        pass
    status = _EXTRA_STATUSES.get(code)
    if status is None:
        status = int.__new__(HTTPStatus, code)
        status._name_ = f"UNKNOWN_{code}"
        status._value_ = code
        status.phrase = ""  # type: ignore[misc]
        status.description = ""  # type: ignore[misc]
        status = _EXTRA_STATUSES.setdefault(code, status)
    return status


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
    "http_status",
]
