"""``atomic-sdk check``: fetch a fresh token for every configured key and report how it went."""

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from typing import Any

from .._backend import load
from .._client import AtomicClient
from .._credentials import Credentials
from .._env import settings_from_env
from .._errors import AtomicError
from .._roles import Role
from .._tokens.provider import TokenProvider
from .output import EXIT_FAILED, EXIT_OK, write_json, write_table

ALL_ROLES = "all"


def add_parser(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Register the ``check`` sub-command."""
    parser = commands.add_parser(
        "check",
        help="fetch a fresh token for every configured key",
        description=(
            "For each key configured through ATOMIC_* variables (ATOMIC_CLIENT_ID/SECRET: one key, role "
            "'all'; or ATOMIC_<ROLE>_CLIENT_ID/SECRET per role) request a fresh token and report the role, "
            "client id, status, expiry and latency, or why the request failed. Tokens and secrets are "
            "never printed. Exit 1 if any key fails."
        ),
    )
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Check every configured key; exit 1 when one of them did not get a token."""
    settings = settings_from_env(os.environ)
    keys = _keys(settings["credentials"])
    client = AtomicClient(**settings)
    try:
        http_error = load(client.http_backend).http_error
        results = [_check(client._tokens, role, credentials, http_error) for role, credentials in keys]
    finally:
        client.close()
    if args.json:
        write_json(sys.stdout, results)
    else:
        write_table(
            sys.stdout,
            ("ROLE", "CLIENT ID", "STATUS", "EXPIRES IN", "EXPIRES AT (UTC)", "LATENCY", "REASON"),
            [_row(result) for result in results],
        )
    return EXIT_OK if all(result["status"] == "ok" for result in results) else EXIT_FAILED


def _keys(credentials: object) -> list[tuple[str, Credentials]]:
    # One key serves every role, so it is checked once, as role "all".
    if isinstance(credentials, Credentials):
        return [(ALL_ROLES, credentials)]
    assert isinstance(credentials, dict)
    return [(role.value, creds) for role, creds in credentials.items()]


def _check(tokens: TokenProvider, role: str, credentials: Credentials, http_error: type[Exception]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "role": role,
        "client_id": credentials.client_id,
        "status": "ok",
        "expires_in": None,
        "expires_at": None,
        "latency_ms": None,
        "error": None,
    }
    started = time.perf_counter()
    try:
        token = tokens.fetch(credentials, role=None if role == ALL_ROLES else Role(role))
    except (AtomicError, http_error, OSError) as exc:  # http_error: httpx's or httpx2's HTTPError
        result["status"] = "failed"
        # The SDK's messages carry no secrets; the redaction is a second line of defence.
        result["error"] = _redact(str(exc) or type(exc).__name__, credentials.client_secret)
    else:
        result["expires_in"] = max(0, round(token.expires_at - time.time()))
        expires = datetime.fromtimestamp(token.expires_at, tz=UTC)
        result["expires_at"] = expires.isoformat(timespec="seconds").replace("+00:00", "Z")
    result["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _redact(text: str, secret: str) -> str:
    # A very short secret would also match inside ordinary words (the client id, the reason) and mangle them.
    return text.replace(secret, "***") if len(secret) >= 8 else text


def _row(result: dict[str, Any]) -> tuple[str, ...]:
    ok = result["status"] == "ok"
    return (
        result["role"],
        result["client_id"],
        result["status"],
        f"{result['expires_in']}s" if ok else "-",
        result["expires_at"] if ok else "-",
        f"{result['latency_ms']:.0f} ms",
        "" if ok else " ".join(str(result["error"]).split()),
    )
