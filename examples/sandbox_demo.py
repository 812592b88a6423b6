"""Runs examples/quickstart.py against a local Atomic Sandbox (what `scripts/demo` does).

The Sandbox gets two keys, events and workbench; the ATOMIC_* variables that ``AtomicClient.from_env()``
reads are pointed at it, the quickstart runs unchanged, and the Sandbox reports what it saw.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from atomic_sdk import Credentials, Role
from atomic_sdk.testing import Sandbox

EXPECTED_TOKEN_REQUESTS = {"events": 1, "workbench": 1}


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import quickstart

    credentials = {
        Role.EVENTS: Credentials("demo-events-key", secrets.token_urlsafe(16)),
        Role.WORKBENCH: Credentials("demo-workbench-key", secrets.token_urlsafe(16)),
    }
    with Sandbox(credentials) as sandbox:
        # Real ATOMIC_* settings in the caller's shell must not leak into the demo.
        for name in [name for name in os.environ if name.startswith(("ATOMIC_", "QUICKSTART_"))]:
            del os.environ[name]
        os.environ.update(sandbox.env())
        os.environ.update(
            QUICKSTART_FLOW_CONFIG_ID="af-8Kd2",
            QUICKSTART_USER_ID="user-123",
            QUICKSTART_WEBHOOK_URL="https://example.com/card-state-webhook",
        )
        print(f"Atomic Sandbox at {sandbox.base_url} (keys: events, workbench)\n")
        status = quickstart.main()
        by_role = sandbox.token_requests_by_role()
        print("\nwhat the Sandbox saw:")
        for operation_id, count in sandbox.api_requests.items():
            print(f"  {operation_id}: {count} request(s)")
        print("token requests per role:")
        for role in ("events", "workbench"):
            print(f"  {role}: {by_role.get(role, 0)}")
    if status != 0:
        return status
    if by_role != EXPECTED_TOKEN_REQUESTS:
        print(f"expected one token request per role, got {by_role}", file=sys.stderr)
        return 1
    print("\nOK: one token per role, reused for every call of that role.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
