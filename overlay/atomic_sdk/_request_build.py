"""Building the httpx.Request for a generated function's call without httpx's four URL parses.

httpx's ``Client.build_request`` parses the relative URL, parses it again joined to the base URL, encodes
the query parameters into a ``QueryParams``, and parses the URL a fourth time with that query attached:
about 600k instructions on the bench's ``listCards`` call, 30 % of what a raw httpx call costs its
client, for a URL the generated code has already percent-encoded (``path_segment``). For the calls the
generated functions make (a path starting with one ``/``, no query or fragment in it, parameters as a dict
of str/int/float values) ``FastRequestBuild.build_request`` merges the URL itself:

- path and query made only of characters httpx's parser leaves as they are (no dot segment): the base
  URL's parsed form (httpx's private ``URL._uri_reference``) with this path and query, no parse at all.
  Checked once per base URL against a parse, so another layout of that private tuple turns this off;
- otherwise the absolute URL written as one string and parsed once by ``httpx.URL``.

Headers, cookies, timeout and body go through httpx's own code as before. Anything else (an absolute URL,
a ``?`` in the path, client-level params, a base URL with a query or fragment, list or bool values, a URL
longer than httpx's length limit) takes httpx's path unchanged. ``tests/overlay/test_sdk_request_build.py``
checks every result against httpx's own ``build_request``, at every httpx version the package allows.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from httpx._client import BaseClient  # the common base of Client and AsyncClient (both build alike)

__all__ = ["FastRequestBuild"]

# Unreserved characters (RFC 3986): every httpx version writes a key or value made only of these as it is.
# Anything else is encoded by httpx's own QueryParams, because the encoding differs between versions (0.27
# writes a space as %20, 0.28 as +).
_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*").fullmatch
# A path httpx's parser leaves exactly as it is: unreserved, sub-delims, ":", "@", "/" and %XX escapes (what
# path_segment writes). Dot segments are checked apart ("/." anywhere sends the URL through the parser).
_CLEAN_PATH = re.compile(r"(?:[A-Za-z0-9_.~!$&'()*+,;=:@/-]|%[0-9A-Fa-f]{2})*").fullmatch
_PARAM_TYPES = (str, int, float)  # exact types: bool (an int) is "true"/"false" in httpx, so it falls back
_DEFAULT = type(httpx.USE_CLIENT_DEFAULT)
# httpx limits a URL string to this length but each component of a merged URL separately, so a longer URL
# is left to httpx (it may accept it).
_LONGEST = 65536
# httpx's parsed form of a URL (URL._uri_reference, private): a named tuple of these fields, in this order.
_REFERENCE_FIELDS = ("scheme", "userinfo", "host", "port", "path", "query", "fragment")


def _query(params: dict[Any, Any]) -> tuple[str, bool] | None:
    """``params`` as httpx writes it into the URL and whether it is plain (unreserved characters only), or
    None for values this module leaves to httpx."""
    parts = []
    plain = True
    for key, value in params.items():
        if type(key) is not str or type(value) not in _PARAM_TYPES:
            return None
        text = value if type(value) is str else str(value)
        if plain and _PLAIN(key) and _PLAIN(text):
            parts.append(f"{key}={text}")
        else:
            plain = False
    return ("&".join(parts), True) if plain else (str(httpx.QueryParams(params)), False)


def _from_reference(reference: Any) -> httpx.URL:
    url = httpx.URL.__new__(httpx.URL)
    url._uri_reference = reference
    return url


class _Base:
    """What the fast path needs of one base URL: its text, and httpx's parsed form to derive URLs from."""

    __slots__ = ("path", "prefix", "reference", "url")

    def __init__(self, url: httpx.URL) -> None:
        self.url = url
        self.prefix: str | None = None  # None: httpx merges every URL on this base itself
        self.reference: Any = None  # None: URLs on this base are parsed from their text
        self.path = ""
        text = str(url)
        # httpx keeps base_url's path ending in "/" (an empty path, written as no path, stands for "/"); a
        # query or fragment on it (even an empty one: "?" or "#") takes httpx's own merge.
        if not url.is_absolute_url or "?" in text or "#" in text:
            return
        self.prefix = text if text.endswith("/") else f"{text}/"
        reference = getattr(url, "_uri_reference", None)
        if getattr(reference, "_fields", None) != _REFERENCE_FIELDS or reference is None:
            return
        self.path = reference.path if reference.path.endswith("/") else f"{reference.path}/"
        # Used only if a URL derived from it is the very one httpx parses from the text (checked once per base,
        # so a different private layout in another httpx version turns this off instead of sending wrong URLs).
        derived = _from_reference(reference._replace(path=f"{self.path}a%2Fb/c~", query="q=1"))
        parsed = httpx.URL(f"{self.prefix}a%2Fb/c~?q=1")
        if derived._uri_reference == parsed._uri_reference and str(derived) == str(parsed):
            self.reference = reference


class FastRequestBuild(BaseClient):
    """Mixin for the SDK's httpx clients (before ``httpx.Client``/``httpx.AsyncClient`` in the bases)."""

    # The base URL last seen; rebuilt when base_url is replaced.
    _fast_base: _Base | None = None

    def build_request(
        self,
        method: str,
        url: httpx.URL | str,
        *,
        content: Any = None,
        data: Any = None,
        files: Any = None,
        json: Any | None = None,
        params: Any = None,
        headers: Any = None,
        cookies: Any = None,
        timeout: Any = httpx.USE_CLIENT_DEFAULT,
        extensions: Any = None,
    ) -> httpx.Request:
        merged: httpx.URL | None = None
        if (
            type(url) is str
            and url[:1] == "/"
            and url[1:2] != "/"
            and "?" not in url
            and "#" not in url
            and not self._params
        ):
            base = self._fast_base
            if base is None or base.url is not self._base_url:
                base = self._fast_base = _Base(self._base_url)
            encoded: tuple[str, bool] | None = None
            if not params and (params is None or type(params) is dict):
                encoded = ("", True)
            elif type(params) is dict:
                encoded = _query(params)
            if base.prefix is not None and encoded is not None:
                query, plain = encoded
                full = f"{base.prefix}{url[1:]}?{query}" if query else base.prefix + url[1:]
                if len(full) <= _LONGEST:
                    reference = base.reference
                    if reference is not None and plain and "/." not in url and _CLEAN_PATH(url):
                        # Nothing in it for the parser to change: the base's parsed form with this path and query.
                        merged = _from_reference(
                            reference._replace(path=base.path + url[1:], query=query or None)
                        )
                    else:
                        merged = httpx.URL(full)
        if merged is None:
            return super().build_request(
                method,
                url,
                content=content,
                data=data,
                files=files,
                json=json,
                params=params,
                headers=headers,
                cookies=cookies,
                timeout=timeout,
                extensions=extensions,
            )
        # From here on as httpx's build_request, with the URL already merged and its query in place.
        extensions = {} if extensions is None else extensions
        if "timeout" not in extensions:
            chosen = self.timeout if isinstance(timeout, _DEFAULT) else httpx.Timeout(timeout)
            extensions = dict(**extensions, timeout=chosen.as_dict())
        return httpx.Request(
            method,
            merged,
            content=content,
            data=data,
            files=files,
            json=json,
            headers=self._merge_headers(headers),
            cookies=self._merge_cookies(cookies),
            extensions=extensions,
        )
