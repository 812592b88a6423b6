"""Building the httpx.Request for a generated function's call with one URL parse instead of four.

httpx's ``Client.build_request`` parses the relative URL, parses it again joined to the base URL, encodes
the query parameters into a ``QueryParams``, and parses the URL a fourth time with that query attached:
about 600k instructions on the bench's ``listCards`` call, 30 % of what a raw httpx call costs its
client, for a URL the generated code has already percent-encoded (``path_segment``). For the calls the
generated functions make (a path starting with one ``/``, no query or fragment in it, parameters as a dict
of str/int/float values) ``FastRequestBuild.build_request`` writes the absolute URL as one string and lets
``httpx.URL`` parse it once; headers, cookies, timeout and body go through httpx's own code as before.
Anything else (an absolute URL, a ``?`` in the path, client-level params, a base URL with a query, list or
bool values, a URL longer than httpx's length limit) takes httpx's path unchanged. ``tests/overlay/test_sdk_request_build.py`` checks the result against httpx's own
``build_request`` for generated inputs, at every httpx version the package allows.
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
_PARAM_TYPES = (str, int, float)  # exact types: bool (an int) is "true"/"false" in httpx, so it falls back
_DEFAULT = type(httpx.USE_CLIENT_DEFAULT)
# httpx limits a URL string to this length but each component of a merged URL separately, so a longer URL
# is left to httpx (it may accept it).
_LONGEST = 65536


def _query(params: dict[Any, Any]) -> str | None:
    """``params`` as httpx writes it into the URL, or None for values this module leaves to httpx."""
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
    return "&".join(parts) if plain else str(httpx.QueryParams(params))


class FastRequestBuild(BaseClient):
    """Mixin for the SDK's httpx clients (before ``httpx.Client``/``httpx.AsyncClient`` in the bases)."""

    # (base URL object, its text) for the base URL last seen; rebuilt when base_url is replaced.
    _fast_base: tuple[httpx.URL, str | None] | None = None

    def _fast_prefix(self) -> str | None:
        base = self._base_url
        cached = self._fast_base
        if cached is not None and cached[0] is base:
            return cached[1]
        # httpx keeps base_url's path ending in "/" (an empty path, written as no path, stands for "/"); a
        # query or fragment on it takes httpx's own merge.
        prefix = None
        if base.is_absolute_url and not base.query and not base.fragment:
            text = str(base)
            prefix = text if text.endswith("/") else f"{text}/"
        self._fast_base = (base, prefix)
        return prefix

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
        full = None
        if type(url) is str and url[:1] == "/" and url[1:2] != "/" and "?" not in url and "#" not in url:
            prefix = self._fast_prefix()
            if prefix is not None and not self._params:
                if not params and (params is None or type(params) is dict):
                    full = prefix + url[1:]
                elif type(params) is dict and (query := _query(params)) is not None:
                    full = f"{prefix}{url[1:]}?{query}"
        if full is None or len(full) > _LONGEST:
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
            httpx.URL(full),
            content=content,
            data=data,
            files=files,
            json=json,
            headers=self._merge_headers(headers),
            cookies=self._merge_cookies(cookies),
            extensions=extensions,
        )
