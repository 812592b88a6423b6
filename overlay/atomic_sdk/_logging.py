"""The ``atomic_sdk`` logger: the ``ATOMIC_LOG`` switch, and keeping query values out of httpx's request line.

At INFO the SDK logs one line per HTTP request it sends (see ``_retries``); at DEBUG also the role chosen,
token fetches and retries. None of them holds a query value, a header, a secret or a token.

httpx logs its own INFO line per request (``HTTP Request: GET https://…/cards?userId=123 "HTTP/1.1 200 OK"``),
query string included. A filter on the ``httpx`` logger (``httpx2`` for clients on httpx2) rewrites that line,
for requests to the API and token hosts of an AtomicClient only, to show the query's names without their values
(``?userId=***``); other clients in the process are left alone. (httpcore and httpcore2 log at DEBUG without
URLs or header values.)
"""

import logging
import os
import sys
import threading
from collections.abc import Mapping

import httpx

from ._backend import HttpPackage

LOGGER_NAME = "atomic_sdk"
logger = logging.getLogger(LOGGER_NAME)

LEVELS = {"info": logging.INFO, "debug": logging.DEBUG}
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_lock = threading.Lock()
_origins: set[tuple[str, str, int | None]] = set()
_filtered: set[str] = set()  # the loggers (httpx, httpx2) with the filter


def setup_from_env(environ: Mapping[str, str] | None = None) -> logging.Handler | None:
    """Honour ``ATOMIC_LOG=info|debug``: log ``atomic_sdk`` records at that level to stderr.

    Returns the handler added (None when the variable is unset, empty or not a known level).
    """
    value = (os.environ if environ is None else environ).get("ATOMIC_LOG", "").strip().lower()
    if not value:
        return None
    level = LEVELS.get(value)
    if level is None:
        logger.warning("ATOMIC_LOG=%r is not one of %s; ignored", value[:20], ", ".join(LEVELS))
        return None
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.setLevel(level)
    logger.addHandler(handler)
    logger.setLevel(level)
    return handler


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)


def redact_query(url: httpx.URL) -> str:
    """``url`` with every query value replaced by ``***`` (the names stay: they help debugging)."""
    if not url.query:
        return str(url)
    names = "&".join(f"{name}=***" for name, _ in url.params.multi_items())
    return f"{url.copy_with(query=None)}?{names}"


class _QueryValueFilter(logging.Filter):
    """Rewrites the package's ``HTTP Request: METHOD URL ...`` record when the URL is an AtomicClient's."""

    def __init__(self, url_type: type[httpx.URL]) -> None:
        super().__init__()
        self._url = url_type

    def filter(self, record: logging.LogRecord) -> bool:
        # Any URL argument, wherever the package places it in its call (its argument order is not an API).
        args = record.args
        url = self._url
        if isinstance(args, tuple) and any(isinstance(arg, url) for arg in args):
            record.args = tuple(
                redact_query(arg) if isinstance(arg, url) and arg.query and _origin(arg) in _origins else arg
                for arg in args
            )
        return True


def watch(http: HttpPackage, *urls: str) -> None:
    """Keep query values of requests to these URLs' hosts out of ``http``'s log line (idempotent)."""
    with _lock:
        for url in urls:
            _origins.add(_origin(httpx.URL(url)))
        if http.name not in _filtered:
            logging.getLogger(http.name).addFilter(_QueryValueFilter(http.module.URL))
            _filtered.add(http.name)
