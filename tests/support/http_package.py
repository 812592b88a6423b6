"""The HTTP package under test, imported as ``httpx`` by the unit and contract suites.

``ATOMIC_HTTP_BACKEND=httpx2`` runs them on httpx2: the clients the tests build read the same variable, and the
mocks, transports, requests and responses the tests make must be that package's (an httpx2 client takes only
httpx2 transports). Unset, it is httpx, as for users.
"""

import importlib
import os
from typing import Any

NAME = os.environ.get("ATOMIC_HTTP_BACKEND", "").strip() or "httpx"
httpx: Any = importlib.import_module(NAME)
