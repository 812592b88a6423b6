"""``respx`` for the package under test (see ``http_package``), imported as ``respx`` by the unit suites.

respx mocks httpx only. On httpx2 (``ATOMIC_HTTP_BACKEND=httpx2``) this module stands in with the part of
respx's API the suites use: ``respx.mock(...)`` as a context manager giving a router; ``router.get/post(url)``
or ``(url__regex=...)`` giving a route; ``route.mock(return_value=..., side_effect=...)`` (a list of responses
or exceptions, a callable, an exception); ``route.call_count``, ``route.calls.last.request``, ``router.calls``.
It routes every request the package's default transports send (``HTTPTransport``, ``AsyncHTTPTransport``, and
the SDK's sync transport, ``atomic_sdk._transport``);
an unmatched request raises, as respx's ``assert_all_mocked=True``.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from typing import Any

from atomic_sdk._transport import _Transport

from support.http_package import NAME, httpx

if NAME == "httpx":
    import respx as _respx

    respx: Any = _respx
else:

    class Call:
        def __init__(self, request: Any, response: Any) -> None:
            self.request = request
            self.response = response

    class Calls(list[Call]):
        @property
        def last(self) -> Call:
            return self[-1]

        @property
        def call_count(self) -> int:
            return len(self)

    class Route:
        def __init__(self, method: str, url: str | None, url_regex: str | None, name: str | None) -> None:
            self.name = name
            self.method = method
            self.url = httpx.URL(url) if url is not None else None
            self.regex = re.compile(url_regex) if url_regex is not None else None
            self.calls = Calls()
            self._effects: Iterator[Any] | Callable[[Any], Any] | None = None
            self._return: Any = None

        def mock(self, return_value: Any = None, side_effect: Any = None) -> Route:
            self._return = return_value
            if isinstance(side_effect, (list, tuple)):
                self._effects = iter(side_effect)
            else:
                self._effects = side_effect
            return self

        def respond(self, status_code: int = 200, **kwargs: Any) -> Route:
            return self.mock(return_value=httpx.Response(status_code, **kwargs))

        @property
        def call_count(self) -> int:
            return len(self.calls)

        def matches(self, request: Any) -> bool:
            if request.method != self.method:
                return False
            if self.regex is not None:
                return self.regex.match(str(request.url)) is not None
            assert self.url is not None
            url = request.url
            same = (url.scheme, url.host, url.port, url.path) == (
                self.url.scheme,
                self.url.host,
                self.url.port,
                self.url.path,
            )
            return same and (not self.url.query or url.params == self.url.params)

        def answer(self, request: Any) -> Any:
            # As sent this time: an auth flow changes the same request object before it sends it again.
            request = httpx.Request(
                request.method,
                request.url,
                headers=request.headers.copy(),
                content=request.content,
                extensions=dict(request.extensions),
            )
            effect: Any = self._effects
            if isinstance(effect, Iterator):
                effect = next(effect)
            if effect is None:
                effect = self._return
            elif callable(effect) and not (isinstance(effect, type) and issubclass(effect, BaseException)):
                effect = effect(request)
            if isinstance(effect, type) and issubclass(effect, BaseException):
                effect = effect("mocked", request=request)
            if isinstance(effect, BaseException):
                self.calls.append(Call(request, None))
                raise effect
            response = effect if effect is not None else httpx.Response(200)
            try:  # a response given once and answered many times: a fresh copy each time
                response = httpx.Response(response.status_code, headers=response.headers, content=response.content)
            except httpx.ResponseNotRead:  # a streamed body: answered as it is (once)
                pass
            self.calls.append(Call(request, response))
            return response

    class Router:
        def __init__(self) -> None:
            self.routes: list[Route] = []
            self.calls = Calls()

        def route(
            self, method: str, url: str | None = None, *, url__regex: str | None = None, name: str | None = None
        ) -> Route:
            route = Route(method, url, url__regex, name)
            self.routes.append(route)
            return route

        def __getitem__(self, name: str) -> Route:
            return next(route for route in self.routes if route.name == name)

        def get(self, url: str | None = None, **kwargs: Any) -> Route:
            return self.route("GET", url, **kwargs)

        def post(self, url: str | None = None, **kwargs: Any) -> Route:
            return self.route("POST", url, **kwargs)

        def handle(self, request: Any) -> Any:
            request.read()
            for route in self.routes:
                if route.matches(request):
                    try:
                        response = route.answer(request)
                    finally:
                        self.calls.append(route.calls[-1])
                    return response
            raise AssertionError(f"request not mocked: {request.method} {request.url}")

    class _Respx:
        MockRouter = Router

        @contextlib.contextmanager
        def mock(self, **_options: Any) -> Iterator[Router]:
            router = Router()
            sync_send = httpx.HTTPTransport.handle_request
            async_send = httpx.AsyncHTTPTransport.handle_async_request

            def handle_request(transport: Any, request: Any) -> Any:
                return router.handle(request)

            async def handle_async_request(transport: Any, request: Any) -> Any:
                await request.aread()
                return router.handle(request)

            deadline_send = _Transport.handle_request
            httpx.HTTPTransport.handle_request = handle_request
            httpx.AsyncHTTPTransport.handle_async_request = handle_async_request
            _Transport.handle_request = handle_request  # type: ignore[method-assign]
            try:
                yield router
            finally:
                httpx.HTTPTransport.handle_request = sync_send
                httpx.AsyncHTTPTransport.handle_async_request = async_send
                _Transport.handle_request = deadline_send  # type: ignore[method-assign]

    respx = _Respx()
